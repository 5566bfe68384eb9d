# SafeLoop: `make run` tries it out, `make test` checks it. Both set up .venv themselves.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export FLASK_APP := app:create_app

.PHONY: run test test-postgres install install-test translations lint typecheck extract-messages clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "SafeLoop needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

# The .po catalogs are the source; .mo files are built here, never committed.
translations: | $(BIN)/python
	$(BIN)/pybabel compile --use-fuzzy -d app/translations -D messages >/dev/null

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k lazy_gettext -k _ -k gettext --no-location --sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -D messages --no-fuzzy-matching

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask safeloop init
	$(BIN)/flask safeloop seed
	$(BIN)/python run.py

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-test
	$(BIN)/mypy

test: install-test lint typecheck
	$(BIN)/pytest

# The whole suite again on PostgreSQL and a standalone Redis (the second half of .ci/run).
# Each run creates and drops its own databases on that server; lint and types ran in `test`.
SAFELOOP_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
SAFELOOP_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
test-postgres: install-test
	SAFELOOP_TEST_BACKEND=postgres \
	SAFELOOP_TEST_POSTGRES_URL='$(SAFELOOP_TEST_POSTGRES_URL)' \
	SAFELOOP_TEST_REDIS_URL='$(SAFELOOP_TEST_REDIS_URL)' \
	SAFELOOP_REDIS_URL='$(SAFELOOP_TEST_REDIS_URL)' \
	$(BIN)/pytest

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
	find app -name '*.mo' -delete
