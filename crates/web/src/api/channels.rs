//! Notification channels and the outbox.

use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use jiayuan_domain::access::Permission;
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelBody {
    pub name: Option<String>,
    /// wecom, dingtalk or webhook
    #[schema(pattern = "^(wecom|dingtalk|webhook)$")]
    pub kind: Option<String>,
    #[schema(pattern = "^https?://[^\\s]+$")]
    pub url: Option<String>,
    /// HMAC key for webhooks, signing secret for DingTalk; stored encrypted
    pub secret: Option<String>,
    /// Territory code: notify about appeals handled in this subtree
    pub scope: Option<String>,
    /// Comma-separated events, default create,escalate,return,warn,overdue (appeals) and
    /// service_warn,service_overdue (service tickets near or past their time limit)
    pub events: Option<String>,
}

/// Notification channels (appeal administrators).
#[utoipa::path(get, path = "/api/v1/notify/channels", tag = "notifications", responses((status = 200, body = Object), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_channels(auth: Auth, State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    auth.require(Permission::ManageAppeals)?;
    Ok(Json(serde_json::json!({"items": state.store.notify_channels().await?})))
}

#[utoipa::path(post, path = "/api/v1/notify/channels", tag = "notifications", request_body = ChannelBody, responses((status = 201, body = Object), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_add_channel(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<ChannelBody>, JsonRejection>,
) -> Result<(StatusCode, Json<jiayuan_store::appeals::outbox::ChannelRow>), ApiError> {
    auth.require(Permission::ManageAppeals)?;
    let b = json_body(body)?;
    let n = jiayuan_store::appeals::outbox::NewChannel {
        name: b.name.unwrap_or_default(),
        kind: b.kind.unwrap_or_default(),
        url: b.url.unwrap_or_default(),
        secret: b.secret,
        path: b.scope.unwrap_or_default(),
        events: b.events,
    };
    Ok((StatusCode::CREATED, Json(state.store.add_notify_channel(&auth.audit_ctx(), &n).await?)))
}

/// The most recent outbox messages with every delivery attempt.
#[utoipa::path(get, path = "/api/v1/notify/outbox", tag = "notifications", responses((status = 200, body = Object), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_outbox(auth: Auth, State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    auth.require(Permission::ManageAppeals)?;
    let items: Vec<serde_json::Value> = state
        .store
        .outbox_log(100)
        .await?
        .into_iter()
        .map(|(o, attempts)| serde_json::json!({"message": o, "deliveries": attempts}))
        .collect();
    Ok(Json(serde_json::json!({"counts": state.store.outbox_counts().await?, "items": items})))
}
