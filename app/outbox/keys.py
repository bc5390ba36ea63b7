"""The opaque key that tags a user's entries on a shared phone."""

import hashlib
import hmac

from flask import current_app


def user_key(user) -> str:
    """An HMAC of the user's id: the same user always, never the id or the login itself.

    Offline caches and outbox entries are tagged with it, so that the next person to log in
    on the phone neither sees nor replays them.
    """
    secret = current_app.secret_key
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(secret, f"gridbook-user:{user.id}".encode(), hashlib.sha256).hexdigest()[:32]
