# Gatewyse — build, run and test.
#
#   make deps        install missing system packages (as root; otherwise lists them)
#   make test-deps   what the test suites need on top (PostgreSQL, python3-venv)
#   make build       debug build, tests included (the one configuration everything uses)
#   make run         build and start the gateway: make run CONFIG=gatewyse.yaml ARGS="--port 9090"
#   make venv        Python venv with the official SDKs for the end-to-end suite
#   make test        Swift Testing suites + the Python SDK suite against the real binaries
#   make fuzz        libFuzzer + ASan over the parsers, FUZZ_SECONDS (20) per target (tests/fuzz/run.sh)
#   make bench-deps  what the benchmark needs (nginx, wrk)
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

.PHONY: deps test-deps bench-deps build run venv test fuzz bench bench-routing

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
	$(APT_INSTALL)

# What the test suites need on top: a PostgreSQL server (store contract suite, as the
# PostgreSQL backend lands) and Python's venv for the SDK suite.
test-deps: deps
	@missing=""; \
	{ command -v initdb || ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 || missing="$$missing postgresql"; \
	$(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	$(APT_INSTALL)

bench-deps: deps
	@missing=""; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
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

# Both suites always run; the target fails if either failed.
test: test-deps build venv
	@swift_rc=0; python_rc=0; \
	echo "== swift test"; \
	$(SWIFT) test --skip-build || swift_rc=$$?; \
	echo "== python SDK suite (tests/python)"; \
	GATEWYSE_BIN="$(GATEWYSE_BIN)" GATEWYSE_MOCK_BIN="$(GATEWYSE_MOCK_BIN)" \
		$(VENV)/bin/python -m pytest -q tests/python || python_rc=$$?; \
	word() { if [ "$$1" = 0 ]; then echo ok; else echo "FAILED (exit $$1)"; fi; }; \
	echo "make test: swift test $$(word $$swift_rc); python SDK suite $$(word $$python_rc)"; \
	[ $$swift_rc = 0 ] && [ $$python_rc = 0 ]

# Fuzzes the JSON parser and skimmer, the SSE and AWS event-stream decoders and the config
# loader for FUZZ_SECONDS each (default 20), after their regression inputs. The first run builds
# the dependencies again with the sanitizers, under .build-fuzz (~10 min on two cores).
fuzz: deps
	FUZZ_SECONDS="$(or $(FUZZ_SECONDS),20)" bash tests/fuzz/run.sh

# Gateway vs direct (vs LiteLLM with PEERS=litellm) on one machine, in release mode.
# Options: DURATION=10 CONCURRENCY="1 16 64 256" SOAK=300 PEERS=litellm
bench: bench-deps
	$(SWIFT) build -c release --product gatewyse
	$(SWIFT) build -c release --product gatewyse-mock
	GATEWYSE_BIN="$(CURDIR)/.build/release/gatewyse" PEERS="$(PEERS)" \
		$(if $(DURATION),DURATION="$(DURATION)") $(if $(CONCURRENCY),CONCURRENCY="$(CONCURRENCY)") \
		$(if $(STREAM_CONCURRENCY),STREAM_CONCURRENCY="$(STREAM_CONCURRENCY)") $(if $(SOAK),SOAK="$(SOAK)") \
		bash bench/run.sh

# Route planning per strategy, in release mode (nanoseconds per plan).
bench-routing: deps
	$(SWIFT) build -c release --product gatewyse-bench-routing
	.build/release/gatewyse-bench-routing
