#!/usr/bin/env bash
# Appeals benchmarks against release binaries (needs wrk):
#  1. POST /api/v1/appeals with authentication (bearer token), routing, audit, timeline event
#     and rollups, against a seed-scale demo on SQLite; then the same load against a bare
#     axum + SQLite single-row insert (crates/web/examples/bare_insert.rs), and the ratio.
#  2. The first page of a building group leader's queue, and of the district's.
#  3. Measures over 20,000,000 appeals: `jiayuan appeals bench-rollups` writes the rollup rows
#     that 20 M generated appeals fold into (with the worker's own fold), then the dashboard
#     query is timed through the API.
#   bash bench/appeals.sh [conns] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-16}
secs=${2:-15}
cargo build --release --bin jiayuan -p jiayuan >/dev/null 2>&1
cargo build --release -p jiayuan-web --example bare_insert >/dev/null 2>&1
bin=$PWD/target/release/jiayuan
bare=$PWD/target/release/examples/bare_insert
work=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
export JIAYUAN_KEY=0707070707070707070707070707070707070707070707070707070707070707
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$bin" --db "sqlite://$work/seed.db" demo --scale seed | tail -1
port=18080
base="http://127.0.0.1:$port"
start() { "$bin" --db "sqlite://$work/seed.db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 & server=$!
  for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done; }
start
r1=$("$bin" --db "sqlite://$work/seed.db" token create --user r1 --name bench --expires 1d)
bl1=$("$bin" --db "sqlite://$work/seed.db" token create --user bl1 --name bench --expires 1d)
admin=$("$bin" --db "sqlite://$work/seed.db" token create --user admin --name bench --expires 1d)
place=$(curl -sf -H "Authorization: Bearer $bl1" "$base/api/v1/auth/me" | python3 -c "import json,sys; print(json.load(sys.stdin)['grants'][0]['territory_code'])")
export BODY="{\"category\":\"neighbour.noise\",\"territory\":\"$place\",\"description\":\"楼上夜间噪音 benchmark\"}"
curl -sf -o /dev/null -w "one filing: HTTP %{http_code}\n" -H "Authorization: Bearer $r1" -H 'content-type: application/json' -d "$BODY" "$base/api/v1/appeals"
echo "== POST /api/v1/appeals (bearer token, routing, audit, event, outbox, rollups), $conns connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/post.lua -H "Authorization: Bearer $r1" "$base/api/v1/appeals" | grep -E "50%|99%|Requests/sec|Non-2xx|Socket errors"
sleep 6
echo "appeals in the database: $("$bin" --db "sqlite://$work/seed.db" appeals count)"
echo "== first page of bl1's queue (bearer token), 8 connections"
wrk -t2 -c8 -d10s --latency -H "Authorization: Bearer $bl1" "$base/api/v1/appeals?mine=true&status=open" | grep -E "50%|99%|Requests/sec|Non-2xx"
echo "== first page of the district's open appeals (admin), 8 connections"
wrk -t2 -c8 -d10s --latency -H "Authorization: Bearer $admin" "$base/api/v1/appeals?mine=true&status=open" | grep -E "50%|99%|Requests/sec|Non-2xx"
kill $server; wait $server 2>/dev/null || true

echo "== bare axum + SQLite single-row insert, same load"
"$bare" "sqlite://$work/bare.db" 127.0.0.1:18090 >/dev/null 2>&1 & server=$!
for _ in $(seq 1 50); do curl -sf -o /dev/null -X POST -H 'content-type: application/json' -d '{"description":"x"}' http://127.0.0.1:18090/items && break; sleep 0.2; done
wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/post.lua http://127.0.0.1:18090/items | grep -E "50%|99%|Requests/sec|Non-2xx"
kill $server; wait $server 2>/dev/null || true

echo "== measures over 20,000,000 appeals"
"$bin" --db "sqlite://$work/big.db" demo --scale seed | tail -1
/usr/bin/time -f "rollup generation: %e s, %M KiB peak" "$bin" --db "sqlite://$work/big.db" appeals bench-rollups --appeals 20000000
server_db="sqlite://$work/big.db"
"$bin" --db "$server_db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 & server=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
admin=$("$bin" --db "$server_db" token create --user admin --name bench --expires 1d)
c1=$("$bin" --db "$server_db" token create --user c1 --name bench --expires 1d)
for q in "from=2025-01-01&to=2025-12-31" "from=2025-12-01&to=2025-12-31" "from=2025-01-01&to=2025-12-31&category=neighbour"; do
  curl -sf -H "Authorization: Bearer $admin" "$base/api/v1/appeals/measures?$q" | python3 -c "import json,sys; d=json.load(sys.stdin); print('district $q: received', d['totals']['received'], 'resolved', d['totals']['resolved'])"
  echo "-- district, $q, 1 connection"
  wrk -t1 -c1 -d10s --latency -H "Authorization: Bearer $admin" "$base/api/v1/appeals/measures?$q" | grep -E "50%|99%|Requests/sec|Non-2xx"
done
echo "-- one community (c1), a year, 1 connection"
wrk -t1 -c1 -d10s --latency -H "Authorization: Bearer $c1" "$base/api/v1/appeals/measures?from=2025-01-01&to=2025-12-31" | grep -E "50%|99%|Requests/sec|Non-2xx"
