from flask import Blueprint

bp = Blueprint("visits", __name__, url_prefix="/visits")

from . import follow_ups  # noqa: E402,F401  (keeps the open follow-ups current on every flush)
