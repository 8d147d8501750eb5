# LeadHub's commands. `make run` starts the app on a fresh machine; `make test` runs the suite.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin

.PHONY: run test check bench bench-core bench-routing bench-insights bench-privacy bench-triage bench-export bench-webhooks install loadtest scaleout routing-eval

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
	  LEADHUB_WEBHOOKS_KEY=$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

# Every bench, one table each, in this order: the lists and jobs at 1,000,000 leads (bench-core), routing over 10,000
# partners, insights, triage, privacy and webhooks. Runs them all even when one misses; fails at the end if any did.
bench: $(BIN)/.installed
	@failed=""; \
	$(MAKE) --no-print-directory bench-core || failed="$$failed core"; \
	$(MAKE) --no-print-directory bench-routing || failed="$$failed routing"; \
	$(MAKE) --no-print-directory bench-insights || failed="$$failed insights"; \
	$(MAKE) --no-print-directory bench-triage || failed="$$failed triage"; \
	$(MAKE) --no-print-directory bench-privacy || failed="$$failed privacy"; \
	$(MAKE) --no-print-directory bench-webhooks || failed="$$failed webhooks"; \
	test -z "$$failed" || { echo "make bench: missed targets or errors in:$$failed"; exit 1; }

# Queries per page, tab server time, throughput vs a Fortunes reference, expiry rate. Seeds the leadhub_bench
# database with 1,000,000 leads the first time (a minute or two); BENCH_ARGS="--leads 100000 --fresh" etc.
bench-core: $(BIN)/.installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# GET /api/v1/partners/match over 10,000 partners and what routing adds to POST /api/v1/leads, in a database of its
# own (leadhub_routing_bench, seeded once); ROUTING_BENCH_ARGS="--requests 300 --fresh".
bench-routing: $(BIN)/.installed
	$(BIN)/python bench/routing_match.py $(ROUTING_BENCH_ARGS)

# Triage (DESIGN §11): a 1,000-row CSV import (preview, apply), a 1,000-item API bulk and the live refresh's
# server time when nothing changed, in a database of its own (leadhub_triage_bench); TRIAGE_BENCH_ARGS="--fresh".
bench-triage: $(BIN)/.installed
	$(BIN)/python bench/triage.py $(TRIAGE_BENCH_ARGS)

# Insights (DESIGN §8) at bench scale: the largest partner's, all partners' and the league's 365 days, and the
# rollup refresh task, on leadhub_bench (make bench seeds it; DATABASE_URL for another); INSIGHTS_BENCH_ARGS="--runs 30".
bench-insights: $(BIN)/.installed
	DJANGO_SETTINGS_MODULE=leadhub.settings.bench $(BIN)/python bench/insights.py $(INSIGHTS_BENCH_ARGS)

# The lead CSV export in English and Czech, 100,000 leads, in a database of its own (leadhub_export_bench);
# EXPORT_BENCH_ARGS="--code /path/to/other/checkout" measures another checkout's export over the same data.
bench-export: $(BIN)/.installed
	$(BIN)/python bench/export_csv.py $(EXPORT_BENCH_ARGS)

# The retention job's rate on 100,000 old archived leads and the metrics middleware's cost per request, in a
# database of its own (leadhub_privacy_bench, made afresh and dropped); PRIVACY_BENCH_ARGS="--leads 20000" etc.
bench-privacy: $(BIN)/.installed
	$(BIN)/python bench/privacy.py $(PRIVACY_BENCH_ARGS)

# Webhook deliveries per second to a fast local receiver (compose's webhooks worker) with the CPU each costs, and a
# new-lead e-mail's delay behind 1,000 slow deliveries, in a database of its own (leadhub_webhooks_bench, made afresh
# and dropped); WEBHOOKS_BENCH_ARGS="--deliveries 5000" etc.
bench-webhooks: $(BIN)/.installed
	$(BIN)/python bench/webhooks.py $(WEBHOOKS_BENCH_ARGS)

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
