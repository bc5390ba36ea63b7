from flask import Blueprint

bp = Blueprint("tallies", __name__, url_prefix="/tallies")
