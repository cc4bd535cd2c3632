//! User administration and the roles page.

use crate::api::{managed, not_self, parse_role, set_disabled, user_view, NewUserBody, UserView};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::pages::picker::{territory_picker, TerritoryPicker};
use crate::pages::{render, OrPage, PageError, Ui};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use jiayuan_domain::access::{Permission, Role};
use jiayuan_store::accounts::{User, UserWithGrants};
use serde::Deserialize;

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
    picker: TerritoryPicker,
    /// The residents of the place chosen (a building or below), to link a resident account
    /// to one of them by name: (id, name and year of birth).
    residents: Vec<(String, String)>,
}

/// The residents of the place chosen, when it is a building or below and the account may see
/// people there: a resident account is linked by choosing a name, not by typing an id.
async fn residents_at(state: &AppState, auth: &Auth, code: &str) -> Vec<(String, String)> {
    if code.is_empty() {
        return vec![];
    }
    let Ok(node) = state.store.territory_by_code(code).await else { return vec![] };
    let deep = jiayuan_domain::TerritoryKind::parse(&node.kind)
        .is_some_and(|k| k.depth() >= jiayuan_domain::TerritoryKind::Building.depth());
    if !deep {
        return vec![];
    }
    let Ok(scope) = auth.scope(Permission::ViewPeople).and_then(|s| Ok(s.narrow(&node)?)) else { return vec![] };
    let q = jiayuan_store::people::PeopleQuery::default();
    let page = jiayuan_store::model::Page { page: 1, page_size: 200 };
    match state.store.list_people(&scope, &q, page).await {
        Ok(found) => found
            .items
            .into_iter()
            .map(|p| (p.id.to_string(), format!("{}（{}）", p.name, p.birth_date.format("%Y"))))
            .collect(),
        Err(_) => vec![],
    }
}

/// The territory picker's parameters on the user pages.
#[derive(Deserialize, Default)]
pub struct PickParams {
    at: Option<String>,
    pq: Option<String>,
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
    pq: Option<&str>,
) -> Result<Response, PageError> {
    auth.require(Permission::ManageUsers).page(&ui)?;
    let at = Some(form.scope.as_str());
    let picker = territory_picker(state, auth, &ui, Permission::ManageUsers, "/admin/users", at, pq).await?;
    let residents = residents_at(state, auth, picker.chosen_code()).await;
    let users: Vec<UserWithGrants> = state.store.list_users(&auth.principal).await.page(&ui)?;
    let page = UsersPage {
        title: ui.t("users.title").into(),
        users: users
            .iter()
            .map(|u| {
                let mut v = user_view(&u.user, &u.grants);
                v.grants = crate::pages::localised(ui.lang, v.grants);
                v
            })
            .collect(),
        roles: grantable(auth, ui.lang),
        error,
        form: NewUserForm { password: String::new(), ..form },
        picker,
        residents,
        ui: ui.clone(),
    };
    Ok((status, render(ui, page)?).into_response())
}

pub async fn users_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(p): Query<PickParams>,
) -> Result<Response, PageError> {
    let form = NewUserForm { scope: p.at.unwrap_or_default(), ..Default::default() };
    users_view(&state, &auth, ui, form, None, StatusCode::OK, p.pq.as_deref()).await
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
        Err(e) => users_view(&state, &auth, ui, f, Some(message(&e)), e.status, None).await,
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
    picker: TerritoryPicker,
}

async fn user_view_page(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    username: &str,
    error: Option<String>,
    status: StatusCode,
    pick: PickParams,
) -> Result<Response, PageError> {
    let u = managed(state, auth, username).await.page(&ui)?;
    let action = format!("/admin/users/{}", u.username);
    let picker =
        territory_picker(state, auth, &ui, Permission::ManageUsers, &action, pick.at.as_deref(), pick.pq.as_deref())
            .await?;
    let grants = state.store.grants_of(u.id).await.page(&ui)?;
    let mut user = user_view(&u, &grants);
    user.grants = crate::pages::localised(ui.lang, user.grants);
    user.created_at = crate::shell::when(&user.created_at);
    let page = UserPage {
        title: format!("{} ({})", u.display_name, u.username),
        user,
        roles: grantable(auth, ui.lang),
        error,
        is_self: auth.principal.user_id == Some(u.id),
        picker,
        ui: ui.clone(),
    };
    Ok((status, render(ui, page)?).into_response())
}

pub async fn user_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(username): Path<String>,
    Query(p): Query<PickParams>,
) -> Result<Response, PageError> {
    user_view_page(&state, &auth, ui, &username, None, StatusCode::OK, p).await
}

/// Runs a change on a managed user from a form, then shows the user page (with the error,
/// if the change was refused).
async fn user_action<F, Fut>(
    state: AppState,
    auth: Auth,
    ui: Ui,
    username: String,
    pick: PickParams,
    f: F,
) -> Result<Response, PageError>
where
    F: FnOnce(AppState, Auth, User) -> Fut,
    Fut: std::future::Future<Output = Result<(), ApiError>>,
{
    let u = managed(&state, &auth, &username).await.page(&ui)?;
    match f(state.clone(), auth.clone(), u).await {
        Ok(()) => Ok(crate::redirect::to(&format!("/admin/users/{username}"))),
        Err(e) => user_view_page(&state, &auth, ui, &username, Some(message(&e)), e.status, pick).await,
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
    let pick = PickParams { at: Some(g.scope.clone()), pq: None };
    user_action(state, auth, ui, username, pick, |state, auth, u| async move {
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
    user_action(state, auth, ui, username, PickParams::default(), |state, auth, u| async move {
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
    user_action(state, auth, ui, username, PickParams::default(), |state, auth, u| async move {
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
    user_action(state, auth, ui, username, PickParams::default(), |state, auth, u| async move {
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
    user_action(state, auth, ui, username, PickParams::default(), |state, auth, u| async move {
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
