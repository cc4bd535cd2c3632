#!/usr/bin/env bash
# The district screen at seed scale with its year (issue 15): how long a new appeal takes to
# reach the screens' live boards (target: 2 s), and how long the board takes to draw.
#   bash bench/screen.sh [appeals] [screens]      (BIN=path/to/jiayuan to use a binary already built)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then cargo build --release --bin jiayuan -p jiayuan >/dev/null 2>&1; fi
bin=${BIN:-$PWD/target/release/jiayuan}
work=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
export JIAYUAN_KEY=0707070707070707070707070707070707070707070707070707070707070707
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
db=${DB:-sqlite://$work/seed.db}
"$bin" --db "$db" demo --scale seed | tail -1
port=18091
base="http://127.0.0.1:$port"
"$bin" --db "$db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 & server=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
curl -sf -c "$work/admin.jar" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"jiayuan-demo"}' "$base/api/v1/auth/login" >/dev/null
for path in "/api/v1/screen" "/screen"; do
  times=()
  for _ in $(seq 1 20); do times+=("$(curl -s -o /dev/null -w '%{time_total}' -b "$work/admin.jar" "$base$path")"); done
  printf '%s\n' "${times[@]}" | sort -n | awk -v p="$path" '{ t[NR] = $1 * 1000 } END { printf "%-16s p50 %6.1f ms  p90 %6.1f ms\n", p, t[11], t[18] }'
done
python3 bench/screen_latency.py "$base" "${1:-40}" "${2:-10}"
