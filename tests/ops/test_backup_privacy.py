"""Backups rotate, and a restore re-runs the erasures made since the backup (issue 14, 7)."""

import json
import os

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Resident
from app.ops.backup import rotate
from app.ops.retention import ERASED_NAME


def test_a_restore_of_a_backup_taken_before_an_erasure_erases_again(
    client, runner, world, login_as, make_resident, tmp_path
):
    """On SQLite and on PostgreSQL (pg_dump inside the backup, pg_restore on restore)."""
    r = make_resident(name="王秀英", phone="13800000000", household_size=3, notes="腿脚不便")
    kept = make_resident(name="李桂兰", phone="13900000000")
    rid, kept_id = r.id, kept.id
    archive = tmp_path / "before.tar.gz"
    result = runner.invoke(args=["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output
    login_as(world.secretary_a)
    resp = client.post(f"/residents/{rid}/erase", data={"reason": "resident_asked", "confirm": "y"})
    assert resp.status_code == 303
    db.session.remove()
    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    back = db.session.get(Resident, rid)
    assert (back.name, back.phone, back.notes) == (ERASED_NAME, None, "")
    assert back.household_size == 0  # not the 3 of the backup
    assert back.erased_at is not None
    names = db.session.scalars(sa.select(Resident.name)).all()
    assert "王秀英" not in names
    other = db.session.get(Resident, kept_id)  # the restore itself did bring data back
    assert (other.name, other.phone) == ("李桂兰", "13900000000")
    replays = db.session.scalars(
        sa.select(AuditEvent.detail).where(
            AuditEvent.action == "resident_erased", AuditEvent.object_id == str(rid)
        )
    ).all()
    assert any(json.loads(d).get("replayed_after_restore") for d in replays)


def test_a_backup_of_the_other_engine_is_refused(runner, tmp_path, make_resident):
    import io
    import tarfile

    from app.ops.backup import read_manifest

    make_resident()
    archive = tmp_path / "b.tar.gz"
    assert runner.invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    manifest = read_manifest(archive)
    other = "sqlite" if manifest.engine == "postgresql" else "postgresql"
    swapped = tmp_path / "swapped.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(swapped, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                data = json.dumps({**json.loads(data), "engine": other}).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    result = runner.invoke(args=["restore", str(swapped), "--yes"])
    assert result.exit_code != 0
    assert f"backup of a {other} database" in result.output


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
