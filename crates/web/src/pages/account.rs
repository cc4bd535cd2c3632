//! Signing in and out, and one's own account page.

use crate::api::{change_password, grant_views, parse_expiry, sign_in, GrantView, TokenView};
use crate::auth::{self, safe_next, Auth, RequestMeta, PRE_CSRF_COOKIE, SESSION_COOKIE};
use crate::error::ApiError;
use crate::pages::{render, OrPage, PageError, Ui};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use chrono::Utc;
use jiayuan_store::accounts::{new_token, SESSION_ABSOLUTE_HOURS};
use jiayuan_store::StoreError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ui: Ui,
    title: String,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NextParam {
    next: Option<String>,
}

fn pre_csrf_cookie(value: &str) -> String {
    format!("{PRE_CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600")
}

pub async fn login_page(headers: HeaderMap, ui: Ui, Query(p): Query<NextParam>) -> Result<Response, PageError> {
    let csrf = auth::cookie(&headers, PRE_CSRF_COOKIE).filter(|c| c.len() > 20).unwrap_or_else(|| new_token("pre"));
    let page = LoginPage {
        title: ui.t("login.title").into(),
        csrf: csrf.clone(),
        next: safe_next(p.next.as_deref()),
        username: String::new(),
        error: None,
        ui: ui.clone(),
    };
    let res = render(ui, page)?;
    Ok(([(header::SET_COOKIE, pre_csrf_cookie(&csrf))], res).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login_form(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    ui: Ui,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    match sign_in(&state, &meta, &f.username, &f.password).await {
        Ok(ok) => {
            let cookie = auth::session_cookie(&state, &headers, &ok.token, SESSION_ABSOLUTE_HOURS * 3600);
            let to = if ok.session.principal.must_change_password {
                "/account".to_string()
            } else {
                safe_next(f.next.as_deref())
            };
            Ok(([(header::SET_COOKIE, cookie)], crate::redirect::to(&to)).into_response())
        }
        Err(e) => {
            let csrf = auth::cookie(&headers, PRE_CSRF_COOKIE).unwrap_or_default();
            let status = e.status;
            let page = LoginPage {
                title: ui.t("login.title").into(),
                csrf,
                next: safe_next(f.next.as_deref()),
                username: f.username.clone(),
                error: Some(e.message),
                ui: ui.clone(),
            };
            let res = render(ui, page)?;
            Ok((status, res).into_response())
        }
    }
}

pub async fn logout_form(auth: Auth, State(state): State<AppState>, ui: Ui) -> Result<Response, PageError> {
    if let Some(t) = &auth.session_token {
        state.store.logout(&auth.audit_ctx(), t).await.page(&ui)?;
        state.sessions.forget(t);
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    Ok(([(header::SET_COOKIE, clear)], crate::redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ui: Ui,
    title: String,
    display_name: String,
    username: String,
    must_change: bool,
    grants: Vec<GrantView>,
    tokens: Vec<TokenView>,
    new_token: Option<String>,
    error: Option<String>,
}

async fn account_view(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    new_token: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let user = state.store.user_by_name(&auth.principal.username).await.page(&ui)?;
    let tokens = state
        .store
        .tokens_of(user.id)
        .await
        .page(&ui)?
        .into_iter()
        .map(|t| {
            let mut v = TokenView::from(t);
            v.expires_at = v.expires_at.as_deref().map(crate::shell::when);
            v
        })
        .collect();
    let page = AccountPage {
        title: ui.t("account.title").into(),
        display_name: user.display_name.clone(),
        username: user.username.clone(),
        must_change: user.must_change_password,
        grants: crate::pages::localised(ui.lang, grant_views(&auth.principal.grants)),
        tokens,
        new_token,
        error,
        ui: ui.clone(),
    };
    Ok((status, render(ui, page)?).into_response())
}

pub async fn account_page(auth: Auth, State(state): State<AppState>, ui: Ui) -> Result<Response, PageError> {
    account_view(&state, &auth, ui, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

pub async fn password_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let result = if f.new_password != f.confirm_password {
        Err(ApiError::invalid("confirm_password", "两次输入的新密码不一致 (the new passwords differ)"))
    } else {
        change_password(&state, &auth, &f.current_password, &f.new_password).await
    };
    match result {
        Ok(()) => Ok(crate::redirect::to("/account?changed=1")),
        Err(e) => {
            let msg = e.field.as_ref().map(|f| format!("{f}: {}", e.message)).unwrap_or(e.message.clone());
            account_view(&state, &auth, ui, None, Some(msg), e.status).await
        }
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    expires: Option<String>,
}

pub async fn token_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    let made = async {
        let expires = parse_expiry(f.expires.as_deref(), Utc::now())?;
        let user = state.store.user_by_name(&auth.principal.username).await?;
        Ok::<_, ApiError>(state.store.create_token(&auth.audit_ctx(), &user, &f.name, expires).await?)
    }
    .await;
    match made {
        Ok((token, _)) => account_view(&state, &auth, ui, Some(token), None, StatusCode::CREATED).await,
        Err(e) => {
            let msg = e.field.as_ref().map(|f| format!("{f}: {}", e.message)).unwrap_or(e.message.clone());
            account_view(&state, &auth, ui, None, Some(msg), e.status).await
        }
    }
}

pub async fn revoke_token_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).map_err(|_| ApiError::not_found()).page(&ui)?;
    let user = state.store.user_by_name(&auth.principal.username).await.page(&ui)?;
    let revoked = state.store.revoke_token(&auth.audit_ctx(), &user, id).await;
    state.sessions.forget_user(&user.username);
    match revoked {
        Ok(()) | Err(StoreError::NotFound) => Ok(crate::redirect::to("/account")),
        Err(e) => Err(e).page(&ui),
    }
}

#[derive(Deserialize)]
pub struct ScopeForm {
    grant: String,
    back: Option<String>,
}

/// Chooses which of the account's grants the pages start from (the workbench, the header).
/// It narrows nothing the account may do; it only changes where the pages begin.
pub async fn scope_form(auth: Auth, ui: Ui, Form(f): Form<ScopeForm>) -> Result<Response, PageError> {
    let Some(g) = auth.principal.grants.iter().find(|g| g.id.to_string() == f.grant) else {
        return Err(PageError {
            ui: Box::new(ui),
            err: ApiError::invalid("grant", "不是本账号的授权 (not one of this account's grants)"),
        });
    };
    let cookie = format!("{}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly", crate::shell::SCOPE_COOKIE, g.id);
    let back = crate::redirect::local_path(f.back.as_deref());
    Ok(([(header::SET_COOKIE, cookie)], crate::redirect::to(&back)).into_response())
}

/// The site's icon: 家 on the party red, drawn as SVG so it needs no binary file.
pub async fn favicon() -> Response {
    const ICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#b71c1c"/><path d="M16 6 5 15h3v10h6v-6h4v6h6V15h3z" fill="#fff"/></svg>"##;
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=604800")], ICON).into_response()
}
