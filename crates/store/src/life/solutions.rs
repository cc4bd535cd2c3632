//! Golden solutions (金方案): a community party organisation writes down a problem, the
//! method it found and the results; the subdistrict scores it on the rubric, then the district,
//! whose score decides whether it joins the library (`jiayuan_domain::life::promotes`).
//! Promoted solutions are searchable by theme by every community's staff, who record when
//! they take one up, so its spread shows.
//!
//! Who: staff who run activities in the community submit and adopt; a subdistrict officer
//! over it gives the subdistrict's review and a district administrator the district's (the
//! `ReviewSolutions` permission, at that level).

use super::activities::runs_at;
use super::audit_in;
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::{exec, fetch_all, fetch_i64, fetch_optional, QueryParts};
use crate::model::{Page, Paged};
use crate::service::text;
use crate::subtree::Subtree;
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use jiayuan_domain::access::{Permission, Role};
use jiayuan_domain::life::{self as rules, GoldenStatus, ReviewLevel};
use jiayuan_domain::territory::TerritoryKind;
use serde_json::json;
use uuid::Uuid;

/// A criterion of the rubric as people read it.
#[derive(Debug, Clone)]
pub struct Criterion {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub max_points: i64,
}

#[derive(Debug, Clone)]
pub struct NewSolution {
    /// The community, by code.
    pub territory: String,
    /// The party organisation that led it.
    pub org_name: String,
    pub title: String,
    pub theme: String,
    pub problem: String,
    pub method: String,
    pub results: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Solution {
    pub id: Uuid,
    pub territory_id: Uuid,
    pub territory_name: String,
    pub path: String,
    pub org_name: String,
    pub title: String,
    pub theme: String,
    pub problem: String,
    pub method: String,
    pub results: String,
    pub status: String,
    pub subdistrict_score: Option<i64>,
    pub district_score: Option<i64>,
    pub submitted_at: DateTime<Utc>,
    pub promoted_at: Option<DateTime<Utc>>,
    /// Communities that took it up.
    pub adoptions: i64,
}

impl Solution {
    pub fn status(&self) -> GoldenStatus {
        GoldenStatus::parse(&self.status).unwrap_or(GoldenStatus::Submitted)
    }
}

#[derive(Debug, Clone)]
pub struct Review {
    pub level: ReviewLevel,
    pub scores: Vec<(String, i64)>,
    pub total: i64,
    pub comment: String,
    pub reviewer_name: String,
    pub reviewed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SolutionAdoption {
    pub id: Uuid,
    pub territory_id: Uuid,
    pub territory_name: String,
    pub path: String,
    pub note: String,
    pub adopted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct SolutionFilter {
    pub within: Option<Subtree>,
    pub status: Option<GoldenStatus>,
    pub theme: Option<String>,
    /// Words in the title, problem or method.
    pub q: Option<String>,
    /// The library: promoted ones from anywhere.
    pub library: bool,
}

const SOLUTION_SELECT: &str = "SELECT s.id, s.territory_id, t.name AS territory_name, s.path, s.org_name, s.title, \
    s.theme, s.problem, s.method, s.results, s.status, s.subdistrict_score, s.district_score, s.submitted_at, \
    s.promoted_at, CAST((SELECT count(*) FROM golden_adoptions d WHERE d.solution_id = s.id) AS BIGINT) AS adoptions \
    FROM golden_solutions s JOIN territories t ON t.id = s.territory_id";

/// The level at which `who` reviews a solution at `path`, if any: a district administrator
/// over it reviews for the district, a subdistrict officer for the subdistrict.
pub fn review_level(who: &Principal, path: &str) -> Option<ReviewLevel> {
    let held = |r: Role| {
        who.grants
            .iter()
            .any(|g| g.role == r && g.role.allows(Permission::ReviewSolutions) && Subtree::of(&g.path).covers(path))
    };
    if held(Role::DistrictAdmin) {
        Some(ReviewLevel::District)
    } else if held(Role::SubdistrictOfficer) {
        Some(ReviewLevel::Subdistrict)
    } else {
        None
    }
}

impl Store {
    /// The rubric, in its order.
    pub async fn rubric(&self) -> Result<Vec<Criterion>> {
        let rows: Vec<(String, String, String, i64)> = fetch_all(
            &self.db,
            "SELECT code, name, name_en, max_points FROM golden_rubric ORDER BY position, code",
            &[],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(code, name, name_en, max_points)| Criterion { code, name, name_en, max_points })
            .collect())
    }

    /// Submits a community's solution: staff who run activities there.
    pub async fn submit_solution(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        s: &NewSolution,
        now: DateTime<Utc>,
    ) -> Result<Solution> {
        let scope =
            who.scope(Permission::RunActivities).map_err(|_| StoreError::Forbidden(Permission::RunActivities))?;
        let place = match self.territory_by_code(&s.territory).await {
            Ok(t) if scope.covers(&t) => t,
            _ => {
                return Err(StoreError::missing(
                    "territory",
                    format!("区域“{}”不存在或不在您的范围内 (no such place in your scope)", s.territory.trim()),
                ))
            }
        };
        if place.kind != TerritoryKind::Community.as_str() {
            return Err(StoreError::invalid("territory", "金方案由社区党组织申报 (a community submits it)"));
        }
        let org_name = text("org_name", &s.org_name, 2, 60)?;
        let title = text("title", &s.title, 2, 60)?;
        let theme = text("theme", &s.theme, 2, 20)?;
        let problem = text("problem", &s.problem, 5, 2000)?;
        let method = text("method", &s.method, 5, 4000)?;
        let results = text("results", &s.results, 5, 2000)?;
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO golden_solutions (id, territory_id, path, org_name, title, theme, problem, method, results, status, submitted_by, submitted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'submitted', $10, $11)",
            &[
                id.into(),
                place.id.into(),
                place.path.clone().into(),
                org_name.into(),
                title.clone().into(),
                theme.into(),
                problem.into(),
                method.into(),
                results.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await
        .map_err(crate::error::conflict_as("title", format!("本社区已有“{title}” (this community has one of that title)")))?;
        audit_in(&mut tx, ctx, &place.path, "solution.submit", id, json!({"title": title})).await?;
        tx.commit().await?;
        self.solution(id).await
    }

    pub async fn solution(&self, id: Uuid) -> Result<Solution> {
        let r: Option<Solution> =
            fetch_optional(&self.db, &format!("{SOLUTION_SELECT} WHERE s.id = $1"), &[id.into()]).await?;
        r.ok_or(StoreError::NotFound)
    }

    /// A solution as `who` may see it: promoted ones anyone who runs activities or reviews
    /// anywhere; the others only where they do.
    pub async fn solution_for(&self, who: &Principal, id: Uuid) -> Result<Solution> {
        let s = self.solution(id).await?;
        let here = runs_at(who, &s.path) || super::organisations::reviews_at(who, &s.path);
        let library = s.status() == GoldenStatus::Promoted
            && (who.can(Permission::RunActivities) || who.can(Permission::ReviewSolutions));
        if here || library {
            Ok(s)
        } else {
            Err(StoreError::NotFound)
        }
    }

    pub async fn solution_reviews(&self, id: Uuid) -> Result<Vec<Review>> {
        let rows: Vec<(String, String, i64, String, String, DateTime<Utc>)> = fetch_all(
            &self.db,
            "SELECT level, scores, total, comment, reviewer_name, reviewed_at FROM golden_reviews WHERE solution_id = $1
             ORDER BY reviewed_at",
            &[id.into()],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(level, scores, total, comment, reviewer_name, reviewed_at)| {
                let scores: Vec<(String, i64)> =
                    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&scores)
                        .map(|m| m.into_iter().map(|(k, v)| (k, v.as_i64().unwrap_or(0))).collect())
                        .unwrap_or_default();
                Review {
                    level: ReviewLevel::parse(&level).unwrap_or(ReviewLevel::Subdistrict),
                    scores,
                    total,
                    comment,
                    reviewer_name,
                    reviewed_at,
                }
            })
            .collect())
    }

    /// Scores a solution at the level it waits for. The district's score decides: promoted
    /// at [`rules::PROMOTE_PERCENT`] per cent of the rubric's points, otherwise not.
    pub async fn review_solution(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        scores: &[(String, i64)],
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<Solution> {
        let s = self.solution_for(who, id).await?;
        let Some(awaits) = s.status().awaits() else {
            return Err(StoreError::conflict("status", "该方案已评审完毕 (already decided)"));
        };
        match review_level(who, &s.path) {
            Some(l) if l == awaits => {}
            _ => return Err(StoreError::Forbidden(Permission::ReviewSolutions)),
        }
        let rubric: Vec<rules::Criterion> = self
            .rubric()
            .await?
            .into_iter()
            .map(|c| rules::Criterion { code: c.code, max_points: c.max_points })
            .collect();
        let total = rules::rubric_total(&rubric, scores).map_err(StoreError::Invalid)?;
        let comment = text("comment", comment, 0, 1000)?;
        let to = match awaits {
            ReviewLevel::Subdistrict => GoldenStatus::Reviewed,
            ReviewLevel::District if rules::promotes(&rubric, total) => GoldenStatus::Promoted,
            ReviewLevel::District => GoldenStatus::Declined,
        };
        let scores_json: serde_json::Map<String, serde_json::Value> =
            scores.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let mut tx = self.begin().await?;
        let (score_col, promoted_at) = match awaits {
            ReviewLevel::Subdistrict => ("subdistrict_score", None),
            ReviewLevel::District => ("district_score", (to == GoldenStatus::Promoted).then_some(now)),
        };
        let changed = exec(
            &mut tx,
            &format!("UPDATE golden_solutions SET status = $1, {score_col} = $2, promoted_at = $3 WHERE id = $4 AND status = $5"),
            &[to.as_str().into(), total.into(), promoted_at.into(), id.into(), s.status.clone().into()],
        )
        .await?;
        if changed == 0 {
            return Err(StoreError::conflict("status", "该方案刚被他人评审 (reviewed meanwhile)"));
        }
        exec(
            &mut tx,
            "INSERT INTO golden_reviews (solution_id, level, scores, total, comment, reviewer_id, reviewer_name, reviewed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                id.into(),
                awaits.as_str().into(),
                serde_json::Value::Object(scores_json).to_string().into(),
                total.into(),
                comment.into(),
                who.user_id.into(),
                who.display_name.clone().into(),
                now.into(),
            ],
        )
        .await?;
        audit_in(
            &mut tx,
            ctx,
            &s.path,
            "solution.review",
            id,
            json!({"level": awaits.as_str(), "total": total, "to": to.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.solution(id).await
    }

    /// Records a community taking up a promoted solution: staff who run activities there.
    /// Its own community cannot adopt it; a community adopts it once (409).
    pub async fn adopt_solution(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        territory: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<SolutionAdoption> {
        let s = self.solution_for(who, id).await?;
        if s.status() != GoldenStatus::Promoted {
            return Err(StoreError::invalid("status", "只有入库的金方案可以借鉴推广 (only a promoted solution)"));
        }
        let scope =
            who.scope(Permission::RunActivities).map_err(|_| StoreError::Forbidden(Permission::RunActivities))?;
        let place = match self.territory_by_code(territory).await {
            Ok(t) if scope.covers(&t) && t.kind == TerritoryKind::Community.as_str() => t,
            _ => {
                return Err(StoreError::missing(
                    "territory",
                    format!("社区“{}”不存在或不在您的范围内 (no such community in your scope)", territory.trim()),
                ))
            }
        };
        if place.id == s.territory_id {
            return Err(StoreError::invalid("territory", "这是本社区自己的方案 (it is this community's own)"));
        }
        let note = text("note", note, 0, 500)?;
        let adoption = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO golden_adoptions (id, solution_id, territory_id, path, note, adopted_by, adopted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                adoption.into(),
                id.into(),
                place.id.into(),
                place.path.clone().into(),
                note.clone().into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await
        .map_err(crate::error::conflict_as("territory", "本社区已借鉴过此方案 (adopted here already)"))?;
        audit_in(&mut tx, ctx, &place.path, "solution.adopt", id, json!({"territory": place.code})).await?;
        tx.commit().await?;
        Ok(SolutionAdoption {
            id: adoption,
            territory_id: place.id,
            territory_name: place.name,
            path: place.path,
            note,
            adopted_at: now,
        })
    }

    pub async fn solution_adoptions(&self, id: Uuid) -> Result<Vec<SolutionAdoption>> {
        fetch_all(
            &self.db,
            "SELECT d.id, d.territory_id, t.name AS territory_name, d.path, d.note, d.adopted_at
             FROM golden_adoptions d JOIN territories t ON t.id = d.territory_id WHERE d.solution_id = $1 ORDER BY d.adopted_at, d.id",
            &[id.into()],
        )
        .await
    }

    /// Solutions `who` may see: in the library (promoted, from anywhere) or, otherwise, those
    /// where they run activities or review; the newest first.
    pub async fn solutions_for(&self, who: &Principal, f: &SolutionFilter, page: Page) -> Result<Paged<Solution>> {
        let mut q = QueryParts::default();
        if f.library {
            if !who.can(Permission::RunActivities) && !who.can(Permission::ReviewSolutions) {
                return Err(StoreError::Forbidden(Permission::RunActivities));
            }
            q.cond("s.status = 'promoted'".into());
        } else {
            let mut ors = Vec::new();
            for p in [Permission::RunActivities, Permission::ReviewSolutions] {
                if let Ok(scope) = who.scope(p) {
                    ors.extend(scope.subtrees().iter().map(|s| s.sql(&mut q, "s.path")));
                }
            }
            if ors.is_empty() {
                return Err(StoreError::Forbidden(Permission::RunActivities));
            }
            q.cond(format!("({})", ors.join(" OR ")));
        }
        if let Some(w) = &f.within {
            w.restrict(&mut q, "s.path");
        }
        if let Some(st) = f.status {
            q.cond_bind("s.status = {}", st.as_str());
        }
        if let Some(t) = &f.theme {
            q.cond_bind("s.theme = {}", t.clone());
        }
        if let Some(words) = f.q.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
            let like = format!("%{}%", words.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            let ph = q.bind(like);
            q.cond(format!(
                "(s.title LIKE {ph} ESCAPE '\\' OR s.problem LIKE {ph} ESCAPE '\\' OR s.method LIKE {ph} ESCAPE '\\')"
            ));
        }
        let total =
            fetch_i64(&self.db, &format!("SELECT count(*) FROM golden_solutions s{}", q.where_clause()), &q.vals)
                .await?;
        let sql = format!(
            "{SOLUTION_SELECT}{} ORDER BY s.submitted_at DESC, s.id LIMIT {} OFFSET {}",
            q.where_clause(),
            page.limit(),
            page.offset()
        );
        let items: Vec<Solution> = fetch_all(&self.db, &sql, &q.vals).await?;
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }

    /// The library's themes with how many promoted solutions each has.
    pub async fn solution_themes(&self) -> Result<Vec<(String, i64)>> {
        fetch_all(
            &self.db,
            "SELECT theme, CAST(count(*) AS BIGINT) FROM golden_solutions WHERE status = 'promoted' GROUP BY theme ORDER BY theme",
            &[],
        )
        .await
    }
}
