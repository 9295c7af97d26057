# Madoguchi — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint format bench services clean

## demo: create the virtualenv, install, and run the bundled example shop
demo: $(VENV)/.installed
	$(BIN)/madoguchi demo

## test: install what the tests need (Python packages, Dovecot, PostgreSQL running) and run them
test: $(VENV)/.installed-dev services
	$(BIN)/python scripts/run_pytest.py

## lint: ruff (lint + format check) and mypy
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: the performance suite (not tests): prints tables, writes benchmarks/results/*.json
bench: $(VENV)/.installed-dev services
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit $$?; done

## services: make sure the servers the tests use are installed and running
services:
	@scripts/test-services

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
