"""The visit-rounds revision gives an existing database the seeded cadences and the typical
actions in both languages, keeping the English text it had; and undoes it."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.migrations.test_migrations import empty_db_url, migrate_app  # noqa: F401  (fixtures)

REVISION = "eaccca74d282"
BEFORE = f"{REVISION}-1"


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(db.engine).get_columns(table)}


@pytest.mark.usefixtures("migrate_app")
def test_existing_reference_rows_get_cadences_and_typical_actions():
    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO care_reasons (code, name_zh, name_en) "
            "VALUES ('elderly_alone', '独居老人', 'Elderly person living alone'), "
            "('local_only', '本地原因', 'A local reason')"
        )
        conn.exec_driver_sql(
            "INSERT INTO checklist_templates (id, code, name_zh, name_en, active) "
            "VALUES (1, 'fire', '消防安全', 'Fire safety', true)"
        )
        conn.exec_driver_sql(
            "INSERT INTO checklist_items (template_id, code, position, text_zh, text_en, "
            "action, default_severity, default_days) VALUES "
            "(1, 'F3', 1, '楼道停放电动车', 'E-bike in the stairwell', 'old', 'S1', 0), "
            "(1, 'X9', 2, '本地项目', 'A local item', 'kept as it was', 'S3', 7)"
        )
    upgrade(revision=REVISION)
    with db.engine.connect() as conn:
        every = {
            r[0]: r[1]
            for r in conn.exec_driver_sql("SELECT code, visit_every_days FROM care_reasons")
        }
        items = {
            r[0]: (r[1], r[2])
            for r in conn.exec_driver_sql("SELECT code, action_zh, action_en FROM checklist_items")
        }
    assert every == {"elderly_alone": 7, "local_only": None}
    assert items["F3"][0].startswith("劝导车主立即将电动车移出楼道")
    assert items["F3"][1].startswith("Advise the owner to move the e-bike")
    assert items["X9"] == ("", "kept as it was")

    downgrade(revision=BEFORE)
    assert "action" in _columns("checklist_items")
    assert "action_zh" not in _columns("checklist_items")
    assert "visit_every_days" not in _columns("care_reasons")
