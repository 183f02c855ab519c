#!/usr/bin/env bash
# Node: natskit (release addon) next to nats.js (@nats-io/transport-node, jetstream, kv, obj)
# in one run, same server, same workloads. Prints a Markdown table with natskit/nats.js ratios.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PKG="$HERE/../../bindings-node"
cd "$PKG"
[ -f node_modules/.natskit-deps ] || { npm ci --ignore-scripts --no-audit --no-fund >/dev/null && touch node_modules/.natskit-deps; }
node_modules/.bin/napi build --platform --release --js binding.js --dts index.d.ts --no-const-enum
node "$HERE/bench.js"
node "$HERE/jetstream.js"
exec node "$HERE/stores.js"
