//! Activities: published by staff with `RunActivities` over a place, registered for by
//! residents (or by staff for them), checked in at the door with the code on each
//! registration.
//!
//! Places are counted in `activities.registered`, raised only while below the capacity in the
//! same statement (`UPDATE … WHERE registered < capacity`), so registrations arriving at once
//! on either database never over-book: the row is the lock. Whoever does not get a place gets
//! the next number on the waiting list. A cancellation frees its place and, in the same
//! transaction and under the same row lock, gives it to the lowest number waiting.
//!
//! A check-in code is the registration's id and a tag the server signs over the activity and
//! the registration: it cannot be made up, and a code from one activity does not open another.

use super::audit_in;
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::{exec, fetch_all, fetch_all_tx, fetch_i64, fetch_optional, QueryParts};
use crate::model::{Page, Paged};
use crate::subtree::Subtree;
use crate::{new_id, Result, Store, StoreError, Tx};
use chrono::{DateTime, Duration, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::life::{self, ActivityStatus, OrganiserKind, RegistrationStatus};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct ActivityKind {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub training: bool,
}

/// What staff fill in to publish an activity.
#[derive(Debug, Clone)]
pub struct NewActivity {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub organiser_kind: OrganiserKind,
    pub organiser_name: String,
    /// The territory node it belongs to (a community, compound, …), by code.
    pub territory: String,
    /// Where exactly (a room, a square), free text.
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// 0: no registration limit.
    pub capacity: u32,
    /// Shown to residents and open to their registration.
    pub public: bool,
    /// Held this many weeks in a row (1: once).
    pub weeks: u32,
    /// The venture project it is held under, if any (approved or running, covering the place).
    pub project: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct Activity {
    pub id: Uuid,
    pub kind: String,
    pub kind_name: String,
    pub title: String,
    pub description: String,
    pub organiser_kind: OrganiserKind,
    pub organiser_name: String,
    pub territory_id: Uuid,
    pub territory_name: String,
    pub path: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub series_id: Option<Uuid>,
    pub capacity: i64,
    pub registered: i64,
    pub waiting: i64,
    pub checked_in: i64,
    pub unnamed_beneficiaries: i64,
    pub status: ActivityStatus,
    pub public: bool,
    pub report: String,
    pub project_id: Option<Uuid>,
}

impl Activity {
    /// Places still free (None: no limit).
    pub fn places_left(&self) -> Option<i64> {
        (self.capacity > 0).then(|| (self.capacity - self.registered).max(0))
    }

    /// Everyone the activity served: those who checked in and those counted without names.
    pub fn beneficiaries(&self) -> i64 {
        self.checked_in + self.unnamed_beneficiaries
    }
}

#[derive(Debug, Clone)]
pub struct Registration {
    pub id: Uuid,
    pub activity_id: Uuid,
    pub person_id: Uuid,
    pub person_name: String,
    pub status: RegistrationStatus,
    /// Place on the waiting list (1 is next), while waiting.
    pub waiting_place: Option<i64>,
    pub registered_at: DateTime<Utc>,
    pub promoted_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub path: String,
}

/// A check-in done: the registration and the activity's counts after it.
#[derive(Debug, Clone)]
pub struct CheckIn {
    pub registration: Registration,
    pub activity: Activity,
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub within: Option<Subtree>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub kind: Option<String>,
    /// Only those residents may see and register for.
    pub public_only: bool,
}

const ACTIVITY_FROM: &str =
    "activities a JOIN activity_kinds k ON k.code = a.kind JOIN territories t ON t.id = a.territory_id";

/// The row as read: the tuple nests the counts so it stays within sqlx's sixteen columns.
#[derive(sqlx::FromRow)]
struct RawActivity {
    id: Uuid,
    kind: String,
    kind_name: String,
    title: String,
    description: String,
    organiser_kind: String,
    organiser_name: String,
    territory_id: Uuid,
    territory_name: String,
    path: String,
    place: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    series_id: Option<Uuid>,
    capacity: i64,
    registered: i64,
    checked_in: i64,
    unnamed_beneficiaries: i64,
    status: String,
    public: bool,
    report: String,
    project_id: Option<Uuid>,
}

// `waitlist_seq` is the last number handed out, not how many wait: not read.
const RAW_COLS: &str =
    "a.id, a.kind, k.name AS kind_name, a.title, a.description, a.organiser_kind, a.organiser_name, \
    a.territory_id, t.name AS territory_name, a.path, a.place, a.starts_at, a.ends_at, a.series_id, \
    a.capacity, a.registered, a.checked_in, a.unnamed_beneficiaries, a.status, a.public, a.report, a.project_id";

impl RawActivity {
    fn into_activity(self, waiting: i64) -> Activity {
        Activity {
            id: self.id,
            kind: self.kind,
            kind_name: self.kind_name,
            title: self.title,
            description: self.description,
            organiser_kind: OrganiserKind::parse(&self.organiser_kind).unwrap_or(OrganiserKind::Community),
            organiser_name: self.organiser_name,
            territory_id: self.territory_id,
            territory_name: self.territory_name,
            path: self.path,
            place: self.place,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            series_id: self.series_id,
            capacity: self.capacity,
            registered: self.registered,
            waiting,
            checked_in: self.checked_in,
            unnamed_beneficiaries: self.unnamed_beneficiaries,
            status: ActivityStatus::parse(&self.status).unwrap_or(ActivityStatus::Open),
            public: self.public,
            report: self.report,
            project_id: self.project_id,
        }
    }
}

#[derive(sqlx::FromRow)]
struct RawRegistration {
    id: Uuid,
    activity_id: Uuid,
    person_id: Uuid,
    person_name: String,
    status: String,
    waitlist_no: Option<i64>,
    registered_at: DateTime<Utc>,
    promoted_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
    checked_in_at: Option<DateTime<Utc>>,
    path: String,
    ahead: i64,
}

const REG_COLS: &str = "r.id, r.activity_id, r.person_id, e.name AS person_name, r.status, r.waitlist_no, \
    r.registered_at, r.promoted_at, r.cancelled_at, r.checked_in_at, a.path, \
    CAST((SELECT count(*) FROM activity_registrations w WHERE w.activity_id = r.activity_id \
      AND w.status = 'waitlisted' AND w.waitlist_no <= r.waitlist_no) AS BIGINT) AS ahead";
const REG_FROM: &str =
    "activity_registrations r JOIN activities a ON a.id = r.activity_id JOIN people e ON e.id = r.person_id";

impl RawRegistration {
    fn into_registration(self) -> Registration {
        let status = RegistrationStatus::parse(&self.status).unwrap_or(RegistrationStatus::Cancelled);
        Registration {
            id: self.id,
            activity_id: self.activity_id,
            person_id: self.person_id,
            person_name: self.person_name,
            status,
            waiting_place: (status == RegistrationStatus::Waitlisted && self.waitlist_no.is_some())
                .then_some(self.ahead),
            registered_at: self.registered_at,
            promoted_at: self.promoted_at,
            cancelled_at: self.cancelled_at,
            checked_in_at: self.checked_in_at,
            path: self.path,
        }
    }
}

use crate::service::text;

/// The most weeks an activity is repeated at once.
pub const MAX_WEEKS: u32 = 52;

/// Whether `who` runs activities at `path`.
pub fn runs_at(who: &Principal, path: &str) -> bool {
    who.scope(Permission::RunActivities).is_ok_and(|s| s.covers_path(path))
}

impl Store {
    pub async fn activity_kinds(&self) -> Result<Vec<ActivityKind>> {
        let rows: Vec<(String, String, String, bool)> =
            fetch_all(&self.db, "SELECT code, name, name_en, training FROM activity_kinds ORDER BY code", &[]).await?;
        Ok(rows
            .into_iter()
            .map(|(code, name, name_en, training)| ActivityKind { code, name, name_en, training })
            .collect())
    }

    /// Publishes an activity (and its weekly repeats): staff who run activities over its place.
    pub async fn create_activity(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        a: &NewActivity,
        now: DateTime<Utc>,
    ) -> Result<Activity> {
        let scope =
            who.scope(Permission::RunActivities).map_err(|_| StoreError::Forbidden(Permission::RunActivities))?;
        let title = text("title", &a.title, 2, 60)?;
        let description = text("description", &a.description, 0, 2000)?;
        let organiser_name = text("organiser_name", &a.organiser_name, 2, 60)?;
        let place = text("place", &a.place, 0, 100)?;
        let kinds = self.activity_kinds().await?;
        let Some(kind) = kinds.iter().find(|k| k.code == a.kind.trim()) else {
            return Err(StoreError::invalid("kind", format!("没有活动类型“{}” (no such kind)", a.kind.trim())));
        };
        let territory = match self.territory_by_code(&a.territory).await {
            Ok(t) if scope.covers(&t) => t,
            _ => {
                return Err(StoreError::missing(
                    "territory",
                    format!("区域“{}”不存在或不在您的范围内 (no such place in your scope)", a.territory.trim()),
                ))
            }
        };
        life::check_times(a.starts_at, a.ends_at).map_err(StoreError::Invalid)?;
        if let Some(p) = a.project {
            self.project_takes(p, &territory.path).await?;
        }
        if a.starts_at < now - Duration::days(366) {
            return Err(StoreError::invalid("starts_at", "开始时间过早 (more than a year ago)"));
        }
        if a.starts_at > now + Duration::days(3 * 366) {
            return Err(StoreError::invalid("starts_at", "最多提前三年发布 (at most three years ahead)"));
        }
        if a.capacity > life::MAX_CAPACITY {
            return Err(StoreError::invalid(
                "capacity",
                format!("名额最多{} (at most {})", life::MAX_CAPACITY, life::MAX_CAPACITY),
            ));
        }
        if a.weeks == 0 || a.weeks > MAX_WEEKS {
            return Err(StoreError::invalid("weeks", format!("重复周数应为1到{MAX_WEEKS} (1–{MAX_WEEKS} weeks)")));
        }
        let first = new_id();
        let mut tx = self.begin().await?;
        for week in 0..a.weeks {
            let id = if week == 0 { first } else { new_id() };
            let shift = Duration::weeks(i64::from(week));
            exec(
                &mut tx,
                "INSERT INTO activities (id, kind, title, description, organiser_kind, organiser_name, territory_id, path, place,
                   starts_at, ends_at, series_id, capacity, public, status, created_by, created_at, updated_at, project_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'open', $15, $16, $16, $17)",
                &[
                    id.into(),
                    kind.code.clone().into(),
                    title.clone().into(),
                    description.clone().into(),
                    a.organiser_kind.as_str().into(),
                    organiser_name.clone().into(),
                    territory.id.into(),
                    territory.path.clone().into(),
                    place.clone().into(),
                    (a.starts_at + shift).into(),
                    (a.ends_at + shift).into(),
                    (a.weeks > 1).then_some(first).into(),
                    i64::from(a.capacity).into(),
                    a.public.into(),
                    who.user_id.into(),
                    now.into(),
                    a.project.into(),
                ],
            )
            .await?;
        }
        audit_in(&mut tx, ctx, &territory.path, "activity.create", first, json!({"title": title, "weeks": a.weeks}))
            .await?;
        tx.commit().await?;
        self.activity(first).await
    }

    /// One activity by id, whoever asks (callers decide what may be shown).
    pub async fn activity(&self, id: Uuid) -> Result<Activity> {
        let raw: Option<RawActivity> =
            fetch_optional(&self.db, &format!("SELECT {RAW_COLS} FROM {ACTIVITY_FROM} WHERE a.id = $1"), &[id.into()])
                .await?;
        let raw = raw.ok_or(StoreError::NotFound)?;
        let waiting = fetch_i64(
            &self.db,
            "SELECT count(*) FROM activity_registrations WHERE activity_id = $1 AND status = 'waitlisted'",
            &[id.into()],
        )
        .await?;
        Ok(raw.into_activity(waiting))
    }

    /// An activity as `who` may see it: a public one anyone signed in sees; one that is not
    /// public only staff who run activities there.
    pub async fn activity_for(&self, who: &Principal, id: Uuid) -> Result<Activity> {
        let a = self.activity(id).await?;
        if a.public || runs_at(who, &a.path) {
            Ok(a)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Activities `who` may see, by start time (soonest first): the public ones, and those
    /// in the scope where they run activities.
    pub async fn activities_for(&self, who: &Principal, f: &ActivityFilter, page: Page) -> Result<Paged<Activity>> {
        let mut q = QueryParts::default();
        let mut ors = vec!["a.public = TRUE".to_string()];
        if let Ok(scope) = who.scope(Permission::RunActivities) {
            if scope.is_everything() {
                ors = vec!["1 = 1".into()];
            } else {
                ors.extend(scope.subtrees().iter().map(|s| s.sql(&mut q, "a.path")));
            }
        }
        q.cond(format!("({})", ors.join(" OR ")));
        self.list_activities(q, f, page).await
    }

    /// Activities by start time (soonest first), whoever asks (figures, the demo, tests).
    pub async fn activities(&self, f: &ActivityFilter, page: Page) -> Result<Paged<Activity>> {
        self.list_activities(QueryParts::default(), f, page).await
    }

    async fn list_activities(&self, mut q: QueryParts, f: &ActivityFilter, page: Page) -> Result<Paged<Activity>> {
        if let Some(w) = &f.within {
            w.restrict(&mut q, "a.path");
        }
        if let Some(from) = f.from {
            q.cond_bind("a.starts_at >= {}", from);
        }
        if let Some(to) = f.to {
            q.cond_bind("a.starts_at < {}", to);
        }
        if let Some(k) = &f.kind {
            q.cond_bind("a.kind = {}", k.clone());
        }
        if f.public_only {
            q.cond("a.public = TRUE".into());
        }
        let total =
            fetch_i64(&self.db, &format!("SELECT count(*) FROM activities a{}", q.where_clause()), &q.vals).await?;
        let sql = format!(
            "SELECT {RAW_COLS} FROM {ACTIVITY_FROM}{} ORDER BY a.starts_at, a.id LIMIT {} OFFSET {}",
            q.where_clause(),
            page.limit(),
            page.offset()
        );
        let raws: Vec<RawActivity> = fetch_all(&self.db, &sql, &q.vals).await?;
        let ids: Vec<Uuid> = raws.iter().map(|r| r.id).collect();
        let waiting = self.waiting_counts(&ids).await?;
        let items = raws
            .into_iter()
            .map(|r| {
                let w = waiting.iter().find(|(id, _)| *id == r.id).map(|x| x.1).unwrap_or(0);
                r.into_activity(w)
            })
            .collect();
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }

    async fn waiting_counts(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, i64)>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = QueryParts::default();
        let list: Vec<String> = ids.iter().map(|id| q.bind(*id)).collect();
        let sql = format!(
            "SELECT activity_id, CAST(count(*) AS BIGINT) FROM activity_registrations WHERE status = 'waitlisted' AND activity_id IN ({}) GROUP BY activity_id",
            list.join(", ")
        );
        fetch_all(&self.db, &sql, &q.vals).await
    }

    async fn registration(&self, id: Uuid) -> Result<Registration> {
        let raw: Option<RawRegistration> =
            fetch_optional(&self.db, &format!("SELECT {REG_COLS} FROM {REG_FROM} WHERE r.id = $1"), &[id.into()])
                .await?;
        raw.map(RawRegistration::into_registration).ok_or(StoreError::NotFound)
    }

    /// A registration as `who` may see it: its person, or staff running activities there.
    pub async fn registration_for(&self, who: &Principal, id: Uuid) -> Result<Registration> {
        let r = self.registration(id).await?;
        if Some(r.person_id) == who.person_id || runs_at(who, &r.path) {
            Ok(r)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// The people registered for an activity, places first, then the waiting list in order:
    /// staff who run activities there.
    pub async fn registrations(&self, who: &Principal, activity: Uuid) -> Result<Vec<Registration>> {
        let a = self.activity(activity).await?;
        if !runs_at(who, &a.path) {
            return Err(StoreError::Forbidden(Permission::RunActivities));
        }
        let raws: Vec<RawRegistration> = fetch_all(
            &self.db,
            &format!(
                "SELECT {REG_COLS} FROM {REG_FROM} WHERE r.activity_id = $1
                 ORDER BY CASE r.status WHEN 'registered' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, r.waitlist_no, r.registered_at, r.id"
            ),
            &[activity.into()],
        )
        .await?;
        Ok(raws.into_iter().map(RawRegistration::into_registration).collect())
    }

    /// The caller's own registrations, the latest activities first.
    pub async fn my_registrations(&self, who: &Principal) -> Result<Vec<(Registration, Activity)>> {
        let Some(pid) = who.person_id else { return Ok(vec![]) };
        let raws: Vec<RawRegistration> = fetch_all(
            &self.db,
            &format!("SELECT {REG_COLS} FROM {REG_FROM} WHERE r.person_id = $1 ORDER BY a.starts_at DESC LIMIT 100"),
            &[pid.into()],
        )
        .await?;
        let mut out = Vec::new();
        for r in raws {
            let a = self.activity(r.activity_id).await?;
            out.push((r.into_registration(), a));
        }
        Ok(out)
    }

    /// Registers a person for an activity: a resident for themselves, or staff running
    /// activities there for a resident of their scope. A place while any is left, else the
    /// waiting list; never over the capacity, however many register at once.
    pub async fn register(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        activity: Uuid,
        person: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<Registration> {
        let a = self.activity_for(who, activity).await?;
        let person = match (person, who.person_id) {
            (Some(pid), me) if Some(pid) != me => {
                if !runs_at(who, &a.path) {
                    return Err(StoreError::Forbidden(Permission::RunActivities));
                }
                self.resident_in_scope(who, pid).await?;
                pid
            }
            (_, Some(me)) => me,
            (_, None) => {
                return Err(StoreError::invalid(
                    "person_id",
                    "报名须由居民本人或工作人员代为登记 (register as a resident, or name the resident)",
                ))
            }
        };
        if a.status != ActivityStatus::Open {
            return Err(StoreError::Conflict {
                field: "activity".into(),
                message: format!("活动{}，不能报名 (not open for registration)", a.status.label_zh()),
            });
        }
        if a.starts_at <= now {
            return Err(StoreError::Conflict {
                field: "activity".into(),
                message: "活动已开始，报名已截止 (the activity has begun)".into(),
            });
        }
        let job = super::queue::Job { ctx: ctx.clone(), activity, path: a.path.clone(), person, now };
        let id = self.queue_registration(job).await?;
        self.registration(id).await
    }

    /// Cancels a registration (its person, or staff running activities there). A freed place
    /// goes to the first person waiting, in the same transaction. Returns the cancelled
    /// registration and, if someone moved up, theirs.
    pub async fn cancel_registration(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(Registration, Option<Registration>)> {
        let r = self.registration_for(who, id).await?;
        let a = self.activity(r.activity_id).await?;
        if r.status == RegistrationStatus::Cancelled {
            return Err(StoreError::Conflict {
                field: "status".into(),
                message: "报名已取消 (already cancelled)".into(),
            });
        }
        if r.checked_in_at.is_some() || a.ends_at <= now {
            return Err(StoreError::Conflict {
                field: "status".into(),
                message: "已签到或活动已结束，不能取消 (checked in, or the activity is over)".into(),
            });
        }
        let mut tx = self.begin().await?;
        // The activity's row first: cancellations and registrations of one activity queue here.
        exec(&mut tx, "UPDATE activities SET updated_at = $2 WHERE id = $1", &[a.id.into(), now.into()]).await?;
        // Its status now, under the activity's lock: a promotion may have just moved it up.
        let current: Vec<(String,)> =
            fetch_all_tx(&mut tx, "SELECT status FROM activity_registrations WHERE id = $1", &[id.into()]).await?;
        let status =
            current.first().and_then(|(s,)| RegistrationStatus::parse(s)).unwrap_or(RegistrationStatus::Cancelled);
        if status == RegistrationStatus::Cancelled {
            return Err(StoreError::Conflict {
                field: "status".into(),
                message: "报名已取消 (already cancelled)".into(),
            });
        }
        exec(
            &mut tx,
            "UPDATE activity_registrations SET status = 'cancelled', cancelled_at = $2, waitlist_no = NULL WHERE id = $1",
            &[id.into(), now.into()],
        )
        .await?;
        let mut promoted = None;
        if status == RegistrationStatus::Registered {
            exec(&mut tx, "UPDATE activities SET registered = registered - 1 WHERE id = $1", &[a.id.into()]).await?;
            let next: Vec<(Uuid,)> = fetch_all_tx(
                &mut tx,
                "SELECT id FROM activity_registrations WHERE activity_id = $1 AND status = 'waitlisted'
                 ORDER BY waitlist_no LIMIT 1",
                &[a.id.into()],
            )
            .await?;
            if let Some((next,)) = next.first() {
                let took = exec(
                    &mut tx,
                    "UPDATE activities SET registered = registered + 1 WHERE id = $1 AND (capacity = 0 OR registered < capacity)",
                    &[a.id.into()],
                )
                .await?;
                if took == 1 {
                    exec(
                        &mut tx,
                        "UPDATE activity_registrations SET status = 'registered', waitlist_no = NULL, promoted_at = $2 WHERE id = $1",
                        &[(*next).into(), now.into()],
                    )
                    .await?;
                    promoted = Some(*next);
                }
            }
        }
        audit_in(&mut tx, ctx, &a.path, "activity.cancel", id, json!({"activity": a.id, "promoted": promoted})).await?;
        tx.commit().await?;
        let moved_up = match promoted {
            Some(p) => Some(self.registration(p).await?),
            None => None,
        };
        Ok((self.registration(id).await?, moved_up))
    }

    /// The code a registered person shows at the door: the registration's id and the
    /// server's tag over it and its activity.
    pub fn check_in_code(&self, r: &Registration) -> String {
        let id = r.id.simple().to_string();
        format!("{id}.{}", self.crypto.sign(&format!("activity-check-in|{}|{id}", r.activity_id.simple())))
    }

    /// Checks a person in at the door of `activity` with the code they show: staff running
    /// activities there, while the door is open. A made-up code, a code of another activity,
    /// a second check-in or a person without a place is refused.
    pub async fn check_in(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        activity: Uuid,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<CheckIn> {
        let a = self.activity(activity).await?;
        if !runs_at(who, &a.path) {
            return Err(StoreError::Forbidden(Permission::RunActivities));
        }
        let forged = || StoreError::invalid("code", "签到码无效 (not a check-in code of this system)");
        let code = code.trim();
        let (id_text, tag) = code.split_once('.').ok_or_else(forged)?;
        let id = Uuid::parse_str(id_text).map_err(|_| forged())?;
        let here = format!("activity-check-in|{}|{}", activity.simple(), id.simple());
        if !self.crypto.verify(&here, tag) {
            // Told apart only for the person at the door: a genuine code of another activity.
            let other: Option<(Uuid,)> =
                fetch_optional(&self.db, "SELECT activity_id FROM activity_registrations WHERE id = $1", &[id.into()])
                    .await?;
            return match other {
                Some((other,))
                    if self.crypto.verify(&format!("activity-check-in|{}|{}", other.simple(), id.simple()), tag) =>
                {
                    Err(StoreError::invalid("code", "这是另一个活动的签到码 (a code for another activity)"))
                }
                _ => Err(forged()),
            };
        }
        life::check_in_open(a.starts_at, a.ends_at, now).map_err(StoreError::Invalid)?;
        let r = self.registration(id).await?;
        if r.status != RegistrationStatus::Registered {
            return Err(StoreError::Conflict {
                field: "code".into(),
                message: format!("{}：{}，没有名额 (holds no place)", r.person_name, r.status.label_zh()),
            });
        }
        let mut tx = self.begin().await?;
        let first = exec(
            &mut tx,
            "UPDATE activity_registrations SET checked_in_at = $2, checked_in_by = $3
             WHERE id = $1 AND status = 'registered' AND checked_in_at IS NULL",
            &[id.into(), now.into(), who.user_id.into()],
        )
        .await?;
        if first == 0 {
            return Err(StoreError::Conflict {
                field: "code".into(),
                message: format!("{}已签到 (already checked in)", r.person_name),
            });
        }
        exec(&mut tx, "UPDATE activities SET checked_in = checked_in + 1 WHERE id = $1", &[activity.into()]).await?;
        audit_in(&mut tx, ctx, &a.path, "activity.check_in", id, json!({"activity": activity})).await?;
        tx.commit().await?;
        Ok(CheckIn { registration: self.registration(id).await?, activity: self.activity(activity).await? })
    }
}

/// Writes one registration inside `tx`: a place while any is left, else the next number on
/// the waiting list (each one statement on the activity's row, so registrations queue on it);
/// a second registration by the same person is refused; a cancelled one is taken up again.
pub(crate) async fn register_in(
    tx: &mut Tx,
    ctx: &AuditCtx,
    activity: Uuid,
    path: &str,
    person: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    // The place, or the next number on the waiting list: one statement on the activity's
    // row each, so concurrent registrations queue on that row.
    let took = exec(
        tx,
        "UPDATE activities SET registered = registered + 1, updated_at = $2
         WHERE id = $1 AND (capacity = 0 OR registered < capacity)",
        &[activity.into(), now.into()],
    )
    .await?;
    let (status, number) = if took == 1 {
        (RegistrationStatus::Registered, None)
    } else {
        let n: Vec<(i64,)> = fetch_all_tx(
            tx,
            "UPDATE activities SET waitlist_seq = waitlist_seq + 1, updated_at = $2 WHERE id = $1 RETURNING waitlist_seq",
            &[activity.into(), now.into()],
        )
        .await?;
        (RegistrationStatus::Waitlisted, n.first().map(|x| x.0))
    };
    let existing: Vec<(Uuid, String)> = fetch_all_tx(
        tx,
        "SELECT id, status FROM activity_registrations WHERE activity_id = $1 AND person_id = $2",
        &[activity.into(), person.into()],
    )
    .await?;
    let already = || StoreError::Conflict {
        field: "activity".into(),
        message: "已报名这个活动 (already registered for this activity)".into(),
    };
    let id = match existing.first() {
        Some((_, s)) if s != RegistrationStatus::Cancelled.as_str() => return Err(already()),
        Some((id, _)) => {
            exec(
                tx,
                "UPDATE activity_registrations SET status = $2, waitlist_no = $3, registered_at = $4,
                   promoted_at = NULL, cancelled_at = NULL WHERE id = $1",
                &[(*id).into(), status.as_str().into(), number.into(), now.into()],
            )
            .await?;
            *id
        }
        None => {
            let id = new_id();
            exec(
                tx,
                "INSERT INTO activity_registrations (id, activity_id, person_id, status, waitlist_no, registered_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[id.into(), activity.into(), person.into(), status.as_str().into(), number.into(), now.into()],
            )
            .await
            .map_err(crate::error::conflict_as("activity", "已报名这个活动 (already registered for this activity)"))?;
            id
        }
    };
    audit_in(tx, ctx, path, "activity.register", id, json!({"activity": activity, "status": status.as_str()})).await?;
    Ok(id)
}
