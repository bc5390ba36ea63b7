"""The outbox: entries a phone kept while it had no network, and how their replays are answered.

The entries live on the phone (static/js/outbox-core.js); the server only lists them on a page
of their own and answers each replayed POST in a form the replayer can act on (replay.py).
"""

from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/outbox")
