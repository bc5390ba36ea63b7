"""axe-core over every role's main pages, in Chinese and English, at 390x844: no serious or
critical violation (WCAG 2.x A and AA, best practices), and tap targets of 44 px or more.

axe.min.js comes from npm (package.json) through `make assets`; the test evaluates it in the
page over DevTools. No template loads it: users are never sent it.
"""

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Answer, ChecklistItem, ChecklistTemplate, DailyLog, Hazard, Screening
from tests.browser.conftest import login, phone_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "static" / "vendor" / "axe.min.js"
if not AXE.exists():  # before `make assets` has copied it
    AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

RUN_AXE = """async () => {
  const r = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa',
                                    'best-practice']},
    resultTypes: ['violations'],
  });
  return r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' -- ' + n.failureSummary),
  }));
}"""

# Controls a thumb aims at, each 44x44 px at least. Links inside running text are exempt
# (WCAG 2.5.8), so links count only when they stand alone: in nav, as buttons, as rows.
SMALL_TARGETS = """() => {
  const sel = 'button, [role=button], summary, select, input:not([type=hidden]), textarea, '
    + 'nav a, a.row, a.log-open, a[role=button], label.tick, label.chip, label.photo-pick-label, '
    + '.more, .link-line a, .tap-rows th a, #resident-household-link';
  const small = [];
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('.visually-hidden') || el.classList.contains('visually-hidden')) continue;
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!r.width || !r.height || style.visibility === 'hidden') continue;
    if (el.closest('details:not([open]) > :not(summary)')) continue;
    // A checkbox or radio is measured by the label around it (the chip or tick is the target).
    if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) continue;
    if (r.height < 44 || r.width < 44) {
      small.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} `
        + `"${(el.innerText || el.value || '').trim().slice(0, 20)}" ${Math.round(r.width)}x`
        + `${Math.round(r.height)}`);
    }
  }
  return small;
}"""


def _screening_with_hazard(visit):
    tpl = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "fire"))
    s = Screening(uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=tpl.id)
    db.session.add(s)
    db.session.flush()
    item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "F1"))
    answer = Answer(screening_id=s.id, item_id=item.id, value="hazard")
    db.session.add(answer)
    db.session.flush()
    db.session.add(
        Hazard(
            answer_id=answer.id,
            visit_id=visit.id,
            item_id=item.id,
            template_id=tpl.id,
            grid_id=visit.grid_id,
            resident_id=visit.resident_id,
            severity="S2",
            note="楼道堆放纸箱",
            found_on=visit.visited_on,
            due_on=visit.visited_on,
        )
    )
    db.session.commit()
    return s


@pytest.fixture
def places(world, make_resident, make_visit, make_project, make_request, make_hazard):
    """Something on every main page: a resident, a screening with a hazard, a submitted day,
    a request and a project."""
    resident = make_resident(name="王秀英")
    visit = make_visit(resident=resident, purpose="screening")
    screening = _screening_with_hazard(visit)
    urgent = make_hazard(resident=make_resident(name="刘强"), severity="S1")
    from app.models import Referral

    referral = Referral(
        uuid=str(uuid.uuid4()),
        visit_id=visit.id,
        grid_id=visit.grid_id,
        resident_id=resident.id,
        service_code="elderly_services",
        note="需要助餐",
        referred_on=visit.visited_on,
        follow_up_on=visit.visited_on,
        created_by_id=visit.worker_id,
    )
    db.session.add(referral)
    db.session.execute(
        sa.update(DailyLog).where(DailyLog.id == visit.daily_log_id).values(status="submitted")
    )
    db.session.commit()
    project = make_project()
    request = make_request(resident=resident)
    return {
        "worker_a": [
            "/today",
            "/residents",
            f"/residents/{resident.id}",
            f"/visits/new?resident_id={resident.id}",
            f"/visits/{visit.id}",
            f"/screening/{screening.id}",
            "/hazards",
            f"/hazards/{urgent.id}",
            "/referrals",
            f"/referrals/{referral.id}",
            "/requests",
            f"/requests/{request.id}",
            "/projects",
            "/today/follow-ups",
        ],
        "secretary_a": [
            "/review",
            f"/review/days/{visit.daily_log_id}",
            "/hazards",
            "/requests",
            "/projects",
            f"/projects/{project.id}",
            "/tallies",
            "/rounds/workers",
        ],
        "township_1": ["/tallies", "/requests", "/projects"],
        "admin_1": ["/admin/users", "/admin/audit"],
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_main_pages_pass_axe_and_have_large_tap_targets(browser, live_server, places, lang):
    axe_source = AXE.read_text(encoding="utf-8")
    serious: list[str] = []
    small: list[str] = []

    def check(page, who: str, path: str) -> None:
        page.goto(page.base_url + path)
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == ("en" if lang == "en" else "zh-Hans")
        page.evaluate(axe_source)
        for v in page.evaluate(RUN_AXE):
            line = f"{who} {path}: {v['impact']} {v['id']} ({v['help']}) {v['nodes']}"
            print(line)
            if v["impact"] in ("serious", "critical"):
                serious.append(line)
        small.extend(f"{who} {path}: {t}" for t in page.evaluate(SMALL_TARGETS))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide at a 390 px viewport"

    with phone_page(browser, live_server.url) as page:
        check(page, "anonymous", f"/login?lang={lang}")
    for username, paths in places.items():
        with phone_page(browser, live_server.url) as page:
            login(page, username, PASSWORD)
            page.goto(f"{page.base_url}{paths[0]}?lang={lang}")
            for path in paths:
                check(page, username, path)
    print("\n".join(small))
    assert serious == []
    assert small == []
