"""Entry point for `flask`, gunicorn (`gunicorn wsgi:app`) and other WSGI servers."""

from app import create_app

app = create_app()
