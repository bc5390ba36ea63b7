"""Reads for photos: the owner a photo hangs on, and the photos of an owner, scoped."""

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Answer, Hazard, Photo, Visit
from ..scope import get_or_404, select_for

OWNER_MODELS: dict[str, type] = {"visit": Visit, "answer": Answer, "hazard": Hazard}
OWNER_COLUMNS = {"visit": Photo.visit_id, "answer": Photo.answer_id, "hazard": Photo.hazard_id}
# A visit's gallery names whom the visit was to (its photos' line in the outbox): read with
# the visit, not by a statement of its own.
OWNER_OPTIONS: dict[type, tuple] = {Visit: (joinedload(Visit.resident), joinedload(Visit.project))}


def owner_type_of(owner) -> str:
    """'visit', 'answer' or 'hazard' for a record photos can hang on."""
    for name, model in OWNER_MODELS.items():
        if isinstance(owner, model):
            return name
    raise TypeError(f"photos cannot belong to {owner!r}")


def get_owner_or_404(owner_type: str | None, owner_id) -> Visit | Answer | Hazard:
    """The visit, answer or hazard the user may see, else 404."""
    model = OWNER_MODELS.get(owner_type or "")
    if model is None:
        abort(404)
    return get_or_404(model, owner_id, options=OWNER_OPTIONS.get(model, ()))


def photo_owner(photo: Photo) -> Visit | Answer | Hazard:
    """The record a photo belongs to."""
    for name, column in OWNER_COLUMNS.items():
        ident = getattr(photo, column.key)
        if ident is not None:
            model = OWNER_MODELS[name]
            return db.session.get(model, ident, options=OWNER_OPTIONS.get(model, ()))
    raise LookupError(f"{photo!r} has no owner")


def photos_for(owner, rectification: bool | None = None) -> list[Photo]:
    """The photos of a visit, answer or hazard the user may see, oldest first.

    For a hazard, rectification=False gives the photos of the problem and True those of
    the fix; None gives both.
    """
    column = OWNER_COLUMNS[owner_type_of(owner)]
    stmt = select_for(Photo).where(column == owner.id)
    if rectification is not None:
        stmt = stmt.where(Photo.is_rectification.is_(rectification))
    return list(db.session.scalars(stmt.order_by(Photo.id)))


def photos_by_uuid(uuids: list[str], user) -> list[Photo]:
    """Photos already stored for these client UUIDs (a retried upload), oldest first."""
    if not uuids:
        return []
    stmt = select_for(Photo, user).where(Photo.uuid.in_(uuids)).order_by(Photo.id)
    return list(db.session.scalars(stmt))


def referenced_keys(keys: list[str]) -> set[str]:
    """Which of these store keys a photo row still points to (full image or thumbnail).

    Unscoped on purpose: it serves housekeeping and returns content hashes, no records.
    """
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(db.session.scalars(sa.select(Photo.sha256).where(Photo.sha256.in_(chunk))))
        found.update(
            db.session.scalars(sa.select(Photo.thumb_sha256).where(Photo.thumb_sha256.in_(chunk)))
        )
    return found
