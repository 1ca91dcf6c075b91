# FETMS Serverless — the two commands: `make run` (local stack) and `make test` (whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The Go toolchain (SeaweedFS, the local S3, and tools/bsoncheck are built with it) lives in
# /usr/local/go on the build machines.
export PATH := $(PATH):/usr/local/go/bin

# infra/: the CDK CLI used by deploy/diff (synth needs no CLI). STAGE=dev|prod.
CDK_CLI ?= npx --yes aws-cdk@2.1148.1
STAGE ?= dev
CDK := $(CDK_CLI) --app "$(abspath $(BIN))/python -m infra.app" --output infra/cdk.out

.PHONY: run dev test lint typecheck audit install local-s3 clean frontend-check api-client synth deploy diff rollback rollback-spa mutation bench

$(STAMP): requirements.txt requirements-dev.txt infra/requirements.txt infra/requirements-nodeps.txt pyproject.toml frontend/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip<26.3"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r infra/requirements-nodeps.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	npm ci --prefix frontend --silent --no-audit --no-fund
	touch $(STAMP)

install: $(STAMP)

## The local S3 server (SeaweedFS): built once per machine into ~/.cache/fetms (a few minutes the
## first time, then instant); `fetms run` and the tests use the cached binary.
local-s3: $(STAMP)
	@$(BIN)/python -c 'import sys; from fetms_cli.seaweedfs_binary import main; sys.exit(main())' >/dev/null

## Start the whole local stack (MongoDB-wire server, S3 server, API). Ctrl-C stops everything.
run: $(STAMP)
	$(BIN)/fetms run

## The web app with hot reload on :5173 (start `make run` first; /api is proxied to it).
dev: $(STAMP)
	cd frontend && FETMS_API_URL=http://127.0.0.1:$${API_PORT:-8000} npx vite --port $${SPA_PORT:-5173}

## Lint, type-check, audit runtime dependencies and run the whole test suite.
test: $(STAMP) lint typecheck audit frontend-check local-s3
	$(BIN)/python -m pytest

## The SPA: type check, lint, unit tests, production build and the initial-JS budget.
frontend-check: $(STAMP)
	cd frontend && npx tsc -b --noEmit && npx eslint --max-warnings=0 . && npx vitest run && npx vite build --logLevel warn && node scripts/check-bundle-size.mjs

## Regenerate the SPA's API client from the API's OpenAPI document.
api-client: $(STAMP)
	$(BIN)/python -m scripts.dump_openapi frontend/openapi.json
	cd frontend && npm run -s gen:api

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy app.py chalicelib tools/fetms_cli tests scripts infra $(if $(wildcard bench/*.py),bench)

audit: $(STAMP)
	$(BIN)/python -m scripts.audit_deps

## Performance figures (by hand, never in CI): each route against its engine floor at 2k and 20k
## teachers, 1 vs 4 clients on the local API server, cold start. ~20–35 min on 2 cores; prints
## Markdown for docs/PERFORMANCE.md. BENCH_ARGS="--quick" for a short check, "--out FILE" too.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

## infra/: CloudFormation for every stage into infra/cdk.out, offline (no AWS account needed).
synth: $(STAMP)
	$(BIN)/python -m infra.app
	@echo "templates: $$(ls infra/cdk.out/*.template.json)"

## Deploy one stage (AWS credentials of its account; the procedure is in docs/RUNBOOK.md).
deploy: $(STAMP)
	$(CDK) deploy --context stage=$(STAGE) --require-approval broadening '$(STAGE)*'

## What a deploy of STAGE would change.
diff: $(STAMP)
	$(CDK) diff --context stage=$(STAGE) '$(STAGE)*'

## Point every function's `live` alias back to its previous version (FUNCTION=name for one).
rollback: $(STAMP)
	$(BIN)/python -m infra.rollback lambda --stage $(STAGE) $(if $(FUNCTION),--function $(FUNCTION)) $(if $(VERSION),--version $(VERSION))

## Serve the previous SPA build again (restores the previous index.html, then invalidates it).
rollback-spa: $(STAMP)
	$(BIN)/python -m infra.rollback spa --stage $(STAGE)

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist .pytest_cache .mypy_cache .ruff_cache infra/cdk.out infra/build

## Mutation testing of the business-rule modules (by hand, not in CI; see docs/TESTING.md).
mutation: $(STAMP) local-s3
	$(BIN)/python -m scripts.mutation $(MUTANTS)
