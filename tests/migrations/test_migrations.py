"""Migrations: up, down and up again on an empty database; an upgrade on a copy of the (scaled
down) large demo data keeps every row and every foreign key, on SQLite and PostgreSQL.

There is one revision so far, so the data test adds a revision of its own on top of a copy of
migrations/: one that rebuilds tables the way SQLite batch migrations do (the risky case:
a dropped parent table cascades into its children unless env.py turns foreign keys off), and
one that loses rows, which env.py must refuse.
"""

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests.conftest import PG_URL, _base_config

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

REBUILD = '''"""test: rebuild tables with children (batch mode)"""
from alembic import op
import sqlalchemy as sa

revision = "ffff00000001"
down_revision = {head!r}
branch_labels = None
depends_on = None


def _recreate():
    # SQLite rebuilds the table (copy, drop, rename); PostgreSQL alters it in place.
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade():
    for table in ("residents", "visits", "users", "grids"):
        with op.batch_alter_table(table, recreate=_recreate()) as batch_op:
            batch_op.add_column(sa.Column("test_extra", sa.String(10), nullable=True))


def downgrade():
    for table in ("residents", "visits", "users", "grids"):
        with op.batch_alter_table(table, recreate=_recreate()) as batch_op:
            batch_op.drop_column("test_extra")
'''

LOSE_ROWS = '''"""test: a broken migration that loses rows"""
from alembic import op

revision = "ffff00000002"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM request_events")


def downgrade():
    pass
'''


@pytest.fixture
def empty_db_url(tmp_path):
    """A database of its own, empty (on PostgreSQL: a fresh database next to the test one)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    url = sa.engine.make_url(PG_URL)
    name = f"{url.database}_migrations"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def migrate_app(empty_db_url, tmp_path):
    app = create_app(_base_config(tmp_path, empty_db_url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar()  # noqa: S608
            for t in sorted(_tables())
        }


def _fk_problems() -> list:
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            return conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        # PostgreSQL enforces foreign keys on every write; check none is left NOT VALID.
        return conn.exec_driver_sql(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
        ).fetchall()


def _head() -> str:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def test_upgrade_downgrade_upgrade_on_an_empty_database(migrate_app):
    model_tables = {t.name for t in db.metadata.sorted_tables}
    upgrade()
    assert model_tables <= _tables()
    downgrade(revision="base")
    assert _tables() == set()
    upgrade()
    assert model_tables <= _tables()
    assert _fk_problems() == []


def _migrations_with(tmp_path: Path, name: str, source: str, head: str) -> str:
    target = tmp_path / "migrations"
    if not target.exists():
        shutil.copytree(MIGRATIONS, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "versions" / name).write_text(source.format(head=head))
    return str(target)


@pytest.fixture
def demo_data(migrate_app, empty_db_url, migrated_demo_source):
    """The migrated database with the demo township and a scaled-down large township."""
    from tests.migrations.conftest import copy_migrated_demo

    copy_migrated_demo(migrated_demo_source, empty_db_url)
    counts = _counts()
    assert counts["visits"] >= 2000
    assert counts["residents"] >= 600
    return counts


def test_upgrade_on_a_copy_of_data_keeps_rows_and_foreign_keys(migrate_app, demo_data, tmp_path):
    head = _head()
    directory = _migrations_with(tmp_path, "29991231_ffff00000001_test_rebuild.py", REBUILD, head)
    upgrade(directory=directory)
    assert _head() == "ffff00000001"
    assert "test_extra" in {c["name"] for c in sa.inspect(db.engine).get_columns("residents")}
    assert _counts() == demo_data
    assert _fk_problems() == []

    downgrade(directory=directory, revision=head)
    assert _head() == head
    assert _counts() == demo_data
    assert _fk_problems() == []


@pytest.mark.skipif(bool(PG_URL), reason="env.py's row-count guard is for SQLite's rebuilds")
def test_a_migration_that_loses_rows_is_refused_and_rolled_back(
    migrate_app, demo_data, tmp_path, capfd
):
    head = _head()
    directory = _migrations_with(
        tmp_path, "29991231_ffff00000002_test_lose_rows.py", LOSE_ROWS, head
    )
    assert demo_data["request_events"] > 0
    with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
        upgrade(directory=directory)
    assert "rows lost during migration" in capfd.readouterr().err
    db.session.remove()
    db.engine.dispose()
    assert _head() == head
    assert _counts() == demo_data


def test_welfare_hazards_become_referrals_and_back(migrate_app):
    """Revision 4e7a1b2c9d30: a hazard opened on a welfare item becomes a referral to the
    item's service (its photos stay with the answer); a safety item's hazard stays."""
    import uuid as uuidlib
    from datetime import date, datetime, timedelta

    from app.models import (
        Answer,
        ChecklistItem,
        Community,
        DailyLog,
        Grid,
        Hazard,
        Photo,
        Referral,
        Resident,
        Screening,
        Township,
        User,
        Visit,
    )
    from app.seed import load_reference_data

    upgrade()
    load_reference_data()
    t = Township(name="T")
    c = Community(township=t, name="C")
    g = Grid(community=c, name="G")
    db.session.add_all([t, c, g])
    db.session.flush()
    u = User(username="w", display_name="W", password_hash="x", role="worker", community_id=c.id)
    r = Resident(grid_id=g.id, name="老人")
    db.session.add_all([u, r])
    db.session.flush()
    day = date(2026, 11, 2)
    log = DailyLog(worker_id=u.id, community_id=c.id, day=day)
    db.session.add(log)
    db.session.flush()
    v = Visit(
        uuid=str(uuidlib.uuid4()),
        worker_id=u.id,
        grid_id=g.id,
        resident_id=r.id,
        daily_log_id=log.id,
        visited_on=day,
        visited_at=datetime(2026, 11, 2, 2, 0),
        purpose="elderly_care",
        outcome="done",
        summary="",
    )
    db.session.add(v)
    db.session.flush()
    items = {i.code: i for i in db.session.scalars(sa.select(ChecklistItem))}
    s = Screening(uuid=str(uuidlib.uuid4()), visit_id=v.id, template_id=items["W2"].template_id)
    db.session.add(s)
    db.session.flush()
    a_w2 = Answer(screening_id=s.id, item_id=items["W2"].id, value="concern")
    a_w6 = Answer(screening_id=s.id, item_id=items["W6"].id, value="hazard")
    db.session.add_all([a_w2, a_w6])
    db.session.flush()
    db.session.add(
        Referral(
            uuid=str(uuidlib.uuid4()),
            visit_id=v.id,
            answer_id=a_w2.id,
            item_id=items["W2"].id,
            grid_id=g.id,
            resident_id=r.id,
            service_code="health_station",
            note="血压高",
            referred_on=day,
            follow_up_on=day + timedelta(days=3),
            created_by_id=u.id,
        )
    )
    w6 = Hazard(
        answer_id=a_w6.id,
        visit_id=v.id,
        item_id=items["W6"].id,
        template_id=items["W6"].template_id,
        grid_id=g.id,
        resident_id=r.id,
        severity="S1",
        found_on=day,
        due_on=day,
    )
    db.session.add(w6)
    db.session.commit()
    ids = {"w2": a_w2.id, "w6": a_w6.id, "hazard_w6": w6.id, "user": u.id, "grid": g.id}
    db.session.remove()

    downgrade(revision="c10c5a1e0015")
    with db.engine.begin() as conn:
        rows = conn.execute(
            sa.text("SELECT answer_id, status, note FROM hazards ORDER BY answer_id")
        ).all()
        assert [tuple(x) for x in rows] == [(ids["w2"], "open", "血压高"), (ids["w6"], "open", "")]
        values = dict(conn.execute(sa.text("SELECT id, value FROM answers")).all())
        assert values == {ids["w2"]: "hazard", ids["w6"]: "hazard"}
        w2_hazard = conn.execute(
            sa.text("SELECT id FROM hazards WHERE answer_id = :a"), {"a": ids["w2"]}
        ).scalar()
        conn.execute(
            sa.text(
                "INSERT INTO photos (uuid, sha256, thumb_sha256, width, height, size_bytes, "
                "uploaded_by_id, grid_id, hazard_id, is_rectification, created_at) VALUES "
                "(:u, 'a', 'b', 1, 1, 1, :user, :grid, :h, :f, :now)"
            ),
            {
                "u": str(uuidlib.uuid4()),
                "user": ids["user"],
                "grid": ids["grid"],
                "h": w2_hazard,
                "f": False,
                "now": datetime(2026, 11, 2),
            },
        )

    upgrade()
    assert _fk_problems() == []
    ref = db.session.scalar(sa.select(Referral))
    assert (ref.answer_id, ref.service_code, ref.status, ref.note) == (
        ids["w2"],
        "health_station",
        "referred",
        "血压高",
    )
    assert list(db.session.scalars(sa.select(Hazard.id))) == [ids["hazard_w6"]]
    assert db.session.get(Answer, ids["w2"]).value == "concern"
    assert db.session.get(Answer, ids["w6"]).value == "hazard"
    photo = db.session.scalar(sa.select(Photo))
    assert (photo.answer_id, photo.hazard_id) == (ids["w2"], None)


def test_the_migrations_build_the_indexes_the_models_declare(migrate_app):
    """The pages are planned against the models' indexes (tests build their schema from the
    models); a database made by `flask db upgrade` must have the same, or production reads
    what no test and no benchmark ever did."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    index_ops = [d for d in diff if isinstance(d, tuple) and d[0] in ("add_index", "remove_index")]
    assert index_ops == []


def _visit_like(model_visit, n: int):
    from app.models import Visit

    columns = [c.key for c in Visit.__table__.columns if c.key not in ("id", "uuid")]
    copy = Visit(**{c: getattr(model_visit, c) for c in columns})
    copy.uuid = f"00000000-0000-0000-0009-{n:012d}"
    db.session.add(copy)
    db.session.flush()
    return copy.id


def test_a_deleted_visits_id_is_not_given_again_after_the_upgrade(migrate_app, demo_data):
    """SQLite gave the newest row's id again once it was deleted; the audit trail then named
    two visits with one id. The data came up to head through the AUTOINCREMENT rebuild."""
    from app.models import Visit

    downgrade(revision="b7d2e6a41c90")
    upgrade()
    assert _counts() == demo_data
    assert _fk_problems() == []
    newest = db.session.scalar(sa.select(Visit).order_by(Visit.id.desc()).limit(1))
    top = newest.id
    first = _visit_like(newest, 1)
    assert first == top + 1
    db.session.execute(sa.delete(Visit).where(Visit.id == first))
    db.session.commit()
    assert _visit_like(newest, 2) == top + 2
    db.session.rollback()
