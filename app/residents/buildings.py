"""The door-to-door walk: a grid's buildings, a building's units, a unit's households."""

from flask import request
from flask_login import current_user, login_required

from .. import scope
from ..audit.services import record_read
from ..htmx import render
from ..models import Grid, Household
from ..permissions import requires
from ..scope import get_or_404
from ..validators import halfwidth
from . import bp, queries


def _place_arg(name: str) -> str:
    """A building or unit from the query string ("" is a real value: no unit number)."""
    return halfwidth(request.args.get(name) or "")[:20]


@bp.route("/buildings")
@login_required
@requires("residents.read")
def buildings():
    """The buildings of one of the user's grids, with households and the latest visit."""
    grids = scope.grids()
    chosen = request.args.get("grid")
    grid = get_or_404(Grid, chosen) if chosen else (grids[0] if grids else None)
    rows = queries.buildings(current_user, grid.id) if grid else []
    return render("residents/buildings.html", grids=grids, grid=grid, rows=rows)


@bp.route("/buildings/<int:grid_id>/units")
@login_required
@requires("residents.read")
def units(grid_id: int):
    """The units of a building, with households and the latest visit."""
    grid = get_or_404(Grid, grid_id)
    building = _place_arg("building")
    rows = queries.units(current_user, grid.id, building)
    return render("residents/units.html", grid=grid, building=building, rows=rows)


@bp.route("/buildings/<int:grid_id>/households")
@login_required
@requires("residents.read")
def unit(grid_id: int):
    """The households of a unit by room: who lives there and when someone last called."""
    grid = get_or_404(Grid, grid_id)
    building, unit_name = _place_arg("building"), _place_arg("unit")
    rows = queries.households(current_user, grid.id, building, unit_name)
    # Names of the unit's residents are shown: a read of personal data, audited as a list.
    record_read("residents_listed", "household", None, {"hits": len(rows)})
    return render("residents/unit.html", grid=grid, building=building, unit=unit_name, rows=rows)


@bp.route("/households/<int:household_id>")
@login_required
@requires("residents.read")
def household(household_id: int):
    """One household: its members, its latest visits, and a visit to log."""
    household = get_or_404(Household, household_id)
    record_read("household_viewed", "household", household.id)
    return render(
        "residents/household.html",
        household=household,
        members=queries.household_members(current_user, household),
        visits=queries.household_visits(current_user, household),
    )
