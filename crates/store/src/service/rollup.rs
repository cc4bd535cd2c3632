//! What keeps the desk fast at a million tickets: the desk order of each ticket, and the
//! monthly counts per point and item (`service_rollups`, migration 18) that the figures read.
//!
//! Both are written in the transaction that changes what they describe, so they never
//! disagree with the records. A period's figures take whole months from the rollups and the
//! days at its edges from the records, whichever of "the days themselves" or "the month less
//! the other days" is shorter (`edge_plan`).

use crate::batch::{exec, fetch_all_tx, fetch_text_ints, QueryParts};
use crate::subtree::Subtree;
use crate::{Result, Store, Tx};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jiayuan_domain::service::{Rating, TicketStatus};
use jiayuan_domain::time::{beijing, from_beijing};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The desk's sort key: open tickets by deadline, then those waiting for materials by when
/// they came, then closed ones, the most recently closed first; the number breaks ties.
pub fn desk_order(
    status: TicketStatus,
    due_at: Option<DateTime<Utc>>,
    received_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    number: i64,
) -> String {
    let stamp = |t: DateTime<Utc>| t.format("%Y%m%d%H%M%S").to_string();
    let number = number.clamp(0, 999_999_999_999);
    if !status.is_open() {
        let closed: i64 = closed_at.unwrap_or(received_at).format("%Y%m%d%H%M%S").to_string().parse().unwrap_or(0);
        return format!("2{:014}{:012}", 99_999_999_999_999 - closed, 999_999_999_999 - number);
    }
    match due_at {
        Some(due) => format!("0{}{number:012}", stamp(due)),
        None => format!("1{}{number:012}", stamp(received_at)),
    }
}

/// Rewrites a ticket's desk order and the clock's next look from its row, after a change of
/// status, deadline or what the clock announced.
pub(crate) async fn reorder(tx: &mut Tx, id: Uuid) -> Result<()> {
    type Row =
        (String, Option<DateTime<Utc>>, Option<DateTime<Utc>>, DateTime<Utc>, Option<DateTime<Utc>>, i64, String);
    let rows: Vec<Row> = fetch_all_tx(
        tx,
        "SELECT status, due_at, warn_at, received_at, closed_at, number, alerted FROM service_tickets WHERE id = $1",
        &[id.into()],
    )
    .await?;
    if let Some((status, due, warn, received, closed, number, alerted)) = rows.into_iter().next() {
        let status = TicketStatus::parse(&status).unwrap_or(TicketStatus::Received);
        exec(
            tx,
            "UPDATE service_tickets SET desk_order = $2, next_check_at = $3 WHERE id = $1",
            &[
                id.into(),
                desk_order(status, due, received, closed, number).into(),
                next_check(status, due, warn, &alerted).into(),
            ],
        )
        .await?;
    }
    Ok(())
}

/// When the service clock next looks at a ticket: at the warning, then at the deadline, then
/// never; never while it is closed or its clock is stopped (no deadline).
pub fn next_check(
    status: TicketStatus,
    due: Option<DateTime<Utc>>,
    warn: Option<DateTime<Utc>>,
    alerted: &str,
) -> Option<DateTime<Utc>> {
    if !status.is_open() {
        return None;
    }
    match alerted {
        "" => warn.or(due),
        "warn" => due,
        _ => None,
    }
}

/// The counted measures, in the order of the rollup's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measure {
    Received,
    Completed,
    CompletedOnTime,
    Refused,
    OutsideHours,
    Ratings,
    Level(Rating),
}

const COLUMNS: [&str; 11] = [
    "received",
    "completed",
    "completed_on_time",
    "refused",
    "outside_hours",
    "ratings",
    "very_satisfied",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "very_dissatisfied",
];

impl Measure {
    fn index(self) -> usize {
        match self {
            Measure::Received => 0,
            Measure::Completed => 1,
            Measure::CompletedOnTime => 2,
            Measure::Refused => 3,
            Measure::OutsideHours => 4,
            Measure::Ratings => 5,
            Measure::Level(r) => 6 + Rating::ALL.iter().position(|x| *x == r).unwrap_or(0),
        }
    }
}

/// One row of counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally(pub [i64; 11]);

impl Tally {
    pub fn get(&self, m: Measure) -> i64 {
        self.0[m.index()]
    }

    fn add(&mut self, other: &Tally, sign: i64) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += sign * b;
        }
    }
}

/// The first day of the Beijing month an instant falls in.
pub(crate) fn month_of(at: DateTime<Utc>) -> NaiveDate {
    let d = beijing(at).date();
    d.with_day(1).unwrap_or(d)
}

/// Midnight (Beijing) at the start of a day.
fn start_of(d: NaiveDate) -> DateTime<Utc> {
    from_beijing(d.and_hms_opt(0, 0, 0).unwrap_or_default())
}

fn next_month(m: NaiveDate) -> NaiveDate {
    let (y, mo) = if m.month() == 12 { (m.year() + 1, 1) } else { (m.year(), m.month() + 1) };
    NaiveDate::from_ymd_opt(y, mo, 1).unwrap_or(m)
}

/// The first day of the 旬 (days 1–10, 11–20, 21 to the month's end) an instant falls in.
pub(crate) fn dekad_of(at: DateTime<Utc>) -> NaiveDate {
    dekad_start(beijing(at).date())
}

fn dekad_start(d: NaiveDate) -> NaiveDate {
    let first = match d.day() {
        1..=10 => 1,
        11..=20 => 11,
        _ => 21,
    };
    d.with_day(first).unwrap_or(d)
}

fn next_dekad(d: NaiveDate) -> NaiveDate {
    match d.day() {
        1..=10 => d.with_day(11).unwrap_or(d),
        11..=20 => d.with_day(21).unwrap_or(d),
        _ => next_month(d.with_day(1).unwrap_or(d)),
    }
}

/// Adds one to each measure in the rollup rows (month and 旬) of a point, item and instant.
pub(crate) async fn bump(
    tx: &mut Tx,
    point_id: Uuid,
    path: &str,
    item: &str,
    at: DateTime<Utc>,
    measures: &[Measure],
) -> Result<()> {
    if measures.is_empty() {
        return Ok(());
    }
    let cols: Vec<&str> = measures.iter().map(|m| COLUMNS[m.index()]).collect();
    let ones = vec!["1"; cols.len()].join(", ");
    for (table, key, start) in
        [("service_rollups", "month", month_of(at)), ("service_rollups_dekad", "dekad", dekad_of(at))]
    {
        let sets: Vec<String> = cols.iter().map(|c| format!("{c} = {table}.{c} + 1")).collect();
        let conflict = if key == "month" { "path, item, month" } else { "dekad, path, item" };
        exec(
            tx,
            &format!(
                "INSERT INTO {table} (point_id, item, {key}, path, {}) VALUES ($1, $2, $3, $4, {ones})
                 ON CONFLICT ({conflict}) DO UPDATE SET {}",
                cols.join(", "),
                sets.join(", ")
            ),
            &[point_id.into(), item.into(), start.into(), path.into()],
        )
        .await?;
    }
    Ok(())
}

/// What to read for `[from, to)`: whole months from the monthly rollups; in each edge month
/// whole 旬 from the ten-day rollups; and the days left over from the records. At each level
/// a partial span is read either as its days inside the period (`+`) or as the whole span
/// less its days outside (`-`), whichever reads fewer days of records; days after `now`
/// hold no records yet and cost nothing. So an edge reads at most about five days of records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EdgePlan {
    /// Months read whole from the rollups: `[first, end)`.
    pub months: Option<(NaiveDate, NaiveDate)>,
    /// 旬 (by their first day) to add (`1`) or subtract (`-1`).
    pub dekads: Vec<(NaiveDate, i64)>,
    /// Record ranges to add (`1`) or subtract (`-1`).
    pub records: Vec<(DateTime<Utc>, DateTime<Utc>, i64)>,
}

impl EdgePlan {
    /// Seconds of records read, not counting those after `now`.
    fn cost(&self, now: DateTime<Utc>) -> i64 {
        self.records.iter().map(|(a, b, _)| span_cost(*a, *b, now)).sum()
    }

    fn reads(&self) -> usize {
        self.dekads.len() + self.records.len()
    }

    fn append(&mut self, other: EdgePlan) {
        self.dekads.extend(other.dekads);
        self.records.extend(other.records);
    }
}

fn span_cost(a: DateTime<Utc>, b: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (b.min(now.max(a)) - a).num_seconds().max(0)
}

/// `[a, b)` (within one month) with `sign`, as whole 旬 and records.
fn dekad_plan(a: DateTime<Utc>, b: DateTime<Utc>, sign: i64, now: DateTime<Utc>) -> EdgePlan {
    let mut plan = EdgePlan::default();
    if a >= b {
        return plan;
    }
    let cost = |x, y| span_cost(x, y, now);
    let mut d = dekad_of(a);
    while start_of(d) < b {
        let (lo, hi) = (start_of(d), start_of(next_dekad(d)));
        let (x, y) = (lo.max(a), hi.min(b));
        if (x, y) == (lo, hi) {
            plan.dekads.push((d, sign));
        } else if cost(x, y) <= cost(lo, x) + cost(y, hi) {
            plan.records.push((x, y, sign));
        } else {
            plan.dekads.push((d, sign));
            if lo < x {
                plan.records.push((lo, x, -sign));
            }
            if y < hi {
                plan.records.push((y, hi, -sign));
            }
        }
        d = next_dekad(d);
    }
    plan
}

pub(crate) fn edge_plan(from: DateTime<Utc>, to: DateTime<Utc>, now: DateTime<Utc>) -> EdgePlan {
    let mut plan = EdgePlan::default();
    if from >= to {
        return plan;
    }
    let mut whole: Vec<NaiveDate> = Vec::new();
    let mut m = month_of(from);
    while start_of(m) < to {
        let (lo, hi) = (start_of(m), start_of(next_month(m)));
        let (a, b) = (lo.max(from), hi.min(to));
        if (a, b) == (lo, hi) {
            whole.push(m);
        } else {
            // The days inside, or the month less the days outside: fewer days of records
            // first, then fewer reads.
            let inside = dekad_plan(a, b, 1, now);
            let mut outside = dekad_plan(lo, a, -1, now);
            outside.append(dekad_plan(b, hi, -1, now));
            let key = |p: &EdgePlan, extra: usize| (p.cost(now), p.reads() + extra);
            if key(&inside, 0) <= key(&outside, 1) {
                plan.append(inside);
            } else {
                whole.push(m);
                plan.append(outside);
            }
        }
        m = next_month(m);
    }
    if let (Some(first), Some(last)) = (whole.first(), whole.last()) {
        // The months read whole are contiguous: only the first and last month can be edges.
        plan.months = Some((*first, next_month(*last)));
    }
    plan
}

impl Store {
    /// Counts per (point path, item) over `[from, to)` within a subtree: rollups for whole
    /// months and 旬, records for the days left at the edges.
    pub(crate) async fn service_tallies(
        &self,
        within: &Subtree,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<BTreeMap<(String, String), Tally>> {
        let plan = edge_plan(from, to, now);
        let mut out: BTreeMap<(String, String), Tally> = BTreeMap::new();
        let mut add = |rows: Vec<(Vec<String>, Vec<i64>)>, sign: i64| {
            for (k, v) in rows {
                let mut t = Tally::default();
                for (slot, x) in t.0.iter_mut().zip(v) {
                    *slot = x;
                }
                out.entry((k[0].clone(), k[1].clone())).or_default().add(&t, sign);
            }
        };
        let sums: Vec<String> = COLUMNS.iter().map(|c| format!("CAST(sum(r.{c}) AS BIGINT)")).collect();
        let sums = sums.join(", ");
        // The whole months, the 旬 and the edges' records are read side by side.
        let months = async {
            let Some((first, end)) = plan.months else { return Ok(vec![]) };
            let mut q = QueryParts::default();
            within.restrict(&mut q, "r.path");
            q.cond_bind("r.month >= {}", first);
            q.cond_bind("r.month < {}", end);
            let sql = format!(
                "SELECT r.path, r.item, {sums} FROM service_rollups r{} GROUP BY r.path, r.item",
                q.where_clause()
            );
            fetch_text_ints(&self.db, &sql, &q.vals, 2).await
        };
        let dekads = |sign: i64| {
            let named: Vec<NaiveDate> = plan.dekads.iter().filter(|(_, s)| *s == sign).map(|(d, _)| *d).collect();
            let sums = &sums;
            async move {
                if named.is_empty() {
                    return Ok(vec![]);
                }
                let mut q = QueryParts::default();
                within.restrict(&mut q, "r.path");
                let list: Vec<String> = named.into_iter().map(|d| q.bind(d)).collect();
                q.cond(format!("r.dekad IN ({})", list.join(", ")));
                let sql = format!(
                    "SELECT r.path, r.item, {sums} FROM service_rollups_dekad r{} GROUP BY r.path, r.item",
                    q.where_clause()
                );
                fetch_text_ints(&self.db, &sql, &q.vals, 2).await
            }
        };
        let edges = futures_util::future::try_join_all(plan.records.iter().map(|(a, b, sign)| async move {
            Ok::<_, crate::StoreError>((self.tallies_from_records(within, *a, *b).await?, *sign))
        }));
        let (months, added, taken, edges) = tokio::try_join!(months, dekads(1), dekads(-1), edges)?;
        add(months, 1);
        add(added, 1);
        add(taken, -1);
        for (rows, sign) in edges {
            add(rows, sign);
        }
        out.retain(|_, t| t.0.iter().any(|x| *x != 0));
        Ok(out)
    }

    /// The same counts as the rollups hold, read from the records of `[a, b)`.
    async fn tallies_from_records(
        &self,
        within: &Subtree,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
    ) -> Result<Vec<(Vec<String>, Vec<i64>)>> {
        let flag = |cond: &str| format!("CAST(sum(CASE WHEN {cond} THEN 1 ELSE 0 END) AS BIGINT)");
        // A bare 0 is a 32-bit integer on PostgreSQL; the columns are read as 64-bit.
        let z = "CAST(0 AS BIGINT)";
        // An edge is a few days, so its records are read by time. SQLite cannot tell that a
        // place range is less selective than a time range and would read a whole subtree by
        // place (a second for a district at a million tickets), so it is told.
        let sqlite = self.backend() == crate::Backend::Sqlite;
        let by_time = |index: &str| if sqlite { format!(" INDEXED BY {index}") } else { String::new() };
        let mut q = QueryParts::default();
        within.restrict(&mut q, "k.path");
        q.cond_bind("k.received_at >= {}", a);
        q.cond_bind("k.received_at < {}", b);
        let tickets = format!(
            "SELECT k.path, k.item, count(*), {}, {}, {}, {}, {z}, {z}, {z}, {z}, {z}, {z} FROM service_tickets k{}{} GROUP BY k.path, k.item",
            flag("k.status = 'completed'"),
            flag("k.status = 'completed' AND k.due_at IS NOT NULL AND k.closed_at <= k.due_at"),
            flag("k.status = 'refused'"),
            flag("k.outside_hours = TRUE"),
            by_time("service_tickets_received"),
            q.where_clause()
        );
        let ticket_vals = q.vals;
        let mut q = QueryParts::default();
        within.restrict(&mut q, "g.path");
        q.cond_bind("g.at >= {}", a);
        q.cond_bind("g.at < {}", b);
        let levels: Vec<String> = Rating::ALL.iter().map(|l| flag(&format!("g.level = '{}'", l.as_str()))).collect();
        let ratings = format!(
            "SELECT g.path, g.item, {z}, {z}, {z}, {z}, {z}, count(*), {} FROM service_ratings g{}{} GROUP BY g.path, g.item",
            levels.join(", "),
            by_time("service_ratings_at"),
            q.where_clause()
        );
        let (mut rows, rated) = tokio::try_join!(
            fetch_text_ints(&self.db, &tickets, &ticket_vals, 2),
            fetch_text_ints(&self.db, &ratings, &q.vals, 2)
        )?;
        rows.extend(rated);
        Ok(rows)
    }

    /// Rebuilds every rollup row and desk order from the records: a repair that reads
    /// only records, so it can be trusted whatever the rollups held.
    pub async fn rebuild_service_rollups(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        Self::rebuild_service_rollups_in(&mut tx).await?;
        tx.commit().await
    }

    /// The rebuild inside a transaction (also the migration that introduced the rollups).
    pub(crate) async fn rebuild_service_rollups_in(tx: &mut Tx) -> Result<()> {
        exec(tx, "DELETE FROM service_rollups", &[]).await?;
        exec(tx, "DELETE FROM service_rollups_dekad", &[]).await?;
        type Row = (
            Uuid,
            Uuid,
            String,
            String,
            String,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            bool,
            i64,
        );
        let tickets: Vec<Row> = fetch_all_tx(
            tx,
            "SELECT id, point_id, path, item, status, received_at, due_at, closed_at, outside_hours, number FROM service_tickets",
            &[],
        )
        .await?;
        for (id, point, path, item, status, received, due, closed, outside, number) in tickets {
            let status = TicketStatus::parse(&status).unwrap_or(TicketStatus::Received);
            let mut m = vec![Measure::Received];
            if outside {
                m.push(Measure::OutsideHours);
            }
            m.extend(closing_measures(status, due, closed));
            bump(tx, point, &path, &item, received, &m).await?;
            exec(
                tx,
                "UPDATE service_tickets SET desk_order = $2 WHERE id = $1",
                &[id.into(), desk_order(status, due, received, closed, number).into()],
            )
            .await?;
        }
        type RatingRow = (Uuid, String, Option<String>, String, DateTime<Utc>);
        let ratings: Vec<RatingRow> = fetch_all_tx(
            tx,
            "SELECT g.point_id, g.path, k.item, g.level, g.at FROM service_ratings g LEFT JOIN service_tickets k ON k.id = g.ticket_id",
            &[],
        )
        .await?;
        for (point, path, item, level, at) in ratings {
            let level = Rating::parse(&level).unwrap_or(Rating::Basic);
            bump(tx, point, &path, item.as_deref().unwrap_or(""), at, &[Measure::Ratings, Measure::Level(level)])
                .await?;
        }
        Ok(())
    }
}

/// What a ticket's close adds to its received month's row.
pub(crate) fn closing_measures(
    status: TicketStatus,
    due_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
) -> Vec<Measure> {
    match status {
        TicketStatus::Completed => {
            let on_time = matches!((due_at, closed_at), (Some(d), Some(c)) if c <= d);
            if on_time {
                vec![Measure::Completed, Measure::CompletedOnTime]
            } else {
                vec![Measure::Completed]
            }
        }
        TicketStatus::Refused => vec![Measure::Refused],
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        from_beijing(NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(0, 0, 0).unwrap())
    }

    #[test]
    fn the_desk_sorts_open_by_deadline_then_waiting_then_newest_closed() {
        let r = Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap();
        let soon = desk_order(TicketStatus::Accepted, Some(t(2026, 3, 5)), r, None, 9);
        let later = desk_order(TicketStatus::Received, Some(t(2026, 3, 9)), r, None, 1);
        let waiting = desk_order(TicketStatus::AwaitingMaterials, None, r, None, 2);
        let closed_old = desk_order(TicketStatus::Completed, Some(t(2026, 3, 9)), r, Some(t(2026, 3, 2)), 3);
        let closed_new = desk_order(TicketStatus::Refused, None, r, Some(t(2026, 3, 4)), 4);
        let mut v = vec![&closed_old, &waiting, &later, &closed_new, &soon];
        v.sort();
        assert_eq!(v, vec![&soon, &later, &waiting, &closed_new, &closed_old]);
        // Same closing second: the higher number first, as it came later.
        let a = desk_order(TicketStatus::Completed, None, r, Some(t(2026, 3, 4)), 10);
        let b = desk_order(TicketStatus::Completed, None, r, Some(t(2026, 3, 4)), 11);
        assert!(b < a);
    }

    /// How many times a plan counts the day `d`: months, 旬 and record ranges, with signs.
    fn weight(p: &EdgePlan, d: NaiveDate) -> i64 {
        let at = start_of(d);
        let month = match p.months {
            Some((first, end)) if d >= first && d < end => 1,
            _ => 0,
        };
        let dekads: i64 = p.dekads.iter().filter(|(k, _)| dekad_start(d) == *k).map(|(_, s)| s).sum();
        let records: i64 = p.records.iter().filter(|(a, b, _)| *a <= at && at < *b).map(|(_, _, s)| s).sum();
        month + dekads + records
    }

    #[test]
    fn every_period_is_counted_once_and_reads_few_days_of_records() {
        let day = |n: i64| NaiveDate::from_ymd_opt(2025, 12, 1).unwrap() + chrono::Duration::days(n);
        for now in [t(2026, 3, 17), t(2027, 1, 1)] {
            for f in 0..100 {
                for len in [0, 1, 3, 4, 5, 6, 9, 10, 11, 16, 20, 29, 31, 45, 61, 95, 200] {
                    let (from, to) = (day(f), day(f + len));
                    let p = edge_plan(start_of(from), start_of(to), now);
                    for d in (f - 40..f + len + 40).map(day) {
                        let want = i64::from(d >= from && d < to);
                        assert_eq!(weight(&p, d), want, "{from}..{to} at {d}: {p:?}");
                    }
                    // Only the two 旬 holding the ends can be partial; each is read on its
                    // cheaper side, at most 5½ days.
                    for (a, b, _) in &p.records {
                        assert!(span_cost(*a, *b, now) <= 11 * 43_200, "{from}..{to}: {p:?}");
                    }
                    assert!(p.cost(now) <= 11 * 86_400, "{from}..{to}: {p:?}");
                }
            }
        }
    }

    #[test]
    fn a_period_reads_whole_months_then_whole_dekads_then_records() {
        let now = t(2026, 12, 6);
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // The year so far: eleven whole months and December's first 旬, which has no records
        // after now; the rest of December is not read at all.
        let p = edge_plan(t(2026, 1, 1), t(2026, 12, 7), now);
        assert_eq!(p.months, Some((d(2026, 1, 1), d(2026, 12, 1))));
        assert_eq!(p.dekads, vec![(d(2026, 12, 1), 1)]);
        assert_eq!(p.records, vec![(t(2026, 12, 7), t(2026, 12, 11), -1)]);
        // A few days inside one 旬: the days themselves.
        let p = edge_plan(t(2026, 5, 3), t(2026, 5, 6), now);
        assert_eq!((p.months, p.dekads), (None, vec![]));
        assert_eq!(p.records, vec![(t(2026, 5, 3), t(2026, 5, 6), 1)]);
        // 10 March to 20 June: March's first 旬 by its last day, its other two whole; April
        // and May whole; June's first two 旬 whole.
        let p = edge_plan(t(2026, 3, 10), t(2026, 6, 21), now);
        assert_eq!(p.months, Some((d(2026, 4, 1), d(2026, 6, 1))));
        assert_eq!(p.dekads, vec![(d(2026, 3, 11), 1), (d(2026, 3, 21), 1), (d(2026, 6, 1), 1), (d(2026, 6, 11), 1)]);
        assert_eq!(p.records, vec![(t(2026, 3, 10), t(2026, 3, 11), 1)]);
        // From the 2nd to the 29th of a month: the month less its first and last days.
        let p = edge_plan(t(2026, 4, 2), t(2026, 4, 30), now);
        assert_eq!(p.months, Some((d(2026, 4, 1), d(2026, 5, 1))));
        assert_eq!(p.dekads, vec![]);
        assert_eq!(p.records, vec![(t(2026, 4, 1), t(2026, 4, 2), -1), (t(2026, 4, 30), t(2026, 5, 1), -1)]);
        // Nothing for an empty period.
        assert_eq!(edge_plan(t(2026, 5, 3), t(2026, 5, 3), now), EdgePlan::default());
    }
}
