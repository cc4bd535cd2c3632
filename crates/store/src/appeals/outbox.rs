//! Notifications through an outbox: a row per channel is written in the same transaction as
//! the event it announces, so nothing is sent for a change that did not happen and nothing
//! is lost across a restart. A sender delivers due rows, retrying with backoff, and logs
//! every attempt.

use super::config::AppealConfig;
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all};
use crate::{new_id, Result, Store, StoreError, Tx};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use jiayuan_domain::appeal::{Action, Level};
use serde::Serialize;
use serde_json::json;
use sha2::Sha256;
use uuid::Uuid;

/// Attempts before a message is given up (dead); the delivery log keeps every attempt.
pub const MAX_ATTEMPTS: i64 = 8;

/// The service clock's events (a ticket near or past its time limit), beside the appeals'.
pub const SERVICE_WARN: &str = "service_warn";
pub const SERVICE_OVERDUE: &str = "service_overdue";

/// Events announced unless a channel lists its own.
pub const DEFAULT_EVENTS: &str = "create,escalate,return,warn,overdue,service_warn,service_overdue";

pub const KINDS: &[&str] = &["wecom", "dingtalk", "webhook"];

/// Backoff after the nth failed attempt: 30 s, 1 min, 2 min, … capped at an hour.
/// How long a claimed message is left to its sender before another may claim it.
pub const CLAIM_LEASE: Duration = Duration::minutes(5);

pub fn backoff(attempts: i64) -> Duration {
    let secs = 30i64.saturating_mul(1 << attempts.clamp(0, 7));
    Duration::seconds(secs.min(3600))
}

/// The messages an event sends: one per active channel that covers the handler and wants
/// this event, as (channel, payload).
#[allow(clippy::too_many_arguments)]
pub(crate) fn messages(
    cfg: &AppealConfig,
    appeal_id: Uuid,
    number: i64,
    action: Action,
    handler_path: &str,
    category: &str,
    level: Level,
    now: DateTime<Utc>,
) -> Vec<(Uuid, serde_json::Value)> {
    let mut out = Vec::new();
    for ch in &cfg.channels {
        if !handler_path.starts_with(&ch.path) || !ch.events.iter().any(|e| e == action.as_str() || e == "*") {
            continue;
        }
        let cat = cfg.category(category).map(|c| c.name_zh.clone()).unwrap_or_else(|| category.to_string());
        out.push((
            ch.id,
            json!({
                "event": action.as_str(),
                "event_zh": action.label_zh(),
                "appeal": number.to_string(),
                "appeal_id": appeal_id,
                "category": category,
                "category_zh": cat,
                "level": level.as_str(),
                "level_zh": level.label_zh(),
                "handler_path": handler_path,
                "at": jiayuan_domain::time::iso(now),
            }),
        ));
    }
    out
}

/// Writes the messages of one event into the outbox, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn enqueue(
    tx: &mut Tx,
    cfg: &AppealConfig,
    appeal_id: Uuid,
    number: i64,
    action: Action,
    handler_path: &str,
    category: &str,
    level: Level,
    now: DateTime<Utc>,
) -> Result<()> {
    for (channel, payload) in messages(cfg, appeal_id, number, action, handler_path, category, level, now) {
        exec(
            tx,
            "INSERT INTO outbox (id, channel_id, appeal_id, event, payload, status, attempts, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
            &[new_id().into(), channel.into(), appeal_id.into(), action.as_str().into(), payload.to_string().into(), now.into()],
        )
        .await?;
    }
    Ok(())
}

/// The message body in the format of the channel's kind.
pub fn render_body(kind: &str, payload: &serde_json::Value) -> serde_json::Value {
    let s = |k: &str| payload[k].as_str().unwrap_or("");
    let text = if payload.get("ticket").is_some() {
        format!("【家园办件】{} #{} {}（{}）", s("event_zh"), s("ticket"), s("item_zh"), s("point_zh"))
    } else {
        format!("【家园诉求】{} #{} {}（{}）", s("event_zh"), s("appeal"), s("category_zh"), s("level_zh"))
    };
    match kind {
        // WeCom group robots and DingTalk robots both take {"msgtype":"text","text":{"content":…}}.
        "wecom" | "dingtalk" => json!({"msgtype": "text", "text": {"content": text}}),
        _ => payload.clone(),
    }
}

fn hmac_sha256(secret: &str, msg: &str) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut m) => {
            m.update(msg.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// What to send: URL, headers and body, signed as the channel's kind expects.
/// - webhook: `X-Jiayuan-Timestamp` and `X-Jiayuan-Signature: sha256=HEX(HMAC(secret, ts + "." + body))`;
/// - DingTalk with a secret: `timestamp` and `sign` = base64(HMAC(secret, ts + "\n" + secret)) in the URL;
/// - WeCom: the key is in the URL already.
pub fn signed_request(
    kind: &str,
    url: &str,
    secret: Option<&str>,
    body: &str,
    now_ms: i64,
) -> (String, Vec<(String, String)>) {
    let mut headers = vec![("Content-Type".to_string(), "application/json; charset=utf-8".to_string())];
    let mut url = url.to_string();
    match (kind, secret) {
        ("webhook", Some(s)) => {
            let ts = (now_ms / 1000).to_string();
            let sig: String = hmac_sha256(s, &format!("{ts}.{body}")).iter().map(|b| format!("{b:02x}")).collect();
            headers.push(("X-Jiayuan-Timestamp".into(), ts));
            headers.push(("X-Jiayuan-Signature".into(), format!("sha256={sig}")));
        }
        ("dingtalk", Some(s)) => {
            let ts = now_ms.to_string();
            let sign = base64::engine::general_purpose::STANDARD.encode(hmac_sha256(s, &format!("{ts}\n{s}")));
            let sign: String = form_urlencode(&sign);
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&format!("timestamp={ts}&sign={sign}"));
        }
        _ => {}
    }
    (url, headers)
}

fn form_urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ChannelRow {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub path: String,
    pub events: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct NewChannel {
    pub name: String,
    pub kind: String,
    pub url: String,
    pub secret: Option<String>,
    pub path: String,
    pub events: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: Uuid,
    pub channel_id: Uuid,
    pub event: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DeliveryRow {
    pub outbox_id: Uuid,
    pub attempt: i64,
    pub at: DateTime<Utc>,
    pub http_status: Option<i64>,
    pub error: Option<String>,
    pub millis: i64,
}

/// One message ready to send.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: Uuid,
    pub attempts: i64,
    pub kind: String,
    pub url: String,
    pub secret: Option<String>,
    pub payload: serde_json::Value,
}

impl Store {
    pub async fn add_notify_channel(&self, ctx: &AuditCtx, n: &NewChannel) -> Result<ChannelRow> {
        let name = n.name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(StoreError::invalid("name", "名称应为1到60个字符 (1 to 60 characters)"));
        }
        let kind = n.kind.trim();
        if !KINDS.contains(&kind) {
            return Err(StoreError::invalid("kind", "类型应为 wecom、dingtalk 或 webhook"));
        }
        let url = n.url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 500 {
            return Err(StoreError::invalid("url", "地址应以 https:// 或 http:// 开头 (not a web address)"));
        }
        let events = n.events.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or(DEFAULT_EVENTS);
        for e in events.split(',').map(str::trim) {
            if e != "*" && e != SERVICE_WARN && e != SERVICE_OVERDUE && Action::parse(e).is_none() {
                return Err(StoreError::invalid("events", format!("“{e}”不是可通知的事件 (unknown event)")));
            }
        }
        let t = self
            .territory_by_ref(&n.path)
            .await
            .map_err(|_| StoreError::missing("scope", format!("区域“{}”不存在 (no such territory)", n.path.trim())))?;
        let id = new_id();
        let now = Utc::now();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO notify_channels (id, name, kind, url, secret_enc, path, events, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8)",
            &[
                id.into(),
                name.into(),
                kind.into(),
                url.into(),
                n.secret.as_deref().filter(|s| !s.is_empty()).map(|s| self.crypto.encrypt(s)).into(),
                t.path.clone().into(),
                events.into(),
                now.into(),
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &t.path,
                action: "notify.channel",
                object: name.to_string(),
                summary: json!({"kind": kind, "events": events}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        self.cache.clear();
        Ok(ChannelRow {
            id,
            name: name.into(),
            kind: kind.into(),
            url: url.into(),
            path: t.path,
            events: events.into(),
            active: true,
            created_at: now,
        })
    }

    pub async fn notify_channels(&self) -> Result<Vec<ChannelRow>> {
        fetch_all(
            &self.db,
            "SELECT id, name, kind, url, path, events, active, created_at FROM notify_channels ORDER BY created_at",
            &[],
        )
        .await
    }

    pub async fn outbox_recent(&self, limit: i64) -> Result<Vec<OutboxRow>> {
        fetch_all(
            &self.db,
            "SELECT id, channel_id, event, payload, status, attempts, next_attempt_at, created_at, sent_at, last_error
             FROM outbox ORDER BY created_at DESC LIMIT $1",
            &[limit.into()],
        )
        .await
    }

    /// The most recent messages, each with every delivery attempt: two queries.
    pub async fn outbox_log(&self, limit: i64) -> Result<Vec<(OutboxRow, Vec<DeliveryRow>)>> {
        let messages = self.outbox_recent(limit).await?;
        if messages.is_empty() {
            return Ok(vec![]);
        }
        let ph: Vec<String> = (1..=messages.len()).map(|i| format!("${i}")).collect();
        let ids: Vec<crate::batch::Value> = messages.iter().map(|m| m.id.into()).collect();
        let attempts: Vec<DeliveryRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT outbox_id, attempt, at, http_status, error, millis FROM outbox_deliveries WHERE outbox_id IN ({}) ORDER BY attempt",
                ph.join(",")
            ),
            &ids,
        )
        .await?;
        Ok(messages
            .into_iter()
            .map(|m| {
                let mine = attempts.iter().filter(|a| a.outbox_id == m.id).cloned().collect();
                (m, mine)
            })
            .collect())
    }

    /// Claims the messages due for an attempt at `now`, oldest first, for this sender alone:
    /// each claimed row is leased for [`CLAIM_LEASE`] (its next attempt moves past the lease),
    /// so another sender skips it. On PostgreSQL the claim takes the rows `FOR UPDATE SKIP
    /// LOCKED`, so two servers claiming at once take different rows; on SQLite the claim runs
    /// under the write lock. A sender that dies before recording the attempt leaves the row to
    /// be claimed again when the lease ends.
    pub async fn claim_outbox(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Due>> {
        let lock = match self.backend() {
            crate::Backend::Postgres => " FOR UPDATE OF o SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let mut tx = self.begin().await?;
        let sql = format!(
            "SELECT o.id, o.attempts, c.kind, c.url, c.secret_enc, o.payload FROM outbox o JOIN notify_channels c ON c.id = o.channel_id
             WHERE o.status = 'pending' AND o.next_attempt_at <= $1 ORDER BY o.next_attempt_at LIMIT $2{lock}"
        );
        let rows: Vec<(Uuid, i64, String, String, Option<String>, String)> =
            crate::batch::fetch_all_tx(&mut tx, &sql, &[now.into(), limit.into()]).await?;
        if !rows.is_empty() {
            let ph: Vec<String> = (0..rows.len()).map(|i| format!("${}", i + 2)).collect();
            let mut vals: Vec<crate::batch::Value> = vec![(now + CLAIM_LEASE).into()];
            vals.extend(rows.iter().map(|r| crate::batch::Value::from(r.0)));
            exec(&mut tx, &format!("UPDATE outbox SET next_attempt_at = $1 WHERE id IN ({})", ph.join(",")), &vals)
                .await?;
        }
        tx.commit().await?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, attempts, kind, url, secret, payload) in rows {
            out.push(Due {
                id,
                attempts,
                kind,
                url,
                secret: self.crypto.decrypt_opt(secret.as_deref())?,
                payload: serde_json::from_str(&payload).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Records one attempt: sent on a 2xx, else retried later or, after the last attempt, dead.
    pub async fn record_delivery(
        &self,
        d: &Due,
        http_status: Option<u16>,
        error: Option<&str>,
        millis: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let ok = error.is_none() && http_status.is_some_and(|s| (200..300).contains(&s));
        let attempt = d.attempts + 1;
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO outbox_deliveries (id, outbox_id, attempt, at, http_status, error, millis) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                new_id().into(),
                d.id.into(),
                attempt.into(),
                now.into(),
                http_status.map(i64::from).into(),
                error.map(str::to_string).into(),
                millis.into(),
            ],
        )
        .await?;
        let err_text = error.map(str::to_string).or_else(|| http_status.filter(|_| !ok).map(|s| format!("HTTP {s}")));
        if ok {
            exec(
                &mut tx,
                "UPDATE outbox SET status = 'sent', attempts = $1, sent_at = $2, last_error = NULL WHERE id = $3",
                &[attempt.into(), now.into(), d.id.into()],
            )
            .await?;
        } else {
            let status = if attempt >= MAX_ATTEMPTS { "dead" } else { "pending" };
            exec(
                &mut tx,
                "UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $5",
                &[status.into(), attempt.into(), (now + backoff(attempt - 1)).into(), err_text.into(), d.id.into()],
            )
            .await?;
        }
        tx.commit().await
    }

    pub async fn outbox_counts(&self) -> Result<Vec<(String, i64)>> {
        fetch_all(&self.db, "SELECT status, count(*) FROM outbox GROUP BY status ORDER BY status", &[]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(0), Duration::seconds(30));
        assert_eq!(backoff(1), Duration::seconds(60));
        assert_eq!(backoff(20), Duration::seconds(3600));
    }

    #[test]
    fn webhooks_are_signed_with_hmac_sha256() {
        let (url, h) = signed_request("webhook", "https://example.org/hook", Some("key"), "{}", 1_700_000_000_000);
        assert_eq!(url, "https://example.org/hook");
        assert!(h.contains(&("X-Jiayuan-Timestamp".into(), "1700000000".into())));
        let sig = &h.iter().find(|(k, _)| k == "X-Jiayuan-Signature").unwrap().1;
        let expect: String = hmac_sha256("key", "1700000000.{}").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sig, &format!("sha256={expect}"));
        let (url, _) =
            signed_request("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", Some("s"), "{}", 5);
        assert!(url.starts_with("https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=5&sign="), "{url}");
    }

    #[test]
    fn robots_get_their_text_format() {
        let p = json!({"event_zh": "登记", "appeal": "12", "category_zh": "噪音扰民", "level_zh": "楼栋党小组"});
        let b = render_body("wecom", &p);
        assert_eq!(b["msgtype"], "text");
        assert_eq!(b["text"]["content"], "【家园诉求】登记 #12 噪音扰民（楼栋党小组）");
        assert_eq!(render_body("webhook", &p), p);
    }
}
