//! Sessions kept in memory by token hash, so a signed-in request costs a map lookup; the
//! middleware in `auth` re-reads them from the database every 30 s.

use chrono::{DateTime, Utc};
use jiayuan_store::accounts::{token_hash, Session};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub(crate) struct Cached {
    pub(crate) session: Session,
    pub(crate) checked: Instant,
    pub(crate) touched: DateTime<Utc>,
}

/// Sessions kept in memory, by token hash.
#[derive(Default)]
pub struct SessionCache {
    pub(crate) map: Mutex<HashMap<String, Cached>>,
}

impl SessionCache {
    pub fn forget(&self, token: &str) {
        if let Ok(mut m) = self.map.lock() {
            m.remove(&token_hash(token));
        }
    }

    pub fn forget_user(&self, username: &str) {
        if let Ok(mut m) = self.map.lock() {
            m.retain(|_, c| c.session.principal.username != username);
        }
    }

    pub fn insert(&self, token: &str, session: Session) {
        if let Ok(mut m) = self.map.lock() {
            let touched = session.last_seen_at;
            m.insert(token_hash(token), Cached { session, checked: Instant::now(), touched });
        }
    }
}
