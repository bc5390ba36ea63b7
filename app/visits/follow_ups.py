"""Whether a visit's follow-up is still open, stored on the visit.

The rule: a visit's follow-up is answered once a later visit to the same resident exists, or,
for a visit to a site alone (no resident), a later visit to the same project. Later is by day,
then by time within the day, then by id: a follow-up set for the day of the visit (the form
allows it) is answered by a second visit that same day.
`Visit.follow_up_open_on` holds the follow-up date while it is not answered, None once it is
(or when the visit has none).

Stored and indexed with the grid so that Today reads the follow-ups due as a range of an index
instead of looking for a later visit of every visit with a follow-up date on each request
(issue 19). `refresh` computes it in SQL for the visits of a set of residents and projects; it
is the one place the rule is written, used by:
- the flush hooks below, for every write through the session: a visit added, deleted, or
  changed in its day, follow-up date, resident or project (forms, the offline outbox,
  imports, retention);
- writes that bypass the session, through `rebuild` (the demo loaders);
- the migration that added the column, and `flask visits rebuild-follow-ups`.
"""

from collections.abc import Iterable
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from ..derived import kept_by_flush
from ..projects.models import Project
from ..residents.models import Resident
from .models import Visit

# Ids per UPDATE: well under SQLite's bound parameters, and a short IN list for PostgreSQL.
CHUNK = 1000
VISIT_FIELDS = ("resident_id", "project_id", "visited_on", "visited_at", "follow_up_on")


def after(later, visit) -> sa.ColumnElement:
    """`later` comes after `visit`: by day, by time that day, by id (visits dated after the fact
    all get midday). The day's bound is written on its own so that it bounds the search in the
    (resident, day) index on both engines."""
    return sa.and_(
        later.visited_on >= visit.visited_on,
        sa.or_(
            later.visited_on > visit.visited_on,
            later.visited_at > visit.visited_at,
            sa.and_(later.visited_at == visit.visited_at, later.id > visit.id),
        ),
    )


def open_on_sql(by_resident: bool) -> sa.ColumnElement:
    """The stored value of the visit row in the enclosing statement, by the rule above: for a
    visit to a resident (by_resident), else for a visit to a site alone."""
    later = aliased(Visit)
    # Two statements rather than one with a CASE: each looks for the later visit through an
    # index of its own, (resident, day) or (project, time).
    if by_resident:
        same_subject = later.resident_id == Visit.resident_id
    else:
        same_subject = later.project_id == Visit.project_id
    answered = sa.exists().where(same_subject, after(later, Visit))
    return sa.case((~answered, Visit.follow_up_on))


def refresh(
    session: Session, resident_ids: Iterable[int] = (), project_ids: Iterable[int] = ()
) -> None:
    """Compute the value again for the visits to these residents and projects."""
    residents = sorted({i for i in resident_ids if i is not None})
    projects = sorted({i for i in project_ids if i is not None})
    for by_resident, ids in ((True, residents), (False, projects)):
        for start in range(0, len(ids), CHUNK):
            session.execute(
                _update_by_ids(by_resident),
                {"ids": ids[start : start + CHUNK]},
                execution_options={"synchronize_session": False},
            )
    _expire(session)


def _update(by_resident: bool, where: sa.ColumnElement) -> sa.Update:
    return (
        sa.update(Visit)
        .where(
            where,
            Visit.resident_id.is_not(None) if by_resident else Visit.resident_id.is_(None),
            # Only visits with a follow-up date, or that had one: the rest stay None.
            sa.or_(Visit.follow_up_on.is_not(None), Visit.follow_up_open_on.is_not(None)),
        )
        # A derived value, not an edit of the visit.
        .values(follow_up_open_on=open_on_sql(by_resident), updated_at=Visit.updated_at)
    )


@cache
def _update_by_ids(by_resident: bool) -> sa.Update:
    """_update for a list of resident (or project) ids given as the parameter `ids`: built
    once, not on every saved visit (building it and its cache key cost more than running it:
    issue 19, make load), as rounds/due.py does."""
    column = Visit.resident_id if by_resident else Visit.project_id
    return _update(by_resident, column.in_(sa.bindparam("ids", expanding=True)))


def _expire(session: Session) -> None:
    # Visits loaded in the session would show the value they had before.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Visit):
            session.expire(obj, ["follow_up_open_on"])


def rebuild(session: Session) -> int:
    """Every visit's value computed again (`flask visits rebuild-follow-ups`, loaders); returns
    how many follow-ups are open."""
    for by_resident in (True, False):
        session.execute(
            _update(by_resident, sa.true()), execution_options={"synchronize_session": False}
        )
    _expire(session)
    return session.scalar(sa.select(sa.func.count()).where(Visit.follow_up_open_on.is_not(None)))


def _ids(state, name: str) -> list:
    """The values a visit's attribute had and has in this flush (ids, or related objects)."""
    history = state.attrs[name].history
    return [*history.added, *history.unchanged, *history.deleted]


def touched(session: Session) -> tuple[set[int], set[int], list]:
    """Residents and projects whose visits this flush changes (old and new), and residents or
    projects added in this flush, whose ids are known only after it."""
    residents: set[int] = set()
    projects: set[int] = set()
    later: list = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, Visit):
            continue
        state = sa.inspect(obj)
        if obj in session.dirty and not (
            any(state.attrs[name].history.has_changes() for name in VISIT_FIELDS)
            or any(state.attrs[name].history.has_changes() for name in ("resident", "project"))
        ):
            continue
        residents.update(_ids(state, "resident_id"))
        projects.update(_ids(state, "project_id"))
        # Set through the relationship (a resident or project added in this flush has no id
        # yet; one set on a persistent visit shows in the id only once the flush has run).
        for related in (*_ids(state, "resident"), *_ids(state, "project")):
            if related is None:
                continue
            identity = sa.inspect(related).identity
            if identity is None:
                later.append(related)
            elif isinstance(related, Resident):
                residents.add(identity[0])
            else:
                projects.add(identity[0])
    residents.discard(None)
    projects.discard(None)
    return residents, projects, later


def _lock(session: Session, residents: set[int], projects: set[int]) -> None:
    # Two writers to one resident (a visit saved while another's follow-up date is edited):
    # the second waits here for the first to commit, and its UPDATE after the flush then reads
    # the first's visit as well. Taken before the flush writes the visits, so that neither
    # holds a visit row the other's UPDATE must wait for. FOR NO KEY UPDATE, as in
    # rounds/due.py: a visit's INSERT already holds a key-share lock on its resident.
    for model, ids in ((Resident, residents), (Project, projects)):
        ids = sorted(ids)
        for start in range(0, len(ids), CHUNK):
            session.execute(_lock_by_ids(model), {"ids": ids[start : start + CHUNK]})


@cache
def _lock_by_ids(model) -> sa.Select:
    return (
        sa.select(model.id)
        .where(model.id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(model.id)
        .with_for_update(key_share=True)
    )


def _collect(session: Session) -> tuple[set[int], set[int], list]:
    found = touched(session)
    if session.get_bind().dialect.name == "postgresql" and (found[0] or found[1]):
        _lock(session, found[0], found[1])
    return found


def _apply(session: Session, collected: list) -> None:
    residents: set[int] = set()
    projects: set[int] = set()
    for found_residents, found_projects, later in collected:
        residents |= found_residents
        projects |= found_projects
        for obj in later:
            (residents if isinstance(obj, Resident) else projects).add(obj.id)
    if residents or projects:
        refresh(session, residents, projects)


kept_by_flush("follow_ups_pending", _collect, _apply)
