"""Writing the audit trail: who did what to which record, when, from where."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request
from flask_login import current_user

from ..db import end_transaction, write_intent
from ..extensions import db
from ..timeutil import utcnow
from .models import AuditEvent


def _fields(action: str, object_type: str, object_id, detail: dict | None, user) -> dict:
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    return dict(
        at=utcnow(),
        user_id=getattr(user, "id", None),
        username=getattr(user, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        ip=(request.remote_addr or "") if has_request_context() else "cli",
        # Only ids, codes and statuses go in detail: never a password, token or free text.
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else "",
    )


def record(action: str, object_type: str = "", object_id=None, detail=None, user=None) -> None:
    """Add an audit row to the current unit of work; it commits with the change it records."""
    if _demo_replay.get():
        return
    db.session.add(AuditEvent(**_fields(action, object_type, object_id, detail, user)))
    db.session.flush()


def record_later(action: str, object_type: str = "", object_id=None, detail=None, user=None):
    """Audit something that stands whether or not the request's change commits.

    Reads, refusals and failed logins: written in their own transaction once the request's
    own transaction is over, so they never wait on (or deadlock with) its write lock.
    """
    g.setdefault("pending_audit", []).append(_fields(action, object_type, object_id, detail, user))


def record_read(action: str, object_type: str, object_id=None, detail=None) -> None:
    """Audit that personal data was shown: one row per request, ids and counts only.

    The one deliberate write of a GET (STYLE.md). A page that reads several records keeps
    the first, the record the page is about; a search gives the number of hits, never the
    words searched for. Pages fetched to keep the caseload on the phone are not rows of
    their own: the caseload list audits them once, as a whole (app/offline/keys.py).
    """
    if not has_request_context() or not current_user.is_authenticated or g.get("read_audited"):
        return
    from ..offline.keys import is_warmup

    if is_warmup():
        return
    g.read_audited = True
    record_later(action, object_type, object_id, detail)


def record_refusal(object_type: str, object_id) -> None:
    """An out-of-scope or missing record was asked for."""
    if has_request_context() and current_user.is_authenticated:
        g.refusal_recorded = True
        record_later("access_denied", object_type, object_id, {"path": request.path[:200]})


def record_route_refusal() -> None:
    """A 404 from a route that names a record: logged like any other refusal, once.

    Role checks refuse before the scoped read, so the 404 handler records those refusals.
    """
    if g.get("refusal_recorded") or request.url_rule is None:
        return
    # A record is named by its id, or by the UUID a phone gave it (screening/u/<uuid>).
    named = [(k, v) for k, v in (request.view_args or {}).items() if k.endswith(("_id", "_uuid"))]
    if named:
        name, ident = named[-1]
        record_refusal(name.removesuffix("_id").removesuffix("_uuid"), str(ident)[:40])


def flush_pending(_exc=None) -> None:
    """Write the audit rows kept by record_later (teardown_request hook)."""
    rows = g.pop("pending_audit", None)
    if not rows:
        return
    try:
        # The request's own transaction ends first (a COMMIT of a read-only one on
        # PostgreSQL keeps psycopg's prepared statements), then one INSERT on a connection of
        # our own, without the unit of work's bookkeeping.
        end_transaction(_exc)
        with write_intent(), db.engine.begin() as conn:
            conn.execute(sa.insert(AuditEvent), rows)
    except Exception:  # the response is already on its way; log, never break it
        current_app.logger.exception("could not write %d audit rows", len(rows))


# The demo loader builds its records through the services but audits the load as one event:
# rows naming the demo users would keep `flask demo clear` from deleting them.
_demo_replay: ContextVar[bool] = ContextVar("gridbook_demo_replay", default=False)


@contextmanager
def demo_replay() -> Iterator[None]:
    """Within the block, record() writes nothing (the demo loader only)."""
    token = _demo_replay.set(True)
    try:
        yield
    finally:
        _demo_replay.reset(token)
