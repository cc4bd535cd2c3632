//! The JSON API under `/api/v1`, one module per resource. Handlers parse, call the store
//! and shape the answer; what they share (list parameters, ids, CSV answers) is here.

mod account;
mod activities;
mod appeals;
mod audit;
mod channels;
mod clock;
mod councils;
mod decisions;
mod grid;
mod life;
mod organisations;
mod people;
mod reports;
mod service;
mod support;
mod territories;
mod users;
mod votes;
mod workers;

pub use account::*;
pub use activities::*;
pub use appeals::*;
pub use audit::*;
pub use channels::*;
pub use clock::*;
pub(crate) use councils::day as day_of;
pub use councils::*;
pub use decisions::*;
pub use grid::*;
pub use life::*;
pub use organisations::*;
pub use people::*;
pub use reports::*;
pub use service::*;
pub use support::*;
pub use territories::*;
pub use users::*;
pub use votes::*;
pub use workers::*;

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use jiayuan_domain::person::PersonTag;
use jiayuan_store::access::Scope;
use jiayuan_store::model::Page;
use jiayuan_store::people::PeopleQuery;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Query parameters shared by the lists. All arrive as text and are parsed here, so a bad
/// value is answered with the name of the parameter at fault.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Territory code or id: only rows in that subtree
    pub within: Option<String>,
    /// Search text (names, pinyin, initials, codes; whole ID number for people)
    pub q: Option<String>,
    /// Sort key; prefix `-` for descending
    pub sort: Option<String>,
    /// 1-based page number (default 1)
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: Option<String>,
    /// Rows per page, 1–200 (default 20)
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub page_size: Option<String>,
    /// Territories only: kind of node
    #[param(value_type = Option<String>, pattern = "^(district|subdistrict|community|compound|building|entrance|dwelling)$")]
    pub kind: Option<String>,
    /// Territories only: direct children of this id or code
    pub parent: Option<String>,
    /// People only: a tag such as elderly, disabled, veteran
    #[param(value_type = Option<String>, pattern = "^[a-z_]+$")]
    pub tag: Option<String>,
}

fn num(v: &Option<String>, field: &str) -> Result<Option<u32>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<u32>()
            .map(Some)
            .map_err(|_| ApiError::invalid(field, format!("“{s}”不是正整数 (not a whole number)"))),
    }
}

impl ListParams {
    pub fn page(&self) -> Result<Page, ApiError> {
        Ok(Page::new(num(&self.page, "page")?, num(&self.page_size, "page_size")?)?)
    }

    /// The scope cut down to `within`, when given. A node outside the scope answers exactly
    /// as one that does not exist: 404 naming the parameter.
    pub async fn within(&self, state: &AppState, scope: Scope) -> Result<Scope, ApiError> {
        match self.within.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(scope),
            Some(r) => match state.store.territory_in(&scope, r).await {
                Ok(t) => Ok(scope.narrow(&t)?),
                Err(jiayuan_store::StoreError::NotFound) => Err(ApiError {
                    field: Some("within".into()),
                    message: format!("区域“{r}”不存在 (no such territory)"),
                    ..ApiError::not_found()
                }),
                Err(e) => Err(e.into()),
            },
        }
    }
}

impl ListParams {
    pub fn people_query(&self) -> Result<PeopleQuery, ApiError> {
        let tag =
            self.tag.as_deref().filter(|s| !s.is_empty()).map(|t| PersonTag::parse_field(t, "tag")).transpose()?;
        Ok(PeopleQuery { q: self.q.clone(), tag, sort: self.sort.clone() })
    }
}

/// An id from the path. Something that is not an id names nothing here: 404, like an id that
/// does not exist.
pub fn parse_id(s: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(s.trim()).map_err(|_| ApiError::not_found())
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Every check passed: the database answers and its schema is current"), (status = 503, description = "A check failed; `failed` names it")))]
pub async fn healthz(State(state): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let checks = state.store.health().await;
    let failed: Vec<&str> = checks.iter().filter(|(_, r)| r.is_err()).map(|(n, _)| *n).collect();
    let detail: serde_json::Map<String, serde_json::Value> = checks
        .iter()
        .map(|(n, r)| (n.to_string(), serde_json::json!(r.as_ref().err().map(String::as_str).unwrap_or("ok"))))
        .collect();
    let status = if failed.is_empty() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = serde_json::json!({
        "status": if failed.is_empty() { "ok" } else { "fail" },
        "failed": failed,
        "checks": detail,
    });
    (status, Json(body)).into_response()
}

/// A CSV download.
pub fn csv_attachment(bytes: Vec<u8>, filename: &'static str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// A yes/no parameter as written, not trimmed: blank space is not "not given" (schemathesis
/// found `reported=%0D` taken as false).
pub(crate) fn flag(v: &Option<String>, field: &str) -> Result<bool, ApiError> {
    match v.as_deref().unwrap_or("") {
        "" | "false" | "0" => Ok(false),
        "true" | "1" | "on" => Ok(true),
        other => Err(ApiError::invalid(field, format!("“{}”应为 true 或 false", other.escape_debug()))),
    }
}

/// A code exactly as the schema's pattern has it (no labels, no blank space); a refusal lists
/// the accepted codes.
pub(crate) fn code<T: TryFrom<String>>(
    s: &str,
    name: &str,
    parse_field: impl Fn(&str, &str) -> Result<T, jiayuan_domain::FieldError>,
) -> Result<T, ApiError> {
    T::try_from(s.to_string()).map_err(|_| match parse_field("", name) {
        Err(e) => ApiError::invalid(&e.field, e.message),
        Ok(_) => ApiError::invalid(name, "无效的值 (not a valid value)"),
    })
}

/// Unknown API paths answer in the API's error shape.
pub async fn api_not_found() -> ApiError {
    ApiError::not_found()
}

/// The schema of an optional day in a query: a date, or empty. The API reads an empty query
/// parameter as not given (see `input`), so the schema says so rather than only "a date".
pub(crate) fn date_or_empty() -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let any = AnyOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))))
        .item(ObjectBuilder::new().schema_type(Type::String).max_length(Some(0)))
        .build();
    utoipa::openapi::Schema::AnyOf(any)
}

/// A whole number as JSON Schema counts one: `2` or `2.0`.
pub(crate) fn whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    n.as_i64()
        .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
        .ok_or_else(|| serde::de::Error::custom("expected a whole number"))
}

pub(crate) fn whole_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "whole")] i64);
    Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
}
