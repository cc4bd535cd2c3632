//! Generated appeals for the benchmarks over many millions of them (`jiayuan appeals
//! bench-rollups`): the rollup rows they fold into, and — when asked — the appeal rows
//! themselves, so that what reads appeals row by row (the work report's counts, the queues)
//! is measured over a table of that size. Nothing here runs outside a benchmark.

use super::rollup::{month_of, DAILY, MONTHLY, ROLLUP_DEPTH};
use super::{from_beijing, path_prefixes};
use crate::batch::{fetch_all, insert_rows, Value};
use crate::{on_tx, Result, Store, StoreError};
use chrono::{Duration, NaiveDate, NaiveTime};
use jiayuan_domain::appeal::measure::Counter;
use jiayuan_domain::appeal::Level;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// What [`Store::generate_bench_appeals`] wrote.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BenchAppeals {
    /// Appeals generated (and folded into the rollups).
    pub appeals: u64,
    /// Of them, written as appeal rows (0 unless asked).
    pub written: u64,
    /// Rollup rows written, daily and monthly.
    pub rows: usize,
}

/// One generated appeal.
struct Generated {
    building: usize,
    day: u32,
    /// Seconds after the day's start (Beijing).
    second: u32,
    category: usize,
    level: usize,
    deltas: [i32; Counter::ALL.len()],
    merged: bool,
    rating: Option<&'static str>,
    rand: [u8; 10],
}

const LEVELS: [Level; 5] = [Level::Building, Level::Compound, Level::Community, Level::Subdistrict, Level::District];
const CHANNELS: [&str; 4] = ["walk_in", "phone", "grid_patrol", "hotline_12345"];
/// The appeal columns the generator fills; the rest keep their defaults (NULL or FALSE).
const COLS: &[&str] = &[
    "id",
    "number",
    "version",
    "status",
    "is_open",
    "channel",
    "category_code",
    "category_version",
    "urgency",
    "territory_id",
    "path",
    "handler_level",
    "handler_id",
    "handler_path",
    "anonymous",
    "title",
    "description",
    "created_at",
    "updated_at",
    "responded_at",
    "response_due_at",
    "resolve_due_at",
    "warn_at",
    "warned",
    "overdue",
    "overdue_count",
    "escalations",
    "resolved_at",
    "closed_at",
    "rating",
    "rated_at",
    "merged_into",
    "sensitive",
];
/// Appeal rows per transaction.
const ROWS_PER_TX: usize = 20_000;

fn generate(rng: &mut rand_chacha::ChaCha8Rng, buildings: usize, categories: usize, day: u32) -> Generated {
    let building = rng.gen_range(0..buildings);
    let second = rng.gen_range(0..86_400);
    let category = rng.gen_range(0..categories);
    let level = match rng.gen_range(0..100u32) {
        0..35 => 0,
        35..65 => 1,
        65..90 => 2,
        90..97 => 3,
        _ => 4,
    };
    let mut d = [0i32; Counter::ALL.len()];
    let p: u32 = rng.gen_range(0..100);
    d[Counter::Received.index()] = 1;
    d[Counter::Responded.index()] = i32::from(p < 97);
    d[Counter::RespondedOnTime.index()] = i32::from(p < 92);
    let resolved = p < 90;
    d[Counter::Resolved.index()] = i32::from(resolved);
    d[Counter::ResolvedOnTime.index()] = i32::from(p < 80);
    d[Counter::Overdue.index()] = i32::from(p >= 92);
    d[Counter::Escalated.index()] = i32::from(p >= 94);
    let mut rating = None;
    if resolved {
        d[Counter::settled_at(LEVELS[level]).index()] = 1;
        d[Counter::HandlingMinutes.index()] = rng.gen_range(30..20_000);
        let r: u32 = rng.gen_range(0..100);
        if r < 66 {
            d[Counter::Rated.index()] = 1;
            let (which, label) = if r < 50 {
                (Counter::Satisfied, "satisfied")
            } else if r < 61 {
                (Counter::BasicallySatisfied, "basically_satisfied")
            } else {
                (Counter::Unsatisfied, "unsatisfied")
            };
            d[which.index()] = 1;
            rating = Some(label);
        }
    }
    // One in a hundred is merged into the appeal before it; merging takes back its counts.
    let merged = rng.gen_range(0..100u32) == 0;
    Generated { building, day, second, category, level, deltas: d, merged, rating, rand: rng.gen() }
}

impl Store {
    /// For the benchmarks: `n` generated appeals spread evenly over `days` days from `from`
    /// and at random over the district's buildings, categories and levels, with plausible
    /// outcomes; writes the rollup rows they fold into (exactly what the worker's fold
    /// produces for them: one row per node, day, category and level, every count on the day
    /// of filing, added to any rows already there) and, with `write_appeals`, the appeal rows themselves — numbered after the
    /// existing appeals, their ids in time order as the server gives them, without timeline
    /// events or audit entries. Deterministic by `seed`.
    pub async fn generate_bench_appeals(
        &self,
        n: u64,
        from: NaiveDate,
        days: u32,
        seed: u64,
        write_appeals: bool,
    ) -> Result<BenchAppeals> {
        let buildings: Vec<(Uuid, String)> =
            fetch_all(&self.db, "SELECT id, path FROM territories WHERE kind = 'building' ORDER BY path", &[]).await?;
        if buildings.is_empty() || days == 0 || days > 65_000 {
            return Err(StoreError::invalid("appeals", "需要有楼栋的演示数据 (run `jiayuan demo` first)"));
        }
        let cfg = self.appeal_config().await?;
        let cats: Vec<(String, String, bool)> =
            cfg.categories.iter().map(|c| (c.code.clone(), c.name_zh.clone(), c.sensitive)).collect();
        if cats.is_empty() || cats.len() > usize::from(u8::MAX) {
            return Err(StoreError::invalid("appeals", "诉求分类数量不适合基准数据 (categories: 1 to 254)"));
        }
        // Every node from the district down to each building, numbered in path order.
        let mut nodes: Vec<String> = buildings.iter().flat_map(|b| path_prefixes(&b.1)).collect();
        nodes.sort();
        nodes.dedup();
        let index: HashMap<&str, u32> = nodes.iter().enumerate().map(|(i, p)| (p.as_str(), i as u32)).collect();
        let chains: Vec<Vec<u32>> = buildings
            .iter()
            .map(|b| path_prefixes(&b.1).iter().take(ROLLUP_DEPTH).map(|p| index[p.as_str()]).collect())
            .collect();
        // The handler of each level above a building: its node's id (district first).
        let ids: HashMap<String, Uuid> = if write_appeals {
            let all: Vec<(Uuid, String)> = fetch_all(&self.db, "SELECT id, path FROM territories", &[]).await?;
            all.into_iter().map(|(id, p)| (p, id)).collect()
        } else {
            HashMap::new()
        };
        let first_number = if write_appeals {
            let mut tx = self.begin().await?;
            let last: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
                "INSERT INTO counters (name, value) VALUES ('appeal', $1)
                 ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value"
            )
            .bind(n as i64)
            .fetch_one(c)
            .await?);
            tx.commit().await?;
            last - n as i64 + 1
        } else {
            0
        };
        // key = node (32 bits) | day (16) | category (8) | level (8): sorts in primary-key order.
        let key = |node: u32, day: u32, cat: usize, level: usize| -> u64 {
            (u64::from(node) << 32) | (u64::from(day) << 16) | ((cat as u64) << 8) | level as u64
        };
        let mut acc: HashMap<u64, [i32; Counter::ALL.len()]> = HashMap::new();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut pending: Vec<Vec<Value>> = Vec::new();
        let (mut written, mut previous, mut first) = (0u64, None::<Uuid>, true);
        for day in 0..days {
            let today = n / u64::from(days) + u64::from(u64::from(day) < n % u64::from(days));
            let mut generated: Vec<Generated> =
                (0..today).map(|_| generate(&mut rng, buildings.len(), cats.len(), day)).collect();
            generated.sort_by_key(|g| g.second);
            for g in &mut generated {
                // The first has nothing to be merged into (in either mode, so that the rollups
                // of the same seed are the same with rows or without).
                g.merged &= !std::mem::take(&mut first);
                if !g.merged {
                    for node in &chains[g.building] {
                        let e = acc.entry(key(*node, g.day, g.category, g.level)).or_insert([0; Counter::ALL.len()]);
                        for (x, y) in e.iter_mut().zip(g.deltas.iter()) {
                            *x += y;
                        }
                    }
                }
                if write_appeals {
                    let number = first_number + written as i64;
                    let (id, row) = appeal_row(g, from, number, previous, &buildings, &cats, cfg.version, &ids)?;
                    pending.push(row);
                    previous = Some(id);
                    written += 1;
                    if pending.len() >= ROWS_PER_TX {
                        self.write_bench_rows(&mut pending).await?;
                    }
                }
            }
        }
        self.write_bench_rows(&mut pending).await?;
        let rows = self.write_bench_rollups(&acc, &nodes, &cats, from).await?;
        Ok(BenchAppeals { appeals: n, written, rows })
    }

    async fn write_bench_rows(&self, pending: &mut Vec<Vec<Value>>) -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        insert_rows(&mut tx, "appeals", COLS, pending, "").await?;
        tx.commit().await?;
        pending.clear();
        Ok(())
    }

    /// The daily rows, and the monthly ones (the same keys with the month's first day).
    async fn write_bench_rollups(
        &self,
        acc: &HashMap<u64, [i32; Counter::ALL.len()]>,
        nodes: &[String],
        cats: &[(String, String, bool)],
        from: NaiveDate,
    ) -> Result<usize> {
        let month_index = |day: u64| -> u64 {
            let d = from + Duration::days(day as i64);
            (month_of(d) - from).num_days().max(0) as u64
        };
        let mut monthly: HashMap<u64, [i32; Counter::ALL.len()]> = HashMap::new();
        for (k, v) in acc {
            let day = (k >> 16) & 0xFFFF;
            let mk = (k & !(0xFFFF << 16)) | (month_index(day) << 16);
            let e = monthly.entry(mk).or_insert([0; Counter::ALL.len()]);
            for (x, y) in e.iter_mut().zip(v.iter()) {
                *x += y;
            }
        }
        let mut rows = 0;
        for ((table, date), map) in [(DAILY, acc), (MONTHLY, &monthly)] {
            let mut keys: Vec<u64> = map.keys().copied().collect();
            keys.sort_unstable();
            let mut cols: Vec<&str> = vec!["node_path", date, "category_code", "level"];
            cols.extend(Counter::ALL.iter().map(|c| c.as_str()));
            rows += keys.len();
            for chunk in keys.chunks(100_000) {
                let mut tx = self.begin().await?;
                let batch: Vec<Vec<Value>> = chunk
                    .iter()
                    .map(|k| {
                        let node = (k >> 32) as usize;
                        let day = from + Duration::days(((k >> 16) & 0xFFFF) as i64);
                        let cat = ((k >> 8) & 0xFF) as usize;
                        let level = (k & 0xFF) as usize;
                        let mut v: Vec<Value> = vec![
                            nodes[node].clone().into(),
                            day.into(),
                            cats[cat].0.clone().into(),
                            LEVELS[level].as_str().into(),
                        ];
                        v.extend(map[k].iter().map(|x| Value::Int(Some(i64::from(*x)))));
                        v
                    })
                    .collect();
                // Added to what is there: the demo's own appeals may share a day.
                let add: Vec<String> =
                    Counter::ALL.iter().map(|c| format!("{c} = {table}.{c} + excluded.{c}", c = c.as_str())).collect();
                let upsert =
                    format!("ON CONFLICT (node_path, {date}, category_code, level) DO UPDATE SET {}", add.join(", "));
                insert_rows(&mut tx, table, &cols, &batch, &upsert).await?;
                tx.commit().await?;
            }
        }
        Ok(rows)
    }
}

/// One generated appeal as a row of `appeals` (in [`COLS`]' order), and its id.
#[allow(clippy::too_many_arguments)]
fn appeal_row(
    g: &Generated,
    from: NaiveDate,
    number: i64,
    previous: Option<Uuid>,
    buildings: &[(Uuid, String)],
    cats: &[(String, String, bool)],
    category_version: i64,
    ids: &HashMap<String, Uuid>,
) -> Result<(Uuid, Vec<Value>)> {
    let d = |c: Counter| g.deltas[c.index()] > 0;
    let (building_id, path) = &buildings[g.building];
    let created = from_beijing((from + Duration::days(i64::from(g.day))).and_time(NaiveTime::MIN))
        + Duration::seconds(g.second.into());
    let id = uuid::Builder::from_unix_timestamp_millis(created.timestamp_millis() as u64, &g.rand).into_uuid();
    let level = LEVELS[g.level];
    // The handler: the building itself, or the node of the level above it.
    let chain = path_prefixes(path);
    let handler_path = chain.get(chain.len().saturating_sub(1 + g.level)).cloned().unwrap_or_else(|| path.clone());
    let handler_id = ids
        .get(&handler_path)
        .copied()
        .ok_or_else(|| StoreError::invalid("appeals", format!("no territory at {handler_path}")))?;
    let resolved_at =
        d(Counter::Resolved).then(|| created + Duration::minutes(g.deltas[Counter::HandlingMinutes.index()].into()));
    let rated_at = g.rating.and(resolved_at).map(|r| r + Duration::days(2));
    let merged = g.merged;
    let status = if merged {
        "merged"
    } else if g.rating.is_some() {
        "closed"
    } else if resolved_at.is_some() {
        "verified"
    } else if d(Counter::Responded) {
        "in_progress"
    } else {
        "new"
    };
    let is_open = matches!(status, "in_progress" | "new");
    let (cat, cat_name, sensitive) = &cats[g.category];
    let response_due = created + Duration::days(1);
    let resolve_due = created + Duration::days(7);
    let row: Vec<Value> = vec![
        id.into(),
        number.into(),
        1i64.into(),
        status.into(),
        is_open.into(),
        CHANNELS[g.second as usize % CHANNELS.len()].into(),
        cat.clone().into(),
        category_version.into(),
        "normal".into(),
        (*building_id).into(),
        path.clone().into(),
        level.as_str().into(),
        handler_id.into(),
        handler_path.into(),
        true.into(),
        cat_name.clone().into(),
        "基准测试生成的诉求：楼道照明损坏，夜间出行不便，请尽快维修。".into(),
        created.into(),
        rated_at.or(resolved_at).unwrap_or(created).into(),
        d(Counter::Responded).then(|| created + Duration::minutes(45)).into(),
        response_due.into(),
        resolve_due.into(),
        (resolve_due - Duration::days(1)).into(),
        false.into(),
        (is_open && d(Counter::Overdue)).into(),
        i64::from(d(Counter::Overdue)).into(),
        i64::from(d(Counter::Escalated)).into(),
        resolved_at.into(),
        rated_at.into(),
        g.rating.map(str::to_string).into(),
        rated_at.into(),
        previous.filter(|_| merged).into(),
        (*sensitive).into(),
    ];
    Ok((id, row))
}
