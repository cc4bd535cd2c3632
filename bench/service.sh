#!/usr/bin/env bash
# The service desk at seed scale with 1,000,000 tickets (issue 12): desk pages within 50 ms of
# server time, "open now" for every point within 10 ms.
#
# The seed-scale demo is written by the program; the million tickets are then bulk-loaded with
# one SQL statement (sqlite3), spread over the district's 62 points and the year before
# 2026-11-30, 92 % completed, 3 % refused, the rest open at every step (1 % waiting for
# materials), with their materials and a tenth of the completed ones rated. Every page is then
# fetched N times in a row by one signed-in client on loopback; the figures are curl's total
# time (server time plus a loopback transfer): median and 90th percentile.
#   bash bench/service.sh [times]        (BIN=path/to/jiayuan to use a binary already built;
#                                         KEEP=dir to keep the loaded database there)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-30}
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command (apt-get install sqlite3)"; exit 1; }
if [ -z "${BIN:-}" ]; then cargo build --release --bin jiayuan -p jiayuan >/dev/null 2>&1; fi
bin=${BIN:-$PWD/target/release/jiayuan}
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
server=
trap 'kill $server 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export JIAYUAN_KEY=0707070707070707070707070707070707070707070707070707070707070707
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{printf "%.0f GiB", $2/1048576}'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
if [ -f "$work/seed.db" ]; then echo "reusing $work/seed.db"; else
"$bin" --db "sqlite://$work/seed.db" demo --scale seed | tail -1

start=$(date +%s.%N)
sqlite3 -bail "$work/seed.db" <<'SQL'
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
CREATE TEMP TABLE p AS SELECT row_number() OVER (ORDER BY path) - 1 AS k, id, path FROM service_points;
CREATE TEMP TABLE it AS SELECT row_number() OVER (ORDER BY i.code) - 1 AS k, i.code, i.name, i.limit_workdays, i.materials
  FROM service_items i JOIN service_categories c ON c.code = i.category WHERE c.kind = 'desk';
CREATE TEMP TABLE staff AS SELECT
  (SELECT id FROM users WHERE username = 'w1') AS w1,
  (SELECT id FROM users WHERE username = 'admin') AS admin,
  (SELECT g.path FROM role_grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'w1') AS w1_path;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999),
t AS (
  SELECT i, randomblob(16) AS id,
    (SELECT id FROM p WHERE k = i % (SELECT count(*) FROM p)) AS point_id,
    (SELECT path FROM p WHERE k = i % (SELECT count(*) FROM p)) AS path,
    (SELECT code FROM it WHERE k = (i * 7) % 43) AS item,
    (SELECT name FROM it WHERE k = (i * 7) % 43) AS item_name,
    (SELECT limit_workdays FROM it WHERE k = (i * 7) % 43) AS lim,
    strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-11-30 00:00:00', '-' || (i % 365) || ' days', '+' || (i % 600) || ' minutes') AS received_at,
    i % 100 AS s
  FROM n
)
INSERT INTO service_tickets (id, number, point_id, path, item, item_version, item_name, limit_workdays, channel, person_id,
  applicant_name, applicant_phone, receiver_id, handler_id, status, received_at, due_at, warn_at, closed_at, refused_reason,
  outside_hours, note, updated_at)
SELECT id, i + 1, point_id, path, item, 1, item_name, lim,
  CASE i % 4 WHEN 0 THEN 'window' WHEN 1 THEN 'phone' WHEN 2 THEN 'online' ELSE 'home' END, NULL,
  '居民' || (i % 9973), NULL,
  CASE WHEN path LIKE (SELECT w1_path FROM staff) || '%' THEN (SELECT w1 FROM staff) ELSE (SELECT admin FROM staff) END,
  CASE WHEN path LIKE (SELECT w1_path FROM staff) || '%' THEN (SELECT w1 FROM staff) ELSE (SELECT admin FROM staff) END,
  CASE WHEN s < 92 THEN 'completed' WHEN s < 95 THEN 'refused' WHEN s < 97 THEN 'received' WHEN s = 97 THEN 'accepted'
       WHEN s = 98 THEN 'in_progress' ELSE 'awaiting_materials' END,
  received_at,
  CASE WHEN s = 99 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S+00:00', received_at, '+' || (lim * 7 / 5 + 1) || ' days') END,
  CASE WHEN s = 99 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S+00:00', received_at, '+' || (lim + 1) || ' days') END,
  CASE WHEN s < 95 THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', received_at, '+' || (i % 5) || ' days') END,
  CASE WHEN s BETWEEN 92 AND 94 THEN '不符合申请条件' END,
  (i % 600) > 540, '', received_at
FROM t;
INSERT INTO service_ticket_materials (ticket_id, seq, name, form, copies, provided, provided_at)
SELECT k.id, j.key + 1, json_extract(j.value, '$.name'), json_extract(j.value, '$.form'), json_extract(j.value, '$.copies'),
  k.status <> 'awaiting_materials', NULL
FROM service_tickets k JOIN service_items i ON i.code = k.item, json_each(i.materials) j;
INSERT INTO service_ticket_events (ticket_id, seq, action, actor_id, actor_name, to_id, to_name, note, at)
SELECT id, 1, 'receive', receiver_id, '网格员', NULL, NULL, '', received_at FROM service_tickets;
INSERT INTO service_ratings (id, ticket_id, consultation_id, point_id, path, level, comment, real_name, rated_by, at, follow_up_due, follow_up_closed_at, item)
SELECT randomblob(16), id, NULL, point_id, path,
  CASE number % 50 WHEN 0 THEN 'dissatisfied' WHEN 1 THEN 'basically_satisfied' WHEN 2 THEN 'satisfied' ELSE 'very_satisfied' END,
  '', number % 3 = 0, NULL, closed_at,
  CASE WHEN number % 50 = 0 THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', closed_at, '+7 days') END,
  CASE WHEN number % 50 = 0 AND number % 7 <> 0 THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', closed_at, '+3 days') END, item
FROM service_tickets WHERE status = 'completed' AND number % 10 = 0;
-- What the store writes with every ticket and rating (crates/store/src/service/rollup.rs):
-- the desk order and the monthly counts per point and item.
UPDATE service_tickets SET desk_order = CASE
  WHEN status IN ('completed', 'refused') THEN '2' || printf('%014d', 99999999999999 - CAST(strftime('%Y%m%d%H%M%S', closed_at) AS INTEGER)) || printf('%012d', 999999999999 - number)
  WHEN due_at IS NULL THEN '1' || strftime('%Y%m%d%H%M%S', received_at) || printf('%012d', number)
  ELSE '0' || strftime('%Y%m%d%H%M%S', due_at) || printf('%012d', number) END;
INSERT INTO service_rollups (point_id, item, month, path, received, completed, completed_on_time, refused, outside_hours)
SELECT point_id, item, strftime('%Y-%m-01', received_at, '+8 hours'), path, count(*), sum(status = 'completed'),
  sum(status = 'completed' AND due_at IS NOT NULL AND closed_at <= due_at), sum(status = 'refused'), sum(outside_hours)
FROM service_tickets WHERE 1 GROUP BY point_id, item, strftime('%Y-%m-01', received_at, '+8 hours'), path
ON CONFLICT (path, item, month) DO UPDATE SET received = received + excluded.received,
  completed = completed + excluded.completed, completed_on_time = completed_on_time + excluded.completed_on_time,
  refused = refused + excluded.refused, outside_hours = outside_hours + excluded.outside_hours;
INSERT INTO service_rollups (point_id, item, month, path, ratings, very_satisfied, satisfied, basically_satisfied, dissatisfied, very_dissatisfied)
SELECT g.point_id, k.item, strftime('%Y-%m-01', g.at, '+8 hours'), g.path, count(*), sum(g.level = 'very_satisfied'),
  sum(g.level = 'satisfied'), sum(g.level = 'basically_satisfied'), sum(g.level = 'dissatisfied'), sum(g.level = 'very_dissatisfied')
FROM service_ratings g JOIN service_tickets k ON k.id = g.ticket_id WHERE 1 GROUP BY g.point_id, k.item, strftime('%Y-%m-01', g.at, '+8 hours'), g.path
ON CONFLICT (path, item, month) DO UPDATE SET ratings = ratings + excluded.ratings,
  very_satisfied = very_satisfied + excluded.very_satisfied, satisfied = satisfied + excluded.satisfied,
  basically_satisfied = basically_satisfied + excluded.basically_satisfied,
  dissatisfied = dissatisfied + excluded.dissatisfied, very_dissatisfied = very_dissatisfied + excluded.very_dissatisfied;
-- The figures' counts (migration 21): by point for each month and day, and tickets received
-- per item for each month and day at every place above the point (the district "/" down).
CREATE TEMP TABLE spans AS SELECT 'month' AS span UNION ALL SELECT 'day';
CREATE TEMP TABLE anc AS WITH RECURSIVE a(path, node) AS (
  SELECT path, path FROM service_points
  UNION SELECT path, substr(node, 1, length(rtrim(substr(node, 1, length(node) - 1), '0123456789'))) FROM a WHERE node <> '/'
) SELECT path, node FROM a;
INSERT INTO service_point_tallies (span, start, path, received, completed, completed_on_time, refused, outside_hours,
  ratings, very_satisfied, satisfied, basically_satisfied, dissatisfied, very_dissatisfied)
SELECT span, start, path, sum(received), sum(completed), sum(completed_on_time), sum(refused), sum(outside_hours),
  sum(ratings), sum(very_satisfied), sum(satisfied), sum(basically_satisfied), sum(dissatisfied), sum(very_dissatisfied)
FROM (
  SELECT s.span, strftime(CASE s.span WHEN 'month' THEN '%Y-%m-01' ELSE '%Y-%m-%d' END, k.received_at, '+8 hours') AS start,
    k.path, 1 AS received, k.status = 'completed' AS completed,
    k.status = 'completed' AND k.due_at IS NOT NULL AND k.closed_at <= k.due_at AS completed_on_time,
    k.status = 'refused' AS refused, k.outside_hours AS outside_hours, 0 AS ratings, 0 AS very_satisfied, 0 AS satisfied,
    0 AS basically_satisfied, 0 AS dissatisfied, 0 AS very_dissatisfied
  FROM service_tickets k, spans s
  UNION ALL
  SELECT s.span, strftime(CASE s.span WHEN 'month' THEN '%Y-%m-01' ELSE '%Y-%m-%d' END, g.at, '+8 hours'), g.path,
    0, 0, 0, 0, 0, 1, g.level = 'very_satisfied', g.level = 'satisfied', g.level = 'basically_satisfied',
    g.level = 'dissatisfied', g.level = 'very_dissatisfied'
  FROM service_ratings g, spans s
) WHERE 1 GROUP BY span, start, path;
INSERT INTO service_item_tallies (span, node, start, item, received)
SELECT s.span, a.node, strftime(CASE s.span WHEN 'month' THEN '%Y-%m-01' ELSE '%Y-%m-%d' END, k.received_at, '+8 hours'), k.item, count(*)
FROM service_tickets k JOIN anc a ON a.path = k.path, spans s
WHERE 1 GROUP BY 1, 2, 3, 4;
INSERT INTO counters (name, value) VALUES ('service_ticket', 1000000)
  ON CONFLICT (name) DO UPDATE SET value = excluded.value;
COMMIT;
ANALYZE;
SQL
echo "bulk load: $(sqlite3 "$work/seed.db" 'SELECT count(*) FROM service_tickets') tickets, $(sqlite3 "$work/seed.db" 'SELECT count(*) FROM service_ticket_materials') materials, $(sqlite3 "$work/seed.db" 'SELECT count(*) FROM service_ratings') ratings in $(echo "$(date +%s.%N) - $start" | bc) s"
fi

port=18091
base="http://127.0.0.1:$port"
"$bin" --db "sqlite://$work/seed.db" serve --addr 127.0.0.1:$port >/dev/null 2>&1 & server=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
login() { curl -sf -c "$work/$1.jar" -H 'content-type: application/json' \
  -d "{\"username\":\"$1\",\"password\":\"jiayuan-demo\"}" "$base/api/v1/auth/login" >/dev/null; }
login admin; login w1; login c1
time_page() { # user path
  local times=() size
  for _ in $(seq 1 "$n"); do
    times+=("$(curl -s -o "$work/page" -w '%{time_total}' -b "$work/$1.jar" "$base$2")")
  done
  size=$(wc -c < "$work/page")
  printf '%s\n' "${times[@]}" | sort -n | awk -v u="$1" -v p="$2" -v s="$size" -v n="$n" \
    '{ t[NR] = $1 * 1000 } END { printf "%-6s %-58s p50 %6.1f ms  p90 %6.1f ms  %6.1f KB\n", u, p, t[int(n/2)+1], t[int(n*0.9)], s/1024 }'
}
ticket=$(curl -sf -b "$work/w1.jar" "$base/api/v1/service-tickets?mine=true&open=true&page_size=1" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
point=$(curl -sf -b "$work/w1.jar" "$base/api/v1/auth/me" | grep -o '"territory_code":"[^"]*"' | head -1 | cut -d'"' -f4)
time_page w1 "/service"
time_page w1 "/service?tab=open"
time_page w1 "/service?tab=overdue"
time_page w1 "/service?tab=closed"
time_page admin "/service?tab=open"
time_page admin "/service?tab=overdue"
time_page admin "/service?tab=mine"
time_page w1 "/service/tickets/new?point=$point&item=MZ01"
time_page w1 "/service/tickets/$ticket"
time_page w1 "/service/points/$point"
time_page w1 "/service/points"
time_page w1 "/service/catalogue"
time_page w1 "/api/v1/service-points"
time_page w1 "/service/stats"
time_page admin "/service/stats"
# Whole months: rollups alone.
time_page admin "/service/stats?from=2026-03-01&to=2026-06-30"
# Mid-month edges: April and May whole, the days of March and June.
time_page admin "/service/stats?from=2026-03-10&to=2026-06-20"
# The most days at the edges: half of each edge month (16 March - 15 June).
time_page admin "/service/stats?from=2026-03-16&to=2026-06-15"
echo "server resident memory: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' /proc/$server/status)"
