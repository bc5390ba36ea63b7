import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from flask_babel import format_date as page_date

from app.extensions import db
from app.models import AuditEvent, ChecklistTemplate, DailyLog, Screening, Visit
from app.timeutil import local_today
from tests.dates import Days


def _visit_data(resident, **over):
    data = {
        "resident_id": resident.id,
        "purpose": "elderly_care",
        "summary": "量了血压，一切正常",
        "outcome": "done",
        "visited_on": local_today().isoformat(),
        "follow_up_on": "",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(over)
    return data


def _count(model=Visit):
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_form_is_a_page_or_a_fragment(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    page = client.get(f"/visits/new?resident={r.id}")
    assert page.status_code == 200
    assert "<html" in page.text
    frag = client.get(f"/visits/new?resident={r.id}", htmx=True)
    assert "<html" not in frag.text
    assert frag.text.lstrip().startswith('<div id="visit-form-slot"')
    assert 'name="client_uuid"' in frag.text


def test_htmx_save_returns_entry_and_toast(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    resp = client.post("/visits", data=_visit_data(r), htmx=True)
    assert resp.status_code == 200
    assert resp.headers["HX-Retarget"] == "#timeline-new"
    assert resp.headers["HX-Reswap"] == "afterbegin"
    assert "visit-saved" in resp.headers["HX-Trigger"]
    assert "toast" in resp.headers["HX-Trigger"]
    visit = db.session.scalar(sa.select(Visit))
    assert f'id="visit-{visit.id}"' in resp.text
    assert 'hx-swap-oob="true"' in resp.text
    assert visit.summary == "量了血压，一切正常"
    log = db.session.get(DailyLog, visit.daily_log_id)
    assert log.worker_id == world.worker_a.id
    assert log.day == local_today()


def _own_page(html: str) -> str | None:
    """The value of the form's own_page field, None if the form has none."""
    found = re.search(r'<input[^>]*name="own_page"[^>]*>', html)
    if found is None:
        return None
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def test_the_form_says_whether_it_is_its_own_page(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    assert _own_page(client.get(f"/visits/new?resident={r.id}").text) == "1"
    assert _own_page(client.get(f"/visits/new?resident={r.id}", htmx=True).text) == ""


def test_htmx_save_on_the_forms_own_page_opens_the_visit(client, world, login_as, make_resident):
    """Walk: /visits/new has no timeline to put the new entry in; htmx refused the re-target
    (htmx:targetError) and the form stayed filled with Save disabled for good."""
    r = make_resident()
    login_as(world.worker_a)
    en = {"Accept-Language": "en"}
    resp = client.post("/visits", data=_visit_data(r, own_page="1"), headers=en, htmx=True)
    visit = db.session.scalar(sa.select(Visit))
    assert resp.status_code == 204
    assert resp.headers["HX-Redirect"] == f"/visits/{visit.id}"
    assert "HX-Retarget" not in resp.headers
    assert "Visit saved." in client.get(resp.headers["HX-Redirect"], headers=en).text


def test_a_refused_form_on_its_own_page_stays_its_own_page(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    resp = client.post("/visits", data=_visit_data(r, own_page="1", purpose=""), htmx=True)
    assert 'class="error"' in resp.text
    assert _own_page(resp.text) == "1"
    assert "<h1>" in resp.text
    assert _count() == 0


def test_plain_save_redirects_to_the_visit(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    resp = client.post("/visits", data=_visit_data(r))
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("/visits/")


def test_double_tap_saves_one_visit(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    data = _visit_data(r)
    a = client.post("/visits", data=data)
    b = client.post("/visits", data=data)
    assert a.headers["Location"] == b.headers["Location"]
    assert _count() == 1


def test_the_same_visit_under_a_new_key_is_asked_about_not_saved_twice(
    client, world, login_as, make_resident
):
    """Without JavaScript, Back re-fetches the form (no-store), with a new key: its Save
    is the same visit again, and is kept out until the worker says it is another."""
    r = make_resident()
    login_as(world.worker_a)
    first = client.post("/visits", data=_visit_data(r))
    assert first.status_code == 303
    again = _visit_data(r)  # the page opened again: a fresh key, the same words
    resp = client.post("/visits", data=again)
    assert resp.status_code == 409
    assert "已保存过内容相同的走访" in resp.text
    saved = db.session.scalar(sa.select(Visit))
    assert f'href="/visits/{saved.id}"' in resp.text
    assert 'name="again"' in resp.text
    assert "量了血压，一切正常" in resp.text  # what was typed stays in the form
    assert _count() == 1

    # Said to be another visit, it is saved, once, under the key the form carried.
    another = client.post("/visits", data={**again, "again": "1"})
    assert another.status_code == 303
    assert (
        client.post("/visits", data={**again, "again": "1"}).headers["Location"]
        == (another.headers["Location"])
    )
    assert _count() == 2

    # Other words, or another resident: no question.
    assert client.post("/visits", data=_visit_data(r, summary="送了药")).status_code == 303
    assert client.post("/visits", data=_visit_data(make_resident())).status_code == 303
    assert _count() == 4

    # Nor a visit with the same words long after the last: a routine "all well" each week.
    db.session.execute(sa.update(Visit).values(created_at=Visit.created_at - timedelta(minutes=31)))
    db.session.commit()
    assert client.post("/visits", data=_visit_data(r)).status_code == 303
    assert _count() == 5


def test_same_uuid_with_other_content_is_refused(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    data = _visit_data(r)
    client.post("/visits", data=data)
    resp = client.post("/visits", data={**data, "summary": "something else"})
    # Issue 11: a refusal answers a plain POST with its status, the form kept.
    assert resp.status_code == 409
    assert "something else" in resp.text
    assert "Open the saved visit" in resp.text or "打开已保存的走访" in resp.text
    assert _count() == 1


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"summary": "x" * 100_000}, "summary"),
        ({"visited_on": "1900-01-01"}, "visited_on"),
        ({"visited_on": Days(+1).iso}, "visited_on"),
        ({"visited_on": "not a date"}, "visited_on"),
        ({"follow_up_on": Days(-1).iso}, "follow_up_on"),
        ({"purpose": ""}, "purpose"),
        ({"outcome": "exploded"}, "outcome"),
    ],
)
def test_bad_visit_input_keeps_what_was_typed(client, world, login_as, make_resident, over, field):
    r = make_resident()
    login_as(world.worker_a)
    data = _visit_data(r, **over)
    resp = client.post("/visits", data=data, htmx=True)
    assert resp.status_code == 200
    assert 'class="error"' in resp.text
    if field != "summary":
        assert "量了血压，一切正常" in resp.text
    assert _count() == 0
    assert "HX-Retarget" not in resp.headers


def test_visit_to_resident_of_another_grid_is_404(client, world, login_as, make_resident):
    r = make_resident(grid=world.b1)
    login_as(world.worker_a)
    assert client.get(f"/visits/new?resident={r.id}").status_code == 404
    assert client.post("/visits", data=_visit_data(r)).status_code == 404
    assert _count() == 0


def test_visit_page_scope(client, world, login_as, make_resident, make_visit):
    v = make_visit(resident=make_resident())
    login_as(world.worker_a)
    assert client.get(f"/visits/{v.id}").status_code == 200
    for other in (world.worker_b, world.secretary_b, world.township_user):
        login_as(other)
        assert client.get(f"/visits/{v.id}").status_code == 404
    login_as(world.secretary_a)
    assert client.get(f"/visits/{v.id}").status_code == 200


def test_edit_visit_and_lock_after_approval(client, world, login_as, make_resident, make_visit):
    v = make_visit(resident=make_resident())
    login_as(world.worker_a)
    data = {
        "purpose": "routine",
        "summary": "changed",
        "outcome": "done",
        "visited_on": v.visited_on.isoformat(),
        "follow_up_on": "",
    }
    assert client.post(f"/visits/{v.id}/edit", data=data).status_code == 303
    assert db.session.get(Visit, v.id).summary == "changed"
    db.session.get(DailyLog, v.daily_log_id).status = "approved"
    db.session.commit()
    resp = client.post(f"/visits/{v.id}/edit", data={**data, "summary": "after approval"})
    assert resp.status_code == 303
    assert db.session.get(Visit, v.id).summary == "changed"


def test_new_visit_on_an_approved_day_is_refused(
    client, world, login_as, make_resident, make_daily_log
):
    make_daily_log(status="approved")
    r = make_resident()
    login_as(world.worker_a)
    assert client.post("/visits", data=_visit_data(r)).status_code == 409
    # Under htmx the form stays as typed and the toast says what would mend it: the worker
    # cannot retype their way out, the secretary's reopening can.
    resp = client.post("/visits?lang=en", data=_visit_data(r), htmx=True)
    assert resp.status_code == 409
    assert "Ask your community secretary to reopen the day" in resp.headers["HX-Trigger"]
    assert _count() == 0


def test_moving_a_visit_onto_an_approved_day_is_refused_on_the_date_with_the_words_kept(
    client, world, login_as, make_resident, make_visit, make_daily_log
):
    """The walk: a 409 page ("this day's records are locked") read as if the visit's own day
    were locked, and only Back brought the words back."""
    approved = local_today() - timedelta(days=3)
    make_daily_log(day=approved, status="approved")
    v = make_visit(resident=make_resident())
    login_as(world.worker_a)
    data = {
        "purpose": "routine",
        "summary": "moved to the wrong day",
        "outcome": "done",
        "visited_on": approved.isoformat(),
        "follow_up_on": "",
    }
    resp = client.post(f"/visits/{v.id}/edit?lang=en", data=data)
    assert resp.status_code == 422
    day = format_date(approved, "medium", locale="en")
    assert f"{day} is already approved, so the visit cannot be moved to it." in resp.text
    assert "moved to the wrong day" in resp.text
    assert 'name="visited_on"' in resp.text
    assert 'aria-invalid="true"' in resp.text
    db.session.expire_all()
    kept = db.session.get(Visit, v.id)
    assert (kept.visited_on, kept.summary) == (local_today(), v.summary)


@pytest.mark.parametrize("status", ["open", "submitted", "returned", "approved"])
def test_an_approved_day_says_so_before_the_form_is_typed(
    client, world, login_as, make_resident, make_daily_log, status
):
    make_daily_log(status=status)
    r = make_resident()
    login_as(world.worker_a)
    note = "is already approved: a visit on that day is refused until"
    pages = [
        client.get(f"/residents/{r.id}?lang=en").text,
        client.get(f"/visits/new?resident={r.id}&lang=en").text,
        client.get(f"/visits/new?resident={r.id}&lang=en", htmx=True).text,
    ]
    for text in pages:
        assert (note in text) == (status == "approved")
    # It names its day: a phone that kept the page offline shows it tomorrow too.
    if status == "approved":
        assert f"Your log for {format_date(local_today(), 'medium', locale='en')} is" in pages[0]
    # Beside the button and the form, not instead: a visit on an earlier day that is still
    # open can be logged (the form's date goes 30 days back).
    assert f'hx-get="/visits/new?resident={r.id}"' in pages[0]
    for text in pages[1:]:
        assert 'name="client_uuid"' in text
    # The htmx answer still fills the slot it was asked for.
    assert pages[2].lstrip().startswith('<div id="visit-form-slot"')


def test_an_approved_day_still_takes_a_visit_on_an_earlier_open_day(
    client, world, login_as, make_resident, make_daily_log
):
    make_daily_log(status="approved")
    r = make_resident()
    login_as(world.worker_a)
    earlier = local_today() - timedelta(days=2)
    resp = client.post("/visits", data=_visit_data(r, visited_on=earlier.isoformat()))
    assert resp.status_code == 303
    assert _count() == 1


def test_other_roles_cannot_log_visits(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.secretary_a)
    assert client.get(f"/visits/new?resident={r.id}").status_code == 404
    assert client.post("/visits", data=_visit_data(r)).status_code == 404


def test_delete_visit_until_the_day_is_approved(
    client, world, login_as, make_resident, make_visit, make_hazard
):
    r = make_resident()
    v = make_visit(resident=r)
    make_hazard(visit=v)
    login_as(world.worker_a)
    assert client.post(f"/visits/{v.id}/delete").status_code == 303
    assert _count() == 0
    db.session.expunge(v)  # the deleted visit's id may be reused by the next insert
    v2 = make_visit(resident=r)
    db.session.get(DailyLog, v2.daily_log_id).status = "approved"
    db.session.commit()
    assert client.post(f"/visits/{v2.id}/delete").status_code == 409
    assert _count() == 1
    login_as(world.worker_b)
    assert client.post(f"/visits/{v2.id}/delete").status_code == 404


def test_a_deleted_visits_id_is_never_given_to_another_visit(
    client, world, login_as, make_resident, make_visit
):
    """SQLite gave the newest row's id again once it was deleted: the audit trail then read
    "visit 7 deleted" and "visit 7 logged" about two visits, and a phone's queued photo for
    the deleted visit would have found the new one."""
    r = make_resident()
    v = make_visit(resident=r)
    deleted = v.id
    login_as(world.worker_a)
    assert client.post(f"/visits/{deleted}/delete").status_code == 303
    db.session.expunge(v)
    resp = client.post("/visits", data=_visit_data(r))
    assert resp.status_code == 303
    new = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert new > deleted
    assert client.get(f"/visits/{deleted}").status_code == 404
    events = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.object_id)
        .where(
            AuditEvent.object_type == "visit",
            AuditEvent.action.in_(("visit_deleted", "visit_created")),
        )
        .order_by(AuditEvent.id)
    ).all()
    assert events == [("visit_deleted", str(deleted)), ("visit_created", str(new))]


def test_screening_purpose_offers_checklists_with_the_first_chosen(
    client, world, login_as, make_resident
):
    r = make_resident()
    login_as(world.worker_a)
    frag = client.get(f"/visits/new?resident={r.id}", htmx=True).text
    assert 'class="checklist-choice"' in frag
    tpl = db.session.scalar(sa.select(ChecklistTemplate).order_by(ChecklistTemplate.id))
    assert (
        f'<input checked id="checklist_id-0" name="checklist_id" type="radio" value="{tpl.id}">'
        in frag
    )


@pytest.mark.parametrize("htmx", [False, True])
def test_screening_visit_lands_on_its_checklist(client, world, login_as, make_resident, htmx):
    r = make_resident()
    login_as(world.worker_a)
    tpl = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "gas"))
    data = _visit_data(r, purpose="screening", checklist_id=tpl.id)
    first = client.post("/visits", data=data, htmx=htmx)
    again = client.post("/visits", data=data, htmx=htmx)
    screening = db.session.scalar(sa.select(Screening))
    url = f"/screening/{screening.id}"
    if htmx:
        assert first.headers["HX-Redirect"] == again.headers["HX-Redirect"] == url
    else:
        assert first.status_code == 303
        assert first.headers["Location"] == again.headers["Location"] == url
    assert screening.template_id == tpl.id
    assert _count() == 1
    assert _count(Screening) == 1


def test_other_purpose_opens_no_checklist(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    tpl = db.session.scalar(sa.select(ChecklistTemplate))
    resp = client.post("/visits", data=_visit_data(r, checklist_id=tpl.id))
    assert resp.headers["Location"].startswith("/visits/")
    assert _count(Screening) == 0


def test_unknown_checklist_is_refused_with_the_form_kept(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    resp = client.post("/visits", data=_visit_data(r, purpose="screening", checklist_id="999"))
    assert resp.status_code in (200, 422)
    assert "量了血压" in resp.text
    assert _count() == 0


def test_a_summary_too_long_comes_back_whole_with_a_message(client, world, login_as, make_resident):
    """The browser is given no maxlength to cut a pasted note short without a word: the
    form refuses it, says why, and gives every character back."""
    r = make_resident()
    login_as(world.worker_a)
    form = client.get(f"/visits/new?resident={r.id}").text
    textarea = form[form.index("<textarea") : form.index(">", form.index("<textarea"))]
    assert "maxlength" not in textarea
    # Purpose and outcome are required as the date is, and marked as it is.
    for legend in ("走访事由", "走访结果"):
        start = form.index("<legend>" + legend)
        assert 'class="req"' in form[start : form.index("</legend>", start)]

    long = "量了血压" * 501  # 2,004 characters
    resp = client.post("/visits", data=_visit_data(r, summary=long), htmx=True)
    assert resp.status_code == 200
    assert "“走访情况”最多 2,000 字，现在是 2,004 字。" in resp.text
    assert 'class="error"' in resp.text
    assert long in resp.text
    assert _count() == 0


def test_every_limited_text_box_carries_its_limit_for_the_live_count(
    client, world, login_as, make_resident, make_visit
):
    """app.js counts from data-max-chars into the box's -count element; no maxlength."""
    r = make_resident()
    v = make_visit(resident=r)
    login_as(world.worker_a)
    visit_form = client.get(f"/visits/new?resident={r.id}").text
    db.session.get(DailyLog, v.daily_log_id).status = "submitted"
    db.session.commit()
    login_as(world.secretary_a)
    queue = client.get("/review").text
    boxes = re.findall(r"<textarea[^>]*>", visit_form) + re.findall(r"<textarea[^>]*>", queue)
    ids = {re.search(r'id="([^"]+)"', box)[1]: box for box in boxes}
    assert {"summary", f"comment-{v.daily_log_id}"} <= set(ids)
    for box_id, box in ids.items():
        assert 'data-max-chars="2000"' in box
        assert "maxlength" not in box
        page = visit_form if box_id == "summary" else queue
        assert f'id="{box_id}-count"' in page


@pytest.mark.parametrize(
    ("length", "saved", "lang", "message"),
    [
        (2000, True, "zh", ""),
        # Walk: a 5,000-character summary saved without a word and filled the day's page.
        (5000, False, "zh", "“走访情况”最多 2,000 字，现在是 5,000 字。"),
        (2001, False, "en", "“What happened” takes at most 2,000 characters; this has 2,001."),
    ],
)
def test_a_visit_summary_holds_a_note_not_a_page(
    client, world, login_as, make_resident, length, saved, lang, message
):
    r = make_resident()
    login_as(world.worker_a)
    text = ("量" * length)[:length]
    resp = client.post(
        "/visits", data=_visit_data(r, summary=text), headers={"Accept-Language": lang}
    )
    assert _count() == (1 if saved else 0)
    if not saved:
        assert resp.status_code == 200
        assert _field_errors(resp.text, "summary") == [message]
        assert text in resp.text


def test_a_line_break_counts_once_however_the_form_was_sent(client, world, login_as, make_resident):
    """A plain form post sends a line break as CRLF, htmx (and the page's live count) as LF:
    the limit and the stored note count it once either way."""
    r = make_resident()
    login_as(world.worker_a)
    lines = ["量" * 99] * 20  # 1,980 characters and 19 line breaks: 1,999, or 2,018 as CRLF
    resp = client.post("/visits", data=_visit_data(r, summary="\r\n".join(lines)))
    assert resp.status_code == 303
    assert db.session.scalar(sa.select(Visit.summary)) == "\n".join(lines)


def test_an_old_long_summary_is_kept_on_an_edit_that_leaves_it(
    client, world, login_as, make_resident, make_visit
):
    """A summary saved before the 2,000 limit stays editable: the limit applies to a changed
    text only, so correcting the outcome does not force the worker to cut an old note."""
    old = "旧记录" * 1000  # 3,000 characters, saved under the old limit of 5,000
    v = make_visit(resident=make_resident(), summary=old)
    login_as(world.worker_a)
    data = {
        "purpose": v.purpose,
        "summary": old,
        "outcome": "not_home",
        "visited_on": v.visited_on.isoformat(),
        "follow_up_on": "",
    }
    assert client.post(f"/visits/{v.id}/edit", data=data).status_code == 303
    db.session.expire_all()
    saved = db.session.get(Visit, v.id)
    assert (saved.outcome, len(saved.summary)) == ("not_home", 3000)
    # A changed summary meets the limit, and comes back whole with the message.
    data["summary"] = old + "补"
    resp = client.post(f"/visits/{v.id}/edit", data=data)
    assert resp.status_code == 200
    assert _field_errors(resp.text, "summary") == ["“走访情况”最多 2,000 字，现在是 3,001 字。"]
    assert old + "补" in resp.text
    db.session.expire_all()
    assert len(db.session.get(Visit, v.id).summary) == 3000


def _field_errors(html: str, field: str) -> list[str]:
    return re.findall(rf'<small class="error" id="{field}-error">([^<]*)</small>', html)


@pytest.mark.parametrize(
    ("field", "days", "lang", "message"),
    [
        (
            "follow_up_on",
            -2,
            "en",
            "The next follow-up cannot be in the past. Choose today or a later day.",
        ),
        ("follow_up_on", -2, "zh-CN", "下次回访日期不能早于今天，请选今天或以后的日期。"),
        ("follow_up_on", -400, "en", "This date is too far in the past. Check the year."),
        ("follow_up_on", 400, "en", "This date is too far ahead. Check the year."),
        ("visited_on", -40, "en", "This date is more than 30 days ago: choose {30} or later."),
        ("visited_on", -40, "zh-CN", "日期早于 30 天前：请选 {30} 或以后的日期。"),
        ("visited_on", -366, "en", "This date is too far in the past. Check the year."),
        ("visited_on", -366, "zh-CN", "日期太早了，请检查年份。"),
    ],
)
def test_a_wrong_date_gets_one_message_that_fits_the_mistake(
    client, world, login_as, make_resident, field, days, lang, message
):
    """ "Check the year" is for a date a year or more off, never beside the specific word."""
    r = make_resident()
    login_as(world.worker_a)
    day = (local_today() + timedelta(days=days)).isoformat()
    resp = client.post(
        "/visits", data=_visit_data(r, **{field: day}), headers={"Accept-Language": lang}
    )
    assert resp.status_code == 200
    # "{30}": the earliest date allowed, as the page writes dates in that language.
    with client.application.test_request_context(headers={"Accept-Language": lang}):
        message = message.replace("{30}", page_date(local_today() - timedelta(days=30)))
    assert _field_errors(resp.text, field) == [message]
    assert _count() == 0


def test_editing_an_older_visit_keeps_its_follow_up_date_that_has_since_passed(
    client, world, login_as, make_resident, make_visit
):
    """A stored date is not refused for having aged: the worker corrects the summary of
    Monday's visit on Thursday without being told Wednesday's follow-up is in the past."""
    today = local_today()
    v = make_visit(
        resident=make_resident(), day=today - timedelta(days=5), follow_up_on=today - timedelta(2)
    )
    login_as(world.worker_a)
    data = {
        "purpose": v.purpose,
        "summary": "补记：血压偏高",
        "outcome": v.outcome,
        "visited_on": v.visited_on.isoformat(),
        "follow_up_on": v.follow_up_on.isoformat(),
    }
    assert client.post(f"/visits/{v.id}/edit", data=data).status_code == 303
    assert db.session.get(Visit, v.id).summary == "补记：血压偏高"
    # A date typed anew is still checked.
    data["follow_up_on"] = (today - timedelta(days=1)).isoformat()
    resp = client.post(f"/visits/{v.id}/edit", data=data, headers={"Accept-Language": "en"})
    assert resp.status_code == 200
    assert "The next follow-up cannot be in the past." in resp.text


@pytest.mark.parametrize(
    "acted", [{"reported_on": "today"}, {"returned_comment": "还没修好"}, {"status": "rectified"}]
)
def test_a_visit_whose_hazard_was_acted_on_is_not_deleted(
    client, world, login_as, make_resident, make_hazard, acted
):
    """The review: a hazard reported to a department, still open, went with its visit."""
    from app.models import Hazard
    from app.timeutil import local_today

    values = {k: local_today() if v == "today" else v for k, v in acted.items()}
    hz = make_hazard(resident=make_resident(), **values)
    login_as(world.worker_a)
    assert client.post(f"/visits/{hz.visit_id}/delete").status_code == 409
    assert _count() == 1
    assert db.session.get(Hazard, hz.id) is not None


def test_delete_address_reloaded_after_a_refused_delete_shows_the_visit(
    client, world, login_as, make_resident, make_visit
):
    """Reloading the "day approved" refusal asked for /delete by GET: a 405 page."""
    v = make_visit(resident=make_resident())
    db.session.get(DailyLog, v.daily_log_id).status = "approved"
    db.session.commit()
    login_as(world.worker_a)
    assert client.post(f"/visits/{v.id}/delete").status_code == 409
    resp = client.get(f"/visits/{v.id}/delete")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/visits/{v.id}"
    assert client.get(resp.headers["Location"]).status_code == 200
    assert _count() == 1
    assert client.get(f"/visits/{v.id + 99}/delete").status_code == 404
    login_as(world.worker_b)
    assert client.get(f"/visits/{v.id}/delete").status_code == 404


def test_delete_link_opened_by_the_secretary_shows_the_visit(
    client, world, login_as, make_resident, make_visit
):
    """The secretary may see a worker's visit, not delete it: the visit's page, kept."""
    v = make_visit(resident=make_resident())
    login_as(world.secretary_a)
    resp = client.get(f"/visits/{v.id}/delete")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/visits/{v.id}"
    assert client.get(resp.headers["Location"]).status_code == 200
    assert _count() == 1
    for user in (world.worker_a2, world.township_user, world.inspector, world.admin):
        login_as(user)
        assert client.get(f"/visits/{v.id}/delete").status_code == 404, user.username


def test_the_outcome_referred_reads_finished_on_its_own(
    client, world, login_as, make_resident, make_visit
):
    """Alone in a list it read "Referred on", a sentence cut off."""
    v = make_visit(resident=make_resident(name="谢超"), outcome="referred")
    login_as(world.worker_a)
    page = client.get(f"/visits/{v.id}", headers={"Accept-Language": "en"}).text
    assert '<span class="status">Referred elsewhere</span>' in page
    assert "Referred on" not in page
    assert '<span class="status">已转交</span>' in client.get(f"/visits/{v.id}").text


def test_a_save_reads_nothing_again_after_its_commit(client, world, login_as, make_resident):
    """The end-of-request hooks (whose page this is, may the phone keep it, no-store) ask
    who is signed in; after the commit that answer comes from what the request already
    read, not from the user's rows again."""
    r = make_resident()
    login_as(world.worker_a)
    seen = []

    def statement(_conn, _cursor, text, *_args):
        seen.append(text)

    def commit(_conn):
        seen.append("COMMIT")

    sa.event.listen(db.engine, "before_cursor_execute", statement)
    sa.event.listen(db.engine, "commit", commit)
    try:
        resp = client.post("/visits", data=_visit_data(r))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", statement)
        sa.event.remove(db.engine, "commit", commit)

    assert resp.status_code == 303
    assert "COMMIT" in seen
    after = seen[len(seen) - seen[::-1].index("COMMIT") :]
    assert not [s for s in after if "FROM users" in s or "FROM grids" in s], after
    assert resp.headers["X-Gridbook-User"]
    assert resp.headers["Cache-Control"] == "no-store"


def _moved(client, visit, day):
    return client.post(
        f"/visits/{visit.id}/edit?lang=en",
        data={
            "purpose": visit.purpose,
            "summary": visit.summary,
            "outcome": visit.outcome,
            "visited_on": day.isoformat(),
            "follow_up_on": "",
        },
    )


def test_a_visit_given_another_date_takes_what_it_found_along(
    client, world, login_as, make_resident, make_visit, make_hazard
):
    """The walk: moved to the day before, the visit's time became 12:00, and its hazards,
    their printed notice and its checklist still said the old day."""
    today = local_today()
    visit = make_visit(resident=make_resident(), day=today - timedelta(days=1), purpose="screening")
    visit.visited_at = visit.visited_at.replace(hour=14, minute=53)  # 22:53 in Shanghai
    template = db.session.scalar(
        sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "fire")
    )
    screening = Screening(
        uuid=str(uuid.uuid4()),
        visit_id=visit.id,
        template_id=template.id,
        started_at=visit.visited_at,
        completed_at=visit.visited_at + timedelta(minutes=5),
    )
    db.session.add(screening)
    db.session.commit()
    hazard = make_hazard(visit=visit, due_on=visit.visited_on + timedelta(days=7))
    before = visit.visited_at
    login_as(world.worker_a)

    assert _moved(client, visit, today - timedelta(days=2)).status_code == 303

    db.session.expire_all()
    assert visit.visited_on == today - timedelta(days=2)
    assert visit.visited_at == before - timedelta(days=1)  # the same time of day
    assert screening.started_at == before - timedelta(days=1)
    assert screening.completed_at == before - timedelta(days=1, minutes=-5)
    assert hazard.found_on == today - timedelta(days=2)
    assert hazard.due_on == today + timedelta(days=5)  # still 7 days to fix it
    assert visit.daily_log.day == today - timedelta(days=2)


def test_a_visit_is_not_dated_after_a_hazard_it_found_was_fixed(
    client, world, login_as, make_resident, make_visit, make_hazard
):
    today = local_today()
    visit = make_visit(resident=make_resident(), day=today - timedelta(days=3))
    fixed = make_hazard(visit=visit, status="rectified", rectified_on=today - timedelta(days=2))
    reported = make_hazard(visit=visit, reported_on=today - timedelta(days=2))
    login_as(world.worker_a)
    for hazard in (fixed, reported):
        others = [h for h in (fixed, reported) if h is not hazard]
        for other in others:  # one hazard at a time is in the way
            other.visit_id = make_visit(resident=visit.resident, day=visit.visited_on).id
        db.session.commit()
        resp = _moved(client, visit, today - timedelta(days=1))
        assert resp.status_code == 422  # the form again, with the date refused
        assert "A hazard found on this visit was acted on on" in resp.text
        db.session.expire_all()
        assert visit.visited_on == today - timedelta(days=3)
        assert hazard.found_on == today - timedelta(days=3)
        assert visit.daily_log.day == today - timedelta(days=3)
        for other in others:
            other.visit_id = visit.id
        db.session.commit()
    # Earlier is still allowed: found before it was fixed or reported.
    assert _moved(client, visit, today - timedelta(days=4)).status_code == 303
    db.session.expire_all()
    assert fixed.found_on == reported.found_on == today - timedelta(days=4)
