//! The service system's API: the public catalogue and service points (hours, open now, slots,
//! the roster's iCalendar feed), and for staff the desk: tickets with their steps, hand-offs
//! and one-time notice, consultations, ratings and their follow-up, appointments, figures.
//! Thin: who may do what, and every rule, is the store's and the domain's.

use super::*;
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use jiayuan_domain::service::catalogue::{Item, Material};
use jiayuan_domain::service::{
    AppointmentStatus, CatalogueKind, Channel, FollowUpStep, MaterialForm, Place, PointHours, Rating, TicketStatus,
    TicketStep, Windows,
};
use jiayuan_store::access::Principal;
use jiayuan_store::service::{
    serves_at, Booking, Consultation, ItemFilter, NewBooking, NewConsultation, NewRating, NewShift, NewTicket,
    PointState, RatingRow, RatingTarget, ServicePoint, ShiftRow, StoredItem, Ticket, TicketCard, TicketFilter,
    TicketStepInput,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

fn bj_minute(field: &str, s: &str) -> Result<NaiveDateTime, ApiError> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .map_err(|_| ApiError::invalid(field, "应为北京时间，如 2026-12-08T09:30 (YYYY-MM-DDTHH:MM, Beijing time)"))
}

fn day_param(field: &str, s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, "应为日期，如 2026-12-08 (YYYY-MM-DD)"))
}

// ---------------------------------------------------------------------------------------
// The catalogue

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct MaterialView {
    pub name: String,
    /// `original`, `copy` or `original_and_copy`
    #[schema(pattern = "^(original|copy|original_and_copy)$")]
    pub form: String,
    #[schema(minimum = 1, maximum = 20)]
    pub copies: u32,
    /// A sample or template the desk hands out, if any
    pub sample: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ServiceItemView {
    pub code: String,
    pub category: String,
    pub category_name: String,
    /// `desk` (government service item) or `centre` (community centre service)
    pub kind: String,
    pub name: String,
    pub department: String,
    /// Working days to complete; 0 is done on the spot
    pub limit_workdays: u32,
    pub legal_basis: String,
    pub fee_fen: i64,
    /// Where it can be done: `centre`, `station`, `online`
    pub places: Vec<String>,
    pub appointment: bool,
    pub materials: Vec<MaterialView>,
    pub version: i64,
}

fn item_view(s: &StoredItem) -> ServiceItemView {
    ServiceItemView {
        code: s.item.code.clone(),
        category: s.item.category.clone(),
        category_name: s.category_name.clone(),
        kind: s.kind.as_str().into(),
        name: s.item.name.clone(),
        department: s.item.department.clone(),
        limit_workdays: s.item.limit_workdays,
        legal_basis: s.item.legal_basis.clone(),
        fee_fen: s.item.fee_fen,
        places: s.item.places.iter().map(|p| p.as_str().to_string()).collect(),
        appointment: s.item.appointment,
        materials: s
            .item
            .materials
            .iter()
            .map(|m| MaterialView {
                name: m.name.clone(),
                form: m.form.as_str().into(),
                copies: m.copies,
                sample: m.sample.clone(),
            })
            .collect(),
        version: s.version,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ServiceCategoryView {
    pub code: String,
    /// `desk` or `centre`
    pub kind: String,
    pub name: String,
    pub items: i64,
}

/// The catalogue's categories: the desk's (4 bundled) and the centre's function areas (5).
#[utoipa::path(get, path = "/api/v1/service-categories", tag = "service", security(()), responses((status = 200, body = [ServiceCategoryView])))]
pub async fn api_service_categories(State(state): State<AppState>) -> Result<Json<Vec<ServiceCategoryView>>, ApiError> {
    let rows = state.store.service_categories().await?;
    Ok(Json(
        rows.into_iter()
            .map(|(c, n)| ServiceCategoryView { code: c.code, kind: c.kind.as_str().into(), name: c.name, items: n })
            .collect(),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemParams {
    /// `desk` (default: the government service items) or `centre`
    #[param(pattern = "^(desk|centre)?$")]
    pub kind: Option<String>,
    /// A category code
    pub category: Option<String>,
    /// A service point (its territory code): only what it offers
    pub point: Option<String>,
}

/// The catalogue's items: by default the desk's government service items (43 bundled).
#[utoipa::path(get, path = "/api/v1/service-items", tag = "service", security(()), params(ItemParams), responses((status = 200, body = [ServiceItemView]), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_service_items(
    State(state): State<AppState>,
    Query(p): Query<ItemParams>,
) -> Result<Json<Vec<ServiceItemView>>, ApiError> {
    let kind = match p.kind.as_deref() {
        None => CatalogueKind::Desk,
        Some(k) => code(k, "kind", CatalogueKind::parse_field)?,
    };
    let point = match p.point.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => Some(point_by_code(&state, c, "point").await?.id),
    };
    let f = ItemFilter { kind: Some(kind), category: p.category.filter(|c| !c.is_empty()), point };
    let rows = state.store.service_items(&f).await?;
    Ok(Json(rows.iter().map(item_view).collect()))
}

/// One item of the catalogue.
#[utoipa::path(get, path = "/api/v1/service-items/{code}", tag = "service", security(()), params(("code" = String, Path)), responses((status = 200, body = ServiceItemView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_service_item(
    State(state): State<AppState>,
    Path(c): Path<String>,
) -> Result<Json<ServiceItemView>, ApiError> {
    Ok(Json(item_view(&state.store.service_item(&c).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceItemBody {
    pub code: String,
    pub category: String,
    pub name: String,
    pub department: String,
    #[schema(minimum = 0, maximum = 250)]
    pub limit_workdays: u32,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100000000)]
    pub fee_fen: i64,
    /// Where it can be done: `centre`, `station`, `online`
    #[schema(min_items = 1)]
    pub places: Vec<String>,
    #[serde(default)]
    pub appointment: bool,
    #[serde(default)]
    pub materials: Vec<MaterialView>,
}

/// Adds an item or saves a new version of one (district administrators). Tickets keep the
/// version they were received under.
#[utoipa::path(post, path = "/api/v1/service-items", tag = "service", request_body = ServiceItemBody, responses((status = 200, body = ServiceItemView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_save_service_item(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<ServiceItemBody>, JsonRejection>,
) -> Result<Json<ServiceItemView>, ApiError> {
    let b = json_body(body)?;
    let mut materials = Vec::new();
    for (i, m) in b.materials.iter().enumerate() {
        let field = format!("materials[{i}].form");
        materials.push(Material {
            name: m.name.clone(),
            form: code(&m.form, &field, MaterialForm::parse_field)?,
            copies: m.copies,
            sample: m.sample.clone(),
        });
    }
    let mut places = Vec::new();
    for (i, p) in b.places.iter().enumerate() {
        places.push(code(p, &format!("places[{i}]"), Place::parse_field)?);
    }
    places.sort();
    places.dedup();
    let item = Item {
        code: b.code,
        category: b.category,
        name: b.name,
        department: b.department,
        limit_workdays: b.limit_workdays,
        legal_basis: b.legal_basis,
        fee_fen: b.fee_fen,
        places,
        appointment: b.appointment,
        materials,
    };
    let s = state.store.save_service_item(&auth.audit_ctx(), &auth.principal, &item).await?;
    Ok(Json(item_view(&s)))
}

// ---------------------------------------------------------------------------------------
// Service points

async fn point_by_code(state: &AppState, c: &str, field: &str) -> Result<ServicePoint, ApiError> {
    state.store.service_point_by_code(c.trim()).await.map_err(|_| ApiError {
        field: Some(field.into()),
        message: format!("没有服务点“{}” (no such service point)", c.trim()),
        ..ApiError::not_found()
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ServicePointView {
    /// The territory code of its community (centre) or compound (station)
    pub code: String,
    /// `centre` or `station`
    pub kind: String,
    pub kind_name: String,
    pub name: String,
    /// Regular hours on working days, `HH:MM-HH:MM,…`
    pub regular_hours: String,
    /// Extended hours on working days (延时)
    pub extended_hours: String,
    /// Hours on ordinary weekends (错时)
    pub staggered_hours: String,
    pub slot_minutes: u32,
    pub slot_capacity: u32,
    /// Items of its kind it does not offer
    pub excluded: Vec<String>,
    pub open_now: Option<bool>,
    /// `regular`, `extended`, `staggered` or `duty` when open
    pub open_as: Option<String>,
    /// Until when it is open, Beijing time
    pub open_until: Option<String>,
    /// When it next opens, Beijing time, when closed (within two weeks)
    pub next_open: Option<String>,
    pub next_open_as: Option<String>,
    /// Why the state is unknown (a day without calendar data)
    pub problem: Option<String>,
}

fn hhmm(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

fn point_view(p: &ServicePoint, state: Option<&PointState>) -> ServicePointView {
    let st = state.map(|s| s.state);
    ServicePointView {
        code: p.code.clone(),
        kind: p.kind.as_str().into(),
        kind_name: p.kind.label_zh().into(),
        name: p.name.clone(),
        regular_hours: p.hours.regular.code(),
        extended_hours: p.hours.extended.code(),
        staggered_hours: p.hours.staggered.code(),
        slot_minutes: p.slot_minutes,
        slot_capacity: p.slot_capacity,
        excluded: p.excluded.clone(),
        open_now: state.filter(|s| s.problem.is_none()).map(|s| s.state.now.is_some()),
        open_as: st.and_then(|s| s.now).map(|n| n.0.as_str().into()),
        open_until: st.and_then(|s| s.now).map(|n| hhmm(n.1)),
        next_open: st.and_then(|s| s.next).map(|n| hhmm(n.0)),
        next_open_as: st.and_then(|s| s.next).map(|n| n.1.as_str().into()),
        problem: state.and_then(|s| s.problem.clone()),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PointParams {
    /// A territory code: only points under it
    pub within: Option<String>,
    /// When to answer "open" for, Beijing time `YYYY-MM-DDTHH:MM` (default now)
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2})?$")]
    pub at: Option<String>,
}

/// The service points with whether each is open now (or at `at`) and when it next opens.
#[utoipa::path(get, path = "/api/v1/service-points", tag = "service", security(()), params(PointParams), responses((status = 200, body = [ServicePointView]), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_service_points(
    State(state): State<AppState>,
    Query(p): Query<PointParams>,
) -> Result<Json<Vec<ServicePointView>>, ApiError> {
    let at = match p.at.as_deref() {
        None => state.clock.now(),
        Some(s) => jiayuan_store::service::at_beijing(bj_minute("at", s)?),
    };
    let cal = state.store.work_calendar().await?;
    let rows = state.store.points_open(&cal, p.within.as_deref(), at).await?;
    Ok(Json(rows.iter().map(|s| point_view(&s.point, Some(s))).collect()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ShiftView {
    pub id: Uuid,
    pub starts_at: String,
    pub ends_at: String,
    pub staff: String,
    pub note: String,
}

fn shift_view(s: &ShiftRow) -> ShiftView {
    ShiftView {
        id: s.id,
        starts_at: bj_time(s.starts_at),
        ends_at: bj_time(s.ends_at),
        staff: s.staff_name.clone(),
        note: s.note.clone(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ServicePointDetailView {
    pub point: ServicePointView,
    /// Duty shifts from today to 60 days ahead
    pub roster: Vec<ShiftView>,
    /// The roster as an iCalendar feed phone calendars subscribe to
    pub roster_feed: String,
}

/// One point: hours, open now, the coming duty roster.
#[utoipa::path(get, path = "/api/v1/service-points/{code}", tag = "service", security(()), params(("code" = String, Path)), responses((status = 200, body = ServicePointDetailView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_service_point(
    State(state): State<AppState>,
    Path(c): Path<String>,
) -> Result<Json<ServicePointDetailView>, ApiError> {
    let p = state.store.service_point_by_code(&c).await?;
    let now = state.clock.now();
    let cal = state.store.work_calendar().await?;
    let open = state.store.points_open(&cal, Some(&p.code), now).await?;
    let st = open.iter().find(|s| s.point.id == p.id);
    let roster =
        state.store.duty_shifts(p.id, now - chrono::Duration::days(1), now + chrono::Duration::days(60)).await?;
    Ok(Json(ServicePointDetailView {
        roster_feed: format!("/api/v1/service-points/{}/roster.ics", p.code),
        point: point_view(&p, st),
        roster: roster.iter().map(shift_view).collect(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPointBody {
    /// A community (its centre) or a compound (its station), by territory code
    pub node: String,
    /// Defaults to the node's name with 党群服务中心 or 党群服务站
    #[serde(default)]
    pub name: String,
}

/// Opens a service point at a community or compound (those who manage service there).
#[utoipa::path(post, path = "/api/v1/service-points", tag = "service", request_body = NewPointBody, responses((status = 201, body = ServicePointView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_open_service_point(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewPointBody>, JsonRejection>,
) -> Result<(StatusCode, Json<ServicePointView>), ApiError> {
    let b = json_body(body)?;
    let p = state.store.open_service_point(&auth.audit_ctx(), &auth.principal, &b.node, &b.name).await?;
    Ok((StatusCode::CREATED, Json(point_view(&p, None))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointHoursBody {
    /// `HH:MM-HH:MM,…` on working days; at least one window
    pub regular_hours: String,
    #[serde(default)]
    pub extended_hours: String,
    #[serde(default)]
    pub staggered_hours: String,
    #[schema(minimum = 10, maximum = 240)]
    pub slot_minutes: u32,
    #[schema(minimum = 1, maximum = 100)]
    pub slot_capacity: u32,
    /// Item codes this point does not offer
    #[serde(default)]
    pub excluded: Vec<String>,
}

/// Sets a point's hours, appointment slots and the items it switches off.
#[utoipa::path(post, path = "/api/v1/service-points/{code}/hours", tag = "service", params(("code" = String, Path)), request_body = PointHoursBody, responses((status = 200, body = ServicePointView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_set_point_hours(
    auth: Auth,
    State(state): State<AppState>,
    Path(c): Path<String>,
    body: Result<Json<PointHoursBody>, JsonRejection>,
) -> Result<Json<ServicePointView>, ApiError> {
    let b = json_body(body)?;
    let p = state.store.service_point_by_code(&c).await?;
    let hours = PointHours {
        regular: Windows::parse("regular_hours", &b.regular_hours)?,
        extended: Windows::parse("extended_hours", &b.extended_hours)?,
        staggered: Windows::parse("staggered_hours", &b.staggered_hours)?,
    };
    let p = state
        .store
        .set_point_hours(&auth.audit_ctx(), &auth.principal, p.id, &hours, b.slot_minutes, b.slot_capacity, &b.excluded)
        .await
        .map_err(|e| match e {
            jiayuan_store::StoreError::Invalid(f) if f.field == "regular" => {
                ApiError::invalid("regular_hours", f.message)
            }
            e => e.into(),
        })?;
    Ok(Json(point_view(&p, None)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftBody {
    /// Beijing time `YYYY-MM-DDTHH:MM`
    pub starts_at: String,
    pub ends_at: String,
    /// A username (shown as the person's name) or a name
    pub staff: String,
    #[serde(default)]
    pub note: String,
}

/// Puts someone on a point's duty roster (holiday duty, extra hours).
#[utoipa::path(post, path = "/api/v1/service-points/{code}/roster", tag = "service", params(("code" = String, Path)), request_body = ShiftBody, responses((status = 201, body = ShiftView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_add_shift(
    auth: Auth,
    State(state): State<AppState>,
    Path(c): Path<String>,
    body: Result<Json<ShiftBody>, JsonRejection>,
) -> Result<(StatusCode, Json<ShiftView>), ApiError> {
    let b = json_body(body)?;
    let p = state.store.service_point_by_code(&c).await?;
    let s = NewShift {
        starts_at: jiayuan_store::service::at_beijing(bj_minute("starts_at", &b.starts_at)?),
        ends_at: jiayuan_store::service::at_beijing(bj_minute("ends_at", &b.ends_at)?),
        staff: b.staff,
        note: b.note,
    };
    let row = state.store.add_duty_shift(&auth.audit_ctx(), &auth.principal, p.id, &s).await?;
    Ok((StatusCode::CREATED, Json(shift_view(&row))))
}

/// Takes a shift off the roster.
#[utoipa::path(delete, path = "/api/v1/service-points/{code}/roster/{shift}", tag = "service", params(("code" = String, Path), ("shift" = Uuid, Path)), responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_remove_shift(
    auth: Auth,
    State(state): State<AppState>,
    Path((c, shift)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let p = state.store.service_point_by_code(&c).await?;
    state.store.remove_duty_shift(&auth.audit_ctx(), &auth.principal, p.id, parse_id(&shift)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The point's duty roster as an iCalendar (RFC 5545) feed: public, so that a phone's
/// calendar can subscribe without signing in.
#[utoipa::path(get, path = "/api/v1/service-points/{code}/roster.ics", tag = "service", security(()), params(("code" = String, Path)), responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_roster_ics(State(state): State<AppState>, Path(c): Path<String>) -> Result<Response, ApiError> {
    let p = state.store.service_point_by_code(&c).await?;
    let body = state.store.point_ical(p.id, state.clock.now()).await?;
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], body).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayParams {
    /// `YYYY-MM-DD`
    #[param(format = Date)]
    pub day: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SlotView {
    /// Beijing time `YYYY-MM-DDTHH:MM`
    pub starts_at: String,
    pub ends_at: String,
    pub left: u32,
}

/// The bookable slots of a day at a point, with the places left.
#[utoipa::path(get, path = "/api/v1/service-points/{code}/slots", tag = "service", security(()), params(("code" = String, Path), DayParams), responses((status = 200, body = [SlotView]), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_point_slots(
    State(state): State<AppState>,
    Path(c): Path<String>,
    Query(d): Query<DayParams>,
) -> Result<Json<Vec<SlotView>>, ApiError> {
    let p = state.store.service_point_by_code(&c).await?;
    let day = day_param("day", &d.day)?;
    let slots = state.store.open_slots(p.id, day).await?;
    Ok(Json(slots.into_iter().map(|(a, b, left)| SlotView { starts_at: hhmm(a), ends_at: hhmm(b), left }).collect()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BookingView {
    pub id: Uuid,
    pub point: String,
    pub point_name: String,
    pub item: String,
    pub item_name: String,
    pub starts_at: String,
    pub ends_at: String,
    /// Masked unless the caller serves the desk there
    pub person_name: String,
    /// `booked`, `cancelled`, `attended` or `no_show`
    pub status: String,
    pub status_name: String,
}

fn booking_view(b: &Booking, who: &Principal) -> BookingView {
    BookingView {
        id: b.id,
        point: b.path.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_string(),
        point_name: b.point_name.clone(),
        item: b.item.clone(),
        item_name: b.item_name.clone(),
        starts_at: bj_time(b.starts_at),
        ends_at: bj_time(b.ends_at),
        person_name: if serves_at(who, &b.path) || Some(b.person_id) == who.person_id {
            b.person_name.clone()
        } else {
            jiayuan_domain::names::mask_name(&b.person_name)
        },
        status: b.status.as_str().into(),
        status_name: b.status.label_zh().into(),
    }
}

/// A point's bookings on a day (staff who serve the desk there).
#[utoipa::path(get, path = "/api/v1/service-points/{code}/bookings", tag = "service", params(("code" = String, Path), DayParams), responses((status = 200, body = [BookingView]), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_point_bookings(
    auth: Auth,
    State(state): State<AppState>,
    Path(c): Path<String>,
    Query(d): Query<DayParams>,
) -> Result<Json<Vec<BookingView>>, ApiError> {
    let p = state.store.service_point_by_code(&c).await?;
    let day = day_param("day", &d.day)?;
    let rows = state.store.bookings_of_day(&auth.principal, p.id, day).await?;
    Ok(Json(rows.iter().map(|b| booking_view(b, &auth.principal)).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingBody {
    /// The point's territory code
    pub point: String,
    pub item: String,
    /// The slot's start, Beijing time `YYYY-MM-DDTHH:MM`
    pub starts_at: String,
    /// Staff booking for a resident name them; a resident books for themselves
    pub person_id: Option<Uuid>,
}

/// Books a slot (a resident for themselves, or staff for a resident).
#[utoipa::path(post, path = "/api/v1/appointments", tag = "service", request_body = BookingBody, responses((status = 201, body = BookingView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_book(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<BookingBody>, JsonRejection>,
) -> Result<(StatusCode, Json<BookingView>), ApiError> {
    let b = json_body(body)?;
    let p = point_by_code(&state, &b.point, "point").await?;
    let nb = NewBooking {
        point: p.id,
        item: b.item,
        starts_at: bj_minute("starts_at", &b.starts_at)?,
        person_id: b.person_id,
    };
    let row = state.store.book_slot(&auth.audit_ctx(), &auth.principal, &nb, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(booking_view(&row, &auth.principal))))
}

/// The caller's own bookings (a resident's).
#[utoipa::path(get, path = "/api/v1/appointments", tag = "service", responses((status = 200, body = [BookingView])))]
pub async fn api_my_bookings(auth: Auth, State(state): State<AppState>) -> Result<Json<Vec<BookingView>>, ApiError> {
    let rows = state.store.my_bookings(&auth.principal).await?;
    Ok(Json(rows.iter().map(|b| booking_view(b, &auth.principal)).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingStatusBody {
    /// `cancelled` (the resident or staff), `attended` or `no_show` (staff, once the slot began)
    #[schema(pattern = "^(cancelled|attended|no_show)$")]
    pub status: String,
}

/// Cancels a booking, or records that the person came or did not.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/status", tag = "service", params(("id" = Uuid, Path)), request_body = BookingStatusBody, responses((status = 200, body = BookingView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_booking_status(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<BookingStatusBody>, JsonRejection>,
) -> Result<Json<BookingView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let to = code(&b.status, "status", AppointmentStatus::parse_field)?;
    let row = state.store.set_booking_status(&auth.audit_ctx(), &auth.principal, id, to, state.clock.now()).await?;
    Ok(Json(booking_view(&row, &auth.principal)))
}

// ---------------------------------------------------------------------------------------
// Tickets

#[derive(Serialize, utoipa::ToSchema)]
pub struct TicketCardView {
    pub id: Uuid,
    pub number: i64,
    pub point_name: String,
    pub item_name: String,
    pub applicant_name: String,
    /// `received`, `awaiting_materials`, `accepted`, `in_progress`, `completed` or `refused`
    pub status: String,
    pub status_name: String,
    pub channel: String,
    pub received_at: String,
    /// By when it must be done; null while it waits for materials
    pub due_at: Option<String>,
    pub closed_at: Option<String>,
    pub handler: String,
    pub receiver: String,
    pub overdue: bool,
    pub warning: bool,
    pub outside_hours: bool,
}

fn card_view(c: &TicketCard, now: DateTime<Utc>) -> TicketCardView {
    TicketCardView {
        id: c.id,
        number: c.number,
        point_name: c.point_name.clone(),
        item_name: c.item_name.clone(),
        applicant_name: c.applicant_name.clone(),
        status: c.status.as_str().into(),
        status_name: c.status.label_zh().into(),
        channel: c.channel.as_str().into(),
        received_at: bj_time(c.received_at),
        due_at: c.due_at.map(bj_time),
        closed_at: c.closed_at.map(bj_time),
        handler: c.handler_name.clone(),
        receiver: c.receiver_name.clone(),
        overdue: c.overdue(now),
        warning: c.warning(now),
        outside_hours: c.outside_hours,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TicketPageView {
    pub items: Vec<TicketCardView>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketParams {
    /// `true`: only those the caller holds or answers for
    #[param(pattern = "^(true|false|1|0|on)?$")]
    pub mine: Option<String>,
    /// `true`: only open ones
    #[param(pattern = "^(true|false|1|0|on)?$")]
    pub open: Option<String>,
    /// `true`: only overdue ones
    #[param(pattern = "^(true|false|1|0|on)?$")]
    pub overdue: Option<String>,
    #[param(pattern = "^(received|awaiting_materials|accepted|in_progress|completed|refused)?$")]
    pub status: Option<String>,
    /// A point's territory code
    pub point: Option<String>,
    pub item: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub page_size: Option<String>,
}

/// Tickets the caller sees (staff: their desk's; a resident: their own), open ones by
/// deadline first.
#[utoipa::path(get, path = "/api/v1/service-tickets", tag = "service", params(TicketParams), responses((status = 200, body = TicketPageView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_tickets(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<TicketParams>,
) -> Result<Json<TicketPageView>, ApiError> {
    let lp = ListParams { page: p.page.clone(), page_size: p.page_size.clone(), ..Default::default() };
    let page = lp.page()?;
    let now = state.clock.now();
    let point = match p.point.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => Some(point_by_code(&state, c, "point").await?.id),
    };
    let f = TicketFilter {
        mine: flag(&p.mine, "mine")?,
        open: flag(&p.open, "open")?,
        status: match p.status.as_deref() {
            None => None,
            Some(s) => Some(code(s, "status", TicketStatus::parse_field)?),
        },
        point,
        item: p.item.filter(|s| !s.is_empty()),
        overdue_at: flag(&p.overdue, "overdue")?.then_some(now),
    };
    let rows = state.store.tickets(&auth.principal, &f, page).await?;
    Ok(Json(TicketPageView {
        items: rows.items.iter().map(|c| card_view(c, now)).collect(),
        page: rows.page,
        page_size: rows.page_size,
        total: rows.total,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TicketMaterialView {
    pub name: String,
    pub form: String,
    pub form_name: String,
    pub copies: i64,
    pub provided: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TicketEventView {
    /// `receive`, `notify`, `supplement`, `accept`, `start`, `complete`, `refuse` or `hand_off`
    pub action: String,
    pub actor: String,
    pub to: Option<String>,
    pub note: String,
    pub at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    pub id: Uuid,
    pub issued_at: String,
    pub issued_by: String,
    /// Every material missing when it was given
    pub missing: Vec<String>,
    pub resolved_at: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TicketView {
    pub id: Uuid,
    pub number: i64,
    pub point: String,
    pub point_name: String,
    pub item: String,
    pub item_version: i64,
    pub item_name: String,
    pub limit_workdays: i64,
    /// `window`, `phone`, `online` or `home`
    pub channel: String,
    /// The registered resident it was received for; none for a walk-in
    pub person_id: Option<Uuid>,
    pub applicant_name: String,
    /// Masked
    pub applicant_phone: Option<String>,
    /// First-asked-responsible: answers for the ticket to the end
    pub receiver: String,
    /// Who holds it now
    pub handler: String,
    pub status: String,
    pub status_name: String,
    pub received_at: String,
    pub due_at: Option<String>,
    pub closed_at: Option<String>,
    pub refused_reason: Option<String>,
    pub overdue: bool,
    pub late: bool,
    pub outside_hours: bool,
    pub note: String,
    pub materials: Vec<TicketMaterialView>,
    pub events: Vec<TicketEventView>,
    pub notices: Vec<NoticeView>,
    /// The good-or-bad rating, once given
    pub rating: Option<RatingView>,
    /// Whether the caller may take steps (holds it or received it)
    pub holds: bool,
}

fn ticket_view(t: &Ticket, rating: Option<&RatingRow>, who: &Principal, now: DateTime<Utc>) -> TicketView {
    TicketView {
        id: t.id,
        number: t.number,
        point: t.path.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_string(),
        point_name: t.point_name.clone(),
        item: t.item.clone(),
        item_version: t.item_version,
        item_name: t.item_name.clone(),
        limit_workdays: t.limit_workdays,
        channel: t.channel.as_str().into(),
        person_id: t.person_id,
        applicant_name: t.applicant_name.clone(),
        applicant_phone: t.applicant_phone.clone(),
        receiver: t.receiver_name.clone(),
        handler: t.handler_name.clone(),
        status: t.status.as_str().into(),
        status_name: t.status.label_zh().into(),
        received_at: bj_time(t.received_at),
        due_at: t.due_at.map(bj_time),
        closed_at: t.closed_at.map(bj_time),
        refused_reason: t.refused_reason.clone(),
        overdue: t.overdue(now),
        late: t.late(),
        outside_hours: t.outside_hours,
        note: t.note.clone(),
        materials: t
            .materials
            .iter()
            .map(|m| TicketMaterialView {
                name: m.name.clone(),
                form: m.form.as_str().into(),
                form_name: m.form.label_zh().into(),
                copies: m.copies,
                provided: m.provided,
            })
            .collect(),
        events: t
            .events
            .iter()
            .map(|e| TicketEventView {
                action: e.action.clone(),
                actor: e.actor_name.clone(),
                to: e.to_name.clone(),
                note: e.note.clone(),
                at: bj_time(e.at),
            })
            .collect(),
        notices: t
            .notices
            .iter()
            .map(|n| NoticeView {
                id: n.id,
                issued_at: bj_time(n.issued_at),
                issued_by: n.issued_by_name.clone(),
                missing: n.missing.clone(),
                resolved_at: n.resolved_at.map(bj_time),
            })
            .collect(),
        rating: rating.map(|r| rating_view(r, now)),
        holds: serves_at(who, &t.path) && (who.user_id == Some(t.handler_id) || who.user_id == Some(t.receiver_id)),
    }
}

async fn ticket_answer(state: &AppState, who: &Principal, t: &Ticket) -> Result<TicketView, ApiError> {
    let rating = state.store.rating_of(RatingTarget::Ticket(t.id)).await?;
    Ok(ticket_view(t, rating.as_ref(), who, state.clock.now()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketBody {
    /// The point's territory code
    pub point: String,
    /// The item's code
    pub item: String,
    #[schema(pattern = "^(window|phone|online|home)$")]
    pub channel: String,
    /// A resident on the register; leave out for a walk-in and give the name
    pub person_id: Option<Uuid>,
    #[serde(default)]
    pub applicant_name: String,
    #[serde(default)]
    pub applicant_phone: String,
    /// The materials handed in, by name as the item lists them
    #[serde(default)]
    pub provided: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// Receives a matter: the caller is first-asked-responsible for it to the end.
#[utoipa::path(post, path = "/api/v1/service-tickets", tag = "service", request_body = NewTicketBody, responses((status = 201, body = TicketView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_receive_ticket(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewTicketBody>, JsonRejection>,
) -> Result<(StatusCode, Json<TicketView>), ApiError> {
    let b = json_body(body)?;
    let p = point_by_code(&state, &b.point, "point").await?;
    let t = NewTicket {
        point: p.id,
        item: b.item,
        channel: code(&b.channel, "channel", Channel::parse_field)?,
        person_id: b.person_id,
        applicant_name: b.applicant_name,
        applicant_phone: b.applicant_phone,
        provided: b.provided,
        note: b.note,
    };
    let k = state.store.receive_ticket(&auth.audit_ctx(), &auth.principal, &t, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(ticket_answer(&state, &auth.principal, &k).await?)))
}

/// A ticket with its checklist, notices, hand-offs and rating.
#[utoipa::path(get, path = "/api/v1/service-tickets/{id}", tag = "service", params(("id" = Uuid, Path)), responses((status = 200, body = TicketView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_ticket(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    let t = state.store.ticket_for(&auth.principal, parse_id(&id)?).await?;
    Ok(Json(ticket_answer(&state, &auth.principal, &t).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketStepBody {
    /// `notify` (tell everything missing at once), `supplement` (the missing materials
    /// arrived), `accept`, `start`, `complete` or `refuse` (with the legal reason in `note`)
    #[schema(pattern = "^(notify|supplement|accept|start|complete|refuse)$")]
    pub step: String,
    /// For `supplement`: the materials that arrived (default: all missing)
    #[serde(default)]
    pub provided: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// Takes a step on a ticket (its holder or its receiver).
#[utoipa::path(post, path = "/api/v1/service-tickets/{id}/steps", tag = "service", params(("id" = Uuid, Path)), request_body = TicketStepBody, responses((status = 200, body = TicketView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_ticket_step(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<TicketStepBody>, JsonRejection>,
) -> Result<Json<TicketView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let step = code(&b.step, "step", TicketStep::parse_field)?;
    let input = TicketStepInput { provided: b.provided, note: b.note };
    let t = state.store.ticket_step(&auth.audit_ctx(), &auth.principal, id, step, &input, state.clock.now()).await?;
    Ok(Json(ticket_answer(&state, &auth.principal, &t).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOffBody {
    /// The username of someone who serves the desk at the ticket's point
    pub to: String,
    #[schema(min_length = 2, max_length = 500, pattern = "\\S[\\s\\S]*\\S")]
    pub reason: String,
}

/// Hands a ticket on; the receiver stays answerable (首问负责).
#[utoipa::path(post, path = "/api/v1/service-tickets/{id}/hand-off", tag = "service", params(("id" = Uuid, Path)), request_body = HandOffBody, responses((status = 200, body = TicketView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_hand_off(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<HandOffBody>, JsonRejection>,
) -> Result<Json<TicketView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let t = state
        .store
        .hand_off_ticket(&auth.audit_ctx(), &auth.principal, id, &b.to, &b.reason, state.clock.now())
        .await?;
    Ok(Json(ticket_answer(&state, &auth.principal, &t).await?))
}

/// The latest one-time notice of a ticket as a printable PDF.
#[utoipa::path(get, path = "/api/v1/service-tickets/{id}/notice.pdf", tag = "service", params(("id" = Uuid, Path)), responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_notice_pdf(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let t = state.store.ticket_for(&auth.principal, parse_id(&id)?).await?;
    let Some(n) = t.notices.last() else {
        return Err(ApiError {
            message: "此件没有一次性告知书 (no notice was given)".into(), ..ApiError::not_found()
        });
    };
    let pdf = crate::notice::notice_pdf(&t, n);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"notice-{}.pdf\"", t.number)),
        ],
        pdf,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------
// Consultations, ratings, figures

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConsultationView {
    pub id: Uuid,
    pub point_name: String,
    pub channel: String,
    pub topic: String,
    pub answer: String,
    pub person_name: String,
    pub staff: String,
    pub at: String,
    pub outside_hours: bool,
    /// The rating's level, once rated
    pub rating: Option<String>,
}

fn consultation_view(c: &Consultation) -> ConsultationView {
    ConsultationView {
        id: c.id,
        point_name: c.point_name.clone(),
        channel: c.channel.as_str().into(),
        topic: c.topic.clone(),
        answer: c.answer.clone(),
        person_name: c.person_name.clone(),
        staff: c.staff_name.clone(),
        at: bj_time(c.at),
        outside_hours: c.outside_hours,
        rating: c.rating.map(|r| r.as_str().into()),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsultationParams {
    /// A point's territory code
    pub point: Option<String>,
}

/// Consultations the caller sees, newest first (the latest 200).
#[utoipa::path(get, path = "/api/v1/consultations", tag = "service", params(ConsultationParams), responses((status = 200, body = [ConsultationView]), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_consultations(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<ConsultationParams>,
) -> Result<Json<Vec<ConsultationView>>, ApiError> {
    let point = match p.point.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => Some(point_by_code(&state, c, "point").await?.id),
    };
    let rows = state.store.consultations(&auth.principal, point, 200).await?;
    Ok(Json(rows.iter().map(consultation_view).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsultationBody {
    pub point: String,
    #[schema(pattern = "^(window|phone|online|home)$")]
    pub channel: String,
    #[schema(min_length = 2, max_length = 200, pattern = "\\S[\\s\\S]*\\S")]
    pub topic: String,
    #[schema(min_length = 2, max_length = 2000, pattern = "\\S[\\s\\S]*\\S")]
    pub answer: String,
    pub person_id: Option<Uuid>,
    #[serde(default)]
    pub person_name: String,
}

/// Logs a consultation answered now.
#[utoipa::path(post, path = "/api/v1/consultations", tag = "service", request_body = NewConsultationBody, responses((status = 201, body = ConsultationView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_log_consultation(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewConsultationBody>, JsonRejection>,
) -> Result<(StatusCode, Json<ConsultationView>), ApiError> {
    let b = json_body(body)?;
    let p = point_by_code(&state, &b.point, "point").await?;
    let c = NewConsultation {
        point: p.id,
        channel: code(&b.channel, "channel", Channel::parse_field)?,
        topic: b.topic,
        answer: b.answer,
        person_id: b.person_id,
        person_name: b.person_name,
    };
    let row = state.store.log_consultation(&auth.audit_ctx(), &auth.principal, &c, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(consultation_view(&row))))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FollowUpStepView {
    /// `revisit`, `verify`, `rectify` or `feedback`
    pub step: String,
    pub step_name: String,
    pub note: String,
    pub by: String,
    pub at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RatingView {
    pub id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub consultation_id: Option<Uuid>,
    pub subject: String,
    pub point_name: String,
    /// `very_satisfied`, `satisfied`, `basically_satisfied`, `dissatisfied` or `very_dissatisfied`
    pub level: String,
    pub level_name: String,
    pub comment: String,
    pub real_name: bool,
    pub at: String,
    /// For a bad rating: by when the follow-up must close
    pub follow_up_due: Option<String>,
    pub follow_up_closed_at: Option<String>,
    pub follow_up_overdue: bool,
    pub next_step: Option<String>,
    pub steps: Vec<FollowUpStepView>,
}

fn rating_view(r: &RatingRow, now: DateTime<Utc>) -> RatingView {
    RatingView {
        id: r.id,
        ticket_id: r.ticket_id,
        consultation_id: r.consultation_id,
        subject: r.subject.clone(),
        point_name: r.point_name.clone(),
        level: r.level.as_str().into(),
        level_name: r.level.label_zh().into(),
        comment: r.comment.clone(),
        real_name: r.real_name,
        at: bj_time(r.at),
        follow_up_due: r.follow_up_due.map(bj_time),
        follow_up_closed_at: r.follow_up_closed_at.map(bj_time),
        follow_up_overdue: r.follow_up_overdue(now),
        next_step: r.next_step().map(|s| s.as_str().into()),
        steps: r
            .steps
            .iter()
            .map(|(s, note, by, at)| FollowUpStepView {
                step: s.as_str().into(),
                step_name: s.label_zh().into(),
                note: note.clone(),
                by: by.clone(),
                at: bj_time(*at),
            })
            .collect(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRatingBody {
    /// The ticket rated (or give `consultation_id`)
    pub ticket_id: Option<Uuid>,
    pub consultation_id: Option<Uuid>,
    #[schema(pattern = "^(very_satisfied|satisfied|basically_satisfied|dissatisfied|very_dissatisfied)$")]
    pub level: String,
    /// Required for a bad rating: what was wrong
    #[serde(default)]
    pub comment: String,
}

/// Rates a completed ticket or a consultation, once (一事一评).
#[utoipa::path(post, path = "/api/v1/service-ratings", tag = "service", request_body = NewRatingBody, responses((status = 201, body = RatingView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_rate(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewRatingBody>, JsonRejection>,
) -> Result<(StatusCode, Json<RatingView>), ApiError> {
    let b = json_body(body)?;
    let target = match (b.ticket_id, b.consultation_id) {
        (Some(t), None) => RatingTarget::Ticket(t),
        (None, Some(c)) => RatingTarget::Consultation(c),
        _ => {
            return Err(ApiError::invalid(
                "ticket_id",
                "应给出 ticket_id 或 consultation_id 之一 (exactly one of them)",
            ))
        }
    };
    let r = NewRating { target, level: code(&b.level, "level", Rating::parse_field)?, comment: b.comment };
    let row = state.store.rate_service(&auth.audit_ctx(), &auth.principal, &r, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(rating_view(&row, state.clock.now()))))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatingParams {
    /// `true`: only bad ratings (不满意, 非常不满意)
    #[param(pattern = "^(true|false|1|0|on)?$")]
    pub bad: Option<String>,
}

/// Ratings at the caller's desks: open follow-ups first (the latest 200).
#[utoipa::path(get, path = "/api/v1/service-ratings", tag = "service", params(RatingParams), responses((status = 200, body = [RatingView]), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_ratings(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<RatingParams>,
) -> Result<Json<Vec<RatingView>>, ApiError> {
    let rows = state.store.ratings(&auth.principal, flag(&p.bad, "bad")?, 200).await?;
    let now = state.clock.now();
    Ok(Json(rows.iter().map(|r| rating_view(r, now)).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpBody {
    /// The next step, in order: `revisit`, `verify`, `rectify`, `feedback` (closes it)
    #[schema(pattern = "^(revisit|verify|rectify|feedback)$")]
    pub step: String,
    #[schema(min_length = 2, max_length = 1000, pattern = "\\S[\\s\\S]*\\S")]
    pub note: String,
}

/// Records the next step of a bad rating's follow-up.
#[utoipa::path(post, path = "/api/v1/service-ratings/{id}/follow-ups", tag = "service", params(("id" = Uuid, Path)), request_body = FollowUpBody, responses((status = 200, body = RatingView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_follow_up(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<FollowUpBody>, JsonRejection>,
) -> Result<Json<RatingView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let step = code(&b.step, "step", FollowUpStep::parse_field)?;
    let row = state.store.follow_up(&auth.audit_ctx(), &auth.principal, id, step, &b.note, state.clock.now()).await?;
    Ok(Json(rating_view(&row, state.clock.now())))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FigureParams {
    /// A territory code (default: the caller's whole scope's first root)
    pub within: Option<String>,
    /// First day, `YYYY-MM-DD` (default: 1 January this year)
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: Option<String>,
    /// Last day, included (default: today)
    #[param(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub to: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ServiceFiguresView {
    pub within: String,
    pub from: String,
    pub to: String,
    #[schema(value_type = Object)]
    pub figures: serde_json::Value,
    /// Completed on time ÷ completed, as a percentage with one decimal, when any completed
    pub on_time_rate: Option<f64>,
    /// Real-name bad ratings revisited ÷ real-name bad ratings (the target is 100%)
    pub revisit_rate: Option<f64>,
}

fn pct(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| (n as f64 * 1000.0 / d as f64).round() / 10.0)
}

/// The service figures of a place and period, counted from the records.
#[utoipa::path(get, path = "/api/v1/service-figures", tag = "service", params(FigureParams), responses((status = 200, body = ServiceFiguresView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_service_figures(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<FigureParams>,
) -> Result<Json<ServiceFiguresView>, ApiError> {
    let scope =
        auth.principal.scope(jiayuan_domain::access::Permission::ServeDesk).map_err(|d| ApiError::forbidden(d.0))?;
    let lp = ListParams { within: p.within.clone(), ..Default::default() };
    let scope = lp.within(&state, scope).await?;
    let root = scope.single().cloned().or_else(|| scope.subtrees().first().cloned()).ok_or_else(ApiError::not_found)?;
    let now = state.clock.now();
    let today = jiayuan_domain::time::beijing(now).date();
    let from = match p.from.as_deref() {
        None => NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today),
        Some(s) => day_param("from", s)?,
    };
    let to = match p.to.as_deref() {
        None => today,
        Some(s) => day_param("to", s)?,
    };
    if to < from {
        return Err(ApiError::invalid("to", "结束日期早于开始日期 (to is before from)"));
    }
    let start = jiayuan_store::service::at_beijing(from.and_hms_opt(0, 0, 0).unwrap_or_default());
    let end = jiayuan_store::service::at_beijing(to.succ_opt().unwrap_or(to).and_hms_opt(0, 0, 0).unwrap_or_default());
    let f = state.store.service_figures(&root, start, end, now).await?;
    Ok(Json(ServiceFiguresView {
        within: root.path.clone(),
        from: from.to_string(),
        to: to.to_string(),
        on_time_rate: pct(f.tickets_completed_on_time, f.tickets_completed),
        revisit_rate: pct(f.real_name_bad_ratings_revisited, f.real_name_bad_ratings),
        figures: serde_json::to_value(&f).unwrap_or_default(),
    }))
}
