from flask import Blueprint

bp = Blueprint("residents", __name__, url_prefix="/residents")

# Households follow residents' addresses on every flush (a session event).
from . import households  # noqa: E402, F401
