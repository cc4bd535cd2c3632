//! Filing under load. Requests are checked and routed concurrently; their writes go to one
//! writer task, which takes whatever has queued (up to 200 filings) and writes it in one
//! transaction with multi-row statements: the appeals, their first timeline events, their
//! chained audit entries and their notifications. Every filing is answered only after the
//! transaction that holds it has committed, so an acknowledged appeal is durable; a batch
//! that fails is retried one filing at a time, so one bad filing cannot sink the others.
//!
//! The queue is bounded ([`DEFAULT_CAPACITY`] filings): when the database cannot keep up, a
//! filing is refused at once with [`StoreError::Busy`] (503 and `Retry-After` on the web)
//! instead of memory growing without end.

use super::{duplicates, AppealRow};
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{insert_rows, Value};
use crate::{new_id, on_tx, Result, Store, StoreError};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// Filings written together at most.
const BATCH: usize = 200;
/// Filings that may wait for the writer.
pub const DEFAULT_CAPACITY: usize = 4096;

/// Everything one filing writes; the number is given by the writer.
pub(crate) struct Filing {
    pub row: AppealRow,
    pub track_hash: Option<String>,
    /// The account behind an anonymous filing, sealed with the database key.
    pub reporter_seal: Option<String>,
    pub created_by: Option<Uuid>,
    pub actor_name: String,
    pub event_data: serde_json::Value,
    pub deltas: String,
    pub ctx: AuditCtx,
    pub summary: serde_json::Value,
    /// (channel, payload); the writer adds the number to each payload.
    pub outbox: Vec<(Uuid, serde_json::Value)>,
    /// Where likely duplicates are looked for: the place, and its building when the place is
    /// below one.
    pub dup_places: Vec<Uuid>,
    /// Who files it: duplicates are only those this viewer may see.
    pub viewer: super::Viewer,
}

/// What the writer answers: the number, and likely duplicates.
pub(crate) type Written = (i64, Vec<AppealRow>);

type Job = (Filing, oneshot::Sender<Result<Written>>);

/// The sending side of the writer, started on first use, and how many filings may queue.
#[derive(Debug)]
pub struct Intake {
    sender: std::sync::OnceLock<mpsc::Sender<Job>>,
    capacity: std::sync::atomic::AtomicUsize,
    /// A batch is being written and answered.
    writing: std::sync::atomic::AtomicBool,
}

impl Default for Intake {
    fn default() -> Self {
        Self { sender: Default::default(), capacity: DEFAULT_CAPACITY.into(), writing: Default::default() }
    }
}

impl Intake {
    /// Sets the queue's size; takes effect if the writer has not started yet.
    pub fn set_capacity(&self, n: usize) {
        self.capacity.store(n.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// Filings waiting for the writer now.
    pub fn queued(&self) -> usize {
        self.sender.get().map(|s| s.max_capacity() - s.capacity()).unwrap_or(0)
    }
}

const APPEAL_COLS: &[&str] = &[
    "id",
    "number",
    "version",
    "status",
    "is_open",
    "channel",
    "category_code",
    "category_version",
    "urgency",
    "territory_id",
    "path",
    "handler_level",
    "handler_id",
    "handler_path",
    "department",
    "reporter_person_id",
    "reporter_user_id",
    "reporter_name",
    "reporter_phone_enc",
    "anonymous",
    "track_hash",
    "title",
    "description",
    "address",
    "lat_e6",
    "lng_e6",
    "created_by",
    "created_at",
    "updated_at",
    "response_due_at",
    "resolve_due_at",
    "warn_at",
    "warned",
    "next_check_at",
    "overdue",
    "overdue_count",
    "escalations",
    "sensitive",
    "reporter_seal",
];

const EVENT_COLS: &[&str] = &[
    "appeal_id",
    "at",
    "action",
    "actor_user_id",
    "actor_name",
    "from_status",
    "to_status",
    "level",
    "note",
    "data",
    "deltas",
    "rolled",
];

const OUTBOX_COLS: &[&str] =
    &["id", "channel_id", "appeal_id", "event", "payload", "status", "attempts", "next_attempt_at", "created_at"];

fn appeal_values(f: &Filing, number: i64) -> Vec<Value> {
    let a = &f.row;
    vec![
        a.id.into(),
        number.into(),
        a.version.into(),
        a.status.as_str().into(),
        Value::from(a.is_open),
        a.channel.clone().into(),
        a.category_code.clone().into(),
        a.category_version.into(),
        a.urgency.clone().into(),
        a.territory_id.into(),
        a.path.clone().into(),
        a.handler_level.as_str().into(),
        a.handler_id.into(),
        a.handler_path.clone().into(),
        a.department.clone().into(),
        a.reporter_person_id.into(),
        a.reporter_user_id.into(),
        a.reporter_name.clone().into(),
        a.reporter_phone_enc.clone().into(),
        Value::from(a.anonymous),
        f.track_hash.clone().into(),
        a.title.clone().into(),
        a.description.clone().into(),
        a.address.clone().into(),
        a.lat_e6.into(),
        a.lng_e6.into(),
        f.created_by.into(),
        a.created_at.into(),
        a.updated_at.into(),
        a.response_due_at.into(),
        a.resolve_due_at.into(),
        a.warn_at.into(),
        Value::from(a.warned),
        a.next_check_at.into(),
        Value::from(a.overdue),
        a.overdue_count.into(),
        a.escalations.into(),
        Value::from(a.sensitive),
        f.reporter_seal.clone().into(),
    ]
}

/// The candidates for every filing of the batch, in one statement.
async fn duplicate_candidates(tx: &mut crate::Tx, filings: &[&Filing]) -> Result<Vec<AppealRow>> {
    let mut groups: Vec<(Uuid, &str)> = Vec::new();
    for f in filings {
        for p in &f.dup_places {
            if !groups.contains(&(*p, f.row.category_code.as_str())) {
                groups.push((*p, &f.row.category_code));
            }
        }
    }
    let Some(earliest) = filings.iter().map(|f| f.row.created_at).min() else { return Ok(vec![]) };
    if groups.is_empty() {
        return Ok(vec![]);
    }
    let (sql, vals) = duplicates::candidates_sql(&groups, duplicates::since(earliest));
    crate::batch::fetch_all_tx(tx, &sql, &vals).await
}

async fn write_batch(store: &Store, filings: &[&Filing]) -> Result<Vec<Written>> {
    let n = filings.len() as i64;
    let mut tx = store.begin().await?;
    let last: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO counters (name, value) VALUES ('appeal', $1)
         ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value"
    )
    .bind(n)
    .fetch_one(c)
    .await?);
    let numbers: Vec<i64> = (last - n + 1..=last).collect();
    let appeals: Vec<Vec<Value>> = filings.iter().zip(&numbers).map(|(f, n)| appeal_values(f, *n)).collect();
    insert_rows(&mut tx, "appeals", APPEAL_COLS, &appeals, "").await?;
    let events: Vec<Vec<Value>> = filings
        .iter()
        .map(|f| {
            vec![
                f.row.id.into(),
                f.row.created_at.into(),
                "create".into(),
                f.created_by.into(),
                f.actor_name.clone().into(),
                Value::Text(None),
                "new".into(),
                f.row.handler_level.as_str().into(),
                "".into(),
                f.event_data.to_string().into(),
                f.deltas.clone().into(),
                Value::from(false),
            ]
        })
        .collect();
    insert_rows(&mut tx, "appeal_events", EVENT_COLS, &events, "").await?;
    let objects: Vec<String> = numbers.iter().map(|n| format!("appeal {n}")).collect();
    let entries: Vec<(&AuditCtx, AuditEvent<'_>)> = filings
        .iter()
        .zip(&objects)
        .map(|(f, object)| {
            (
                &f.ctx,
                AuditEvent {
                    scope_path: &f.row.handler_path,
                    action: "appeal.create",
                    object: object.clone(),
                    summary: f.summary.clone(),
                    result: "ok",
                },
            )
        })
        .collect();
    audit::append_many(&mut tx, entries).await?;
    let mut outbox: Vec<Vec<Value>> = Vec::new();
    for (f, number) in filings.iter().zip(&numbers) {
        for (channel, payload) in &f.outbox {
            let mut p = payload.clone();
            p["appeal"] = serde_json::json!(number.to_string());
            outbox.push(vec![
                new_id().into(),
                (*channel).into(),
                f.row.id.into(),
                "create".into(),
                p.to_string().into(),
                "pending".into(),
                0i64.into(),
                f.row.created_at.into(),
                f.row.created_at.into(),
            ]);
        }
    }
    insert_rows(&mut tx, "outbox", OUTBOX_COLS, &outbox, "").await?;
    let candidates = duplicate_candidates(&mut tx, filings).await?;
    tx.commit().await?;
    Ok(filings
        .iter()
        .zip(numbers)
        .map(|(f, n)| (n, duplicates::likely(&f.row, &f.dup_places, &f.viewer, &candidates)))
        .collect())
}

async fn run(store: Store, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        store.intake.writing.store(true, std::sync::atomic::Ordering::Release);
        let filings: Vec<&Filing> = jobs.iter().map(|j| &j.0).collect();
        match write_batch(&store, &filings).await {
            Ok(written) => {
                for ((_, reply), w) in jobs.into_iter().zip(written) {
                    let _ = reply.send(Ok(w));
                }
            }
            Err(e) if jobs.len() == 1 => {
                if let Some((_, reply)) = jobs.pop() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(_) => {
                for (f, reply) in jobs {
                    let r = write_batch(&store, &[&f])
                        .await
                        .and_then(|mut v| v.pop().ok_or_else(|| StoreError::Other(anyhow::anyhow!("nothing written"))));
                    let _ = reply.send(r);
                }
            }
        }
        store.intake.writing.store(false, std::sync::atomic::Ordering::Release);
    }
}

impl Store {
    /// Waits (up to `within`) until no filing is waiting for the writer: the stop drains it.
    pub async fn drain_intake(&self, within: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        while self.intake.queued() > 0 || self.intake.writing.load(std::sync::atomic::Ordering::Acquire) {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        true
    }

    /// Hands a filing to the writer and waits until it is committed; returns its number and
    /// likely duplicates.
    pub(crate) async fn write_filing(&self, f: Filing) -> Result<Written> {
        let sender = self.intake.sender.get_or_init(|| {
            let (tx, rx) = mpsc::channel(self.intake.capacity.load(std::sync::atomic::Ordering::Relaxed));
            tokio::spawn(run(self.clone(), rx));
            tx
        });
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Other(anyhow::anyhow!("the appeal writer has stopped"));
        sender.try_send((f, reply)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                StoreError::Busy("诉求登记排队已满，请稍后重试 (too many filings waiting; try again shortly)".into())
            }
            mpsc::error::TrySendError::Closed(_) => stopped(),
        })?;
        answer.await.map_err(|_| stopped())?
    }
}
