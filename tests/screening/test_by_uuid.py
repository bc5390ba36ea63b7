"""A checklist started without signal is answered by the UUID the phone gave it: the same
views as by id, scoped the same way, so that a replay lands on the right screening."""

import io
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Answer, AuditEvent, ChecklistTemplate, Hazard, Photo, Screening, Visit
from app.timeutil import local_today
from tests.outbox_fixtures import REPLAY
from tests.photos.images import encoded


def _template(code="fire") -> ChecklistTemplate:
    return db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == code))


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)).where(*where))


def _screening_visit(client, resident, key: str, **headers):
    """The visit form with a checklist, as the phone sends it (or replays it)."""
    return client.post(
        "/visits",
        data={
            "resident_id": resident.id,
            "purpose": "screening",
            "checklist_id": _template().id,
            "summary": "",
            "outcome": "done",
            "visited_on": local_today().isoformat(),
            "follow_up_on": "",
            "client_uuid": key,
        },
        headers=headers,
    )


@pytest.fixture
def started(client, world, login_as, make_resident):
    """worker_a's screening visit, sent as the outbox sends it: the screening's UUID is the
    visit form's client UUID."""
    login_as(world.worker_a)
    key = str(uuid.uuid4())
    resp = _screening_visit(client, make_resident(name="王秀英"), key)
    assert resp.status_code == 303
    return key, db.session.scalar(sa.select(Screening))


def test_the_screening_of_a_visit_form_takes_its_client_uuid(started):
    key, screening = started
    assert screening.uuid == key
    assert db.session.scalar(sa.select(Visit.uuid)) == key


def test_answers_remaining_and_finish_by_uuid_land_on_that_screening(client, started):
    key, screening = started
    first, second = screening.template.items[:2]
    resp = client.post(f"/screening/u/{key}/items/{first.id}", data={"value": "na"}, htmx=True)
    assert resp.status_code == 200
    assert resp.text.lstrip().startswith(f'<li id="item-{first.id}"')
    resp = client.post(f"/screening/u/{key}/items/{second.id}", data={"value": "ok"})
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/screening/{screening.id}#item-{second.id}"

    resp = client.post(f"/screening/u/{key}/remaining", data={"value": "ok"})
    assert resp.headers["Location"] == f"/screening/{screening.id}#finish-screening"
    resp = client.post(f"/screening/u/{key}/finish", data={})
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/visits/{screening.visit_id}"

    db.session.refresh(screening)
    assert screening.completed_at is not None
    values = dict(db.session.execute(sa.select(Answer.item_id, Answer.value)).all())
    assert values[first.id] == "na"
    assert set(values) == {i.id for i in screening.template.items}
    assert _count(Answer, Answer.screening_id != screening.id) == 0


def test_hazard_with_note_and_photo_by_uuid(client, started):
    key, screening = started
    item = screening.template.items[0]
    client.post(f"/screening/u/{key}/items/{item.id}", data={"value": "hazard"})
    resp = client.post(
        f"/screening/u/{key}/items/{item.id}/hazard",
        data={
            "note": "楼道堆放纸箱",
            "severity": "S2",
            "due_on": "",
            "photo_uuid": str(uuid.uuid4()),
            "photos": [(io.BytesIO(encoded("JPEG")), "hazard.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303
    hazard = db.session.scalar(sa.select(Hazard))
    assert hazard.note == "楼道堆放纸箱"
    assert hazard.answer.screening_id == screening.id
    assert db.session.scalar(sa.select(Photo.hazard_id)) == hazard.id


def test_the_checklist_opens_by_uuid_as_by_id(client, started):
    key, screening = started
    by_uuid = client.get(f"/screening/u/{key}")
    assert by_uuid.status_code == 200
    assert by_uuid.text.count('<li id="item-') == len(screening.template.items)
    # Its forms address the screening by id, as the page by id does.
    assert f'action="/screening/{screening.id}/finish"' in by_uuid.text
    assert _count(AuditEvent, AuditEvent.action == "screening_viewed") == 1


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "", None),
        ("post", "/items/{item}", {"value": "ok"}),
        ("post", "/items/{item}/hazard", {"note": "x", "severity": "S2"}),
        ("post", "/remaining", {"value": "ok"}),
        ("post", "/finish", {}),
    ],
)
def test_unknown_malformed_or_out_of_scope_uuid_is_404(
    client, world, login_as, started, method, path, data
):
    key, screening = started
    item = screening.template.items[0].id
    for who, uid in (
        (world.worker_a, str(uuid.uuid4())),  # unknown
        (world.worker_a, "not-a-uuid"),
        (world.worker_a, "screening-uuid"),  # the blank checklist's placeholder
        (world.worker_b, key),  # another community's worker
    ):
        login_as(who)
        url = f"/screening/u/{uid}" + path.format(item=item)
        resp = getattr(client, method)(url, data=data)
        assert resp.status_code == 404, (who.username, uid)
    assert _count(Answer) == 0
    db.session.refresh(screening)
    assert screening.completed_at is None


def test_by_uuid_posts_need_the_csrf_token(client, started):
    key, screening = started
    item = screening.template.items[0]
    client.csrf = False
    for url, data in (
        (f"/screening/u/{key}/items/{item.id}", {"value": "ok"}),
        (f"/screening/u/{key}/remaining", {"value": "ok"}),
        (f"/screening/u/{key}/finish", {"remaining": "na"}),
    ):
        assert client.post(url, data=data).status_code == 400
    assert _count(Answer) == 0


def test_a_start_on_a_saved_visit_gives_the_screening_its_client_uuid(
    client, world, login_as, make_resident, make_visit
):
    visit = make_visit(resident=make_resident(), purpose="screening")
    login_as(world.worker_a)
    key = str(uuid.uuid4())
    data = {"visit_id": visit.id, "template_id": _template().id, "client_uuid": key}
    assert client.post("/screening", data=data).status_code == 303
    item = _template().items[0]
    resp = client.post(f"/screening/u/{key}/items/{item.id}", data={"value": "ok"})
    assert resp.status_code == 303
    screening = db.session.scalar(sa.select(Screening))
    assert screening.uuid == key
    assert db.session.scalar(sa.select(Answer.screening_id)) == screening.id


def test_replays_after_lost_answers_give_one_record_each(client, world, login_as, make_resident):
    login_as(world.worker_a)
    resident = make_resident()
    key = str(uuid.uuid4())
    item = _template().items[0]
    for _ in range(2):  # each sent twice: the first answer never reached the phone
        first = _screening_visit(client, resident, key, **REPLAY)
        assert first.json["status"] == "saved"
        answer = client.post(
            f"/screening/u/{key}/items/{item.id}", data={"value": "na"}, headers=REPLAY
        )
        assert answer.json["status"] == "saved"
    assert (_count(Visit), _count(Screening), _count(Answer)) == (1, 1, 1)


def test_a_replayed_finish_with_items_left_is_refused_with_the_reason(client, started):
    key, screening = started
    resp = client.post(f"/screening/u/{key}/finish", data={}, headers=REPLAY)
    assert resp.json["status"] == "refused"
    n = len(screening.template.items)
    assert f"还有 {n} 项未检查" in resp.json["reason"]
    db.session.refresh(screening)
    assert screening.completed_at is None


def test_a_replay_refused_when_the_day_was_approved_meanwhile(client, started, make_daily_log):
    from app.models import DailyLog

    key, screening = started
    db.session.execute(sa.update(DailyLog).values(status="approved"))
    db.session.commit()
    item = screening.template.items[0]
    resp = client.post(f"/screening/u/{key}/items/{item.id}", data={"value": "ok"}, headers=REPLAY)
    assert resp.json["status"] == "refused"
    assert "审核通过" in resp.json["reason"]
    assert _count(Answer) == 0


# ---- the blank checklist the phone keeps ------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "note"), [("zh", "本机保存的检查表"), ("en", "Kept on this phone")]
)
def test_blank_checklist_has_every_item_and_forms_for_a_uuid(client, world, login_as, lang, note):
    login_as(world.worker_a)
    tpl = _template()
    page = client.get(f"/screening/blank?template={tpl.id}&lang={lang}")
    assert page.status_code == 200
    assert page.text.count('<li id="item-') == len(tpl.items)
    assert note in page.text
    assert 'data-blank-checklist="screening-uuid"' in page.text
    item = tpl.items[0]
    assert f'hx-post="/screening/u/screening-uuid/items/{item.id}"' in page.text
    assert f'data-hazard-url="/screening/u/screening-uuid/items/{item.id}/hazard"' in page.text
    assert 'action="/screening/u/screening-uuid/remaining"' in page.text
    assert 'action="/screening/u/screening-uuid/finish"' in page.text
    assert "/static/js/checklist-offline" in page.text
    assert page.headers["X-Gridbook-Keep"] == "1"  # the phone may keep it
    assert _count(Screening) == 0  # nothing made by showing it


def test_blank_checklist_only_for_an_active_template_and_a_worker(client, world, login_as):
    tpl = _template()
    login_as(world.worker_a)
    assert client.get("/screening/blank?template=999999").status_code == 404
    assert client.get("/screening/blank?template=x").status_code == 404
    tpl.active = False
    db.session.commit()
    assert client.get(f"/screening/blank?template={tpl.id}").status_code == 404
    tpl.active = True
    db.session.commit()
    login_as(world.secretary_a)
    assert client.get(f"/screening/blank?template={tpl.id}").status_code == 404


def test_the_caseload_keeps_a_blank_checklist_per_active_template(client, world, login_as):
    login_as(world.worker_a)
    pages = client.get("/offline/caseload.json").json["pages"]
    active = db.session.scalars(
        sa.select(ChecklistTemplate.id).where(ChecklistTemplate.active.is_(True))
    ).all()
    assert active
    for tid in active:
        assert f"/screening/blank?template={tid}" in pages


def test_a_checklist_started_on_a_visit_named_by_its_client_uuid(
    client, world, login_as, make_resident
):
    """A visit still waiting in the outbox had no id when its checklist was started."""
    login_as(world.worker_a)
    visit_key, key = str(uuid.uuid4()), str(uuid.uuid4())
    # The welfare check: the checklist of the waiting visit's purpose (elderly care).
    start = {"visit_uuid": visit_key, "template_id": _template("elderly").id, "client_uuid": key}
    # Sent before its visit (it never is: the outbox keeps the order), it finds nothing.
    refused = client.post("/screening", data=start, headers=REPLAY)
    assert refused.json["status"] == "refused"
    assert _count(Screening) == 0

    visit = client.post(
        "/visits",
        data={
            "resident_id": make_resident().id,
            "purpose": "elderly_care",
            "outcome": "done",
            "visited_on": local_today().isoformat(),
            "client_uuid": visit_key,
        },
        headers=REPLAY,
    )
    assert visit.json["status"] == "saved"
    for _ in range(2):  # a replay after a lost answer opens the same checklist
        resp = client.post("/screening", data=start, headers=REPLAY)
        assert resp.json["status"] == "saved"
    screening = db.session.scalar(sa.select(Screening))
    assert resp.json["url"] == f"/screening/{screening.id}"
    assert screening.uuid == key
    assert screening.visit.uuid == visit_key
    assert _count(Screening) == 1


def test_a_start_names_a_visit_in_scope_or_is_refused(
    client, world, login_as, make_resident, make_visit
):
    other = make_visit(resident=make_resident(grid=world.b1), worker=world.worker_b)
    login_as(world.worker_a)
    tpl = _template().id
    for data, code in (
        ({"visit_uuid": other.uuid, "template_id": tpl}, 404),
        ({"visit_uuid": "not-a-uuid", "template_id": tpl}, 404),
        ({"template_id": tpl}, 400),
    ):
        resp = client.post("/screening", data={**data, "client_uuid": str(uuid.uuid4())})
        assert resp.status_code == code, data
    assert _count(Screening) == 0


def test_the_caseload_says_how_a_waiting_visit_starts_a_checklist(client, world, login_as):
    login_as(world.worker_a)
    data = client.get("/offline/caseload.json?lang=en").json
    names = [c["name"] for c in data["checklists"]]
    assert _template().name_en in names
    # Each with the purpose of the visits that run it: a waiting visit offers its purpose's.
    purposes = {c["name"]: c["purpose"] for c in data["checklists"]}
    assert purposes[_template().name_en] == "screening"
    assert purposes[_template("elderly").name_en] == "elderly_care"
    assert purposes[_template("construction").name_en] == "project"
    # And whether it is a site's (a project's visits) or a household's (a resident's visits):
    # a resident's visit about the works nearby offers no site check.
    on_site = {c["name"]: c["on_site"] for c in data["checklists"]}
    assert on_site[_template("construction").name_en] is True
    assert on_site[_template().name_en] is False
    assert on_site[_template("elderly").name_en] is False
    spec = data["start_checklist"]
    assert spec["action"] == "/screening"
    assert spec["visits"] == "/visits"
    assert spec["url"] == "/screening/u/screening-uuid"
    assert spec["template"] == "template_id"
    assert data["messages"]["start_checklist"] == "Start a checklist:"
    login_as(world.secretary_a)
    assert client.get("/offline/caseload.json").status_code == 404


def test_finish_address_by_uuid_reloaded_goes_to_that_checklists_finish(client, started):
    key, screening = started
    resp = client.get(f"/screening/u/{key}/finish")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/screening/{screening.id}#finish-screening"


def test_a_checklist_begun_is_continued_from_its_visit_not_begun_again(client, started):
    """A worker back to finish a checklist taps the big button: it opens the one begun, it does
    not start a second, blank one beside it. Other checklists can still be started."""
    _key, screening = started
    page = client.get(f"/visits/{screening.visit_id}", headers={"Accept-Language": "zh"}).text
    start = page[page.index('id="start-screening"') :]
    start = start[: start.index("</form>")]
    assert f'href="/screening/{screening.id}"' in start
    assert "继续：消防安全" in start
    assert f'name="template_id" value="{_template().id}"' not in start
    assert f'name="template_id" value="{_template("gas").id}"' in start

    db.session.execute(
        sa.update(Screening).where(Screening.id == screening.id).values(completed_at=sa.func.now())
    )
    db.session.commit()
    page = client.get(f"/visits/{screening.visit_id}", headers={"Accept-Language": "zh"}).text
    # Finished: done again only from its small "check again" (tests/visits/test_screenings.py).
    assert f'id="check-again-{_template().id}"' in page


def test_a_replayed_hazard_tap_alone_is_refused_asking_for_the_note(client, started):
    """The tap alone stores nothing (a hazard is saved with its note): sent from the outbox
    with no description behind it, it is refused saying what it wants, not taken as saved
    and dropped (walk: a hazard tapped offline vanished on sync)."""
    key, screening = started
    item = screening.template.items[0]
    resp = client.post(
        f"/screening/u/{key}/items/{item.id}", data={"value": "hazard"}, headers=REPLAY
    )
    assert resp.json == {"status": "refused", "reason": "请描述隐患情况。"}
    assert (_count(Answer), _count(Hazard)) == (0, 0)
    # Its description, sent after it, opens the hazard with its answer.
    resp = client.post(
        f"/screening/u/{key}/items/{item.id}/hazard",
        data={"note": "燃气软管老化", "severity": "S2", "due_on": "", "value": "hazard"},
        headers=REPLAY,
    )
    assert resp.json["status"] == "saved"
    assert (_count(Answer), _count(Hazard)) == (1, 1)
