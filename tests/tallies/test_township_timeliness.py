"""The township's on-time rates (issue 15 item 5) under issue 14's rules: coarse, no counts."""

from datetime import timedelta

import pytest

from app.tallies.tables import coarse_rate
from app.timeutil import local_today
from tests.tallies.files import read_csv

EN = {"Accept-Language": "en"}
TITLE = "Requests received in the period: decisions and replies on time"


@pytest.mark.parametrize(
    ("on_time", "of", "shown"),
    [
        (0, 0, None),
        (9, 9, None),  # fewer than 10: a rate would give the count away
        (10, 10, 100.0),
        (9, 12, 75.0),
        (2, 11, 20.0),  # 18.2 % to the nearest 5
        (1, 40, 5.0),  # 2.5 % rounds up, never to a misleading zero
        (0, 10, 0.0),
    ],
)
def test_a_coarse_rate_needs_ten_and_moves_in_fives(on_time, of, shown):
    assert coarse_rate(on_time, of) == shown


def test_township_sees_coarse_rates_per_community_without_counts(
    client, world, login_as, make_request
):
    received = local_today() - timedelta(days=15)
    # Community A: 12 decided in A1, 9 within the community track's 3 days -> 75 %.
    for late in [False] * 9 + [True] * 3:
        make_request(
            world.a1,
            status="accepted",
            received_on=received,
            accepted_on=received + timedelta(days=10 if late else 1),
        )
    # Community B: 4 decided, all on time: too few to show a rate.
    for _ in range(4):
        make_request(
            world.b1,
            status="accepted",
            received_on=received,
            accepted_on=received + timedelta(days=1),
        )
    login_as(world.township_user)
    period = f"from={received}&to={local_today()}"
    _cover, sections = read_csv(client.get(f"/tallies/export.csv?{period}", headers=EN).data)
    table = next(s for s in sections if s.title == TITLE)
    assert table.header == ["Community", "On-time decision rate (%)", "On-time reply rate (%)"]
    rows = {r[0]: r[1:] for r in table.rows}
    # A rate in steps of 5 % is written as a whole number: "75.0" would claim a precision
    # the rate does not have.
    assert rows["Community A"] == ["75", ""]
    assert rows["Community B"] == ["", ""]
    # B's 4 left out: 13 of 16 (81.25 %) less A's 9 of 12 would give B's hidden rate away.
    assert rows["Total"] == ["\u224875", ""]

    # The community's own view keeps the exact counts and rates.
    login_as(world.secretary_a)
    _cover, sections = read_csv(client.get(f"/tallies/export.csv?{period}", headers=EN).data)
    table = next(s for s in sections if s.title == TITLE)
    assert table.header[1:3] == ["Decided", "Decided on time"]
    assert [r[:4] for r in table.rows if r[0] == "Total"] == [["Total", "12", "9", "75.0"]]


def _decided(make_request, grid, on_time: int, late: int, received) -> None:
    for days in [1] * on_time + [10] * late:
        make_request(
            grid,
            status="accepted",
            received_on=received,
            accepted_on=received + timedelta(days=days),
        )


def _decision_rates(client, query: str) -> dict[str, str]:
    _cover, sections = read_csv(client.get(f"/tallies/export.csv?{query}", headers=EN).data)
    table = next(s for s in sections if s.title == TITLE)
    return {r[0]: r[1] for r in table.rows}


def test_a_total_rate_never_gives_away_the_rates_hidden_beside_it(
    client, world, login_as, make_request
):
    received = local_today() - timedelta(days=15)
    # Every decision on time: 6 in A (A1 and A2 3 each), 5 in B; each too few to show.
    _decided(make_request, world.a1, 3, 0, received)
    _decided(make_request, world.a2, 3, 0, received)
    _decided(make_request, world.b1, 5, 0, received)
    login_as(world.township_user)
    period = f"from={received}&to={local_today()}"
    # A 100 % total over 11 would say that both hidden rates are 100 % as well.
    assert _decision_rates(client, period) == {"Community A": "", "Community B": "", "Total": ""}
    # Community A over its grids: the same rule, whichever way it is looked at.
    assert _decision_rates(client, f"{period}&community={world.ca.id}") == {
        "A1": "",
        "A2": "",
        "Total": "",
    }
    _decided(make_request, world.a2, 5, 0, received)
    # A: 11, all on time, but A1 (3) and A2 (8) are hidden: 100 % would tell both.
    assert _decision_rates(client, period) == {"Community A": "", "Community B": "", "Total": ""}
    assert _decision_rates(client, f"{period}&community={world.ca.id}")["Total"] == ""


def test_a_total_rate_leaves_out_the_rates_hidden_beside_it(client, world, login_as, make_request):
    received = local_today() - timedelta(days=15)
    _decided(make_request, world.a1, 3, 3, received)  # 50 %, hidden (6)
    _decided(make_request, world.a2, 5, 1, received)  # 83 %, hidden (6)
    _decided(make_request, world.b1, 9, 3, received)  # 75 %, shown (12)
    login_as(world.township_user)
    period = f"from={received}&to={local_today()}"
    assert _decision_rates(client, f"{period}&community={world.ca.id}") == {
        "A1": "",
        "A2": "",
        "Total": "",
    }
    # The total is B1's 75 % alone: 17 of 24 (70 %) less B1 would tell A's 8 of 12.
    assert _decision_rates(client, period) == {
        "Community A": "",
        "Community B": "75",
        "Total": "\u224875",
    }
    _decided(make_request, world.b2, 2, 0, received)
    # B2's 2 on time left out of B's rate and of the total, the same in either view.
    assert _decision_rates(client, f"{period}&community={world.cb.id}") == {
        "B1": "75",
        "B2": "",
        "Total": "\u224875",
    }
    assert _decision_rates(client, period) == {
        "Community A": "",
        "Community B": "\u224875",
        "Total": "\u224875",
    }
    _decided(make_request, world.a1, 8, 0, received)  # A1: 11 of 14, 80 %, shown
    assert _decision_rates(client, period) == {
        "Community A": "\u224880",
        "Community B": "\u224875",
        "Total": "\u224875",  # 20 of 26, 76.9 %
    }
