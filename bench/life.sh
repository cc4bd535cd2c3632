#!/usr/bin/env bash
# The community-life dashboard over five years of a district's records (issue 13): within
# 50 ms. The seed-scale demo is written with five years of community life (`demo --life-years
# 5`: about 3,500 activities with their reports, 300+ venture projects, 270 golden solutions
# with their reviews, 2,000 volunteer records, all through the program's own calls). Then the
# district's dashboard for each year, a subdistrict's and a community's, and the figures of the
# five years through the API are fetched N times in a row by one signed-in client on loopback;
# the figures are curl's total time (server time plus a loopback transfer): median and p90.
#   bash bench/life.sh [times]     (BIN=path/to/jiayuan to use a built binary; KEEP=dir to keep
#                                   the database; DB=postgres://… to run on PostgreSQL, emptied first)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-30}
if [ -z "${BIN:-}" ]; then cargo build --release --bin jiayuan -p jiayuan >/dev/null 2>&1; fi
bin=${BIN:-$PWD/target/release/jiayuan}
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
server=
trap 'kill $server 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export JIAYUAN_KEY=0707070707070707070707070707070707070707070707070707070707070707
db=${DB:-sqlite://$work/life.db}
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); database: ${db%%:*}"
if [[ "$db" == postgres* ]]; then
  psql "$db" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
  "$bin" --db "$db" demo --scale seed --life-years 5 2>&1 | tail -1
elif [ -f "$work/life.db" ]; then echo "reusing $work/life.db"; else
  "$bin" --db "$db" demo --scale seed --life-years 5 2>&1 | tail -1
fi
"$bin" --db "$db" stats --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print("records:", {k: d[k] for k in ["activities","beneficiaries","volunteer_hours","venture_projects","golden_solutions","training_sessions","trainees"]})'
port=18097
base="http://127.0.0.1:$port"
"$bin" --db "$db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 & server=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
login() { curl -sf -c "$work/$1.jar" -H 'content-type: application/json' \
  -d "{\"username\":\"$1\",\"password\":\"jiayuan-demo\"}" "$base/api/v1/auth/login" >/dev/null; }
login admin; login sd1; login c1
time_page() { # user path
  local times=() size
  for _ in $(seq 1 "$n"); do
    times+=("$(curl -s -o "$work/page" -w '%{time_total}' -b "$work/$1.jar" "$base$2")")
  done
  size=$(wc -c < "$work/page")
  printf '%s\n' "${times[@]}" | sort -n | awk -v u="$1" -v p="$2" -v s="$size" -v n="$n" \
    '{ t[NR] = $1 * 1000 } END { printf "%-6s %-62s p50 %6.1f ms  p90 %6.1f ms  %6.1f KB\n", u, p, t[int(n/2)+1], t[int(n*0.9)], s/1024 }'
}
for y in 2026 2025 2024 2023 2022; do time_page admin "/life?year=$y"; done
time_page sd1 "/life"
time_page c1 "/life"
time_page admin "/api/v1/life-figures?from=2021-11-01&to=2026-10-31"
time_page admin "/venture-projects"
time_page admin "/golden-solutions"
