"""Requests per second under gunicorn: Today against the framework ceiling (issue 19, item 1).

Both apps run under the same gunicorn settings (gunicorn.conf.py with GUNICORN_WORKERS=2,
access log to a file for both) and get the same load from wrk (Debian's `wrk`: 2 threads,
8 connections, keep-alive), one after the other. Today is asked for by the large township's
worker with a real server-side session; every answer must be a 200. Without wrk installed, a
Python client with as many keep-alive connections stands in (it measures less precisely:
its own CPU competes with gunicorn on a 2-core machine, for both apps alike).
"""

import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from bench.servers import free_port, start_gunicorn, stop, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "15"))
CONNECTIONS = 8
LOGS = ROOT / "instance" / "bench-gunicorn"  # kept after the run, for a failure's traceback


def _session_cookie(app, username: str) -> str:
    """`name=value` of a signed Flask session holding a fresh server-side session token."""
    from app.accounts.services import start_session
    from app.extensions import db
    from app.models import User

    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        token = start_session(user)
        db.session.commit()
        value = app.session_interface.get_signing_serializer(app).dumps(
            {"_user_id": token, "_fresh": True}
        )
        db.session.remove()
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def _serve(target: str, env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, **env, "GUNICORN_WORKERS": "2", "GUNICORN_BIND": f"127.0.0.1:{port}"}
    proc = start_gunicorn(env, target=target, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        # The ceiling app has no /healthz: any answer will do there.
        wait_until_up(f"http://127.0.0.1:{port}", proc=proc, path=None)
    except RuntimeError as err:
        stop(proc)
        raise SystemExit(f"gunicorn {target} did not start ({err}); see {log}") from None
    return proc, port


def _wrk(port: int, path: str, cookie: str) -> tuple[float, int]:
    """Requests per second and the number of answers that were not 2xx/3xx."""
    out = subprocess.run(
        [
            shutil.which("wrk"),
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{SECONDS}s",
            "--timeout",
            "10s",  # a slow answer is counted, not dropped at wrk's 2 s default
            "-H",
            f"Cookie: {cookie}",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    if errors:
        print(f"    wrk: {errors.group(0)}")
    return rps, int(bad.group(1)) if bad else 0


def _python_load(port: int, path: str, cookie: str) -> tuple[float, int]:
    counts = {"ok": 0, "bad": 0}
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ok = bad = 0
        while time.monotonic() < stop:
            conn.request("GET", path, headers={"Cookie": cookie})
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                ok += 1
            else:
                bad += 1
        with lock:
            counts["ok"] += ok
            counts["bad"] += bad

    threads = [threading.Thread(target=run) for _ in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (counts["ok"] + counts["bad"]) / SECONDS, counts["bad"]


def _load(port: int, path: str, cookie: str) -> tuple[float, int]:
    # A warm-up: both apps compile templates and open connections before being timed. A
    # fresh worker on a machine this busy once took over 30 s for its first Today.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for _ in range(20):
        conn.request("GET", path, headers={"Cookie": cookie})
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise SystemExit(f"{path}: {resp.status} under gunicorn")
    conn.close()
    return _wrk(port, path, cookie) if shutil.which("wrk") else _python_load(port, path, cookie)


def compare(app, database_url: str, username: str, rows: list[dict]) -> None:
    """Serve the ceiling, then the app; load each; print both figures and their ratio."""
    tool = "wrk" if shutil.which("wrk") else "Python client (no wrk)"
    print(
        f"\ngunicorn, gunicorn.conf.py with 2 workers, {tool}: {CONNECTIONS} connections, "
        f"{SECONDS} s each, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    LOGS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        rows_file = Path(tmp) / "rows.json"
        rows_file.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        proc, port = _serve(
            "bench.ceiling_app:app", {"CEILING_ROWS": str(rows_file)}, LOGS / "ceiling.log"
        )
        try:
            ceiling_rps, ceiling_bad = _load(port, "/residents", "")
        finally:
            stop(proc)
        cookie = _session_cookie(app, username)
        proc, port = _serve("wsgi:app", {"DATABASE_URL": database_url}, LOGS / "app.log")
        try:
            today_rps, today_bad = _load(port, "/today", cookie)
        finally:
            stop(proc)
    ratio = today_rps / ceiling_rps if ceiling_rps else 0
    print(f"  ceiling app (bare Flask, 20 rows)  {ceiling_rps:8.1f} req/s  non-2xx {ceiling_bad}")
    print(f"  Today (bench-w0001)                {today_rps:8.1f} req/s  non-2xx {today_bad}")
    verdict = "holds" if ratio >= 0.5 else "MISSES"
    print(f"  Today / ceiling: {ratio:.0%} (target >= 50%: {verdict})")
