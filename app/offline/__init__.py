"""The installable app and the caseload kept on the phone: manifest, service worker, icons.

No URL prefix: a service worker controls only the paths under its own, so /sw.js must sit
at the root to serve every page (scope "/").
"""

from flask import Blueprint

bp = Blueprint("offline", __name__)
