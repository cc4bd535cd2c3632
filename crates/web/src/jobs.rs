//! The server's background work, started and stopped with it:
//!
//! - **appeal clock** (every 5 s): warnings, overdue marks and escalations, then the rollup
//!   fold; the first round runs at start and catches up on what fell due while the server was
//!   down. With several servers on one PostgreSQL database only one runs a round at a time
//!   (an advisory lock, `Store::as_leader`).
//! - **outbox sender** (every 2 s): claims due notifications (`FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL, so no message goes out twice) and delivers them.
//! - **intake writer**: started by the store on the first filing; its queue is bounded, and
//!   the stop waits until it is empty.
//!
//! Each round runs in a task of its own: a round that panics is logged and the job goes on
//! with the next round (supervision). [`Jobs::stop`] lets running rounds finish and ends the
//! loops.

use crate::state::AppState;
use jiayuan_store::lead::Lead;
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often each job runs.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub clock_every: Duration,
    pub outbox_every: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Self { clock_every: Duration::from_secs(5), outbox_every: Duration::from_secs(2) }
    }
}

/// The running jobs of one server.
pub struct Jobs {
    stop: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
    state: AppState,
}

impl Jobs {
    pub fn start(state: &AppState, schedule: Schedule) -> Self {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        let s = state.clone();
        tasks.push((
            "appeal clock",
            supervise("appeal clock", schedule.clock_every, stopped.clone(), move || {
                let s = s.clone();
                async move {
                    clock_round(&s).await;
                }
            }),
        ));
        let s = state.clone();
        let client = crate::notify::client();
        tasks.push((
            "outbox sender",
            supervise("outbox sender", schedule.outbox_every, stopped, move || {
                let (s, client) = (s.clone(), client.clone());
                async move { while crate::notify::deliver_due(&s, &client).await == 50 {} }
            }),
        ));
        Self { stop, tasks, state: state.clone() }
    }

    /// Ends the loops (a round in progress finishes) and waits for the intake writer to empty
    /// its queue; gives up waiting after `within`. Returns whether everything stopped in time.
    pub async fn stop(self, within: Duration) -> bool {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + within;
        let mut clean = true;
        for (name, task) in self.tasks {
            match tokio::time::timeout_at(deadline, task).await {
                Ok(_) => {}
                Err(_) => {
                    tracing::warn!(job = name, "background job still running at the stop");
                    clean = false;
                }
            }
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        clean && self.state.store.drain_intake(left).await
    }
}

/// Runs `round` every `every` until `stopped` turns true, each round in its own task.
fn supervise<F, Fut>(
    name: &'static str,
    every: Duration,
    mut stopped: watch::Receiver<bool>,
    round: F,
) -> JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopped.changed() => {}
            }
            if *stopped.borrow() {
                break;
            }
            if let Err(e) = tokio::spawn(round()).await {
                if e.is_panic() {
                    tracing::error!(job = name, "a round of a background job panicked; the job goes on");
                }
            }
        }
    })
}

/// One round of the appeal clock and the rollup fold, if this server leads; errors are
/// logged and retried next round. Returns whether this server ran it.
pub async fn clock_round(state: &AppState) -> bool {
    let ran = state
        .store
        .as_leader(Lead::AppealClock, async {
            match state.store.run_appeal_clock(state.clock.now()).await {
                Ok(r) if r.warned + r.overdue + r.escalated + r.failed > 0 => tracing::info!(
                    warned = r.warned,
                    overdue = r.overdue,
                    escalated = r.escalated,
                    failed = r.failed,
                    "appeal clock"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "appeal clock failed"),
            }
            // Service tickets near or past their time limit, announced once each.
            match state.store.run_service_clock(state.clock.now()).await {
                Ok(r) if r.warned + r.overdue > 0 => {
                    tracing::info!(warned = r.warned, overdue = r.overdue, "service clock")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "service clock failed"),
            }
            if let Err(e) = state.store.roll_up_all_appeals().await {
                tracing::warn!(error = %e, "appeal rollups failed");
            }
            // A property decision before the assembly is resolved once its vote has closed.
            match state.store.settle_closed_decisions(state.clock.now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(settled = n, "property decisions resolved by their votes"),
                Err(e) => tracing::warn!(error = %e, "settling property decisions failed"),
            }
        })
        .await;
    match ran {
        Ok(r) => r.is_some(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot take the appeal clock's lock");
            false
        }
    }
}

/// One round of the appeal clock and the rollups now (after the test clock moved).
pub async fn tick_once(state: &crate::state::AppState) {
    clock_round(state).await;
}
