# Forecourt: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# PORT=8080 overrides HostPort for `make run` (default: portal.conf / PORTAL_HOSTPORT / 3001)
PORT ?=
# Links in e-mails point at this machine unless PORTAL_PUBLIC_URL says otherwise (a server sets it).
RUN_ENV := $(if $(PORT),PORTAL_HOSTPORT=$(PORT)) PORTAL_PUBLIC_URL=$${PORTAL_PUBLIC_URL:-http://localhost:$(or $(PORT),3001)}
ADMIN_EMAIL ?= admin@example.com
# pytest -n: parallel workers per database run
JOBS ?= auto

.PHONY: bench-sync demo run test test-sqlite test-postgres test-mysql lint bench install clean services openapi lighthouse

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	scripts/system-deps
	$(BIN)/python -m pip install --quiet -e ".[postgres,mysql,test,dev]"
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate an SQLite database in ./data, create the first admin once, serve on :3001
run: $(STAMP)
	$(RUN_ENV) $(BIN)/forecourt migrate
	$(RUN_ENV) $(BIN)/forecourt bootstrap --email $(ADMIN_EMAIL)
	$(RUN_ENV) $(BIN)/forecourt serve

## make demo: like make run, beside a seeded Tyk Dashboard simulator that the portal syncs from (./data-demo)
demo: $(STAMP)
	scripts/demo

## make test: install, make sure PostgreSQL and MariaDB run, then the suite on SQLite, PostgreSQL and MariaDB
test: $(STAMP) services lint
	scripts/run-tests all

test-sqlite test-postgres test-mysql: $(STAMP)
	scripts/run-tests $(subst test-,,$@)

services:
	scripts/test-services

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy src
	PORTAL_DATADIR=$$(mktemp -d) $(BIN)/python -m django makemigrations --check --dry-run \
		--settings=forecourt.settings > /dev/null
	$(BIN)/python scripts/messages.py check

## make openapi: regenerate docs/openapi.json from the code (commit it with the API change)
openapi: $(STAMP)
	PORTAL_DATADIR=$$(mktemp -d) $(BIN)/python scripts/openapi.py

## make bench-sync: sync 10,000 policies and 2,000 APIs from the Dashboard simulator, twice
bench-sync: $(STAMP)
	$(BIN)/python benchmarks/sync.py

## make bench: Forecourt's pages at 1,000 and 10,000 products against a plain Django floor, sign-ups, the big docs page (a report, not a test; ~10 min)
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

## make lighthouse: Lighthouse's scores (performance >= 90; accessibility, best practices, SEO >= 95) for home, catalogue, a product and API docs on a seeded portal (not part of make test; installs lighthouse@12 into .cache/ once)
lighthouse: $(STAMP)
	$(BIN)/python scripts/lighthouse

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

.PHONY: dist config-reference
## make dist: sdist, wheel, deb and rpm into dist/ (and the container image where a Docker engine runs)
dist: $(STAMP)
	scripts/dist

## make config-reference: regenerate docs/configuration.md and .env.example from the settings definitions (commit them)
config-reference: $(STAMP)
	$(BIN)/python scripts/config-reference.py
