# EduWorld HA: the one entry point. `make help` lists the targets.
#
# Two commands do everything on a fresh Debian 12 machine (as root):
#   make demo   set up, then run EduWorld with demo data
#   make test   set up, then run every test

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian's own Python 3.11: the same interpreter the hosts run.
PYTHON ?= /usr/bin/python3
VENV := .venv
BIN := $(VENV)/bin
STATE := .state
APT_PACKAGES := postgresql-15 postgresql-contrib python3-venv python3-dev make git
PYTEST_ARGS ?=
export NO_MKDOCS_2_WARNING := 1

.PHONY: help setup apt-packages demo test test-fast lint docs docs-build clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: apt-packages $(VENV)/.installed ## install Debian and Python packages (safe to run again)

apt-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	    | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "Missing Debian packages: $$missing. Run as root, or: sudo apt-get install $$missing" >&2; exit 1; fi; \
	  echo "==> apt-get install $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# Debian starts a cluster of its own on port 5432; the project never uses it.

$(VENV)/.installed: pyproject.toml
	@echo "==> Python packages into $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --upgrade pip
	@$(BIN)/pip install -q -e '.[dev]'
	@touch $@

demo: setup ## run EduWorld with demo data on this machine (Ctrl-C stops it)
	@$(BIN)/python -m lab.demo

test: setup ## everything: fast tier, API fuzzing, the book's strict build, lint
	@$(BIN)/pytest $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory lint

test-fast: setup ## the fast tier only (no fuzzing)
	@$(BIN)/pytest code/eduworld/tests --deselect code/eduworld/tests/test_api_fuzz.py $(PYTEST_ARGS)

lint: setup ## ruff
	@$(BIN)/ruff check .
	@echo "ruff: clean"

docs: setup ## serve the book on http://127.0.0.1:8001
	@$(BIN)/mkdocs serve -a 127.0.0.1:8001

docs-build: setup ## build the book into site/ (strict: a missing listing fails)
	@$(BIN)/mkdocs build --strict

clean: ## remove the virtual environment, built site and local state
	rm -rf $(VENV) site $(STATE)
