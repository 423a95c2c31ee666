# Two commands matter: `make run` and `make test`. Everything else is what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run test lint typecheck pytest ferretdb install install-dev node-deps bench sdl clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-run pip only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

ferretdb:
	scripts/build-ferretdb.sh

run: install ferretdb
	$(BIN)/bookings-sessions serve --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check bookings_sessions tests bench

typecheck: install-dev
	$(BIN)/mypy --strict bookings_sessions

pytest: install-dev ferretdb
	$(BIN)/pytest

test: lint typecheck pytest

sdl: install
	$(BIN)/bookings-sessions sdl > schema.graphql

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
