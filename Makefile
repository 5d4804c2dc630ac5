# fieldapp: the two commands a fresh machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := fieldapp

.PHONY: install run test lint format system-deps bench clean

$(BIN)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

install: $(BIN)/.installed

## Serve the app with demo data on the embedded database (SQLite), http://127.0.0.1:$(PORT),
## with the background task consumer beside it
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo-if-empty
	BIN=$(BIN) PORT=$(PORT) bash scripts/serve.sh

## Everything CI runs: Debian packages (as root), lint, format check, then the whole test suite
## on SQLite and again on a throwaway PostgreSQL server.
test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2
	bash scripts/with-postgres.sh $(BIN)/pytest -n 2

system-deps:
	bash scripts/system-deps.sh

lint:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Pages on district-scale data vs a Flask hello-world (wrk), then mixed traffic at 250 req/s.
## Options: BENCH_DURATION=10 BENCH_DB=postgresql+psycopg://… BENCH_RATE=250 (see bench/run.py).
bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
