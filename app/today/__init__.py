from flask import Blueprint

bp = Blueprint("today", __name__, url_prefix="/today")

from . import routes  # noqa: E402, F401
