# postil — `make run` to read, `make test` to check everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed

.PHONY: run test test-slow test-all lint typecheck imports pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/postil $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check reader annotations tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test: lint typecheck imports pytest

# The long variants `make test` leaves out (marked `slow`), and everything at once.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow $(PYTEST_ARGS)

test-all: lint typecheck imports $(STAMP)
	$(BIN)/python -m pytest -q -m '' $(PYTEST_ARGS)

bench: $(RUN_STAMP)
	$(BIN)/python bench/open.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/tables.py
	$(BIN)/python bench/big_files.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/sync.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
