from flask import Blueprint

bp = Blueprint("handovers", __name__, url_prefix="/handovers")
