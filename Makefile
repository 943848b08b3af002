# Fact-check Workbench: `make run` to use it, `make test` to test it.
# Every target echoes the commands it runs.

VENV      := .venv
PY        := $(VENV)/bin/python
PIP       := $(PY) -m pip
MANAGE    := $(PY) manage.py
SETTINGS  ?= factcheck.settings.local
# The web app's port for `make run` and `make web` (`make run PORT=8001`).
PORT      ?= 8000
export DJANGO_SETTINGS_MODULE ?= $(SETTINGS)

.DEFAULT_GOAL := help
.PHONY: help run web worker beat test lint fmt bench shell migrate demo lock clean e2e-tools openapi catalogs

help:
	@echo "make run     install, migrate, load demo data, start web + worker + beat (Ctrl-C stops all);"
	@echo "             PORT=8001 serves the web app on another port (default 8000)"
	@echo "make demo    install, migrate and load the demo data only (nothing started)"
	@echo "make migrate install and migrate only"
	@echo "make test    install test dependencies and run the whole test suite"
	@echo "make lint    ruff check and format check"
	@echo "make fmt     ruff fix and format"
	@echo "make bench   run the benchmarks in benchmarks/"
	@echo "make worker  start a Celery worker only"
	@echo "make shell   Django shell"
	@echo "make openapi regenerate docs/openapi.yaml, the API's committed OpenAPI schema"

$(VENV)/.created:
	@PYBIN=$$(scripts/find-python) || exit 1; \
	echo "$$PYBIN -m venv $(VENV)"; \
	"$$PYBIN" -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	@touch $@

$(VENV)/.base-installed: requirements/base.txt $(VENV)/.created
	$(PIP) install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.test-installed: requirements/test.txt requirements/base.txt $(VENV)/.created
	$(PIP) install --quiet -r requirements/test.txt
	@touch $@ $(VENV)/.base-installed

# Browser-test tools: axe-core from npm (pinned by tests/e2e/package-lock.json), Debian's Chromium.
tests/e2e/node_modules/.installed: tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
	@touch $@

e2e-tools: tests/e2e/node_modules/.installed
	scripts/ensure-chromium

# The interface's translations: the .po catalogs (committed) compiled to .mo (built here, with
# Babel: no GNU gettext needed; docs/i18n.md).
locale/.compiled: $(wildcard locale/*/LC_MESSAGES/*.po) $(VENV)/.base-installed
	$(PY) scripts/catalogs compile
	@touch $@

catalogs: locale/.compiled

migrate: $(VENV)/.base-installed locale/.compiled
	$(MANAGE) preflight
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) seed_demo

run: demo
	@mkdir -p var/celery
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/honcho start --procfile Procfile --app-root . --port $(PORT)

web: $(VENV)/.base-installed locale/.compiled
	$(MANAGE) runserver 127.0.0.1:$(PORT)

worker: $(VENV)/.base-installed locale/.compiled
	$(VENV)/bin/celery -A factcheck worker --loglevel INFO

beat: $(VENV)/.base-installed
	$(VENV)/bin/celery -A factcheck beat --loglevel INFO

test: $(VENV)/.test-installed e2e-tools locale/.compiled
	DJANGO_SETTINGS_MODULE=factcheck.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(VENV)/.test-installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Runs every benchmark, then fails if any of them reported a missed target.
bench: $(VENV)/.test-installed
	@failed=""; for script in benchmarks/*.py; do \
	  echo "$(PY) $$script"; $(PY) $$script || failed="$$failed $$script"; \
	done; if [ -n "$$failed" ]; then echo "targets missed in:$$failed"; exit 1; fi

shell: $(VENV)/.base-installed
	$(MANAGE) shell

# Re-pin the closures after editing requirements/*.in (needs network access to PyPI).
# The API's OpenAPI 3.1 schema, committed (tests/api/test_schema.py fails when it drifts).
openapi: $(VENV)/.base-installed
	$(MANAGE) spectacular --validate --fail-on-warn --file docs/openapi.yaml

lock: $(VENV)/.created
	scripts/lock-requirements

clean:
	rm -rf $(VENV) var/cache var/static tests/e2e/node_modules test-artifacts locale/.compiled
	find locale -name '*.mo' -delete
