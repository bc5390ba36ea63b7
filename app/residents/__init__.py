from flask import Blueprint

bp = Blueprint("residents", __name__, url_prefix="/residents")
