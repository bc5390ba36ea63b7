from flask import Blueprint

bp = Blueprint("hazards", __name__, url_prefix="/hazards")
