"""A checklist is spoken of in its visit's words: a welfare visit's is a 探访, not a 排查
(walk: "排查已保存" flashed after an elderly person's welfare check)."""

import html
import json
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.labels import LABELS
from app.models import ChecklistTemplate, Screening
from app.screening.models import CHECKLIST_DEFAULT_PURPOSE, CHECKLIST_PURPOSES


def _start(client, visit, code):
    tpl = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == code))
    data = {"visit_id": visit.id, "template_id": tpl.id, "client_uuid": str(uuid.uuid4())}
    assert client.post("/screening", data=data).status_code == 303
    return db.session.scalar(sa.select(Screening).order_by(Screening.id.desc()))


@pytest.fixture
def welfare_visit(client, world, login_as, make_resident, make_visit):
    login_as(world.worker_a)
    return make_visit(resident=make_resident(name="孙桂兰"), purpose="elderly_care")


def test_a_welfare_check_is_discarded_and_saved_as_a_welfare_check(client, welfare_visit):
    started = _start(client, welfare_visit, "elderly")
    page = client.get(f"/screening/{started.id}").text
    assert "放弃这次探访" in page
    finish = page.split('id="finish-screening"', 1)[1].split("</form>", 1)[0]
    assert ">完成探访</button>" in finish
    # The outbox's label, were it sent offline.
    spec = html.unescape(finish.split("data-outbox='", 1)[1].split("'", 1)[0])
    assert json.loads(spec)["label"] == "完成探访：孙桂兰"
    assert "排查" not in finish
    assert "排查" not in page.split('id="screening-discard"', 1)[1].split("</div>", 1)[0]
    data, url = {"screening_uuid": started.uuid}, f"/screening/{started.id}/discard"
    resp = client.post(url, data=data, follow_redirects=True)
    assert "已放弃这次探访。" in resp.text
    # A retry (the answer was lost) says the same.
    resp = client.post(url, data=data, follow_redirects=True)
    assert "已放弃这次探访。" in resp.text

    again = _start(client, welfare_visit, "elderly")
    resp = client.post(
        f"/screening/{again.id}/finish", data={"remaining": "na"}, follow_redirects=True
    )
    assert "探访已保存。" in resp.text
    assert "排查已保存" not in resp.text


def test_a_hazard_screening_keeps_its_words_in_english_too(
    client, world, login_as, make_resident, make_visit
):
    login_as(world.worker_a)
    visit = make_visit(resident=make_resident(), purpose="screening")
    started = _start(client, visit, "fire")
    resp = client.post(
        f"/screening/{started.id}/finish?lang=en", data={"remaining": "na"}, follow_redirects=True
    )
    assert "Screening saved." in resp.text


@pytest.mark.parametrize(
    "group",
    [
        "checklist_saved",
        "checklist_finish",
        "checklist_finish_queued",
        "checklist_discard",
        "checklist_discarded",
    ],
)
def test_every_purpose_that_runs_checklists_has_its_words(group):
    purposes = {CHECKLIST_DEFAULT_PURPOSE, *CHECKLIST_PURPOSES.values()}
    assert set(LABELS[group]) == purposes


def test_a_welfare_checks_pages_never_call_it_a_screening(client, welfare_visit):
    """The words every checklist shares (its page, its items' outbox labels, the visit's
    page and timeline, the resident's page) are a checklist's (检查表), not a hazard
    screening's (walk: about 38 shared strings said 排查)."""
    started = _start(client, welfare_visit, "elderly")
    item = started.template.items[0]
    assert client.post(
        f"/screening/{started.id}/items/{item.id}", data={"value": "ok"}
    ).status_code in (200, 303)
    pages = {
        "checklist": client.get(f"/screening/{started.id}").text,
        "visit": client.get(f"/visits/{welfare_visit.id}").text,
        "resident": client.get(f"/residents/{welfare_visit.resident_id}").text,
    }
    for name, page in pages.items():
        body = page.split("<main", 1)[1].split("</main>", 1)[0]
        assert "排查" not in body, (name, [ln for ln in body.splitlines() if "排查" in ln])
