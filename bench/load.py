"""`make load`: 50 simulated grid workers log visits with a photo each against gunicorn.

    .venv/bin/python bench/load.py [--users 50] [--seconds 60]

Makes a fresh SQLite database with the demo data in a temporary folder, starts gunicorn with
gunicorn.conf.py (the production settings) on a free port of 127.0.0.1, runs locust headless
for at most --seconds, stops both, and checks the database: every visit the server confirmed
is there exactly once, and nothing else was created. Prints requests per second, p95 and
errors (errors, lost and duplicated visits must all be zero; the exit status says so).
"""

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict) -> dict:
    """Migrate, seed and load the demo township; return each demo worker's resident ids."""
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi:app"]
    for cmd in (["db", "upgrade"], ["seed"], ["demo", "load"]):
        subprocess.run(flask + cmd, cwd=ROOT, env=env, check=True, capture_output=True)
    code = (
        "import json, sqlalchemy as sa\n"
        "from app import create_app\nfrom app.extensions import db\n"
        "from app.models import Resident, User\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    out = {}\n"
        "    for u in db.session.scalars(sa.select(User).where(User.role == 'worker',"
        " User.is_demo.is_(True))):\n"
        "        ids = db.session.scalars(sa.select(Resident.id).where("
        "Resident.grid_id.in_(u.grid_ids), Resident.archived_at.is_(None))).all()\n"
        "        if ids: out[u.username] = list(ids)\n"
        "    print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not come up")


def check_database(env: dict, confirmed: list[dict], before: int) -> dict:
    """Visits in the database against those the server confirmed."""
    code = (
        "import json, sys, sqlalchemy as sa\n"
        "from app import create_app\nfrom app.extensions import db\n"
        "from app.models import Photo, Visit\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    rows = db.session.execute(sa.select(Visit.id, Visit.uuid)).all()\n"
        "    photos = db.session.execute(sa.select(Photo.visit_id)).scalars().all()\n"
        "    print(json.dumps({'visits': [list(r) for r in rows], 'photo_visits': photos}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    by_uuid: dict[str, list[int]] = {}
    for vid, vuuid in data["visits"]:
        by_uuid.setdefault(vuuid, []).append(vid)
    sent = {c["uuid"]: c for c in confirmed}
    lost = [u for u in sent if u not in by_uuid]
    wrong_id = [u for u, c in sent.items() if u in by_uuid and c["visit_id"] not in by_uuid[u]]
    duplicated = [u for u, ids in by_uuid.items() if len(ids) > 1]
    new = len(data["visits"]) - before
    photo_visits = set(data["photo_visits"])
    photos_lost = [c for c in confirmed if c.get("photo") and c["visit_id"] not in photo_visits]
    return {
        "confirmed": len(sent),
        "created": new,
        "lost": len(lost) + len(wrong_id),
        "duplicated": len(duplicated),
        "unconfirmed_extra": new - len(sent),
        "photos_confirmed": sum(1 for c in confirmed if c.get("photo")),
        "photos_lost": len(photos_lost),
    }


def count_visits(env: dict) -> int:
    code = (
        "import sqlalchemy as sa\nfrom app import create_app\n"
        "from app.extensions import db\nfrom app.models import Visit\n"
        "app = create_app()\nwith app.app_context():\n"
        "    print(db.session.scalar(sa.select(sa.func.count(Visit.id))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return int(out.strip().splitlines()[-1])


def run_locust(url: str, env: dict, residents: dict, tmp: str, users: int, seconds: int) -> tuple:
    """Locust headless against url; (stats rows by name, the visits the server confirmed)."""
    confirmed_path = f"{tmp}/confirmed.json"
    locust_env = {**env, "LOAD_RESIDENTS": json.dumps(residents), "LOAD_CONFIRMED": confirmed_path}
    subprocess.run(
        [
            str(VENV_BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--host",
            url,
            "--csv",
            f"{tmp}/stats",
            "--only-summary",
            "--stop-timeout",
            "10",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=locust_env,
        timeout=seconds + 60,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    with open(f"{tmp}/stats_stats.csv") as fh:
        rows = {r["Name"]: r for r in csv.DictReader(fh)}
    confirmed = (
        json.loads(Path(confirmed_path).read_text()) if os.path.exists(confirmed_path) else []
    )
    return rows, confirmed


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(title: str, rows: dict, result: dict, error_logs: list[str], load_before: str) -> int:
    """Print the figures against issue 19's targets; 1 when anything was lost or failed."""
    total = rows["Aggregated"]
    tracebacks = sum(log.count("Traceback") for log in error_logs)
    print(f"\n{title}")
    print(f"load average before {load_before}, after {load_average()} ({os.cpu_count()} cores)")
    print(f"{'request':16} {'count':>7} {'errors':>7} {'rps':>7} {'median ms':>10} {'p95 ms':>8}")
    for name, r in rows.items():
        print(
            f"{name:16} {r['Request Count']:>7} {r['Failure Count']:>7} "
            f"{float(r['Requests/s']):7.1f} {r['50%']:>10} {r['95%']:>8}"
        )
    print(
        f"\nrequests per second {float(total['Requests/s']):.1f}; "
        f"p95 save-visit {rows.get('/visits', {}).get('95%', '-')} ms (target < 300), "
        f"p95 photo {rows.get('/photos', {}).get('95%', '-')} ms (target < 800), "
        f"errors {total['Failure Count']} (target 0)"
    )
    print(
        f"visits confirmed {result['confirmed']}, created {result['created']}, lost "
        f"{result['lost']}, duplicated {result['duplicated']}, created without confirmation "
        f"{result['unconfirmed_extra']}; photos confirmed {result['photos_confirmed']}, "
        f"lost {result['photos_lost']}; server tracebacks {tracebacks}"
    )
    if tracebacks:
        for log in error_logs:
            if "Traceback" in log:
                last = log[log.rindex("Traceback") :]
                print("last server traceback:\n" + "\n".join(last.splitlines()[-12:]))
                break
    bad = (
        int(total["Failure Count"])
        or result["lost"]
        or result["duplicated"]
        or result["unconfirmed_extra"]
        or result["photos_lost"]
        or tracebacks
    )
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    seconds = min(args.seconds, 60)
    load_before = load_average()

    with tempfile.TemporaryDirectory(prefix="gridbook-load-") as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/load.db",
            "PHOTO_STORE": f"{tmp}/photos",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "FLASK_APP": "wsgi:app",
        }
        env.pop("GRIDBOOK_HTTPS", None)
        residents = prepare(env)
        before = count_visits(env)
        error_log = open(f"{tmp}/error.log", "w")  # noqa: SIM115 (gunicorn writes it until stopped)
        server = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "--access-logfile",
                f"{tmp}/access.log",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=error_log,
        )
        try:
            wait_until_up(url)
            rows, confirmed = run_locust(url, env, residents, tmp, args.users, seconds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=40)
            error_log.close()
        result = check_database(env, confirmed, before)
        errors_log = Path(f"{tmp}/error.log").read_text()

    title = (
        f"Load test: {args.users} workers, {seconds} s, gunicorn (gunicorn.conf.py) on "
        "127.0.0.1, SQLite"
    )
    sys.exit(report(title, rows, result, [errors_log], load_before))


if __name__ == "__main__":
    main()
