//! The appeal pages: my queue, one appeal (timeline, actions, photos, map pin), the public
//! "report a problem" page with follow-up by tracking code, and the measures dashboard.

use crate::appeals::{bj_time, category_name, event_view, store_photo, ActBody, EventView, MeasureParams};
use crate::auth::{self, Auth, RequestMeta, PRE_CSRF_COOKIE};
use crate::error::ApiError;
use crate::pages::{pager, render, OrPage, PageError, Ui};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Form;
use jiayuan_domain::access::Permission;
use jiayuan_domain::appeal::measure::Counter;
use jiayuan_domain::appeal::{Action, Channel, Level, Rating, Urgency};
use jiayuan_store::accounts::new_token;
use jiayuan_store::appeals::lifecycle::open_actions;
use jiayuan_store::appeals::{path_prefixes, AppealQuery, AppealRow, NewAppeal, Viewer};
use jiayuan_store::model::{Page, Territory};
use serde::Deserialize;

/// One row of a queue or list.
pub struct Row {
    pub id: String,
    pub number: i64,
    pub title: String,
    pub category: String,
    pub status: &'static str,
    pub level: &'static str,
    pub due: String,
    pub overdue: bool,
    pub warned: bool,
    pub help: bool,
}

fn row(a: &AppealRow, category: String) -> Row {
    Row {
        id: a.id.to_string(),
        number: a.number,
        title: a.title.clone(),
        category,
        status: a.status().label_zh(),
        level: a.level().label_zh(),
        due: short_time(a.current_due()),
        overdue: a.overdue,
        warned: a.warned,
        help: a.helper_path.is_some(),
    }
}

fn short_time(t: chrono::DateTime<chrono::Utc>) -> String {
    jiayuan_store::appeals::beijing(t).format("%m-%d %H:%M").to_string()
}

#[derive(Template)]
#[template(path = "appeals.html")]
struct QueuePage {
    ui: Ui,
    title: String,
    tabs: Vec<(&'static str, &'static str, bool)>,
    tab: String,
    q: String,
    rows: Vec<Row>,
    total: i64,
    pager: String,
    can_dashboard: bool,
}

#[derive(Deserialize, Default)]
pub struct QueueParams {
    pub tab: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
}

/// My queue: for staff, what my level handles, overdue first; for residents, what I filed.
pub async fn queue(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(p): Query<QueueParams>,
) -> Result<Response, PageError> {
    let who = Viewer::of(&auth.principal);
    let staff = who.is_staff();
    let tab = p
        .tab
        .clone()
        .filter(|t| ["todo", "overdue", "all", "reported"].contains(&t.as_str()))
        .unwrap_or_else(|| if staff { "todo" } else { "reported" }.to_string());
    let mut q = AppealQuery { q: p.q.clone(), ..Default::default() };
    match tab.as_str() {
        "todo" if staff => {
            q.mine = true;
            q.status = Some("open".into());
        }
        "overdue" if staff => {
            q.mine = true;
            q.status = Some("open".into());
            q.overdue = true;
        }
        "all" if who.view.is_some() => {}
        _ => q.reported = true,
    }
    let page_no = p.page.as_deref().and_then(|s| s.parse().ok());
    let page = Page::new(page_no, Some(30)).page(&ui)?;
    let list = state.store.list_appeals(&who, None, &q, page).await.page(&ui)?;
    let cfg = state.store.appeal_config().await.page(&ui)?;
    let rows = list
        .items
        .iter()
        .map(|a| {
            row(a, cfg.category(&a.category_code).map(|c| c.name_zh.clone()).unwrap_or_else(|| a.category_code.clone()))
        })
        .collect();
    let mut tabs = Vec::new();
    if staff {
        tabs.push(("todo", ui.t("appeals.todo"), tab == "todo"));
        tabs.push(("overdue", ui.t("appeals.overdue"), tab == "overdue"));
    }
    if who.view.is_some() {
        tabs.push(("all", ui.t("appeals.all"), tab == "all"));
    }
    tabs.push(("reported", ui.t("appeals.reported"), tab == "reported"));
    let page = QueuePage {
        title: ui.t("appeals.title").into(),
        tabs,
        tab,
        q: p.q.unwrap_or_default(),
        rows,
        total: list.total,
        pager: pager(&ui, list.page, list.page_size, list.total),
        can_dashboard: auth.principal.can(Permission::ViewAppeals),
        ui: ui.clone(),
    };
    render(ui, page)
}

/// One action's form on the appeal page.
pub struct ActionForm {
    pub action: &'static str,
    pub label: &'static str,
    pub note: bool,
    pub note_required: bool,
    pub assignee: bool,
    pub target: bool,
    pub rating: bool,
    pub merge: bool,
    pub limit: bool,
    pub primary: bool,
}

fn action_form(a: Action) -> ActionForm {
    ActionForm {
        action: a.as_str(),
        label: a.label_zh(),
        note: !matches!(a, Action::Rate),
        note_required: a.needs_note(),
        assignee: a == Action::Assign,
        target: a == Action::Dispatch,
        rating: a == Action::Rate,
        merge: a == Action::Merge,
        limit: a == Action::RequestExtension,
        primary: matches!(
            a,
            Action::Accept
                | Action::Start
                | Action::Resolve
                | Action::Verify
                | Action::Close
                | Action::Rate
                | Action::Approve
                | Action::Resume
        ),
    }
}

#[derive(Template)]
#[template(path = "appeal.html")]
struct AppealPage {
    ui: Ui,
    title: String,
    a: crate::appeals::AppealView,
    place: Vec<String>,
    timeline: Vec<EventView>,
    photos: Vec<String>,
    forms: Vec<ActionForm>,
    duplicates: Vec<Row>,
    map_svg: String,
    error: String,
    done: String,
    can_photo: bool,
    photo_action: String,
    ratings: Vec<(&'static str, &'static str)>,
    limits: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
pub struct Flash {
    pub error: Option<String>,
    pub done: Option<String>,
}

/// The place of an appeal as names, district first.
async fn place_names(state: &AppState, a: &AppealRow) -> Vec<String> {
    let mut out = Vec::new();
    for p in path_prefixes(&a.path) {
        if let Ok(n) = state.store.territory_by_path_name(&p).await {
            out.push(n);
        }
    }
    out
}

/// The buildings around the appeal's place, with the place marked, and a pin at the
/// reported coordinates when they fall inside.
async fn pin_map(state: &AppState, a: &AppealRow) -> String {
    let prefixes = path_prefixes(&a.path);
    let Some(compound) = prefixes.get(3) else { return String::new() };
    let Ok(code) = state.store.territory_code_at(compound).await else { return String::new() };
    let Ok(c) = state.store.territory_by_code(&code).await else { return String::new() };
    let Ok(kids) = state.store.children(c.id).await else { return String::new() };
    let here = prefixes.get(4).cloned().unwrap_or_default();
    let shapes: Vec<crate::map::Shape> = kids
        .iter()
        .filter_map(|k: &Territory| {
            let mark = if k.path == here { "📍 " } else { "" };
            k.geometry.clone().map(|g| crate::map::Shape {
                label: format!("{mark}{}", k.name),
                href: None,
                geometry: g,
            })
        })
        .collect();
    crate::map::svg(&shapes)
}

pub async fn appeal_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(f): Query<Flash>,
) -> Result<Response, PageError> {
    let who = Viewer::of(&auth.principal);
    let d = crate::appeals::detail(&state, &who, &id).await.page(&ui)?;
    let a = state.store.appeal(&who, &id).await.page(&ui)?;
    let mut duplicates = Vec::new();
    for x in &d.possible_duplicates {
        duplicates.push(Row {
            id: x.id.to_string(),
            number: x.number.parse().unwrap_or(0),
            title: x.title.clone(),
            category: x.category_name.clone(),
            status: x.status_label,
            level: x.handler_level_label,
            due: String::new(),
            overdue: x.overdue,
            warned: x.warned,
            help: x.asked_for_help,
        });
    }
    let can_photo = d.actions.contains(&Action::Comment);
    let page = AppealPage {
        title: format!("#{} {}", d.appeal.number, d.appeal.title),
        place: place_names(&state, &a).await,
        timeline: d.timeline,
        photos: d.photos.iter().map(|p| p.url.clone()).collect(),
        forms: d.actions.iter().map(|x| action_form(*x)).collect(),
        duplicates,
        map_svg: pin_map(&state, &a).await,
        error: f.error.unwrap_or_default(),
        done: f.done.unwrap_or_default(),
        can_photo,
        photo_action: format!("/appeals/{}/photos?csrf={}", a.id, ui.csrf),
        ratings: Rating::ALL.iter().map(|r| (r.as_str(), r.label_zh())).collect(),
        limits: vec![
            ("1wd", "1个工作日"),
            ("3wd", "3个工作日"),
            ("5wd", "5个工作日"),
            ("10wd", "10个工作日"),
            ("24h", "24小时"),
        ],
        a: d.appeal,
        ui: ui.clone(),
    };
    render(ui, page)
}

#[derive(Deserialize, Default)]
pub struct ActForm {
    pub action: Option<String>,
    pub version: Option<String>,
    pub note: Option<String>,
    pub assignee: Option<String>,
    pub target: Option<String>,
    pub rating: Option<String>,
    pub merge_into: Option<String>,
    pub limit: Option<String>,
}

fn back_with(id: &str, key: &str, msg: &str) -> Response {
    let enc: String = form_urlencoded::byte_serialize(msg.as_bytes()).collect();
    crate::redirect::to(&format!("/appeals/{id}?{key}={enc}"))
}

fn error_text(e: &ApiError) -> String {
    match &e.field {
        Some(f) => format!("{f}: {}", e.message),
        None => e.message.clone(),
    }
}

/// An action from the appeal page; back to the page with what happened.
pub async fn act_form(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Response {
    let who = Viewer::of(&auth.principal);
    let body = ActBody {
        action: f.action,
        version: f.version.as_deref().and_then(|v| v.parse().ok()),
        note: f.note,
        assignee: f.assignee,
        target: f.target,
        rating: f.rating,
        merge_into: f.merge_into,
        limit: f.limit,
    };
    let r = async {
        let input = body.into_input()?;
        let label = input.action.map(|a| a.label_zh()).unwrap_or("");
        state.store.act_on_appeal(&who, &auth.audit_ctx(), &id, &input, state.clock.now()).await?;
        Ok::<_, ApiError>(label)
    }
    .await;
    match r {
        Ok(label) => back_with(&id, "done", label),
        Err(e) => back_with(&id, "error", &error_text(&e)),
    }
}

/// The first file field of a multipart form, if any, with the text fields.
async fn read_multipart(mut m: Multipart) -> Result<(Vec<(String, String)>, Option<(String, Vec<u8>)>), ApiError> {
    let mut fields = Vec::new();
    let mut file = None;
    loop {
        let next = m.next_field().await.map_err(|e| ApiError::invalid("photo", format!("表单读取失败 ({e})")))?;
        let Some(field) = next else { break };
        let name = field.name().unwrap_or("").to_string();
        if field.file_name().is_some() {
            let ct = field.content_type().unwrap_or("").to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| ApiError::invalid("photo", "照片过大或上传中断 (too large or interrupted)"))?;
            if !bytes.is_empty() && file.is_none() {
                file = Some((ct, bytes.to_vec()));
            }
        } else {
            let text = field.text().await.map_err(|_| ApiError::invalid(&name, "无法读取 (unreadable)"))?;
            crate::input::check_text(&name, &text)?;
            fields.push((name, text));
        }
    }
    Ok((fields, file))
}

fn content_type_headers(ct: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(ct) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h
}

/// A photo from the appeal page.
pub async fn photo_form(auth: Auth, State(state): State<AppState>, Path(id): Path<String>, m: Multipart) -> Response {
    let who = Viewer::of(&auth.principal);
    let r = async {
        let a = state.store.appeal(&who, &id).await?;
        if !open_actions(&who, &a).contains(&Action::Comment) {
            return Err(ApiError::forbidden(Permission::HandleAppeals));
        }
        let (_, file) = read_multipart(m).await?;
        let (ct, bytes) = file.ok_or_else(|| ApiError::invalid("photo", "请选择照片 (choose a photo)"))?;
        store_photo(&state, &auth.audit_ctx(), &a, &content_type_headers(&ct), &bytes).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match r {
        Ok(()) => back_with(&id, "done", "照片已上传"),
        Err(e) => back_with(&id, "error", &error_text(&e)),
    }
}

/// A compound and its choosable places: (code, name, preselected).
type BuildingGroup = (String, Vec<(String, String, bool)>);

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    ui: Ui,
    title: String,
    csrf: String,
    signed_in: bool,
    communities: Vec<(String, String, bool)>,
    community: String,
    buildings: Vec<BuildingGroup>,
    categories: Vec<(String, Vec<(String, String)>)>,
    urgencies: Vec<(&'static str, &'static str)>,
    error: String,
    filed: Option<(String, Option<String>, &'static str)>,
}

#[derive(Deserialize, Default)]
pub struct ReportParams {
    pub community: Option<String>,
}

fn pre_csrf(headers: &HeaderMap, auth: Option<&Auth>) -> (String, Option<String>) {
    if let Some(t) = auth.and_then(|a| a.csrf_token.clone()) {
        return (t, None);
    }
    let t = auth::cookie(headers, PRE_CSRF_COOKIE).filter(|c| c.len() > 20).unwrap_or_else(|| new_token("pre"));
    let cookie = format!("{PRE_CSRF_COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600");
    (t, Some(cookie))
}

async fn report_page_data(
    state: &AppState,
    ui: &Ui,
    auth: Option<&Auth>,
    community: Option<String>,
) -> Result<(Vec<(String, String, bool)>, String, Vec<BuildingGroup>), PageError> {
    let comms = state.store.report_communities().await.page(ui)?;
    // A signed-in resident starts at their own building.
    let home = auth
        .and_then(|a| a.principal.grants.iter().find(|g| g.role == jiayuan_domain::access::Role::Resident))
        .map(|g| g.path.clone());
    let home_prefixes = home.as_deref().map(path_prefixes).unwrap_or_default();
    let chosen = match community.filter(|c| !c.trim().is_empty()) {
        Some(c) => comms.iter().find(|p| p.code == c.trim()),
        None => home_prefixes.get(2).and_then(|p| comms.iter().find(|c| &c.path == p)),
    };
    let communities =
        comms.iter().map(|c| (c.code.clone(), c.name.clone(), chosen.is_some_and(|x| x.code == c.code))).collect();
    let mut buildings = Vec::new();
    if let Some(c) = chosen {
        for group in state.store.report_buildings(&c.path).await.page(ui)? {
            let mut options =
                vec![(group.compound.code.clone(), format!("{}（整个小区）", group.compound.name), false)];
            options.extend(group.buildings.into_iter().map(|b| {
                let mine = home_prefixes.get(4) == Some(&b.path);
                (b.code, b.name, mine)
            }));
            buildings.push((group.compound.name, options));
        }
    }
    let chosen = chosen.map(|c| c.code.clone());
    Ok((communities, chosen.unwrap_or_default(), buildings))
}

async fn categories_for_form(state: &AppState) -> Vec<(String, Vec<(String, String)>)> {
    let Ok(cfg) = state.store.appeal_config().await else { return vec![] };
    let mut groups: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for c in &cfg.categories {
        let top = c.code.split('.').next().unwrap_or(&c.code);
        let top_name = cfg.category(top).map(|t| t.name_zh.clone()).unwrap_or_default();
        match groups.iter_mut().find(|(n, _)| *n == top_name) {
            Some((_, v)) => v.push((c.code.clone(), c.name_zh.clone())),
            None => groups.push((top_name, vec![(c.code.clone(), c.name_zh.clone())])),
        }
    }
    groups
}

/// The public "report a problem" page: anyone may file; signed-in residents file as themselves.
pub async fn report_page(
    auth: Option<Auth>,
    State(state): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    Query(p): Query<ReportParams>,
) -> Result<Response, PageError> {
    let (csrf, cookie) = pre_csrf(&headers, auth.as_ref());
    let (communities, community, buildings) = report_page_data(&state, &ui, auth.as_ref(), p.community).await?;
    let page = ReportPage {
        title: ui.t("report.title").into(),
        csrf,
        signed_in: auth.is_some(),
        communities,
        community,
        buildings,
        categories: categories_for_form(&state).await,
        urgencies: Urgency::ALL.iter().map(|u| (u.as_str(), u.label_zh())).collect(),
        error: String::new(),
        filed: None,
        ui: ui.clone(),
    };
    let res = render(ui, page)?;
    Ok(match cookie {
        Some(c) => ([(header::SET_COOKIE, c)], res).into_response(),
        None => res,
    })
}

/// Files the report. Anonymous reports are limited per address, as sign-in failures are.
pub async fn report_submit(
    auth: Option<Auth>,
    State(state): State<AppState>,
    ui: Ui,
    meta: RequestMeta,
    headers: HeaderMap,
    m: Multipart,
) -> Result<Response, PageError> {
    let r = async {
        if auth.is_none() {
            if state.report_throttle.blocked(&meta.ip).is_some() {
                return Err(ApiError {
                    status: axum::http::StatusCode::TOO_MANY_REQUESTS,
                    code: "throttled",
                    message: "提交过于频繁，请稍后再试 (too many reports from this address; try later)".into(),
                    field: None,
                });
            }
            state.report_throttle.failed(&meta.ip);
        }
        let (fields, file) = read_multipart(m).await?;
        let get =
            |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
        let who = match &auth {
            Some(a) => Viewer::of(&a.principal),
            None => Viewer::public(),
        };
        let input = NewAppeal {
            channel: Some(Channel::Web),
            category: get("category").unwrap_or_default(),
            urgency: get("urgency").map(|u| Urgency::parse_field(&u, "urgency")).transpose()?,
            territory: get("territory").unwrap_or_default(),
            title: get("title"),
            description: get("description").unwrap_or_default(),
            address: get("address"),
            reporter_name: get("name"),
            reporter_phone: get("phone"),
            anonymous: get("anonymous").is_some(),
            ..Default::default()
        };
        if let Some((ct, bytes)) = &file {
            // Check the photo before filing, so a bad photo files nothing.
            if crate::appeals::sniff_image(bytes).is_none() || bytes.len() > crate::appeals::PHOTO_LIMIT {
                return Err(ApiError::invalid("photo", format!("只接受8MB以内的 JPEG、PNG 或 WebP 照片 (got {ct})")));
            }
        }
        let ctx = match &auth {
            Some(a) => a.audit_ctx(),
            None => jiayuan_store::audit::AuditCtx::anonymous("public", meta.ip.clone(), meta.request_id.clone()),
        };
        let filed = state.store.file_appeal(&who, &ctx, &input, state.clock.now()).await?;
        if let Some((ct, bytes)) = &file {
            store_photo(&state, &ctx, &filed.appeal, &content_type_headers(ct), bytes).await?;
        }
        Ok::<_, ApiError>(filed)
    }
    .await;
    let (csrf, _) = pre_csrf(&headers, auth.as_ref());
    let (communities, community, buildings) = report_page_data(&state, &ui, auth.as_ref(), None).await?;
    let (error, filed, status) = match r {
        Ok(f) => (
            String::new(),
            Some((f.appeal.number.to_string(), f.tracking_code, f.appeal.level().label_zh())),
            axum::http::StatusCode::OK,
        ),
        Err(e) => (error_text(&e), None, e.status),
    };
    let page = ReportPage {
        title: ui.t("report.title").into(),
        csrf,
        signed_in: auth.is_some(),
        communities,
        community,
        buildings,
        categories: categories_for_form(&state).await,
        urgencies: Urgency::ALL.iter().map(|u| (u.as_str(), u.label_zh())).collect(),
        error,
        filed,
        ui: ui.clone(),
    };
    let res = render(ui, page)?;
    Ok((status, res).into_response())
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    ui: Ui,
    title: String,
    csrf: String,
    code: String,
    found: Option<(String, String, &'static str, &'static str, String)>,
    timeline: Vec<EventView>,
    can_rate: bool,
    can_reopen: bool,
    version: i64,
    ratings: Vec<(&'static str, &'static str)>,
    message: String,
}

#[derive(Deserialize, Default)]
pub struct TrackParams {
    pub code: Option<String>,
    pub rating: Option<String>,
    pub action: Option<String>,
    pub version: Option<String>,
    pub note: Option<String>,
}

async fn track_render(
    state: &AppState,
    ui: Ui,
    headers: &HeaderMap,
    code: String,
    message: String,
) -> Result<Response, PageError> {
    let (csrf, cookie) = pre_csrf(headers, None);
    let mut page = TrackPage {
        title: ui.t("track.title").into(),
        csrf,
        code: code.clone(),
        found: None,
        timeline: vec![],
        can_rate: false,
        can_reopen: false,
        version: 0,
        ratings: Rating::ALL.iter().map(|r| (r.as_str(), r.label_zh())).collect(),
        message,
        ui: ui.clone(),
    };
    if !code.trim().is_empty() {
        match state.store.appeal_by_tracking_code(&code).await {
            Ok(a) => {
                let who = Viewer::tracking(&a);
                let acts = open_actions(&who, &a);
                page.can_rate = acts.contains(&Action::Rate);
                page.can_reopen = acts.contains(&Action::Reopen);
                page.version = a.version;
                // The reporter sees what happened and when, not who on the staff did it.
                page.timeline = state
                    .store
                    .appeal_timeline(&a)
                    .await
                    .page(&ui)?
                    .iter()
                    .map(event_view)
                    .map(|mut e| {
                        e.actor = String::new();
                        e
                    })
                    .collect();
                page.found = Some((
                    a.number.to_string(),
                    category_name(state, &a.category_code).await,
                    a.status().label_zh(),
                    a.level().label_zh(),
                    bj_time(a.created_at),
                ));
            }
            Err(_) => page.message = ui.t("track.none").into(),
        }
    }
    let res = render(ui, page)?;
    Ok(match cookie {
        Some(c) => ([(header::SET_COOKIE, c)], res).into_response(),
        None => res,
    })
}

/// Follow an appeal by its tracking code.
pub async fn track_page(
    State(state): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    Query(p): Query<TrackParams>,
) -> Result<Response, PageError> {
    track_render(&state, ui, &headers, p.code.unwrap_or_default(), String::new()).await
}

/// Rate (or ask to reopen) by tracking code.
pub async fn track_act(
    State(state): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    meta: RequestMeta,
    Form(p): Form<TrackParams>,
) -> Result<Response, PageError> {
    let code = p.code.clone().unwrap_or_default();
    let r = async {
        let a = state.store.appeal_by_tracking_code(&code).await?;
        let who = Viewer::tracking(&a);
        let body = ActBody {
            action: p.action.clone(),
            version: p.version.as_deref().and_then(|v| v.parse().ok()),
            note: p.note.clone(),
            rating: p.rating.clone(),
            ..Default::default()
        };
        let ctx = jiayuan_store::audit::AuditCtx::anonymous("public", meta.ip.clone(), meta.request_id.clone());
        state.store.act_on_appeal(&who, &ctx, &a.id.to_string(), &body.into_input()?, state.clock.now()).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    let msg = match r {
        Ok(()) => ui.t("track.thanks").to_string(),
        Err(e) => error_text(&e),
    };
    track_render(&state, ui, &headers, code, msg).await
}

pub struct Figure {
    pub label: &'static str,
    pub value: String,
    pub formula: String,
}

pub struct ChartBar {
    pub label: String,
    pub value: i64,
    pub percent: i64,
}

fn bars(items: Vec<(String, i64)>) -> Vec<ChartBar> {
    let max = items.iter().map(|x| x.1).max().unwrap_or(0).max(1);
    items.into_iter().map(|(label, value)| ChartBar { label, value, percent: value * 100 / max }).collect()
}

/// A two-line chart of received and resolved per day, as SVG polylines.
fn day_chart(days: &[(chrono::NaiveDate, jiayuan_domain::appeal::measure::Counts)]) -> String {
    if days.len() < 2 {
        return String::new();
    }
    let (w, h) = (600.0, 160.0);
    let max = days.iter().map(|(_, c)| c.get(Counter::Received).max(c.get(Counter::Resolved))).max().unwrap_or(1).max(1)
        as f64;
    let step = (w - 20.0) / (days.len() - 1) as f64;
    let line = |k: Counter| {
        days.iter()
            .enumerate()
            .map(|(i, (_, c))| {
                format!("{:.1},{:.1}", 10.0 + i as f64 * step, h - 10.0 - c.get(k) as f64 / max * (h - 30.0))
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"每日受理与办结\" xmlns=\"http://www.w3.org/2000/svg\">\
         <polyline class=\"received\" fill=\"none\" stroke=\"#c62828\" stroke-width=\"2\" points=\"{}\"/>\
         <polyline class=\"resolved\" fill=\"none\" stroke=\"#2e7d32\" stroke-width=\"2\" points=\"{}\"/>\
         <text x=\"10\" y=\"14\" font-size=\"12\" fill=\"#c62828\">受理 received</text>\
         <text x=\"120\" y=\"14\" font-size=\"12\" fill=\"#2e7d32\">办结 resolved</text>\
         <text x=\"10\" y=\"{h}\" font-size=\"11\" fill=\"#666\">{}</text>\
         <text x=\"{}\" y=\"{h}\" font-size=\"11\" fill=\"#666\" text-anchor=\"end\">{}</text></svg>",
        line(Counter::Received),
        line(Counter::Resolved),
        days[0].0,
        w - 10.0,
        days[days.len() - 1].0
    )
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ui: Ui,
    title: String,
    from: String,
    to: String,
    within: String,
    category: String,
    level: String,
    levels: Vec<(&'static str, &'static str)>,
    figures: Vec<Figure>,
    by_category: Vec<ChartBar>,
    settled: Vec<ChartBar>,
    day_svg: String,
    calendar_warning: String,
    test_clock: Option<String>,
    csrf: String,
}

pub async fn dashboard(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(p): Query<MeasureParams>,
) -> Result<Response, PageError> {
    auth.require(Permission::ViewAppeals).page(&ui)?;
    let who = Viewer::of(&auth.principal);
    let now = state.clock.now();
    let today = jiayuan_store::appeals::beijing(now).date();
    let q = p.query(today).page(&ui)?;
    let m = state.store.appeal_measures(&who, &q).await.page(&ui)?;
    let cfg = state.store.appeal_config().await.page(&ui)?;
    let pct = |v: Option<f64>| v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".into());
    let mut figures: Vec<Figure> = m
        .rates
        .iter()
        .map(|r| Figure { label: r.rate.label_zh(), value: pct(r.value), formula: r.formula_zh.clone() })
        .collect();
    for (label, c) in [
        ("受理诉求", Counter::Received),
        ("已办结", Counter::Resolved),
        ("超期(期间)", Counter::Overdue),
        ("上报上级", Counter::Escalated),
    ] {
        figures.push(Figure { label, value: m.totals.get(c).to_string(), formula: String::new() });
    }
    figures.push(Figure { label: "在办", value: m.open_now.to_string(), formula: "当前未办结".into() });
    figures.push(Figure {
        label: "当前超期", value: m.overdue_now.to_string(), formula: "当前未办结且已超期".into()
    });
    figures.push(Figure {
        label: "平均办理时长",
        value: m.average_handling_hours.map(|h| format!("{h:.1} 小时")).unwrap_or_else(|| "—".into()),
        formula: "办理总时长 ÷ 已办结".into(),
    });
    let resolved = m.totals.get(Counter::Resolved);
    for l in [Level::Building, Level::Compound] {
        let n = m.totals.get(Counter::settled_at(l));
        figures.push(Figure {
            label: if l == Level::Building { "楼栋化解占比" } else { "小区化解占比" },
            value: if resolved > 0 { format!("{:.1}%", n as f64 * 100.0 / resolved as f64) } else { "—".into() },
            formula: format!("{} ÷ 已办结", Counter::settled_at(l).label_zh()),
        });
    }
    let mut cats: Vec<(String, i64)> = m
        .by_category
        .iter()
        .map(|(k, c)| {
            (cfg.category(k).map(|x| x.name_zh.clone()).unwrap_or_else(|| k.clone()), c.get(Counter::Received))
        })
        .filter(|x| x.1 > 0)
        .collect();
    cats.sort_by_key(|c| std::cmp::Reverse(c.1));
    cats.truncate(12);
    let settled = bars(m.settled.iter().map(|(l, n)| (l.label_zh().to_string(), *n)).collect());
    let last_year = cfg.calendar.years().max().unwrap_or(0);
    use chrono::Datelike;
    let calendar_warning = if today.year() >= last_year && today.month() >= 10 {
        format!(
            "工作日历只到{last_year}年：请在年底前用 `jiayuan calendar import` 导入{}年，否则跨年的办理时限无法计算。",
            last_year + 1
        )
    } else {
        String::new()
    };
    let page = DashboardPage {
        title: ui.t("dashboard.title").into(),
        from: q.from.to_string(),
        to: q.to.pred_opt().unwrap_or(q.to).to_string(),
        within: p.within.unwrap_or_default(),
        category: p.category.unwrap_or_default(),
        level: p.level.unwrap_or_default(),
        levels: Level::ALL.iter().map(|l| (l.as_str(), l.label_zh())).collect(),
        figures,
        by_category: bars(cats),
        settled,
        day_svg: day_chart(&m.by_day),
        calendar_warning,
        test_clock: (state.clock.is_settable() && auth.principal.can(Permission::ManageAppeals)).then(|| bj_time(now)),
        csrf: ui.csrf.clone(),
        ui: ui.clone(),
    };
    render(ui, page)
}

#[derive(Deserialize)]
pub struct ClockForm {
    pub now: String,
}

/// The test clock's form on the dashboard (`serve --test-clock` only).
pub async fn clock_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<ClockForm>,
) -> Result<Response, PageError> {
    auth.require(Permission::ManageAppeals).page(&ui)?;
    let s = f.now.trim();
    let with_zone = if s.len() == 16 { format!("{s}:00+08:00") } else { s.to_string() };
    let t = chrono::DateTime::parse_from_rfc3339(&with_zone)
        .map_err(|_| ApiError::invalid("now", "应为 YYYY-MM-DDTHH:MM (not a time)"))
        .page(&ui)?;
    if !state.clock.set(t.with_timezone(&chrono::Utc)) {
        return Err(PageError {
            ui: Box::new(ui), err: ApiError::invalid("now", "时钟不可设置 (not a test clock)")
        });
    }
    crate::clock::tick_once(&state).await;
    Ok(crate::redirect::to("/appeals/dashboard"))
}
