"""The tallies as labelled tables: one source for the page, the XLSX and the CSV.

Counts arrive from `queries.py` keyed by codes and grid ids; here they get the user's
language, zero rows, totals, community roll-ups, the medians and the small-count rule.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import pgettext

from ..enums import SEVERITIES, VISIT_PURPOSES
from ..i18n import localized
from ..labels import label
from . import queries as q
from .queries import Filters

SMALL = 3
SUPPRESSED = "<3"


@dataclass
class Column:
    label: str
    kind: str = "int"  # int, decimal, text or date


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


def suppress(n: int) -> int | str:
    """A grid-level count that could point at a household (1 or 2) shown as "<3"."""
    return SUPPRESSED if 0 < n < SMALL else n


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


def visits_table(f: Filters) -> Table:
    counts = q.visits_by_purpose(f)
    t = Table(
        "visits",
        _("Visits"),
        _("Visits by purpose"),
        [Column(_("Purpose"), "text"), Column(_("Visits"))],
    )
    t.rows = [[label("purpose", p), counts.get(p, 0)] for p in VISIT_PURPOSES]
    t.total = [_("Total"), sum(counts.values())]
    return t


def screenings_table(f: Filters, templates) -> Table:
    counts = q.screenings_by_checklist(f)
    t = Table(
        "screenings",
        _("Screenings"),
        _("Screenings by checklist"),
        [Column(_("Checklist"), "text"), Column(_("Screenings"))],
    )
    t.rows = [[localized(tpl), counts.get(tpl.id, 0)] for tpl in templates]
    t.total = [_("Total"), sum(counts.values())]
    return t


def hazards_found_table(found: Counter, templates) -> Table:
    counts: Counter = Counter()
    for (_day, template_id, severity), n in found.items():
        counts[(template_id, severity)] += n
    t = Table(
        "hazards_found",
        _("Hazards found"),
        _("Hazards found by category and severity"),
        [Column(_("Category"), "text")]
        + [Column(f"{s} {label('severity', s)}") for s in SEVERITIES]
        + [Column(_("Total"))],
    )
    for tpl in templates:
        cells = [counts.get((tpl.id, s), 0) for s in SEVERITIES]
        t.rows.append([localized(tpl), *cells, sum(cells)])
    by_sev = [sum(counts.get((tpl.id, s), 0) for tpl in templates) for s in SEVERITIES]
    t.total = [_("Total"), *by_sev, sum(by_sev)]
    return t


def hazard_status_table(f: Filters, today: date) -> Table:
    standing = q.hazard_standing_by_grid(f, today)
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
        note=_("Rectified includes verified. Overdue: open and past its due date today."),
    )
    all_days: Counter = Counter()
    sums = dict.fromkeys(q.HAZARD_STATES, 0)
    for name, grid_ids in _place_groups(f):
        row_days: Counter = Counter()
        cells = dict.fromkeys(q.HAZARD_STATES, 0)
        for g in grid_ids:
            if g in standing:
                for k, v in standing[g].counts.items():
                    cells[k] += v
                row_days.update(standing[g].days)
        all_days.update(row_days)
        for k in q.HAZARD_STATES:
            sums[k] += cells[k]
        t.rows.append([name, *cells.values(), median_of(row_days)])
    t.total = [_("Total"), *sums.values(), median_of(all_days)]
    return t


def hazards_weekly_table(f: Filters, found: Counter, templates) -> Table:
    t = Table(
        "hazards_weekly",
        _("Hazards by week"),
        _("Hazards found by category, week by week"),
        [Column(_("Week starting"), "date")]
        + [Column(localized(tpl)) for tpl in templates]
        + [Column(_("Total"))],
    )
    weekly: Counter = Counter()
    for (day, template_id, _severity), n in found.items():
        weekly[(week_start(day), template_id)] += n
    week = week_start(f.start)
    while week <= f.end:
        cells = [weekly.get((week, tpl.id), 0) for tpl in templates]
        t.rows.append([week, *cells, sum(cells)])
        week += timedelta(days=7)
    return t


def request_status_table(f: Filters, today: date) -> Table:
    states = q.request_states_by_grid(f, today)
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
        note=_(
            "Accepted includes community-track acknowledgements. Overdue: the "
            "acknowledgement, acceptance notice or reply is past its due date."
        ),
    )
    sums = dict.fromkeys(q.REQUEST_STATES, 0)
    for name, grid_ids in _place_groups(f):
        cells = dict.fromkeys(q.REQUEST_STATES, 0)
        for g in grid_ids:
            for k, v in states.get(g, {}).items():
                cells[k] += v
        for k in q.REQUEST_STATES:
            sums[k] += cells[k]
        hide = f.suppress and f.by_grid
        shown = [suppress(v) for v in cells.values()] if hide else list(cells.values())
        t.rows.append([name, *shown])
    t.total = [_("Total"), *sums.values()]
    return t


def _rate(on_time: int, of: int, hide: bool) -> float | None:
    """A percentage; none when nothing was due, or (grid level) when so few that it could
    point at a household."""
    if of == 0 or (hide and of < SMALL):
        return None
    return round(100 * on_time / of, 1)


def request_timeliness_table(f: Filters) -> Table:
    """按期受理率 and 按期答复率: decisions and replies that kept their clocks."""
    counts = q.request_timeliness_by_grid(f)
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
    hide = f.suppress and f.by_grid
    sums = dict.fromkeys(q.TIMELINESS, 0)
    for name, grid_ids in _place_groups(f):
        cells = dict.fromkeys(q.TIMELINESS, 0)
        for g in grid_ids:
            for k, v in counts.get(g, {}).items():
                cells[k] += v
        for k in q.TIMELINESS:
            sums[k] += cells[k]
        shown = {k: suppress(v) if hide else v for k, v in cells.items()}
        t.rows.append(_timeliness_row(name, cells, shown, hide))
    t.total = _timeliness_row(_("Total"), sums, sums, False)
    if hide:
        t.note += " " + _(
            "At grid level, counts of 1 or 2 are shown as \u201c<3\u201d and rates of fewer "
            "than 3 are not shown."
        )
    return t


def _timeliness_row(name: str, cells: dict, shown: dict, hide: bool) -> list:
    return [
        name,
        shown["decided"],
        shown["decided_on_time"],
        _rate(cells["decided_on_time"], cells["decided"], hide),
        shown["replied"],
        shown["replied_on_time"],
        _rate(cells["replied_on_time"], cells["replied"], hide),
        shown["entered_late"],
    ]


def request_category_table(f: Filters, categories) -> Table:
    counts = q.requests_by_category(f)
    groups = _place_groups(f)
    hide_small = f.suppress and f.by_grid
    t = Table(
        "request_categories",
        _("Requests by category"),
        _("Requests received by category"),
        [Column(_("Category"), "text")] + [Column(name) for name, _g in groups],
    )
    if hide_small:
        t.note = _(
            "At grid level, counts of 1 or 2 are shown as \u201c<3\u201d so that no "
            "count points at a household."
        )
    else:
        t.columns.append(Column(_("Total")))
    for cat in categories:
        cells = [sum(counts.get((cat.code, g), 0) for g in grid_ids) for _n, grid_ids in groups]
        if hide_small:
            t.rows.append([localized(cat), *(suppress(n) for n in cells)])
        else:
            t.rows.append([localized(cat), *cells, sum(cells)])
    return t


def build_tables(f: Filters, today: date) -> list[Table]:
    """Every tally for the filters, in the order the page and the exports show them."""
    templates = q.checklist_templates()
    found = q.hazards_found(f)
    return [
        visits_table(f),
        screenings_table(f, templates),
        hazards_found_table(found, templates),
        hazard_status_table(f, today),
        hazards_weekly_table(f, found, templates),
        request_status_table(f, today),
        request_timeliness_table(f),
        request_category_table(f, q.request_categories()),
    ]


def charts(tables: list[Table]) -> dict:
    """Chart.js data for the two pictures, from the same tables the page shows beside them."""
    by_key = {t.key: t for t in tables}
    weekly, status = by_key["hazards_weekly"], by_key["hazard_status"]
    categories = [c.label for c in weekly.columns[1:-1]]
    return {
        "hazards_weekly": {
            "type": "bar",
            "stacked": True,
            "labels": [row[0].isoformat() for row in weekly.rows],
            "datasets": [
                {"label": name, "data": [row[i + 1] for row in weekly.rows]}
                for i, name in enumerate(categories)
            ],
        },
        "open_overdue": {
            "type": "bar",
            "stacked": False,
            "labels": [row[0] for row in status.rows],
            "datasets": [
                {
                    "label": status.columns[4].label,
                    "data": [row[4] for row in status.rows],
                    "color": "#1565c0",
                },
                {
                    "label": status.columns[5].label,
                    "data": [row[5] for row in status.rows],
                    "color": "#c62828",
                },
            ],
        },
    }
