//! Property decisions (支部先议、三方商议、业主大会决议): the board of a scope, a proposal with
//! its timeline, and each step. Thin: who may take a step and when is the store's and the
//! domain's.

use super::*;
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use jiayuan_domain::decision::Answer;
use jiayuan_store::decisions::{party_of, Decision, NewDecision};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Serialize, utoipa::ToSchema)]
pub struct DecisionEventView {
    pub seq: i64,
    /// `propose`, `submit`, `answer`, `assembly`, `settle` or `withdraw`
    pub kind: String,
    pub round: i64,
    /// `branch`, `owners_committee` or `property_company` (answers)
    pub party: Option<String>,
    /// `agree`, `amend` or `object` (answers)
    pub answer: Option<String>,
    pub note: String,
    pub actor: String,
    pub at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: Uuid,
    pub title: String,
    pub compound: String,
    pub body: String,
    pub branch_meeting_at: String,
    pub branch_meeting: String,
    /// `branch`, `consultation`, `assembly`, `passed`, `rejected` or `withdrawn`
    pub stage: String,
    pub stage_name: String,
    pub round: i64,
    /// The parties that agreed in the current round
    pub agreed: Vec<String>,
    /// The assembly's vote, once the proposal is put to it
    pub vote_id: Option<Uuid>,
    /// The party the caller answers for over this compound, if any
    pub my_party: Option<String>,
    pub events: Vec<DecisionEventView>,
    /// The process it was proposed under
    pub process: ProcessView,
}

/// A decision process: who consults, and whether the owners' assembly resolves after them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProcessView {
    pub key: String,
    pub name: String,
    /// The consulting parties: `branch`, `owners_committee`, `property_company`
    pub parties: Vec<String>,
    /// The owners' general assembly resolves after the consultation
    pub assembly: bool,
    /// The stages in order: `branch`, `consultation` and, with the assembly, `assembly`
    pub stages: Vec<String>,
    pub built_in: bool,
}

impl From<&jiayuan_store::decision_processes::ProcessDef> for ProcessView {
    fn from(p: &jiayuan_store::decision_processes::ProcessDef) -> Self {
        ProcessView {
            key: p.key.clone(),
            name: p.name.clone(),
            parties: p.process.parties().iter().map(|x| x.as_str().to_string()).collect(),
            assembly: p.process.assembly(),
            stages: p.process.steps().iter().map(|x| x.as_str().to_string()).collect(),
            built_in: p.built_in,
        }
    }
}

pub(crate) fn decision_view(d: &Decision, who: &jiayuan_store::access::Principal) -> DecisionView {
    DecisionView {
        id: d.id,
        title: d.title.clone(),
        compound: d.compound_name.clone(),
        body: d.body.clone(),
        branch_meeting_at: bj_time(d.branch_meeting_at),
        branch_meeting: d.branch_meeting.clone(),
        stage: d.stage.as_str().into(),
        stage_name: d.stage.label_zh().into(),
        round: d.round,
        agreed: d.agreed().iter().map(|p| p.as_str().to_string()).collect(),
        vote_id: d.vote_id,
        my_party: party_of(who, &d.compound_path).map(|p| p.as_str().to_string()),
        events: d
            .events
            .iter()
            .map(|e| DecisionEventView {
                seq: e.seq,
                kind: e.kind.clone(),
                round: e.round,
                party: e.party.map(|p| p.as_str().to_string()),
                answer: e.answer.map(|a| a.as_str().to_string()),
                note: e.note.clone(),
                actor: e.actor_name.clone(),
                at: bj_time(e.at),
            })
            .collect(),
        process: (&d.process).into(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BoardCardView {
    pub id: Uuid,
    pub title: String,
    pub compound: String,
    pub stage: String,
    pub round: i64,
    pub updated_at: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct BoardParams {
    /// A territory code or id: only proposals under it
    pub within: Option<String>,
}

/// The decision board: proposals in the caller's scope, latest first (open ones and closed).
#[utoipa::path(get, path = "/api/v1/decisions", tag = "decisions", params(BoardParams), responses((status = 200, body = [BoardCardView]), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_decisions(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<BoardParams>,
) -> Result<Json<Vec<BoardCardView>>, ApiError> {
    let cards = state.store.decision_board(&auth.principal, p.within.as_deref(), 2000).await?;
    Ok(Json(
        cards
            .into_iter()
            .map(|c| BoardCardView {
                id: c.id,
                title: c.title,
                compound: c.compound_name,
                stage: c.stage.as_str().into(),
                round: c.round,
                updated_at: bj_time(c.updated_at),
            })
            .collect(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeBody {
    /// The compound's territory code
    pub compound: String,
    pub title: String,
    /// The proposal: what is to be done, by whom, at what cost
    pub body: String,
    /// When the branch met on it, RFC 3339 with an offset (not in the future)
    #[schema(format = DateTime)]
    pub branch_meeting_at: String,
    /// What the branch meeting decided
    pub branch_meeting: String,
    /// The decision process's key (default `property`: the three parties, then the assembly)
    #[schema(pattern = "^[a-z0-9_]{0,32}$")]
    pub process: Option<String>,
}

fn rfc3339(field: &str, s: &str) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| ApiError::invalid(field, "应为带时区的时间，如 2027-01-10T19:00:00+08:00 (RFC 3339 with offset)"))
}

/// The compound's party branch proposes; the proposal goes to the three parties at once.
#[utoipa::path(post, path = "/api/v1/decisions", tag = "decisions", request_body = ProposeBody, responses((status = 201, body = DecisionView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_propose_decision(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<ProposeBody>, JsonRejection>,
) -> Result<(StatusCode, Json<DecisionView>), ApiError> {
    let b = json_body(body)?;
    let new = NewDecision {
        compound: b.compound,
        title: b.title,
        body: b.body,
        branch_meeting_at: rfc3339("branch_meeting_at", &b.branch_meeting_at)?,
        branch_meeting: b.branch_meeting,
        process: b.process,
    };
    let d = state.store.propose_decision(&auth.audit_ctx(), &auth.principal, &new, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(decision_view(&d, &auth.principal))))
}

fn id_of(id: &str) -> Result<Uuid, ApiError> {
    id.parse::<Uuid>().map_err(|_| ApiError::not_found())
}

/// A proposal with its timeline (staff whose scope covers its compound).
#[utoipa::path(get, path = "/api/v1/decisions/{id}", tag = "decisions", params(("id" = Uuid, Path)), responses((status = 200, body = DecisionView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_decision(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<DecisionView>, ApiError> {
    let d = state.store.decision_for(&auth.principal, id_of(&id)?).await?;
    Ok(Json(decision_view(&d, &auth.principal)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// `agree`, `amend` or `object`
    #[schema(pattern = "^(agree|amend|object)$")]
    pub answer: String,
    /// Why (required to amend or object)
    pub reason: Option<String>,
}

/// A party answers in the current consultation round (the party is the role the caller
/// holds over the compound). 409 out of turn or a second time.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/answers", tag = "decisions", params(("id" = Uuid, Path)), request_body = AnswerBody, responses((status = 200, body = DecisionView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_answer_decision(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<AnswerBody>, JsonRejection>,
) -> Result<Json<DecisionView>, ApiError> {
    let id = id_of(&id)?;
    let b = json_body(body)?;
    let answer = Answer::parse(b.answer.trim())
        .ok_or_else(|| ApiError::invalid("answer", "应为 agree、amend 或 object (agree, amend or object)"))?;
    let d = state
        .store
        .answer_decision(
            &auth.audit_ctx(),
            &auth.principal,
            id,
            answer,
            b.reason.as_deref().unwrap_or(""),
            state.clock.now(),
        )
        .await?;
    Ok(Json(decision_view(&d, &auth.principal)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviseBody {
    /// The proposal as revised
    pub body: String,
    /// What was changed and why
    pub note: Option<String>,
}

/// The branch puts a returned proposal, revised, to the three parties again (a new round).
#[utoipa::path(post, path = "/api/v1/decisions/{id}/revise", tag = "decisions", params(("id" = Uuid, Path)), request_body = ReviseBody, responses((status = 200, body = DecisionView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_revise_decision(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ReviseBody>, JsonRejection>,
) -> Result<Json<DecisionView>, ApiError> {
    let id = id_of(&id)?;
    let b = json_body(body)?;
    let d = state
        .store
        .revise_decision(
            &auth.audit_ctx(),
            &auth.principal,
            id,
            &b.body,
            b.note.as_deref().unwrap_or(""),
            state.clock.now(),
        )
        .await?;
    Ok(Json(decision_view(&d, &auth.principal)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    pub reason: String,
}

/// The branch withdraws a proposal before it reaches the assembly.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/withdraw", tag = "decisions", params(("id" = Uuid, Path)), request_body = WithdrawBody, responses((status = 200, body = DecisionView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_withdraw_decision(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<WithdrawBody>, JsonRejection>,
) -> Result<Json<DecisionView>, ApiError> {
    let id = id_of(&id)?;
    let b = json_body(body)?;
    let d = state.store.withdraw_decision(&auth.audit_ctx(), &auth.principal, id, &b.reason, state.clock.now()).await?;
    Ok(Json(decision_view(&d, &auth.principal)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssemblyBody {
    pub title: String,
    pub matters: Vec<MatterBody>,
    /// When the assembly meets, RFC 3339 with an offset
    #[schema(format = DateTime)]
    pub assembly_at: String,
    /// When voting closes, RFC 3339 with an offset
    #[schema(format = DateTime)]
    pub closes_at: String,
    /// Days of notice the compound's rules require (default and least 15)
    #[schema(minimum = 15, maximum = 365)]
    #[serde(default, deserialize_with = "whole_opt")]
    pub notice_days: Option<i64>,
    pub rules: Option<RulesBody>,
}

/// Puts the agreed proposal to the owners' assembly: its vote is announced on the proposal's
/// compound in the same step.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/assembly", tag = "decisions", params(("id" = Uuid, Path)), request_body = AssemblyBody, responses((status = 200, body = DecisionView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_decision_assembly(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<AssemblyBody>, JsonRejection>,
) -> Result<Json<DecisionView>, ApiError> {
    let id = id_of(&id)?;
    let b = json_body(body)?;
    let vote = new_vote(NewVoteBody {
        compound: String::new(),
        title: b.title,
        matters: b.matters,
        assembly_at: b.assembly_at,
        closes_at: b.closes_at,
        notice_days: b.notice_days,
        rules: b.rules,
    })?;
    let d =
        state.store.put_decision_to_assembly(&auth.audit_ctx(), &auth.principal, id, &vote, state.clock.now()).await?;
    Ok(Json(decision_view(&d, &auth.principal)))
}

/// Records the assembly's result once its vote has closed (passed when every matter passed).
#[utoipa::path(post, path = "/api/v1/decisions/{id}/settle", tag = "decisions", params(("id" = Uuid, Path)), responses((status = 200, body = DecisionView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_settle_decision(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<DecisionView>, ApiError> {
    let id = id_of(&id)?;
    let d = state.store.settle_decision(&auth.audit_ctx(), &auth.principal, id, state.clock.now()).await?;
    Ok(Json(decision_view(&d, &auth.principal)))
}

/// The decision processes defined: the built-in property template first.
#[utoipa::path(get, path = "/api/v1/decision-processes", tag = "decisions", responses((status = 200, body = [ProcessView])))]
pub async fn api_decision_processes(
    _auth: Auth,
    State(state): State<AppState>,
) -> Result<Json<Vec<ProcessView>>, ApiError> {
    Ok(Json(state.store.decision_processes().await?.iter().map(Into::into).collect()))
}

/// A consulting party's code (for the document: the body reads the codes exactly).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum PartyCode {
    Branch,
    OwnersCommittee,
    PropertyCompany,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcessBody {
    /// 2–32 of a–z, 0–9 and `_`
    #[schema(pattern = "^[a-z0-9_]{2,32}$")]
    pub key: String,
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: String,
    /// The consulting parties (at least one): `branch`, `owners_committee`, `property_company`
    #[schema(min_items = 1, value_type = Vec<PartyCode>)]
    pub parties: Vec<String>,
    /// The owners' general assembly resolves after the consultation
    pub assembly: bool,
}

/// Defines a decision process (district administrators); a key already defined is 409.
#[utoipa::path(post, path = "/api/v1/decision-processes", tag = "decisions", request_body = ProcessBody, responses((status = 201, body = ProcessView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_define_decision_process(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<ProcessBody>, JsonRejection>,
) -> Result<(StatusCode, Json<ProcessView>), ApiError> {
    let b = json_body(body)?;
    let mut parties = Vec::new();
    for p in &b.parties {
        parties.push(
            jiayuan_domain::decision::Party::parse(p.trim())
                .ok_or_else(|| ApiError::invalid("parties", "应为 branch、owners_committee 或 property_company"))?,
        );
    }
    let new = jiayuan_store::decision_processes::NewProcess { key: b.key, name: b.name, parties, assembly: b.assembly };
    let p = state.store.define_decision_process(&auth.audit_ctx(), &auth.principal, &new).await?;
    Ok((StatusCode::CREATED, Json((&p).into())))
}
