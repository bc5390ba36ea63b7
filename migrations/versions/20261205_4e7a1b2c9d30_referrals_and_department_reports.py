"""referrals (转介) for welfare needs; hazards reported (上报) to a department

Revision ID: 4e7a1b2c9d30
Revises: 5b4a7e2c91d3
Create Date: 2026-12-05 05:40:00

Welfare items of the elderly welfare check were answered "hazard" and opened hazards. They
become "concern" answers, and each hazard they opened becomes a referral to the item's
suggested service (open -> referred, rectified -> accepted, verified -> done); its photos
move to the checklist answer. The elderly check's safety items (gas, wiring, falls...) stay
hazards.
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = '4e7a1b2c9d30'
down_revision = '5b4a7e2c91d3'
branch_labels = None
depends_on = None

# A copy (migrations must not change with app/seed): the services welfare items suggest.
SERVICES = [
    ("health_station", "社区卫生服务站（家庭医生）", "Community health station (family doctor)"),
    ("civil_affairs", "民政（低保、特困、临时救助）",
     "Civil affairs (minimum-living allowance, extreme-poverty support, emergency aid)"),
    ("elderly_services", "养老服务（助餐、助浴、居家照护）", "Elderly services (meals, bathing, home care)"),
    ("social_worker", "社工站（心理关爱、陪伴）", "Social work station (emotional support, companionship)"),
    ("family_contact", "联系家属/赡养人", "Family or carer contacted"),
    ("police", "派出所（安全、防诈骗）", "Police station (safety, fraud)"),
]
WELFARE_ITEMS = {
    "W1": "family_contact",
    "W2": "health_station",
    "W3": "elderly_services",
    "W4": "family_contact",
    "W11": "police",
    "W12": "civil_affairs",
    "W13": "elderly_services",
    "W14": "social_worker",
}
REFERRAL_OF_HAZARD = {"open": "referred", "rectified": "accepted", "verified": "done"}
HAZARD_OF_REFERRAL = {v: k for k, v in REFERRAL_OF_HAZARD.items()}


def _check(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    op.create_table(
        'referral_services',
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name_zh', sa.String(length=100), nullable=False),
        sa.Column('name_en', sa.String(length=100), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_referral_services')),
    )
    op.create_table(
        'departments',
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name_zh', sa.String(length=100), nullable=False),
        sa.Column('name_en', sa.String(length=100), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_departments')),
    )
    op.create_table(
        'referrals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('answer_id', sa.Integer(), nullable=True),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('grid_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=True),
        sa.Column('service_code', sa.String(length=32), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('status', sa.Enum('referred', 'accepted', 'done', name='referral_status',
                                    native_enum=False, create_constraint=True, length=12),
                  nullable=False),
        sa.Column('referred_on', sa.Date(), nullable=False),
        sa.Column('follow_up_on', sa.Date(), nullable=True),
        sa.Column('accepted_on', sa.Date(), nullable=True),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['answer_id'], ['answers.id'],
                                name=op.f('fk_referrals_answer_id_answers'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_referrals_created_by_id_users')),
        sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_referrals_grid_id_grids')),
        sa.ForeignKeyConstraint(['item_id'], ['checklist_items.id'],
                                name=op.f('fk_referrals_item_id_checklist_items')),
        sa.ForeignKeyConstraint(['resident_id'], ['residents.id'],
                                name=op.f('fk_referrals_resident_id_residents')),
        sa.ForeignKeyConstraint(['service_code'], ['referral_services.code'],
                                name=op.f('fk_referrals_service_code_referral_services')),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id'],
                                name=op.f('fk_referrals_visit_id_visits'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
        sa.UniqueConstraint('uuid', name=op.f('uq_referrals_uuid')),
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_visit_id'), ['visit_id'], unique=False)
        batch_op.create_index('ix_referrals_grid_status_follow_up',
                              ['grid_id', 'status', 'follow_up_on'], unique=False)
        batch_op.create_index('ix_referrals_referred_on', ['referred_on'], unique=False)

    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_service', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_checklist_items_referral_service_referral_services'),
            'referral_services', ['referral_service'], ['code'])

    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('department_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('reported_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('report_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column(
            'department_progress',
            sa.Enum('reported', 'in_hand', 'handled', 'no_response', name='department_progress',
                    native_enum=False, create_constraint=True, length=15),
            nullable=True))
        batch_op.add_column(sa.Column('department_note', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('department_updated_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_hazards_department_code_departments'),
                                    'departments', ['department_code'], ['code'])
        batch_op.create_foreign_key(batch_op.f('fk_hazards_reported_by_id_users'),
                                    'users', ['reported_by_id'], ['id'])

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_answers_answer_value'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_answers_answer_value'), _check("value", ("ok", "hazard", "na", "concern")))

    _welfare_hazards_to_referrals()


def _welfare_hazards_to_referrals():
    bind = op.get_bind()
    services = sa.table('referral_services', sa.column('code'), sa.column('name_zh'),
                        sa.column('name_en'), sa.column('position'))
    op.bulk_insert(services, [
        {"code": c, "name_zh": zh, "name_en": en, "position": i}
        for i, (c, zh, en) in enumerate(SERVICES, start=1)
    ])
    for code, service in WELFARE_ITEMS.items():
        bind.execute(sa.text("UPDATE checklist_items SET referral_service = :s WHERE code = :c"),
                     {"s": service, "c": code})
    rows = bind.execute(sa.text(
        "SELECT h.id, h.answer_id, h.visit_id, h.item_id, h.grid_id, h.resident_id, h.note, "
        "h.status, h.found_on, h.due_on, h.rectified_on, h.rectified_note, h.verified_at, "
        "h.created_at, i.referral_service, v.worker_id "
        "FROM hazards h JOIN checklist_items i ON i.id = h.item_id "
        "JOIN visits v ON v.id = h.visit_id "
        "WHERE i.referral_service IS NOT NULL"
    )).mappings().all()
    for h in rows:
        status = REFERRAL_OF_HAZARD[h["status"]]
        bind.execute(sa.text(
            "INSERT INTO referrals (uuid, visit_id, answer_id, item_id, grid_id, resident_id, "
            "service_code, note, status, referred_on, follow_up_on, accepted_on, done_on, "
            "outcome, created_by_id, created_at) VALUES (:uuid, :visit_id, :answer_id, "
            ":item_id, :grid_id, :resident_id, :service, :note, :status, :found_on, :follow, "
            ":accepted_on, :done_on, :outcome, :worker_id, :created_at)"
        ), {
            **h,
            "uuid": str(uuid.uuid4()),
            "service": h["referral_service"],
            "status": status,
            "follow": h["due_on"] if status == "referred" else None,
            "accepted_on": h["rectified_on"] if status != "referred" else None,
            "done_on": h["rectified_on"] if status == "done" else None,
            "outcome": h["rectified_note"] or "",
        })
        # The photos showed the person's situation: they stay with the checklist answer.
        bind.execute(sa.text(
            "UPDATE photos SET hazard_id = NULL, is_rectification = :f, "
            "answer_id = :answer_id, visit_id = COALESCE(visit_id, :visit_id) "
            "WHERE hazard_id = :id"
        ), {"f": False, "answer_id": h["answer_id"], "visit_id": h["visit_id"], "id": h["id"]})
        bind.execute(sa.text("DELETE FROM hazards WHERE id = :id"), {"id": h["id"]})
    if rows:
        bind.info.setdefault("rows_deleted_on_purpose", set()).add("hazards")
    bind.execute(sa.text(
        "UPDATE answers SET value = 'concern' WHERE value = 'hazard' AND item_id IN "
        "(SELECT id FROM checklist_items WHERE referral_service IS NOT NULL)"
    ))


def _referrals_to_welfare_hazards():
    """Back as the old schema had them: a 'hazard' answer with its hazard."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT r.*, i.default_severity, i.default_days, i.template_id FROM referrals r "
        "JOIN checklist_items i ON i.id = r.item_id WHERE r.answer_id IS NOT NULL"
    )).mappings().all()
    seen = set()
    for r in rows:
        if r["answer_id"] in seen:
            continue  # a hazard per answer at most
        seen.add(r["answer_id"])
        status = HAZARD_OF_REFERRAL[r["status"]]
        due = r["follow_up_on"] or r["referred_on"]
        bind.execute(sa.text(
            "INSERT INTO hazards (answer_id, visit_id, item_id, template_id, grid_id, "
            "resident_id, severity, note, found_on, due_on, status, rectified_on, "
            "rectified_note, returned_comment, created_at) VALUES (:answer_id, :visit_id, "
            ":item_id, :template_id, :grid_id, :resident_id, :default_severity, :note, "
            ":referred_on, :due, :status, :rectified_on, :outcome, '', :created_at)"
        ), {**r, "due": max(due, r["referred_on"]), "status": status,
            "rectified_on": r["accepted_on"] if status != "open" else None})
    bind.execute(sa.text("UPDATE answers SET value = 'hazard' WHERE value = 'concern'"))
    bind.info.setdefault("rows_deleted_on_purpose", set()).update(
        {"referrals", "referral_services", "departments"})


def downgrade():
    _referrals_to_welfare_hazards()
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_answers_answer_value'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_answers_answer_value'), _check("value", ("ok", "hazard", "na")))
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_hazards_reported_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_hazards_department_code_departments'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_hazards_department_progress'), type_='check')
        batch_op.drop_column('department_updated_on')
        batch_op.drop_column('department_note')
        batch_op.drop_column('department_progress')
        batch_op.drop_column('report_note')
        batch_op.drop_column('reported_by_id')
        batch_op.drop_column('department_code')
        batch_op.drop_column('reported_on')
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_checklist_items_referral_service_referral_services'),
            type_='foreignkey')
        batch_op.drop_column('referral_service')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_referred_on')
        batch_op.drop_index('ix_referrals_grid_status_follow_up')
        batch_op.drop_index(batch_op.f('ix_referrals_visit_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_resident_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_answer_id'))
    op.drop_table('referrals')
    op.drop_table('departments')
    op.drop_table('referral_services')
