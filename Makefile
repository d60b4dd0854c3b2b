# Shegong — two commands do all set-up on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export SHEGONG_DEBUG ?= 1

.PHONY: demo test install migrate demo-data serve lint format messages browser-deps bench loadtest clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo-data: migrate
	$(BIN)/python manage.py import_divisions --only 43
	$(BIN)/python manage.py load_demo

## make demo: install, migrate SQLite, import Hunan, load the demo, print logins, serve
demo: demo-data
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop); a task worker builds large reports"
	$(BIN)/python manage.py db_worker >/dev/null 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: the import contract, then the whole suite on SQLite (set DATABASE_URL for
## PostgreSQL) on JOBS processes (pytest-xdist), the API fuzz beside it (scripts/test.sh)
JOBS ?= 2
export JOBS
test: install browser-deps
	$(BIN)/lint-imports
	scripts/test.sh $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium; install it when missing (root or sudo).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing chromium (apt)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null || \
	  echo "chromium could not be installed: browser tests will be skipped"; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	cd shegong && ../$(BIN)/python ../manage.py makemessages -l zh_Hans --no-obsolete
	cd shegong && ../$(BIN)/python ../manage.py compilemessages -l zh_Hans

bench: install
	$(BIN)/python bench/run.py

## make loadtest: gunicorn on PostgreSQL with the demo under locust (16 users, 60 s), figures
## to bench/results.md; locust lives in its own venv (.venv-load), not the application's
loadtest: install
	test -x .venv-load/bin/locust -a -x .venv-load/bin/py-spy || ($(PY) -m venv .venv-load && .venv-load/bin/pip install --quiet locust py-spy)
	$(BIN)/python bench/loadtest.py $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) .venv-load db.sqlite3 db.sqlite3-* staticfiles .pytest_cache
