"""Script and htmx attributes typed into free text come back as text; odd ids never 500.

Every free-text field of a resident, visit, hazard, request, project and concern gets the
payload; each page and fragment that shows it must show it escaped, never as markup.
"""

import uuid

import pytest
import sqlalchemy as sa
from markupsafe import escape

from app.extensions import db
from app.models import Concern, DailyLog, Hazard, Project, Request, Resident, Visit
from app.timeutil import local_today

PAYLOADS = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param('"><img src=x onerror=alert(1)>', id="img-onerror"),
    pytest.param('x" hx-get="/logout" hx-trigger="load', id="hx-attribute"),
    pytest.param("{{7*7}}<svg onload=alert(1)>", id="template-svg"),
    # Past the 50 characters a name or a search may hold: the rest must be escaped too.
    pytest.param("A long note, " * 4 + "<script>alert(1)</script>", id="script-after-50"),
]
# What would become live markup if a payload were not escaped (our own layout has plain
# <script src> tags, so the payloads' own bits are looked for).
MARKUP = ("<script>alert", "<img src=x", '"><img', 'hx-get="/logout"', "<svg onload")


def assert_escaped(html: str, value: str, where: str, must_show: bool = True) -> None:
    """The value is on the page as text, and none of its markup became markup."""
    for bit in MARKUP:
        if bit in value:
            assert bit not in html, f"{bit!r} unescaped in {where}"
    if must_show:
        # Also proves no template ran it: {{7*7}} would show as 49, not as itself.
        assert str(escape(value)) in html, f"payload not shown in {where}"


def _uuid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def typed(client, world, login_as, make_project, payload):
    """Every free-text field filled with the payload, through the forms, by their users."""
    from app.models import RiskFactor

    short = payload[:20]
    login_as(world.worker_a)
    client.post(
        "/residents/new",
        data={
            "name": payload[:50],
            "grid_id": world.a1.id,
            "building": short,
            "unit": short,
            "room": short,
            "household_size": "1",
            "care_reasons": ["elderly_alone"],
            "notes": payload,
            "client_uuid": _uuid(),
        },
    )
    resident = db.session.scalar(sa.select(Resident))
    assert resident is not None
    assert resident.notes == payload

    login_as(world.secretary_a)
    client.post(
        "/projects/new",
        data={
            "name": payload,
            "kind": "road_works",
            "status": "planned",
            "location": payload,
            "contractor": payload,
            "client_uuid": _uuid(),
        },
    )
    project = db.session.scalar(sa.select(Project))
    assert project is not None
    assert project.name == payload
    factor = RiskFactor(
        project_id=project.id,
        factor_code="P3",
        likelihood=2,
        impact=2,
        mitigation=payload,
        owner=payload[:100],
        description=payload,
    )
    db.session.add(factor)
    db.session.commit()

    login_as(world.worker_a)
    resp = client.post(
        "/visits",
        htmx=True,
        data={
            "resident_id": resident.id,
            # A screening: the fire checklist below is started on it.
            "purpose": "screening",
            "outcome": "done",
            "summary": payload,
            "visited_on": local_today().isoformat(),
            "client_uuid": _uuid(),
        },
    )
    assert resp.status_code == 200
    assert_escaped(resp.text, payload, "visit entry fragment after saving")
    client.post(
        "/visits",
        data={
            "project_id": project.id,
            "purpose": "project",
            "outcome": "done",
            "summary": payload,
            "visited_on": local_today().isoformat(),
            "client_uuid": _uuid(),
            "concern_summary": payload,
            "concern_factor_id": factor.id,
        },
    )
    assert db.session.scalar(sa.select(Concern.summary)) == payload
    visit = db.session.scalar(sa.select(Visit).where(Visit.resident_id == resident.id))

    tpl = 1
    client.post(
        "/screening", data={"visit_id": visit.id, "template_id": tpl, "client_uuid": _uuid()}
    )
    from app.models import Answer, ChecklistItem, Screening

    screening = db.session.scalar(sa.select(Screening))
    item = db.session.scalar(
        sa.select(ChecklistItem)
        .where(ChecklistItem.template_id == screening.template_id)
        .order_by(ChecklistItem.position)
    )
    client.post(f"/screening/{screening.id}/items/{item.id}", data={"value": "hazard"})
    resp = client.post(
        f"/screening/{screening.id}/items/{item.id}/hazard",
        htmx=True,
        data={"note": payload, "severity": "S2", "due_on": local_today().isoformat()},
    )
    assert_escaped(resp.text, payload, "hazard item fragment after saving")
    hazard = db.session.scalar(sa.select(Hazard))
    assert hazard.note == payload
    assert db.session.scalar(sa.select(Answer.id))

    client.post(
        "/requests",
        data={
            "resident": resident.id,
            "channel": "phone",
            "category": "R04",
            "summary": payload,
            "received_on": local_today().isoformat(),
            "client_uuid": _uuid(),
        },
    )
    req = db.session.scalar(sa.select(Request))
    assert req.summary == payload

    # The secretary returns the day with the payload as the comment.
    log = db.session.get(DailyLog, visit.daily_log_id)
    log.status = "submitted"
    db.session.commit()
    login_as(world.secretary_a)
    client.post(f"/review/days/{log.id}/return", data={"comment": payload})
    db.session.refresh(log)
    assert log.comment == payload
    return type(
        "Typed",
        (),
        dict(
            resident=resident,
            project=project,
            visit=visit,
            hazard=hazard,
            request=req,
            log=log,
            screening=screening,
        ),
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_typed_markup_comes_back_escaped_in_pages_and_fragments(
    client, world, login_as, typed, payload
):
    t = typed
    day = t.log.day.isoformat()
    for who, urls in (
        (
            world.worker_a,
            [
                (f"/residents/{t.resident.id}", False),
                (f"/residents/{t.resident.id}", True),
                (f"/residents/{t.resident.id}/timeline", True),
                (f"/residents?q={t.resident.name[:10]}", True),
                ("/residents", False),
                (f"/visits/{t.visit.id}", False),
                (f"/hazards/{t.hazard.id}", False),
                (f"/hazards/{t.hazard.id}", True),
                ("/hazards", True),
                ("/hazards", False),
                (f"/requests/{t.request.id}", False),
                (f"/requests/{t.request.id}", True),
                ("/requests", True),
                (f"/screening/{t.screening.id}", False),
                (f"/projects/{t.project.id}", False),
                (f"/projects/{t.project.id}", True),
                ("/projects", False),
                ("/today", False),
            ],
        ),
        (
            world.secretary_a,
            [
                (f"/review/{t.log.worker_id}/{day}", False),
                ("/review", True),
                (f"/projects/{t.project.id}/register", True),
                (f"/projects/{t.project.id}/edit", False),
                (f"/residents/{t.resident.id}/edit", False),
            ],
        ),
        (world.township_user, [(f"/projects/{t.project.id}", False)]),
    ):
        login_as(who)
        for url, htmx in urls:
            resp = client.get(url, htmx=htmx)
            assert resp.status_code == 200, (who.username, url)
            must_show = url not in (
                "/residents",
                "/hazards",
                "/projects",
                "/review",
                "/today",
            ) and not url.startswith("/residents?")
            assert_escaped(
                resp.text,
                payload,
                f"{who.username} {url} htmx={htmx}",
                must_show=must_show and "register" not in url,
            )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_search_terms_are_reflected_escaped(client, world, login_as, payload):
    login_as(world.worker_a)
    for htmx in (False, True):
        resp = client.get("/residents", query_string={"q": payload}, htmx=htmx)
        assert resp.status_code == 200
        assert_escaped(resp.text, payload, f"search htmx={htmx}", must_show=False)


@pytest.mark.parametrize(
    "url",
    [
        "/residents/1%20OR%201=1",
        "/residents/1 OR 1=1",
        "/residents/-1",
        "/residents/0x10",
        "/residents/0",
        "/residents/99999999999999999999999",
        "/residents/1.5",
        "/residents/%00",
        "/residents/1;DROP TABLE residents",
        "/visits/1'",
        "/photos/-1",
        "/photos/0x10/thumb",
        "/hazards/1e3",
        "/requests/١",
        "/review/1/2024-13-45",
        "/review/1/0x10",
        "/review/-1/2024-01-01",
        "/review/1/%27%20OR%201=1",
        "/projects/1/factors/-1",
        "/screening/0x10",
        "/admin/users/-1",
    ],
)
@pytest.mark.parametrize("role", ["worker_a", "secretary_a", "admin"])
def test_odd_ids_are_404_never_500(client, world, login_as, make_resident, url, role):
    make_resident()
    login_as(getattr(world, role))
    for htmx in (False, True):
        assert client.get(url, htmx=htmx).status_code in (400, 404), url
        assert client.post(url, htmx=htmx).status_code in (400, 404, 405), url


@pytest.mark.parametrize(
    "query",
    [
        "?page=abc",
        "?page=abc&page=2",
        "?page=-1",
        "?page=0",
        "?page=99999999999999999999",
        "?page=1e9",
        "?q=" + "长" * 10_000,
        "?q=%00",
        "?q=a&q=b",
        "?care=nope&care=",
        "?status=%27",
        "?grid=0x10",
        "?grid=-1&grid=1",
        "?category=1%20OR%201=1",
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "/residents",
        "/hazards",
        "/requests",
        "/review",
        "/projects",
        "/tallies",
        "/admin/audit",
        "/today",
    ],
)
def test_odd_query_strings_never_500(client, world, login_as, path, query):
    who = {
        "/review": world.secretary_a,
        "/tallies": world.township_user,
        "/admin/audit": world.admin,
    }.get(path, world.worker_a)
    login_as(who)
    for htmx in (False, True):
        resp = client.get(path + query, htmx=htmx)
        assert resp.status_code in (200, 400, 404), (path + query, resp.status_code)


def test_export_cells_starting_with_formula_characters_are_text(
    client, world, login_as, make_resident, make_visit
):
    """Place names typed by an administrator reach the township's export as text."""
    import csv
    import io
    import zipfile

    world.ca.name = '=HYPERLINK("http://evil.example","x")'
    world.a1.name = "@SUM(A1:A9)"
    world.a2.name = "+1+1"
    world.township.name = "-2+3"
    db.session.commit()
    make_visit(resident=make_resident())
    login_as(world.township_user)
    query = f"?from={local_today().isoformat()}&to={local_today().isoformat()}"

    resp = client.get("/tallies/export.csv" + query)
    assert resp.status_code == 200
    cells = [c for row in csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))) for c in row]
    names = ('=HYPERLINK("http://evil.example","x")', "@SUM(A1:A9)", "+1+1", "-2+3")
    for name in names:
        assert "'" + name in " ".join(cells) or not any(name in c for c in cells), name
        assert not any(c.startswith(name) for c in cells), name
    assert any(c.startswith("'=HYPERLINK") for c in cells)

    resp = client.get("/tallies/export.xlsx" + query)
    assert resp.status_code == 200
    with zipfile.ZipFile(io.BytesIO(resp.data)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
        # Written in constant memory, strings are inline in the sheets; else they are shared.
        strings = "".join(
            z.read(n).decode() for n in z.namelist() if n == "xl/sharedStrings.xml"
        ) + "".join(sheets)
    assert not any("<f>" in s or "<f " in s for s in sheets)  # no cell is a formula
    assert "=HYPERLINK" in strings.replace("&quot;", '"')  # the name is there, as a string


@pytest.mark.parametrize("path", ["/residents/new", "/visits", "/requests"])
def test_nul_bytes_in_a_form_are_refused_not_stored(client, world, login_as, make_resident, path):
    """PostgreSQL cannot store U+0000 in text; the request is refused before it gets there."""
    r = make_resident()
    login_as(world.worker_a)
    resp = client.post(
        path,
        data={
            "name": "a\x00b",
            "grid_id": world.a1.id,
            "household_size": "1",
            "resident_id": r.id,
            "resident": r.id,
            "purpose": "routine",
            "outcome": "done",
            "summary": "a\x00b",
            "channel": "phone",
            "category": "R04",
            "client_uuid": str(uuid.uuid4()),
        },
    )
    assert resp.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Request.id))) == 0
    assert client.get("/review/1/%00").status_code in (400, 404)
