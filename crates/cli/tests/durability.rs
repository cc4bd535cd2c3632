//! An acknowledged appeal is never lost: file appeals from several clients, kill the server
//! (SIGKILL, no shutdown) in the middle of the load, start it again on the same database,
//! and find every appeal that was answered 201. Runs on SQLite, and on PostgreSQL when
//! `JIAYUAN_TEST_DATABASE_URL` is set.

use jiayuan_store::testing;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TEST_KEY: &str = "0707070707070707070707070707070707070707070707070707070707070707";

/// Starts the server; the caller kills and waits for it.
#[allow(clippy::zombie_processes)]
fn start(db: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiayuan"))
        .args(["--db", db, "serve", "--demo", "--scale", "small", "--addr", "127.0.0.1:0"])
        .env("JIAYUAN_KEY", TEST_KEY)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start jiayuan serve");
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    loop {
        let line = lines.next().expect("server printed its address").unwrap();
        if let Some(rest) = line.split("serving on ").nth(1) {
            let base = rest.trim_end_matches('/').to_string();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines.by_ref() {});
            return (child, base);
        }
    }
}

/// Signs in and returns (cookie, csrf).
async fn sign_in(http: &reqwest::Client, base: &str, user: &str) -> (String, String) {
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"username":"{user}","password":"jiayuan-demo"}}"#))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    (cookie, v["csrf_token"].as_str().unwrap().to_string())
}

/// What four clients filing as fast as they can saw: the numbers answered 201 with a whole
/// body, and any other status (201 there: a body cut off).
#[derive(Default, Clone)]
struct Seen {
    acked: Arc<Mutex<Vec<String>>>,
    other: Arc<Mutex<Vec<u16>>>,
}

/// Starts four clients filing appeals at `place` until a request fails.
fn load(
    http: &reqwest::Client,
    base: &str,
    cookie: &str,
    csrf: &str,
    place: &str,
    seen: &Seen,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..4)
        .map(|w| {
            let (http, base, cookie, csrf, place, seen) =
                (http.clone(), base.to_string(), cookie.to_string(), csrf.to_string(), place.to_string(), seen.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let body = serde_json::json!({"category": "other", "territory": place, "description": format!("负载 {w}-{i}")});
                    let r = http
                        .post(format!("{base}/api/v1/appeals"))
                        .header("cookie", &cookie)
                        .header("x-csrf-token", &csrf)
                        .header("content-type", "application/json")
                        .body(body.to_string())
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().as_u16() == 201 => {
                            // Cut off before the body arrived: not acknowledged, and noted
                            // as a 201 among the other answers.
                            let Ok(text) = r.text().await else {
                                seen.other.lock().unwrap().push(201);
                                break;
                            };
                            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                            if let Some(n) = v["appeal"]["number"].as_str() {
                                seen.acked.lock().unwrap().push(n.to_string());
                            }
                        }
                        Ok(r) => {
                            seen.other.lock().unwrap().push(r.status().as_u16());
                            break;
                        }
                        // Refused or closed before it was accepted.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect()
}

#[tokio::test]
async fn every_acknowledged_appeal_survives_a_kill() {
    for t in testing::all().await {
        let (mut child, base) = start(&t.url);
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
        let (cookie, csrf) = sign_in(&http, &base, "r1").await;
        let (_, me) = {
            let r = http.get(format!("{base}/api/v1/auth/me")).header("cookie", &cookie).send().await.unwrap();
            ((), serde_json::from_str::<serde_json::Value>(&r.text().await.unwrap()).unwrap())
        };
        let place = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let seen = Seen::default();
        let tasks = load(&http, &base, &cookie, &csrf, &place, &seen);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        child.kill().expect("SIGKILL the server");
        child.wait().unwrap();
        for task in tasks {
            let _ = task.await;
        }
        let acked = seen.acked.lock().unwrap().clone();
        assert!(acked.len() > 20, "the load ran before the kill ({} on {})", acked.len(), t.name);

        let (mut child, base) = start(&t.url);
        let (cookie, _) = sign_in(&http, &base, "admin").await;
        let mut missing = Vec::new();
        for n in &acked {
            let r = http.get(format!("{base}/api/v1/appeals/{n}")).header("cookie", &cookie).send().await.unwrap();
            if r.status().as_u16() != 200 {
                missing.push(n.clone());
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            missing.is_empty(),
            "lost {} of {} acknowledged appeals on {}: {missing:?}",
            missing.len(),
            acked.len(),
            t.name
        );
        eprintln!("{}: {} acknowledged appeals, all found after the kill", t.name, acked.len());
        t.finish().await;
    }
}

/// SIGTERM stops the server the orderly way: no new connections, every request it had
/// accepted answered (each 201 has its body, and every acknowledged appeal is there after a
/// restart), no 5xx, and exit code 0 within 10 s.
#[tokio::test]
async fn sigterm_answers_what_was_accepted_and_exits_0_within_10_s() {
    for t in testing::all().await {
        let (mut child, base) = start(&t.url);
        let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap();
        let (cookie, csrf) = sign_in(&http, &base, "r1").await;
        let r = http.get(format!("{base}/api/v1/auth/me")).header("cookie", &cookie).send().await.unwrap();
        let me: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        let place = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let seen = Seen::default();
        let tasks = load(&http, &base, &cookie, &csrf, &place, &seen);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let asked = std::time::Instant::now();
        let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(asked.elapsed() < Duration::from_secs(10), "still running 10 s after SIGTERM on {}", t.name);
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let took = asked.elapsed();
        assert!(status.success(), "exit status {status:?} on {}", t.name);
        for task in tasks {
            task.await.unwrap();
        }
        let failures = seen.other.lock().unwrap().clone();
        assert!(failures.is_empty(), "answers other than 201 during the stop: {failures:?}");
        assert!(reqwest::get(format!("{base}/healthz")).await.is_err(), "nothing listens after the stop");
        let acked = seen.acked.lock().unwrap().clone();
        assert!(acked.len() > 20, "the load ran before the stop ({} on {})", acked.len(), t.name);

        let (mut child, base) = start(&t.url);
        let (cookie, _) = sign_in(&http, &base, "admin").await;
        for n in &acked {
            let r = http.get(format!("{base}/api/v1/appeals/{n}")).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200, "acknowledged appeal {n} missing after the stop on {}", t.name);
        }
        child.kill().unwrap();
        child.wait().unwrap();
        eprintln!("{}: stopped in {} ms with {} acknowledged appeals, all kept", t.name, took.as_millis(), acked.len());
        t.finish().await;
    }
}
