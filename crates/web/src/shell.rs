//! What every page stands in: the language and the signed-in user (`Ui`), rendering a
//! template, and the error page. Below the handlers, so the middleware can render a
//! page-shaped error without importing from the pages.

use crate::auth::Auth;
use crate::error::ApiError;
use crate::i18n::{t, Lang};
use askama::Template;
use axum::extract::OriginalUri;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use jiayuan_domain::access::Permission;
use jiayuan_store::access::{Grant, Principal};

/// Language, the current path and who is signed in, for every page.
#[derive(Clone)]
pub struct Ui {
    pub lang: Lang,
    pub path: String,
    /// Display name of the signed-in user.
    pub user: Option<String>,
    /// The session's CSRF token, for forms.
    pub csrf: String,
    pub can_people: bool,
    pub can_manage: bool,
    pub can_audit: bool,
    /// The navigation by system, with the current entry marked.
    pub nav: Vec<NavGroup>,
    /// The phone's bottom bar: the few entries a person on the move needs.
    pub bar: Vec<NavItem>,
    /// The grant the pages start from ("role · place"), and the others one may switch to.
    pub scope: Option<ScopeChip>,
}

/// One system's entries in the left navigation.
#[derive(Clone)]
pub struct NavGroup {
    pub title: &'static str,
    pub items: Vec<NavItem>,
}

/// One entry: a link, or (`href` empty) a system still being built, shown but not linked.
#[derive(Clone)]
pub struct NavItem {
    pub label: &'static str,
    pub href: String,
    pub on: bool,
}

/// The account's current scope and the grants it may switch between.
#[derive(Clone)]
pub struct ScopeChip {
    pub role: &'static str,
    pub place: String,
    /// (grant id, "role · place", chosen) for an account with several grants.
    pub choices: Vec<(String, String, bool)>,
}

/// The cookie that remembers which of several grants the pages start from.
pub const SCOPE_COOKIE: &str = "scope";

/// Every page's `Ui`, from the request: language cookie, path, and who is signed in (if
/// anyone; handlers that need someone also take [`Auth`]).
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Ui {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let uri = parts.extensions.get::<OriginalUri>().map(|o| o.0.clone()).unwrap_or_else(|| parts.uri.clone());
        Ok(Ui::from_request(&parts.headers, &uri, parts.extensions.get::<Auth>()))
    }
}

impl Ui {
    pub fn t(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }

    pub(crate) fn from_request(headers: &HeaderMap, uri: &axum::http::Uri, auth: Option<&Auth>) -> Self {
        let lang = match cookie(headers, "lang").as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        };
        let p = auth.map(|a| &a.principal);
        let path = uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let (nav, bar) = match p {
            Some(p) => navigation(lang, &path, p),
            None => (vec![], vec![]),
        };
        let scope = p.and_then(|p| scope_chip(lang, p, cookie(headers, SCOPE_COOKIE).as_deref()));
        Self {
            lang,
            path,
            user: p.map(|p| p.display_name.clone()),
            csrf: auth.and_then(|a| a.csrf_token.clone()).unwrap_or_default(),
            can_people: p.is_some_and(|p| p.can(Permission::ViewPeople)),
            can_manage: p.is_some_and(|p| p.can(Permission::ManageUsers)),
            can_audit: p.is_some_and(|p| p.can(Permission::ViewAudit)),
            nav,
            bar,
            scope,
        }
    }

    /// The current navigation entry's label, for the breadcrumbs (none on the workbench).
    pub fn section(&self) -> Option<&NavItem> {
        self.nav.iter().flat_map(|g| &g.items).find(|i| i.on && i.href != "/")
    }
}

pub use crate::auth::cookie;

/// The grant the pages start from: the one the scope cookie names, else the most senior.
pub fn current_grant<'a>(p: &'a Principal, chosen: Option<&str>) -> Option<&'a Grant> {
    chosen
        .and_then(|id| p.grants.iter().find(|g| g.id.to_string() == id))
        .or_else(|| p.grants.iter().min_by_key(|g| (g.role.rank(), g.path.len())))
}

fn scope_chip(lang: Lang, p: &Principal, chosen: Option<&str>) -> Option<ScopeChip> {
    let current = current_grant(p, chosen)?;
    let label = |g: &Grant| format!("{} · {}", g.role.label(lang.code()), g.territory_name);
    let choices = if p.grants.len() > 1 {
        p.grants.iter().map(|g| (g.id.to_string(), label(g), g.id == current.id)).collect()
    } else {
        vec![]
    };
    Some(ScopeChip { role: current.role.label(lang.code()), place: current.territory_name.clone(), choices })
}

/// The left navigation by system and the phone's bottom bar, for what this person may open.
/// Systems still being built are listed without links, so people see where the console grows.
fn navigation(lang: Lang, path: &str, p: &Principal) -> (Vec<NavGroup>, Vec<NavItem>) {
    // The entry whose address is the longest prefix of this path is the current one.
    let entries: Vec<(&str, &str, String)> = {
        let mut v: Vec<(&str, &str, String)> = vec![("", "nav.home", "/".into())];
        let staff = p.can(Permission::ViewTerritory);
        if staff {
            v.push(("nav.sys.territory", "nav.territories", "/territories".into()));
            if p.can(Permission::ViewPeople) {
                v.push(("nav.sys.territory", "nav.people", "/people".into()));
                v.push(("nav.sys.territory", "nav.households", "/households".into()));
            }
            v.push(("nav.sys.grid", "nav.grids", "/territories?tab=grids".into()));
        }
        if p.can(Permission::RecordVisits) {
            v.push(("nav.sys.grid", "round.title", "/rounds".into()));
            v.push(("nav.sys.grid", "gs.title", "/grid-secretaries".into()));
        }
        if p.can(Permission::HandleAppeals) {
            v.push(("nav.sys.appeals", "appeals.todo", "/appeals".into()));
        } else {
            v.push(("nav.sys.appeals", "appeals.mine", "/appeals".into()));
        }
        v.push(("nav.sys.appeals", if staff { "nav.file" } else { "nav.report" }, "/report".into()));
        if p.can(Permission::ViewAppeals) {
            v.push(("nav.sys.appeals", "nav.dashboard", "/appeals/dashboard".into()));
        }
        if staff {
            v.push(("nav.sys.property", "decisions.title", "/decisions".into()));
            v.push(("nav.sys.property", "councils.title", "/councils".into()));
        }
        if p.can(Permission::RunOwnerVotes) {
            v.push(("nav.sys.property", "votes.title", "/votes".into()));
        }
        if p.can(Permission::ServeDesk) {
            v.push(("nav.sys.service", "svc.desk", "/service".into()));
            v.push(("nav.sys.service", "svc.points", "/service/points".into()));
            v.push(("nav.sys.service", "svc.catalogue", "/service/catalogue".into()));
            v.push(("nav.sys.service", "svc.stats", "/service/stats".into()));
        } else if p.person_id.is_some() {
            v.push(("nav.sys.service", "svc.my_service", "/service".into()));
            v.push(("nav.sys.service", "svc.book", "/service/book".into()));
            v.push(("nav.sys.service", "svc.catalogue", "/service/catalogue".into()));
        }
        v.push(("nav.sys.life", "life.activities", "/activities".into()));
        v.push(("nav.sys.life", "vol.title", "/volunteers".into()));
        if p.can(Permission::RunActivities) || p.can(Permission::ReviewSolutions) {
            v.push(("nav.sys.life", "lifep.projects", "/venture-projects".into()));
            v.push(("nav.sys.life", "lifep.solutions", "/golden-solutions".into()));
        }
        if staff {
            v.push(("nav.sys.life", "lifep.title", "/life".into()));
        }
        if staff {
            v.push(("nav.sys.support", "fund.title", "/funds".into()));
            if p.can(Permission::ManageWorkers) {
                v.push(("nav.sys.support", "wk.title", "/workers".into()));
                v.push(("nav.sys.support", "pg.title", "/programme".into()));
            }
            v.push(("nav.sys.reports", "rp.title", "/reports".into()));
            if p.can(Permission::ViewAppeals) {
                v.push(("nav.sys.reports", "nav.sys.screen", "/screen".into()));
            }
        }
        if !staff {
            if let Some(id) = p.person_id {
                v.push(("nav.sys.me", "nav.my_record", format!("/people/{id}")));
                v.push(("nav.sys.me", "votes.mine", "/votes".into()));
            }
            v.push(("nav.sys.me", "councils.mine", "/councils".into()));
        }
        if p.can(Permission::ManageUsers) {
            v.push(("nav.sys.admin", "nav.users", "/admin/users".into()));
            v.push(("nav.sys.admin", "roles.title", "/admin/roles".into()));
        }
        if p.can(Permission::ViewAudit) {
            v.push(("nav.sys.admin", "nav.audit", "/audit".into()));
        }
        v.push(("nav.sys.me", "nav.account", "/account".into()));
        v
    };
    // The entry whose address best matches this page: the path (or a page below it), and
    // the entry's query when it has one (网格 is the territory pages' grids tab).
    let (cur_path, cur_query) = path.split_once('?').unwrap_or((path, ""));
    let matches = |href: &str| {
        let (base, q) = href.split_once('?').unwrap_or((href, ""));
        let on_path = !base.is_empty()
            && (cur_path == base
                || (base != "/" && cur_path.starts_with(base) && cur_path[base.len()..].starts_with('/')));
        on_path && (q.is_empty() || cur_query.split('&').any(|kv| kv == q))
    };
    let current = entries.iter().filter(|e| matches(&e.2)).map(|e| e.2.len()).max();
    let mut groups: Vec<NavGroup> = Vec::new();
    let mut seen_on = false;
    for (group, key, href) in &entries {
        let on = !seen_on && matches(href) && Some(href.len()) == current;
        seen_on |= on;
        let item = NavItem { label: t(lang, key), href: href.clone(), on };
        match groups.last_mut() {
            Some(g) if g.title == t(lang, group) && !group.is_empty() => g.items.push(item),
            _ => groups.push(NavGroup { title: if group.is_empty() { "" } else { t(lang, group) }, items: vec![item] }),
        }
    }
    // The bottom bar: home, the queue, filing, and the menu (the side navigation on a phone).
    let pick = |key: &str| entries.iter().find(|e| e.1 == key).map(|e| (t(lang, e.1), e.2.clone()));
    let mut bar: Vec<NavItem> = ["nav.home", "appeals.todo", "appeals.mine", "nav.file", "nav.report", "nav.my_record"]
        .iter()
        .filter_map(|k| pick(k))
        .map(|(label, href)| NavItem {
            on: groups.iter().flat_map(|g| &g.items).any(|i| i.on && i.href == href),
            label,
            href,
        })
        .collect();
    bar.push(NavItem { label: t(lang, "nav.menu"), href: "#nav".into(), on: false });
    (groups, bar)
}

/// A page that failed: rendered as a readable page with the right status.
pub struct PageError {
    pub ui: Box<Ui>,
    pub err: ApiError,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ui: &'a Ui,
    title: String,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = if self.err.status == StatusCode::NOT_FOUND {
            self.ui.t("not_found").to_string()
        } else if self.err.status == StatusCode::FORBIDDEN {
            self.ui.t("forbidden").to_string()
        } else {
            self.ui.t("bad_request").to_string()
        };
        let message = match (&self.err.field, self.err.status) {
            (_, StatusCode::NOT_FOUND) => String::new(),
            (Some(f), _) => format!("{f}: {}", self.err.message),
            (None, _) => self.err.message.clone(),
        };
        let page = ErrorPage { ui: &self.ui, title, message };
        match page.render() {
            Ok(html) => (self.err.status, Html(html)).into_response(),
            Err(_) => (self.err.status, self.err.message).into_response(),
        }
    }
}

pub fn render(ui: Ui, tpl: impl Template) -> Result<Response, PageError> {
    match tpl.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            Err(PageError {
                ui: Box::new(ui),
                err: ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "internal",
                    message: "页面渲染失败 (render failed)".into(),
                    field: None,
                },
            })
        }
    }
}

pub trait OrPage<T> {
    fn page(self, ui: &Ui) -> Result<T, PageError>;
}

impl<T, E: Into<ApiError>> OrPage<T> for Result<T, E> {
    fn page(self, ui: &Ui) -> Result<T, PageError> {
        self.map_err(|e| PageError { ui: Box::new(ui.clone()), err: e.into() })
    }
}

/// An answer's machine time (`2026-12-02T06:09:05+08:00`) as people read it on a page
/// (`2026-12-02 06:09`); anything else is shown as it is.
pub fn when(iso: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(iso) {
        Ok(t) => jiayuan_domain::time::display(t.with_timezone(&chrono::Utc)),
        Err(_) => iso.to_string(),
    }
}

/// Thousands separated, as figures are read: 12,345.
pub fn thousands(n: i64) -> String {
    jiayuan_domain::work_report::thousands(n)
}

/// The five stars to choose from, five first (the widget shows them left to right from one).
pub fn star_choices(lang: Lang) -> Vec<(i64, &'static str)> {
    jiayuan_domain::appeal::STAR_LABELS
        .iter()
        .enumerate()
        .rev()
        .map(|(i, (zh, en))| (i as i64 + 1, if lang == Lang::En { *en } else { *zh }))
        .collect()
}

/// A QR code of `text` as inline SVG (black on white, with its quiet zone), or nothing if
/// the text does not fit a QR code.
pub fn qr_svg(text: &str, label: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(160, 160)
            .dark_color(qrcode::render::svg::Color("#000"))
            .light_color(qrcode::render::svg::Color("#fff"))
            .build()
            // The renderer writes an XML declaration, which inline SVG does not want.
            .split_once("<svg")
            .map(|(_, rest)| format!("<svg role=\"img\" class=\"qr\" aria-label=\"{}\"{rest}", crate::map::esc(label)))
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// The resident's five steps for one appeal, each `done`, `now` or `todo`, and the status
/// instead when the appeal left the steps (declined, merged).
pub struct Progress {
    pub steps: Vec<(&'static str, &'static str)>,
    pub off: Option<&'static str>,
}

pub fn progress(lang: Lang, status: jiayuan_domain::appeal::Status, rated: bool) -> Progress {
    let at = status.progress_step(rated);
    let steps = jiayuan_domain::appeal::PROGRESS_STEPS
        .iter()
        .enumerate()
        .map(|(i, (zh, en))| {
            let label = if lang == Lang::En { *en } else { *zh };
            let state = match at {
                Some(n) if i < n || (i == n && n == 4) => "done",
                Some(n) if i == n => "now",
                _ => "todo",
            };
            (label, state)
        })
        .collect();
    Progress { steps, off: at.is_none().then(|| status.label(lang.code())) }
}

#[cfg(test)]
mod tests {
    fn admin() -> super::Principal {
        super::Principal {
            user_id: None,
            username: "admin".into(),
            display_name: "区级管理员".into(),
            person_id: None,
            grants: vec![super::Grant {
                id: uuid::Uuid::nil(),
                role: jiayuan_domain::access::Role::DistrictAdmin,
                territory_id: uuid::Uuid::nil(),
                territory_name: "牟平区".into(),
                territory_code: "370612000000".into(),
                path: "/370612/".into(),
            }],
            must_change_password: false,
        }
    }

    #[test]
    fn the_navigation_marks_the_page_one_is_on() {
        let on = |path: &str| {
            let (nav, _) = super::navigation(super::Lang::Zh, path, &admin());
            nav.iter().flat_map(|g| g.items.clone()).filter(|i| i.on).map(|i| i.label).collect::<Vec<_>>()
        };
        assert_eq!(on("/"), vec!["工作台"]);
        assert_eq!(on("/territories/01a1?tab=orgs"), vec!["区域"]);
        assert_eq!(on("/territories/01a1?tab=grids&zoom=2"), vec!["网格"]);
        assert_eq!(on("/appeals/dashboard?period=year"), vec!["诉求看板"]);
        assert_eq!(on("/appeals/42"), vec!["我的待办"]);
        assert_eq!(on("/peoplex"), Vec::<&str>::new());
        let (nav, bar) = super::navigation(super::Lang::Zh, "/", &admin());
        // Every system is built: nothing is left "coming next", and the screen is linked.
        assert!(nav.iter().all(|g| g.items.iter().all(|i| !i.href.is_empty())));
        assert_eq!(on("/screen?within=370612000000"), vec!["指挥大屏"]);
        assert_eq!(bar.last().map(|i| i.href.as_str()), Some("#nav"));
    }

    #[test]
    fn machine_times_read_as_people_read_them() {
        assert_eq!(super::when("2026-12-02T06:09:05+08:00"), "2026-12-02 06:09");
        assert_eq!(super::when("2026-12-01T22:09:05Z"), "2026-12-02 06:09");
        assert_eq!(super::when("—"), "—");
        assert_eq!(super::thousands(5322), "5,322");
        assert_eq!(super::thousands(1234567), "1,234,567");
        assert_eq!(super::thousands(-999), "-999");
        assert_eq!(super::thousands(0), "0");
        let qr = super::qr_svg("http://127.0.0.1:8080/report/track?code=ABCD2345", "二维码");
        assert!(qr.starts_with("<svg role=\"img\" class=\"qr\" aria-label=\"二维码\"") && qr.contains("<path"), "{qr}");
        let stars = super::star_choices(super::Lang::Zh);
        assert_eq!(stars.first(), Some(&(5, "非常满意")));
        assert_eq!(stars.last(), Some(&(1, "非常不满意")));
    }
}
