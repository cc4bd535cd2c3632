//! Open311 GeoReport v2 at `/open311/v2`: discovery, services, service definitions,
//! requests (POST and GET), one request, and tokens; XML and JSON; errors as arrays of
//! `{code, description}`.
//!
//! Decisions where the spec leaves room:
//! - `api_key` is a Jiayuan API token (made on *My account* or with `jiayuan token create`).
//!   It is required to POST, and optional on GET: without it a listing shows what is public
//!   (number, status, category, times, the level handling it, the community), never the
//!   description, the exact place or the reporter; with it, the key holder's scope in full.
//! - A location is `address_id` (a territory code or id); else `lat`+`long`, placed in the
//!   smallest mapped building, compound or community that holds the point (or, when none is
//!   mapped, the key holder's single top node), and refused outside the district's bounds;
//!   else `address_string` naming a territory in the key holder's scope. With `address_id` or
//!   `lat`/`long`, `address_string` is kept as the reporter's own description of the place.
//! - Without `api_key`, `GET requests` shows only public fields, never a sensitive category,
//!   at most 50 a page, and 60 listings a minute per client address (then 429).
//! - Filings are audited with the key holder, the client address and the request id.
//! - Single jurisdiction: `jurisdiction_id` is accepted and ignored.
//! - No service is `batch`, so `/tokens/{token}` answers 404.

use crate::auth::resolve_token;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use jiayuan_domain::appeal::{Channel, Status};
use jiayuan_domain::time::iso as bj_time;
use jiayuan_store::access::Principal;
use jiayuan_store::appeals::{AppealQuery, AppealRow, NewAppeal, Viewer};
use jiayuan_store::model::Page;
use jiayuan_store::territory::Placement;
use jiayuan_store::StoreError;
use serde_json::{json, Map, Value};

pub const SPEC: &str = "http://wiki.open311.org/GeoReport_v2";
const CHANGESET: &str = "2026-11-28T00:00:00+08:00";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fmt {
    Json,
    Xml,
}

struct O311Error {
    status: StatusCode,
    description: String,
}

fn err(status: u16, description: impl Into<String>) -> O311Error {
    O311Error {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        description: description.into(),
    }
}

impl From<StoreError> for O311Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => err(404, "not found"),
            StoreError::Invalid(f) => err(400, format!("{}: {}", f.field, f.message)),
            StoreError::Missing(f) => err(404, format!("{}: {}", f.field, f.message)),
            StoreError::Forbidden(_) => err(403, "not permitted"),
            StoreError::Conflict { field, message } => err(400, format!("{field}: {message}")),
            StoreError::Busy(message) => err(503, message),
            other => {
                tracing::error!(error = %other, "open311 internal error");
                err(500, "internal error")
            }
        }
    }
}

fn split_fmt(file: &str) -> Result<(&str, Fmt), O311Error> {
    match file.rsplit_once('.') {
        Some((name, "json")) => Ok((name, Fmt::Json)),
        Some((name, "xml")) => Ok((name, Fmt::Xml)),
        _ => Err(err(404, format!("unknown format in “{file}”: use .json or .xml"))),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// XML for a JSON value under `tag`: objects become child elements, arrays repeat `item`.
fn to_xml(tag: &str, v: &Value, item: &str, out: &mut String) {
    match v {
        Value::Null => out.push_str(&format!("<{tag}/>")),
        Value::Object(m) => {
            out.push_str(&format!("<{tag}>"));
            for (k, x) in m {
                let child_item = match k.as_str() {
                    "endpoints" => "endpoint",
                    "formats" => "format",
                    "attributes" => "attribute",
                    "values" => "value",
                    "notes" => "note",
                    _ => "item",
                };
                to_xml(k, x, child_item, out);
            }
            out.push_str(&format!("</{tag}>"));
        }
        Value::Array(a) => {
            out.push_str(&format!("<{tag}>"));
            for x in a {
                to_xml(item, x, "item", out);
            }
            out.push_str(&format!("</{tag}>"));
        }
        Value::String(s) => out.push_str(&format!("<{tag}>{}</{tag}>", esc(s))),
        other => out.push_str(&format!("<{tag}>{other}</{tag}>")),
    }
}

/// The answer in the asked format; `root`/`item` name the XML container and its children.
fn reply(fmt: Fmt, status: StatusCode, v: Value, root: &str, item: &str) -> Response {
    match fmt {
        Fmt::Json => {
            (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], v.to_string()).into_response()
        }
        Fmt::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            to_xml(root, &v, item, &mut out);
            (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], out).into_response()
        }
    }
}

fn error_reply(fmt: Fmt, e: O311Error) -> Response {
    let body = json!([{"code": e.status.as_u16(), "description": e.description}]);
    reply(fmt, e.status, body, "errors", "error")
}

/// Parameters from the query string and (for POST) the form body; an empty value counts as
/// absent, as the spec asks.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: Option<&str>, body: &[u8]) -> Self {
        let mut v: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        v.extend(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())));
        Self(v)
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(key, v)| key == k && !v.trim().is_empty()).map(|(_, v)| v.trim())
    }
}

fn fmt_of(file: &str) -> Fmt {
    if file.ends_with(".xml") {
        Fmt::Xml
    } else {
        Fmt::Json
    }
}

/// `GET|POST /open311/v2/{resource}.{fmt}`.
pub async fn resource(
    State(state): State<AppState>,
    meta: crate::auth::RequestMeta,
    method: Method,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let fmt = fmt_of(&file);
    let r = async {
        let (name, fmt) = split_fmt(&file)?;
        let p = Params::parse(query.as_deref(), if method == Method::POST { &body } else { &[] });
        match (name, method.clone()) {
            ("discovery", Method::GET) => Ok(reply(fmt, StatusCode::OK, discovery(), "discovery", "item")),
            ("services", Method::GET) => Ok(reply(fmt, StatusCode::OK, services(&state).await?, "services", "service")),
            ("requests", Method::GET) => {
                let v = list_requests(&state, &meta, &p, None).await?;
                Ok(reply(fmt, StatusCode::OK, v, "service_requests", "request"))
            }
            ("requests", Method::POST) => {
                Ok(reply(fmt, StatusCode::OK, post_request(&state, &meta, &p).await?, "service_requests", "request"))
            }
            (_, Method::GET | Method::POST) => Err(err(404, format!("no resource “{name}”"))),
            _ => Err(err(400, "method not supported")),
        }
    }
    .await;
    r.unwrap_or_else(|e| error_reply(fmt, e))
}

/// `GET /open311/v2/{collection}/{id}.{fmt}`.
pub async fn item(
    State(state): State<AppState>,
    meta: crate::auth::RequestMeta,
    Path((collection, file)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let fmt = fmt_of(&file);
    let r = async {
        let (id, fmt) = split_fmt(&file)?;
        let p = Params::parse(query.as_deref(), &[]);
        match collection.as_str() {
            "services" => {
                let cfg = state.store.appeal_config().await?;
                if cfg.category(id).is_none() {
                    return Err(err(404, format!("service_code {id} not found")));
                }
                Ok(reply(
                    fmt,
                    StatusCode::OK,
                    json!({"service_code": id, "attributes": []}),
                    "service_definition",
                    "item",
                ))
            }
            "requests" => {
                let v = list_requests(&state, &meta, &p, Some(id)).await?;
                if v.as_array().is_none_or(|a| a.is_empty()) {
                    return Err(err(404, format!("service_request_id {id} not found")));
                }
                Ok(reply(fmt, StatusCode::OK, v, "service_requests", "request"))
            }
            "tokens" => Err(err(404, format!("token {id} not found: every service here is realtime"))),
            _ => Err(err(404, format!("no resource “{collection}”"))),
        }
    }
    .await;
    r.unwrap_or_else(|e| error_reply(fmt, e))
}

fn discovery() -> Value {
    json!({
        "changeset": CHANGESET,
        "contact": "Jiayuan administrators of this district (家园系统管理员)",
        "key_service": "Sign in to Jiayuan and make an API token on My account (我的账号 → API令牌); use it as api_key.",
        "endpoints": [{
            "specification": SPEC,
            "url": "/open311/v2",
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    })
}

async fn services(state: &AppState) -> Result<Value, O311Error> {
    let cfg = state.store.appeal_config().await?;
    let list: Vec<Value> = cfg
        .categories
        .iter()
        .map(|c| {
            let group = c.code.split('.').next().and_then(|top| cfg.category(top)).map(|t| t.name_zh.clone());
            json!({
                "service_code": c.code,
                "service_name": c.name_zh,
                "description": format!("{} / {}; 最低办理层级 {}", c.name_zh, c.name_en, c.lowest.label_zh()),
                "metadata": false,
                "type": "realtime",
                "keywords": c.name_en,
                "group": group,
            })
        })
        .collect();
    Ok(Value::Array(list))
}

async fn key_principal(state: &AppState, p: &Params) -> Result<Option<Principal>, O311Error> {
    match p.get("api_key") {
        None => Ok(None),
        Some(k) => match resolve_token(state, k).await {
            Some(principal) if !principal.must_change_password => Ok(Some(principal)),
            _ => Err(err(403, "Invalid api_key received -- can't proceed.")),
        },
    }
}

/// Largest page of an unkeyed listing, and its default.
pub const PUBLIC_PAGE_MAX: u32 = 50;

fn parse_time(v: &str, field: &str) -> Result<DateTime<Utc>, O311Error> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| err(400, format!("{field}: “{v}” is not a W3C date-time with a time zone")))
}

async fn list_requests(
    state: &AppState,
    meta: &crate::auth::RequestMeta,
    p: &Params,
    one: Option<&str>,
) -> Result<Value, O311Error> {
    let keyed = key_principal(state, p).await?.map(|p| Viewer::of(&p));
    let full = keyed.is_some();
    if !full {
        // Anyone may list without a key: a few pages a minute per address, not a scrape.
        if let Err(wait) = state.open311_public.hit(&meta.ip) {
            return Err(err(429, format!("too many requests without api_key: wait {} s", wait.as_secs() + 1)));
        }
    }
    let who = keyed.unwrap_or_else(Viewer::open311_public);
    let extensions = p.get("extensions") == Some("true");
    let mut q = AppealQuery::default();
    let ids = one.map(str::to_string).or_else(|| p.get("service_request_id").map(str::to_string));
    let (default_size, max_size) = if full { (1000, 1000) } else { (PUBLIC_PAGE_MAX, PUBLIC_PAGE_MAX) };
    let page_size: u32 = match p.get("page_size") {
        None => default_size,
        Some(s) => s.parse().ok().filter(|n| (1..=max_size).contains(n)).ok_or_else(|| {
            err(400, format!("page_size: 1 to {max_size}{}", if full { "" } else { " without api_key" }))
        })?,
    };
    let page: u32 = match p.get("page") {
        None => 1,
        Some(s) => s.parse().ok().filter(|n| *n >= 1).ok_or_else(|| err(400, "page: a whole number from 1"))?,
    };
    if let Some(ids) = ids {
        // service_request_id overrides every other filter.
        for s in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            q.numbers.push(s.parse().map_err(|_| err(404, format!("service_request_id {s} not found")))?);
        }
    } else {
        let now = state.clock.now();
        let end = p.get("end_date").map(|v| parse_time(v, "end_date")).transpose()?;
        let start = p.get("start_date").map(|v| parse_time(v, "start_date")).transpose()?;
        let (start, end) = match (start, end) {
            (Some(s), Some(e)) => (s, e),
            (Some(s), None) => (s, (s + Duration::days(90)).min(now)),
            (None, Some(e)) => (e - Duration::days(90), e),
            (None, None) => (now - Duration::days(90), now),
        };
        if end < start {
            return Err(err(400, "end_date is before start_date"));
        }
        if end - start > Duration::days(90) {
            return Err(err(400, "start_date to end_date may not span more than 90 days"));
        }
        q.since = Some(start);
        q.until = Some(end + Duration::seconds(1));
        if let Some(codes) = p.get("service_code") {
            q.categories = codes.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        }
        if let Some(st) = p.get("status") {
            let set: Vec<&str> = st.split(',').map(str::trim).collect();
            for s in &set {
                if *s != "open" && *s != "closed" {
                    return Err(err(400, format!("status: “{s}” is not open or closed")));
                }
            }
            match (set.contains(&"open"), set.contains(&"closed")) {
                (true, false) => q.open311_closed = Some(false),
                (false, true) => q.open311_closed = Some(true),
                _ => {}
            }
        }
    }
    let rows = state.store.list_appeals(&who, None, &q, Page { page, page_size: page_size.min(1000) }).await?;
    let cfg = state.store.appeal_config().await?;
    let mut out = Vec::new();
    for a in &rows.items {
        out.push(request_json(state, &cfg, a, full, extensions).await);
    }
    Ok(Value::Array(out))
}

async fn request_json(
    state: &AppState,
    cfg: &jiayuan_store::appeals::config::AppealConfig,
    a: &AppealRow,
    full: bool,
    extensions: bool,
) -> Value {
    let status = a.status();
    let closed = status.open311() == "closed";
    let notes = match status {
        Status::Declined => Some("不予受理 declined"),
        Status::Merged => Some("与另一诉求合并 merged as a duplicate"),
        _ => None,
    };
    let level = a.level();
    let community = jiayuan_store::appeals::path_prefixes(&a.path).get(2).cloned();
    let address = if full {
        a.address.clone().or_else(|| Some(a.path.clone()))
    } else {
        match community {
            Some(c) => state.store.territory_by_path_name(&c).await.ok(),
            None => None,
        }
    };
    let mut m = Map::new();
    m.insert("service_request_id".into(), json!(a.number.to_string()));
    m.insert("status".into(), json!(status.open311()));
    m.insert("status_notes".into(), json!(notes));
    m.insert("service_name".into(), json!(cfg.category(&a.category_code).map(|c| c.name_zh.clone())));
    m.insert("service_code".into(), json!(a.category_code));
    m.insert("description".into(), if full { json!(a.description) } else { Value::Null });
    m.insert("agency_responsible".into(), json!(a.department.clone().unwrap_or_else(|| level.label_zh().to_string())));
    m.insert("service_notice".into(), Value::Null);
    m.insert("requested_datetime".into(), json!(bj_time(a.created_at)));
    m.insert(
        "updated_datetime".into(),
        json!(bj_time(if closed { a.closed_at.unwrap_or(a.updated_at) } else { a.updated_at })),
    );
    m.insert("expected_datetime".into(), json!(bj_time(a.resolve_due_at)));
    m.insert("address".into(), json!(address));
    m.insert("address_id".into(), Value::Null);
    m.insert("zipcode".into(), Value::Null);
    m.insert("lat".into(), if full { json!(a.lat_e6.map(|v| v as f64 / 1e6)) } else { Value::Null });
    m.insert("long".into(), if full { json!(a.lng_e6.map(|v| v as f64 / 1e6)) } else { Value::Null });
    m.insert("media_url".into(), Value::Null);
    if extensions {
        m.insert(
            "extended_attributes".into(),
            json!({
                "status_detail": status.as_str(),
                "status_label": status.label_zh(),
                "channel": a.channel,
                "handler_level": level.as_str(),
                "overdue": a.overdue,
                "escalations": a.escalations,
                "rating": a.rating,
            }),
        );
    }
    Value::Object(m)
}

async fn post_request(state: &AppState, meta: &crate::auth::RequestMeta, p: &Params) -> Result<Value, O311Error> {
    let principal = match key_principal(state, p).await? {
        Some(v) => v,
        None => return Err(err(403, "api_key is required to create a request")),
    };
    let who = Viewer::of(&principal);
    let code = p.get("service_code").ok_or_else(|| err(400, "service_code is required"))?;
    let cfg = state.store.appeal_config().await?;
    if cfg.category(code).is_none() {
        return Err(err(404, format!("service_code {code} not found")));
    }
    if let Some((k, _)) = p.0.iter().find(|(k, v)| k.starts_with("attribute[") && !v.trim().is_empty()) {
        return Err(err(400, format!("{k}: service {code} defines no attributes")));
    }
    let lat = p.get("lat").map(|v| v.parse::<f64>().map_err(|_| err(400, "lat: not a number"))).transpose()?;
    let lng = p.get("long").map(|v| v.parse::<f64>().map_err(|_| err(400, "long: not a number"))).transpose()?;
    if lat.is_some() != lng.is_some() {
        return Err(err(400, "lat and long go together"));
    }
    if lat.is_some_and(|v| !(-90.0..=90.0).contains(&v)) || lng.is_some_and(|v| !(-180.0..=180.0).contains(&v)) {
        return Err(err(400, "lat/long: not a place on Earth (lat -90..90, long -180..180)"));
    }
    // A location: address_id first, then lat/long; address_string names a place only when
    // neither is given, and is otherwise the reporter's own words for where it is.
    let scope = who.view.clone().or(who.handle.clone());
    let territory = if let Some(id) = p.get("address_id") {
        id.to_string()
    } else if let (Some(lat), Some(lng)) = (lat, lng) {
        match state.store.place_point(lng, lat).await? {
            Placement::Node(code) => code,
            Placement::OutsideDistrict => {
                return Err(err(400, format!("lat/long: ({lat}, {lng}) is outside this district")));
            }
            Placement::Unplaced => match scope.as_ref().and_then(|s| s.single()).map(|t| t.path.clone()) {
                Some(path) if path != "/" => state.store.territory_code_at(&path).await?,
                _ => {
                    return Err(err(
                        400,
                        "lat/long: no mapped building, compound or community holds this point: give address_id (a territory code)",
                    ))
                }
            },
        }
    } else if let Some(addr) = p.get("address_string") {
        let s =
            scope.as_ref().ok_or_else(|| err(400, "address_string: the api_key's account has no area to search"))?;
        state
            .store
            .territory_named_in(s, addr)
            .await?
            .ok_or_else(|| err(400, format!("address_string: no place named “{addr}” in the api_key's area")))?
    } else {
        return Err(err(400, "a location is required: lat and long, address_string, or address_id"));
    };
    let description = p.get("description").unwrap_or("");
    if description.chars().count() > 4000 {
        return Err(err(400, "description: at most 4000 characters"));
    }
    let name = [p.get("last_name"), p.get("first_name")].into_iter().flatten().collect::<Vec<_>>().join("");
    let input = NewAppeal {
        channel: Some(Channel::Open311),
        category: code.to_string(),
        territory,
        description: if description.is_empty() {
            cfg.category(code).map(|c| c.name_zh.clone()).unwrap_or_default()
        } else {
            description.to_string()
        },
        address: p.get("address_string").map(str::to_string),
        lat,
        lng,
        reporter_name: (!name.is_empty()).then_some(name),
        reporter_phone: p.get("phone").map(str::to_string),
        ..Default::default()
    };
    // Audited like every other write: who, from where, which request.
    let ctx = jiayuan_store::audit::AuditCtx::of(&principal, meta.ip.clone(), meta.request_id.clone());
    let filed = state.store.file_appeal(&who, &ctx, &input, state.clock.now()).await?;
    let notice = format!(
        "已受理登记，由{}办理 (routed to the {})",
        filed.appeal.level().label_zh(),
        filed.appeal.level().label_en()
    );
    Ok(json!([{"service_request_id": filed.appeal.number.to_string(), "service_notice": notice, "account_id": null}]))
}
