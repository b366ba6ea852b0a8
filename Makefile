# EduWorld HA: the one entry point. `make help` lists the targets.
#
# Two commands do everything on a fresh Debian machine (as root; CI runs Debian 12):
#   make demo   set up, then run EduWorld with demo data
#   make test   set up, then run every test

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian's own Python (3.11 on Debian 12, 3.13 on 13). The hosts run Debian 13's 3.13: the lab
# downloads wheels for that version, whatever this one is.
PYTHON ?= /usr/bin/python3
VENV := .venv
BIN := $(VENV)/bin
STATE := .state
# The fast tier's PostgreSQL (Debian's default: 15 on Debian 12, 17 on Debian 13; the code finds
# which at run time); the lab's containers, base image and local apt repository.
APT_PACKAGES := postgresql postgresql-contrib python3-venv python3-dev make git \
	systemd-container debootstrap zstd dpkg-dev openssh-client iproute2
# The book's own checks and the slides: Debian's Chromium (driven by Playwright) and fonts
# for it. Node.js with npm (for reveal.js and Mermaid) is taken from Debian only when the
# machine has no npm of its own: Debian's npm would fight a newer Node.js from elsewhere.
APT_PACKAGES += chromium fonts-dejavu-core
APT_PACKAGES += $(if $(shell command -v npm),,nodejs npm)
PYTEST_ARGS ?=
CHAPTER ?=
CHAOS_ARGS ?=
export NO_MKDOCS_2_WARNING := 1

.PHONY: help setup apt-packages demo lab-down test test-fast test-lab test-book lint docs docs-build \
	diagrams slides slides-pdf bench bench-replication bench-media bench-realtime bench-failover bench-mail bench-disk bench-versions chaos clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: apt-packages $(VENV)/.installed node_modules/.installed ## install Debian, Python and npm packages (safe to run again)

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

# reveal.js, Mermaid and partysocket, exactly as package-lock.json pins them.
node_modules/.installed: package.json package-lock.json
	@echo "==> npm packages into node_modules"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: setup ## boot the two-host lab with EduWorld and demo data; it keeps running
	@./eduworld-lab up

lab-down: setup ## power off the lab and remove what it created (keeps the caches)
	@./eduworld-lab down

ifeq ($(CHAPTER),)
test: setup ## everything: fast tier, API fuzzing, the book, the lab tier, lint (CHAPTER=NN: one chapter)
	@$(BIN)/pytest $(PYTEST_ARGS)
	@$(BIN)/ruff check .
else
test: setup
	@$(BIN)/pytest chapters/$(CHAPTER)-*/tests $(PYTEST_ARGS)
endif

# Tiers are markers (pyproject.toml lists them): a test says what it needs, not where it lives.
test-fast: setup ## the fast tier: all but lab, browser, fuzz and book (tests marked root skip without root)
	@$(BIN)/pytest -m "not lab and not browser and not fuzz and not book" $(PYTEST_ARGS)

test-lab: setup ## the lab tier only: every chapter's claims on the two hosts
	@$(BIN)/pytest -m lab $(PYTEST_ARGS)

test-book: setup ## the book's own checks: strict build, links, diagrams, every page and slide in Chromium
	@$(BIN)/pytest -m book $(PYTEST_ARGS)

lint: setup ## ruff and ansible-lint
	@$(BIN)/ruff check .
	@ANSIBLE_CONFIG=ansible/ansible.cfg $(BIN)/ansible-lint -q ansible/site.yml chapters/*/playbook.yml ansible/roles
	@echo "lint: clean"

docs: diagrams ## serve the book on http://127.0.0.1:8001
	@$(BIN)/mkdocs serve -a 127.0.0.1:8001

docs-build: diagrams ## build the book into site/ (strict: a missing listing fails) and check its links
	@$(BIN)/mkdocs build --strict
	@PYTHONPATH=code $(BIN)/python -m book.linkcheck site

diagrams: setup ## render diagrams/*.mmd to SVG (chapters/diagrams/) for the book and the slides
	@PYTHONPATH=code $(BIN)/python -m book.diagrams

slides: diagrams ## build the talk and serve it on http://127.0.0.1:8002
	@PYTHONPATH=code $(BIN)/python -m book.slides serve

slides-pdf: diagrams ## the talk as a PDF, speaker notes on pages of their own
	@PYTHONPATH=code $(BIN)/python -m book.slides pdf

bench: setup ## measure the lab, 3+ runs each: warm up of every chapter, fresh up, down; BENCH_ARGS=--cold adds a cold up
	@$(BIN)/python bench/lab_up.py $(BENCH_ARGS)

bench-replication: setup ## measure two-way replication on the lab, 3+ runs each (lag, throughput, catch-up, stall)
	@$(BIN)/python bench/replication.py $(BENCH_ARGS)

bench-media: setup ## measure uploads reaching the peer's disk (the watcher against the 2016 cron schedule) and convergence after a 60 s outage, 3+ runs
	@$(BIN)/python bench/media.py $(BENCH_ARGS)

bench-realtime: setup ## measure the board's commands (remote to board, same host and across) and how fast a board moves after a power-off or a freeze, 3+ runs
	@$(BIN)/python bench/realtime.py $(BENCH_ARGS)

bench-failover: setup ## measure the teacher's app when its host is powered off, frozen or cut off (fault to next action, p50/p99) and what hedging costs, 3+ runs
	@$(BIN)/python bench/failover.py $(BENCH_ARGS)

chaos: setup ## the chaos run: API clients on both hosts under a seeded nemesis, then every acknowledged write checked (CHAOS_ARGS="--seed N --seconds S")
	@$(BIN)/python bench/chaos.py $(CHAOS_ARGS)

bench-mail: setup ## measure mail from request to delivery (p50/p99) with the first provider up, refusing and hanging, and what requests cost meanwhile, 3+ runs
	@$(BIN)/python bench/mail.py $(BENCH_ARGS)

bench-disk: setup ## measure what the lab takes: disk (caches, snapshots, hosts, .venv, node_modules), memory of the two hosts
	@$(BIN)/python bench/disk.py

bench-versions: setup ## read what the hosts run (Debian, PostgreSQL, pglogical, nginx, Python, Django) for the book
	@$(BIN)/python bench/versions.py

clean: ## remove the virtual environment, built site and local state
	rm -rf $(VENV) node_modules site $(STATE) slides/build chapters/diagrams test-artifacts
