"""The server's CPU time for the tallies dashboard and export, in-process, before and after.

    .venv/bin/python bench/tallies_cpu.py [--runs 10] [--rounds 4] [--against REV]

Makes a fresh SQLite database with the demo data in a temporary folder, then times each
request below in CPU time (time.process_time) through Flask's test client, logged in as the
demo users: what the server spends, whatever else runs on the machine. With `--against REV`
the same requests are also timed on that commit's code (`git archive` into the temporary
folder), in alternating processes on the same database (--rounds of --runs requests each,
after 3 warm-ups), so that a noisy machine weighs on both alike; the medians, and the SQL
statements each request runs, are printed side by side.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "gridbook-demo"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
YEAR = "from=2026-01-01&to=2026-12-05"
REQUESTS = (
    ("secretary1", f"/tallies?{YEAR}", "secretary year"),
    ("township1", "/tallies?period=month", "township this month"),
    ("township1", "/tallies?period=last_month", "township last month"),
    ("secretary1", f"/tallies/export.xlsx?{YEAR}", "secretary year XLSX"),
    ("township1", f"/tallies/export.xlsx?{YEAR}", "township year XLSX"),
)


def run_one(runs: int) -> dict:
    """CPU seconds of each request `runs` times, and the SQL statements of one, as JSON."""
    import sqlalchemy as sa

    # The code under test is the working directory's (this tree's, or --against's copy).
    sys.path.insert(0, os.getcwd())
    from app import create_app
    from app.extensions import db

    app = create_app()
    statements = 0

    with app.app_context():

        @sa.event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_args):
            nonlocal statements
            statements += 1

    clients = {}
    for user in {u for u, _p, _n in REQUESTS}:
        client = app.test_client()
        page = client.get("/login")
        token = CSRF.search(page.get_data(as_text=True)).group(1)
        data = {"username": user, "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=data).status_code == 303
        clients[user] = client
    out = {}
    for user, path, name in REQUESTS:
        client = clients[user]
        for _ in range(3):
            assert client.get(path).status_code == 200
        statements = 0
        client.get(path)
        counted = statements
        cpu = []
        for _ in range(runs):
            start = time.process_time()
            resp = client.get(path)
            cpu.append(time.process_time() - start)
            assert resp.status_code == 200
        out[name] = {"cpu": cpu, "statements": counted}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--against", help="a commit to compare with")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.runs)))
        return
    from bench.servers import load_demo

    with tempfile.TemporaryDirectory(prefix="gridbook-tallies-cpu-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/demo.db",
            "PHOTO_STORE": f"{tmp}/photos",
        }
        env.pop("GRIDBOOK_HTTPS", None)
        load_demo({**env, "FLASK_APP": "wsgi:app"})
        roots = {"this": ROOT}
        if args.against:
            old = Path(tmp, "old")
            old.mkdir()
            archive = subprocess.run(
                ["git", "archive", args.against], cwd=ROOT, check=True, capture_output=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            # Compiled catalogues and npm's files are not in git: the same pages, as served.
            for mo in (ROOT / "app" / "translations").rglob("*.mo"):
                shutil.copy(mo, old / mo.relative_to(ROOT))
            shutil.copytree(ROOT / "static" / "vendor", old / "static" / "vendor")
            roots = {"before": old, "after": ROOT}
        results: dict[str, dict] = {label: {} for label in roots}
        for _round in range(args.rounds):
            for label, root in roots.items():
                done = subprocess.run(
                    [sys.executable, str(ROOT / "bench" / "tallies_cpu.py"), "--one",
                     "--runs", str(args.runs)],
                    cwd=root,
                    env={**env, "PYTHONPATH": str(root)},
                    check=True,
                    capture_output=True,
                    text=True,
                )  # fmt: skip
                for name, got in json.loads(done.stdout.splitlines()[-1]).items():
                    into = results[label].setdefault(name, {"cpu": [], "statements": set()})
                    into["cpu"] += got["cpu"]
                    into["statements"].add(got["statements"])
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for _user, _path, name in REQUESTS:
        line = [f"{name:22}"]
        medians = []
        for label in roots:
            r = results[label][name]
            med = statistics.median(r["cpu"]) * 1000
            medians.append(med)
            stmts = "/".join(str(s) for s in sorted(r["statements"]))
            line.append(f"{label} {med:6.1f} ms CPU (n={len(r['cpu'])}, {stmts} SQL)")
        if len(medians) == 2:
            line.append(f"{(medians[1] - medians[0]) / medians[0] * 100:+.0f}%")
        print("  ".join(line))


if __name__ == "__main__":
    main()
