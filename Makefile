# Gatewyse — build, run and test.
#
#   make deps        install missing system packages (as root; otherwise lists them)
#   make build       debug build, tests included (the one configuration everything uses)
#   make run         build and start the gateway: make run CONFIG=gatewyse.yaml ARGS="--port 9090"
#   make venv        Python venv with the official SDKs for the end-to-end suite
#   make test        Swift Testing suites + the Python SDK suite against the real binaries
#   make bench-deps  what the benchmark needs (nginx, wrk)

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

.PHONY: deps bench-deps build run venv test

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

deps:
	@missing=""; \
	[ -e /usr/include/sqlite3.h ] || missing="$$missing libsqlite3-dev"; \
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

$(VENV)/.installed: $(REQUIREMENTS) | deps
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $(REQUIREMENTS)
	@touch $@

# Both suites always run; the target fails if either failed.
test: deps build venv
	@swift_rc=0; python_rc=0; \
	echo "== swift test"; \
	$(SWIFT) test --skip-build || swift_rc=$$?; \
	echo "== python SDK suite (tests/python)"; \
	GATEWYSE_BIN="$(GATEWYSE_BIN)" GATEWYSE_MOCK_BIN="$(GATEWYSE_MOCK_BIN)" \
		$(VENV)/bin/python -m pytest -q tests/python || python_rc=$$?; \
	word() { if [ "$$1" = 0 ]; then echo ok; else echo "FAILED (exit $$1)"; fi; }; \
	echo "make test: swift test $$(word $$swift_rc); python SDK suite $$(word $$python_rc)"; \
	[ $$swift_rc = 0 ] && [ $$python_rc = 0 ]
