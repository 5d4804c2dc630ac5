# fieldapp: the two commands a fresh machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := fieldapp

.PHONY: install install-test run test lint format system-deps bench clean translations i18n-extract i18n-update

# The app's own packages (requirements.lock): what a production install needs, no test tools.
$(BIN)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

install: $(BIN)/.installed

# The test tools on top (requirements-test.lock: pytest, Playwright, ruff, schemathesis…).
$(BIN)/.installed-test: requirements-test.lock $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-test.lock
	touch $@

install-test: $(BIN)/.installed-test

# Test tools from npm (axe-core for the accessibility tests), as package-lock.json pins them.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Serve the app with demo data on the embedded database (SQLite), http://127.0.0.1:$(PORT),
## with the background task consumer beside it
run: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo-if-empty
	BIN=$(BIN) PORT=$(PORT) bash scripts/serve.sh

# Four workers on the two cores: with two, a core sat idle while a worker started its browser or
# waited on a page; six gained nothing more (the SQLite run took 742 s with two, 578 s with four,
# 624 s with six). Work stealing keeps the long tests (lie-fi, accessibility) from finishing
# alone at the end.
PYTEST_PARALLEL ?= -n 4 --dist worksteal
# Compiled modules kept (__pycache__, ignored by git) even where the environment says not to
# write them: otherwise each of the eight test processes, and every app the tests start, compiles
# the app and rewrites the tests' asserts again (collection: 11.6 s → 4.8 s of CPU a process).
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest

## Everything CI runs: Debian packages (as root), lint, format check, then the whole test suite
## on SQLite and again on a throwaway PostgreSQL server.
test: install-test system-deps node_modules/.installed translations
	@date +%s > $(VENV)/.test-started
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PYTEST) $(PYTEST_PARALLEL) --durations=20
	bash scripts/with-postgres.sh $(PYTEST) $(PYTEST_PARALLEL) --durations=20
	@echo "make test: lint and both runs took $$(( $$(date +%s) - $$(cat $(VENV)/.test-started) )) s"

system-deps:
	bash scripts/system-deps.sh

## Translations (Flask-Babel): extract the marked strings, merge them into the catalogues (then
## translate what is new or fuzzy in fieldapp/translations/es/LC_MESSAGES/messages.po, and in
## every family.po: what families read, in FAMILY_LANGUAGES of fieldapp/i18n.py), compile.
## tests/test_translations.py fails while a message is missing or fuzzy in one of them.
POT := fieldapp/translations/messages.pot
FAMILY_POT := fieldapp/translations/family.pot
FAMILY_KEYWORDS := -k _f -k _fl -k fgettext -k lazy_fgettext -k fpgettext:1c,2 -k fpgettext_noop:1c,2
i18n-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--omit-header --project fieldapp -o $(POT) . >/dev/null
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords $(FAMILY_KEYWORDS) --no-location \
		--sort-output --omit-header --project fieldapp -o $(FAMILY_POT) . >/dev/null

i18n-update: i18n-extract
	$(BIN)/pybabel update -i $(POT) -d fieldapp/translations -w 100 \
		--ignore-obsolete -w 100
	PYTHONPATH=. $(BIN)/python scripts/i18n_update_family.py

translations: install
	$(BIN)/python -c "from fieldapp.i18n import compile_catalogues; compile_catalogues()"

lint: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Pages on district-scale data vs a Flask hello-world (wrk -c50, then -c10), the highest mixed
## rate held, and issue #20's targets with PASS/FAIL in one table (JSON: bench/.results/).
## Options: BENCH_DURATION=10 BENCH_DB=postgresql+psycopg://… BENCH_REDIS=redis://…
## BENCH_SERVERS=2 BENCH_STRICT=1 (see bench/run.py).
bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
