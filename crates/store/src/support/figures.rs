//! The figures of the support system, from records, for a subtree and a period — defined
//! here once for the dashboards, the territory statistics and `jiayuan stats --json`:
//!
//! - `fund_income_fen`: posted income dated in the period, net of its reversals;
//! - `fund_spent_fen`: posted spending dated in the period, net of its reversals (spending
//!   waiting for approval, or not approved, never counts);
//! - `community_workers`: community workers recruited openly (公开招聘, kind `recruited`) into
//!   the subtree's communities, hired in the period — whether or not they serve still (the
//!   seed's "272 recruited").
//!
//! Entries are dated by the day (Beijing); a period counts the days its start and end fall on.

use crate::batch::{fetch_all, QueryParts};
use crate::subtree::Subtree;
use crate::{Result, Store};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SupportFigures {
    pub fund_income_fen: i64,
    pub fund_spent_fen: i64,
    pub community_workers: i64,
}

impl Store {
    /// The support figures of one subtree over one period.
    pub async fn support_figures(
        &self,
        within: &Subtree,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<SupportFigures> {
        let mut q = QueryParts::default();
        let cond = within.sql(&mut q, "e.path");
        let from_day = jiayuan_domain::time::beijing(from).date();
        let to_day = jiayuan_domain::time::beijing(to).date();
        let (f, t) = (q.bind(from_day), q.bind(to_day));
        let sql = format!(
            "SELECT e.direction, CAST(COALESCE(sum(e.amount_fen), 0) AS BIGINT) FROM fund_entries e
             WHERE {cond} AND e.occurred_on >= {f} AND e.occurred_on < {t} AND e.status = 'posted'
             GROUP BY e.direction"
        );
        let rows: Vec<(String, i64)> = fetch_all(&self.db, &sql, &q.vals).await?;
        let get = |d: &str| rows.iter().filter(|r| r.0 == d).map(|r| r.1).sum();
        let mut q = QueryParts::default();
        let cond = within.sql(&mut q, "w.path");
        let (f, t) = (q.bind(from_day), q.bind(to_day));
        let workers: Vec<(i64,)> = fetch_all(
            &self.db,
            &format!(
                "SELECT CAST(count(*) AS BIGINT) FROM community_workers w
                 WHERE {cond} AND w.kind = 'recruited' AND w.hired_on >= {f} AND w.hired_on < {t}"
            ),
            &q.vals,
        )
        .await?;
        Ok(SupportFigures {
            fund_income_fen: get("income"),
            fund_spent_fen: get("expense"),
            community_workers: workers.first().map_or(0, |w| w.0),
        })
    }
}
