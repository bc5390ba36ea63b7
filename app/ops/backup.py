"""Backup and restore of a deployment: the database and the photo store in one file.

SQLite is copied with its online backup API, which takes a consistent snapshot while the app
keeps writing. PostgreSQL is dumped with pg_dump (custom format) from a snapshot exported by
our own transaction, so the row counts in the manifest are those of the dump. The photo store
is archived after that snapshot, so every photo row in the copy has its files (photo files
are written before their row commits); files of photos added later come along unused, and
`flask photos gc` removes them after a restore.

A restore erases again every resident erased since the backup was made (PIPL Art. 47): the
erasures are read from the audit log before the data is replaced and replayed before the
command returns, on both engines.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app

from ..db import SQLITE_BUSY_TIMEOUT_MS
from ..extensions import db
from ..photos.storage import KEY_RE
from ..timeutil import utcnow

FORMAT = 1
DB_MEMBER = "gridbook.db"
PG_MEMBER = "gridbook.dump"
MANIFEST_MEMBER = "manifest.json"
PHOTOS_PREFIX = "photos/"


class BackupError(Exception):
    """A backup or restore that cannot go ahead, with the reason for the operator."""


@dataclass(frozen=True)
class Manifest:
    """What a backup file holds, written into it as manifest.json."""

    created_at: str
    revision: str
    db_sha256: str
    counts: dict
    photo_files: int
    format: int = FORMAT
    engine: str = "sqlite"  # backups made before PostgreSQL was supported are all SQLite

    @classmethod
    def from_json(cls, raw: bytes) -> "Manifest":
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {data.get('format')!r}.")
        return cls(
            **{
                k: data[k]
                for k in ("created_at", "revision", "db_sha256", "counts", "photo_files", "format")
            },
            engine=data.get("engine", "sqlite"),
        )


def engine_name() -> str:
    """sqlite or postgresql (BackupError for any other database)."""
    name = db.engine.url.get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups of a {name} database are not supported.")
    return name


def sqlite_path() -> Path:
    """The SQLite database file of this deployment."""
    url = db.engine.url
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory database cannot be backed up.")
    return Path(url.database).resolve()


def code_revision() -> str:
    """The schema revision this version of the code expects (the migrations' head)."""
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return ",".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    return conn


def _describe(conn: sqlite3.Connection) -> tuple[str, dict]:
    revision = ",".join(
        sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
    )
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    # Table names come from sqlite_master, not from a user.
    counts = {
        t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608
        for t in tables
    }
    return revision, counts


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _snapshot(source: Path, target: Path) -> None:
    """A consistent copy of the live database, as one self-contained file."""
    src = _connect(source)
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        # All pages in one step: SQLite holds a read snapshot for the whole copy, so writers
        # (under WAL) go on and the copy is of one moment.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode = DELETE")
        problems = dst.execute("PRAGMA integrity_check").fetchall()
        if problems != [("ok",)]:
            raise BackupError(f"The copy failed its integrity check: {problems[:5]}")
    finally:
        dst.close()
        src.close()


def _pg_run(program: str, *args: str) -> None:
    """Run a PostgreSQL client program against this deployment's database."""
    path = shutil.which(program)
    if path is None:
        raise BackupError(
            f"{program} is not installed: install the PostgreSQL client tools "
            "(the server's major version or newer)."
        )
    url = db.engine.url
    env = dict(os.environ)
    # The connection travels in the environment, so the password never shows in `ps`.
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[key] = str(value)
    # Arguments are ours (paths, flags, a snapshot id from the server), never a user's.
    done = subprocess.run(  # noqa: S603
        [path, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip()[-800:]}")


def _pg_dump(target: Path) -> tuple[str, dict]:
    """Dump the PostgreSQL database into target; its schema revision and row counts."""
    connection = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with connection as conn, conn.begin():
        # pg_dump reads the very snapshot our transaction holds: the counts match the dump.
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        revision = ",".join(
            sorted(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
        )
        tables = conn.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
            "ORDER BY table_name"
        ).scalars()
        # Table names come from the catalogue, not from a user.
        counts = {
            t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one()  # noqa: S608
            for t in list(tables)
        }
        _pg_run("pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}")
    return revision, counts


def _pg_restore(dump: Path) -> None:
    """Replace every table of the PostgreSQL database with the dump's, in one transaction."""
    db.session.remove()
    db.engine.dispose()
    _pg_run(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={db.engine.url.database}",
        str(dump),
    )


def _photo_files(store_root: Path):
    """(archive name, path) of every stored photo file; staged uploads are left out."""
    if not store_root.is_dir():
        return
    for path in sorted(store_root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
        if KEY_RE.match(path.name) and path.is_file():
            yield f"{PHOTOS_PREFIX}{path.relative_to(store_root).as_posix()}", path


def default_output() -> Path:
    """instance/backups/gridbook-<UTC time>.tar.gz"""
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    return Path(current_app.instance_path) / "backups" / f"gridbook-{stamp}.tar.gz"


def make_backup(output: Path | None = None) -> tuple[Path, Manifest]:
    """Write the database snapshot, the photo store and a manifest into one .tar.gz."""
    engine = engine_name()
    rotating = output is None  # only the default folder is ours to prune
    output = Path(output or default_output()).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    store_root = Path(current_app.config["PHOTO_STORE"])
    # Taken before the snapshot: an erasure made while the copy is written counts as after
    # it, and a restore replays it (replaying one the copy already holds does nothing).
    started = utcnow()
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as tmp:
        if engine == "postgresql":
            snapshot = Path(tmp) / PG_MEMBER
            revision, counts = _pg_dump(snapshot)
        else:
            snapshot = Path(tmp) / DB_MEMBER
            _snapshot(sqlite_path(), snapshot)
            conn = sqlite3.connect(snapshot)
            try:
                revision, counts = _describe(conn)
            finally:
                conn.close()
        photos = list(_photo_files(store_root))
        manifest = Manifest(
            created_at=started.isoformat(timespec="seconds") + "Z",
            revision=revision,
            db_sha256=_sha256(snapshot),
            counts=counts,
            photo_files=len(photos),
            engine=engine,
        )
        partial = Path(tmp) / "backup.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            raw = json.dumps(manifest.__dict__, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST_MEMBER)
            info.size = len(raw)
            info.mtime = int(utcnow().timestamp())
            tar.addfile(info, io.BytesIO(raw))
            tar.add(snapshot, snapshot.name)
            for name, path in photos:
                try:
                    tar.add(path, name)
                except FileNotFoundError:  # deleted meanwhile: its row is gone too
                    continue
        # Only a complete backup file ever appears under its name.
        os.replace(partial, output)
    if rotating:
        rotate(output.parent, current_app.config.get("BACKUP_KEEP", 7))
    return output, manifest


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` Gridbook backups in the directory."""
    backups = sorted(directory.glob("gridbook-*.tar.gz"), key=lambda p: (p.stat().st_mtime, p.name))
    old = backups[: max(len(backups) - max(keep, 1), 0)]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def erasures_since(created_at: str) -> list[int]:
    """Residents erased (on request or by retention) after a backup was made."""
    import sqlalchemy as sa

    from ..models import AuditEvent

    since = datetime.fromisoformat(created_at.removesuffix("Z"))
    ids = db.session.scalars(
        sa.select(AuditEvent.object_id).where(
            AuditEvent.action == "resident_erased", AuditEvent.at >= since
        )
    )
    return sorted({int(i) for i in ids if i.isdigit()})


def replay_erasures(resident_ids: list[int]) -> int:
    """Erase again, in the restored database, those erased since the backup was made."""
    from ..db import write_intent
    from ..models import Resident
    from .retention import ErasureReport, delete_unused_files, erase_resident

    report = ErasureReport()
    with write_intent():
        for rid in resident_ids:
            resident = db.session.get(Resident, rid)
            if resident is not None and resident.erased_at is None:
                erase_resident(resident, report, {"replayed_after_restore": True})
        db.session.commit()
    delete_unused_files(report.photo_keys)
    return len(report.resident_ids)


def read_manifest(archive: Path) -> Manifest:
    """The manifest of a backup file (BackupError if it is not one of ours)."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST_MEMBER)
            if member is None:
                raise KeyError(MANIFEST_MEMBER)
            return Manifest.from_json(member.read())
    except (OSError, KeyError, tarfile.TarError, ValueError, TypeError) as err:
        raise BackupError(f"{archive} is not a Gridbook backup ({err}).") from err


def restore_backup(archive: Path, force: bool = False) -> Manifest:
    """Put the backup's database and photos in place of the current ones, then erase again
    whoever was erased since the backup was made."""
    engine = engine_name()
    manifest = read_manifest(archive)
    if manifest.engine != engine:
        raise BackupError(
            f"{archive} is a backup of a {manifest.engine} database; this deployment uses {engine}."
        )
    expected = code_revision()
    if manifest.revision != expected and not force:
        raise BackupError(
            f"The backup has schema revision {manifest.revision}, this code "
            f"expects {expected}. Use the matching version of Gridbook, or "
            "--force and then `flask db upgrade`."
        )
    store_root = Path(current_app.config["PHOTO_STORE"])
    # An erasure made after the backup must survive the restore (PIPL Art. 47).
    erased = erasures_since(manifest.created_at)
    member_name = PG_MEMBER if engine == "postgresql" else DB_MEMBER
    workdir = Path(archive).resolve().parent if engine == "postgresql" else sqlite_path().parent
    with tempfile.TemporaryDirectory(dir=workdir, prefix=".restore-") as tmp:
        copy = Path(tmp) / member_name
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(member_name)
            if member is None:
                raise BackupError(f"{archive} holds no database.")
            with copy.open("wb") as fh:
                fh.write(member.read())
            if _sha256(copy) != manifest.db_sha256:
                raise BackupError(f"{archive} is damaged: the database checksum differs.")
            restored = _restore_photos(tar, store_root)
        if engine == "postgresql":
            _pg_restore(copy)
        else:
            _restore_sqlite(copy, sqlite_path())
    replayed = replay_erasures(erased)
    current_app.logger.info(
        "restored %s (%d photo files, %d erasures replayed)", archive, restored, replayed
    )
    return manifest


def _restore_sqlite(copy: Path, target: Path) -> None:
    """Write the backup's SQLite database over the live one."""
    db.session.remove()
    db.engine.dispose()
    # The backup API writes the copy into the live file in one transaction, under
    # SQLite's own locks: running app processes see the old or the new database, never
    # half of each, and their WAL stays consistent (a file swap would break it).
    src = sqlite3.connect(copy, isolation_level=None)
    dst = _connect(target)
    try:
        src.backup(dst, pages=-1)
        problems = dst.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise BackupError(f"Foreign key check failed after restore: {problems[:5]}")
    finally:
        dst.close()
        src.close()


def _restore_photos(tar: tarfile.TarFile, store_root: Path) -> int:
    """Write the archived photo files into the store, each atomically; the count."""
    count = 0
    for member in tar:
        if not member.name.startswith(PHOTOS_PREFIX) or not member.isfile():
            continue
        parts = member.name[len(PHOTOS_PREFIX) :].split("/")
        # Only names the store itself would use: nothing can land outside it.
        if (
            len(parts) != 3
            or not KEY_RE.match(parts[2])
            or parts[0] != parts[2][:2]
            or parts[1] != parts[2][2:4]
        ):
            continue
        target = store_root.joinpath(*parts)
        source = tar.extractfile(member)
        if source is None:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restore")
        with partial.open("wb") as fh:
            fh.write(source.read())
        os.replace(partial, target)
        count += 1
    return count
