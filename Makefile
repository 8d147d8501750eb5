# LeadHub's commands. `make run` starts the app on a fresh machine; `make test` runs the suite.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin

.PHONY: run test check bench bench-privacy bench-triage install loadtest scaleout routing-eval

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	VENV=$(VENV) ./scripts/run-dev.sh

# Lint and format checks, the import contracts (pyproject.toml, docs/architecture.md), then the suite.
test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest $(PYTEST_ARGS)

check: $(BIN)/.installed
	DJANGO_SETTINGS_MODULE=leadhub.settings.production SECRET_KEY=check-only-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  ALLOWED_HOSTS=leadhub.example DATABASE_URL=postgres://postgres@127.0.0.1:5432/leadhub \
	  CACHE_URL=redis://127.0.0.1:6379/1 \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

# One table: queries per page, tab server time, throughput vs a Fortunes reference, expiry rate. Seeds the
# leadhub_bench database with 1,000,000 leads the first time (several minutes); BENCH_ARGS="--leads 100000 --fresh" etc.
bench: $(BIN)/.installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Triage (DESIGN §11): a 1,000-row CSV import (preview, apply), a 1,000-item API bulk and the live refresh's
# server time when nothing changed, in a database of its own (leadhub_triage_bench); TRIAGE_BENCH_ARGS="--fresh".
bench-triage: $(BIN)/.installed
	$(BIN)/python bench/triage.py $(TRIAGE_BENCH_ARGS)

# The retention job's rate on 100,000 old archived leads and the metrics middleware's cost per request, in a
# database of its own (leadhub_privacy_bench, made afresh and dropped); PRIVACY_BENCH_ARGS="--leads 20000" etc.
bench-privacy: $(BIN)/.installed
	$(BIN)/python bench/privacy.py $(PRIVACY_BENCH_ARGS)

# The capacity of this machine: Locust steps the users up (100, 250, 500 ...; think times in docs/operations.md)
# against gunicorn, a worker and beat on 127.0.0.1 (own database leadhub_load, Redis db 8) until p95 > 200 ms or
# a 5xx; prints the table and checks the data. LOADTEST_ARGS="--steps 50,100 --seconds 30" etc.
loadtest: $(BIN)/.installed
	$(BIN)/python -m loadtest.capacity $(LOADTEST_ARGS)

# Two gunicorn groups behind HAProxy, two workers and one beat (own database leadhub_scaleout, Redis db 8); under
# Locust load group b and worker 2 are killed and b restarted; prints the checks. Needs haproxy (apt-get install
# haproxy). SCALEOUT_ARGS="--users 400 --seconds 300" etc.
scaleout: $(BIN)/.installed
	$(BIN)/python -m loadtest.scaleout $(SCALEOUT_ARGS)

# A seeded synthetic year routed three ways (random, keyword overlap, LeadHub); prints the last quarter's table and
# fails unless LeadHub beats keyword overlap. EVAL_ARGS="--partners 150 --leads 3000" for a quick run.
routing-eval: $(BIN)/.installed
	$(BIN)/python -m routing.eval $(EVAL_ARGS)
