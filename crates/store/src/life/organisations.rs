//! Social organisations in community life: adopting a community or joining a grid (包社区、
//! 联网格) for a period, and venture projects (创投) with a budget in fen that move applied →
//! approved → running → closed → evaluated, one step at a time, with a closing score.
//!
//! Who does what: staff who run activities over a place record who adopts it and apply for a
//! project there (a social organisation's own staff among them); approving a project and
//! evaluating it belong to those who review (`ReviewSolutions`: the subdistrict and district),
//! and starting and closing it to either.

use super::activities::runs_at;
use super::audit_in;
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::{exec, fetch_all, fetch_i64, fetch_optional, QueryParts};
use crate::model::{Page, Paged};
use crate::service::text;
use crate::subtree::Subtree;
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::life::ProjectStatus;
use jiayuan_domain::territory::TerritoryKind;
use serde_json::json;
use uuid::Uuid;

/// The largest budget one project has: ¥10,000,000.
pub const MAX_BUDGET_FEN: i64 = 1_000_000_000;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Adoption {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub territory_id: Uuid,
    pub territory_name: String,
    /// The grid joined; empty when the whole community is adopted.
    pub grid_code: String,
    pub grid_name: String,
    pub path: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

/// A project to apply for.
#[derive(Debug, Clone)]
pub struct NewProject {
    /// The social organisation, by code.
    pub organisation: String,
    /// Where it runs, by territory code.
    pub territory: String,
    pub title: String,
    pub summary: String,
    pub budget_fen: i64,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub territory_id: Uuid,
    pub territory_name: String,
    pub path: String,
    pub title: String,
    pub summary: String,
    pub budget_fen: i64,
    pub status: ProjectStatus,
    pub score: Option<i64>,
    pub evaluation: String,
    pub applied_at: DateTime<Utc>,
    /// Activities held under it, and the people they served.
    pub activities: i64,
    pub beneficiaries: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub within: Option<Subtree>,
    pub status: Option<ProjectStatus>,
    pub organisation: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: Uuid,
    organisation_id: Uuid,
    organisation_name: String,
    territory_id: Uuid,
    territory_name: String,
    path: String,
    title: String,
    summary: String,
    budget_fen: i64,
    status: String,
    score: Option<i64>,
    evaluation: String,
    applied_at: DateTime<Utc>,
    activities: i64,
    beneficiaries: i64,
}

const PROJECT_SELECT: &str = "SELECT p.id, p.organisation_id, o.name AS organisation_name, p.territory_id, \
    t.name AS territory_name, p.path, p.title, p.summary, p.budget_fen, p.status, p.score, p.evaluation, p.applied_at, \
    CAST((SELECT count(*) FROM activities a WHERE a.project_id = p.id AND a.status <> 'cancelled') AS BIGINT) AS activities, \
    CAST((SELECT COALESCE(sum(a.checked_in + a.unnamed_beneficiaries), 0) FROM activities a \
      WHERE a.project_id = p.id AND a.status <> 'cancelled') AS BIGINT) AS beneficiaries \
    FROM venture_projects p JOIN organisations o ON o.id = p.organisation_id JOIN territories t ON t.id = p.territory_id";

impl ProjectRow {
    fn into_project(self) -> Project {
        Project {
            id: self.id,
            organisation_id: self.organisation_id,
            organisation_name: self.organisation_name,
            territory_id: self.territory_id,
            territory_name: self.territory_name,
            path: self.path,
            title: self.title,
            summary: self.summary,
            budget_fen: self.budget_fen,
            status: ProjectStatus::parse(&self.status).unwrap_or(ProjectStatus::Applied),
            score: self.score,
            evaluation: self.evaluation,
            applied_at: self.applied_at,
            activities: self.activities,
            beneficiaries: self.beneficiaries,
        }
    }
}

/// Whether `who` reviews at `path` (approves and evaluates projects, scores solutions).
pub fn reviews_at(who: &Principal, path: &str) -> bool {
    who.scope(Permission::ReviewSolutions).is_ok_and(|s| s.covers_path(path))
}

impl Store {
    /// A social organisation by code, for a field naming it.
    async fn social_organisation(&self, field: &str, code: &str) -> Result<(Uuid, String)> {
        let r: Option<(Uuid, String)> = fetch_optional(
            &self.db,
            "SELECT id, name FROM organisations WHERE code = $1 AND kind = 'social_organisation'",
            &[code.trim().into()],
        )
        .await?;
        r.ok_or_else(|| {
            StoreError::missing(field, format!("没有社会组织“{}” (no such social organisation)", code.trim()))
        })
    }

    /// The social organisations, (code, name) by name: what forms offer.
    pub async fn social_organisations(&self) -> Result<Vec<(String, String)>> {
        fetch_all(
            &self.db,
            "SELECT code, name FROM organisations WHERE kind = 'social_organisation' ORDER BY name_pinyin, code LIMIT 500",
            &[],
        )
        .await
    }

    /// Records a social organisation adopting a community or joining a grid from a day
    /// (until a day, or still): staff who run activities there.
    #[allow(clippy::too_many_arguments)]
    pub async fn adopt(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        organisation: &str,
        territory: &str,
        starts_on: NaiveDate,
        ends_on: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> Result<Adoption> {
        let scope =
            who.scope(Permission::RunActivities).map_err(|_| StoreError::Forbidden(Permission::RunActivities))?;
        // A community by its code, or a grid by its code (then the grid's community).
        let grid: Option<(Uuid, String)> = fetch_optional(
            &self.db,
            "SELECT community_id, code FROM grids WHERE code = $1",
            &[territory.trim().into()],
        )
        .await?;
        let found = match &grid {
            Some((community, _)) => self.territory(*community).await,
            None => self.territory_by_code(territory).await,
        };
        let place = match found {
            Ok(t) if scope.covers(&t) => t,
            _ => {
                return Err(StoreError::missing(
                    "territory",
                    format!("区域“{}”不存在或不在您的范围内 (no such place in your scope)", territory.trim()),
                ))
            }
        };
        let (org, _) = self.social_organisation("organisation", organisation).await?;
        if place.kind != TerritoryKind::Community.as_str() {
            return Err(StoreError::invalid("territory", "只能包社区或联网格 (a community or one of its grids)"));
        }
        let grid_code = grid.map(|g| g.1).unwrap_or_default();
        if ends_on.is_some_and(|e| e < starts_on) {
            return Err(StoreError::invalid("ends_on", "结束日期应不早于开始日期 (the end before the start)"));
        }
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO org_adoptions (id, organisation_id, territory_id, grid_code, path, starts_on, ends_on, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                id.into(),
                org.into(),
                place.id.into(),
                grid_code.into(),
                place.path.clone().into(),
                starts_on.into(),
                ends_on.into(),
                now.into(),
            ],
        )
        .await
        .map_err(crate::error::conflict_as("starts_on", "该组织当天起已结对此处 (already recorded from that day)"))?;
        audit_in(&mut tx, ctx, &place.path, "organisation.adopt", id, json!({"organisation": org})).await?;
        tx.commit().await?;
        self.adoptions_where("d.id = {}", id).await?.pop().ok_or(StoreError::NotFound)
    }

    /// Adoptions within a place (all when none), the newest first.
    pub async fn adoptions(&self, within: Option<&Subtree>) -> Result<Vec<Adoption>> {
        let mut q = QueryParts::default();
        if let Some(w) = within {
            w.restrict(&mut q, "d.path");
        }
        self.adoptions_in(q).await
    }

    async fn adoptions_where(&self, cond: &str, v: Uuid) -> Result<Vec<Adoption>> {
        let mut q = QueryParts::default();
        q.cond_bind(cond, v);
        self.adoptions_in(q).await
    }

    async fn adoptions_in(&self, q: QueryParts) -> Result<Vec<Adoption>> {
        let sql = format!(
            "SELECT d.id, d.organisation_id, o.name AS organisation_name, d.territory_id, t.name AS territory_name, \
             d.grid_code, COALESCE(g.name, '') AS grid_name, d.path, d.starts_on, d.ends_on \
             FROM org_adoptions d JOIN organisations o ON o.id = d.organisation_id JOIN territories t ON t.id = d.territory_id \
             LEFT JOIN grids g ON g.code = d.grid_code{} \
             ORDER BY d.starts_on DESC, d.id",
            q.where_clause()
        );
        fetch_all(&self.db, &sql, &q.vals).await
    }

    /// Applies for a venture project at a place: staff who run activities there.
    pub async fn apply_project(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        p: &NewProject,
        now: DateTime<Utc>,
    ) -> Result<Project> {
        let scope =
            who.scope(Permission::RunActivities).map_err(|_| StoreError::Forbidden(Permission::RunActivities))?;
        let place = match self.territory_by_code(&p.territory).await {
            Ok(t) if scope.covers(&t) => t,
            _ => {
                return Err(StoreError::missing(
                    "territory",
                    format!("区域“{}”不存在或不在您的范围内 (no such place in your scope)", p.territory.trim()),
                ))
            }
        };
        let (org, _) = self.social_organisation("organisation", &p.organisation).await?;
        let title = text("title", &p.title, 2, 60)?;
        let summary = text("summary", &p.summary, 0, 2000)?;
        if p.budget_fen <= 0 || p.budget_fen > MAX_BUDGET_FEN {
            return Err(StoreError::invalid(
                "budget_fen",
                "预算应大于0且不超过1000万元 (more than 0, at most ¥10,000,000)",
            ));
        }
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO venture_projects (id, organisation_id, territory_id, path, title, summary, budget_fen, status, applied_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'applied', $8, $8)",
            &[
                id.into(),
                org.into(),
                place.id.into(),
                place.path.clone().into(),
                title.clone().into(),
                summary.into(),
                p.budget_fen.into(),
                now.into(),
            ],
        )
        .await
        .map_err(crate::error::conflict_as("title", format!("该组织已有项目“{title}” (a project of that title exists)")))?;
        audit_in(&mut tx, ctx, &place.path, "project.apply", id, json!({"title": title, "budget_fen": p.budget_fen}))
            .await?;
        tx.commit().await?;
        self.project(id).await
    }

    pub async fn project(&self, id: Uuid) -> Result<Project> {
        let r: Option<ProjectRow> =
            fetch_optional(&self.db, &format!("{PROJECT_SELECT} WHERE p.id = $1"), &[id.into()]).await?;
        r.map(ProjectRow::into_project).ok_or(StoreError::NotFound)
    }

    /// A project as `who` may see it: those who run activities or review where it is.
    pub async fn project_for(&self, who: &Principal, id: Uuid) -> Result<Project> {
        let p = self.project(id).await?;
        if runs_at(who, &p.path) || reviews_at(who, &p.path) {
            Ok(p)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Moves a project to its next status. Approving and evaluating are for reviewers; the
    /// evaluation gives a score of 0–100 and a few words.
    #[allow(clippy::too_many_arguments)]
    pub async fn advance_project(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        to: ProjectStatus,
        score: Option<i64>,
        evaluation: &str,
        now: DateTime<Utc>,
    ) -> Result<Project> {
        let p = self.project_for(who, id).await?;
        if p.status.next() != Some(to) {
            return Err(StoreError::invalid(
                "status",
                format!(
                    "“{}”之后不能是“{}” (cannot go from {} to {})",
                    p.status.label_zh(),
                    to.label_zh(),
                    p.status.as_str(),
                    to.as_str()
                ),
            ));
        }
        let reviewer = reviews_at(who, &p.path);
        if matches!(to, ProjectStatus::Approved | ProjectStatus::Evaluated) && !reviewer {
            return Err(StoreError::Forbidden(Permission::ReviewSolutions));
        }
        let (score, evaluation) = if to == ProjectStatus::Evaluated {
            let s = score.ok_or_else(|| StoreError::invalid("score", "评估需给出0到100分 (a score of 0–100)"))?;
            if !(0..=100).contains(&s) {
                return Err(StoreError::invalid("score", "评分应在0到100之间 (0 to 100)"));
            }
            (Some(s), text("evaluation", evaluation, 2, 1000)?)
        } else {
            (None, String::new())
        };
        let mut tx = self.begin().await?;
        let changed = exec(
            &mut tx,
            "UPDATE venture_projects SET status = $1, score = COALESCE($2, score),
               evaluation = CASE WHEN $3 = '' THEN evaluation ELSE $3 END, updated_at = $4
             WHERE id = $5 AND status = $6",
            &[to.as_str().into(), score.into(), evaluation.into(), now.into(), id.into(), p.status.as_str().into()],
        )
        .await?;
        if changed == 0 {
            return Err(StoreError::conflict("status", "项目状态刚被他人修改，请刷新 (changed meanwhile; reload)"));
        }
        audit_in(
            &mut tx,
            ctx,
            &p.path,
            "project.status",
            id,
            json!({"from": p.status.as_str(), "to": to.as_str(), "score": score}),
        )
        .await?;
        tx.commit().await?;
        self.project(id).await
    }

    /// Projects `who` may see, the newest first.
    pub async fn projects_for(&self, who: &Principal, f: &ProjectFilter, page: Page) -> Result<Paged<Project>> {
        let mut q = QueryParts::default();
        let mut ors = Vec::new();
        for p in [Permission::RunActivities, Permission::ReviewSolutions] {
            if let Ok(scope) = who.scope(p) {
                ors.extend(scope.subtrees().iter().map(|s| s.sql(&mut q, "p.path")));
            }
        }
        if ors.is_empty() {
            return Err(StoreError::Forbidden(Permission::RunActivities));
        }
        q.cond(format!("({})", ors.join(" OR ")));
        if let Some(w) = &f.within {
            w.restrict(&mut q, "p.path");
        }
        if let Some(s) = f.status {
            q.cond_bind("p.status = {}", s.as_str());
        }
        if let Some(o) = f.organisation {
            q.cond_bind("p.organisation_id = {}", o);
        }
        let total =
            fetch_i64(&self.db, &format!("SELECT count(*) FROM venture_projects p{}", q.where_clause()), &q.vals)
                .await?;
        let sql = format!(
            "{PROJECT_SELECT}{} ORDER BY p.applied_at DESC, p.id LIMIT {} OFFSET {}",
            q.where_clause(),
            page.limit(),
            page.offset()
        );
        let rows: Vec<ProjectRow> = fetch_all(&self.db, &sql, &q.vals).await?;
        Ok(Paged {
            items: rows.into_iter().map(ProjectRow::into_project).collect(),
            page: page.page,
            page_size: page.page_size,
            total,
        })
    }

    /// Checks that an activity may be held under `project`: one approved or running, at a
    /// place that covers the activity's.
    pub(crate) async fn project_takes(&self, project: Uuid, activity_path: &str) -> Result<()> {
        let p = self
            .project(project)
            .await
            .map_err(|_| StoreError::missing("project", "没有这个创投项目 (no such project)"))?;
        if !matches!(p.status, ProjectStatus::Approved | ProjectStatus::Running) {
            return Err(StoreError::invalid(
                "project",
                "项目未立项或已结项 (the project is not approved or has closed)",
            ));
        }
        if !Subtree::of(&p.path).covers(activity_path) {
            return Err(StoreError::invalid(
                "project",
                "活动地点不在项目范围内 (the activity is outside the project's place)",
            ));
        }
        Ok(())
    }
}
