//! Registrations under a rush. Every registration takes its place on the activity's row, so
//! registrations for one activity queue on that row; on PostgreSQL each then waits for the one
//! before it to commit (and flush its log) before it may even start. So registrations go to
//! one writer task, which takes whatever has queued (up to 200) and writes them in one
//! transaction, each under its own savepoint: one refused registration (a second by the same
//! person) is rolled back alone and answered with its error, the others commit together. Each
//! is answered only after the transaction that holds it has committed. The queue is bounded:
//! when it is full a registration is refused at once (503, try again).

use super::activities::register_in;
use crate::audit::AuditCtx;
use crate::batch::exec;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// Registrations written together at most.
const BATCH: usize = 200;
/// Registrations that may wait for the writer.
const CAPACITY: usize = 8192;

/// One registration to write: checked already, its place decided by the writer.
pub(crate) struct Job {
    pub ctx: AuditCtx,
    pub activity: Uuid,
    pub path: String,
    pub person: Uuid,
    pub now: DateTime<Utc>,
}

type Queued = (Job, oneshot::Sender<Result<Uuid>>);

/// The sending side of the writer, started on first use.
#[derive(Debug, Default)]
pub struct RegistrationQueue {
    sender: std::sync::OnceLock<mpsc::Sender<Queued>>,
}

async fn run(store: Store, mut rx: mpsc::Receiver<Queued>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let (jobs, replies): (Vec<Job>, Vec<_>) = jobs.into_iter().unzip();
        match write_batch(&store, &jobs).await {
            Ok(results) => {
                for (reply, r) in replies.into_iter().zip(results) {
                    let _ = reply.send(r);
                }
            }
            Err(e) => {
                // The batch as a whole failed (the commit): every registration in it is told.
                let message = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Other(anyhow::anyhow!("{message}"))));
                }
            }
        }
    }
}

async fn write_batch(store: &Store, jobs: &[Job]) -> Result<Vec<Result<Uuid>>> {
    let mut tx = store.begin().await?;
    let mut out = Vec::with_capacity(jobs.len());
    for j in jobs {
        exec(&mut tx, "SAVEPOINT registration", &[]).await?;
        match register_in(&mut tx, &j.ctx, j.activity, &j.path, j.person, j.now).await {
            Ok(id) => {
                exec(&mut tx, "RELEASE SAVEPOINT registration", &[]).await?;
                out.push(Ok(id));
            }
            Err(e) => {
                exec(&mut tx, "ROLLBACK TO SAVEPOINT registration", &[]).await?;
                exec(&mut tx, "RELEASE SAVEPOINT registration", &[]).await?;
                out.push(Err(e));
            }
        }
    }
    tx.commit().await?;
    Ok(out)
}

impl Store {
    /// Hands a registration to the writer and waits until it is committed.
    pub(crate) async fn queue_registration(&self, job: Job) -> Result<Uuid> {
        let sender = self.registrations.sender.get_or_init(|| {
            let (tx, rx) = mpsc::channel(CAPACITY);
            tokio::spawn(run(self.clone(), rx));
            tx
        });
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Other(anyhow::anyhow!("the registration writer has stopped"));
        sender.try_send((job, reply)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                StoreError::Busy("报名排队已满，请稍后重试 (too many registrations waiting; try again shortly)".into())
            }
            mpsc::error::TrySendError::Closed(_) => stopped(),
        })?;
        answer.await.map_err(|_| stopped())?
    }
}
