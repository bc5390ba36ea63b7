# Gridbook: `make run` serves the app, `make test` runs the suite. Both set up what is missing.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PORT ?= 5000
export FLASK_APP := wsgi:app

.PHONY: run test setup assets translations db demo bench load lint clean extract-messages

run: setup db
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed assets translations

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

assets: app/static/vendor/.installed

app/static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p app/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js app/static/vendor/htmx.min.js
	cp node_modules/@picocss/pico/css/pico.min.css app/static/vendor/pico.min.css
	cp node_modules/chart.js/dist/chart.umd.min.js app/static/vendor/chart.umd.min.js
	touch $@

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d app/translations -f

extract-messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k pgettext:1c,2 -k lazy_pgettext:1c,2 -o messages.pot app
	$(VENV)/bin/pybabel update -i messages.pot -d app/translations --no-fuzzy-matching

db: setup
	$(FLASK) db upgrade
	$(FLASK) seed
	$(FLASK) demo load --if-empty

bench: setup
	$(PY) bench/run.py

# 50 simulated workers against gunicorn on 127.0.0.1 for at most 60 s (bench/load.py).
load: setup
	$(PY) bench/load.py

lint: setup
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/ruff format --check app tests bench

clean:
	rm -rf $(VENV) node_modules app/static/vendor
