//! Server-rendered pages, one module per resource: Chinese first, English on request,
//! readable on a phone. What every page shares (the language, errors, rendering, the pager,
//! list pages) is here.

mod account;
mod activities;
pub(crate) mod appeals;
mod audit;
mod councils;
mod dashboard;
mod decision_processes;
mod decisions;
mod funds;
mod life;
mod people;
pub(crate) mod picker;
mod report;
mod rounds;
mod screen;
mod secretaries;
mod service;
mod territories;
mod users;
mod volunteers;
pub(crate) mod votes;
mod workbench;
mod workers;
mod year_report;

pub use account::*;
pub use activities::*;
pub use appeals::*;
pub use audit::*;
pub use councils::*;
pub use dashboard::*;
pub use decision_processes::*;
pub use decisions::*;
pub use funds::*;
pub use life::*;
pub use people::*;
pub use report::*;
pub use rounds::*;
pub use screen::*;
pub use secretaries::*;
pub use service::*;
pub use territories::*;
pub use users::*;
pub use volunteers::*;
pub use votes::*;
pub use workbench::*;
pub use workers::*;
pub use year_report::*;

use crate::api::ListParams;
use crate::error::ApiError;
use crate::i18n::{t, Lang};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use jiayuan_domain::person::PersonTag;
use serde::Deserialize;

pub use crate::shell::{render, thousands, OrPage, PageError, Ui};

/// A code typed into an address (a community's, a grid's) as it may go into a redirect: letters,
/// digits, dashes and underscores only, so the redirect stays on this site's paths.
pub(crate) fn code_segment(code: &str) -> String {
    code.trim().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

/// Grants as the API gives them, with the role named in the page's language.
pub fn localised(lang: Lang, mut grants: Vec<crate::api::GrantView>) -> Vec<crate::api::GrantView> {
    for g in &mut grants {
        if let Some(r) = jiayuan_domain::access::Role::parse(&g.role) {
            g.role_label = r.label(lang.code()).to_string();
        }
    }
    grants
}

pub fn pager(ui: &Ui, page: u32, page_size: u32, total: i64) -> String {
    pager_named(ui, "page", page, page_size, total)
}

/// A pager whose page number travels in `param` (for a page with two paged lists).
pub fn pager_named(ui: &Ui, param: &str, page: u32, page_size: u32, total: i64) -> String {
    let pages = ((total.max(1) - 1) / i64::from(page_size) + 1) as u32;
    if pages <= 1 {
        return String::new();
    }
    let link = |p: u32| {
        let (path, query) = ui.path.split_once('?').unwrap_or((&ui.path, ""));
        let mut parts: Vec<String> = query
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with(&format!("{param}=")))
            .map(str::to_string)
            .collect();
        parts.push(format!("{param}={p}"));
        format!("{path}?{}", parts.join("&")).replace('"', "%22")
    };
    let mut s = String::from("<nav class=\"pager\">");
    if page > 1 {
        s.push_str(&format!("<a rel=\"prev\" href=\"{}\">{}</a>", link(page - 1), ui.t("prev")));
    }
    s.push_str(&format!(
        "<span>{} / {pages} · {} {} {}</span>",
        ui.t("page").replace("{}", &page.to_string()),
        ui.t("total"),
        thousands(total),
        ui.t("items")
    ));
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
    /// How many leading cells of a row are names (of people or places), not translated.
    name_cells: usize,
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
    name_cells: usize,
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
            name_cells: spec.name_cells,
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

/// A file the pages link: its plain name, the name with its content hash, its type, and
/// its gzip form, made once.
struct Asset {
    plain: &'static str,
    href: String,
    content_type: &'static str,
    body: &'static str,
    gz: Vec<u8>,
}

/// The style sheet, and the one script of our own: choosing the place on the report map
/// without leaving the page.
const ASSETS: [(&str, &str, &str); 4] = [
    ("app.css", "text/css; charset=utf-8", include_str!("../../static/app.css")),
    ("pick.js", "text/javascript; charset=utf-8", include_str!("../../static/pick.js")),
    ("scan.js", "text/javascript; charset=utf-8", include_str!("../../static/scan.js")),
    ("screen.js", "text/javascript; charset=utf-8", include_str!("../../static/screen.js")),
];

fn assets() -> &'static [Asset] {
    static MADE: std::sync::OnceLock<Vec<Asset>> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        use sha2::Digest;
        use std::io::Write;
        ASSETS
            .iter()
            .map(|(plain, content_type, body)| {
                let hash = sha2::Sha256::digest(body.as_bytes());
                let hex: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
                let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                let gz = enc.write_all(body.as_bytes()).and_then(|_| enc.finish()).unwrap_or_default();
                let (stem, ext) = plain.split_once('.').unwrap_or((plain, ""));
                Asset { plain, href: format!("/static/{stem}.{hex}.{ext}"), content_type, body, gz }
            })
            .collect()
    })
}

fn asset_href(plain: &str) -> &'static str {
    assets().iter().find(|a| a.plain == plain).map(|a| a.href.as_str()).unwrap_or("/static/missing")
}

/// Where the pages link the style sheet: a name with its content hash, so that it can be
/// cached for a year and a new release is fetched at once.
pub fn css_href() -> &'static str {
    asset_href("app.css")
}

/// Where the activity door links its scanner, named like the style sheet.
pub fn scan_js_href() -> &'static str {
    asset_href("scan.js")
}

/// Where the district screen links its live updates, named like the style sheet.
pub fn screen_js_href() -> &'static str {
    asset_href("screen.js")
}

/// Where the report page links its script, named like the style sheet.
pub fn pick_js_href() -> &'static str {
    asset_href("pick.js")
}

/// `/static/{file}`: a file under its hashed name (cached for a year) or its plain name (an
/// hour), gzip-compressed for clients that accept it.
pub async fn static_file(Path(file): Path<String>, headers: axum::http::HeaderMap) -> Response {
    let path = format!("/static/{file}");
    let Some((asset, hashed)) = assets().iter().find_map(|a| {
        if a.href == path {
            Some((a, true))
        } else {
            (a.plain == file).then_some((a, false))
        }
    }) else {
        return ApiError::not_found().into_response();
    };
    let cache = if hashed { "public, max-age=31536000, immutable" } else { "public, max-age=3600" };
    let gzip = !asset.gz.is_empty()
        && headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|e| e.trim().split(';').next() == Some("gzip")));
    let base =
        [(header::CONTENT_TYPE, asset.content_type), (header::CACHE_CONTROL, cache), (header::VARY, "Accept-Encoding")];
    if gzip {
        (base, [(header::CONTENT_ENCODING, "gzip")], asset.gz.clone()).into_response()
    } else {
        (base, asset.body).into_response()
    }
}

pub async fn page_not_found(ui: Ui) -> PageError {
    PageError { ui: Box::new(ui), err: ApiError::not_found() }
}
