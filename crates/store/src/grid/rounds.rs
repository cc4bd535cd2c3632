//! The round of one grid, visits and grid helpers.

use crate::access::Principal;
use crate::appeals::{NewAppeal, Viewer};
use crate::audit::{self, AuditCtx};
use crate::batch::{exec, fetch_all, fetch_optional, insert_rows, QueryParts};
use crate::service::text;
use crate::subtree::Subtree;
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jiayuan_domain::access::{Permission, Role};
use jiayuan_domain::appeal::Channel;
use jiayuan_domain::grid::{self as rules, Due, HelperKind, VisitRules};
use jiayuan_domain::person::PersonTag;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// The most visits one call records (a round written on a phone and sent at once).
pub const MAX_VISITS: usize = 500;

/// A grid as its round shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GridRef {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub community_id: Uuid,
    pub path: String,
    pub worker_id: Option<Uuid>,
}

/// A household on the round.
#[derive(Debug, Clone)]
pub struct HouseholdOnRound {
    pub id: Uuid,
    pub number: String,
    /// Building, entrance and dwelling, as people find the door.
    pub label: String,
    pub dwelling_code: String,
    pub care: Vec<PersonTag>,
    pub every_days: i64,
    pub last_visit: Option<DateTime<Utc>>,
    pub due: Due,
}

/// A grid's round: its households, the most urgent first, and how many were visited in time.
#[derive(Debug, Clone)]
pub struct Round {
    pub grid: GridRef,
    pub rules: VisitRules,
    pub households: Vec<HouseholdOnRound>,
    /// Households visited within their frequency.
    pub visited: usize,
    /// Whether `who` may record visits here.
    pub may_record: bool,
}

impl Round {
    pub fn unvisited(&self) -> impl Iterator<Item = &HouseholdOnRound> {
        self.households.iter().filter(|h| h.due.unvisited())
    }
}

/// A visit as recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Visit {
    pub id: Uuid,
    pub grid_id: Uuid,
    pub household_id: Option<Uuid>,
    pub place_id: Option<Uuid>,
    pub path: String,
    pub visited_at: DateTime<Utc>,
    pub found: String,
    pub follow_up: String,
    pub appeal_id: Option<Uuid>,
}

/// A visit to record: a household of the grid, or a place in it (by code).
#[derive(Debug, Clone, Default)]
pub struct NewVisit {
    pub household: Option<Uuid>,
    pub place: Option<String>,
    pub visited_at: Option<DateTime<Utc>>,
    pub found: String,
    pub follow_up: String,
    /// File what was found as an appeal of this category (channel 网格巡查).
    pub appeal_category: Option<String>,
}

/// A person who joined the grid to help.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Helper {
    pub id: Uuid,
    pub person_id: Uuid,
    pub name: String,
    pub kind: String,
    pub joined_on: NaiveDate,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct NewHelper {
    pub person: Uuid,
    pub kind: HelperKind,
    pub joined_on: NaiveDate,
    pub note: String,
}

const VISIT_COLUMNS: &str =
    "v.id, v.grid_id, v.household_id, v.place_id, v.path, v.visited_at, v.found, v.follow_up, v.appeal_id";

impl Store {
    /// The district's visit rules.
    pub async fn visit_rules(&self) -> Result<VisitRules> {
        let rows: Vec<(String, i64)> =
            fetch_all(&self.db, "SELECT tag, every_days FROM grid_visit_rules ORDER BY tag", &[]).await?;
        let mut r = VisitRules { period_days: rules::DEFAULT_PERIOD_DAYS, care: Vec::new() };
        for (tag, days) in rows {
            match tag.as_str() {
                "" => r.period_days = days,
                t => {
                    if let Some(t) = PersonTag::parse(t) {
                        r.care.push((t, days));
                    }
                }
            }
        }
        Ok(r)
    }

    /// Sets the period and the special-care frequencies (district administrators).
    pub async fn set_visit_rules(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        r: &VisitRules,
        now: DateTime<Utc>,
    ) -> Result<VisitRules> {
        if !who.can(Permission::ManageGridWork) {
            return Err(StoreError::Forbidden(Permission::ManageGridWork));
        }
        rules::check_days("period_days", r.period_days).map_err(StoreError::Invalid)?;
        for (t, d) in &r.care {
            rules::check_days(t.as_str(), *d).map_err(StoreError::Invalid)?;
        }
        let mut tx = self.begin().await?;
        exec(&mut tx, "DELETE FROM grid_visit_rules", &[]).await?;
        let mut rows = vec![(String::new(), r.period_days)];
        rows.extend(r.care.iter().map(|(t, d)| (t.as_str().to_string(), *d)));
        for (tag, days) in rows {
            exec(
                &mut tx,
                "INSERT INTO grid_visit_rules (tag, every_days, updated_at) VALUES ($1, $2, $3)",
                &[tag.into(), days.into(), now.into()],
            )
            .await?;
        }
        audit::record(&mut tx, ctx, "/", "grid.rules", Uuid::nil(), json!({"period_days": r.period_days})).await?;
        tx.commit().await?;
        self.visit_rules().await
    }

    /// A grid by code, to whoever sees its place (404 otherwise).
    pub async fn grid_for(&self, who: &Principal, code: &str) -> Result<GridRef> {
        let g: Option<GridRef> = fetch_optional(
            &self.db,
            "SELECT id, code, name, community_id, path, worker_id FROM grids WHERE code = $1",
            &[code.trim().into()],
        )
        .await?;
        let sees = |g: &GridRef| who.scope(Permission::ViewTerritory).is_ok_and(|s| s.covers_path(&g.path));
        match g {
            Some(g) if sees(&g) => Ok(g),
            _ => Err(StoreError::missing(
                "grid",
                format!("没有网格“{}”，或不在您的范围内 (no such grid in your scope)", code.trim()),
            )),
        }
    }

    /// Whether `who` records visits in this grid: its fixed worker, or a secretary or officer
    /// over it. A community worker is held to the grids they are fixed to.
    pub fn records_in(&self, who: &Principal, g: &GridRef) -> bool {
        let over = |r: &Role| matches!(r, Role::CommunityWorker);
        let fixed = who.person_id.is_some() && who.person_id == g.worker_id;
        let above = who.grants.iter().any(|gr| {
            gr.role.allows(Permission::RecordVisits) && !over(&gr.role) && Subtree::of(&gr.path).covers(&g.path)
        });
        let worker_here = who.grants.iter().any(|gr| over(&gr.role) && Subtree::of(&gr.path).covers(&g.path));
        above || (worker_here && fixed)
    }

    /// The grids `who` walks: those they are fixed to, then (for secretaries and officers) the
    /// others of their scope, by code.
    pub async fn my_grids(&self, who: &Principal) -> Result<Vec<GridRef>> {
        let scope = who.scope(Permission::RecordVisits).map_err(|_| StoreError::Forbidden(Permission::RecordVisits))?;
        let mut out: Vec<GridRef> = Vec::new();
        for root in scope.roots() {
            let mut q = QueryParts::default();
            let within = Subtree::of(root).sql(&mut q, "path");
            let rows: Vec<GridRef> = fetch_all(
                &self.db,
                &format!(
                    "SELECT id, code, name, community_id, path, worker_id FROM grids WHERE {within} ORDER BY code"
                ),
                &q.vals,
            )
            .await?;
            out.extend(rows.into_iter().filter(|g| self.records_in(who, g)));
        }
        out.sort_by_key(|g| (who.person_id.is_none() || who.person_id != g.worker_id, g.code.clone()));
        Ok(out)
    }

    /// The paths a grid's households are under: its buildings (or, for a grid drawn without
    /// buildings, its own place).
    async fn grid_ranges(&self, g: &GridRef) -> Result<Vec<Subtree>> {
        let rows: Vec<(String,)> = fetch_all(
            &self.db,
            "SELECT path FROM territories WHERE kind = 'building' AND grid_id = $1 ORDER BY path",
            &[g.id.into()],
        )
        .await?;
        Ok(if rows.is_empty() { vec![Subtree::of(&g.path)] } else { rows.iter().map(|r| Subtree::of(&r.0)).collect() })
    }

    /// The round of a grid: every household with its special care, its last visit and when it
    /// is due, the most urgent first.
    pub async fn round(&self, who: &Principal, grid: &str, now: DateTime<Utc>) -> Result<Round> {
        let g = self.grid_for(who, grid).await?;
        let rules = self.visit_rules().await?;
        let ranges = self.grid_ranges(&g).await?;
        // One index range over the grid's place (its buildings are under it), kept to the
        // grid's buildings here: an OR of ranges would make the databases scan whole tables.
        let whole = Subtree::of(&g.path);
        let in_grid = |path: &str| ranges.iter().any(|r| r.covers(path));
        let [lo, hi] = whole.bounds();
        let households: Vec<(Uuid, String, String, String, String)> = fetch_all(
            &self.db,
            "SELECT h.id, h.number, h.path, d.name, d.code FROM households h JOIN territories d ON d.id = h.dwelling_id
             WHERE h.path >= $1 AND h.path < $2 ORDER BY h.path",
            &[lo.clone(), hi.clone()],
        )
        .await?;
        let households: Vec<_> = households.into_iter().filter(|h| in_grid(&h.2)).collect();
        let names: Vec<(String, String)> = fetch_all(
            &self.db,
            "SELECT t.path, t.name FROM territories t WHERE t.path >= $1 AND t.path < $2 AND t.kind IN ('building', 'entrance')",
            &[lo.clone(), hi.clone()],
        )
        .await?;
        let names: HashMap<String, String> = names.into_iter().collect();
        let tagged: Vec<(String, String)> = fetch_all(
            &self.db,
            "SELECT p.home_path, p.tags FROM people p WHERE p.home_path >= $1 AND p.home_path < $2 AND p.tags <> ''",
            &[lo, hi],
        )
        .await?;
        let tagged: Vec<_> = tagged.into_iter().filter(|t| in_grid(&t.0)).collect();
        let mut tags: HashMap<String, Vec<PersonTag>> = HashMap::new();
        for (path, t) in tagged {
            let e = tags.entry(path).or_default();
            for tag in jiayuan_domain::person::parse_tags(&t, "tags").unwrap_or_default() {
                if !e.contains(&tag) {
                    e.push(tag);
                }
            }
        }
        // Visits older than the longest frequency tell nothing about what is due.
        let since = now - Duration::days(rules.period_days.max(rules::MAX_DAYS));
        let last: Vec<(Uuid, DateTime<Utc>)> = fetch_all(
            &self.db,
            "SELECT household_id, MAX(visited_at) FROM grid_visits WHERE grid_id = $1 AND visited_at >= $2
               AND household_id IS NOT NULL GROUP BY household_id",
            &[g.id.into(), since.into()],
        )
        .await?;
        let last: HashMap<Uuid, DateTime<Utc>> = last.into_iter().collect();
        let today = jiayuan_domain::time::beijing(now).date();
        let mut out: Vec<HouseholdOnRound> = households
            .into_iter()
            .map(|(id, number, path, dwelling, dwelling_code)| {
                let ancestors: Vec<String> = ancestors_of(&path);
                let label = ancestors
                    .iter()
                    .filter_map(|a| names.get(a))
                    .cloned()
                    .chain(std::iter::once(dwelling))
                    .collect::<Vec<_>>()
                    .join(" ");
                let t = tags.get(&path).cloned().unwrap_or_default();
                let every = rules.every_days(&t);
                let lv = last.get(&id).copied();
                HouseholdOnRound {
                    id,
                    number,
                    label,
                    dwelling_code,
                    care: rules.care_tags(&t),
                    every_days: every,
                    last_visit: lv,
                    due: rules::due(lv.map(|v| jiayuan_domain::time::beijing(v).date()), every, today),
                }
            })
            .collect();
        out.sort_by_key(|h| (h.due.urgency(), h.care.is_empty(), h.label.clone()));
        let visited = out.iter().filter(|h| !h.due.unvisited()).count();
        Ok(Round { may_record: self.records_in(who, &g), grid: g, rules, households: out, visited })
    }

    /// The places of a grid one may visit besides households: its own place (a compound's
    /// common parts) and its buildings, as (code, name).
    pub async fn grid_places(&self, g: &GridRef) -> Result<Vec<(String, String)>> {
        fetch_all(
            &self.db,
            "SELECT code, name FROM territories WHERE path = $1 OR (kind = 'building' AND grid_id = $2) ORDER BY path",
            &[g.path.clone().into(), g.id.into()],
        )
        .await
    }

    /// A grid's visits, the newest first.
    pub async fn grid_visits(&self, who: &Principal, grid: &str, limit: i64) -> Result<Vec<Visit>> {
        let g = self.grid_for(who, grid).await?;
        fetch_all(
            &self.db,
            &format!("SELECT {VISIT_COLUMNS} FROM grid_visits v WHERE v.grid_id = $1 ORDER BY v.visited_at DESC, v.id DESC LIMIT $2"),
            &[g.id.into(), limit.clamp(1, 500).into()],
        )
        .await
    }

    /// Records visits in a grid: every one checked before any is written (a household or a
    /// place of this grid, a time not ahead of now and not more than 31 days back); a finding
    /// with an appeal category is filed as an appeal of the place (channel 网格巡查) and the
    /// visit names it.
    pub async fn record_visits(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        grid: &str,
        visits: &[NewVisit],
        now: DateTime<Utc>,
    ) -> Result<Vec<Visit>> {
        let scope = who.scope(Permission::RecordVisits).map_err(|_| StoreError::Forbidden(Permission::RecordVisits))?;
        let g = self.grid_for(who, grid).await?;
        if !scope.covers_path(&g.path) || !self.records_in(who, &g) {
            return Err(StoreError::Forbidden(Permission::RecordVisits));
        }
        if visits.is_empty() || visits.len() > MAX_VISITS {
            return Err(StoreError::invalid(
                "visits",
                format!("一次记录1到{MAX_VISITS}次走访 (1 to {MAX_VISITS} visits)"),
            ));
        }
        let ranges = self.grid_ranges(&g).await?;
        // A household under one of the grid's buildings; a place there, or the grid's own place.
        let in_grid = |path: &str| ranges.iter().any(|r| r.covers(path)) || path == g.path;
        // The households named, read at once: (path, dwelling code) by id.
        let named: Vec<Uuid> = visits.iter().filter_map(|v| v.household).collect();
        let mut homes: HashMap<Uuid, (String, String)> = HashMap::new();
        for chunk in named.chunks(MAX_VISITS) {
            let mut q = QueryParts::default();
            let list: Vec<String> = chunk.iter().map(|i| q.bind(*i)).collect();
            let rows: Vec<(Uuid, String, String)> = fetch_all(
                &self.db,
                &format!(
                    "SELECT h.id, h.path, d.code FROM households h JOIN territories d ON d.id = h.dwelling_id WHERE h.id IN ({})",
                    list.join(", ")
                ),
                &q.vals,
            )
            .await?;
            homes.extend(rows.into_iter().map(|(id, p, c)| (id, (p, c))));
        }
        // (household, place, path, the code to file an appeal at, when, found, follow-up, category)
        let mut checked = Vec::with_capacity(visits.len());
        for v in visits {
            let found = text("found", &v.found, 0, 2000)?;
            let follow_up = text("follow_up", &v.follow_up, 0, 1000)?;
            // Kept to the microsecond, as PostgreSQL keeps it, so that what is answered now is
            // what is read later.
            let at = chrono::SubsecRound::trunc_subsecs(v.visited_at.unwrap_or(now), 6);
            if at > now + Duration::minutes(5) {
                return Err(StoreError::invalid("visited_at", "走访时间不能晚于现在 (not in the future)"));
            }
            if at < now - Duration::days(31) {
                return Err(StoreError::invalid("visited_at", "只能补记31天内的走访 (at most 31 days back)"));
            }
            let (household, place, path, code) =
                match (v.household, v.place.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
                    (Some(h), None) => match homes.get(&h) {
                        Some((path, code)) if in_grid(path) => (Some(h), None, path.clone(), code.clone()),
                        _ => {
                            return Err(StoreError::invalid(
                                "household_id",
                                "这户不在本网格，只能走访本网格的住户 (this household is not in the grid)",
                            ))
                        }
                    },
                    (None, Some(code)) => match self.territory_by_code(code).await {
                        Ok(t) if in_grid(&t.path) => (None, Some(t.id), t.path.clone(), t.code.clone()),
                        _ => {
                            return Err(StoreError::invalid(
                                "place",
                                "这个地点不在本网格 (the place is not in the grid)",
                            ))
                        }
                    },
                    _ => {
                        return Err(StoreError::invalid(
                            "household_id",
                            "请选择走访的住户或地点之一 (a household or a place)",
                        ))
                    }
                };
            if v.appeal_category.is_some() && found.chars().count() < 2 {
                return Err(StoreError::invalid("found", "转为诉求须写明发现的问题 (say what was found)"));
            }
            checked.push((household, place, path, code, at, found, follow_up, v.appeal_category.clone()));
        }
        // Findings become appeals first: a refused category writes nothing at all.
        let viewer = Viewer::of(who);
        let cfg = self.appeal_config().await?;
        for c in checked.iter().filter_map(|c| c.7.as_deref()) {
            if cfg.category(c).is_none() {
                return Err(StoreError::invalid(
                    "appeal_category",
                    format!("没有代码为“{}”的诉求分类 (unknown category)", c.trim()),
                ));
            }
        }
        let mut appeals: Vec<Option<Uuid>> = Vec::with_capacity(checked.len());
        for c in &checked {
            appeals.push(match &c.7 {
                Some(cat) => {
                    let filed = self
                        .file_appeal(
                            &viewer,
                            ctx,
                            &NewAppeal {
                                channel: Some(Channel::GridPatrol),
                                category: cat.clone(),
                                urgency: None,
                                territory: c.3.clone(),
                                title: None,
                                description: c.5.clone(),
                                address: None,
                                lat: None,
                                lng: None,
                                reporter_person_id: None,
                                // The grid worker found it on the round: they are the reporter.
                                reporter_name: Some(who.display_name.clone()),
                                reporter_phone: None,
                                anonymous: false,
                            },
                            now,
                        )
                        .await?;
                    Some(filed.appeal.id)
                }
                None => None,
            });
        }
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(checked.len());
        let mut rows = Vec::with_capacity(checked.len());
        for (c, appeal) in checked.iter().zip(&appeals) {
            let id = new_id();
            rows.push(vec![
                id.into(),
                g.id.into(),
                c.0.into(),
                c.1.into(),
                c.2.clone().into(),
                who.user_id.into(),
                c.4.into(),
                c.5.clone().into(),
                c.6.clone().into(),
                (*appeal).into(),
                now.into(),
            ]);
            ids.push(id);
        }
        insert_rows(
            &mut tx,
            "grid_visits",
            &[
                "id",
                "grid_id",
                "household_id",
                "place_id",
                "path",
                "visited_by",
                "visited_at",
                "found",
                "follow_up",
                "appeal_id",
                "created_at",
            ],
            &rows,
            "",
        )
        .await?;
        audit::record(
            &mut tx,
            ctx,
            &g.path,
            "grid.visits",
            g.id,
            json!({"visits": ids.len(), "appeals": appeals.iter().flatten().count()}),
        )
        .await?;
        tx.commit().await?;
        // What was written, as it reads back: in visit order.
        let mut written: Vec<Visit> = checked
            .into_iter()
            .zip(ids)
            .zip(appeals)
            .map(|((c, id), appeal_id)| Visit {
                id,
                grid_id: g.id,
                household_id: c.0,
                place_id: c.1,
                path: c.2,
                visited_at: c.4,
                found: c.5,
                follow_up: c.6,
                appeal_id,
            })
            .collect();
        written.sort_by(|a, b| a.visited_at.cmp(&b.visited_at).then(a.id.cmp(&b.id)));
        Ok(written)
    }

    /// The people who joined a grid to help.
    pub async fn grid_helpers(&self, who: &Principal, grid: &str) -> Result<Vec<Helper>> {
        let g = self.grid_for(who, grid).await?;
        fetch_all(
            &self.db,
            "SELECT h.id, h.person_id, p.name, h.kind, h.joined_on, h.note FROM grid_helpers h JOIN people p ON p.id = h.person_id
             WHERE h.grid_id = $1 ORDER BY h.joined_on, p.name_pinyin",
            &[g.id.into()],
        )
        .await
    }

    /// Records a person who joined the grid to help (once per kind: 409).
    pub async fn add_grid_helper(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        grid: &str,
        h: &NewHelper,
        now: DateTime<Utc>,
    ) -> Result<Helper> {
        let g = self.grid_for(who, grid).await?;
        if !self.records_in(who, &g) {
            return Err(StoreError::Forbidden(Permission::RecordVisits));
        }
        self.resident_in_scope(who, h.person).await?;
        let note = text("note", &h.note, 0, 200)?;
        let today = jiayuan_domain::time::beijing(now).date();
        if h.joined_on > today {
            return Err(StoreError::invalid("joined_on", "日期不能晚于今天 (not in the future)"));
        }
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO grid_helpers (id, grid_id, person_id, kind, joined_on, note, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                id.into(),
                g.id.into(),
                h.person.into(),
                h.kind.as_str().into(),
                h.joined_on.into(),
                note.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => {
                StoreError::conflict("person_id", "这位居民已以这一身份入格 (already joined as such)")
            }
            other => other,
        })?;
        audit::record(&mut tx, ctx, &g.path, "grid.helper", id, json!({"kind": h.kind.as_str()})).await?;
        tx.commit().await?;
        let all = self.grid_helpers(who, grid).await?;
        all.into_iter().find(|x| x.id == id).ok_or(StoreError::NotFound)
    }
}

/// The stored paths above a path, the nearest last: `/1/2/3/` → `/1/`, `/1/2/`.
fn ancestors_of(path: &str) -> Vec<String> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    (1..parts.len()).map(|n| format!("/{}/", parts[..n].join("/"))).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ancestors_are_listed_from_the_top() {
        assert_eq!(super::ancestors_of("/1/2/3/"), vec!["/1/", "/1/2/"]);
        assert!(super::ancestors_of("/1/").is_empty());
    }
}
