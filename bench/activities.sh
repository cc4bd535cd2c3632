#!/usr/bin/env bash
# Activity registration under a rush (issue 13): 1,000 registrations sent at once for an
# activity of 100 places must never over-book and must all be answered within 2 s.
#
# The seed-scale demo is written; c1 (a community secretary, bearer token) publishes an
# activity with 100 places and 1,000 residents of the community are registered for it by 1,000
# client threads released together (each its own connection, staff registering a named
# resident: the same transaction as a resident's own). Reported: the wall time from the release
# to the last answer, the answers by status, and the activity's counts read back.
#   bash bench/activities.sh            (BIN=path/to/jiayuan to use a built binary;
#                                         DB=postgres://… to run on PostgreSQL, emptied first)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then cargo build --release --bin jiayuan -p jiayuan >/dev/null 2>&1; fi
bin=${BIN:-$PWD/target/release/jiayuan}
work=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
export JIAYUAN_KEY=0707070707070707070707070707070707070707070707070707070707070707
db=${DB:-sqlite://$work/seed.db}
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); database: ${db%%:*}"
if [[ "$db" == postgres* ]]; then
  psql "$db" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
fi
"$bin" --db "$db" demo --scale seed | tail -1
port=18096
base="http://127.0.0.1:$port"
"$bin" --db "$db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 & server=$!
for _ in $(seq 1 150); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
token=$("$bin" --db "$db" token create --user c1 --name bench --expires 1d)
python3 - "$base" "$token" <<'PY'
import http.client, json, sys, threading, time, datetime, collections
base, token = sys.argv[1], sys.argv[2]
host, port = base.removeprefix("http://").split(":")
def call(method, path, body=None):
    c = http.client.HTTPConnection(host, int(port), timeout=60)
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, (json.loads(data) if data else None)
_, me = call("GET", "/api/v1/auth/me")
community = me["grants"][0]["territory_code"]
people = []
page = 1
while len(people) < 1000:
    _, p = call("GET", f"/api/v1/people?within={community}&page_size=200&page={page}")
    people += [x["id"] for x in p["items"]]
    page += 1
people = people[:1000]
start = (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))) + datetime.timedelta(days=3))
s, a = call("POST", "/api/v1/activities", {"kind": "banquet", "title": "基准百家宴", "organiser_kind": "community",
    "organiser_name": "社区党委", "territory": community, "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
    "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "capacity": 100})
assert s == 201, (s, a)
aid = a["id"]
answers = collections.Counter()
ends = []
gate = threading.Barrier(len(people) + 1)
def register(pid):
    c = http.client.HTTPConnection(host, int(port), timeout=60)
    c.connect()
    gate.wait()
    c.request("POST", f"/api/v1/activities/{aid}/registrations", body=json.dumps({"person_id": pid}),
              headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = c.getresponse()
    body = json.loads(r.read() or b"null")
    ends.append(time.monotonic())
    answers[(r.status, (body or {}).get("status") or (body or {}).get("field"))] += 1
    c.close()
threads = [threading.Thread(target=register, args=(p,)) for p in people]
for t in threads: t.start()
gate.wait()
t0 = time.monotonic()
for t in threads: t.join()
wall = max(ends) - t0
_, a = call("GET", f"/api/v1/activities/{aid}")
_, regs = call("GET", f"/api/v1/activities/{aid}/registrations")
placed = sum(1 for r in regs if r["status"] == "registered")
waiting = sorted(r["waiting_place"] for r in regs if r["status"] == "waitlisted")
print(f"1000 registrations at once for 100 places: all answered in {wall:.2f} s")
print("answers:", dict(sorted((f"{k[0]} {k[1]}", v) for k, v in answers.items())))
print(f"read back: registered {a['registered']}, waiting {a['waiting']}; registrations with a place {placed}, "
      f"waiting places 1..{waiting[-1] if waiting else 0} distinct: {len(set(waiting)) == len(waiting)}")
assert a["registered"] == 100 and placed == 100, "over- or under-booked"
PY
echo "server resident memory: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' /proc/$server/status)"
