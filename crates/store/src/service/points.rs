//! Service points: each community's centre and each compound's station, with its hours
//! (regular, extended, weekend), the items it has switched off, its holiday duty roster,
//! "open now / next open", and the roster as an iCalendar (RFC 5545) feed.

use super::{audit_in, manages_point, text};
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::{exec, fetch_all, fetch_optional, QueryParts};
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::calendar::WorkCalendar;
use jiayuan_domain::service::{self, OpenState, PointHours, PointKind, Shift, Windows};
use jiayuan_domain::time::{beijing, from_beijing};
use jiayuan_domain::TerritoryKind;
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct ServicePoint {
    /// The node's id: a point is its node's centre or station.
    pub id: Uuid,
    pub kind: PointKind,
    pub path: String,
    pub code: String,
    pub name: String,
    pub hours: PointHours,
    pub slot_minutes: u32,
    pub slot_capacity: u32,
    /// Items this point does not offer although its kind would.
    pub excluded: Vec<String>,
}

/// A point with whether it is open at a time.
#[derive(Debug, Clone)]
pub struct PointState {
    pub point: ServicePoint,
    pub state: OpenState,
    /// Set when the calendar has no data for the day asked about.
    pub problem: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewShift {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Who is on duty: a username (their display name is used) or a name as written.
    pub staff: String,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct ShiftRow {
    pub id: Uuid,
    pub point_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub staff_name: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

type PointRow = (Uuid, String, String, String, String, String, String, String, i64, i64);
const POINT_COLS: &str = "p.id, p.kind, p.path, t.code, p.name, p.regular_hours, p.extended_hours, p.staggered_hours, CAST(p.slot_minutes AS BIGINT), CAST(p.slot_capacity AS BIGINT)";
type ShiftTuple = (Uuid, Uuid, DateTime<Utc>, DateTime<Utc>, String, String, DateTime<Utc>);

fn point_of(r: PointRow) -> ServicePoint {
    let (id, kind, path, code, name, regular, extended, staggered, minutes, capacity) = r;
    let w = |f: &str, s: &str| Windows::parse(f, s).unwrap_or_default();
    ServicePoint {
        id,
        kind: PointKind::parse(&kind).unwrap_or(PointKind::Station),
        path,
        code,
        name,
        hours: PointHours {
            regular: w("regular", &regular),
            extended: w("extended", &extended),
            staggered: w("staggered", &staggered),
        },
        slot_minutes: minutes.max(5) as u32,
        slot_capacity: capacity.max(1) as u32,
        excluded: vec![],
    }
}

fn shift_of(r: ShiftTuple) -> ShiftRow {
    let (id, point_id, starts_at, ends_at, staff_name, note, created_at) = r;
    ShiftRow { id, point_id, starts_at, ends_at, staff_name, note, created_at }
}

impl ShiftRow {
    pub fn shift(&self) -> Shift {
        Shift { start: beijing(self.starts_at), end: beijing(self.ends_at) }
    }
}

/// The default hours of a new point of each kind.
pub(crate) fn default_hours(kind: PointKind) -> (&'static str, &'static str, &'static str, i64, i64) {
    match kind {
        PointKind::Centre => ("08:30-12:00,13:30-17:30", "12:00-13:30,17:30-19:30", "09:00-12:00", 30, 4),
        PointKind::Station => ("08:30-12:00,13:30-17:30", "17:30-19:00", "09:00-11:30", 30, 2),
    }
}

/// Opens a point, with the usual hours, at every community and every compound station that
/// has none yet (the demo, after writing its district).
pub(crate) async fn open_points_everywhere(tx: &mut crate::Tx) -> Result<()> {
    for (kind, from) in [
        (
            PointKind::Centre,
            "SELECT id, path, name || '党群服务中心' AS name, created_at FROM territories WHERE kind = 'community'",
        ),
        (PointKind::Station, "SELECT territory_id AS id, path, name, created_at FROM service_stations"),
    ] {
        let (r, e, s, m, c) = default_hours(kind);
        exec(
            tx,
            &format!(
                "INSERT INTO service_points (id, kind, path, name, regular_hours, extended_hours, staggered_hours, slot_minutes, slot_capacity, created_at)
                 SELECT x.id, $1, x.path, x.name, $2, $3, $4, $5, $6, x.created_at FROM ({from}) x WHERE NOT EXISTS (SELECT 1 FROM service_points p WHERE p.id = x.id)"
            ),
            &[kind.as_str().into(), r.into(), e.into(), s.into(), m.into(), c.into()],
        )
        .await?;
    }
    Ok(())
}

/// The longest a duty shift may be (a day and a night).
const MAX_SHIFT_HOURS: i64 = 24;

impl Store {
    /// The points within a node (by code) or all of them, by place. Points are public.
    pub async fn service_points(&self, within: Option<&str>) -> Result<Vec<ServicePoint>> {
        let mut q = QueryParts::default();
        if let Some(code) = within.map(str::trim).filter(|c| !c.is_empty()) {
            let node = self
                .territory_by_code(code)
                .await
                .map_err(|_| StoreError::missing("within", format!("没有区域“{code}” (no such node)")))?;
            crate::subtree::Subtree::of(&node.path).restrict(&mut q, "p.path");
        }
        let rows: Vec<PointRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT {POINT_COLS} FROM service_points p JOIN territories t ON t.id = p.id {} ORDER BY p.path",
                q.where_clause()
            ),
            &q.vals,
        )
        .await?;
        Ok(rows.into_iter().map(point_of).collect())
    }

    /// One point by its id, with the items it switched off.
    pub async fn service_point(&self, id: Uuid) -> Result<ServicePoint> {
        let row: Option<PointRow> = fetch_optional(
            &self.db,
            &format!("SELECT {POINT_COLS} FROM service_points p JOIN territories t ON t.id = p.id WHERE p.id = $1"),
            &[id.into()],
        )
        .await?;
        let mut p = point_of(row.ok_or(StoreError::NotFound)?);
        let ex: Vec<(String,)> = fetch_all(
            &self.db,
            "SELECT item FROM service_point_exclusions WHERE point_id = $1 ORDER BY item",
            &[id.into()],
        )
        .await?;
        p.excluded = ex.into_iter().map(|e| e.0).collect();
        Ok(p)
    }

    /// One point by its node's code.
    pub async fn service_point_by_code(&self, code: &str) -> Result<ServicePoint> {
        let t = self.territory_by_code(code).await?;
        self.service_point(t.id).await
    }

    /// Opens a point at a community (its centre) or a compound (its station).
    pub async fn open_service_point(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        node: &str,
        name: &str,
    ) -> Result<ServicePoint> {
        let scope = who.scope(Permission::ManageService).map_err(|d| StoreError::Forbidden(d.0))?;
        let t = self.territory_in(&scope, node.trim()).await.map_err(|_| {
            StoreError::missing("node", format!("没有区域“{}” (no such node in your scope)", node.trim()))
        })?;
        let kind = match TerritoryKind::parse(&t.kind) {
            Some(TerritoryKind::Community) => PointKind::Centre,
            Some(TerritoryKind::Compound) => PointKind::Station,
            _ => {
                return Err(StoreError::invalid(
                    "node",
                    "服务点设在社区(党群服务中心)或小区(党群服务站) (a point is at a community or a compound)",
                ))
            }
        };
        let name = if name.trim().is_empty() {
            format!("{}{}", t.name, if kind == PointKind::Centre { "党群服务中心" } else { "党群服务站" })
        } else {
            text("name", name, 1, 60)?
        };
        let (r, e, s, m, c) = default_hours(kind);
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO service_points (id, kind, path, name, regular_hours, extended_hours, staggered_hours, slot_minutes, slot_capacity, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[t.id.into(), kind.as_str().into(), t.path.clone().into(), name.clone().into(), r.into(), e.into(), s.into(), m.into(), c.into(), Utc::now().into()],
        )
        .await
        .map_err(crate::error::conflict_as("node", format!("“{}”已有服务点 (this node has a point)", t.name)))?;
        audit_in(&mut tx, ctx, &t.path, "service.point.open", t.id, json!({"kind": kind, "name": name})).await?;
        tx.commit().await?;
        self.service_point(t.id).await
    }

    /// Sets a point's hours, slot length and capacity, and the items it switches off.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_point_hours(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        hours: &PointHours,
        slot_minutes: u32,
        slot_capacity: u32,
        excluded: &[String],
    ) -> Result<ServicePoint> {
        let p = self.service_point(id).await?;
        if !manages_point(who, &p.path) {
            return Err(if super::serves_at(who, &p.path) || who.can(Permission::ManageService) {
                StoreError::Forbidden(Permission::ManageService)
            } else {
                StoreError::NotFound
            });
        }
        if hours.regular.is_empty() {
            return Err(StoreError::invalid("regular", "至少需要一段正常办公时间 (at least one regular window)"));
        }
        if !(10..=240).contains(&slot_minutes) {
            return Err(StoreError::invalid("slot_minutes", "预约时段应为10到240分钟 (10–240 minutes)"));
        }
        if !(1..=100).contains(&slot_capacity) {
            return Err(StoreError::invalid("slot_capacity", "每个时段可约人数应为1到100 (1–100)"));
        }
        let items = self.service_items(&super::catalogue::ItemFilter::default()).await?;
        for code in excluded {
            if !items.iter().any(|i| &i.item.code == code) {
                return Err(StoreError::invalid("excluded", format!("没有事项“{code}” (no such item)")));
            }
        }
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "UPDATE service_points SET regular_hours = $2, extended_hours = $3, staggered_hours = $4, slot_minutes = $5, slot_capacity = $6 WHERE id = $1",
            &[
                id.into(),
                hours.regular.code().into(),
                hours.extended.code().into(),
                hours.staggered.code().into(),
                i64::from(slot_minutes).into(),
                i64::from(slot_capacity).into(),
            ],
        )
        .await?;
        exec(&mut tx, "DELETE FROM service_point_exclusions WHERE point_id = $1", &[id.into()]).await?;
        let mut seen: Vec<&String> = Vec::new();
        for code in excluded {
            if seen.contains(&code) {
                continue;
            }
            seen.push(code);
            exec(
                &mut tx,
                "INSERT INTO service_point_exclusions (point_id, item) VALUES ($1, $2)",
                &[id.into(), code.clone().into()],
            )
            .await?;
        }
        audit_in(
            &mut tx,
            ctx,
            &p.path,
            "service.point.hours",
            id,
            json!({"regular": hours.regular.code(), "extended": hours.extended.code(), "staggered": hours.staggered.code(),
                   "slot_minutes": slot_minutes, "slot_capacity": slot_capacity, "excluded": excluded}),
        )
        .await?;
        tx.commit().await?;
        self.service_point(id).await
    }

    /// The duty shifts of a point that overlap `[from, to)`, in time order.
    pub async fn duty_shifts(&self, point: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<ShiftRow>> {
        let rows: Vec<ShiftTuple> = fetch_all(
            &self.db,
            "SELECT id, point_id, starts_at, ends_at, staff_name, note, created_at FROM service_duty_shifts
             WHERE point_id = $1 AND ends_at > $2 AND starts_at < $3 ORDER BY starts_at, id LIMIT 2000",
            &[point.into(), from.into(), to.into()],
        )
        .await?;
        Ok(rows.into_iter().map(shift_of).collect())
    }

    /// Puts someone on a point's duty roster.
    pub async fn add_duty_shift(&self, ctx: &AuditCtx, who: &Principal, point: Uuid, s: &NewShift) -> Result<ShiftRow> {
        let p = self.service_point(point).await?;
        if !manages_point(who, &p.path) {
            return Err(StoreError::Forbidden(Permission::ManageService));
        }
        if s.ends_at <= s.starts_at {
            return Err(StoreError::invalid("ends_at", "结束时间应晚于开始时间 (the shift ends before it starts)"));
        }
        if s.ends_at - s.starts_at > Duration::hours(MAX_SHIFT_HOURS) {
            return Err(StoreError::invalid(
                "ends_at",
                format!("一个班次最长{MAX_SHIFT_HOURS}小时 (at most {MAX_SHIFT_HOURS} hours)"),
            ));
        }
        let staff = text("staff", &s.staff, 1, 40)?;
        let (user_id, staff_name) = match self.user_by_name(&staff).await {
            Ok(u) => (Some(u.id), u.display_name),
            Err(_) => (None, staff),
        };
        let note = text("note", &s.note, 0, 200)?;
        let id = new_id();
        let now = Utc::now();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO service_duty_shifts (id, point_id, starts_at, ends_at, staff_name, user_id, note, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                id.into(),
                point.into(),
                s.starts_at.into(),
                s.ends_at.into(),
                staff_name.clone().into(),
                user_id.into(),
                note.clone().into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await?;
        audit_in(
            &mut tx,
            ctx,
            &p.path,
            "service.duty.add",
            id,
            json!({"point": point, "staff": staff_name, "from": s.starts_at, "to": s.ends_at}),
        )
        .await?;
        tx.commit().await?;
        Ok(ShiftRow {
            id,
            point_id: point,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            staff_name,
            note,
            created_at: now,
        })
    }

    /// Takes a shift off the roster.
    pub async fn remove_duty_shift(&self, ctx: &AuditCtx, who: &Principal, point: Uuid, shift: Uuid) -> Result<()> {
        let p = self.service_point(point).await?;
        if !manages_point(who, &p.path) {
            return Err(StoreError::Forbidden(Permission::ManageService));
        }
        let mut tx = self.begin().await?;
        let n = exec(
            &mut tx,
            "DELETE FROM service_duty_shifts WHERE id = $1 AND point_id = $2",
            &[shift.into(), point.into()],
        )
        .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit_in(&mut tx, ctx, &p.path, "service.duty.remove", shift, json!({"point": point})).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether each point (within a node, or all) is open at `at`, and when it opens next:
    /// two queries, whatever the number of points.
    pub async fn points_open(
        &self,
        cal: &WorkCalendar,
        within: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Vec<PointState>> {
        let points = self.service_points(within).await?;
        let horizon = at + Duration::days(service::LOOK_AHEAD_DAYS);
        let shifts: Vec<ShiftTuple> = fetch_all(
            &self.db,
            "SELECT id, point_id, starts_at, ends_at, staff_name, note, created_at FROM service_duty_shifts
             WHERE ends_at > $1 AND starts_at < $2 ORDER BY point_id, starts_at",
            &[at.into(), horizon.into()],
        )
        .await?;
        let mut by_point: std::collections::HashMap<Uuid, Vec<Shift>> = std::collections::HashMap::new();
        for s in shifts.into_iter().map(shift_of) {
            by_point.entry(s.point_id).or_default().push(s.shift());
        }
        let t = beijing(at);
        Ok(points
            .into_iter()
            .map(|p| {
                let shifts = by_point.get(&p.id).map(Vec::as_slice).unwrap_or(&[]);
                match service::open_state(&p.hours, shifts, cal, t) {
                    Ok(state) => PointState { point: p, state, problem: None },
                    Err(e) => PointState {
                        point: p,
                        state: OpenState { now: None, next: None },
                        problem: Some(e.to_string()),
                    },
                }
            })
            .collect())
    }

    /// The point's duty roster from 30 days back to a year ahead, as an iCalendar feed.
    pub async fn point_ical(&self, point: Uuid, now: DateTime<Utc>) -> Result<String> {
        let p = self.service_point(point).await?;
        let shifts = self.duty_shifts(point, now - Duration::days(30), now + Duration::days(366)).await?;
        Ok(ical(&p, &shifts, now))
    }
}

/// A point's duty shifts as an iCalendar feed.
pub fn ical(p: &ServicePoint, shifts: &[ShiftRow], now: DateTime<Utc>) -> String {
    let events: Vec<jiayuan_domain::ical::Event> = shifts
        .iter()
        .map(|s| jiayuan_domain::ical::Event {
            uid: s.id.to_string(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            summary: format!("{} 值班：{}", p.name, s.staff_name),
            location: p.name.clone(),
            description: s.note.clone(),
            cancelled: false,
        })
        .collect();
    jiayuan_domain::ical::calendar(&format!("{} 值班表", p.name), "Service duty roster", &events, now)
}

/// The instant a Beijing wall-clock time stands for (re-exported for the web's forms).
pub fn at_beijing(n: chrono::NaiveDateTime) -> DateTime<Utc> {
    from_beijing(n)
}
