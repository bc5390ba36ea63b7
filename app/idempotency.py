"""Create-once semantics for client-generated UUIDs: double taps and retried POSTs."""

import uuid
from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .refusals import Conflict


def new_key() -> str:
    """A fresh client UUID, rendered into a create form when it is first shown."""
    return str(uuid.uuid4())


def client_key(value: str | None) -> str:
    """The client's UUID if well-formed, else a fresh one (a retry then cannot be matched)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return new_key()


def holds(record, values: dict) -> bool:
    """True if the record holds every value the form sent: a retry, not other content."""
    return all(getattr(record, name) == value for name, value in values.items())


class PayloadMismatch(Conflict):
    """The UUID was used before for a record with different content; `existing` is that record
    when the sender may open it, else None."""

    def __init__(self, existing, message=None):
        super().__init__(message or _l("This form was already sent with other content."))
        self.existing = existing


def create_once(
    model,
    client_uuid: str,
    create: Callable[[], object],
    same: Callable[[object], bool],
    mismatch=None,
):
    """Return (record, created): the record made for this UUID, creating it at most once.

    A UUID used before for other content raises PayloadMismatch with the `mismatch` message.
    Concurrent requests with one UUID race on the unique index; the losers roll back to a
    savepoint and return the winner's record.
    """
    existing = db.session.scalar(sa.select(model).where(model.uuid == client_uuid))
    if existing is None:
        try:
            with db.session.begin_nested():
                return create(), True
        except IntegrityError:
            existing = db.session.scalar(sa.select(model).where(model.uuid == client_uuid))
            if existing is None:
                raise
    if not same(existing):
        raise PayloadMismatch(existing, mismatch)
    return existing, False
