//! The figures of grid work, from records, for a subtree and a period — defined here once for
//! the dashboards, the territory statistics and `jiayuan stats --json`:
//!
//! - `grid_visits`: visits (to households and places) made in the period;
//! - `households_unvisited`: households of the subtree not visited within the district's
//!   period (`grid_visit_rules`, 90 days unless set) before the period's end — never visited,
//!   or last visited longer ago (a period still running, or all time, is measured as of now). (Special-care households' shorter frequencies show on each
//!   grid's round; this figure holds every household to the same period.)

use crate::batch::fetch_all;
use crate::subtree::Subtree;
use crate::{Result, Store};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GridFigures {
    pub grid_visits: i64,
    pub households_unvisited: i64,
}

impl Store {
    /// The grid-work figures of one subtree over one period.
    pub async fn grid_figures(&self, within: &Subtree, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<GridFigures> {
        let period = self.visit_rules().await?.period_days;
        let [lo, hi] = within.bounds();
        // A period still running (or all time) is measured as of now.
        let asof = to.min(Utc::now());
        let since = asof - Duration::days(period);
        let rows: Vec<(i64, i64, i64)> = fetch_all(
            &self.db,
            "SELECT
               CAST((SELECT count(*) FROM grid_visits v WHERE v.path >= $1 AND v.path < $2 AND v.visited_at >= $3 AND v.visited_at < $4) AS BIGINT),
               CAST((SELECT count(*) FROM households h WHERE h.path >= $1 AND h.path < $2) AS BIGINT),
               CAST((SELECT count(DISTINCT v.household_id) FROM grid_visits v WHERE v.path >= $1 AND v.path < $2
                     AND v.visited_at >= $5 AND v.visited_at < $6 AND v.household_id IS NOT NULL) AS BIGINT)",
            &[lo, hi, from.into(), to.into(), since.into(), asof.into()],
        )
        .await?;
        let (visits, households, covered) = rows.first().copied().unwrap_or((0, 0, 0));
        Ok(GridFigures { grid_visits: visits, households_unvisited: (households - covered).max(0) })
    }
}
