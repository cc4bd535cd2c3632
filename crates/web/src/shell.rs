//! What every page stands in: the language and the signed-in user (`Ui`), rendering a
//! template, and the error page. Below the handlers, so the middleware can render a
//! page-shaped error without importing from the pages.

use crate::auth::Auth;
use crate::error::ApiError;
use crate::i18n::{t, Lang};
use askama::Template;
use axum::extract::OriginalUri;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use jiayuan_domain::access::Permission;

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

/// An answer's machine time (`2026-12-02T06:09:05+08:00`) as people read it on a page
/// (`2026-12-02 06:09`); anything else is shown as it is.
pub fn when(iso: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(iso) {
        Ok(t) => jiayuan_domain::time::display(t.with_timezone(&chrono::Utc)),
        Err(_) => iso.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn machine_times_read_as_people_read_them() {
        assert_eq!(super::when("2026-12-02T06:09:05+08:00"), "2026-12-02 06:09");
        assert_eq!(super::when("2026-12-01T22:09:05Z"), "2026-12-02 06:09");
        assert_eq!(super::when("—"), "—");
    }
}
