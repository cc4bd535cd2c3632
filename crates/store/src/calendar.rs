//! The working-day calendar in use: the bundled years, with the years an administrator has
//! imported on top (an imported year replaces a bundled one).

use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all};
use crate::{Result, Store};
use chrono::NaiveDate;
use jiayuan_domain::calendar::{DayKind, SpecialDay, WorkCalendar};
use serde_json::json;

impl Store {
    /// The bundled calendar merged with every imported year.
    pub async fn work_calendar(&self) -> Result<WorkCalendar> {
        let mut cal = WorkCalendar::bundled();
        let years: Vec<(i64,)> = fetch_all(&self.db, "SELECT year FROM calendar_years ORDER BY year", &[]).await?;
        if years.is_empty() {
            return Ok(cal);
        }
        let days: Vec<(NaiveDate, String, String)> =
            fetch_all(&self.db, "SELECT day, kind, name FROM calendar_days ORDER BY day", &[]).await?;
        let imported = WorkCalendar::from_parts(
            years.into_iter().map(|y| y.0 as i32),
            days.into_iter().map(|(date, kind, name)| SpecialDay {
                date,
                kind: if kind == "workday" { DayKind::Workday } else { DayKind::Holiday },
                name,
            }),
        );
        cal.merge(&imported);
        Ok(cal)
    }

    /// Stores the years of `cal`, replacing any earlier import of them, in one transaction
    /// with its audit entry. Returns the years written.
    pub async fn import_calendar(&self, ctx: &AuditCtx, cal: &WorkCalendar) -> Result<Vec<i32>> {
        let years: Vec<i32> = cal.years().collect();
        let mut tx = self.begin().await?;
        for y in &years {
            let (from, to) = (NaiveDate::from_ymd_opt(*y, 1, 1), NaiveDate::from_ymd_opt(*y, 12, 31));
            exec(&mut tx, "DELETE FROM calendar_days WHERE day >= $1 AND day <= $2", &[from.into(), to.into()]).await?;
            exec(&mut tx, "DELETE FROM calendar_years WHERE year = $1", &[i64::from(*y).into()]).await?;
            exec(
                &mut tx,
                "INSERT INTO calendar_years (year, imported_at) VALUES ($1, $2)",
                &[i64::from(*y).into(), chrono::Utc::now().into()],
            )
            .await?;
        }
        let days = cal.special_days();
        for d in &days {
            exec(
                &mut tx,
                "INSERT INTO calendar_days (day, kind, name) VALUES ($1, $2, $3)",
                &[d.date.into(), d.kind.as_str().into(), d.name.clone().into()],
            )
            .await?;
        }
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: "/",
                action: "calendar.import",
                object: "calendar".into(),
                summary: json!({"years": years, "days": days.len()}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(years)
    }
}
