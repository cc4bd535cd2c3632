//! Incremental rollups of the measures. Each timeline event carries its counter deltas;
//! the rollup worker folds unrolled events into per-node, per-day rows (for every node
//! from the district down to the building above the appeal's place) and marks them rolled
//! in the same transaction, so each event is counted exactly once. Dashboards read only
//! the rollups, however many appeals there are.

use super::{beijing, path_prefixes, Viewer};
use crate::batch::{exec, fetch_all, fetch_i64, fetch_text_ints, QueryParts, Value};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jiayuan_domain::appeal::measure::{Counter, Counts, Rate};
use jiayuan_domain::appeal::Level;
use serde::Serialize;
use std::collections::BTreeMap;

/// Rollups go down to the building (five path segments).
pub(super) const ROLLUP_DEPTH: usize = 5;

/// One rollup row's key.
pub type RollupKey = (String, NaiveDate, String, String);

/// Folds one event's deltas into the rows it touches. Pure, so the benchmark's generator
/// and the worker count alike.
pub fn fold(
    acc: &mut BTreeMap<RollupKey, Counts>,
    path: &str,
    day: NaiveDate,
    category: &str,
    level: &str,
    d: &Counts,
) {
    for node in path_prefixes(path).into_iter().take(ROLLUP_DEPTH) {
        acc.entry((node, day, category.to_string(), level.to_string())).or_default().merge(d);
    }
}

/// The daily rollups, and the monthly ones beside them (whose date is the month's first day).
pub(super) const DAILY: (&str, &str) = ("appeal_rollups", "day");
pub(super) const MONTHLY: (&str, &str) = ("appeal_rollups_monthly", "month");

fn upsert_sql((table, date): (&str, &str)) -> String {
    let cols: Vec<&str> = Counter::ALL.iter().map(|c| c.as_str()).collect();
    let ph: Vec<String> = (5..5 + cols.len()).map(|i| format!("${i}")).collect();
    let upd: Vec<String> = cols.iter().map(|c| format!("{c} = {table}.{c} + excluded.{c}")).collect();
    format!(
        "INSERT INTO {table} (node_path, {date}, category_code, level, {}) VALUES ($1, $2, $3, $4, {})
         ON CONFLICT (node_path, {date}, category_code, level) DO UPDATE SET {}",
        cols.join(", "),
        ph.join(", "),
        upd.join(", ")
    )
}

pub fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// Writes folded rows (adding to what is there), daily and monthly.
pub async fn write_rollups(tx: &mut crate::Tx, acc: &BTreeMap<RollupKey, Counts>) -> Result<()> {
    let mut months: BTreeMap<RollupKey, Counts> = BTreeMap::new();
    for ((node, day, cat, level), c) in acc {
        months.entry((node.clone(), month_of(*day), cat.clone(), level.clone())).or_default().merge(c);
    }
    for (grain, rows) in [(DAILY, acc), (MONTHLY, &months)] {
        let sql = upsert_sql(grain);
        for ((node, day, cat, level), c) in rows {
            let mut vals: Vec<Value> =
                vec![node.clone().into(), (*day).into(), cat.clone().into(), level.clone().into()];
            vals.extend(c.0.iter().map(|v| Value::Int(Some(*v))));
            exec(tx, &sql, &vals).await?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct MeasureQuery {
    /// A node (id or code) down to building level; default: the viewer's whole scope.
    pub within: Option<String>,
    pub from: NaiveDate,
    /// Exclusive.
    pub to: NaiveDate,
    pub category: Option<String>,
    pub level: Option<Level>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RateFigure {
    pub rate: Rate,
    pub value: Option<f64>,
    pub formula: String,
    pub formula_zh: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Measures {
    pub nodes: Vec<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(serialize_with = "ser_counts")]
    pub totals: Counts,
    pub rates: Vec<RateFigure>,
    pub average_handling_hours: Option<f64>,
    /// Share of resolutions settled at each level.
    pub settled: Vec<(Level, i64)>,
    #[serde(serialize_with = "ser_pairs")]
    pub by_category: Vec<(String, Counts)>,
    #[serde(serialize_with = "ser_pairs")]
    pub by_level: Vec<(String, Counts)>,
    /// Per day, or per month (dated the 1st) when the period is longer than two months.
    #[serde(serialize_with = "ser_days")]
    pub by_day: Vec<(NaiveDate, Counts)>,
    /// `day` or `month`: what each point of `by_day` covers.
    pub series: &'static str,
    /// Live, not rolled up: open appeals handled in the subtree, and how many are overdue.
    pub open_now: i64,
    pub overdue_now: i64,
}

fn counts_map(c: &Counts) -> BTreeMap<&'static str, i64> {
    Counter::ALL.iter().map(|k| (k.as_str(), c.get(*k))).collect()
}

fn ser_counts<S: serde::Serializer>(c: &Counts, s: S) -> std::result::Result<S::Ok, S::Error> {
    counts_map(c).serialize(s)
}

fn ser_pairs<S: serde::Serializer>(v: &[(String, Counts)], s: S) -> std::result::Result<S::Ok, S::Error> {
    v.iter().map(|(k, c)| (k.clone(), counts_map(c))).collect::<BTreeMap<_, _>>().serialize(s)
}

fn ser_days<S: serde::Serializer>(v: &[(NaiveDate, Counts)], s: S) -> std::result::Result<S::Ok, S::Error> {
    v.iter().map(|(k, c)| (k.to_string(), counts_map(c))).collect::<BTreeMap<_, _>>().serialize(s)
}

fn sums() -> String {
    Counter::ALL.iter().map(|c| format!("CAST(sum({0}) AS BIGINT) AS {0}", c.as_str())).collect::<Vec<_>>().join(", ")
}

fn next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

fn counts_of(v: &[i64]) -> Counts {
    let mut c = Counts::default();
    for (slot, x) in c.0.iter_mut().zip(v) {
        *slot = *x;
    }
    c
}

impl Store {
    /// Folds up to `batch` unrolled events into the rollups. Returns how many it folded.
    pub async fn roll_up_appeals(&self, batch: i64) -> Result<usize> {
        let _one_fold = self.rollup_lock.lock().await;
        let rows: Vec<(i64, DateTime<Utc>, String, String, String, String)> = fetch_all(
            &self.db,
            "SELECT e.seq, e.at, e.level, e.deltas, a.path, a.category_code FROM appeal_events e
             JOIN appeals a ON a.id = e.appeal_id WHERE e.rolled = FALSE ORDER BY e.seq LIMIT $1",
            &[batch.into()],
        )
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut acc: BTreeMap<RollupKey, Counts> = BTreeMap::new();
        for (_, at, level, deltas, path, cat) in &rows {
            let d = Counts::decode(deltas);
            if !d.is_zero() {
                fold(&mut acc, path, beijing(*at).date(), cat, level, &d);
            }
        }
        let mut tx = self.begin().await?;
        write_rollups(&mut tx, &acc).await?;
        for chunk in rows.chunks(500) {
            let mut q = QueryParts::default();
            let ph: Vec<String> = chunk.iter().map(|r| q.bind(r.0)).collect();
            exec(&mut tx, &format!("UPDATE appeal_events SET rolled = TRUE WHERE seq IN ({})", ph.join(",")), &q.vals)
                .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Fills the monthly rollups from the daily ones when they are empty and the daily ones
    /// are not (a database that had rollups before monthly ones existed).
    pub async fn backfill_monthly_rollups(&self) -> Result<()> {
        let monthly =
            fetch_i64(&self.db, "SELECT count(*) FROM (SELECT 1 FROM appeal_rollups_monthly LIMIT 1) x", &[]).await?;
        let daily = fetch_i64(&self.db, "SELECT count(*) FROM (SELECT 1 FROM appeal_rollups LIMIT 1) x", &[]).await?;
        if monthly > 0 || daily == 0 {
            return Ok(());
        }
        let month = match self.backend() {
            crate::Backend::Sqlite => "strftime('%Y-%m-01', day)",
            crate::Backend::Postgres => "CAST(date_trunc('month', day) AS DATE)",
        };
        let cols: Vec<&str> = Counter::ALL.iter().map(|c| c.as_str()).collect();
        let sums: Vec<String> = cols.iter().map(|c| format!("sum({c})")).collect();
        let sql = format!(
            "INSERT INTO appeal_rollups_monthly (node_path, month, category_code, level, {}) \
             SELECT node_path, {month}, category_code, level, {} FROM appeal_rollups GROUP BY node_path, {month}, category_code, level",
            cols.join(", "),
            sums.join(", ")
        );
        let mut tx = self.begin().await?;
        exec(&mut tx, &sql, &[]).await?;
        tx.commit().await
    }

    /// Folds everything outstanding.
    pub async fn roll_up_all_appeals(&self) -> Result<usize> {
        let mut n = 0;
        loop {
            let k = self.roll_up_appeals(5000).await?;
            if k == 0 {
                return Ok(n);
            }
            n += k;
        }
    }

    /// The measures for the viewer's scope (or one node in it), a period, and optionally
    /// a category subtree and a level. Reads only rollups, plus two live counts.
    pub async fn appeal_measures(&self, who: &Viewer, f: &MeasureQuery) -> Result<Measures> {
        self.measures(who, f, true).await
    }

    /// The measures from the rollups alone: `open_now` and `overdue_now` are left at 0 (the
    /// work report, which shows neither, need not count what is open).
    pub async fn appeal_rollup_measures(&self, who: &Viewer, f: &MeasureQuery) -> Result<Measures> {
        self.measures(who, f, false).await
    }

    async fn measures(&self, who: &Viewer, f: &MeasureQuery, live: bool) -> Result<Measures> {
        let scope = who.view.as_ref().ok_or(StoreError::Forbidden(jiayuan_domain::access::Permission::ViewAppeals))?;
        if f.from >= f.to {
            return Err(StoreError::invalid("to", "结束日期应晚于开始日期 (to must be after from)"));
        }
        if (f.to - f.from).num_days() > 3700 {
            return Err(StoreError::invalid("from", "统计区间不能超过十年 (at most ten years)"));
        }
        let nodes: Vec<String> = match f.within.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(r) => {
                let t = self
                    .territory_in(scope, r)
                    .await
                    .map_err(|_| StoreError::missing("within", format!("区域“{r}”不存在 (no such territory)")))?;
                if path_prefixes(&t.path).len() > ROLLUP_DEPTH {
                    return Err(StoreError::invalid("within", "统计到楼栋一级为止 (figures go down to buildings)"));
                }
                vec![t.path]
            }
            None if scope.is_everything() => {
                let r: Vec<(String,)> =
                    fetch_all(&self.db, "SELECT path FROM territories WHERE parent_id IS NULL", &[]).await?;
                r.into_iter().map(|x| x.0).collect()
            }
            None => scope
                .roots()
                .into_iter()
                .map(|p| path_prefixes(p).into_iter().take(ROLLUP_DEPTH).next_back().unwrap_or_default())
                .collect(),
        };
        // Whole months come from the monthly rollups, the days around them from the daily ones.
        let first_full = if f.from.day() == 1 { f.from } else { next_month(f.from) };
        let last_start = month_of(f.to);
        let mut parts: Vec<((&str, &str), NaiveDate, NaiveDate)> = Vec::new();
        if first_full < last_start {
            parts.push((DAILY, f.from, first_full));
            parts.push((MONTHLY, first_full, last_start));
            parts.push((DAILY, last_start, f.to));
        } else {
            parts.push((DAILY, f.from, f.to));
        }
        // A series by day for two months or less, else by month.
        let daily_series = (f.to - f.from).num_days() <= 62;
        let mut by_category: BTreeMap<String, Counts> = BTreeMap::new();
        let mut by_level: BTreeMap<String, Counts> = BTreeMap::new();
        let mut totals = Counts::default();
        let mut series: BTreeMap<NaiveDate, Counts> = BTreeMap::new();
        for ((table, date), lo, hi) in parts.into_iter().filter(|(_, lo, hi)| lo < hi) {
            let mut q = QueryParts::default();
            let ph: Vec<String> = nodes.iter().map(|n| q.bind(n.clone())).collect();
            q.cond(format!("node_path IN ({})", ph.join(",")));
            q.cond_bind(&format!("{date} >= {{}}"), lo);
            q.cond_bind(&format!("{date} < {{}}"), hi);
            if let Some(c) = f.category.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                let (eq, like) = (q.bind(c.to_string()), q.bind(format!("{}.%", crate::territory::escape_like(c))));
                q.cond(format!("(category_code = {eq} OR category_code LIKE {like} ESCAPE '\\')"));
            }
            if let Some(l) = f.level {
                q.cond_bind("level = {}", l.as_str());
            }
            let w = q.where_clause();
            let sql = format!("SELECT category_code, level, {} FROM {table}{w} GROUP BY category_code, level", sums());
            for (keys, nums) in fetch_text_ints(&self.db, &sql, &q.vals, 2).await? {
                let c = counts_of(&nums);
                by_category.entry(keys[0].clone()).or_default().merge(&c);
                by_level.entry(keys[1].clone()).or_default().merge(&c);
                totals.merge(&c);
            }
            // A daily series reads the daily rollups for the whole period (at most 62 days).
            let (table, date, w) = if daily_series && table == MONTHLY.0 {
                (DAILY.0, DAILY.1, w.replace("month >= ", "day >= ").replace("month < ", "day < "))
            } else {
                (table, date, w)
            };
            let sql = format!("SELECT CAST({date} AS TEXT), {} FROM {table}{w} GROUP BY {date}", sums());
            for (keys, nums) in fetch_text_ints(&self.db, &sql, &q.vals, 1).await? {
                let d = NaiveDate::parse_from_str(&keys[0], "%Y-%m-%d").map_err(anyhow::Error::from)?;
                let d = if daily_series { d } else { month_of(d) };
                series.entry(d).or_default().merge(&counts_of(&nums));
            }
        }
        let days: Vec<(NaiveDate, Counts)> = series.into_iter().collect();
        // Live: open appeals whose handler sits in the nodes' subtrees.
        let mut lq = QueryParts::default();
        let mut ors = Vec::new();
        for n in &nodes {
            let s = crate::territory::Subtree::of(n);
            ors.push(s.sql(&mut lq, "handler_path"));
        }
        // Both in one pass over the open appeals' own index (migration 31).
        let (open_now, overdue_now) = if live {
            let sql = format!(
                "SELECT count(*), sum(CASE WHEN overdue = TRUE THEN 1 ELSE 0 END) FROM appeals WHERE is_open = TRUE AND ({})",
                ors.join(" OR ")
            );
            let rows = fetch_text_ints(&self.db, &sql, &lq.vals, 0).await?;
            let n = rows.into_iter().next().map(|r| r.1).unwrap_or_default();
            (n.first().copied().unwrap_or(0), n.get(1).copied().unwrap_or(0))
        } else {
            (0, 0)
        };
        let cfg = self.appeal_config().await?;
        let rates = Rate::ALL
            .iter()
            .map(|r| {
                let fm = cfg.formula(*r);
                RateFigure { rate: *r, value: fm.eval(&totals), formula: fm.to_string(), formula_zh: fm.describe("zh") }
            })
            .collect();
        let resolved = totals.get(Counter::Resolved);
        let average_handling_hours =
            (resolved > 0).then(|| totals.get(Counter::HandlingMinutes) as f64 / resolved as f64 / 60.0);
        let settled = Level::ALL.iter().map(|l| (*l, totals.get(Counter::settled_at(*l)))).collect();
        Ok(Measures {
            nodes,
            from: f.from,
            to: f.to,
            totals,
            rates,
            average_handling_hours,
            settled,
            by_category: by_category.into_iter().collect(),
            by_level: by_level.into_iter().collect(),
            by_day: days,
            series: if daily_series { "day" } else { "month" },
            open_now,
            overdue_now,
        })
    }
}
