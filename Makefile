# Bioprod Atlas — the two commands of the README:
#   make run    install everything, create the SQLite database, load the demo, serve on :8000 with
#               the task queue's worker beside it (scripts/run.sh)
#   make test   install everything (incl. chromium and PostgreSQL), run the suite on SQLite then PostgreSQL
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
VENDOR := src/bioatlas/web/static/vendor/maplibre-gl/maplibre-gl.js
VEGA := src/bioatlas/web/static/vendor/vega/vega-embed.js
SWAGGER := src/bioatlas/web/static/vendor/swagger-ui/swagger-ui-bundle.js

.PHONY: run test install system-deps assets demo serve worker clean help

help:
	@echo "make run   – install, load the demo data and serve http://$(HOST):$(PORT)"
	@echo "make test  – install and run the whole test suite on SQLite and PostgreSQL"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR) $(VEGA) $(SWAGGER) &: node_modules/.package-lock.json scripts/build-assets.mjs
	npm run --silent build

assets: $(VENDOR) $(VEGA) $(SWAGGER)

install: $(VENV)/.installed assets

system-deps:
	bash scripts/install-system-deps.sh

demo: install
	$(BIN)/bioatlas db upgrade
	$(BIN)/bioatlas demo load --if-empty
	$(BIN)/bioatlas search embed

serve:
	$(BIN)/bioatlas serve --host $(HOST) --port $(PORT)

worker:
	$(BIN)/bioatlas jobs worker

run: demo
	BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

test: install system-deps
	bash scripts/test-all-backends.sh

clean:
	rm -rf $(VENV) node_modules src/bioatlas/web/static/vendor var artifacts
