"""request clocks (issue 15): stored due date, delivery of the formal reply, review steps, backfilled steps

Revision ID: c10c5a1e0015
Revises: 3a1f0c9d2b7e
Create Date: 2026-12-05 02:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c10c5a1e0015"
down_revision = "3a1f0c9d2b7e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("requests") as batch_op:
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.create_index("ix_requests_due_on", ["due_on"], unique=False)
        batch_op.add_column(
            sa.Column(
                "reply_delivery",
                sa.Enum(
                    "handed",
                    "posted",
                    name="reply_delivery",
                    native_enum=False,
                    create_constraint=True,
                    length=10,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("reply_received_on", sa.Date(), nullable=True))
        for level in ("review", "rereview"):
            batch_op.add_column(sa.Column(f"{level}_applied_on", sa.Date(), nullable=True))
            batch_op.add_column(
                sa.Column(f"{level}_body", sa.String(200), nullable=False, server_default="")
            )
            batch_op.add_column(sa.Column(f"{level}_answered_on", sa.Date(), nullable=True))
            batch_op.add_column(
                sa.Column(f"{level}_outcome", sa.Text(), nullable=False, server_default="")
            )
        batch_op.add_column(sa.Column("review_received_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("formal_reason", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("decided_on_time", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("replied_on_time", sa.Boolean(), nullable=True))
    with op.batch_alter_table("request_events") as batch_op:
        batch_op.add_column(
            sa.Column("backfilled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    _fill_due_dates()


def downgrade():
    with op.batch_alter_table("request_events") as batch_op:
        batch_op.drop_column("backfilled")
    with op.batch_alter_table("requests") as batch_op:
        batch_op.drop_column("replied_on_time")
        batch_op.drop_column("decided_on_time")
        batch_op.drop_column("decided_on")
        batch_op.drop_column("formal_reason")
        batch_op.drop_column("review_received_on")
        for level in ("review", "rereview"):
            for column in ("applied_on", "body", "answered_on", "outcome"):
                batch_op.drop_column(f"{level}_{column}")
        batch_op.drop_column("reply_received_on")
        batch_op.drop_constraint("reply_delivery", type_="check")
        batch_op.drop_column("reply_delivery")
        batch_op.drop_index("ix_requests_due_on")
        batch_op.drop_column("due_on")


def _fill_due_dates():
    # The due dates of existing rows come from the application's own rule (holiday roll-over
    # included), not a second copy of it in SQL; `flask requests recompute-due` does the same.
    from app.requests.deadlines import on_time_flags, running_due_on

    bind = op.get_bind()
    requests = sa.table(
        "requests",
        sa.column("id", sa.Integer),
        sa.column("track", sa.String),
        sa.column("status", sa.String),
        sa.column("received_on", sa.Date),
        sa.column("formal_on", sa.Date),
        sa.column("accepted_on", sa.Date),
        sa.column("extension_days", sa.Integer),
        sa.column("review_applied_on", sa.Date),
        sa.column("review_answered_on", sa.Date),
        sa.column("rereview_applied_on", sa.Date),
        sa.column("rereview_answered_on", sa.Date),
        sa.column("due_on", sa.Date),
        sa.column("replied_on", sa.Date),
        sa.column("decided_on", sa.Date),
    )
    events = sa.table(
        "request_events",
        sa.column("request_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("on_date", sa.Date),
    )
    # A decision against the request left its date on the timeline only.
    decided_against = (
        sa.select(sa.func.max(events.c.on_date))
        .where(
            events.c.request_id == requests.c.id,
            events.c.kind.in_(("not_accepted", "redirected")),
        )
        .scalar_subquery()
    )
    bind.execute(
        requests.update().values(decided_on=sa.func.coalesce(requests.c.accepted_on, decided_against))
    )
    rows = bind.execute(sa.select(requests).where(requests.c.received_on.is_not(None))).all()
    for row in rows:
        decided, replied = on_time_flags(row)
        bind.execute(
            requests.update()
            .where(requests.c.id == row.id)
            .values(due_on=running_due_on(row), decided_on_time=decided, replied_on_time=replied)
        )
