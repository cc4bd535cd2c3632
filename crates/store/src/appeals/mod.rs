//! Residents' appeals in the database: intake with routing to the lowest level, the
//! timeline, the queue, and (in the submodules) the lifecycle, the clock, the rollups and
//! the notification outbox. The rules themselves are in `jiayuan_domain::appeal`.

pub mod bench;
pub mod clock;
pub mod config;
pub(crate) mod duplicates;
mod effects;
mod filing;
pub mod intake;
pub mod lifecycle;
pub mod outbox;
mod photos;
pub mod pickers;
mod queue;
mod referral;
pub mod rollup;
mod rows;
pub mod seal;
mod viewer;

pub use filing::{Filed, NewAppeal};
pub use queue::{AppealQuery, RecentEvent, COUNT_CAP};
pub use rows::{AppealRow, EventRow, PhotoRow, APPEAL_COLS};
pub use viewer::{Viewer, PROPERTY_CATEGORY};

use crate::access::{Principal, Scope};
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all, fetch_i64, fetch_optional, QueryParts, Value};
use crate::model::{Page, Paged};
use crate::territory::within_sql;
use crate::{new_id, Result, Store, StoreError, Tx};
use chrono::{DateTime, Duration, Utc};
use config::AppealConfig;
use jiayuan_domain::access::Permission;
use jiayuan_domain::appeal::limits::{self, TimeLimit};
use jiayuan_domain::appeal::measure::{Counter, Counts};
use jiayuan_domain::appeal::routing::{self, Rung};
use jiayuan_domain::appeal::{Action, Channel, Level, Status, Urgency};
use jiayuan_domain::{Phone, TerritoryKind};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

pub use jiayuan_domain::time::{beijing, from_beijing};

/// When `limit` runs out if it starts at `start`; a year without calendar data is an error
/// that names the calendar.
pub fn due_after(cfg: &AppealConfig, start: DateTime<Utc>, limit: TimeLimit) -> Result<DateTime<Utc>> {
    limits::deadline(beijing(start), limit, &cfg.calendar, &cfg.hours)
        .map(from_beijing)
        .map_err(|e| StoreError::invalid("calendar", e.to_string()))
}

pub fn warn_time(start: DateTime<Utc>, due: DateTime<Utc>) -> DateTime<Utc> {
    from_beijing(limits::warn_at(beijing(start), beijing(due)))
}

/// The path prefixes of a node's path, root first, including itself.
pub fn path_prefixes(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, ch) in path.char_indices().skip(1) {
        if ch == '/' {
            out.push(path[..=i].to_string());
        }
    }
    out
}

/// One event on the timeline, with its counter deltas for the rollups.
pub(crate) struct NewEvent<'a> {
    pub appeal_id: Uuid,
    pub at: DateTime<Utc>,
    pub action: Action,
    pub actor_user_id: Option<Uuid>,
    pub actor_name: &'a str,
    pub from: Option<Status>,
    pub to: Status,
    pub level: Level,
    pub note: &'a str,
    pub data: serde_json::Value,
    pub deltas: Counts,
}

pub(crate) async fn insert_event(tx: &mut Tx, e: NewEvent<'_>) -> Result<()> {
    exec(
        tx,
        "INSERT INTO appeal_events (appeal_id, at, action, actor_user_id, actor_name, from_status, to_status, level, note, data, deltas, rolled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, FALSE)",
        &[
            e.appeal_id.into(),
            e.at.into(),
            e.action.as_str().into(),
            e.actor_user_id.into(),
            e.actor_name.into(),
            e.from.map(|s| s.as_str().to_string()).into(),
            e.to.as_str().into(),
            e.level.as_str().into(),
            e.note.into(),
            e.data.to_string().into(),
            e.deltas.encode().into(),
        ],
    )
    .await?;
    Ok(())
}

/// The parent of a node's path (one segment fewer), or `None` at the root.
pub fn parent_path(path: &str) -> Option<String> {
    let p = path_prefixes(path);
    (p.len() >= 2).then(|| p[p.len() - 2].clone())
}
