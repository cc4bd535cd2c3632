#!/usr/bin/env bash
# Owners' votes against the release binary on SQLite (issue 11; needs wrk): ballots cast per
# second. A vote of 20 matters is announced on the first compound of c1's community in the
# seed-scale demo; wrk then enters ballots through POST /api/v1/votes/{id}/ballots, each
# (part, matter) once, as staff entering paper ballots by part (bearer token). The path is
# the owners' electronic one plus finding the part's owner: authentication, the vote and the
# electorate checked, one transaction with the current-ballot check, the insert and the
# hash-chained audit entry.
# Then 1,000 proposals are written through the API and the district's decision board is timed,
# the JSON and the page, by one client (curl time: server time plus a loopback transfer).
#   bash bench/votes.sh [conns] [seconds]       (BIN=path/to/jiayuan to use a built binary)
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-8}
secs=${2:-4}
if [ -z "${BIN:-}" ]; then cargo build --release --bin jiayuan -p jiayuan >/dev/null 2>&1; fi
bin=${BIN:-$PWD/target/release/jiayuan}
work=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
export JIAYUAN_KEY=0707070707070707070707070707070707070707070707070707070707070707
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$bin" --db "sqlite://$work/seed.db" demo --scale seed | tail -1
port=18095
base="http://127.0.0.1:$port"
"$bin" --db "sqlite://$work/seed.db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 & server=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
c1=$("$bin" --db "sqlite://$work/seed.db" token create --user c1 --name bench --expires 1d)
auth=(-H "Authorization: Bearer $c1")
# The first compound of c1's community.
compound=$(curl -sf "${auth[@]}" "$base/api/v1/territories?kind=compound&page_size=200" | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
print(items[0]["code"] if items else "")')
body=$(python3 - "$compound" <<'PY'
import json, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc)
print(json.dumps({"compound": sys.argv[1], "title": "基准表决", "matters": [{"matter": 4 if i % 2 else 6, "title": f"事项{i + 1}"} for i in range(20)],
  "assembly_at": (now + datetime.timedelta(days=16)).isoformat(), "closes_at": (now + datetime.timedelta(days=20)).isoformat()}))
PY
)
vote=$(curl -sf "${auth[@]}" -H 'content-type: application/json' -d "$body" "$base/api/v1/votes" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
# One part per voter: the developer answers once for all it holds.
curl -sf "${auth[@]}" "$base/api/v1/votes/$vote/parts" | python3 -c '
import json, sys
parts = json.load(sys.stdin)
seen_dev = False
for p in parts:
    if p["kind"] == "developer":
        if seen_dev: continue
        seen_dev = True
    print(p["part"])' > "$work/parts"
n=$(wc -l < "$work/parts")
echo "vote $vote on compound $compound: $n voters x 20 matters = $((n * 20)) ballots available"
echo "== POST /api/v1/votes/{id}/ballots, $conns connections, ${secs}s"
PARTS="$work/parts" MATTERS=20 VOTE="$vote" THREADS=2 \
  wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/ballot.lua "${auth[@]}" "$base" | grep -E "50%|99%|requests in|Requests/sec|Non-2xx"
curl -sf "${auth[@]}" "$base/api/v1/votes/$vote" | python3 -c '
import json, sys
v = json.load(sys.stdin)
print("ballots counted on matter 1:", v["matters"][0]["tally"]["participating"]["headcount"], "of", v["matters"][0]["tally"]["total"]["headcount"])'
sqlite3 "$work/seed.db" "SELECT count(*) || ' ballots stored' FROM owner_vote_ballots" 2>/dev/null || true

echo "== the decision board with 1,000 open proposals (district administrator, 1 client, ${BOARD_TIMES:=30} times)"
cs1=$("$bin" --db "sqlite://$work/seed.db" token create --user cs1 --name bench --expires 1d)
admin=$("$bin" --db "sqlite://$work/seed.db" token create --user admin --name bench --expires 1d)
python3 - "$port" "$cs1" <<'PY'
import datetime, http.client, json, sys
port, token = int(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection("127.0.0.1", port)
me = json.loads((c.request("GET", "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}), c.getresponse().read())[1])
compound = me["grants"][0]["territory_code"]
held = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)).isoformat()
made = 0
for i in range(1000):
    body = json.dumps({"compound": compound, "title": f"提案{i + 1}", "body": "使用维修资金维修屋面防水", "branch_meeting_at": held, "branch_meeting": "支部会议通过"})
    c.request("POST", "/api/v1/decisions", body=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    made += r.status == 201
print(f"{made} proposals written on {compound}")
PY
time_get() { # label path
  local times=()
  for _ in $(seq 1 "$BOARD_TIMES"); do
    times+=("$(curl -s -o "$work/board" -w '%{time_total}' -H "Authorization: Bearer $admin" "$base$2")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v l="$1" -v n="$BOARD_TIMES" -v s="$(wc -c < "$work/board")" \
    '{ t[NR] = $1 * 1000 } END { printf "%-28s p50 %6.1f ms  p90 %6.1f ms  %7.1f KB\n", l, t[int(n/2)+1], t[int(n*0.9)], s/1024 }'
}
time_get "GET /api/v1/decisions" "/api/v1/decisions"
time_get "GET /decisions (the page)" "/decisions"
