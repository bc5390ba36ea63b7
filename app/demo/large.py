"""`flask demo load --large`: a benchmark township of 100,000 residents and 1,000,000 visits.

It is a township of its own (城北街道), not more rows in the demo township: its grids keep a
realistic size (500 residents, one worker, a year of visits each), the demo township stays
readable, and the benchmarks then measure scoped queries against big tables that also hold
other townships' rows. Rows go in with Core executemany inserts in batches of BATCH, one
commit per batch.
"""

import math
import random
import time
import uuid
from datetime import timedelta
from typing import NamedTuple

import click
import sqlalchemy as sa

from ..db import write_intent
from ..extensions import db
from ..models import (
    Community,
    DailyLog,
    Grid,
    Resident,
    Township,
    User,
    Visit,
    resident_care_reasons,
)
from ..timeutil import day_start_utc, local_today, utcnow
from . import texts
from .load import DEMO_PASSWORD, SEED, clear_townships

LARGE_TOWNSHIP = "城北街道"
LARGE_USER_PREFIX = "bench-"
RESIDENTS_PER_GRID = 500
GRIDS_PER_COMMUNITY = 10
DAYS = 365
BATCH = 10_000
COMMUNITY_NAMES = (
    "光明",
    "团结",
    "友谊",
    "新华",
    "东风",
    "胜利",
    "建设",
    "文化",
    "长青",
    "花园",
    "春晖",
    "滨河",
    "锦绣",
    "阳光",
    "振兴",
    "康乐",
    "向阳",
    "安居",
    "金桥",
    "翠湖",
)
PURPOSES = ("routine", "elderly_care", "follow_up")
OUTCOMES = ("done", "needs_follow_up", "not_home", "referred")
SUMMARIES = {p: texts.VISIT_SUMMARIES[p] for p in PURPOSES}


class Staff(NamedTuple):
    """The ids a benchmark worker's rows need."""

    worker_id: int
    community_id: int
    grid_id: int
    secretary_id: int


def large_users():
    """The ids of the benchmark township's users."""
    return sa.select(User.id).where(
        User.is_demo.is_(True), User.username.like(f"{LARGE_USER_PREFIX}%")
    )


def large_township() -> Township | None:
    """The benchmark township, if loaded."""
    return db.session.scalar(
        sa.select(Township)
        .join(User, User.township_id == Township.id)
        .where(User.username == f"{LARGE_USER_PREFIX}township", User.is_demo.is_(True))
    )


def _counts(township: Township) -> tuple[int, int]:
    grid_ids = sa.select(Grid.id).join(Community).where(Community.township_id == township.id)
    residents = db.session.scalar(
        sa.select(sa.func.count()).select_from(Resident).where(Resident.grid_id.in_(grid_ids))
    )
    visits = db.session.scalar(
        sa.select(sa.func.count()).select_from(Visit).where(Visit.grid_id.in_(grid_ids))
    )
    return residents, visits


def load_large(echo=print, residents: int = 100_000, visits: int = 1_000_000) -> None:
    """Load the benchmark township once; reload it when a run was cut short or sized otherwise."""
    started = time.perf_counter()
    with write_intent():
        township = large_township()
        if township is not None:
            if _counts(township) == (residents, visits):
                echo(f"Large demo data already loaded ({LARGE_TOWNSHIP}); nothing changed.")
                return
            echo("Large demo data is incomplete or of another size; removing it first.")
            clear_townships([township.id], large_users())
            db.session.commit()
            db.session.expunge_all()  # the bulk deletes left the old rows in the identity map
        LargeBuilder(random.Random(SEED + 1), residents, visits).build()
    refresh_statistics()
    echo(
        f"Large demo data loaded: {residents:,} residents, {visits:,} visits "
        f"in {time.perf_counter() - started:.0f} s."
    )


def refresh_statistics() -> None:
    """Let the query planner see the new table sizes, so worker pages take their indexes.

    Without fresh statistics PostgreSQL plans a table of a million freshly copied rows as if
    it were nearly empty, and SQLite has no statistics at all (sqlite_stat1).
    """
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        db.session.commit()
        # VACUUM too: until it sets the visibility map, an index-only scan still reads every
        # row's page, and the planner prices it so (the secretary's overdue-hazard badge at
        # 10M visits: a sequential scan of the hazards, 100 ms, instead of 2 ms of index).
        # Autovacuum would, some time after a bulk load; VACUUM runs outside a transaction.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
            auto.exec_driver_sql("VACUUM (ANALYZE)")
        return
    else:
        # analysis_limit bounds the work per index (a tenth of a second for a million visits).
        # PRAGMA optimize alone analyzes only tables this connection has queried before
        # SQLite 3.46 (Debian 12 has 3.40), so a fresh file gets one bounded ANALYZE first.
        conn.exec_driver_sql("PRAGMA analysis_limit=1000")
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA optimize=0x10002")
    db.session.commit()


class LargeBuilder:
    """Inserts the benchmark township in batches."""

    def __init__(self, rng: random.Random, residents: int, visits: int):
        self.rng = rng
        self.n_residents = residents
        self.n_visits = visits
        self.today = local_today()
        self.now = utcnow()
        self.days = [self.today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]

    def build(self) -> None:
        """Insert places, users, residents, day logs and visits."""
        self._places_and_users()
        self._residents()
        self._daily_logs()
        self._visits()

    def _insert(self, table: sa.Table, rows: list[dict]) -> None:
        conn = db.session.connection()
        if conn.dialect.name == "postgresql":
            _copy(conn, table, rows)
        else:
            conn.execute(table.insert(), rows)
        db.session.commit()

    def _places_and_users(self) -> None:
        from ..accounts.passwords import hash_password

        password_hash = hash_password(DEMO_PASSWORD)
        n_grids = max(1, math.ceil(self.n_residents / RESIDENTS_PER_GRID))
        n_communities = math.ceil(n_grids / GRIDS_PER_COMMUNITY)
        township = Township(name=LARGE_TOWNSHIP)
        db.session.add(township)

        def user(username, role, **scope):
            u = User(
                username=f"{LARGE_USER_PREFIX}{username}",
                role=role,
                is_demo=True,
                display_name=texts.person_name(self.rng, older=False),
                password_hash=password_hash,
                created_at=self.now,
                **scope,
            )
            db.session.add(u)
            return u

        user("township", "township", township=township)
        staff: list[tuple[User, Grid, User]] = []
        for c_no in range(n_communities):
            base = COMMUNITY_NAMES[c_no % len(COMMUNITY_NAMES)]
            suffix = "" if c_no < len(COMMUNITY_NAMES) else str(c_no // len(COMMUNITY_NAMES) + 1)
            community = Community(township=township, name=f"{base}{suffix}社区")
            secretary = user(
                f"s{c_no + 1:03d}", "secretary", township=township, community=community
            )
            for g_no in range(min(GRIDS_PER_COMMUNITY, n_grids - c_no * GRIDS_PER_COMMUNITY)):
                grid = Grid(community=community, name=f"第{g_no + 1}网格")
                worker = user(
                    f"w{len(staff) + 1:04d}", "worker", township=township, community=community
                )
                worker.grids = [grid]
                staff.append((worker, grid, secretary))
        db.session.commit()
        # Plain ids: the ORM objects expire at every batch commit and would reload one by one.
        self.workers = [Staff(w.id, w.community_id, g.id, s.id) for w, g, s in staff]

    def _residents(self) -> None:
        rng = self.rng
        per_grid = _spread(self.n_residents, len(self.workers))
        codes, weights = zip(*texts.CARE_REASON_WEIGHTS, strict=True)
        rows: list[dict] = []
        with click.progressbar(length=self.n_residents, label="Residents") as bar:
            for staff, count in zip(self.workers, per_grid, strict=True):
                for _ in range(count):
                    rows.append(
                        {
                            "grid_id": staff.grid_id,
                            "name": texts.person_name(rng, rng.random() < 0.7),
                            "building": str(rng.randint(1, 40)),
                            "unit": str(rng.randint(1, 4)),
                            "room": f"{rng.randint(1, 18)}0{rng.randint(1, 4)}",
                            "phone": texts.phone_number(rng) if rng.random() < 0.7 else None,
                            "household_size": rng.randint(1, 5),
                            "notes": "",
                            "created_at": self.now,
                            "updated_at": self.now,
                        }
                    )
                    if len(rows) == BATCH:
                        self._insert(Resident.__table__, rows)
                        bar.update(len(rows))
                        rows = []
            if rows:
                self._insert(Resident.__table__, rows)
                bar.update(len(rows))
        grid_ids = [staff.grid_id for staff in self.workers]
        from ..residents.households import attach_households

        attach_households(db.session, grid_ids)
        self.residents: dict[int, list[int]] = {gid: [] for gid in grid_ids}
        for rid, gid in db.session.execute(
            sa.select(Resident.id, Resident.grid_id)
            .where(Resident.grid_id.in_(grid_ids))
            .order_by(Resident.id)
        ):
            self.residents[gid].append(rid)
        tags = []
        for gid in grid_ids:
            for rid in self.residents[gid]:
                for code in sorted(set(rng.choices(codes, weights=weights, k=rng.randint(1, 2)))):
                    tags.append({"resident_id": rid, "reason_code": code})
        for start in range(0, len(tags), BATCH):
            self._insert(resident_care_reasons, tags[start : start + BATCH])

    def _daily_logs(self) -> None:
        rows = []
        for staff in self.workers:
            for day in self.days:
                age = (self.today - day).days
                status = "open" if age == 0 else "submitted" if age <= 2 else "approved"
                rows.append(
                    {
                        "worker_id": staff.worker_id,
                        "community_id": staff.community_id,
                        "day": day,
                        "status": status,
                        "comment": "",
                        "submitted_at": day_start_utc(day) + timedelta(hours=18) if age else None,
                        "reviewed_at": day_start_utc(day) + timedelta(hours=33)
                        if age > 2
                        else None,
                        "reviewed_by_id": staff.secretary_id if age > 2 else None,
                    }
                )
        for start in range(0, len(rows), BATCH):
            self._insert(DailyLog.__table__, rows[start : start + BATCH])
        worker_ids = [staff.worker_id for staff in self.workers]
        self.logs = {
            (wid, day): lid
            for lid, wid, day in db.session.execute(
                sa.select(DailyLog.id, DailyLog.worker_id, DailyLog.day).where(
                    DailyLog.worker_id.in_(worker_ids)
                )
            )
        }

    def _visits(self) -> None:
        rng = self.rng
        per_worker = _spread(self.n_visits, len(self.workers))
        rows: list[dict] = []
        with click.progressbar(length=self.n_visits, label="Visits") as bar:
            for staff, count in zip(self.workers, per_worker, strict=True):
                residents = self.residents[staff.grid_id]
                for day, n in zip(self.days, _spread(count, len(self.days)), strict=True):
                    log_id = self.logs[(staff.worker_id, day)]
                    start = day_start_utc(day)
                    for k in range(n):
                        at = start + timedelta(minutes=510 + 25 * k + rng.randrange(20))
                        purpose = rng.choices(PURPOSES, cum_weights=(50, 85, 100))[0]
                        outcome = rng.choices(OUTCOMES, cum_weights=(75, 85, 95, 100))[0]
                        rows.append(
                            {
                                "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                "worker_id": staff.worker_id,
                                "grid_id": staff.grid_id,
                                "resident_id": rng.choice(residents),
                                "project_id": None,
                                "daily_log_id": log_id,
                                "visited_on": day,
                                "visited_at": at,
                                "purpose": purpose,
                                "outcome": outcome,
                                "summary": rng.choice(SUMMARIES[purpose]),
                                "follow_up_on": day + timedelta(days=7)
                                if outcome == "needs_follow_up"
                                else None,
                                "created_at": at,
                                "updated_at": at,
                            }
                        )
                        if len(rows) == BATCH:
                            self._insert(Visit.__table__, rows)
                            bar.update(len(rows))
                            rows = []
            if rows:
                self._insert(Visit.__table__, rows)
                bar.update(len(rows))


def _copy(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """PostgreSQL: COPY the rows in, several times faster than a multi-row INSERT."""
    columns = list(rows[0])
    names = ", ".join(table.c[name].name for name in columns)
    with (
        conn.connection.dbapi_connection.cursor() as cur,
        cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([row[name] for name in columns])


def _spread(total: int, parts: int) -> list[int]:
    """Split total into parts that differ by at most one."""
    base, extra = divmod(total, parts)
    return [base + (1 if n < extra else 0) for n in range(parts)]
