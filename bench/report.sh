#!/usr/bin/env bash
# The work report over 20,000,000 appeals (issue 15): within 10 s. The seed demo is written
# with its year, then N generated appeals (20,000,000 by default) as appeal rows with the
# rollup rows they fold into, spread evenly over 2024 and 2025 — ten million a year, every
# one of them in one of the two years the report reads (`appeals bench-rollups
# --write-appeals`). Then the district's report for 2025 (beside 2024) is drawn by the CLI,
# the whole command timed (start, fold, every figure of both years), three times; and the
# same report through the API once.
#   bash bench/report.sh [appeals]  (BIN=path/to/jiayuan to use a built binary; KEEP=dir to keep
#                                    the database; DB=postgres://… to run on PostgreSQL, emptied first)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000000}
if [ -z "${BIN:-}" ]; then cargo build --release --bin jiayuan -p jiayuan >/dev/null 2>&1; fi
bin=${BIN:-$PWD/target/release/jiayuan}
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
server=
trap 'kill $server 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export JIAYUAN_KEY=0707070707070707070707070707070707070707070707070707070707070707
db=${DB:-sqlite://$work/report.db}
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); database: ${db%%:*}"
fresh=1
if [[ "$db" == postgres* ]]; then
  psql "$db" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
elif [ -f "$work/report.db" ]; then echo "reusing $work/report.db"; fresh=0; fi
if [ $fresh = 1 ]; then
  /usr/bin/time -f "demo with its year: %e s" "$bin" --db "$db" demo --scale seed 2>&1 | tail -2
  /usr/bin/time -f "generation: %e s, %M KiB peak" "$bin" --db "$db" appeals bench-rollups \
    --appeals "$n" --from 2024-01-01 --days 731 --write-appeals
fi
echo "appeals in the database: $("$bin" --db "$db" appeals count)"
[[ "$db" == sqlite* ]] && echo "database file: $(du -h "$work/report.db" | cut -f1)"
for i in 1 2 3; do
  /usr/bin/time -f "report run $i: %e s, %M KiB peak" "$bin" --db "$db" report --territory 370612000000 \
    --year 2025 --format json --out "$work/report.json"
done
python3 - "$work/report.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
keys = ["appeals_received", "disputes_settled", "property_matters_by_branch", "property_disputes_settled",
        "response_rate", "resolution_rate", "satisfaction_rate"]
print("2025:", {k: d[k] for k in keys})
print("2024:", {k: d["last_year"][k] for k in keys})
PY
port=18098
base="http://127.0.0.1:$port"
"$bin" --db "$db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 & server=$!
for _ in $(seq 1 300); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
curl -sf -c "$work/admin.jar" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"jiayuan-demo"}' "$base/api/v1/auth/login" >/dev/null
for i in 1 2 3; do
  curl -s -o /dev/null -b "$work/admin.jar" -w "GET /api/v1/reports/370612000000/2025, run $i: HTTP %{http_code}, %{time_total} s\n" \
    "$base/api/v1/reports/370612000000/2025"
done
