"""Writes for photos: add a batch, delete one, and clear orphan files from the store.

Files and rows must never disagree in a way a user notices. Processed bytes are staged in
the store's temporary area; they are promoted under their key only once the database
transaction that adds their rows has committed, and discarded when it ends any other way.
A crash in between leaves at worst a staged file or an unreferenced blob, which
`gc_orphans` removes; never a row without its file.
"""

import hashlib
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from ..audit.services import record
from ..db import write_lock_released
from ..extensions import db
from ..idempotency import PayloadMismatch, holds
from ..models import Answer, Hazard, Photo, Visit
from ..refusals import Conflict, Invalid
from ..review.locks import ensure_editable
from .pipeline import PhotoRejected, ProcessedPhoto, client_captured_at, process_photo
from .queries import OWNER_COLUMNS, owner_type_of, photo_owner, photos_by_uuid, referenced_keys
from .storage import StagedFile, age_seconds, get_store

MAX_FILES = 20
PENDING = "gridbook_photo_files"
GC_GRACE = timedelta(hours=1)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileProblem:
    """Why one file of a batch was refused."""

    filename: str
    message: object  # a lazy translated string


class PhotosRejected(Invalid):
    """A batch with at least one bad file: nothing of it is saved; `problems` lists each."""

    def __init__(self, problems: list[FileProblem]):
        super().__init__(problems[0].message)
        self.problems = problems


def batch_uuids(client_uuid: str, count: int) -> list[str]:
    """One stable UUID per file of a batch, derived from the form's client UUID."""
    base = uuid.UUID(str(client_uuid))
    return [str(uuid.uuid5(base, str(i))) for i in range(count)]


def daily_log_of(owner, is_rectification: bool = False):
    """The day whose approval locks changes to this owner's photos (None: no lock)."""
    if isinstance(owner, Visit):
        return owner.daily_log
    if isinstance(owner, Answer):
        return owner.screening.visit.daily_log
    if isinstance(owner, Hazard):
        # Rectification comes after the day of the finding, often long after its approval.
        if is_rectification or owner.visit is None:
            return None
        return owner.visit.daily_log
    raise TypeError(f"photos cannot belong to {owner!r}")


FIX_RECORDED = _l("The fix is recorded with these photos; they change only if it is sent back.")
FOUND_KEPT = _l(
    "Something was already done about this hazard: the photos of what was found stay as they are."
)


def _frozen(owner, is_rectification: bool):
    """Why a hazard's photos of this kind stay as they are, or None: the fix's once it is
    recorded (what the secretary verifies), until it is sent back; what was found once
    anything was done about it (what the fix is checked against)."""
    if not isinstance(owner, Hazard):
        return None
    if is_rectification:
        return FIX_RECORDED if owner.status != "open" else None
    return FOUND_KEPT if owner.acted_on else None


def can_add_photos(owner, is_rectification: bool = False) -> bool:
    """True while photos may still be added to (or removed from) this owner."""
    if isinstance(owner, Hazard) and owner.status == "verified":
        return False  # a verified fix is closed, its evidence with it
    if _frozen(owner, is_rectification):
        return False
    log = daily_log_of(owner, is_rectification)
    return log is None or not log.locked


def ensure_photos_editable(owner, is_rectification: bool = False) -> None:
    """Refuse a photo change on an approved day (Locked), a verified hazard or the photos of
    a fix already recorded (Conflict)."""
    if isinstance(owner, Hazard) and owner.status == "verified":
        raise Conflict(_l("This hazard is already verified and closed."))
    frozen = _frozen(owner, is_rectification)
    if frozen:
        raise Conflict(frozen)
    ensure_editable(daily_log_of(owner, is_rectification))


def grid_id_of(owner) -> int:
    """The grid a photo of this owner is counted in (and scoped by)."""
    if isinstance(owner, Answer):
        return owner.screening.visit.grid_id
    return owner.grid_id


def chosen_files(files) -> list:
    """The uploaded files, without the empty part a browser sends when none was chosen."""
    return [f for f in files or () if f is not None and getattr(f, "filename", "x")]


def _decoded(files) -> list[ProcessedPhoto]:
    """process_batch without the database's write lock held (app/db.py)."""
    with write_lock_released():
        return process_batch(files)


def process_batch(files) -> list[ProcessedPhoto]:
    """Process every file; PhotosRejected (listing each bad file) if any is refused."""
    results: list[ProcessedPhoto] = []
    problems: list[FileProblem] = []
    for f in files:
        name = (getattr(f, "filename", None) or "")[:100]
        try:
            results.append(process_photo(f))
        except PhotoRejected as err:
            if err.reason == "busy":  # each file would wait its turn again: stop here
                raise PhotosRejected([FileProblem("", err.message)]) from err
            problems.append(FileProblem(name, err.message))
    if problems:
        raise PhotosRejected(problems)
    return results


def add_photos(
    files,
    owner,
    user,
    client_uuid: str,
    is_rectification: bool = False,
    client_times: list[str] | None = None,
) -> list[Photo]:
    """Store a batch of photos on a visit, answer or hazard; a retried batch adds nothing.

    `client_times`, one per file in order, are the capture times the phone read from each
    photo before shrinking it (which drops the EXIF): used only where the file itself has no
    time, and only within the range a file's own would be accepted in.

    The caller has scope-checked the owner. Raises PhotosRejected (nothing saved) when any
    file is not a usable photo, Locked or Conflict when the owner's photos are closed.
    """
    owner_type = owner_type_of(owner)
    is_rectification = bool(is_rectification) and owner_type == "hazard"
    files = chosen_files(files)
    if not files:
        raise PhotosRejected([FileProblem("", _l("Choose or take at least one photo."))])
    if len(files) > MAX_FILES:
        raise PhotosRejected(
            [FileProblem("", _l("Send at most %(n)d photos at a time.", n=MAX_FILES))]
        )
    uuids = batch_uuids(client_uuid, len(files))
    if existing := photos_by_uuid(uuids, user):
        # A retry answers with what it stored; the same UUID on other files or another
        # owner is other content, never silently dropped. (A file of the batch already on
        # the owner was not stored under its UUID: see below.)
        sent = dict(zip(uuids, (_key(done) for done in _decoded(files)), strict=True))
        where = {f"{owner_type}_id": owner.id, "is_rectification": is_rectification}
        if any(sent.get(p.uuid) != p.sha256 or not holds(p, where) for p in existing):
            raise PayloadMismatch(None)
        # A file the first send did not store must be one its owner already had; a new one
        # under the old UUID is other content, not a retry.
        stored = {p.uuid for p in existing}
        unstored = [key for u, key in sent.items() if u not in stored]
        if unstored and set(unstored) - _held_by(owner, is_rectification, unstored):
            raise PayloadMismatch(None)
        return existing
    ensure_photos_editable(owner, is_rectification)
    processed = _decoded(files)
    if client_times and len(client_times) == len(processed):
        processed = [
            p if p.captured_at else replace(p, captured_at=client_captured_at(t))
            for p, t in zip(processed, client_times, strict=True)
        ]
    # The same picture chosen again (the walk: a save that looked stuck on a slow link, the
    # photo chosen a second time) is stored once on its owner: the secretary saw it twice and
    # the day counted it twice. Only such a batch is refused, naming the file.
    keys = [_key(done) for done in processed]
    uuids, processed, again = _new_on(owner, is_rectification, uuids, processed, keys, files)
    if not processed:
        if _replayed():
            # Sent from the phone's outbox: the picture is where the worker wanted it, and
            # a refusal would keep the entry on the phone as if it had failed.
            return _owner_photos(owner, is_rectification, keys)
        raise PhotosRejected(
            [FileProblem(name, _l("This photo is already attached here.")) for name in again]
        )

    store = get_store()
    pending = _pending(db.session())
    staged: list[StagedFile] = []
    try:
        with db.session.begin_nested():
            return _store_batch(uuids, processed, owner, user, is_rectification, staged)
    except IntegrityError:
        # The same batch sent twice at once: the other request stored it first.
        for file in staged:
            pending["promote"].remove(file)
            _discard_quietly(store, file)
        stored = list(
            db.session.scalars(
                sa.select(Photo)
                .where(Photo.uuid.in_(uuids), OWNER_COLUMNS[owner_type] == owner.id)
                .order_by(Photo.id)
            )
        )
        if not stored:
            if db.session.scalar(sa.select(Photo.id).where(Photo.uuid.in_(uuids)).limit(1)):
                raise PayloadMismatch(None) from None  # another user's batch
            raise
        return stored


def _key(done: ProcessedPhoto) -> str:
    """The store's key of a processed photo: the hash of its full JPEG."""
    return hashlib.sha256(done.full_jpeg).hexdigest()


def _replayed() -> bool:
    from flask import has_request_context

    from ..outbox.replay import is_replay

    return has_request_context() and is_replay()


def _held_by(owner, is_rectification: bool, keys: list[str]) -> set[str]:
    """Which of these pictures (store keys) the owner already has."""
    column = OWNER_COLUMNS[owner_type_of(owner)]
    return set(
        db.session.scalars(
            sa.select(Photo.sha256).where(
                column == owner.id,
                Photo.is_rectification.is_(is_rectification),
                Photo.sha256.in_(keys),
            )
        )
    )


def _owner_photos(owner, is_rectification: bool, keys: list[str]) -> list[Photo]:
    """The owner's photos of these pictures."""
    column = OWNER_COLUMNS[owner_type_of(owner)]
    return list(
        db.session.scalars(
            sa.select(Photo)
            .where(
                column == owner.id,
                Photo.is_rectification.is_(is_rectification),
                Photo.sha256.in_(keys),
            )
            .order_by(Photo.id)
        )
    )


def _new_on(owner, is_rectification, uuids, processed, keys, files):
    """The batch less the pictures its owner already has (or the batch holds twice); and the
    names of the files left out."""
    seen = _held_by(owner, is_rectification, keys)
    kept_uuids, kept, again = [], [], []
    for photo_uuid, done, key, f in zip(uuids, processed, keys, files, strict=True):
        if key in seen:
            again.append((getattr(f, "filename", None) or "")[:100])
            continue
        seen.add(key)
        kept_uuids.append(photo_uuid)
        kept.append(done)
    return kept_uuids, kept, again


def _store_batch(uuids, processed, owner, user, is_rectification, staged) -> list[Photo]:
    """Stage the files (promoted on commit) and add their rows; `staged` lists the files."""
    owner_type = owner_type_of(owner)
    store = get_store()
    pending = _pending(db.session())
    photos = []
    for photo_uuid, done in zip(uuids, processed, strict=True):
        full = store.stage(done.full_jpeg)
        staged.append(full)
        pending["promote"].append(full)
        thumb = store.stage(done.thumb_jpeg)
        staged.append(thumb)
        pending["promote"].append(thumb)
        photo = Photo(
            uuid=photo_uuid,
            sha256=full.key,
            thumb_sha256=thumb.key,
            width=done.width,
            height=done.height,
            size_bytes=len(done.full_jpeg),
            captured_at=done.captured_at,
            uploaded_by_id=user.id,
            grid_id=grid_id_of(owner),
            is_rectification=is_rectification,
            **{f"{owner_type}_id": owner.id},
        )
        db.session.add(photo)
        db.session.flush()
        record(
            "photo_added",
            "photo",
            photo.id,
            {"owner": owner_type, "owner_id": owner.id, "rectification": is_rectification},
            user=user,
        )
        photos.append(photo)
    return photos


def delete_photo(photo: Photo, user) -> None:
    """Remove a photo (not on an approved day); its files go once nothing else uses them."""
    owner = photo_owner(photo)
    ensure_photos_editable(owner, photo.is_rectification)
    keys = {photo.sha256, photo.thumb_sha256}
    record(
        "photo_deleted",
        "photo",
        photo.id,
        {"owner": owner_type_of(owner), "owner_id": owner.id},
        user=user,
    )
    db.session.delete(photo)
    db.session.flush()
    # The same picture may hang on another record too (same bytes, same key).
    unused = keys - referenced_keys(sorted(keys))
    _pending(db.session())["delete"].extend(sorted(unused))


def gc_orphans(grace: timedelta = GC_GRACE) -> int:
    """Delete stored files no photo points to and staged files left by a crash; the count.

    Files younger than `grace` are left alone: they may belong to an upload whose
    transaction is still running or has just committed.
    """
    store = get_store()
    removed = 0
    limit = grace.total_seconds()
    for staged, mtime in list(store.iter_staged()):
        if age_seconds(mtime) >= limit:
            store.discard(staged)
            removed += 1
    old = [key for key, mtime in store.iter_keys() if age_seconds(mtime) >= limit]
    used = referenced_keys(old)
    for key in old:
        if key not in used:
            store.delete(key)
            removed += 1
    return removed


def _pending(session: Session) -> dict:
    """Files to promote or delete when this session's transaction commits."""
    _install_hooks()
    return session.info.setdefault(PENDING, {"promote": [], "delete": []})


def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    store = get_store()
    for staged in pending["promote"]:
        try:
            store.promote(staged)
        except OSError:
            # The rows are committed; a missing file shows as a 404 image, and the staged
            # copy stays for an administrator to find.
            log.exception("photo %s committed but not stored", staged.key)
    for key in pending["delete"]:
        store.delete(key)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint or inner transaction: the outer one decides
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    store = get_store()
    for staged in pending["promote"]:
        _discard_quietly(store, staged)


def _discard_quietly(store, staged: StagedFile) -> None:
    try:
        store.discard(staged)
    except OSError:
        log.warning("staged photo %s left for gc", staged.path)


def _install_hooks() -> None:
    """Listen to session commits and transaction ends (once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
