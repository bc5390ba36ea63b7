"""The day each resident's next visit of the round is due, stored on the resident.

The rule (queries.py's docstring says why): the day of the last visit that met the resident
(any outcome but "not home"), or the day they were put on the caseload if none, plus the
shortest days-between-visits of their care reasons; None when no reason of theirs has one.
Archived and erased residents keep the date; the round leaves them out by their own columns.

Stored (`Resident.next_visit_due_on`, indexed with the grid) so that Today reads the
residents due as a range of an index instead of computing every resident's date on each
request (issue 19). `refresh` computes it in SQL for a set of residents; it is the one place
the rule is written, used by:
- the flush hooks below, for every write through the session: a visit added, deleted, or
  changed in its day, outcome or resident (forms, the offline outbox, imports, retention);
  a resident added or their care reasons changed; a care reason's cadence changed (one
  UPDATE of the residents with that reason);
- writes that bypass the session, which call `refresh` themselves (the resident import's
  bulk INSERT, retiring a care reason in the seed, the demo loaders via `rebuild`);
- the migration that added the column, and `flask rounds rebuild-due`.
"""

from collections.abc import Iterable
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..derived import kept_by_flush
from ..models import CareReason, Resident, Visit, resident_care_reasons
from ..sqldates import add_days

# Ids per UPDATE: well under SQLite's bound parameters, and a short IN list for PostgreSQL.
CHUNK = 1000
VISIT_FIELDS = ("resident_id", "visited_on", "outcome")
RESIDENT_FIELDS = ("care_reasons", "created_at")


def last_met_sql() -> sa.ScalarSelect:
    """The day of the last visit that met the resident row of the enclosing statement."""
    return (
        sa.select(sa.func.max(Visit.visited_on))
        .where(Visit.resident_id == Resident.id, Visit.outcome != "not_home")
        .scalar_subquery()
    )


def last_not_home_sql() -> sa.ScalarSelect:
    """The day of the last visit that found nobody home: not a visit of the round, but an
    attempt the lists must not call "not visited yet"."""
    return (
        sa.select(sa.func.max(Visit.visited_on))
        .where(Visit.resident_id == Resident.id, Visit.outcome == "not_home")
        .scalar_subquery()
    )


def due_on_sql() -> sa.ColumnElement:
    """The due date of the resident row in the enclosing statement, by the rule above."""
    last_met = last_met_sql()
    every = (
        sa.select(sa.func.min(CareReason.visit_every_days))
        .join(resident_care_reasons, resident_care_reasons.c.reason_code == CareReason.code)
        .where(resident_care_reasons.c.resident_id == Resident.id)
        .scalar_subquery()
    )
    return add_days(sa.func.coalesce(last_met, Resident.created_at), every)


def refresh(session: Session, ids: Iterable[int] | sa.Select | None = None) -> None:
    """Compute the due date again for these residents (ids, or a SELECT of ids; None: all)."""
    if ids is None or isinstance(ids, sa.Select):
        _refresh(session, ids)
    else:
        ids = sorted({i for i in ids if i is not None})
        for start in range(0, len(ids), CHUNK):
            _refresh(session, ids[start : start + CHUNK])
    # Residents loaded in the session would show the date they had before.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Resident):
            session.expire(obj, ["next_visit_due_on"])


def _refresh(session: Session, ids: list[int] | sa.Select | None) -> None:
    if isinstance(ids, list):
        lock, update = _by_ids()
        params = {"ids": ids}
    else:
        lock, update = _statements(sa.true() if ids is None else Resident.id.in_(ids))
        params = {}
    if session.get_bind().dialect.name == "postgresql":
        # Two writers to one resident (two visits saved at once): the second waits here for
        # the first to commit, and its UPDATE below then reads the first's visit as well.
        # Without it, both would compute from what was committed before either began.
        # FOR NO KEY UPDATE, not FOR UPDATE: each visit's INSERT already holds a key-share
        # lock on its resident (the foreign key), which FOR UPDATE would wait for, each
        # writer for the other's, until PostgreSQL killed one of the saves.
        session.execute(lock, params)
    session.execute(update, params, execution_options={"synchronize_session": False})


def _statements(where: sa.ColumnElement) -> tuple[sa.Select, sa.Update]:
    """The row locks and the UPDATE of the residents `where` picks."""
    lock = sa.select(Resident.id).where(where).order_by(Resident.id).with_for_update(key_share=True)
    # The date is derived, not an edit of the resident's record.
    update = (
        sa.update(Resident)
        .where(where)
        .values(next_visit_due_on=due_on_sql(), updated_at=Resident.updated_at)
    )
    return lock, update


@cache
def _by_ids() -> tuple[sa.Select, sa.Update]:
    """_statements for a list of ids given as the parameter `ids`: built once, not on every
    saved visit (building them cost more than running them: issue 19, make load)."""
    return _statements(Resident.id.in_(sa.bindparam("ids", expanding=True)))


def rebuild(session: Session) -> int:
    """Every resident's due date computed again (`flask rounds rebuild-due`, loaders)."""
    refresh(session)
    return session.scalar(sa.select(sa.func.count()).where(Resident.next_visit_due_on.is_not(None)))


def _changed(obj, names: tuple[str, ...]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def touched(session: Session) -> tuple[set[int], list, set[str]]:
    """What this flush changes of the rule's inputs: ids of residents known now, residents
    whose id is known only after the flush, and care reasons whose cadence changed."""
    ids: set[int] = set()
    later: list = []
    codes: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Visit):
            if obj in session.dirty and not _changed(obj, VISIT_FIELDS):
                continue
            # The resident it was for and the one it is for now (moved to another).
            ids.update(sa.inspect(obj).attrs.resident_id.history.deleted)
            ids.add(obj.resident_id)
            # Set through the relationship to a resident added in this flush: no id yet.
            resident = obj.__dict__.get("resident")
            if resident is not None:
                later.append(resident)
        elif isinstance(obj, Resident):
            if obj in session.new or _changed(obj, RESIDENT_FIELDS):
                later.append(obj)
        elif (
            isinstance(obj, CareReason)
            and obj in session.dirty
            and _changed(obj, ("visit_every_days",))
        ):
            codes.add(obj.code)
    ids.discard(None)
    return ids, later, codes


def _apply(session: Session, collected: list) -> None:
    ids: set[int] = set()
    codes: set[str] = set()
    for found_ids, later, found_codes in collected:
        ids |= found_ids
        ids.update(obj.id for obj in later)
        codes |= found_codes
    if codes:
        # One set-based UPDATE for everyone with the reason, however many they are.
        ids_with_reason = sa.select(resident_care_reasons.c.resident_id).where(
            resident_care_reasons.c.reason_code.in_(codes)
        )
        refresh(session, ids_with_reason)
    ids.discard(None)
    if ids:
        refresh(session, ids)


kept_by_flush("due_pending", touched, _apply)
