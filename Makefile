# Madoguchi — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint format bench services native native-if-possible clean

## demo: create the virtualenv, install, and run the bundled example shop
demo: $(VENV)/.installed
	$(BIN)/madoguchi demo

## test: install what the tests need (Python packages, Dovecot, PostgreSQL running) and run them;
## the classifier's tests run a second time on its plain sources when its compiled build is used
test: $(VENV)/.installed-dev services native-if-possible
	$(BIN)/python scripts/run_pytest.py
	MADOGUCHI_NATIVE=0 $(BIN)/python scripts/run_pytest.py -q tests/nlp

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

## native: compile the classifier's hot modules with mypyc (optional: ~20 s, a C compiler; the
## build is used only while its sources are unchanged, see bot/nlp/native.py)
native: $(VENV)/.installed-dev
	$(BIN)/python -m bot.nlp.build_native

# Build it when stale or missing, but never fail for want of a compiler: the sources then run.
native-if-possible: $(VENV)/.installed-dev
	@$(BIN)/python -m bot.nlp.build_native --if-stale || echo "native: not built; the classifier runs from its sources"

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
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache bot/nlp/_compiled
