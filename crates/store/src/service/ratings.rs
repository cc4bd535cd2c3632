//! Consultations (咨询) logged at a point, good-or-bad ratings (好差评) of every completed
//! ticket and consultation, the follow-up of each bad one (revisit, verify, rectify,
//! feedback) by a working-day limit, and the service figures counted from these records.

use super::rollup::Measure;
use super::{audit_in, serves_at, text};
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::{exec, fetch_all, fetch_i64, fetch_optional, fetch_text_ints, QueryParts};
use crate::error::conflict_as;
use crate::subtree::Subtree;
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::service::{self, Channel, FollowUpStep, Rating, TicketStatus};
use jiayuan_domain::time::{beijing, from_beijing};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewConsultation {
    pub point: Uuid,
    pub channel: Channel,
    pub topic: String,
    pub answer: String,
    pub person_id: Option<Uuid>,
    pub person_name: String,
}

#[derive(Debug, Clone)]
pub struct Consultation {
    pub id: Uuid,
    pub point_id: Uuid,
    pub point_name: String,
    pub path: String,
    pub channel: Channel,
    pub topic: String,
    pub answer: String,
    pub person_id: Option<Uuid>,
    pub person_name: String,
    pub staff_name: String,
    pub at: DateTime<Utc>,
    pub outside_hours: bool,
    pub rating: Option<Rating>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingTarget {
    Ticket(Uuid),
    Consultation(Uuid),
}

#[derive(Debug, Clone)]
pub struct NewRating {
    pub target: RatingTarget,
    pub level: Rating,
    pub comment: String,
}

#[derive(Debug, Clone)]
pub struct RatingRow {
    pub id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub consultation_id: Option<Uuid>,
    pub point_name: String,
    pub path: String,
    pub level: Rating,
    pub comment: String,
    pub real_name: bool,
    pub at: DateTime<Utc>,
    pub follow_up_due: Option<DateTime<Utc>>,
    pub follow_up_closed_at: Option<DateTime<Utc>>,
    /// The follow-up steps done: step, note, who, when.
    pub steps: Vec<(FollowUpStep, String, String, DateTime<Utc>)>,
    /// What was rated: the ticket's number and item, or the consultation's topic.
    pub subject: String,
}

impl RatingRow {
    pub fn follow_up_open(&self) -> bool {
        self.level.is_bad() && self.follow_up_closed_at.is_none()
    }

    pub fn follow_up_overdue(&self, now: DateTime<Utc>) -> bool {
        self.follow_up_open() && self.follow_up_due.is_some_and(|d| now >= d)
    }

    pub fn next_step(&self) -> Option<FollowUpStep> {
        if !self.level.is_bad() {
            return None;
        }
        let done: Vec<FollowUpStep> = self.steps.iter().map(|s| s.0).collect();
        service::next_follow_up(&done)
    }
}

/// The service figures of a place and period, counted from the records.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ServiceFigures {
    pub tickets: i64,
    pub tickets_completed: i64,
    pub tickets_completed_on_time: i64,
    pub tickets_open: i64,
    pub tickets_overdue: i64,
    /// Matters handled outside regular hours (the seed's 354).
    pub tickets_outside_hours: i64,
    pub consultations: i64,
    /// Consultations answered outside regular hours (the seed's 265).
    pub consultations_outside_hours: i64,
    pub ratings: i64,
    /// Ratings by level, best first (非常满意 … 非常不满意).
    pub ratings_by_level: Vec<(String, i64)>,
    pub bad_ratings: i64,
    pub bad_ratings_open: i64,
    pub real_name_bad_ratings: i64,
    pub real_name_bad_ratings_revisited: i64,
    pub appointments: i64,
    pub no_shows: i64,
    /// Tickets by item (name, count), most first, the top ten.
    pub by_item: Vec<(String, i64)>,
    /// Tickets by point (name, count), most first, the top ten.
    pub by_point: Vec<(String, i64)>,
}

type RatingTuple = (
    Uuid,
    Option<Uuid>,
    Option<Uuid>,
    String,
    String,
    String,
    String,
    bool,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<String>,
);
const RATING_COLS: &str = "g.id, g.ticket_id, g.consultation_id, p.name, g.path, g.level, g.comment, g.real_name, g.at, g.follow_up_due, g.follow_up_closed_at,
    COALESCE((SELECT CAST(k.number AS TEXT) || ' ' || k.item_name FROM service_tickets k WHERE k.id = g.ticket_id),
             (SELECT c.topic FROM service_consultations c WHERE c.id = g.consultation_id))";

type ConsultationRow = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    String,
    String,
    Option<Uuid>,
    String,
    String,
    DateTime<Utc>,
    bool,
    Option<String>,
);
const CONSULTATION_COLS: &str = "c.id, c.point_id, p.name, c.path, c.channel, c.topic, c.answer, c.person_id, c.person_name, c.staff_name, c.at, c.outside_hours,
    (SELECT g.level FROM service_ratings g WHERE g.consultation_id = c.id)";

fn consultation_of(r: ConsultationRow) -> Consultation {
    Consultation {
        id: r.0,
        point_id: r.1,
        point_name: r.2,
        path: r.3,
        channel: Channel::parse(&r.4).unwrap_or(Channel::Window),
        topic: r.5,
        answer: r.6,
        person_id: r.7,
        person_name: r.8,
        staff_name: r.9,
        at: r.10,
        outside_hours: r.11,
        rating: r.12.as_deref().and_then(Rating::parse),
    }
}

/// The settings key of the follow-up limit, in working days.
const FOLLOW_UP_KEY: &str = "service.follow_up_workdays";

impl Store {
    /// Logs a consultation answered by `who` at a point, at `now`.
    pub async fn log_consultation(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        c: &NewConsultation,
        now: DateTime<Utc>,
    ) -> Result<Consultation> {
        let scope = who.scope(Permission::ServeDesk).map_err(|d| StoreError::Forbidden(d.0))?;
        let point = self.service_point(c.point).await.ok().filter(|p| scope.covers_path(&p.path)).ok_or_else(|| {
            StoreError::missing("point", "没有这个服务点，或不在您的范围内 (no such point in your scope)")
        })?;
        let topic = text("topic", &c.topic, 2, 200)?;
        let answer = text("answer", &c.answer, 2, 2000)?;
        let (person_id, name) = match c.person_id {
            Some(pid) => {
                let row: Option<(String, Option<String>)> =
                    fetch_optional(&self.db, "SELECT name, home_path FROM people WHERE id = $1", &[pid.into()]).await?;
                let people = who.scope(Permission::ViewPeople).ok();
                match row {
                    Some((name, Some(home))) if people.as_ref().is_some_and(|s| s.covers_path(&home)) => {
                        (Some(pid), name)
                    }
                    _ => {
                        return Err(StoreError::missing(
                            "person_id",
                            "没有这位居民，或不在您的范围内 (no such resident in your scope)",
                        ))
                    }
                }
            }
            None => (None, text("person_name", &c.person_name, 1, 40)?),
        };
        let cal = self.work_calendar().await?;
        let outside = !point
            .hours
            .within_regular(&cal, beijing(now))
            .map_err(|e| StoreError::invalid("calendar", e.to_string()))?;
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO service_consultations (id, point_id, path, channel, topic, answer, person_id, person_name, staff_id, staff_name, at, outside_hours)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                id.into(),
                point.id.into(),
                point.path.clone().into(),
                c.channel.as_str().into(),
                topic.into(),
                answer.into(),
                person_id.into(),
                name.into(),
                who.user_id.into(),
                who.display_name.clone().into(),
                now.into(),
                outside.into(),
            ],
        )
        .await?;
        audit_in(
            &mut tx,
            ctx,
            &point.path,
            "service.consultation.log",
            id,
            json!({"point": point.id, "outside_hours": outside}),
        )
        .await?;
        tx.commit().await?;
        self.consultation_for(who, id).await
    }

    pub async fn consultation_for(&self, who: &Principal, id: Uuid) -> Result<Consultation> {
        let r: Option<ConsultationRow> = fetch_optional(
            &self.db,
            &format!("SELECT {CONSULTATION_COLS} FROM service_consultations c JOIN service_points p ON p.id = c.point_id WHERE c.id = $1"),
            &[id.into()],
        )
        .await?;
        let c = consultation_of(r.ok_or(StoreError::NotFound)?);
        if serves_at(who, &c.path) || (c.person_id.is_some() && c.person_id == who.person_id) {
            Ok(c)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// The consultations `who` sees (a resident: their own), newest first, at most `limit`.
    pub async fn consultations(&self, who: &Principal, point: Option<Uuid>, limit: i64) -> Result<Vec<Consultation>> {
        let mut q = QueryParts::default();
        match who.scope(Permission::ServeDesk) {
            Ok(scope) => scope.restrict(&mut q, "c.path", None),
            Err(_) => match who.person_id {
                Some(pid) => q.cond_bind("c.person_id = {}", pid),
                None => return Err(StoreError::Forbidden(Permission::ServeDesk)),
            },
        }
        if let Some(p) = point {
            q.cond_bind("c.point_id = {}", p);
        }
        let mut vals = q.vals.clone();
        vals.push(limit.clamp(1, 500).into());
        let rows: Vec<ConsultationRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT {CONSULTATION_COLS} FROM service_consultations c JOIN service_points p ON p.id = c.point_id {} ORDER BY c.at DESC, c.id LIMIT ${}",
                q.where_clause(),
                vals.len()
            ),
            &vals,
        )
        .await?;
        Ok(rows.into_iter().map(consultation_of).collect())
    }

    /// The follow-up limit of bad ratings, in working days.
    pub async fn follow_up_workdays(&self) -> Result<u32> {
        let v: Option<(String,)> =
            fetch_optional(&self.db, "SELECT value FROM settings WHERE key = $1", &[FOLLOW_UP_KEY.into()]).await?;
        Ok(v.and_then(|v| v.0.parse().ok()).unwrap_or(service::DEFAULT_FOLLOW_UP_WORKDAYS))
    }

    /// Sets the follow-up limit (district administrators).
    pub async fn set_follow_up_workdays(&self, ctx: &AuditCtx, who: &Principal, days: u32) -> Result<()> {
        super::catalogue::edits_catalogue(who)?;
        if !(1..=30).contains(&days) {
            return Err(StoreError::invalid("follow_up_workdays", "回访整改时限应为1到30个工作日 (1–30 working days)"));
        }
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            &[FOLLOW_UP_KEY.into(), days.to_string().into(), Utc::now().into()],
        )
        .await?;
        audit_in(&mut tx, ctx, "/", "service.follow_up_limit", "settings", json!({"workdays": days})).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Rates a completed ticket or an answered consultation, once (一事一评). The person
    /// served rates it signed in; staff may record a rating given at the window's rating pad.
    /// A bad rating opens a follow-up due in the configured working days.
    pub async fn rate_service(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        r: &NewRating,
        now: DateTime<Utc>,
    ) -> Result<RatingRow> {
        let comment = text("comment", &r.comment, 0, 500)?;
        if r.level.is_bad() && comment.chars().count() < 2 {
            return Err(StoreError::invalid("comment", "差评请写明不满意的地方，便于回访整改 (say what was wrong)"));
        }
        let (ticket_id, consultation_id, point_id, path, person_id, real_name, item) = match r.target {
            RatingTarget::Ticket(id) => {
                let t = self.ticket_for(who, id).await?;
                if t.status != TicketStatus::Completed && t.status != TicketStatus::Refused {
                    return Err(StoreError::Conflict {
                        field: "status".into(),
                        message: format!("“{}”的办件还不能评价，办结后再评 (rate when done)", t.status.label_zh()),
                    });
                }
                let real_name = t.person_id.is_some() || t.applicant_phone.is_some();
                (Some(id), None, t.point_id, t.path, t.person_id, real_name, t.item)
            }
            RatingTarget::Consultation(id) => {
                let c = self.consultation_for(who, id).await?;
                (None, Some(id), c.point_id, c.path, c.person_id, c.person_id.is_some(), String::new())
            }
        };
        let is_applicant = person_id.is_some() && person_id == who.person_id;
        if !is_applicant && !serves_at(who, &path) {
            return Err(StoreError::NotFound);
        }
        let due = if r.level.is_bad() {
            let cal = self.work_calendar().await?;
            let days = self.follow_up_workdays().await?;
            let day = service::due_day(&cal, beijing(now).date(), days, &[])
                .map_err(|e| StoreError::invalid("calendar", e.to_string()))?
                .unwrap_or(beijing(now).date());
            Some(from_beijing(service::due_and_warning(beijing(now), day).0))
        } else {
            None
        };
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO service_ratings (id, ticket_id, consultation_id, point_id, path, level, comment, real_name, rated_by, at, follow_up_due, item)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                id.into(),
                ticket_id.into(),
                consultation_id.into(),
                point_id.into(),
                path.clone().into(),
                r.level.as_str().into(),
                comment.into(),
                real_name.into(),
                who.user_id.into(),
                now.into(),
                due.into(),
                item.clone().into(),
            ],
        )
        .await
        .map_err(conflict_as("rating", "已经评价过了，一事一评 (already rated: one rating per service)"))?;
        super::rollup::bump(&mut tx, point_id, &path, &item, now, &[Measure::Ratings, Measure::Level(r.level)]).await?;
        audit_in(
            &mut tx,
            ctx,
            &path,
            "service.rate",
            id,
            json!({"level": r.level, "ticket": ticket_id, "consultation": consultation_id}),
        )
        .await?;
        tx.commit().await?;
        self.rating(id).await
    }

    async fn rating(&self, id: Uuid) -> Result<RatingRow> {
        let r: Option<RatingTuple> = fetch_optional(
            &self.db,
            &format!("SELECT {RATING_COLS} FROM service_ratings g JOIN service_points p ON p.id = g.point_id WHERE g.id = $1"),
            &[id.into()],
        )
        .await?;
        let r = r.ok_or(StoreError::NotFound)?;
        let steps: Vec<(String, String, String, DateTime<Utc>)> = fetch_all(
            &self.db,
            "SELECT step, note, actor_name, at FROM service_follow_ups WHERE rating_id = $1 ORDER BY at",
            &[id.into()],
        )
        .await?;
        let mut steps: Vec<(FollowUpStep, String, String, DateTime<Utc>)> =
            steps.into_iter().filter_map(|(s, n, a, at)| Some((FollowUpStep::parse(&s)?, n, a, at))).collect();
        steps.sort_by_key(|s| s.0);
        Ok(rating_of(r, steps))
    }

    /// A rating as `who` may see it: staff who serve the desk there, or whoever gave it.
    pub async fn rating_for(&self, who: &Principal, id: Uuid) -> Result<RatingRow> {
        let r = self.rating(id).await?;
        if serves_at(who, &r.path) {
            return Ok(r);
        }
        let by: Option<(Option<Uuid>,)> =
            fetch_optional(&self.db, "SELECT rated_by FROM service_ratings WHERE id = $1", &[id.into()]).await?;
        if by.and_then(|b| b.0).is_some_and(|b| Some(b) == who.user_id) {
            Ok(r)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// The rating of a ticket or consultation, if it has one (for its page).
    pub async fn rating_of(&self, target: RatingTarget) -> Result<Option<RatingRow>> {
        let (col, id) = match target {
            RatingTarget::Ticket(id) => ("ticket_id", id),
            RatingTarget::Consultation(id) => ("consultation_id", id),
        };
        let r: Option<(Uuid,)> =
            fetch_optional(&self.db, &format!("SELECT id FROM service_ratings WHERE {col} = $1"), &[id.into()]).await?;
        match r {
            Some((id,)) => Ok(Some(self.rating(id).await?)),
            None => Ok(None),
        }
    }

    /// Ratings staff see, bad ones with open follow-ups first, then newest.
    pub async fn ratings(&self, who: &Principal, bad_only: bool, limit: i64) -> Result<Vec<RatingRow>> {
        let scope = who.scope(Permission::ServeDesk).map_err(|d| StoreError::Forbidden(d.0))?;
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "g.path", None);
        if bad_only {
            q.cond("g.level IN ('dissatisfied', 'very_dissatisfied')".into());
        }
        let mut vals = q.vals.clone();
        vals.push(limit.clamp(1, 500).into());
        let rows: Vec<RatingTuple> = fetch_all(
            &self.db,
            &format!(
                "SELECT {RATING_COLS} FROM service_ratings g JOIN service_points p ON p.id = g.point_id {}
                 ORDER BY CASE WHEN g.follow_up_due IS NOT NULL AND g.follow_up_closed_at IS NULL THEN 0 ELSE 1 END, g.follow_up_due, g.at DESC
                 LIMIT ${}",
                q.where_clause(),
                vals.len()
            ),
            &vals,
        )
        .await?;
        self.with_steps(rows).await
    }

    /// The bad ratings `who` sees still being followed up, the soonest due first (the desk's
    /// list: their own index, however many ratings there are).
    pub async fn open_follow_ups(&self, who: &Principal, limit: i64) -> Result<Vec<RatingRow>> {
        let scope = who.scope(Permission::ServeDesk).map_err(|d| StoreError::Forbidden(d.0))?;
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "g.path", None);
        q.cond("g.follow_up_due IS NOT NULL AND g.follow_up_closed_at IS NULL".into());
        // SQLite would read the subtree's ratings by place and sort them.
        let hint = if self.backend() == crate::Backend::Sqlite { " INDEXED BY service_ratings_follow_up" } else { "" };
        let mut vals = q.vals.clone();
        vals.push(limit.clamp(1, 500).into());
        let rows: Vec<RatingTuple> = fetch_all(
            &self.db,
            &format!(
                "SELECT {RATING_COLS} FROM service_ratings g{hint} JOIN service_points p ON p.id = g.point_id {}
                 ORDER BY g.follow_up_due, g.id LIMIT ${}",
                q.where_clause(),
                vals.len()
            ),
            &vals,
        )
        .await?;
        self.with_steps(rows).await
    }

    /// Ratings with their follow-up steps.
    async fn with_steps(&self, rows: Vec<RatingTuple>) -> Result<Vec<RatingRow>> {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id = r.0;
            let steps: Vec<(String, String, String, DateTime<Utc>)> =
                if r.5 == "dissatisfied" || r.5 == "very_dissatisfied" {
                    fetch_all(
                        &self.db,
                        "SELECT step, note, actor_name, at FROM service_follow_ups WHERE rating_id = $1",
                        &[id.into()],
                    )
                    .await?
                } else {
                    vec![]
                };
            let mut steps: Vec<_> =
                steps.into_iter().filter_map(|(s, n, a, at)| Some((FollowUpStep::parse(&s)?, n, a, at))).collect();
            steps.sort_by_key(|s| s.0);
            out.push(rating_of(r, steps));
        }
        Ok(out)
    }

    /// Records the next step of a bad rating's follow-up; the feedback closes it.
    pub async fn follow_up(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        step: FollowUpStep,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<RatingRow> {
        let r = self.rating(id).await?;
        if !serves_at(who, &r.path) {
            return Err(if who.can(Permission::ServeDesk) {
                StoreError::NotFound
            } else {
                StoreError::Forbidden(Permission::ServeDesk)
            });
        }
        if !r.level.is_bad() {
            return Err(StoreError::invalid("step", "只有差评需要回访整改 (only bad ratings are followed up)"));
        }
        let done: Vec<FollowUpStep> = r.steps.iter().map(|s| s.0).collect();
        service::check_follow_up(&done, step).map_err(|m| StoreError::Conflict { field: "step".into(), message: m })?;
        let note = text("note", note, 2, 1000)?;
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO service_follow_ups (rating_id, step, note, actor_id, actor_name, at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[id.into(), step.as_str().into(), note.into(), who.user_id.into(), who.display_name.clone().into(), now.into()],
        )
        .await
        .map_err(conflict_as("step", format!("“{}”已记录 (already recorded)", step.label_zh())))?;
        if service::next_follow_up(&[done.as_slice(), &[step]].concat()).is_none() {
            exec(
                &mut tx,
                "UPDATE service_ratings SET follow_up_closed_at = $2 WHERE id = $1",
                &[id.into(), now.into()],
            )
            .await?;
        }
        audit_in(&mut tx, ctx, &r.path, "service.follow_up", id, json!({"step": step})).await?;
        tx.commit().await?;
        self.rating(id).await
    }

    /// The service figures of a subtree over `[from, to)`, from the records.
    pub async fn service_figures(
        &self,
        within: &Subtree,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<ServiceFigures> {
        use super::rollup::Measure as M;
        let mut f = ServiceFigures::default();
        let period = |alias: &str, at: &str| {
            let mut q = QueryParts::default();
            within.restrict(&mut q, &format!("{alias}.path"));
            q.cond_bind(&format!("{alias}.{at} >= {{}}"), from);
            q.cond_bind(&format!("{alias}.{at} < {{}}"), to);
            q
        };
        let flag = |cond: &str| format!("CAST(sum(CASE WHEN {cond} THEN 1 ELSE 0 END) AS BIGINT)");
        let names = |sql: &'static str| async move {
            let rows: Vec<(String, String)> = fetch_all(&self.db, sql, &[]).await?;
            Ok::<BTreeMap<String, String>, StoreError>(rows.into_iter().collect())
        };
        // Overdue now: the open tickets alone (their own index).
        let mut overdue = period("k", "received_at");
        overdue.cond("k.status NOT IN ('completed', 'refused')".into());
        overdue.cond_bind("k.due_at <= {}", now);
        let overdue_sql = format!("SELECT count(*) FROM service_tickets k{}", overdue.where_clause());
        // Bad ratings alone (their own index), for the follow-up.
        let mut bad = period("g", "at");
        bad.cond("g.level IN ('dissatisfied', 'very_dissatisfied')".into());
        let bad_sql = format!(
            "SELECT 'bad', count(*), {}, {}, {} FROM service_ratings g{}",
            flag("g.follow_up_closed_at IS NULL"),
            flag("g.real_name = TRUE"),
            flag("g.real_name = TRUE AND EXISTS (SELECT 1 FROM service_follow_ups u WHERE u.rating_id = g.id AND u.step = 'revisit')"),
            bad.where_clause()
        );
        let consulted = period("c", "at");
        let consulted_sql = format!(
            "SELECT 'c', count(*), {} FROM service_consultations c{}",
            flag("c.outside_hours = TRUE"),
            consulted.where_clause()
        );
        let booked = period("a", "starts_at");
        let booked_sql = format!(
            "SELECT 'a', {}, {} FROM service_appointments a{}",
            flag("a.status <> 'cancelled'"),
            flag("a.status = 'no_show'"),
            booked.where_clause()
        );
        // Independent reads, taken side by side (the pool has a connection for each).
        let (tallies, point_names, item_names, overdue, bad, consulted, booked) = tokio::try_join!(
            // Tickets and ratings: month and day rows by point and by item.
            self.service_tallies(within, from, to, now),
            names("SELECT path, name FROM service_points"),
            names("SELECT code, name FROM service_items"),
            fetch_i64(&self.db, &overdue_sql, &overdue.vals),
            fetch_text_ints(&self.db, &bad_sql, &bad.vals, 1),
            fetch_text_ints(&self.db, &consulted_sql, &consulted.vals, 1),
            fetch_text_ints(&self.db, &booked_sql, &booked.vals, 1),
        )?;
        let mut by_point: BTreeMap<&str, i64> = BTreeMap::new();
        let mut levels = [0i64; 5];
        for (path, t) in &tallies.by_point {
            f.tickets += t.get(M::Received);
            f.tickets_completed += t.get(M::Completed);
            f.tickets_completed_on_time += t.get(M::CompletedOnTime);
            f.tickets_open += t.get(M::Received) - t.get(M::Completed) - t.get(M::Refused);
            f.tickets_outside_hours += t.get(M::OutsideHours);
            f.ratings += t.get(M::Ratings);
            for (slot, level) in levels.iter_mut().zip(Rating::ALL) {
                *slot += t.get(M::Level(*level));
            }
            if t.get(M::Received) > 0 {
                *by_point.entry(path).or_default() += t.get(M::Received);
            }
        }
        let by_item: BTreeMap<&str, i64> =
            tallies.by_item.iter().filter(|(_, n)| **n > 0).map(|(k, n)| (k.as_str(), *n)).collect();
        f.ratings_by_level = Rating::ALL.iter().zip(levels).map(|(l, n)| (l.as_str().to_string(), n)).collect();
        let top = |m: BTreeMap<&str, i64>, names: &BTreeMap<String, String>| {
            let mut v: Vec<(String, i64)> =
                m.into_iter().map(|(k, n)| (names.get(k).cloned().unwrap_or_else(|| k.to_string()), n)).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v.truncate(10);
            v
        };
        f.by_point = top(by_point, &point_names);
        f.by_item = top(by_item, &item_names);
        f.tickets_overdue = overdue;
        if let Some((_, n)) = bad.into_iter().next() {
            (f.bad_ratings, f.bad_ratings_open, f.real_name_bad_ratings, f.real_name_bad_ratings_revisited) =
                (n[0], n[1], n[2], n[3]);
        }
        if let Some((_, n)) = consulted.into_iter().next() {
            (f.consultations, f.consultations_outside_hours) = (n[0], n[1]);
        }
        if let Some((_, n)) = booked.into_iter().next() {
            (f.appointments, f.no_shows) = (n[0], n[1]);
        }
        Ok(f)
    }
}

fn rating_of(r: RatingTuple, steps: Vec<(FollowUpStep, String, String, DateTime<Utc>)>) -> RatingRow {
    RatingRow {
        id: r.0,
        ticket_id: r.1,
        consultation_id: r.2,
        point_name: r.3,
        path: r.4,
        level: Rating::parse(&r.5).unwrap_or(Rating::Basic),
        comment: r.6,
        real_name: r.7,
        at: r.8,
        follow_up_due: r.9,
        follow_up_closed_at: r.10,
        steps,
        subject: r.11.unwrap_or_default(),
    }
}
