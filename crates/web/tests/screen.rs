//! The district screen, live, on every backend: a real server on a loopback port, a screen
//! holding `/screen/stream` open while appeals arrive one by one and the clock moves on by
//! days (the appeals go overdue, the day turns); every board the stream sends agrees with
//! `/api/v1/screen` once things settle, the watcher ends with its last screen, and an open
//! stream does not hold up the server's stop. Also the page, the API's bad input and access.

mod common;

use common::{assert_error, states, App};
use jiayuan_web::clock::AppClock;
use jiayuan_web::screen::ScreenHub;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

const DISTRICT: &str = "370612000000";

/// Signs in over HTTP: the session cookie and the CSRF token.
async fn sign_in(client: &reqwest::Client, base: &str, user: &str) -> (String, String) {
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(json!({"username": user, "password": common::DEMO_PASSWORD}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let me: Value = r.json_body().await;
    (cookie, me["csrf_token"].as_str().unwrap().to_string())
}

trait JsonBody {
    async fn json_body(self) -> Value;
}

impl JsonBody for reqwest::Response {
    async fn json_body(self) -> Value {
        serde_json::from_str(&self.text().await.unwrap()).unwrap()
    }
}

/// A screen's end of `/screen/stream`: the boards as they come.
struct Screen {
    res: reqwest::Response,
    buf: String,
}

impl Screen {
    async fn open(client: &reqwest::Client, base: &str, cookie: &str) -> Screen {
        let res = client
            .get(format!("{base}/screen/stream?within={DISTRICT}"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        Screen { res, buf: String::new() }
    }

    /// The next board, or `None` when the stream ended or nothing came within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                if block.lines().any(|l| l == "event: board") {
                    let data: String =
                        block.lines().filter_map(|l| l.strip_prefix("data: ")).collect::<Vec<_>>().join("\n");
                    return Some(serde_json::from_str(&data).unwrap());
                }
            }
            match tokio::time::timeout_at(deadline, self.res.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// Boards until one satisfies `ok`; panics naming `what` if none does within `wait`.
    async fn until(&mut self, wait: Duration, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + wait;
        let mut last = Value::Null;
        while Instant::now() < deadline {
            match self.next(deadline - Instant::now()).await {
                Some(b) if ok(&b) => return b,
                Some(b) => last = b,
                None => break,
            }
        }
        panic!("no board {what}; the last one: {}", without_html(&last));
    }
}

fn without_html(b: &Value) -> Value {
    let mut b = b.clone();
    if let Some(o) = b.as_object_mut() {
        o.remove("html");
    }
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_screen_follows_appeals_as_they_arrive() {
    for (t, mut state) in states().await {
        state.clock = AppClock::settable();
        state.screen = Arc::new(ScreenHub::polling_every(Duration::from_millis(100)));
        // 10:00 in Beijing on a Tuesday, early in a month.
        let start = chrono::DateTime::parse_from_rfc3339("2026-12-01T02:00:00Z").unwrap().to_utc();
        assert!(state.clock.set(start));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let schedule = jiayuan_web::jobs::Schedule {
            clock_every: Duration::from_millis(500),
            outbox_every: Duration::from_secs(1),
        };
        let server = tokio::spawn(jiayuan_web::serve_until(listener, state.clone(), schedule, async move {
            let _ = stop_rx.await;
        }));
        let client = reqwest::Client::new();
        let (admin, admin_csrf) = sign_in(&client, &base, "admin").await;
        let (bl1, bl1_csrf) = sign_in(&client, &base, "bl1").await;
        let me: Value =
            client.get(format!("{base}/api/v1/auth/me")).header("cookie", &bl1).send().await.unwrap().json_body().await;
        let building = me["grants"][0]["territory_code"].as_str().unwrap().to_string();

        let mut screen = Screen::open(&client, &base, &admin).await;
        let first = screen.next(Duration::from_secs(10)).await.expect("a first board at once");
        assert_eq!(first["day"], "2026-12-01");
        assert!(first["html"].as_str().unwrap().contains("scr-counters"));
        let received0 = first["today"]["received"].as_i64().unwrap();
        let open0 = first["open_now"].as_i64().unwrap();

        // Appeals arrive one by one; each reaches the screen (the slowest is printed: the
        // benchmark in bench/screen.sh measures it against the release binary).
        let categories = ["other", "property.repair", "environment.rubbish", "neighbour.noise"];
        let n = 12;
        let mut slowest = Duration::ZERO;
        for i in 0..n {
            let body = json!({
                "category": categories[i % categories.len()],
                "territory": building,
                "description": format!("大屏测试第{i}件：楼道灯不亮"),
            });
            let sent = Instant::now();
            let r = client
                .post(format!("{base}/api/v1/appeals"))
                .header("cookie", &bl1)
                .header("x-csrf-token", &bl1_csrf)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
            let want = received0 + i as i64 + 1;
            screen
                .until(Duration::from_secs(10), &format!("with {want} received today on {}", t.name), |b| {
                    b["today"]["received"].as_i64() == Some(want)
                })
                .await;
            slowest = slowest.max(sent.elapsed());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!("{}: the slowest of {n} appeals reached the screen in {slowest:?}", t.name);

        // Hours and days pass: the clock moves three days on; the appeals go overdue, and
        // the screen turns to the new day with nothing received yet.
        let later = start + chrono::Duration::days(3);
        let r = client
            .post(format!("{base}/api/v1/clock"))
            .header("cookie", &admin)
            .header("x-csrf-token", &admin_csrf)
            .header("content-type", "application/json")
            .body(json!({"now": later.to_rfc3339()}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let turned = screen
            .until(Duration::from_secs(10), &format!("of the new day with overdue appeals on {}", t.name), |b| {
                b["day"] == "2026-12-04" && b["overdue_now"].as_i64() > Some(0)
            })
            .await;
        // The figures hold what the live counts show: the overdue marks are folded in.
        assert_eq!(turned["today"]["received"].as_i64(), Some(0), "{}", without_html(&turned));
        assert!(turned["month"]["received"].as_i64().unwrap() >= received0 + n as i64);
        assert!(turned["month"]["overdue"].as_i64().unwrap() > 0);
        assert!(turned["html"].as_str().unwrap().contains("ev-late"), "the overdue marks are among the latest events");

        // Settled: the stream's last board is the API's board now.
        tokio::time::sleep(Duration::from_millis(800)).await;
        let mut last = turned;
        while let Some(b) = screen.next(Duration::from_millis(300)).await {
            last = b;
        }
        let api: Value = client
            .get(format!("{base}/api/v1/screen?within={DISTRICT}"))
            .header("cookie", &admin)
            .send()
            .await
            .unwrap()
            .json_body()
            .await;
        for k in ["today", "month", "open_now", "overdue_now", "seq", "day"] {
            assert_eq!(last[k], api[k], "{k} on {}", t.name);
        }
        assert!(api["open_now"].as_i64().unwrap() > open0);

        // The watcher goes with its last screen.
        drop(screen);
        let gone = Instant::now();
        while state.screen.watched() > 0 && gone.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(state.screen.watched(), 0, "the watcher ended with its last screen on {}", t.name);

        // An open stream does not hold up the stop, and it ends with it.
        let mut screen = Screen::open(&client, &base, &admin).await;
        assert!(screen.next(Duration::from_secs(10)).await.is_some());
        stop_tx.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(6), server).await.expect("stopped in time").unwrap().unwrap();
        assert!(screen.next(Duration::from_secs(2)).await.is_none(), "the stream ended with the server");
        t.finish().await;
    }
}

#[tokio::test]
async fn the_page_and_the_api_answer_plainly() {
    for (t, state) in states().await {
        let admin = App::signed_in(state.clone(), "admin").await;
        let r = admin.send("GET", "/screen", None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("牟平区") && r.body.contains("data-stream=\"/screen/stream?within=370612000000\""));
        assert!(r.body.contains("class=\"scr-rank\"") && r.body.contains("<svg class=\"map\""));
        let (s, v) = admin.json("/api/v1/screen").await;
        assert_eq!(s, 200);
        assert_eq!(v["code"], DISTRICT);
        assert!(v["rankings"][0]["places"].as_array().is_some_and(|p| !p.is_empty()));
        assert!(v["grids"][0].get("geometry").is_none(), "shapes stay on the territory pages");

        // Bad input names the field: nowhere, and a compound (not a screen).
        let (s, v) = admin.json("/api/v1/screen?within=999999999999").await;
        assert_eq!(s, 404);
        assert_error(&v, "within");
        let r = admin.send("GET", "/screen?within=999999999999", None).await;
        assert_eq!(r.status, 404);
        assert!(r.body.contains("999999999999"), "the page names what was asked for");
        let (_, board) = admin.json("/api/v1/screen?within=370612001001").await;
        let (_, me) = App::signed_in(state.clone(), "bl1").await.json("/api/v1/auth/me").await;
        let building = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let compound = building.rsplit_once('-').unwrap().0.to_string();
        let (s, v) = admin.json(&format!("/api/v1/screen?within={compound}")).await;
        assert_eq!(s, 400, "{v}");
        assert_error(&v, "within");
        let r = admin.send("GET", &format!("/screen?within={compound}"), None).await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("大屏按区、街道或社区显示"));
        assert_eq!(board["code"], "370612001001");

        // A community's worker sees its own community, not the district; a resident none.
        let c1 = App::signed_in(state.clone(), "c1").await;
        let (s, v) = c1.json("/api/v1/screen").await;
        assert_eq!(s, 200);
        assert_ne!(v["code"], DISTRICT);
        let (s, _) = c1.json(&format!("/api/v1/screen?within={DISTRICT}")).await;
        assert!(s == 403 || s == 404, "{s}");
        let r = c1.send("GET", &format!("/screen/stream?within={DISTRICT}"), None).await;
        assert!(r.status == 403 || r.status == 404);
        let r1 = App::signed_in(state.clone(), "r1").await;
        assert_eq!(r1.json("/api/v1/screen").await.0, 403);
        assert_eq!(App::anonymous(state.clone()).json("/api/v1/screen").await.0, 401);
        t.finish().await;
    }
}
