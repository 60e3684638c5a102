# Swarmboard: the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEV_STAMP := $(VENV)/.installed-dev-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint bench clean

# Two stamps: `make run` installs only what serving needs; `make test` and `make lint`
# add the test and lint tools (the dev extra). Either rebuilds when pyproject changes.
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(DEV_STAMP) $(STAMP)

## Start the server on SQLite with a demo board; prints the URL, two sign-ins and an admin token.
## Plain lines for people (LOG_FORMAT=json for the JSON lines a server writes by default).
## AGENT=1 adds an AI agent (the FAQ bot of examples/faq_agent.py) working the board live.
## STAFF_HOURLY_COST (US dollars, default 40 for the demo) prices people's handling time
## beside the bots' reported cost on the retro page; empty leaves it out.
LOG_FORMAT ?= text
AGENT ?=
STAFF_HOURLY_COST ?= 40
run: $(STAMP)
	SWARMBOARD_LOG_FORMAT=$(LOG_FORMAT) $(if $(STAFF_HOURLY_COST),SWARMBOARD_STAFF_HOURLY_COST=$(STAFF_HOURLY_COST)) $(BIN)/swarmboard serve --demo $(if $(filter-out 0 no false,$(AGENT)),--agent) --host $(HOST) --port $(PORT)

## Debian's Chromium for the browser tests (never a browser downloaded by a test tool).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests..."
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

## Run the whole test suite (SQLite by default; set SWARMBOARD_TEST_DATABASE_URL for PostgreSQL).
## PYTEST_ARGS passes options on, e.g. PYTEST_ARGS="-k webhooks".
PYTEST_ARGS ?=
test: $(DEV_STAMP) $(CHROMIUM)
	$(BIN)/pytest $(PYTEST_ARGS)

## ruff, mypy and the import-layer contracts (pyproject's [tool.importlinter]), as CI runs them.
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app migrations
	$(BIN)/lint-imports

## The card-move benchmark on SQLite and PostgreSQL.
bench: $(DEV_STAMP)
	$(BIN)/python bench/moves.py --db both

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache
