"""Every route that takes a record id, for every role: out of scope is a logged 404.

The routes come from app.url_map, so a new route is covered the day it is added (and the
test fails until its id argument is known here). Who may see what is written out below
from DESIGN.md, independently of app/scope.py, so that a wrong scope rule fails too.
"""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from tests.security.conftest import ROLE_USERS, RecordSet, url_args

# The record a route is about, by the first of its arguments found here.
SUBJECT_ARGS = (
    "factor_id",
    "project_id",
    "item_id",
    "screening_id",
    "screening_uuid",
    "photo_id",
    "hazard_id",
    "referral_id",
    "request_id",
    "log_id",
    "daily_log_id",
    "worker_id",
    "visit_id",
    "resident_id",
    "user_id",
    "household_id",
    "grid_id",
    "handover_id",
)
SUBJECT = {
    "resident_id": "personal",
    "visit_id": "personal",
    "hazard_id": "personal",
    "referral_id": "personal",
    "photo_id": "personal",
    "request_id": "personal",
    "screening_id": "personal",
    "screening_uuid": "personal",
    "item_id": "personal",
    "log_id": "log",
    "daily_log_id": "log",
    "worker_id": "log",
    "project_id": "project",
    "factor_id": "project",
    "user_id": "user",
    "household_id": "personal",
    "grid_id": "personal",
    # A handover is seen as a day's log is: its worker, and the community's secretary.
    "handover_id": "log",
}
# Routes only some of those who may read the record may use, and who they are; a route that
# takes several steps is named endpoint/step.
OWN_WORKER = {
    "visits.edit",
    "visits.delete",
    "screening.answer",
    "screening.hazard",
    "screening.finish",
    "screening.remaining",
    "screening.discard",
    "review.step/submit",
    "handovers.dismiss_note",
}
SECRETARY = {
    "projects.edit",
    "projects.factor_new",
    "projects.factor_edit",
    "projects.factor_create",
    "projects.factor_update",
    "projects.assessment",
    "projects.decision",
    "review.step/approve",
    "review.step/return",
    "review.step/reopen",
    "hazards.step/verify",
    "hazards.step/send-back",
    "hazards.step/department",
    "residents.access",
    "residents.erase",
    "residents.copy",
}
FIELD = {
    "residents.edit",
    "residents.archive",
    "hazards.step/rectify",
    "hazards.step/report",
    "requests.step",
    "referrals.step/accept",
    "referrals.step/done",
    "referrals.step/follow-up",
}
ADMIN = {"admin.user_edit"}
# A step's address opened by GET (a reload, the back button, a shared link) is not in the
# lists above: whoever may see the record is led to its page, and only one who may take the
# step to the step's place on it. The step each address stands for, the record's page, and
# the step's place where the page has one.
ADDRESSES = {
    "visits.delete_address": "visits.delete",
    "screening.item_address": "screening.answer",
    "screening.finish_address": "screening.finish",
    "screening.discard_address": "screening.discard",
    "hazards.step_address": "hazards.step",
    "review.step_address": "review.step",
    "requests.step_address": "requests.step",
    "residents.archive_address": "residents.archive",
}
RECORD_PAGES = {
    "visits.delete_address": lambda r: f"/visits/{r.visit.id}",
    "screening.item_address": lambda r: f"/screening/{r.screening.id}",
    "screening.finish_address": lambda r: f"/screening/{r.screening.id}",
    "screening.discard_address": lambda r: f"/screening/{r.screening.id}",
    "hazards.step_address": lambda r: f"/hazards/{r.hazard.id}",
    "review.step_address": lambda r: f"/review/{r.worker.id}/{r.log.day.isoformat()}",
    "requests.step_address": lambda r: f"/requests/{r.request.id}",
    "residents.archive_address": lambda r: f"/residents/{r.resident.id}",
}
STEP_PLACES = {
    "screening.item_address": lambda r: f"/screening/{r.screening.id}#item-{r.item.id}",
    "screening.finish_address": lambda r: f"/screening/{r.screening.id}#finish-screening",
    "residents.archive_address": lambda r: f"/residents/{r.resident.id}/edit",
}


def may_read(user, kind: str, records: RecordSet) -> bool:
    """DESIGN.md's table: who may see a record of this kind in this set's grid."""
    same_community = user.community_id == records.community.id
    match kind:
        case "personal":
            if user.role == "worker":
                return records.grid.id in {g.id for g in user.grids}
            return user.role == "secretary" and same_community
        case "log":
            if user.role == "worker":
                return user.id == records.worker.id
            return user.role == "secretary" and same_community
        case "project":
            if user.role in ("worker", "secretary"):
                return same_community
            return user.role == "township"
        case "user":
            return user.role == "admin"
    raise AssertionError(kind)


def may_use(user, endpoint: str, kind: str, records: RecordSet) -> bool:
    """May read the record, and the route is one for this user's role."""
    if not may_read(user, kind, records):
        return False
    if endpoint in OWN_WORKER:
        return user.id == records.worker.id
    if endpoint in SECRETARY:
        return user.role == "secretary"
    if endpoint in FIELD:
        return user.role in ("worker", "secretary")
    if endpoint in ADMIN:
        return user.role == "admin"
    return True


def id_rules(app, methods: set[str]):
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if r.endpoint != "static"
            and any(a.endswith(("_id", "_uuid")) for a in r.arguments)
            and methods & r.methods
        ),
        key=lambda r: (r.rule, r.endpoint),
    )


def _subject(rule) -> str:
    return SUBJECT[next(a for a in SUBJECT_ARGS if a in rule.arguments)]


def _denials() -> int:
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "access_denied")
    )


def _users(world):
    return [getattr(world, name) for name in ROLE_USERS]


def test_every_id_argument_is_known(app):
    """A new kind of id in a URL must be added to this matrix."""
    for rule in id_rules(app, {"GET", "POST"}):
        assert set(rule.arguments) <= set(SUBJECT) | {"day", "slug", "step"}, rule.rule


def _steps(rule) -> list[tuple[str, str]]:
    """(name in the lists above, step) for each step a route takes; one for other routes."""
    from app.hazards.routes import STEPS as HAZARD_STEPS
    from app.review.routes import STEPS as REVIEW_STEPS

    if "step" not in rule.arguments:
        return [(rule.endpoint, "")]
    steps = {"hazards": HAZARD_STEPS, "review": REVIEW_STEPS}[rule.endpoint.partition(".")[0]]
    return [(f"{rule.endpoint}/{step}", step) for step in steps]


def test_get_routes_with_ids_answer_404_out_of_scope_and_open_in_scope(
    app, client, world, login_as, two_sets
):
    rules = [(rule, *named) for rule in id_rules(app, {"GET"}) for named in _steps(rule)]
    assert len(rules) >= 15  # the matrix really is built from the app's routes
    checked = {"allowed": 0, "refused": 0}
    for user in _users(world):
        login_as(user)
        for rule, endpoint, step in rules:
            kind = _subject(rule)
            for records in two_sets.values():
                url = rule.build(url_args(rule, records, step=step))[1]
                allowed = may_use(user, endpoint, kind, records)
                for htmx in (False, True):
                    before = _denials()
                    resp = client.get(url, htmx=htmx)
                    where = f"{user.username} GET {url} htmx={htmx}"
                    if allowed:
                        assert resp.status_code in (200, 302, 303, 304), where
                        checked["allowed"] += 1
                    else:
                        assert resp.status_code == 404, where
                        assert _denials() == before + 1, f"refusal not logged: {where}"
                        checked["refused"] += 1
    assert checked["allowed"] > 50
    assert checked["refused"] > 200


POST_RULES = [
    pytest.param(ep, id=ep)
    for ep in (
        "residents.edit",
        "residents.archive",
        "residents.erase",
        "visits.edit",
        "visits.delete",
        "hazards.step/rectify",
        "hazards.step/verify",
        "hazards.step/send-back",
        "hazards.step/report",
        "hazards.step/department",
        "referrals.step/accept",
        "referrals.step/done",
        "referrals.step/follow-up",
        "photos.delete",
        "projects.edit",
        "projects.factor_create",
        "projects.factor_update",
        "projects.assessment",
        "projects.decision",
        "requests.step",
        "review.step/approve",
        "review.step/return",
        "review.step/reopen",
        "review.step/submit",
        "screening.answer",
        "screening.hazard",
        "screening.finish",
        "screening.remaining",
        "screening.discard",
        "admin.user_edit",
        "handovers.dismiss_note",
    )
]


def test_post_list_is_every_post_route_with_an_id(app):
    from app.hazards.routes import STEPS as HAZARD_STEPS
    from app.referrals.routes import STEPS as REFERRAL_STEPS
    from app.review.routes import STEPS as REVIEW_STEPS

    listed = {p.values[0] for p in POST_RULES}
    found = {r.endpoint for r in id_rules(app, {"POST"})}
    assert found == {name.partition("/")[0] for name in listed}
    for endpoint, steps in (
        ("review.step", REVIEW_STEPS),
        ("hazards.step", HAZARD_STEPS),
        ("referrals.step", REFERRAL_STEPS),
    ):
        assert {f"{endpoint}/{s}" for s in steps} <= listed, endpoint


def test_step_addresses_by_get_lead_whoever_may_see_the_record_to_its_page(
    app, client, world, login_as, two_sets
):
    """Step by step and role by role: out of scope 404; in scope a 303 to the record's page,
    at the step's place only for one who may take the step; the page opens; nothing written."""
    from tests.security.conftest import table_snapshot

    rules = [
        (rule, *named)
        for rule in id_rules(app, {"GET"})
        if rule.endpoint in ADDRESSES or rule.endpoint.endswith("_address")
        for named in _steps(rule)
    ]
    assert {rule.endpoint for rule, *_ in rules} == set(ADDRESSES)
    snap = table_snapshot()
    checked = {"refused": 0, "page": 0, "step": 0}
    for user in _users(world):
        login_as(user)
        for rule, endpoint, step in rules:
            kind = _subject(rule)
            for records in two_sets.values():
                url = rule.build(url_args(rule, records, step=step))[1]
                resp = client.get(url)
                where = f"{user.username} GET {url}"
                if not may_read(user, kind, records):
                    assert resp.status_code == 404, where
                    checked["refused"] += 1
                    continue
                assert resp.status_code == 303, where
                takes = may_use(
                    user, endpoint.replace(rule.endpoint, ADDRESSES[rule.endpoint]), kind, records
                )
                at_step = takes and rule.endpoint in STEP_PLACES
                expected = (STEP_PLACES if at_step else RECORD_PAGES)[rule.endpoint](records)
                assert resp.headers["Location"] == expected, where
                assert client.get(expected).status_code == 200, f"{where} -> {expected}"
                checked["step" if at_step else "page"] += 1
    assert table_snapshot() == snap
    assert min(checked.values()) > 10, checked


@pytest.mark.parametrize("endpoint", POST_RULES)
def test_post_routes_with_ids_answer_404_out_of_scope(
    app, client, world, login_as, two_sets, endpoint
):
    from tests.security.conftest import table_snapshot

    route, _, step = endpoint.partition("/")
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == route and "POST" in r.methods)
    kind = _subject(rule)
    checked = 0
    for user in _users(world):
        login_as(user)
        for records in two_sets.values():
            if may_use(user, endpoint, kind, records):
                continue  # what an allowed user's POST does is each area's own test
            checked += 1
            url = rule.build(url_args(rule, records, step=step))[1]
            for htmx in (False, True):
                before, snap = _denials(), table_snapshot()
                resp = client.post(url, data={"summary": "x", "name": "x"}, htmx=htmx)
                where = f"{user.username} POST {url} htmx={htmx}"
                assert resp.status_code == 404, where
                assert _denials() == before + 1, f"refusal not logged: {where}"
                assert table_snapshot() == snap, f"changed something: {where}"
    assert checked > 0, f"no user is out of scope for {endpoint}: nothing was checked"


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", "/visits/new?resident={resident}", None),
        ("GET", "/visits/new?project={project}", None),
        ("GET", "/requests/new?resident={resident}", None),
        ("GET", "/requests/new?visit={visit}", None),
        ("GET", "/referrals/new?visit={visit}", None),
        (
            "POST",
            "/referrals",
            {"visit_id": "{visit}", "service_code": "police", "note": "x"},
        ),
        (
            "POST",
            "/visits",
            {"resident_id": "{resident}", "purpose": "routine", "outcome": "done", "summary": "x"},
        ),
        (
            "POST",
            "/requests",
            {"resident": "{resident}", "channel": "visit", "category": "R04", "summary": "x"},
        ),
        ("POST", "/screening", {"visit_id": "{visit}", "template_id": "1"}),
        ("POST", "/photos", {"owner_type": "visit", "owner_id": "{visit}"}),
        ("POST", "/photos", {"owner_type": "hazard", "owner_id": "{hazard}"}),
    ],
)
def test_ids_in_query_or_form_are_scoped_too(client, world, login_as, two_sets, method, path, data):
    """Community B's worker names community A's records in a query string or a form."""
    from tests.security.conftest import table_snapshot

    a = two_sets["a"]
    ids = {
        "resident": a.resident.id,
        "project": a.project.id,
        "visit": a.visit.id,
        "hazard": a.hazard.id,
    }
    login_as(world.worker_b)
    before, snap = _denials(), table_snapshot()
    url = path.format(**ids)
    if method == "GET":
        resp = client.get(url)
    else:
        resp = client.post(url, data={k: v.format(**ids) for k, v in data.items()})
    assert resp.status_code == 404
    assert _denials() == before + 1
    assert table_snapshot() == snap
