"""Create-once semantics for client-generated UUIDs: double taps and retried POSTs."""

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .extensions import db


class PayloadMismatch(Exception):
    """The UUID was used before for a record with different content."""

    def __init__(self, existing):
        super().__init__("client UUID reused with a different payload")
        self.existing = existing


def create_once(model, client_uuid: str, create: Callable[[], object],
                same: Callable[[object], bool]):
    """Return (record, created): the record made for this UUID, creating it at most once.

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
        raise PayloadMismatch(existing)
    return existing, False
