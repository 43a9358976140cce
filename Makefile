# Gatewyse — build, run and test.
#
#   make deps        install missing system packages (as root; otherwise lists them)
#   make test-deps   what the test suites need on top (PostgreSQL, python3-venv, nginx, chromium + chromium-driver)
#   make build       debug build, tests included (the one configuration everything uses)
#   make run         build and start the gateway: make run CONFIG=gatewyse.yaml ARGS="--port 9090"
#   make venv        Python venv with the official SDKs for the end-to-end suite
#   make test        (with a private PostgreSQL cluster) Swift Testing, the Python SDK and hostile-peer suites against the real binaries, bounded fuzzing
#   make fuzz        libFuzzer + ASan over the parsers, FUZZ_SECONDS (20) per target (tests/fuzz/run.sh)
#   make bench-deps  what the benchmark needs (nginx, wrk, haproxy)
#   make bench       release build, then bench/run.sh (see bench/README.md)

SHELL := /bin/bash
.DEFAULT_GOAL := build

SWIFT   ?= swift
PYTHON  ?= python3
VENV    := .venv
REQUIREMENTS := tests/python/requirements.txt

GATEWYSE_BIN      ?= $(CURDIR)/.build/debug/gatewyse
GATEWYSE_MOCK_BIN ?= $(CURDIR)/.build/debug/gatewyse-mock

ARGS ?=
ifneq ($(strip $(CONFIG)),)
RUN_ARGS := --config $(CONFIG) $(ARGS)
else
RUN_ARGS := $(ARGS)
endif

.PHONY: deps test-deps bench-deps build run venv test fuzz bench bench-routing bench-wire

# Installs the Debian packages named in $$missing: as root, one `apt-get update` then one
# `apt-get install -y`; otherwise only says what is missing and carries on.
APT_INSTALL = \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "deps: installing$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "deps: missing Debian packages:$$missing (not root: install them yourself; continuing)"; \
	fi

# What building and running need.
deps:
	@missing=""; \
	[ -e /usr/include/sqlite3.h ] || missing="$$missing libsqlite3-dev"; \
	[ -e /usr/include/argon2.h ] || missing="$$missing libargon2-dev"; \
	$(APT_INSTALL)

# What the test suites need on top: PostgreSQL's server binaries (make test runs a private
# cluster of its own, tests/postgres/cluster.sh), Python's venv for the SDK suite, nginx (the
# load balancer of the multi-node test, and `nginx -t` of deploy/nginx), and Debian's Chromium
# with its WebDriver (the dashboard suite, tests/python/test_dashboard.py, drives it headless).
test-deps: deps
	@missing=""; \
	{ command -v initdb || ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null 2>&1 || missing="$$missing chromium-driver"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	$(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	$(APT_INSTALL)

bench-deps: deps
	@missing=""; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing="$$missing haproxy"; \
	$(APT_INSTALL)

build: deps
	$(SWIFT) build --build-tests

run: deps
	$(SWIFT) build --product gatewyse
	mkdir -p data
	exec .build/debug/gatewyse serve $(RUN_ARGS)

venv: $(VENV)/.installed

$(VENV)/.installed: $(REQUIREMENTS) | test-deps
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $(REQUIREMENTS)
	@touch $@

# Every suite always runs; the target fails if any failed: Swift Testing, the Python suites (the
# official SDKs end to end, and the hostile-peer suite in tests/python/hostile), and the fuzzers
# for a bounded time (TEST_FUZZ_SECONDS per target, default 10).
test: test-deps build venv
	@swift_rc=0; python_rc=0; fuzz_rc=0; \
	echo "== private PostgreSQL cluster (tests/postgres/cluster.sh)"; \
	trap 'bash tests/postgres/cluster.sh stop' EXIT INT TERM; \
	bash tests/postgres/cluster.sh start || exit 1; \
	export GATEWYSE_TEST_POSTGRES_URL="$$(bash tests/postgres/cluster.sh url)"; \
	echo "== swift test"; \
	$(SWIFT) test --skip-build || swift_rc=$$?; \
	echo "== python suites (tests/python: SDKs end to end, hostile peers, the dashboard in Chromium)"; \
	GATEWYSE_BIN="$(GATEWYSE_BIN)" GATEWYSE_MOCK_BIN="$(GATEWYSE_MOCK_BIN)" \
		$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/python || python_rc=$$?; \
	echo "== fuzz (tests/fuzz/run.sh)"; \
	FUZZ_SECONDS="$(or $(TEST_FUZZ_SECONDS),10)" bash tests/fuzz/run.sh || fuzz_rc=$$?; \
	word() { if [ "$$1" = 0 ]; then echo ok; else echo "FAILED (exit $$1)"; fi; }; \
	echo "make test: swift test $$(word $$swift_rc); python suites $$(word $$python_rc); fuzz $$(word $$fuzz_rc)"; \
	[ $$swift_rc = 0 ] && [ $$python_rc = 0 ] && [ $$fuzz_rc = 0 ]

# Fuzzes the JSON parser and skimmer, the SSE and AWS event-stream decoders and the config
# loader for FUZZ_SECONDS each (default 20), after their regression inputs. The first run builds
# the dependencies again with the sanitizers, under .build-fuzz (~10 min on two cores).
fuzz: deps
	FUZZ_SECONDS="$(or $(FUZZ_SECONDS),20)" bash tests/fuzz/run.sh

# Gateway vs direct (vs HAProxy and/or LiteLLM with PEERS="haproxy litellm", vs an older gateway
# binary with BASELINE_BIN=path) on one machine, in release mode.
# Options: DURATION=10 CONCURRENCY="1 16 64 256" ROUNDS=7 SOAK=300 PEERS="haproxy litellm" BASELINE_BIN=/path/to/gatewyse
bench: bench-deps
	$(SWIFT) build -c release --product gatewyse
	$(SWIFT) build -c release --product gatewyse-mock
	GATEWYSE_BIN="$(CURDIR)/.build/release/gatewyse" PEERS="$(PEERS)" \
		$(if $(DURATION),DURATION="$(DURATION)") $(if $(CONCURRENCY),CONCURRENCY="$(CONCURRENCY)") \
		$(if $(STREAM_CONCURRENCY),STREAM_CONCURRENCY="$(STREAM_CONCURRENCY)") $(if $(SOAK),SOAK="$(SOAK)") \
		$(if $(BASELINE_BIN),BASELINE_BIN="$(BASELINE_BIN)") $(if $(ROUNDS),ROUNDS="$(ROUNDS)") $(if $(SIDE_BY_SIDE),SIDE_BY_SIDE="$(SIDE_BY_SIDE)") \
		bash bench/run.sh

# Route planning per strategy, in release mode (nanoseconds per plan).
bench-routing: deps
	$(SWIFT) build -c release --product gatewyse-bench-routing
	.build/release/gatewyse-bench-routing

# What decoding `make bench`'s chat body costs (parse, unified request, verbatim bytes).
bench-wire: deps
	$(SWIFT) build -c release --product gatewyse-bench-wire
	.build/release/gatewyse-bench-wire
