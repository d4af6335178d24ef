# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo admin serve lint format check clean bench

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo_content
	$(PY) manage.py search_index rebuild

admin: install
	$(PY) manage.py ensure_admin

## run: create .venv, install, migrate, load the demo content and serve http://127.0.0.1:8000
run: demo admin
	$(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite (SQLite, or the database DATABASE_URL names)
test: install
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## bench: search benchmark, 20,000 synthetic pages, database and OpenSearch (bench/README.md).
## Starts OpenSearch if it is not running, and then stops it again. BENCH_PAGES=2000 for a quick run.
bench: install
	@started=; url=$${OPENSEARCH_URL:-}; \
	if [ -z "$$url" ]; then \
		if bash scripts/search-engine.sh status opensearch >/dev/null 2>&1; then url=http://127.0.0.1:$${OPENSEARCH_PORT:-9200}; \
		elif url=$$(bash scripts/search-engine.sh start opensearch); then started=1; \
		else echo "bench: OpenSearch did not start; the benchmark will skip it" >&2; url=http://127.0.0.1:$${OPENSEARCH_PORT:-9200}; fi; \
	fi; \
	OPENSEARCH_URL=$$url $(PY) bench/search_bench.py --pages $(or $(BENCH_PAGES),20000) --engine opensearch; rc=$$?; \
	if [ -n "$$started" ]; then bash scripts/search-engine.sh stop opensearch; fi; \
	exit $$rc

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache
