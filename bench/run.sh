#!/usr/bin/env bash
# Benchmarks against the release binary. Prints the figures the README quotes. Needs wrk
# (Debian package) for the HTTP runs.
#   bash bench/run.sh            # everything, in a temporary directory
#   bash bench/run.sh http       # only the seed demo and the HTTP runs (signed-in requests)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin jiayuan >/dev/null 2>&1
bin=$PWD/target/release/jiayuan
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
server=
secs() { python3 -c "import sys,time; print(f'{time.time()-float(sys.argv[1]):.1f}')" "$1"; }

echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

echo "== demo --scale seed (SQLite)"
t=$(date +%s.%N); "$bin" --db "sqlite://$work/seed.db" demo --scale seed 2>&1 | tail -1; echo "demo seed: $(secs "$t") s"
"$bin" --db "sqlite://$work/seed.db" stats --json

mode=${1:-all}
if [ "$mode" = all ]; then
echo "== ledger export (XLSX) from the seed district"
for k in territories households people; do
  t=$(date +%s.%N); "$bin" --db "sqlite://$work/seed.db" export $k "$work/$k.xlsx" | tail -1; echo "export $k: $(secs "$t") s"
done
echo "== ledger export of one subdistrict's people (XLSX)"
t=$(date +%s.%N); "$bin" --db "sqlite://$work/seed.db" export people "$work/people-sd1.xlsx" --territory 370612001000 | tail -1; echo "export people (subdistrict 001): $(secs "$t") s"

echo "== ledger import (XLSX) into an empty database"
for k in territories households people; do
  t=$(date +%s.%N); "$bin" --db "sqlite://$work/copy.db" import $k "$work/$k.xlsx" | tail -1; echo "import $k: $(secs "$t") s"
done
echo "== one subdistrict's people (about 100k rows) into a district that has its homes but no people"
for k in territories households; do "$bin" --db "sqlite://$work/sd.db" import $k "$work/$k.xlsx" >/dev/null; done
t=$(date +%s.%N); "$bin" --db "sqlite://$work/sd.db" import people "$work/people-sd1.xlsx" | tail -1; echo "import people (subdistrict 001): $(secs "$t") s"
echo "== the same people file again (nothing changes)"
t=$(date +%s.%N); "$bin" --db "sqlite://$work/copy.db" import people "$work/people.xlsx" | tail -1; echo "re-import people: $(secs "$t") s"

fi

echo "== HTTP, signed in (seed scale)"
port=18080
"$bin" --db "sqlite://$work/seed.db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
base="http://127.0.0.1:$port"
# A browser session (cookie) for the demo community secretary c1, and an API token for admin.
cookie=$(curl -sf -D - -o /dev/null -H 'content-type: application/json' \
  -d '{"username":"c1","password":"jiayuan-demo"}' "$base/api/v1/auth/login" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(jy_session=[^;]*\).*/\1/p')
token=$("$bin" --db "sqlite://$work/seed.db" token create --user admin --name bench --expires 1d)
person=$(curl -sf -H "Cookie: $cookie" "$base/api/v1/people?page_size=1" | python3 -c "import json,sys; print(json.load(sys.stdin)['items'][0]['id'])")
url="$base/api/v1/territories?kind=building&within=370612001000"
curl -sf -H "Authorization: Bearer $token" "$url" | python3 -c "import json,sys; d=json.load(sys.stdin); print('buildings under 370612001000:', d['total'], 'first page:', len(d['items']))"
if command -v wrk >/dev/null; then
  echo "-- API list, first page of buildings under a subdistrict (bearer token), 1 connection"
  wrk -t1 -c1 -d10s --latency -H "Authorization: Bearer $token" "$url" | grep -E "50%|90%|99%|Requests/sec"
  echo "-- the same, 8 connections"
  wrk -t2 -c8 -d10s --latency -H "Authorization: Bearer $token" "$url" | grep -E "50%|99%|Requests/sec"
  echo "-- who am I (session cookie): the cost of authentication alone, 8 connections"
  wrk -t2 -c8 -d10s --latency -H "Cookie: $cookie" "$base/api/v1/auth/me" | grep -E "50%|99%|Requests/sec|Non-2xx"
  echo "-- API list of people in the secretary's community (session cookie), 8 connections"
  wrk -t2 -c8 -d15s --latency -H "Cookie: $cookie" "$base/api/v1/people" | grep -E "50%|99%|Requests/sec|Non-2xx"
  echo "-- person page (HTML, session cookie), 8 connections"
  wrk -t2 -c8 -d15s --latency -H "Cookie: $cookie" "$base/people/$person" | grep -E "50%|99%|Requests/sec|Non-2xx"
  echo "-- person page, 32 connections"
  wrk -t2 -c32 -d15s --latency -H "Cookie: $cookie" "$base/people/$person" | grep -E "50%|99%|Requests/sec|Non-2xx"
else
  echo "wrk not installed: apt-get install wrk"
fi
echo "== idle server memory at seed scale"
for p in / /people /households "/territories/370612001001" "/api/v1/people?within=370612001001"; do curl -sf -o /dev/null -H "Cookie: $cookie" "$base$p"; done
sleep 2
echo "resident memory after the runs above: $(grep VmRSS /proc/$server/status | awk '{print $2/1024 " MiB"}')"
kill $server; wait $server 2>/dev/null || true
"$bin" --db "sqlite://$work/seed.db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
for p in / /people "/territories/370612001001"; do curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port$p"; done
sleep 2
echo "resident memory of a fresh server after three pages: $(grep VmRSS /proc/$server/status | awk '{print $2/1024 " MiB"}')"
