# Developer entry points. Everything runs offline once `make setup` has built the toolchain:
#   make up        setup, start the local ModelArts, deploy the `local` stack, print its outputs
#   make down      destroy the `local` stack, stop the local ModelArts
#   make pulumi ARGS="stack output"   any pulumi command against the local stack, same environment
#   make test      setup, lint (ruff + mypy), then pytest (fails if no test ran)
#   make lint      ruff + mypy
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
STACK ?= local
ARGS ?=
PYTEST_ARGS ?=
VENV_BIN := $(ROOT)/.venv/bin
# Every pulumi call gets the offline environment (PATH, PULUMI_HOME, file backend, passphrase, ...).
PULUMI_ENV := cd $(ROOT) && source scripts/pulumi-env.sh &&

.PHONY: help setup up down pulumi test lint fmt server-start server-stop server-status

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

# pytest exits 5 when it collected no test; that must fail, never pass silently.
test: setup
	@cd $(ROOT) && $(VENV_BIN)/ruff check --quiet . && $(VENV_BIN)/mypy --no-error-summary
	@cd $(ROOT) && rc=0 && $(VENV_BIN)/pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest ran no test" >&2; exit 1; fi; exit $$rc

lint: setup
	cd $(ROOT) && $(VENV_BIN)/ruff check . && $(VENV_BIN)/mypy

fmt: setup
	cd $(ROOT) && $(VENV_BIN)/ruff format . && $(VENV_BIN)/ruff check --fix .
