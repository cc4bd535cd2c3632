//! Guards on every request and answer, so no handler can forget them:
//!
//! - [`refuse_hidden_text`]: text with NUL or bidirectional-override characters, in the query
//!   string, a JSON body or a form body, is refused with 400 naming the field
//!   (`jiayuan_domain::text`). Multipart forms (photo uploads) check their text fields where
//!   they are read ([`check_text`]).
//! - [`json_errors`]: every 4xx answer has the JSON error shape, also those that axum or tower
//!   produce before a handler runs (a body over the limit, a wrong method, a bad path
//!   parameter); pages keep their HTML.

use crate::error::ApiError;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::state::BODY_LIMIT;

/// `Ok` unless `value` holds a refused character; the error names `field`.
pub fn check_text(field: &str, value: &str) -> Result<(), ApiError> {
    jiayuan_domain::text::check(field, value).map_err(ApiError::from)
}

fn content_type(req: &Request<Body>) -> &str {
    req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The first refused text in `v`, by the name of the field that holds it.
fn check_json(path: &str, v: &Value) -> Result<(), ApiError> {
    match v {
        Value::String(s) => check_text(path, s),
        Value::Array(items) => items.iter().try_for_each(|i| check_json(path, i)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            // A field name with such characters is not echoed back: the body is at fault.
            check_text("body", k)?;
            check_json(k, v)
        }),
        _ => Ok(()),
    }
}

fn check_pairs(bytes: &[u8]) -> Result<(), ApiError> {
    form_urlencoded::parse(bytes).try_for_each(|(k, v)| {
        check_text("parameter", &k)?;
        check_text(&k, &v)
    })
}

/// The refusal as the caller reads it: JSON for the API, a page for a person.
fn refuse(req: &Request<Body>, e: ApiError) -> Response {
    let path = req.uri().path();
    if path.starts_with("/api/") || path.starts_with("/open311/") {
        return e.into_response();
    }
    let ui = crate::shell::Ui::from_request(req.headers(), req.uri(), req.extensions().get::<crate::auth::Auth>());
    crate::shell::PageError { ui: Box::new(ui), err: e }.into_response()
}

/// The URI without query parameters whose value is empty: in the API an empty parameter
/// means "not given", as HTML forms and many clients send them (`?sort=&page=`). A value of
/// blank space is kept, for the parameter's own check to judge (`reported=%0D` is not "no").
fn without_empty_params(uri: &axum::http::Uri) -> Option<axum::http::Uri> {
    let q = uri.query()?;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes()).into_owned().collect();
    if pairs.iter().all(|(_, v)| !v.is_empty()) {
        return None;
    }
    let kept = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish();
    let pq = if kept.is_empty() { uri.path().to_string() } else { format!("{}?{kept}", uri.path()) };
    pq.parse().ok()
}

/// The middleware: refuses hidden characters in the query and in JSON or form bodies, and
/// drops empty query parameters of API requests.
pub async fn refuse_hidden_text(mut req: Request<Body>, next: Next) -> Response {
    if req.uri().path().starts_with("/api/") {
        if let Some(uri) = without_empty_params(req.uri()) {
            *req.uri_mut() = uri;
        }
    }
    if let Some(q) = req.uri().query() {
        if let Err(e) = check_pairs(q.as_bytes()) {
            return refuse(&req, e);
        }
    }
    let ct = content_type(&req).to_ascii_lowercase();
    let json = ct.starts_with("application/json");
    let form = ct.starts_with("application/x-www-form-urlencoded");
    if !json && !form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => return refuse(&Request::from_parts(parts, Body::empty()), ApiError::too_large()),
    };
    let checked = if json {
        // Malformed JSON is the handler's to report, with its own message.
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => check_json("body", &v),
            Err(_) => Ok(()),
        }
    } else {
        check_pairs(&bytes)
    };
    if let Err(e) = checked {
        return refuse(&Request::from_parts(parts, Body::empty()), e);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The middleware: a 4xx without a JSON or HTML body gets the JSON error shape.
pub async fn json_errors(req: Request<Body>, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !status.is_client_error() {
        return res;
    }
    let ct = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.starts_with("application/json") || ct.starts_with("text/html") || ct.starts_with("application/xml") {
        return res;
    }
    let (parts, body) = res.into_parts();
    // What axum said (e.g. "Failed to deserialize query string: …"), kept for the reader.
    let said = axum::body::to_bytes(body, 4096).await.map(|b| String::from_utf8_lossy(&b).trim().to_string());
    let said = said.unwrap_or_default();
    let mut e = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large(),
        StatusCode::METHOD_NOT_ALLOWED => ApiError {
            status,
            code: "method_not_allowed",
            message: "此地址不接受该请求方法 (method not allowed here)".into(),
            field: None,
        },
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError {
            status,
            code: "unsupported_media_type",
            message: format!("请求体类型不受支持 (unsupported content type): {said}"),
            field: Some("content-type".into()),
        },
        StatusCode::NOT_FOUND => ApiError::not_found(),
        _ => ApiError {
            status,
            code: "invalid",
            message: if said.is_empty() {
                "请求无效 (bad request)".into()
            } else {
                format!("请求无效 (bad request): {said}")
            },
            field: None,
        },
    };
    e.status = status;
    let mut out = e.into_response();
    // Keep what the original answer said about the method or the wait.
    for h in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&h) {
            out.headers_mut().insert(h, v.clone());
        }
    }
    out
}
