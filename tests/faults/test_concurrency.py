"""Double taps, retries and many writers at once, against a real threaded server."""

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Resident, Visit
from app.timeutil import local_today


def _visit_data(resident_id, client_uuid, **over):
    data = {
        "resident_id": resident_id,
        "purpose": "elderly_care",
        "summary": "量了血压，一切正常",
        "outcome": "done",
        "visited_on": local_today().isoformat(),
        "follow_up_on": "",
        "client_uuid": client_uuid,
    }
    data.update(over)
    return data


def _all_at_once(n: int, job):
    """Run job(i) in n threads released together; their results in order."""
    # The test's own session must not hold a transaction (under SQLite, the write lock).
    db.session.rollback()
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait(timeout=30)
        return job(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _count(model, *where):
    db.session.rollback()  # a fresh snapshot: the server's commits are visible
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_same_visit_posted_ten_times_at_once_is_saved_once(world, make_resident, http_login):
    resident = make_resident().id
    sessions = [http_login("worker_a") for _ in range(2)]
    client_uuid = str(uuid.uuid4())
    data = _visit_data(resident, client_uuid)

    def post(i):
        s = sessions[i % 2]
        return s.post(f"{s.base}/visits", data=data, allow_redirects=False, timeout=60)

    responses = _all_at_once(10, post)

    assert [r.status_code for r in responses] == [303] * 10
    visits = db.session.scalars(sa.select(Visit).where(Visit.uuid == client_uuid)).all()
    assert len(visits) == 1
    assert {r.headers["Location"].rsplit("/", 1)[-1] for r in responses} == {str(visits[0].id)}
    assert _count(AuditEvent, AuditEvent.action == "visit_created") == 1

    # A retry through htmx answers with the same record too.
    s = sessions[0]
    again = s.post(f"{s.base}/visits", data=data, headers={"HX-Request": "true"}, timeout=60)
    assert again.status_code == 200
    assert json.loads(again.headers["HX-Trigger"])["visit-saved"] == {"id": visits[0].id}
    assert _count(Visit) == 1


def test_same_uuid_with_other_content_is_refused(world, make_resident, http_login):
    resident = make_resident().id
    s = http_login("worker_a")
    client_uuid = str(uuid.uuid4())
    first = s.post(
        f"{s.base}/visits",
        data=_visit_data(resident, client_uuid),
        allow_redirects=False,
        timeout=60,
    )
    assert first.status_code == 303

    def post_other(i):
        return s.post(
            f"{s.base}/visits",
            timeout=60,
            allow_redirects=False,
            data=_visit_data(resident, client_uuid, summary=f"另一次 {i}"),
        )

    responses = _all_at_once(5, post_other)
    for resp in responses:
        assert resp.status_code == 409  # issue 11: a refused plain POST answers with its status
        assert "already sent with other content" in resp.text or "已" in resp.text
        assert "另一次" in resp.text  # what was typed is kept
    assert _count(Visit) == 1
    assert db.session.scalar(sa.select(Visit.summary)) == "量了血压，一切正常"


def test_twenty_writers_at_once_all_land(world, make_resident, http_login):
    """Visits and new residents from 20 threads: no 'database is locked', nothing lost."""
    resident = make_resident().id
    logins = [http_login("worker_a") for _ in range(4)]
    grid_id = world.a1.id

    def write(i):
        s = logins[i % len(logins)]
        results = []
        for k in range(3):
            if (i + k) % 2:
                r = s.post(
                    f"{s.base}/visits",
                    allow_redirects=False,
                    timeout=120,
                    data=_visit_data(resident, str(uuid.uuid4()), summary=f"t{i}-{k}"),
                )
            else:
                r = s.post(
                    f"{s.base}/residents/new",
                    allow_redirects=False,
                    timeout=120,
                    data={
                        "client_uuid": str(uuid.uuid4()),
                        "name": f"居民{i}-{k}",
                        "grid_id": grid_id,
                        "building": "1",
                        "unit": "1",
                        "room": "101",
                        "phone": "",
                        "household_size": "1",
                        "notes": "",
                        "care_reasons": ["elderly_alone"],
                    },
                )
            results.append(r)
        return results

    responses = [r for batch in _all_at_once(20, write) for r in batch]

    for r in responses:
        assert r.status_code == 303, r.text[:2000]
        assert "locked" not in r.text.lower()
    assert _count(Visit) == sum(1 for i in range(20) for k in range(3) if (i + k) % 2)
    assert _count(Resident, Resident.name.like("居民%")) == 30
    assert _count(AuditEvent, AuditEvent.action.in_(("visit_created", "resident_created"))) == 60
