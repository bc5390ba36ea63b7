"""The server's CPU time for one simulated visit of `make load`, request by request, in-process.

    .venv/bin/python bench/visit_cpu.py [--visits 100]

Makes a fresh SQLite database with the demo data in a temporary folder, logs in as a demo
worker with Flask's test client and walks the locustfile's visit (the form, the save, the
visit's page, one 1600x1200 ~400 KB photo) --visits times after 5 warm-ups, timing each
request in CPU time (time.process_time): what the server spends, whatever else runs on the
machine. No HTTP server, no locust: `make load` prints the same in gunicorn, logins included.
"""

import argparse
import os
import re
import sys
import tempfile
import time
import uuid
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.servers import load_demo  # noqa: E402

PASSWORD = "gridbook-demo"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
STEPS = ("GET /visits/new", "POST /visits", "GET /visits/<id>", "POST /photos")


def _photo() -> bytes:
    """The locustfile's photo (not imported: locust would patch this process with gevent)."""
    from PIL import Image

    buf = BytesIO()
    small = Image.frombytes("RGB", (200, 150), os.urandom(200 * 150 * 3))
    small.resize((1600, 1200), Image.Resampling.BILINEAR).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _token(resp) -> str:
    return CSRF.search(resp.get_data(as_text=True)).group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gridbook-visit-cpu-") as tmp:
        os.environ.update(DATABASE_URL=f"sqlite:///{tmp}/demo.db", PHOTO_STORE=f"{tmp}/photos")
        os.environ.pop("GRIDBOOK_HTTPS", None)
        load_demo({**os.environ, "FLASK_APP": "wsgi:app"})
        measure(args.visits)


def measure(visits: int) -> None:
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from app.models import Resident, User

    app = create_app()
    with app.app_context():
        worker = db.session.scalars(
            sa.select(User).where(User.role == "worker", User.is_demo.is_(True)).order_by(User.id)
        ).first()
        residents = db.session.scalars(
            sa.select(Resident.id).where(
                Resident.grid_id.in_(worker.grid_ids), Resident.archived_at.is_(None)
            )
        ).all()
        username = worker.username
    client = app.test_client()
    page = client.get("/login")
    data = {"username": username, "password": PASSWORD, "csrf_token": _token(page)}
    assert client.post("/login", data=data).status_code == 303
    cpu = dict.fromkeys(STEPS, 0.0)
    photo_bytes = _photo()

    def timed(step, call, *a, **kw):
        start = time.process_time()
        resp = call(*a, **kw)
        cpu[step] += time.process_time() - start
        return resp

    def visit(n: int) -> None:
        # Each visit's own words: the same words under a new key are asked about (RepeatedVisit).
        resident = residents[n % len(residents)]
        form = timed(STEPS[0], client.get, f"/visits/new?resident={resident}")
        saved = timed(
            STEPS[1],
            client.post,
            "/visits",
            data={
                "csrf_token": _token(form),
                "resident_id": resident,
                "purpose": "routine",
                "outcome": "done",
                "summary": f"负载测试走访 {n}",
                "client_uuid": str(uuid.uuid4()),
            },
        )
        assert saved.status_code == 303, saved.status_code
        visit_id = saved.headers["Location"].rstrip("/").split("/")[-1]
        shown = timed(STEPS[2], client.get, f"/visits/{visit_id}")
        photo = {
            "csrf_token": _token(shown),
            "owner_type": "visit",
            "owner_id": visit_id,
            "client_uuid": str(uuid.uuid4()),
            "photos": (BytesIO(photo_bytes), "photo.jpg", "image/jpeg"),
        }
        assert timed(STEPS[3], client.post, "/photos", data=photo).status_code == 303

    for n in range(5):
        visit(n)
    cpu = dict.fromkeys(STEPS, 0.0)
    for n in range(visits):
        visit(5 + n)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {visits} visits")
    for step in STEPS:
        print(f"{step:18} {cpu[step] / visits * 1000:6.1f} ms CPU")
    print(f"{'a visit':18} {sum(cpu.values()) / visits * 1000:6.1f} ms CPU")


if __name__ == "__main__":
    main()
