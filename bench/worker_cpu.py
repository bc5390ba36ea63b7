"""CPU time per request of the worker pages: the app process's, and on PostgreSQL the database
backend's, over N requests on one connection. Unlike wall time, little moved by other work on
a shared machine.

    .venv/bin/python bench/worker_cpu.py [page ...]       (N=200 by default)

Uses the benchmark database of bench/run.py (instance/bench.db, or BENCH_DATABASE_URL), which
must exist. The PostgreSQL backend's time is read from /proc, so the server must run on this
machine. Never run by the test suite.
"""

import os
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.run import login, subjects  # noqa: E402


def main() -> None:
    n = int(os.environ.get("N", "200"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{ROOT / 'instance' / 'bench.db'}"
    pg = url.startswith("postgresql")
    # One connection, so that one backend process does all of the database's work.
    options = {"poolclass": sa.pool.StaticPool} if pg else {}
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
        }
    )
    s = subjects(app)
    wid = s["worker_id"]
    pages = [
        ("Today", "bench-w0001", "/today", False),
        ("search", "bench-w0001", f"/residents?q={s['surname']}", True),
        ("resident", "bench-w0001", f"/residents/{s['busy'][0]}", False),
        ("review day", "bench-s001", f"/review/{wid}/{s['big_day']}", False),
        ("review queue", "bench-s001", "/review", False),
        ("requests", "bench-w0001", "/requests", False),
        ("hazards", "bench-w0001", "/hazards", False),
        # The floor: a signed-in page with no records (session, user, nav badges, layout).
        ("floor", "bench-w0001", "/outbox", False),
    ]
    with app.app_context():
        conn = db.session.connection().connection.dbapi_connection
        pid = conn.info.backend_pid if pg else None
        db.session.remove()
    tick = os.sysconf("SC_CLK_TCK")

    def backend_cpu() -> float:
        if pid is None:
            return 0.0
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{url.split(':')[0]}, {n} requests per page, load average {load}")
    clients = {}
    for name, user, path, htmx in pages:
        if sys.argv[1:] and name not in sys.argv[1:]:
            continue
        client = clients.setdefault(user, login(app, user))
        headers = {"HX-Request": "true"} if htmx else {}
        for _ in range(10):  # warm: templates, caches, prepared statements
            client.get(path, headers=headers)
        b, p, t = backend_cpu(), time.process_time(), time.perf_counter()
        for _ in range(n):
            if client.get(path, headers=headers).status_code != 200:
                sys.exit(f"{path}: not 200")
        b, p, t = backend_cpu() - b, time.process_time() - p, time.perf_counter() - t
        backend = f"database CPU {b / n * 1000:6.2f} ms   " if pg else ""
        print(f"{name:14} {backend}app CPU {p / n * 1000:6.2f} ms   wall {t / n * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
