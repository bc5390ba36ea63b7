"""Several app processes behind nginx, sharing PostgreSQL, Redis and the photo store.

    .venv/bin/python bench/cluster.py [--processes 2] [--workers 2] [--users 50] [--seconds 60]
    make load-cluster

The topology of README.md's "Several app hosts" on this one machine: --processes gunicorn
processes (gunicorn.conf.py, each on its own port of 127.0.0.1, as each would be on its own
host), Debian's nginx in front of them on a free port (round robin, run as a non-daemon with
its own prefix in a temporary folder), one PostgreSQL database made for the run, Redis on
127.0.0.1:6379 for the rate limits, one photo folder and one SECRET_KEY. Loads the demo
township into it, runs `make load`'s scenario (bench/locustfile.py) through nginx, checks
the database for lost and duplicated visits and prints the figures as bench/load.py does.

tests/deploy/test_cluster.py starts the same topology (with `Cluster`) to prove that a
session, the login throttle, photos and visit UUIDs hold across the processes.
"""

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.servers import free_port, start_gunicorn, wait_until_up  # noqa: E402

NGINX = os.environ.get("NGINX", shutil.which("nginx") or "/usr/sbin/nginx")
REDIS_URI = os.environ.get("CLUSTER_REDIS_URI", "redis://127.0.0.1:6379/0")
PG_ADMIN_URL = os.environ.get(
    "CLUSTER_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

NGINX_CONF = """\
{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    # Photos: several phone pictures in one upload (the app's own cap is MAX_CONTENT_LENGTH).
    client_max_body_size 100m;
    # A phone photo (~400 KB) stays in memory on its way through.
    client_body_buffer_size 1m;
    upstream gridbook {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://gridbook;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            # A request that failed on one process is not sent again to another: a POST
            # may have been saved already (the visit UUID would catch it, but say it once).
            proxy_next_upstream off;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


@dataclass
class Cluster:
    """App processes behind nginx; `env` is what every process shares (database, Redis...)."""

    env: dict
    tmp: Path
    processes: int = 2
    workers: int = 1
    url: str = ""
    app_urls: list[str] = field(default_factory=list)
    _procs: list[subprocess.Popen] = field(default_factory=list)
    _logs: list = field(default_factory=list)

    def start(self) -> "Cluster":
        ports = [free_port() for _ in range(self.processes)]
        try:
            for i, port in enumerate(ports):
                log = open(self.tmp / f"app{i}.log", "w")  # noqa: SIM115 (open until stop)
                self._logs.append(log)
                env = {
                    **self.env,
                    "GUNICORN_BIND": f"127.0.0.1:{port}",
                    "GUNICORN_WORKERS": str(self.workers),
                }
                proc = start_gunicorn(
                    env,
                    "--access-logfile",
                    "/dev/null",
                    stderr=log,
                )
                self._procs.append(proc)
                self.app_urls.append(f"http://127.0.0.1:{port}")
            port = free_port()
            for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
                (self.tmp / sub).mkdir(exist_ok=True)
            servers = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
            conf = self.tmp / "nginx.conf"
            # As root, nginx's workers would run as nobody, who cannot write the temporary
            # folders here (a large upload is buffered to disk): keep them as we are.
            user = "user root;\n" if os.geteuid() == 0 else ""
            conf.write_text(NGINX_CONF.format(user=user, tmp=self.tmp, servers=servers, port=port))
            log = open(self.tmp / "nginx.log", "w")  # noqa: SIM115 (open until stop)
            self._logs.append(log)
            nginx = subprocess.Popen(
                [
                    NGINX,
                    "-p",
                    str(self.tmp),
                    "-c",
                    str(conf),
                    "-e",
                    str(self.tmp / "nginx-error.log"),
                ],
                stdout=log,
                stderr=log,
            )
            self._procs.append(nginx)
            self.url = f"http://127.0.0.1:{port}"
            for app_url, proc in zip(self.app_urls, self._procs, strict=False):
                wait_until_up(app_url, proc=proc)
            wait_until_up(self.url, seconds=15, proc=nginx)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self._procs:
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._procs.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()

    def app_logs(self) -> list[str]:
        return [p.read_text() for p in sorted(self.tmp.glob("app*.log"))]

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def shared_env(database_url: str, tmp: Path, redis_uri: str = REDIS_URI) -> dict:
    """What every app process of one deployment must share (README: Several app hosts)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PHOTO_STORE": str(tmp / "photos"),
        "IMPORT_STORE": str(tmp / "imports"),
        "RATELIMIT_STORAGE_URI": redis_uri,
        # One Redis may serve several deployments (and every test run): keys apart.
        "RATELIMIT_KEY_PREFIX": f"gridbook-{secrets.token_hex(4)}",
        "SECRET_KEY": secrets.token_hex(32),
        # nginx is the one proxy: the client's address is the one it saw.
        "GRIDBOOK_PROXY_COUNT": "1",
        "FLASK_APP": "wsgi:app",
    }
    env.pop("GRIDBOOK_HTTPS", None)
    return env


def _psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    from bench import load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers a process")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    seconds = min(args.seconds, 60)
    load_before = load.load_average()
    name = f"gridbook_cluster_{os.getpid()}"
    _psql(f"CREATE DATABASE {name}")
    try:
        with tempfile.TemporaryDirectory(prefix="gridbook-cluster-") as tmp_name:
            tmp = Path(tmp_name)
            env = shared_env(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", tmp)
            residents = load.prepare(env)
            before = load.count_visits(env)
            with Cluster(env, tmp, processes=args.processes, workers=args.workers) as cluster:
                rows, confirmed = load.run_locust(
                    cluster.url, env, residents, str(tmp), args.users, seconds
                )
            logs = cluster.app_logs()
            result = load.check_database(env, confirmed, before)
    finally:
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    title = (
        f"Load test through nginx: {args.users} workers, {seconds} s, {args.processes} gunicorn "
        f"processes x {args.workers} workers (gunicorn.conf.py), PostgreSQL, Redis, one photo store"
    )
    sys.exit(load.report(title, rows, result, logs, load_before))


if __name__ == "__main__":
    main()
