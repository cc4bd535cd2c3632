//! User administration, the permission table and the audit log. API and pages.
//! Every action here needs `manage_users` or `view_audit`, and reaches only users and
//! entries inside the actor's scope; others are "not found".

use crate::account::{grant_views, GrantView};
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::pages::{render, OrPage, PageError, Ui};
use crate::state::AppState;
use askama::Template;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use jiayuan_domain::access::{Permission, Role};
use jiayuan_store::accounts::{NewUser, User, UserWithGrants};
use jiayuan_store::audit::{AuditEntry, AuditQuery};
use jiayuan_store::model::Page;
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

fn user_view(u: &User, grants: &[jiayuan_store::access::Grant]) -> UserView {
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

fn parse_role(s: &str) -> Result<Role, ApiError> {
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
    fn into_new_user(self) -> Result<NewUser, ApiError> {
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

async fn managed(state: &AppState, auth: &Auth, username: &str) -> Result<User, ApiError> {
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
fn not_self(auth: &Auth, u: &User, what: &str) -> Result<(), ApiError> {
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

async fn set_disabled(state: &AppState, auth: &Auth, username: &str, disabled: bool) -> Result<(), ApiError> {
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

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub page: Option<String>,
    pub page_size: Option<String>,
}

impl AuditParams {
    fn query(&self) -> AuditQuery {
        AuditQuery { actor: self.actor.clone(), action: self.action.clone() }
    }

    fn page(&self) -> Result<Page, ApiError> {
        let lp =
            crate::api::ListParams { page: self.page.clone(), page_size: self.page_size.clone(), ..Default::default() };
        lp.page()
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryView>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub scope_path: String,
    pub action: String,
    /// The action in words (Chinese)
    pub action_label: String,
    pub object: String,
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    pub result: String,
    pub ip: String,
    pub request_id: String,
    pub hash: String,
}

/// Audit actions and results in words, for people reading the log.
const ACTION_LABELS: &[(&str, &str)] = &[
    ("auth.login", "登录"),
    ("auth.logout", "退出登录"),
    ("user.create", "新建账号"),
    ("user.grant", "授予角色"),
    ("user.revoke", "撤销角色"),
    ("user.disable", "停用账号"),
    ("user.enable", "启用账号"),
    ("user.password_reset", "重置密码"),
    ("user.password_change", "修改密码"),
    ("token.create", "新建接口令牌"),
    ("token.revoke", "吊销接口令牌"),
    ("person.reveal", "查看完整个人信息"),
    ("people.export", "导出居民(脱敏)"),
    ("people.export_revealed", "导出居民(完整)"),
    ("audit.export", "导出审计日志"),
    ("territory.create", "新增区域节点"),
    ("keys.rotate", "轮换密钥"),
    ("demo.users", "创建演示账号"),
    ("cli.import", "命令行导入台账"),
    ("cli.export", "命令行导出台账"),
    ("cli.audit_export", "命令行导出审计日志"),
];

fn action_label(action: &str) -> String {
    ACTION_LABELS.iter().find(|(a, _)| *a == action).map(|(_, l)| l.to_string()).unwrap_or_else(|| action.to_string())
}

fn entry_view(e: AuditEntry) -> AuditEntryView {
    AuditEntryView {
        action_label: action_label(&e.action),
        seq: e.seq,
        at: jiayuan_domain::time::iso(e.at),
        actor: e.actor,
        role: e.role,
        scope_path: e.scope_path,
        action: e.action,
        object: e.object,
        summary: serde_json::from_str(&e.summary).unwrap_or(serde_json::Value::String(e.summary)),
        result: e.result,
        ip: e.ip,
        request_id: e.request_id,
        hash: e.hash,
    }
}

/// The audit log in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", params(crate::query_docs::AuditList), responses((status = 200, body = AuditPage), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_audit(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    let scope = auth.scope(Permission::ViewAudit)?;
    let res = state.store.list_audit(&scope, &p.query(), p.page()?).await?;
    Ok(Json(AuditPage {
        items: res.items.into_iter().map(entry_view).collect(),
        page: res.page,
        page_size: res.page_size,
        total: res.total,
    }))
}

/// The audit log in the caller's scope as CSV, oldest first. The export itself is audited.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "access", params(crate::query_docs::AuditExport), responses((status = 200, description = "CSV (UTF-8 with BOM)", content_type = "text/csv"), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn audit_csv(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<AuditParams>,
) -> Result<Response, ApiError> {
    let scope = auth.scope(Permission::ViewAudit)?;
    let rows = state.store.all_audit(&scope, &p.query()).await?;
    let bytes = jiayuan_store::audit::to_csv(&rows)?;
    state
        .store
        .audit(
            &auth.audit_ctx(),
            jiayuan_store::audit::AuditEvent {
                scope_path: scope.subtrees().first().map(|s| s.path.as_str()).unwrap_or("/"),
                action: "audit.export",
                object: "audit_log".into(),
                summary: serde_json::json!({"rows": rows.len(), "actor": p.actor, "action": p.action}),
                result: "ok",
            },
        )
        .await?;
    Ok(crate::api::csv_attachment(bytes, "audit.csv"))
}

// ---- pages ----

pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
}

fn grantable(auth: &Auth, lang: crate::i18n::Lang) -> Vec<RoleOption> {
    Role::ALL
        .iter()
        .filter(|r| auth.principal.grants.iter().any(|g| g.role.may_grant(**r)))
        .map(|r| RoleOption { code: r.as_str(), label: r.label(lang.code()) })
        .collect()
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    ui: Ui,
    title: String,
    users: Vec<UserView>,
    roles: Vec<RoleOption>,
    error: Option<String>,
    form: NewUserForm,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewUserForm {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: String,
    pub scope: String,
    pub person_id: Option<String>,
}

async fn users_view(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    form: NewUserForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    auth.require(Permission::ManageUsers).page(&ui)?;
    let users: Vec<UserWithGrants> = state.store.list_users(&auth.principal).await.page(&ui)?;
    let page = UsersPage {
        title: ui.t("users.title").into(),
        users: users.iter().map(|u| user_view(&u.user, &u.grants)).collect(),
        roles: grantable(auth, ui.lang),
        error,
        form: NewUserForm { password: String::new(), ..form },
        ui: ui.clone(),
    };
    Ok((status, render(ui, page)?).into_response())
}

pub async fn users_page(auth: Auth, State(state): State<AppState>, ui: Ui) -> Result<Response, PageError> {
    users_view(&state, &auth, ui, NewUserForm::default(), None, StatusCode::OK).await
}

fn message(e: &ApiError) -> String {
    e.field.as_ref().map(|f| format!("{f}: {}", e.message)).unwrap_or(e.message.clone())
}

pub async fn create_user_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<NewUserForm>,
) -> Result<Response, PageError> {
    auth.require(Permission::ManageUsers).page(&ui)?;
    let body = NewUserBody {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        password: f.password.clone(),
        role: f.role.clone(),
        scope: f.scope.clone(),
        person_id: f.person_id.clone(),
    };
    let made = async {
        let n = body.into_new_user()?;
        Ok::<_, ApiError>(state.store.create_user(&auth.audit_ctx(), &auth.principal, &n, true).await?)
    }
    .await;
    match made {
        Ok(u) => Ok(crate::redirect::to(&format!("/admin/users/{}", u.username))),
        Err(e) => users_view(&state, &auth, ui, f, Some(message(&e)), e.status).await,
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    ui: Ui,
    title: String,
    user: UserView,
    roles: Vec<RoleOption>,
    error: Option<String>,
    is_self: bool,
}

async fn user_view_page(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    username: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let u = managed(state, auth, username).await.page(&ui)?;
    let grants = state.store.grants_of(u.id).await.page(&ui)?;
    let page = UserPage {
        title: format!("{} ({})", u.display_name, u.username),
        user: user_view(&u, &grants),
        roles: grantable(auth, ui.lang),
        error,
        is_self: auth.principal.user_id == Some(u.id),
        ui: ui.clone(),
    };
    Ok((status, render(ui, page)?).into_response())
}

pub async fn user_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(username): Path<String>,
) -> Result<Response, PageError> {
    user_view_page(&state, &auth, ui, &username, None, StatusCode::OK).await
}

/// Runs a change on a managed user from a form, then shows the user page (with the error,
/// if the change was refused).
async fn user_action<F, Fut>(state: AppState, auth: Auth, ui: Ui, username: String, f: F) -> Result<Response, PageError>
where
    F: FnOnce(AppState, Auth, User) -> Fut,
    Fut: std::future::Future<Output = Result<(), ApiError>>,
{
    let u = managed(&state, &auth, &username).await.page(&ui)?;
    match f(state.clone(), auth.clone(), u).await {
        Ok(()) => Ok(crate::redirect::to(&format!("/admin/users/{username}"))),
        Err(e) => user_view_page(&state, &auth, ui, &username, Some(message(&e)), e.status).await,
    }
}

#[derive(Deserialize)]
pub struct GrantForm {
    role: String,
    scope: String,
}

pub async fn grant_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(username): Path<String>,
    Form(g): Form<GrantForm>,
) -> Result<Response, PageError> {
    user_action(state, auth, ui, username, |state, auth, u| async move {
        state.store.grant_role(&auth.audit_ctx(), &auth.principal, &u, parse_role(&g.role)?, &g.scope).await?;
        state.sessions.forget_user(&u.username);
        Ok(())
    })
    .await
}

pub async fn revoke_grant_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path((username, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    user_action(state, auth, ui, username, |state, auth, u| async move {
        let id = crate::api::parse_id(&id)?;
        not_self(&auth, &u, "撤销授权")?;
        state.store.revoke_grant(&auth.audit_ctx(), &auth.principal, &u, id).await?;
        state.sessions.forget_user(&u.username);
        Ok(())
    })
    .await
}

pub async fn disable_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(username): Path<String>,
) -> Result<Response, PageError> {
    user_action(state, auth, ui, username, |state, auth, u| async move {
        set_disabled(&state, &auth, &u.username, true).await
    })
    .await
}

pub async fn enable_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(username): Path<String>,
) -> Result<Response, PageError> {
    user_action(state, auth, ui, username, |state, auth, u| async move {
        set_disabled(&state, &auth, &u.username, false).await
    })
    .await
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

pub async fn reset_password_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(username): Path<String>,
    Form(r): Form<ResetForm>,
) -> Result<Response, PageError> {
    user_action(state, auth, ui, username, |state, auth, u| async move {
        not_self(&auth, &u, "重置密码，请在“我的账号”修改")?;
        state.store.set_password(&auth.audit_ctx(), &u, &r.password, true).await?;
        state.sessions.forget_user(&u.username);
        Ok(())
    })
    .await
}

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage {
    ui: Ui,
    title: String,
    permissions: Vec<(&'static str, &'static str)>,
    rows: Vec<(String, String, Vec<bool>)>,
}

pub async fn roles_page(_signed_in: Auth, ui: Ui) -> Result<Response, PageError> {
    let lang = ui.lang.code();
    let page = RolesPage {
        title: ui.t("roles.title").into(),
        permissions: Permission::ALL.iter().map(|p| (p.as_str(), p.label(lang))).collect(),
        rows: Role::ALL
            .iter()
            .map(|r| {
                let kinds: Vec<&str> = r.scope_kinds().iter().map(|k| k.label(lang)).collect();
                (r.label(lang).to_string(), kinds.join("/"), Permission::ALL.iter().map(|p| r.allows(*p)).collect())
            })
            .collect(),
        ui: ui.clone(),
    };
    render(ui, page)
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditBrowser {
    ui: Ui,
    title: String,
    actor: String,
    action: String,
    rows: Vec<AuditEntryView>,
    total: i64,
    pager: String,
    export: String,
}

pub async fn audit_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(p): Query<AuditParams>,
) -> Result<Response, PageError> {
    let scope = auth.scope(Permission::ViewAudit).page(&ui)?;
    let page = AuditParams { page_size: Some("50".into()), ..Default::default() };
    let page = AuditParams { page: p.page.clone(), ..page }.page().page(&ui)?;
    let res = state.store.list_audit(&scope, &p.query(), page).await.page(&ui)?;
    let pager = crate::pages::pager(&ui, res.page, res.page_size, res.total);
    let export = format!(
        "/audit.csv?actor={}&action={}",
        crate::auth::urlencode(p.actor.as_deref().unwrap_or("")),
        crate::auth::urlencode(p.action.as_deref().unwrap_or(""))
    );
    let tpl = AuditBrowser {
        title: ui.t("audit.title").into(),
        actor: p.actor.clone().unwrap_or_default(),
        action: p.action.clone().unwrap_or_default(),
        total: res.total,
        rows: res.items.into_iter().map(entry_view).collect(),
        pager,
        export,
        ui: ui.clone(),
    };
    render(ui, tpl)
}
