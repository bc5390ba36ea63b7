"""Every state-changing route refuses a missing or wrong CSRF token, and takes a good one
from the form field or from the htmx header.

Each route is sent a request that its user could make and that would change the database;
without a valid token, nothing may change (400, or the form shown again). The same request
with the token then does change it, so the refusal is the token's doing.
"""

import io
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ChecklistTemplate, DailyLog, Hazard, Screening
from app.timeutil import local_today
from tests.conftest import PASSWORD, GridbookClient
from tests.security.conftest import table_snapshot


def _today() -> str:
    return local_today().isoformat()


def _reported(hazard) -> int:
    """The hazard, reported to a department (its progress is then the secretary's to record)."""
    hazard.reported_on = hazard.found_on
    hazard.department_code = "gas_company"
    hazard.department_progress = "reported"
    db.session.commit()
    return hazard.id


def _open_holiday_year() -> int:
    """A near year chinese-calendar does not carry: the holiday page offers it."""
    from app.requests.deadlines import knows_year

    this = local_today().year
    return next(y for y in range(this, this + 3) if not knows_year(y))


def _entered_holiday_year() -> int:
    """That year, with one day off entered (what the remove button removes)."""
    from datetime import date

    from app.models import HolidayDay

    year = _open_holiday_year()
    db.session.add(HolidayDay(day=date(year, 2, 1), working=False))
    db.session.commit()
    return year


def _another_cadence(code: str) -> str:
    """Days between visits other than the reason's own: reference rows outlive a test on
    PostgreSQL, so the same value twice would change nothing the second time."""
    from app.models import CareReason

    now = db.session.scalar(sa.select(CareReason.visit_every_days).where(CareReason.code == code))
    return "92" if now == 91 else "91"


def _discard_case(a):
    gas = db.session.scalar(sa.select(ChecklistTemplate.id).where(ChecklistTemplate.code == "gas"))
    s = Screening(uuid=_uuid(), visit_id=a.visit.id, template_id=gas)
    db.session.add(s)
    db.session.commit()
    return "worker_a", f"/screening/{s.id}/discard", {"screening_uuid": s.uuid}


def _uuid() -> str:
    return str(uuid.uuid4())


def _status(model, ident, status):
    db.session.get(model, ident).status = status
    db.session.commit()


def _jpeg() -> io.BytesIO:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(buf, "JPEG")
    buf.seek(0)
    return buf


def _pending_import(w) -> str:
    """A sheet uploaded by community A's secretary, waiting in its preview: the preview's url."""
    from flask import current_app

    from app.residents import sheet
    from app.residents.pending import Store

    rows = [["姓名", "网格", "房号", "关爱类型"], ["导入的人", "A1", "101", "独居老人"]]
    token = Store(current_app.config["IMPORT_STORE"]).save(
        w.secretary_a.id, "a.csv", sheet.dumps(rows)
    )
    return f"/residents/import/{token}"


# endpoint (endpoint/step for a route taking several steps) -> (user name, url, form data);
# built from the world and community A's records.
CASES: dict[str, Callable] = {
    "accounts.login": lambda w, a: (None, "/login", {"username": "worker_a", "password": PASSWORD}),
    "accounts.logout": lambda w, a: ("worker_a", "/logout", {}),
    "accounts.password": lambda w, a: (
        "worker_a",
        "/account/password",
        {"current": PASSWORD, "new": "another long secret", "confirm": "another long secret"},
    ),
    "admin.user_new": lambda w, a: (
        "admin",
        "/admin/users/new",
        {
            "username": "new_township",
            "display_name": "New",
            "role": "township",
            "township_id": w.township.id,
            "community_id": 0,
            "password": "a long password 1",
        },
    ),
    "admin.user_edit": lambda w, a: (
        "admin",
        f"/admin/users/{w.worker_a.id}",
        {
            "username": "worker_a",
            "display_name": "Renamed",
            "role": "worker",
            "township_id": 0,
            "community_id": w.ca.id,
            "grid_ids": [w.a1.id],
            "active": "y",
        },
    ),
    # One reason's days between visits (fields left out are left as they are).
    "admin.cadences": lambda w, a: (
        "admin",
        "/admin/cadences",
        {"every_veteran": _another_cadence("veteran")},
    ),
    "admin.holiday_year": lambda w, a: (
        "admin",
        f"/admin/holidays/{_open_holiday_year()}",
        {"off_days": "2月6日至12日", "working_days": ""},
    ),
    "admin.holiday_remove": lambda w, a: (
        "admin",
        f"/admin/holidays/{_entered_holiday_year()}/remove",
        {},
    ),
    "residents.new": lambda w, a: (
        "worker_a",
        "/residents/new",
        {
            "name": "新居民",
            "grid_id": w.a1.id,
            "household_size": "1",
            "client_uuid": _uuid(),
            "care_reasons": ["elderly_alone"],
        },
    ),
    "residents.edit": lambda w, a: (
        "worker_a",
        f"/residents/{a.resident.id}/edit",
        {
            "name": "改名",
            "grid_id": w.a1.id,
            "household_size": "2",
            "care_reasons": ["elderly_alone"],
        },
    ),
    "handovers.new": lambda w, a: (
        "secretary_a",
        "/handovers/new",
        {
            "from_worker_id": str(w.worker_a.id),
            "to_worker_id": str(w.worker_a2.id),
            "grid_ids": [str(w.a1.id)],
            "note": "交接说明",
            "client_uuid": str(uuid.uuid4()),
        },
    ),
    "handovers.dismiss_note": lambda w, a: (
        "worker_a",
        f"/handovers/{a.handover.id}/dismiss",
        {},
    ),
    "residents.archive": lambda w, a: ("worker_a", f"/residents/{a.resident.id}/archive", {}),
    "residents.erase": lambda w, a: (
        "secretary_a",
        f"/residents/{a.resident.id}/erase",
        {"reason": "resident_asked", "confirm": "y"},
    ),
    "residents.import_upload": lambda w, a: (
        "secretary_a",
        "/residents/import",
        {"file": "姓名,网格,关爱类型\n李四,A1,独居老人\n".encode()},
    ),
    "residents.import_preview": lambda w, a: (
        "secretary_a",
        _pending_import(w),
        {"step": "import"},
    ),
    "visits.create": lambda w, a: (
        "worker_a",
        "/visits",
        {
            "resident_id": a.resident.id,
            "purpose": "routine",
            "outcome": "done",
            "summary": "ok",
            "visited_on": _today(),
            "client_uuid": _uuid(),
        },
    ),
    "visits.edit": lambda w, a: (
        "worker_a",
        f"/visits/{a.visit.id}/edit",
        {
            "purpose": a.visit.purpose,
            "outcome": "done",
            "summary": "edited",
            "visited_on": a.visit.visited_on.isoformat(),
        },
    ),
    "visits.delete": lambda w, a: ("worker_a", f"/visits/{a.visit.id}/delete", {}),
    "screening.start": lambda w, a: (
        "worker_a",
        "/screening",
        {
            "visit_id": a.visit.id,
            "client_uuid": _uuid(),
            "template_id": db.session.scalar(
                sa.select(ChecklistTemplate.id).where(ChecklistTemplate.code == "gas")
            ),
        },
    ),
    "screening.answer": lambda w, a: (
        "worker_a",
        f"/screening/{a.screening.id}/items/{a.item.id}",
        {"value": "ok"},
    ),
    "screening.hazard": lambda w, a: (
        "worker_a",
        f"/screening/{a.screening.id}/items/{a.item.id}/hazard",
        {"note": "新的说明", "severity": "S3", "due_on": _today()},
    ),
    # Unanswered items are asked about first (issue 13): the case marks them not applicable.
    "screening.finish": lambda w, a: (
        "worker_a",
        f"/screening/{a.screening.id}/finish",
        {"remaining": "na"},
    ),
    "screening.remaining": lambda w, a: (
        "worker_a",
        f"/screening/{a.screening.id}/remaining",
        {"value": "ok"},
    ),
    # A checklist started with nothing checked: the one that may be discarded.
    "screening.discard": lambda w, a: _discard_case(a),
    "photos.upload": lambda w, a: (
        "worker_a",
        "/photos",
        {
            "owner_type": "visit",
            "owner_id": a.visit.id,
            "client_uuid": _uuid(),
            "photos": [(_jpeg(), "a.jpg")],
        },
    ),
    "photos.delete": lambda w, a: ("worker_a", f"/photos/{a.photo.id}/delete", {}),
    "hazards.step/rectify": lambda w, a: (
        "worker_a",
        f"/hazards/{a.hazard.id}/rectify",
        {"note": "修好了"},
    ),
    "hazards.step/report": lambda w, a: (
        "worker_a",
        f"/hazards/{a.hazard.id}/report",
        {"department": "gas_company", "reported_on": _today(), "note": ""},
    ),
    "hazards.step/department": lambda w, a: (
        "secretary_a",
        f"/hazards/{_reported(a.hazard)}/department",
        {"progress": "in_hand", "note": "燃气公司已派人"},
    ),
    "referrals.create": lambda w, a: (
        "worker_a",
        "/referrals",
        {
            "visit_id": a.visit.id,
            "service_code": "health_station",
            "note": "需要上门体检",
            "client_uuid": _uuid(),
        },
    ),
    "referrals.step/accept": lambda w, a: ("worker_a", f"/referrals/{a.referral.id}/accept", {}),
    "referrals.step/done": lambda w, a: (
        "worker_a",
        f"/referrals/{a.referral.id}/done",
        {"outcome": "已上门"},
    ),
    "referrals.step/follow-up": lambda w, a: (
        "worker_a",
        f"/referrals/{a.referral.id}/follow-up",
        {"follow_up_on": _today()},
    ),
    "hazards.step/verify": lambda w, a: (
        _status(Hazard, a.hazard.id, "rectified") or "secretary_a",
        f"/hazards/{a.hazard.id}/verify",
        {},
    ),
    "hazards.step/send-back": lambda w, a: (
        _status(Hazard, a.hazard.id, "rectified") or "secretary_a",
        f"/hazards/{a.hazard.id}/send-back",
        {"comment": "还没修好"},
    ),
    "projects.new": lambda w, a: (
        "secretary_a",
        "/projects/new",
        {"name": "新项目", "kind": "road_works", "status": "planned", "client_uuid": _uuid()},
    ),
    "projects.edit": lambda w, a: (
        "secretary_a",
        f"/projects/{a.project.id}/edit",
        {"name": "改名项目", "kind": "road_works", "status": "in_progress"},
    ),
    "projects.factor_create": lambda w, a: (
        "secretary_a",
        f"/projects/{a.project.id}/factors",
        {
            "factor_code": "P1",
            "likelihood": "2",
            "impact": "3",
            "status": "open",
            "client_uuid": _uuid(),
        },
    ),
    "projects.factor_update": lambda w, a: (
        "secretary_a",
        f"/projects/{a.project.id}/factors/{a.factor.id}",
        {"likelihood": "3", "impact": "3", "status": "open", "mitigation": "围挡"},
    ),
    "projects.assessment": lambda w, a: (
        "secretary_a",
        f"/projects/{a.project.id}/assessment",
        {"legality_finding": "met", "legality_note": "依法"},
    ),
    "projects.decision": lambda w, a: (
        "secretary_a",
        f"/projects/{a.project.id}/decision",
        {"decision": "proceed", "decided_on": _today()},
    ),
    "requests.create": lambda w, a: (
        "worker_a",
        "/requests",
        {
            "resident": a.resident.id,
            "channel": "phone",
            "category": "R04",
            "summary": "路灯坏了",
            "received_on": _today(),
            "client_uuid": _uuid(),
        },
    ),
    "requests.step": lambda w, a: (
        "secretary_a",
        f"/requests/{a.request.id}/accept",
        {"accept-on": _today()},
    ),
    "review.submit": lambda w, a: ("worker_a", "/review/submit", {"day": _today()}),
    "review.step/submit": lambda w, a: ("worker_a", f"/review/days/{a.log.id}/submit", {}),
    "review.step/approve": lambda w, a: (
        _status(DailyLog, a.log.id, "submitted") or "secretary_a",
        f"/review/days/{a.log.id}/approve",
        {},
    ),
    "review.step/return": lambda w, a: (
        _status(DailyLog, a.log.id, "submitted") or "secretary_a",
        f"/review/days/{a.log.id}/return",
        {"comment": "请补充照片"},
    ),
    "review.step/reopen": lambda w, a: (
        _status(DailyLog, a.log.id, "approved") or "secretary_a",
        f"/review/days/{a.log.id}/reopen",
        {"reason": "记录有误"},
    ),
    "review.approve_many": lambda w, a: (
        _status(DailyLog, a.log.id, "submitted") or "secretary_a",
        "/review/approve-many",
        {"log_ids": [a.log.id]},
    ),
}
# A valid request that changes nothing in the database: the fix needs a photo first.
# Uploading a sheet keeps it on disk for the preview; the database changes on import.
NO_CHANGE_EVEN_WITH_TOKEN = {"hazards.step/rectify", "residents.import_upload"}


def test_every_state_changing_route_has_a_case(app):
    unsafe = {
        r.endpoint for r in app.url_map.iter_rules() if r.methods - {"GET", "HEAD", "OPTIONS"}
    }
    assert unsafe == {case.partition("/")[0] for case in CASES}


def _prepare(endpoint, world, two_sets, login_as, client):
    user, url, data = CASES[endpoint](world, two_sets["a"])
    if user:
        login_as(getattr(world, user))
    return url, data


def _send(client, url, data, token=None, header=None, htmx=False):
    client.csrf = False
    body = {k: [(_jpeg(), "a.jpg")] if k == "photos" else v for k, v in data.items()}
    if "file" in body:
        body["file"] = (io.BytesIO(body["file"]), "sheet.csv")
    if token is not None:
        body["csrf_token"] = token
    headers = {"X-CSRFToken": header} if header is not None else {}
    multipart = "photos" in body or "file" in body
    kw = {"content_type": "multipart/form-data"} if multipart else {}
    return client.post(url, data=body, headers=headers, htmx=htmx, **kw)


def _refused(resp) -> bool:
    """400, the form shown again, or a redirect back: never a success."""
    return resp.status_code in (200, 303, 400) and '"success"' not in resp.headers.get(
        "HX-Trigger", ""
    )


def _bad_tokens(app) -> dict[str, tuple[str | None, str | None]]:
    """(form field, header) pairs that must not pass."""
    other = app.test_client(use_cookies=True)
    with other.session_transaction() as sess:
        sess["csrf_token"] = "someone-else"
    foreign = GridbookClient.csrf_token(other)  # a real token, made for another session
    return {
        "missing": (None, None),
        "wrong-field": ("forged", None),
        "wrong-header": (None, "forged"),
        "both-wrong": ("forged", "forged"),
        "other-session": (foreign, foreign),
    }


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_bad_token_is_refused_and_saves_nothing(app, client, world, login_as, two_sets, endpoint):
    url, data = _prepare(endpoint, world, two_sets, login_as, client)
    before = table_snapshot(skip=("audit_events",))
    for how, (token, header) in _bad_tokens(app).items():
        for htmx in (False, True):
            resp = _send(client, url, data, token=token, header=header, htmx=htmx)
            assert _refused(resp), (endpoint, how, htmx, resp.status_code)
            assert table_snapshot(skip=("audit_events",)) == before, (endpoint, how, htmx)


@pytest.mark.parametrize("endpoint", sorted(CASES))
@pytest.mark.parametrize("where", ["form", "header"])
def test_good_token_from_form_or_header_gets_through(
    app, client, world, login_as, two_sets, endpoint, where
):
    url, data = _prepare(endpoint, world, two_sets, login_as, client)
    token = client.csrf_token()
    before = table_snapshot(skip=("audit_events",))
    resp = _send(
        client,
        url,
        data,
        token=token if where == "form" else None,
        header=token if where == "header" else None,
        htmx=where == "header",
    )
    assert resp.status_code < 400, (endpoint, resp.status_code)
    changed = table_snapshot(skip=("audit_events",)) != before
    assert changed is (endpoint not in NO_CHANGE_EVEN_WITH_TOKEN), (endpoint, resp.status_code)


def test_cross_site_form_post_is_refused(client, world, login_as, two_sets):
    """A page elsewhere can make the browser post a form with its cookie, not with a token."""
    login_as(world.worker_a)
    before = table_snapshot()
    resp = _send(
        client,
        "/visits",
        {
            "resident_id": two_sets["a"].resident.id,
            "purpose": "routine",
            "outcome": "done",
            "summary": "forged",
            "visited_on": (local_today() - timedelta(days=0)).isoformat(),
            "client_uuid": _uuid(),
        },
    )
    assert _refused(resp)
    assert table_snapshot() == before
