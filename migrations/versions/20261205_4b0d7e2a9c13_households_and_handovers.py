"""households (issue 16): households at an address, residents and visits in them; handovers

Revision ID: 4b0d7e2a9c13
Revises: 4e7a1b2c9d30
Create Date: 2026-12-05 05:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "4b0d7e2a9c13"
down_revision = "4e7a1b2c9d30"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("building", sa.String(20), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("room", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name="fk_households_grid_id_grids"),
        sa.PrimaryKeyConstraint("id", name="pk_households"),
        sa.UniqueConstraint("grid_id", "building", "unit", "room", name="uq_households_address"),
    )
    with op.batch_alter_table("residents") as batch_op:
        batch_op.add_column(sa.Column("household_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_residents_household_id", ["household_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_residents_household_id_households", "households", ["household_id"], ["id"]
        )
    with op.batch_alter_table("visits") as batch_op:
        batch_op.add_column(sa.Column("household_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_visits_household_visited_on", ["household_id", "visited_on"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_visits_household_id_households", "households", ["household_id"], ["id"]
        )
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("from_worker_id", sa.Integer(), nullable=False),
        sa.Column("to_worker_id", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("to_grid_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name="fk_handovers_community_id_communities"
        ),
        sa.ForeignKeyConstraint(
            ["from_worker_id"], ["users.id"], name="fk_handovers_from_worker_id_users"
        ),
        sa.ForeignKeyConstraint(["to_worker_id"], ["users.id"], name="fk_handovers_to_worker_id_users"),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name="fk_handovers_by_id_users"),
        sa.ForeignKeyConstraint(["to_grid_id"], ["grids.id"], name="fk_handovers_to_grid_id_grids"),
        sa.PrimaryKeyConstraint("id", name="pk_handovers"),
        sa.UniqueConstraint("uuid", name="uq_handovers_uuid"),
    )
    op.create_index("ix_handovers_to_worker", "handovers", ["to_worker_id", "dismissed_at"])
    _fill_households()


def _fill_households():
    # Same grid, building, unit and room: one household. Residents without any address stay
    # outside any household; a visit belongs to its resident's household as it is now.
    op.execute(
        sa.text(
            "INSERT INTO households (grid_id, building, unit, room, created_at) "
            "SELECT DISTINCT grid_id, building, unit, room, CURRENT_TIMESTAMP FROM residents "
            "WHERE erased_at IS NULL AND (building <> '' OR unit <> '' OR room <> '')"
        )
    )
    op.execute(
        sa.text(
            "UPDATE residents SET household_id = (SELECT h.id FROM households h "
            "WHERE h.grid_id = residents.grid_id AND h.building = residents.building "
            "AND h.unit = residents.unit AND h.room = residents.room) "
            "WHERE erased_at IS NULL AND (building <> '' OR unit <> '' OR room <> '')"
        )
    )
    op.execute(
        sa.text(
            "UPDATE households SET archived_at = CURRENT_TIMESTAMP WHERE NOT EXISTS "
            "(SELECT 1 FROM residents r WHERE r.household_id = households.id "
            "AND r.archived_at IS NULL)"
        )
    )
    op.execute(
        sa.text(
            "UPDATE visits SET household_id = (SELECT r.household_id FROM residents r "
            "WHERE r.id = visits.resident_id) WHERE resident_id IS NOT NULL"
        )
    )


def downgrade():
    op.drop_index("ix_handovers_to_worker", table_name="handovers")
    op.drop_table("handovers")
    with op.batch_alter_table("visits") as batch_op:
        batch_op.drop_constraint("fk_visits_household_id_households", type_="foreignkey")
        batch_op.drop_index("ix_visits_household_visited_on")
        batch_op.drop_column("household_id")
    with op.batch_alter_table("residents") as batch_op:
        batch_op.drop_constraint("fk_residents_household_id_households", type_="foreignkey")
        batch_op.drop_index("ix_residents_household_id")
        batch_op.drop_column("household_id")
    op.drop_table("households")
