# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# The one base URL: the demo Site's host and port (so the sitemap, canonical and OpenGraph links
# and citations name the address runserver answers at) and the admin's and API's absolute URLs.
BASE_URL := $(or $(WAGTAILADMIN_BASE_URL),http://$(HOST):$(PORT))

NODE_STAMP := node_modules/.installed-stamp

.PHONY: run test install node messages makemessages migrate demo admin serve serve-production lint format check clean bench backup restore fault-bench load-bench edge-bench lighthouse

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# axe-core and Lighthouse (npm, exact versions from package-lock.json), for the browser checks.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

node: $(NODE_STAMP)

## messages: compile the interface's catalogues (locale/*/LC_MESSAGES/django.po -> .mo, git-ignored)
# Each .mo is remade only when its .po changed (CI's two test runs share them).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
messages: $(CATALOGUES)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	@command -v msgfmt >/dev/null || { echo "make messages: msgfmt is missing; install GNU gettext (Debian: apt-get install gettext)" >&2; exit 1; }
	msgfmt --check-format -o $@.tmp $< && mv $@.tmp $@

## makemessages: after changing an interface string, update the catalogues, then translate what is new
makemessages: install
	@command -v xgettext >/dev/null || { echo "make makemessages: xgettext is missing; install GNU gettext (Debian: apt-get install gettext)" >&2; exit 1; }
	$(PY) manage.py makemessages

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	WAGTAILADMIN_BASE_URL='$(BASE_URL)' $(PY) manage.py load_demo_content
	$(PY) manage.py search_index rebuild

admin: install
	WAGTAILADMIN_BASE_URL='$(BASE_URL)' $(PY) manage.py ensure_admin

## run: create .venv, install, migrate, load the demo content and serve http://$(HOST):$(PORT)
run: messages demo admin
	WAGTAILADMIN_BASE_URL='$(BASE_URL)' $(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite (SQLite, or the database DATABASE_URL names)
test: install node messages
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

## serve-production: gunicorn with production settings (needs SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS; README)
serve-production: install messages
	DJANGO_SETTINGS_MODULE=portal.settings.production $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=portal.settings.production $(PY) manage.py collectstatic --noinput
	DJANGO_SETTINGS_MODULE=portal.settings.production $(VENV)/bin/gunicorn portal.wsgi

## backup: database and media into backups/<UTC time>/ (BACKUP_DIR=... to choose)
backup: install
	bash scripts/backup.sh $(or $(BACKUP_DIR),backups/$(shell date -u +%Y%m%dT%H%M%SZ))

## restore: FROM=backups/<time> into the EMPTY database DATABASE_URL names (FORCE=1 to overwrite)
restore: install
	@test -n "$(FROM)" || { echo "usage: make restore FROM=backups/<time> [FORCE=1]" >&2; exit 1; }
	bash scripts/restore.sh $(if $(FORCE),--force) $(FROM)

## lint: ruff (format and checks) and lint-imports (the layers: pyproject.toml's contracts)
lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## bench: search benchmark, 20,000 synthetic pages, PostgreSQL's database backend and OpenSearch,
## each beside Wagtail's own search (bench/README.md, about 5 min). Starts PostgreSQL (database
## portal_bench) and OpenSearch if they are not running, and stops OpenSearch again. BENCH_PAGES=2000
## for a quick run; BENCH_DATABASE_URL=sqlite:////tmp/portal-bench.sqlite3 for SQLite;
## BENCH_LANGUAGES=en,fr,pt also runs the trilingual corpus and prints its p95 over English-only's.
bench: install
	bash scripts/with-opensearch.sh $(PY) -m bench.search_bench --pages $(or $(BENCH_PAGES),20000) \
		--engine opensearch --languages $(or $(BENCH_LANGUAGES),en) \
		--database-url "$${BENCH_DATABASE_URL:-$$($(PY) -m bench.scratch "$$(bash scripts/postgres-start.sh)" bench)}"

## search-scale: search p95 at 2,000, 20,000, 50,000 and 200,000 pages on PostgreSQL's database
## backend and on OpenSearch, one run (bench/search_scale.py, about 45 min). Starts OpenSearch
## (1 GB heap) if it is not running, and stops it again; SCALE_SIZES=2000,20000 for a quick run.
search-scale: install
	SEARCH_ENGINE_HEAP=$${SEARCH_ENGINE_HEAP:-1g} bash scripts/with-opensearch.sh $(PY) -m bench.search_scale \
		--database-url "$${DATABASE_URL:-$$(bash scripts/postgres-start.sh)}" $(if $(SCALE_SIZES),--sizes $(SCALE_SIZES))

## load-bench: wrk on a bare `wagtail start` home page and on the portal (PostgreSQL, Redis, production
## settings), cached and uncached; LOAD_DURATION=10 for a quick run (about 8 min at the default 30),
## LOAD_WORKERS=2 for other gunicorn workers than gunicorn.conf.py's (both sites get the same).
load-bench: install
	$(PY) -m bench.load_bench --database-url "$${DATABASE_URL:-$$(bash scripts/postgres-start.sh)}" --duration $(or $(LOAD_DURATION),30) $(if $(LOAD_WORKERS),--workers $(LOAD_WORKERS))

## edge-bench: the portal behind Varnish against a bare `wagtail start` page and a synthetic ceiling,
## the portal's own page cache, and 5 publishes under load (bench/edge_bench.py, about 7 min).
edge-bench: install
	$(PY) -m bench.edge_bench --database-url "$${DATABASE_URL:-$$(bash scripts/postgres-start.sh)}"

## lighthouse: Lighthouse 12.8.2 (mobile, simulated throttling) on the home, a study, a policy brief and a search page.
lighthouse: install node
	$(PY) -m bench.lighthouse

## fault-bench: stop OpenSearch, the newsletter provider, Redis and PostgreSQL in turn under load while an editor churns pages, a rebuild in the middle, then check for drift (bench/fault_run.py). FAULT_ARGS="--phase-seconds 5"
fault-bench: install
	bash scripts/with-opensearch.sh $(PY) -m bench.fault_run \
		--database-url "$${DATABASE_URL:-$$(bash scripts/postgres-start.sh)}" $(FAULT_ARGS)

clean:
	rm -rf $(VENV) node_modules db.sqlite3 .pytest_cache .ruff_cache
