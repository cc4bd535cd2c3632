//! `/decisions/processes`: the decision processes defined, and a form for district
//! administrators to define another (which parties consult, whether the assembly resolves).

use super::*;
use crate::auth::Auth;
use crate::pages::appeals::error_text;
use crate::state::AppState;
use axum::extract::{Form, State};
use jiayuan_domain::access::Role;
use jiayuan_domain::decision::{Party, Stage};
use jiayuan_store::decision_processes::NewProcess;

struct Row {
    key: String,
    name: String,
    built_in: bool,
    stages: String,
}

#[derive(Template)]
#[template(path = "decision_processes.html")]
struct ProcessesPage {
    ui: Ui,
    title: String,
    rows: Vec<Row>,
    can_define: bool,
    /// Every party: code, label, ticked on the form.
    parties: Vec<(&'static str, &'static str, bool)>,
    key: String,
    name: String,
    assembly: bool,
    error: Option<String>,
    done: bool,
}

/// A process's steps in words: "支部先议 → 小区党支部 + 物业服务企业 → 业主大会决议".
pub(crate) fn steps_in_words(lang: &str, p: &jiayuan_domain::decision::Process) -> String {
    let parties: Vec<&str> = p.parties().iter().map(|x| x.label(lang)).collect();
    let mut stages = vec![Stage::Branch.label(lang).to_string(), parties.join(" + ")];
    if p.assembly() {
        stages.push(Stage::Assembly.label(lang).into());
    }
    stages.join(" → ")
}

fn is_admin(auth: &Auth) -> bool {
    auth.principal.grants.iter().any(|g| g.role == Role::DistrictAdmin)
}

async fn processes_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    typed: Option<&[(String, String)]>,
    error: Option<String>,
    done: bool,
) -> Result<Response, PageError> {
    auth.require(jiayuan_domain::access::Permission::ViewTerritory).page(&ui)?;
    let lang = ui.lang.code();
    let rows = state
        .store
        .decision_processes()
        .await
        .page(&ui)?
        .into_iter()
        .map(|p| Row { stages: steps_in_words(lang, &p.process), key: p.key, name: p.name, built_in: p.built_in })
        .collect();
    let get = |k: &str| typed.and_then(|t| t.iter().find(|(n, _)| n == k)).map(|(_, v)| v.clone());
    let ticked = |k: &str| typed.is_some_and(|t| t.iter().any(|(n, v)| n == "parties" && v == k));
    let page = ProcessesPage {
        title: ui.t("decisions.processes").into(),
        rows,
        can_define: is_admin(auth),
        parties: Party::ALL
            .iter()
            .map(|p| (p.as_str(), p.label(lang), typed.is_none() || ticked(p.as_str())))
            .collect(),
        key: get("key").unwrap_or_default(),
        name: get("name").unwrap_or_default(),
        assembly: typed.is_none() || get("assembly").is_some(),
        error,
        done,
        ui: ui.clone(),
    };
    render(ui, page)
}

#[derive(Deserialize, Default)]
pub struct ProcessesQuery {
    done: Option<String>,
}

/// `/decisions/processes`: the processes, and the form to define one for administrators.
pub async fn decision_processes_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ProcessesQuery>,
) -> Result<Response, PageError> {
    let done = q.done.as_deref() == Some("defined");
    processes_render(&state, &auth, ui, None, None, done).await
}

/// `POST /decisions/processes`: defines a process; a refusal keeps what was typed and ticked.
pub async fn define_process_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let parties: Vec<Party> =
        pairs.iter().filter(|(n, _)| n == "parties").filter_map(|(_, v)| Party::parse(v)).collect();
    let new = NewProcess {
        key: get("key").trim().to_string(),
        name: get("name"),
        parties,
        assembly: !get("assembly").is_empty(),
    };
    match state.store.define_decision_process(&auth.audit_ctx(), &auth.principal, &new).await {
        Ok(_) => Ok(crate::redirect::to("/decisions/processes?done=defined")),
        Err(e) => {
            let e = ApiError::from(e);
            let page = processes_render(&state, &auth, ui, Some(&pairs), Some(error_text(&e)), false).await?;
            Ok((e.status, page).into_response())
        }
    }
}
