# sfscan: every target bootstraps .venv from pyproject.toml when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint complexity typecheck browser unit bench build bytecode deploy destroy clean

# Dev dependencies that live in this repository: the org simulator and the local pipeline harness
# (their own distributions; the sfscan wheel and the Lambda layer ship neither).
$(STAMP): pyproject.toml orgsim/pyproject.toml harness/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' -e ./orgsim -e ./harness
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sfscan demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Only the size budgets in pyproject.toml ([tool.ruff.lint.mccabe/pylint]); `lint` enforces them.
complexity: $(STAMP)
	$(BIN)/ruff check --select C90,PLR0911,PLR0912,PLR0913,PLR0915 --exit-zero --output-format concise .

typecheck: $(STAMP)
	$(BIN)/mypy

# The HTML report's browser test drives Debian's chromium (never a downloaded browser): install it
# when it is missing and we may (root, apt-get), else say what to install.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && apt-get install -y -qq chromium; } \
	  || { echo "make test needs Debian's chromium: sudo apt-get install -y chromium" >&2; exit 1; }

# Prints the pytest wall time (startup, collection and the run on 2 workers) after pytest's summary.
test: lint typecheck browser
	$(BIN)/cfn-lint template.yaml
	@start=$$(date +%s%N); status=0; $(BIN)/pytest -n 2 -q || status=$$?; \
	end=$$(date +%s%N); \
	echo "pytest wall time: $$(( (end - start) / 1000000000 )).$$(( (end - start) / 100000000 % 10 )) s (-n 2)"; \
	exit $$status

bench: $(STAMP)
	$(BIN)/python -m bench

# SAM CLI lives in its own venv: its pinned dependencies must not move the project's.
# `sam build` needs the Lambda runtime's Python (3.12) on PATH, e.g. PYENV_VERSION=3.11.7:3.12.1.
SAM_VENV := .venv-sam
$(SAM_VENV)/bin/sam:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet 'aws-sam-cli>=1.120'

# `sam build` ships sources only (its pip workflow unpacks wheels and compiles nothing), so every
# cold start would compile the whole layer. `bytecode` compiles the built tree with the runtime's own
# Python (bytecode is per minor version; a test keeps this equal to the template's Runtime) into
# checked-hash .pyc (PEP 552): valid whatever file times the Lambda zip gives the sources (SAM dates
# every entry 1980-01-01), and a source that differs from its .pyc is still compiled, never stale.
# One process (no -j): then an unchanged rebuild writes the same bytes, so sam deploy uploads nothing.
RUNTIME_VERSION := 3.12
LAMBDA_PYTHON ?= python$(RUNTIME_VERSION)
SAM_BUILD_DIR ?= .aws-sam/build
build: $(SAM_VENV)/bin/sam
	$(SAM_VENV)/bin/sam build
	$(MAKE) --no-print-directory bytecode

bytecode:
	@$(LAMBDA_PYTHON) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(v != "$(RUNTIME_VERSION)" and \
	  f"make bytecode: LAMBDA_PYTHON ({sys.executable}) is Python {v}, the functions run $(RUNTIME_VERSION):" \
	  " set LAMBDA_PYTHON to a Python $(RUNTIME_VERSION) interpreter")'
	$(LAMBDA_PYTHON) -m compileall -q --invalidation-mode checked-hash $(SAM_BUILD_DIR)

# Deploy and tear down without prompts (CI-friendly). Settings: samconfig.toml (copy
# samconfig.toml.example); PARAMS="Name=value ..." replaces its parameter_overrides.
SAM_CONFIG ?= samconfig.toml
export SAM_CLI_TELEMETRY ?= 0
$(SAM_CONFIG):
	@echo "make: no $(SAM_CONFIG): cp samconfig.toml.example $(SAM_CONFIG) and edit it (docs/deploy.md)" >&2
	@exit 2

deploy: build $(SAM_CONFIG)
	$(SAM_VENV)/bin/sam deploy --config-file $(SAM_CONFIG) --no-confirm-changeset \
		--no-fail-on-empty-changeset $(if $(PARAMS),--parameter-overrides $(PARAMS))

destroy: $(SAM_VENV)/bin/sam $(SAM_CONFIG)
	$(SAM_VENV)/bin/sam delete --config-file $(SAM_CONFIG) --no-prompts

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
