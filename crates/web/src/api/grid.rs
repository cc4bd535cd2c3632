//! Grid work's API: the grids a worker walks, a grid's round (every household with when it is
//! due), visits (a round sent at once from a phone; a finding filed as an appeal), the people
//! who joined the grid, and the district's visit rules. Thin: the rules are
//! `jiayuan_domain::grid`, who may do what is the store's.

use super::*;
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use jiayuan_domain::grid::{Due, HelperKind, VisitRules};
use jiayuan_domain::person::PersonTag;
use jiayuan_store::grid::{GridRef, Helper, HouseholdOnRound, NewHelper, NewVisit, Visit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Serialize, utoipa::ToSchema)]
pub struct GridView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    /// Whether the caller is the grid's fixed worker
    pub mine: bool,
}

fn grid_view(g: &GridRef, auth: &Auth) -> GridView {
    GridView {
        id: g.id,
        code: g.code.clone(),
        name: g.name.clone(),
        mine: auth.principal.person_id.is_some() && auth.principal.person_id == g.worker_id,
    }
}

/// The grids the caller walks: the ones they are fixed to first.
#[utoipa::path(get, path = "/api/v1/my-grids", tag = "grid work", responses((status = 200, body = [GridView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_my_grids(auth: Auth, State(state): State<AppState>) -> Result<Json<Vec<GridView>>, ApiError> {
    let grids = state.store.my_grids(&auth.principal).await?;
    Ok(Json(grids.iter().map(|g| grid_view(g, &auth)).collect()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoundHouseholdView {
    pub id: Uuid,
    pub number: String,
    /// Building, entrance and dwelling
    pub label: String,
    /// The dwelling's code (where an appeal is filed)
    pub dwelling_code: String,
    /// Special-care tags: `living_alone`, `disabled`, `low_income`
    pub care: Vec<String>,
    /// Within how many days it is to be visited
    pub every_days: i64,
    pub last_visit: Option<String>,
    /// `never`, `overdue` or `due`
    pub status: String,
    /// Days late (overdue) or days left (due)
    pub days: i64,
}

pub(crate) fn household_view(h: &HouseholdOnRound) -> RoundHouseholdView {
    let (status, days) = match h.due {
        Due::Never => ("never", 0),
        Due::Overdue(d) => ("overdue", d),
        Due::In(d) => ("due", d),
    };
    RoundHouseholdView {
        id: h.id,
        number: h.number.clone(),
        label: h.label.clone(),
        dwelling_code: h.dwelling_code.clone(),
        care: h.care.iter().map(|t| t.as_str().to_string()).collect(),
        every_days: h.every_days,
        last_visit: h.last_visit.map(jiayuan_domain::time::iso),
        status: status.into(),
        days,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoundView {
    pub grid: GridView,
    pub period_days: i64,
    pub households: Vec<RoundHouseholdView>,
    /// Households visited within their frequency
    pub visited: usize,
    /// Households never visited or late
    pub unvisited: usize,
    /// Whether the caller may record visits here
    pub may_record: bool,
}

/// A grid's round: every household, the most urgent first (never visited, then the latest).
#[utoipa::path(get, path = "/api/v1/grids/{code}/round", tag = "grid work", params(("code" = String, Path)), responses((status = 200, body = RoundView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_round(
    auth: Auth,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<RoundView>, ApiError> {
    let r = state.store.round(&auth.principal, &code, state.clock.now()).await?;
    Ok(Json(RoundView {
        grid: grid_view(&r.grid, &auth),
        period_days: r.rules.period_days,
        visited: r.visited,
        unvisited: r.unvisited().count(),
        may_record: r.may_record,
        households: r.households.iter().map(household_view).collect(),
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VisitView {
    pub id: Uuid,
    pub household_id: Option<Uuid>,
    pub place_id: Option<Uuid>,
    pub visited_at: String,
    pub found: String,
    pub follow_up: String,
    /// The appeal the finding was filed as
    pub appeal_id: Option<Uuid>,
}

pub(crate) fn visit_view(v: &Visit) -> VisitView {
    VisitView {
        id: v.id,
        household_id: v.household_id,
        place_id: v.place_id,
        visited_at: jiayuan_domain::time::iso(v.visited_at),
        found: v.found.clone(),
        follow_up: v.follow_up.clone(),
        appeal_id: v.appeal_id,
    }
}

/// A grid's visits, the newest first (at most 100).
#[utoipa::path(get, path = "/api/v1/grids/{code}/visits", tag = "grid work", params(("code" = String, Path)), responses((status = 200, body = [VisitView]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_grid_visits(
    auth: Auth,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Vec<VisitView>>, ApiError> {
    let v = state.store.grid_visits(&auth.principal, &code, 100).await?;
    Ok(Json(v.iter().map(visit_view).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitBody {
    /// A household of the grid (or give `place`)
    #[serde(default)]
    pub household_id: Option<Uuid>,
    /// A place of the grid by code: a building, the compound's common parts (or give `household_id`)
    #[serde(default)]
    pub place: Option<String>,
    /// When (not ahead of now, at most 31 days back); now when not given
    #[serde(default)]
    pub visited_at: Option<DateTime<Utc>>,
    /// What was found
    #[serde(default)]
    pub found: String,
    /// What was done or is to be done about it
    #[serde(default)]
    pub follow_up: String,
    /// File what was found as an appeal of this category (channel `grid_patrol`)
    #[serde(default)]
    pub appeal_category: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitsBody {
    /// 1–500 visits, all checked before any is written
    pub visits: Vec<VisitBody>,
}

/// Records visits in a grid (a round sent at once from a phone): every one checked before any
/// is written; a finding with an appeal category is filed as an appeal of the place.
#[utoipa::path(post, path = "/api/v1/grids/{code}/visits", tag = "grid work", params(("code" = String, Path)), request_body = VisitsBody, responses((status = 201, body = [VisitView]), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_record_visits(
    auth: Auth,
    State(state): State<AppState>,
    Path(code): Path<String>,
    body: Result<Json<VisitsBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Vec<VisitView>>), ApiError> {
    let b = json_body(body)?;
    let visits: Vec<NewVisit> = b
        .visits
        .into_iter()
        .map(|v| NewVisit {
            household: v.household_id,
            place: v.place,
            visited_at: v.visited_at,
            found: v.found,
            follow_up: v.follow_up,
            appeal_category: v.appeal_category.map(|c| c.trim().to_string()).filter(|c| !c.is_empty()),
        })
        .collect();
    let saved =
        state.store.record_visits(&auth.audit_ctx(), &auth.principal, &code, &visits, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(saved.iter().map(visit_view).collect())))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HelperView {
    pub id: Uuid,
    pub person_id: Uuid,
    /// Masked
    pub name: String,
    /// `in_service_member`, `volunteer` or `new_employment`
    pub kind: String,
    #[schema(format = Date)]
    pub joined_on: String,
    pub note: String,
}

pub(crate) fn helper_view(h: &Helper) -> HelperView {
    HelperView {
        id: h.id,
        person_id: h.person_id,
        name: jiayuan_domain::names::mask_name(&h.name),
        kind: h.kind.clone(),
        joined_on: h.joined_on.to_string(),
        note: h.note.clone(),
    }
}

/// The people who joined a grid to help (融网入格).
#[utoipa::path(get, path = "/api/v1/grids/{code}/helpers", tag = "grid work", params(("code" = String, Path)), responses((status = 200, body = [HelperView]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_grid_helpers(
    auth: Auth,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Vec<HelperView>>, ApiError> {
    Ok(Json(state.store.grid_helpers(&auth.principal, &code).await?.iter().map(helper_view).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HelperBody {
    pub person_id: Uuid,
    #[schema(pattern = "^(in_service_member|volunteer|new_employment)$")]
    pub kind: String,
    #[schema(format = Date)]
    pub joined_on: String,
    #[serde(default)]
    pub note: String,
}

/// Records a resident who joined the grid to help (once per kind: 409).
#[utoipa::path(post, path = "/api/v1/grids/{code}/helpers", tag = "grid work", params(("code" = String, Path)), request_body = HelperBody, responses((status = 201, body = HelperView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_add_grid_helper(
    auth: Auth,
    State(state): State<AppState>,
    Path(code_): Path<String>,
    body: Result<Json<HelperBody>, JsonRejection>,
) -> Result<(StatusCode, Json<HelperView>), ApiError> {
    let b = json_body(body)?;
    let h = NewHelper {
        person: b.person_id,
        kind: code(&b.kind, "kind", HelperKind::parse_field)?,
        joined_on: NaiveDate::parse_from_str(b.joined_on.trim(), "%Y-%m-%d")
            .map_err(|_| ApiError::invalid("joined_on", "应为日期，如 2026-12-08 (YYYY-MM-DD)"))?,
        note: b.note,
    };
    let saved = state.store.add_grid_helper(&auth.audit_ctx(), &auth.principal, &code_, &h, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(helper_view(&saved))))
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitRulesBody {
    /// Every household is visited within this many days (1–366)
    #[serde(deserialize_with = "super::whole")]
    #[schema(value_type = i64, minimum = 1, maximum = 366)]
    pub period_days: i64,
    /// A special-care tag's own frequency in days: `living_alone`, `disabled`, `low_income`, …
    #[serde(default)]
    pub care: BTreeMap<String, i64>,
}

fn rules_body(r: &VisitRules) -> VisitRulesBody {
    VisitRulesBody {
        period_days: r.period_days,
        care: r.care.iter().map(|(t, d)| (t.as_str().to_string(), *d)).collect(),
    }
}

/// The district's visit rules.
#[utoipa::path(get, path = "/api/v1/grid-visit-rules", tag = "grid work", responses((status = 200, body = VisitRulesBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_visit_rules(auth: Auth, State(state): State<AppState>) -> Result<Json<VisitRulesBody>, ApiError> {
    auth.scope(jiayuan_domain::access::Permission::ViewTerritory)?;
    Ok(Json(rules_body(&state.store.visit_rules().await?)))
}

/// Sets the period and the special-care frequencies (district administrators).
#[utoipa::path(post, path = "/api/v1/grid-visit-rules", tag = "grid work", request_body = VisitRulesBody, responses((status = 200, body = VisitRulesBody), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_set_visit_rules(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<VisitRulesBody>, JsonRejection>,
) -> Result<Json<VisitRulesBody>, ApiError> {
    let b = json_body(body)?;
    let mut care = Vec::new();
    for (tag, days) in &b.care {
        let t = PersonTag::try_from(tag.clone())
            .map_err(|_| ApiError::invalid("care", format!("没有标签“{tag}” (no such tag)")))?;
        care.push((t, *days));
    }
    let r = VisitRules { period_days: b.period_days, care };
    let saved = state.store.set_visit_rules(&auth.audit_ctx(), &auth.principal, &r, state.clock.now()).await?;
    Ok(Json(rules_body(&saved)))
}

// --- grid party secretaries --------------------------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct FilingView {
    pub id: Uuid,
    pub grid: String,
    pub grid_name: String,
    pub person_id: Uuid,
    pub name: String,
    /// The day the subdistrict filed it
    #[schema(format = Date)]
    pub filed_on: String,
    #[schema(format = Date)]
    pub from_on: String,
    pub ended_on: Option<String>,
    pub note: String,
}

pub(crate) fn filing_view(f: &jiayuan_store::grid::Filing) -> FilingView {
    FilingView {
        id: f.id,
        grid: f.grid_code.clone(),
        grid_name: f.grid_name.clone(),
        person_id: f.person_id,
        name: f.name.clone(),
        filed_on: f.filed_on.to_string(),
        from_on: f.from_on.to_string(),
        ended_on: f.ended_on.map(|d| d.to_string()),
        note: f.note.clone(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SecretaryReportView {
    pub id: Uuid,
    pub filing_id: Uuid,
    /// `community` or `grid`
    pub audience: String,
    #[schema(format = Date)]
    pub held_on: String,
    pub title: String,
    pub summary: String,
    pub attendees: i64,
}

fn report_view(r: &jiayuan_store::grid::SecretaryReport) -> SecretaryReportView {
    SecretaryReportView {
        id: r.id,
        filing_id: r.filing_id,
        audience: r.audience.clone(),
        held_on: r.held_on.to_string(),
        title: r.title.clone(),
        summary: r.summary.clone(),
        attendees: r.attendees,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SecretaryScoreView {
    /// `subdistrict`, `community_org`, `party_members` or `residents`
    pub scorer_kind: String,
    pub scorer: String,
    /// Points, one decimal
    pub score: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SecretaryReviewView {
    pub id: Uuid,
    pub filing_id: Uuid,
    pub year: i64,
    #[schema(format = Date)]
    pub held_on: String,
    /// The mean of each kind of scorer's mean, one decimal
    pub total: String,
    /// `excellent` (from 90), `competent` (75), `basic` (60) or `failed`
    pub result: String,
    pub note: String,
    pub scores: Vec<SecretaryScoreView>,
}

fn review_view(r: &jiayuan_store::grid::Review, scores: &[jiayuan_store::grid::ReviewScore]) -> SecretaryReviewView {
    SecretaryReviewView {
        id: r.id,
        filing_id: r.filing_id,
        year: r.year,
        held_on: r.held_on.to_string(),
        total: jiayuan_domain::worker::show_score(r.total),
        result: r.result.clone(),
        note: r.note.clone(),
        scores: scores
            .iter()
            .map(|s| SecretaryScoreView {
                scorer_kind: s.scorer_kind.clone(),
                scorer: s.scorer.clone(),
                score: jiayuan_domain::worker::show_score(s.score),
            })
            .collect(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SecretaryRecordView {
    pub grid: String,
    pub grid_name: String,
    /// The current filing first
    pub filings: Vec<FilingView>,
    pub reports: Vec<SecretaryReportView>,
    pub reviews: Vec<SecretaryReviewView>,
}

fn record_view(r: &jiayuan_store::grid::SecretaryRecord) -> SecretaryRecordView {
    SecretaryRecordView {
        grid: r.grid_code.clone(),
        grid_name: r.grid_name.clone(),
        filings: r.filings.iter().map(filing_view).collect(),
        reports: r.reports.iter().map(report_view).collect(),
        reviews: r.reviews.iter().map(|(r, s)| review_view(r, s)).collect(),
    }
}

/// The grid party secretaries on file now, in the caller's scope.
#[utoipa::path(get, path = "/api/v1/grid-secretaries", tag = "grid work", responses((status = 200, body = [FilingView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_grid_secretaries(
    auth: Auth,
    State(state): State<AppState>,
) -> Result<Json<Vec<FilingView>>, ApiError> {
    Ok(Json(state.store.grid_secretaries(&auth.principal).await?.iter().map(filing_view).collect()))
}

/// A grid's secretary record: filings (the current first), reports and appraisals with scores.
#[utoipa::path(get, path = "/api/v1/grids/{code}/secretary", tag = "grid work", params(("code" = String, Path)), responses((status = 200, body = SecretaryRecordView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_secretary_record(
    auth: Auth,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<SecretaryRecordView>, ApiError> {
    Ok(Json(record_view(&state.store.secretary_record(&auth.principal, &code).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingBody {
    /// The secretary's resident record
    pub person_id: Uuid,
    /// The day the subdistrict filed it
    #[schema(format = Date)]
    pub filed_on: String,
    /// The day they serve from (the filing's day when not given)
    #[serde(default)]
    #[schema(format = Date)]
    pub from_on: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// Files the grid's party secretary with the subdistrict (备案); the current filing ends the day
/// before (409 when one from that day or later is on record).
#[utoipa::path(post, path = "/api/v1/grids/{code}/secretary", tag = "grid work", params(("code" = String, Path)), request_body = FilingBody, responses((status = 201, body = SecretaryRecordView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_file_secretary(
    auth: Auth,
    State(state): State<AppState>,
    Path(code): Path<String>,
    body: Result<Json<FilingBody>, JsonRejection>,
) -> Result<(StatusCode, Json<SecretaryRecordView>), ApiError> {
    let b = json_body(body)?;
    let filed_on = crate::api::day_of("filed_on", &b.filed_on)?;
    let from_on = match b.from_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => crate::api::day_of("from_on", d)?,
        None => filed_on,
    };
    let f = jiayuan_store::grid::NewFiling { person: b.person_id, filed_on, from_on, note: b.note };
    let r = state.store.file_secretary(&auth.audit_ctx(), &auth.principal, &code, &f, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(record_view(&r))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretaryReportBody {
    #[schema(pattern = "^(community|grid)$")]
    pub audience: String,
    #[schema(format = Date)]
    pub held_on: String,
    #[schema(min_length = 2, max_length = 100, pattern = "\\S[\\s\\S]*\\S")]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100000)]
    pub attendees: i64,
}

/// Records a secretary's report, on a day they served.
#[utoipa::path(post, path = "/api/v1/grid-secretary-filings/{id}/reports", tag = "grid work", params(("id" = String, Path)), request_body = SecretaryReportBody, responses((status = 201, body = SecretaryReportView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_report_secretary(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<SecretaryReportBody>, JsonRejection>,
) -> Result<(StatusCode, Json<SecretaryReportView>), ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let r = jiayuan_store::grid::NewReport {
        audience: jiayuan_domain::secretary::Audience::parse_field(&b.audience, "audience")?,
        held_on: crate::api::day_of("held_on", &b.held_on)?,
        title: b.title,
        summary: b.summary,
        attendees: b.attendees,
    };
    let saved = state.store.report_secretary(&auth.audit_ctx(), &auth.principal, id, &r, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(report_view(&saved))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretaryScoreBody {
    #[schema(pattern = "^(subdistrict|community_org|party_members|residents)$")]
    pub scorer_kind: String,
    /// Who scored (a name or a seat: 居民代表3)
    pub scorer: String,
    /// 0–100, one decimal, as text
    pub score: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretaryReviewBody {
    #[schema(minimum = 1990, maximum = 2100)]
    pub year: i64,
    #[schema(format = Date)]
    pub held_on: String,
    #[serde(default)]
    pub note: String,
    /// 1–200 scores, each scorer once per kind
    pub scores: Vec<SecretaryScoreBody>,
}

/// Records an appraisal (述职评议) with every score; the total (each kind of scorer weighing the
/// same) and its result are computed. Once a year per filing (409).
#[utoipa::path(post, path = "/api/v1/grid-secretary-filings/{id}/reviews", tag = "grid work", params(("id" = String, Path)), request_body = SecretaryReviewBody, responses((status = 201, body = SecretaryReviewView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_review_secretary(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<SecretaryReviewBody>, JsonRejection>,
) -> Result<(StatusCode, Json<SecretaryReviewView>), ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let mut scores = Vec::with_capacity(b.scores.len());
    for (i, s) in b.scores.into_iter().enumerate() {
        let field = format!("scores[{i}]");
        scores.push((
            jiayuan_domain::secretary::ScorerKind::parse_field(&s.scorer_kind, &field)?,
            s.scorer,
            jiayuan_domain::secretary::score(&s.score, &field)?,
        ));
    }
    let r = jiayuan_store::grid::NewReview {
        year: b.year,
        held_on: crate::api::day_of("held_on", &b.held_on)?,
        note: b.note,
        scores,
    };
    let (saved, scores) =
        state.store.review_secretary(&auth.audit_ctx(), &auth.principal, id, &r, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(review_view(&saved, &scores))))
}
