# Kanyle: the list of commands. `make demo` and `make test` are the README's two commands.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1:8000

PYTEST_ARGS ?=

.PHONY: deps sysdeps demo test lint messages requirements totp clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

deps: $(BIN)/activate
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt

## Install, migrate a SQLite database, load the demo clinic, print the logins and serve on $(HOST).
demo: deps
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py demo_setup
	$(PY) manage.py runserver $(HOST) --noreload

## The whole test suite (lint, translations, unit, matrix, browser). DATABASE_URL picks PostgreSQL.
test: deps sysdeps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) -m pytest $(PYTEST_ARGS)

sysdeps:
	bash scripts/system-deps.sh

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Re-extract translatable strings into locale/nb and compile them.
messages: deps
	$(PY) manage.py makemessages -l nb --no-obsolete --no-location -i ".venv/*" -i "staticfiles/*" -i "var/*" -i "tests/*" -i "*/tests/*"
	$(PY) manage.py compilemessages -l nb -i ".venv"

## Refresh the Tests column of docs/requirements.md from the tests named after rules.
requirements:
	$(PY) scripts/requirements_matrix.py

## Print the current two-factor code of a demo user: make totp USER=fysio
totp:
	@$(PY) manage.py demo_totp $(USER)

## Performance (issue #8, docs/performance.md): PostgreSQL in DATABASE_URL. Generates the national-scale data set
## (resumable; BENCH_PATIENTS=1000000), then benchmarks it with gunicorn, production settings and wrk.
BENCH_PATIENTS ?= 1000000
.PHONY: bench bench-smoke
bench: deps
	bash scripts/system-deps.sh --bench
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make bench needs DATABASE_URL=postgres://..." >&2; exit 1;; esac
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py generate_load_data --patients $(BENCH_PATIENTS)
	$(PY) manage.py bench

## The same at 2,000 patients with a few requests per page; results in var/bench-smoke.md (SQLite works too).
bench-smoke: deps
	bash scripts/system-deps.sh --bench
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py generate_load_data --patients 2000
	$(PY) manage.py bench --smoke

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
