//! The server's notion of "now" for appeals.
//!
//! Normally the wall clock. Started with `serve --test-clock`, an administrator can set it
//! (`POST /api/v1/clock`), so browser tests can make an appeal overdue without waiting.

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

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
