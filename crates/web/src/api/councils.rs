//! Councils (议事会): councils and their members, topics (raised or referred from an appeal),
//! meetings with minutes and photos, outcomes and their progress. Thin: who may do what is the
//! store's. Those who see a council without staff scope over it (its residents) get resident
//! members' names masked and a referred topic without the appeal's text.

use super::*;
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use jiayuan_domain::access::Permission;
use jiayuan_domain::council::{CouncilKind, Seat, TopicKind, TopicStatus};
use jiayuan_store::access::Principal;
use jiayuan_store::councils::{
    runs_council, Council, Meeting, Member, NewCouncil, NewMeeting, NewMember, NewOutcome, NewTopic, Referral, Topic,
    TopicCard,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Whether `who` sees a council at `path` as staff (names in full) rather than as a resident.
pub(crate) fn staff_over(who: &Principal, path: &str) -> bool {
    who.scope(Permission::ViewTerritory).is_ok_and(|s| s.covers_path(path))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CouncilMemberView {
    pub id: Uuid,
    /// In full for staff; a resident member's name masked for residents
    pub name: String,
    /// `building_leader`, `resident_rep`, `property_steward`, `owners_committee`, `property_company`, `branch` or `community_staff`
    pub seat: String,
    pub seat_name: String,
    pub term_from: String,
    pub term_to: String,
    pub has_account: bool,
}

pub(crate) fn member_view(m: &Member, staff: bool) -> CouncilMemberView {
    CouncilMemberView {
        id: m.id,
        name: if staff { m.name.clone() } else { m.public_name() },
        seat: m.seat.as_str().into(),
        seat_name: m.seat.label_zh().into(),
        term_from: m.term_from.to_string(),
        term_to: m.term_to.to_string(),
        has_account: m.user_id.is_some(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CouncilView {
    pub id: Uuid,
    pub name: String,
    /// `building_meeting`, `building_council`, `dumpling`, `tripartite`, `environment_property` or `property_joint_meeting`
    pub kind: String,
    pub kind_name: String,
    pub node: String,
    pub node_code: String,
    pub members: Vec<CouncilMemberView>,
    /// Whether the caller runs this council (seats members, records meetings and outcomes)
    pub runs: bool,
}

pub(crate) fn council_view(c: &Council, who: &Principal) -> CouncilView {
    let staff = staff_over(who, &c.node_path);
    CouncilView {
        id: c.id,
        name: c.name.clone(),
        kind: c.kind.as_str().into(),
        kind_name: c.kind.label_zh().into(),
        node: c.node_name.clone(),
        node_code: c.node_code.clone(),
        members: c.members.iter().map(|m| member_view(m, staff)).collect(),
        runs: runs_council(who, &c.node_path),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CouncilListingView {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub kind_name: String,
    pub node: String,
    pub members: i64,
    pub open_topics: i64,
    pub done_topics: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct WithinParams {
    /// A territory code or id: only councils under it
    pub within: Option<String>,
}

/// The councils the caller sees: those in their scope and those over their own place.
#[utoipa::path(get, path = "/api/v1/councils", tag = "councils", params(WithinParams), responses((status = 200, body = [CouncilListingView]), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_councils(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<WithinParams>,
) -> Result<Json<Vec<CouncilListingView>>, ApiError> {
    let rows = state.store.councils_visible(&auth.principal, p.within.as_deref()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| CouncilListingView {
                id: c.id,
                name: c.name,
                kind: c.kind.as_str().into(),
                kind_name: c.kind.label_zh().into(),
                node: c.node_name,
                members: c.members,
                open_topics: c.open_topics,
                done_topics: c.done_topics,
            })
            .collect(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCouncilBody {
    /// The territory code of the node the council sits at
    pub node: String,
    /// The council's kind; it decides the level
    #[schema(
        pattern = "^(building_meeting|building_council|dumpling|tripartite|environment_property|property_joint_meeting)$"
    )]
    pub kind: String,
    pub name: String,
}

/// Sets up a council at a node the caller runs councils over.
#[utoipa::path(post, path = "/api/v1/councils", tag = "councils", request_body = NewCouncilBody, responses((status = 201, body = CouncilView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_create_council(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewCouncilBody>, JsonRejection>,
) -> Result<(StatusCode, Json<CouncilView>), ApiError> {
    let b = json_body(body)?;
    let new = NewCouncil { node: b.node, kind: code(&b.kind, "kind", CouncilKind::parse_field)?, name: b.name };
    let c = state.store.create_council(&auth.audit_ctx(), &auth.principal, &new, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(council_view(&c, &auth.principal))))
}

fn id_of(id: &str) -> Result<Uuid, ApiError> {
    id.trim().parse::<Uuid>().map_err(|_| ApiError::not_found())
}

/// A council with its members.
#[utoipa::path(get, path = "/api/v1/councils/{id}", tag = "councils", params(("id" = Uuid, Path)), responses((status = 200, body = CouncilView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_council(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CouncilView>, ApiError> {
    let c = state.store.council_for(&auth.principal, id_of(&id)?).await?;
    Ok(Json(council_view(&c, &auth.principal)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemberBody {
    pub name: String,
    /// `building_leader`, `resident_rep`, `property_steward`, `owners_committee`, `property_company`, `branch` or `community_staff`
    #[schema(
        pattern = "^(building_leader|resident_rep|property_steward|owners_committee|property_company|branch|community_staff)$"
    )]
    pub seat: String,
    /// The member's own account, so that they may raise topics themselves
    pub username: Option<String>,
    /// First day of the term, YYYY-MM-DD
    #[schema(format = Date)]
    pub term_from: String,
    /// Last day of the term, YYYY-MM-DD
    #[schema(format = Date)]
    pub term_to: String,
}

pub(crate) fn day(field: &str, s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, "应为日期，如 2027-01-01 (YYYY-MM-DD)"))
}

/// Seats a member for a term.
#[utoipa::path(post, path = "/api/v1/councils/{id}/members", tag = "councils", params(("id" = Uuid, Path)), request_body = NewMemberBody, responses((status = 201, body = CouncilView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_add_council_member(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<NewMemberBody>, JsonRejection>,
) -> Result<(StatusCode, Json<CouncilView>), ApiError> {
    let id = id_of(&id)?;
    let b = json_body(body)?;
    let m = NewMember {
        name: b.name,
        seat: code(&b.seat, "seat", Seat::parse_field)?,
        username: b.username,
        term_from: day("term_from", &b.term_from)?,
        term_to: day("term_to", &b.term_to)?,
    };
    let c = state.store.add_council_member(&auth.audit_ctx(), &auth.principal, id, &m, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(council_view(&c, &auth.principal))))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TopicCardView {
    pub id: Uuid,
    pub council_id: Uuid,
    pub council: String,
    /// `dispute`, `livelihood` or `property`
    pub kind: String,
    pub title: String,
    /// `raised`, `decided`, `done` or `dropped`
    pub status: String,
    pub status_name: String,
    pub from_appeal: bool,
    pub created_at: String,
    /// The earliest due time of the outcomes not yet carried out
    pub next_due: Option<String>,
    pub overdue: bool,
}

pub(crate) fn card_view(c: &TopicCard, now: chrono::DateTime<chrono::Utc>) -> TopicCardView {
    TopicCardView {
        id: c.id,
        council_id: c.council_id,
        council: c.council_name.clone(),
        kind: c.kind.as_str().into(),
        title: c.title.clone(),
        status: c.status.as_str().into(),
        status_name: c.status.label_zh().into(),
        from_appeal: c.from_appeal,
        created_at: bj_time(c.created_at),
        next_due: c.next_due.map(bj_time),
        overdue: c.overdue(now),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct TopicParams {
    /// Only topics of this council (its id)
    #[param(pattern = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$")]
    pub council: Option<String>,
    /// `raised`, `decided`, `done` or `dropped`
    #[param(pattern = "^(raised|decided|done|dropped)?$")]
    pub status: Option<String>,
    /// `true`: only those with an outcome past its due time
    #[param(pattern = "^(true|false)?$")]
    pub overdue: Option<String>,
}

/// Topics of the councils the caller sees, latest first (or the overdue ones, most overdue first).
#[utoipa::path(get, path = "/api/v1/topics", tag = "councils", params(TopicParams), responses((status = 200, body = [TopicCardView]), (status = 400, body = crate::error::ErrorBody)))]
pub async fn api_topics(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<TopicParams>,
) -> Result<Json<Vec<TopicCardView>>, ApiError> {
    let now = state.clock.now();
    // Given, it must name a status: an empty one is a mistake, not "any".
    let status = match p.status.as_deref() {
        Some(s) => Some(code(s, "status", TopicStatus::parse_field)?),
        None => None,
    };
    let council = match p.council.as_deref() {
        Some(c) => {
            Some(c.parse::<Uuid>().map_err(|_| ApiError::invalid("council", "应为议事会的编号 (a council's id)"))?)
        }
        None => None,
    };
    let overdue = match p.overdue.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::invalid("overdue", "应为 true 或 false (true or false)")),
    };
    let cards = if overdue {
        state.store.overdue_outcomes(&auth.principal, now, 500).await?
    } else {
        state.store.topics_visible(&auth.principal, council, status, 500).await?
    };
    Ok(Json(cards.iter().map(|c| card_view(c, now)).collect()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProgressView {
    pub seq: i64,
    pub note: String,
    pub done: bool,
    pub actor: String,
    pub at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OutcomeView {
    pub id: Uuid,
    pub meeting_id: Option<Uuid>,
    pub decision: String,
    pub carrier: String,
    /// Whether the compound branch carries it out
    pub carrier_is_branch: bool,
    pub due_at: String,
    pub done_at: Option<String>,
    pub overdue: bool,
    /// Carried out after its due time
    pub late: bool,
    pub progress: Vec<ProgressView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TopicView {
    pub id: Uuid,
    pub council_id: Uuid,
    pub council: String,
    pub council_kind: String,
    /// `dispute`, `livelihood` or `property`
    pub kind: String,
    pub kind_name: String,
    pub title: String,
    /// The topic's text; for residents, empty on a topic referred from an appeal
    pub body: String,
    pub raised_by: Option<CouncilMemberView>,
    /// The appeal it was referred from (staff only)
    pub appeal_number: Option<i64>,
    pub from_appeal: bool,
    /// `raised`, `decided`, `done` or `dropped`
    pub status: String,
    pub status_name: String,
    pub dropped_reason: Option<String>,
    pub created_at: String,
    pub done_at: Option<String>,
    pub overdue: bool,
    pub meetings: Vec<Uuid>,
    pub outcomes: Vec<OutcomeView>,
    pub runs: bool,
}

pub(crate) fn topic_view(t: &Topic, who: &Principal, now: chrono::DateTime<chrono::Utc>) -> TopicView {
    let staff = staff_over(who, &t.node_path);
    TopicView {
        id: t.id,
        council_id: t.council_id,
        council: t.council_name.clone(),
        council_kind: t.council_kind.as_str().into(),
        kind: t.kind.as_str().into(),
        kind_name: t.kind.label_zh().into(),
        title: t.title.clone(),
        body: if staff || t.appeal.is_none() { t.body.clone() } else { String::new() },
        raised_by: t.raised_by.as_ref().map(|m| member_view(m, staff)),
        appeal_number: t.appeal.filter(|_| staff).map(|a| a.1),
        from_appeal: t.appeal.is_some(),
        status: t.status.as_str().into(),
        status_name: t.status.label_zh().into(),
        dropped_reason: t.dropped_reason.clone(),
        created_at: bj_time(t.created_at),
        done_at: t.done_at.map(bj_time),
        overdue: t.overdue(now),
        meetings: t.meetings.iter().map(|m| m.0).collect(),
        outcomes: t
            .outcomes
            .iter()
            .map(|o| OutcomeView {
                id: o.id,
                meeting_id: o.meeting_id,
                decision: o.decision.clone(),
                carrier: o.carrier.clone(),
                carrier_is_branch: o.carrier_is_branch,
                due_at: bj_time(o.due_at),
                done_at: o.done_at.map(bj_time),
                overdue: o.overdue(now),
                late: o.late(),
                progress: o
                    .progress
                    .iter()
                    .map(|p| ProgressView {
                        seq: p.seq,
                        note: p.note.clone(),
                        done: p.done,
                        actor: p.actor_name.clone(),
                        at: bj_time(p.at),
                    })
                    .collect(),
            })
            .collect(),
        runs: runs_council(who, &t.node_path),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTopicBody {
    /// `dispute`, `livelihood` or `property`
    #[schema(pattern = "^(dispute|livelihood|property)$")]
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The member who raised it (those who run the council name one; a member raising it
    /// themselves leaves it out)
    pub raised_by: Option<Uuid>,
}

/// Raises a topic on a council.
#[utoipa::path(post, path = "/api/v1/councils/{id}/topics", tag = "councils", params(("id" = Uuid, Path)), request_body = NewTopicBody, responses((status = 201, body = TopicView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_raise_topic(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<NewTopicBody>, JsonRejection>,
) -> Result<(StatusCode, Json<TopicView>), ApiError> {
    let id = id_of(&id)?;
    let b = json_body(body)?;
    let t = NewTopic {
        kind: code(&b.kind, "kind", TopicKind::parse_field)?,
        title: b.title,
        body: b.body,
        raised_by: b.raised_by,
    };
    let now = state.clock.now();
    let t = state.store.raise_topic(&auth.audit_ctx(), &auth.principal, id, &t, now).await?;
    Ok((StatusCode::CREATED, Json(topic_view(&t, &auth.principal, now))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralBody {
    /// The council it goes to; it must sit over the appeal's place
    pub council: Uuid,
    /// `dispute`, `livelihood` or `property` (from the appeal's category when left out)
    #[schema(pattern = "^(dispute|livelihood|property)$")]
    pub kind: Option<String>,
    /// The topic's title (from the appeal's when left out)
    pub title: Option<String>,
}

/// Refers an appeal being worked on to a council: a topic, and a step on the appeal's
/// timeline. The council's outcome, once carried out, resolves the appeal.
#[utoipa::path(post, path = "/api/v1/appeals/{id}/referral", tag = "councils", params(("id" = String, Path, description = "Appeal id or number")), request_body = ReferralBody, responses((status = 201, body = TopicView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_refer_appeal(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ReferralBody>, JsonRejection>,
) -> Result<(StatusCode, Json<TopicView>), ApiError> {
    let b = json_body(body)?;
    let kind = match b.kind.as_deref() {
        Some(k) => Some(code(k, "kind", TopicKind::parse_field)?),
        None => None,
    };
    let now = state.clock.now();
    let r = Referral { council: b.council, kind, title: b.title };
    let t = state.store.refer_appeal(&auth.audit_ctx(), &auth.principal, &id, &r, now).await?;
    Ok((StatusCode::CREATED, Json(topic_view(&t, &auth.principal, now))))
}

/// A topic with its outcomes and their progress.
#[utoipa::path(get, path = "/api/v1/topics/{id}", tag = "councils", params(("id" = Uuid, Path)), responses((status = 200, body = TopicView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_topic(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TopicView>, ApiError> {
    let t = state.store.topic_for(&auth.principal, id_of(&id)?).await?;
    Ok(Json(topic_view(&t, &auth.principal, state.clock.now())))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    /// The meeting that decided it (one that discussed the topic)
    pub meeting: Option<Uuid>,
    pub decision: String,
    /// Who carries it out (the compound branch when left out)
    pub carrier: Option<String>,
    /// Working days given, counted on the shared calendar from today
    #[schema(minimum = 1, maximum = 250)]
    #[serde(deserialize_with = "whole")]
    pub due_workdays: i64,
}

/// Decides an outcome on an open topic.
#[utoipa::path(post, path = "/api/v1/topics/{id}/outcomes", tag = "councils", params(("id" = Uuid, Path)), request_body = OutcomeBody, responses((status = 201, body = TopicView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_decide_outcome(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<OutcomeBody>, JsonRejection>,
) -> Result<(StatusCode, Json<TopicView>), ApiError> {
    let id = id_of(&id)?;
    let b = json_body(body)?;
    let due = u32::try_from(b.due_workdays)
        .ok()
        .filter(|d| (1..=jiayuan_domain::council::MAX_DUE_WORKDAYS).contains(d))
        .ok_or_else(|| ApiError::invalid("due_workdays", "应为1到250个工作日 (1–250 working days)"))?;
    let o = NewOutcome { meeting: b.meeting, decision: b.decision, carrier: b.carrier, due_workdays: due };
    let now = state.clock.now();
    let t = state.store.decide_outcome(&auth.audit_ctx(), &auth.principal, id, &o, now).await?;
    Ok((StatusCode::CREATED, Json(topic_view(&t, &auth.principal, now))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DropBody {
    pub reason: String,
}

/// Drops a topic that has no outcome yet, with the reason.
#[utoipa::path(post, path = "/api/v1/topics/{id}/drop", tag = "councils", params(("id" = Uuid, Path)), request_body = DropBody, responses((status = 200, body = TopicView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_drop_topic(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<DropBody>, JsonRejection>,
) -> Result<Json<TopicView>, ApiError> {
    let id = id_of(&id)?;
    let b = json_body(body)?;
    let now = state.clock.now();
    let t = state.store.drop_topic(&auth.audit_ctx(), &auth.principal, id, &b.reason, now).await?;
    Ok(Json(topic_view(&t, &auth.principal, now)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressBody {
    pub note: String,
    /// Whether this carries the outcome out
    #[serde(default)]
    pub done: bool,
}

/// Records dated progress on an outcome; `done` carries it out (and, when that settles a topic
/// referred from an appeal, resolves the appeal with the outcome's text).
#[utoipa::path(post, path = "/api/v1/council-outcomes/{id}/progress", tag = "councils", params(("id" = Uuid, Path)), request_body = ProgressBody, responses((status = 200, body = TopicView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_record_progress(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ProgressBody>, JsonRejection>,
) -> Result<Json<TopicView>, ApiError> {
    let id = id_of(&id)?;
    let b = json_body(body)?;
    let now = state.clock.now();
    let t = state.store.record_progress(&auth.audit_ctx(), &auth.principal, id, &b.note, b.done, now).await?;
    Ok(Json(topic_view(&t, &auth.principal, now)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeetingTopicView {
    pub id: Uuid,
    pub title: String,
    pub status: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    pub id: Uuid,
    pub council_id: Uuid,
    pub council: String,
    pub held_at: String,
    pub place: String,
    pub agenda: String,
    pub minutes: String,
    /// Others present, counted without names
    pub guests: i64,
    pub attendees: Vec<CouncilMemberView>,
    pub topics: Vec<MeetingTopicView>,
    /// The photos' addresses
    pub photos: Vec<String>,
}

pub(crate) fn meeting_view(m: &Meeting, who: &Principal) -> MeetingView {
    let staff = staff_over(who, &m.node_path);
    MeetingView {
        id: m.id,
        council_id: m.council_id,
        council: m.council_name.clone(),
        held_at: bj_time(m.held_at),
        place: m.place.clone(),
        agenda: m.agenda.clone(),
        minutes: m.minutes.clone(),
        guests: m.guests,
        attendees: m.attendees.iter().map(|a| member_view(a, staff)).collect(),
        topics: m
            .topics
            .iter()
            .map(|(id, title, s)| MeetingTopicView { id: *id, title: title.clone(), status: s.as_str().into() })
            .collect(),
        photos: m.photos.iter().map(|p| format!("/api/v1/council-meetings/{}/photos/{p}", m.id)).collect(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingBody {
    /// When it was held, RFC 3339 with an offset (not in the future)
    #[schema(format = DateTime)]
    pub held_at: String,
    pub place: String,
    pub agenda: String,
    pub minutes: String,
    /// The members present
    pub attendees: Vec<Uuid>,
    /// Others present, counted without names
    #[schema(minimum = 0, maximum = 100000)]
    #[serde(default, deserialize_with = "whole_opt")]
    pub guests: Option<i64>,
    /// The council's topics discussed
    #[serde(default)]
    pub topics: Vec<Uuid>,
}

/// Records a council's meeting.
#[utoipa::path(post, path = "/api/v1/councils/{id}/meetings", tag = "councils", params(("id" = Uuid, Path)), request_body = MeetingBody, responses((status = 201, body = MeetingView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_record_meeting(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<MeetingBody>, JsonRejection>,
) -> Result<(StatusCode, Json<MeetingView>), ApiError> {
    let id = id_of(&id)?;
    let b = json_body(body)?;
    let held_at =
        chrono::DateTime::parse_from_rfc3339(b.held_at.trim()).map(|t| t.with_timezone(&chrono::Utc)).map_err(
            |_| ApiError::invalid("held_at", "应为带时区的时间，如 2026-12-01T19:00:00+08:00 (RFC 3339 with offset)"),
        )?;
    let m = NewMeeting {
        held_at,
        place: b.place,
        agenda: b.agenda,
        minutes: b.minutes,
        attendees: b.attendees,
        guests: b.guests.unwrap_or(0),
        topics: b.topics,
    };
    let m = state.store.record_meeting(&auth.audit_ctx(), &auth.principal, id, &m, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(meeting_view(&m, &auth.principal))))
}

/// A meeting with its attendance, minutes, topics and photos.
#[utoipa::path(get, path = "/api/v1/council-meetings/{id}", tag = "councils", params(("id" = Uuid, Path)), responses((status = 200, body = MeetingView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_meeting(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<MeetingView>, ApiError> {
    let m = state.store.meeting_for(&auth.principal, id_of(&id)?).await?;
    Ok(Json(meeting_view(&m, &auth.principal)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeetingPhotoView {
    pub id: Uuid,
    pub url: String,
}

/// Adds a photo of a meeting: the raw image as the body (JPEG, PNG or WebP, at most 8 MiB).
#[utoipa::path(post, path = "/api/v1/council-meetings/{id}/photos", tag = "councils", params(("id" = Uuid, Path)), request_body(content = Vec<u8>, content_type = "image/jpeg"), responses((status = 201, body = MeetingPhotoView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
pub async fn api_add_meeting_photo(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<MeetingPhotoView>), ApiError> {
    let id = id_of(&id)?;
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let photo = save_meeting_photo(&state, &auth, id, declared, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(MeetingPhotoView { id: photo, url: format!("/api/v1/council-meetings/{id}/photos/{photo}") }),
    ))
}

/// Checks the meeting and the image before anything is written, then keeps both.
pub(crate) async fn save_meeting_photo(
    state: &AppState,
    auth: &Auth,
    meeting: Uuid,
    declared: &str,
    body: &[u8],
) -> Result<Uuid, ApiError> {
    let m = state.store.meeting_for(&auth.principal, meeting).await?;
    if !runs_council(&auth.principal, &m.node_path) {
        return Err(ApiError::forbidden(Permission::RunCouncils));
    }
    let img = crate::media::checked_image("photo", declared, body)?;
    crate::media::save(state, "councils", &img).await?;
    state
        .store
        .add_meeting_photo(
            &auth.audit_ctx(),
            &auth.principal,
            meeting,
            (img.id, img.content_type, img.size, &img.sha256),
            state.clock.now(),
        )
        .await?;
    Ok(img.id)
}

/// A meeting's photo, to those who see the council.
#[utoipa::path(get, path = "/api/v1/council-meetings/{id}/photos/{photo}", tag = "councils", params(("id" = Uuid, Path), ("photo" = Uuid, Path)), responses((status = 200, description = "The image", content_type = "image/*"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_meeting_photo(
    auth: Auth,
    State(state): State<AppState>,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    meeting_photo_file(&state, &auth.principal, id_of(&id)?, id_of(&photo)?).await
}

pub(crate) async fn meeting_photo_file(
    state: &AppState,
    who: &Principal,
    meeting: Uuid,
    photo: Uuid,
) -> Result<Response, ApiError> {
    let content_type = state.store.meeting_photo(who, meeting, photo).await?;
    let bytes = crate::media::read(state, "councils", photo).await?;
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "private, max-age=3600".to_string())], bytes)
        .into_response())
}
