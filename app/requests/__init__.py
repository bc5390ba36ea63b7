from flask import Blueprint

bp = Blueprint("requests", __name__, url_prefix="/requests")
