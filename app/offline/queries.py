"""What a worker's phone keeps for a day without signal: always read through app/scope.py."""

import re
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy.orm import selectinload

from .. import scope
from ..extensions import db
from ..i18n import localized
from ..models import Resident, Visit
from ..permissions import can, navigation
from ..screening import queries as screening_queries
from ..timeutil import local_today

# Recent visits whose pages (and checklists) go offline with the caseload.
RECENT_VISITS = 100


def caseload_residents(user) -> list[Resident]:
    """The residents on file in the user's grids, at most OFFLINE_RESIDENTS per grid."""
    per_grid = current_app.config["OFFLINE_RESIDENTS"]
    found: list[Resident] = []
    for grid in scope.grids(user):
        found.extend(
            db.session.scalars(
                scope.select_for(Resident, user)
                .where(Resident.grid_id == grid.id, Resident.archived_at.is_(None))
                .options(selectinload(Resident.care_reasons), selectinload(Resident.grid))
                .order_by(Resident.name, Resident.id)
                .limit(per_grid)
            )
        )
    return found


def recent_visits(user) -> list[Visit]:
    """The user's own visits of the offline period, newest first, with their checklists."""
    since = local_today() - timedelta(days=current_app.config["OFFLINE_DAYS"])
    return list(
        db.session.scalars(
            scope.select_for(Visit, user)
            .where(Visit.worker_id == user.id, Visit.visited_on >= since)
            .options(selectinload(Visit.screenings))
            .order_by(Visit.visited_at.desc(), Visit.id.desc())
            .limit(RECENT_VISITS)
        )
    )


def caseload(user) -> dict:
    """The pages to keep on the phone and the data that answers a search without signal.

    `pages` are fetched as whole pages; `fragments` as htmx asks for them (the visit form
    opens inside the resident's page).
    """
    residents = caseload_residents(user)
    pages = [url_for(item.endpoint) for item in navigation(user)]
    # The outbox page lists what waits on the phone: it must open without signal too, and so
    # must the whole list behind Today's nearest follow-ups.
    pages.append(url_for("outbox.index"))
    if can("today.view", None, user):
        pages.append(url_for("today.follow_ups"))
    fragments: list[str] = []
    for r in residents:
        pages.append(url_for("residents.show", resident_id=r.id))
        if can("requests.record", r, user):
            pages.append(url_for("requests.new", resident=r.id))
        fragments.append(url_for("visits.new", resident=r.id))
    checklists = screening_queries.active_templates() if can("screening.run", None, user) else []
    # A checklist started without signal opens from these (the service worker, sw.js).
    pages.extend(url_for("screening.blank", template=t.id) for t in checklists)
    for v in recent_visits(user):
        pages.append(url_for("visits.show", visit_id=v.id))
        pages.extend(url_for("screening.show", screening_id=s.id) for s in v.screenings)
    return {
        "pages": list(dict.fromkeys(pages)),
        "fragments": fragments,
        "residents": [_search_row(r) for r in residents],
        # What a visit still waiting in the outbox may start (static/js/outbox.js): those of
        # its purpose and its kind of visit (a site's on a project's), as its page would.
        "checklists": [
            {"id": t.id, "name": localized(t), "purpose": t.visit_purpose, "on_site": t.on_site}
            for t in checklists
        ],
    }


def _search_row(r: Resident) -> dict:
    return {
        "id": r.id,
        "name": r.name,
        "grid": r.grid.name,
        "address": r.address,
        # What the server's search matches besides the name (residents/queries.search).
        "match": [f"{r.building}-{r.unit}-{r.room}", f"{r.building}{r.unit}{r.room}"],
        "building": r.building,
        # The pinyin key ("zhaolanying zly") and the phone's digits: found by the server's
        # search, and by the phone's without signal (the walk: "zly" found nobody there).
        "pinyin": r.pinyin or "",
        "phone": re.sub(r"\D", "", r.phone or ""),
        "care": [c.code for c in r.care_reasons],
        "tags": [localized(c) for c in r.care_reasons],
        "url": url_for("residents.show", resident_id=r.id),
    }
