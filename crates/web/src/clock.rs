//! The server's notion of "now" for appeals, and the background work that runs on it.
//!
//! Normally the wall clock. Started with `serve --test-clock`, an administrator can set it
//! (`POST /api/v1/clock`), so browser tests can make an appeal overdue without waiting.

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug, Default)]
pub struct AppClock {
    offset_ms: Arc<AtomicI64>,
    settable: bool,
}

impl AppClock {
    pub fn settable() -> Self {
        Self { offset_ms: Arc::default(), settable: true }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    pub fn is_settable(&self) -> bool {
        self.settable
    }

    /// Moves "now" to `t` (test clock only).
    pub fn set(&self, t: DateTime<Utc>) -> bool {
        if !self.settable {
            return false;
        }
        self.offset_ms.store((t - Utc::now()).num_milliseconds(), Ordering::Relaxed);
        true
    }
}

/// Runs the appeal clock and the rollup worker every `every` until the process ends. The
/// first run happens at once: that is the catch-up after downtime.
pub fn spawn_workers(state: crate::AppState, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            tick_once(&state).await;
        }
    });
}

/// One round of background work; errors are logged and retried next round.
pub async fn tick_once(state: &crate::AppState) {
    match state.store.run_appeal_clock(state.clock.now()).await {
        Ok(r) if r.warned + r.overdue + r.escalated + r.failed > 0 => {
            tracing::info!(
                warned = r.warned,
                overdue = r.overdue,
                escalated = r.escalated,
                failed = r.failed,
                "appeal clock"
            )
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "appeal clock failed"),
    }
    if let Err(e) = state.store.roll_up_all_appeals().await {
        tracing::warn!(error = %e, "appeal rollups failed");
    }
}
