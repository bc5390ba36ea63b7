import io
import json
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from app.extensions import db
from app.models import Answer, ChecklistItem, ChecklistTemplate, DailyLog, Hazard, Screening
from app.timeutil import local_today


def _start(client, visit, code="fire"):
    tpl = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == code))
    return client.post(
        "/screening",
        data={"visit_id": visit.id, "template_id": tpl.id, "client_uuid": str(uuid.uuid4())},
    ), tpl


@pytest.fixture
def screening(client, world, login_as, make_resident, make_visit):
    visit = make_visit(resident=make_resident(), purpose="screening")
    login_as(world.worker_a)
    resp, tpl = _start(client, visit)
    assert resp.status_code == 303
    s = db.session.scalar(sa.select(Screening))
    assert resp.headers["Location"] == f"/screening/{s.id}"
    return s


def _item(code):
    return db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == code))


def _describe(client, screening, item, note="电动车在楼道充电", headers=None, **data):
    """Save the hazard found on an item: its note, the item's severity, the default date."""
    return client.post(
        f"/screening/{screening.id}/items/{item.id}/hazard",
        data={"note": note, "severity": item.default_severity, "due_on": "", **data},
        headers=headers,
        htmx=True,
    )


def _tap_hazard(client, screening, item):
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    return _describe(client, screening, item)


def _count(model):
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_checklist_page_lists_every_item(client, screening):
    page = client.get(f"/screening/{screening.id}")
    assert page.status_code == 200
    n = len(screening.template.items)
    assert page.text.count('<li id="item-') == n


@pytest.mark.parametrize(
    ("lang", "attr", "other", "lead"),
    [
        ("zh", "action_zh", "action_en", "常见做法："),
        ("en", "action_en", "action_zh", "Typical action: "),
    ],
)
def test_each_item_shows_its_typical_action_in_the_pages_language(
    client, screening, lang, attr, other, lead
):
    page = client.get(f"/screening/{screening.id}?lang={lang}").text
    for item in screening.template.items:
        block = page[page.index(f'<li id="item-{item.id}"') :]
        block = block[: block.index("</li>")]
        assert str(escape(lead + getattr(item, attr))) in block
        assert str(escape(getattr(item, other))) not in block


def test_each_tap_is_saved_and_returns_the_item(client, screening):
    item = _item("F3")
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}", data={"value": "ok"}, htmx=True
    )
    assert resp.status_code == 200
    assert resp.text.lstrip().startswith(f'<li id="item-{item.id}"')
    assert 'id="screening-summary" class="screening-summary" hx-swap-oob="true"' in resp.text
    assert db.session.scalar(sa.select(Answer.value)) == "ok"
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}", data={"value": "na"}, htmx=True
    )
    assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 1
    assert db.session.scalar(sa.select(Answer.value)) == "na"


def test_a_hazard_tap_opens_its_form_and_stores_nothing_until_the_note(client, screening):
    """A tap on 隐患 alone saves no hazard: one left without a note would count on the
    township's hazard board and tallies with nothing to act on."""
    item = _item("F1")  # S2, 3 days
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"}, htmx=True
    )
    assert "HX-Trigger" not in resp.headers  # issue 11: no event nobody listens to
    assert resp.text.lstrip().startswith(f'<li id="item-{item.id}"')
    assert 'name="note"' in resp.text
    assert '<option selected value="S2">' in resp.text
    due = screening.visit.visited_on + timedelta(days=3)
    assert f'name="due_on" type="date" value="{due.isoformat()}"' in resp.text
    assert re.search(r'value="hazard" class="ans-hazard"\s+aria-pressed="true"', resp.text)
    assert (_count(Answer), _count(Hazard)) == (0, 0)
    resp = _describe(client, screening, item, note="电动车在楼道充电")
    assert resp.status_code == 200
    hz = db.session.scalar(sa.select(Hazard))
    assert (hz.note, hz.severity, (hz.due_on - hz.found_on).days) == ("电动车在楼道充电", "S2", 3)
    assert hz.resident_id == screening.visit.resident_id
    assert db.session.scalar(sa.select(Answer.value)) == "hazard"
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}/hazard",
        data={"note": "电动车在楼道充电", "severity": "S1", "due_on": ""},
        htmx=True,
    )
    assert resp.status_code == 200
    db.session.refresh(hz)
    assert hz.note == "电动车在楼道充电"
    assert hz.severity == "S1"
    assert hz.due_on == hz.found_on


def test_hazard_without_note_is_refused_kept_and_nothing_stored(client, screening):
    item = _item("F1")
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    resp = _describe(client, screening, item, note="  ", severity="S3", due_on="1900-01-01")
    assert resp.status_code == 200
    assert resp.text.count('class="error"') >= 2
    assert '<option selected value="S3">' in resp.text
    assert 'value="1900-01-01"' in resp.text
    assert (_count(Answer), _count(Hazard)) == (0, 0)


def test_a_hazard_tap_on_an_answered_item_keeps_the_answer_until_the_note(client, screening):
    item = _item("F2")
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "ok"})
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    assert (db.session.scalar(sa.select(Answer.value)), _count(Hazard)) == ("ok", 0)
    _describe(client, screening, item)
    db.session.expire_all()
    assert (db.session.scalar(sa.select(Answer.value)), _count(Hazard)) == ("hazard", 1)


def test_a_hazard_tap_without_javascript_opens_the_form_on_the_page(client, screening):
    item = _item("F1")
    resp = client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    assert resp.status_code == 200
    assert "<html" in resp.text
    block = resp.text[resp.text.index(f'<li id="item-{item.id}"') :]
    block = block[: block.index("</li>")]
    assert f'action="/screening/{screening.id}/items/{item.id}/hazard"' in block
    assert (_count(Answer), _count(Hazard)) == (0, 0)
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}/hazard",
        data={"note": "插线板串接", "severity": "S2", "due_on": ""},
    )
    assert resp.status_code == 303
    assert db.session.scalar(sa.select(Hazard.note)) == "插线板串接"


def test_a_hazard_saved_twice_is_one_hazard(client, screening):
    item = _item("F1")
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    _describe(client, screening, item)
    _describe(client, screening, item)
    assert (_count(Answer), _count(Hazard)) == (1, 1)


def test_mis_tap_hazard_is_withdrawn(client, screening):
    item = _item("F1")
    _tap_hazard(client, screening, item)
    assert _count(Hazard) == 1
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "ok"})
    assert db.session.scalar(sa.select(sa.func.count(Hazard.id))) == 0


def test_summary_counts(client, screening):
    _tap_hazard(client, screening, _item("F1"))
    for code, value in (("F2", "ok"), ("F3", "ok"), ("F4", "na")):
        client.post(f"/screening/{screening.id}/items/{_item(code).id}", data={"value": value})
    page = client.get(f"/screening/{screening.id}").text
    n = len(screening.template.items)
    summary = page[
        page.index('id="screening-summary"') : page.index(
            "</div>", page.index('id="screening-summary"')
        )
    ]
    assert "2" in summary
    assert f"{n - 4}" in summary


def test_item_of_another_template_is_404(client, screening):
    gas_item = _item("G1")
    assert (
        client.post(
            f"/screening/{screening.id}/items/{gas_item.id}", data={"value": "ok"}
        ).status_code
        == 404
    )


def test_answers_are_locked_after_approval(client, screening):
    log = db.session.get(DailyLog, screening.visit.daily_log_id)
    log.status = "approved"
    db.session.commit()
    resp = client.post(f"/screening/{screening.id}/items/{_item('F1').id}", data={"value": "ok"})
    assert resp.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0


def test_other_grid_worker_gets_404(client, world, login_as, screening):
    login_as(world.worker_b)
    assert client.get(f"/screening/{screening.id}").status_code == 404
    assert (
        client.post(
            f"/screening/{screening.id}/items/{_item('F1').id}", data={"value": "ok"}
        ).status_code
        == 404
    )


def test_invalid_value_changes_nothing(client, screening):
    resp = client.post(
        f"/screening/{screening.id}/items/{_item('F1').id}", data={"value": "maybe"}, htmx=True
    )
    assert resp.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0


def test_project_screening_puts_hazard_on_the_project(
    client, world, login_as, make_project, make_visit
):
    project = make_project()
    visit = make_visit(project=project, purpose="project")
    login_as(world.worker_a)
    resp, _tpl = _start(client, visit, code="construction")
    s = db.session.scalar(sa.select(Screening))
    _tap_hazard(client, s, s.template.items[0])
    assert db.session.scalar(sa.select(Hazard.project_id)) == project.id


def test_a_rectified_hazard_keeps_its_severity_and_deadline(client, screening):
    item = _item("F1")
    _tap_hazard(client, screening, item)
    hz = db.session.scalar(sa.select(Hazard))
    hz.status = "rectified"
    db.session.commit()
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}/hazard",
        data={"note": "changed later", "severity": "S4", "due_on": ""},
    )
    assert resp.status_code == 409
    db.session.refresh(hz)
    assert hz.severity == "S2"
    assert hz.note != "changed later"


@pytest.mark.parametrize("acted", ["rectified", "verified", "reported", "sent back"])
def test_a_hazard_acted_on_keeps_its_answer_and_logs_no_change(client, screening, acted):
    """The walk: "正常" tapped on a rectified hazard's item answered 200, changed nothing, and
    the audit log said the answer was changed, once a tap."""
    from app.models import AuditEvent

    item = _item("F1")
    _tap_hazard(client, screening, item)
    hz = db.session.scalar(sa.select(Hazard))
    if acted == "reported":
        hz.reported_on = local_today()
    elif acted == "sent back":  # fixed, then found not fixed: open again, with why
        hz.returned_comment = "线还裸露着"
    else:
        hz.status = acted
    db.session.commit()
    page = client.get(f"/screening/{screening.id}").get_data(as_text=True)
    box = page[page.index(f'id="item-{item.id}"') :]
    box = box[: box.index("</li>")] if "</li>" in box else box
    assert 'class="answer-buttons"' not in box  # nothing to tap that would be refused

    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}", data={"value": "ok"}, htmx=True
    )
    assert resp.status_code == 409
    assert "答案保持为“隐患”" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Answer.value)) == "hazard"
    assert _count(Hazard) == 1
    changed = sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "answer_changed")
    assert db.session.scalar(changed) == 0


def test_the_checklist_shows_the_findings_photos_not_the_fixs(client, world, screening):
    """The fix's photos are the hazard page's evidence; on the checklist a worker could delete
    them from under a rectified hazard."""
    from app.models import Photo

    item = _item("F1")
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    _describe(client, screening, item, photos=_photo())
    hz = db.session.scalar(sa.select(Hazard))
    up = client.post(
        "/photos",
        data={
            "owner_type": "hazard",
            "owner_id": hz.id,
            "is_rectification": "y",
            "client_uuid": str(uuid.uuid4()),
            "photos": _photo(),
        },
        content_type="multipart/form-data",
    )
    assert up.status_code == 303
    found, fix = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
    assert (found.is_rectification, fix.is_rectification) == (False, True)
    page = client.get(f"/screening/{screening.id}").get_data(as_text=True)
    assert f"/photos/{found.id}/thumb" in page
    assert f"/photos/{fix.id}" not in page


def _answers(screening):
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(ChecklistItem.code, Answer.value)
        .join(Answer, Answer.item_id == ChecklistItem.id)
        .where(Answer.screening_id == screening.id)
    ).all()
    return dict(rows)


def _bulk_events():
    from app.models import AuditEvent

    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "answers_bulk_saved")
    ).all()
    return [(e.object_id, json.loads(e.detail)) for e in events]


def test_all_remaining_ok_answers_only_unanswered_items_as_one_event(client, screening):
    _tap_hazard(client, screening, _item("F1"))
    client.post(f"/screening/{screening.id}/items/{_item('F2').id}", data={"value": "na"})
    page = client.get(f"/screening/{screening.id}")
    assert 'id="remaining-ok"' in page.text
    resp = client.post(f"/screening/{screening.id}/remaining", data={"value": "ok"})
    assert resp.status_code == 303
    answers = _answers(screening)
    assert len(answers) == len(screening.template.items)
    assert answers["F1"] == "hazard"
    assert answers["F2"] == "na"
    assert sorted(set(answers.values())) == ["hazard", "na", "ok"]
    ((object_id, detail),) = _bulk_events()
    assert object_id == str(screening.id)
    assert detail["value"] == "ok"
    assert "F1" not in detail["items"]
    assert len(detail["items"]) == len(answers) - 2
    # Nothing left: no second event, and the action is no longer offered.
    client.post(f"/screening/{screening.id}/remaining", data={"value": "ok"})
    assert len(_bulk_events()) == 1
    assert 'id="remaining-ok"' not in client.get(f"/screening/{screening.id}").text


def test_finish_with_unanswered_items_says_how_many_and_finishes_nothing(client, screening):
    client.post(f"/screening/{screening.id}/items/{_item('F1').id}", data={"value": "ok"})
    left = len(screening.template.items) - 1
    resp = client.post(f"/screening/{screening.id}/finish")
    assert resp.status_code == 200
    assert 'id="finish-unanswered"' in resp.text
    assert f"{left} " in resp.text
    assert 'name="remaining" value="na"' in resp.text
    db.session.expire_all()
    assert db.session.get(Screening, screening.id).completed_at is None
    assert "未完成" in client.get(f"/visits/{screening.visit_id}").text


def test_finish_marking_the_rest_not_applicable_records_them(client, screening):
    client.post(f"/screening/{screening.id}/items/{_item('F1').id}", data={"value": "ok"})
    resp = client.post(f"/screening/{screening.id}/finish", data={"remaining": "na"})
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/visits/{screening.visit_id}"
    answers = _answers(screening)
    assert answers["F1"] == "ok"
    assert list(answers.values()).count("na") == len(screening.template.items) - 1
    assert _bulk_events()[0][1]["value"] == "na"
    db.session.expire_all()
    assert db.session.get(Screening, screening.id).completed_at is not None
    assert "未完成" not in client.get(f"/visits/{screening.visit_id}").text


def _photo():
    from tests.photos.images import encoded

    return (io.BytesIO(encoded("JPEG")), "hazard.jpg")


def test_hazard_note_severity_and_photo_in_one_save(client, screening):
    from app.models import Photo

    item = _item("F1")
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}/hazard",
        data={
            "note": "电动车在客厅充电",
            "severity": "S1",
            "photo_uuid": str(uuid.uuid4()),
            "photos": [_photo()],
        },
        htmx=True,
    )
    assert resp.status_code == 200
    hz = db.session.scalar(sa.select(Hazard))
    assert (hz.note, hz.severity) == ("电动车在客厅充电", "S1")
    assert db.session.scalar(sa.select(sa.func.count(Photo.id)).where(Photo.hazard_id == hz.id))
    assert f'id="photos-hazard-{hz.id}"' in resp.text


def test_a_photo_sent_before_any_note_opens_no_hazard_and_says_so(client, screening):
    """The page holds the photo until the note is typed (static/js/photos.js); a page
    without JavaScript that sends it alone is told to add it again with the note."""
    from app.models import Photo

    item = _item("F1")
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}/hazard",
        data={"note": "", "severity": "S2", "photo_uuid": str(uuid.uuid4()), "photos": [_photo()]},
        headers={"Accept-Language": "en"},
        htmx=True,
    )
    assert resp.status_code == 200
    assert _photo_held(resp) == (
        "The photo is not saved: correct “What is wrong, and what was advised”, "
        "then add the photo again.",
        "Not saved yet: correct “What is wrong, and what was advised”. The photo is kept: "
        "once corrected, tap “Save hazard” to save it with the hazard.",
    )
    assert (_count(Answer), _count(Hazard), _count(Photo)) == (0, 0, 0)


def _photo_held(resp) -> tuple[str, str] | None:
    """The line under a refused hazard form's photo button: its text without script, and the
    one static/js/photos.js shows once it has put the photo back (data-kept)."""
    import html

    found = re.search(
        r'<small class="error photo-held"[^>]*data-kept="([^"]*)">([^<]*)</small>', resp.text
    )
    return (html.unescape(found[2]), html.unescape(found[1])) if found else None


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "en",
            (
                "The photo is not saved: correct “Fix by”, then add the photo again.",
                "Not saved yet: correct “Fix by”. The photo is kept: once corrected, tap "
                "“Save hazard” to save it with the hazard.",
            ),
        ),
        (
            "zh-CN",
            (
                "照片未保存：请改正“整改期限”，再重新添加照片。",
                "尚未保存：请改正“整改期限”。照片已保留，改正后点“保存隐患”一起保存。",
            ),
        ),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_a_photo_sent_with_a_wrong_date_names_the_date_not_the_note(
    client, screening, lang, said, htmx
):
    """The walk: the note typed, the date mistyped 2020-01-01, a photo chosen (which sends the
    form). The form blamed the note ("describe the hazard, then add the photo again"), which
    was there; nothing is stored, and the line under the photo names the date."""
    from app.models import Photo

    item = _item("F1")
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}/hazard",
        data={
            "note": "飞线充电，电线裸露",
            "severity": "S2",
            "due_on": "2020-01-01",
            "photo_uuid": str(uuid.uuid4()),
            "photos": [_photo()],
        },
        headers={"Accept-Language": lang},
        htmx=htmx,
    )
    assert resp.status_code == 200
    assert _photo_held(resp) == said
    assert "飞线充电，电线裸露" in resp.text
    assert "note-error" not in resp.text
    assert (_count(Answer), _count(Hazard), _count(Photo)) == (0, 0, 0)


@pytest.mark.parametrize("kind", ["cut short", "not a picture"])
def test_a_photo_the_server_cannot_read_is_said_so_over_the_saved_hazard(client, screening, kind):
    """The walk: a half-copied photo chosen after the note saved the hazard, and the only
    word on screen was "隐患已保存"; the reason sat under the photos, below the fold."""
    from app.models import Photo
    from tests.photos.images import encoded

    item = _item("F1")
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    data = encoded("JPEG")
    data = data[: len(data) // 2] if kind == "cut short" else b"%PDF-1.4 not a photo"
    resp = _describe(
        client,
        screening,
        item,
        photo_uuid=str(uuid.uuid4()),
        photos=[(io.BytesIO(data), "IMG_0042.jpg")],
        headers={"Accept-Language": "en"},
    )
    assert resp.status_code == 200
    toast = json.loads(resp.headers["HX-Trigger"])["toast"]
    assert toast["level"] == "error"
    assert toast["message"].startswith("Hazard saved, but not the photo: ")
    assert "IMG_0042.jpg" in resp.text  # the gallery names the file it refused
    assert (_count(Hazard), _count(Photo)) == (1, 0)


def test_a_saved_hazards_photo_is_stored_even_with_a_wrong_date_and_not_said_held(
    client, screening
):
    """A hazard that exists holds the photo at once, whatever else the form gets wrong."""
    from app.models import Photo

    item = _item("F1")
    _tap_hazard(client, screening, item)
    resp = _describe(
        client,
        screening,
        item,
        due_on="2020-01-01",
        photo_uuid=str(uuid.uuid4()),
        photos=[_photo()],
    )
    assert "due_on-error" in resp.text
    assert _photo_held(resp) is None
    assert _count(Photo) == 1


def test_a_photo_on_a_saved_hazard_without_its_note_is_kept(client, screening):
    from app.models import Photo

    item = _item("F1")
    _tap_hazard(client, screening, item)
    resp = _describe(
        client, screening, item, note="", photo_uuid=str(uuid.uuid4()), photos=[_photo()]
    )
    assert 'class="error"' in resp.text
    hz = db.session.scalar(sa.select(Hazard))
    assert hz.note == "电动车在楼道充电"
    assert db.session.scalar(sa.select(sa.func.count(Photo.id)).where(Photo.hazard_id == hz.id))


def test_finish_with_a_hazard_without_its_note_is_not_complete(app, client, screening):
    """Hazards saved with an empty note before the note was asked first are still kept
    from a finished checklist."""
    from app.screening import services

    with app.test_request_context():
        services.answer(screening, _item("F1"), "hazard", described=("", "S2", None))
        db.session.commit()
    client.post(f"/screening/{screening.id}/remaining", data={"value": "ok"})
    resp = client.post(f"/screening/{screening.id}/finish")
    assert resp.status_code == 200
    assert 'id="finish-undescribed"' in resp.text
    assert 'id="finish-unanswered"' not in resp.text
    db.session.expire_all()
    assert db.session.get(Screening, screening.id).completed_at is None


def test_any_answered_item_takes_photos_through_the_photo_pipeline(client, world, screening):
    """Issue 17 item 6: not only hazards; an OK or N/A item can carry what was seen."""
    from app.models import Photo
    from tests.photos.images import encoded

    item = _item("F3")
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}", data={"value": "ok"}, htmx=True
    )
    answer = db.session.scalar(sa.select(Answer))
    assert f'id="photos-answer-{answer.id}"' in resp.text
    assert 'name="owner_type" value="answer"' in resp.text
    unanswered = _item("F4")
    page = client.get(f"/screening/{screening.id}")
    item_html = page.text.split(f'id="item-{unanswered.id}"')[1].split("</li>")[0]
    assert "photos-answer-" not in item_html  # an item not answered yet has nowhere to hang it
    sent = client.post(
        "/photos",
        data={
            "owner_type": "answer",
            "owner_id": answer.id,
            "client_uuid": str(uuid.uuid4()),
            "photos": [(io.BytesIO(encoded("JPEG")), "ok.jpg")],
        },
        content_type="multipart/form-data",
        htmx=True,
    )
    assert sent.status_code == 200
    photo = db.session.scalar(sa.select(Photo))
    assert (photo.answer_id, photo.hazard_id, photo.is_rectification) == (answer.id, None, False)
    page = client.get(f"/screening/{screening.id}")
    item_html = page.text.split(f'id="item-{item.id}"')[1].split("</li>")[0]
    assert f"/photos/{photo.id}/thumb" in item_html
    # The approved day locks them as it locks the answers.
    log = db.session.get(DailyLog, screening.visit.daily_log_id)
    log.status = "approved"
    db.session.commit()
    page = client.get(f"/screening/{screening.id}")
    item_html = page.text.split(f'id="item-{item.id}"')[1].split("</li>")[0]
    assert f"/photos/{photo.id}/thumb" in item_html
    assert 'name="owner_type" value="answer"' not in item_html


def test_a_deadline_days_past_gets_one_message_not_check_the_year(client, screening):
    item = _item("F1")
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    two_days_ago = (local_today() - timedelta(days=2)).isoformat()
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}/hazard",
        data={"note": "电动车在楼道充电", "severity": "S3", "due_on": two_days_ago},
        headers={"Accept-Language": "en"},
        htmx=True,
    )
    errors = re.findall(r'<small class="error" id="[^"]*due_on-error">([^<]*)</small>', resp.text)
    assert errors == ["The deadline cannot be in the past. Choose today or a later day."]
    assert "电动车在楼道充电" in resp.text
    assert db.session.scalar(sa.select(Hazard.note)) != "电动车在楼道充电"


def test_an_overdue_hazards_note_is_saved_with_its_deadline_as_it_is(client, screening):
    item = _item("F1")
    _tap_hazard(client, screening, item)
    hz = db.session.scalar(sa.select(Hazard))
    yesterday = local_today() - timedelta(days=1)
    hz.found_on, hz.due_on = yesterday - timedelta(days=2), yesterday
    db.session.commit()
    resp = _describe(client, screening, item, note="已贴限期整改通知", due_on=yesterday.isoformat())
    assert 'class="error"' not in resp.text
    db.session.refresh(hz)
    assert (hz.note, hz.due_on) == ("已贴限期整改通知", yesterday)


def test_finish_address_reloaded_goes_to_the_checklists_finish_button(client, screening):
    """Reloading the "items left" answer (or going back to it) asked for /finish by GET: 405."""
    resp = client.post(f"/screening/{screening.id}/finish")
    assert resp.status_code == 200
    assert 'id="finish-unanswered"' in resp.text
    resp = client.get(f"/screening/{screening.id}/finish")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/screening/{screening.id}#finish-screening"
    page = client.get(resp.headers["Location"])
    assert page.status_code == 200
    assert 'id="finish-screening"' in page.text
    # Nothing was finished or answered by the GET.
    db.session.expire_all()
    assert db.session.get(Screening, screening.id).completed_at is None
    assert _answers(screening) == {}


@pytest.mark.parametrize(
    ("path", "anchor"),
    [
        ("/remaining", "#finish-screening"),
        ("/items/{item}", "#item-{item}"),
        ("/items/{item}/hazard", "#item-{item}"),
    ],
)
def test_other_checklist_form_addresses_by_get_go_to_their_place(client, screening, path, anchor):
    item = _item("F1").id
    resp = client.get(f"/screening/{screening.id}" + path.format(item=item))
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/screening/{screening.id}" + anchor.format(item=item)
    assert _answers(screening) == {}


def test_finish_address_after_the_day_is_locked_shows_the_checklist(client, screening):
    """A refused finish (the day approved meanwhile), reloaded: the checklist's top, where it
    says it is read only (the finish button is gone), not a 405."""
    db.session.execute(sa.update(DailyLog).values(status="approved"))
    db.session.commit()
    refused = client.post(f"/screening/{screening.id}/finish", data={"remaining": "na"})
    assert refused.status_code == 409
    resp = client.get(f"/screening/{screening.id}/finish")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/screening/{screening.id}"
    page = client.get(resp.headers["Location"], headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Read only." in page.text
    assert 'id="finish-screening"' not in page.text


CHECKLIST_ADDRESSES = [
    "/screening/{id}/finish",
    "/screening/u/{uuid}/finish",
    "/screening/{id}/remaining",
    "/screening/u/{uuid}/remaining",
    "/screening/{id}/items/{item}",
    "/screening/u/{uuid}/items/{item}",
    "/screening/{id}/items/{item}/hazard",
    "/screening/u/{uuid}/items/{item}/hazard",
]


def _addresses(screening) -> list[str]:
    item = _item("F1").id
    return [a.format(id=screening.id, uuid=screening.uuid, item=item) for a in CHECKLIST_ADDRESSES]


def test_secretary_opening_a_workers_finish_link_gets_the_checklist_without_its_button(
    client, world, login_as, screening
):
    """The product owner's case: the secretary may read the checklist, not finish it."""
    login_as(world.secretary_a)
    page = client.get(f"/screening/{screening.id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Read only." in page.text
    assert 'id="finish-screening"' not in page.text
    resp = client.get(f"/screening/{screening.id}/finish")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/screening/{screening.id}"
    for address in _addresses(screening):
        resp = client.get(address)
        assert resp.status_code == 303, address
        assert resp.headers["Location"] == f"/screening/{screening.id}", address
    db.session.expire_all()
    assert db.session.get(Screening, screening.id).completed_at is None
    assert _answers(screening) == {}


def test_a_colleague_in_the_same_grid_gets_the_checklist_without_its_button(
    client, world, login_as, screening
):
    """Another worker of the grid sees the checklist; only the worker who made the visit
    fills it in, so only they land at its button."""
    world.worker_a2.grids = [world.a2, world.a1]
    db.session.commit()
    login_as(world.worker_a2)
    assert client.get(f"/screening/{screening.id}").status_code == 200
    for address in _addresses(screening):
        resp = client.get(address)
        assert resp.status_code == 303, address
        assert resp.headers["Location"] == f"/screening/{screening.id}", address


@pytest.mark.parametrize(
    "who", ["worker_a2", "worker_b", "secretary_b", "township_user", "inspector", "admin"]
)
def test_finish_address_by_get_out_of_scope_is_404(client, world, login_as, screening, who):
    """Another grid's worker, another community, and the roles that never see a checklist."""
    login_as(getattr(world, who))
    assert client.get(f"/screening/{screening.id}").status_code == 404
    for address in _addresses(screening):
        assert client.get(address).status_code == 404, address


def test_unknown_screening_or_item_by_get_is_404(client, world, screening):
    assert client.get(f"/screening/{screening.id + 99}/finish").status_code == 404
    assert client.get(f"/screening/u/{uuid.uuid4()}/finish").status_code == 404
    assert client.get("/screening/u/not-a-uuid/finish").status_code == 404
    gas = db.session.scalar(
        sa.select(ChecklistItem).where(ChecklistItem.template_id != screening.template_id)
    )
    assert client.get(f"/screening/{screening.id}/items/{gas.id}").status_code == 404


def _hazard_photos(hz) -> int:
    from app.models import Photo

    return db.session.scalar(sa.select(sa.func.count(Photo.id)).where(Photo.hazard_id == hz.id))


def test_a_hazard_with_a_photo_takes_a_new_note_and_one_more_photo(client, screening):
    """The form built from the stored hazard must not take its stored photos for new uploads
    (walk: a 500 and the edit lost once the hazard had a photo)."""
    item = _item("F1")
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    _describe(client, screening, item, photo_uuid=str(uuid.uuid4()), photos=[_photo()])
    hz = db.session.scalar(sa.select(Hazard))
    assert _hazard_photos(hz) == 1

    resp = _describe(client, screening, item, note="电动车已劝离楼道")
    assert resp.status_code == 200
    assert json.loads(resp.headers["HX-Trigger"])["toast"]["level"] == "success"
    db.session.refresh(hz)
    assert hz.note == "电动车已劝离楼道"
    assert _hazard_photos(hz) == 1

    from tests.photos.images import encoded

    another = (io.BytesIO(encoded("JPEG", size=(480, 640))), "hazard-2.jpg")
    more = {"photo_uuid": str(uuid.uuid4()), "photos": [another]}
    resp = _describe(client, screening, item, note="两辆都已劝离", **more)
    assert resp.status_code == 200
    db.session.refresh(hz)
    assert hz.note == "两辆都已劝离"
    assert _hazard_photos(hz) == 2


def _hazard_writes() -> int:
    from app.models import AuditEvent

    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action.in_(("hazard_opened", "hazard_updated", "photo_added"))
        )
    )


def test_a_hazard_saved_again_as_it_stands_makes_nothing_new_and_says_so(client, screening):
    """After a photo's own save (photos.js sends the form with its note) the worker may tap
    Save as well: the same hazard, no update nobody made in the audit, and a toast that says
    nothing changed. A Save with a change updates that hazard."""
    item = _item("F1")
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    _describe(client, screening, item, photo_uuid=str(uuid.uuid4()), photos=[_photo()])
    hz = db.session.scalar(sa.select(Hazard))
    writes = _hazard_writes()

    en = {"Accept-Language": "en"}
    resp = _describe(client, screening, item, headers=en)
    assert resp.status_code == 200
    toast = json.loads(resp.headers["HX-Trigger"])["toast"]
    assert toast == {"message": "No changes: this hazard was already saved.", "level": "success"}
    assert "Saved, with 1 photo." in resp.text
    assert (_count(Hazard), _hazard_writes(), _hazard_photos(hz)) == (1, writes, 1)

    resp = _describe(client, screening, item, note="电动车已劝离", headers=en)
    assert json.loads(resp.headers["HX-Trigger"])["toast"]["message"] == "Hazard saved."
    db.session.refresh(hz)
    assert hz.note == "电动车已劝离"
    assert (_count(Hazard), _hazard_writes(), _hazard_photos(hz)) == (1, writes + 1, 1)


@pytest.mark.parametrize(
    ("lang", "pending", "saved", "saved_with_photo"),
    [
        ("zh", "尚未保存：请填写隐患情况后保存。", "已保存。", "已保存，含照片 1 张。"),
        ("en", "Not saved yet: describe the hazard and save it.", "Saved.", "Saved, with 1 photo."),
    ],
)
def test_the_hazard_form_says_whether_it_is_saved_and_with_how_many_photos(
    client, screening, lang, pending, saved, saved_with_photo
):
    item = _item("F1")
    lang_header = {"Accept-Language": lang}
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}",
        data={"value": "hazard"},
        headers=lang_header,
        htmx=True,
    )
    line = re.search(r'<p class="hazard-state ([^"]*)"[^>]*>([^<]*)</p>', resp.text)
    assert line.groups() == ("form-error hazard-unsaved", pending)

    resp = _describe(client, screening, item, headers=lang_header)
    line = re.search(r'<p class="hazard-state ([^"]*)"[^>]*>([^<]*)</p>', resp.text)
    assert line.groups() == ("hazard-saved", saved)

    from tests.photos.images import encoded

    another = (io.BytesIO(encoded("JPEG", size=(480, 640))), "hazard-2.jpg")
    more = {"photo_uuid": str(uuid.uuid4()), "photos": [another]}
    resp = _describe(client, screening, item, headers=lang_header, **more)
    line = re.search(r'<p class="hazard-state ([^"]*)"[^>]*>([^<]*)</p>', resp.text)
    assert line.groups() == ("hazard-saved", saved_with_photo)
