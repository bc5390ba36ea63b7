"""Time the tallies dashboard and both exports on a big database.

    DATABASE_URL=... flask demo load --large      # once: 100,000 residents, 1,000,000 visits
    DATABASE_URL=... .venv/bin/python bench/bench_tallies.py [--runs 10] [--user bench-township]
        [--secretary bench-s001] [--extras 100000]

Drives the app through Flask's test client (no network, no browser), logged in as a township
user and as a secretary, and prints the median and 95th percentile of each request (periods
up to five years, community and grid filters; issue 19 item 2), and for the exports the peak
Python memory allocated while one is made (tracemalloc; item 3). `--extras N` first adds N
hazards (with screenings) and N/5 requests to the user's township if it has none, since the
large demo data holds visits only. No timing is asserted anywhere: the figures go in the note.
"""

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app
from app.extensions import db
from app.models import (
    ChecklistItem,
    Community,
    Grid,
    Hazard,
    Request,
    Resident,
    Screening,
    User,
    Visit,
)
from app.requests.deadlines import recompute_due_dates
from app.tallies.rollups import rebuild
from app.timeutil import local_today


def p95(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]
    )


def add_extras(user: User, n: int) -> None:
    """Hazards, screenings and requests spread over the township's last year, once."""
    grids = sa.select(Grid.id).join(Community).where(Community.township_id == user.township_id)
    if db.session.scalar(sa.select(Hazard.id).where(Hazard.grid_id.in_(grids)).limit(1)):
        undated = sa.select(Request.id).where(
            Request.status == "received", Request.due_on.is_(None)
        )
        if db.session.scalar(undated.limit(1)) is not None:
            # Built by an older version of this script: no request had a due date and their
            # statuses ignored their age, so nothing on the requests pages read like a
            # township's. Its figures would not compare with a new database's.
            raise SystemExit(
                "the benchmark database predates dated requests: delete it and run again"
            )
        return
    rng = random.Random(5)
    today = local_today()
    items = db.session.execute(sa.select(ChecklistItem.id, ChecklistItem.template_id)).all()
    visits = db.session.execute(
        sa.select(Visit.id, Visit.grid_id, Visit.resident_id, Visit.visited_on)
        .where(Visit.grid_id.in_(grids), Visit.resident_id.is_not(None))
        .order_by(sa.func.random())
        .limit(n)
    ).all()
    worker = db.session.scalar(sa.select(User.id).where(User.role == "worker").limit(1))
    hazards, screenings, requests = [], [], []
    for i, (vid, gid, rid, day) in enumerate(visits):
        item, template = rng.choice(items)
        screenings.append({"uuid": str(uuid.uuid4()), "visit_id": vid, "template_id": template})
        status = rng.choice(("open", "rectified", "verified", "verified"))
        fixed = day + timedelta(days=rng.randint(0, 20)) if status != "open" else None
        hazards.append(
            {
                "visit_id": vid,
                "item_id": item,
                "template_id": template,
                "grid_id": gid,
                "resident_id": rid,
                "severity": rng.choice(("S1", "S2", "S3", "S4")),
                "note": "",
                "found_on": day,
                "due_on": day + timedelta(days=rng.choice((0, 3, 7, 30))),
                "status": status,
                "rectified_on": fixed,
                "rectified_note": "",
                "returned_comment": "",
            }
        )
        if i % 5 == 0:
            # By age, as an office that keeps its clocks leaves them: the last days' requests
            # mostly waiting, a month's mostly answered, older ones closed but for a few. (A
            # status drawn regardless of age left 9,000 requests a year overdue.)
            age = (today - day).days
            st = rng.choices(
                ("received", "accepted", "replied", "closed"),
                (6, 3, 1, 0) if age <= 5 else (1, 12, 5, 5) if age <= 30 else (0, 1, 6, 20),
            )[0]
            acc = day + timedelta(days=rng.randint(0, min(age, 10))) if st != "received" else None
            requests.append(
                {
                    "uuid": str(uuid.uuid4()),
                    "resident_id": rid,
                    "grid_id": gid,
                    "recorded_by_id": worker,
                    "channel": "visit",
                    "category_code": f"R{rng.randint(1, 18):02d}",
                    "summary": "bench",
                    "received_on": day,
                    "track": rng.choice(("community", "formal")),
                    "status": st,
                    "accepted_on": acc,
                    "decision_reason": "",
                    "extension_reason": "",
                    "reply_text": "",
                    "replied_on": (
                        min(acc + timedelta(days=rng.randint(3, 40)), today)
                        if st in ("replied", "closed")
                        else None
                    ),
                }
            )
    for table, rows in (
        (Screening.__table__, screenings),
        (Hazard.__table__, hazards),
        (Request.__table__, requests),
    ):
        for start in range(0, len(rows), 10_000):
            db.session.execute(table.insert(), rows[start : start + 10_000])
    # Bulk inserts go past the flush hooks that store each request's due date and on-time
    # marks and keep the roll-ups current.
    db.session.flush()
    changed = recompute_due_dates()
    rebuild(db.session)
    db.session.commit()
    print(
        f"added {len(hazards):,} hazards and screenings, {len(requests):,} requests "
        f"({changed:,} with a clock running; today {today})"
    )


def login(app, username: str):
    """A test client with a session of the user."""
    from app.accounts.services import start_session

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        token = start_session(user)
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    return client


def peak_memory(client, url: str) -> float:
    """Peak Python memory (MiB, tracemalloc) allocated while serving the request."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    resp = client.get(url)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert resp.status_code == 200, url
    return (peak - before) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--user", default="bench-township", help="township user")
    parser.add_argument("--secretary", default="bench-s001", help="a secretary of that township")
    parser.add_argument("--extras", type=int, default=0)
    args = parser.parse_args()

    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == args.user))
        if user is None:
            sys.exit(f"no user {args.user}; run `flask demo load --large` first")
        if args.extras:
            add_extras(user, args.extras)
        grids = sa.select(Grid.id).join(Community).where(Community.township_id == user.township_id)
        sizes = {
            model.__name__: db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.grid_id.in_(grids))
            )
            for model in (Resident, Visit, Hazard, Request)
        }
        secretary = db.session.scalar(sa.select(User).where(User.username == args.secretary))
        community = secretary.community_id
        grid = db.session.scalar(
            sa.select(Grid.id).where(Grid.community_id == community).order_by(Grid.id).limit(1)
        )
        db.session.remove()

    township = login(app, args.user)
    own = login(app, args.secretary)
    today = local_today()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    month = f"from={last_month_end.replace(day=1)}&to={last_month_end}"
    year = f"from={today - timedelta(days=364)}&to={today}"
    five = f"from={today.replace(year=today.year - 5) + timedelta(days=1)}&to={today}"
    ragged = f"from={today - timedelta(days=361)}&to={today - timedelta(days=3)}"
    cases = [
        ("township", "dashboard, 1 month", f"/tallies?{month}"),
        ("township", "dashboard, 12 months", f"/tallies?{year}"),
        ("township", "dashboard, 5 years", f"/tallies?{five}"),
        ("township", "dashboard, 5 years, one community", f"/tallies?{five}&community={community}"),
        ("township", "dashboard, 5 years, one grid", f"/tallies?{five}&grid={grid}"),
        ("township", "dashboard fragment (htmx), 12 months", f"/tallies?{year}"),
        ("secretary", "community dashboard, 12 months (ragged days)", f"/tallies?{ragged}"),
        ("secretary", "community dashboard, 5 years", f"/tallies?{five}"),
        ("secretary", "community dashboard, 5 years, one grid", f"/tallies?{five}&grid={grid}"),
        ("township", "export.xlsx, 1 month", f"/tallies/export.xlsx?{month}"),
        ("township", "export.xlsx, 12 months", f"/tallies/export.xlsx?{year}"),
        ("township", "export.xlsx, 5 years", f"/tallies/export.xlsx?{five}"),
        ("township", "export.csv, 12 months", f"/tallies/export.csv?{year}"),
    ]
    engine = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    print(
        f"database: {engine}; user {args.user}; "
        + ", ".join(f"{k.lower()}s {v:,}" for k, v in sizes.items())
        + f"; load average {os.getloadavg()[0]:.1f}"
    )
    # CPU ms beside the wall-clock: on SQLite the database works in this process, so the CPU
    # a request takes is its cost whatever else holds the machine (a shared 2-core box).
    print(
        f"{'request':46} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7} {'bytes':>9} {'peak MiB':>9}"
    )
    for who, label, url in cases:
        client = township if who == "township" else own
        headers = {"HX-Request": "true"} if "htmx" in label else {}
        timings, cpu, size = [], [], 0
        for i in range(args.runs + 1):
            started, cpu_started = time.perf_counter(), time.process_time()
            resp = client.get(url, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            spent = (time.process_time() - cpu_started) * 1000
            if resp.status_code != 200:
                sys.exit(f"{url}: HTTP {resp.status_code}")
            size = len(resp.data)
            if i:  # the first run warms the caches
                timings.append(elapsed)
                cpu.append(spent)
        peak = f"{peak_memory(client, url):9.1f}" if "export" in label else f"{'-':>9}"
        print(
            f"{label:46} {statistics.median(timings):10.0f} {p95(timings):8.0f} "
            f"{statistics.median(cpu):7.0f} {size:9,} {peak}"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
