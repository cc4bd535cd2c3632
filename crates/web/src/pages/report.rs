//! The public "report a problem" page, with follow-up by tracking code.

use super::*;
use crate::api::{event_view, store_photo, ActBody, EventView};
use crate::auth::{self, Auth, RequestMeta, PRE_CSRF_COOKIE};
use crate::error::ApiError;
use crate::pages::{render, OrPage, PageError, Ui};
use crate::shell::Progress;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Form;
use jiayuan_domain::appeal::{Action, Channel, Rating, Urgency};
use jiayuan_store::accounts::new_token;
use jiayuan_store::appeals::lifecycle::open_actions;
use jiayuan_store::appeals::{path_prefixes, NewAppeal, Viewer};
use jiayuan_store::report::CompoundPlaces;
use serde::Deserialize;

/// A compound and its choosable places: (code, name, preselected).
type BuildingGroup = (String, Vec<(String, String, bool)>);

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    ui: Ui,
    title: String,
    csrf: String,
    signed_in: bool,
    /// Staff who handle appeals file for a caller: the channel, the caller's name and phone.
    channels: Vec<(&'static str, &'static str)>,
    communities: Vec<(String, String, bool)>,
    community: String,
    buildings: Vec<BuildingGroup>,
    categories: Vec<(String, Vec<(String, String)>)>,
    urgencies: Vec<(&'static str, &'static str)>,
    /// What was typed, given back on an error so nothing has to be typed again.
    form: ReportForm,
    /// An error that belongs to no one field.
    error: String,
    /// The field an error belongs to (a form field name) and the message, in words.
    field_error: Option<(&'static str, String)>,
    filed: Option<(String, Option<String>, &'static str)>,
    /// The QR code of the tracking link, to follow the filing on a phone.
    filed_qr: String,
    /// The community's compounds and buildings with their shapes, for the map.
    places: Vec<CompoundPlaces>,
    /// The map to pick the place on, and whether it shows one compound (with a way back to
    /// the whole community).
    map_svg: String,
    map_zoomed: bool,
}

/// The report form's values as typed.
#[derive(Default, Clone)]
struct ReportForm {
    territory: String,
    category: String,
    urgency: String,
    description: String,
    address: String,
    name: String,
    phone: String,
    anonymous: bool,
    channel: String,
    /// A photo was chosen: browsers cannot refill a file input, so the page says to choose it again.
    had_photo: bool,
}

impl ReportForm {
    fn read(fields: &[(String, String)], had_photo: bool) -> Self {
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
        Self {
            territory: get("territory"),
            category: get("category"),
            urgency: get("urgency"),
            description: get("description"),
            address: get("address"),
            name: get("name"),
            phone: get("phone"),
            anonymous: !get("anonymous").is_empty(),
            channel: get("channel"),
            had_photo,
        }
    }
}

/// The form field an API field belongs to, or `None` for an error of the whole form.
fn form_field(api_field: &str) -> Option<&'static str> {
    Some(match api_field {
        "territory" => "territory",
        "category" => "category",
        "urgency" => "urgency",
        "description" | "title" => "description",
        "address" => "address",
        "reporter_name" => "name",
        "reporter_phone" => "phone",
        "photo" => "photo",
        "channel" => "channel",
        _ => return None,
    })
}

/// A store message ("中文 (English)") in the page's language, without codes.
fn in_words(message: &str, lang: crate::i18n::Lang) -> String {
    match message.trim_end().strip_suffix(')').and_then(|m| m.rsplit_once(" (")) {
        Some((_, en)) if matches!(lang, crate::i18n::Lang::En) && !en.is_empty() => en.to_string(),
        Some((zh, _)) if !zh.is_empty() => zh.to_string(),
        _ => message.to_string(),
    }
}

/// The channels staff file through for someone else (来访, 来电, 12345 转办, 网格巡查), for a
/// signed-in user who handles appeals; none for anyone else.
fn staff_channels(auth: Option<&Auth>, lang: crate::i18n::Lang) -> Vec<(&'static str, &'static str)> {
    let staff = auth.is_some_and(|a| a.principal.can(jiayuan_domain::access::Permission::HandleAppeals));
    if !staff {
        return vec![];
    }
    [Channel::WalkIn, Channel::Phone, Channel::Hotline, Channel::GridPatrol]
        .iter()
        .map(|c| (c.as_str(), c.label(lang.code())))
        .collect()
}

#[derive(Deserialize, Default)]
pub struct ReportParams {
    pub community: Option<String>,
    /// A compound or building chosen on the map (the link each shape is, without the script).
    pub place: Option<String>,
}

fn pre_csrf(headers: &HeaderMap, auth: Option<&Auth>) -> (String, Option<String>) {
    if let Some(t) = auth.and_then(|a| a.csrf_token.clone()) {
        return (t, None);
    }
    let t = auth::cookie(headers, PRE_CSRF_COOKIE).filter(|c| c.len() > 20).unwrap_or_else(|| new_token("pre"));
    let cookie = format!("{PRE_CSRF_COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600");
    (t, Some(cookie))
}

/// The communities to choose from, the one chosen, its places for the form's select and
/// for the map.
type ReportData = (Vec<(String, String, bool)>, String, Vec<BuildingGroup>, Vec<CompoundPlaces>);

async fn report_page_data(
    state: &AppState,
    ui: &Ui,
    auth: Option<&Auth>,
    community: Option<String>,
) -> Result<ReportData, PageError> {
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
    let mut places = Vec::new();
    if let Some(c) = chosen {
        places = state.store.report_buildings(&c.path).await.page(ui)?;
        for group in &places {
            let mut options = vec![(
                group.compound.code.clone(),
                format!("{}{}", group.compound.name, ui.t("report.whole_compound")),
                false,
            )];
            options.extend(group.buildings.iter().map(|b| {
                let mine = home_prefixes.get(4) == Some(&b.path);
                (b.code.clone(), b.name.clone(), mine)
            }));
            buildings.push((group.compound.name.clone(), options));
        }
    }
    let chosen = chosen.map(|c| c.code.clone());
    Ok((communities, chosen.unwrap_or_default(), buildings, places))
}

async fn categories_for_form(state: &AppState, lang: crate::i18n::Lang) -> Vec<(String, Vec<(String, String)>)> {
    let Ok(cfg) = state.store.appeal_config().await else { return vec![] };
    let mut groups: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for c in &cfg.categories {
        let top = c.code.split('.').next().unwrap_or(&c.code);
        let top_name = cfg.category(top).map(|t| t.name(lang.code()).to_string()).unwrap_or_default();
        match groups.iter_mut().find(|(n, _)| *n == top_name) {
            Some((_, v)) => v.push((c.code.clone(), c.name(lang.code()).to_string())),
            None => groups.push((top_name, vec![(c.code.clone(), c.name(lang.code()).to_string())])),
        }
    }
    groups
}

/// The report page for a community (or the signed-in resident's own), with an empty form.
async fn blank_report(
    state: &AppState,
    ui: &Ui,
    auth: Option<&Auth>,
    csrf: String,
    community: Option<String>,
) -> Result<ReportPage, PageError> {
    let (communities, community, buildings, places) = report_page_data(state, ui, auth, community).await?;
    Ok(ReportPage {
        title: ui.t("report.title").into(),
        csrf,
        signed_in: auth.is_some(),
        channels: staff_channels(auth, ui.lang),
        communities,
        community,
        buildings,
        categories: categories_for_form(state, ui.lang).await,
        urgencies: Urgency::ALL.iter().map(|u| (u.as_str(), u.label(ui.lang.code()))).collect(),
        form: ReportForm::default(),
        error: String::new(),
        field_error: None,
        filed: None,
        filed_qr: String::new(),
        places,
        map_svg: String::new(),
        map_zoomed: false,
        ui: ui.clone(),
    })
}

impl ReportPage {
    /// The map of the community's compounds and buildings, each a link that chooses it, the
    /// place chosen in the form highlighted and, when there is one, its compound filling the
    /// view so that its buildings are big enough to tap.
    fn draw_map(&mut self, state: &AppState) {
        use crate::map::{self, Shape, ShapeKind};
        // What the form has chosen: what was picked or typed, else the resident's own building.
        let mine = self.buildings.iter().flat_map(|(_, items)| items).find(|(_, _, mine)| *mine).map(|(c, _, _)| c);
        let chosen = match (self.form.territory.as_str(), mine) {
            ("", Some(m)) => m.as_str(),
            (t, _) => t,
        };
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let link = |code: &str| format!("/report?community={}&place={}#place", enc(&self.community), enc(code));
        let kind = |code: &str, kind| if code == chosen { ShapeKind::Chosen } else { kind };
        let mut shapes = Vec::new();
        let mut around: Option<&str> = None;
        for g in &self.places {
            let c = &g.compound;
            if c.code == chosen || g.buildings.iter().any(|b| b.code == chosen) {
                around = Some(&c.name);
            }
            for (p, base) in
                std::iter::once((c, ShapeKind::Area)).chain(g.buildings.iter().map(|b| (b, ShapeKind::Building)))
            {
                if let Some(geometry) = &p.geometry {
                    shapes.push(Shape {
                        label: p.name.clone(),
                        href: Some(link(&p.code)),
                        geometry: geometry.clone(),
                        kind: kind(&p.code, base),
                    });
                }
            }
        }
        let tiles = state.map_tiles.as_deref();
        let view = around
            .and_then(|name| map::focus(&shapes, |s| s.label == name && s.kind != ShapeKind::Building, tiles))
            .unwrap_or_default();
        self.map_zoomed = view != map::View::default();
        self.map_svg = map::draw(&shapes, &[], self.ui.t("report.map"), view, tiles);
    }
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
    let mut page = blank_report(&state, &ui, auth.as_ref(), csrf, p.community).await?;
    // A place chosen on the map, if it is one of this community's.
    if let Some(place) = p
        .place
        .map(|s| s.trim().to_string())
        .filter(|c| page.buildings.iter().any(|(_, items)| items.iter().any(|(code, _, _)| code == c)))
    {
        page.form.territory = place;
    }
    page.draw_map(&state);
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
    let mut form = ReportForm::default();
    let mut community = None;
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
        form = ReportForm::read(&fields, file.is_some());
        community = fields.iter().find(|(n, _)| n == "community").map(|(_, v)| v.trim().to_string());
        let get =
            |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
        let who = match &auth {
            Some(a) => Viewer::of(&a.principal),
            None => Viewer::public(),
        };
        // Staff choose the channel the caller came through; everyone else files on the web.
        let channel = match get("channel") {
            Some(c) if !staff_channels(auth.as_ref(), ui.lang).is_empty() => Channel::parse_field(&c, "channel")?,
            _ => Channel::Web,
        };
        let input = NewAppeal {
            channel: Some(channel),
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
            if crate::api::sniff_image(bytes).is_none() || bytes.len() > crate::api::PHOTO_LIMIT {
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
    let mut page = blank_report(&state, &ui, auth.as_ref(), csrf, community).await?;
    let (error, field_error, filed, status) = match r {
        Ok(f) => {
            // Filed: the next report starts from an empty form.
            form = ReportForm::default();
            if let Some(c) = &f.tracking_code {
                let enc: String = form_urlencoded::byte_serialize(c.as_bytes()).collect();
                page.filed_qr = crate::shell::qr_svg(
                    &format!("{}/report/track?code={enc}", site_origin(&state, &headers)),
                    ui.t("track.qr"),
                );
            }
            let filed = (f.appeal.number.to_string(), f.tracking_code, f.appeal.level().label(ui.lang.code()));
            (String::new(), None, Some(filed), axum::http::StatusCode::OK)
        }
        Err(e) => {
            let words = in_words(&e.message, ui.lang);
            match e.field.as_deref().and_then(form_field) {
                Some(f) => (String::new(), Some((f, words)), None, e.status),
                None => (words, None, None, e.status),
            }
        }
    };
    (page.form, page.error, page.field_error, page.filed) = (form, error, field_error, filed);
    page.draw_map(&state);
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
    found: Option<Found>,
    /// What the reporter wrote, and their photos.
    own_text: String,
    own_photos: Vec<String>,
    p: Progress,
    /// The rating given: stars (when given as stars), its words, and the comment.
    rated: Option<(String, &'static str, String)>,
    timeline: Vec<EventView>,
    can_rate: bool,
    can_reopen: bool,
    version: i64,
    stars: Vec<(i64, &'static str)>,
    message: String,
    /// Whether the message is a refusal (shown as an error) rather than a thank-you.
    failed: bool,
    /// The QR code of this page's address, to follow it on a phone.
    qr_svg: String,
}

struct Found {
    number: String,
    category: String,
    status: &'static str,
    level: &'static str,
    at: String,
}

#[derive(Deserialize, Default)]
pub struct TrackParams {
    pub code: Option<String>,
    /// Set by the redirect after a rating or a request to reopen.
    pub done: Option<String>,
    pub rating: Option<String>,
    pub stars: Option<String>,
    pub action: Option<String>,
    pub version: Option<String>,
    pub note: Option<String>,
}

async fn track_render(
    state: &AppState,
    ui: Ui,
    headers: &HeaderMap,
    meta: &RequestMeta,
    code: String,
    message: String,
    refused: Option<axum::http::StatusCode>,
) -> Result<Response, PageError> {
    let (csrf, cookie) = pre_csrf(headers, None);
    let lang = ui.lang;
    let mut status = refused.unwrap_or(axum::http::StatusCode::OK);
    // Shown back as the code is written (upper case, no separators) however it was typed.
    let shown = jiayuan_domain::appeal::tracking::normalise(&code).unwrap_or_else(|| code.clone());
    let mut page = TrackPage {
        title: ui.t("track.title").into(),
        csrf,
        code: shown.clone(),
        found: None,
        own_text: String::new(),
        own_photos: vec![],
        p: crate::shell::progress(lang, jiayuan_domain::appeal::Status::New, false),
        rated: None,
        timeline: vec![],
        can_rate: false,
        can_reopen: false,
        version: 0,
        stars: crate::shell::star_choices(lang),
        message,
        failed: refused.is_some(),
        qr_svg: String::new(),
        ui: ui.clone(),
    };
    if !code.trim().is_empty() && state.track_throttle.blocked(&meta.ip).is_some() {
        page.message = ui.t("track.throttled").into();
        status = axum::http::StatusCode::TOO_MANY_REQUESTS;
    } else if !code.trim().is_empty() {
        match state.store.appeal_by_tracking_code(&code).await {
            Ok(a) => {
                page.own_text = a.description.clone();
                let enc: String = form_urlencoded::byte_serialize(shown.as_bytes()).collect();
                page.own_photos = state
                    .store
                    .appeal_photos(&a)
                    .await
                    .page(&ui)?
                    .iter()
                    .map(|p| format!("/report/track/photos/{}?code={enc}", p.id))
                    .collect();
                let who = Viewer::tracking(&a);
                let acts = open_actions(&who, &a);
                page.can_rate = acts.contains(&Action::Rate);
                page.can_reopen = acts.contains(&Action::Reopen);
                page.version = a.version;
                page.p = crate::shell::progress(lang, a.status(), a.rating.is_some());
                let events = state.store.appeal_timeline(&a).await.page(&ui)?;
                if let Some(r) = a.rating.as_deref().and_then(Rating::parse) {
                    let rate = events.iter().rev().find(|e| e.action == Action::Rate.as_str());
                    let stars = rate
                        .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.data).ok())
                        .and_then(|d| d["stars"].as_i64())
                        .map(|n| {
                            let n = n.clamp(0, 5) as usize;
                            "★".repeat(n) + &"☆".repeat(5 - n)
                        })
                        .unwrap_or_default();
                    page.rated = Some((stars, r.label(lang.code()), rate.map(|e| e.note.clone()).unwrap_or_default()));
                }
                // The reporter sees what happened and when, not who on the staff did it.
                page.timeline = events
                    .iter()
                    .map(event_view)
                    .map(|mut e| {
                        e.actor = String::new();
                        e.at = crate::shell::when(&e.at);
                        if let Some(x) = Action::parse(&e.action) {
                            e.action_label = x.label(lang.code()).to_string();
                        }
                        e
                    })
                    .collect();
                let cfg = state.store.appeal_config().await.page(&ui)?;
                page.found = Some(Found {
                    number: a.number.to_string(),
                    category: cfg
                        .category(&a.category_code)
                        .map(|c| c.name(lang.code()).to_string())
                        .unwrap_or_else(|| a.category_code.clone()),
                    status: a.status().label(lang.code()),
                    level: a.level().label(lang.code()),
                    at: jiayuan_domain::time::display(a.created_at),
                });
                page.qr_svg = crate::shell::qr_svg(
                    &format!("{}/report/track?code={enc}", site_origin(state, headers)),
                    ui.t("track.qr"),
                );
            }
            Err(_) => {
                state.track_throttle.failed(&meta.ip);
                page.message = ui.t("track.none").into();
            }
        }
    }
    let res = (status, render(ui, page)?).into_response();
    Ok(match cookie {
        Some(c) => ([(header::SET_COOKIE, c)], res).into_response(),
        None => res,
    })
}

/// This site's origin for links that leave the page (a QR code): the request's host when
/// it is a plain host name, the scheme by whether cookies are secure.
pub fn site_origin(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// A photo of an appeal, for its reporter by the tracking code.
pub async fn track_photo(
    State(state): State<AppState>,
    meta: RequestMeta,
    axum::extract::Path(photo): axum::extract::Path<String>,
    Query(p): Query<TrackParams>,
) -> Result<Response, ApiError> {
    if state.track_throttle.blocked(&meta.ip).is_some() {
        return Err(ApiError::not_found());
    }
    let code = p.code.unwrap_or_default();
    let a = match state.store.appeal_by_tracking_code(&code).await {
        Ok(a) => a,
        Err(_) => {
            state.track_throttle.failed(&meta.ip);
            return Err(ApiError::not_found());
        }
    };
    crate::api::photo_file(&state, &a, &photo).await
}

/// Follow an appeal by its tracking code.
pub async fn track_page(
    State(state): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    meta: RequestMeta,
    Query(p): Query<TrackParams>,
) -> Result<Response, PageError> {
    let message = if p.done.is_some() { ui.t("track.thanks").to_string() } else { String::new() };
    track_render(&state, ui, &headers, &meta, p.code.unwrap_or_default(), message, None).await
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
            stars: crate::pages::appeals::stars_of(p.stars.as_deref()),
            ..Default::default()
        };
        let ctx = jiayuan_store::audit::AuditCtx::anonymous("public", meta.ip.clone(), meta.request_id.clone());
        state.store.act_on_appeal(&who, &ctx, &a.id.to_string(), &body.into_input()?, state.clock.now()).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match r {
        // Post/redirect/get: the page after a rating can be reloaded, and its address holds
        // the code the reporter already has and nothing else.
        Ok(()) => {
            let code = jiayuan_domain::appeal::tracking::normalise(&code).unwrap_or(code);
            let target = format!(
                "/report/track?code={}&done=1",
                form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>()
            );
            Ok(crate::redirect::to(&target))
        }
        Err(e) => {
            let msg = in_words(&e.message, ui.lang);
            track_render(&state, ui, &headers, &meta, code, msg, Some(e.status)).await
        }
    }
}
