"""The tallies as labelled tables: one source for the page, the XLSX and the CSV.

Counts arrive from `queries.py` keyed by codes and grid ids; here they get the user's
language, zero rows, totals, community roll-ups, the medians and, for the township, the
hiding of any figure that adds up a small count (disclosure.py).
"""

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

from babel import numbers
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _

from ..enums import REFERRAL_STATUSES, SEVERITIES, VISIT_PURPOSES
from ..i18n import date_span, localized
from ..labels import label
from ..requests.deadlines import rules
from . import queries as q
from . import rollups
from .disclosure import APPROX, SMALL_AS, SMALL_SHOWN, Atoms, chart_number, is_inexact
from .figures import HazardFigures, KeyFigures, RequestFigures
from .models import TallyScreenings, TallyVisits
from .queries import Filters


@dataclass
class Column:
    label: str
    kind: str = "int"  # int, decimal, text, date or week

    @property
    def numeric(self) -> bool:
        """A column of figures, aligned to the right."""
        return self.kind in ("int", "decimal")


@dataclass(frozen=True)
class Week:
    """A week's row: its first and last day within the period, and whether its label needs
    the year (a period over two years)."""

    first: date
    last: date
    with_year: bool = False

    def iso(self) -> str:
        """The week in an export: ISO dates with the year, read alike in every language and
        sorted by time as text ("Dec 1 – 6" and 12月1日至6日 sort by name)."""
        return f"{self.first.isoformat()} \u2013 {self.last.isoformat()}"


@dataclass
class Table:
    """One tally: a title, columns, rows and an optional total row."""

    key: str
    sheet: str  # short name for the XLSX sheet tab (31 characters at most)
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    note: str = ""


@lru_cache(maxsize=1024)
def _week_text(week: Week, locale: str) -> str:
    return date_span(week.first, week.last, "yMMMd" if week.with_year else "MMMd", locale)


@lru_cache(maxsize=4096)
def _number_text(value: int | float, kind: str, locale: str) -> str:
    if kind == "decimal":
        return numbers.format_decimal(value, format="#,##0.0", locale=locale)
    return numbers.format_decimal(value, locale=locale)


def cell_text(value, kind: str, locale: str | None = None) -> str:
    """A cell as the page shows it: "–" for none, figures as shown, numbers in `locale`, by
    default the user's (the same few numbers recur in every table: formatted once each)."""
    if value is None:
        return "\u2013"
    if isinstance(value, str):
        return value
    if kind == "date":
        return value.isoformat()
    if kind == "week":
        return _week_text(value, locale or str(get_locale()))
    kind = "decimal" if kind == "decimal" else "int"
    return _number_text(value, kind, locale or str(get_locale()))


def median_of(counts: Counter) -> float | None:
    """The median of values given as {value: how many}; None when there are none."""
    n = sum(counts.values())
    if n == 0:
        return None
    lo_rank, hi_rank = (n - 1) // 2, n // 2
    seen, lo = 0, None
    for value in sorted(counts):
        seen += counts[value]
        if lo is None and seen > lo_rank:
            lo = value
        if seen > hi_rank:
            return (lo + value) / 2
    raise AssertionError("unreachable")  # pragma: no cover


def whole(_key) -> int:
    """One group for every key: the figure of the whole table."""
    return 0


def week_start(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def _place_groups(f: Filters) -> list[tuple[str, list[int]]]:
    """(label, grid ids) per row: one per grid for one community, else one per community."""
    if f.by_grid:
        return [(p.grid_name, [p.grid_id]) for p in f.places]
    groups: dict[int, tuple[str, list[int]]] = {}
    for p in f.places:
        groups.setdefault(p.community_id, (p.community_name, []))[1].append(p.grid_id)
    return list(groups.values())


@dataclass
class Counts:
    """Everything the tables add up, as atoms (disclosure.py), for one set of filters."""

    visits: KeyFigures  # by purpose
    screenings: KeyFigures  # by template id
    hazards: HazardFigures  # places as in _place_groups
    requests: RequestFigures  # places as in _place_groups
    # (grid, month) -> households visited, each counted once a month.
    households: Atoms | None = None
    # Complaints about officials: the township's one township-wide figure; None: no count.
    restricted: int | str | None = None


def place_of(f: Filters) -> dict[int, int]:
    """Grid id -> the index of its row in the tables by place."""
    return {g: i for i, (_n, grid_ids) in enumerate(_place_groups(f)) for g in grid_ids}


def fetch_counts(f: Filters, today: date) -> Counts:
    """A few queries per kind of record, then everything else in Python."""
    places = place_of(f)
    hazards, requests = HazardFigures(), RequestFigures()
    # Whole months from the kept sums; a secretary's ragged ends (exact counts, which add
    # up) from the roll-ups' units and the raw rows. The township's periods are whole months.
    inner = rollups.whole_units(rollups.VISITS, f.start, f.end)
    edges = [(f.start, f.end)]
    if inner:
        hazards = HazardFigures.from_rollups(f.grid_ids, places, *inner, today, f.suppress)
        requests = RequestFigures.from_rollups(
            f.grid_ids, places, *inner, today, rules().amber_days, f.suppress
        )
        edges = [(f.start, inner[0] - timedelta(days=1)), (inner[1] + timedelta(days=1), f.end)]
    for lo, hi in edges:
        if lo > hi:
            continue
        assert not f.suppress, "the township's periods are whole months"
        edge = replace(f, start=lo, end=hi)
        hazards.merge(HazardFigures.from_counts(*q.hazard_counts(edge, today), places, False))
        requests.merge(
            RequestFigures.from_counts(
                q.request_atoms_for(edge, today), places, False, q.request_timeliness_by_grid(edge)
            )
        )
    if f.suppress:
        # Whole months: the roll-ups' rows are the atoms.
        visits = KeyFigures.from_rollup(TallyVisits.purpose, f.grid_ids, f.start, f.end)
        screenings = KeyFigures.from_rollup(TallyScreenings.template_id, f.grid_ids, f.start, f.end)
    else:
        visits = KeyFigures.from_counts(q.visit_atoms(f), False)
        screenings = KeyFigures.from_counts(q.screening_atoms(f), False)
    return Counts(
        visits=visits,
        screenings=screenings,
        hazards=hazards,
        requests=requests,
        households=Atoms(q.household_atoms(f), 1, f.suppress),
        restricted=(
            Atoms(q.restricted_atoms(f), 0, True).figure(lambda _k: True)
            if f.restricted_township is not None
            else None
        ),
    )


def _hidden_note(f: Filters) -> str:
    if not f.suppress:
        return ""
    return _(
        "Whole calendar months. A count of 1 or 2 that could point at a household is shown "
        "as \u201c<3\u201d and counted as 2 in every figure that includes it "
        "(\u201c\u2248\u201d), so that it cannot be worked out by subtraction."
    )


def visits_table(f: Filters, c: Counts) -> Table:
    t = Table(
        "visits",
        _("Visits"),
        _("Visits by purpose"),
        [Column(_("Purpose"), "text"), Column(_("Visits"))],
        note=_hidden_note(f),
    )
    t.rows = [[label("purpose", p), c.visits.of(p)] for p in VISIT_PURPOSES]
    t.total = [_("Total"), c.visits.total()]
    return t


def households_table(f: Filters, c: Counts) -> Table:
    t = Table(
        "households",
        _("Households"),
        _("Households visited"),
        [Column(_("Community") if not f.by_grid else _("Grid"), "text"), Column(_("Households"))],
        note=" ".join(
            filter(
                None,
                [
                    _(
                        "A household visited in a month counts once in that month, however "
                        "many visits it had; over several months the months are added up."
                    ),
                    _hidden_note(f),
                ],
            )
        ),
    )
    places = place_of(f)
    by_place = c.households.figures(lambda k: places.get(k[0]))
    for i, (name, _grid_ids) in enumerate(_place_groups(f)):
        t.rows.append([name, by_place.get(i, 0)])
    t.total = [_("Total"), c.households.figures(whole).get(0, 0)]
    return t


def screenings_table(f: Filters, c: Counts, templates) -> Table:
    t = Table(
        "screenings",
        _("Screenings"),
        _("Screenings by checklist"),
        [Column(_("Checklist"), "text"), Column(_("Screenings"))],
        note=_hidden_note(f),
    )
    t.rows = [[localized(tpl), c.screenings.of(tpl.id)] for tpl in templates]
    t.total = [_("Total"), c.screenings.total()]
    return t


def hazards_found_table(f: Filters, c: Counts, templates) -> Table:
    t = Table(
        "hazards_found",
        _("Hazards found"),
        _("Hazards found by category and severity"),
        [Column(_("Category"), "text")]
        + [Column(f"{s} {label('severity', s)}") for s in SEVERITIES]
        + [Column(_("Total"))],
        note=_hidden_note(f),
    )
    h = c.hazards
    cells = h.cells.items()
    for tpl in templates:
        row = [h.figure([v for k, v in cells if k == (tpl.id, s)]) for s in SEVERITIES]
        t.rows.append([localized(tpl), *row, h.figure([v for k, v in cells if k[0] == tpl.id])])
    by_severity = [h.figure([v for k, v in cells if k[1] == s]) for s in SEVERITIES]
    t.total = [_("Total"), *by_severity, h.figure([v for _k, v in cells])]
    return t


# Which hazards each column of the status table counts, by (status, overdue).
HAZARD_WEIGHTS = {
    "found": lambda status, overdue: True,
    "rectified": lambda status, overdue: status in q.RECTIFIED,
    "verified": lambda status, overdue: status == "verified",
    "open": lambda status, overdue: status == "open",
    "overdue": lambda status, overdue: overdue == 1,
}


def hazard_status_table(f: Filters, c: Counts) -> Table:
    t = Table(
        "hazard_status",
        _("Hazard status"),
        _("Hazards found in the period and where they stand today"),
        [
            Column(_("Community") if not f.by_grid else _("Grid"), "text"),
            Column(_("Found")),
            Column(_("Rectified")),
            Column(_("Verified")),
            Column(pgettext("hazard", "Open")),
            Column(_("Overdue")),
            Column(_("Median days to rectify"), "decimal"),
        ],
        note=" ".join(
            filter(
                None,
                [
                    _(
                        "Rectified includes verified. Overdue: still open today and past its "
                        "due date."
                    ),
                    _hidden_note(f),
                    # Without it the township sees a column of dashes and no reason.
                    _(
                        "No median is shown where the hazards found include a hidden count: "
                        "the median could give it away."
                    )
                    if f.suppress
                    else "",
                ],
            )
        ),
    )

    h = c.hazards

    def row(place) -> list:
        cells = [
            h.figure(v for (p, *k), v in h.states.items() if p == place and HAZARD_WEIGHTS[st](*k))
            for st in q.HAZARD_STATES
        ]
        # A median over hazards that include a small count could tell it: not shown.
        median = None if is_inexact(cells[0]) else median_of(h.days.get(place, Counter()))
        return [*cells, median]

    for i, (name, _grid_ids) in enumerate(_place_groups(f)):
        t.rows.append([name, *row(i)])
    t.total = [_("Total"), *row(None)]
    return t


def hazards_weekly_table(f: Filters, c: Counts, templates, today: date | None = None) -> Table:
    """One row per week of the period that has begun by `today`, its first and last week cut
    to the period's days: the weeks' counts are those of exactly the days they name.

    A week not begun yet is left out rather than shown as 0 or "–": "this month" read on
    the 5th would otherwise end in rows of zeros that read as weeks with nothing found.
    """
    t = Table(
        "hazards_weekly",
        _("Hazards by week"),
        _("Hazards found by category, week by week"),
        [Column(_("Week"), "week")]
        + [Column(localized(tpl)) for tpl in templates]
        + [Column(_("Total"))],
        note=_hidden_note(f),
    )
    by_week: dict[date, dict] = {}
    # Keyed by the Monday of each week: a count lies in the period, so its Monday's row
    # counts exactly the days of the week inside the period.
    for (week, template), sums in c.hazards.weeks.items():
        by_week.setdefault(week, {})[template] = sums
    figure = c.hazards.figure
    with_year = f.start.year != f.end.year
    week = week_start(f.start)
    while week <= f.end:
        first, last = max(week, f.start), min(week + timedelta(days=6), f.end)
        if today is not None and first > today:
            break
        cells = by_week.get(week, {})
        row = [figure([cells[tpl.id]] if tpl.id in cells else []) for tpl in templates]
        t.rows.append([Week(first, last, with_year), *row, figure(cells.values())])
        week += timedelta(days=7)
    return t


# Which requests each column of the status table counts, by (accepted, replied, overdue).
REQUEST_WEIGHTS = {
    "received": lambda accepted, replied, overdue: True,
    "accepted": lambda accepted, replied, overdue: accepted,
    "replied": lambda accepted, replied, overdue: replied,
    "overdue": lambda accepted, replied, overdue: overdue,
}


def request_status_table(f: Filters, c: Counts) -> Table:
    t = Table(
        "requests",
        _("Requests"),
        _("Requests received in the period and where they stand today"),
        [
            Column(_("Community") if not f.by_grid else _("Grid"), "text"),
            Column(_("Received")),
            Column(_("Accepted")),
            Column(_("Replied")),
            Column(_("Overdue")),
        ],
        note=" ".join(
            filter(
                None,
                [
                    _(
                        "Accepted includes community-track acknowledgements. Overdue: the "
                        "acknowledgement, acceptance notice or reply is past its due date."
                    ),
                    _hidden_note(f),
                ],
            )
        ),
    )

    r = c.requests

    def row(place) -> list:
        return [
            r.figure(v for (p, *k), v in r.states.items() if p == place and REQUEST_WEIGHTS[st](*k))
            for st in q.REQUEST_STATES
        ]

    for i, (name, _grid_ids) in enumerate(_place_groups(f)):
        t.rows.append([name, *row(i)])
    t.total = [_("Total"), *row(None)]
    return t


def _rate(on_time: int, of: int) -> float | None:
    """A percentage; none when nothing was due."""
    if of == 0:
        return None
    return round(100 * on_time / of, 1)


def _timeliness_places(f: Filters, c: Counts, row) -> tuple[list[list], list]:
    """The timeliness counts of each place of the view, each made a row; and the total."""
    times = c.requests.times
    none = dict.fromkeys(q.TIMELINESS, 0)
    rows = [row(name, times.get(i, none)) for i, (name, _g) in enumerate(_place_groups(f))]
    return rows, row(_("Total"), times.get(None, none))


def request_timeliness_table(f: Filters, c: Counts) -> Table:
    """按期受理率 and 按期答复率: decisions and replies that kept their clocks."""
    t = Table(
        "request_timeliness",
        _("Request timeliness"),
        _("Requests received in the period: decisions and replies on time"),
        [
            Column(_("Community") if not f.by_grid else _("Grid"), "text"),
            Column(_("Decided")),
            Column(_("Decided on time")),
            Column(_("On-time decision rate (%)"), "decimal"),
            Column(_("Replied")),
            Column(_("Replied on time")),
            Column(_("On-time reply rate (%)"), "decimal"),
            Column(_("With steps entered late")),
        ],
        note=_(
            "A decision is acceptance, acknowledgement, refusal or redirection, due 15 days "
            "after receipt on the formal track (the local target on the community track); a "
            "reply is due by its own clock, extension included. Entered late (补录): a step "
            "recorded more than 3 days after its date."
        ),
    )
    t.rows, t.total = _timeliness_places(f, c, _timeliness_row)
    return t


# The township's on-time rates (issue 15 item 5 with issue 14's rules): a rate over a few
# requests gives them away, so it shows only over RATE_MIN or more, in steps of RATE_STEP %,
# and without the counts it comes from.
RATE_MIN = 10
RATE_STEP = 5


def coarse_rate(on_time: int, of: int) -> int | None:
    """The rate the township may see: none under RATE_MIN, else to the nearest RATE_STEP %
    (a whole number: "95.0" would claim a precision the rate does not have)."""
    if of < RATE_MIN:
        return None
    return RATE_STEP * math.floor(100 * on_time / of / RATE_STEP + 0.5)


def coarse_total(parts: list[tuple[int, int]]) -> int | str | None:
    """The township's rate of several parts (on time, of) together: over the parts whose own
    rate it sees (`coarse_rate`), the others left out whatever they hold, and then marked
    "≈". Counted in, a hidden part could be worked out (the total less the parts shown; a
    total of 100 % says every hidden part is 100 %), and hiding the total only where it would
    tell (all or none on time) tells it as well."""
    seen = [(ok, n) for ok, n in parts if coarse_rate(ok, n) is not None]
    rate = coarse_rate(sum(ok for ok, _n in seen), sum(n for _ok, n in seen))
    if rate is not None and len(seen) < sum(1 for _ok, n in parts if n):
        return f"{APPROX}{rate}"
    return rate


# The two rates of the township's table: (on time, of) among the timeliness counts.
COARSE_RATES = (("decided_on_time", "decided"), ("replied_on_time", "replied"))


def _coarse_rows(f: Filters, c: Counts) -> tuple[list[list], list]:
    """The township's rates per place and in total, every one over grids (`coarse_total`):
    a grid's own rate is shown in the view of its community, so a community's rate and the
    township's leave out the grids whose own rate is hidden, in every view alike."""
    none = dict.fromkeys(q.TIMELINESS, 0)
    groups = _place_groups(f)
    grid_times = c.requests.grid_times
    rows: list[list] = [[name] for name, _g in groups]
    every: dict[str, list] = {ok: [] for ok, _of in COARSE_RATES}
    for row, (_name, grid_ids) in zip(rows, groups, strict=True):
        for ok, of in COARSE_RATES:
            parts = [(grid_times.get(g, none)[ok], grid_times.get(g, none)[of]) for g in grid_ids]
            row.append(coarse_total(parts))
            every[ok] += parts
    return rows, [_("Total"), *(coarse_total(every[ok]) for ok, _of in COARSE_RATES)]


def township_timeliness_table(f: Filters, c: Counts) -> Table:
    """按期受理率 and 按期答复率 for the township: coarse rates, no counts."""
    t = Table(
        "request_timeliness",
        _("Request timeliness"),
        _("Requests received in the period: decisions and replies on time"),
        [
            Column(_("Community") if not f.by_grid else _("Grid"), "text"),
            Column(_("On-time decision rate (%)")),
            Column(_("On-time reply rate (%)")),
        ],
        note=_(
            "Whole calendar months. A rate is shown only where at least %(n)d requests were "
            "decided (or replied to) in the period, rounded to the nearest %(step)d%%; the "
            "counts behind it are shown to the community only.",
            n=RATE_MIN,
            step=RATE_STEP,
        )
        + " "
        + _(
            "A rate over several grids leaves out the grids whose own rate is not shown, "
            "whatever they hold, and is then marked \u201c\u2248\u201d: with them in, their "
            "rates could be worked out."
        ),
    )
    t.rows, t.total = _coarse_rows(f, c)
    return t


def _timeliness_row(name: str, cells: dict) -> list:
    return [
        name,
        cells["decided"],
        cells["decided_on_time"],
        _rate(cells["decided_on_time"], cells["decided"]),
        cells["replied"],
        cells["replied_on_time"],
        _rate(cells["replied_on_time"], cells["replied"]),
        cells["entered_late"],
    ]


def request_category_table(f: Filters, c: Counts, categories) -> Table:
    """Requests by category and place. Complaints about officials have no row: they are
    counted by no place (Art. 30), and a row of zeros beside them would be false; the
    township gets their one township-wide figure below the table, the secretary none."""
    groups = _place_groups(f)
    restricted = (
        ""
        if c.restricted is None
        else _(
            "Complaints about officials, whole township (handled by the discipline liaison, "
            "not counted above): %(n)s",
            n=cell_text(c.restricted, "int"),
        )
    )
    t = Table(
        "request_categories",
        _("Requests by category"),
        _("Requests received by category"),
        [Column(_("Category"), "text")]
        + [Column(name) for name, _g in groups]
        + [Column(_("Total"))],
        note=" ".join(filter(None, [restricted, _hidden_note(f)])),
    )
    r = c.requests
    for cat in (cat for cat in categories if not cat.restricted):
        cells = [
            r.figure([r.categories[key]] if key in r.categories else [])
            for key in [*((i, cat.code) for i in range(len(groups))), (None, cat.code)]
        ]
        t.rows.append([localized(cat), *cells])
    return t


def referrals_table(f: Filters, atoms: Atoms, services) -> Table:
    """Referrals raised in the period by service and where they stand: a table of their own,
    with the same small-count rule as every other township figure."""
    t = Table(
        "referrals",
        _("Referrals"),
        _("Referrals to services by status"),
        [Column(_("Service"), "text")]
        + [Column(label("referral_status", s)) for s in REFERRAL_STATUSES]
        + [Column(_("Total"))],
        note=_hidden_note(f),
    )
    for svc in services:
        cells = [
            atoms.figure(lambda k, c=svc.code, s=s: k[2] == c and k[3] == s)
            for s in REFERRAL_STATUSES
        ]
        t.rows.append([localized(svc), *cells, atoms.figure(lambda k, c=svc.code: k[2] == c)])
    t.total = [
        _("Total"),
        *[atoms.figure(lambda k, s=s: k[3] == s) for s in REFERRAL_STATUSES],
        atoms.figure(lambda _k: True),
    ]
    return t


def tables_from(
    f: Filters, c: Counts, templates, categories, today: date | None = None
) -> list[Table]:
    """Every tally from the counts, in the order the page and the exports show them; weeks
    after `today` are not listed."""
    return [
        visits_table(f, c),
        screenings_table(f, c, templates),
        hazards_found_table(f, c, templates),
        hazard_status_table(f, c),
        hazards_weekly_table(f, c, templates, today),
        request_status_table(f, c),
        # Exact rates need exact counts, which the township's views do not give
        # (disclosure.py): the township sees coarse rates without their counts.
        township_timeliness_table(f, c) if f.suppress else request_timeliness_table(f, c),
        request_category_table(f, c, categories),
        *([households_table(f, c)] if c.households is not None else []),
    ]


def build_tables(f: Filters, today: date) -> list[Table]:
    """Every tally for the filters, in the order the page and the exports show them."""
    tables = tables_from(
        f, fetch_counts(f, today), q.checklist_templates(), q.request_categories(), today
    )
    # Referrals are counted on their own (one query), apart from the hazard atoms.
    referrals = Atoms(q.referral_atoms(f), 1, f.suppress)
    households_last = [t for t in tables if t.key == "households"]
    tables = [t for t in tables if t.key != "households"]
    return [*tables, referrals_table(f, referrals, q.referral_services()), *households_last]


def _chart_value(value):
    # "<3" is drawn as the 2 it counts for in the totals beside it (SMALL_AS) and labelled
    # "<3" (_shown): no bar at all read as none.
    return SMALL_AS if value == SMALL_SHOWN else chart_number(value)


def _shown(cells: list) -> dict:
    """The figures as the table writes them ("<3", "≈7"), for the chart's labels and
    tooltips, where a column has any such figure."""
    if not any(is_inexact(cell) for cell in cells):
        return {}
    return {"shown": [str(cell) for cell in cells]}


# Okabe and Ito's palette for categorical data: told apart with the common colour-vision
# deficiencies; each with the label colour that reads on it (WCAG AA, 4.5:1 or more).
CATEGORY_COLOURS = (
    ("#E69F00", "#000"),
    ("#56B4E9", "#000"),
    ("#009E73", "#000"),
    ("#0072B2", "#fff"),
    ("#F0E442", "#000"),
    ("#D55E00", "#000"),
    ("#CC79A7", "#000"),
)


def charts(tables: list[Table]) -> dict:
    """Chart.js data for the two pictures, from the same tables the page shows beside them."""
    by_key = {t.key: t for t in tables}
    weekly, status = by_key["hazards_weekly"], by_key["hazard_status"]
    categories = [c.label for c in weekly.columns[1:-1]]
    return {
        "hazards_weekly": {
            "type": "bar",
            "stacked": True,
            "labels": [cell_text(row[0], "week") for row in weekly.rows],
            "labelled": True,
            "datasets": [
                {
                    "label": name,
                    "data": [_chart_value(row[i + 1]) for row in weekly.rows],
                    **_shown([row[i + 1] for row in weekly.rows]),
                    "color": CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)][0],
                    "text": CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)][1],
                }
                for i, name in enumerate(categories)
            ],
        },
        "open_overdue": {
            "type": "bar",
            "stacked": False,
            "labels": [row[0] for row in status.rows],
            # Its bars carry their numbers too: a "<3" drawn as 2 must say "<3".
            "labelled": True,
            "datasets": [
                {
                    "label": status.columns[4].label,
                    "data": [_chart_value(row[4]) for row in status.rows],
                    **_shown([row[4] for row in status.rows]),
                    "color": "#1565c0",
                    "text": "#fff",
                },
                {
                    "label": status.columns[5].label,
                    "data": [_chart_value(row[5]) for row in status.rows],
                    **_shown([row[5] for row in status.rows]),
                    "color": "#c62828",
                    "text": "#fff",
                },
            ],
        },
    }
