# Gridbook: `make run` serves the app, `make test` runs the suite. Both set up what is missing.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PORT ?= 5000
export FLASK_APP := wsgi:app

.PHONY: run dev test setup assets translations db demo bench load load-cluster bench-photos lint clean pot extract-messages

# gunicorn, as in production (gunicorn.conf.py); `make dev` serves with Flask's reloader.
run: setup db
	GUNICORN_BIND=127.0.0.1:$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

dev: setup db
	$(FLASK) --debug run --host 127.0.0.1 --port $(PORT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed assets translations

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

assets: static/vendor/.installed

# Pico is compiled from its own Sass with only the parts our pages use (static/css/pico.scss).
static/vendor/.installed: package.json package-lock.json static/css/pico.scss
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	node_modules/.bin/sass --no-source-map --style=compressed --silence-deprecation=if-function \
		--load-path=node_modules static/css/pico.scss static/vendor/pico.min.css
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js
	cp node_modules/chartjs-plugin-datalabels/dist/chartjs-plugin-datalabels.min.js static/vendor/chartjs-plugin-datalabels.min.js
	# axe-core checks accessibility in the browser tests only: no template loads it.
	cp node_modules/axe-core/axe.min.js static/vendor/axe.min.js
	# Workbox for the service worker, served from our origin (templates/offline/sw.js).
	mkdir -p static/vendor/workbox
	cp node_modules/workbox-sw/build/workbox-sw.js static/vendor/workbox/
	cp node_modules/workbox-*/build/workbox-*.prod.js static/vendor/workbox/
	touch $@

# Compiled only when a catalogue changed: two test runs side by side (.ci/run) must not
# rewrite a catalogue while the other reads it.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard app/translations/*/LC_MESSAGES/messages.po))
translations: $(CATALOGUES)

app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile -f -l $* -i $< -o $@

# Babel skips folders whose names start with "_" (templates/_macros): name them here.
MESSAGE_SOURCES := app templates templates/_macros
POT ?= messages.pot

pot: $(VENV)/.installed
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k pgettext:1c,2 -k lazy_pgettext:1c,2 -o $(POT) $(MESSAGE_SOURCES)

extract-messages: pot
	$(VENV)/bin/pybabel update -i $(POT) -d app/translations --no-fuzzy-matching --ignore-obsolete

db: setup
	$(FLASK) db upgrade
	$(FLASK) seed
	$(FLASK) demo load --if-empty

bench: setup
	$(PY) bench/run.py

# 50 simulated workers against gunicorn on 127.0.0.1 for at most 60 s (bench/load.py).
load: setup
	$(PY) bench/load.py

# The same load through nginx to 2 gunicorn processes sharing PostgreSQL, Redis and the photo
# store (bench/cluster.py; README: Several app hosts).
load-cluster: setup
	$(PY) bench/cluster.py

# A 12 MP and a 1600 px photo through the upload pipeline: time and peak memory.
bench-photos: setup
	$(PY) bench/photo_speed.py

lint: setup
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/ruff format --check app tests bench

clean:
	rm -rf $(VENV) node_modules static/vendor
