//! Server-rendered pages, one module per resource: Chinese first, English on request,
//! readable on a phone. What every page shares (the language, errors, rendering, the pager,
//! list pages) is here.

mod account;
mod appeals;
mod audit;
mod people;
mod report;
mod territories;
mod users;

pub use account::*;
pub use appeals::*;
pub use audit::*;
pub use people::*;
pub use report::*;
pub use territories::*;
pub use users::*;

use crate::api::ListParams;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::i18n::{t, Lang};
use askama::Template;
use axum::extract::{OriginalUri, Path, Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use jiayuan_domain::access::Permission;
use jiayuan_domain::person::PersonTag;
use serde::Deserialize;

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
}

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
        let cookie_lang = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().strip_prefix("lang="))
            .next_back()
            .map(str::to_string);
        let lang = match cookie_lang.as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        };
        let p = auth.map(|a| &a.principal);
        Self {
            lang,
            path: uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into()),
            user: p.map(|p| p.display_name.clone()),
            csrf: auth.and_then(|a| a.csrf_token.clone()).unwrap_or_default(),
            can_people: p.is_some_and(|p| p.can(Permission::ViewPeople)),
            can_manage: p.is_some_and(|p| p.can(Permission::ManageUsers)),
            can_audit: p.is_some_and(|p| p.can(Permission::ViewAudit)),
        }
    }
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

pub fn pager(ui: &Ui, page: u32, page_size: u32, total: i64) -> String {
    let pages = ((total.max(1) - 1) / i64::from(page_size) + 1) as u32;
    if pages <= 1 {
        return String::new();
    }
    let link = |p: u32| {
        let (path, query) = ui.path.split_once('?').unwrap_or((&ui.path, ""));
        let mut parts: Vec<String> =
            query.split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("page=")).map(str::to_string).collect();
        parts.push(format!("page={p}"));
        format!("{path}?{}", parts.join("&")).replace('"', "%22")
    };
    let mut s = String::from("<nav class=\"pager\">");
    if page > 1 {
        s.push_str(&format!("<a rel=\"prev\" href=\"{}\">{}</a>", link(page - 1), ui.t("prev")));
    }
    s.push_str(&format!("<span>{} / {pages}</span>", ui.t("page").replace("{}", &page.to_string())));
    if page < pages {
        s.push_str(&format!("<a rel=\"next\" href=\"{}\">{}</a>", link(page + 1), ui.t("next")));
    }
    s.push_str("</nav>");
    s
}

#[derive(Deserialize, Default)]
pub struct PageParams {
    pub q: Option<String>,
    pub page: Option<String>,
    pub within: Option<String>,
    pub tag: Option<String>,
    pub sort: Option<String>,
}

pub struct Row {
    pub href: String,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "people.html")]
struct ListPage {
    ui: Ui,
    title: String,
    q: String,
    within: String,
    placeholder: &'static str,
    error: Option<String>,
    total: i64,
    headers: Vec<&'static str>,
    rows: Vec<Row>,
    pager: String,
    /// The export controls (people only): a masked link, and a form for full numbers.
    export: Option<ExportControls>,
}

struct ExportControls {
    /// The masked download's address, with the list's filters.
    href: String,
    /// Whether the reveal form (POST, reason) is offered.
    reveal: bool,
    /// A refused export: the form opens again with what was typed.
    refused: Option<ExportRefused>,
}

fn sex_label(lang: Lang, s: &str) -> &'static str {
    if s == "male" {
        t(lang, "male")
    } else {
        t(lang, "female")
    }
}

fn tags_label(lang: Lang, tags: &str) -> String {
    tags.split(',').filter_map(PersonTag::parse).map(|t| t.label(lang.code())).collect::<Vec<_>>().join("、")
}

fn list_params(p: &PageParams) -> ListParams {
    ListParams {
        within: p.within.clone(),
        q: p.q.clone(),
        sort: p.sort.clone(),
        page: p.page.clone(),
        page_size: None,
        kind: None,
        parent: None,
        tag: p.tag.clone(),
    }
}

/// What a list page shows besides its rows.
struct ListSpec {
    title: &'static str,
    placeholder: &'static str,
    headers: Vec<&'static str>,
    export: Option<ExportControls>,
}

/// Renders a searchable, paged list. A bad parameter becomes a message above an empty list
/// rather than an error page, so the person can correct the search in place.
fn list_page<T>(
    ui: Ui,
    p: &PageParams,
    spec: ListSpec,
    result: Result<jiayuan_store::model::Paged<T>, ApiError>,
    row: impl Fn(T) -> Row,
) -> Result<Response, PageError> {
    let status = result.as_ref().err().map(|e| e.status).unwrap_or(StatusCode::OK);
    let (rows, total, error, pg) = match result {
        Ok(res) => {
            let pg = pager(&ui, res.page, res.page_size, res.total);
            (res.items.into_iter().map(row).collect(), res.total, None, pg)
        }
        Err(e) => {
            let message = match e.field {
                Some(f) => format!("{f}: {}", e.message),
                None => e.message,
            };
            (vec![], 0, Some(message), String::new())
        }
    };
    let res = render(
        ui.clone(),
        ListPage {
            title: spec.title.into(),
            q: p.q.clone().unwrap_or_default(),
            within: p.within.clone().unwrap_or_default(),
            placeholder: spec.placeholder,
            error,
            total,
            headers: spec.headers,
            rows,
            pager: pg,
            export: spec.export,
            ui,
        },
    )?;
    Ok((status, res).into_response())
}

#[derive(Deserialize)]
pub struct LangParams {
    back: Option<String>,
}

/// Sets the language cookie and returns to the page the user was on (local paths only).
pub async fn set_lang(Path(code): Path<String>, Query(p): Query<LangParams>) -> Response {
    let lang = if code == "en" { "en" } else { "zh" };
    let back = crate::redirect::local_path(p.back.as_deref());
    let cookie = format!("lang={lang}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly");
    ([(header::SET_COOKIE, cookie)], crate::redirect::to(&back)).into_response()
}

pub async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

pub async fn page_not_found(ui: Ui) -> PageError {
    PageError { ui: Box::new(ui), err: ApiError::not_found() }
}
