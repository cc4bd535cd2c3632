#!/usr/bin/env python3
"""The district screen's live-update latency against a running server: SCREENS screens hold
/screen/stream open while one appeal at a time is filed through the API; for each appeal, the
time from sending the filing to the moment each screen receives a board counting it.
Prints the median, the 90th percentile and the slowest over every (appeal, screen) pair.

    python3 bench/screen_latency.py BASE [appeals] [screens]

Standard library only; signs in as the demo's admin (screens) and bl1 (filings)."""
import http.client
import json
import sys
import threading
import time
import urllib.parse

base = sys.argv[1]
appeals = int(sys.argv[2]) if len(sys.argv) > 2 else 40
screens = int(sys.argv[3]) if len(sys.argv) > 3 else 10
host = urllib.parse.urlparse(base)


def conn():
    return http.client.HTTPConnection(host.hostname, host.port, timeout=30)


def sign_in(user):
    c = conn()
    c.request("POST", "/api/v1/auth/login", json.dumps({"username": user, "password": "jiayuan-demo"}),
              {"content-type": "application/json"})
    r = c.getresponse()
    body = json.loads(r.read())
    cookie = r.getheader("set-cookie").split(";")[0]
    return cookie, body["csrf_token"], body


admin, _, _ = sign_in("admin")
bl1, bl1_csrf, me = sign_in("bl1")
building = me["grants"][0]["territory_code"]

lock = threading.Lock()
seen = [dict() for _ in range(screens)]  # screen -> {received today: first time seen}
ready = threading.Barrier(screens + 1)


def watch(i):
    c = conn()
    c.request("GET", "/screen/stream?within=370612000000", headers={"cookie": admin})
    r = c.getresponse()
    assert r.status == 200, r.status
    first = True
    event, data = None, []
    while True:
        line = r.fp.readline()
        if not line:
            return
        line = line.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "":
            if event == "board":
                b = json.loads("\n".join(data))
                with lock:
                    seen[i].setdefault(b["today"]["received"], time.monotonic())
                if first:
                    first = False
                    ready.wait()
            event, data = None, []


for i in range(screens):
    threading.Thread(target=watch, args=(i,), daemon=True).start()
ready.wait()
time.sleep(0.5)
with lock:
    start = max(seen[0])

latencies = []
for k in range(appeals):
    want = start + k + 1
    body = json.dumps({"category": "other", "territory": building, "description": f"大屏时延测试第{k}件"})
    c = conn()
    sent = time.monotonic()
    c.request("POST", "/api/v1/appeals", body,
              {"content-type": "application/json", "cookie": bl1, "x-csrf-token": bl1_csrf})
    r = c.getresponse()
    r.read()
    assert r.status == 201, r.status
    deadline = sent + 10
    while time.monotonic() < deadline:
        with lock:
            if all(want in s for s in seen):
                latencies.extend(s[want] - sent for s in seen)
                break
        time.sleep(0.005)
    else:
        sys.exit(f"appeal {k}: not on every screen within 10 s")
    time.sleep(0.3)

latencies.sort()
n = len(latencies)
print(f"{appeals} appeals x {screens} screens: p50 {latencies[n // 2] * 1000:.0f} ms, "
      f"p90 {latencies[int(n * 0.9)] * 1000:.0f} ms, slowest {latencies[-1] * 1000:.0f} ms")
