"""When residents' concerns about a risk factor call for a fresh review of that factor.

The flag is about the factor, never about the people who raised the concerns.
"""

from datetime import date, timedelta

COUNT_DAYS = 30  # the window shown beside each factor
RISING_DAYS = 14  # two windows of this length are compared
RISING_MIN = 2  # one concern is news, two in a fortnight start a trend
LATEST_SHOWN = 3


def count_since(today: date) -> date:
    """First day of the "last 30 days" window, today included."""
    return today - timedelta(days=COUNT_DAYS - 1)


def recent_since(today: date) -> date:
    """First day of the recent fortnight, today included."""
    return today - timedelta(days=RISING_DAYS - 1)


def previous_since(today: date) -> date:
    """First day of the fortnight before the recent one."""
    return today - timedelta(days=2 * RISING_DAYS - 1)


def is_rising(recent: int, previous: int) -> bool:
    """Flag for review: 2 or more concerns in the last 14 days, and more than the 14 before."""
    return recent >= RISING_MIN and recent > previous
