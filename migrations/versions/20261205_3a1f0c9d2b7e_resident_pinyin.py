"""residents: pinyin key for search, backfilled

Revision ID: 3a1f0c9d2b7e
Revises: 7c4f2b9e1d08
Create Date: 2026-12-05 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3a1f0c9d2b7e'
down_revision = '7c4f2b9e1d08'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    # Step 1: the column, empty for existing rows (a server default, so NOT NULL holds).
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('pinyin', sa.String(length=400), server_default='', nullable=False)
        )
    # Step 2: backfill from the names, in batches (pypinyin runs here, not in SQL).
    from app.residents.pinyin import name_key

    conn = op.get_bind()
    residents = sa.table('residents', sa.column('id', sa.Integer), sa.column('name', sa.String),
                         sa.column('pinyin', sa.String))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(residents.c.id, residents.c.name)
            .where(residents.c.id > last)
            .order_by(residents.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            residents.update().where(residents.c.id == sa.bindparam('rid')),
            [{'rid': r.id, 'pinyin': name_key(r.name)} for r in rows],
        )
        last = rows[-1].id
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.create_index('ix_residents_grid_pinyin', ['grid_id', 'pinyin'], unique=False)


def downgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_index('ix_residents_grid_pinyin')
        batch_op.drop_column('pinyin')
