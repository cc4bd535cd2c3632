//! The hash-chained audit log: a filtered list and the CSV export (itself audited).

use crate::auth::Auth;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use jiayuan_domain::access::Permission;
use jiayuan_store::audit::{AuditEntry, AuditQuery};
use jiayuan_store::model::Page;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub page: Option<String>,
    pub page_size: Option<String>,
}

impl AuditParams {
    pub(crate) fn query(&self) -> AuditQuery {
        AuditQuery { actor: self.actor.clone(), action: self.action.clone() }
    }

    pub(crate) fn page(&self) -> Result<Page, ApiError> {
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
    ("appeals.export", "导出诉求清单"),
    ("vote.announce", "发布业主大会表决"),
    ("vote.ballot", "业主表决投票"),
    ("vote.service", "登记表决票送达"),
    ("vote.image", "保存纸质选票扫描件或送达凭证照片"),
    ("decision.propose", "支部提出物业事项提案"),
    ("decision.revise", "支部修改提案再提交"),
    ("decision.answer", "三方商议答复"),
    ("decision.assembly", "提案提交业主大会表决"),
    ("decision.settle", "登记业主大会决议结果"),
    ("decision.withdraw", "撤回提案"),
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

pub(crate) fn entry_view(e: AuditEntry) -> AuditEntryView {
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
