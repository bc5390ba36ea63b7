"""Starting the app for a benchmark: a demo database, gunicorn on a free port, and its end.

One place for what `make load`, `make load-cluster`, the offline byte counts and the gunicorn
comparison all do before they measure, so that each serves the app the same way: with
gunicorn.conf.py, the production settings, on 127.0.0.1.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_demo(env: dict) -> None:
    """Migrate, seed and load the demo township into env's DATABASE_URL."""
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi:app"]
    for cmd in (["db", "upgrade"], ["seed"], ["demo", "load"]):
        subprocess.run(flask + cmd, cwd=ROOT, env=env, check=True, capture_output=True)


def in_app(env: dict, code: str) -> str:
    """The last line `code` prints, run in a fresh process with the app made from env."""
    prelude = "from app import create_app\nfrom app.extensions import db\napp = create_app()\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def wait_until_up(
    url: str, seconds: float = 60, proc: subprocess.Popen | None = None, path: str = "/healthz"
) -> None:
    """Until `url + path` answers 200 (any answer when path is None); fails early when the
    server process has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + (path or "/"), timeout=2) as resp:
                if path is None or resp.status == 200:
                    return
        except urllib.error.HTTPError:
            if path is None:
                return
            time.sleep(0.2)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {seconds:.0f} s")


def start_gunicorn(env: dict, *args: str, target: str = "wsgi:app", stdout=None, stderr=None):
    """gunicorn with gunicorn.conf.py; env must hold GUNICORN_BIND. Not waited for."""
    return subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", *args, target],
        cwd=ROOT,
        env=env,
        stdout=stdout if stdout is not None else subprocess.DEVNULL,
        stderr=stderr if stderr is not None else subprocess.DEVNULL,
    )


def stop(proc: subprocess.Popen, seconds: float = 40) -> None:
    """SIGTERM (gunicorn finishes the requests under way), then SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and of every process under it, living or
    reaped (a gunicorn master and its workers). Linux /proc only."""
    ticks = os.sysconf("SC_CLK_TCK")

    def own(p: int, with_reaped: bool) -> int:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            return 0  # ended meanwhile: counted in its parent's reaped children
        # utime, stime (fields 14-15), then cutime, cstime of children waited for (16-17).
        return sum(int(f) for f in fields[11 : 15 if with_reaped else 13])

    def children(p: int) -> list[int]:
        try:
            return [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except FileNotFoundError:
            return []

    total, todo = own(pid, True), children(pid)
    while todo:
        child = todo.pop()
        total += own(child, True)
        todo.extend(children(child))
    return total / ticks


@contextmanager
def serving(
    env: dict,
    *args: str,
    target: str = "wsgi:app",
    stdout=None,
    stderr=None,
    seconds: float = 60,
    path: str | None = "/healthz",
):
    """Serve on a free port of 127.0.0.1 until the block ends; yields (base URL, process)."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    url = f"http://127.0.0.1:{port}"
    proc = start_gunicorn(env, *args, target=target, stdout=stdout, stderr=stderr)
    try:
        wait_until_up(url, seconds=seconds, proc=proc, path=path)
        yield url, proc
    finally:
        stop(proc)


@contextmanager
def gunicorn(env: dict, *args: str, **kw):
    """Serve on a free port of 127.0.0.1 until the block ends; yields the base URL."""
    with serving(env, *args, **kw) as (url, _proc):
        yield url
