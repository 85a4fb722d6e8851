# The two commands a newcomer needs: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: install run test test-browser deploy-check api-fuzz api-client fault-test cluster load-test lint format messages bench bench-peer clean

$(STAMP): requirements/dev.txt requirements/base.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: install
	DJANGO_SETTINGS_MODULE=clinic.settings.local $(PY) scripts/devenv.py run

test: install
	DJANGO_SETTINGS_MODULE=clinic.settings.test $(PY) scripts/devenv.py test -- $(PY) -m pytest $(PYTEST_ARGS)

# Real-browser journeys (Playwright + Debian's Chromium: apt-get install chromium). Not in `make test`.
test-browser: install
	npm ci --prefix tests/browser/node --no-audit --no-fund --silent
	DJANGO_SETTINGS_MODULE=clinic.settings.test $(PY) scripts/devenv.py test -- $(PY) -m pytest -m browser tests/browser $(PYTEST_ARGS)

# Deploy as README's Deployment section says (production settings, collectstatic, migrate, gunicorn,
# worker, beat) into a scratch database, then sign in as every role over HTTP. Under three minutes.
deploy-check: install
	$(PY) scripts/devenv.py exec -- $(PY) scripts/deploy_check.py

# Schemathesis, every check and phase (stateful too), as a registrar, a clinician and a patient,
# against the API deployed the same way. Bounded (5 cases per operation, deterministic, five minutes).
api-fuzz: install
	$(PY) scripts/devenv.py exec -- $(PY) scripts/api_fuzz.py

# A client generated from the served schema by openapi-python-client books, moves, cancels and reads
# the calendar against the API deployed the same way, and gets a typed 409 and 400. Two minutes.
api-client: install
	$(PY) scripts/devenv.py exec -- $(PY) scripts/api_client_check.py

# Redis stopped 15 s, PostgreSQL restarted, a worker SIGKILLed mid-batch, all under load, against the
# app deployed as deploy-check does it, on servers of its own (loopback only). Under four minutes.
fault-test: install
	$(PY) scripts/fault_test.py

# The deployment of deploy/ on this machine, loopback only: nginx, PgBouncer (transaction pooling),
# 2 gunicorn nodes, 2 Celery workers, one beat, on DATABASE_URL's and REDIS_URL's servers (a scratch
# database). Needs Debian's nginx and pgbouncer. Ctrl-C stops everything.
cluster: install
	$(PY) scripts/devenv.py exec -- $(PY) scripts/cluster.py

# locust against that cluster: a clinic's mixed day, one web node SIGKILLed midway, reminders sent
# by both workers exactly once. Short here (40 s, a step of .ci/run); make bench runs the long one.
LOAD_ARGS ?=
load-test: install
	$(PY) scripts/devenv.py exec -- $(PY) scripts/load_test.py $(LOAD_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The Russian catalogue, locale/ru/LC_MESSAGES/django.po, is the source of truth: collect new and
# changed strings into it (translations kept, changed ones marked fuzzy), then compile the .mo that
# is committed beside it. GNU gettext does both (xgettext/msgmerge, then msgfmt --check-format,
# which refuses a translation that drops or misspells a %(name)s placeholder).
MESSAGES_IGNORE := --ignore 'node_modules' --ignore 'staticfiles'
messages: install
	@command -v msgfmt >/dev/null || { echo "make messages needs GNU gettext: apt-get install gettext"; exit 1; }
	$(PY) manage.py makemessages -l ru $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages -l ru --ignore '.*' $(MESSAGES_IGNORE)

clean:
	rm -rf $(VENV) .data staticfiles

bench: install
	DJANGO_SETTINGS_MODULE=clinic.settings.local $(PY) scripts/devenv.py exec -- $(PY) scripts/bench.py
	$(PY) scripts/devenv.py exec -- $(PY) scripts/load_test.py --seconds 120 --users 30

# Side by side with django-appointment 3.12.0 (PEER_DIR, default ../shared/peers/django-appointment):
# installs it from PyPI into .venv-peer, seeds a scratch database on DATABASE_URL's server, runs its
# benchmark and ours in one run, and prints one table (queries, median, x each one's trivial request).
BENCH_PEER_ARGS ?=
bench-peer: install
	DJANGO_SETTINGS_MODULE=clinic.settings.local $(PY) scripts/devenv.py exec -- $(PY) scripts/bench_peer.py $(BENCH_PEER_ARGS)
