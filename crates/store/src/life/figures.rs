//! The figures of community life, from records, for a subtree and a period — defined here once
//! for the dashboard, the territory statistics and `jiayuan stats --json`:
//!
//! - `activities`: activities not called off that start in the period;
//! - `beneficiaries`: the people they served — those checked in plus those counted without
//!   names in the report;
//! - `volunteer_hours`: confirmed service in the period, in whole hours (minutes kept too);
//!   hours awaiting confirmation or turned down never count;
//! - `venture_projects`: projects applied for in the period that were approved (whatever
//!   they have become since);
//! - `golden_solutions`: solutions submitted in the period (and, apart, those promoted);
//! - `training_sessions` / `trainees`: activities of the training kinds (红心物业大讲堂) and the
//!   people they served, as for beneficiaries.
//!
//! Each figure is a range read on an index that starts with the path and the time, and all
//! the periods of a chart go to the database as one statement (`UNION ALL` of ranges), so
//! five years by month is one round trip per measure.

use crate::batch::{fetch_all, QueryParts};
use crate::subtree::{within_sql, Subtree};
use crate::{Result, Store};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LifeFigures {
    pub activities: i64,
    pub beneficiaries: i64,
    pub volunteer_hours: i64,
    pub volunteer_minutes: i64,
    pub venture_projects: i64,
    pub golden_solutions: i64,
    pub golden_solutions_promoted: i64,
    pub training_sessions: i64,
    pub trainees: i64,
}

/// One measure: its table, path and time columns, what it sums, and its condition.
struct Measure {
    table: &'static str,
    path: &'static str,
    at: &'static str,
    sum: &'static str,
    cond: &'static str,
}

const ACTIVITIES: Measure = Measure {
    table: "activities a",
    path: "a.path",
    at: "a.starts_at",
    sum: "a.checked_in + a.unnamed_beneficiaries",
    cond: "a.status <> 'cancelled'",
};
const TRAINING: Measure = Measure {
    table: "activities a",
    path: "a.path",
    at: "a.starts_at",
    sum: "a.checked_in + a.unnamed_beneficiaries",
    cond: "a.status <> 'cancelled' AND a.kind IN (SELECT code FROM activity_kinds WHERE training = TRUE)",
};
const VOLUNTEERING: Measure = Measure {
    table: "volunteer_records r",
    path: "r.path",
    at: "r.served_at",
    sum: "r.minutes",
    cond: "r.status = 'confirmed'",
};
const PROJECTS: Measure = Measure {
    table: "venture_projects p",
    path: "p.path",
    at: "p.applied_at",
    sum: "0",
    cond: "p.status <> 'applied'",
};
const SOLUTIONS: Measure =
    Measure { table: "golden_solutions s", path: "s.path", at: "s.submitted_at", sum: "0", cond: "1 = 1" };
const PROMOTED: Measure = Measure {
    table: "golden_solutions s",
    path: "s.path",
    at: "s.promoted_at",
    sum: "0",
    cond: "s.status = 'promoted'",
};

/// A range to count over: a subtree and a half-open period.
pub type Span<'a> = (&'a Subtree, DateTime<Utc>, DateTime<Utc>);

impl Store {
    /// Count and sum of one measure over each span, in the spans' order.
    async fn measure(&self, m: &Measure, spans: &[Span<'_>]) -> Result<Vec<(i64, i64)>> {
        if spans.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryParts::default();
        let mut parts = Vec::with_capacity(spans.len());
        for (i, (within, from, to)) in spans.iter().enumerate() {
            let (lo, hi) = within.bind(&mut q);
            let (f, t) = (q.bind(*from), q.bind(*to));
            parts.push(format!(
                "SELECT CAST({i} AS BIGINT), CAST(count(*) AS BIGINT), CAST(COALESCE(sum({}), 0) AS BIGINT) FROM {} \
                 WHERE {} AND {at} >= {f} AND {at} < {t} AND {}",
                m.sum,
                m.table,
                within_sql(m.path, &lo, &hi),
                m.cond,
                at = m.at,
            ));
        }
        let rows: Vec<(i64, i64, i64)> = fetch_all(&self.db, &parts.join(" UNION ALL "), &q.vals).await?;
        let mut out = vec![(0, 0); spans.len()];
        for (i, n, s) in rows {
            if let Some(o) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
                *o = (n, s);
            }
        }
        Ok(out)
    }

    /// The figures of each span, in order.
    pub async fn life_figures_by(&self, spans: &[Span<'_>]) -> Result<Vec<LifeFigures>> {
        let (acts, training, vol, projects, solutions, promoted) = tokio::try_join!(
            self.measure(&ACTIVITIES, spans),
            self.measure(&TRAINING, spans),
            self.measure(&VOLUNTEERING, spans),
            self.measure(&PROJECTS, spans),
            self.measure(&SOLUTIONS, spans),
            self.measure(&PROMOTED, spans),
        )?;
        Ok((0..spans.len())
            .map(|i| LifeFigures {
                activities: acts[i].0,
                beneficiaries: acts[i].1,
                volunteer_minutes: vol[i].1,
                volunteer_hours: vol[i].1 / 60,
                venture_projects: projects[i].0,
                golden_solutions: solutions[i].0,
                golden_solutions_promoted: promoted[i].0,
                training_sessions: training[i].0,
                trainees: training[i].1,
            })
            .collect())
    }

    /// The figures of one subtree over one period.
    pub async fn life_figures(&self, within: &Subtree, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<LifeFigures> {
        Ok(self.life_figures_by(&[(within, from, to)]).await?.pop().unwrap_or_default())
    }

    /// Activities and the people they served by kind, over a subtree and period (code, name,
    /// activities, beneficiaries), the most first.
    pub async fn activities_by_kind(
        &self,
        within: &Subtree,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(String, String, i64, i64)>> {
        let mut q = QueryParts::default();
        let cond = within.sql(&mut q, "a.path");
        let (f, t) = (q.bind(from), q.bind(to));
        let sql = format!(
            "SELECT k.code, k.name, CAST(count(a.id) AS BIGINT), CAST(COALESCE(sum(a.checked_in + a.unnamed_beneficiaries), 0) AS BIGINT)
             FROM activities a JOIN activity_kinds k ON k.code = a.kind
             WHERE {cond} AND a.starts_at >= {f} AND a.starts_at < {t} AND a.status <> 'cancelled'
             GROUP BY k.code, k.name ORDER BY 3 DESC, k.code"
        );
        fetch_all(&self.db, &sql, &q.vals).await
    }
}
