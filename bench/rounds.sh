#!/usr/bin/env bash
# A grid worker's round page at seed scale with a year of visits (issue 14): within 50 ms.
# The seed-scale demo is written (its year of rounds in every grid through the program's own
# call, month by month), then the round of w1's grid (page and JSON), the round of the
# district's largest grid, and the visit form are fetched N times in a row by one signed-in
# client on loopback; the figures are curl's total time (server time plus a loopback
# transfer): median and p90.
#   bash bench/rounds.sh [times]   (BIN=path/to/jiayuan to use a built binary; KEEP=dir to keep
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
db=${DB:-sqlite://$work/rounds.db}
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); database: ${db%%:*}"
if [[ "$db" == postgres* ]]; then
  psql "$db" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
  "$bin" --db "$db" demo --scale seed 2>&1 | tail -1
elif [ -f "$work/rounds.db" ]; then echo "reusing $work/rounds.db"; else
  "$bin" --db "$db" demo --scale seed 2>&1 | tail -1
fi
"$bin" --db "$db" stats --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print("records:", {k: d[k] for k in ["households","grids","grid_visits","households_unvisited"]})'
port=18099
base="http://127.0.0.1:$port"
"$bin" --db "$db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 & server=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
login() { curl -sf -c "$work/$1.jar" -H 'content-type: application/json' \
  -d "{\"username\":\"$1\",\"password\":\"jiayuan-demo\"}" "$base/api/v1/auth/login" >/dev/null; }
login w1; login admin
mine=$(curl -sf -b "$work/w1.jar" "$base/api/v1/my-grids" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["code"])')
big=$("$bin" --db "$db" stats --json >/dev/null; python3 - "$db" <<'PY'
import sys, sqlite3
db = sys.argv[1]
if db.startswith("sqlite://"):
    c = sqlite3.connect(db[len("sqlite://"):])
    print(c.execute("SELECT g.code FROM grids g JOIN territories b ON b.grid_id = g.id AND b.kind = 'building' JOIN households h ON h.path >= b.path AND h.path < substr(b.path, 1, length(b.path) - 1) || '0' GROUP BY g.code ORDER BY count(*) DESC LIMIT 1").fetchone()[0])
else:
    print("")
PY
)
hh=$(curl -sf -b "$work/w1.jar" "$base/api/v1/grids/$mine/round" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["households"]), d["households"][0]["id"])')
echo "w1's grid $mine: $hh (households, first household)"
time_page() { # user path
  local times=() size
  for _ in $(seq 1 "$n"); do
    times+=("$(curl -s -o "$work/page" -w '%{time_total}' -b "$work/$1.jar" "$base$2")")
  done
  size=$(wc -c < "$work/page")
  printf '%s\n' "${times[@]}" | sort -n | awk -v u="$1" -v p="$2" -v s="$size" -v n="$n" \
    '{ t[NR] = $1 * 1000 } END { printf "%-6s %-62s p50 %6.1f ms  p90 %6.1f ms  %6.1f KB\n", u, p, t[int(n/2)+1], t[int(n*0.9)], s/1024 }'
}
time_page w1 "/rounds/$mine"
time_page w1 "/rounds/$mine?tab=all"
time_page w1 "/api/v1/grids/$mine/round"
time_page w1 "/rounds/$mine/visit?household=${hh#* }"
if [ -n "$big" ]; then time_page admin "/rounds/$big?tab=all"; fi
