"""No township figure lets a hidden count of 1 or 2 be worked out (issue 14, item 3).

The attack: the township opens every view it can (all communities, one community, one
grid) over every period it can pick (single months and overlapping runs of months) and
subtracts whatever it likes. Whatever it computes is a function of what it was shown; so
if changing a hidden count from 1 to 2 (or 2 to 1) changes nothing shown in any view,
no subtraction can recover it. Hypothesis draws the records; the test flips each small
atom and compares every figure of every view.
"""

import itertools
from collections import Counter
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.enums import HAZARD_STATUSES, REQUEST_STATUSES, SEVERITIES, VISIT_PURPOSES
from app.tallies.disclosure import month_end, month_start, months_meant, segment, whole_months
from app.tallies.figures import HazardFigures, KeyFigures, RequestFigures
from app.tallies.queries import Filters, Place
from app.tallies.tables import Counts, place_of, tables_from, township_timeliness_table

GRIDS = [Place(1, "A1", 10, "A"), Place(2, "A2", 10, "A"), Place(3, "B1", 20, "B")]
FIRST = date(2026, 1, 1)
MONTHS = [(date(2026, m, 1), month_end(date(2026, m, 1))) for m in (1, 2, 3)]
PERIODS = [(MONTHS[a][0], MONTHS[b][1]) for a in range(3) for b in range(a, 3)]
TEMPLATES = [SimpleNamespace(id=i, name_zh=f"清单{i}", name_en=f"List {i}") for i in (1, 2)]
CATEGORIES = [
    SimpleNamespace(code=c, name_zh=c, name_en=c, restricted=False) for c in ("R04", "R06", "R10")
]

DAY = st.integers(0, 89).map(lambda n: FIRST + timedelta(days=n))
GRID = st.sampled_from([g.grid_id for g in GRIDS])
BIT = st.integers(0, 1)
visit_keys = st.tuples(GRID, DAY, st.sampled_from(VISIT_PURPOSES[:3]))
screening_keys = st.tuples(GRID, DAY, st.sampled_from([1, 2]))
hazard_keys = st.tuples(
    GRID,
    DAY,
    st.sampled_from([1, 2]),
    st.sampled_from(SEVERITIES[:2]),
    st.sampled_from(HAZARD_STATUSES),
    BIT,
)
request_keys = st.tuples(
    GRID,
    DAY,
    st.sampled_from(["R04", "R06", "R10"]),
    st.sampled_from(REQUEST_STATUSES[:3]),
    BIT,
    BIT,
    BIT,
    BIT,
)
records = st.fixed_dictionaries(
    {
        "visits": st.lists(visit_keys, max_size=40),
        "screenings": st.lists(screening_keys, max_size=20),
        "hazards": st.lists(hazard_keys, max_size=40),
        "requests": st.lists(request_keys, max_size=40),
    }
)


def _views():
    """Every (places, by_grid, community, grid) the township can ask for."""
    yield GRIDS, False, None, None
    for community in (10, 20):
        yield [g for g in GRIDS if g.community_id == community], True, community, None
    for g in GRIDS:
        yield [g], True, None, g.grid_id


def _shown(data: dict[str, Counter]) -> list:
    """Every figure of every table of every view and period, as the township sees them."""
    out = []
    for start, end in PERIODS:
        for places, by_grid, community, grid in _views():
            ids = {p.grid_id for p in places}

            def keep(counter, ids=ids, start=start, end=end):
                return Counter(
                    {k: n for k, n in counter.items() if k[0] in ids and start <= k[1] <= end}
                )

            hazards = keep(data["hazards"])
            days = Counter()
            for k, n in hazards.items():
                if k[4] in ("rectified", "verified"):
                    days[(k[0], (k[1] - FIRST).days % 7)] += n
            f = Filters(start, end, places, by_grid, True, community, grid)
            counts = Counts(
                visits=KeyFigures.from_counts(keep(data["visits"]), True),
                screenings=KeyFigures.from_counts(keep(data["screenings"]), True),
                hazards=HazardFigures.from_counts(hazards, days, place_of(f), True),
                requests=RequestFigures.from_counts(keep(data["requests"]), place_of(f), True),
            )
            for t in tables_from(f, counts, TEMPLATES, CATEGORIES):
                out.append((start, end, community, grid, t.key, t.rows, t.total))
    return out


def _small_atoms(counter: Counter, weeks: bool) -> dict[tuple, list[tuple]]:
    atoms: dict[tuple, list[tuple]] = {}
    for k, n in counter.items():
        atoms.setdefault((k[0], segment(k[1], weeks), *k[2:]), []).extend([k] * n)
    return {a: keys for a, keys in atoms.items() if len(keys) < 3}


@pytest.fixture
def in_app(app):
    with app.test_request_context("/?lang=en"):
        yield


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=records)
def test_no_hidden_count_can_be_recovered_from_any_view(in_app, drawn):
    data = {kind: Counter(keys) for kind, keys in drawn.items()}
    shown = _shown(data)
    for kind, counter in data.items():
        for atom, keys in list(_small_atoms(counter, kind == "hazards").items())[:4]:
            changed = dict(data)
            flipped = Counter(counter)
            if len(keys) == 1:
                flipped[keys[0]] += 1  # a 1 becomes a 2
            else:
                flipped[keys[0]] -= 1  # a 2 becomes a 1
            changed[kind] = +flipped
            assert _shown(changed) == shown, (kind, atom)


def test_the_issue_example_total_minus_grid_tells_nothing(in_app):
    """A1 holds one request and A2 five: A1 reads "<3" and the total counts it as 2."""
    d = FIRST + timedelta(days=3)
    requests = Counter({(1, d, "R04", "received", 0, 0, 0, 0): 1})
    requests[(2, d, "R04", "received", 0, 0, 0, 0)] = 5
    f = Filters(MONTHS[0][0], MONTHS[0][1], GRIDS[:2], True, True, 10, None)
    counts = Counts(
        KeyFigures(),
        KeyFigures(),
        HazardFigures(),
        RequestFigures.from_counts(requests, place_of(f), True),
    )
    table = {t.key: t for t in tables_from(f, counts, TEMPLATES, CATEGORIES)}["requests"]
    assert table.rows[0][:2] == ["A1", "<3"]
    assert table.rows[1][:2] == ["A2", 5]
    assert table.total[:2] == ["Total", "\u22487"]  # 5 + 2, whatever A1 holds


# Decisions and replies per grid (how many, how many on time): 0 to 14 each, so that a grid,
# a community or the township may have the RATE_MIN (10) a rate needs, or not.
counted = st.integers(0, 14).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
timeliness = st.lists(st.tuples(counted, counted), min_size=len(GRIDS), max_size=len(GRIDS))
RATES = (("decided_on_time", "decided"), ("replied_on_time", "replied"))


def _rates_shown(times: dict[int, dict[str, int]]) -> list:
    """The township's on-time rates in every view (one month), as it sees them."""
    out = []
    for places, by_grid, community, grid in _views():
        f = Filters(MONTHS[0][0], MONTHS[0][1], places, by_grid, True, community, grid)
        mine = {p.grid_id: times[p.grid_id] for p in places}
        requests = RequestFigures.from_counts(Counter(), place_of(f), True, mine)
        counts = Counts(KeyFigures(), KeyFigures(), HazardFigures(), requests)
        t = township_timeliness_table(f, counts)
        out.append((community, grid, t.rows, t.total))
    return out


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=timeliness)
def test_no_hidden_rate_can_be_worked_out_from_any_view(in_app, drawn):
    """A grid's rate hidden in its own view (under RATE_MIN) is not determined by what every
    view shows: some other number on time in it, the hidden grids' counts changed and every
    count they were decided or replied on kept, shows the township the very same figures."""
    times = {
        p.grid_id: {
            "decided_on_time": d[0], "decided": d[1], "replied_on_time": r[0], "replied": r[1],
            "entered_late": 0,
        }
        for p, (d, r) in zip(GRIDS, drawn, strict=True)
    }  # fmt: skip
    shown = _rates_shown(times)
    for ok, of in RATES:
        hidden = [g for g, cells in times.items() if 0 < cells[of] < 10]
        for grid in hidden:
            others = (
                dict(zip(hidden, alt, strict=True))
                for alt in itertools.product(*(range(times[g][of] + 1) for g in hidden))
                if alt[hidden.index(grid)] != times[grid][ok]
            )
            assert any(
                _rates_shown({g: {**c, ok: alt.get(g, c[ok])} for g, c in times.items()}) == shown
                for alt in others
            ), (ok, grid)


@pytest.mark.parametrize(
    ("a1", "a2", "b1", "total"),
    [
        ((3, 3), (3, 3), (5, 5), None),  # the issue's: two hidden rows, 100 % in total
        ((0, 6), (0, 5), (9, 12), "\u224875"),  # A's 0 % left out: B1's 75 % alone
        ((12, 12), (5, 6), (9, 12), "\u224890"),  # A1 and B1 (21 of 24), A2 left out
        ((12, 12), (0, 0), (9, 12), 90),  # 21 of 24, nothing hidden
    ],
)
def test_the_township_total_rate_over_hidden_rows(in_app, a1, a2, b1, total):
    times = {
        g: {"decided_on_time": ok, "decided": n, "replied_on_time": 0, "replied": 0}
        for g, (ok, n) in zip((1, 2, 3), (a1, a2, b1), strict=True)
    }
    assert _rates_shown(times)[0][3] == ["Total", total, None]


def test_township_periods_are_whole_months():
    assert whole_months(date(2026, 2, 17), date(2026, 2, 17)) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        # A number of months to the day: one month cut in two, shown once, where most of
        # its days were picked.
        ("2025-12-06", "2026-12-06", ("2025-12-01", "2026-11-30")),
        ("2025-12-06", "2026-12-05", ("2025-12-01", "2026-11-30")),
        ("2025-12-16", "2026-12-16", ("2025-12-01", "2026-11-30")),  # 16 and 16: the first
        ("2025-12-20", "2026-12-20", ("2026-01-01", "2026-12-31")),
        ("2025-12-01", "2026-12-01", ("2025-12-01", "2026-11-30")),
        ("2026-03-06", "2026-04-06", ("2026-03-01", "2026-03-31")),
        ("2026-01-31", "2026-02-28", ("2026-02-01", "2026-02-28")),
        ("2026-04-30", "2026-05-31", ("2026-05-01", "2026-05-31")),
        # Whole months as they are; anything else widened to every month it touches.
        ("2025-12-01", "2026-11-30", ("2025-12-01", "2026-11-30")),
        ("2026-01-01", "2026-12-05", ("2026-01-01", "2026-12-31")),
        ("2026-12-06", "2026-12-20", ("2026-12-01", "2026-12-31")),
        ("2026-10-25", "2026-11-04", ("2026-10-01", "2026-11-30")),
        ("2025-12-06", "2026-12-08", ("2025-12-01", "2026-12-31")),
    ],
)
def test_months_meant_by_dates_picked(start, end, shown):
    picked = (date.fromisoformat(start), date.fromisoformat(end))
    assert months_meant(*picked) == tuple(map(date.fromisoformat, shown))


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(0, 5 * 366))
def test_months_meant_are_whole_months_of_those_touched(start, days):
    """The privacy property: whole months, whatever was picked; and of the months touched,
    at most one left out, and only one picked in part, never one wholly inside the dates."""
    end = start + timedelta(days=days)
    first, last = months_meant(start, end)
    assert (first, last) == whole_months(first, last)
    widest = whole_months(start, end)
    starts_later, ends_sooner = first != widest[0], last != widest[1]
    assert not (starts_later and ends_sooner)
    if starts_later:
        assert start != widest[0]
        assert first == month_end(start) + timedelta(days=1)
    if ends_sooner:
        assert end != widest[1]
        assert last == month_start(end) - timedelta(days=1)
    assert first <= last
    assert months_meant(first, last) == (first, last)


def test_one_grid_one_day_is_widened_to_the_month_and_hides_a_single_request(
    client, world, login_as, make_request
):
    day = date.today() - timedelta(days=1)
    make_request(world.a1, received_on=day)
    login_as(world.township_user)
    html = client.get(
        f"/tallies?from={day}&to={day}&grid={world.a1.id}&period=custom",
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    start, end = whole_months(day, day)
    assert f"export.csv?from={start}&amp;to={end}" in html
    table = html[html.index('id="table-requests"') :]
    assert 'A1</th><td class="num">&lt;3</td>' in table[: table.index("</table>")]
