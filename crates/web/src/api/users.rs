//! User administration and the permission table. Every action needs `manage_users` and
//! reaches only users inside the actor's scope; others are "not found".

use crate::api::{grant_views, GrantView};
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use jiayuan_domain::access::{Permission, Role};
use jiayuan_store::accounts::{NewUser, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
    pub locked: bool,
    pub must_change_password: bool,
    pub demo: bool,
    pub created_at: String,
    pub grants: Vec<GrantView>,
}

pub(crate) fn user_view(u: &User, grants: &[jiayuan_store::access::Grant]) -> UserView {
    UserView {
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        disabled: u.disabled,
        locked: u.locked_until.is_some_and(|t| t > chrono::Utc::now()),
        must_change_password: u.must_change_password,
        demo: u.demo,
        created_at: jiayuan_domain::time::iso(u.created_at),
        grants: grant_views(grants),
    }
}

pub(crate) fn parse_role(s: &str) -> Result<Role, ApiError> {
    Ok(Role::parse_field(s, "role")?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// 3–32 letters, digits, `.`, `_` or `-`
    #[schema(pattern = "^[A-Za-z0-9._-]{3,32}$")]
    pub username: String,
    #[schema(min_length = 1, max_length = 40, pattern = "\\S")]
    pub display_name: String,
    /// Initial password: the user must change it at first sign-in (at least 10 characters,
    /// not containing the username, not a common password)
    #[schema(min_length = 10)]
    pub password: String,
    #[schema(
        pattern = "^(district_admin|subdistrict_officer|community_secretary|community_worker|compound_secretary|building_leader|property_staff|owners_committee|social_org_staff|resident)$"
    )]
    pub role: String,
    /// Territory id or code the role is held over
    pub scope: String,
    /// Resident record (required for the resident role)
    pub person_id: Option<String>,
}

impl NewUserBody {
    pub(crate) fn into_new_user(self) -> Result<NewUser, ApiError> {
        let person_id = match self.person_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => {
                Some(Uuid::parse_str(p).map_err(|_| ApiError::invalid("person_id", "不是有效的ID (not a valid id)"))?)
            }
            None => None,
        };
        Ok(NewUser {
            role: parse_role(&self.role)?,
            username: self.username,
            display_name: self.display_name,
            password: self.password,
            scope: self.scope,
            person_id,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/users", responses((status = 200, body = Vec<UserView>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_users(auth: Auth, State(state): State<AppState>) -> Result<Json<Vec<UserView>>, ApiError> {
    auth.require(Permission::ManageUsers)?;
    let users = state.store.list_users(&auth.principal).await?;
    Ok(Json(users.iter().map(|u| user_view(&u.user, &u.grants)).collect()))
}

#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserBody, responses((status = 201, body = UserView), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_create_user(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewUserBody>, JsonRejection>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    auth.require(Permission::ManageUsers)?;
    let n = json_body(body)?.into_new_user()?;
    let u = state.store.create_user(&auth.audit_ctx(), &auth.principal, &n, true).await?;
    let grants = state.store.grants_of(u.id).await?;
    Ok((StatusCode::CREATED, Json(user_view(&u, &grants))))
}

pub(crate) async fn managed(state: &AppState, auth: &Auth, username: &str) -> Result<User, ApiError> {
    auth.require(Permission::ManageUsers)?;
    Ok(state.store.managed_user(&auth.principal, username).await?)
}

#[utoipa::path(get, path = "/api/v1/users/{username}", params(("username" = String, Path)), responses((status = 200, body = UserView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_user(
    auth: Auth,
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    let u = managed(&state, &auth, &username).await?;
    let grants = state.store.grants_of(u.id).await?;
    Ok(Json(user_view(&u, &grants)))
}

/// An administrator cannot lock themselves out through the user administration: disabling
/// their own account, resetting their own password (that is `POST /api/v1/auth/password`) or
/// revoking their own roles answers 409.
pub(crate) fn not_self(auth: &Auth, u: &User, what: &str) -> Result<(), ApiError> {
    if auth.principal.user_id == Some(u.id) {
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            code: "conflict",
            message: format!("不能对自己的账号{what} (not on your own account)"),
            field: Some("username".into()),
        });
    }
    Ok(())
}

pub(crate) async fn set_disabled(
    state: &AppState,
    auth: &Auth,
    username: &str,
    disabled: bool,
) -> Result<(), ApiError> {
    let u = managed(state, auth, username).await?;
    if disabled {
        not_self(auth, &u, "停用")?;
    }
    state.store.set_disabled(&auth.audit_ctx(), &u, disabled).await?;
    state.sessions.forget_user(&u.username);
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/users/{username}/disable", params(("username" = String, Path)), responses((status = 204), (status = 409, description = "Not on one's own account", body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_disable(
    auth: Auth,
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_disabled(&state, &auth, &username, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{username}/enable", params(("username" = String, Path)), responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_enable(
    auth: Auth,
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_disabled(&state, &auth, &username, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordBody {
    /// A new initial password; the user must change it at next sign-in
    pub password: String,
}

#[utoipa::path(post, path = "/api/v1/users/{username}/password", params(("username" = String, Path)), request_body = ResetPasswordBody, responses((status = 204), (status = 409, description = "Not on one's own account: use /api/v1/auth/password", body = crate::error::ErrorBody), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_reset_password(
    auth: Auth,
    State(state): State<AppState>,
    Path(username): Path<String>,
    body: Result<Json<ResetPasswordBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let b = json_body(body)?;
    let u = managed(&state, &auth, &username).await?;
    not_self(&auth, &u, "重置密码，请在“我的账号”修改")?;
    state.store.set_password(&auth.audit_ctx(), &u, &b.password, true).await?;
    state.sessions.forget_user(&u.username);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    #[schema(
        pattern = "^(district_admin|subdistrict_officer|community_secretary|community_worker|compound_secretary|building_leader|property_staff|owners_committee|social_org_staff|resident)$"
    )]
    pub role: String,
    /// Territory id or code
    pub scope: String,
}

#[utoipa::path(post, path = "/api/v1/users/{username}/grants", params(("username" = String, Path)), request_body = GrantBody, responses((status = 201, body = UserView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_grant(
    auth: Auth,
    State(state): State<AppState>,
    Path(username): Path<String>,
    body: Result<Json<GrantBody>, JsonRejection>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let b = json_body(body)?;
    let u = managed(&state, &auth, &username).await?;
    state.store.grant_role(&auth.audit_ctx(), &auth.principal, &u, parse_role(&b.role)?, &b.scope).await?;
    state.sessions.forget_user(&u.username);
    let grants = state.store.grants_of(u.id).await?;
    Ok((StatusCode::CREATED, Json(user_view(&u, &grants))))
}

#[utoipa::path(delete, path = "/api/v1/users/{username}/grants/{id}", params(("username" = String, Path), ("id" = String, Path)), responses((status = 204), (status = 409, description = "Not on one's own account", body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_revoke_grant(
    auth: Auth,
    State(state): State<AppState>,
    Path((username, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let u = managed(&state, &auth, &username).await?;
    let id = crate::api::parse_id(&id)?;
    not_self(&auth, &u, "撤销授权")?;
    state.store.revoke_grant(&auth.audit_ctx(), &auth.principal, &u, id).await?;
    state.sessions.forget_user(&u.username);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct RoleView {
    pub role: String,
    pub label_zh: String,
    pub label_en: String,
    /// Kinds of territory node the role is held over
    pub scope_kinds: Vec<String>,
    pub permissions: Vec<String>,
}

fn roles() -> Vec<RoleView> {
    Role::ALL
        .iter()
        .map(|r| RoleView {
            role: r.as_str().into(),
            label_zh: r.label_zh().into(),
            label_en: r.label_en().into(),
            scope_kinds: r.scope_kinds().iter().map(|k| k.as_str().to_string()).collect(),
            permissions: r.permissions().iter().map(|p| p.as_str().to_string()).collect(),
        })
        .collect()
}

/// The permission table: every role, where it is held, and what it allows.
#[utoipa::path(get, path = "/api/v1/roles", responses((status = 200, body = Vec<RoleView>)))]
pub async fn api_roles(_auth: Auth) -> Json<Vec<RoleView>> {
    Json(roles())
}
