//! The work report over the API: the figures' definitions, a territory's report for a year
//! (the object of `jiayuan report --format json`), and the records behind one figure.

use super::*;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use jiayuan_domain::work_report as wr;
use jiayuan_store::work_report::FigureRecord;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What one figure of the report counts.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FigureDefinitionView {
    pub key: String,
    /// appeals, organisation, grid, property, service, self_governance or support
    pub section: String,
    pub name: String,
    pub name_en: String,
    pub definition: String,
    pub definition_en: String,
    /// count, fen or rate (a percentage with one decimal)
    pub unit: String,
    /// standing (as things are when the report is drawn) or year (what happened in it)
    pub span: String,
    /// The seed report's own figure, as it writes it (`2,100+`), when it has one.
    pub seed: Option<String>,
}

/// The figures of the work report and what each counts, in the report's order.
#[utoipa::path(get, path = "/api/v1/report-figures", tag = "reports", responses((status = 200, body = [FigureDefinitionView]), (status = 401, body = crate::error::ErrorBody)))]
pub async fn api_report_figures(_auth: Auth) -> Json<Vec<FigureDefinitionView>> {
    Json(
        wr::FIGURES
            .iter()
            .map(|f| FigureDefinitionView {
                key: f.key.into(),
                section: f.section.as_str().into(),
                name: f.name_zh.into(),
                name_en: f.name_en.into(),
                definition: f.definition_zh.into(),
                definition_en: f.definition_en.into(),
                unit: serde_json::to_value(f.unit).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
                span: serde_json::to_value(f.span).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
                seed: f.seed.map(|s| s.label(f.unit)),
            })
            .collect(),
    )
}

fn year_of(s: &str) -> Result<i32, ApiError> {
    s.trim().parse::<i32>().ok().filter(|y| jiayuan_store::work_report::YEARS.contains(y)).ok_or_else(|| {
        ApiError::invalid("year", format!("年份“{}”应为2000到2100之间的四位数 (a year from 2000 to 2100)", s.trim()))
    })
}

/// The work report of a district, subdistrict or community for a calendar year: one object
/// with `territory`, `territory_name`, `year`, every figure's key (see `/api/v1/report-figures`)
/// with this year's value, and `last_year` with last year's.
#[utoipa::path(get, path = "/api/v1/reports/{code}/{year}", tag = "reports", params(("code" = String, Path, description = "Territory code"), ("year" = u32, Path, minimum = 2000, maximum = 2100)), responses((status = 200, body = Object), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_report(
    auth: Auth,
    State(state): State<AppState>,
    Path((code, year)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let year = year_of(&year)?;
    let r = state.store.work_report(&auth.principal, &code, year).await.map_err(|e| territory_missing(e, &code))?;
    Ok(Json(crate::work_report::to_json(&r)))
}

fn territory_missing(e: jiayuan_store::StoreError, code: &str) -> ApiError {
    match e {
        jiayuan_store::StoreError::NotFound => ApiError {
            field: Some("code".into()),
            message: format!("区域“{}”不存在 (no such territory)", code.trim()),
            ..ApiError::not_found()
        },
        other => other.into(),
    }
}

/// One record behind a figure.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FigureRecordView {
    /// appeal, activity, topic, decision, solution, project, ticket, consultation, territory,
    /// organisation, worker, catalogue_entry or fund_entry
    pub kind: String,
    pub id: Option<Uuid>,
    pub code: String,
    pub title: String,
    /// The name of the place it belongs to
    pub place: String,
    /// What it adds to the figure (1, or the people an activity served, or fen)
    pub weight: i64,
    /// When it happened (an instant), or on which day
    pub at: Option<String>,
    pub day: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FigureRecordsView {
    pub key: String,
    pub territory: String,
    pub year: i32,
    pub total_records: i64,
    /// What the records add up to: the figure itself
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
    pub records: Vec<FigureRecordView>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct FigureRecordParams {
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub page_size: Option<String>,
}

fn record_view(r: &FigureRecord) -> FigureRecordView {
    FigureRecordView {
        kind: serde_json::to_value(r.kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
        id: r.id,
        code: r.code.clone(),
        title: r.title.clone(),
        place: r.place.clone(),
        weight: r.weight,
        at: r.at.map(jiayuan_domain::time::iso),
        day: r.day.map(|d| d.to_string()),
    }
}

/// The records behind one counted figure of a report, newest first: they add up to the figure
/// (`total`). The rates have no records (their counts are on the appeals dashboard): 400.
#[utoipa::path(get, path = "/api/v1/reports/{code}/{year}/figures/{key}", tag = "reports", params(("code" = String, Path, description = "Territory code"), ("year" = u32, Path, minimum = 2000, maximum = 2100), ("key" = String, Path, description = "A figure's key"), FigureRecordParams), responses((status = 200, body = FigureRecordsView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_report_figure(
    auth: Auth,
    State(state): State<AppState>,
    Path((code, year, key)): Path<(String, String, String)>,
    Query(p): Query<FigureRecordParams>,
) -> Result<Json<FigureRecordsView>, ApiError> {
    let year = year_of(&year)?;
    let page = ListParams { page: p.page, page_size: p.page_size, ..Default::default() }.page()?;
    let r = state
        .store
        .figure_records(&auth.principal, &code, year, key.trim(), i64::from(page.page), i64::from(page.page_size))
        .await
        .map_err(|e| match e {
            jiayuan_store::StoreError::NotFound => territory_missing(e, &code),
            other => other.into(),
        })?;
    Ok(Json(FigureRecordsView {
        key: r.figure.key.into(),
        territory: r.territory.code.clone(),
        year: r.year,
        total_records: r.total_records,
        total: r.total_weight,
        page: page.page,
        page_size: page.page_size,
        records: r.records.iter().map(record_view).collect(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ScreenQuery {
    /// The code or id of a district, subdistrict or community; default: the top of the
    /// account's scope.
    pub within: Option<String>,
}

/// The district screen's board as it stands now: `today` and `month` (received, resolved,
/// escalated, overdue, and the three rates as fractions), `open_now` and `overdue_now` (open
/// appeals by where they are), `rankings` of the places below by this month's resolution
/// rate, `grids` with their open and overdue appeals (shapes are on the territory pages),
/// and the latest `events` (action, appeal number, category, place). The page `/screen`
/// shows the same board and `/screen/stream` sends it again after each event.
#[utoipa::path(get, path = "/api/v1/screen", tag = "reports", params(ScreenQuery), responses((status = 200, body = Object), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_screen(
    auth: Auth,
    State(state): State<AppState>,
    Query(q): Query<ScreenQuery>,
) -> Result<Json<jiayuan_store::screen::Board>, ApiError> {
    let place = crate::screen::place_of(&auth, &state, q.within.as_deref()).await?;
    Ok(Json(state.store.screen_board(&place, state.clock.now()).await?))
}
