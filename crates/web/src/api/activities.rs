//! Community life's API: activities published by staff, registered for by residents (or by
//! staff for them) with a waiting list, and checked in at the door with the code each
//! registration carries. Thin: who may do what, and every rule, is the store's and the domain's.

use super::*;
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDateTime, Utc};
use jiayuan_domain::life::OrganiserKind;
use jiayuan_domain::time::from_beijing;
use jiayuan_store::access::Principal;
use jiayuan_store::life::{Activity, ActivityFilter, NewActivity, Registration};
use jiayuan_store::subtree::Subtree;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

fn bj_minute(field: &str, s: &str) -> Result<DateTime<Utc>, ApiError> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .map(from_beijing)
        .map_err(|_| ApiError::invalid(field, "应为北京时间，如 2026-12-08T09:30 (YYYY-MM-DDTHH:MM, Beijing time)"))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityKindView {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// Its activities are training sessions (counted as training_sessions and trainees)
    pub training: bool,
}

/// The kinds of activity.
#[utoipa::path(get, path = "/api/v1/activity-kinds", tag = "community life", responses((status = 200, body = [ActivityKindView])))]
pub async fn api_activity_kinds(
    _auth: Auth,
    State(state): State<AppState>,
) -> Result<Json<Vec<ActivityKindView>>, ApiError> {
    let kinds = state.store.activity_kinds().await?;
    Ok(Json(
        kinds
            .into_iter()
            .map(|k| ActivityKindView { code: k.code, name: k.name, name_en: k.name_en, training: k.training })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityView {
    pub id: Uuid,
    pub kind: String,
    pub kind_name: String,
    pub title: String,
    pub description: String,
    /// `party_org`, `social_org`, `community`, `alliance` or `unit`
    pub organiser_kind: String,
    pub organiser_name: String,
    pub territory_id: Uuid,
    pub territory_name: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The first of a weekly series, for each of its activities
    pub series_id: Option<Uuid>,
    /// 0: no registration limit
    pub capacity: i64,
    pub registered: i64,
    /// Places still free; absent when there is no limit
    pub places_left: Option<i64>,
    /// On the waiting list
    pub waiting: i64,
    pub checked_in: i64,
    /// Checked in plus those counted without names
    pub beneficiaries: i64,
    /// `open`, `closed`, `cancelled` or `done`
    pub status: String,
    pub public: bool,
    pub report: String,
    /// Counted without names in the report (a fair's visitors)
    pub unnamed_beneficiaries: i64,
    /// The venture project it is held under
    pub project_id: Option<Uuid>,
}

pub(crate) fn activity_view(a: &Activity) -> ActivityView {
    ActivityView {
        id: a.id,
        kind: a.kind.clone(),
        kind_name: a.kind_name.clone(),
        title: a.title.clone(),
        description: a.description.clone(),
        organiser_kind: a.organiser_kind.as_str().into(),
        organiser_name: a.organiser_name.clone(),
        territory_id: a.territory_id,
        territory_name: a.territory_name.clone(),
        place: a.place.clone(),
        starts_at: a.starts_at,
        ends_at: a.ends_at,
        series_id: a.series_id,
        capacity: a.capacity,
        registered: a.registered,
        places_left: a.places_left(),
        waiting: a.waiting,
        checked_in: a.checked_in,
        beneficiaries: a.beneficiaries(),
        status: a.status.as_str().into(),
        public: a.public,
        report: a.report.clone(),
        unnamed_beneficiaries: a.unnamed_beneficiaries,
        project_id: a.project_id,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityPageView {
    pub items: Vec<ActivityView>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityParams {
    /// Territory code or id: only activities in that subtree
    pub within: Option<String>,
    /// Starting on or after this day (YYYY-MM-DD, Beijing)
    #[param(schema_with = super::date_or_empty)]
    pub from: Option<String>,
    /// Starting before the end of this day (YYYY-MM-DD, Beijing)
    #[param(schema_with = super::date_or_empty)]
    pub to: Option<String>,
    pub kind: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub page_size: Option<String>,
}

fn day_start(field: &str, s: &Option<String>, next: bool) -> Result<Option<DateTime<Utc>>, ApiError> {
    match s.as_deref().map(str::trim) {
        None => Ok(None),
        Some(d) => {
            let day = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid(field, "应为日期，如 2026-12-08 (YYYY-MM-DD)"))?;
            let day = if next { day.succ_opt().unwrap_or(day) } else { day };
            Ok(Some(from_beijing(day.and_hms_opt(0, 0, 0).unwrap_or_default())))
        }
    }
}

/// Activities the caller may see (public ones, and those where they run activities), the
/// soonest first.
#[utoipa::path(get, path = "/api/v1/activities", tag = "community life", params(ActivityParams), responses((status = 200, body = ActivityPageView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_activities(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<ActivityParams>,
) -> Result<Json<ActivityPageView>, ApiError> {
    let lp = ListParams { page: p.page.clone(), page_size: p.page_size.clone(), ..Default::default() };
    let page = lp.page()?;
    let within = match p.within.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => Some(Subtree::of(&territory_named(&state, c, "within").await?.path)),
    };
    let f = ActivityFilter {
        within,
        from: day_start("from", &p.from, false)?,
        to: day_start("to", &p.to, true)?,
        kind: p.kind.map(|k| k.trim().to_string()).filter(|k| !k.is_empty()),
        public_only: false,
    };
    let rows = state.store.activities_for(&auth.principal, &f, page).await?;
    Ok(Json(ActivityPageView {
        items: rows.items.iter().map(activity_view).collect(),
        page: rows.page,
        page_size: rows.page_size,
        total: rows.total,
    }))
}

pub(crate) async fn territory_named(
    state: &AppState,
    c: &str,
    field: &str,
) -> Result<jiayuan_store::model::Territory, ApiError> {
    let found = match Uuid::parse_str(c) {
        Ok(id) => state.store.territory(id).await,
        Err(_) => state.store.territory_by_code(c).await,
    };
    found.map_err(|_| ApiError {
        field: Some(field.into()),
        message: format!("区域“{c}”不存在 (no such territory)"),
        ..ApiError::not_found()
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivityBody {
    /// An activity kind's code (see /activity-kinds)
    pub kind: String,
    #[schema(min_length = 2, max_length = 60, pattern = "\\S[\\s\\S]*\\S")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// `party_org`, `social_org`, `community`, `alliance` or `unit`
    #[schema(pattern = "^(party_org|social_org|community|alliance|unit)$")]
    pub organiser_kind: String,
    #[schema(min_length = 2, max_length = 60, pattern = "\\S[\\s\\S]*\\S")]
    pub organiser_name: String,
    /// The territory code of the place it belongs to (a community, a compound, …)
    pub territory: String,
    /// Where exactly (a room, a square)
    #[serde(default)]
    pub place: String,
    /// Beijing time, YYYY-MM-DDTHH:MM
    pub starts_at: String,
    /// Beijing time, YYYY-MM-DDTHH:MM
    pub ends_at: String,
    /// Places; 0 (the default) for no limit
    #[serde(default, deserialize_with = "super::whole_opt")]
    #[schema(value_type = Option<u32>, minimum = 0, maximum = 100000)]
    pub capacity: Option<i64>,
    /// Shown to residents and open to their registration (default true)
    #[serde(default = "yes")]
    pub public: bool,
    /// Held this many weeks in a row (default 1)
    #[serde(default, deserialize_with = "super::whole_opt")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 52)]
    pub weeks: Option<i64>,
    /// The venture project it is held under (approved or running, covering the place)
    pub project: Option<Uuid>,
}

fn yes() -> bool {
    true
}

/// Publishes an activity (and its weekly repeats).
#[utoipa::path(post, path = "/api/v1/activities", tag = "community life", request_body = NewActivityBody, responses((status = 201, body = ActivityView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_create_activity(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewActivityBody>, JsonRejection>,
) -> Result<(StatusCode, Json<ActivityView>), ApiError> {
    let b = json_body(body)?;
    // The place first: a place that does not exist is 404 whatever else is wrong.
    territory_named(&state, b.territory.trim(), "territory").await?;
    let na = NewActivity {
        kind: b.kind,
        title: b.title,
        description: b.description,
        organiser_kind: code(&b.organiser_kind, "organiser_kind", OrganiserKind::parse_field)?,
        organiser_name: b.organiser_name,
        territory: b.territory,
        place: b.place,
        starts_at: bj_minute("starts_at", &b.starts_at)?,
        ends_at: bj_minute("ends_at", &b.ends_at)?,
        capacity: u32::try_from(b.capacity.unwrap_or(0))
            .map_err(|_| ApiError::invalid("capacity", "名额应为0到100000 (0–100000)"))?,
        public: b.public,
        weeks: u32::try_from(b.weeks.unwrap_or(1))
            .map_err(|_| ApiError::invalid("weeks", "重复周数应为1到52 (1–52)"))?,
        project: b.project,
    };
    let a = state.store.create_activity(&auth.audit_ctx(), &auth.principal, &na, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(activity_view(&a))))
}

/// One activity.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "community life", params(("id" = Uuid, Path)), responses((status = 200, body = ActivityView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_activity(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ActivityView>, ApiError> {
    let a = state.store.activity_for(&auth.principal, parse_id(&id)?).await?;
    Ok(Json(activity_view(&a)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RegistrationView {
    pub id: Uuid,
    pub activity_id: Uuid,
    pub person_id: Uuid,
    pub person_name: String,
    /// `registered`, `waitlisted` or `cancelled`
    pub status: String,
    /// Place on the waiting list (1 is next), while waiting
    pub waiting_place: Option<i64>,
    pub registered_at: DateTime<Utc>,
    pub promoted_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub checked_in_at: Option<DateTime<Utc>>,
    /// The code to show at the door: given to the registered person alone
    pub check_in_code: Option<String>,
}

fn registration_view(state: &AppState, r: &Registration, who: &Principal) -> RegistrationView {
    RegistrationView {
        id: r.id,
        activity_id: r.activity_id,
        person_id: r.person_id,
        person_name: r.person_name.clone(),
        status: r.status.as_str().into(),
        waiting_place: r.waiting_place,
        registered_at: r.registered_at,
        promoted_at: r.promoted_at,
        cancelled_at: r.cancelled_at,
        checked_in_at: r.checked_in_at,
        check_in_code: (who.person_id == Some(r.person_id)).then(|| state.store.check_in_code(r)),
    }
}

/// Who registered for an activity, places first, then the waiting list in order: staff who
/// run activities there.
#[utoipa::path(get, path = "/api/v1/activities/{id}/registrations", tag = "community life", params(("id" = Uuid, Path)), responses((status = 200, body = [RegistrationView]), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_activity_registrations(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<RegistrationView>>, ApiError> {
    let rows = state.store.registrations(&auth.principal, parse_id(&id)?).await?;
    Ok(Json(rows.iter().map(|r| registration_view(&state, r, &auth.principal)).collect()))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// Staff registering a resident name them; a resident registers themselves
    pub person_id: Option<Uuid>,
}

/// Registers for an activity: a place while any is left, else the waiting list.
#[utoipa::path(post, path = "/api/v1/activities/{id}/registrations", tag = "community life", params(("id" = Uuid, Path)), request_body = RegisterBody, responses((status = 201, body = RegistrationView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_register(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<RegisterBody>, JsonRejection>,
) -> Result<(StatusCode, Json<RegistrationView>), ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let r = state.store.register(&auth.audit_ctx(), &auth.principal, id, b.person_id, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(registration_view(&state, &r, &auth.principal))))
}

/// The caller's own registrations, the latest activities first.
#[utoipa::path(get, path = "/api/v1/registrations", tag = "community life", responses((status = 200, body = [RegistrationView])))]
pub async fn api_my_registrations(
    auth: Auth,
    State(state): State<AppState>,
) -> Result<Json<Vec<RegistrationView>>, ApiError> {
    let rows = state.store.my_registrations(&auth.principal).await?;
    Ok(Json(rows.iter().map(|(r, _)| registration_view(&state, r, &auth.principal)).collect()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CancelledView {
    pub cancelled: RegistrationView,
    /// Whoever moved up from the waiting list into the freed place
    pub moved_up: Option<RegistrationView>,
}

/// Cancels a registration; a freed place goes to the first person waiting.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/cancel", tag = "community life", params(("id" = Uuid, Path)), responses((status = 200, body = CancelledView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_cancel_registration(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CancelledView>, ApiError> {
    let (gone, up) =
        state.store.cancel_registration(&auth.audit_ctx(), &auth.principal, parse_id(&id)?, state.clock.now()).await?;
    Ok(Json(CancelledView {
        cancelled: registration_view(&state, &gone, &auth.principal),
        moved_up: up.as_ref().map(|r| registration_view(&state, r, &auth.principal)),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInBody {
    /// The code on the person's registration, as scanned
    pub code: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckInView {
    pub registration: RegistrationView,
    pub activity: ActivityView,
}

/// Checks a person in at the door with the code they show: staff who run activities there.
#[utoipa::path(post, path = "/api/v1/activities/{id}/check-ins", tag = "community life", params(("id" = Uuid, Path)), request_body = CheckInBody, responses((status = 200, body = CheckInView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_check_in(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<CheckInBody>, JsonRejection>,
) -> Result<Json<CheckInView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let c = state.store.check_in(&auth.audit_ctx(), &auth.principal, id, &b.code, state.clock.now()).await?;
    Ok(Json(CheckInView {
        registration: registration_view(&state, &c.registration, &auth.principal),
        activity: activity_view(&c.activity),
    }))
}

// ---------------------------------------------------------------------------------------
// Volunteers

#[derive(Serialize, utoipa::ToSchema)]
pub struct TeamView {
    pub id: Uuid,
    pub name: String,
    pub territory_id: Uuid,
    pub territory_name: String,
    pub description: String,
    pub members: i64,
    /// Confirmed hours of all its records
    pub confirmed_hours: String,
}

fn team_view(t: &jiayuan_store::life::Team) -> TeamView {
    TeamView {
        id: t.id,
        name: t.name.clone(),
        territory_id: t.territory_id,
        territory_name: t.territory_name.clone(),
        description: t.description.clone(),
        members: t.members,
        confirmed_hours: jiayuan_domain::life::format_hours(t.confirmed_minutes),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamParams {
    /// Territory code or id: only teams in that subtree
    pub within: Option<String>,
}

/// Volunteer teams (anyone signed in may see them), with their confirmed hours.
#[utoipa::path(get, path = "/api/v1/volunteer-teams", tag = "community life", params(TeamParams), responses((status = 200, body = [TeamView]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_teams(
    _auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<TeamParams>,
) -> Result<Json<Vec<TeamView>>, ApiError> {
    let within = match p.within.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => Some(Subtree::of(&territory_named(&state, c, "within").await?.path)),
    };
    let teams = state.store.teams(within.as_ref()).await?;
    Ok(Json(teams.iter().map(team_view).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeamBody {
    #[schema(min_length = 2, max_length = 40, pattern = "\\S[\\s\\S]*\\S")]
    pub name: String,
    /// The territory code of the place it belongs to
    pub territory: String,
    #[serde(default)]
    pub description: String,
}

/// Sets up a volunteer team at a place.
#[utoipa::path(post, path = "/api/v1/volunteer-teams", tag = "community life", request_body = NewTeamBody, responses((status = 201, body = TeamView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_create_team(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewTeamBody>, JsonRejection>,
) -> Result<(StatusCode, Json<TeamView>), ApiError> {
    let b = json_body(body)?;
    territory_named(&state, b.territory.trim(), "territory").await?;
    let t = state
        .store
        .create_team(&auth.audit_ctx(), &auth.principal, &b.name, &b.territory, &b.description, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(team_view(&t))))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TeamMemberView {
    pub person_id: Uuid,
    pub name: String,
    pub joined_at: DateTime<Utc>,
    pub confirmed_hours: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TeamDetailView {
    pub team: TeamView,
    /// Its members, the most confirmed hours first: for its organisers only (empty otherwise)
    pub members: Vec<TeamMemberView>,
}

/// One team; its members for its organisers.
#[utoipa::path(get, path = "/api/v1/volunteer-teams/{id}", tag = "community life", params(("id" = Uuid, Path)), responses((status = 200, body = TeamDetailView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_team(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TeamDetailView>, ApiError> {
    let t = state.store.team(parse_id(&id)?).await?;
    let members = if jiayuan_store::life::runs_at(&auth.principal, &t.path) {
        state
            .store
            .team_members(t.id)
            .await?
            .into_iter()
            .map(|m| TeamMemberView {
                person_id: m.person_id,
                name: m.name,
                joined_at: m.joined_at,
                confirmed_hours: jiayuan_domain::life::format_hours(m.confirmed_minutes),
            })
            .collect()
    } else {
        vec![]
    };
    Ok(Json(TeamDetailView { team: team_view(&t), members }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    pub person_id: Uuid,
}

/// Adds a resident to a team: its organisers.
#[utoipa::path(post, path = "/api/v1/volunteer-teams/{id}/members", tag = "community life", params(("id" = Uuid, Path)), request_body = MemberBody, responses((status = 201, body = TeamMemberView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_add_member(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<MemberBody>, JsonRejection>,
) -> Result<(StatusCode, Json<TeamMemberView>), ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let m = state.store.add_member(&auth.audit_ctx(), &auth.principal, id, b.person_id, state.clock.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(TeamMemberView {
            person_id: m.person_id,
            name: m.name,
            joined_at: m.joined_at,
            confirmed_hours: jiayuan_domain::life::format_hours(m.confirmed_minutes),
        }),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ServiceRecordView {
    pub id: Uuid,
    pub team_id: Uuid,
    pub team_name: String,
    pub person_id: Uuid,
    pub person_name: String,
    pub activity_id: Option<Uuid>,
    pub content: String,
    pub place: String,
    pub served_at: DateTime<Utc>,
    /// Hours, such as 2 or 1.5
    pub hours: String,
    /// `recorded` (awaiting confirmation), `confirmed` or `rejected`
    pub status: String,
    pub recorded_at: DateTime<Utc>,
    /// Who confirmed or turned it down
    pub decided_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: String,
}

fn record_view(r: &jiayuan_store::life::ServiceRecord) -> ServiceRecordView {
    ServiceRecordView {
        id: r.id,
        team_id: r.team_id,
        team_name: r.team_name.clone(),
        person_id: r.person_id,
        person_name: r.person_name.clone(),
        activity_id: r.activity_id,
        content: r.content.clone(),
        place: r.place.clone(),
        served_at: r.served_at,
        hours: jiayuan_domain::life::format_hours(r.minutes),
        status: r.status.clone(),
        recorded_at: r.recorded_at,
        decided_by: r.decided_by_name.clone(),
        decided_at: r.decided_at,
        reason: r.reason.clone(),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordParams {
    /// A team's id (empty: any)
    #[param(pattern = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$")]
    pub team: Option<String>,
    /// A volunteer's person id (empty: any)
    #[param(pattern = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$")]
    pub person: Option<String>,
    #[param(pattern = "^(recorded|confirmed|rejected)?$")]
    pub status: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub page_size: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ServiceRecordPageView {
    pub items: Vec<ServiceRecordView>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
}

/// Service records the caller may see: their own, and those of teams they organise.
#[utoipa::path(get, path = "/api/v1/volunteer-records", tag = "community life", params(RecordParams), responses((status = 200, body = ServiceRecordPageView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn api_service_records(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<RecordParams>,
) -> Result<Json<ServiceRecordPageView>, ApiError> {
    let lp = ListParams { page: p.page.clone(), page_size: p.page_size.clone(), ..Default::default() };
    let page = lp.page()?;
    let status = match p.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(code(s, "status", jiayuan_domain::life::RecordStatus::parse_field)?),
    };
    let id = |v: &Option<String>, field: &str| match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Uuid::parse_str(s).map(Some).map_err(|_| ApiError::invalid(field, "不是有效的编号 (not an id)")),
    };
    let f = jiayuan_store::life::RecordFilter { team: id(&p.team, "team")?, person: id(&p.person, "person")?, status };
    let rows = state.store.service_records(&auth.principal, &f, page).await?;
    Ok(Json(ServiceRecordPageView {
        items: rows.items.iter().map(record_view).collect(),
        page: rows.page,
        page_size: rows.page_size,
        total: rows.total,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecordBody {
    pub team: Uuid,
    /// Organisers writing for a member name them; a volunteer writes their own
    pub person_id: Option<Uuid>,
    pub activity_id: Option<Uuid>,
    #[schema(min_length = 2, max_length = 200, pattern = "\\S[\\s\\S]*\\S")]
    pub content: String,
    #[serde(default)]
    pub place: String,
    /// When the service began, Beijing time, YYYY-MM-DDTHH:MM
    pub served_at: String,
    /// Hours, such as "2" or "1.5" (at most 24)
    pub hours: String,
}

/// Writes down a piece of service; it counts once the organiser confirms it.
#[utoipa::path(post, path = "/api/v1/volunteer-records", tag = "community life", request_body = NewRecordBody, responses((status = 201, body = ServiceRecordView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_record_service(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewRecordBody>, JsonRejection>,
) -> Result<(StatusCode, Json<ServiceRecordView>), ApiError> {
    let b = json_body(body)?;
    // The team first: one that does not exist is 404 whatever else is wrong.
    state.store.team(b.team).await.map_err(|_| ApiError {
        field: Some("team".into()),
        message: "没有这支队伍 (no such team)".into(),
        ..ApiError::not_found()
    })?;
    let r = jiayuan_store::life::NewRecord {
        team: b.team,
        person_id: b.person_id,
        activity: b.activity_id,
        content: b.content,
        place: b.place,
        served_at: bj_minute("served_at", &b.served_at)?,
        minutes: jiayuan_domain::life::parse_hours("hours", &b.hours)?,
    };
    let row = state.store.record_service(&auth.audit_ctx(), &auth.principal, &r, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(record_view(&row))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `confirmed` or `rejected`
    #[schema(pattern = "^(confirmed|rejected)$")]
    pub status: String,
    /// Required when turning down
    #[serde(default)]
    pub reason: String,
}

/// Confirms a record's hours or turns it down: the team's organisers, never the volunteer.
#[utoipa::path(post, path = "/api/v1/volunteer-records/{id}/decision", tag = "community life", params(("id" = Uuid, Path)), request_body = DecisionBody, responses((status = 200, body = ServiceRecordView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_decide_record(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<DecisionBody>, JsonRejection>,
) -> Result<Json<ServiceRecordView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let to = code(&b.status, "status", jiayuan_domain::life::RecordStatus::parse_field)?;
    let row =
        state.store.decide_record(&auth.audit_ctx(), &auth.principal, id, to, &b.reason, state.clock.now()).await?;
    Ok(Json(record_view(&row)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CertificateView {
    pub person_id: Uuid,
    pub name: String,
    /// The ID number, masked
    pub id_number: String,
    /// Confirmed records only, oldest first
    pub records: Vec<ServiceRecordView>,
    pub total_hours: String,
}

/// A volunteer's service certificate: the person themselves, or staff whose scope holds them.
#[utoipa::path(get, path = "/api/v1/people/{id}/volunteer-certificate", tag = "community life", params(("id" = Uuid, Path)), responses((status = 200, body = CertificateView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_certificate(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CertificateView>, ApiError> {
    let c = state.store.certificate(&auth.principal, parse_id(&id)?).await?;
    Ok(Json(CertificateView {
        person_id: c.person_id,
        name: c.name.clone(),
        id_number: c.id_number_masked.clone(),
        records: c.records.iter().map(record_view).collect(),
        total_hours: jiayuan_domain::life::format_hours(c.total_minutes),
    }))
}
