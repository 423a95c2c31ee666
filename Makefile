# Two commands matter: `make run` and `make test`. Everything else is what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run test lint typecheck pytest ferretdb install install-dev node-deps chromium spa bench bench-scale fuzz sdl clean

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

# Real clients the tests drive (Apollo Gateway, graphql-http audits, graphql-ws, Playwright): exact
# versions from the lock file; --ignore-scripts, so no install step downloads anything (Playwright
# drives Debian's chromium).
NODE_DIR := tests/node
$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

node-deps: $(NODE_DIR)/node_modules/.installed

# The example calendar SPA (docs/spa.md), served by `bookings-sessions serve` at /app once built. Exact
# versions from its lock file; --ignore-scripts works: Vite's native parts (rolldown, lightningcss) are
# platform packages npm picks itself. A build takes seconds, so `make test` makes it.
SPA_SRC := examples/calendar-spa
$(SPA_SRC)/node_modules/.installed: $(SPA_SRC)/package.json $(SPA_SRC)/package-lock.json
	cd $(SPA_SRC) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

$(SPA_SRC)/dist/index.html: $(SPA_SRC)/node_modules/.installed $(SPA_SRC)/index.html $(SPA_SRC)/vite.config.js \
		$(wildcard $(SPA_SRC)/src/*)
	cd $(SPA_SRC) && npm run --silent build -- --logLevel warn

spa: $(SPA_SRC)/dist/index.html

# The browser test needs Debian's chromium; as root (CI, dev machines) it is installed here.
chromium:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "chromium is missing: run 'sudo apt-get install -y chromium'" >&2; exit 1; \
		fi; }

run: install ferretdb
	$(BIN)/bookings-sessions serve --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check bookings_sessions tests $(wildcard bench)
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy --strict bookings_sessions

# The API tests run again with FAST_PATHS=off: the plain components answer the same (docs/design.md §7).
pytest: install-dev ferretdb node-deps chromium spa
	$(BIN)/pytest
	FAST_PATHS=off $(BIN)/pytest tests/api -q -p no:randomly

test: lint typecheck pytest

# The bench's peer (Apollo Server + the MongoDB driver): exact versions from its lock file, no install scripts.
PEER_DIR := bench/peers/apollo
$(PEER_DIR)/node_modules/.installed: $(PEER_DIR)/package.json $(PEER_DIR)/package-lock.json
	cd $(PEER_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Not part of `make test`: ~10 minutes of load on FerretDB, the floor app, our server and the Apollo peer,
# then ~3 minutes of scale curve (docs/performance.md). `make bench-scale`: the curve alone.
bench: install-dev ferretdb $(PEER_DIR)/node_modules/.installed
	bench/install-wrk.sh
	$(BIN)/python -m bench
	$(BIN)/python -m bench scale

bench-scale: install-dev ferretdb $(PEER_DIR)/node_modules/.installed
	$(BIN)/python -m bench scale

# Not part of `make test` (which runs a fixed sample of the same test): 6 × FUZZ_EXAMPLES (≥ 10,000)
# random documents from the live schema, answers printed by HTTP status and error code (docs/security.md).
FUZZ_EXAMPLES ?= 1700
fuzz: install-dev ferretdb
	FUZZ_RANDOM=1 FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/api/test_fuzz_schema.py -q -s -p no:randomly

sdl: install
	$(BIN)/bookings-sessions sdl > schema.graphql

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache $(NODE_DIR)/node_modules $(PEER_DIR)/node_modules \
		test-artifacts $(SPA_SRC)/node_modules $(SPA_SRC)/dist
