"""Reads for the review of daily logs: the queue with its counts, and one day in full."""

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    Answer,
    DailyLog,
    Hazard,
    Photo,
    Screening,
    User,
    Visit,
)
from ..scope import select_for
from ..screening.queries import unfinished_count
from ..statements import kept, user_scope

QUEUE_STATUSES = ("submitted", "returned", "approved", "open")
PER_PAGE = 20


def _counts():
    """Correlated counts per day (visits, screenings, hazards found, photos), as columns.

    Each count joins back to its visit so that it correlates with the day's log at one
    level; a nested IN (SELECT ... WHERE daily_log_id = daily_logs.id) would not.
    """
    of_day = Visit.daily_log_id == DailyLog.id
    visits = sa.select(sa.func.count(Visit.id)).where(of_day)
    screenings = (
        sa.select(sa.func.count(Screening.id))
        .join(Visit, Visit.id == Screening.visit_id)
        .where(of_day)
    )
    hazards = (
        sa.select(sa.func.count(Hazard.id)).join(Visit, Visit.id == Hazard.visit_id).where(of_day)
    )
    # Rectification photos come later than the day and belong to the hazard's follow-up.
    visit_photos = (
        sa.select(sa.func.count(Photo.id)).join(Visit, Visit.id == Photo.visit_id).where(of_day)
    )
    # Down from the day's visits: their screenings, each one's answers, each answer's photos
    # through ix_photos_answer_id. The nesting fixes the order, so neither engine walks every
    # answer photo (SQLite did, joined from the photos) or every answer (PostgreSQL did, with a
    # join) for each day; and each level correlates with the one above it (an IN two levels
    # below the day's row took a daily_logs of its own and counted every day's photos).
    per_answer = (
        sa.select(sa.func.count(Photo.id)).where(Photo.answer_id == Answer.id).scalar_subquery()
    )
    per_screening = (
        sa.select(sa.func.coalesce(sa.func.sum(per_answer), 0))
        .where(Answer.screening_id == Screening.id)
        .scalar_subquery()
    )
    answer_photos = (
        # PostgreSQL sums counts as numeric: a whole number is what the page counts with.
        sa.select(sa.cast(sa.func.coalesce(sa.func.sum(per_screening), 0), sa.Integer))
        .select_from(Visit)
        .join(Screening, Screening.visit_id == Visit.id)
        .where(of_day)
    )
    hazard_photos = (
        sa.select(sa.func.count(Photo.id))
        .join(Hazard, Hazard.id == Photo.hazard_id)
        .join(Visit, Visit.id == Hazard.visit_id)
        .where(of_day, Photo.is_rectification.is_(False))
    )
    photos = (
        visit_photos.scalar_subquery()
        + answer_photos.scalar_subquery()
        + hazard_photos.scalar_subquery()
    )
    return (
        visits.scalar_subquery().label("visits"),
        screenings.scalar_subquery().label("screenings"),
        hazards.scalar_subquery().label("hazards"),
        photos.label("photos"),
        # A checklist left open is named when the day is submitted and approved (walk: a day
        # with an unfinished screening went through both without a word); one started with
        # nothing checked is named apart, as the tap it was, not as work left half done.
        unfinished_count(DailyLog).label("open_screenings"),
        unfinished_count(DailyLog, answered=False).label("empty_screenings"),
    )


def _queue_order() -> tuple:
    # Days waiting for a decision come first: the secretary's work, then the rest newest first.
    waiting_first = sa.case((DailyLog.status == "submitted", 0), else_=1)
    return (waiting_first, DailyLog.day.desc(), User.display_name, DailyLog.id)


def _queue_days(
    user, grid_id: int | None = None, status: str = "", active_only: bool = True
) -> sa.Select:
    """The days of the queue, filtered, as (DailyLog, worker name) without their counts."""
    stmt = (
        select_for(DailyLog, user)
        .add_columns(User.display_name.label("worker_name"))
        .join(User, User.id == DailyLog.worker_id)
    )
    if active_only:
        stmt = stmt.where(
            sa.or_(DailyLog.status != "open", sa.exists().where(Visit.daily_log_id == DailyLog.id))
        )
    if grid_id:
        stmt = stmt.where(
            sa.exists().where(Visit.daily_log_id == DailyLog.id, Visit.grid_id == grid_id)
        )
    if status in QUEUE_STATUSES:
        stmt = stmt.where(DailyLog.status == status)
    return stmt


def queue(
    user, grid_id: int | None = None, status: str = "", active_only: bool = True
) -> sa.Select:
    """Every day with activity in the user's scope with its counts: submitted ones first.

    One statement: rows are (DailyLog, worker name, visits, screenings, hazards, photos,
    screenings not finished).
    Meant for one day or a few (queue_row, day_row); a page of the queue is queue_page.
    """
    return (
        _queue_days(user, grid_id, status, active_only)
        .add_columns(*_counts())
        .order_by(*_queue_order())
    )


def queue_page(
    user, grid_id: int | None = None, status: str = "", *, limit: int, offset: int = 0
) -> list:
    """`limit` rows of the queue from `offset`, as queue() gives them, in one statement.

    The page's days are picked first and counted after: counted before the sort, every day
    of the community's history was counted to show 20 (issue 19: the review queue grew with
    the community's age).
    """

    # Waiting days and the rest each read newest first, as far as the page reaches, then
    # merged: sorted as one, every day of the community's history (3,650 a year for ten
    # workers) was read and sorted to show 20.
    def newest(waiting: bool) -> sa.Subquery:
        return (
            _queue_days(user, grid_id, status)
            .with_only_columns(
                DailyLog.id,
                sa.literal(0 if waiting else 1).label("waiting_first"),
                DailyLog.day,
                User.display_name,
            )
            .where(
                (DailyLog.status == "submitted") if waiting else (DailyLog.status != "submitted")
            )
            .order_by(DailyLog.day.desc(), User.display_name, DailyLog.id)
            .limit(offset + limit)
            .subquery()
        )

    def build() -> sa.Select:
        both = sa.union_all(*(sa.select(sub) for sub in (newest(True), newest(False)))).subquery()
        days = (
            sa.select(both.c.id)
            .order_by(both.c.waiting_first, both.c.day.desc(), both.c.display_name, both.c.id)
            .limit(limit)
            .offset(offset)
        )
        return (
            sa.select(DailyLog, User.display_name.label("worker_name"), *_counts())
            .join(User, User.id == DailyLog.worker_id)
            .where(DailyLog.id.in_(days))
            .order_by(*_queue_order())
        )

    # Built and keyed once (its cache key alone was ~0.8 ms of the queue's every load).
    key = ("queue_page", user_scope(user), grid_id, status, limit, offset)
    return list(db.session.execute(kept(key, build)))


def queue_row(user, log_id: int):
    """One row of the queue (for refreshing it in place), or None out of scope."""
    return db.session.execute(queue(user, active_only=False).where(DailyLog.id == log_id)).first()


def waiting_count(user) -> int:
    """Submitted days waiting for the user's review."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(
                select_for(DailyLog, user).where(DailyLog.status == "submitted").subquery()
            )
        )
        or 0
    )


def log_for_day(user, worker_id: int, day: date) -> DailyLog | None:
    """The worker's log of that day, if the user may see it."""
    return db.session.scalar(
        select_for(DailyLog, user)
        .where(DailyLog.worker_id == worker_id, DailyLog.day == day)
        .options(joinedload(DailyLog.worker))
    )


def day_row(user, worker_id: int, day: date):
    """The worker's day as a queue row (the log, with its worker, and its counts) in one
    statement, or None out of scope."""
    stmt = kept(
        ("day_row", user_scope(user)),
        lambda: (
            queue(user, active_only=False)
            .where(
                DailyLog.worker_id == sa.bindparam("worker_id", type_=sa.Integer()),
                DailyLog.day == sa.bindparam("day", type_=sa.Date()),
            )
            .options(joinedload(DailyLog.worker))
        ),
    )
    return db.session.execute(stmt, {"worker_id": worker_id, "day": day}).first()


def logs_by_ids(user, ids: list[int]) -> list[DailyLog]:
    if not ids:
        return []
    return list(
        db.session.scalars(
            select_for(DailyLog, user).where(DailyLog.id.in_(ids)).order_by(DailyLog.day)
        )
    )


def day_detail(user, log: DailyLog) -> dict:
    """Everything in the day: visits with screenings, answers, hazards and their photos."""
    # One statement for the whole tree: a selectinload per level would be five more.
    stmt = kept(("day_visits", user_scope(user)), lambda: _day_visits(user))
    visits = list(db.session.scalars(stmt, {"daily_log_id": log.id}).unique())
    visit_ids = [v.id for v in visits]
    answer_ids = [a.id for v in visits for s in v.screenings for a in s.answers]
    hazard_ids = [
        a.hazard.id for v in visits for s in v.screenings for a in s.answers if a.hazard is not None
    ]
    photos = {"visit": {}, "answer": {}, "hazard": {}}
    shape = (bool(visit_ids), bool(answer_ids), bool(hazard_ids))
    if any(shape):
        stmt = kept(("day_photos", user_scope(user), shape), lambda: _day_photos(user, *shape))
        params = {"visit_ids": visit_ids, "answer_ids": answer_ids, "hazard_ids": hazard_ids}
        for p in db.session.scalars(stmt, {k: v for k, v in params.items() if v}):
            if p.visit_id:
                photos["visit"].setdefault(p.visit_id, []).append(p)
            elif p.answer_id:
                photos["answer"].setdefault(p.answer_id, []).append(p)
            else:
                photos["hazard"].setdefault(p.hazard_id, []).append(p)
    return {"visits": visits, "photos": photos}


def _day_visits(user) -> sa.Select:
    return (
        select_for(Visit, user)
        .where(Visit.daily_log_id == sa.bindparam("daily_log_id", type_=sa.Integer()))
        .options(
            joinedload(Visit.resident),
            joinedload(Visit.project),
            joinedload(Visit.screenings).joinedload(Screening.template),
            joinedload(Visit.screenings).joinedload(Screening.answers).joinedload(Answer.item),
            joinedload(Visit.screenings).joinedload(Screening.answers).joinedload(Answer.hazard),
        )
        .order_by(Visit.visited_at, Visit.id)
    )


def _day_photos(user, visits: bool, answers: bool, hazards: bool) -> sa.Select:
    """The day's photos: of its visits, answers and hazards (not their rectification)."""
    conditions = []
    if visits:
        conditions.append(Photo.visit_id.in_(sa.bindparam("visit_ids", expanding=True)))
    if answers:
        conditions.append(Photo.answer_id.in_(sa.bindparam("answer_ids", expanding=True)))
    if hazards:
        conditions.append(
            sa.and_(
                Photo.hazard_id.in_(sa.bindparam("hazard_ids", expanding=True)),
                Photo.is_rectification.is_(False),
            )
        )
    return select_for(Photo, user).where(sa.or_(*conditions)).order_by(Photo.id)


def own_days(user, today: date, limit: int = 10) -> tuple[DailyLog | None, int, int, int, list]:
    """The worker's log of today with its number of visits, of checklists not finished and of
    those started with nothing checked, and the days returned to them (newest first, today's
    left out), in one statement."""
    visits = sa.select(sa.func.count(Visit.id)).where(Visit.daily_log_id == DailyLog.id)
    rows = db.session.execute(
        select_for(DailyLog, user)
        .add_columns(
            visits.scalar_subquery().label("visits"),
            unfinished_count(DailyLog).label("open"),
            unfinished_count(DailyLog, answered=False).label("empty"),
        )
        .where(
            DailyLog.worker_id == user.id,
            sa.or_(DailyLog.day == today, DailyLog.status == "returned"),
        )
        .order_by(DailyLog.day.desc())
        .limit(limit + 1)
    ).all()
    log, count, unfinished, empty = next(
        ((r[0], r[1], r[2], r[3]) for r in rows if r[0].day == today), (None, 0, 0, 0)
    )
    returned = [r[0] for r in rows if r[0].status == "returned"][:limit]
    return (
        log,
        count or 0,
        unfinished or 0,
        empty or 0,
        [r for r in returned if r.day != today],
    )


# How far back Today looks for a day never submitted. Every page's nav counts them: a window
# keeps that count from growing with the worker's years of days; older ones are the
# secretary's to chase (the review queue lists them as not submitted).
UNSUBMITTED_DAYS = 31


def unsubmitted_select(user, today: date) -> sa.Select:
    """The worker's earlier days with a visit that were never submitted, within the last
    month: a day forgotten, or a visit moved to an earlier date. The secretary sees them as
    not submitted; only the worker can hand them in."""
    return select_for(DailyLog, user).where(
        DailyLog.worker_id == user.id,
        DailyLog.status == "open",
        DailyLog.day < today,
        DailyLog.day >= today - timedelta(days=UNSUBMITTED_DAYS),
        sa.exists().where(Visit.daily_log_id == DailyLog.id),
    )
