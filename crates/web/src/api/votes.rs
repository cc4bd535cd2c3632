//! Owners' assembly votes: announce one on a compound, read it with its count, cast a
//! ballot (an owner for themselves; staff who run votes from paper). Thin: the rules are in
//! the store and the domain's engine.

use super::*;
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::vote::{Choice, Count, Matter, Rules, Tally};
use jiayuan_domain::Area;
use jiayuan_store::owner_votes::{BallotFor, NewVote, OwnerVote, MIN_NOTICE_DAYS};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatterBody {
    /// Which of Civil Code art. 278's nine matters (1–9)
    #[schema(minimum = 1, maximum = 9)]
    #[serde(deserialize_with = "whole")]
    pub matter: i64,
    /// What is asked
    pub title: String,
}

#[derive(Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RulesBody {
    /// One buyer owning several parts counts once (default true)
    pub multi_part_owner_once: Option<bool>,
    /// Unsold and undelivered parts count as one owner (default true)
    pub developer_as_one: Option<bool>,
    /// Parking spaces count (default false)
    pub count_parking: Option<bool>,
    /// Served non-voters follow the majority (default false)
    pub silent_follows_majority: Option<bool>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVoteBody {
    /// The compound's territory code
    pub compound: String,
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BallotBody {
    /// The matter's number in this vote (1 for the first)
    #[schema(minimum = 1, maximum = 20)]
    #[serde(deserialize_with = "whole")]
    pub matter: i64,
    /// `agree`, `oppose` or `abstain`
    #[schema(pattern = "^(agree|oppose|abstain)$")]
    pub choice: String,
    /// Staff entering a paper ballot: whose (an owner's person id, or `developer`)
    pub voter: Option<String>,
    /// Staff entering a paper ballot: the part it names (its code, or the code after the
    /// compound's), instead of `voter`
    pub part: Option<String>,
    /// Replaces this voter's ballot on the matter (kept as the previous version)
    pub correction: Option<bool>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CountView {
    /// m² with two decimals
    pub area: String,
    pub headcount: i64,
}

impl From<Count> for CountView {
    fn from(c: Count) -> Self {
        CountView { area: c.area.to_string(), headcount: c.headcount }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TallyView {
    /// `half` or `three_quarters`
    pub threshold: String,
    pub total: CountView,
    pub participating: CountView,
    pub agree: CountView,
    pub oppose: CountView,
    pub abstain: CountView,
    pub silent: CountView,
    pub quorum_met: bool,
    pub passed: bool,
}

impl From<&Tally> for TallyView {
    fn from(t: &Tally) -> Self {
        TallyView {
            threshold: t.threshold.as_str().into(),
            total: t.total.into(),
            participating: t.participating.into(),
            agree: t.agree.into(),
            oppose: t.oppose.into(),
            abstain: t.abstain.into(),
            silent: t.silent.into(),
            quorum_met: t.quorum_met,
            passed: t.passed,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VoteMatterView {
    pub seq: i64,
    /// Art. 278's number (1–9)
    pub matter: u32,
    pub matter_name: String,
    pub title: String,
    /// As the ballots stand, final once closed. While the vote is open only staff who run it
    /// see it; owners get `null` (as on the page), so that a running count sways nobody.
    pub tally: Option<TallyView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VoteView {
    pub id: Uuid,
    pub title: String,
    pub announced_at: String,
    pub assembly_at: String,
    pub closes_at: String,
    pub notice_days: i64,
    pub open: bool,
    pub multi_part_owner_once: bool,
    pub developer_as_one: bool,
    pub count_parking: bool,
    pub silent_follows_majority: bool,
    pub matters: Vec<VoteMatterView>,
    /// Parts the signed-in owner co-owns whose ballot another co-owner casts
    pub cast_for_me: Vec<CastForMeView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CastForMeView {
    /// The part's code
    pub part: String,
    /// The co-owner who casts its ballot, name masked
    pub caster: String,
}

fn time(field: &str, s: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::invalid(field, "应为带时区的时间，如 2027-01-10T19:00:00+08:00 (RFC 3339 with offset)"))
}

async fn vote_view(state: &AppState, auth: &Auth, v: &OwnerVote) -> Result<VoteView, ApiError> {
    let counts = state.store.tally_owner_vote(v.id).await?;
    let staff = auth.principal.scope(Permission::RunOwnerVotes).is_ok_and(|s| s.covers_path(&v.compound_path));
    let show_count = staff || !v.is_open(state.clock.now());
    let cast_for_me = match auth.principal.person_id {
        Some(p) => state.store.answered_for(v.id, p).await?,
        None => vec![],
    };
    let now = state.clock.now();
    Ok(VoteView {
        id: v.id,
        title: v.title.clone(),
        announced_at: bj_time(v.announced_at),
        assembly_at: bj_time(v.assembly_at),
        closes_at: bj_time(v.closes_at),
        notice_days: v.notice_days,
        open: v.is_open(now),
        multi_part_owner_once: v.rules.multi_part_owner_once,
        developer_as_one: v.rules.developer_as_one,
        count_parking: v.rules.count_parking,
        silent_follows_majority: v.rules.silent_follows_majority,
        matters: v
            .matters
            .iter()
            .zip(&counts)
            .map(|((seq, m, title), (_, _, t))| VoteMatterView {
                seq: *seq,
                matter: m.number(),
                matter_name: m.label_zh().into(),
                title: title.clone(),
                tally: show_count.then(|| t.into()),
            })
            .collect(),
        cast_for_me: cast_for_me.into_iter().map(|(part, caster)| CastForMeView { part, caster }).collect(),
    })
}

/// Announces a vote on a compound (staff who run votes over it); the electorate is frozen now.
#[utoipa::path(post, path = "/api/v1/votes", tag = "votes", request_body = NewVoteBody, responses((status = 201, body = VoteView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_announce_vote(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewVoteBody>, JsonRejection>,
) -> Result<(StatusCode, Json<VoteView>), ApiError> {
    let new = new_vote(json_body(body)?)?;
    let v = state.store.announce_owner_vote(&auth.audit_ctx(), &auth.principal, &new, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(vote_view(&state, &auth, &v).await?)))
}

/// A vote's announcement as the API takes it.
pub(crate) fn new_vote(b: NewVoteBody) -> Result<NewVote, ApiError> {
    let mut matters = Vec::new();
    for m in &b.matters {
        let matter = u32::try_from(m.matter)
            .ok()
            .and_then(Matter::from_number)
            .ok_or_else(|| ApiError::invalid("matters", format!("事项编号应为1到9 (got {})", m.matter)))?;
        matters.push((matter, m.title.clone()));
    }
    let r = b.rules.unwrap_or_default();
    let d = Rules::default();
    Ok(NewVote {
        compound: b.compound,
        title: b.title,
        matters,
        assembly_at: time("assembly_at", &b.assembly_at)?,
        closes_at: time("closes_at", &b.closes_at)?,
        notice_days: b.notice_days.unwrap_or(MIN_NOTICE_DAYS),
        rules: Rules {
            multi_part_owner_once: r.multi_part_owner_once.unwrap_or(d.multi_part_owner_once),
            developer_as_one: r.developer_as_one.unwrap_or(d.developer_as_one),
            count_parking: r.count_parking.unwrap_or(d.count_parking),
            silent_follows_majority: r.silent_follows_majority.unwrap_or(d.silent_follows_majority),
        },
    })
}

/// A vote with each matter's count as the ballots stand: for staff who run votes over its
/// compound and for the owners in its electorate.
#[utoipa::path(get, path = "/api/v1/votes/{id}", tag = "votes", params(("id" = Uuid, Path)), responses((status = 200, body = VoteView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_vote(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<VoteView>, ApiError> {
    let id = id.parse::<Uuid>().map_err(|_| ApiError::not_found())?;
    let v = state.store.owner_vote_for(&auth.principal, id).await?;
    Ok(Json(vote_view(&state, &auth, &v).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BallotView {
    pub matter: i64,
    pub choice: String,
    /// 1 for a first ballot, one more for each correction
    pub version: i64,
}

/// Casts a ballot on one matter: an owner for themselves, or staff who run votes entering a
/// paper ballot for `voter`. A second ballot is 409 unless `correction` is true.
#[utoipa::path(post, path = "/api/v1/votes/{id}/ballots", tag = "votes", params(("id" = Uuid, Path)), request_body = BallotBody, responses((status = 201, body = BallotView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_cast_ballot(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<BallotBody>, JsonRejection>,
) -> Result<(StatusCode, Json<BallotView>), ApiError> {
    let id = id.parse::<Uuid>().map_err(|_| ApiError::not_found())?;
    let b = json_body(body)?;
    let choice = Choice::parse(b.choice.trim())
        .ok_or_else(|| ApiError::invalid("choice", "应为 agree、oppose 或 abstain (agree, oppose or abstain)"))?;
    let voter = b.voter.as_deref().map(str::trim).filter(|v| !v.is_empty());
    let ballot_for = match b.part.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(_) if voter.is_some() => {
            return Err(ApiError::invalid("part", "只填 voter 或 part 之一 (give voter or part, not both)"))
        }
        Some(part) => BallotFor::Part(part),
        None => BallotFor::paper(voter),
    };
    let version = state
        .store
        .cast_owner_ballots(
            &auth.audit_ctx(),
            &auth.principal,
            id,
            &[(b.matter, choice)],
            ballot_for,
            b.correction.unwrap_or(false),
            state.clock.now(),
        )
        .await?
        .first()
        .copied()
        .unwrap_or(1);
    Ok((StatusCode::CREATED, Json(BallotView { matter: b.matter, choice: choice.as_str().into(), version })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceBody {
    /// The owner served: their person id, or `developer`
    pub voter: String,
    /// `in_person`, `mail`, `electronic` or `left_at_home`
    #[schema(pattern = "^(in_person|mail|electronic|left_at_home)$")]
    pub how: String,
    /// When, RFC 3339 with an offset (after the announcement, not in the future)
    #[schema(format = DateTime)]
    pub served_at: String,
    /// The proof kept (a receipt's page, a registered letter's number, …)
    pub proof: String,
}

/// Records how an owner was served the ballot (staff who run the vote): only owners provably
/// served count with the majority when the rules let silent votes follow it.
#[utoipa::path(post, path = "/api/v1/votes/{id}/service", tag = "votes", params(("id" = Uuid, Path)), request_body = ServiceBody, responses((status = 204, description = "Recorded"), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_vote_service(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ServiceBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse::<Uuid>().map_err(|_| ApiError::not_found())?;
    let b = json_body(body)?;
    let how = jiayuan_domain::vote::Service::parse(b.how.trim())
        .ok_or_else(|| ApiError::invalid("how", "应为 in_person、mail、electronic 或 left_at_home"))?;
    let served_at = time("served_at", &b.served_at)?;
    state
        .store
        .record_vote_service(
            &auth.audit_ctx(),
            &auth.principal,
            id,
            &b.voter,
            how,
            served_at,
            &b.proof,
            state.clock.now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VoteListView {
    pub id: Uuid,
    pub title: String,
    pub compound_name: String,
    pub announced_at: String,
    pub assembly_at: String,
    pub closes_at: String,
    pub open: bool,
}

/// The votes the caller may see, latest deadline first: those over compounds where they run
/// votes and those whose electorate names them.
#[utoipa::path(get, path = "/api/v1/votes", tag = "votes", responses((status = 200, body = [VoteListView])))]
pub async fn api_votes(auth: Auth, State(state): State<AppState>) -> Result<Json<Vec<VoteListView>>, ApiError> {
    let now = state.clock.now();
    let votes = state.store.owner_votes_visible(&auth.principal, 500).await?;
    Ok(Json(
        votes
            .into_iter()
            .map(|v| VoteListView {
                open: v.is_open(now),
                id: v.id,
                title: v.title,
                compound_name: v.compound_name,
                announced_at: bj_time(v.announced_at),
                assembly_at: bj_time(v.assembly_at),
                closes_at: bj_time(v.closes_at),
            })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ElectoratePartView {
    /// The part's code
    pub part: String,
    pub building: String,
    /// m² with two decimals
    pub area: String,
    /// `residential`, `commercial`, `parking` or `developer`
    pub kind: String,
    pub delivered: bool,
    /// Whether the part's voter has answered at least one matter
    pub voted: bool,
}

/// The frozen electorate part by part (staff who run the vote): what paper ballots are
/// reconciled against. Owners are not named.
#[utoipa::path(get, path = "/api/v1/votes/{id}/parts", tag = "votes", params(("id" = Uuid, Path)), responses((status = 200, body = [ElectoratePartView]), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_vote_parts(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<ElectoratePartView>>, ApiError> {
    let id = id.parse::<Uuid>().map_err(|_| ApiError::not_found())?;
    let v = state.store.owner_vote_for(&auth.principal, id).await?;
    let scope = auth.scope(Permission::RunOwnerVotes)?;
    if !scope.covers_path(&v.compound_path) {
        return Err(ApiError::forbidden(Permission::RunOwnerVotes));
    }
    let parts = state.store.owner_vote_electorate(id).await?;
    Ok(Json(
        parts
            .into_iter()
            .map(|p| ElectoratePartView {
                part: p.part,
                building: p.building,
                area: Area(p.area_centi).to_string(),
                kind: p.kind,
                delivered: p.delivered,
                voted: p.voted,
            })
            .collect(),
    ))
}

/// One owner of a dwelling, and whether they cast its ballot in owners' votes.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PartOwnerView {
    pub person_id: Uuid,
    pub name: String,
    /// Share in basis points (10000 = the whole dwelling)
    pub share_bp: i64,
    /// Casts the dwelling's ballot in votes announced from now on
    pub casts: bool,
    /// Named by the co-owners (otherwise the largest share casts)
    pub named: bool,
}

impl From<jiayuan_store::owner_votes::PartOwner> for PartOwnerView {
    fn from(o: jiayuan_store::owner_votes::PartOwner) -> Self {
        PartOwnerView { person_id: o.person_id, name: o.name, share_bp: o.share_bp, casts: o.casts, named: o.named }
    }
}

/// The owners of a dwelling with who casts its ballot (those who see residents over it).
#[utoipa::path(get, path = "/api/v1/territories/{id}/owners", tag = "votes", params(("id" = String, Path, description = "The dwelling's id or code")), responses((status = 200, body = Vec<PartOwnerView>), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_dwelling_owners(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<PartOwnerView>>, ApiError> {
    let d = state.store.territory_in(&auth.scope(Permission::ViewTerritory)?, &id).await?;
    let owners = state.store.dwelling_owners(&auth.principal, d.id).await?;
    Ok(Json(owners.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BallotCasterBody {
    /// The co-owner the owners named to cast the dwelling's ballot
    pub person_id: Uuid,
}

/// Records which co-owner casts a dwelling's ballot (staff who run votes over it). Votes
/// already announced keep the electorate they froze.
#[utoipa::path(post, path = "/api/v1/territories/{id}/ballot-caster", tag = "votes", params(("id" = String, Path, description = "The dwelling's id or code")), request_body = BallotCasterBody, responses((status = 200, body = Vec<PartOwnerView>), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_name_ballot_caster(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<BallotCasterBody>, JsonRejection>,
) -> Result<Json<Vec<PartOwnerView>>, ApiError> {
    let d = state.store.territory_in(&auth.scope(Permission::ViewTerritory)?, &id).await?;
    let b = json_body(body)?;
    let owners = state
        .store
        .name_ballot_caster(&auth.audit_ctx(), &auth.principal, d.id, b.person_id, state.clock.now())
        .await?;
    Ok(Json(owners.into_iter().map(Into::into).collect()))
}

/// An image kept with a vote: a paper ballot's scan or the proof an owner was served.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VoteImageView {
    pub id: Uuid,
    /// The first part its voter casts for
    pub part: Option<String>,
    /// `paper` or `service`
    pub kind: String,
    pub content_type: String,
    pub created_at: String,
}

impl From<jiayuan_store::owner_votes::VoteImage> for VoteImageView {
    fn from(i: jiayuan_store::owner_votes::VoteImage) -> Self {
        VoteImageView {
            id: i.id,
            part: i.first_part,
            kind: i.kind,
            content_type: i.content_type,
            created_at: bj_time(i.created_at),
        }
    }
}

/// A vote `who` runs (staff who run votes over its compound); to anyone else, not found.
async fn vote_run_by(state: &AppState, auth: &Auth, id: &str) -> Result<OwnerVote, ApiError> {
    let id = id.parse::<Uuid>().map_err(|_| ApiError::not_found())?;
    let v = state.store.owner_vote_for(&auth.principal, id).await?;
    let staff = auth.principal.scope(Permission::RunOwnerVotes).is_ok_and(|s| s.covers_path(&v.compound_path));
    if staff {
        Ok(v)
    } else {
        Err(ApiError::not_found())
    }
}

/// The images kept with a vote, latest first (staff who run it).
#[utoipa::path(get, path = "/api/v1/votes/{id}/images", tag = "votes", params(("id" = Uuid, Path)), responses((status = 200, body = [VoteImageView]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_vote_images(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<VoteImageView>>, ApiError> {
    let v = vote_run_by(&state, &auth, &id).await?;
    Ok(Json(state.store.vote_images(v.id).await?.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VoteImageParams {
    /// The part whose voter the image is of (its code)
    #[param(pattern = "\\S")]
    pub part: String,
    /// `paper` (a paper ballot's scan) or `service` (the proof the owner was served)
    #[param(pattern = "^(paper|service)$")]
    pub kind: String,
}

/// Keeps an image with a vote (staff who run it): the raw image as the body,
/// `Content-Type: image/jpeg|png|webp`, at most 8 MiB, for the voter of `part`.
#[utoipa::path(post, path = "/api/v1/votes/{id}/images", tag = "votes", params(("id" = Uuid, Path), VoteImageParams), request_body(content = Vec<u8>, content_type = "image/jpeg"), responses((status = 201, body = VoteImageView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
pub async fn api_add_vote_image(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<VoteImageParams>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<VoteImageView>), ApiError> {
    let v = vote_run_by(&state, &auth, &id).await?;
    if !matches!(p.kind.as_str(), "paper" | "service") {
        return Err(ApiError::invalid("kind", "应为 paper 或 service (paper or service)"));
    }
    // Everything is checked before the file is written.
    let voter = state.store.owner_vote_voter_of_part(v.id, p.part.trim()).await?;
    let declared = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let img = crate::media::checked_image("image", declared, &body)?;
    crate::media::save(&state, "votes", &img).await?;
    let now = state.clock.now();
    let image = (img.id, img.content_type, img.size, img.sha256.as_str());
    state.store.add_vote_image(&auth.audit_ctx(), &auth.principal, v.id, &voter, &p.kind, image, now).await?;
    let kept =
        state.store.vote_images(v.id).await?.into_iter().find(|i| i.id == img.id).ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(kept.into())))
}

/// One kept image's bytes, to staff who run the vote.
#[utoipa::path(get, path = "/api/v1/votes/{id}/images/{image}", tag = "votes", params(("id" = Uuid, Path), ("image" = Uuid, Path)), responses((status = 200, description = "The image", content_type = "image/jpeg"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_vote_image(
    auth: Auth,
    State(state): State<AppState>,
    Path((id, image)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    vote_image_file(&state, &auth, &id, &image).await
}

/// A kept image of a vote as its bytes with its type (the API and the page both serve it).
pub(crate) async fn vote_image_file(
    state: &AppState,
    auth: &Auth,
    id: &str,
    image: &str,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let v = vote_run_by(state, auth, id).await?;
    let img_id = image.parse::<Uuid>().map_err(|_| ApiError::not_found())?;
    let found = state.store.vote_images(v.id).await?.into_iter().find(|i| i.id == img_id);
    let img = found.ok_or_else(ApiError::not_found)?;
    let bytes = crate::media::read(state, "votes", img.id).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, img.content_type),
            (axum::http::header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}
