"""Visit rounds on the large demo data: server time and SQL statements of Today (with its due
list), the full due list and the secretary's per-worker counts.

    .venv/bin/python bench/rounds.py [--runs 20] [--db instance/bench.db]

Uses the benchmark database of bench/run.py (built on first use). The issue sets no time
target for rounds; Today's own budget is in bench/README.md. Never run by the test suite.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import User  # noqa: E402
from app.rounds.queries import due_list  # noqa: E402
from bench.run import Counter, ensure_database, login, p95  # noqa: E402

CASES = (
    ("Today (due list capped at 8)", "bench-w0001", "/today"),
    ("visits due, page 1 (30 rows)", "bench-w0001", "/rounds"),
    ("visits due, community (secretary)", "bench-s001", "/rounds"),
    ("visits due per worker (secretary)", "bench-s001", "/rounds/workers"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--db", default=str(ROOT / "instance" / "bench.db"))
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(args.db).resolve()}"
    ensure_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        counter = Counter(db.engine)
        worker = db.session.scalar(sa.select(User).where(User.username == "bench-w0001"))
        due = due_list(worker, limit=1)
        print(f"\nbench-w0001: {due.total:,} residents due within 2 days, {due.overdue:,} overdue")
        db.session.remove()
    print(f"{'request':40} {'median':>9} {'p95':>9} {'SQL':>5}")
    for name, user, path in CASES:
        client = login(app, user)
        client.get(path)  # warm caches
        times, statements = [], 0
        for _ in range(args.runs):
            counter.count, counter.on = 0, True
            start = time.perf_counter()
            resp = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            counter.on = False
            statements = counter.count
            if resp.status_code != 200:
                sys.exit(f"{path} as {user}: {resp.status_code}")
        print(f"{name:40} {statistics.median(times):7.1f}ms {p95(times):7.1f}ms {statements:5d}")


if __name__ == "__main__":
    main()
