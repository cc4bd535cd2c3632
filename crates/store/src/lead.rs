//! One server at a time for work that must not run twice at once (the appeal clock and the
//! rollup fold) when several servers share one PostgreSQL database.
//!
//! PostgreSQL: a session advisory lock, taken with `pg_try_advisory_lock` on a connection held
//! for the whole round and released on the same connection; a server that dies loses its
//! connection and with it the lock. If the round is cut short (a panic), the connection is
//! closed instead of going back to the pool with the lock still on it.
//! SQLite: one server per database file, which always leads.

use crate::{Db, Result, Store};
use std::future::Future;

/// The advisory lock keys, one per kind of work.
#[derive(Debug, Clone, Copy)]
pub enum Lead {
    /// The appeal clock and the rollup fold.
    AppealClock,
}

impl Lead {
    fn key(self) -> i64 {
        match self {
            // "jiayuan" clock: any fixed number unique in this database will do.
            Lead::AppealClock => 0x6A69_6179_0001,
        }
    }
}

/// Closes a connection that still holds the lock if the round did not finish.
struct Held(Option<sqlx::pool::PoolConnection<sqlx::Postgres>>);

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            drop(c.detach());
        }
    }
}

impl Store {
    /// Runs `round` if no other server is running `lead` now; `None` when another one is.
    pub async fn as_leader<F, T>(&self, lead: Lead, round: F) -> Result<Option<T>>
    where
        F: Future<Output = T>,
    {
        let Db::Postgres(pool) = &self.db else { return Ok(Some(round.await)) };
        let mut conn = pool.acquire().await?;
        let got: bool =
            sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(lead.key()).fetch_one(&mut *conn).await?;
        if !got {
            return Ok(None);
        }
        let mut held = Held(Some(conn));
        let out = round.await;
        if let Some(mut conn) = held.0.take() {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)").bind(lead.key()).execute(&mut *conn).await;
            if let Err(e) = unlocked {
                // Never hand a connection that may hold the lock back to the pool.
                drop(conn.detach());
                return Err(e.into());
            }
        }
        Ok(Some(out))
    }
}
