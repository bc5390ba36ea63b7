"""The opaque per-user key that tags what the phone keeps (page caches, outbox entries)."""

import hashlib
import hmac

from flask import current_app, request


def user_key(user) -> str:
    """An HMAC of the user id: the same on every page for one user, never the id or login."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    secret = current_app.config["SECRET_KEY"].encode()
    msg = f"gridbook-offline-user:{user.id}".encode()
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()[:32]


# Pages say whose they are (the service worker keeps them under that user); a replayed
# entry says whose it is (the server refuses another user's).
USER_HEADER = "X-Gridbook-User"
WARMUP_HEADER = "Gridbook-Warmup"


def is_warmup() -> bool:
    """True for a page the service worker fetches to keep the caseload on the phone.

    The caseload list route audits the whole list once when it is taken offline; the pages
    fetched from it then are not audited one by one (500 rows per login would bury the
    reads a person actually made).
    """
    from ..permissions import can

    return request.headers.get(WARMUP_HEADER) == "1" and can("offline.caseload")
