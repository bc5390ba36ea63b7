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
    # Community A: 12 decided, 9 within the community track's 3 days -> 75 %.
    for grid, late in [(world.a1, False)] * 5 + [(world.a2, False)] * 4 + [(world.a2, True)] * 3:
        make_request(
            grid,
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
    assert rows["Total"] == ["80", ""]  # 13 of 16 = 81.25 %

    # The community's own view keeps the exact counts and rates.
    login_as(world.secretary_a)
    _cover, sections = read_csv(client.get(f"/tallies/export.csv?{period}", headers=EN).data)
    table = next(s for s in sections if s.title == TITLE)
    assert table.header[1:3] == ["Decided", "Decided on time"]
    assert [r[:4] for r in table.rows if r[0] == "Total"] == [["Total", "12", "9", "75.0"]]
