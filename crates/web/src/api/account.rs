//! Signing in and out, and one's own account: password and API tokens.

use crate::auth::{self, Auth, RequestMeta};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use jiayuan_store::accounts::{ApiToken, LoginError, LoginOk, SESSION_ABSOLUTE_HOURS};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    #[schema(min_length = 1, pattern = "\\S")]
    pub username: String,
    #[schema(min_length = 1)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct GrantView {
    pub id: String,
    pub role: String,
    pub role_label: String,
    pub territory_id: String,
    pub territory_code: String,
    pub territory_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub username: String,
    pub display_name: String,
    pub must_change_password: bool,
    /// The resident record this account stands for, if any ("self")
    pub person_id: Option<uuid::Uuid>,
    pub grants: Vec<GrantView>,
    pub permissions: Vec<String>,
    /// Send back as `X-CSRF-Token` on state-changing requests made with the session cookie
    pub csrf_token: Option<String>,
}

pub fn grant_views(grants: &[jiayuan_store::access::Grant]) -> Vec<GrantView> {
    grants
        .iter()
        .map(|g| GrantView {
            id: g.id.to_string(),
            role: g.role.as_str().into(),
            role_label: g.role.label_zh().into(),
            territory_id: g.territory_id.to_string(),
            territory_code: g.territory_code.clone(),
            territory_name: g.territory_name.clone(),
        })
        .collect()
}

fn me_view(p: &jiayuan_store::access::Principal, csrf: Option<String>) -> MeView {
    let permissions =
        jiayuan_domain::access::Permission::ALL.iter().filter(|x| p.can(**x)).map(|x| x.as_str().to_string()).collect();
    MeView {
        username: p.username.clone(),
        display_name: p.display_name.clone(),
        must_change_password: p.must_change_password,
        person_id: p.person_id,
        grants: grant_views(&p.grants),
        permissions,
        csrf_token: csrf,
    }
}

fn login_error(e: LoginError) -> ApiError {
    match e {
        LoginError::BadCredentials | LoginError::Disabled => ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "bad_credentials",
            message: "用户名或密码错误 (wrong username or password)".into(),
            field: Some("password".into()),
        },
        LoginError::Locked { until } => ApiError {
            status: StatusCode::LOCKED,
            code: "locked",
            message: format!(
                "连续失败次数过多，账号已锁定至 {} (account locked after repeated failures)",
                jiayuan_domain::time::iso(until)
            ),
            field: None,
        },
    }
}

/// The shared sign-in path of the API and the login page: throttle, check, remember.
pub(crate) async fn sign_in(
    state: &AppState,
    meta: &RequestMeta,
    username: &str,
    password: &str,
) -> Result<LoginOk, ApiError> {
    if let Some(wait) = state.throttle.blocked(&meta.ip) {
        return Err(ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "throttled",
            message: format!(
                "此地址登录失败次数过多，请{}分钟后再试 (too many failed sign-ins from this address)",
                wait.as_secs() / 60 + 1
            ),
            field: None,
        });
    }
    if username.trim().is_empty() {
        return Err(ApiError::invalid("username", "请填写用户名 (username required)"));
    }
    if password.is_empty() {
        return Err(ApiError::invalid("password", "请填写密码 (password required)"));
    }
    match state.store.login(username, password, &meta.ip, &meta.request_id).await? {
        Ok(ok) => {
            state.sessions.insert(&ok.token, ok.session.clone());
            Ok(ok)
        }
        Err(e) => {
            state.throttle.failed(&meta.ip);
            Err(login_error(e))
        }
    }
}

/// Sign in; sets the session cookie and returns the CSRF token for later writes.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginBody, responses((status = 200, body = MeView), (status = 401, body = crate::error::ErrorBody), (status = 423, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn api_login(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Result<Json<LoginBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let b = crate::error::json_body(body)?;
    let ok = sign_in(&state, &meta, &b.username, &b.password).await?;
    let cookie = auth::session_cookie(&state, &headers, &ok.token, SESSION_ABSOLUTE_HOURS * 3600);
    let me = me_view(&ok.session.principal, Some(ok.session.csrf_token.clone()));
    Ok(([(header::SET_COOKIE, cookie)], Json(me)).into_response())
}

#[utoipa::path(post, path = "/api/v1/auth/logout", responses((status = 204)))]
pub async fn api_logout(auth: Auth, State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(t) = &auth.session_token {
        state.store.logout(&auth.audit_ctx(), t).await?;
        state.sessions.forget(t);
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, auth::session_cookie(&state, &headers, "", 0))]).into_response())
}

#[utoipa::path(get, path = "/api/v1/auth/me", responses((status = 200, body = MeView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn api_me(auth: Auth) -> Json<MeView> {
    Json(me_view(&auth.principal, auth.csrf_token.clone()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    pub current_password: String,
    pub new_password: String,
}

pub(crate) async fn change_password(state: &AppState, auth: &Auth, current: &str, new: &str) -> Result<(), ApiError> {
    let user = state.store.user_by_name(&auth.principal.username).await?;
    if !jiayuan_store::accounts::verify_password(current, &user.password_hash) {
        return Err(ApiError::invalid("current_password", "当前密码不正确 (current password is wrong)"));
    }
    state.store.set_password(&auth.audit_ctx(), &user, new, false).await?;
    // Sessions re-read the account: the forced-change flag is gone at once.
    state.sessions.forget_user(&user.username);
    Ok(())
}

/// Change one's own password (required after an initial or reset password).
#[utoipa::path(post, path = "/api/v1/auth/password", request_body = PasswordBody, responses((status = 204), (status = 400, body = crate::error::ErrorBody)))]
pub async fn api_password(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<PasswordBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let b = crate::error::json_body(body)?;
    change_password(&state, &auth, &b.current_password, &b.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    /// The first characters, to recognise it
    pub prefix: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked: bool,
    pub last_used_at: Option<String>,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name,
            prefix: t.prefix,
            created_at: jiayuan_domain::time::iso(t.created_at),
            expires_at: t.expires_at.map(jiayuan_domain::time::iso),
            revoked: t.revoked_at.is_some(),
            last_used_at: t.last_used_at.map(jiayuan_domain::time::iso),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    #[schema(min_length = 1, max_length = 60, pattern = "\\S")]
    pub name: String,
    /// Lifetime such as `30d`, `12h` or `never`; default 90 days
    #[schema(pattern = "^(never|[1-9][0-9]{0,3}[dhm])?$")]
    pub expires: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NewTokenView {
    /// Shown once: send as `Authorization: Bearer …`
    pub token: String,
    pub info: TokenView,
}

/// `30d`, `12h`, `90m` or `never` → an expiry time.
pub fn parse_expiry(s: Option<&str>, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let s = s.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("90d");
    if s == "never" {
        return Ok(None);
    }
    let bad = || ApiError::invalid("expires", format!("“{s}”应为如 30d、12h 或 never (like 30d, 12h or never)"));
    // Split before the last character (not byte: the text may be anything a client sent).
    let cut = s.char_indices().last().map(|(i, _)| i).unwrap_or(0);
    let (n, unit) = s.split_at(cut);
    let n: i64 = n.parse().map_err(|_| bad())?;
    if n <= 0 || n > 3650 * 24 * 60 {
        return Err(bad());
    }
    let d = match unit {
        "d" => chrono::Duration::days(n),
        "h" => chrono::Duration::hours(n),
        "m" => chrono::Duration::minutes(n),
        _ => return Err(bad()),
    };
    Ok(Some(now + d))
}

#[utoipa::path(get, path = "/api/v1/auth/tokens", responses((status = 200, body = Vec<TokenView>)))]
pub async fn api_tokens(auth: Auth, State(state): State<AppState>) -> Result<Json<Vec<TokenView>>, ApiError> {
    let user = state.store.user_by_name(&auth.principal.username).await?;
    Ok(Json(state.store.tokens_of(user.id).await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/auth/tokens", request_body = NewTokenBody, responses((status = 201, body = NewTokenView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn api_create_token(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewTokenBody>, JsonRejection>,
) -> Result<(StatusCode, Json<NewTokenView>), ApiError> {
    let b = crate::error::json_body(body)?;
    let expires = parse_expiry(b.expires.as_deref(), Utc::now())?;
    let user = state.store.user_by_name(&auth.principal.username).await?;
    let (token, info) = state.store.create_token(&auth.audit_ctx(), &user, &b.name, expires).await?;
    Ok((StatusCode::CREATED, Json(NewTokenView { token, info: info.into() })))
}

#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_revoke_token(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = crate::api::parse_id(&id)?;
    let user = state.store.user_by_name(&auth.principal.username).await?;
    state.store.revoke_token(&auth.audit_ctx(), &user, id).await?;
    // The token may be cached here; its next use must go to the database.
    state.sessions.forget_user(&user.username);
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::parse_expiry;

    #[test]
    fn any_text_as_an_expiry_is_an_answer_never_a_panic() {
        let now = chrono::Utc::now();
        assert!(parse_expiry(Some("30d"), now).unwrap().is_some());
        assert!(parse_expiry(Some("never"), now).unwrap().is_none());
        for bad in ["\u{84}", "3天", "é", "d", "-1d", "99999999d"] {
            let e = parse_expiry(Some(bad), now).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("expires"), "{bad}");
        }
    }
}
