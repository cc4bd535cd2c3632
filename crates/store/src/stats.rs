//! Counts for a whole database or a subtree: the figures of the seed, from records.

use crate::access::Scope;
use crate::batch::fetch_i64;
use crate::territory::{within_sql, Subtree};
use crate::{Result, Store};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use jiayuan_domain::time::from_beijing;
use serde::Serialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// `property_matters_by_branch`, defined once for the standing count and the period's: appeals
/// of the property categories resolved while a compound branch held them…
pub(crate) const BRANCH_PROPERTY_APPEAL: &str = " AND (category_code = 'property' OR category_code LIKE 'property.%') \
     AND status IN ('resolved', 'verified', 'closed') AND handler_level = 'compound'";
/// …proposals the owners' assembly passed (`stage = 'passed'`), and councils' property topics
/// carried out by a compound branch, a referred one left to its appeal.
pub(crate) const BRANCH_PROPERTY_TOPIC: &str = " AND status = 'done' AND kind = 'property' AND appeal_id IS NULL \
     AND EXISTS (SELECT 1 FROM council_outcomes o WHERE o.topic_id = council_topics.id AND o.carrier_is_branch)";

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Stats {
    pub subdistricts: i64,
    pub communities: i64,
    pub compounds: i64,
    pub buildings: i64,
    pub dwellings: i64,
    pub households: i64,
    pub residents: i64,
    pub compound_branches: i64,
    pub building_groups: i64,
    pub central_households: i64,
    pub party_members: i64,
    pub social_organisations: i64,
    pub service_stations: i64,
    pub grids: i64,
    pub organisations: i64,
    pub assignments: i64,
    /// Owners' assembly votes announced on compounds in the subtree.
    pub owner_votes: i64,
    /// Property decisions proposed by compound branches in the subtree (any stage).
    pub property_decisions: i64,
    /// Property matters settled under a compound branch's lead: appeals of the property
    /// categories resolved while a compound branch held them, property decisions the owners'
    /// assembly passed, and councils' property topics carried out by a compound branch (those
    /// referred from an appeal are counted once, as the appeal).
    pub property_matters_by_branch: i64,
    /// Topics raised in or referred to the councils of the subtree.
    pub council_topics: i64,
    /// Of those, the ones whose every outcome has been carried out.
    pub council_topics_done: i64,
    /// Desk categories of the service catalogue (the seed's 4), district-wide.
    pub service_categories: i64,
    /// Government service items handled at the desk (the seed's 43), district-wide.
    pub service_items: i64,
    /// The centre's function areas (the seed's 5), district-wide.
    pub centre_service_areas: i64,
    /// Services integrated in the community centres (the seed's 61), district-wide.
    pub centre_services: i64,
    /// Tickets (办件) received at the points of the subtree.
    pub service_tickets: i64,
    /// Of those, received outside regular hours (the seed's 354 "matters handled").
    pub matters_outside_hours: i64,
    /// Consultations answered at the points of the subtree.
    pub consultations: i64,
    /// Of those, answered outside regular hours (the seed's 265).
    pub consultations_outside_hours: i64,
    /// Community life (defined in `life::figures`): activities held, the people they served,
    /// confirmed volunteer hours, approved venture projects, golden solutions submitted,
    /// training sessions and trainees.
    pub activities: i64,
    pub beneficiaries: i64,
    pub volunteer_hours: i64,
    pub venture_projects: i64,
    pub golden_solutions: i64,
    pub training_sessions: i64,
    pub trainees: i64,
    /// Community funds (defined in `support::figures`): posted income and spending, net of
    /// reversals, in fen.
    pub fund_income_fen: i64,
    pub fund_spent_fen: i64,
    /// Community workers recruited openly (defined in `support::figures`).
    pub community_workers: i64,
    /// Grid work (defined in `grid::figures`): visits made, and households not visited within
    /// the district's period.
    pub grid_visits: i64,
    pub households_unvisited: i64,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.subdistricts += o.subdistricts;
        self.communities += o.communities;
        self.compounds += o.compounds;
        self.buildings += o.buildings;
        self.dwellings += o.dwellings;
        self.households += o.households;
        self.residents += o.residents;
        self.compound_branches += o.compound_branches;
        self.building_groups += o.building_groups;
        self.central_households += o.central_households;
        self.party_members += o.party_members;
        self.social_organisations += o.social_organisations;
        self.service_stations += o.service_stations;
        self.grids += o.grids;
        self.organisations += o.organisations;
        self.assignments += o.assignments;
        self.owner_votes += o.owner_votes;
        self.property_decisions += o.property_decisions;
        self.property_matters_by_branch += o.property_matters_by_branch;
        self.council_topics += o.council_topics;
        self.council_topics_done += o.council_topics_done;
        self.service_tickets += o.service_tickets;
        self.matters_outside_hours += o.matters_outside_hours;
        self.consultations += o.consultations;
        self.consultations_outside_hours += o.consultations_outside_hours;
        self.add_life(o);
    }

    fn add_life(&mut self, o: &Stats) {
        self.activities += o.activities;
        self.beneficiaries += o.beneficiaries;
        self.volunteer_hours += o.volunteer_hours;
        self.venture_projects += o.venture_projects;
        self.golden_solutions += o.golden_solutions;
        self.training_sessions += o.training_sessions;
        self.trainees += o.trainees;
        self.fund_income_fen += o.fund_income_fen;
        self.fund_spent_fen += o.fund_spent_fen;
        self.community_workers += o.community_workers;
        self.grid_visits += o.grid_visits;
        self.households_unvisited += o.households_unvisited;
    }

    fn with_life(mut self, l: crate::life::figures::LifeFigures) -> Stats {
        self.activities = l.activities;
        self.beneficiaries = l.beneficiaries;
        self.volunteer_hours = l.volunteer_hours;
        self.venture_projects = l.venture_projects;
        self.golden_solutions = l.golden_solutions;
        self.training_sessions = l.training_sessions;
        self.trainees = l.trainees;
        self
    }

    fn with_support(mut self, f: crate::support::figures::SupportFigures) -> Stats {
        self.fund_income_fen = f.fund_income_fen;
        self.fund_spent_fen = f.fund_spent_fen;
        self.community_workers = f.community_workers;
        self
    }

    fn with_grid(mut self, f: crate::grid::figures::GridFigures) -> Stats {
        self.grid_visits = f.grid_visits;
        self.households_unvisited = f.households_unvisited;
        self
    }

    /// The community-life figures replaced by `o`'s (a period's instead of all time).
    fn take_life(&mut self, o: &Stats) {
        self.activities = o.activities;
        self.beneficiaries = o.beneficiaries;
        self.volunteer_hours = o.volunteer_hours;
        self.venture_projects = o.venture_projects;
        self.golden_solutions = o.golden_solutions;
        self.training_sessions = o.training_sessions;
        self.trainees = o.trainees;
        self.fund_income_fen = o.fund_income_fen;
        self.fund_spent_fen = o.fund_spent_fen;
        self.community_workers = o.community_workers;
        self.grid_visits = o.grid_visits;
        self.households_unvisited = o.households_unvisited;
    }
}

/// The figures of the territory pages, counted once and kept until this process next ends a
/// write transaction (every write goes through [`Store::begin`], whose transaction marks its
/// end), or for [`CountCache::TTL`] at most, for writes by another process (the CLI importing a
/// ledger beside a running server). A count is kept under the write generation read before
/// it started, so a write that ends while it runs makes it stale at once.
#[derive(Debug, Default)]
pub(crate) struct CountCache {
    writes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    entries: std::sync::Mutex<HashMap<(&'static str, String), Kept>>,
}

/// Figures as counted: the write generation they were counted at, and when.
type Kept = (u64, Instant, Stats);

/// Held by a transaction; when it ends (committed or not) the kept counts are stale.
#[derive(Debug)]
pub struct WriteMark(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Drop for WriteMark {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl CountCache {
    const TTL: Duration = Duration::from_secs(15);
    /// More subtrees than a district has communities and compounds: past it, start again.
    const MAX_ENTRIES: usize = 4096;

    pub(crate) fn mark(&self) -> WriteMark {
        WriteMark(self.writes.clone())
    }

    fn generation(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn get(&self, what: &'static str, path: &str) -> Option<Stats> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (generation, at, stats) = entries.get(&(what, path.to_string()))?;
        (*generation == self.generation() && at.elapsed() < Self::TTL).then(|| stats.clone())
    }

    fn put(&self, what: &'static str, path: &str, generation: u64, stats: &Stats) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            entries.clear();
        }
        entries.insert((what, path.to_string()), (generation, Instant::now(), stats.clone()));
    }
}

impl Store {
    /// Residents living in a scope: one index range per subtree, for charts.
    pub async fn count_residents(&self, scope: &Scope) -> Result<i64> {
        let mut n = 0;
        for s in scope.subtrees() {
            n += self.count_residents_in(s).await?;
        }
        Ok(n)
    }

    async fn count_residents_in(&self, within: &Subtree) -> Result<i64> {
        if let Some(kept) = self.counts.get("residents", &within.path) {
            return Ok(kept.residents);
        }
        let generation = self.counts.generation();
        let residents = fetch_i64(
            &self.db,
            &format!("SELECT count(*) FROM people WHERE {}", within_sql("home_path", "$1", "$2")),
            &within.bounds(),
        )
        .await?;
        self.counts.put("residents", &within.path, generation, &Stats { residents, ..Default::default() });
        Ok(residents)
    }

    /// The figures of a scope with those that are things happening — votes announced,
    /// proposals made, property matters settled under a branch's lead, council topics raised
    /// and done — counted within a period (Beijing days `from` to `to`, both included) instead
    /// of over all time. What stands (nodes, people, organisations) is counted as it stands.
    pub async fn stats_in_period(&self, scope: &Scope, from: NaiveDate, to: NaiveDate) -> Result<Stats> {
        let mut total = self.stats(scope).await?;
        let start = from_beijing(from.and_time(NaiveTime::MIN));
        let end = from_beijing(to.succ_opt().unwrap_or(to).and_time(NaiveTime::MIN));
        let mut happened = Stats::default();
        for s in scope.subtrees() {
            happened.add(&self.happened_in(s, start, end).await?);
        }
        total.owner_votes = happened.owner_votes;
        total.property_decisions = happened.property_decisions;
        total.property_matters_by_branch = happened.property_matters_by_branch;
        total.council_topics = happened.council_topics;
        total.council_topics_done = happened.council_topics_done;
        total.service_tickets = happened.service_tickets;
        total.matters_outside_hours = happened.matters_outside_hours;
        total.consultations = happened.consultations;
        total.consultations_outside_hours = happened.consultations_outside_hours;
        total.take_life(&happened);
        Ok(total)
    }

    async fn happened_in(&self, within: &Subtree, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Stats> {
        let [lo, hi] = within.bounds();
        let vals = [lo, hi, start.into(), end.into()];
        let count = |table: &str, col: &str, when: &str, extra: &str| {
            let sql = format!(
                "SELECT count(*) FROM {table} WHERE {} AND {when} >= $3 AND {when} < $4{extra}",
                within_sql(col, "$1", "$2")
            );
            let vals = vals.clone();
            async move { fetch_i64(&self.db, &sql, &vals).await }
        };
        let (tickets, tickets_outside, consultations, consultations_outside) = tokio::try_join!(
            count("service_tickets", "path", "received_at", ""),
            count("service_tickets", "path", "received_at", " AND outside_hours = TRUE"),
            count("service_consultations", "path", "at", ""),
            count("service_consultations", "path", "at", " AND outside_hours = TRUE"),
        )?;
        let (owner_votes, property_decisions, branch_appeals, passed_decisions, topics, topics_done, branch_topics) = tokio::try_join!(
            count("owner_votes", "compound_path", "announced_at", ""),
            count("decisions", "compound_path", "created_at", ""),
            count("appeals", "path", "resolved_at", BRANCH_PROPERTY_APPEAL,),
            count("decisions", "compound_path", "updated_at", " AND stage = 'passed'",),
            count("council_topics", "node_path", "created_at", ""),
            count("council_topics", "node_path", "done_at", " AND status = 'done'"),
            count("council_topics", "node_path", "done_at", BRANCH_PROPERTY_TOPIC,),
        )?;
        Ok(Stats {
            owner_votes,
            property_decisions,
            property_matters_by_branch: branch_appeals + passed_decisions + branch_topics,
            council_topics: topics,
            council_topics_done: topics_done,
            service_tickets: tickets,
            matters_outside_hours: tickets_outside,
            consultations,
            consultations_outside_hours: consultations_outside,
            ..Default::default()
        }
        .with_life(self.life_figures(within, start, end).await?)
        .with_support(self.support_figures(within, start, end).await?)
        .with_grid(self.grid_figures(within, start, end).await?))
    }

    /// The figures of a scope, summed over its subtrees (which never overlap).
    pub async fn stats(&self, scope: &Scope) -> Result<Stats> {
        let mut total = Stats::default();
        for s in scope.subtrees() {
            total.add(&self.stats_in(s).await?);
        }
        // The catalogue is one for the district, whatever the scope.
        let catalogue: Vec<(String, i64, i64)> = crate::batch::fetch_all(
            &self.db,
            "SELECT c.kind, CAST(count(DISTINCT c.code) AS BIGINT), CAST(count(i.code) AS BIGINT)
             FROM service_categories c LEFT JOIN service_items i ON i.category = c.code GROUP BY c.kind",
            &[],
        )
        .await?;
        for (kind, categories, items) in catalogue {
            if kind == "desk" {
                (total.service_categories, total.service_items) = (categories, items);
            } else {
                (total.centre_service_areas, total.centre_services) = (categories, items);
            }
        }
        Ok(total)
    }

    async fn stats_in(&self, within: &Subtree) -> Result<Stats> {
        if let Some(kept) = self.counts.get("stats", &within.path) {
            return Ok(kept);
        }
        let generation = self.counts.generation();
        let stats = self.count_stats_in(within).await?;
        self.counts.put("stats", &within.path, generation, &stats);
        Ok(stats)
    }

    async fn count_stats_in(&self, within: &Subtree) -> Result<Stats> {
        let r = within.bounds();
        let count = |sql: String| {
            let r = r.clone();
            async move { fetch_i64(&self.db, &sql, &r).await }
        };
        let kind = |k: &str| {
            format!("SELECT count(*) FROM territories WHERE kind = '{k}' AND {}", within_sql("path", "$1", "$2"))
        };
        let by_path = |table: &str, col: &str, extra: &str| {
            format!("SELECT count(*) FROM {table} WHERE {}{extra}", within_sql(col, "$1", "$2"))
        };
        // Independent counts, read side by side (the pool has several readers), so the
        // page waits for the largest, not for the sum.
        let organisations = if within.path == "/" {
            "SELECT count(*) FROM organisations WHERE $1 <> $2".to_string()
        } else {
            by_path("organisations", "path", "")
        };
        // Members of the party organisations in the subtree (where they belong, not where
        // they live), so the figure agrees with the organisation panel.
        let party_members = format!(
            "SELECT count(*) FROM party_members m JOIN party_orgs o ON o.community_id = m.community_id AND o.id = m.org_id \
             WHERE {}",
            within_sql("o.path", "$1", "$2")
        );
        let (
            (subdistricts, communities, compounds, buildings, dwellings),
            (households, residents, compound_branches, building_groups, central_households),
            (party_members, social_organisations, service_stations, grids, organisations, assignments),
            (owner_votes, property_decisions, branch_appeals, passed_decisions),
            (council_topics, council_topics_done, branch_topics),
            (service_tickets, matters_outside_hours, consultations, consultations_outside_hours),
        ) = tokio::try_join!(
            async {
                tokio::try_join!(
                    count(kind("subdistrict")),
                    count(kind("community")),
                    count(kind("compound")),
                    count(kind("building")),
                    count(kind("dwelling")),
                )
            },
            async {
                tokio::try_join!(
                    count(by_path("households", "path", "")),
                    count(by_path("people", "home_path", "")),
                    count(by_path("party_orgs", "path", " AND kind = 'compound_branch'")),
                    count(by_path("party_orgs", "path", " AND kind = 'building_group'")),
                    count(by_path("central_households", "path", "")),
                )
            },
            async {
                tokio::try_join!(
                    count(party_members),
                    count(by_path("organisations", "path", " AND kind = 'social_organisation'")),
                    count(by_path("service_stations", "path", "")),
                    count(by_path("grids", "path", "")),
                    // District-level organisations (units, property companies) have no place
                    // in the tree: they count for the whole district only.
                    count(organisations),
                    count(by_path("assignments", "target_path", "")),
                )
            },
            async {
                tokio::try_join!(
                    count(by_path("owner_votes", "compound_path", "")),
                    count(by_path("decisions", "compound_path", "")),
                    count(by_path("appeals", "path", BRANCH_PROPERTY_APPEAL,)),
                    count(by_path("decisions", "compound_path", " AND stage = 'passed'")),
                )
            },
            async {
                tokio::try_join!(
                    count(by_path("council_topics", "node_path", "")),
                    count(by_path("council_topics", "node_path", " AND status = 'done'")),
                    count(by_path("council_topics", "node_path", BRANCH_PROPERTY_TOPIC,)),
                )
            },
            async {
                tokio::try_join!(
                    count(by_path("service_tickets", "path", "")),
                    count(by_path("service_tickets", "path", " AND outside_hours = TRUE")),
                    count(by_path("service_consultations", "path", "")),
                    count(by_path("service_consultations", "path", " AND outside_hours = TRUE")),
                )
            },
        )?;
        Ok(Stats {
            subdistricts,
            communities,
            compounds,
            buildings,
            dwellings,
            households,
            residents,
            compound_branches,
            building_groups,
            central_households,
            party_members,
            social_organisations,
            service_stations,
            grids,
            organisations,
            assignments,
            owner_votes,
            property_decisions,
            property_matters_by_branch: branch_appeals + passed_decisions + branch_topics,
            council_topics,
            council_topics_done,
            service_tickets,
            matters_outside_hours,
            consultations,
            consultations_outside_hours,
            ..Default::default()
        }
        .with_life(self.life_figures(within, all_time().0, all_time().1).await?)
        .with_support(self.support_figures(within, all_time().0, all_time().1).await?)
        .with_grid(self.grid_figures(within, all_time().0, all_time().1).await?))
    }
}

/// "Ever", for the figures that are counted over a period: 1900 to 2200, within what both
/// databases store.
fn all_time() -> (DateTime<Utc>, DateTime<Utc>) {
    let at = |secs| DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default();
    (at(-2_208_988_800), at(7_258_118_400))
}
