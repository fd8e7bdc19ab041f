# Two commands on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run run-deps test test-pg bench lint system-deps clean

$(BIN)/wenming: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(BIN)/wenming node_modules/.installed

# Debian packages the suite needs: chromium for browser tests, CJK fonts so Chinese renders
# (Noto for pages, WenQuanYi Zen Hei as the TrueType font certificate PDFs embed),
# poppler for looking at PDFs, postgresql for the second pass.
system-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi 'noto.*cjk' \
	    || ! fc-list 2>/dev/null | grep -qi 'wqy-zenhei' \
	    || ! command -v pdftoppm >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q \
	    chromium fonts-noto-cjk fonts-wqy-zenhei poppler-utils postgresql; fi

# The one Debian package the running platform needs: a CJK TrueType font for certificates.
run-deps:
	@fc-list 2>/dev/null | grep -qi 'wqy-zenhei' || { $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q fonts-wqy-zenhei fontconfig; }

run: install run-deps
	$(BIN)/wenming migrate --noinput
	$(BIN)/wenming demo --size small
	$(BIN)/wenming collectstatic --noinput -v0
	@# The task worker (time limits, escalations) runs beside the server and stops with it.
	$(BIN)/wenming schedule-sweep
	$(BIN)/wenming schedule-reminders
	$(BIN)/wenming schedule-handover-sweep
	$(BIN)/wenming schedule-topic-sweep
	$(BIN)/wenming db_worker --interval 2 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/wenming serve --host $(HOST) --port $(PORT)

test: install system-deps
	$(BIN)/wenming collectstatic --noinput -v0
	$(BIN)/pytest $(PYTEST_ARGS)

# The same suite against a throw-away PostgreSQL cluster on 127.0.0.1.
test-pg: install system-deps
	bash scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

bench: install system-deps
	bash scripts/with-postgres.sh $(BIN)/python bench/run_all.py

lint: install
	$(BIN)/ruff check wenming bench conftest.py

clean:
	rm -rf $(VENV) node_modules var
