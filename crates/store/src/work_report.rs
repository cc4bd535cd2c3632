//! The work report of a territory for a year (工作报告): every figure of
//! [`jiayuan_domain::work_report::FIGURES`] computed from records, beside last year's.
//!
//! Each counted figure is written once as its [`Source`]s — table, path column, time column,
//! condition, and what a record weighs — and both its number and its drill-down (the records
//! behind it) are built from those same parts, so the list always adds up to the figure.

use crate::access::Principal;
use crate::appeals::rollup::MeasureQuery;
use crate::appeals::Viewer;
use crate::batch::{fetch_all, QueryParts};
use crate::model::Territory;
use crate::stats::{BRANCH_PROPERTY_APPEAL, BRANCH_PROPERTY_TOPIC};
use crate::subtree::Subtree;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::appeal::Level;
use jiayuan_domain::work_report::{self as wr, Change, Figure, Unit};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// The first and last year a report may be asked for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Where a record behind a figure is seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Appeal,
    Activity,
    Topic,
    Decision,
    Solution,
    Project,
    Ticket,
    Consultation,
    Territory,
    Organisation,
    Worker,
    CatalogueEntry,
    FundEntry,
}

/// When a source's records happened.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum At {
    /// What stands: no time condition.
    Standing,
    /// An instant column within the year.
    Instant(&'static str),
    /// A day column within the year.
    Day(&'static str),
    /// A day column on or before the year's last day (what has been done up to then).
    DayUpTo(&'static str),
}

/// One kind of record behind a figure.
struct Source {
    from: &'static str,
    /// The path column; `None` for the district's catalogue, which has no place.
    path: Option<&'static str>,
    at: At,
    cond: String,
    /// What one record adds to the figure (`1`, or the people an activity served).
    weight: &'static str,
    kind: RecordKind,
    /// Listing: the record's id (a uuid column, or `NULL`), a code, and a title.
    id: &'static str,
    code: &'static str,
    title: &'static str,
}

fn in_list(col: &str, values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    format!("{col} IN ({})", quoted.join(", "))
}

/// `category_code` is one of `roots` or below one.
fn categories(roots: &[&str]) -> String {
    let parts: Vec<String> =
        roots.iter().map(|r| format!("category_code = '{r}' OR category_code LIKE '{r}.%'")).collect();
    format!("({})", parts.join(" OR "))
}

const RESOLVED: &str = "status IN ('resolved', 'verified', 'closed')";

fn appeals(at: &'static str, cond: String) -> Source {
    Source {
        from: "appeals",
        path: Some("path"),
        at: At::Instant(at),
        cond,
        weight: "1",
        kind: RecordKind::Appeal,
        id: "id",
        code: "number",
        title: "category_code",
    }
}

fn topics(cond: String) -> Source {
    Source {
        from: "council_topics",
        path: Some("node_path"),
        at: At::Instant("done_at"),
        cond,
        weight: "1",
        kind: RecordKind::Topic,
        id: "id",
        code: "kind",
        title: "title",
    }
}

fn passed_decisions() -> Source {
    Source {
        from: "decisions",
        path: Some("compound_path"),
        at: At::Instant("updated_at"),
        cond: "stage = 'passed'".into(),
        weight: "1",
        kind: RecordKind::Decision,
        id: "id",
        code: "stage",
        title: "title",
    }
}

fn activities(cond: String, weight: &'static str) -> Source {
    Source {
        from: "activities",
        path: Some("path"),
        at: At::Instant("starts_at"),
        // Held: reported as done (an activity still to come, or called off, is not counted).
        cond: format!("status = 'done' AND {cond}"),
        weight,
        kind: RecordKind::Activity,
        id: "id",
        code: "(SELECT k.name FROM activity_kinds k WHERE k.code = activities.kind)",
        title: "title",
    }
}

fn party_orgs(kind: &str) -> Source {
    Source {
        from: "party_orgs",
        path: Some("path"),
        at: At::Standing,
        cond: format!("kind = '{kind}'"),
        weight: "1",
        kind: RecordKind::Territory,
        id: "territory_id",
        code: "kind",
        title: "name",
    }
}

fn catalogue(cond: &str, items: bool) -> Source {
    Source {
        from: if items {
            "service_items JOIN service_categories ON service_categories.code = service_items.category"
        } else {
            "service_categories"
        },
        path: None,
        at: At::Standing,
        cond: cond.to_string(),
        weight: "1",
        kind: RecordKind::CatalogueEntry,
        id: "NULL",
        code: if items { "service_items.code" } else { "service_categories.code" },
        title: if items { "service_items.name" } else { "service_categories.name" },
    }
}

fn solutions() -> Source {
    Source {
        from: "golden_solutions",
        path: Some("path"),
        at: At::Instant("submitted_at"),
        cond: "1 = 1".into(),
        weight: "1",
        kind: RecordKind::Solution,
        id: "id",
        code: "status",
        title: "title",
    }
}

const TRAINING: &str = "kind IN (SELECT code FROM activity_kinds WHERE training = TRUE)";
const PEOPLE_SERVED: &str = "checked_in + unnamed_beneficiaries";

/// The records behind a counted figure; `None` for the rates and the special fund, which are
/// not counts of records.
fn sources(key: &str) -> Option<Vec<Source>> {
    let topic_not_from_appeal = "status = 'done' AND appeal_id IS NULL";
    Some(match key {
        "appeals_received" => vec![appeals("created_at", "status <> 'merged'".into())],
        "compound_branches" => vec![party_orgs("compound_branch")],
        "building_groups" => vec![party_orgs("building_group")],
        "central_households" => vec![Source {
            from: "central_households JOIN territories ON territories.path = central_households.path",
            path: Some("central_households.path"),
            at: At::Standing,
            cond: "1 = 1".into(),
            weight: "1",
            kind: RecordKind::Territory,
            id: "territories.id",
            code: "territories.code",
            title: "territories.name",
        }],
        "social_organisations" => vec![Source {
            from: "organisations",
            path: Some("path"),
            at: At::Standing,
            cond: "kind = 'social_organisation'".into(),
            weight: "1",
            kind: RecordKind::Organisation,
            id: "id",
            code: "code",
            title: "name",
        }],
        "venture_projects" => vec![Source {
            from: "venture_projects",
            path: Some("path"),
            at: At::Instant("applied_at"),
            cond: "status <> 'applied'".into(),
            weight: "1",
            kind: RecordKind::Project,
            id: "id",
            code: "status",
            title: "title",
        }],
        "social_org_activities" => vec![activities("organiser_kind = 'social_org'".into(), "1")],
        "beneficiaries" => vec![activities("organiser_kind = 'social_org'".into(), PEOPLE_SERVED)],
        "golden_solutions" => vec![solutions()],
        "disputes_settled" => vec![
            appeals("resolved_at", format!("{RESOLVED} AND {}", categories(wr::DISPUTE_CATEGORIES))),
            topics(format!("kind = 'dispute' AND {topic_not_from_appeal}")),
        ],
        "property_matters_by_branch" => vec![
            appeals("resolved_at", BRANCH_PROPERTY_APPEAL.trim_start().trim_start_matches("AND ").to_string()),
            passed_decisions(),
            topics(BRANCH_PROPERTY_TOPIC.trim_start().trim_start_matches("AND ").to_string()),
        ],
        "training_sessions" => vec![activities(TRAINING.into(), "1")],
        "trainees" => vec![activities(TRAINING.into(), PEOPLE_SERVED)],
        "consultations_outside_hours" => vec![Source {
            from: "service_consultations",
            path: Some("path"),
            at: At::Instant("at"),
            cond: "outside_hours = TRUE".into(),
            weight: "1",
            kind: RecordKind::Consultation,
            id: "id",
            code: "channel",
            title: "topic",
        }],
        "matters_outside_hours" => vec![Source {
            from: "service_tickets",
            path: Some("path"),
            at: At::Instant("received_at"),
            cond: "outside_hours = TRUE".into(),
            weight: "1",
            kind: RecordKind::Ticket,
            id: "id",
            code: "number",
            title: "item_name",
        }],
        "service_categories" => vec![catalogue("service_categories.kind = 'desk'", false)],
        "service_items" => vec![catalogue("service_categories.kind = 'desk'", true)],
        "centre_services" => vec![catalogue("service_categories.kind <> 'desk'", true)],
        "cultural_events" => vec![activities(in_list("kind", wr::CULTURAL_KINDS), "1")],
        "problems_co_deliberated" => vec![topics("status = 'done'".into())],
        "property_disputes_settled" => vec![
            appeals("resolved_at", format!("{RESOLVED} AND {}", categories(wr::PROPERTY_CATEGORIES))),
            topics(format!("kind = 'property' AND {topic_not_from_appeal}")),
            passed_decisions(),
        ],
        "service_stations" => vec![Source {
            from: "service_stations",
            path: Some("path"),
            at: At::Standing,
            cond: "1 = 1".into(),
            weight: "1",
            kind: RecordKind::Territory,
            id: "territory_id",
            code: "name",
            title: "name",
        }],
        "community_workers" => vec![Source {
            from: "community_workers JOIN people ON people.id = community_workers.person_id",
            path: Some("community_workers.path"),
            at: At::DayUpTo("community_workers.hired_on"),
            cond: "community_workers.kind = 'recruited'".into(),
            weight: "1",
            kind: RecordKind::Worker,
            id: "community_workers.id",
            code: "community_workers.post",
            title: "people.name",
        }],
        "special_fund_per_community_fen" => vec![Source {
            from: "fund_entries",
            path: Some("path"),
            at: At::Day("occurred_on"),
            cond: "status = 'posted' AND direction = 'income' AND source = 'special_fund'".into(),
            weight: "amount_fen",
            kind: RecordKind::FundEntry,
            id: "id",
            code: "source",
            title: "summary",
        }],
        _ => return None,
    })
}

/// The bounds of a year in Beijing time, as instants and as days.
#[derive(Debug, Clone, Copy)]
pub struct YearBounds {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub first_day: NaiveDate,
    pub next_first_day: NaiveDate,
}

impl YearBounds {
    pub fn of(year: i32) -> Result<Self> {
        if !YEARS.contains(&year) {
            return Err(StoreError::invalid(
                "year",
                format!("年份应在{}到{}之间 (a year from 2000 to 2100)", YEARS.start(), YEARS.end()),
            ));
        }
        let day = |y: i32| {
            NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(|| StoreError::invalid("year", "无效年份 (not a year)"))
        };
        let (first_day, next_first_day) = (day(year)?, day(year + 1)?);
        let at = |d: NaiveDate| jiayuan_domain::time::from_beijing(d.and_time(NaiveTime::MIN));
        Ok(Self { start: at(first_day), end: at(next_first_day), first_day, next_first_day })
    }
}

impl Source {
    /// The `WHERE` of this source over a subtree and a year.
    fn where_clause(&self, q: &mut QueryParts, within: &Subtree, y: &YearBounds) -> String {
        let mut conds = vec![format!("({})", self.cond)];
        conds.extend(self.scope(q, within, y));
        format!(" WHERE {}", conds.join(" AND "))
    }

    /// The conditions that place a record in the subtree and the year.
    fn scope(&self, q: &mut QueryParts, within: &Subtree, y: &YearBounds) -> Vec<String> {
        let mut conds = Vec::new();
        if let Some(col) = self.path {
            if within.path != "/" {
                conds.push(within.sql(q, col));
            }
        }
        match self.at {
            At::Standing => {}
            At::Instant(col) => {
                conds.push(format!("{col} >= {}", q.bind(y.start)));
                conds.push(format!("{col} < {}", q.bind(y.end)));
            }
            At::Day(col) => {
                conds.push(format!("{col} >= {}", q.bind(y.first_day)));
                conds.push(format!("{col} < {}", q.bind(y.next_first_day)));
            }
            At::DayUpTo(col) => conds.push(format!("{col} < {}", q.bind(y.next_first_day))),
        }
        conds
    }

    /// Sources read in one pass: the same table, place and time.
    fn pass(&self) -> (&'static str, Option<&'static str>, At) {
        (self.from, self.path, self.at)
    }
}

/// One figure's value this year and last, and whether it reproduces the seed's.
#[derive(Debug, Clone, Serialize)]
pub struct FigureValue {
    pub figure: &'static Figure,
    /// `None` for a rate with nothing to divide by.
    pub value: Option<i64>,
    pub last_year: Option<i64>,
    pub change: Option<Change>,
    /// Whether the value meets the seed's figure (exact, or at least the floor).
    pub meets_seed: Option<bool>,
}

/// A rate's formula, in words, as configured.
#[derive(Debug, Clone, Serialize)]
pub struct RateFormula {
    pub key: &'static str,
    pub formula: String,
    pub formula_zh: String,
}

/// What the report is about.
#[derive(Debug, Clone, Serialize)]
pub struct ReportPlace {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub name: String,
    pub name_en: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotableSolution {
    pub id: Uuid,
    pub title: String,
    pub org_name: String,
    pub status: String,
    pub score: Option<i64>,
}

/// The report of a territory for a year.
#[derive(Debug, Clone, Serialize)]
pub struct WorkReport {
    pub territory: ReportPlace,
    pub year: i32,
    pub figures: Vec<FigureValue>,
    pub formulas: Vec<RateFormula>,
    /// Appeals resolved in the year by the level that settled them.
    pub settled_by_level: Vec<(Level, i64)>,
    /// The share settled at building and compound level (per mille), when any were settled.
    pub settled_low_permille: Option<i64>,
    /// The most frequent categories of the year's appeals (top-level categories), most first.
    pub top_categories: Vec<Named>,
    /// The councils that settled the most topics in the year.
    pub notable_councils: Vec<Named>,
    /// The year's golden solutions with the highest scores.
    pub notable_solutions: Vec<NotableSolution>,
}

impl WorkReport {
    pub fn get(&self, key: &str) -> Option<&FigureValue> {
        self.figures.iter().find(|f| f.figure.key == key)
    }
}

/// One record behind a figure.
#[derive(Debug, Clone, Serialize)]
pub struct FigureRecord {
    pub kind: RecordKind,
    pub id: Option<Uuid>,
    pub code: String,
    pub title: String,
    pub path: String,
    pub place: String,
    pub weight: i64,
    pub at: Option<DateTime<Utc>>,
    pub day: Option<NaiveDate>,
}

/// A page of the records behind a figure, and their totals (which are the figure).
#[derive(Debug, Clone, Serialize)]
pub struct FigureRecords {
    pub figure: &'static Figure,
    pub territory: ReportPlace,
    pub year: i32,
    /// Records in all, over every page.
    pub total_records: i64,
    /// What they add up to: the figure's value.
    pub total_weight: i64,
    pub records: Vec<FigureRecord>,
}

type ListRow = (Option<Uuid>, String, String, String, i64, Option<DateTime<Utc>>, Option<NaiveDate>);

impl Store {
    /// The territory a report may be drawn for: one the principal sees (`NotFound` otherwise).
    pub async fn report_place(&self, who: &Principal, code: &str) -> Result<Territory> {
        let scope =
            who.scope(Permission::ViewTerritory).map_err(|_| StoreError::Forbidden(Permission::ViewTerritory))?;
        let t = self.territory_in(&scope, code).await?;
        if !matches!(t.kind.as_str(), "district" | "subdistrict" | "community") {
            return Err(StoreError::invalid(
                "territory",
                "工作报告按区、街道或社区生成 (a report is drawn for a district, subdistrict or community)",
            ));
        }
        Ok(t)
    }

    /// The code of the place whose report a person at `path` starts from: the deepest district,
    /// subdistrict or community at or above it (the district for the whole database).
    pub async fn report_root(&self, path: &str) -> Result<String> {
        let mut q = QueryParts::default();
        let cond = if path == "/" || path.is_empty() {
            "parent_id IS NULL".to_string()
        } else {
            let ph: Vec<String> = crate::appeals::path_prefixes(path).into_iter().map(|p| q.bind(p)).collect();
            format!("path IN ({}) AND kind IN ('district', 'subdistrict', 'community')", ph.join(", "))
        };
        let rows: Vec<(String, String)> =
            fetch_all(&self.db, &format!("SELECT code, path FROM territories WHERE {cond} ORDER BY path"), &q.vals)
                .await?;
        rows.into_iter().max_by_key(|r| r.1.len()).map(|r| r.0).ok_or(StoreError::NotFound)
    }

    /// The report of `code` for `year`, beside `year - 1`.
    pub async fn work_report(&self, who: &Principal, code: &str, year: i32) -> Result<WorkReport> {
        let t = self.report_place(who, code).await?;
        let (this, last) = (YearBounds::of(year)?, YearBounds::of(year - 1)?);
        let within = Subtree::of(&t.path);
        let viewer = Viewer::of(who);
        let cfg = self.appeal_config().await?;
        let mut figures = Vec::new();
        let mut formulas = Vec::new();
        let measures = |b: YearBounds| MeasureQuery {
            within: Some(t.code.clone()),
            from: b.first_day,
            to: b.next_first_day,
            category: None,
            level: None,
        };
        let (q_this, q_last) = (measures(this), measures(last));
        let (m_this, m_last, t_this, t_last) = tokio::try_join!(
            self.appeal_rollup_measures(&viewer, &q_this),
            self.appeal_rollup_measures(&viewer, &q_last),
            self.figure_totals(&within, &this),
            self.figure_totals(&within, &last),
        )?;
        for f in wr::FIGURES {
            let (value, last_year) = match f.unit {
                Unit::Rate => {
                    let pick = |m: &crate::appeals::rollup::Measures| {
                        m.rates
                            .iter()
                            .find(|r| r.rate.as_str() == f.key)
                            .and_then(|r| r.value)
                            .map(|v| (v * 1000.0).round() as i64)
                    };
                    if let Some(r) = m_this.rates.iter().find(|r| r.rate.as_str() == f.key) {
                        formulas.push(RateFormula {
                            key: f.key,
                            formula: r.formula.clone(),
                            formula_zh: r.formula_zh.clone(),
                        });
                    }
                    (pick(&m_this), pick(&m_last))
                }
                _ if f.key == "special_fund_per_community_fen" => {
                    (Some(self.special_fund_amount(year).await?), Some(self.special_fund_amount(year - 1).await?))
                }
                _ => (t_this.get(f.key).copied(), t_last.get(f.key).copied()),
            };
            let change = value.zip(last_year).map(|(v, l)| wr::change(v, l));
            // The seed describes the whole district; its figures are checked there only.
            let meets_seed = (t.kind == "district").then_some(()).and(f.seed).zip(value).map(|(s, v)| s.met_by(v));
            figures.push(FigureValue { figure: f, value, last_year, change, meets_seed });
        }
        let settled_by_level = m_this.settled.clone();
        let settled: i64 = settled_by_level.iter().map(|x| x.1).sum();
        let low: i64 =
            settled_by_level.iter().filter(|(l, _)| matches!(l, Level::Building | Level::Compound)).map(|x| x.1).sum();
        let settled_low_permille = (settled > 0).then(|| (low * 1000 + settled / 2) / settled);
        // Top-level categories by appeals received.
        let mut by_top: std::collections::BTreeMap<String, i64> = Default::default();
        for (code, c) in &m_this.by_category {
            let top = code.split('.').next().unwrap_or(code).to_string();
            *by_top.entry(top).or_default() += c.get(jiayuan_domain::appeal::measure::Counter::Received);
        }
        let mut top_categories: Vec<Named> = by_top
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(code, count)| {
                let (name, name_en) = cfg
                    .category(&code)
                    .map_or((code.clone(), code.clone()), |c| (c.name_zh.clone(), c.name_en.clone()));
                Named { name, name_en, count }
            })
            .collect();
        top_categories.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
        top_categories.truncate(5);
        let notable_councils = self.notable_councils(&within, &this).await?;
        let notable_solutions = self.notable_solutions(&within, &this).await?;
        Ok(WorkReport {
            territory: place_of(&t),
            year,
            figures,
            formulas,
            settled_by_level,
            settled_low_permille,
            top_categories,
            notable_councils,
            notable_solutions,
        })
    }

    /// Every counted figure over a subtree and a year: what its records add up to. Sources
    /// over the same table, place and time are counted in one pass (one statement summing
    /// each source's condition), and the passes run side by side, so that each table is read
    /// once however many figures count it.
    async fn figure_totals(&self, within: &Subtree, y: &YearBounds) -> Result<HashMap<&'static str, i64>> {
        let mut passes: Vec<Vec<(&'static str, Source)>> = Vec::new();
        for f in wr::FIGURES {
            for s in sources(f.key).into_iter().flatten() {
                match passes.iter_mut().find(|p| p[0].1.pass() == s.pass()) {
                    Some(p) => p.push((f.key, s)),
                    None => passes.push(vec![(f.key, s)]),
                }
            }
        }
        let sums = futures_util::future::try_join_all(passes.iter().map(|p| self.pass_totals(p, within, y))).await?;
        let mut totals: HashMap<&'static str, i64> = HashMap::new();
        for (p, sums) in passes.iter().zip(sums) {
            for ((key, _), w) in p.iter().zip(sums) {
                *totals.entry(*key).or_default() += w;
            }
        }
        Ok(totals)
    }

    /// One pass over a table: each source's weight summed where its condition holds.
    async fn pass_totals(&self, pass: &[(&'static str, Source)], within: &Subtree, y: &YearBounds) -> Result<Vec<i64>> {
        let Some((_, first)) = pass.first() else { return Ok(vec![]) };
        let mut q = QueryParts::default();
        let mut conds = first.scope(&mut q, within, y);
        let mut any: Vec<String> = pass.iter().map(|(_, s)| format!("({})", s.cond)).collect();
        any.sort();
        any.dedup();
        conds.push(format!("({})", any.join(" OR ")));
        let sums: Vec<String> = pass
            .iter()
            .map(|(_, s)| {
                format!("CAST(COALESCE(sum(CASE WHEN {} THEN {} ELSE 0 END), 0) AS BIGINT)", s.cond, s.weight)
            })
            .collect();
        let sql = format!("SELECT {} FROM {} WHERE {}", sums.join(", "), first.from, conds.join(" AND "));
        let rows = crate::batch::fetch_text_ints(&self.db, &sql, &q.vals, 0).await?;
        Ok(rows.into_iter().next().map(|r| r.1).unwrap_or_else(|| vec![0; pass.len()]))
    }

    async fn source_total(&self, s: &Source, within: &Subtree, y: &YearBounds) -> Result<(i64, i64)> {
        let mut q = QueryParts::default();
        let w = s.where_clause(&mut q, within, y);
        let sql = format!(
            "SELECT CAST(count(*) AS BIGINT), CAST(COALESCE(sum({}), 0) AS BIGINT) FROM {}{w}",
            s.weight, s.from
        );
        let rows: Vec<(i64, i64)> = fetch_all(&self.db, &sql, &q.vals).await?;
        Ok(rows.first().copied().unwrap_or_default())
    }

    /// The records behind a figure, a page at a time (`page` from 1), newest first; the
    /// totals are the figure's. Rates have no records (their counts are on the dashboard).
    pub async fn figure_records(
        &self,
        who: &Principal,
        code: &str,
        year: i32,
        key: &str,
        page: i64,
        page_size: i64,
    ) -> Result<FigureRecords> {
        let figure = wr::figure(key)
            .ok_or_else(|| StoreError::missing("figure", format!("没有这项数字“{key}” (no such figure)")))?;
        let sources = sources(key).ok_or_else(|| {
            StoreError::invalid("figure", "这项比率由诉求看板计算，没有逐条记录 (a rate: see the appeals dashboard)")
        })?;
        let t = self.report_place(who, code).await?;
        let y = YearBounds::of(year)?;
        let within = Subtree::of(&t.path);
        let page_size = page_size.clamp(1, 200);
        let mut skip = (page.max(1) - 1) * page_size;
        let mut want = page_size;
        let (mut total_records, mut total_weight) = (0, 0);
        let mut records = Vec::new();
        let cfg = self.appeal_config().await?;
        for s in &sources {
            let (n, w) = self.source_total(s, &within, &y).await?;
            total_records += n;
            total_weight += w;
            if want == 0 || skip >= n {
                skip = (skip - n).max(0);
                continue;
            }
            let mut q = QueryParts::default();
            let wc = s.where_clause(&mut q, &within, &y);
            let (at, day) = match s.at {
                At::Instant(c) => (c, "NULL"),
                At::Day(c) | At::DayUpTo(c) => ("NULL", c),
                At::Standing => ("NULL", "NULL"),
            };
            // Unique to the last key, so that pages neither repeat nor skip a record.
            let tiebreak = if s.id == "NULL" { s.code } else { s.id };
            let order = match s.at {
                At::Instant(c) | At::Day(c) | At::DayUpTo(c) => format!("{c} DESC, {tiebreak}"),
                At::Standing => format!("{}, {tiebreak}", s.path.unwrap_or(s.code)),
            };
            let path = s.path.unwrap_or("''");
            let sql = format!(
                "SELECT {}, CAST({} AS TEXT), {}, {path}, CAST({} AS BIGINT), {at}, {day} FROM {}{wc} ORDER BY {order} LIMIT {} OFFSET {}",
                s.id, s.code, s.title, s.weight, s.from,
                q.bind(want),
                q.bind(skip)
            );
            let rows: Vec<ListRow> = fetch_all(&self.db, &sql, &q.vals).await?;
            want -= rows.len() as i64;
            skip = 0;
            for (id, code, title, path, weight, at, day) in rows {
                let title = match s.kind {
                    RecordKind::Appeal => cfg.category(&title).map_or(title.clone(), |c| c.name_zh.clone()),
                    _ => title,
                };
                records.push(FigureRecord {
                    kind: s.kind,
                    id,
                    code,
                    title,
                    path,
                    place: String::new(),
                    weight,
                    at,
                    day,
                });
            }
        }
        // The place of each record, by name, in one query.
        let mut paths: Vec<String> = records.iter().map(|r| r.path.clone()).filter(|p| !p.is_empty()).collect();
        paths.sort();
        paths.dedup();
        if !paths.is_empty() {
            let mut q = QueryParts::default();
            let ph: Vec<String> = paths.iter().map(|p| q.bind(p.clone())).collect();
            let names: Vec<(String, String)> = fetch_all(
                &self.db,
                &format!("SELECT path, name FROM territories WHERE path IN ({})", ph.join(",")),
                &q.vals,
            )
            .await?;
            let names: std::collections::HashMap<String, String> = names.into_iter().collect();
            for r in &mut records {
                r.place = names.get(&r.path).cloned().unwrap_or_default();
            }
        }
        Ok(FigureRecords { figure, territory: place_of(&t), year, total_records, total_weight, records })
    }

    /// The councils with the most topics done in the year (as `problems_co_deliberated`).
    async fn notable_councils(&self, within: &Subtree, y: &YearBounds) -> Result<Vec<Named>> {
        let mut q = QueryParts::default();
        let mut w = format!("t.status = 'done' AND t.done_at >= {} AND t.done_at < {}", q.bind(y.start), q.bind(y.end));
        if within.path != "/" {
            w = format!("{w} AND {}", within.sql(&mut q, "t.node_path"));
        }
        let rows: Vec<(String, String, i64)> = fetch_all(
            &self.db,
            &format!(
                "SELECT c.name, c.kind, CAST(count(*) AS BIGINT) FROM council_topics t JOIN councils c ON c.id = t.council_id
                 WHERE {w} GROUP BY c.id, c.name, c.kind ORDER BY count(*) DESC, c.name LIMIT 5"
            ),
            &q.vals,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(name, kind, count)| Named {
                name_en: jiayuan_domain::council::CouncilKind::parse(&kind).map_or(kind, |k| k.label_en().to_string()),
                name,
                count,
            })
            .collect())
    }

    async fn notable_solutions(&self, within: &Subtree, y: &YearBounds) -> Result<Vec<NotableSolution>> {
        let mut q = QueryParts::default();
        let w = solutions().where_clause(&mut q, within, y);
        let rows: Vec<(Uuid, String, String, String, Option<i64>)> = fetch_all(
            &self.db,
            &format!(
                "SELECT id, title, org_name, status, district_score FROM golden_solutions{w}
                 ORDER BY CASE WHEN promoted_at IS NULL THEN 1 ELSE 0 END, district_score DESC, submitted_at DESC LIMIT 5"
            ),
            &q.vals,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, title, org_name, status, score)| NotableSolution { id, title, org_name, status, score })
            .collect())
    }
}

fn place_of(t: &Territory) -> ReportPlace {
    ReportPlace { id: t.id, code: t.code.clone(), name: t.name.clone(), kind: t.kind.clone(), path: t.path.clone() }
}
