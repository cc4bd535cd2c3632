//! The outbox sender against a webhook on the loopback: signed, retried with backoff after a
//! failure, delivered by a fresh server state (as after a restart), every attempt logged.

mod common;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::DateTime;
use common::{states, App};
use hmac::{Hmac, Mac};
use jiayuan_web::clock::AppClock;
use jiayuan_web::notify::{client, deliver_due};
use jiayuan_web::AppState;
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::{Arc, Mutex};

type Seen = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A webhook that fails the first call with 500 and accepts the rest.
async fn webhook() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let s = s.clone();
            async move {
                let mut v = s.lock().unwrap();
                v.push((headers, String::from_utf8_lossy(&body).to_string()));
                if v.len() == 1 {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), seen)
}

#[tokio::test]
async fn webhooks_are_signed_retried_and_survive_a_restart() {
    for (t, state) in states().await {
        let (url, seen) = webhook().await;
        let clock = AppClock::settable();
        let start = DateTime::parse_from_rfc3339("2026-11-30T10:00:00+08:00").unwrap().with_timezone(&chrono::Utc);
        clock.set(start);
        let state = AppState { clock: clock.clone(), ..state };
        let admin = App::signed_in(state.clone(), "admin").await;
        let r1 = App::signed_in(state.clone(), "r1").await;
        let (_, me) = admin.json("/api/v1/auth/me").await;
        let district = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let bad = json!({"name": "x", "kind": "fax", "url": url, "scope": district}).to_string();
        let (s, _) = admin.call("POST", "/api/v1/notify/channels", Some(&bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let ch = json!({"name": "区指挥中心", "kind": "webhook", "url": url, "secret": "s3cret", "scope": district})
            .to_string();
        let (s, b) = admin.call("POST", "/api/v1/notify/channels", Some(&ch)).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert!(!b.contains("s3cret"), "the secret is not echoed");
        let (s, _) = r1.call("POST", "/api/v1/notify/channels", Some(&ch)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        let (_, bl1me) = App::signed_in(state.clone(), "bl1").await.json("/api/v1/auth/me").await;
        let building = bl1me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let body = json!({"category": "neighbour.noise", "territory": building, "description": "噪音"}).to_string();
        let (s, _) = r1.call("POST", "/api/v1/appeals", Some(&body)).await;
        assert_eq!(s, StatusCode::CREATED);

        let http = client();
        assert_eq!(deliver_due(&state, &http).await, 1);
        assert_eq!(deliver_due(&state, &http).await, 0, "the retry waits for its backoff");
        // A restart: a fresh state on the same database delivers what is pending.
        let restarted = AppState { clock: clock.clone(), ..AppState::new((*state.store).clone()) };
        clock.set(start + chrono::Duration::seconds(31));
        assert_eq!(deliver_due(&restarted, &http).await, 1);
        assert_eq!(deliver_due(&restarted, &http).await, 0, "sent once");

        let calls = seen.lock().unwrap().clone();
        assert_eq!(calls.len(), 2, "{}", t.name);
        let (headers, body) = &calls[1];
        let ts = headers["x-jiayuan-timestamp"].to_str().unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(format!("{ts}.{body}").as_bytes());
        let want: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(headers["x-jiayuan-signature"].to_str().unwrap(), format!("sha256={want}"));
        let payload: Value = serde_json::from_str(body).unwrap();
        assert_eq!(payload["event"], "create");

        let (_, log) = admin.json("/api/v1/notify/outbox").await;
        let item = &log["items"][0];
        assert_eq!(item["message"]["status"], "sent");
        let attempts: Vec<Value> = item["deliveries"].as_array().unwrap().clone();
        assert_eq!(attempts.len(), 2);
        assert_eq!(attempts[0]["http_status"], 500);
        assert_eq!(attempts[1]["http_status"], 200);
        t.finish().await;
    }
}
