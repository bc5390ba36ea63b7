"""retire the care reason open_request: no list of people by their use of a request channel

Revision ID: 5a1e0c3d9b21
Revises: 212cbf3bec61
Create Date: 2026-12-05 02:40:00

"""
from alembic import op


revision = '5a1e0c3d9b21'
down_revision = '212cbf3bec61'
branch_labels = None
depends_on = None


def upgrade():
    # env.py refuses a migration that loses rows unless it says which tables it prunes.
    op.get_bind().info.setdefault("rows_deleted_on_purpose", set()).update(
        {"resident_care_reasons", "care_reasons"}
    )
    op.execute("DELETE FROM resident_care_reasons WHERE reason_code = 'open_request'")
    op.execute("DELETE FROM care_reasons WHERE code = 'open_request'")


def downgrade():
    # The tags are not brought back: they were a list of complainants (PIPL Art. 6).
    pass
