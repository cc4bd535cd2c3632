//! Volunteers: teams at a place with their members, and service records whose hours count
//! only once confirmed by the organiser — staff who run activities over the team's place, and
//! never the volunteer themselves (志愿服务记录与证明出具办法: 谁组织谁记录，谁记录谁证明). A
//! volunteer may write down their own service; the organiser confirms or turns it down with a
//! reason. The certificate lists a person's confirmed records with who confirmed each.

use super::activities::runs_at;
use super::audit_in;
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::{exec, fetch_all, fetch_i64, fetch_optional, QueryParts};
use crate::model::{Page, Paged};
use crate::service::text;
use crate::subtree::Subtree;
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::life::{RecordStatus, MAX_RECORD_MINUTES};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub territory_id: Uuid,
    pub territory_name: String,
    pub path: String,
    pub description: String,
    pub members: i64,
    /// Confirmed minutes of all its records.
    pub confirmed_minutes: i64,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub person_id: Uuid,
    pub name: String,
    pub joined_at: DateTime<Utc>,
    pub confirmed_minutes: i64,
}

/// A piece of service to write down.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub team: Uuid,
    /// Staff writing for a volunteer name them; a volunteer writes their own.
    pub person_id: Option<Uuid>,
    pub activity: Option<Uuid>,
    pub content: String,
    pub place: String,
    pub served_at: DateTime<Utc>,
    pub minutes: u32,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceRecord {
    pub id: Uuid,
    pub team_id: Uuid,
    pub team_name: String,
    pub person_id: Uuid,
    pub person_name: String,
    pub activity_id: Option<Uuid>,
    pub path: String,
    pub content: String,
    pub place: String,
    pub served_at: DateTime<Utc>,
    pub minutes: i64,
    pub status: String,
    pub recorded_at: DateTime<Utc>,
    pub decided_by_name: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: String,
}

impl ServiceRecord {
    pub fn status(&self) -> RecordStatus {
        RecordStatus::parse(&self.status).unwrap_or(RecordStatus::Recorded)
    }
}

const RECORD_COLS: &str = "r.id, r.team_id, t.name AS team_name, r.person_id, e.name AS person_name, r.activity_id, \
    r.path, r.content, r.place, r.served_at, r.minutes, r.status, r.recorded_at, r.decided_by_name, r.decided_at, r.reason";
const RECORD_FROM: &str =
    "volunteer_records r JOIN volunteer_teams t ON t.id = r.team_id JOIN people e ON e.id = r.person_id";

/// Which records to list.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    pub team: Option<Uuid>,
    pub person: Option<Uuid>,
    pub status: Option<RecordStatus>,
}

/// A volunteer's certificate: who they are (the ID number masked), their confirmed service
/// and its total.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub person_id: Uuid,
    pub name: String,
    pub id_number_masked: String,
    pub records: Vec<ServiceRecord>,
    pub total_minutes: i64,
}

/// Confirmed minutes by team, within a place and over a period.
#[derive(Debug, Clone)]
pub struct TeamHours {
    pub team_id: Uuid,
    pub team_name: String,
    pub volunteers: i64,
    pub minutes: i64,
}

type TeamRow = (Uuid, String, Uuid, String, String, String, i64, i64);
const TEAM_SELECT: &str = "SELECT t.id, t.name, t.territory_id, y.name, t.path, t.description, \
    CAST((SELECT count(*) FROM volunteer_members m WHERE m.team_id = t.id) AS BIGINT), \
    CAST((SELECT COALESCE(sum(r.minutes), 0) FROM volunteer_records r WHERE r.team_id = t.id AND r.status = 'confirmed') AS BIGINT) \
    FROM volunteer_teams t JOIN territories y ON y.id = t.territory_id";

fn team_of(r: TeamRow) -> Team {
    Team {
        id: r.0,
        name: r.1,
        territory_id: r.2,
        territory_name: r.3,
        path: r.4,
        description: r.5,
        members: r.6,
        confirmed_minutes: r.7,
    }
}

impl Store {
    /// Sets up a volunteer team at a place: staff who run activities there.
    pub async fn create_team(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        name: &str,
        territory: &str,
        description: &str,
        now: DateTime<Utc>,
    ) -> Result<Team> {
        let scope =
            who.scope(Permission::RunActivities).map_err(|_| StoreError::Forbidden(Permission::RunActivities))?;
        let name = text("name", name, 2, 40)?;
        let description = text("description", description, 0, 500)?;
        let place = match self.territory_by_code(territory).await {
            Ok(t) if scope.covers(&t) => t,
            _ => {
                return Err(StoreError::missing(
                    "territory",
                    format!("区域“{}”不存在或不在您的范围内 (no such place in your scope)", territory.trim()),
                ))
            }
        };
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO volunteer_teams (id, name, territory_id, path, description, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[id.into(), name.clone().into(), place.id.into(), place.path.clone().into(), description.into(), now.into()],
        )
        .await
        .map_err(crate::error::conflict_as("name", format!("“{name}”已有同名队伍 (a team of that name is here already)")))?;
        audit_in(&mut tx, ctx, &place.path, "volunteer.team", id, json!({"name": name})).await?;
        tx.commit().await?;
        self.team(id).await
    }

    pub async fn team(&self, id: Uuid) -> Result<Team> {
        let r: Option<TeamRow> =
            fetch_optional(&self.db, &format!("{TEAM_SELECT} WHERE t.id = $1"), &[id.into()]).await?;
        r.map(team_of).ok_or(StoreError::NotFound)
    }

    /// Teams within a place (all of them when `within` is none), by name.
    pub async fn teams(&self, within: Option<&Subtree>) -> Result<Vec<Team>> {
        let mut q = QueryParts::default();
        if let Some(w) = within {
            w.restrict(&mut q, "t.path");
        }
        let rows: Vec<TeamRow> =
            fetch_all(&self.db, &format!("{TEAM_SELECT}{} ORDER BY t.path, t.name", q.where_clause()), &q.vals).await?;
        Ok(rows.into_iter().map(team_of).collect())
    }

    /// The teams a resident belongs to.
    pub async fn teams_of(&self, person: Uuid) -> Result<Vec<Team>> {
        let rows: Vec<TeamRow> = fetch_all(
            &self.db,
            &format!("{TEAM_SELECT} WHERE t.id IN (SELECT team_id FROM volunteer_members WHERE person_id = $1) ORDER BY t.name"),
            &[person.into()],
        )
        .await?;
        Ok(rows.into_iter().map(team_of).collect())
    }

    /// Adds a resident to a team: its organisers, for a resident in their scope.
    pub async fn add_member(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        team: Uuid,
        person: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Member> {
        let t = self.team(team).await?;
        if !runs_at(who, &t.path) {
            return Err(StoreError::Forbidden(Permission::RunActivities));
        }
        self.resident_in_scope(who, person).await?;
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO volunteer_members (team_id, person_id, joined_at) VALUES ($1, $2, $3)",
            &[team.into(), person.into(), now.into()],
        )
        .await
        .map_err(crate::error::conflict_as("person_id", "已是该队伍的志愿者 (already a member of this team)"))?;
        audit_in(&mut tx, ctx, &t.path, "volunteer.join", team, json!({"person": person})).await?;
        tx.commit().await?;
        let members = self.team_members(team).await?;
        members.into_iter().find(|m| m.person_id == person).ok_or(StoreError::NotFound)
    }

    /// A team's members with their confirmed minutes, the most first.
    pub async fn team_members(&self, team: Uuid) -> Result<Vec<Member>> {
        let rows: Vec<(Uuid, String, DateTime<Utc>, i64)> = fetch_all(
            &self.db,
            "SELECT m.person_id, e.name, m.joined_at, CAST(COALESCE((SELECT sum(r.minutes) FROM volunteer_records r
               WHERE r.team_id = m.team_id AND r.person_id = m.person_id AND r.status = 'confirmed'), 0) AS BIGINT) AS total
             FROM volunteer_members m JOIN people e ON e.id = m.person_id WHERE m.team_id = $1
             ORDER BY total DESC, e.name_pinyin, m.person_id",
            &[team.into()],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(person_id, name, joined_at, confirmed_minutes)| Member {
                person_id,
                name,
                joined_at,
                confirmed_minutes,
            })
            .collect())
    }

    /// Writes down a piece of service, awaiting the organiser's confirmation: by the volunteer
    /// (a member of the team) for themselves, or by the team's organisers for a member.
    pub async fn record_service(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        r: &NewRecord,
        now: DateTime<Utc>,
    ) -> Result<ServiceRecord> {
        let t = self.team(r.team).await.map_err(|_| StoreError::missing("team", "没有这支队伍 (no such team)"))?;
        let organiser = runs_at(who, &t.path);
        let person = match (r.person_id, who.person_id) {
            (Some(p), me) if Some(p) != me => {
                if !organiser {
                    return Err(StoreError::Forbidden(Permission::RunActivities));
                }
                p
            }
            (_, Some(me)) => me,
            (_, None) => {
                return Err(StoreError::invalid("person_id", "请指明志愿者 (name the volunteer)"));
            }
        };
        let member: Option<(i64,)> = fetch_optional(
            &self.db,
            "SELECT CAST(1 AS BIGINT) FROM volunteer_members WHERE team_id = $1 AND person_id = $2",
            &[t.id.into(), person.into()],
        )
        .await?;
        if member.is_none() {
            return Err(StoreError::invalid(
                "person_id",
                format!("不是“{}”的志愿者 (not a member of this team)", t.name),
            ));
        }
        let content = text("content", &r.content, 2, 200)?;
        let place = text("place", &r.place, 0, 100)?;
        if r.minutes == 0 || r.minutes > MAX_RECORD_MINUTES {
            return Err(StoreError::invalid("hours", "时长应大于0、最多24小时 (more than none, at most 24 hours)"));
        }
        if r.served_at > now {
            return Err(StoreError::invalid("served_at", "服务时间不能晚于现在 (not in the future)"));
        }
        if r.served_at < now - Duration::days(5 * 366) {
            return Err(StoreError::invalid("served_at", "服务时间过早 (more than five years ago)"));
        }
        if let Some(a) = r.activity {
            if self.activity(a).await.is_err() {
                return Err(StoreError::missing("activity", "没有这个活动 (no such activity)"));
            }
        }
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO volunteer_records (id, team_id, person_id, activity_id, path, content, place, served_at, minutes,
               status, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'recorded', $10, $11)",
            &[
                id.into(),
                t.id.into(),
                person.into(),
                r.activity.into(),
                t.path.clone().into(),
                content.into(),
                place.into(),
                r.served_at.into(),
                i64::from(r.minutes).into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await?;
        audit_in(&mut tx, ctx, &t.path, "volunteer.record", id, json!({"team": t.id, "minutes": r.minutes})).await?;
        tx.commit().await?;
        self.service_record(id).await
    }

    pub async fn service_record(&self, id: Uuid) -> Result<ServiceRecord> {
        fetch_optional(&self.db, &format!("SELECT {RECORD_COLS} FROM {RECORD_FROM} WHERE r.id = $1"), &[id.into()])
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// A record as `who` may see it: its volunteer, or the team's organisers.
    pub async fn service_record_for(&self, who: &Principal, id: Uuid) -> Result<ServiceRecord> {
        let r = self.service_record(id).await?;
        if Some(r.person_id) == who.person_id || runs_at(who, &r.path) {
            Ok(r)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Confirms a record's hours or turns it down (a reason required): the team's organisers
    /// alone, and never for their own service. Decided once.
    pub async fn decide_record(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        to: RecordStatus,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<ServiceRecord> {
        let r = self.service_record_for(who, id).await?;
        if !runs_at(who, &r.path) || Some(r.person_id) == who.person_id {
            // 谁组织谁证明: only whoever organised it, and not the volunteer.
            return Err(StoreError::Forbidden(Permission::RunActivities));
        }
        let reason = match to {
            RecordStatus::Confirmed => text("reason", reason, 0, 200)?,
            RecordStatus::Rejected => text("reason", reason, 2, 200)?,
            RecordStatus::Recorded => {
                return Err(StoreError::invalid("status", "应为 confirmed 或 rejected (confirmed or rejected)"))
            }
        };
        let mut tx = self.begin().await?;
        let done = exec(
            &mut tx,
            "UPDATE volunteer_records SET status = $2, decided_by = $3, decided_by_name = $4, decided_at = $5, reason = $6
             WHERE id = $1 AND status = 'recorded'",
            &[
                id.into(),
                to.as_str().into(),
                who.user_id.into(),
                who.display_name.clone().into(),
                now.into(),
                reason.into(),
            ],
        )
        .await?;
        if done == 0 {
            return Err(StoreError::Conflict {
                field: "status".into(),
                message: format!("这条记录已{} (already decided)", r.status().label_zh()),
            });
        }
        audit_in(&mut tx, ctx, &r.path, "volunteer.decide", id, json!({"status": to.as_str()})).await?;
        tx.commit().await?;
        self.service_record(id).await
    }

    /// Records `who` may see: their own, and those of teams they organise; newest first.
    pub async fn service_records(&self, who: &Principal, f: &RecordFilter, page: Page) -> Result<Paged<ServiceRecord>> {
        let mut q = QueryParts::default();
        let mut ors: Vec<String> = Vec::new();
        if let Some(me) = who.person_id {
            ors.push(format!("r.person_id = {}", q.bind(me)));
        }
        if let Ok(scope) = who.scope(Permission::RunActivities) {
            if scope.is_everything() {
                ors.push("1 = 1".into());
            } else {
                ors.extend(scope.subtrees().iter().map(|s| s.sql(&mut q, "r.path")));
            }
        }
        if ors.is_empty() {
            return Ok(Paged { items: vec![], page: page.page, page_size: page.page_size, total: 0 });
        }
        q.cond(format!("({})", ors.join(" OR ")));
        if let Some(t) = f.team {
            q.cond_bind("r.team_id = {}", t);
        }
        if let Some(p) = f.person {
            q.cond_bind("r.person_id = {}", p);
        }
        if let Some(s) = f.status {
            q.cond_bind("r.status = {}", s.as_str());
        }
        let total =
            fetch_i64(&self.db, &format!("SELECT count(*) FROM volunteer_records r{}", q.where_clause()), &q.vals)
                .await?;
        let items = fetch_all(
            &self.db,
            &format!(
                "SELECT {RECORD_COLS} FROM {RECORD_FROM}{} ORDER BY r.served_at DESC, r.id LIMIT {} OFFSET {}",
                q.where_clause(),
                page.limit(),
                page.offset()
            ),
            &q.vals,
        )
        .await?;
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }

    /// A volunteer's certificate: the person themselves, or staff whose people scope holds them.
    pub async fn certificate(&self, who: &Principal, person: Uuid) -> Result<Certificate> {
        if who.person_id != Some(person) {
            self.resident_in_scope(who, person).await.map_err(|_| StoreError::NotFound)?;
        }
        let p = self.person(person).await?;
        let records: Vec<ServiceRecord> = fetch_all(
            &self.db,
            &format!(
                "SELECT {RECORD_COLS} FROM {RECORD_FROM} WHERE r.person_id = $1 AND r.status = 'confirmed' ORDER BY r.served_at, r.id"
            ),
            &[person.into()],
        )
        .await?;
        let total_minutes = records.iter().map(|r| r.minutes).sum();
        Ok(Certificate {
            person_id: person,
            name: p.name.clone(),
            id_number_masked: jiayuan_domain::mask_middle(&p.id_number),
            records,
            total_minutes,
        })
    }

    /// Confirmed hours by team within a place over `[from, to)` (service time).
    pub async fn volunteer_hours(
        &self,
        within: &Subtree,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TeamHours>> {
        let mut q = QueryParts::default();
        within.restrict(&mut q, "r.path");
        q.cond_bind("r.served_at >= {}", from);
        q.cond_bind("r.served_at < {}", to);
        q.cond("r.status = 'confirmed'".into());
        let rows: Vec<(Uuid, String, i64, i64)> = fetch_all(
            &self.db,
            &format!(
                "SELECT r.team_id, t.name, CAST(count(DISTINCT r.person_id) AS BIGINT), CAST(sum(r.minutes) AS BIGINT)
                 FROM volunteer_records r JOIN volunteer_teams t ON t.id = r.team_id{}
                 GROUP BY r.team_id, t.name ORDER BY 4 DESC, t.name",
                q.where_clause()
            ),
            &q.vals,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(team_id, team_name, volunteers, minutes)| TeamHours { team_id, team_name, volunteers, minutes })
            .collect())
    }
}
