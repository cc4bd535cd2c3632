//! The support system's API: each community's fund account (entries, receipts, approvals,
//! reversals, the special fund), its public disclosure without sign-in, the ledger as XLSX
//! both ways, and the district's fund rules. Thin: the rules are `jiayuan_domain::fund`, who
//! may do what is the store's.

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
use chrono::NaiveDate;
use jiayuan_domain::fund::{Direction, EntryStatus, FundRules, Purpose, Source};
use jiayuan_store::support::{EntryFilter, FundEntry, NewEntry, ReceiptFile};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Serialize, utoipa::ToSchema)]
pub struct FundEntryView {
    pub id: Uuid,
    /// Posting order within the community; empty while waiting for approval or refused
    pub seq: Option<i64>,
    /// `pending`, `posted` or `rejected`
    pub status: String,
    /// `income` or `expense`
    pub direction: String,
    /// Income: `special_fund`, `unit_support`, `crowdfunding`, `social_org` or `public_income`
    pub source: String,
    /// Spending: `activity`, `project`, `appeal`, `decision` or `other`
    pub purpose: String,
    /// The activity, project, appeal or decision it served
    pub purpose_id: Option<Uuid>,
    /// Source or purpose in words
    pub label: String,
    /// In fen; negative on a reversal
    pub amount_fen: i64,
    /// The balance after it, once posted
    pub balance_after_fen: Option<i64>,
    #[schema(format = Date)]
    pub occurred_on: String,
    pub summary: String,
    /// A person's name masked
    pub counterparty: String,
    pub receipt_url: Option<String>,
    pub voucher: String,
    /// The entry this one reverses
    pub reverses: Option<Uuid>,
    /// The entry that reverses this one
    pub reversed_by: Option<Uuid>,
    pub decision_note: String,
}

fn entry_view(e: &FundEntry) -> FundEntryView {
    FundEntryView {
        id: e.id,
        seq: e.seq,
        status: e.status.clone(),
        direction: e.direction.clone(),
        source: e.source.clone(),
        purpose: e.purpose.clone(),
        purpose_id: e.purpose_id,
        label: e.label("zh").to_string(),
        amount_fen: e.amount_fen,
        balance_after_fen: e.balance_after_fen,
        occurred_on: e.occurred_on.to_string(),
        summary: e.summary.clone(),
        counterparty: e.public_counterparty(),
        receipt_url: e.receipt_id.map(|r| format!("/api/v1/fund-receipts/{r}")),
        voucher: e.voucher.clone(),
        reverses: e.reverses,
        reversed_by: e.reversed_by,
        decision_note: e.decision_note.clone(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FundAccountView {
    pub territory_code: String,
    pub territory_name: String,
    /// The balance after the last posted entry, in fen
    pub balance_fen: i64,
    /// The sum of all posted entries, computed afresh, in fen
    pub sum_fen: i64,
    /// Whether the two agree (they always should)
    pub reconciles: bool,
    pub posted: i64,
    /// Spending waiting for the secretary's approval
    pub pending: i64,
}

/// A community's account: the balance, checked against the sum of its entries.
#[utoipa::path(get, path = "/api/v1/territories/{code}/fund", tag = "support", params(("code" = String, Path)), responses((status = 200, body = FundAccountView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_fund_account(
    auth: Auth,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<FundAccountView>, ApiError> {
    let a = state.store.fund_account(&auth.principal, &code).await?;
    Ok(Json(FundAccountView {
        territory_code: a.territory.code.clone(),
        territory_name: a.territory.name.clone(),
        balance_fen: a.balance_fen,
        sum_fen: a.sum_fen,
        reconciles: a.reconciles(),
        posted: a.posted,
        pending: a.pending,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FundEntryParams {
    #[param(value_type = Option<u32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    #[param(pattern = "^(income|expense)?$")]
    pub direction: Option<String>,
    #[param(pattern = "^(pending|posted|rejected)?$")]
    pub status: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub page_size: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FundEntryPageView {
    pub items: Vec<FundEntryView>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
}

/// A year as a query gives it: 2000–2100, or not given.
pub(crate) fn year_param(v: &Option<String>) -> Result<Option<i32>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .map(Some)
            .ok_or_else(|| ApiError::invalid("year", "年份应在2000到2100之间 (a year from 2000 to 2100)")),
    }
}

/// A community's entries, the newest first.
#[utoipa::path(get, path = "/api/v1/territories/{code}/fund/entries", tag = "support", params(("code" = String, Path), FundEntryParams), responses((status = 200, body = FundEntryPageView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_fund_entries(
    auth: Auth,
    State(state): State<AppState>,
    Path(code_): Path<String>,
    Query(p): Query<FundEntryParams>,
) -> Result<Json<FundEntryPageView>, ApiError> {
    let lp = ListParams { page: p.page.clone(), page_size: p.page_size.clone(), ..Default::default() };
    let page = lp.page()?;
    let f = EntryFilter {
        year: year_param(&p.year)?,
        direction: p
            .direction
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| code(s, "direction", Direction::parse_field))
            .transpose()?,
        status: p
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| code(s, "status", EntryStatus::parse_field))
            .transpose()?,
    };
    let rows = state.store.fund_entries(&auth.principal, &code_, &f, page).await?;
    Ok(Json(FundEntryPageView {
        items: rows.items.iter().map(entry_view).collect(),
        page: rows.page,
        page_size: rows.page_size,
        total: rows.total,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundEntryBody {
    #[schema(pattern = "^(income|expense)$")]
    pub direction: String,
    /// Income only
    #[schema(pattern = "^(special_fund|unit_support|crowdfunding|social_org|public_income)?$")]
    #[serde(default)]
    pub source: Option<String>,
    /// Spending only
    #[schema(pattern = "^(activity|project|appeal|decision|other)?$")]
    #[serde(default)]
    pub purpose: Option<String>,
    /// The activity, project, appeal or decision of this community it served (not for `other`)
    #[serde(default)]
    pub purpose_id: Option<Uuid>,
    /// In fen, more than zero
    #[serde(deserialize_with = "super::whole")]
    #[schema(value_type = i64, minimum = 1, maximum = 10000000000i64)]
    pub amount_fen: i64,
    #[schema(format = Date)]
    pub occurred_on: String,
    /// 2–200 characters; published on the disclosure page
    #[schema(min_length = 2, max_length = 200, pattern = "\\S[\\s\\S]*\\S")]
    pub summary: String,
    #[serde(default)]
    pub counterparty: String,
    /// The counterparty is a person (the name is masked on the public page)
    #[serde(default)]
    pub counterparty_is_person: bool,
    /// A receipt uploaded to this community's `fund/receipts` and not used yet: required for spending
    #[serde(default)]
    pub receipt_id: Option<Uuid>,
}

/// Records an entry: posted at once, or (spending above the approval amount) waiting for the
/// community secretary.
#[utoipa::path(post, path = "/api/v1/territories/{code}/fund/entries", tag = "support", params(("code" = String, Path)), request_body = FundEntryBody, responses((status = 201, body = FundEntryView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_record_fund_entry(
    auth: Auth,
    State(state): State<AppState>,
    Path(territory): Path<String>,
    body: Result<Json<FundEntryBody>, JsonRejection>,
) -> Result<(StatusCode, Json<FundEntryView>), ApiError> {
    let b = json_body(body)?;
    let opt = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let e = NewEntry {
        territory,
        direction: code(&b.direction, "direction", Direction::parse_field)?,
        source: opt(&b.source).map(|s| code(&s, "source", Source::parse_field)).transpose()?,
        purpose: opt(&b.purpose).map(|s| code(&s, "purpose", Purpose::parse_field)).transpose()?,
        purpose_id: b.purpose_id,
        amount_fen: b.amount_fen,
        occurred_on: NaiveDate::parse_from_str(b.occurred_on.trim(), "%Y-%m-%d")
            .map_err(|_| ApiError::invalid("occurred_on", "应为日期，如 2026-12-08 (YYYY-MM-DD)"))?,
        summary: b.summary,
        counterparty: b.counterparty,
        counterparty_is_person: b.counterparty_is_person,
        receipt: b.receipt_id,
        voucher: String::new(),
    };
    let saved = state.store.record_fund_entry(&auth.audit_ctx(), &auth.principal, &e, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(entry_view(&saved))))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReceiptView {
    pub id: Uuid,
    pub url: String,
}

/// Uploads a receipt image for a community's account: the raw image as the body (JPEG, PNG or
/// WebP, at most 8 MiB). Use its id in the entry it belongs to.
#[utoipa::path(post, path = "/api/v1/territories/{code}/fund/receipts", tag = "support", params(("code" = String, Path)), request_body(content = Vec<u8>, content_type = "image/jpeg"), responses((status = 201, body = ReceiptView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
pub async fn api_add_fund_receipt(
    auth: Auth,
    State(state): State<AppState>,
    Path(territory): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<ReceiptView>), ApiError> {
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let id = save_fund_receipt(&state, &auth, &territory, declared, &body).await?;
    Ok((StatusCode::CREATED, Json(ReceiptView { id, url: format!("/api/v1/fund-receipts/{id}") })))
}

/// Checks who asks and the image, keeps the file, then its facts.
pub(crate) async fn save_fund_receipt(
    state: &AppState,
    auth: &Auth,
    territory: &str,
    declared: &str,
    body: &[u8],
) -> Result<Uuid, ApiError> {
    auth.scope(jiayuan_domain::access::Permission::KeepFunds)?;
    let img = crate::media::checked_image("receipt", declared, body)?;
    crate::media::save(state, "receipts", &img).await?;
    let f =
        ReceiptFile { id: img.id, content_type: img.content_type.into(), size: img.size, sha256: img.sha256.clone() };
    match state.store.add_fund_receipt(&auth.audit_ctx(), &auth.principal, territory, &f, state.clock.now()).await {
        Ok(id) => Ok(id),
        Err(e) => {
            // Nothing is kept for a receipt the store refused.
            let _ = tokio::fs::remove_file(state.media_dir.join("receipts").join(img.id.to_string())).await;
            Err(e.into())
        }
    }
}

/// A receipt image, to staff who see its community.
#[utoipa::path(get, path = "/api/v1/fund-receipts/{id}", tag = "support", params(("id" = Uuid, Path)), responses((status = 200, description = "The image", content_type = "image/*"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_fund_receipt(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let content_type = state.store.fund_receipt(&auth.principal, id).await?;
    let bytes = crate::media::read(&state, "receipts", id).await?;
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "private, max-age=3600".to_string())], bytes)
        .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialFundBody {
    #[serde(deserialize_with = "super::whole")]
    #[schema(value_type = i32, minimum = 2000, maximum = 2100)]
    pub year: i64,
}

fn year_of(y: i64) -> Result<i32, ApiError> {
    i32::try_from(y)
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| ApiError::invalid("year", "年份应在2000到2100之间 (a year from 2000 to 2100)"))
}

/// Records the year's special fund for a community (once a year; the district's amount).
#[utoipa::path(post, path = "/api/v1/territories/{code}/fund/special-fund", tag = "support", params(("code" = String, Path)), request_body = SpecialFundBody, responses((status = 201, body = FundEntryView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_grant_special_fund(
    auth: Auth,
    State(state): State<AppState>,
    Path(territory): Path<String>,
    body: Result<Json<SpecialFundBody>, JsonRejection>,
) -> Result<(StatusCode, Json<FundEntryView>), ApiError> {
    let b = json_body(body)?;
    let e = state
        .store
        .grant_special_fund(&auth.audit_ctx(), &auth.principal, &territory, year_of(b.year)?, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(entry_view(&e))))
}

/// One entry.
#[utoipa::path(get, path = "/api/v1/fund-entries/{id}", tag = "support", params(("id" = Uuid, Path)), responses((status = 200, body = FundEntryView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_fund_entry(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<FundEntryView>, ApiError> {
    Ok(Json(entry_view(&state.store.fund_entry(&auth.principal, parse_id(&id)?).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReversalBody {
    /// Why, 2–200 characters
    #[schema(min_length = 2, max_length = 200, pattern = "\\S[\\s\\S]*\\S")]
    pub reason: String,
}

/// Reverses a posted entry with an entry that names it (a reversal is never reversed).
#[utoipa::path(post, path = "/api/v1/fund-entries/{id}/reversal", tag = "support", params(("id" = Uuid, Path)), request_body = ReversalBody, responses((status = 201, body = FundEntryView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_reverse_fund_entry(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ReversalBody>, JsonRejection>,
) -> Result<(StatusCode, Json<FundEntryView>), ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let e =
        state.store.reverse_fund_entry(&auth.audit_ctx(), &auth.principal, id, &b.reason, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(entry_view(&e))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundDecisionBody {
    pub approve: bool,
    #[serde(default)]
    pub note: String,
}

/// The community secretary approves (posting it on the balance of the moment) or refuses
/// spending that waits.
#[utoipa::path(post, path = "/api/v1/fund-entries/{id}/decision", tag = "support", params(("id" = Uuid, Path)), request_body = FundDecisionBody, responses((status = 200, body = FundEntryView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_decide_fund_entry(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<FundDecisionBody>, JsonRejection>,
) -> Result<Json<FundEntryView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let e = state
        .store
        .decide_fund_entry(&auth.audit_ctx(), &auth.principal, id, b.approve, &b.note, state.clock.now())
        .await?;
    Ok(Json(entry_view(&e)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisclosureParams {
    /// The year (this year when not given)
    #[param(value_type = Option<u32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub page_size: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AmountView {
    pub code: String,
    pub label: String,
    pub amount_fen: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DisclosureView {
    pub territory_code: String,
    pub territory_name: String,
    pub year: i32,
    pub opening_fen: i64,
    pub income_fen: i64,
    pub spent_fen: i64,
    pub closing_fen: i64,
    pub income_by_source: Vec<AmountView>,
    pub spending_by_purpose: Vec<AmountView>,
    /// The year's posted entries, the oldest first; people's names masked, no receipts
    pub entries: FundEntryPageView,
}

/// A community's accounts for a year, as published to residents (no sign-in).
#[utoipa::path(get, path = "/api/v1/territories/{code}/fund/disclosure", tag = "support", security(()), params(("code" = String, Path), DisclosureParams), responses((status = 200, body = DisclosureView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_fund_disclosure(
    State(state): State<AppState>,
    Path(territory): Path<String>,
    Query(p): Query<DisclosureParams>,
) -> Result<Json<DisclosureView>, ApiError> {
    let lp = ListParams { page: p.page.clone(), page_size: p.page_size.clone(), ..Default::default() };
    let page = lp.page()?;
    let year = year_param(&p.year)?
        .unwrap_or_else(|| chrono::Datelike::year(&jiayuan_domain::time::beijing(state.clock.now())));
    let d = state.store.fund_disclosure(&territory, year, page).await?;
    Ok(Json(disclosure_view(&d)))
}

pub(crate) fn disclosure_view(d: &jiayuan_store::support::Disclosure) -> DisclosureView {
    let public = |e: &FundEntry| FundEntryView { receipt_url: None, ..entry_view(e) };
    DisclosureView {
        territory_code: d.territory.code.clone(),
        territory_name: d.territory.name.clone(),
        year: d.year,
        opening_fen: d.opening_fen,
        income_fen: d.income_fen,
        spent_fen: d.spent_fen,
        closing_fen: d.closing_fen,
        income_by_source: d
            .income_by_source
            .iter()
            .map(|(s, a)| AmountView { code: s.as_str().into(), label: s.label_zh().into(), amount_fen: *a })
            .collect(),
        spending_by_purpose: d
            .spending_by_purpose
            .iter()
            .map(|(p, a)| AmountView { code: p.as_str().into(), label: p.label_zh().into(), amount_fen: *a })
            .collect(),
        entries: FundEntryPageView {
            items: d.entries.items.iter().map(public).collect(),
            page: d.entries.page,
            page_size: d.entries.page_size,
            total: d.entries.total,
        },
    }
}

/// The community's whole ledger as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/territories/{code}/fund/ledger.xlsx", tag = "support", params(("code" = String, Path)), responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_fund_ledger(
    auth: Auth,
    State(state): State<AppState>,
    Path(territory): Path<String>,
) -> Result<Response, ApiError> {
    let bytes = state.store.fund_sheet_xlsx(&auth.principal, &territory).await?;
    Ok(xlsx_attachment(bytes, &format!("fund-{}.xlsx", territory.trim())))
}

/// An XLSX download; the file name is made of safe characters only.
pub(crate) fn xlsx_attachment(bytes: Vec<u8>, name: &str) -> Response {
    let safe: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{safe}\"")),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FundImportView {
    pub rows: usize,
    pub income_fen: i64,
    pub spent_fen: i64,
}

/// Imports ledger rows (an XLSX workbook as the body) into the community's account: all of
/// them, or none with every wrong cell named (422).
#[utoipa::path(post, path = "/api/v1/territories/{code}/fund/ledger.xlsx", tag = "support", params(("code" = String, Path)), request_body(description = "The workbook's bytes (sent as the XLSX type or as plain bytes)", content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "application/octet-stream"))), responses((status = 200, body = FundImportView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_import_fund_ledger(
    auth: Auth,
    State(state): State<AppState>,
    Path(territory): Path<String>,
    body: Bytes,
) -> Result<Json<FundImportView>, ApiError> {
    let got =
        state.store.import_fund_sheet(&auth.audit_ctx(), &auth.principal, &territory, &body, state.clock.now()).await?;
    Ok(Json(FundImportView { rows: got.rows, income_fen: got.income_fen, spent_fen: got.spent_fen }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FundRulesView {
    /// Spending strictly above this many fen waits for the community secretary
    pub approval_above_fen: i64,
    /// Whether spending may take a balance below zero
    pub allow_overdraft: bool,
    /// The special fund per community this year, in fen
    pub special_fund_fen: i64,
}

async fn rules_view(state: &AppState) -> Result<FundRulesView, ApiError> {
    let r = state.store.fund_rules().await?;
    let year = chrono::Datelike::year(&jiayuan_domain::time::beijing(state.clock.now()));
    Ok(FundRulesView {
        approval_above_fen: r.approval_above_fen,
        allow_overdraft: r.allow_overdraft,
        special_fund_fen: state.store.special_fund_amount(year).await?,
    })
}

/// The district's fund rules.
#[utoipa::path(get, path = "/api/v1/fund-rules", tag = "support", responses((status = 200, body = FundRulesView), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_fund_rules(auth: Auth, State(state): State<AppState>) -> Result<Json<FundRulesView>, ApiError> {
    auth.scope(jiayuan_domain::access::Permission::ViewTerritory)?;
    Ok(Json(rules_view(&state).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundRulesBody {
    #[serde(deserialize_with = "super::whole")]
    #[schema(value_type = i64, minimum = 0, maximum = 10000000000i64)]
    pub approval_above_fen: i64,
    pub allow_overdraft: bool,
}

/// Sets the district's fund rules (district administrators).
#[utoipa::path(post, path = "/api/v1/fund-rules", tag = "support", request_body = FundRulesBody, responses((status = 200, body = FundRulesView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_set_fund_rules(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<FundRulesBody>, JsonRejection>,
) -> Result<Json<FundRulesView>, ApiError> {
    let b = json_body(body)?;
    let r = FundRules { approval_above_fen: b.approval_above_fen, allow_overdraft: b.allow_overdraft };
    state.store.set_fund_rules(&auth.audit_ctx(), &auth.principal, r, state.clock.now()).await?;
    Ok(Json(rules_view(&state).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialAmountBody {
    #[serde(deserialize_with = "super::whole")]
    #[schema(value_type = i32, minimum = 2000, maximum = 2100)]
    pub year: i64,
    #[serde(deserialize_with = "super::whole")]
    #[schema(value_type = i64, minimum = 1, maximum = 10000000000i64)]
    pub amount_fen: i64,
}

/// Sets the special fund each community receives in a year (district administrators).
#[utoipa::path(post, path = "/api/v1/fund-rules/special-fund", tag = "support", request_body = SpecialAmountBody, responses((status = 204, description = "Set"), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_set_special_fund(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<SpecialAmountBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let b = json_body(body)?;
    state
        .store
        .set_special_fund_amount(&auth.audit_ctx(), &auth.principal, year_of(b.year)?, b.amount_fen, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
