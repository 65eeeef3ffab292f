# `make run` sets up and starts the app on the embedded local model; `make test` sets up and runs
# every test, browser tests included (`make test-fast`: all but those needing the real llama.cpp server).
ADDRESS ?= 127.0.0.1
PORT ?= 8501
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast setup setup-dev bench lint lock screenshots axe

setup:
	@scripts/setup.sh runtime

setup-dev:
	@scripts/setup.sh dev

# A runtime venv is installed without bytecode (compiling all of it would double a fresh clone's
# set-up): let Python cache each module as it is first imported, even where PYTHONDONTWRITEBYTECODE
# is set, so that only the first start pays for it.
run: setup
	PYTHONDONTWRITEBYTECODE= $(BIN)/python scripts/run.py --server.address $(ADDRESS) --server.port $(PORT)

test: setup-dev lint axe
	$(BIN)/python -m pytest tests

test-fast: setup-dev axe
	$(BIN)/python -m pytest tests -m "not local_model"

bench: setup-dev
	$(BIN)/python bench/local_model.py
	$(BIN)/python bench/client_overhead.py
	$(BIN)/python bench/first_answer.py
	$(BIN)/python bench/ui_stream.py
	$(BIN)/python bench/history.py
	$(BIN)/python bench/compare.py
	$(BIN)/python bench/streamlit_floor.py
	$(BIN)/python bench/streamlit_floor.py --panes 4
	$(BIN)/python bench/batch.py

# Strict typing for the engine and the test support code; the pages and ui helpers, which lean on
# Streamlit's loosely typed API, get mypy's default checks.
lint: setup-dev
	@scripts/setup.sh check-lock
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy --strict lib tests/support tests/conftest.py
	$(BIN)/mypy ui app_pages app.py

# After changing dependencies in pyproject.toml: re-resolve and re-export the lock files.
lock:
	@scripts/setup.sh lock

# axe-core (npm, pinned) for tests/e2e/test_a11y.py, into the user-level cache once per version.
AXE_VERSION := 4.14.1
AXE_DIR := $(or $(WORKBENCH_CACHE),$(HOME)/.cache/workbench)/npm/axe-core-$(AXE_VERSION)
axe:
	@test -f $(AXE_DIR)/node_modules/axe-core/axe.min.js || \
	  npm install --no-audit --no-fund --silent --prefix $(AXE_DIR) axe-core@$(AXE_VERSION)

screenshots: setup-dev
	$(BIN)/python scripts/screenshots.py
