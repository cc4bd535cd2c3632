//! The district screen (大屏): one board of a district, subdistrict or community as it stands
//! now — today's and this month's figures with the three rates, open and overdue appeals
//! on each grid, the places below ranked, and the latest appeal events. Read-only: the
//! figures come from the rollups (folded by the appeal clock, or by the screen's own watcher
//! just before it reads), the open and overdue counts live from the appeals.
//!
//! The screen counts open appeals where they are (`path`), so that the map, the rankings
//! and the headline agree; the dashboard's "open now" counts them by who handles them.

use crate::access::Principal;
use crate::appeals::rollup::month_of;
use crate::appeals::{beijing, path_prefixes};
use crate::batch::{fetch_all, fetch_i64, fetch_text_ints, QueryParts};
use crate::model::Territory;
use crate::subtree::Subtree;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::appeal::measure::{Counter, Counts, Rate};
use serde::Serialize;
use std::collections::HashMap;

/// How many of the latest events the board carries.
pub const EVENTS: i64 = 15;

/// A place whose board the account may see: only [`Store::screen_place`] makes one, so a
/// board cannot be read without the check.
#[derive(Debug, Clone)]
pub struct ScreenPlace {
    territory: Territory,
}

impl ScreenPlace {
    pub fn territory(&self) -> &Territory {
        &self.territory
    }
}

/// Figures of a period from the rollups.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PeriodFigures {
    pub received: i64,
    pub resolved: i64,
    pub escalated: i64,
    /// Appeals that went past their time limit in the period.
    pub overdue: i64,
    pub response_rate: Option<f64>,
    pub resolution_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
}

impl PeriodFigures {
    fn of(c: &Counts, cfg: &crate::appeals::config::AppealConfig) -> Self {
        PeriodFigures {
            received: c.get(Counter::Received),
            resolved: c.get(Counter::Resolved),
            escalated: c.get(Counter::Escalated),
            overdue: c.get(Counter::Overdue),
            response_rate: cfg.formula(Rate::Response).eval(c),
            resolution_rate: cfg.formula(Rate::Resolution).eval(c),
            satisfaction_rate: cfg.formula(Rate::Satisfaction).eval(c),
        }
    }

    pub fn rate(&self, r: Rate) -> Option<f64> {
        match r {
            Rate::Response => self.response_rate,
            Rate::Resolution => self.resolution_rate,
            Rate::Satisfaction => self.satisfaction_rate,
        }
    }
}

/// A place below in a ranking.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlaceState {
    pub code: String,
    pub name: String,
    #[serde(skip)]
    pub path: String,
    /// Open appeals there now, and how many of them are overdue.
    pub open: i64,
    pub overdue_now: i64,
    pub month: PeriodFigures,
}

/// The places of one kind below, best first: by this month's resolution rate, then the
/// most received, then the code.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Ranking {
    /// `subdistrict`, `community` or `compound`.
    pub kind: String,
    pub places: Vec<PlaceState>,
}

/// A grid on the map with what is open on it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GridState {
    pub code: String,
    pub name: String,
    /// GeoJSON, when the grid has been drawn (not in the API's board: the territory pages
    /// and API carry the shapes).
    #[serde(skip)]
    pub geometry: Option<String>,
    pub open: i64,
    pub overdue: i64,
}

/// One appeal event: what happened, to which appeal (by number and category, never the
/// resident's words), and where (the place below it is in).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScreenEvent {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub level: String,
    pub number: i64,
    pub category_code: String,
    pub place: String,
}

/// The board as it stands at `at`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Board {
    pub code: String,
    pub name: String,
    pub at: DateTime<Utc>,
    /// Today in Beijing, and the first day of this month.
    pub day: NaiveDate,
    pub month_from: NaiveDate,
    /// The newest appeal event the board has seen.
    pub seq: i64,
    pub today: PeriodFigures,
    pub month: PeriodFigures,
    pub open_now: i64,
    pub overdue_now: i64,
    pub rankings: Vec<Ranking>,
    pub grids: Vec<GridState>,
    pub events: Vec<ScreenEvent>,
}

/// An event as read: seq, at, action, level, appeal number, category, the appeal's path.
type EventRow = (i64, DateTime<Utc>, String, String, i64, String, String);

/// The kinds ranked below a place: the two levels under it, not below compounds.
fn ranked_kinds(kind: &str) -> &'static [&'static str] {
    match kind {
        "district" => &["subdistrict", "community"],
        "subdistrict" => &["community", "compound"],
        "community" => &["compound"],
        _ => &[],
    }
}

/// Ranks places: the best resolution rate first (none last), then the most received, then
/// the code — a total order, so that equal boards draw alike.
pub fn rank(places: &mut [PlaceState]) {
    places.sort_by(|a, b| {
        b.month
            .resolution_rate
            .unwrap_or(-1.0)
            .total_cmp(&a.month.resolution_rate.unwrap_or(-1.0))
            .then(b.month.received.cmp(&a.month.received))
            .then(a.code.cmp(&b.code))
    });
}

/// Which of `paths` (sorted) holds `path` most closely: the longest prefix.
fn holder<'a>(paths: &'a [String], path: &str) -> Option<&'a str> {
    path_prefixes(path).into_iter().rev().find_map(|p| paths.binary_search(&p).ok().map(|i| paths[i].as_str()))
}

impl Store {
    /// The place of a board: a district, subdistrict or community the account sees appeals of.
    pub async fn screen_place(&self, who: &Principal, code: &str) -> Result<ScreenPlace> {
        let scope = who.scope(Permission::ViewAppeals).map_err(|_| StoreError::Forbidden(Permission::ViewAppeals))?;
        let t = self.territory_in(&scope, code).await?;
        if ranked_kinds(&t.kind).is_empty() {
            return Err(StoreError::invalid(
                "within",
                "大屏按区、街道或社区显示 (the screen shows a district, subdistrict or community)",
            ));
        }
        Ok(ScreenPlace { territory: t })
    }

    /// The newest appeal event, and how many events wait to be folded into the rollups: the
    /// board is out of date when either moved.
    pub async fn appeal_event_mark(&self) -> Result<(i64, i64)> {
        let newest = fetch_i64(&self.db, "SELECT COALESCE(MAX(seq), 0) FROM appeal_events", &[]).await?;
        let unrolled = fetch_i64(&self.db, "SELECT count(*) FROM appeal_events WHERE rolled = FALSE", &[]).await?;
        Ok((newest, unrolled))
    }

    /// The board of `place` at `now`.
    pub async fn screen_board(&self, place: &ScreenPlace, now: DateTime<Utc>) -> Result<Board> {
        let t = &place.territory;
        let within = Subtree::of(&t.path);
        let cfg = self.appeal_config().await?;
        let day = beijing(now).date();
        let month_from = month_of(day);
        let (seq, _) = self.appeal_event_mark().await?;

        // The places ranked, with the root among the nodes whose figures are read.
        let kinds = ranked_kinds(&t.kind);
        let mut q = QueryParts::default();
        let ks: Vec<String> = kinds.iter().map(|k| q.bind(k.to_string())).collect();
        q.cond(format!("kind IN ({})", ks.join(", ")));
        within.restrict(&mut q, "path");
        let rows: Vec<(String, String, String, String)> = fetch_all(
            &self.db,
            &format!("SELECT kind, code, name, path FROM territories{} ORDER BY path", q.where_clause()),
            &q.vals,
        )
        .await?;

        // This month's and today's counts of every node, from the daily rollups.
        let mut nodes: Vec<String> = rows.iter().map(|r| r.3.clone()).collect();
        nodes.push(t.path.clone());
        let tomorrow = day + Duration::days(1);
        let mut month: HashMap<String, Counts> = HashMap::new();
        let mut today: HashMap<String, Counts> = HashMap::new();
        for chunk in nodes.chunks(500) {
            for (from, into) in [(month_from, &mut month), (day, &mut today)] {
                let mut q = QueryParts::default();
                let ph: Vec<String> = chunk.iter().map(|n| q.bind(n.clone())).collect();
                q.cond(format!("node_path IN ({})", ph.join(", ")));
                q.cond_bind("day >= {}", from);
                q.cond_bind("day < {}", tomorrow);
                let sums: Vec<String> =
                    Counter::ALL.iter().map(|c| format!("CAST(sum({0}) AS BIGINT)", c.as_str())).collect();
                let sql = format!(
                    "SELECT node_path, {} FROM appeal_rollups{} GROUP BY node_path",
                    sums.join(", "),
                    q.where_clause()
                );
                for (keys, nums) in fetch_text_ints(&self.db, &sql, &q.vals, 1).await? {
                    let c = into.entry(keys[0].clone()).or_default();
                    for (slot, x) in c.0.iter_mut().zip(&nums) {
                        *slot += *x;
                    }
                }
            }
        }

        // Open appeals by where they are, credited to every ranked place and grid above them.
        let mut q = QueryParts::default();
        within.restrict(&mut q, "path");
        q.cond("is_open = TRUE".to_string());
        let open: Vec<(String, i64, i64)> = fetch_all(
            &self.db,
            &format!(
                "SELECT path, count(*), CAST(sum(CASE WHEN overdue THEN 1 ELSE 0 END) AS BIGINT) FROM appeals{} GROUP BY path",
                q.where_clause()
            ),
            &q.vals,
        )
        .await?;
        let mut q = QueryParts::default();
        within.restrict(&mut q, "path");
        let grid_rows: Vec<(String, String, String, Option<String>)> = fetch_all(
            &self.db,
            &format!("SELECT code, name, path, geometry FROM grids{} ORDER BY path, code", q.where_clause()),
            &q.vals,
        )
        .await?;
        let place_paths: Vec<String> = rows.iter().map(|r| r.3.clone()).collect();
        let mut grid_paths: Vec<String> = grid_rows.iter().map(|g| g.2.clone()).collect();
        grid_paths.dedup();
        let mut open_at: HashMap<String, (i64, i64)> = HashMap::new();
        let mut grid_open: HashMap<String, (i64, i64)> = HashMap::new();
        let (mut open_now, mut overdue_now) = (0, 0);
        for (path, n, late) in &open {
            open_now += n;
            overdue_now += late;
            for p in path_prefixes(path) {
                if place_paths.binary_search(&p).is_ok() {
                    let e = open_at.entry(p).or_default();
                    e.0 += n;
                    e.1 += late;
                }
            }
            if let Some(g) = holder(&grid_paths, path) {
                let e = grid_open.entry(g.to_string()).or_default();
                e.0 += n;
                e.1 += late;
            }
        }

        let mut rankings: Vec<Ranking> =
            kinds.iter().map(|k| Ranking { kind: k.to_string(), places: vec![] }).collect();
        for (kind, code, name, path) in &rows {
            let (o, late) = open_at.get(path).copied().unwrap_or_default();
            let place = PlaceState {
                code: code.clone(),
                name: name.clone(),
                path: path.clone(),
                open: o,
                overdue_now: late,
                month: PeriodFigures::of(&month.get(path).cloned().unwrap_or_default(), &cfg),
            };
            if let Some(r) = rankings.iter_mut().find(|r| &r.kind == kind) {
                r.places.push(place);
            }
        }
        for r in &mut rankings {
            rank(&mut r.places);
        }

        // A grid drawn over several places (one path) shares its open appeals among none:
        // each grid's count is of the appeals under its own path.
        let grids = grid_rows
            .into_iter()
            .map(|(code, name, path, geometry)| {
                let (open, overdue) = grid_open.get(&path).copied().unwrap_or_default();
                GridState { code, name, geometry, open, overdue }
            })
            .collect();

        // The latest events, each named by the deepest ranked place it lies in.
        let mut q = QueryParts::default();
        within.restrict(&mut q, "a.path");
        let events: Vec<EventRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT e.seq, e.at, e.action, e.level, a.number, a.category_code, a.path
                 FROM appeal_events e JOIN appeals a ON a.id = e.appeal_id{} ORDER BY e.seq DESC LIMIT {EVENTS}",
                q.where_clause()
            ),
            &q.vals,
        )
        .await?;
        let names: HashMap<&str, &str> = rows.iter().map(|r| (r.3.as_str(), r.2.as_str())).collect();
        let events = events
            .into_iter()
            .map(|(seq, at, action, level, number, category_code, path)| ScreenEvent {
                place: holder(&place_paths, &path)
                    .and_then(|p| names.get(p))
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| t.name.clone()),
                seq,
                at,
                action,
                level,
                number,
                category_code,
            })
            .collect();

        Ok(Board {
            code: t.code.clone(),
            name: t.name.clone(),
            at: now,
            day,
            month_from,
            seq,
            today: PeriodFigures::of(&today.get(&t.path).cloned().unwrap_or_default(), &cfg),
            month: PeriodFigures::of(&month.get(&t.path).cloned().unwrap_or_default(), &cfg),
            open_now,
            overdue_now,
            rankings,
            grids,
            events,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(code: &str, received: i64, resolution: Option<f64>) -> PlaceState {
        PlaceState {
            code: code.into(),
            name: code.into(),
            path: String::new(),
            open: 0,
            overdue_now: 0,
            month: PeriodFigures { received, resolution_rate: resolution, ..Default::default() },
        }
    }

    #[test]
    fn ranking_puts_the_best_rate_first_and_places_without_appeals_last() {
        let mut v =
            vec![place("c", 5, None), place("b", 3, Some(0.9)), place("a", 9, Some(0.9)), place("d", 1, Some(1.0))];
        rank(&mut v);
        let order: Vec<&str> = v.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(order, ["d", "a", "b", "c"]);
    }

    #[test]
    fn an_appeal_belongs_to_the_closest_place_above_it() {
        let paths = vec!["/1/".to_string(), "/1/2/".to_string(), "/1/3/".to_string()];
        assert_eq!(holder(&paths, "/1/2/5/"), Some("/1/2/"));
        assert_eq!(holder(&paths, "/1/4/"), Some("/1/"));
        assert_eq!(holder(&paths, "/9/"), None);
    }
}
