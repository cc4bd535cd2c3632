//! Appointments: a resident books a slot at a point for an item that takes bookings. Slots
//! come from the point's hours; each slot takes the point's capacity, counted in
//! `service_slots` and raised only while below it, so concurrent bookings never overfill.
//! Staff see the day's bookings and record who came and who did not.

use super::catalogue::offered_by;
use super::{audit_in, serves_at};
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::{exec, fetch_all, fetch_optional};
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::service::{self, AppointmentStatus};
use jiayuan_domain::time::{beijing, from_beijing};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewBooking {
    pub point: Uuid,
    pub item: String,
    /// The slot's start, Beijing time.
    pub starts_at: NaiveDateTime,
    /// Staff booking for a resident name them; a resident books for themselves.
    pub person_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct Booking {
    pub id: Uuid,
    pub point_id: Uuid,
    pub point_name: String,
    pub item: String,
    pub item_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub person_id: Uuid,
    pub person_name: String,
    pub status: AppointmentStatus,
    pub path: String,
}

type BookingRow = (Uuid, Uuid, String, String, String, DateTime<Utc>, DateTime<Utc>, Uuid, String, String, String);
const BOOKING_COLS: &str =
    "a.id, a.point_id, p.name, a.item, i.name, a.starts_at, a.ends_at, a.person_id, e.name, a.status, a.path";
const BOOKING_FROM: &str =
    "service_appointments a JOIN service_points p ON p.id = a.point_id JOIN service_items i ON i.code = a.item JOIN people e ON e.id = a.person_id";

fn booking_of(r: BookingRow) -> Booking {
    Booking {
        id: r.0,
        point_id: r.1,
        point_name: r.2,
        item: r.3,
        item_name: r.4,
        starts_at: r.5,
        ends_at: r.6,
        person_id: r.7,
        person_name: r.8,
        status: AppointmentStatus::parse(&r.9).unwrap_or(AppointmentStatus::Booked),
        path: r.10,
    }
}

/// How far ahead a slot may be booked.
pub const BOOK_AHEAD_DAYS: i64 = 30;

impl Store {
    /// The slots of a day at a point with how many places are left: (start, end, left), Beijing time.
    pub async fn open_slots(&self, point: Uuid, day: NaiveDate) -> Result<Vec<(NaiveDateTime, NaiveDateTime, u32)>> {
        let p = self.service_point(point).await?;
        let cal = self.work_calendar().await?;
        let slots = service::slots(&p.hours, &cal, day, p.slot_minutes)
            .map_err(|e| StoreError::invalid("day", e.to_string()))?;
        let from = from_beijing(day.and_hms_opt(0, 0, 0).unwrap_or_default());
        let booked: Vec<(DateTime<Utc>, i64)> = fetch_all(
            &self.db,
            "SELECT starts_at, CAST(booked AS BIGINT) FROM service_slots WHERE point_id = $1 AND starts_at >= $2 AND starts_at < $3",
            &[point.into(), from.into(), (from + Duration::days(1)).into()],
        )
        .await?;
        Ok(slots
            .into_iter()
            .map(|(a, b)| {
                let start = day.and_time(a);
                let taken = booked.iter().find(|(s, _)| beijing(*s) == start).map_or(0, |x| x.1.max(0) as u32);
                (start, day.and_time(b), p.slot_capacity.saturating_sub(taken))
            })
            .collect())
    }

    /// Books a slot. Refused: an item that takes no bookings or is not offered there, a time
    /// that is not one of the day's slots or is past, a full slot, a second booking of the
    /// same slot by the same person.
    pub async fn book_slot(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        b: &NewBooking,
        now: DateTime<Utc>,
    ) -> Result<Booking> {
        let point = self
            .service_point(b.point)
            .await
            .map_err(|_| StoreError::missing("point", "没有这个服务点 (no such point)"))?;
        let person = match (b.person_id, who.person_id) {
            (Some(pid), _) if Some(pid) != who.person_id => {
                if !serves_at(who, &point.path) {
                    return Err(StoreError::Forbidden(Permission::ServeDesk));
                }
                self.resident_in_scope(who, pid).await?;
                pid
            }
            (_, Some(me)) => me,
            (_, None) => {
                return Err(StoreError::invalid(
                    "person_id",
                    "预约须由居民本人或工作人员代为登记 (book as a resident, or name the resident)",
                ))
            }
        };
        let item = self
            .service_item(b.item.trim())
            .await
            .map_err(|_| StoreError::missing("item", format!("没有事项“{}” (no such item)", b.item.trim())))?;
        if !item.item.appointment {
            return Err(StoreError::invalid(
                "item",
                format!("“{}”无需预约，直接来办 (takes no bookings)", item.item.name),
            ));
        }
        if !offered_by(point.kind, &item.item.places) || point.excluded.contains(&item.item.code) {
            return Err(StoreError::invalid(
                "item",
                format!("“{}”不在{}办理 (not offered at this point)", item.item.name, point.name),
            ));
        }
        let day = b.starts_at.date();
        let cal = self.work_calendar().await?;
        let slots = service::slots(&point.hours, &cal, day, point.slot_minutes)
            .map_err(|e| StoreError::invalid("starts_at", e.to_string()))?;
        let Some((_, end)) = slots.iter().find(|(a, _)| *a == b.starts_at.time()) else {
            return Err(StoreError::invalid(
                "starts_at",
                format!(
                    "{} 不是{}的可预约时段（不办公或不是时段开始） (not a slot of this point)",
                    b.starts_at.format("%Y-%m-%d %H:%M"),
                    point.name
                ),
            ));
        };
        let starts_at = from_beijing(b.starts_at);
        if starts_at <= now {
            return Err(StoreError::invalid("starts_at", "该时段已过 (the slot has passed)"));
        }
        if starts_at > now + Duration::days(BOOK_AHEAD_DAYS) {
            return Err(StoreError::invalid(
                "starts_at",
                format!("最多提前{BOOK_AHEAD_DAYS}天预约 (at most {BOOK_AHEAD_DAYS} days ahead)"),
            ));
        }
        let ends_at = from_beijing(day.and_time(*end));
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO service_slots (point_id, starts_at, booked) VALUES ($1, $2, 0) ON CONFLICT (point_id, starts_at) DO NOTHING",
            &[point.id.into(), starts_at.into()],
        )
        .await?;
        let took = exec(
            &mut tx,
            "UPDATE service_slots SET booked = booked + 1 WHERE point_id = $1 AND starts_at = $2 AND booked < $3",
            &[point.id.into(), starts_at.into(), i64::from(point.slot_capacity).into()],
        )
        .await?;
        if took == 0 {
            return Err(StoreError::Conflict {
                field: "starts_at".into(),
                message: format!("{} 已约满，请选其他时段 (this slot is full)", b.starts_at.format("%m-%d %H:%M")),
            });
        }
        exec(
            &mut tx,
            "INSERT INTO service_appointments (id, point_id, path, item, starts_at, ends_at, person_id, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'booked', $8, $8)",
            &[
                id.into(),
                point.id.into(),
                point.path.clone().into(),
                item.item.code.clone().into(),
                starts_at.into(),
                ends_at.into(),
                person.into(),
                now.into(),
            ],
        )
        .await
        .map_err(crate::error::conflict_as("starts_at", "您已预约了这个时段 (you have booked this slot)"))?;
        audit_in(
            &mut tx,
            ctx,
            &point.path,
            "service.book",
            id,
            json!({"point": point.id, "item": item.item.code, "at": starts_at}),
        )
        .await?;
        tx.commit().await?;
        self.booking(id).await
    }

    async fn booking(&self, id: Uuid) -> Result<Booking> {
        let r: Option<BookingRow> = fetch_optional(
            &self.db,
            &format!("SELECT {BOOKING_COLS} FROM {BOOKING_FROM} WHERE a.id = $1"),
            &[id.into()],
        )
        .await?;
        r.map(booking_of).ok_or(StoreError::NotFound)
    }

    /// A booking as `who` may see it: its resident, or staff who serve the desk there.
    pub async fn booking_for(&self, who: &Principal, id: Uuid) -> Result<Booking> {
        let b = self.booking(id).await?;
        if Some(b.person_id) == who.person_id || serves_at(who, &b.path) {
            Ok(b)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Cancels a booking (its resident or staff) or records that the person came or did
    /// not (staff, once the slot has begun).
    pub async fn set_booking_status(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        to: AppointmentStatus,
        now: DateTime<Utc>,
    ) -> Result<Booking> {
        let b = self.booking_for(who, id).await?;
        let staff = serves_at(who, &b.path);
        match to {
            AppointmentStatus::Cancelled => {}
            AppointmentStatus::Attended | AppointmentStatus::NoShow => {
                if !staff {
                    return Err(StoreError::Forbidden(Permission::ServeDesk));
                }
                if now < b.starts_at {
                    return Err(StoreError::invalid("status", "时段开始后才能登记到场或爽约 (after the slot begins)"));
                }
            }
            AppointmentStatus::Booked => {
                return Err(StoreError::invalid("status", "不能改回已预约 (cannot go back to booked)"))
            }
        }
        if b.status != AppointmentStatus::Booked {
            return Err(StoreError::Conflict {
                field: "status".into(),
                message: format!("预约已是“{}” (already {})", b.status.label_zh(), b.status.as_str()),
            });
        }
        let mut tx = self.begin().await?;
        let n = exec(
            &mut tx,
            "UPDATE service_appointments SET status = $2, updated_at = $3 WHERE id = $1 AND status = 'booked'",
            &[id.into(), to.as_str().into(), now.into()],
        )
        .await?;
        if n == 0 {
            return Err(StoreError::Conflict {
                field: "status".into(),
                message: "预约刚被更改，请刷新 (changed meanwhile)".into(),
            });
        }
        if to == AppointmentStatus::Cancelled {
            exec(
                &mut tx,
                "UPDATE service_slots SET booked = booked - 1 WHERE point_id = $1 AND starts_at = $2 AND booked > 0",
                &[b.point_id.into(), b.starts_at.into()],
            )
            .await?;
        }
        audit_in(&mut tx, ctx, &b.path, "service.booking", id, json!({"status": to})).await?;
        tx.commit().await?;
        self.booking(id).await
    }

    /// A point's bookings on a day (staff).
    pub async fn bookings_of_day(&self, who: &Principal, point: Uuid, day: NaiveDate) -> Result<Vec<Booking>> {
        let p = self.service_point(point).await?;
        if !serves_at(who, &p.path) {
            return Err(StoreError::Forbidden(Permission::ServeDesk));
        }
        let from = from_beijing(day.and_hms_opt(0, 0, 0).unwrap_or_default());
        let rows: Vec<BookingRow> = fetch_all(
            &self.db,
            &format!("SELECT {BOOKING_COLS} FROM {BOOKING_FROM} WHERE a.point_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 ORDER BY a.starts_at, e.name"),
            &[point.into(), from.into(), (from + Duration::days(1)).into()],
        )
        .await?;
        Ok(rows.into_iter().map(booking_of).collect())
    }

    /// A resident's own bookings, latest first.
    pub async fn my_bookings(&self, who: &Principal) -> Result<Vec<Booking>> {
        let Some(me) = who.person_id else { return Ok(vec![]) };
        let rows: Vec<BookingRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT {BOOKING_COLS} FROM {BOOKING_FROM} WHERE a.person_id = $1 ORDER BY a.starts_at DESC LIMIT 100"
            ),
            &[me.into()],
        )
        .await?;
        Ok(rows.into_iter().map(booking_of).collect())
    }
}
