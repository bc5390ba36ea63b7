"""Starting the app for a benchmark: a demo database, gunicorn on a free port, and its end.

One place for what `make load`, `make load-cluster`, the offline byte counts and the gunicorn
comparison all do before they measure, so that each serves the app the same way: with
gunicorn.conf.py, the production settings, on 127.0.0.1.
"""

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


@contextmanager
def gunicorn(
    env: dict,
    *args: str,
    target: str = "wsgi:app",
    stdout=None,
    stderr=None,
    seconds: float = 60,
    path: str | None = "/healthz",
):
    """Serve on a free port of 127.0.0.1 until the block ends; yields the base URL."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    url = f"http://127.0.0.1:{port}"
    proc = start_gunicorn(env, *args, target=target, stdout=stdout, stderr=stderr)
    try:
        wait_until_up(url, seconds=seconds, proc=proc, path=path)
        yield url
    finally:
        stop(proc)
