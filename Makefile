# Developer entry points. Everything runs offline once `make setup` has built the toolchain:
#   make up        setup, start the local ModelArts, deploy the `local` stack, print its outputs
#   make down      destroy the `local` stack, stop the local ModelArts
#   make pulumi ARGS="stack output"   any pulumi command against the local stack, same environment
#   make test      setup, lint, pytest on the default Python, then the interpreter matrix (fails if no test ran)
#   make test-fast pytest without the real-CLI tests (marker pulumi_cli): the edit loop; no lint, no matrix
#   make matrix    the client/provider/lookup tests and the example stack on Python 3.10-3.13 (noxfile.py)
#   make lint      ruff check, ruff format --check, vulture (dead code), mypy (and mypy as Python 3.10 on what must run there)
#   make fmt       ruff format + ruff check --fix over the whole tree
#   make bench     the benchmarks of issue 12 (benchmarks/README.md); BENCH_ARGS="--jobs 10" for a quick run
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
STACK ?= local
ARGS ?=
PYTEST_ARGS ?=
NOX_ARGS ?=
VENV_BIN := $(ROOT)/.venv/bin
# What must also run on Python 3.10 (the provider distribution and the tests noxfile.py runs), type-checked as such.
# Keep in step with pyproject.toml's per-file-target-version and noxfile.py (tests/tooling/test_matrix.py checks).
PY310_CODE := provider/modelarts_pulumi tests/support tests/conftest.py tests/client tests/obs_client tests/provider \
	tests/lookups tests/matrix
# Every pulumi call gets the offline environment (PATH, PULUMI_HOME, file backend, passphrase, ...).
PULUMI_ENV := cd $(ROOT) && source scripts/pulumi-env.sh &&

.PHONY: help setup up down pulumi test test-fast matrix lint fmt bench server-start server-stop server-status

help:
	@sed -n 's/^#   //p' $(lastword $(MAKEFILE_LIST))

setup:
	@bash $(ROOT)/scripts/setup.sh

server-start: setup
	@bash $(ROOT)/scripts/local-modelarts.sh start

server-stop:
	@bash $(ROOT)/scripts/local-modelarts.sh stop

server-status:
	@bash $(ROOT)/scripts/local-modelarts.sh status || true

up: server-start
	@$(PULUMI_ENV) pulumi stack select --create $(STACK) --non-interactive
	@$(PULUMI_ENV) pulumi up --yes --stack $(STACK) --non-interactive
	@$(PULUMI_ENV) pulumi stack output --json --show-secrets=false --stack $(STACK)

# The provider deletes jobs through the API, so the local ModelArts must run during destroy.
down: server-start
	@$(PULUMI_ENV) if pulumi stack ls --json | grep -q '"name": "$(STACK)"'; then \
		pulumi destroy --yes --stack $(STACK) --non-interactive; \
	else echo "stack $(STACK) does not exist; nothing to destroy"; fi
	@bash $(ROOT)/scripts/local-modelarts.sh stop

pulumi:
	@SETUP_QUIET=1 bash $(ROOT)/scripts/setup.sh
	@$(PULUMI_ENV) { pulumi stack select $(STACK) --non-interactive >/dev/null 2>&1 || true; } && pulumi $(ARGS)

# pytest exits 5 when it collected no test; that must fail, never pass silently. The matrix runs even when pytest
# failed, so one run shows everything; the exit status is the worse of the two.
test: lint
	@cd $(ROOT) && rc=0 && $(VENV_BIN)/pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest ran no test" >&2; fi; \
	matrix_rc=0 && $(MAKE) --no-print-directory matrix || matrix_rc=$$?; \
	if [ $$rc -ne 0 ]; then echo "make test: pytest failed (exit $$rc)" >&2; exit 1; fi; exit $$matrix_rc

test-fast: setup
	@cd $(ROOT) && rc=0 && $(VENV_BIN)/pytest -m "not pulumi_cli and not matrix" $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-fast: pytest ran no test" >&2; exit 1; fi; exit $$rc

# One nox session per supported Python; a missing interpreter is skipped, by name, unless CI is set (then it fails).
# The table at the end comes from the sessions' results in .nox/matrix-results/.
matrix: setup
	@cd $(ROOT) && rm -rf .nox/matrix-results && rc=0 && $(VENV_BIN)/nox $(NOX_ARGS) || rc=$$?; \
	$(VENV_BIN)/python scripts/matrix.py || rc=1; exit $$rc

lint: setup
	cd $(ROOT) && $(VENV_BIN)/ruff check . && $(VENV_BIN)/ruff format --check . && $(VENV_BIN)/vulture && $(VENV_BIN)/mypy \
		&& $(VENV_BIN)/mypy --python-version 3.10 $(PY310_CODE)

fmt: setup
	cd $(ROOT) && $(VENV_BIN)/ruff format . && $(VENV_BIN)/ruff check --fix .

BENCH_ARGS ?=
BENCH_LOAD_ARGS ?=
# The provider against the SDK (benchmarks/run.py), then the local ModelArts alone under load
# (benchmarks/local_modelarts.py, which exits 1 when a target is missed); the second runs even if the first failed.
bench: setup
	@cd $(ROOT) && rc=0 && { $(VENV_BIN)/python -m benchmarks.run $(BENCH_ARGS) || rc=$$?; } && \
	{ $(VENV_BIN)/python benchmarks/local_modelarts.py $(BENCH_LOAD_ARGS) || rc=$$?; } && exit $$rc
