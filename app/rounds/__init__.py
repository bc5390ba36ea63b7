from flask import Blueprint

bp = Blueprint("rounds", __name__, url_prefix="/rounds")

from . import due  # noqa: E402,F401  (keeps the stored due dates current on every flush)
