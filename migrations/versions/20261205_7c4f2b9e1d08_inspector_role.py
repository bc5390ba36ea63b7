"""the inspector role: the township's discipline liaison for complaints about officials

Revision ID: 7c4f2b9e1d08
Revises: 5a1e0c3d9b21
Create Date: 2026-12-05 02:50:00

"""
from alembic import op


revision = '7c4f2b9e1d08'
down_revision = '5a1e0c3d9b21'
branch_labels = None
depends_on = None

OLD = ("worker", "secretary", "township", "admin")
NEW = ("worker", "secretary", "township", "inspector", "admin")


def _role_check(roles):
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_role'), _role_check(NEW))


def downgrade():
    # An inspector cannot be kept under the old roles: their account is deactivated as township
    # staff would be, and their requests stay where they are.
    op.execute("UPDATE users SET role = 'township', active = false WHERE role = 'inspector'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_role'), _role_check(OLD))
