//! The appeal clock: what "now" is, and (with `serve --test-clock`) setting it.

use super::*;
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use jiayuan_domain::access::Permission;
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct ClockView {
    pub now: String,
    pub settable: bool,
    pub last_run: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/clock", tag = "appeals", responses((status = 200, body = ClockView)))]
pub async fn api_clock(_auth: Auth, State(state): State<AppState>) -> Result<Json<ClockView>, ApiError> {
    Ok(Json(ClockView {
        now: bj_time(state.clock.now()),
        settable: state.clock.is_settable(),
        last_run: bj_opt(state.store.appeal_clock_last_run().await?),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetClock {
    /// RFC 3339 with an offset
    #[schema(format = DateTime)]
    pub now: String,
}

/// Sets the test clock and runs the clock at once (only with `serve --test-clock`; district
/// administrators only).
#[utoipa::path(post, path = "/api/v1/clock", tag = "appeals", request_body = SetClock, responses((status = 200, body = ClockView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 409, description = "The server was not started with --test-clock", body = crate::error::ErrorBody)))]
pub async fn api_set_clock(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<SetClock>, JsonRejection>,
) -> Result<Json<ClockView>, ApiError> {
    auth.require(Permission::ManageAppeals)?;
    let b = json_body(body)?;
    let t = DateTime::parse_from_rfc3339(b.now.trim()).map_err(|_| {
        ApiError::invalid("now", "应为带时区的时间，如 2026-12-01T09:00:00+08:00 (RFC 3339 with offset)")
    })?;
    if !state.clock.set(t.with_timezone(&Utc)) {
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            code: "conflict",
            message: "时钟不可设置：服务未以 --test-clock 启动 (clock is not settable)".into(),
            field: Some("now".into()),
        });
    }
    crate::jobs::tick_once(&state).await;
    api_clock(auth, State(state)).await
}
