//! Community life's API beyond registration: what an activity came to (status, report, a
//! fair's stalls, photos), each community's activity calendar, social organisations' adoptions
//! and venture projects, golden solutions with their rubric, reviews and adoptions, and the
//! figures. Thin: the rules and who may do what are the store's and the domain's.

use super::activities::territory_named;
use super::*;
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use jiayuan_domain::life::{ActivityStatus, ProjectStatus, StallKind};
use jiayuan_domain::time::from_beijing;
use jiayuan_store::life::{NewProject, NewSolution, NewStall, ProjectFilter, SolutionFilter};
use jiayuan_store::subtree::Subtree;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityStatusBody {
    /// `open`, `closed` (registration closed), `cancelled` or `done`
    #[schema(pattern = "^(open|closed|cancelled|done)$")]
    pub status: String,
}

/// Moves an activity on: registration closed or reopened, called off, or held.
#[utoipa::path(post, path = "/api/v1/activities/{id}/status", tag = "community life", params(("id" = Uuid, Path)), request_body = ActivityStatusBody, responses((status = 200, body = ActivityView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_activity_status(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ActivityStatusBody>, JsonRejection>,
) -> Result<Json<ActivityView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let to = code(&b.status, "status", ActivityStatus::parse_field)?;
    let a = state.store.set_activity_status(&auth.audit_ctx(), &auth.principal, id, to, state.clock.now()).await?;
    Ok(Json(activity_view(&a)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    /// What happened, 2–2000 characters
    #[schema(min_length = 2, max_length = 2000, pattern = "\\S[\\s\\S]*\\S")]
    pub report: String,
    /// People served without names (a fair's visitors)
    #[serde(default, deserialize_with = "super::whole_opt")]
    #[schema(value_type = Option<u32>, minimum = 0, maximum = 1000000)]
    pub unnamed_beneficiaries: Option<i64>,
}

fn count_field(field: &str, v: Option<i64>) -> Result<u32, ApiError> {
    u32::try_from(v.unwrap_or(0))
        .ok()
        .filter(|n| *n <= jiayuan_store::life::MAX_SERVED)
        .ok_or_else(|| ApiError::invalid(field, "应为0到1000000的整数 (a whole number, 0–1000000)"))
}

/// The short report afterwards; marks the activity held.
#[utoipa::path(post, path = "/api/v1/activities/{id}/report", tag = "community life", params(("id" = Uuid, Path)), request_body = ReportBody, responses((status = 200, body = ActivityView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_activity_report(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ReportBody>, JsonRejection>,
) -> Result<Json<ActivityView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let unnamed = count_field("unnamed_beneficiaries", b.unnamed_beneficiaries)?;
    let a = state
        .store
        .report_activity(&auth.audit_ctx(), &auth.principal, id, &b.report, unnamed, state.clock.now())
        .await?;
    Ok(Json(activity_view(&a)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StallView {
    pub id: Uuid,
    /// `policy`, `goods`, `repair`, `health`, `legal` (the five) or `extra`
    pub kind: String,
    /// The kind's name, or what an extra stall offers
    pub label: String,
    pub provider: String,
    pub served: i64,
}

fn stall_view(s: &jiayuan_store::life::Stall) -> StallView {
    StallView { id: s.id, kind: s.kind.clone(), label: s.label(), provider: s.provider.clone(), served: s.served }
}

/// A fair's stalls, the five first.
#[utoipa::path(get, path = "/api/v1/activities/{id}/stalls", tag = "community life", params(("id" = Uuid, Path)), responses((status = 200, body = [StallView]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_stalls(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<StallView>>, ApiError> {
    let a = state.store.activity_for(&auth.principal, parse_id(&id)?).await?;
    Ok(Json(state.store.stalls(a.id).await?.iter().map(stall_view).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StallBody {
    #[schema(pattern = "^(policy|goods|repair|health|legal|extra)$")]
    pub kind: String,
    /// What an extra stall offers (required for `extra`)
    #[serde(default)]
    pub name: String,
    /// Who runs it, 2–60 characters
    #[schema(min_length = 2, max_length = 60, pattern = "\\S[\\s\\S]*\\S")]
    pub provider: String,
    #[serde(default, deserialize_with = "super::whole_opt")]
    #[schema(value_type = Option<u32>, minimum = 0, maximum = 1000000)]
    pub served: Option<i64>,
}

/// Adds a stall to a fair.
#[utoipa::path(post, path = "/api/v1/activities/{id}/stalls", tag = "community life", params(("id" = Uuid, Path)), request_body = StallBody, responses((status = 201, body = StallView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_add_stall(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<StallBody>, JsonRejection>,
) -> Result<(StatusCode, Json<StallView>), ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let ns = NewStall {
        kind: code(&b.kind, "kind", StallKind::parse_field)?,
        name: b.name,
        provider: b.provider,
        served: count_field("served", b.served)?,
    };
    let s = state.store.add_stall(&auth.audit_ctx(), &auth.principal, id, &ns, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(stall_view(&s))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServedBody {
    #[serde(deserialize_with = "super::whole")]
    #[schema(value_type = u32, minimum = 0, maximum = 1000000)]
    pub served: i64,
}

/// Sets how many people a stall served.
#[utoipa::path(post, path = "/api/v1/activities/{id}/stalls/{stall}/served", tag = "community life", params(("id" = Uuid, Path), ("stall" = Uuid, Path)), request_body = ServedBody, responses((status = 200, body = StallView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_stall_served(
    auth: Auth,
    State(state): State<AppState>,
    Path((id, stall)): Path<(String, String)>,
    body: Result<Json<ServedBody>, JsonRejection>,
) -> Result<Json<StallView>, ApiError> {
    let (id, stall) = (parse_id(&id)?, parse_id(&stall)?);
    let b = json_body(body)?;
    let served = count_field("served", Some(b.served))?;
    let s = state.store.set_stall_served(&auth.audit_ctx(), &auth.principal, id, stall, served).await?;
    Ok(Json(stall_view(&s)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityPhotoView {
    pub id: Uuid,
    pub url: String,
}

/// Adds a photo of an activity: the raw image as the body (JPEG, PNG or WebP, at most 8 MiB).
#[utoipa::path(post, path = "/api/v1/activities/{id}/photos", tag = "community life", params(("id" = Uuid, Path)), request_body(content = Vec<u8>, content_type = "image/jpeg"), responses((status = 201, body = ActivityPhotoView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
pub async fn api_add_activity_photo(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<ActivityPhotoView>), ApiError> {
    let id = parse_id(&id)?;
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let photo = save_activity_photo(&state, &auth, id, declared, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(ActivityPhotoView { id: photo, url: format!("/api/v1/activities/{id}/photos/{photo}") }),
    ))
}

/// Checks the activity, who asks and the image before anything is written, then keeps both.
pub(crate) async fn save_activity_photo(
    state: &AppState,
    auth: &Auth,
    activity: Uuid,
    declared: &str,
    body: &[u8],
) -> Result<Uuid, ApiError> {
    let a = state.store.activity_for(&auth.principal, activity).await?;
    if !jiayuan_store::life::runs_at(&auth.principal, &a.path) {
        return Err(ApiError::forbidden(jiayuan_domain::access::Permission::RunActivities));
    }
    if state.store.activity_photos(activity).await?.len() >= jiayuan_store::life::MAX_PHOTOS {
        return Err(ApiError::invalid("photo", "每次活动最多20张照片 (at most 20 photos)"));
    }
    let img = crate::media::checked_image("photo", declared, body)?;
    crate::media::save(state, "activities", &img).await?;
    state
        .store
        .add_activity_photo(
            &auth.audit_ctx(),
            &auth.principal,
            activity,
            (img.id, img.content_type, img.size, &img.sha256),
            state.clock.now(),
        )
        .await?;
    Ok(img.id)
}

/// An activity's photo, to whoever may see the activity.
#[utoipa::path(get, path = "/api/v1/activities/{id}/photos/{photo}", tag = "community life", params(("id" = Uuid, Path), ("photo" = Uuid, Path)), responses((status = 200, description = "The image", content_type = "image/*"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_activity_photo(
    auth: Auth,
    State(state): State<AppState>,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (id, photo) = (parse_id(&id)?, parse_id(&photo)?);
    let content_type = state.store.activity_photo(&auth.principal, id, photo).await?;
    let bytes = crate::media::read(&state, "activities", photo).await?;
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "private, max-age=3600".to_string())], bytes)
        .into_response())
}

/// A community's public activities as an iCalendar feed, which a phone's calendar can
/// subscribe to without signing in.
#[utoipa::path(get, path = "/api/v1/territories/{code}/activities.ics", tag = "community life", security(()), params(("code" = String, Path)), responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_activities_ics(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response, ApiError> {
    let body = state.store.community_ical(&code, state.clock.now()).await?;
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], body).into_response())
}

// --- social organisations ---------------------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct AdoptionView {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub territory_id: Uuid,
    pub territory_name: String,
    /// The grid joined; empty when the whole community is adopted
    pub grid_code: String,
    pub grid_name: String,
    #[schema(format = Date)]
    pub starts_on: String,
    #[schema(format = Date)]
    pub ends_on: Option<String>,
}

fn adoption_view(a: &jiayuan_store::life::Adoption) -> AdoptionView {
    AdoptionView {
        id: a.id,
        organisation_id: a.organisation_id,
        organisation_name: a.organisation_name.clone(),
        territory_id: a.territory_id,
        territory_name: a.territory_name.clone(),
        grid_code: a.grid_code.clone(),
        grid_name: a.grid_name.clone(),
        starts_on: a.starts_on.to_string(),
        ends_on: a.ends_on.map(|d| d.to_string()),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LifeWithinParams {
    /// Territory code or id: only that subtree
    pub within: Option<String>,
}

async fn within_of(state: &AppState, w: &Option<String>) -> Result<Option<Subtree>, ApiError> {
    match w.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(c) => Ok(Some(Subtree::of(&territory_named(state, c, "within").await?.path))),
    }
}

/// Social organisations adopting communities and joining grids, within what the caller sees.
#[utoipa::path(get, path = "/api/v1/org-adoptions", tag = "community life", params(LifeWithinParams), responses((status = 200, body = [AdoptionView]), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_adoptions(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<LifeWithinParams>,
) -> Result<Json<Vec<AdoptionView>>, ApiError> {
    let scope = auth.scope(jiayuan_domain::access::Permission::ViewOrganisations)?;
    let within = within_of(&state, &p.within).await?;
    let rows = state.store.adoptions(within.as_ref()).await?;
    Ok(Json(rows.iter().filter(|a| scope.covers_path(&a.path)).map(adoption_view).collect()))
}

fn date_field(field: &str, s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, "应为日期，如 2026-12-08 (YYYY-MM-DD)"))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptionBody {
    /// The social organisation's code
    pub organisation: String,
    /// A community's code, or one of its grids' codes
    pub territory: String,
    #[schema(format = Date)]
    pub starts_on: String,
    #[schema(format = Date)]
    pub ends_on: Option<String>,
}

/// Records a social organisation adopting a community (包社区) or joining a grid (联网格).
#[utoipa::path(post, path = "/api/v1/org-adoptions", tag = "community life", request_body = AdoptionBody, responses((status = 201, body = AdoptionView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_adopt(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<AdoptionBody>, JsonRejection>,
) -> Result<(StatusCode, Json<AdoptionView>), ApiError> {
    let b = json_body(body)?;
    let starts = date_field("starts_on", &b.starts_on)?;
    let ends = b.ends_on.as_deref().map(|e| date_field("ends_on", e)).transpose()?;
    let a = state
        .store
        .adopt(&auth.audit_ctx(), &auth.principal, &b.organisation, &b.territory, starts, ends, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(adoption_view(&a))))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub territory_id: Uuid,
    pub territory_name: String,
    pub title: String,
    pub summary: String,
    /// In fen (1/100 yuan)
    pub budget_fen: i64,
    /// `applied`, `approved`, `running`, `closed` or `evaluated`
    pub status: String,
    pub status_name: String,
    /// 0–100, once evaluated
    pub score: Option<i64>,
    pub evaluation: String,
    pub applied_at: DateTime<Utc>,
    pub activities: i64,
    pub beneficiaries: i64,
}

fn project_view(p: &jiayuan_store::life::Project) -> ProjectView {
    ProjectView {
        id: p.id,
        organisation_id: p.organisation_id,
        organisation_name: p.organisation_name.clone(),
        territory_id: p.territory_id,
        territory_name: p.territory_name.clone(),
        title: p.title.clone(),
        summary: p.summary.clone(),
        budget_fen: p.budget_fen,
        status: p.status.as_str().into(),
        status_name: p.status.label_zh().into(),
        score: p.score,
        evaluation: p.evaluation.clone(),
        applied_at: p.applied_at,
        activities: p.activities,
        beneficiaries: p.beneficiaries,
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectParams {
    /// Territory code or id: only that subtree
    pub within: Option<String>,
    #[param(pattern = "^(applied|approved|running|closed|evaluated)?$")]
    pub status: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub page_size: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProjectPageView {
    pub items: Vec<ProjectView>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
}

/// Venture projects where the caller runs activities or reviews, the newest first.
#[utoipa::path(get, path = "/api/v1/venture-projects", tag = "community life", params(ProjectParams), responses((status = 200, body = ProjectPageView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_projects(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<ProjectParams>,
) -> Result<Json<ProjectPageView>, ApiError> {
    let lp = ListParams { page: p.page.clone(), page_size: p.page_size.clone(), ..Default::default() };
    let page = lp.page()?;
    let status = match p.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(code(s, "status", ProjectStatus::parse_field)?),
    };
    let f = ProjectFilter { within: within_of(&state, &p.within).await?, status, organisation: None };
    let rows = state.store.projects_for(&auth.principal, &f, page).await?;
    Ok(Json(ProjectPageView {
        items: rows.items.iter().map(project_view).collect(),
        page: rows.page,
        page_size: rows.page_size,
        total: rows.total,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectBody {
    /// The social organisation's code
    pub organisation: String,
    /// Where it runs: a territory code
    pub territory: String,
    #[schema(min_length = 2, max_length = 60, pattern = "\\S[\\s\\S]*\\S")]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// In fen (1/100 yuan), more than 0
    #[serde(deserialize_with = "super::whole")]
    #[schema(value_type = u64, minimum = 1, maximum = 1000000000)]
    pub budget_fen: i64,
}

/// Applies for a venture project.
#[utoipa::path(post, path = "/api/v1/venture-projects", tag = "community life", request_body = ProjectBody, responses((status = 201, body = ProjectView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_apply_project(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<ProjectBody>, JsonRejection>,
) -> Result<(StatusCode, Json<ProjectView>), ApiError> {
    let b = json_body(body)?;
    let np = NewProject {
        organisation: b.organisation,
        territory: b.territory,
        title: b.title,
        summary: b.summary,
        budget_fen: b.budget_fen,
    };
    let p = state.store.apply_project(&auth.audit_ctx(), &auth.principal, &np, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(project_view(&p))))
}

/// One venture project.
#[utoipa::path(get, path = "/api/v1/venture-projects/{id}", tag = "community life", params(("id" = Uuid, Path)), responses((status = 200, body = ProjectView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_project(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ProjectView>, ApiError> {
    Ok(Json(project_view(&state.store.project_for(&auth.principal, parse_id(&id)?).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectStatusBody {
    /// The next status: `approved`, `running`, `closed` or `evaluated`
    #[schema(pattern = "^(approved|running|closed|evaluated)$")]
    pub status: String,
    /// 0–100, when evaluating
    #[serde(default, deserialize_with = "super::whole_opt")]
    #[schema(value_type = Option<u32>, minimum = 0, maximum = 100)]
    pub score: Option<i64>,
    /// A few words, when evaluating
    #[serde(default)]
    pub evaluation: String,
}

/// Moves a project to its next status (approving and evaluating: reviewers).
#[utoipa::path(post, path = "/api/v1/venture-projects/{id}/status", tag = "community life", params(("id" = Uuid, Path)), request_body = ProjectStatusBody, responses((status = 200, body = ProjectView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_project_status(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ProjectStatusBody>, JsonRejection>,
) -> Result<Json<ProjectView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let to = code(&b.status, "status", ProjectStatus::parse_field)?;
    let p = state
        .store
        .advance_project(&auth.audit_ctx(), &auth.principal, id, to, b.score, &b.evaluation, state.clock.now())
        .await?;
    Ok(Json(project_view(&p)))
}

// --- golden solutions -----------------------------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct CriterionView {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub max_points: i64,
}

/// The golden-solution rubric.
#[utoipa::path(get, path = "/api/v1/golden-rubric", tag = "community life", responses((status = 200, body = [CriterionView])))]
pub async fn api_rubric(_auth: Auth, State(state): State<AppState>) -> Result<Json<Vec<CriterionView>>, ApiError> {
    Ok(Json(
        state
            .store
            .rubric()
            .await?
            .into_iter()
            .map(|c| CriterionView { code: c.code, name: c.name, name_en: c.name_en, max_points: c.max_points })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SolutionView {
    pub id: Uuid,
    pub territory_id: Uuid,
    pub territory_name: String,
    pub org_name: String,
    pub title: String,
    pub theme: String,
    pub problem: String,
    pub method: String,
    pub results: String,
    /// `submitted`, `reviewed`, `promoted` or `declined`
    pub status: String,
    pub status_name: String,
    pub subdistrict_score: Option<i64>,
    pub district_score: Option<i64>,
    pub submitted_at: DateTime<Utc>,
    pub promoted_at: Option<DateTime<Utc>>,
    /// Communities that took it up
    pub adoptions: i64,
}

fn solution_view(s: &jiayuan_store::life::Solution) -> SolutionView {
    SolutionView {
        id: s.id,
        territory_id: s.territory_id,
        territory_name: s.territory_name.clone(),
        org_name: s.org_name.clone(),
        title: s.title.clone(),
        theme: s.theme.clone(),
        problem: s.problem.clone(),
        method: s.method.clone(),
        results: s.results.clone(),
        status: s.status().as_str().into(),
        status_name: s.status().label_zh().into(),
        subdistrict_score: s.subdistrict_score,
        district_score: s.district_score,
        submitted_at: s.submitted_at,
        promoted_at: s.promoted_at,
        adoptions: s.adoptions,
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SolutionParams {
    /// `true`: the library (promoted solutions from anywhere)
    #[param(pattern = "^(true|false|1|0|on)?$")]
    pub library: Option<String>,
    /// Territory code or id: only that subtree
    pub within: Option<String>,
    #[param(pattern = "^(submitted|reviewed|promoted|declined)?$")]
    pub status: Option<String>,
    pub theme: Option<String>,
    /// Words in the title, problem or method
    pub q: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub page_size: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SolutionPageView {
    pub items: Vec<SolutionView>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
}

/// Golden solutions: the library, or those where the caller runs activities or reviews.
#[utoipa::path(get, path = "/api/v1/golden-solutions", tag = "community life", params(SolutionParams), responses((status = 200, body = SolutionPageView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_solutions(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<SolutionParams>,
) -> Result<Json<SolutionPageView>, ApiError> {
    let lp = ListParams { page: p.page.clone(), page_size: p.page_size.clone(), ..Default::default() };
    let page = lp.page()?;
    let status = match p.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(code(s, "status", jiayuan_domain::life::GoldenStatus::parse_field)?),
    };
    let f = SolutionFilter {
        within: within_of(&state, &p.within).await?,
        status,
        theme: p.theme.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()),
        q: p.q,
        library: flag(&p.library, "library")?,
    };
    let rows = state.store.solutions_for(&auth.principal, &f, page).await?;
    Ok(Json(SolutionPageView {
        items: rows.items.iter().map(solution_view).collect(),
        page: rows.page,
        page_size: rows.page_size,
        total: rows.total,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SolutionBody {
    /// The community's territory code
    pub territory: String,
    /// The party organisation that led it
    #[schema(min_length = 2, max_length = 60, pattern = "\\S[\\s\\S]*\\S")]
    pub org_name: String,
    #[schema(min_length = 2, max_length = 60, pattern = "\\S[\\s\\S]*\\S")]
    pub title: String,
    #[schema(min_length = 2, max_length = 20, pattern = "\\S[\\s\\S]*\\S")]
    pub theme: String,
    #[schema(min_length = 5, max_length = 2000, pattern = "\\S[\\s\\S]{3,}\\S")]
    pub problem: String,
    #[schema(min_length = 5, max_length = 4000, pattern = "\\S[\\s\\S]{3,}\\S")]
    pub method: String,
    #[schema(min_length = 5, max_length = 2000, pattern = "\\S[\\s\\S]{3,}\\S")]
    pub results: String,
}

/// Submits a community's golden solution.
#[utoipa::path(post, path = "/api/v1/golden-solutions", tag = "community life", request_body = SolutionBody, responses((status = 201, body = SolutionView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_submit_solution(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<SolutionBody>, JsonRejection>,
) -> Result<(StatusCode, Json<SolutionView>), ApiError> {
    let b = json_body(body)?;
    let ns = NewSolution {
        territory: b.territory,
        org_name: b.org_name,
        title: b.title,
        theme: b.theme,
        problem: b.problem,
        method: b.method,
        results: b.results,
    };
    let s = state.store.submit_solution(&auth.audit_ctx(), &auth.principal, &ns, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(solution_view(&s))))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    /// `subdistrict` or `district`
    pub level: String,
    pub scores: BTreeMap<String, i64>,
    pub total: i64,
    pub comment: String,
    pub reviewer_name: String,
    pub reviewed_at: DateTime<Utc>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SolutionAdoptionView {
    pub id: Uuid,
    pub territory_id: Uuid,
    pub territory_name: String,
    pub note: String,
    pub adopted_at: DateTime<Utc>,
}

fn solution_adoption_view(a: &jiayuan_store::life::SolutionAdoption) -> SolutionAdoptionView {
    SolutionAdoptionView {
        id: a.id,
        territory_id: a.territory_id,
        territory_name: a.territory_name.clone(),
        note: a.note.clone(),
        adopted_at: a.adopted_at,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SolutionDetailView {
    pub solution: SolutionView,
    pub reviews: Vec<ReviewView>,
    pub adopted_by: Vec<SolutionAdoptionView>,
}

/// One golden solution with its reviews and the communities that adopted it.
#[utoipa::path(get, path = "/api/v1/golden-solutions/{id}", tag = "community life", params(("id" = Uuid, Path)), responses((status = 200, body = SolutionDetailView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_solution(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SolutionDetailView>, ApiError> {
    let s = state.store.solution_for(&auth.principal, parse_id(&id)?).await?;
    let reviews = state.store.solution_reviews(s.id).await?;
    let adoptions = state.store.solution_adoptions(s.id).await?;
    Ok(Json(SolutionDetailView {
        solution: solution_view(&s),
        reviews: reviews
            .into_iter()
            .map(|r| ReviewView {
                level: r.level.as_str().into(),
                scores: r.scores.into_iter().collect(),
                total: r.total,
                comment: r.comment,
                reviewer_name: r.reviewer_name,
                reviewed_at: r.reviewed_at,
            })
            .collect(),
        adopted_by: adoptions.iter().map(solution_adoption_view).collect(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// Points per criterion of the rubric, every criterion scored: `{"problem": 18, …}`
    #[schema(value_type = BTreeMap<String, u32>)]
    pub scores: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub comment: String,
}

/// Scores a solution at the level it waits for (subdistrict, then district, which promotes it
/// or not).
#[utoipa::path(post, path = "/api/v1/golden-solutions/{id}/reviews", tag = "community life", params(("id" = Uuid, Path)), request_body = ReviewBody, responses((status = 200, body = SolutionView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_review_solution(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ReviewBody>, JsonRejection>,
) -> Result<Json<SolutionView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let mut scores = Vec::new();
    for (k, v) in b.scores {
        let n = v
            .as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e9).map(|f| f as i64))
            .ok_or_else(|| ApiError::invalid("scores", format!("“{k}”应为整数分 (whole points)")))?;
        scores.push((k, n));
    }
    let s = state
        .store
        .review_solution(&auth.audit_ctx(), &auth.principal, id, &scores, &b.comment, state.clock.now())
        .await?;
    Ok(Json(solution_view(&s)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SolutionAdoptBody {
    /// The adopting community's territory code
    pub territory: String,
    #[serde(default)]
    pub note: String,
}

/// Records a community taking up a promoted solution.
#[utoipa::path(post, path = "/api/v1/golden-solutions/{id}/adoptions", tag = "community life", params(("id" = Uuid, Path)), request_body = SolutionAdoptBody, responses((status = 201, body = SolutionAdoptionView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_adopt_solution(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<SolutionAdoptBody>, JsonRejection>,
) -> Result<(StatusCode, Json<SolutionAdoptionView>), ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let a = state
        .store
        .adopt_solution(&auth.audit_ctx(), &auth.principal, id, &b.territory, &b.note, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(solution_adoption_view(&a))))
}

// --- figures -------------------------------------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct LifeFiguresView {
    pub activities: i64,
    pub beneficiaries: i64,
    /// Confirmed only, whole hours
    pub volunteer_hours: i64,
    pub volunteer_minutes: i64,
    pub venture_projects: i64,
    pub golden_solutions: i64,
    pub golden_solutions_promoted: i64,
    pub training_sessions: i64,
    pub trainees: i64,
}

impl From<jiayuan_store::life::figures::LifeFigures> for LifeFiguresView {
    fn from(f: jiayuan_store::life::figures::LifeFigures) -> Self {
        Self {
            activities: f.activities,
            beneficiaries: f.beneficiaries,
            volunteer_hours: f.volunteer_hours,
            volunteer_minutes: f.volunteer_minutes,
            venture_projects: f.venture_projects,
            golden_solutions: f.golden_solutions,
            golden_solutions_promoted: f.golden_solutions_promoted,
            training_sessions: f.training_sessions,
            trainees: f.trainees,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LifeFigureParams {
    /// Territory code or id (default: the caller's own scope, or the district)
    pub within: Option<String>,
    /// First day, inclusive (default: 1 January this year)
    #[param(schema_with = super::date_or_empty)]
    pub from: Option<String>,
    /// Last day, inclusive (default: today)
    #[param(schema_with = super::date_or_empty)]
    pub to: Option<String>,
}

/// The first and last Beijing day of a period as instants: [from 00:00, the day after `to`).
pub(crate) fn period(from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (from_beijing(from.and_time(NaiveTime::MIN)), from_beijing(to.succ_opt().unwrap_or(to).and_time(NaiveTime::MIN)))
}

/// Community life's figures for a place and period (see the README for what each counts).
#[utoipa::path(get, path = "/api/v1/life-figures", tag = "community life", params(LifeFigureParams), responses((status = 200, body = LifeFiguresView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_life_figures(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<LifeFigureParams>,
) -> Result<Json<LifeFiguresView>, ApiError> {
    let scope = auth.scope(jiayuan_domain::access::Permission::ViewTerritory)?;
    let within = match within_of(&state, &p.within).await? {
        Some(w) if scope.covers_path(&w.path) => w,
        Some(_) => return Err(ApiError::not_found()),
        None => scope.single().cloned().unwrap_or_else(|| Subtree::of("/")),
    };
    if !scope.covers_path(&within.path) {
        return Err(ApiError::invalid("within", "请指定范围内的区域 (name a place in your scope)"));
    }
    let today = jiayuan_domain::time::beijing(state.clock.now()).date();
    let day = |field: &str, v: &Option<String>, default: NaiveDate| match v.as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(d) => date_field(field, d),
    };
    let to = day("to", &p.to, today)?;
    let from = day("from", &p.from, NaiveDate::from_ymd_opt(chrono::Datelike::year(&to), 1, 1).unwrap_or(to))?;
    if from > to {
        return Err(ApiError::invalid("from", "开始日期晚于结束日期 (after the last day)"));
    }
    let (start, end) = period(from, to);
    Ok(Json(state.store.life_figures(&within, start, end).await?.into()))
}
