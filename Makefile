# Broker Academy — the two commands people need: `make run` and `make test`.
#
#   make run    install into .venv (if needed), migrate, load the demo data, then serve
#               http://127.0.0.1:8000 with a Celery worker and beat; Ctrl-C stops all three
#   make test   install (if needed) and run the whole test suite
#   make lint   ruff, import-linter (the layers), mypy (the types), template line lengths,
#               function lengths, the layers picture of docs/ARCHITECTURE.md
#
# Installation is incremental: it reruns only when pyproject.toml or the build constraints
# change (or .venv is deleted).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-x tests/people"`.
PYTEST_ARGS ?=
PYTEST_WORKERS ?= auto

.PHONY: help install run test lint flake-hunt verifiers

help:
	@echo "make run    serve the demo at http://127.0.0.1:8000 (web, Celery worker and beat)"
	@echo "make test   run the whole test suite"
	@echo "make lint   check the code: ruff, import-linter, mypy, template and function lengths"
	@echo "make flake-hunt  the whole suite 5 times on PostgreSQL under CPU load"

$(VENV_PYTHON):
	$(PYTHON) -m venv $(VENV)

# XStatic-Bootstrap's sdist needs setuptools<81 to build: constraints-build.txt says so.
# A sign-in's largest CPU cost is its Argon2id check. On a CPU with AVX2 the Argon2 bindings
# are rebuilt from their source with AVX2 (bin/argon2-avx2: the same hashes, 2.4 times less
# CPU); ARGON2_AVX2=0 keeps PyPI's portable wheel, as does a build that fails.
ARGON2_AVX2 ?= $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo 1 || echo 0)

$(INSTALLED): pyproject.toml constraints-build.txt bin/argon2-avx2 | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --build-constraint constraints-build.txt -e '.[dev]'
	@if [ "$(ARGON2_AVX2)" = 1 ]; then \
		bin/argon2-avx2 $(VENV_PYTHON) || echo "argon2: keeping the portable wheel"; fi
	touch $@

# Browser libraries (Apache ECharts) from the npm registry, pinned by package-lock.json and
# collected by Django as static files from node_modules/ (never committed).
NPM_INSTALLED := node_modules/.installed
# Without npm the dashboard shows its tables instead of charts.
$(NPM_INSTALLED): package.json package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --no-audit --no-fund --ignore-scripts --omit=dev && touch $@; \
	else \
		echo "npm not found: the dashboard will show tables instead of charts (apt-get install npm)"; \
	fi

install: $(INSTALLED) $(NPM_INSTALLED)

run: $(INSTALLED) $(NPM_INSTALLED)
	bin/run-demo

# The independent credential verifiers the tests run (Digital Bazaar's @digitalbazaar/vc through
# Node): `npm ci` from tests/verifiers/package-lock.json, again only when the lock changes.
# Without Node the tests that need it skip (fail under REQUIRE_SERVICES=1).
VERIFIERS := tests/verifiers/node_modules/.package-lock.json
$(VERIFIERS): tests/verifiers/package-lock.json
	@if command -v npm >/dev/null; then cd tests/verifiers && npm ci --no-audit --no-fund; \
	else echo "npm not found: the Data Integrity verifier tests will skip"; fi

verifiers: $(VERIFIERS)

test: $(INSTALLED) $(NPM_INSTALLED) $(VERIFIERS)
	$(VENV)/bin/pytest -p no:cacheprovider -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Every check runs, and the target fails if any one failed: ruff; import-linter (the apps'
# layers and public faces, [tool.importlinter] in pyproject.toml); mypy on every app's services
# and selectors ([tool.mypy]); template lines of at most 200 characters; functions of at most
# 100 lines; docs/ARCHITECTURE.md's picture of the layers drawn from the import-linter contracts.
lint: $(INSTALLED)
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/lint-imports || status=1; \
	$(VENV)/bin/mypy || status=1; \
	bin/check-templates || status=1; \
	$(VENV_PYTHON) -m tools.long_functions || status=1; \
	$(VENV_PYTHON) -m tools.architecture --check || status=1; \
	exit $$status

# The whole suite FLAKE_RUNS (5) times on PostgreSQL and Redis while stress-ng loads the CPUs:
# every run must pass (bin/flake-hunt says how to point it elsewhere; logs in var/flake-hunt/).
flake-hunt: $(INSTALLED)
	bin/flake-hunt

# requirements.lock: the installed versions, pinned, that .ci/run audits with pip-audit.
.PHONY: lock
lock: $(INSTALLED)
	{ sed -n '1,3p' requirements.lock; $(VENV)/bin/pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

# The answer-save benchmark (not a test): needs PostgreSQL (BENCH_DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/academy_bench, recreated) and takes about 4 minutes.
# Extra arguments: `make bench BENCH_ARGS="--brokers 500"`; see bench/exam_save.py --help.
# Then the morning of an exam: a room of 60 behind one address and 2,000 brokers on distinct
# loopback addresses logging in, opening the exam and saving a first answer
# (BENCH_MORNING_DATABASE_URL, default .../academy_bench_morning, recreated; Redis; about 5
# minutes): `BENCH_MORNING_ARGS="--crowd 600 --crowd-ramp 60"`; see bench/morning.py --help.
# Then the reminder sweeps over 100,000 enrolments (BENCH_SWEEPS_DATABASE_URL, default
# .../academy_bench_sweeps, recreated; about 3 minutes): `BENCH_SWEEPS_ARGS="--enrolments 20000"`.
# Then the bureau's pages at 1,000, 10,000 and 100,000 brokers (BENCH_DASHBOARD_DATABASE_URL,
# default .../academy_bench_dashboard, recreated; Redis for the figures cache; about 15 minutes):
# `BENCH_DASHBOARD_ARGS="--sizes 1000,10000"`; see bench/dashboard.py --help.
# Then certificate issuance through a real worker (BENCH_CERTS_DATABASE_URL, default
# .../academy_bench_certs, recreated; a private redis-server): `BENCH_CERTS_ARGS="--count 10000"`.
# Then the readiness engine at 100,000 brokers, set-based against the single-broker form looped
# (BENCH_READINESS_DATABASE_URL, default .../academy_bench_readiness, recreated; about 10
# minutes): `BENCH_READINESS_ARGS="--brokers 10000"`; see bench/readiness.py --help.
# Then the sweeps with SMS and WeCom on for everybody, and the send rate of each channel
# through the real SMS SDKs against local stand-ins (BENCH_CHANNELS_DATABASE_URL, default
# .../academy_bench_channels, recreated; about 4 minutes): `BENCH_CHANNELS_ARGS="--messages 300"`.
# Then certifying paper draws for 2,000 brokers who have seen answer keys (BENCH_DRAW_DATABASE_URL,
# default .../academy_bench_draw, recreated; about 5 minutes): `BENCH_DRAW_ARGS="--brokers 500"`.
# Last, bench/report.py writes docs/PERFORMANCE.md from the newest var/bench/<name>-*.json of
# every benchmark (keep it the last line when adding a benchmark).
BENCH_ARGS ?=
BENCH_MORNING_ARGS ?=
BENCH_SWEEPS_ARGS ?=
BENCH_CERTS_ARGS ?=
BENCH_DASHBOARD_ARGS ?=
BENCH_READINESS_ARGS ?=
BENCH_CHANNELS_ARGS ?=
BENCH_DRAW_ARGS ?=
.PHONY: bench
bench: $(INSTALLED)
	$(VENV_PYTHON) bench/exam_save.py $(BENCH_ARGS)
	$(VENV_PYTHON) bench/password_hash.py
	$(VENV_PYTHON) bench/morning.py $(BENCH_MORNING_ARGS)
	$(VENV_PYTHON) bench/sweeps.py $(BENCH_SWEEPS_ARGS)
	$(VENV_PYTHON) bench/dashboard.py $(BENCH_DASHBOARD_ARGS)
	$(VENV_PYTHON) bench/certificates.py $(BENCH_CERTS_ARGS)
	$(VENV_PYTHON) bench/readiness.py $(BENCH_READINESS_ARGS)
	$(VENV_PYTHON) bench/channels.py $(BENCH_CHANNELS_ARGS)
	$(VENV_PYTHON) bench/paper_draw.py $(BENCH_DRAW_ARGS)
	$(VENV_PYTHON) bench/report.py

# The 10-minute soak of the exam scenario (not in CI, not in `make bench`): errors, lost answers
# and memory growth of gunicorn and the Celery worker; figures in var/bench/soak-*.json, and in
# docs/PERFORMANCE.md at the next `make bench` (or `.venv/bin/python bench/report.py`).
# BENCH_SOAK_DATABASE_URL (default .../academy_bench_soak, recreated); `SOAK_ARGS="--minutes 1"`.
SOAK_ARGS ?=
.PHONY: soak
soak: $(INSTALLED)
	$(VENV_PYTHON) bench/soak.py $(SOAK_ARGS)

# make messages: extract the translatable strings into locale/ and compile them (needs GNU gettext).
.PHONY: messages
messages: $(INSTALLED)
	bin/messages
