"""The tallies' statements are built once and kept (issue 19); their values stay per request."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.tallies import rollups
from app.tallies import routes as tally_routes
from app.tallies.disclosure import month_end
from app.tallies.queries import filters_for, user_scope
from app.tallies.tables import build_tables
from app.timeutil import local_today

from .test_tallies_routes import _table


def _status_cells(html: str, row: str) -> list[str]:
    """The figures of one row of the hazard or request status table."""
    start = html.index(f"{row}</th>")
    cells = html[start : html.index("</tr>", start)].split('<td class="num">')[1:]
    return [c.split("<")[0] for c in cells]


@pytest.fixture
def dashboard_day(monkeypatch):
    """Set the dashboard's today, in the same app (its kept statements too)."""

    def move(day):
        monkeypatch.setattr(tally_routes, "local_today", lambda: day)

    return move


def test_what_is_due_today_is_overdue_on_the_next_days_dashboard(
    client, world, login_as, make_resident, make_visit, make_hazard, make_request, dashboard_day
):
    today = local_today()
    requests = [make_request(world.a1, received_on=today) for _ in range(3)]
    due = requests[0].due_on  # the community track's acknowledgement
    assert due > today
    visit = make_visit(resident=make_resident(grid=world.a1), day=today)
    for _ in range(3):  # three in one atom: the township sees them as they are
        make_hazard(visit=visit, due_on=due)
    secretary = f"/tallies?from={today - timedelta(days=3)}&to={today}"
    township = f"/tallies?from={today.replace(day=1)}&to={month_end(today)}"

    def figures(page, place):
        # found, rectified, verified, open, overdue; the requests' overdue
        hazards = _status_cells(_table(page, "hazard_status"), place)[:5]
        return hazards, _status_cells(_table(page, "requests"), place)[3]

    dashboard_day(due)
    login_as(world.secretary_a)
    page = client.get(secretary).get_data(as_text=True)
    assert figures(page, "A1") == (["3", "0", "0", "3", "0"], "0")
    login_as(world.township_user)
    page = client.get(township).get_data(as_text=True)
    assert figures(page, "Community A") == (["3", "0", "0", "3", "0"], "0")

    dashboard_day(due + timedelta(days=1))
    page = client.get(township).get_data(as_text=True)
    assert figures(page, "Community A") == (["3", "0", "0", "3", "3"], "3")
    login_as(world.secretary_a)
    page = client.get(secretary).get_data(as_text=True)
    assert figures(page, "A1") == (["3", "0", "0", "3", "3"], "3")


@pytest.mark.parametrize("role", ["secretary_a", "township_user"])
def test_a_second_dashboard_runs_the_statements_of_the_first(app, world, role):
    """The dashboard's SELECTs are the objects built for the first one: no SQL built again."""
    user = getattr(world, role)
    today = local_today()
    # A year to today: the secretary's ragged month comes from the roll-up by day and the raw
    # rows; the township's whole months from the kept figures.
    f = filters_for(user, user_scope(user), today.replace(month=1, day=1), today)
    ran: list[list[int]] = []

    def seen(state):
        ran[-1].append(id(state.statement))

    sa.event.listen(Session, "do_orm_execute", seen)
    try:
        with app.test_request_context("/?lang=en"):
            for _ in range(2):
                ran.append([])
                build_tables(f, today)
    finally:
        sa.event.remove(Session, "do_orm_execute", seen)
    assert len(ran[0]) > 10
    assert ran[1] == ran[0]


def test_a_pick_may_not_hold_a_value():
    """A kept statement is found by its pick's name: a pick closing over a value (today) or
    holding one as a default would be served with the value of the day it was built."""
    today = local_today()

    def closes_over(c):
        return [c("due_on") < today]

    def with_default(c, day=today):
        return [c("due_on") < day]

    with pytest.raises(TypeError):
        rollups.pick("closes over today")(closes_over)
    with pytest.raises(TypeError):
        rollups.pick("today as a default")(with_default)
    assert "closes over today" not in rollups.PICKS
    with pytest.raises(ValueError, match="named twice"):
        rollups.pick("hazard atom")(lambda c: [c("status")])
    with pytest.raises(KeyError):
        rollups.read(rollups.HAZARDS, [], today, today, lambda c: [c("status")], True)


def test_read_binds_today_per_call(app, world, make_resident, make_visit, make_hazard):
    """The same kept statement, read with two days, counts as of each."""
    today = local_today()
    make_hazard(visit=make_visit(resident=make_resident(grid=world.a1), day=today), due_on=today)
    grids = [world.a1.id]

    def overdue(day):
        counts = rollups.read(
            rollups.HAZARDS, grids, today, today, "hazard atom", True, params={"today": day}
        )
        return {key[-1]: n for key, n in counts.items()}

    assert overdue(today) == {0: 1}
    assert overdue(today + timedelta(days=1)) == {1: 1}
    assert overdue(today) == {0: 1}


def test_the_townships_request_counts_run_the_statements_of_the_first(app, world):
    """The township's /requests counts keep their SELECT of request atoms, as the dashboard
    does: the second time runs the very object the first built."""
    from app.requests.queries import township_counts

    ran: list[list] = []  # the statements themselves, held so that no id is reused

    def seen(state):
        ran[-1].append(state.statement)

    sa.event.listen(Session, "do_orm_execute", seen)
    try:
        with app.test_request_context("/?lang=en"):
            for _ in range(2):
                ran.append([])
                township_counts(world.township_user)
    finally:
        sa.event.remove(Session, "do_orm_execute", seen)
    assert any(second is first for second in ran[1] for first in ran[0])
