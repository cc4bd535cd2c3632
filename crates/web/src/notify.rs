//! Delivers the notification outbox: WeCom and DingTalk group robots and signed JSON
//! webhooks. Rows are claimed with `Store::claim_outbox` (so two servers never send one twice); every attempt is logged, failures are
//! retried with backoff, and since the rows live in the database nothing is lost across a
//! restart. One sender runs per server process.

use crate::state::AppState;
use jiayuan_store::appeals::outbox::{render_body, signed_request, Due};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .user_agent("jiayuan-notify/1")
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Sends what is due now; returns how many were attempted.
pub async fn deliver_due(state: &AppState, client: &reqwest::Client) -> usize {
    let now = state.clock.now();
    let due = match state.store.claim_outbox(now, 50).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "outbox read failed");
            return 0;
        }
    };
    let n = due.len();
    for d in due {
        let started = Instant::now();
        let (status, error) = send_one(client, &d, now.timestamp_millis()).await;
        let millis = started.elapsed().as_millis() as i64;
        if let Some(e) = &error {
            tracing::info!(outbox = %d.id, attempt = d.attempts + 1, error = %e, "notification not delivered");
        }
        if let Err(e) = state.store.record_delivery(&d, status, error.as_deref(), millis, state.clock.now()).await {
            tracing::warn!(error = %e, "cannot record a delivery");
        }
    }
    n
}

/// One attempt: the HTTP status, and an error when it did not succeed.
async fn send_one(client: &reqwest::Client, d: &Due, now_ms: i64) -> (Option<u16>, Option<String>) {
    let body = render_body(&d.kind, &d.payload).to_string();
    let (url, headers) = signed_request(&d.kind, &d.url, d.secret.as_deref(), &body, now_ms);
    let mut req = client.post(&url).body(body);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    match req.send().await {
        Err(e) => (None, Some(if e.is_timeout() { "timeout".into() } else { format!("connection failed: {e}") })),
        Ok(res) => {
            let status = res.status().as_u16();
            if !res.status().is_success() {
                return (Some(status), Some(format!("HTTP {status}")));
            }
            // Robots answer 200 with {"errcode": 0} on success and a non-zero code otherwise.
            if d.kind == "wecom" || d.kind == "dingtalk" {
                let text = res.text().await.unwrap_or_default();
                let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                let code = v["errcode"].as_i64().unwrap_or(0);
                if code != 0 {
                    return (Some(status), Some(format!("errcode {code}: {}", v["errmsg"].as_str().unwrap_or(""))));
                }
            }
            (Some(status), None)
        }
    }
}
