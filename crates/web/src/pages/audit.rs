//! The audit log browser.

use crate::api::{entry_view, AuditEntryView, AuditParams};
use crate::auth::Auth;
use crate::pages::{render, OrPage, PageError, Ui};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use jiayuan_domain::access::Permission;

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
        rows: res
            .items
            .into_iter()
            .map(entry_view)
            .map(|mut e| {
                e.at = crate::shell::when(&e.at);
                // The labels are Chinese; in English the action's code reads well enough.
                if ui.lang == crate::i18n::Lang::En {
                    e.action_label = e.action.replace(['.', '_'], " ");
                }
                e
            })
            .collect(),
        pager,
        export,
        ui: ui.clone(),
    };
    render(ui, tpl)
}
