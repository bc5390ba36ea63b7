"""The framework ceiling: a bare Flask route rendering 20 residents' rows from a list.

`bench/run.py` times it in-process beside the worker pages; `bench/gunicorn_load.py` serves
it with gunicorn (`bench.ceiling_app:app`, rows from the file named by CEILING_ROWS) to
compare requests per second with Today under the same settings and load. Issue 19 measures
the worker pages against it, so it stays as the issue measured it (render_template_string).
"""

import json
import os

from flask import Flask, render_template_string

CEILING_TEMPLATE = """<!doctype html><html lang="zh-Hans"><head><title>居民</title>
<link rel="stylesheet" href="/static/app.css"></head><body><main><h1>居民</h1>
<table id="resident-rows">{% for r in rows %}<tr id="resident-{{ r.id }}">
<td><a href="/residents/{{ r.id }}">{{ r.name }}</a></td>
<td>{{ r.building }}-{{ r.unit }}-{{ r.room }}</td><td>{{ r.grid }}</td>
<td>{% for c in r.care %}<span class="tag">{{ c }}</span>{% endfor %}</td></tr>
{% endfor %}</table><a href="?page=2">更多</a></main></body></html>"""


def make_app(rows: list[dict]) -> Flask:
    """A Flask app with one route and nothing else: no database, session or extensions."""
    bare = Flask("ceiling")

    @bare.route("/residents")
    def residents():
        return render_template_string(CEILING_TEMPLATE, rows=rows)

    return bare


def _rows_from_file() -> list[dict]:
    path = os.environ.get("CEILING_ROWS")
    if not path:
        return []
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# gunicorn's entry point; importing the module for make_app alone reads no file.
app = make_app(_rows_from_file()) if os.environ.get("CEILING_ROWS") else None
