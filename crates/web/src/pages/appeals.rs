//! The staff's appeal pages: the queue, one appeal (timeline, actions, photos, map pin),
//! and the measures dashboard.

use crate::api::{store_photo, ActBody, EventView};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::pages::{pager, render, OrPage, PageError, Ui};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use axum::Form;
use jiayuan_domain::access::Permission;
use jiayuan_domain::appeal::{Action, Channel, Rating, Status, Urgency};
use jiayuan_domain::TerritoryKind;
use jiayuan_store::appeals::config::AppealConfig;
use jiayuan_store::appeals::lifecycle::open_actions;
use jiayuan_store::appeals::{path_prefixes, AppealQuery, AppealRow, Viewer};
use jiayuan_store::model::Page;
use serde::Deserialize;

/// One row of a queue or list.
pub struct Row {
    pub id: String,
    pub number: i64,
    pub title: String,
    pub category: String,
    pub status: &'static str,
    /// The status chip's colour: `open`, `done`, `stop` or `late`.
    pub tone: &'static str,
    pub level: &'static str,
    pub due: String,
    /// The time left, or overdue, in words ("还剩 3 小时"), for open appeals.
    pub left: String,
    pub overdue: bool,
    pub warned: bool,
    pub help: bool,
}

/// The colour of a status chip: open work blue (red when overdue), finished green, and
/// declined or merged grey.
pub fn status_tone(a: &AppealRow) -> &'static str {
    use jiayuan_domain::appeal::Status;
    match a.status() {
        _ if a.overdue && a.status().is_open() => "late",
        Status::Declined | Status::Merged => "stop",
        s if s.is_open() => "open",
        _ => "done",
    }
}

/// A list row in the page's language.
pub fn row_of(cfg: &AppealConfig, lang: Lang, now: chrono::DateTime<chrono::Utc>, a: &AppealRow) -> Row {
    Row {
        id: a.id.to_string(),
        number: a.number,
        title: a.title.clone(),
        category: cfg
            .category(&a.category_code)
            .map(|c| c.name(lang.code()).to_string())
            .unwrap_or_else(|| a.category_code.clone()),
        status: a.status().label(lang.code()),
        tone: status_tone(a),
        level: a.level().label(lang.code()),
        due: jiayuan_domain::time::display(a.current_due()),
        // Time left only where a clock runs: open and not on hold.
        left: if a.is_open && a.status() != Status::OnHold {
            jiayuan_domain::time::countdown(now, a.current_due(), lang.code())
        } else {
            String::new()
        },
        overdue: a.overdue,
        warned: a.warned,
        help: a.helper_path.is_some(),
    }
}

/// The categories a filter offers: the top two levels, the second indented (a filter on a
/// category takes in the ones below it).
pub fn category_options(
    cfg: &jiayuan_store::appeals::config::AppealConfig,
    lang: crate::i18n::Lang,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for c in &cfg.categories {
        let depth = c.code.matches('.').count();
        if depth <= 1 {
            let indent = if depth == 1 { "　" } else { "" };
            out.push((c.code.clone(), format!("{indent}{}", c.name(lang.code()))));
        }
    }
    out
}

#[derive(Template)]
#[template(path = "appeals.html")]
struct QueuePage {
    ui: Ui,
    title: String,
    tabs: Vec<(&'static str, &'static str, bool)>,
    tab: String,
    q: String,
    /// The category filter: the one chosen ('' for all) and the choices.
    category: String,
    categories: Vec<(String, String)>,
    /// The other column filters: (name, label, chosen, choices); status only where the tab
    /// does not fix it.
    filters: Vec<Filter>,
    rows: Vec<Row>,
    total: i64,
    pager: String,
    can_dashboard: bool,
    /// The CSV of what this list holds (the same filters).
    export: String,
}

#[derive(Deserialize, Default)]
pub struct QueueParams {
    pub tab: Option<String>,
    pub q: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub urgency: Option<String>,
    pub channel: Option<String>,
    pub page: Option<String>,
}

/// A select of the list's filter row: the query name, its label, the value chosen ('' for
/// all) and the choices (value, label).
pub struct Filter {
    pub name: &'static str,
    pub label: &'static str,
    pub chosen: String,
    pub choices: Vec<(&'static str, &'static str)>,
}

/// The filters beside the category: status (on the tabs that do not fix it), urgency and
/// channel, each kept only when it is one of its choices (as an unknown category is).
fn list_filters(ui: &Ui, p: &QueueParams, with_status: bool) -> Vec<Filter> {
    let lang = ui.lang.code();
    let keep = |v: &Option<String>, choices: &[(&'static str, &'static str)]| {
        v.as_deref().map(str::trim).filter(|v| choices.iter().any(|(k, _)| k == v)).unwrap_or_default().to_string()
    };
    let mut out = Vec::new();
    if with_status {
        let mut choices = vec![("open", ui.t("appeals.status_open")), ("closed", ui.t("appeals.status_closed"))];
        choices.extend(Status::ALL.iter().map(|s| (s.as_str(), s.label(lang))));
        out.push(Filter { name: "status", label: ui.t("appeals.status"), chosen: keep(&p.status, &choices), choices });
    }
    let choices: Vec<_> = Urgency::ALL.iter().map(|u| (u.as_str(), u.label(lang))).collect();
    out.push(Filter { name: "urgency", label: ui.t("report.urgency"), chosen: keep(&p.urgency, &choices), choices });
    let choices: Vec<_> = Channel::ALL.iter().map(|c| (c.as_str(), c.label(lang))).collect();
    out.push(Filter { name: "channel", label: ui.t("appeals.channel"), chosen: keep(&p.channel, &choices), choices });
    out
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
        .filter(|t| ["todo", "overdue", "help", "below", "all", "reported"].contains(&t.as_str()))
        .unwrap_or_else(|| if staff { "todo" } else { "reported" }.to_string());
    let cfg = state.store.appeal_config().await.page(&ui)?;
    // An unknown category is left out, as on the dashboard.
    let category = p.category.clone().filter(|c| cfg.category(c).is_some());
    let mut q = AppealQuery { q: p.q.clone(), category: category.clone(), ..Default::default() };
    match tab.as_str() {
        "todo" if staff => {
            q.mine = true;
            q.here = true;
            q.status = Some("open".into());
        }
        "overdue" if staff => {
            q.mine = true;
            q.here = true;
            q.status = Some("open".into());
            q.overdue = true;
        }
        "help" if staff => {
            q.mine = true;
            q.helping = true;
            q.status = Some("open".into());
        }
        "below" if staff => {
            q.mine = true;
            q.status = Some("open".into());
        }
        "all" if who.view.is_some() => {}
        _ => q.reported = true,
    }
    let with_status = q.status.is_none();
    let filters = list_filters(&ui, &p, with_status);
    let chosen =
        |name: &str| filters.iter().find(|f| f.name == name).map(|f| f.chosen.clone()).filter(|v| !v.is_empty());
    if with_status {
        q.status = chosen("status");
    }
    q.urgency = chosen("urgency");
    q.channel = chosen("channel");
    let page_no = p.page.as_deref().and_then(|s| s.parse().ok());
    let page = Page::new(page_no, Some(30)).page(&ui)?;
    let list = state.store.list_appeals(&who, None, &q, page).await.page(&ui)?;
    let export = export_link(&q);
    let now = state.clock.now();
    let rows = list.items.iter().map(|a| row_of(&cfg, ui.lang, now, a)).collect();
    let mut tabs = Vec::new();
    if staff {
        tabs.push(("todo", ui.t("appeals.todo"), tab == "todo"));
        tabs.push(("overdue", ui.t("appeals.overdue"), tab == "overdue"));
        tabs.push(("help", ui.t("appeals.help"), tab == "help"));
        tabs.push(("below", ui.t("appeals.below"), tab == "below"));
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
        category: category.unwrap_or_default(),
        categories: category_options(&cfg, ui.lang),
        filters,
        rows,
        total: list.total,
        pager: pager(&ui, list.page, list.page_size, list.total),
        can_dashboard: auth.principal.can(Permission::ViewAppeals),
        export,
        ui: ui.clone(),
    };
    render(ui, page)
}

/// The export's address for a list's query: the API's parameters for the same filters.
fn export_link(q: &AppealQuery) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, on) in
        [("mine", q.mine), ("here", q.here), ("helping", q.helping), ("overdue", q.overdue), ("reported", q.reported)]
    {
        if on {
            out.append_pair(key, "true");
        }
    }
    for (key, v) in [
        ("status", &q.status),
        ("category", &q.category),
        ("urgency", &q.urgency),
        ("channel", &q.channel),
        ("q", &q.q),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            out.append_pair(key, v);
        }
    }
    format!("/appeals.csv?{}", out.finish())
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
}

/// The actions that move an appeal on, in the order a handler usually takes them: the first
/// one or two of these that are open are the page's primary buttons; the rest go under 更多.
const FORWARD: [Action; 8] = [
    Action::Accept,
    Action::Start,
    Action::Resolve,
    Action::Verify,
    Action::Close,
    Action::Approve,
    Action::Resume,
    Action::Rate,
];

fn action_form(lang: Lang, a: Action) -> ActionForm {
    ActionForm {
        action: a.as_str(),
        label: a.label(lang.code()),
        note: true,
        note_required: a.needs_note(),
        assignee: a == Action::Assign,
        target: a == Action::Dispatch,
        rating: a == Action::Rate,
        merge: a == Action::Merge,
        limit: a == Action::RequestExtension,
    }
}

/// The open actions split into the primary ones (at most two) and the rest.
pub fn split_actions(actions: &[Action]) -> (Vec<Action>, Vec<Action>) {
    let primary: Vec<Action> = FORWARD.iter().copied().filter(|a| actions.contains(a)).take(2).collect();
    let rest = actions.iter().copied().filter(|a| !primary.contains(a)).collect();
    (primary, rest)
}

/// A deadline with the time left (or overdue) beside it.
pub struct Deadline {
    pub label: &'static str,
    pub at: String,
    pub left: String,
    pub tone: &'static str,
}

#[derive(Template)]
#[template(path = "appeal.html")]
struct AppealPage {
    ui: Ui,
    title: String,
    a: crate::api::AppealView,
    status: &'static str,
    tone: &'static str,
    level: &'static str,
    rating: Option<&'static str>,
    place: Vec<String>,
    timeline: Vec<EventView>,
    photos: Vec<String>,
    primary: Vec<ActionForm>,
    more: Vec<ActionForm>,
    deadlines: Vec<Deadline>,
    duplicates: Vec<Row>,
    merged_into: Option<(String, i64, String)>,
    merged_here: Vec<(String, i64, String)>,
    assignees: Vec<(String, String)>,
    targets: Vec<(String, String)>,
    map_svg: String,
    error: String,
    done: String,
    can_photo: bool,
    photo_action: String,
    stars: Vec<(i64, &'static str)>,
    limits: Vec<(&'static str, &'static str)>,
    /// Council topics this appeal was referred to: id, title, status.
    topics: Vec<(String, String, &'static str)>,
    /// Councils the viewer runs over the appeal's place, to refer it to: id, name.
    councils: Vec<(String, String)>,
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

/// The buildings around the appeal's place, its own building coloured, and a pin where it
/// was reported (the coordinates given, else the middle of its building).
async fn pin_map(state: &AppState, a: &AppealRow, label: &str) -> String {
    let prefixes = path_prefixes(&a.path);
    let Some(compound) = prefixes.get(3) else { return String::new() };
    let Ok(code) = state.store.territory_code_at(compound).await else { return String::new() };
    let Ok(c) = state.store.territory_by_code(&code).await else { return String::new() };
    let Ok(kids) = state.store.children(c.id).await else { return String::new() };
    let here = prefixes.get(4).cloned().unwrap_or_default();
    let mut shapes: Vec<crate::map::Shape> = Vec::new();
    if let Some(g) = &c.geometry {
        shapes.push(crate::map::Shape {
            label: c.name.clone(),
            href: None,
            geometry: g.clone(),
            kind: crate::map::ShapeKind::Outline,
        });
    }
    let mut at = a.lat_e6.zip(a.lng_e6).map(|(la, lo)| (lo as f64 / 1e6, la as f64 / 1e6));
    for k in &kids {
        let Some(g) = &k.geometry else { continue };
        let mine = k.path == here;
        if mine && at.is_none() {
            at = crate::map::centre(g);
        }
        shapes.push(crate::map::Shape {
            label: k.name.clone(),
            href: None,
            geometry: g.clone(),
            kind: if mine { crate::map::ShapeKind::Area } else { crate::map::ShapeKind::Building },
        });
    }
    let pins: Vec<crate::map::Pin> = at
        .map(|at| crate::map::Pin {
            at,
            label: format!("#{} {}", a.number, a.title),
            href: format!("/appeals/{}", a.id),
            overdue: a.overdue,
        })
        .into_iter()
        .collect();
    crate::map::draw(&shapes, &pins, label, crate::map::View::default(), state.map_tiles.as_deref())
}

pub async fn appeal_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(f): Query<Flash>,
) -> Result<Response, PageError> {
    let lang = ui.lang;
    let s = &state.store;
    let who = Viewer::of(&auth.principal);
    let d = crate::api::detail(&state, &who, &id).await.page(&ui)?;
    let a = s.appeal(&who, &id).await.page(&ui)?;
    let cfg = s.appeal_config().await.page(&ui)?;
    let now = state.clock.now();
    // The detail has read the likely duplicates already; they are shown, not read again.
    let duplicates: Vec<Row> = d
        .possible_duplicates
        .iter()
        .map(|x| Row {
            id: x.id.to_string(),
            number: x.number.parse().unwrap_or(0),
            title: x.title.clone(),
            category: cfg.category(&x.category).map(|c| c.name(lang.code()).to_string()).unwrap_or_default(),
            status: x.status.label(lang.code()),
            // Only open appeals are offered as duplicates.
            tone: if x.overdue { "late" } else { "open" },
            level: jiayuan_domain::appeal::Level::parse(&x.handler_level).map(|l| l.label(lang.code())).unwrap_or(""),
            due: String::new(),
            left: String::new(),
            overdue: x.overdue,
            warned: x.warned,
            help: x.asked_for_help,
        })
        .collect();
    // Staff never rate: the rating is the reporter's.
    let actions: Vec<Action> = d
        .actions
        .iter()
        .copied()
        .filter(|x| !(who.is_staff() && *x == Action::Rate) && *x != Action::Comment)
        .collect();
    let (primary, more) = split_actions(&actions);
    let can_photo = d.actions.contains(&Action::Comment);
    let mut deadlines = Vec::new();
    let due = |label: &'static str, t: chrono::DateTime<chrono::Utc>, live: bool| Deadline {
        label,
        at: jiayuan_domain::time::display(t),
        left: if live { jiayuan_domain::time::countdown(now, t, lang.code()) } else { String::new() },
        tone: if !live {
            ""
        } else if t < now {
            "missed"
        } else if a.warned {
            "near"
        } else {
            ""
        },
    };
    deadlines.push(due(ui.t("appeals.response_due"), a.response_due_at, a.status() == Status::New));
    deadlines.push(due(ui.t("appeals.resolve_due"), a.resolve_due_at, a.is_open && a.status() != Status::OnHold));
    let merged_into = match a.merged_into {
        Some(m) => s.appeal(&who, &m.to_string()).await.ok().map(|t| (t.id.to_string(), t.number, t.title)),
        None => None,
    };
    let merged_here = s
        .merged_into_this(&who, &a)
        .await
        .page(&ui)?
        .into_iter()
        .map(|m| (m.id.to_string(), m.number, m.title))
        .collect();
    let assignees = if actions.contains(&Action::Assign) {
        s.appeal_assignees(&a)
            .await
            .page(&ui)?
            .into_iter()
            .map(|x| {
                (x.username.clone(), format!("{} · {} ({})", x.display_name, x.role.label(lang.code()), x.username))
            })
            .collect()
    } else {
        vec![]
    };
    let targets = if actions.contains(&Action::Dispatch) {
        s.dispatch_targets(&who, &a)
            .await
            .page(&ui)?
            .into_iter()
            .map(|t| {
                let kind = TerritoryKind::parse(&t.kind).map(|k| k.label(lang.code())).unwrap_or("");
                (t.code, format!("{} · {kind}", t.name))
            })
            .collect()
    } else {
        vec![]
    };
    // Times on a page read as people read them, not as the API writes them.
    let mut d = d;
    for t in [
        &mut d.appeal.created_at,
        &mut d.appeal.updated_at,
        &mut d.appeal.response_due_at,
        &mut d.appeal.resolve_due_at,
    ] {
        *t = crate::shell::when(t);
    }
    for t in [&mut d.appeal.resolved_at, &mut d.appeal.closed_at].into_iter().flatten() {
        *t = crate::shell::when(t);
    }
    for e in &mut d.timeline {
        e.at = crate::shell::when(&e.at);
        if let Some(x) = Action::parse(&e.action) {
            e.action_label = x.label(lang.code()).to_string();
        }
    }
    if let Some(c) = cfg.category(&a.category_code) {
        d.appeal.category_name = c.name(lang.code()).to_string();
    }
    let done = match f.done.as_deref() {
        Some("photo") => ui.t("appeals.photo_added").to_string(),
        Some(x) => {
            Action::parse(x).map(|x| format!("{}{}", ui.t("appeals.done"), x.label(lang.code()))).unwrap_or_default()
        }
        None => String::new(),
    };
    let referred = s.topics_of_appeal(a.id).await.page(&ui)?;
    // One council at a time: no second referral while one is open.
    let before_council = referred.iter().any(|t| t.status.is_open());
    let topics: Vec<(String, String, &'static str)> =
        referred.into_iter().map(|t| (t.id.to_string(), t.title, t.status.label(lang.code()))).collect();
    let councils = if actions.contains(&Action::Resolve) && !before_council {
        s.councils_visible(&auth.principal, None)
            .await
            .page(&ui)?
            .into_iter()
            .filter(|c| {
                jiayuan_store::subtree::Subtree::of(&c.node_path).covers(&a.path)
                    && jiayuan_store::councils::runs_council(&auth.principal, &c.node_path)
            })
            .map(|c| (c.id.to_string(), format!("{} · {}", c.name, c.kind.label(lang.code()))))
            .collect()
    } else {
        vec![]
    };
    let page = AppealPage {
        topics,
        councils,
        title: format!("#{} {}", d.appeal.number, d.appeal.title),
        status: a.status().label(lang.code()),
        tone: status_tone(&a),
        level: a.level().label(lang.code()),
        rating: a.rating.as_deref().and_then(Rating::parse).map(|r| r.label(lang.code())),
        place: place_names(&state, &a).await,
        timeline: d.timeline,
        photos: d.photos.iter().map(|p| p.url.clone()).collect(),
        primary: primary.into_iter().map(|x| action_form(lang, x)).collect(),
        more: more.into_iter().map(|x| action_form(lang, x)).collect(),
        deadlines,
        duplicates,
        merged_into,
        merged_here,
        assignees,
        targets,
        map_svg: pin_map(&state, &a, ui.t("appeals.place")).await,
        error: f.error.unwrap_or_default(),
        done,
        can_photo,
        photo_action: format!("/appeals/{}/photos?csrf={}", a.id, ui.csrf),
        stars: crate::shell::star_choices(lang),
        limits: vec![
            ("1wd", ui.t("limit.1wd")),
            ("3wd", ui.t("limit.3wd")),
            ("5wd", ui.t("limit.5wd")),
            ("10wd", ui.t("limit.10wd")),
            ("24h", ui.t("limit.24h")),
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
    pub stars: Option<String>,
    pub merge_into: Option<String>,
    pub limit: Option<String>,
}

/// Stars as a form sends them; anything but a number reads as 0, which the rating refuses
/// naming the field.
pub fn stars_of(v: Option<&str>) -> Option<i64> {
    v.map(str::trim).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap_or(0))
}

fn back_with(id: &str, key: &str, msg: &str) -> Response {
    let enc: String = form_urlencoded::byte_serialize(msg.as_bytes()).collect();
    crate::redirect::to(&format!("/appeals/{id}?{key}={enc}"))
}

/// `POST /appeals/{id}/referral`: refers the appeal to a council and opens the new topic.
pub async fn refer_form(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let r = async {
        let council = f
            .get("council")
            .and_then(|c| c.trim().parse::<uuid::Uuid>().ok())
            .ok_or_else(|| ApiError::invalid("council", "请选择议事会 (choose a council)"))?;
        let title = f.get("title").cloned();
        let referral = jiayuan_store::councils::Referral { council, kind: None, title };
        Ok::<_, ApiError>(
            state.store.refer_appeal(&auth.audit_ctx(), &auth.principal, &id, &referral, state.clock.now()).await?,
        )
    }
    .await;
    match r {
        Ok(t) => crate::redirect::to(&format!("/topics/{}?done=referred", t.id)),
        Err(e) => back_with(&id, "error", &error_text(&e)),
    }
}

pub(crate) fn error_text(e: &ApiError) -> String {
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
        stars: stars_of(f.stars.as_deref()),
        merge_into: f.merge_into,
        limit: f.limit,
    };
    let r = async {
        let input = body.into_input()?;
        let done = input.action.map(|a| a.as_str()).unwrap_or("");
        state.store.act_on_appeal(&who, &auth.audit_ctx(), &id, &input, state.clock.now()).await?;
        Ok::<_, ApiError>(done)
    }
    .await;
    match r {
        Ok(label) => back_with(&id, "done", label),
        Err(e) => back_with(&id, "error", &error_text(&e)),
    }
}

/// The first file field of a multipart form, if any, with the text fields.
pub(crate) async fn read_multipart(
    mut m: Multipart,
) -> Result<(Vec<(String, String)>, Option<(String, Vec<u8>)>), ApiError> {
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

pub(crate) fn content_type_headers(ct: &str) -> HeaderMap {
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
        Ok(()) => back_with(&id, "done", "photo"),
        Err(e) => back_with(&id, "error", &error_text(&e)),
    }
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
    crate::jobs::tick_once(&state).await;
    Ok(crate::redirect::to("/appeals/dashboard"))
}
