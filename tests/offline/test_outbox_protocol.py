"""The replay protocol: a replayed POST is answered saved, refused (with the reason in the
user's language), signed out or "try again", as JSON the phone's outbox can act on."""

import uuid

import sqlalchemy as sa

from app.extensions import db
from app.models import Answer, ChecklistItem, ChecklistTemplate, Hazard, Photo, Visit
from app.offline.keys import user_key
from tests.outbox_fixtures import REPLAY, visit_data


def _count(model):
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def _replay(client, url, data, user=None, **kw):
    headers = dict(REPLAY)
    if user is not None:
        headers["X-Gridbook-User"] = user_key(user)
    return client.post(url, data=data, headers=headers, **kw)


def test_state_names_the_user_and_a_fresh_token(client, world, login_as):
    assert client.get("/outbox/state").status_code == 401
    login_as(world.worker_a)
    resp = client.get("/outbox/state")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.json["user"] == user_key(world.worker_a)
    assert resp.json["user"] != user_key(world.worker_b)
    assert str(world.worker_a.id) != resp.json["user"]
    assert "worker_a" not in resp.json["user"]
    assert resp.json["csrf"]


def test_saved_replay_answers_with_the_record_and_once(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    data = visit_data(r)
    first = _replay(client, "/visits", data, world.worker_a)
    assert first.status_code == 200
    assert first.json["status"] == "saved"
    visit = db.session.scalar(sa.select(Visit))
    assert first.json["url"] == f"/visits/{visit.id}"
    # The response was lost and the phone sends it again: the same record, still a success.
    again = _replay(client, "/visits", data, world.worker_a)
    assert again.json == first.json
    assert _count(Visit) == 1


def test_replay_leaves_no_flash_for_the_next_page(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    _replay(client, "/visits", visit_data(r), world.worker_a)
    with client.session_transaction() as sess:
        assert not sess.get("_flashes")


def test_locked_day_is_refused_with_the_reason(
    client, world, login_as, make_resident, make_daily_log
):
    make_daily_log(status="approved")
    r = make_resident()
    login_as(world.worker_a)
    resp = _replay(client, "/visits", visit_data(r), world.worker_a)
    assert resp.status_code == 409
    assert resp.json["status"] == "refused"
    assert "审核通过" in resp.json["reason"]  # in the user's language: the day was approved
    assert _count(Visit) == 0


def test_invalid_field_is_refused_with_the_field_named(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    resp = _replay(client, "/visits", visit_data(r, outcome=""), world.worker_a)
    assert resp.status_code == 422
    assert resp.json["status"] == "refused"
    # In the user's language, with its own colon between the field and the message.
    assert resp.json["reason"] == "走访结果：请选择走访结果。"
    resp = _replay(
        client, "/visits?lang=en", visit_data(r, outcome=""), world.worker_a
    )  # English for an English-speaking user
    assert resp.json["reason"] == "Outcome: Choose an outcome."
    assert _count(Visit) == 0


def test_archived_resident_is_refused_not_lost(client, world, login_as, make_resident):
    from app.timeutil import utcnow

    r = make_resident()
    r.archived_at = utcnow()
    db.session.commit()
    login_as(world.worker_a)
    resp = _replay(client, "/visits", visit_data(r), world.worker_a)
    assert resp.status_code == 404
    assert resp.json["status"] == "refused"
    assert resp.json["reason"]


def test_same_uuid_other_content_is_refused(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    data = visit_data(r)
    _replay(client, "/visits", data, world.worker_a)
    resp = _replay(client, "/visits", {**data, "summary": "别的内容"}, world.worker_a)
    assert resp.json["status"] == "refused"
    assert _count(Visit) == 1


def test_signed_out_is_401_and_runs_nothing(client, world, make_resident):
    r = make_resident()
    client.csrf = True
    resp = client.post("/visits", data=visit_data(r), headers=REPLAY)
    assert resp.status_code == 401
    assert resp.json["status"] == "signed_out"
    assert _count(Visit) == 0


def test_another_users_entry_is_not_run(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    headers = {**REPLAY, "X-Gridbook-User": user_key(world.worker_a2)}
    resp = client.post("/visits", data=visit_data(r), headers=headers)
    assert resp.status_code == 409
    assert resp.json["status"] == "other_user"
    assert _count(Visit) == 0


def test_stale_token_asks_for_a_fresh_one(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    client.csrf = False
    headers = {**REPLAY, "X-CSRFToken": "stale", "X-Gridbook-User": user_key(world.worker_a)}
    resp = client.post("/visits", data={**visit_data(r), "csrf_token": "stale"}, headers=headers)
    assert resp.status_code == 400
    assert resp.json["status"] == "csrf"
    assert _count(Visit) == 0
    # The phone asks for the state, and sends again with the fresh token: saved.
    fresh = client.get("/outbox/state").json["csrf"]
    headers["X-CSRFToken"] = fresh
    resp = client.post("/visits", data={**visit_data(r), "csrf_token": fresh}, headers=headers)
    assert resp.json["status"] == "saved"


def _screening(client, world, login_as, make_resident, make_visit):
    visit = make_visit(resident=make_resident(), purpose="screening")
    login_as(world.worker_a)
    tpl = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "fire"))
    client.post(
        "/screening",
        data={"visit_id": visit.id, "template_id": tpl.id, "client_uuid": str(uuid.uuid4())},
    )
    from app.models import Screening

    return db.session.scalar(sa.select(Screening)), tpl


def test_answers_and_remaining_replay_as_upserts(
    client, world, login_as, make_resident, make_visit
):
    s, tpl = _screening(client, world, login_as, make_resident, make_visit)
    item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "F1"))
    url = f"/screening/{s.id}/items/{item.id}"
    for _ in range(2):
        resp = _replay(client, url, {"value": "ok"}, world.worker_a)
        assert resp.json["status"] == "saved"
    bad = _replay(client, url, {"value": "maybe"}, world.worker_a)
    assert bad.json["status"] == "refused"
    for _ in range(2):
        resp = _replay(client, f"/screening/{s.id}/remaining", {"value": "ok"}, world.worker_a)
        assert resp.json["status"] == "saved"
    assert _count(Answer) == len(tpl.items)


def test_hazard_with_photo_replays_once(client, world, login_as, make_resident, make_visit):
    import io

    from PIL import Image

    s, _tpl = _screening(client, world, login_as, make_resident, make_visit)
    item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "F1"))
    _replay(client, f"/screening/{s.id}/items/{item.id}", {"value": "hazard"}, world.worker_a)
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 50, 50)).save(buf, "JPEG")
    key = str(uuid.uuid4())

    def send(note):
        return _replay(
            client,
            f"/screening/{s.id}/items/{item.id}/hazard",
            {
                "note": note,
                "severity": "S2",
                "due_on": "",
                "photo_uuid": key,
                "photos": (io.BytesIO(buf.getvalue()), "h.jpg", "image/jpeg"),
            },
            world.worker_a,
            content_type="multipart/form-data",
        )

    missing = send("")
    assert missing.json["status"] == "refused"
    assert missing.json["reason"]
    for _ in range(2):
        assert send("插线板超负荷").json["status"] == "saved"
    assert _count(Photo) == 1
    assert db.session.scalar(sa.select(Hazard)).note == "插线板超负荷"


def test_a_hazard_refused_for_its_date_is_refused_for_the_date_and_keeps_its_photo(
    client, world, login_as, make_resident, make_visit
):
    """Queued without signal with a mistyped date and a photo: the reason on /outbox names the
    date, not the note or the photo (the entry holds the photo); corrected there and sent
    again, the hazard is saved with it."""
    import io

    from PIL import Image

    s, _tpl = _screening(client, world, login_as, make_resident, make_visit)
    item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "F1"))
    _replay(client, f"/screening/{s.id}/items/{item.id}", {"value": "hazard"}, world.worker_a)
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 50, 50)).save(buf, "JPEG")
    key = str(uuid.uuid4())

    def send(due_on):
        return _replay(
            client,
            f"/screening/{s.id}/items/{item.id}/hazard",
            {
                "note": "飞线充电",
                "severity": "S2",
                "due_on": due_on,
                "photo_uuid": key,
                "photos": (io.BytesIO(buf.getvalue()), "h.jpg", "image/jpeg"),
            },
            world.worker_a,
            content_type="multipart/form-data",
        )

    refused = send("2020-01-01")
    assert (refused.json["status"], refused.json["reason"]) == (
        "refused",
        "整改期限：日期太早了，请检查年份。",
    )
    assert send("").json["status"] == "saved"
    assert _count(Photo) == 1
    assert db.session.scalar(sa.select(Photo.hazard_id)) == db.session.scalar(sa.select(Hazard.id))


def test_photo_upload_and_request_replay_once(client, world, login_as, make_resident, make_visit):
    import io

    from PIL import Image

    from app.requests.models import Request

    r = make_resident()
    visit = make_visit(resident=r)
    login_as(world.worker_a)
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 50, 200)).save(buf, "JPEG")
    key = str(uuid.uuid4())
    for _ in range(2):
        resp = _replay(
            client,
            "/photos",
            {
                "owner_type": "visit",
                "owner_id": visit.id,
                "client_uuid": key,
                "photos": (io.BytesIO(buf.getvalue()), "v.jpg", "image/jpeg"),
            },
            world.worker_a,
            content_type="multipart/form-data",
        )
        assert resp.json["status"] == "saved", resp.json
    assert _count(Photo) == 1
    not_a_photo = _replay(
        client,
        "/photos",
        {
            "owner_type": "visit",
            "owner_id": visit.id,
            "client_uuid": str(uuid.uuid4()),
            "photos": (io.BytesIO(b"not a jpeg"), "x.jpg", "image/jpeg"),
        },
        world.worker_a,
        content_type="multipart/form-data",
    )
    assert not_a_photo.json["status"] == "refused"
    assert "x.jpg" in not_a_photo.json["reason"]

    data = {
        "resident": r.id,
        "visit": "",
        "channel": "visit",
        "category": "R04",
        "summary": "电梯坏了两周",
        "received_on": visit.visited_on.isoformat(),
        "client_uuid": str(uuid.uuid4()),
    }
    for _ in range(2):
        assert _replay(client, "/requests", data, world.worker_a).json["status"] == "saved"
    assert _count(Request) == 1


def test_plain_posts_are_answered_as_before(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    resp = client.post("/visits", data=visit_data(r, _outbox='{"user": "x"}'))
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("/visits/")


def test_logout_keeps_storage_when_the_outbox_holds_entries(client, world, login_as):
    login_as(world.worker_a)
    resp = client.post("/logout", data={"outbox_kept": "1"})
    assert "Clear-Site-Data" not in resp.headers
    login_as(world.worker_a)
    resp = client.post("/logout")
    assert resp.headers["Clear-Site-Data"] == '"storage"'


def test_outbox_page_and_count(client, world, login_as):
    assert client.get("/outbox").status_code in (302, 303)
    login_as(world.worker_a)
    page = client.get("/outbox").get_data(as_text=True)
    assert 'id="outbox-list"' in page
    assert "data-outbox-count" in page
    assert f'data-outbox-user="{user_key(world.worker_a)}"' in page


def _referral(visit, **over) -> dict:
    data = {
        "visit_id": visit.id,
        "answer_id": "",
        "service_code": "health_station",
        "note": "老人腿脚不便，需要上门看诊",
        "follow_up_on": "",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(over)
    return data


def test_a_referral_replays_once_and_is_refused_for_what_is_wrong(
    client, world, login_as, make_resident, make_visit
):
    from app.models import Referral

    visit = make_visit(resident=make_resident())
    login_as(world.worker_a)
    data = _referral(visit)
    for _ in range(2):
        resp = _replay(client, "/referrals", data, world.worker_a)
        assert resp.json["status"] == "saved", resp.json
    assert _count(Referral) == 1
    assert resp.json["url"] == f"/referrals/{db.session.scalar(sa.select(Referral.id))}"

    # What the form would refuse is refused, named as on the page: not taken for saved.
    no_note = _replay(client, "/referrals", _referral(visit, note=""), world.worker_a)
    assert no_note.status_code == 422
    assert no_note.json == {
        "status": "refused",
        "reason": "需要服务机构了解的情况：请写明对方需要什么帮助。",
    }
    early = visit.visited_on.replace(year=visit.visited_on.year - 1).isoformat()
    too_early = _replay(client, "/referrals", _referral(visit, follow_up_on=early), world.worker_a)
    assert too_early.json["status"] == "refused"
    # The same key with other content is another referral's: refused, not a second one.
    other = _replay(client, "/referrals", {**data, "note": "别的"}, world.worker_a)
    assert other.json["status"] == "refused"
    assert _count(Referral) == 1

    # Out of the worker's area (or gone) by the time it arrives: refused, not lost.
    elsewhere = make_visit(resident=make_resident(grid=world.b1), worker=world.worker_b)
    login_as(world.worker_a)
    gone = _replay(client, "/referrals", _referral(elsewhere), world.worker_a)
    assert gone.status_code == 404
    assert gone.json["status"] == "refused"
    assert _count(Referral) == 1
