//! The audit log: append-only, hash-chained, written in the same transaction as the change
//! it records.
//!
//! Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields.
//! `audit_head` keeps the last sequence number and hash: appending updates it first (which
//! takes its row lock on PostgreSQL and the write lock on SQLite, so appends are serial),
//! and [`Store::verify_audit`] checks every link and that the head matches the last entry,
//! so an edited, inserted or deleted entry anywhere, the last one included, is caught.
//! Nothing in the program deletes entries; retention is therefore unlimited (≥ 180 days).

use crate::access::{Principal, Scope};
use crate::batch::{exec, fetch_all, fetch_i64, QueryParts};
use crate::model::{Page, Paged};
use crate::{on_tx, Result, Store, Tx};
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Who is acting and from where: the part of an entry that comes from the request.
#[derive(Debug, Clone)]
pub struct AuditCtx {
    pub actor: String,
    pub role: String,
    pub ip: String,
    pub request_id: String,
}

impl AuditCtx {
    pub fn of(p: &Principal, ip: impl Into<String>, request_id: impl Into<String>) -> Self {
        Self { actor: p.username.clone(), role: p.role_label(), ip: ip.into(), request_id: request_id.into() }
    }

    /// The operator at the command line.
    pub fn operator(command: &str) -> Self {
        Self { actor: "operator".into(), role: "operator".into(), ip: "cli".into(), request_id: command.into() }
    }

    /// Someone not (yet) signed in, e.g. a failed login.
    pub fn anonymous(username: &str, ip: impl Into<String>, request_id: impl Into<String>) -> Self {
        Self { actor: username.into(), role: "-".into(), ip: ip.into(), request_id: request_id.into() }
    }
}

/// What happened: the part of an entry that comes from the action.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    /// The territory path the object belongs to; `/` for district-wide things. Decides who
    /// may read the entry.
    pub scope_path: &'a str,
    pub action: &'a str,
    pub object: String,
    /// A before/after summary; never plaintext personal numbers.
    pub summary: serde_json::Value,
    pub result: &'a str,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub scope_path: String,
    pub action: String,
    pub object: String,
    pub summary: String,
    pub result: String,
    pub ip: String,
    pub request_id: String,
    pub prev_hash: String,
    pub hash: String,
}

const ENTRY_COLS: &str =
    "seq, at, actor, role, scope_path, action, object, summary, result, ip, request_id, prev_hash, hash";

/// The chained hash of one entry. Fields are separated by a unit separator, which none of
/// them can contain unescaped (JSON escapes control characters; the rest are ours).
pub fn entry_hash(e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let at = e.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    for part in [
        e.prev_hash.as_str(),
        &e.seq.to_string(),
        &at,
        &e.actor,
        &e.role,
        &e.scope_path,
        &e.action,
        &e.object,
        &e.summary,
        &e.result,
        &e.ip,
        &e.request_id,
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends the entry of a successful action on an object under `path`, inside the caller's
/// transaction: what every system's store writes after it changed something.
pub async fn record(
    tx: &mut Tx,
    ctx: &AuditCtx,
    path: &str,
    action: &str,
    object: uuid::Uuid,
    summary: serde_json::Value,
) -> Result<()> {
    append(tx, ctx, AuditEvent { scope_path: path, action, object: object.to_string(), summary, result: "ok" }).await?;
    Ok(())
}

/// Appends one entry inside the caller's transaction.
pub async fn append(tx: &mut Tx, ctx: &AuditCtx, ev: AuditEvent<'_>) -> Result<i64> {
    append_many(tx, vec![(ctx, ev)]).await
}

/// Appends entries in order inside the caller's transaction, chained one to the next, in
/// three statements however many there are. Returns the last sequence number.
pub async fn append_many(tx: &mut Tx, items: Vec<(&AuditCtx, AuditEvent<'_>)>) -> Result<i64> {
    let n = items.len() as i64;
    if n == 0 {
        return Ok(0);
    }
    // The head's row lock (PostgreSQL) or the write lock (SQLite) serialises appends.
    // `hash` in RETURNING is still the previous entry's: this statement does not change it.
    let (last, mut prev): (i64, String) =
        on_tx!(tx, |c| sqlx::query_as("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
            .bind(n)
            .fetch_one(c)
            .await?);
    let at = Utc::now().trunc_subsecs(6);
    let mut rows: Vec<Vec<crate::batch::Value>> = Vec::with_capacity(items.len());
    for (i, (ctx, ev)) in items.into_iter().enumerate() {
        let mut entry = AuditEntry {
            seq: last - n + 1 + i as i64,
            at,
            actor: ctx.actor.clone(),
            role: ctx.role.clone(),
            scope_path: ev.scope_path.to_string(),
            action: ev.action.to_string(),
            object: ev.object,
            summary: ev.summary.to_string(),
            result: ev.result.to_string(),
            ip: ctx.ip.clone(),
            request_id: ctx.request_id.clone(),
            prev_hash: prev,
            hash: String::new(),
        };
        entry.hash = entry_hash(&entry);
        prev = entry.hash.clone();
        rows.push(vec![
            entry.seq.into(),
            entry.at.into(),
            entry.actor.into(),
            entry.role.into(),
            entry.scope_path.into(),
            entry.action.into(),
            entry.object.into(),
            entry.summary.into(),
            entry.result.into(),
            entry.ip.into(),
            entry.request_id.into(),
            entry.prev_hash.into(),
            entry.hash.into(),
        ]);
    }
    let cols: Vec<&str> = ENTRY_COLS.split(", ").collect();
    crate::batch::insert_rows(tx, "audit_log", &cols, &rows, "").await?;
    exec(tx, "UPDATE audit_head SET hash = $1 WHERE id = 1", &[prev.into()]).await?;
    Ok(last)
}

/// Beijing time as people read it: `2026-11-28T21:05:00+08:00`.
pub use jiayuan_domain::time::iso as beijing_time;

/// Entries as CSV (UTF-8 with a BOM, for Excel), every field, hashes included, so that a
/// copy can be checked against the chain later.
pub fn to_csv(rows: &[AuditEntry]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    let io = |e: csv::Error| crate::StoreError::Other(e.into());
    w.write_record([
        "seq",
        "time",
        "actor",
        "role",
        "scope",
        "action",
        "object",
        "summary",
        "result",
        "ip",
        "request_id",
        "prev_hash",
        "hash",
    ])
    .map_err(io)?;
    for e in rows {
        let seq = e.seq.to_string();
        let at = beijing_time(e.at);
        let cells = [
            seq.as_str(),
            &at,
            &e.actor,
            &e.role,
            &e.scope_path,
            &e.action,
            &e.object,
            &e.summary,
            &e.result,
            &e.ip,
            &e.request_id,
            &e.prev_hash,
            &e.hash,
        ];
        w.write_record(cells.map(jiayuan_domain::spreadsheet::neutralise).iter().map(|c| c.as_ref())).map_err(io)?;
    }
    w.into_inner().map_err(|e| io(e.into_error().into()))
}

/// What `audit verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub entries: i64,
    pub head_seq: i64,
    pub head_hash: String,
    /// Problems, first one first; empty when the chain is intact.
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
}

impl AuditQuery {
    fn conditions(&self, scope: &Scope) -> QueryParts {
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "scope_path", None);
        for (col, v) in [("actor", &self.actor), ("action", &self.action)] {
            if let Some(v) = v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                let p = q.bind(v.to_string());
                q.cond(format!("{col} = {p}"));
            }
        }
        q
    }
}

impl Store {
    /// Appends one entry in a transaction of its own (for events that change nothing else,
    /// such as a reveal or a failed login).
    pub async fn audit(&self, ctx: &AuditCtx, ev: AuditEvent<'_>) -> Result<i64> {
        let mut tx = self.begin().await?;
        let seq = append(&mut tx, ctx, ev).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Walks the whole chain in order, in pages, and checks every link and the head.
    pub async fn verify_audit(&self) -> Result<VerifyReport> {
        let mut problems = Vec::new();
        let mut prev_hash = "0".repeat(64);
        let mut expect_seq = 1i64;
        let mut entries = 0i64;
        let mut after = 0i64;
        loop {
            let sql = format!("SELECT {ENTRY_COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000");
            let batch: Vec<AuditEntry> = fetch_all(&self.db, &sql, &[after.into()]).await?;
            if batch.is_empty() {
                break;
            }
            for e in &batch {
                entries += 1;
                if e.seq != expect_seq {
                    problems.push(format!(
                        "第{}条之前缺少第{}条 (entry {} missing before {})",
                        e.seq, expect_seq, expect_seq, e.seq
                    ));
                }
                if e.prev_hash != prev_hash {
                    problems.push(format!(
                        "第{}条与上一条的链接断开 (entry {}: link to the previous entry broken)",
                        e.seq, e.seq
                    ));
                }
                if entry_hash(e) != e.hash {
                    problems.push(format!("第{}条内容被改动 (entry {}: contents altered)", e.seq, e.seq));
                }
                prev_hash = e.hash.clone();
                expect_seq = e.seq + 1;
                after = e.seq;
            }
        }
        let (head_seq, head_hash): (i64, String) =
            crate::on_db!(&self.db, |p| sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(p)
                .await?);
        if head_seq != after || head_hash != prev_hash {
            problems.push(format!(
                "日志末尾与链头不符：链头为第{head_seq}条，最后一条为第{after}条 (the log's end does not match the head: head {head_seq}, last entry {after})"
            ));
        }
        Ok(VerifyReport { entries, head_seq, head_hash, problems })
    }

    /// Entries visible in `scope`, newest first.
    pub async fn list_audit(&self, scope: &Scope, f: &AuditQuery, page: Page) -> Result<Paged<AuditEntry>> {
        let mut q = f.conditions(scope);
        let w = q.where_clause();
        let total = fetch_i64(&self.db, &format!("SELECT count(*) FROM audit_log{w}"), &q.vals).await?;
        let lim = q.bind(page.limit());
        let off = q.bind(page.offset());
        let sql = format!("SELECT {ENTRY_COLS} FROM audit_log{w} ORDER BY seq DESC LIMIT {lim} OFFSET {off}");
        let items = fetch_all(&self.db, &sql, &q.vals).await?;
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }

    /// Every entry visible in `scope`, oldest first (for export).
    pub async fn all_audit(&self, scope: &Scope, f: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let q = f.conditions(scope);
        let sql = format!("SELECT {ENTRY_COLS} FROM audit_log{} ORDER BY seq", q.where_clause());
        fetch_all(&self.db, &sql, &q.vals).await
    }
}
