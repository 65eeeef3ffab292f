# `make run` sets up and starts the app on the embedded local model; `make test` sets up and runs
# every test, browser tests included.
ADDRESS ?= 127.0.0.1
PORT ?= 8501
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup setup-dev bench lint screenshots

setup:
	@scripts/setup.sh runtime

setup-dev:
	@scripts/setup.sh dev

run: setup
	$(BIN)/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT)

test: setup-dev lint
	$(BIN)/python -m pytest tests

bench: setup-dev
	$(BIN)/python bench/local_model.py
	$(BIN)/python bench/client_overhead.py
	$(BIN)/python bench/first_answer.py
	$(BIN)/python bench/ui_stream.py

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy lib ui app_pages app.py

screenshots: setup-dev
	$(BIN)/python scripts/screenshots.py
