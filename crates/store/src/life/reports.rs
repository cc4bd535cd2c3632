//! What an activity came to: its status (closed, cancelled, held), the short report with the
//! people served without names (a fair's visitors), a fair's "5+N" stalls with who ran each
//! and how many it served, and photos. Only staff who run activities over its place touch
//! these; anyone else who can see the activity is refused (403), anyone who cannot, 404.
//!
//! A stall's "people served" is its own count: a visitor often stops at several stalls, so
//! the fair's beneficiaries are those checked in plus the visitors counted in the report,
//! never the sum of the stalls.

use super::activities::{runs_at, Activity};
use super::audit_in;
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::{exec, fetch_all, fetch_optional};
use crate::service::text;
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::ical::{calendar, Event};
use jiayuan_domain::life::{ActivityStatus, StallKind};
use serde_json::json;
use uuid::Uuid;

/// The most people one report or stall counts.
pub const MAX_SERVED: u32 = 1_000_000;
/// The most stalls one fair has.
pub const MAX_STALLS: usize = 60;
/// The most photos of one activity.
pub const MAX_PHOTOS: usize = 20;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stall {
    pub id: Uuid,
    pub activity_id: Uuid,
    pub kind: String,
    pub name: String,
    pub provider: String,
    pub served: i64,
}

impl Stall {
    pub fn kind(&self) -> StallKind {
        StallKind::parse(&self.kind).unwrap_or(StallKind::Extra)
    }

    /// What people see: the kind, or for an extra stall what it offers.
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            self.kind().label_zh().to_string()
        } else {
            self.name.clone()
        }
    }
}

/// A stall to add to a fair.
#[derive(Debug, Clone)]
pub struct NewStall {
    pub kind: StallKind,
    /// What an extra stall offers (required for `Extra`, ignored for the five).
    pub name: String,
    pub provider: String,
    pub served: u32,
}

impl Store {
    /// The activity, if `who` runs activities where it is: 404 when they cannot see it,
    /// 403 when they can but do not run it.
    async fn activity_run_by(&self, who: &Principal, id: Uuid) -> Result<Activity> {
        let a = self.activity_for(who, id).await?;
        if !runs_at(who, &a.path) {
            return Err(StoreError::Forbidden(Permission::RunActivities));
        }
        Ok(a)
    }

    /// Moves an activity on: registration closed (or opened again), called off, or held.
    pub async fn set_activity_status(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        to: ActivityStatus,
        now: DateTime<Utc>,
    ) -> Result<Activity> {
        let a = self.activity_run_by(who, id).await?;
        a.status.may_become(to, now >= a.starts_at).map_err(StoreError::Invalid)?;
        let mut tx = self.begin().await?;
        // The status read above must still hold, or two organisers could both move it.
        let changed = exec(
            &mut tx,
            "UPDATE activities SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
            &[to.as_str().into(), now.into(), id.into(), a.status.as_str().into()],
        )
        .await?;
        if changed == 0 {
            return Err(StoreError::conflict("status", "活动状态刚被他人修改，请刷新 (changed meanwhile; reload)"));
        }
        audit_in(&mut tx, ctx, &a.path, "activity.status", id, json!({"from": a.status.as_str(), "to": to.as_str()}))
            .await?;
        tx.commit().await?;
        self.activity(id).await
    }

    /// The short report afterwards: what happened and how many were served without names.
    /// Marks the activity held (it must have started and not been called off); a later
    /// report replaces the earlier one.
    pub async fn report_activity(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        report: &str,
        unnamed_beneficiaries: u32,
        now: DateTime<Utc>,
    ) -> Result<Activity> {
        let a = self.activity_run_by(who, id).await?;
        let report = text("report", report, 2, 2000)?;
        if unnamed_beneficiaries > MAX_SERVED {
            return Err(StoreError::invalid(
                "unnamed_beneficiaries",
                format!("最多{MAX_SERVED}人 (at most {MAX_SERVED})"),
            ));
        }
        a.status.may_become(ActivityStatus::Done, now >= a.starts_at).map_err(StoreError::Invalid)?;
        let mut tx = self.begin().await?;
        let changed = exec(
            &mut tx,
            "UPDATE activities SET report = $1, unnamed_beneficiaries = $2, status = 'done', updated_at = $3
             WHERE id = $4 AND status <> 'cancelled'",
            &[report.clone().into(), i64::from(unnamed_beneficiaries).into(), now.into(), id.into()],
        )
        .await?;
        if changed == 0 {
            return Err(StoreError::conflict("status", "活动刚被取消 (the activity was just cancelled)"));
        }
        audit_in(
            &mut tx,
            ctx,
            &a.path,
            "activity.report",
            id,
            json!({"unnamed_beneficiaries": unnamed_beneficiaries, "chars": report.chars().count()}),
        )
        .await?;
        tx.commit().await?;
        self.activity(id).await
    }

    /// Adds a stall to a fair (an activity of the `fair` kind).
    pub async fn add_stall(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        activity: Uuid,
        s: &NewStall,
        now: DateTime<Utc>,
    ) -> Result<Stall> {
        let a = self.activity_run_by(who, activity).await?;
        if a.kind != "fair" {
            return Err(StoreError::invalid("kind", "只有邻里集市设摊位 (only a fair has stalls)"));
        }
        let provider = text("provider", &s.provider, 2, 60)?;
        let name = match s.kind {
            StallKind::Extra => text("name", &s.name, 2, 30)?,
            _ => String::new(),
        };
        if s.served > MAX_SERVED {
            return Err(StoreError::invalid("served", format!("最多{MAX_SERVED}人 (at most {MAX_SERVED})")));
        }
        if self.stalls(activity).await?.len() >= MAX_STALLS {
            return Err(StoreError::invalid("kind", format!("一场集市最多{MAX_STALLS}个摊位 (at most {MAX_STALLS})")));
        }
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO activity_stalls (id, activity_id, kind, name, provider, served, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                id.into(),
                activity.into(),
                s.kind.as_str().into(),
                name.clone().into(),
                provider.clone().into(),
                i64::from(s.served).into(),
                now.into(),
            ],
        )
        .await?;
        audit_in(
            &mut tx,
            ctx,
            &a.path,
            "activity.stall",
            activity,
            json!({"kind": s.kind.as_str(), "provider": provider}),
        )
        .await?;
        tx.commit().await?;
        Ok(Stall {
            id,
            activity_id: activity,
            kind: s.kind.as_str().into(),
            name,
            provider,
            served: i64::from(s.served),
        })
    }

    /// Sets how many people a stall served (counted as the fair goes on).
    pub async fn set_stall_served(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        activity: Uuid,
        stall: Uuid,
        served: u32,
    ) -> Result<Stall> {
        let a = self.activity_run_by(who, activity).await?;
        if served > MAX_SERVED {
            return Err(StoreError::invalid("served", format!("最多{MAX_SERVED}人 (at most {MAX_SERVED})")));
        }
        let mut tx = self.begin().await?;
        let changed = exec(
            &mut tx,
            "UPDATE activity_stalls SET served = $1 WHERE id = $2 AND activity_id = $3",
            &[i64::from(served).into(), stall.into(), activity.into()],
        )
        .await?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        audit_in(&mut tx, ctx, &a.path, "activity.stall_served", activity, json!({"stall": stall, "served": served}))
            .await?;
        tx.commit().await?;
        self.stalls(activity).await?.into_iter().find(|s| s.id == stall).ok_or(StoreError::NotFound)
    }

    /// A fair's stalls: the five in their order, then the extras as added.
    pub async fn stalls(&self, activity: Uuid) -> Result<Vec<Stall>> {
        let mut rows: Vec<Stall> = fetch_all(
            &self.db,
            "SELECT id, activity_id, kind, name, provider, served FROM activity_stalls WHERE activity_id = $1
             ORDER BY created_at, id",
            &[activity.into()],
        )
        .await?;
        rows.sort_by_key(|s| StallKind::ALL.iter().position(|k| *k == s.kind()).unwrap_or(usize::MAX));
        Ok(rows)
    }

    /// Keeps a photo of an activity (the file itself is written by the caller first).
    pub async fn add_activity_photo(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        activity: Uuid,
        image: (Uuid, &str, i64, &str),
        now: DateTime<Utc>,
    ) -> Result<()> {
        let a = self.activity_run_by(who, activity).await?;
        if self.activity_photos(activity).await?.len() >= MAX_PHOTOS {
            return Err(StoreError::invalid("photo", format!("每次活动最多{MAX_PHOTOS}张照片 (at most {MAX_PHOTOS})")));
        }
        let (id, content_type, size, sha256) = image;
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO activity_photos (id, activity_id, content_type, size, sha256, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                id.into(),
                activity.into(),
                content_type.into(),
                size.into(),
                sha256.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await?;
        audit_in(&mut tx, ctx, &a.path, "activity.photo", activity, json!({"photo": id})).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn activity_photos(&self, activity: Uuid) -> Result<Vec<Uuid>> {
        let rows: Vec<(Uuid,)> = fetch_all(
            &self.db,
            "SELECT id FROM activity_photos WHERE activity_id = $1 ORDER BY created_at, id",
            &[activity.into()],
        )
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// A photo's content type, for whoever may see the activity.
    pub async fn activity_photo(&self, who: &Principal, activity: Uuid, photo: Uuid) -> Result<String> {
        let a = self.activity_for(who, activity).await?;
        let r: Option<(String,)> = fetch_optional(
            &self.db,
            "SELECT content_type FROM activity_photos WHERE id = $1 AND activity_id = $2",
            &[photo.into(), a.id.into()],
        )
        .await?;
        r.map(|r| r.0).ok_or(StoreError::NotFound)
    }

    /// A community's public activities as an iCalendar feed (from a month back to a year
    /// ahead), for residents' phones to subscribe to without signing in.
    pub async fn community_ical(&self, code: &str, now: DateTime<Utc>) -> Result<String> {
        let t = self.territory_by_code(code).await?;
        let f = super::ActivityFilter {
            within: Some(crate::subtree::Subtree::of(&t.path)),
            from: Some(now - chrono::Duration::days(31)),
            to: Some(now + chrono::Duration::days(366)),
            kind: None,
            public_only: true,
        };
        let mut events = Vec::new();
        let mut page = crate::model::Page::new(Some(1), Some(200))?;
        loop {
            let rows = self.activities(&f, page).await?;
            let n = rows.items.len();
            events.extend(rows.items.into_iter().map(|a| Event {
                uid: a.id.to_string(),
                starts_at: a.starts_at,
                ends_at: a.ends_at,
                summary: a.title,
                location: if a.place.is_empty() {
                    a.territory_name
                } else {
                    format!("{} {}", a.territory_name, a.place)
                },
                description: format!("{}｜{}", a.kind_name, a.organiser_name),
                cancelled: a.status == ActivityStatus::Cancelled,
            }));
            // The feed holds at most 2,000 events: a year of a busy community.
            if n < 200 || events.len() >= 2_000 {
                break;
            }
            page = crate::model::Page::new(Some(page.page + 1), Some(200))?;
        }
        Ok(calendar(&format!("{} 社区活动", t.name), "Community activities", &events, now))
    }
}
