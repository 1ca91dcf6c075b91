# FETMS Serverless — the two commands: `make run` (local stack) and `make test` (whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The Go toolchain (tests build tools/bsoncheck) lives in /usr/local/go on the build machines.
export PATH := $(PATH):/usr/local/go/bin

.PHONY: run test lint typecheck audit install clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml tools/s3/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	npm ci --prefix tools/s3 --silent --no-audit --no-fund
	touch $(STAMP)

install: $(STAMP)

## Start the whole local stack (MongoDB-wire server, S3 endpoint, API). Ctrl-C stops everything.
run: $(STAMP)
	$(BIN)/fetms run

## Lint, type-check, audit runtime dependencies and run the whole test suite.
test: $(STAMP) lint typecheck audit
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy app.py chalicelib tools/fetms_cli tests scripts $(if $(wildcard bench/*.py),bench)

audit: $(STAMP)
	$(BIN)/python -m scripts.audit_deps

clean:
	rm -rf $(VENV) tools/s3/node_modules .pytest_cache .mypy_cache .ruff_cache
