"""Two app processes behind nginx share what must be shared (issue 19, item 7).

The topology of README.md's "Several app hosts" (bench/cluster.py): two gunicorn processes of
one worker each, on their own ports as on their own hosts, behind Debian's nginx, with one
PostgreSQL database, Redis for the rate limits, one photo store and one SECRET_KEY. Each
test makes its data in the test database, then sends requests to one process and checks
what the other one answers. PostgreSQL only: SQLite is one file on one machine.
"""

import re
import threading
import uuid

import pytest
import requests
import sqlalchemy as sa

from app.extensions import db
from app.models import Photo, Visit
from bench.cluster import Cluster, shared_env
from tests.conftest import PASSWORD, PG_URL
from tests.photos.images import jpeg_with_metadata, noisy_jpeg

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="several hosts share PostgreSQL (TEST_DATABASE_URL; the CI's PG run)"
)
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, schema_template):
    tmp = tmp_path_factory.mktemp("cluster")
    with Cluster(shared_env(PG_URL, tmp), tmp, processes=2, workers=1) as running:
        yield running
    # Every request answered: a traceback in either process is a failure here too.
    assert not [log for log in running.app_logs() if "Traceback" in log]


def _token(resp: requests.Response) -> str:
    assert resp.status_code == 200, resp.status_code
    return CSRF.search(resp.text).group(1)


def _login(http: requests.Session, base: str, username: str, password: str) -> requests.Response:
    token = _token(http.get(f"{base}/login"))
    return http.post(
        f"{base}/login",
        data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )


def _save_visit(http, base, resident_id, client_uuid) -> requests.Response:
    token = _token(http.get(f"{base}/visits/new", params={"resident": resident_id}))
    return http.post(
        f"{base}/visits",
        data={
            "csrf_token": token,
            "resident_id": resident_id,
            "purpose": "routine",
            "outcome": "done",
            "summary": "两台主机",
            "client_uuid": client_uuid,
        },
        allow_redirects=False,
        timeout=30,
    )


def test_a_session_made_on_one_process_works_on_the_other(cluster, world):
    one, other = cluster.app_urls
    http = requests.Session()
    assert _login(http, one, "worker_a", PASSWORD).status_code == 303

    page = http.get(f"{other}/today", allow_redirects=False, timeout=30)
    assert page.status_code == 200
    assert "Worker_A" in page.text
    # And a form signed on one process is taken by the other (one SECRET_KEY for CSRF).
    token = _token(http.get(f"{one}/today"))
    assert http.post(f"{other}/logout", data={"csrf_token": token}, timeout=30).ok
    assert http.get(f"{one}/today", allow_redirects=False, timeout=30).status_code in (302, 303)


def test_the_login_throttle_counts_failures_on_both_processes(cluster, world):
    # Eight failed attempts on one account are allowed in ten minutes, wherever they land;
    # counted per process, four on each would leave both far from the limit.
    http = requests.Session()
    for i in range(8):
        base = cluster.app_urls[i % 2]
        assert _login(http, base, "worker_b", "wrong password").status_code == 200
    for base in cluster.app_urls:
        assert _login(http, base, "worker_b", PASSWORD).status_code == 429


def test_a_photo_uploaded_through_one_process_is_served_by_the_other(cluster, world, make_resident):
    one, other = cluster.app_urls
    resident = make_resident()
    db.session.commit()
    http = requests.Session()
    assert _login(http, one, "worker_a", PASSWORD).status_code == 303
    saved = _save_visit(http, one, resident.id, str(uuid.uuid4()))
    assert saved.status_code == 303
    visit_url = saved.headers["Location"]
    visit_id = int(visit_url.rstrip("/").rsplit("/", 1)[-1])
    sent = _upload(http, one, visit_id, jpeg_with_metadata())
    assert sent.status_code == 303
    photo_id = db.session.scalar(sa.select(Photo.id).where(Photo.visit_id == visit_id))

    here = http.get(f"{one}/photos/{photo_id}", timeout=30)
    there = http.get(f"{other}/photos/{photo_id}", timeout=30)
    assert there.status_code == 200
    assert there.headers["Content-Type"] == "image/jpeg"
    assert there.content == here.content
    assert http.get(f"{other}/photos/{photo_id}/thumb", timeout=30).status_code == 200


def test_the_same_visit_sent_to_both_processes_at_once_is_one_record(cluster, world, make_resident):
    resident = make_resident()
    db.session.commit()
    client_uuid = str(uuid.uuid4())
    sessions = []
    for base in cluster.app_urls:
        http = requests.Session()
        assert _login(http, base, "worker_a", PASSWORD).status_code == 303
        sessions.append(http)
    tokens = [
        _token(http.get(f"{base}/visits/new", params={"resident": resident.id}))
        for http, base in zip(sessions, cluster.app_urls, strict=True)
    ]
    start = threading.Barrier(2)
    answers: list = [None, None]

    def send(i: int) -> None:
        start.wait()
        answers[i] = sessions[i].post(
            f"{cluster.app_urls[i]}/visits",
            data={
                "csrf_token": tokens[i],
                "resident_id": resident.id,
                "purpose": "routine",
                "outcome": "done",
                "summary": "同一次走访",
                "client_uuid": client_uuid,
            },
            allow_redirects=False,
            timeout=60,
        )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    ids = db.session.scalars(sa.select(Visit.id).where(Visit.uuid == client_uuid)).all()
    assert len(ids) == 1
    assert answers[0].headers["Location"].endswith(f"/{ids[0]}")


def _upload(http, base, visit_id, jpeg) -> requests.Response:
    token = _token(http.get(f"{base}/visits/{visit_id}"))
    return http.post(
        f"{base}/photos",
        data={
            "csrf_token": token,
            "owner_type": "visit",
            "owner_id": visit_id,
            "client_uuid": str(uuid.uuid4()),
        },
        files={"photos": ("a.jpg", jpeg, "image/jpeg")},
        allow_redirects=False,
        timeout=60,
    )


def test_a_worker_logs_a_visit_with_a_phone_photo_through_nginx(cluster, world, make_resident):
    # What users reach: nginx sends each request to either process, round robin, and buffers
    # a photo of a few hundred KB on its way (to disk past client_body_buffer_size).
    resident = make_resident()
    db.session.commit()
    http = requests.Session()
    assert _login(http, cluster.url, "worker_a", PASSWORD).status_code == 303
    for _ in range(4):
        assert (
            http.get(f"{cluster.url}/today", allow_redirects=False, timeout=30).status_code == 200
        )
    saved = _save_visit(http, cluster.url, resident.id, str(uuid.uuid4()))
    assert saved.status_code == 303
    visit_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    photo = noisy_jpeg((1600, 1200))  # ~1.5 MB: past nginx's memory buffer
    assert _upload(http, cluster.url, visit_id, photo).status_code == 303
    assert (
        db.session.scalar(sa.select(sa.func.count(Photo.id)).where(Photo.visit_id == visit_id)) == 1
    )
