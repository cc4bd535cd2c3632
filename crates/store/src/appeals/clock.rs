//! The clock: warnings before a deadline, overdue marking, and escalation to the next level
//! when overdue. "Now" is passed in, so tests drive it; the server calls this every few
//! seconds. Each appeal's next look is stored (`next_check_at`), so after downtime one run
//! catches up exactly once on what fell due meanwhile: an appeal long overdue is marked
//! and escalated once, with fresh limits from the time of catching up.

use super::effects::{move_to, node_above, Changes};
use super::{AppealRow, APPEAL_COLS};
use crate::batch::{exec, fetch_all, fetch_optional, Value};
use crate::{Result, Store};
use chrono::{DateTime, Duration, Utc};
use jiayuan_domain::appeal::measure::Counter;
use jiayuan_domain::appeal::{Action, Status};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClockReport {
    pub warned: usize,
    pub overdue: usize,
    pub escalated: usize,
    /// Appeals the clock could not move (e.g. a deadline in a year without calendar data);
    /// they are looked at again an hour later.
    pub failed: usize,
}

const CLOCK: &str = "系统计时";

impl Store {
    /// Does everything that has fallen due by `now`.
    pub async fn run_appeal_clock(&self, now: DateTime<Utc>) -> Result<ClockReport> {
        let mut report = ClockReport::default();
        loop {
            let due: Vec<(Uuid,)> = fetch_all(
                &self.db,
                "SELECT id FROM appeals WHERE next_check_at IS NOT NULL AND next_check_at <= $1 ORDER BY next_check_at LIMIT 200",
                &[now.into()],
            )
            .await?;
            if due.is_empty() {
                break;
            }
            for (id,) in due {
                if let Err(e) = self.clock_one(id, now, &mut report).await {
                    tracing::warn!(appeal = %id, error = %e, "clock could not move an appeal");
                    report.failed += 1;
                    let mut tx = self.begin().await?;
                    exec(
                        &mut tx,
                        "UPDATE appeals SET next_check_at = $1 WHERE id = $2",
                        &[(now + Duration::hours(1)).into(), id.into()],
                    )
                    .await?;
                    tx.commit().await?;
                }
            }
        }
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO clock_state (name, at) VALUES ('appeals', $1) ON CONFLICT (name) DO UPDATE SET at = excluded.at",
            &[now.into()],
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// When the clock last ran, if ever.
    /// How many appeals there are, and how many of them are open (for the operator).
    pub async fn appeal_totals(&self) -> Result<(i64, i64)> {
        let all = crate::batch::fetch_i64(&self.db, "SELECT count(*) FROM appeals", &[]).await?;
        let open = crate::batch::fetch_i64(&self.db, "SELECT count(*) FROM appeals WHERE is_open = TRUE", &[]).await?;
        Ok((all, open))
    }

    pub async fn appeal_clock_last_run(&self) -> Result<Option<DateTime<Utc>>> {
        let r: Option<(DateTime<Utc>,)> =
            fetch_optional(&self.db, "SELECT at FROM clock_state WHERE name = 'appeals'", &[]).await?;
        Ok(r.map(|x| x.0))
    }

    async fn clock_one(&self, id: Uuid, now: DateTime<Utc>, report: &mut ClockReport) -> Result<()> {
        let cfg = self.appeal_config().await?;
        let sql = format!("SELECT {APPEAL_COLS} FROM appeals a WHERE a.id = $1");
        let Some(a): Option<AppealRow> = fetch_optional(&self.db, &sql, &[id.into()]).await? else { return Ok(()) };
        if a.next_check_at.is_none_or(|t| t > now) {
            return Ok(()); // someone acted meanwhile
        }
        let status = a.status();
        // Read before the transaction: a read through the pool while it holds a connection
        // would wait for a free one (on a pool of one, for ever).
        let above = if status.clock_runs() && now >= a.current_due() { node_above(self, &a).await? } else { None };
        let mut tx = self.begin().await?;
        if !status.clock_runs() {
            exec(&mut tx, "UPDATE appeals SET next_check_at = NULL WHERE id = $1", &[id.into()]).await?;
            return tx.commit().await;
        }
        let due = a.current_due();
        if now >= due {
            let mut c = Changes::default();
            c.set("overdue", true);
            c.set("overdue_count", a.overdue_count + 1);
            c.set("next_check_at", Value::Ts(None));
            c.deltas.add(Counter::Overdue, 1);
            c.data.insert("due".into(), json!(due));
            c.data.insert("which".into(), json!(if status == Status::New { "response" } else { "resolution" }));
            self.write_transition(&mut tx, &cfg, &a, Action::Overdue, status, c, None, CLOCK, "", now).await?;
            report.overdue += 1;
            if let Some((level, node)) = above {
                let mut moved = a.clone();
                moved.version += 1;
                moved.overdue = true;
                let mut c = Changes::default();
                move_to(&cfg, &moved, &mut c, level, &node, now)?;
                c.set("escalations", a.escalations + 1);
                c.deltas.add(Counter::Escalated, 1);
                c.data.insert("automatic".into(), json!(true));
                let note = "超期未办，自动上报上一级 (overdue: escalated automatically)";
                self.write_transition(&mut tx, &cfg, &moved, Action::Escalate, Status::New, c, None, CLOCK, note, now)
                    .await?;
                report.escalated += 1;
            }
        } else if now >= a.warn_at && !a.warned {
            let mut c = Changes::default();
            c.set("warned", true);
            c.set("next_check_at", due);
            c.data.insert("due".into(), json!(due));
            self.write_transition(&mut tx, &cfg, &a, Action::Warn, status, c, None, CLOCK, "", now).await?;
            report.warned += 1;
        } else {
            let next = if a.warned { due } else { a.warn_at };
            exec(&mut tx, "UPDATE appeals SET next_check_at = $1 WHERE id = $2", &[next.into(), id.into()]).await?;
        }
        tx.commit().await
    }
}
