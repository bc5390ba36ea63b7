"""residents and households: full-width phone numbers and addresses stored as ASCII

A Chinese keyboard typed ７栋 and １３８…; the form and the import now store 7栋 and 138…
(app/validators.halfwidth). This puts the rows already there the same way: residents' phone,
building, unit and room, and households' address, merging a household at ７-２-３０１ into
the one at 7-2-301 (its residents and visits move over, and the households-visited tally of
the months it was visited is counted again).

Revision ID: 52dbc33912a4
Revises: 0b3bd05a7dda
Create Date: 2026-12-07 10:00:00

"""

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "52dbc33912a4"
down_revision = "0b3bd05a7dda"
branch_labels = None
depends_on = None

BATCH = 2000

# app/validators.py's mapping as of this revision, copied: the app's may change later, what
# this revision did may not.
WIDE = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
WIDE += "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ＋－／（）＃\u3000"
NARROW = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+-/()# "
HALFWIDTH = str.maketrans(WIDE, NARROW)

residents = sa.table(
    "residents",
    sa.column("id", sa.Integer),
    sa.column("household_id", sa.Integer),
    sa.column("building", sa.String),
    sa.column("unit", sa.String),
    sa.column("room", sa.String),
    sa.column("phone", sa.String),
)
households = sa.table(
    "households",
    sa.column("id", sa.Integer),
    sa.column("grid_id", sa.Integer),
    sa.column("building", sa.String),
    sa.column("unit", sa.String),
    sa.column("room", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("archived_at", sa.DateTime),
)
visits = sa.table(
    "visits",
    sa.column("id", sa.Integer),
    sa.column("grid_id", sa.Integer),
    sa.column("household_id", sa.Integer),
    sa.column("visited_on", sa.Date),
)
tally_households = sa.table(
    "tally_households",
    sa.column("grid_id", sa.Integer),
    sa.column("unit", sa.Date),
    sa.column("n", sa.Integer),
)


def halfwidth(value):
    if value is None:
        return None
    return " ".join(value.translate(HALFWIDTH).split())


def upgrade():
    conn = op.get_bind()
    _merge_households(conn)
    _residents(conn)


def _merge_households(conn) -> None:
    at: dict[tuple, list] = defaultdict(list)
    for h in conn.execute(sa.select(households).order_by(households.c.id)):
        at[(h.grid_id, halfwidth(h.building), halfwidth(h.unit), halfwidth(h.room))].append(h)
    months: set[tuple[int, date]] = set()
    for (_grid, *address), found in at.items():
        # The household already at the ASCII address stays (its id is in links and the
        # audit); else the oldest.
        keep = next((h for h in found if [h.building, h.unit, h.room] == address), found[0])
        gone = [h.id for h in found if h.id != keep.id]
        if gone:
            # env.py refuses a migration that loses rows unless it says which tables it prunes.
            conn.info.setdefault("rows_deleted_on_purpose", set()).add("households")
            for grid_id, visited_on in conn.execute(
                sa.select(visits.c.grid_id, visits.c.visited_on)
                .where(visits.c.household_id.in_(gone))
                .distinct()
            ):
                months.add((grid_id, visited_on.replace(day=1)))
            for table in (residents, visits):
                conn.execute(
                    table.update()
                    .where(table.c.household_id.in_(gone))
                    .values(household_id=keep.id)
                )
            conn.execute(households.delete().where(households.c.id.in_(gone)))
        archived = [h.archived_at for h in found]
        values = {
            "building": address[0],
            "unit": address[1],
            "room": address[2],
            "created_at": min(h.created_at for h in found),
            # Open while anybody lives at the address; else left when the last one left.
            "archived_at": None if None in archived else max(archived),
        }
        if any(getattr(keep, k) != v for k, v in values.items()):
            conn.execute(households.update().where(households.c.id == keep.id).values(values))
    for grid_id, month in sorted(months):
        _recount(conn, grid_id, month)


def _recount(conn, grid_id: int, month: date) -> None:
    """Households visited in the grid that month, each once, as app/tallies/rollups counts."""
    after = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    n = conn.scalar(
        sa.select(sa.func.count(sa.distinct(visits.c.household_id))).where(
            visits.c.grid_id == grid_id,
            visits.c.household_id.is_not(None),
            visits.c.visited_on >= month,
            visits.c.visited_on < after,
        )
    )
    kept = tally_households.c.grid_id == grid_id, tally_households.c.unit == month
    if conn.scalar(sa.select(sa.func.count()).select_from(tally_households).where(*kept)):
        conn.execute(tally_households.update().where(*kept).values(n=n))
    elif n:
        conn.execute(tally_households.insert().values(grid_id=grid_id, unit=month, n=n))


def _residents(conn) -> None:
    last = 0
    while True:
        rows = conn.execute(
            sa.select(residents).where(residents.c.id > last).order_by(residents.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        changed = []
        for r in rows:
            new = {p: halfwidth(getattr(r, p)) for p in ("building", "unit", "room", "phone")}
            new["phone"] = new["phone"] or None
            if any(getattr(r, p) != v for p, v in new.items()):
                changed.append({"rid": r.id, **new})
        if changed:
            conn.execute(
                residents.update().where(residents.c.id == sa.bindparam("rid")),
                changed,
            )
        last = rows[-1].id


def downgrade():
    # Nothing to undo: the full-width forms were the same numbers, and are not kept.
    pass
