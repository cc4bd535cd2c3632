//! Authentication on every request, CSRF on every state change, and the [`Auth`] extractor
//! that hands handlers the principal (and only through it, a scope).
//!
//! A session is looked up in the database once and then kept in memory; the cached copy is
//! re-read every [`RECHECK`] so that a disabled account or a sign-out elsewhere takes effect
//! within that time, and its last-seen time goes back to the database at most once a
//! minute. So a signed-in request costs a hash-map lookup, not a query.

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jiayuan_domain::access::Permission;
use jiayuan_store::access::{Principal, Scope};
use jiayuan_store::accounts::{token_hash, Session};
use jiayuan_store::audit::AuditCtx;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "jy_session";
/// The CSRF cookie used before sign-in (double submit on the login form).
pub const PRE_CSRF_COOKIE: &str = "jy_pre";
pub const CSRF_HEADER: &str = "x-csrf-token";
const RECHECK: Duration = Duration::from_secs(30);
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

pub use crate::throttle::{IP_FAILURES_PER_WINDOW, IP_WINDOW};

/// Where the request came from and its id, for the audit log and the logs.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub ip: String,
    pub request_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// A signed-in principal, resolved by the middleware.
#[derive(Debug, Clone)]
pub struct Auth {
    pub principal: Principal,
    pub via: Via,
    /// The session token (cookie) when signed in through the browser.
    pub session_token: Option<String>,
    pub csrf_token: Option<String>,
    pub meta: RequestMeta,
}

impl Auth {
    /// Where `p` holds for this principal; 403 when nowhere.
    pub fn scope(&self, p: Permission) -> Result<Scope, ApiError> {
        self.principal.scope(p).map_err(|d| ApiError::forbidden(d.0))
    }

    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        if self.principal.can(p) {
            Ok(())
        } else {
            Err(ApiError::forbidden(p))
        }
    }

    pub fn audit_ctx(&self) -> AuditCtx {
        AuditCtx::of(&self.principal, self.meta.ip.clone(), self.meta.request_id.clone())
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(name).and_then(|r| r.strip_prefix('=')))
        .next_back()
        .map(str::to_string)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let t = v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer "))?;
    Some(t.trim().to_string())
}

/// The `Set-Cookie` value for a session; `Secure` when the request came over TLS (as a
/// proxy reports with `X-Forwarded-Proto`) or the server is configured so.
pub fn session_cookie(state: &AppState, headers: &HeaderMap, value: &str, max_age: i64) -> HeaderValue {
    let secure = state.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let s = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("jy_session=; Path=/; Max-Age=0"))
}

async fn resolve_session(state: &AppState, token: &str) -> Option<Session> {
    let key = token_hash(token);
    let now = Utc::now();
    let cached = {
        let mut m = state.sessions.map.lock().ok()?;
        match m.get_mut(&key) {
            Some(c) if c.checked.elapsed() < RECHECK => {
                if c.session.expired(now) {
                    m.remove(&key);
                    return None;
                }
                c.session.last_seen_at = now;
                let touch = now - c.touched > TOUCH_EVERY;
                if touch {
                    c.touched = now;
                }
                Some((c.session.clone(), touch))
            }
            _ => None,
        }
    };
    if let Some((s, touch)) = cached {
        if touch {
            let store = state.store.clone();
            let token = token.to_string();
            tokio::spawn(async move {
                if let Err(e) = store.touch_session(&token, now).await {
                    tracing::warn!(error = %e, "could not record session activity");
                }
            });
        }
        return Some(s);
    }
    // Not cached, or due for a re-check: the database decides.
    let remembered = state.sessions.map.lock().ok().and_then(|m| m.get(&key).map(|c| c.session.last_seen_at));
    match state.store.session(token).await {
        Ok(Some(mut s)) => {
            if let Some(seen) = remembered {
                s.last_seen_at = s.last_seen_at.max(seen);
            }
            if s.expired(now) {
                state.sessions.forget(token);
                return None;
            }
            s.last_seen_at = now;
            if let Ok(mut m) = state.sessions.map.lock() {
                m.insert(key, crate::sessions::Cached { session: s.clone(), checked: Instant::now(), touched: now });
            }
            let store = state.store.clone();
            let token = token.to_string();
            tokio::spawn(async move {
                let _ = store.touch_session(&token, now).await;
            });
            Some(s)
        }
        Ok(None) => {
            state.sessions.forget(token);
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            None
        }
    }
}

pub(crate) async fn resolve_token(state: &AppState, token: &str) -> Option<Principal> {
    let key = format!("t:{}", token_hash(token));
    if let Ok(m) = state.sessions.map.lock() {
        if let Some(c) = m.get(&key).filter(|c| c.checked.elapsed() < RECHECK) {
            return Some(c.session.principal.clone());
        }
    }
    match state.store.token_principal(token).await {
        Ok(Some(p)) => {
            let now = Utc::now();
            if let Ok(mut m) = state.sessions.map.lock() {
                let session =
                    Session { principal: p.clone(), csrf_token: String::new(), created_at: now, last_seen_at: now };
                m.insert(key, crate::sessions::Cached { session, checked: Instant::now(), touched: now });
            }
            Some(p)
        }
        Ok(None) => {
            if let Ok(mut m) = state.sessions.map.lock() {
                m.remove(&key);
            }
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "token lookup failed");
            None
        }
    }
}

/// Paths that change state without a CSRF token: the JSON sign-in (a cross-site form cannot
/// send `application/json`, and it checks the content type), and Open311, whose handlers
/// authenticate by the `api_key` parameter alone and never by the session cookie.
fn csrf_exempt(method: &Method, path: &str) -> bool {
    method == Method::POST && (path == "/api/v1/auth/login" || path.starts_with("/open311/"))
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The middleware: request id and address, the principal, and CSRF on state changes.
pub async fn authenticate(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let ip = match parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) {
        Some(peer) => {
            let (client, trusted) = state.trusted_proxies.client(peer, &parts.headers);
            if !trusted {
                crate::proxy::strip_forwarding(&mut parts.headers);
            }
            client.to_string()
        }
        // In-process (tests): no peer, and nobody to trust.
        None => {
            crate::proxy::strip_forwarding(&mut parts.headers);
            "local".into()
        }
    };
    let request_id = uuid::Uuid::now_v7().simple().to_string();
    let meta = RequestMeta { ip, request_id: request_id.clone() };

    let mut auth = None;
    if let Some(t) = bearer(&parts.headers) {
        match resolve_token(&state, &t).await {
            Some(principal) => {
                auth =
                    Some(Auth { principal, via: Via::Token, session_token: None, csrf_token: None, meta: meta.clone() })
            }
            None => {
                return with_id(
                    ApiError::unauthorized("令牌无效或已过期 (invalid or expired token)").into_response(),
                    &request_id,
                )
            }
        }
    } else if let Some(t) = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty()) {
        if let Some(s) = resolve_session(&state, &t).await {
            auth = Some(Auth {
                principal: s.principal,
                via: Via::Session,
                session_token: Some(t),
                csrf_token: Some(s.csrf_token),
                meta: meta.clone(),
            });
        }
    }

    let path = parts.uri.path().to_string();
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut body = body;
    if !safe && !csrf_exempt(&parts.method, &path) && auth.as_ref().is_none_or(|a| a.via == Via::Session) {
        let expected = match &auth {
            Some(a) => a.csrf_token.clone(),
            None => cookie(&parts.headers, PRE_CSRF_COOKIE),
        };
        let mut provided = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if provided.is_none() && is_form {
            match axum::body::to_bytes(body, crate::state::BODY_LIMIT).await {
                Ok(bytes) => {
                    provided = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
                    body = Body::from(bytes);
                }
                Err(_) => {
                    return with_id(
                        ApiError {
                            status: StatusCode::PAYLOAD_TOO_LARGE,
                            code: "too_large",
                            message: "请求体过大 (request body too large)".into(),
                            field: None,
                        }
                        .into_response(),
                        &request_id,
                    )
                }
            }
        }
        // A multipart form (a photo upload) carries its token in the action's query string,
        // since reading it from the body would mean buffering the whole upload here.
        let is_multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if provided.is_none() && is_multipart {
            provided = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned());
        }
        let ok = matches!((&expected, &provided), (Some(e), Some(p)) if !e.is_empty() && constant_eq(e, p));
        if !ok {
            let e = ApiError {
                status: StatusCode::FORBIDDEN,
                code: "csrf",
                message: "请求来源校验失败，请刷新页面后重试 (CSRF check failed; reload the page and try again)".into(),
                field: Some("csrf".into()),
            };
            return with_id(e.into_response(), &request_id);
        }
    }
    parts.extensions.insert(meta);
    if let Some(a) = auth {
        parts.extensions.insert(a);
    }
    let res = next.run(Request::from_parts(parts, body)).await;
    with_id(res, &request_id)
}

fn with_id(mut res: Response, id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Paths a user who must change their password can still reach.
fn allowed_before_password_change(path: &str) -> bool {
    matches!(
        path,
        "/account"
            | "/account/password"
            | "/logout"
            | "/api/v1/auth/me"
            | "/api/v1/auth/password"
            | "/api/v1/auth/logout"
    )
}

/// Why a request without a usable principal was refused.
pub enum AuthRejection {
    Api(ApiError),
    Redirect(String),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Api(e) => e.into_response(),
            AuthRejection::Redirect(to) => crate::redirect::to(&to),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Inside a nested router the URI is cut; the original one says where we are.
        let uri = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map(|o| o.0.clone())
            .unwrap_or_else(|| parts.uri.clone());
        let path = uri.path();
        let api = path.starts_with("/api/");
        let Some(auth) = parts.extensions.get::<Auth>().cloned() else {
            return Err(if api {
                AuthRejection::Api(ApiError::unauthorized("请先登录 (sign in first)"))
            } else {
                let next = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                AuthRejection::Redirect(format!("/login?next={}", urlencode(next)))
            });
        };
        if auth.principal.must_change_password && !allowed_before_password_change(path) {
            return Err(if api {
                AuthRejection::Api(ApiError {
                    status: StatusCode::FORBIDDEN,
                    code: "password_change_required",
                    message: "请先修改初始密码 (change your initial password first)".into(),
                    field: Some("password".into()),
                })
            } else {
                AuthRejection::Redirect("/account".into())
            });
        }
        Ok(auth)
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Auth {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Auth>().cloned())
    }
}

/// The request's address and id, for handlers that run without a principal (sign-in).
impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<RequestMeta>().cloned().unwrap_or_else(|| RequestMeta {
            ip: "local".into(),
            request_id: uuid::Uuid::now_v7().simple().to_string(),
        }))
    }
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A local path to return to after sign-in; anything else becomes `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match crate::redirect::local_path(next) {
        n if n.starts_with("/login") => "/".into(),
        n => n,
    }
}
