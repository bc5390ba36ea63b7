"""Fixtures of the visits' tests."""

from datetime import timedelta

import pytest


@pytest.fixture
def day(today):
    """The day of the queued-visit tests: yesterday in the township, so that every hour of it
    is past and server_at may set the clock to any."""
    return today - timedelta(days=1)
