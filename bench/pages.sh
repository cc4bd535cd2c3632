#!/usr/bin/env bash
# Console pages at seed scale (issue 10's 50 ms budget): each page fetched N times in a row by
# one client on loopback with a signed-in session; prints the median and the 90th percentile
# of curl's total time (server time plus a loopback transfer) and the page's size.
#   bash bench/pages.sh [times]        (BIN=path/to/jiayuan to use a binary already built)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-30}
if [ -z "${BIN:-}" ]; then cargo build --release --bin jiayuan -p jiayuan >/dev/null 2>&1; fi
bin=${BIN:-$PWD/target/release/jiayuan}
work=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
export JIAYUAN_KEY=0707070707070707070707070707070707070707070707070707070707070707
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$bin" --db "sqlite://$work/seed.db" demo --scale seed | tail -1
port=18090
base="http://127.0.0.1:$port"
"$bin" --db "sqlite://$work/seed.db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 & server=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
login() { curl -sf -c "$work/$1.jar" -H 'content-type: application/json' \
  -d "{\"username\":\"$1\",\"password\":\"jiayuan-demo\"}" "$base/api/v1/auth/login" >/dev/null; }
login admin; login c1
district=$(curl -sf -b "$work/admin.jar" "$base/api/v1/territories?kind=district" | sed 's/.*"id":"\([^"]*\)".*/\1/' | head -c 36)
community=$(curl -sf -b "$work/c1.jar" "$base/api/v1/auth/me" | sed 's/.*"territory_id":"\([^"]*\)".*/\1/' | head -c 36)
time_page() { # user path
  local times=() size
  for _ in $(seq 1 "$n"); do
    times+=("$(curl -s -o "$work/page" -w '%{time_total}' -b "$work/$1.jar" "$base$2")")
  done
  size=$(wc -c < "$work/page")
  printf '%s\n' "${times[@]}" | sort -n | awk -v u="$1" -v p="$2" -v s="$size" -v n="$n" \
    '{ t[NR] = $1 * 1000 } END { printf "%-6s %-58s p50 %6.1f ms  p90 %6.1f ms  %6.1f KB\n", u, p, t[int(n/2)+1], t[int(n*0.9)], s/1024 }'
}
for u in admin c1; do time_page "$u" "/"; done
for tab in overview orgs grids appeals; do time_page admin "/territories/$district?tab=$tab"; done
for tab in overview orgs grids appeals; do time_page c1 "/territories/$community?tab=$tab"; done
time_page admin "/appeals"
time_page admin "/appeals/dashboard"
time_page admin "/appeals/dashboard?period=year"
time_page c1 "/appeals/dashboard"
time_page admin "/people?q=%E7%8E%8B"
time_page admin "/people?q=wang"
time_page admin "/people?q=wangj"
time_page admin "/people?q=z"
time_page c1 "/people?q=%E7%8E%8B"
time_page admin "/households"
time_page admin "/report"
code=$(curl -sf -b "$work/c1.jar" "$base/api/v1/territories/$community" | grep -o '"code":"[^"]*"' | head -1 | cut -d'"' -f4)
time_page admin "/report?community=$code"
time_page admin "/appeals?tab=all&urgency=urgent&channel=walk_in"
time_page admin "/appeals?tab=all&status=closed"
