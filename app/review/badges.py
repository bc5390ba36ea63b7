"""Counts on the bottom navigation: what is waiting for the person looking at the page."""

import sqlalchemy as sa
from flask import current_app, g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..handovers.queries import handover_notes_select
from ..hazards import queries as hazard_queries
from ..models import DailyLog, Hazard
from ..permissions import SECRETARY, WORKER
from ..requests.queries import alerts_select
from ..scope import select_for
from ..statements import kept, user_scope
from ..timeutil import local_today
from . import queries as review_queries


def _count(stmt: sa.Select) -> sa.ScalarSelect:
    return sa.select(sa.func.count()).select_from(stmt.subquery()).scalar_subquery()


def badge_counts(user) -> dict[str, int]:
    """Nav counts in one query: a worker's returned days and hazards due now (overdue or due
    soon); a secretary's submitted days waiting and overdue hazards."""
    if user.role not in WORKER and user.role not in SECRETARY:
        return {}
    today = local_today()
    if user.role in WORKER:
        keys = ("returned", "hazards", "requests", "handover_notes", "unsubmitted", "last_open")
    else:
        keys = ("review", "hazards", "requests")
    stmt = kept(("badges", user_scope(user), today), lambda: _badges_select(user, today))
    row = db.session.execute(stmt).one()
    counts = dict(zip(keys, row, strict=True))
    if user.role in WORKER:
        # Today's tab counts the days waiting on the worker: returned, and never submitted.
        counts["today"] = counts["returned"] + counts["unsubmitted"]
    return counts


def _badges_select(user, today) -> sa.Select:
    if user.role in WORKER:
        days = select_for(DailyLog, user).where(DailyLog.status == "returned")
        # The same hazards as Today's list and the board's filter: a badge of 1 over a list
        # of 3 reads as a mistake.
        hazards = hazard_queries.due_select(user, today)
    else:
        days = select_for(DailyLog, user).where(DailyLog.status == "submitted")
        hazards = select_for(Hazard, user).where(Hazard.overdue_sql(today))
    # Requests due soon or overdue whose next step is this user's (as the home lists them).
    requests = alerts_select(user, today)
    counts = [_count(days), _count(hazards), _count(requests)]
    if user.role in WORKER:
        # Counted here so Today asks for the notes only when there is one to show.
        counts.append(_count(handover_notes_select(user)))
        # Earlier days never submitted, and the latest of them, which Today links to: said
        # from here, Today needs no statement of its own for them.
        unsubmitted = review_queries.unsubmitted_select(user, today).subquery()
        counts.append(sa.select(sa.func.count()).select_from(unsubmitted).scalar_subquery())
        counts.append(sa.select(sa.func.max(unsubmitted.c.day)).scalar_subquery())
    return sa.select(*counts)


class LazyBadges:
    """The nav's `badges`: counted on first use, once per request; fragments never ask."""

    def _load(self) -> dict[str, int]:
        if "nav_badges" not in g:
            counts: dict[str, int] = {}
            user = current_user._get_current_object()
            if user and user.is_authenticated:
                try:
                    with db.session.no_autoflush:
                        counts = badge_counts(user)
                except SQLAlchemyError:  # an error page must still render
                    current_app.logger.warning("nav badges not counted", exc_info=True)
            g.nav_badges = counts
        return g.nav_badges

    def get(self, area: str, default=None):
        return self._load().get(area, default)

    def __getitem__(self, area: str) -> int:
        return self._load()[area]


def nav_oob() -> str:
    """The bottom nav again, swapped out of band, so its counts follow an in-place change."""
    from flask import render_template

    html = render_template("_nav.html")
    # _nav.html is shared by every page; the out-of-band marker is added only here.
    return html.replace('id="bottom-nav"', 'id="bottom-nav" hx-swap-oob="true"', 1)
