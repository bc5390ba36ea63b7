"""`flask backup` and `flask restore`: a round trip while visits keep being written."""

import io
import json
import sqlite3
import tarfile
import threading
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import DailyLog, Photo, Resident, Visit
from app.photos.storage import get_store
from app.timeutil import local_today, moment_on
from tests.conftest import PG_URL
from tests.photos.images import encoded

# The test's own reads must never hold the write lock the writer thread needs.
pytestmark = pytest.mark.usefixtures("reads_do_not_lock")

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite backup; PostgreSQL uses pg_dump")


def _count(model) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


class VisitWriter(threading.Thread):
    """Logs visits one by one, each in its own transaction, until stopped."""

    def __init__(self, app, resident_id, worker_id, grid_id, log_id):
        super().__init__(daemon=True)
        self.app, self.ids = app, (resident_id, worker_id, grid_id, log_id)
        self.stop = threading.Event()
        self.written = 0
        self.error = None

    def run(self):
        resident_id, worker_id, grid_id, log_id = self.ids
        day = local_today()
        try:
            with self.app.app_context():
                while not self.stop.is_set():
                    db.session.add(
                        Visit(
                            uuid=str(uuid.uuid4()),
                            worker_id=worker_id,
                            grid_id=grid_id,
                            resident_id=resident_id,
                            daily_log_id=log_id,
                            visited_on=day,
                            visited_at=moment_on(day),
                            purpose="routine",
                            outcome="done",
                            summary=f"writer {self.written}",
                        )
                    )
                    db.session.commit()
                    self.written += 1
                db.session.remove()
        except Exception as err:  # reported by the test
            self.error = err


@pytest.fixture
def photo_visit(client, world, login_as, make_resident, make_visit):
    visit = make_visit(resident=make_resident())
    login_as(world.worker_a)
    resp = client.post(
        "/photos",
        content_type="multipart/form-data",
        htmx=True,
        data={
            "owner_type": "visit",
            "owner_id": str(visit.id),
            "client_uuid": str(uuid.uuid4()),
            "photos": [(io.BytesIO(encoded("JPEG")), "a.jpg")],
        },
    )
    assert resp.status_code == 200
    return visit


@sqlite_only
def test_backup_and_restore_round_trip_while_writing(
    app, client, runner, world, photo_visit, tmp_path
):
    log = db.session.scalar(sa.select(DailyLog))
    writer = VisitWriter(
        app, photo_visit.resident_id, world.worker_a.id, photo_visit.grid_id, log.id
    )
    photo = db.session.scalar(sa.select(Photo))
    photo_id, photo_key = photo.id, photo.sha256
    db.session.rollback()
    writer.start()
    try:
        while writer.written < 5 and writer.is_alive():
            writer.stop.wait(0.01)
        archive = tmp_path / "out" / "gridbook.tar.gz"
        result = runner.invoke(args=["backup", "--output", str(archive)])
        during = writer.written
        while writer.written < during + 5 and writer.is_alive():
            writer.stop.wait(0.01)
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        tar.extract("gridbook.db", tmp_path, filter="data")
    assert any(n.endswith(photo_key) for n in names)
    assert manifest["photo_files"] == 2
    copy = sqlite3.connect(tmp_path / "gridbook.db")
    in_copy = copy.execute("SELECT count(*) FROM visits").fetchone()[0]
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
    assert manifest["counts"]["visits"] == in_copy
    assert 1 + 5 <= in_copy < _count(Visit)  # a snapshot taken in the middle of the writes

    # Things change after the backup: a resident added, the photo's file lost.
    db.session.add(Resident(grid_id=world.a1.id, name="后来的人"))
    db.session.commit()
    get_store().delete(photo_key)

    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code != 0
    assert "--yes" in refused.output
    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output

    db.session.remove()
    assert _count(Visit) == in_copy
    assert db.session.scalar(sa.select(Resident.id).where(Resident.name == "后来的人")) is None
    with db.engine.connect() as conn:
        for table, n in manifest["counts"].items():
            sql = f'SELECT count(*) FROM "{table}"'  # noqa: S608
            assert conn.exec_driver_sql(sql).scalar() == n, table
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    assert get_store().exists(photo_key)
    # The login session was in the backup too; the photo is served again.
    assert client.get(f"/photos/{photo_id}").status_code == 200


def test_restore_refuses_another_schema_revision_and_a_damaged_file(runner, world, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert runner.invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}

    def repack(name, **changes):
        manifest = {**json.loads(members["manifest.json"]), **changes}
        path = tmp_path / name
        with tarfile.open(path, "w:gz") as tar:
            for member, data in {**members, "manifest.json": json.dumps(manifest).encode()}.items():
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return path

    other = runner.invoke(args=["restore", str(repack("old.tar.gz", revision="0000old")), "--yes"])
    assert other.exit_code != 0
    assert "schema revision 0000old" in other.output
    damaged = runner.invoke(
        args=["restore", str(repack("bad.tar.gz", db_sha256="0" * 64)), "--yes"]
    )
    assert damaged.exit_code != 0
    assert "damaged" in damaged.output
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a backup")
    assert "not a Gridbook backup" in runner.invoke(args=["restore", str(junk), "--yes"]).output
    assert _count(Resident) == 0  # nothing was touched


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only")
def test_backup_on_postgresql_holds_a_pg_dump_and_its_counts(runner, tmp_path, make_resident):
    import tarfile

    from app.ops.backup import read_manifest

    make_resident()
    make_resident(name="李四")
    result = runner.invoke(args=["backup", "-o", str(tmp_path / "x.tar.gz")])
    assert result.exit_code == 0, result.output
    manifest = read_manifest(tmp_path / "x.tar.gz")
    assert manifest.engine == "postgresql"
    assert manifest.counts["residents"] == 2
    with tarfile.open(tmp_path / "x.tar.gz") as tar:
        dump = tar.extractfile("gridbook.dump").read()
    assert dump.startswith(b"PGDMP")  # pg_dump's custom format
