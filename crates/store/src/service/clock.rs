//! The service clock: a warning at four fifths of a ticket's time and overdue at its deadline,
//! as for appeals. Each is written on the ticket (by 系统计时) and announced once through the
//! notification outbox to the channels over the ticket's point that want it, in the same
//! transaction. "Now" is passed in, so tests drive it; the server runs it with the appeal
//! clock. Each ticket's next look is stored (`next_check_at`), so after downtime one run
//! catches up once: a ticket long overdue is announced overdue, not warned first.

use super::rollup;
use crate::appeals::outbox::{SERVICE_OVERDUE, SERVICE_WARN};
use crate::batch::{exec, fetch_all};
use crate::{new_id, Result, Store, Tx};
use chrono::{DateTime, Utc};
use jiayuan_domain::service::TicketStatus;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ServiceClockReport {
    pub warned: usize,
    pub overdue: usize,
}

const CLOCK: &str = "系统计时";

type DueRow =
    (String, Option<DateTime<Utc>>, Option<DateTime<Utc>>, String, Option<DateTime<Utc>>, i64, String, String, String);

impl Store {
    /// Announces every warning and overdue that has fallen due by `now`.
    pub async fn run_service_clock(&self, now: DateTime<Utc>) -> Result<ServiceClockReport> {
        let mut report = ServiceClockReport::default();
        loop {
            let due: Vec<(Uuid,)> = fetch_all(
                &self.db,
                "SELECT id FROM service_tickets WHERE next_check_at IS NOT NULL AND next_check_at <= $1 ORDER BY next_check_at LIMIT 200",
                &[now.into()],
            )
            .await?;
            if due.is_empty() {
                break;
            }
            for (id,) in due {
                self.service_clock_one(id, now, &mut report).await?;
            }
        }
        Ok(report)
    }

    async fn service_clock_one(&self, id: Uuid, now: DateTime<Utc>, report: &mut ServiceClockReport) -> Result<()> {
        let cfg = self.appeal_config().await?;
        let mut tx = self.begin().await?;
        let rows: Vec<DueRow> = crate::batch::fetch_all_tx(
            &mut tx,
            "SELECT k.status, k.due_at, k.warn_at, k.alerted, k.next_check_at, k.number, k.item_name, k.path, p.name
             FROM service_tickets k JOIN service_points p ON p.id = k.point_id WHERE k.id = $1",
            &[id.into()],
        )
        .await?;
        let Some((status, due, warn, alerted, next, number, item_name, path, point_name)) = rows.into_iter().next()
        else {
            return Ok(());
        };
        if next.is_none_or(|t| t > now) {
            return Ok(()); // someone acted meanwhile
        }
        let status = TicketStatus::parse(&status).unwrap_or(TicketStatus::Received);
        let event = match (status.is_open(), due, warn) {
            (true, Some(d), _) if now >= d && alerted != "overdue" => Some(SERVICE_OVERDUE),
            (true, _, Some(w)) if now >= w && alerted.is_empty() => Some(SERVICE_WARN),
            _ => None,
        };
        if let Some(event) = event {
            let (kind, note) = if event == SERVICE_OVERDUE {
                report.overdue += 1;
                ("overdue", "已超过承诺时限 (past the committed time limit)")
            } else {
                report.warned += 1;
                ("warn", "承诺时限将到 (the time limit is near)")
            };
            exec(&mut tx, "UPDATE service_tickets SET alerted = $2 WHERE id = $1", &[id.into(), kind.into()]).await?;
            exec(
                &mut tx,
                "INSERT INTO service_ticket_events (ticket_id, seq, action, actor_id, actor_name, to_id, to_name, note, at)
                 VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM service_ticket_events WHERE ticket_id = $1), $2, NULL, $3, NULL, NULL, $4, $5)",
                &[id.into(), kind.into(), CLOCK.into(), note.into(), now.into()],
            )
            .await?;
            for ch in cfg
                .channels
                .iter()
                .filter(|c| path.starts_with(&c.path) && c.events.iter().any(|e| e == event || e == "*"))
            {
                let payload = json!({
                    "event": event,
                    "event_zh": if event == SERVICE_OVERDUE { "办件超期" } else { "办件临期" },
                    "ticket": number.to_string(),
                    "ticket_id": id,
                    "item_zh": item_name,
                    "point_zh": point_name,
                    "point_path": path,
                    "due": due.map(jiayuan_domain::time::iso),
                    "at": jiayuan_domain::time::iso(now),
                });
                exec(
                    &mut tx,
                    "INSERT INTO outbox (id, channel_id, appeal_id, event, payload, status, attempts, next_attempt_at, created_at)
                     VALUES ($1, $2, NULL, $3, $4, 'pending', 0, $5, $5)",
                    &[new_id().into(), ch.id.into(), event.into(), payload.to_string().into(), now.into()],
                )
                .await?;
            }
        }
        rollup::reorder(&mut tx, id).await?;
        tx.commit().await
    }
}

impl Store {
    /// Schedules every open ticket afresh as of `now` (what the upgrade to the clock does):
    /// a warning or deadline already past counts as announced.
    pub async fn schedule_service_clock(&self, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        schedule_after_upgrade(&mut tx, now).await?;
        tx.commit().await
    }
}

/// Schedules the open tickets of a database written before the clock: a warning or deadline
/// already past at `now` counts as announced (the desk shows it), the rest are looked at when
/// they fall due.
pub(crate) async fn schedule_after_upgrade(tx: &mut Tx, now: DateTime<Utc>) -> Result<()> {
    exec(
        tx,
        "UPDATE service_tickets SET alerted = CASE WHEN due_at <= $1 THEN 'overdue' WHEN warn_at <= $1 THEN 'warn' ELSE '' END
         WHERE status NOT IN ('completed', 'refused') AND due_at IS NOT NULL",
        &[now.into()],
    )
    .await?;
    exec(
        tx,
        "UPDATE service_tickets SET next_check_at = CASE alerted WHEN '' THEN warn_at WHEN 'warn' THEN due_at ELSE NULL END
         WHERE status NOT IN ('completed', 'refused') AND due_at IS NOT NULL",
        &[],
    )
    .await?;
    Ok(())
}
