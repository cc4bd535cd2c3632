//! What keeps the desk fast at a million tickets: the desk order of each ticket; the monthly
//! counts per point and item (`service_rollups`, migration 18) behind the desk's counts; and
//! the figures' counts by point and by item for each month and day (`service_point_tallies`,
//! `service_item_tallies`, migration 21).
//!
//! All are written in the transaction that changes what they describe, so they never
//! disagree with the records. A period's figures take whole months, and in its edge months
//! either the days themselves or the month less the other days, whichever is fewer
//! (`edge_plan`); only a part of a day comes from the records.

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

/// Every node above and at a point's place, the whole district ("/") first: the places whose
/// figures count the point's items.
fn nodes_over(path: &str) -> Vec<&str> {
    let mut out = vec!["/"];
    for (i, c) in path.char_indices().skip(1) {
        if c == '/' {
            out.push(&path[..=i]);
        }
    }
    out
}

/// Adds one to each measure: in the point's month row per item (`service_rollups`), in its
/// month and day rows (`service_point_tallies`), and, for a received ticket, in the item's
/// month and day rows of every place above the point (`service_item_tallies`).
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
    let sets = |table: &str| cols.iter().map(|c| format!("{c} = {table}.{c} + 1")).collect::<Vec<_>>().join(", ");
    exec(
        tx,
        &format!(
            "INSERT INTO service_rollups (point_id, item, month, path, {}) VALUES ($1, $2, $3, $4, {ones})
             ON CONFLICT (path, item, month) DO UPDATE SET {}",
            cols.join(", "),
            sets("service_rollups")
        ),
        &[point_id.into(), item.into(), month_of(at).into(), path.into()],
    )
    .await?;
    let received = measures.contains(&Measure::Received);
    for (span, start) in [("month", month_of(at)), ("day", beijing(at).date())] {
        exec(
            tx,
            &format!(
                "INSERT INTO service_point_tallies (span, start, path, {}) VALUES ($1, $2, $3, {ones})
                 ON CONFLICT (span, start, path) DO UPDATE SET {}",
                cols.join(", "),
                sets("service_point_tallies")
            ),
            &[span.into(), start.into(), path.into()],
        )
        .await?;
        if received {
            for node in nodes_over(path) {
                exec(
                    tx,
                    "INSERT INTO service_item_tallies (span, node, start, item, received) VALUES ($1, $2, $3, $4, 1)
                     ON CONFLICT (span, node, start, item) DO UPDATE SET received = service_item_tallies.received + 1",
                    &[span.into(), node.into(), start.into(), item.into()],
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// What to read for `[from, to)`: whole months from the month rows; in an edge month its
/// days, or the month less its days outside the period, whichever is fewer days (days after
/// `now` hold nothing and cost nothing); and the records only for a part of a day, when an
/// end is not at midnight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EdgePlan {
    /// Months read whole: `[first, end)`.
    pub months: Option<(NaiveDate, NaiveDate)>,
    /// Day ranges `[first, end)` to add (`1`) or subtract (`-1`).
    pub days: Vec<(NaiveDate, NaiveDate, i64)>,
    /// Record ranges to add.
    pub records: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Days of `[a, b)` that may hold records by `now`.
fn day_cost(a: NaiveDate, b: NaiveDate, now: DateTime<Utc>) -> i64 {
    let last = beijing(now).date().succ_opt().unwrap_or(b);
    (b.min(last) - a).num_days().max(0)
}

pub(crate) fn edge_plan(from: DateTime<Utc>, to: DateTime<Utc>, now: DateTime<Utc>) -> EdgePlan {
    let mut plan = EdgePlan::default();
    if from >= to {
        return plan;
    }
    // Parts of a day at the ends come from the records.
    let (fd, td) = (beijing(from).date(), beijing(to).date());
    let mut first = fd;
    if start_of(fd) != from {
        first = fd.succ_opt().unwrap_or(fd);
        plan.records.push((from, start_of(first).min(to)));
    }
    let end = td;
    if start_of(td) != to && start_of(td) >= start_of(first) {
        plan.records.push((start_of(td).max(from), to));
    }
    if first >= end {
        return plan;
    }
    let mut whole: Vec<NaiveDate> = Vec::new();
    let mut m = first.with_day(1).unwrap_or(first);
    while m < end {
        let (lo, hi) = (m, next_month(m));
        let (a, b) = (lo.max(first), hi.min(end));
        if (a, b) == (lo, hi) {
            whole.push(m);
        } else if day_cost(a, b, now) <= day_cost(lo, a, now) + day_cost(b, hi, now) {
            plan.days.push((a, b, 1));
        } else {
            whole.push(m);
            if lo < a {
                plan.days.push((lo, a, -1));
            }
            if b < hi {
                plan.days.push((b, hi, -1));
            }
        }
        m = hi;
    }
    if let (Some(first), Some(last)) = (whole.first(), whole.last()) {
        // The months read whole are contiguous: only the first and last month can be edges.
        plan.months = Some((*first, next_month(*last)));
    }
    plan
}

/// A period's counts within a place: per point, and the tickets received per item.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tallies {
    pub by_point: BTreeMap<String, Tally>,
    pub by_item: BTreeMap<String, i64>,
}

impl Store {
    /// The counts of `[from, to)` within a subtree: month and day rows, and the records for
    /// parts of a day. A few hundred rows for a district's year, whatever the tickets.
    pub(crate) async fn service_tallies(
        &self,
        within: &Subtree,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Tallies> {
        let plan = edge_plan(from, to, now);
        let sums: Vec<String> = COLUMNS.iter().map(|c| format!("CAST(sum(r.{c}) AS BIGINT)")).collect();
        let sums = sums.join(", ");
        // One span's rows over `[a, b)`, by point and by item, with a sign.
        let read = |span: &'static str, a: NaiveDate, b: NaiveDate, sign: i64| {
            let sums = &sums;
            async move {
                let mut q = QueryParts::default();
                q.cond_bind("r.span = {}", span);
                q.cond_bind("r.start >= {}", a);
                q.cond_bind("r.start < {}", b);
                let mut points = q.clone();
                within.restrict(&mut points, "r.path");
                let points_sql = format!(
                    "SELECT r.path, {sums} FROM service_point_tallies r{} GROUP BY r.path",
                    points.where_clause()
                );
                let mut items = q;
                items.cond_bind("r.node = {}", within.path.clone());
                let items_sql = format!(
                    "SELECT r.item, CAST(sum(r.received) AS BIGINT) FROM service_item_tallies r{} GROUP BY r.item",
                    items.where_clause()
                );
                let (p, i) = tokio::try_join!(
                    fetch_text_ints(&self.db, &points_sql, &points.vals, 1),
                    fetch_text_ints(&self.db, &items_sql, &items.vals, 1)
                )?;
                Ok::<_, crate::StoreError>((p, i, sign))
            }
        };
        let mut reads = Vec::new();
        if let Some((a, b)) = plan.months {
            reads.push(read("month", a, b, 1));
        }
        for (a, b, sign) in &plan.days {
            reads.push(read("day", *a, *b, *sign));
        }
        let records = futures_util::future::try_join_all(
            plan.records.iter().map(|(a, b)| self.tallies_from_records(within, *a, *b)),
        );
        let (spans, records) = tokio::try_join!(futures_util::future::try_join_all(reads), records)?;
        let mut out = Tallies::default();
        let mut add_point = |path: &str, v: &[i64], sign: i64| {
            let t = out.by_point.entry(path.to_string()).or_default();
            for (slot, x) in t.0.iter_mut().zip(v) {
                *slot += sign * x;
            }
        };
        let mut items: BTreeMap<String, i64> = BTreeMap::new();
        for (points, by_item, sign) in spans {
            for (k, v) in points {
                add_point(&k[0], &v, sign);
            }
            for (k, v) in by_item {
                *items.entry(k[0].clone()).or_default() += sign * v[0];
            }
        }
        for rows in records {
            for (k, v) in rows {
                add_point(&k[0], &v, 1);
                *items.entry(k[1].clone()).or_default() += v[0];
            }
        }
        out.by_point.retain(|_, t| t.0.iter().any(|x| *x != 0));
        items.retain(|item, n| *n != 0 && !item.is_empty());
        out.by_item = items;
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
        exec(tx, "DELETE FROM service_point_tallies", &[]).await?;
        exec(tx, "DELETE FROM service_item_tallies", &[]).await?;
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

    /// How many times a plan counts the day `d`: months, day ranges and records, with signs.
    fn weight(p: &EdgePlan, d: NaiveDate) -> i64 {
        let at = start_of(d);
        let month = match p.months {
            Some((first, end)) if d >= first && d < end => 1,
            _ => 0,
        };
        let days: i64 = p.days.iter().filter(|(a, b, _)| *a <= d && d < *b).map(|(_, _, s)| s).sum();
        let records = p.records.iter().filter(|(a, b)| *a <= at && at < *b).count() as i64;
        month + days + records
    }

    #[test]
    fn every_period_is_counted_once_and_reads_at_most_half_a_month_of_days() {
        let day = |n: i64| NaiveDate::from_ymd_opt(2025, 12, 1).unwrap() + chrono::Duration::days(n);
        for now in [t(2026, 3, 17), t(2027, 1, 1)] {
            for f in 0..100 {
                for len in [0, 1, 3, 4, 5, 6, 9, 10, 11, 16, 20, 29, 31, 45, 61, 95, 200] {
                    let (from, to) = (day(f), day(f + len));
                    let p = edge_plan(start_of(from), start_of(to), now);
                    assert!(p.records.is_empty(), "whole days read no records");
                    for d in (f - 40..f + len + 40).map(day) {
                        let want = i64::from(d >= from && d < to);
                        assert_eq!(weight(&p, d), want, "{from}..{to} at {d}: {p:?}");
                    }
                    // Each edge month reads its cheaper side: at most about half a month.
                    let read: i64 = p.days.iter().map(|(a, b, _)| day_cost(*a, *b, now)).sum();
                    assert!(read <= 32, "{from}..{to}: {p:?}");
                }
            }
        }
    }

    #[test]
    fn parts_of_a_day_come_from_the_records() {
        let now = t(2026, 12, 6);
        let h = |d: u32, hour: i64| t(2026, 5, d) + chrono::Duration::hours(hour);
        let p = edge_plan(h(3, 9), h(3, 17), now);
        assert_eq!((p.months, p.days.clone(), p.records.clone()), (None, vec![], vec![(h(3, 9), h(3, 17))]));
        let p = edge_plan(h(3, 9), h(5, 17), now);
        assert_eq!(p.records, vec![(h(3, 9), h(4, 0)), (h(5, 0), h(5, 17))]);
        assert_eq!(
            p.days,
            vec![(NaiveDate::from_ymd_opt(2026, 5, 4).unwrap(), NaiveDate::from_ymd_opt(2026, 5, 5).unwrap(), 1)]
        );
        let p = edge_plan(h(3, 0), h(4, 12), now);
        assert_eq!(p.records, vec![(h(4, 0), h(4, 12))]);
    }

    #[test]
    fn a_period_reads_whole_months_then_the_cheaper_side_of_each_edge_month() {
        let now = t(2026, 12, 6);
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // The year so far: eleven whole months and December whole (nothing after now), or its
        // days: the days to come cost nothing, so December is read whole.
        let p = edge_plan(t(2026, 1, 1), t(2026, 12, 7), now);
        assert_eq!(p.months, Some((d(2026, 1, 1), d(2027, 1, 1))));
        assert_eq!(p.days, vec![(d(2026, 12, 7), d(2027, 1, 1), -1)]);
        // A few days inside one month: the days themselves.
        let p = edge_plan(t(2026, 5, 3), t(2026, 5, 9), now);
        assert_eq!(p.months, None);
        assert_eq!(p.days, vec![(d(2026, 5, 3), d(2026, 5, 9), 1)]);
        // Mid-month to mid-month: the late start reads its days, the late end subtracts.
        let p = edge_plan(t(2026, 2, 25), t(2026, 6, 28), now);
        assert_eq!(p.months, Some((d(2026, 3, 1), d(2026, 7, 1))));
        assert_eq!(p.days, vec![(d(2026, 2, 25), d(2026, 3, 1), 1), (d(2026, 6, 28), d(2026, 7, 1), -1)]);
        // Nothing for an empty period.
        assert_eq!(edge_plan(t(2026, 5, 3), t(2026, 5, 3), now), EdgePlan::default());
    }
}
