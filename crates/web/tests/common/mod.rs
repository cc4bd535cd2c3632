//! An in-process app signed in as one user: every call carries the session cookie and,
//! on state changes, the CSRF token, as a browser or a cookie-keeping API client would.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use jiayuan_store::demo::Scale;
use jiayuan_store::testing;
use jiayuan_web::{router, AppState};
use serde_json::Value;
use tower::ServiceExt;

pub const DEMO_PASSWORD: &str = jiayuan_domain::access::DEMO_PASSWORD;

#[derive(Clone)]
pub struct App {
    pub router: axum::Router,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    /// The address the request seems to come from (none: an in-process call).
    pub peer: Option<std::net::SocketAddr>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (for files: PDFs, images).
    pub bytes: Vec<u8>,
}

impl App {
    pub fn anonymous(state: AppState) -> Self {
        Self { router: router(state), cookie: None, csrf: None, peer: None }
    }

    /// Signs in through the JSON API and keeps the cookie and CSRF token.
    pub async fn signed_in(state: AppState, username: &str) -> Self {
        Self::signed_in_with(state, username, DEMO_PASSWORD).await
    }

    /// Signs in with a password of its own (an account a test made).
    pub async fn signed_in_with(state: AppState, username: &str, password: &str) -> Self {
        let mut app = Self::anonymous(state);
        let body = format!(r#"{{"username":"{username}","password":"{password}"}}"#);
        let r = app.send("POST", "/api/v1/auth/login", Some(("application/json", body))).await;
        assert_eq!(r.status, StatusCode::OK, "login as {username}: {}", r.body);
        let cookie = r.headers.get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_string();
        let me: Value = serde_json::from_str(&r.body).unwrap();
        app.cookie = Some(cookie);
        app.csrf = me["csrf_token"].as_str().map(str::to_string);
        app
    }

    pub async fn send(&self, method: &str, uri: &str, body: Option<(&str, String)>) -> Reply {
        self.send_with(method, uri, body, &[]).await
    }

    /// Like `send`, with extra headers (which replace the session's, e.g. a bearer token).
    pub async fn send_with(
        &self,
        method: &str,
        uri: &str,
        body: Option<(&str, String)>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(p) = self.peer {
            req = req.extension(axum::extract::ConnectInfo(p));
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c.clone());
        }
        if method != "GET" {
            if let Some(t) = &self.csrf {
                req = req.header("x-csrf-token", t.clone());
            }
        }
        let req = match body {
            Some((ct, b)) => req.header("content-type", ct).body(Body::from(b)).unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).to_string(), bytes: bytes.to_vec() }
    }

    pub async fn call(&self, method: &str, uri: &str, body: Option<&str>) -> (StatusCode, String) {
        let r = self.send(method, uri, body.map(|b| ("application/json", b.to_string()))).await;
        (r.status, r.body)
    }

    pub async fn json(&self, uri: &str) -> (StatusCode, Value) {
        let (s, b) = self.call("GET", uri, None).await;
        (s, serde_json::from_str(&b).unwrap_or(Value::Null))
    }
}

/// Every backend with the small demo, and the state to build apps on.
pub async fn states() -> Vec<(testing::TestDb, AppState)> {
    let mut out = Vec::new();
    for t in testing::all().await {
        t.store.generate_demo(Scale::Small, 3, &|_, _| {}).await.unwrap();
        let state = AppState::new(t.store.clone());
        out.push((t, state));
    }
    out
}

/// Every backend, signed in as the district administrator.
pub async fn apps() -> Vec<(testing::TestDb, App)> {
    let mut out = Vec::new();
    for (t, state) in states().await {
        let app = App::signed_in(state, "admin").await;
        out.push((t, app));
    }
    out
}

pub fn assert_error(v: &Value, field: &str) {
    assert!(v["error"]["code"].is_string(), "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    assert_eq!(v["error"]["field"], field, "{v}");
}

impl App {
    /// Sends raw bytes (a photo) with the session's cookie and CSRF token.
    pub async fn send_bytes(&self, method: &str, uri: &str, content_type: &str, bytes: Vec<u8>) -> Reply {
        let mut req = Request::builder().method(method).uri(uri).header("content-type", content_type);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c.clone());
        }
        if let Some(t) = &self.csrf {
            req = req.header("x-csrf-token", t.clone());
        }
        let res = self.router.clone().oneshot(req.body(Body::from(bytes)).unwrap()).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).to_string(), bytes: bytes.to_vec() }
    }
}

/// A form post with the session's CSRF token, as the pages send it.
pub async fn post_form(app: &App, uri: &str, fields: &[(&str, &str)]) -> Reply {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    let csrf = app.csrf.clone().unwrap_or_default();
    all.push(("csrf", &csrf));
    let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(all).finish();
    app.send("POST", uri, Some(("application/x-www-form-urlencoded", body))).await
}

/// A multipart form post (the staff forms that may carry an image).
pub async fn post_multipart(app: &App, uri: &str, fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Reply {
    let boundary = "jiayuan-test-boundary";
    let mut body: Vec<u8> = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    if let Some((name, ct, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"scan\"\r\nContent-Type: {ct}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let csrf = app.csrf.clone().unwrap_or_default();
    app.send_bytes("POST", &format!("{uri}?csrf={csrf}"), &format!("multipart/form-data; boundary={boundary}"), body)
        .await
}
