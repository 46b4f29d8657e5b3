# Respon 112 — every command a developer, CI or DevOps needs. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Reinstall when pyproject.toml changes (the stamp carries its hash).
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

STAGE  ?= dev
# jsii (the CDK's bridge to Node.js) warns loudly about Node 20's end of life; the machine runs Node 20.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION ?= 1

.DEFAULT_GOAL := help
.PHONY: help install dev test lint typecheck unit infra integration e2e openapi bench panel-vendor synth diff deploy clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	rm -f $(VENV)/.installed-*
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '.[dev]'
	touch $@

install: $(STAMP) ## create .venv with every dependency (done by the other targets when needed)

dev: $(STAMP) ## run the local stack: embedded AWS, REST API :8112, Lambda API :8113 (Ctrl-C stops)
	$(BIN)/python -m local $(ARGS)

# On 2 CPUs the checks and the two suites without servers run two at a time (each output kept whole);
# the two suites that start a local stack then run one after the other, each with the machine to itself.
test: ## every check and test (what CI runs): lint, typecheck, unit and infra two at a time, then integration, then e2e
	$(MAKE) --no-print-directory -j2 --output-sync=target lint typecheck unit infra
	$(MAKE) --no-print-directory integration
	$(MAKE) --no-print-directory e2e

lint: $(STAMP) node_modules/.installed ## ruff lint and format check, ESLint on the panel's modules, OpenAPI documents up to date
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npx eslint
	$(BIN)/python tools/openapi.py --check

typecheck: $(STAMP) ## mypy, strict, with the pydantic plugin
	$(BIN)/mypy functions local infra tools tests bench

unit: $(STAMP) ## unit tests (in-memory fakes and moto, no servers)
	$(BIN)/python -m pytest tests/unit

infra: $(STAMP) ## infrastructure tests: synthesize both stages, cdk-nag, cfn-lint, Template assertions
	$(BIN)/python -m pytest tests/infra

integration: $(STAMP) ## integration tests: start the local stack and drive it as a client
	$(BIN)/python -m pytest tests/integration

# Debian's Chromium for the panel's browser tests (Playwright never downloads a browser here).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

e2e: $(STAMP) ## the panel's end-to-end tests: a local stack and Chromium (installed from Debian when missing)
	command -v chromium >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)
	$(BIN)/python -m pytest tests/e2e

openapi: $(STAMP) ## regenerate the committed OpenAPI documents from the routes
	$(BIN)/python tools/openapi.py

bench: $(STAMP) ## benchmarks: ratios against a floor measured in the same run
	$(BIN)/python -m bench

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

panel-vendor: $(STAMP) node_modules/.installed ## copy leaflet and amazon-connect-streams from node_modules into panel/vendor/
	$(BIN)/python tools/vendor_panel.py

synth: $(STAMP) node_modules/.installed ## cdk synth STAGE (dev|prod) into cdk.out/, offline; fails on cdk-nag findings
	npx cdk synth --quiet -c stage=$(STAGE)

diff: $(STAMP) node_modules/.installed ## cdk diff STAGE against the deployed stack (needs AWS credentials)
	npx cdk diff -c stage=$(STAGE)

deploy: $(STAMP) node_modules/.installed ## cdk deploy STAGE (needs AWS credentials and a bootstrapped account)
	npx cdk deploy -c stage=$(STAGE)

clean: ## remove the virtualenv, local state and caches
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache cdk.out node_modules
