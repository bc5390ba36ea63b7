"""A visit's checklists on its page: a finished one reads as its result, another of its kind
is begun only on purpose, and one started with nothing checked can be discarded (walk: one tap
on the big "Fire safety" of a finished checklist began a second, blank one that stayed)."""

import html
import json
import re
import uuid

import pytest
import sqlalchemy as sa

from app.enums import VISIT_PURPOSES
from app.extensions import db
from app.models import Answer, AuditEvent, ChecklistTemplate, DailyLog, Screening, Visit
from app.tallies.models import TallyScreeningDays, TallyVisitDays
from app.timeutil import local_today
from tests.outbox_fixtures import REPLAY

EN = {"Accept-Language": "en"}


def _template(code="fire") -> ChecklistTemplate:
    return db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == code))


def _start(client, visit, code="fire", lang=None, **kw):
    return client.post(
        f"/screening?lang={lang}" if lang else "/screening",
        data={
            "visit_id": visit.id,
            "template_id": _template(code).id,
            "client_uuid": str(uuid.uuid4()),
        },
        **kw,
    )


def _part(page: str, marker: str, end: str) -> str:
    found = page.split(marker, 1)
    assert len(found) == 2, marker
    return found[1].split(end, 1)[0]


def _start_buttons(page: str) -> str:
    return _part(page, 'id="start-screening"', "</form>")


def _screenings(**where) -> list[Screening]:
    return list(db.session.scalars(sa.select(Screening).filter_by(**where).order_by(Screening.id)))


@pytest.fixture
def visit(client, world, login_as, make_resident, make_visit):
    login_as(world.worker_a)
    return make_visit(resident=make_resident(name="杨国华"), purpose="screening")


@pytest.fixture
def empty(client, visit):
    """A fire checklist started on the visit, nothing checked in it."""
    assert _start(client, visit).status_code == 303
    return _screenings()[0]


def _sent_twice_lands_on_one_checklist(client, data, htmx):
    """The visit form sent twice (a retry): both answers lead to the one checklist it opened."""
    first = client.post("/visits", data=data, htmx=htmx)
    again = client.post("/visits", data=data, htmx=htmx)
    [screening] = _screenings()
    url = f"/screening/{screening.id}"
    if htmx:
        assert first.headers["HX-Redirect"] == again.headers["HX-Redirect"] == url
    else:
        assert first.status_code == again.status_code == 303
        assert first.headers["Location"] == again.headers["Location"] == url
    return screening


def _finish_with(client, screening, hazards: int, concerns: int = 0):
    """Answer the checklist (hazards on its first items, as stored), then finish it."""
    items = screening.template.items
    for i, item in enumerate(items):
        value = "hazard" if i < hazards else "ok"
        db.session.add(Answer(screening_id=screening.id, item_id=item.id, value=value))
    db.session.commit()
    assert client.post(f"/screening/{screening.id}/finish").status_code == 303
    if concerns:
        # A welfare checklist's "needs attention": counted beside the hazards.
        first = db.session.scalar(sa.select(Answer).where(Answer.screening_id == screening.id))
        first.value = "concern"
        db.session.commit()


def test_a_finished_checklist_reads_as_its_result_and_is_not_a_start_button(client, empty):
    _finish_with(client, empty, hazards=2)
    page = client.get(f"/visits/{empty.visit_id}").text
    row = _part(page, f'id="visit-screening-{empty.id}"', "</li>")
    assert f'href="/screening/{empty.id}"' in row
    assert "消防安全" in row
    assert "已完成" in row
    assert "发现 2 项隐患" in row
    # The big button is for kinds not checked yet; fire is begun again only from "check again".
    buttons = _start_buttons(page)
    assert f'name="template_id" value="{_template().id}"' not in buttons
    assert f'name="template_id" value="{_template("gas").id}"' in buttons
    again = _part(page, f'id="check-again-{_template().id}"', "</form>")
    assert "再查一次" in again
    confirm = html.unescape(row.split('data-confirm="', 1)[1].split('"', 1)[0])
    assert confirm == "这次走访已查过“消防安全”。要再查一次（另开一份新的检查表）吗？"

    english = client.get(f"/visits/{empty.visit_id}", headers=EN).text
    row = _part(english, f'id="visit-screening-{empty.id}"', "</li>")
    assert "Fire safety" in row
    assert "2 hazards found" in row
    assert "Check again" in row


def test_a_clean_result_says_so(client, empty):
    _finish_with(client, empty, hazards=0)
    english = client.get(f"/visits/{empty.visit_id}", headers=EN).text
    assert "no hazards found" in _part(english, f'id="visit-screening-{empty.id}"', "</li>")


def test_check_again_begins_a_second_checklist_of_the_kind(client, empty):
    _finish_with(client, empty, hazards=1)
    page = client.get(f"/visits/{empty.visit_id}").text
    again = _part(page, f'id="check-again-{_template().id}"', "</form>")
    key = again.split('name="client_uuid" value="', 1)[1].split('"', 1)[0]
    resp = client.post(
        "/screening",
        data={"visit_id": empty.visit_id, "template_id": _template().id, "client_uuid": key},
    )
    assert resp.status_code == 303
    second = _screenings()[-1]
    assert second.id != empty.id
    assert resp.headers["Location"] == f"/screening/{second.id}"
    # The new one is continued from the big button; the finished one keeps its result.
    page = client.get(f"/visits/{empty.visit_id}").text
    assert "继续：消防安全" in _start_buttons(page)
    assert f'id="check-again-{_template().id}"' not in page
    assert "发现 1 项隐患" in _part(page, f'id="visit-screening-{empty.id}"', "</li>")


def test_an_empty_checklist_is_offered_for_discard_on_its_visit_and_its_page(client, empty):
    page = client.get(f"/visits/{empty.visit_id}").text
    row = _part(page, f'id="visit-screening-{empty.id}"', "</li>")
    assert "已开始，还没有勾选任何一项" in row
    assert f'action="/screening/{empty.id}/discard"' in row
    assert 'name="csrf_token"' in row
    assert f'name="screening_uuid" value="{empty.uuid}"' in row
    assert "放弃这次“消防安全”？其中还没有勾选任何一项。" in html.unescape(row)
    checklist = client.get(f"/screening/{empty.id}").text
    assert f'action="/screening/{empty.id}/discard"' in _part(
        checklist, 'id="screening-discard"', "</div>"
    )


def test_the_first_answer_takes_the_discard_away(client, empty):
    item = empty.template.items[0]
    resp = client.post(f"/screening/{empty.id}/items/{item.id}", data={"value": "ok"}, htmx=True)
    assert resp.status_code == 200
    swapped = _part(resp.text, 'id="screening-discard" hx-swap-oob="true"', "</div>")
    assert "discard" not in swapped
    page = client.get(f"/visits/{empty.visit_id}").text
    assert "/discard" not in _part(page, f'id="visit-screening-{empty.id}"', "</li>")


def test_discard_removes_it_audited_and_uncounted_and_a_retry_says_the_same(client, empty):
    day = empty.visit.visited_on
    counted = sa.select(sa.func.sum(TallyScreeningDays.n)).where(TallyScreeningDays.unit == day)
    assert db.session.scalar(counted) == 1
    data = {"screening_uuid": empty.uuid}
    ids = (empty.id, empty.visit_id, empty.uuid)
    resp = client.post(f"/screening/{ids[0]}/discard", data=data)
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/visits/{ids[1]}"
    db.session.expire_all()
    assert _screenings() == []
    assert not db.session.scalar(counted)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "screening_discarded")
    )
    assert event.object_id == str(ids[0])
    assert json.loads(event.detail) == {"visit": ids[1], "template": "fire", "uuid": ids[2]}
    page = client.get(resp.headers["Location"]).text
    assert "已放弃这次排查。" in page
    # Fire may be started afresh.
    assert f'name="template_id" value="{_template().id}"' in _start_buttons(page)

    # A double tap or a retry: the same answer, nothing more recorded.
    again = client.post(f"/screening/{ids[0]}/discard", data=data)
    assert again.status_code == 303
    assert again.headers["Location"] == f"/visits/{ids[1]}"
    events = sa.select(sa.func.count()).where(AuditEvent.action == "screening_discarded")
    assert db.session.scalar(events) == 1


def test_a_retried_discard_leaves_a_later_checklist_with_the_same_id_alone(client, empty):
    """SQLite gave a new row the highest id again (before AUTOINCREMENT on screenings): a
    retry names the checklist by its UUID, and the id is no longer given twice either."""
    first, visit = (empty.id, empty.uuid), empty.visit
    assert client.post(f"/screening/{first[0]}/discard", data={"screening_uuid": first[1]})
    assert _start(client, visit).status_code == 303
    later = _screenings()[0]
    assert later.id > first[0]
    resp = client.post(f"/screening/{first[0]}/discard", data={"screening_uuid": first[1]})
    assert resp.status_code == 303
    db.session.expire_all()
    assert _screenings() == [later]
    # A UUID never discarded here is not found.
    resp = client.post(f"/screening/{later.id}/discard", data={"screening_uuid": "x" * 36})
    assert resp.status_code == 404
    assert _screenings() == [later]


def test_a_checklist_with_an_answer_is_not_discarded(client, empty):
    item = empty.template.items[0]
    client.post(f"/screening/{empty.id}/items/{item.id}", data={"value": "na"})
    resp = client.post(f"/screening/{empty.id}/discard", data={"screening_uuid": empty.uuid})
    assert resp.status_code == 409
    assert "这份检查表已保存了答案，不能放弃" in resp.text
    db.session.expire_all()
    assert _screenings() == [empty]


@pytest.mark.parametrize("status", ["submitted", "approved"])
def test_not_discarded_once_the_day_is_with_the_secretary_or_approved(client, empty, status):
    db.session.get(DailyLog, empty.visit.daily_log_id).status = status
    db.session.commit()
    page = client.get(f"/visits/{empty.visit_id}").text
    assert "/discard" not in page
    resp = client.post(f"/screening/{empty.id}/discard", data={"screening_uuid": empty.uuid})
    assert resp.status_code == 409
    db.session.expire_all()
    assert _screenings() == [empty]


def test_a_returned_day_lets_it_be_discarded_again(client, empty):
    db.session.get(DailyLog, empty.visit.daily_log_id).status = "returned"
    db.session.commit()
    resp = client.post(f"/screening/{empty.id}/discard", data={"screening_uuid": empty.uuid})
    assert resp.status_code == 303
    db.session.expire_all()
    assert _screenings() == []


@pytest.mark.parametrize("who", ["worker_b", "worker_a2", "secretary_a"])
def test_out_of_scope_or_not_the_workers_own_is_404(client, world, login_as, empty, who):
    login_as(getattr(world, who))
    resp = client.post(f"/screening/{empty.id}/discard", data={"screening_uuid": empty.uuid})
    assert resp.status_code == 404
    db.session.expire_all()
    assert _screenings() == [empty]


def test_discard_address_reached_by_get_opens_the_checklist(client, empty):
    resp = client.get(f"/screening/{empty.id}/discard")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/screening/{empty.id}"


# Checklists on the visit form by purpose: the welfare check of an elderly person living alone
# is an elderly-care visit's, the hazard checklists a screening's (walk: the welfare checklist
# was only offered under "hazard screening", which counted the welfare visit as a screening).


def _visit_data(resident, **over) -> dict:
    return {
        "resident_id": resident.id,
        "purpose": "elderly_care",
        "summary": "陪老人聊了家常，量了血压",
        "outcome": "done",
        "visited_on": local_today().isoformat(),
        "follow_up_on": "",
        "client_uuid": str(uuid.uuid4()),
        **over,
    }


def _choice(form: str, purpose: str) -> str:
    return _part(form, f'class="checklist-choice" data-purpose="{purpose}"', "</div>")


def _offered(group: str) -> list[str]:
    """The checklist ids a choice group offers, the checked one marked with a *."""
    return [
        ("*" if checked else "") + value
        for checked, value in re.findall(
            r'<input( checked)? id="[^"]+" name="[^"]+" type="radio" value="([^"]*)"', group
        )
    ]


@pytest.fixture
def resident(client, world, login_as, make_resident):
    login_as(world.worker_a)
    return make_resident(name="孙桂兰")


def test_each_purpose_offers_its_own_checklists(client, resident):
    form = client.get(f"/visits/new?resident={resident.id}", htmx=True).text
    elderly = _template("elderly")
    hazard_ids = [
        str(t.id)
        for t in db.session.scalars(sa.select(ChecklistTemplate).order_by(ChecklistTemplate.id))
        if t.code not in ("elderly", "construction")
    ]
    # A screening: the hazard checklists, the first one chosen; never the welfare check, nor
    # the construction site's (a project visit's, on the visit's own page).
    assert _offered(_choice(form, "screening")) == ["*" + hazard_ids[0], *hazard_ids[1:]]
    # An elderly-care visit: the welfare check, or none (the usual call or errand).
    welfare = _choice(form, "elderly_care")
    assert _offered(welfare) == ["*", str(elderly.id)]
    for words in ("探访表", "不填表", "独居老人探访"):
        assert words in welfare
    # No other purpose has a choice of its own; the phone opens the chosen purpose's.
    assert form.count('class="checklist-choice"') == 2
    outbox = json.loads(html.unescape(re.search(r"data-outbox='([^']*)'", form)[1]))
    assert outbox["opens"]["template"] == {
        "screening": "checklist_id",
        "elderly_care": "welfare_checklist_id",
    }


@pytest.mark.parametrize(
    ("lang", "plain", "follow_up", "screening"),
    [
        ("zh", "走访 孙桂兰", "走访 孙桂兰 · 回访", "走访 孙桂兰 · 隐患排查"),
        ("en", "Visit: 孙桂兰", "Visit: 孙桂兰 · Follow-up", "Visit: 孙桂兰 · Hazard screening"),
    ],
)
def test_a_visit_queued_on_the_phone_is_labelled_with_its_purpose(
    client, resident, lang, plain, follow_up, screening
):
    """Visits waiting in the outbox for one person read apart (walk: "走访 赵兰英" three times):
    the phone takes the label of the purpose chosen; the plain one names a checklist started
    on the visit while it waits, whose own name says what it is for."""
    form = client.get(f"/visits/new?resident={resident.id}&lang={lang}", htmx=True).text
    outbox = json.loads(html.unescape(re.search(r"data-outbox='([^']*)'", form)[1]))
    assert outbox["label"] == plain
    assert set(outbox["labels"]) == set(VISIT_PURPOSES)
    assert outbox["labels"]["follow_up"] == follow_up
    assert outbox["labels"]["screening"] == screening


@pytest.mark.parametrize("htmx", [False, True])
def test_an_elderly_care_visit_lands_on_the_welfare_check_counted_as_care(
    client, world, login_as, resident, htmx
):
    elderly = _template("elderly")
    # As sent where :has is missing: the screening's hidden first choice comes along, unread.
    data = _visit_data(resident, welfare_checklist_id=elderly.id, checklist_id=_template().id)
    screening = _sent_twice_lands_on_one_checklist(client, data, htmx)
    assert screening.template_id == elderly.id
    assert screening.visit.purpose == "elderly_care"
    # The tallies: one elderly-care visit (no screening visit), one welfare checklist run.
    visits = dict(db.session.execute(sa.select(TallyVisitDays.purpose, TallyVisitDays.n)).all())
    assert visits == {"elderly_care": 1}
    runs = dict(
        db.session.execute(sa.select(TallyScreeningDays.template_id, TallyScreeningDays.n)).all()
    )
    assert runs == {elderly.id: 1}
    # The secretary reads it on the day as an elderly-care visit with its welfare check.
    login_as(world.secretary_a)
    page = client.get(f"/review/days/{screening.visit.daily_log_id}").text
    entry = _part(page, f'id="day-visit-{screening.visit_id}"', "</article>")
    assert "关爱老人走访" in entry
    assert "隐患排查" not in entry
    assert "独居老人探访" in entry


@pytest.mark.parametrize(
    "over",
    [
        {"welfare_checklist_id": ""},  # "no checklist"
        {},  # a form from before the choice, or a phone's queued one
        # The screening's choice, sent hidden by a browser without :has.
        {"checklist_id": "fire"},
        # A purpose with no checklist: whatever was tapped before the purpose changed.
        {"purpose": "routine", "welfare_checklist_id": "elderly", "checklist_id": "fire"},
    ],
)
def test_a_visit_opens_no_checklist_its_purpose_does_not_ask_for(client, resident, over):
    data = _visit_data(
        resident, **{k: _template(v).id if v else v for k, v in over.items() if k != "purpose"}
    )
    data["purpose"] = over.get("purpose", data["purpose"])
    resp = client.post("/visits", data=data)
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("/visits/")
    assert _screenings() == []


@pytest.mark.parametrize(
    ("purpose", "field", "code", "zh", "en"),
    [
        # A screening is the hazard checklists': the welfare check is care, not a screening.
        ("screening", "checklist_id", "elderly", "请选择检查表。", "Choose a checklist."),
        # The welfare check's message names its own form (it said 排查表, the screening form).
        (
            "elderly_care",
            "welfare_checklist_id",
            "fire",
            "请选择探访表，或选“不填表”。",
            "Choose a welfare checklist, or “No checklist”.",
        ),
    ],
)
def test_another_purposes_checklist_is_refused_with_the_form_kept(
    client, resident, purpose, field, code, zh, en
):
    data = _visit_data(resident, purpose=purpose, **{field: _template(code).id})
    for lang, says in (("zh", zh), ("en", en)):
        resp = client.post(f"/visits?lang={lang}", data=data, htmx=True)
        assert resp.status_code == 200
        assert html.escape(says, quote=False) in resp.text
        assert "陪老人聊了家常，量了血压" in resp.text
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0


# A project's visit form offers the site's checklist as a resident's offers by purpose (it
# offered none: the construction checklist was started only from the saved visit's page).


@pytest.fixture
def project(client, world, login_as, make_project):
    login_as(world.worker_a)
    return make_project(name="Bridge repair")


def _site_visit_data(project, **over) -> dict:
    return {
        "project_id": project.id,
        "purpose": "project",
        "summary": "夜间施工，围挡缺了一段",
        "outcome": "done",
        "visited_on": local_today().isoformat(),
        "follow_up_on": "",
        "concern_summary": "",
        "concern_factor_id": "0",
        "client_uuid": str(uuid.uuid4()),
        **over,
    }


def test_a_projects_visit_form_offers_the_site_check(client, project, make_resident):
    for lang, words in (("zh", ("工地检查表", "不填表", "施工扰民")), ("en", ("Site checklist",))):
        form = client.get(f"/visits/new?project={project.id}&lang={lang}", htmx=True).text
        site = _choice(form, "project")
        # The site check, or none (a visit about the residents' concern needs no checklist).
        assert _offered(site) == ["*", str(_template("construction").id)]
        for word in words:
            assert word in site
    # Only the site's: a project's form offers no household's checklist, whatever the purpose.
    assert form.count('class="checklist-choice"') == 1
    outbox = json.loads(html.unescape(re.search(r"data-outbox='([^']*)'", form)[1]))
    assert outbox["opens"]["template"] == {"project": "site_checklist_id"}
    # A resident's form stays as it was: no site check for a household.
    resident = make_resident(name="杨国华")
    assert (
        'data-purpose="project"'
        not in client.get(f"/visits/new?resident={resident.id}", htmx=True).text
    )


@pytest.mark.parametrize("htmx", [False, True])
def test_a_project_visit_with_the_site_check_lands_on_it(client, project, htmx):
    construction = _template("construction")
    data = _site_visit_data(project, site_checklist_id=construction.id)
    screening = _sent_twice_lands_on_one_checklist(client, data, htmx)
    assert screening.template_id == construction.id
    assert (screening.visit.purpose, screening.visit.project_id) == ("project", project.id)


@pytest.mark.parametrize(
    "over",
    [
        {"site_checklist_id": ""},  # "no checklist"
        {},  # a form from before the choice
        # Another purpose chosen after the site check was tapped: a screening opens none here.
        {"purpose": "screening", "site_checklist_id": "construction"},
    ],
)
def test_a_project_visit_opens_no_checklist_unless_its_site_check_is_chosen(client, project, over):
    data = _site_visit_data(
        project, **{k: _template(v).id if v else v for k, v in over.items() if k != "purpose"}
    )
    data["purpose"] = over.get("purpose", data["purpose"])
    resp = client.post("/visits", data=data)
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("/visits/")
    assert _screenings() == []
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1


def test_a_households_checklist_is_refused_on_a_project_visit_with_the_form_kept(client, project):
    data = _site_visit_data(project, site_checklist_id=_template("fire").id)
    for lang, says in (
        ("zh", "请选择工地检查表，或选“不填表”。"),
        ("en", "Choose a site checklist, or “No checklist”."),
    ):
        resp = client.post(f"/visits?lang={lang}", data=data, htmx=True)
        assert resp.status_code == 200
        assert html.escape(says, quote=False) in resp.text
        assert "夜间施工，围挡缺了一段" in resp.text
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0


# On a saved visit's page, and at the start of a checklist however it is sent, the checklists
# of the visit's purpose only, by the mapping the visit form uses (walk: an elderly-care visit's
# page offered every hazard checklist; a resident's screening offered the construction site's).

HAZARD_CODES = {"fire", "gas", "electrical", "building", "flood"}


def _offered_on_page(page: str) -> set[str]:
    """The codes of the checklists the visit's start buttons offer."""
    if 'id="start-screening"' not in page:
        return set()
    ids = re.findall(r'name="template_id" value="(\d+)"', _start_buttons(page))
    return {db.session.get(ChecklistTemplate, int(i)).code for i in ids}


@pytest.fixture
def visit_of(world, login_as, make_resident, make_project, make_visit):
    """worker_a's visit of `purpose`: at a project's site for "project", else a resident's."""
    login_as(world.worker_a)

    def _make(purpose):
        if purpose == "project":
            return make_visit(project=make_project(name="Bridge repair"), purpose=purpose)
        return make_visit(resident=make_resident(name="杨国华"), purpose=purpose)

    return _make


@pytest.mark.parametrize(
    ("purpose", "offered"),
    [
        ("screening", HAZARD_CODES),
        ("elderly_care", {"elderly"}),
        ("project", {"construction"}),
    ],
)
def test_a_visits_page_offers_the_checklists_of_its_purpose(client, visit_of, purpose, offered):
    visit = visit_of(purpose)
    assert _offered_on_page(client.get(f"/visits/{visit.id}").text) == offered


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        # Not 项目现场: a resident's visit of that purpose runs no site check.
        ("zh", "事由为“关爱老人走访”或“隐患排查”的走访才填写检查表。"),
        ("en", "Checklists are filled in on visits whose purpose is “Elderly care visit” or"),
    ],
)
def test_a_purpose_that_runs_no_checklist_says_how_to_run_one(client, visit_of, lang, says):
    page = client.get(f"/visits/{visit_of('routine').id}?lang={lang}").text
    assert _offered_on_page(page) == set()
    assert says in html.unescape(_part(page, 'class="meta no-checklist">', "</p>"))


@pytest.mark.parametrize(
    ("purpose", "zh", "en"),
    [
        ("screening", "隐患排查", "Hazard screening"),
        # It said 隐患排查 / Hazard screening over a welfare check and a site's checklist.
        ("elderly_care", "探访", "Welfare check"),
        ("project", "工地检查", "Site check"),
        ("routine", "检查表", "Checklists"),
    ],
)
def test_a_visits_checklists_are_headed_for_its_purpose(client, visit_of, purpose, zh, en):
    visit = visit_of(purpose)
    for lang, says in (("zh", zh), ("en", en)):
        page = client.get(f"/visits/{visit.id}?lang={lang}").text
        assert _part(page, '<section id="visit-screenings">', "</h2>").strip() == f"<h2>{says}"


def _outbox_label(page: str, form_id: str) -> str:
    """The label the phone's outbox gives a start of a checklist queued from the form."""
    form = _part(page, f'id="{form_id}"', ">")
    return json.loads(html.unescape(re.search(r"data-outbox='([^']*)'", form)[1]))["label"]


@pytest.mark.parametrize(
    ("purpose", "code", "zh", "en"),
    [
        ("screening", "fire", "开始排查：杨国华", "Checklist: 杨国华"),
        # It said 开始排查 (start a screening) for a welfare check and a site's checklist.
        ("elderly_care", "elderly", "开始探访：杨国华", "Welfare check: 杨国华"),
        ("project", "construction", "开始工地检查：Bridge repair", "Site check: Bridge repair"),
    ],
)
def test_a_checklist_queued_on_the_phone_is_labelled_for_the_visits_purpose(
    client, visit_of, purpose, code, zh, en
):
    visit = visit_of(purpose)
    db.session.add(
        Screening(
            uuid=str(uuid.uuid4()),
            visit_id=visit.id,
            template_id=_template(code).id,
            completed_at=visit.visited_at,
        )
    )
    db.session.commit()
    check_again = f"check-again-{_template(code).id}"
    for lang, says in (("zh", zh), ("en", en)):
        page = client.get(f"/visits/{visit.id}?lang={lang}").text
        assert _outbox_label(page, "start-screening") == says
        assert _outbox_label(page, check_again) == says


def test_a_finished_checklist_of_another_purpose_is_not_checked_again(client, visit_of):
    """A welfare check run on a screening visit before the visit form told them apart: its
    result stays on the page, but it is not begun again there."""
    visit = visit_of("screening")
    db.session.add(
        Screening(
            uuid=str(uuid.uuid4()),
            visit_id=visit.id,
            template_id=_template("elderly").id,
            completed_at=visit.visited_at,
        )
    )
    db.session.commit()
    page = client.get(f"/visits/{visit.id}").text
    assert "独居老人探访" in _part(page, 'class="card-list screening-runs"', "</ul>")
    assert 'class="inline check-again"' not in page
    assert _offered_on_page(page) == HAZARD_CODES


@pytest.mark.parametrize(
    ("purpose", "code", "zh", "en"),
    [
        (
            "elderly_care",
            "fire",
            "“消防安全”在事由为“隐患排查”的走访中填写，这次走访的事由是“关爱老人走访”。",
            "“Fire safety” is filled in on visits whose purpose is “Hazard screening”; this "
            "visit's purpose is “Elderly care visit”.",
        ),
        (
            "screening",
            "construction",
            "“施工扰民”在事由为“项目现场”的走访中填写，这次走访的事由是“隐患排查”。",
            "“Construction-site nuisance” is filled in on visits whose purpose is “Project site”",
        ),
        (
            "screening",
            "elderly",
            "“独居老人探访”在事由为“关爱老人走访”的走访中填写",
            "“Welfare check",
        ),
        ("project", "gas", "这次走访的事由是“项目现场”。请选择这次走访提供的表", "“Gas safety”"),
        (
            "routine",
            "fire",
            "这次走访的事由是“日常走访”。",
            "this visit's purpose is “Routine visit”.",
        ),
    ],
)
def test_a_checklist_its_purpose_does_not_run_is_refused_saying_why(
    client, visit_of, purpose, code, zh, en
):
    """Refused however the start comes: a page kept from before, the phone's outbox, a post."""
    visit = visit_of(purpose)
    for lang, says in (("zh", zh), ("en", en)):
        resp = _start(client, visit, code, lang=lang)
        assert resp.status_code == 303
        assert resp.headers["Location"] == f"/visits/{visit.id}"
        page = client.get(resp.headers["Location"]).text
        assert says in html.unescape(_part(page, 'class="flash flash-error"', "</p>"))
    replayed = _start(client, visit, code, lang="zh", headers=REPLAY)
    assert replayed.json["status"] == "refused"
    assert "在事由为" in replayed.json["reason"]
    assert _screenings() == []


# The site check is a project's visit's, the household's checklists a resident's, whatever
# the purpose (walk: a resident's visit whose purpose is 项目现场 offered the construction
# site's checklist on its page and on the phone, while its form offered none).


@pytest.fixture
def visit_on(world, login_as, make_resident, make_project, make_visit):
    """worker_a's visit of `purpose` to a resident, or (`site`) to a project's site."""
    login_as(world.worker_a)

    def _make(purpose, site=False):
        if site:
            return make_visit(project=make_project(name="Bridge repair"), purpose=purpose)
        return make_visit(resident=make_resident(name="杨国华"), purpose=purpose)

    return _make


@pytest.mark.parametrize(
    ("purpose", "site", "zh", "en"),
    [
        # Not pointed to 项目现场: no purpose of a resident's visit runs the site check.
        (
            "project",
            False,
            "事由为“关爱老人走访”或“隐患排查”的走访才填写检查表。",
            "purpose is “Elderly care visit” or “Hazard screening”.",
        ),
        (
            "routine",
            False,
            "事由为“关爱老人走访”或“隐患排查”的走访才填写检查表。",
            "purpose is “Elderly care visit” or “Hazard screening”.",
        ),
        # A project's visit runs the site check only.
        ("screening", True, "事由为“项目现场”的走访才填写检查表。", "purpose is “Project site”."),
        ("other", True, "事由为“项目现场”的走访才填写检查表。", "purpose is “Project site”."),
    ],
)
def test_a_visit_offers_only_the_checklists_of_its_kind_of_visit(
    client, visit_on, purpose, site, zh, en
):
    visit = visit_on(purpose, site)
    for lang, says in (("zh", zh), ("en", en)):
        page = client.get(f"/visits/{visit.id}?lang={lang}").text
        assert _offered_on_page(page) == set()
        assert says in html.unescape(_part(page, 'class="meta no-checklist">', "</p>"))


@pytest.mark.parametrize(
    ("purpose", "code", "site", "zh", "en"),
    [
        (
            "project",
            "construction",
            False,
            "“施工扰民”在项目现场走访中填写（在项目页面记录走访）；这次是对居民的走访。",
            "“Construction-site nuisance” is filled in on a visit to a project's site, logged "
            "on the project's page; this is a visit to a resident.",
        ),
        (
            "screening",
            "fire",
            True,
            "“消防安全”在对居民的走访中填写；这次是项目现场走访。",
            "“Fire safety” is filled in on a visit to a resident; this is a visit to a "
            "project's site.",
        ),
    ],
)
def test_a_checklist_of_the_other_kind_of_visit_is_refused_saying_why(
    client, visit_on, purpose, code, site, zh, en
):
    visit = visit_on(purpose, site)
    for lang, says in (("zh", zh), ("en", en)):
        resp = _start(client, visit, code, lang=lang)
        assert resp.status_code == 303
        assert resp.headers["Location"] == f"/visits/{visit.id}"
        page = client.get(resp.headers["Location"]).text
        assert says in html.unescape(_part(page, 'class="flash flash-error"', "</p>"))
    replayed = _start(client, visit, code, lang="zh", headers=REPLAY)
    assert replayed.json["status"] == "refused"
    assert zh in replayed.json["reason"]
    assert _screenings() == []


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        (
            "zh",
            "这次走访填了“消防安全”，这份表在事由为“隐患排查”的走访中填写：保留这份表时，"
            "走访事由不能改为“日常走访”。",
        ),
        ("en", "its purpose cannot become “Routine visit”."),
    ],
)
def test_a_visits_purpose_stays_one_its_checklists_fit(client, empty, lang, says):
    """Changed afterwards, the purpose would leave a checklist its start would have refused."""
    visit = empty.visit
    data = {
        "purpose": "routine",
        "outcome": "done",
        "summary": "改成日常走访",
        "visited_on": visit.visited_on.isoformat(),
    }
    resp = client.post(f"/visits/{visit.id}/edit?lang={lang}", data=data)
    assert resp.status_code == 422
    assert says in html.unescape(resp.text)
    assert "改成日常走访" in resp.text
    db.session.refresh(visit)
    assert (visit.purpose, visit.summary) == ("screening", "All well.")
    # Another correction, the purpose kept, is saved.
    resp = client.post(f"/visits/{visit.id}/edit", data={**data, "purpose": "screening"})
    assert resp.status_code == 303
    db.session.refresh(visit)
    assert visit.summary == "改成日常走访"


@pytest.mark.parametrize(
    ("lang", "said"),
    [("zh", "本次走访没有填写检查表。"), ("en", "No checklist was filled in on this visit.")],
)
def test_an_approved_visit_without_a_checklist_says_so_under_its_heading(client, visit, lang, said):
    """Walk: on an approved day the heading (探访, 隐患排查...) stood over nothing."""
    db.session.get(DailyLog, visit.daily_log_id).status = "approved"
    db.session.commit()
    page = client.get(f"/visits/{visit.id}?lang={lang}").text
    section = page.split('id="visit-screenings"')[1].split("</section>")[0]
    assert said in section
    assert "start-screening" not in section
