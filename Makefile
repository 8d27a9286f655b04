# tact — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
TACT := .venv/bin/tact
HOST ?= 127.0.0.1
PORT ?= 8000
export UV_PROJECT_ENVIRONMENT := .venv

.PHONY: setup setup-test demo serve test test-fast lint bench chromium clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

## setup: the virtual environment from the lock file (idempotent, asks nothing)
setup: $(UV)
	$(UV) sync --frozen --no-dev --inexact --quiet
	$(TACT) compilemessages --ignore=.venv --ignore=.tools -v0 >/dev/null
	@echo "setup: .venv ready"

## setup-test: the same plus the test dependencies
setup-test: $(UV)
	$(UV) sync --frozen --quiet
	$(TACT) compilemessages --ignore=.venv --ignore=.tools -v0 >/dev/null

## demo: migrate, load the demo portfolio, run the daily processing, serve on http://$(HOST):$(PORT)
# The demo's e-mails go to files under var/mail/ unless EMAIL_BACKEND says otherwise.
demo: export EMAIL_BACKEND ?= django.core.mail.backends.filebased.EmailBackend
demo: export EMAIL_FILE_PATH ?= $(CURDIR)/var/mail
# The portal's "pay online" walks the built-in test provider: no money moves.
demo: export TACT_PAYMENT_PROVIDER ?= test
demo: setup
	$(TACT) migrate --no-input -v0
	$(TACT) collectstatic --no-input -v0
	$(TACT) demo --creditor demo --reset
	$(TACT) cycle --creditor demo --date $$(date +%F)
	$(TACT) outbox send --creditor demo
	@echo "today's e-mails are in $$EMAIL_FILE_PATH, letters under var/media/letters/"
	@echo "(at night and on Sundays the contact rules hold e-mails back: the outbox sends them at the"
	@echo " next 'tact outbox send' after the quiet hours in each debtor's time zone)"
	@echo ""
	@echo "tact is running on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	.venv/bin/gunicorn tact.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile - --log-level warning

## serve: start the server on what is loaded already
serve: setup
	$(TACT) migrate --no-input -v0
	$(TACT) collectstatic --no-input -v0
	.venv/bin/gunicorn tact.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile - --log-level warning

## chromium: Debian's chromium (browser tests) and poppler-utils (the letter tests read PDFs back)
chromium:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "missing:$$missing (install the Debian packages; their tests are skipped, or fail under CI=true)"; fi

## test: install the test dependencies and Chromium, then run the whole suite, one worker per core
# (each worker has its own test database; PYTEST_ARGS="-n 0" runs it in one process)
PYTEST_ARGS ?= -n auto
# Where PYTHONDONTWRITEBYTECODE is set, every worker (and each `tact` process the outbox crash
# test starts) compiled all modules from source on every run: some 12 CPU seconds a worker.
# The compiled files go to var/pycache, not next to the sources.
test: export PYTHONDONTWRITEBYTECODE :=
test: export PYTHONPYCACHEPREFIX ?= $(CURDIR)/var/pycache
test: setup-test chromium
	.venv/bin/pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: setup-test
	.venv/bin/ruff check src tests
	.venv/bin/ruff format --check src tests

## bench: the import benchmark (set ROWS=…; use DATABASE_URL for PostgreSQL)
bench: setup
	$(TACT) migrate --no-input -v0
	$(TACT) bench import --rows $${ROWS:-100000}

clean:
	rm -rf .venv .tools var
