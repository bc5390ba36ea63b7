"""The roll-ups: kept by the flush hook, recounted by `flask tallies rebuild`."""

import sqlalchemy as sa

from app.extensions import db
from app.models import TallyVisits
from app.timeutil import local_today


def _visit_rollup() -> dict:
    return {(r.grid_id, r.unit, r.purpose): r.n for r in db.session.scalars(sa.select(TallyVisits))}


def test_a_saved_visit_is_in_the_rollup_and_rebuild_restores_a_lost_one(runner, world, visit_in):
    visit_in(purpose="routine")
    visit_in(purpose="routine")
    visit_in(grid=world.b1, purpose="elderly_care")
    db.session.commit()
    month = local_today().replace(day=1)
    kept = _visit_rollup()
    assert kept == {(world.a1.id, month, "routine"): 2, (world.b1.id, month, "elderly_care"): 1}

    # Rows lost behind the app's back (a bulk delete, a restore of one table)...
    db.session.execute(sa.delete(TallyVisits))
    db.session.commit()
    assert _visit_rollup() == {}
    result = runner.invoke(args=["tallies", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "visits: 2 roll-up rows" in result.output
    db.session.expire_all()
    # ...are counted again from the raw rows.
    assert _visit_rollup() == kept
