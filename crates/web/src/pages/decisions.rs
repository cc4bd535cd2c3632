//! Property decisions on pages: the board (each proposal's step at a glance), proposing (the
//! compound's branch), and a proposal with its three steps, its timeline and the step the
//! signed-in person can take: answer for their party, revise or withdraw for the branch, put
//! it to the assembly with its vote, record the assembly's result.

use super::*;
use crate::auth::Auth;
use crate::pages::appeals::error_text;
use crate::pages::votes::AnnounceForm;
use crate::shell::Progress;
use crate::state::AppState;
use axum::extract::{Form, State};
use jiayuan_domain::access::Permission;
use jiayuan_domain::decision::{Answer, Party, Stage};
use jiayuan_domain::time::display;
use jiayuan_store::decisions::{party_of, Decision, NewDecision};
use std::collections::HashMap;
use uuid::Uuid;

struct Card {
    id: String,
    title: String,
    compound: String,
    round: i64,
    updated: String,
    stage: &'static str,
}

struct Column {
    label: &'static str,
    tone: &'static str,
    cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "decisions.html")]
struct BoardPage {
    ui: Ui,
    title: String,
    columns: Vec<Column>,
    can_propose: bool,
}

#[derive(Deserialize, Default)]
pub struct BoardQuery {
    within: Option<String>,
}

/// `/decisions`: the board of the scope, a column per step and one for those concluded.
pub async fn decisions_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<BoardQuery>,
) -> Result<Response, PageError> {
    let lang = ui.lang.code();
    let cards = state.store.decision_board(&auth.principal, q.within.as_deref(), 2000).await.page(&ui)?;
    let mut columns: Vec<Column> = Stage::STEPS
        .iter()
        .map(|s| Column { label: s.label(lang), tone: "", cards: vec![] })
        .chain(std::iter::once(Column { label: ui.t("decisions.concluded"), tone: "done", cards: vec![] }))
        .collect();
    for c in cards {
        let col = Stage::STEPS.iter().position(|s| *s == c.stage).unwrap_or(3);
        columns[col].cards.push(Card {
            id: c.id.to_string(),
            title: c.title,
            compound: c.compound_name,
            round: c.round,
            updated: display(c.updated_at),
            stage: c.stage.label(lang),
        });
    }
    let can_propose = auth.principal.grants.iter().any(|g| g.role == jiayuan_domain::access::Role::CompoundSecretary);
    let page = BoardPage { title: ui.t("decisions.title").into(), columns, can_propose, ui: ui.clone() };
    render(ui, page)
}

#[derive(Deserialize, Default, Clone)]
pub struct ProposeForm {
    #[serde(default)]
    compound: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    branch_meeting_at: String,
    #[serde(default)]
    branch_meeting: String,
    #[serde(default)]
    process: String,
}

#[derive(Template)]
#[template(path = "decision_new.html")]
struct ProposePage {
    ui: Ui,
    title: String,
    /// The compounds where the signed-in person speaks for the branch: code, name.
    compounds: Vec<(String, String)>,
    /// The decision processes to choose from: key, name, stages in words, built in (its
    /// name then in the page's language).
    processes: Vec<(String, String, String, bool)>,
    form: ProposeForm,
    error: Option<String>,
}

fn branch_compounds(auth: &Auth) -> Vec<(String, String)> {
    auth.principal
        .grants
        .iter()
        .filter(|g| g.role == jiayuan_domain::access::Role::CompoundSecretary)
        .map(|g| (g.territory_code.clone(), g.territory_name.clone()))
        .collect()
}

async fn propose_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    form: ProposeForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let compounds = branch_compounds(auth);
    if compounds.is_empty() {
        return Err(ApiError::invalid(
            "compound",
            "只有小区党支部书记可以提出提案 (only a compound branch secretary proposes)",
        ))
        .page(&ui);
    }
    let lang = ui.lang.code();
    let processes = state
        .store
        .decision_processes()
        .await
        .page(&ui)?
        .into_iter()
        .map(|p| (p.key, p.name, super::decision_processes::steps_in_words(lang, &p.process), p.built_in))
        .collect();
    let page = ProposePage { title: ui.t("decisions.new").into(), compounds, processes, form, error, ui: ui.clone() };
    Ok((status, render(ui, page)?).into_response())
}

/// `/decisions/new`: the branch's proposal with its meeting.
pub async fn new_decision_page(auth: Auth, State(state): State<AppState>, ui: Ui) -> Result<Response, PageError> {
    propose_render(&state, &auth, ui, ProposeForm::default(), None, StatusCode::OK).await
}

/// `POST /decisions`: proposes and opens the proposal; a refusal keeps what was typed.
pub async fn propose_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<ProposeForm>,
) -> Result<Response, PageError> {
    let r = async {
        let new = NewDecision {
            compound: f.compound.clone(),
            title: f.title.clone(),
            body: f.body.clone(),
            branch_meeting_at: crate::pages::votes::local_time("branch_meeting_at", &f.branch_meeting_at)?,
            branch_meeting: f.branch_meeting.clone(),
            process: Some(f.process.clone()),
        };
        let d = state.store.propose_decision(&auth.audit_ctx(), &auth.principal, &new, state.clock.now()).await?;
        Ok::<_, ApiError>(d.id)
    }
    .await;
    match r {
        Ok(id) => Ok(crate::redirect::to(&format!("/decisions/{id}"))),
        Err(e) => propose_render(&state, &auth, ui, f, Some(error_text(&e)), e.status).await,
    }
}

struct Step {
    at: String,
    label: String,
    actor: String,
    note: String,
    tone: &'static str,
}

#[derive(Template)]
#[template(path = "decision.html")]
struct DecisionPage {
    ui: Ui,
    title: String,
    id: String,
    d: Decision,
    meeting_at: String,
    stage: &'static str,
    p: Progress,
    steps: Vec<Step>,
    /// The three parties and what each said this round.
    parties: Vec<(&'static str, String)>,
    my_party: Option<&'static str>,
    can_answer: bool,
    is_branch: bool,
    can_assemble: bool,
    can_settle: bool,
    answers: Vec<(&'static str, &'static str)>,
    vote_form: AnnounceForm,
    vote_rows: Vec<(String, String)>,
    matters: Vec<(u32, &'static str, &'static str)>,
    rules: jiayuan_domain::vote::Rules,
    min_notice: i64,
    refused: (&'static str, String, HashMap<String, String>),
    done: String,
}

impl DecisionPage {
    fn typed(&self, form: &str, key: &str) -> String {
        if self.refused.0 == form {
            self.refused.2.get(key).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
}

fn step_label(lang: &str, kind: &str, party: Option<Party>, answer: Option<Answer>) -> String {
    let zh = lang != "en";
    match kind {
        "propose" => (if zh { "支部会议提出提案" } else { "Proposed by the branch meeting" }).into(),
        "submit" => (if zh { "提交三方商议" } else { "Put to the three parties" }).into(),
        "answer" => {
            format!("{} · {}", party.map(|p| p.label(lang)).unwrap_or(""), answer.map(|a| a.label(lang)).unwrap_or(""))
        }
        "assembly" => (if zh { "提交业主大会表决" } else { "Put to the owners' assembly" }).into(),
        "settle" => (if zh { "登记表决结果" } else { "Assembly result recorded" }).into(),
        "withdraw" => (if zh { "撤回" } else { "Withdrawn" }).into(),
        other => other.into(),
    }
}

async fn decision_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: &str,
    refused: (&'static str, String, HashMap<String, String>),
    done: String,
) -> Result<Response, PageError> {
    let id = id.parse::<Uuid>().map_err(|_| ApiError::not_found()).page(&ui)?;
    let d = state.store.decision_for(&auth.principal, id).await.page(&ui)?;
    let lang = ui.lang.code();
    let party = party_of(&auth.principal, &d.compound_path);
    let agreed = d.agreed();
    let answered_now: Vec<Party> = d
        .events
        .iter()
        .filter(|e| e.kind == "answer" && e.round == d.round && d.stage == Stage::Consultation)
        .filter_map(|e| e.party)
        .collect();
    let stages = d.process.process.steps();
    let current = stages.iter().position(|s| *s == d.stage);
    let steps_p = stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let class = match current {
                Some(c) if i < c => "done",
                Some(c) if i == c => "now",
                None if d.stage == Stage::Passed => "done",
                _ => "",
            };
            (s.label(lang), class)
        })
        .collect();
    let off = matches!(d.stage, Stage::Rejected | Stage::Withdrawn).then(|| d.stage.label(lang));
    let vote_closed = match d.vote_id {
        Some(v) => !state.store.owner_vote(v).await.page(&ui)?.is_open(state.clock.now()),
        None => false,
    };
    let staff_votes = auth.principal.scope(Permission::RunOwnerVotes).is_ok_and(|s| s.covers_path(&d.compound_path));
    let is_branch = party == Some(Party::Branch);
    let vote_form: AnnounceForm = if refused.0 == "assembly" {
        AnnounceForm::from_fields(&refused.2)
    } else {
        AnnounceForm::with_title(&d.title)
    };
    let page = DecisionPage {
        title: d.title.clone(),
        id: d.id.to_string(),
        stage: d.stage.label(lang),
        meeting_at: display(d.branch_meeting_at),
        p: Progress { steps: steps_p, off },
        steps: d
            .events
            .iter()
            .map(|e| Step {
                at: display(e.at),
                label: step_label(lang, &e.kind, e.party, e.answer),
                actor: e.actor_name.clone(),
                // A result's note leads with the word the timeline replays by; people read the rest.
                note: match e.kind.as_str() {
                    "settle" => e.note.split_once(": ").map_or(e.note.clone(), |(_, rest)| rest.to_string()),
                    _ => e.note.clone(),
                },
                tone: match e.answer {
                    Some(Answer::Agree) => "done",
                    Some(_) => "late",
                    None => "",
                },
            })
            .collect(),
        parties: d
            .process
            .process
            .parties()
            .iter()
            .map(|p| {
                let said = if agreed.contains(p) {
                    ui.t("decisions.agreed").to_string()
                } else if d.stage == Stage::Consultation {
                    ui.t("decisions.waiting").to_string()
                } else {
                    "—".to_string()
                };
                (p.label(lang), said)
            })
            .collect(),
        my_party: party.map(|p| p.label(lang)),
        can_answer: d.stage == Stage::Consultation
            && party.is_some_and(|p| d.process.process.parties().contains(&p) && !answered_now.contains(&p)),
        is_branch,
        can_assemble: d.stage == Stage::Assembly && d.vote_id.is_none() && (is_branch || staff_votes),
        can_settle: d.stage == Stage::Assembly && vote_closed && (is_branch || staff_votes),
        answers: Answer::ALL.iter().map(|a| (a.as_str(), a.label(lang))).collect(),
        vote_rows: vote_form.matter_rows(),
        rules: vote_form.rules(),
        vote_form,
        matters: crate::pages::votes::matter_choices(ui.lang),
        min_notice: jiayuan_store::owner_votes::MIN_NOTICE_DAYS,
        refused,
        done,
        d,
        ui: ui.clone(),
    };
    render(ui, page)
}

#[derive(Deserialize, Default)]
pub struct DecisionDone {
    done: Option<String>,
}

/// `/decisions/{id}`: the proposal, its steps and timeline, and what one can do next.
pub async fn decision_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<DecisionDone>,
) -> Result<Response, PageError> {
    let done = if q.done.is_some() { ui.t("decisions.done").to_string() } else { String::new() };
    decision_render(&state, &auth, ui, &id, ("", String::new(), HashMap::new()), done).await
}

/// `POST /decisions/{id}/{step}`: one step from the proposal's page (`answer`, `revise`,
/// `withdraw`, `assembly` or `settle`); the page again with the refusal and what was typed.
pub async fn decision_step_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path((id, step)): Path<(String, String)>,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let step: &'static str = match step.as_str() {
        "answer" => "answer",
        "revise" => "revise",
        "withdraw" => "withdraw",
        "assembly" => "assembly",
        "settle" => "settle",
        _ => return Err(ApiError::not_found()).page(&ui),
    };
    let did = id.parse::<Uuid>().map_err(|_| ApiError::not_found()).page(&ui)?;
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let (s, who, ctx, now) = (&state.store, &auth.principal, auth.audit_ctx(), state.clock.now());
    let r: Result<(), ApiError> = async {
        match step {
            "answer" => {
                let a = Answer::parse(get("answer").trim())
                    .ok_or_else(|| ApiError::invalid("answer", "请选择同意、建议修改或反对 (choose an answer)"))?;
                s.answer_decision(&ctx, who, did, a, &get("reason"), now).await?;
            }
            "revise" => {
                s.revise_decision(&ctx, who, did, &get("body"), &get("note"), now).await?;
            }
            "withdraw" => {
                s.withdraw_decision(&ctx, who, did, &get("reason"), now).await?;
            }
            "assembly" => {
                let vote = AnnounceForm::from_fields(&fields).to_vote()?;
                s.put_decision_to_assembly(&ctx, who, did, &vote, now).await?;
            }
            _ => {
                s.settle_decision(&ctx, who, did, now).await?;
            }
        }
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(crate::redirect::to(&format!("/decisions/{did}?done={step}"))),
        Err(e) => {
            let status = e.status;
            let res = decision_render(&state, &auth, ui, &id, (step, error_text(&e), fields), String::new()).await?;
            Ok((status, res).into_response())
        }
    }
}
