"""Backups rotate, and a restore re-runs the erasures made since the backup (issue 14, 7)."""

import os

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Resident
from app.ops.backup import rotate
from app.ops.retention import ERASED_NAME
from tests.conftest import PG_URL

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite backup; PostgreSQL uses pg_dump")


@sqlite_only
def test_a_restore_of_a_backup_taken_before_an_erasure_erases_again(
    client, runner, world, login_as, make_resident, tmp_path
):
    r = make_resident(name="王秀英", phone="13800000000")
    rid = r.id
    archive = tmp_path / "before.tar.gz"
    assert runner.invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    login_as(world.secretary_a)
    resp = client.post(f"/residents/{rid}/erase", data={"reason": "resident_asked", "confirm": "y"})
    assert resp.status_code == 303
    db.session.remove()
    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    back = db.session.get(Resident, rid)
    assert back.name == ERASED_NAME
    assert back.phone is None
    assert back.erased_at is not None
    names = db.session.scalars(sa.select(Resident.name)).all()
    assert "王秀英" not in names


def test_rotation_keeps_the_newest(tmp_path):
    for i in range(5):
        path = tmp_path / f"gridbook-2026010{i}-000000.tar.gz"
        path.write_bytes(b"x")
        os.utime(path, (1_700_000_000 + i, 1_700_000_000 + i))
    (tmp_path / "other.tar.gz").write_bytes(b"keep me")
    removed = rotate(tmp_path, 2)
    assert len(removed) == 3
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [
        "gridbook-20260103-000000.tar.gz",
        "gridbook-20260104-000000.tar.gz",
        "other.tar.gz",
    ]


def test_sqlite_runs_with_secure_delete(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
