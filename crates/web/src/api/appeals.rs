//! Appeals: categories, filing, the queue, one appeal with its timeline and the actions
//! open to the caller, actions, photos and measures.

use super::flag;
use crate::api::ListParams;
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::state::AppState;
use crate::views::Paged;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::appeal::limits::TimeLimit;
use jiayuan_domain::appeal::{Action, Channel, Level, Rating, Status, Urgency};
use jiayuan_store::appeals::lifecycle::{open_actions, ActInput};
use jiayuan_store::appeals::rollup::{MeasureQuery, Measures};
use jiayuan_store::appeals::{AppealQuery, AppealRow, EventRow, NewAppeal, PhotoRow, Viewer};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Photos larger than this are refused.
pub const PHOTO_LIMIT: usize = 8 * 1024 * 1024;

/// Beijing time with its offset, as every appeal time is shown.
pub use jiayuan_domain::time::iso as bj_time;

pub(crate) fn bj_opt(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(bj_time)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub parent: Option<String>,
    pub name: String,
    pub name_en: String,
    #[schema(value_type = String)]
    pub lowest_level: Level,
    pub response_limits: String,
    pub resolve_limits: String,
    pub response_limits_text: String,
    pub resolve_limits_text: String,
}

fn limits_text(l: &jiayuan_domain::appeal::category::Limits) -> String {
    Urgency::ALL.iter().map(|u| format!("{}{}", u.label_zh(), l.get(*u).label_zh())).collect::<Vec<_>>().join(" / ")
}

/// The category tree in force (any signed-in user: they file appeals).
#[utoipa::path(get, path = "/api/v1/appeal-categories", tag = "appeals", responses((status = 200, description = "The category tree in force: version and categories", body = Object)))]
pub async fn api_categories(_auth: Auth, State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let cfg = state.store.appeal_config().await?;
    let cats: Vec<CategoryView> = cfg
        .categories
        .iter()
        .map(|c| CategoryView {
            code: c.code.clone(),
            parent: c.parent.clone(),
            name: c.name_zh.clone(),
            name_en: c.name_en.clone(),
            lowest_level: c.lowest,
            response_limits: c.response.code(),
            resolve_limits: c.resolve.code(),
            response_limits_text: limits_text(&c.response),
            resolve_limits_text: limits_text(&c.resolve),
        })
        .collect();
    Ok(Json(serde_json::json!({"version": cfg.version, "categories": cats})))
}

/// An appeal as the API shows it: the reporter's name masked for everyone but staff who
/// may view it, the phone always masked.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AppealView {
    pub id: Uuid,
    pub number: String,
    pub version: i64,
    #[schema(value_type = String)]
    pub status: Status,
    pub status_label: &'static str,
    pub open: bool,
    pub channel: String,
    pub category: String,
    pub category_name: String,
    pub urgency: String,
    pub territory_id: Uuid,
    pub location_path: String,
    pub handler_level: String,
    pub handler_level_label: &'static str,
    pub handler_id: Uuid,
    pub department: Option<String>,
    pub asked_for_help: bool,
    pub pending: Option<String>,
    pub pending_limit: Option<String>,
    pub reporter: Option<String>,
    pub reporter_phone: Option<String>,
    pub anonymous: bool,
    pub title: String,
    pub description: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub created_at: String,
    pub updated_at: String,
    pub response_due_at: String,
    pub resolve_due_at: String,
    pub warned: bool,
    pub overdue: bool,
    pub overdue_count: i64,
    pub escalations: i64,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub rating: Option<String>,
    pub rating_label: Option<&'static str>,
    pub merged_into: Option<Uuid>,
}

pub fn appeal_view(state: &AppState, who: &Viewer, a: &AppealRow, cat_name: String) -> AppealView {
    // Names and phones only to those who may see the residents there (and the reporter).
    let reporter = if a.anonymous || !who.sees_reporter(a) { None } else { a.reporter_name.clone() };
    let phone = state.store.reporter_phone_masked(who, a);
    let status = a.status();
    let level = a.level();
    AppealView {
        id: a.id,
        number: a.number.to_string(),
        version: a.version,
        status,
        status_label: status.label_zh(),
        open: a.is_open,
        channel: a.channel.clone(),
        category: a.category_code.clone(),
        category_name: cat_name,
        urgency: a.urgency.clone(),
        territory_id: a.territory_id,
        location_path: a.path.clone(),
        handler_level: a.handler_level.as_str().to_string(),
        handler_level_label: level.label_zh(),
        handler_id: a.handler_id,
        department: a.department.clone(),
        asked_for_help: a.helper_path.is_some(),
        pending: a.pending.clone(),
        pending_limit: a.pending_limit.clone(),
        reporter,
        reporter_phone: phone,
        anonymous: a.anonymous,
        title: a.title.clone(),
        description: a.description.clone(),
        address: a.address.clone(),
        lat: a.lat_e6.map(|v| v as f64 / 1e6),
        long: a.lng_e6.map(|v| v as f64 / 1e6),
        created_at: bj_time(a.created_at),
        updated_at: bj_time(a.updated_at),
        response_due_at: bj_time(a.response_due_at),
        resolve_due_at: bj_time(a.resolve_due_at),
        warned: a.warned,
        overdue: a.overdue,
        overdue_count: a.overdue_count,
        escalations: a.escalations,
        resolved_at: bj_opt(a.resolved_at),
        closed_at: bj_opt(a.closed_at),
        rating: a.rating.clone(),
        rating_label: a.rating.as_deref().and_then(Rating::parse).map(|r| r.label_zh()),
        merged_into: a.merged_into,
    }
}

pub async fn category_name(state: &AppState, code: &str) -> String {
    match state.store.appeal_config().await {
        Ok(cfg) => cfg.category(code).map(|c| c.name_zh.clone()).unwrap_or_else(|| code.to_string()),
        Err(_) => code.to_string(),
    }
}

async fn view(state: &AppState, who: &Viewer, a: &AppealRow) -> AppealView {
    appeal_view(state, who, a, category_name(state, &a.category_code).await)
}

/// A new appeal, as JSON.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileBody {
    #[schema(pattern = "^(walk_in|phone|grid_patrol|hotline_12345|web|open311)?$")]
    pub channel: Option<String>,
    /// A category code of `GET /api/v1/appeal-categories`
    pub category: Option<String>,
    #[schema(pattern = "^(normal|urgent|emergency)?$")]
    pub urgency: Option<String>,
    /// Territory id or code: a building or lower when known.
    pub territory: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub address: Option<String>,
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub lat: Option<f64>,
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub long: Option<f64>,
    pub reporter_person_id: Option<Uuid>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    #[serde(default)]
    pub anonymous: bool,
}

impl FileBody {
    pub fn into_new(self) -> Result<NewAppeal, ApiError> {
        Ok(NewAppeal {
            channel: self
                .channel
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|c| Channel::parse_field(c, "channel"))
                .transpose()?,
            category: self.category.unwrap_or_default(),
            urgency: self
                .urgency
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|u| Urgency::parse_field(u, "urgency"))
                .transpose()?,
            territory: self.territory.unwrap_or_default(),
            title: self.title,
            description: self.description.unwrap_or_default(),
            address: self.address,
            lat: self.lat,
            lng: self.long,
            reporter_person_id: self.reporter_person_id,
            reporter_name: self.reporter_name,
            reporter_phone: self.reporter_phone,
            anonymous: self.anonymous,
        })
    }
}

/// A likely duplicate, in brief: enough to decide whether to open it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DuplicateView {
    pub id: Uuid,
    pub number: String,
    pub title: String,
    #[schema(value_type = String)]
    pub status: Status,
    pub created_at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FiledView {
    pub appeal: AppealView,
    pub tracking_code: Option<String>,
    pub possible_duplicates: Vec<DuplicateView>,
}

/// File an appeal. 201 with the appeal, likely duplicates, and for a reporter without an
/// account a tracking code (shown once).
#[utoipa::path(post, path = "/api/v1/appeals", tag = "appeals", request_body = FileBody, responses((status = 201, body = FiledView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 503, description = "Too many filings waiting; Retry-After says when to try again", body = crate::error::ErrorBody)))]
pub async fn api_file(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<FileBody>, JsonRejection>,
) -> Result<(StatusCode, Json<FiledView>), ApiError> {
    let input = json_body(body)?.into_new()?;
    let who = Viewer::of(&auth.principal);
    let filed = state.store.file_appeal(&who, &auth.audit_ctx(), &input, state.clock.now()).await?;
    let dups = filed
        .possible_duplicates
        .iter()
        .map(|d| DuplicateView {
            id: d.id,
            number: d.number.to_string(),
            title: d.title.clone(),
            status: d.status(),
            created_at: bj_time(d.created_at),
        })
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(FiledView {
            appeal: view(&state, &who, &filed.appeal).await,
            tracking_code: filed.tracking_code,
            possible_duplicates: dups,
        }),
    ))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppealParams {
    pub status: Option<String>,
    /// `true`: what my levels handle, down my subtree
    pub mine: Option<String>,
    /// `true` (with `mine`): only what is handled at my own nodes or asked of them
    pub here: Option<String>,
    /// `true` (with `mine`): only where help was asked of my nodes
    pub helping: Option<String>,
    /// `true`: only warned of the deadline, not yet overdue
    pub warned: Option<String>,
    pub overdue: Option<String>,
    /// `true`: only what I filed
    pub reported: Option<String>,
    pub category: Option<String>,
    /// `normal`, `urgent` or `emergency`
    pub urgency: Option<String>,
    /// How it came in: `walk_in`, `phone`, `grid_patrol`, `hotline_12345`, `web`, `open311`
    pub channel: Option<String>,
    pub within: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
    pub page_size: Option<String>,
}

impl AppealParams {
    pub fn query(&self) -> Result<AppealQuery, ApiError> {
        Ok(AppealQuery {
            status: self.status.clone(),
            mine: flag(&self.mine, "mine")?,
            here: flag(&self.here, "here")?,
            helping: flag(&self.helping, "helping")?,
            warned: flag(&self.warned, "warned")?,
            overdue: flag(&self.overdue, "overdue")?,
            reported: flag(&self.reported, "reported")?,
            category: self.category.clone(),
            urgency: self.urgency.clone(),
            channel: self.channel.clone(),
            q: self.q.clone(),
            ..Default::default()
        })
    }

    fn list_params(&self) -> ListParams {
        ListParams {
            within: self.within.clone(),
            page: self.page.clone(),
            page_size: self.page_size.clone(),
            ..Default::default()
        }
    }
}

/// Lists and queues: `mine=true&status=open` is my queue, overdue first, then by deadline.
#[utoipa::path(get, path = "/api/v1/appeals", tag = "appeals", params(crate::query_docs::AppealList), responses((status = 200, body = Paged<AppealView>), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_list(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<AppealParams>,
) -> Result<Json<Paged<AppealView>>, ApiError> {
    let who = Viewer::of(&auth.principal);
    let lp = p.list_params();
    let page = lp.page()?;
    let within = within_of(&state, &who, &lp).await?;
    let rows = state.store.list_appeals(&who, within.as_ref(), &p.query()?, page).await?;
    let cfg = state.store.appeal_config().await?;
    Ok(Json(Paged::map(rows, |a| {
        let name = cfg.category(&a.category_code).map(|c| c.name_zh.clone()).unwrap_or_else(|| a.category_code.clone());
        appeal_view(&state, &who, &a, name)
    })))
}

/// The subtree a list is narrowed to (`within`), which only those who view appeals may ask.
async fn within_of(
    state: &AppState,
    who: &Viewer,
    lp: &ListParams,
) -> Result<Option<jiayuan_store::access::Scope>, ApiError> {
    Ok(match (&lp.within, &who.view) {
        (Some(w), Some(v)) if !w.trim().is_empty() => Some(lp.within(state, v.clone()).await?),
        (Some(w), None) if !w.trim().is_empty() => return Err(ApiError::forbidden(Permission::ViewAppeals)),
        _ => None,
    })
}

/// The most rows one export holds; a wider list is narrowed first (by `within`, category,
/// status or text).
pub const EXPORT_MAX: usize = 50_000;

/// The appeals a list holds, as CSV (UTF-8 with BOM) in the list's order: number, title,
/// category, status, level, urgency, channel, filed, deadline, overdue, rating. No reporter's
/// name or phone. The same filters as the list (paging aside); at most [`EXPORT_MAX`] rows.
/// The export is audited.
#[utoipa::path(get, path = "/api/v1/appeals/export", tag = "appeals", params(crate::query_docs::AppealList), responses((status = 200, description = "CSV (UTF-8 with BOM)", content_type = "text/csv"), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_export(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<AppealParams>,
) -> Result<Response, ApiError> {
    let who = Viewer::of(&auth.principal);
    let lp = p.list_params();
    // The list's paging is checked like the list's, though an export holds every page.
    lp.page()?;
    let within = within_of(&state, &who, &lp).await?;
    let q = p.query()?;
    let cfg = state.store.appeal_config().await?;
    let rows = state.store.export_appeals(&who, within.as_ref(), &q, EXPORT_MAX).await?;
    let mut w = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    let io = |e: csv::Error| ApiError::from(jiayuan_store::StoreError::Other(e.into()));
    w.write_record([
        "编号",
        "标题",
        "分类",
        "状态",
        "办理层级",
        "紧急程度",
        "渠道",
        "登记时间",
        "办理时限",
        "超期",
        "评价",
    ])
    .map_err(io)?;
    for a in &rows {
        let category =
            cfg.category(&a.category_code).map(|c| c.name_zh.clone()).unwrap_or_else(|| a.category_code.clone());
        let urgency =
            Urgency::parse(&a.urgency).map(|u| u.label("zh").to_string()).unwrap_or_else(|| a.urgency.clone());
        let channel =
            Channel::parse(&a.channel).map(|c| c.label("zh").to_string()).unwrap_or_else(|| a.channel.clone());
        let cells = [
            a.number.to_string(),
            a.title.clone(),
            category,
            a.status().label("zh").to_string(),
            a.level().label("zh").to_string(),
            urgency,
            channel,
            jiayuan_domain::time::display(a.created_at),
            jiayuan_domain::time::display(a.current_due()),
            if a.overdue { "是" } else { "否" }.to_string(),
            a.rating.clone().unwrap_or_default(),
        ];
        w.write_record(cells.iter().map(|c| jiayuan_domain::spreadsheet::neutralise(c).into_owned())).map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| io(e.into_error().into()))?;
    // Filed under the viewer's area, or a resident's own home, so their area's auditors see it.
    let scope_path = who
        .view
        .as_ref()
        .and_then(|v| v.roots().first().map(|r| r.to_string()))
        .or_else(|| auth.principal.grants.first().map(|g| g.path.clone()))
        .unwrap_or_else(|| "/".into());
    state
        .store
        .audit(
            &auth.audit_ctx(),
            jiayuan_store::audit::AuditEvent {
                scope_path: &scope_path,
                action: "appeals.export",
                object: "appeals".into(),
                summary: serde_json::json!({"rows": rows.len(), "status": p.status, "category": p.category, "q": p.q, "within": p.within}),
                result: "ok",
            },
        )
        .await?;
    Ok(crate::api::csv_attachment(bytes, "appeals.csv"))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub seq: i64,
    pub at: String,
    pub action: String,
    pub action_label: String,
    pub actor: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub level: String,
    pub note: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

pub fn event_view(e: &EventRow) -> EventView {
    EventView {
        seq: e.seq,
        at: bj_time(e.at),
        action: e.action.clone(),
        action_label: Action::parse(&e.action).map(|a| a.label_zh()).unwrap_or(&e.action).to_string(),
        actor: e.actor_name.clone(),
        from_status: e.from_status.clone(),
        to_status: e.to_status.clone(),
        level: e.level.clone(),
        note: e.note.clone(),
        data: serde_json::from_str(&e.data).unwrap_or_default(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PhotoView {
    pub id: Uuid,
    pub content_type: String,
    pub size: i64,
    pub url: String,
}

fn photo_view(a: &AppealRow, p: &PhotoRow) -> PhotoView {
    PhotoView {
        id: p.id,
        content_type: p.content_type.clone(),
        size: p.size,
        url: format!("/api/v1/appeals/{}/photos/{}", a.id, p.id),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AppealDetail {
    pub appeal: AppealView,
    pub timeline: Vec<EventView>,
    pub photos: Vec<PhotoView>,
    /// What the caller can do now.
    #[schema(value_type = Vec<String>)]
    pub actions: Vec<Action>,
    pub possible_duplicates: Vec<AppealView>,
}

/// One appeal (by id or number) with its timeline and the actions open to the caller.
#[utoipa::path(get, path = "/api/v1/appeals/{id}", tag = "appeals", params(("id" = String, Path, description = "Appeal id or number")), responses((status = 200, body = AppealDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_get(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AppealDetail>, ApiError> {
    let who = Viewer::of(&auth.principal);
    Ok(Json(detail(&state, &who, &id).await?))
}

/// Opens the sealed reporter of an anonymous appeal: district administrators only, with a
/// reason of 4–200 characters; audited.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/reporter", tag = "appeals", params(("id" = String, Path, description = "Appeal id or number")), request_body = crate::api::RevealBody, responses((status = 200, description = "Who filed it, as sealed", body = Object), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_unseal_reporter(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<crate::api::RevealBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<jiayuan_store::appeals::seal::SealedReporter>, ApiError> {
    auth.require(Permission::RevealPersonal)?;
    let b = crate::error::json_body(body)?;
    let reason = crate::api::reveal_reason(b.reason.as_deref())?;
    let who = Viewer::of(&auth.principal);
    let a = state.store.appeal(&who, &id).await?;
    Ok(Json(state.store.unseal_reporter(&auth.audit_ctx(), &auth.principal, a.id, &reason).await?))
}

pub async fn detail(state: &AppState, who: &Viewer, id: &str) -> Result<AppealDetail, ApiError> {
    let a = state.store.appeal(who, id).await?;
    let timeline = state.store.appeal_timeline(&a).await?.iter().map(event_view).collect();
    let photos = state.store.appeal_photos(&a).await?.iter().map(|p| photo_view(&a, p)).collect();
    let mut dups = Vec::new();
    if a.is_open && who.is_staff() {
        for d in state.store.duplicates_of(who, &a).await? {
            dups.push(view(state, who, &d).await);
        }
    }
    Ok(AppealDetail {
        appeal: view(state, who, &a).await,
        timeline,
        photos,
        actions: open_actions(who, &a),
        possible_duplicates: dups,
    })
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActBody {
    #[schema(
        pattern = "^(accept|decline|dispatch|assign|start|ask_help|escalate|return|resolve|verify|rework|close|rate|reopen|merge|request_hold|request_extension|approve|reject|resume|comment)$"
    )]
    pub action: Option<String>,
    /// The version last seen (409 if it changed since)
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "super::whole_opt")]
    pub version: Option<i64>,
    pub note: Option<String>,
    pub assignee: Option<String>,
    pub target: Option<String>,
    #[schema(pattern = "^(satisfied|basically_satisfied|unsatisfied)?$")]
    pub rating: Option<String>,
    /// For a rating: 1–5 stars (4–5 count as satisfied, 3 as basically satisfied, 1–2 as
    /// unsatisfied); the rating may then be left out
    #[schema(minimum = 1, maximum = 5)]
    #[serde(default, deserialize_with = "super::whole_opt")]
    pub stars: Option<i64>,
    pub merge_into: Option<String>,
    /// For an extension: `3wd`, `24h`, `5wh`, `30m`
    #[schema(pattern = "^([1-9][0-9]{0,3}(m|h|wh|wd))?$")]
    pub limit: Option<String>,
}

impl ActBody {
    pub fn into_input(self) -> Result<ActInput, ApiError> {
        let action = Action::parse_field(self.action.as_deref().unwrap_or(""), "action")?;
        let version =
            self.version.ok_or_else(|| ApiError::invalid("version", "请带上所见的版本号 (version is required)"))?;
        let rating =
            self.rating.as_deref().filter(|s| !s.is_empty()).map(|r| Rating::parse_field(r, "rating")).transpose()?;
        if let Some(l) = self.limit.as_deref().filter(|s| !s.is_empty()) {
            if TimeLimit::parse(l).is_none() {
                return Err(ApiError::invalid(
                    "limit",
                    format!("“{l}”不是时限，例如 3wd、24h、5wh (not a time limit)"),
                ));
            }
        }
        Ok(ActInput {
            action: Some(action),
            version,
            note: self.note.unwrap_or_default(),
            assignee: self.assignee,
            target: self.target,
            rating,
            stars: self.stars,
            merge_into: self.merge_into,
            limit: self.limit,
        })
    }
}

/// Take an action. 409 for a stale version or an action the state does not allow.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/actions", tag = "appeals", params(("id" = String, Path, description = "Appeal id or number")), request_body = ActBody, responses((status = 200, body = AppealDetail), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, description = "A stale version, or an action the state does not allow", body = crate::error::ErrorBody)))]
pub async fn api_act(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ActBody>, JsonRejection>,
) -> Result<Json<AppealDetail>, ApiError> {
    let input = json_body(body)?.into_input()?;
    let who = Viewer::of(&auth.principal);
    let a = state.store.act_on_appeal(&who, &auth.audit_ctx(), &id, &input, state.clock.now()).await?;
    Ok(Json(detail(&state, &who, &a.id.to_string()).await?))
}

/// What a photo's first bytes say it is; only JPEG, PNG and WebP are accepted.
pub fn sniff_image(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Add a photo: the raw image as the body, `Content-Type: image/jpeg|png|webp`, at most 8 MiB.
/// Stored outside the database; served only to those who may see the appeal.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/photos", tag = "appeals", params(("id" = String, Path, description = "Appeal id or number")), request_body(content = Vec<u8>, content_type = "image/jpeg"), responses((status = 201, body = PhotoView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
pub async fn api_add_photo(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<PhotoView>), ApiError> {
    let who = Viewer::of(&auth.principal);
    let a = state.store.appeal(&who, &id).await?;
    if !(who.is_staff() && open_actions(&who, &a).contains(&Action::Comment) || who.reported_here(&a)) {
        return Err(ApiError::forbidden(Permission::HandleAppeals));
    }
    store_photo(&state, &auth.audit_ctx(), &a, &headers, &body)
        .await
        .map(|p| (StatusCode::CREATED, Json(photo_view(&a, &p))))
}

pub async fn store_photo(
    state: &AppState,
    ctx: &jiayuan_store::audit::AuditCtx,
    a: &AppealRow,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<PhotoRow, ApiError> {
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let img = crate::media::checked_image("photo", declared, body)?;
    crate::media::save(state, "photos", &img).await?;
    Ok(state.store.add_appeal_photo(ctx, a, img.id, img.content_type, img.size, &img.sha256).await?)
}

/// A photo, to those who may see its appeal.
#[utoipa::path(get, path = "/api/v1/appeals/{id}/photos/{photo}", tag = "appeals", params(("id" = String, Path), ("photo" = String, Path)), responses((status = 200, description = "The image", content_type = "image/*"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_photo(
    auth: Auth,
    State(state): State<AppState>,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let who = Viewer::of(&auth.principal);
    let a = state.store.appeal(&who, &id).await?;
    photo_file(&state, &a, &photo).await
}

/// One photo of an appeal already found for its viewer, as its bytes with its type.
pub async fn photo_file(state: &AppState, a: &AppealRow, photo: &str) -> Result<Response, ApiError> {
    let pid = Uuid::parse_str(photo).map_err(|_| ApiError::not_found())?;
    let p = state.store.appeal_photo(a, pid).await?;
    let bytes = tokio::fs::read(state.media_dir.join("photos").join(p.id.to_string()))
        .await
        .map_err(|_| ApiError::not_found())?;
    Ok((
        [(header::CONTENT_TYPE, p.content_type.clone()), (header::CACHE_CONTROL, "private, max-age=3600".to_string())],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeasureParams {
    pub within: Option<String>,
    /// YYYY-MM-DD, default: the first day of this month
    pub from: Option<String>,
    /// YYYY-MM-DD inclusive, default: today
    pub to: Option<String>,
    pub category: Option<String>,
    pub level: Option<String>,
}

/// A `YYYY-MM-DD` parameter; empty or absent is `None`, anything else names the field.
pub fn optional_day(v: &Option<String>, field: &str) -> Result<Option<NaiveDate>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ApiError::invalid(field, format!("“{s}”不是 YYYY-MM-DD 日期 (not a date)"))),
    }
}

impl MeasureParams {
    pub fn query(&self, today: NaiveDate) -> Result<MeasureQuery, ApiError> {
        let date = optional_day;
        use chrono::Datelike;
        let from = date(&self.from, "from")?.unwrap_or_else(|| today.with_day(1).unwrap_or(today));
        let to = date(&self.to, "to")?.unwrap_or(today);
        Ok(MeasureQuery {
            within: self.within.clone(),
            from,
            to: to.succ_opt().unwrap_or(to),
            category: self.category.clone(),
            level: self
                .level
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|l| Level::parse_field(l, "level"))
                .transpose()?,
        })
    }
}

/// The three rates and the counts behind them, from the rollups.
#[utoipa::path(get, path = "/api/v1/appeals/measures", tag = "appeals", params(crate::query_docs::MeasureQuery), responses((status = 200, description = "Rates with their formulas, counts by category, level and day", body = Object), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_measures(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<MeasureParams>,
) -> Result<Json<Measures>, ApiError> {
    auth.require(Permission::ViewAppeals)?;
    let who = Viewer::of(&auth.principal);
    let today = jiayuan_store::appeals::beijing(state.clock.now()).date();
    Ok(Json(state.store.appeal_measures(&who, &p.query(today)?).await?))
}
