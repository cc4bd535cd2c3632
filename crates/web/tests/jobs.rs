//! Background work with more than one server, and under overload: the outbox sends each
//! message once when two servers share the database, the appeal clock runs in one server at
//! a time, a full intake queue answers 503 with Retry-After, and the jobs stop when asked.

mod common;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use common::{states, App};
use jiayuan_store::lead::Lead;
use jiayuan_store::Store;
use jiayuan_web::notify::{client, deliver_due};
use jiayuan_web::AppState;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A second server on the same database: its own pool, caches and locks.
async fn second_server(url: &str) -> AppState {
    let store = Store::connect(url, jiayuan_store::crypto::Crypto::for_tests()).await.unwrap();
    AppState::new(store)
}

/// A webhook that accepts everything and keeps the bodies.
async fn sink() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |body: Bytes| {
            let s = s.clone();
            async move {
                s.lock().unwrap().push(String::from_utf8_lossy(&body).to_string());
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_send_each_notification_once() {
    for (t, state) in states().await {
        let (url, seen) = sink().await;
        let admin = App::signed_in(state.clone(), "admin").await;
        let ch = json!({"name": "区指挥中心", "kind": "webhook", "url": url, "scope": "370612000000"}).to_string();
        assert_eq!(admin.call("POST", "/api/v1/notify/channels", Some(&ch)).await.0, StatusCode::CREATED);
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let (_, me) = bl1.json("/api/v1/auth/me").await;
        let building = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let n = 40;
        for i in 0..n {
            let body =
                json!({"category": "other", "territory": building, "description": format!("第{i}件")}).to_string();
            assert_eq!(bl1.call("POST", "/api/v1/appeals", Some(&body)).await.0, StatusCode::CREATED);
        }
        let other = second_server(&t.url).await;
        let run = |s: AppState| {
            tokio::spawn(async move {
                let http = client();
                let mut sent = 0;
                loop {
                    let k = deliver_due(&s, &http).await;
                    sent += k;
                    if k == 0 {
                        break sent;
                    }
                }
            })
        };
        let (a, b) = (run(state.clone()), run(other.clone()));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        let bodies = seen.lock().unwrap().clone();
        let mut numbers: Vec<String> =
            bodies.iter().map(|b| serde_json::from_str::<Value>(b).unwrap()["appeal_id"].to_string()).collect();
        numbers.sort();
        let before = numbers.len();
        numbers.dedup();
        assert_eq!(before, n, "{n} messages, {a} + {b} sent by the two servers on {}", t.name);
        assert_eq!(numbers.len(), n, "a message went out twice on {}", t.name);
        other.store.close().await;
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_appeal_clock_runs_in_one_server_at_a_time() {
    for (t, state) in states().await {
        let other = second_server(&t.url).await;
        let round = |s: AppState| {
            tokio::spawn(async move {
                s.store.as_leader(Lead::AppealClock, tokio::time::sleep(Duration::from_millis(400))).await.unwrap()
            })
        };
        let (a, b) = (round(state.clone()), round(other.clone()));
        let ran = [a.await.unwrap().is_some(), b.await.unwrap().is_some()];
        if t.name == "postgres" {
            assert_eq!(ran.iter().filter(|r| **r).count(), 1, "exactly one leads: {ran:?}");
        } else {
            // SQLite: one server per database file, which always leads.
            assert_eq!(ran, [true, true]);
        }
        // The lock is released: the next round runs.
        assert!(round(other.clone()).await.unwrap().is_some());
        other.store.close().await;
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_intake_queue_answers_503_with_retry_after() {
    for (t, state) in states().await {
        state.store.set_intake_capacity(2);
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let (_, me) = bl1.json("/api/v1/auth/me").await;
        let building = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        // Hold the writer up: SQLite's write lock, or a lock on the appeals table.
        let sqlite_guard = state.store.hold_writer().await;
        let mut pg_lock = None;
        if let jiayuan_store::Db::Postgres(pool) = state.store.raw_db() {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("LOCK TABLE appeals IN EXCLUSIVE MODE").execute(&mut *tx).await.unwrap();
            pg_lock = Some(tx);
        }
        let mut calls = Vec::new();
        for i in 0..8 {
            let (app, building) = (bl1.clone(), building.clone());
            calls.push(tokio::spawn(async move {
                let body = json!({"category": "other", "territory": building, "description": format!("高峰{i}")});
                app.send("POST", "/api/v1/appeals", Some(("application/json", body.to_string()))).await
            }));
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(sqlite_guard);
        if let Some(tx) = pg_lock {
            tx.rollback().await.unwrap();
        }
        let mut created = 0;
        let mut busy = 0;
        for c in calls {
            let r = c.await.unwrap();
            match r.status {
                StatusCode::CREATED => created += 1,
                StatusCode::SERVICE_UNAVAILABLE => {
                    busy += 1;
                    assert_eq!(r.headers["retry-after"], "1");
                    let v: Value = serde_json::from_str(&r.body).unwrap();
                    assert_eq!(v["error"]["code"], "busy");
                }
                other => panic!("{other}: {} on {}", r.body, t.name),
            }
        }
        assert!(busy >= 1, "nothing was refused on {}", t.name);
        assert!(created >= 2, "what was queued was written on {}: {created}", t.name);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_jobs_stop_when_asked() {
    for (t, state) in states().await {
        let schedule = jiayuan_web::jobs::Schedule {
            clock_every: Duration::from_millis(50),
            outbox_every: Duration::from_millis(50),
        };
        let jobs = jiayuan_web::jobs::Jobs::start(&state, schedule);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let asked = std::time::Instant::now();
        assert!(jobs.stop(Duration::from_secs(2)).await, "stopped cleanly on {}", t.name);
        assert!(asked.elapsed() < Duration::from_secs(2));
        t.finish().await;
    }
}
