"""`make bench`: server time, bytes and SQL statements of the main pages on the large demo data.

    .venv/bin/python bench/run.py [--runs 20] [--db instance/bench.db] [--plans] [--load]

Builds the benchmark database (100,000 residents, 1,000,000 visits: `flask demo load --large`)
into instance/bench.db when it is missing, and keeps it for the next run. Drives the app with
Flask's test client as the large township's own worker, secretary and township user, and
prints one table: median and 95th percentile server time, gzip bytes of the page and of its
htmx fragment, and SQL statements per request for two subjects of different size (the counts
must be equal: no statement count may grow with the rows shown). Then the photo pipeline on
a 12-megapixel photo, and the framework ceiling: a bare Flask route rendering the same rows,
measured first and beside each worker page as a ratio (issue 19: within 2x).
`--plans` prints the query plans of every statement behind each worker page and marks a
full scan of visits, residents or hazards. `--load` starts gunicorn (gunicorn.conf.py, 2
workers) once with the app serving Today and once with the ceiling app, drives each with the
same wrk-like load and prints requests per second of both.
Targets are in bench/README.md. Never run by the test suite.
"""

import argparse
import gzip
import io
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Community, DailyLog, Grid, Resident, Screening, User, Visit  # noqa: E402
from app.timeutil import local_today  # noqa: E402

NOT_COUNTED = ("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


def p95(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]
    )


def ensure_database(url: str, residents: int = 100_000, visits: int = 1_000_000) -> None:
    """Create and fill the benchmark database once (tens of minutes on SQLite); bring one
    built by an older checkout up to this checkout's schema."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        insp = sa.inspect(db.engine)
        if insp.has_table("users") and db.session.scalar(
            sa.select(User.id).where(User.username == "bench-township")
        ):
            db.session.remove()
            # Kept across sessions: a migration added since would make every page a 500.
            upgrade(directory=str(ROOT / "migrations"))
            return
        from app.demo.load import load_demo
        from app.seed import load_reference_data

        print(f"building the benchmark database at {url} (once; this takes a while)")
        upgrade(directory=str(ROOT / "migrations"))
        load_reference_data()
        db.session.commit()
        load_demo(large=True, echo=print, residents=residents, visits=visits)
        db.session.remove()


class Counter:
    """Counts SQL statements sent while `on` is set, and the time the database took."""

    def __init__(self, engine):
        self.count, self.on, self.seconds, self._start = 0, False, 0.0, 0.0
        sa.event.listen(engine, "before_cursor_execute", self._seen)
        sa.event.listen(engine, "after_cursor_execute", self._done)

    def _seen(self, _conn, _cursor, statement, *_args):
        if self.on and not statement.lstrip().upper().startswith(NOT_COUNTED):
            self.count += 1
        self._start = time.perf_counter()

    def _done(self, *_args):
        if self.on:
            self.seconds += time.perf_counter() - self._start


class RenderClock:
    """The time templates took to render (their lazy loads included) while `on` is set."""

    def __init__(self, app):
        from flask import before_render_template, template_rendered

        self.on, self.seconds, self._start = False, 0.0, 0.0
        before_render_template.connect(self._begin, app, weak=False)
        template_rendered.connect(self._end, app, weak=False)

    def _begin(self, *_args, **_kwargs):
        self._start = time.perf_counter()

    def _end(self, *_args, **_kwargs):
        if self.on:
            self.seconds += time.perf_counter() - self._start


@dataclass
class Case:
    name: str
    user: str
    url: str
    other_url: str | None = None  # the same page for a subject with far fewer rows
    fragment: bool = True  # the page has an htmx fragment of its own
    gzip_page: bool = True
    worker_page: bool = False  # issue 19 item 1: <= 2x the ceiling, <= 8 statements
    htmx: bool = False  # measure the htmx fragment itself (the search as typed)


def login(app, username: str):
    from app.accounts.services import start_session

    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            sys.exit(f"no user {username}: the benchmark database is incomplete")
        token = start_session(user)
        db.session.commit()
        db.session.remove()
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    return client


def subjects(app) -> dict:
    """Ids of big and small subjects in the large township, picked from the data."""
    with app.app_context():
        worker = db.session.scalar(sa.select(User).where(User.username == "bench-w0001"))
        grid_id = worker.grid_ids[0]
        per_resident = (
            sa.select(Visit.resident_id, sa.func.count().label("n"))
            .where(Visit.grid_id == grid_id, Visit.resident_id.is_not(None))
            .group_by(Visit.resident_id)
            .subquery()
        )
        busy = db.session.execute(
            sa.select(per_resident.c.resident_id, per_resident.c.n)
            .order_by(per_resident.c.n.desc())
            .limit(1)
        ).one()
        # The small subject has the same kinds of records (a checklist among its visits), so
        # the same eager loads run and only the number of rows differs.
        screened = (
            sa.select(Visit.resident_id)
            .join(Screening, Screening.visit_id == Visit.id)
            .where(Visit.grid_id == grid_id)
        )
        quiet = db.session.execute(
            sa.select(per_resident.c.resident_id, per_resident.c.n)
            .where(per_resident.c.resident_id.in_(screened))
            .order_by(per_resident.c.n)
            .limit(1)
        ).one()
        name = db.session.scalar(sa.select(Resident.name).where(Resident.id == busy[0]))
        per_log = (
            sa.select(Visit.daily_log_id, sa.func.count().label("n"))
            .where(Visit.worker_id == worker.id)
            .group_by(Visit.daily_log_id)
            .subquery()
        )
        big_log = db.session.execute(
            sa.select(per_log.c.daily_log_id, per_log.c.n).order_by(per_log.c.n.desc()).limit(1)
        ).one()
        small_log = db.session.execute(
            sa.select(per_log.c.daily_log_id, per_log.c.n).order_by(per_log.c.n).limit(1)
        ).one()
        big_day = db.session.get(DailyLog, big_log[0]).day
        small_day = db.session.get(DailyLog, small_log[0]).day
        out = {
            "worker_id": worker.id,
            "busy": busy,
            "quiet": quiet,
            "surname": name[0],
            "full_name": name,
            "big_day": big_day,
            "small_day": small_day,
            "big_n": big_log[1],
            "small_n": small_log[1],
            "residents": db.session.scalar(sa.select(sa.func.count(Resident.id))),
            "visits": db.session.scalar(sa.select(sa.func.count(Visit.id))),
        }
        db.session.remove()
    return out


def measure(app, counter, client, url: str, runs: int, htmx: bool = False, clock=None):
    """Server times (s), the last response, and SQL statements of one request (with its
    SQL time in counter.seconds and its render time in clock.seconds)."""
    headers = {"HX-Request": "true"} if htmx else {}
    client.get(url, headers=headers)  # warm the caches (templates, SQLite pages)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        resp = client.get(url, headers=headers)
        times.append(time.perf_counter() - start)
        if resp.status_code != 200:
            sys.exit(f"{url}: {resp.status_code}")
    counter.count, counter.seconds, counter.on = 0, 0.0, True
    if clock is not None:
        clock.seconds, clock.on = 0.0, True
    resp = client.get(url, headers=headers)
    counter.on = False
    if clock is not None:
        clock.on = False
    return times, resp, counter.count


def statements(counter, client, url: str, htmx: bool = False) -> int:
    counter.count, counter.on = 0, True
    resp = client.get(url, headers={"HX-Request": "true"} if htmx else {})
    counter.on = False
    if resp.status_code != 200:
        sys.exit(f"{url}: {resp.status_code}")
    return counter.count


def photo_seconds(runs: int) -> float:
    """Median seconds for one 12-megapixel phone photo through the upload pipeline."""
    from PIL import Image

    from app.photos.pipeline import process_photo

    im = Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        process_photo(io.BytesIO(data))
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(data)


def ceiling(runs: int, rows: list[dict]) -> list[float]:
    """A bare Flask route rendering the same 20 rows from a prepared list."""
    from bench.ceiling_app import make_app

    client = make_app(rows).test_client()
    client.get("/residents")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get("/residents")
        times.append(time.perf_counter() - start)
    return times


def sample_rows(app) -> list[dict]:
    with app.app_context():
        residents = db.session.scalars(sa.select(Resident).limit(20)).all()
        rows = [
            {
                "id": r.id,
                "name": r.name,
                "building": r.building,
                "unit": r.unit,
                "room": r.room,
                "grid": "第1网格",
                "care": [c.code for c in r.care_reasons],
            }
            for r in residents
        ]
        db.session.remove()
    return rows


SCANNED = ("visits", "residents", "hazards")


def capture(app, client, url: str, htmx: bool = False) -> list[tuple[str, object]]:
    """The SELECT statements (with their parameters) that one request sends."""
    seen: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, *_args):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", keep)
        try:
            client.get(url, headers={"HX-Request": "true"} if htmx else {})
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", keep)
    return seen


def full_scans(plan: list[str], dialect: str) -> list[str]:
    """Lines of a plan that read all of visits, residents or hazards."""
    out = []
    for line in plan:
        text = line.strip()
        for table in SCANNED:
            if dialect == "postgresql" and f"Seq Scan on {table} " in f"{text} ":
                out.append(text)
            # SQLite: "SCAN visits" reads the table; "SEARCH visits USING INDEX" does not.
            if dialect == "sqlite" and (
                text.startswith(f"SCAN {table}") or f"SCAN {table} " in text
            ):
                out.append(text)
    return out


def explain(app, statement: str, parameters) -> list[str]:
    """The query plan of one captured statement, as lines."""
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
            return [r[0] for r in rows]
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        return [f"{'  ' * (r[1] > 0)}{r[3]}" for r in rows]


def print_plans(app, clients, cases) -> int:
    """Each worker page's statements with their plans; returns the number of full scans."""
    with app.app_context():
        dialect = db.engine.dialect.name
    found = 0
    for case in cases:
        if not case.worker_page:
            continue
        print(f"\n=== {case.name}: {case.url}")
        for n, (statement, parameters) in enumerate(
            capture(app, clients[case.user], case.url, case.htmx), 1
        ):
            plan = explain(app, statement, parameters)
            scans = full_scans(plan, dialect)
            found += len(scans)
            print(f"--- statement {n}: {' '.join(statement.split())[:160]}")
            for line in plan:
                print(f"    {line}")
            for line in scans:
                print(f"    FULL SCAN: {line}")
    print(f"\nfull scans of {', '.join(SCANNED)} behind the worker pages: {found}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--db", default=str(ROOT / "instance" / "bench.db"))
    parser.add_argument("--plans", action="store_true", help="print the worker pages' plans")
    parser.add_argument("--load", action="store_true", help="gunicorn: Today vs the ceiling")
    parser.add_argument(
        "--worker-pages", action="store_true", help="only the worker pages (no tallies, photo)"
    )
    parser.add_argument(
        "--residents", type=int, default=100_000, help="size of a new database (item 8)"
    )
    parser.add_argument("--visits", type=int, default=1_000_000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(args.db).resolve()}"
    ensure_database(url, args.residents, args.visits)

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        counter = Counter(db.engine)
        clock = RenderClock(app)
        from app.demo.large import refresh_statistics
        from bench.bench_tallies import add_extras

        township = db.session.scalar(sa.select(User).where(User.username == "bench-township"))
        add_extras(township, args.visits // 10)  # hazards and requests, once
        refresh_statistics()  # the extras too (cheap when nothing changed)
        grid = db.session.scalar(
            sa.select(Grid.id)
            .join(Community)
            .where(Community.township_id == township.township_id)
            .order_by(Grid.id)
            .limit(1)
        )
        db.session.remove()
    s = subjects(app)
    today = local_today()
    year = f"from={today - timedelta(days=364)}&to={today}"
    five = f"from={today.replace(year=today.year - 5) + timedelta(days=1)}&to={today}"
    last_month_end = today.replace(day=1) - timedelta(days=1)
    month = f"from={last_month_end.replace(day=1)}&to={last_month_end}"
    wid = s["worker_id"]
    w = {"worker_page": True}
    cases = [
        Case("Today", "bench-w0001", "/today", fragment=False, **w),
        Case(
            "resident search (fragment)",
            "bench-w0001",
            f"/residents?q={s['surname']}",
            f"/residents?q={s['full_name']}",
            fragment=False,
            htmx=True,
            **w,
        ),
        Case(
            f"resident page ({s['busy'][1]} vs {s['quiet'][1]} visits)",
            "bench-w0001",
            f"/residents/{s['busy'][0]}",
            f"/residents/{s['quiet'][0]}",
            fragment=False,
            **w,
        ),
        Case(
            f"review day ({s['big_n']} vs {s['small_n']} visits)",
            "bench-s001",
            f"/review/{wid}/{s['big_day']}",
            f"/review/{wid}/{s['small_day']}",
            fragment=False,
            **w,
        ),
        Case("review queue", "bench-s001", "/review", "/review?status=approved", **w),
        Case("requests list", "bench-w0001", "/requests", "/requests?due=overdue", **w),
        Case("hazards board", "bench-w0001", "/hazards", "/hazards?status=verified", **w),
    ]
    if not args.worker_pages:
        cases += [
            Case(
                "dashboard, 12 months",
                "bench-township",
                f"/tallies?{year}",
                f"/tallies?from={today}&to={today}",
            ),
            Case(
                "dashboard, 5 years, one grid",
                "bench-township",
                f"/tallies?{five}&grid={grid}",
                f"/tallies?from={today}&to={today}&grid={grid}",
            ),
            Case(
                "export.xlsx, 1 month",
                "bench-township",
                f"/tallies/export.xlsx?{month}",
                f"/tallies/export.xlsx?from={today}&to={today}",
                fragment=False,
                gzip_page=False,
            ),
            Case(
                "export.xlsx, 12 months",
                "bench-township",
                f"/tallies/export.xlsx?{year}",
                f"/tallies/export.xlsx?from={today}&to={today}",
                fragment=False,
                gzip_page=False,
            ),
            Case(
                "export.csv, 12 months",
                "bench-township",
                f"/tallies/export.csv?{year}",
                f"/tallies/export.csv?from={today}&to={today}",
                fragment=False,
                gzip_page=False,
            ),
        ]
    clients = {user: login(app, user) for user in dict.fromkeys(c.user for c in cases)}
    rows = sample_rows(app)
    print(
        f"\nGridbook benchmark: {s['residents']:,} residents, {s['visits']:,} visits, "
        f"{args.runs} runs each, {url.split(':')[0]}, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}\n"
    )
    # The ceiling first, in the same run: the worker pages are judged against it (issue 19).
    ceiling_times = ceiling(args.runs * 5, rows)
    ceiling_ms = statistics.median(ceiling_times) * 1000
    head = (
        f"{'request':44} {'median ms':>9} {'p95 ms':>8} {'x ceil':>6} {'SQL ms':>6} "
        f"{'render':>6} {'gzip page':>10} {'gzip frag':>10} {'SQL':>4} {'SQL few':>7}"
    )
    print(head)
    print("-" * len(head))
    print(
        f"{'framework ceiling: bare Flask, 20 rows':44} {ceiling_ms:9.2f} "
        f"{p95(ceiling_times) * 1000:8.2f} {1:6.1f} {0:6.1f}"
    )
    # What every signed-in page pays before it shows any record: session, login, CSRF,
    # language, the nav and its badges, the security headers. A worker page's cost above
    # this floor is its own statements and rows.
    times, _resp, sql = measure(app, counter, clients["bench-w0001"], "/outbox", args.runs * 5)
    floor_ms = statistics.median(times) * 1000
    print(
        f"{'floor: signed-in page with no records':44} {floor_ms:9.2f} "
        f"{p95(times) * 1000:8.2f} {floor_ms / ceiling_ms:6.1f} {counter.seconds * 1000:6.1f}"
        f"{'':>29} {sql:>4}"
    )
    for case in cases:
        client = clients[case.user]
        times, resp, sql = measure(
            app, counter, client, case.url, args.runs, htmx=case.htmx, clock=clock
        )
        sql_ms = counter.seconds * 1000  # the database's share of the last request
        render_ms = clock.seconds * 1000  # the templates' share of it
        page_gz = len(gzip.compress(resp.data)) if case.gzip_page else len(resp.data)
        frag_gz = "-"
        if case.fragment:
            _t, frag, _n = measure(app, counter, client, case.url, 1, htmx=True)
            frag_gz = f"{len(gzip.compress(frag.data)):,}"
        other = statements(counter, client, case.other_url, case.htmx) if case.other_url else "-"
        # More rows may not mean more statements (eager loads of a kind of record the small
        # subject lacks may make it one or two fewer, never the other way round).
        flag = " GROWS" if isinstance(other, int) and sql > other else ""
        median = statistics.median(times) * 1000
        if case.worker_page:
            flag += " OVER-2x" if median > 2 * ceiling_ms else ""
            flag += " SQL>8" if sql > 8 else ""
        size = f"{page_gz:,}" + ("" if case.gzip_page else " raw")
        print(
            f"{case.name:44} {median:9.1f} {p95(times) * 1000:8.1f} {median / ceiling_ms:6.1f} "
            f"{sql_ms:6.1f} {render_ms:6.1f} {size:>10} {frag_gz:>10} {sql:>4} {other!s:>7}{flag}"
        )
    if args.plans:
        print_plans(app, clients, cases)
    if args.load:
        from bench.gunicorn_load import compare

        compare(app, url, "bench-w0001", rows)
    if not args.worker_pages:
        secs, size = photo_seconds(max(3, args.runs // 4))
        print(
            f"\nphoto pipeline: {secs:.2f} s per 12-megapixel photo ({size / 1e6:.1f} MB JPEG in)"
        )


if __name__ == "__main__":
    main()
