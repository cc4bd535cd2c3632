#!/usr/bin/env bash
# The public disclosure page of a community with 100,000 ledger entries in the year (issue 14):
# within 50 ms. The small demo is written (a year of every community's account through the
# program's own calls), then 100,000 rows are imported into the first community through
# `jiayuan funds import` (the ledger's all-or-nothing import: every row checked, the balance run
# through in order, one transaction). Then the disclosure page (the year's totals by source and
# purpose and the first page of its entries; a later page too), its JSON, and the ledger page
# are fetched N times in a row by one client on loopback; the figures are curl's total time
# (server time plus a loopback transfer): median and p90.
#   bash bench/funds.sh [times]    (BIN=path/to/jiayuan to use a built binary; KEEP=dir to keep
#                                   the database; DB=postgres://… to run on PostgreSQL, emptied first;
#                                   ROWS=n instead of 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-30}
rows=${ROWS:-100000}
if [ -z "${BIN:-}" ]; then cargo build --release --bin jiayuan -p jiayuan >/dev/null 2>&1; fi
bin=${BIN:-$PWD/target/release/jiayuan}
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
server=
trap 'kill $server 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export JIAYUAN_KEY=0707070707070707070707070707070707070707070707070707070707070707
db=${DB:-sqlite://$work/funds.db}
code=370612001001
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); database: ${db%%:*}"
fresh=1
if [[ "$db" == postgres* ]]; then
  psql "$db" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
elif [ -f "$work/funds.db" ]; then echo "reusing $work/funds.db"; fresh=0; fi
if [ $fresh = 1 ]; then
  "$bin" --db "$db" demo --scale small 2>&1 | tail -1
  python3 bench/fund_sheet.py "$rows" "$work/ledger.xlsx"
  "$bin" --db "$db" funds import --territory $code "$work/ledger.xlsx"
fi
"$bin" --db "$db" funds check --territory $code
port=18098
base="http://127.0.0.1:$port"
"$bin" --db "$db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 & server=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
curl -sf -c "$work/c1.jar" -H 'content-type: application/json' \
  -d '{"username":"c1","password":"jiayuan-demo"}' "$base/api/v1/auth/login" >/dev/null
time_page() { # jar-or-dash path
  local times=() size auth=()
  [ "$1" != - ] && auth=(-b "$work/$1.jar")
  for _ in $(seq 1 "$n"); do
    times+=("$(curl -s -o "$work/page" -w '%{time_total}' "${auth[@]}" "$base$2")")
  done
  size=$(wc -c < "$work/page")
  printf '%s\n' "${times[@]}" | sort -n | awk -v u="$1" -v p="$2" -v s="$size" -v n="$n" \
    '{ t[NR] = $1 * 1000 } END { printf "%-4s %-58s p50 %6.1f ms  p90 %6.1f ms  %6.1f KB\n", u, p, t[int(n/2)+1], t[int(n*0.9)], s/1024 }'
}
time_page - "/disclosure/$code?year=2026"
time_page - "/disclosure/$code?year=2026&page=500"
time_page - "/api/v1/territories/$code/fund/disclosure?year=2026&page_size=100"
time_page c1 "/funds/$code?year=2026"
time_page c1 "/funds"
