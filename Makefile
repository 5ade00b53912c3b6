# One command per gate; people and .ci/run use the same ones.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint format typecheck check schema bench demo clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.installed-run

## make run: install, migrate, load the demo portal into an empty database, serve on :8000
run: $(VENV)/.installed-run
	$(BIN)/devportal serve --demo

## make test: the whole test suite (SQLite; PostgreSQL too when DEVPORTAL_TEST_POSTGRES_URL is set)
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix app tests bench
	$(BIN)/ruff format app tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

check: lint typecheck test

## make schema: write schema.graphql from the code
schema: $(VENV)/.installed-run
	$(BIN)/devportal export-schema --output schema.graphql

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache
