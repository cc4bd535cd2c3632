//! Owners' assembly votes on pages: the votes a person may see, announcing one (staff who run
//! votes), the vote's page — an owner's ballot on a phone, and for staff the count as it
//! stands, turnout by building, paper ballots and ballot service — and the public notice that
//! announces the vote and, once it has closed, its result with every number.
//!
//! Owners see the count only after the close (a running count would sway the vote); staff who
//! run the vote see it live.

use super::*;
use crate::auth::Auth;
use crate::pages::appeals::error_text;
use crate::pages::picker::{territory_picker, TerritoryPicker};
use crate::state::AppState;
use axum::extract::{Form, Multipart, State};
use chrono::{DateTime, NaiveDateTime, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::time::{display, from_beijing};
use jiayuan_domain::vote::{self, Choice, Matter, Rules, Service, Tally};
use jiayuan_domain::Area;
use jiayuan_store::owner_votes::{BallotFor, NewVote, OwnerVote, MIN_NOTICE_DAYS};
use uuid::Uuid;

/// How many matter rows the announce form offers.
const MATTER_ROWS: usize = 4;

struct VoteRow {
    id: String,
    title: String,
    compound: String,
    closes_at: String,
    open: bool,
}

#[derive(Template)]
#[template(path = "votes.html")]
struct VotesPage {
    ui: Ui,
    title: String,
    votes: Vec<VoteRow>,
    can_run: bool,
}

/// `/votes`: the votes over compounds one runs votes in, and those one is an owner in.
pub async fn votes_page(auth: Auth, State(state): State<AppState>, ui: Ui) -> Result<Response, PageError> {
    let now = state.clock.now();
    let votes = state
        .store
        .owner_votes_visible(&auth.principal, 200)
        .await
        .page(&ui)?
        .into_iter()
        .map(|v| VoteRow {
            id: v.id.to_string(),
            open: v.is_open(now),
            title: v.title,
            compound: v.compound_name,
            closes_at: display(v.closes_at),
        })
        .collect();
    let page = VotesPage {
        title: ui.t("votes.title").into(),
        votes,
        can_run: auth.principal.can(Permission::RunOwnerVotes),
        ui: ui.clone(),
    };
    render(ui, page)
}

/// What the announce form holds, as typed (kept when it is refused).
#[derive(Deserialize, Default, Clone)]
pub struct AnnounceForm {
    #[serde(default)]
    compound: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    assembly_at: String,
    #[serde(default)]
    closes_at: String,
    #[serde(default)]
    notice_days: String,
    /// Set by the form itself, so that unticked boxes read as "no" rather than the default.
    sent: Option<String>,
    multi_part_owner_once: Option<String>,
    developer_as_one: Option<String>,
    count_parking: Option<String>,
    silent_follows_majority: Option<String>,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

impl AnnounceForm {
    /// A form as the page's fields give it (for forms that carry more than the vote).
    pub(crate) fn from_fields(f: &std::collections::HashMap<String, String>) -> Self {
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        let opt = |k: &str| f.get(k).cloned();
        AnnounceForm {
            compound: get("compound"),
            title: get("title"),
            assembly_at: get("assembly_at"),
            closes_at: get("closes_at"),
            notice_days: get("notice_days"),
            sent: opt("sent"),
            multi_part_owner_once: opt("multi_part_owner_once"),
            developer_as_one: opt("developer_as_one"),
            count_parking: opt("count_parking"),
            silent_follows_majority: opt("silent_follows_majority"),
            rest: f
                .iter()
                .filter(|(k, _)| k.starts_with("matter_") || k.starts_with("ask_"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// A blank form whose vote is titled like what it decides.
    pub(crate) fn with_title(title: &str) -> Self {
        AnnounceForm { title: title.to_string(), ..Default::default() }
    }

    pub(crate) fn title(&self) -> &str {
        &self.title
    }

    pub(crate) fn compound(&self) -> &str {
        &self.compound
    }

    pub(crate) fn notice_days(&self) -> &str {
        &self.notice_days
    }

    pub(crate) fn assembly_at(&self) -> &str {
        &self.assembly_at
    }

    pub(crate) fn closes_at(&self) -> &str {
        &self.closes_at
    }

    fn ticked(&self, v: &Option<String>, default: bool) -> bool {
        if self.sent.is_some() {
            v.is_some()
        } else {
            default
        }
    }

    pub(crate) fn rules(&self) -> Rules {
        let d = Rules::default();
        Rules {
            multi_part_owner_once: self.ticked(&self.multi_part_owner_once, d.multi_part_owner_once),
            developer_as_one: self.ticked(&self.developer_as_one, d.developer_as_one),
            count_parking: self.ticked(&self.count_parking, d.count_parking),
            silent_follows_majority: self.ticked(&self.silent_follows_majority, d.silent_follows_majority),
        }
    }

    /// The matter rows as typed: (art. 278 number, what is asked).
    pub(crate) fn matter_rows(&self) -> Vec<(String, String)> {
        (1..=MATTER_ROWS)
            .map(|i| {
                let get = |k: String| self.rest.get(&k).cloned().unwrap_or_default();
                (get(format!("matter_{i}")), get(format!("ask_{i}")))
            })
            .collect()
    }
}

/// A Beijing wall-clock time from a `datetime-local` field.
pub(crate) fn local_time(field: &str, s: &str) -> Result<DateTime<Utc>, ApiError> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .map(from_beijing)
        .map_err(|_| ApiError::invalid(field, "应为日期和时间，如 2027-01-10 19:00 (a date and time)"))
}

impl AnnounceForm {
    pub(crate) fn to_vote(&self) -> Result<NewVote, ApiError> {
        let mut matters = Vec::new();
        for (number, ask) in self.matter_rows() {
            if ask.trim().is_empty() {
                continue;
            }
            let m = number.trim().parse::<u32>().ok().and_then(Matter::from_number).ok_or_else(|| {
                ApiError::invalid("matters", "请为每个事项选择民法典第278条的事项类别 (choose the matter)")
            })?;
            matters.push((m, ask.trim().to_string()));
        }
        let notice = self.notice_days.trim();
        let notice_days = if notice.is_empty() {
            MIN_NOTICE_DAYS
        } else {
            notice.parse().map_err(|_| ApiError::invalid("notice_days", "应为天数 (a number of days)"))?
        };
        Ok(NewVote {
            compound: self.compound.clone(),
            title: self.title.clone(),
            matters,
            assembly_at: local_time("assembly_at", &self.assembly_at)?,
            closes_at: local_time("closes_at", &self.closes_at)?,
            notice_days,
            rules: self.rules(),
        })
    }
}

#[derive(Template)]
#[template(path = "vote_new.html")]
struct NewVotePage {
    ui: Ui,
    title: String,
    picker: TerritoryPicker,
    vote_form: AnnounceForm,
    vote_rows: Vec<(String, String)>,
    rules: Rules,
    matters: Vec<(u32, &'static str, &'static str)>,
    error: Option<String>,
    min_notice: i64,
}

#[derive(Deserialize, Default)]
pub struct VotePick {
    at: Option<String>,
    pq: Option<String>,
}

async fn new_vote_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    pick: VotePick,
    form: AnnounceForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    auth.require(Permission::RunOwnerVotes).page(&ui)?;
    let picker = territory_picker(
        state,
        auth,
        &ui,
        Permission::RunOwnerVotes,
        "/votes/new",
        pick.at.as_deref(),
        pick.pq.as_deref(),
    )
    .await?;
    let lang = ui.lang.code();
    let page = NewVotePage {
        title: ui.t("votes.new").into(),
        vote_rows: form.matter_rows(),
        rules: form.rules(),
        matters: Matter::ALL
            .iter()
            .map(|m| (m.number(), m.label(lang), threshold_label(ui.lang, m.threshold())))
            .collect(),
        picker,
        vote_form: form,
        error,
        min_notice: MIN_NOTICE_DAYS,
        ui: ui.clone(),
    };
    Ok((status, render(ui, page)?).into_response())
}

/// `/votes/new`: choose the compound, then the matters, the dates and the counting rules.
pub async fn new_vote_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(p): Query<VotePick>,
) -> Result<Response, PageError> {
    new_vote_render(&state, &auth, ui, p, AnnounceForm::default(), None, StatusCode::OK).await
}

/// `POST /votes`: announces the vote and opens its page; a refusal shows the form again with
/// everything typed and the reason.
pub async fn announce_vote_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(f): Form<AnnounceForm>,
) -> Result<Response, PageError> {
    let r = async {
        let new = f.to_vote()?;
        let v = state.store.announce_owner_vote(&auth.audit_ctx(), &auth.principal, &new, state.clock.now()).await?;
        Ok::<_, ApiError>(v.id)
    }
    .await;
    match r {
        Ok(id) => Ok(crate::redirect::to(&format!("/votes/{id}"))),
        Err(e) => {
            let pick = VotePick { at: Some(f.compound.clone()).filter(|c| !c.trim().is_empty()), pq: None };
            new_vote_render(&state, &auth, ui, pick, f, Some(error_text(&e)), e.status).await
        }
    }
}

/// Art. 278's matters as a form offers them: number, name, the agreement they need.
pub(crate) fn matter_choices(lang: crate::i18n::Lang) -> Vec<(u32, &'static str, &'static str)> {
    Matter::ALL.iter().map(|m| (m.number(), m.label(lang.code()), threshold_label(lang, m.threshold()))).collect()
}

fn threshold_label(lang: crate::i18n::Lang, t: vote::Threshold) -> &'static str {
    match t {
        vote::Threshold::Half => crate::i18n::t(lang, "votes.half"),
        vote::Threshold::ThreeQuarters => crate::i18n::t(lang, "votes.three_quarters"),
    }
}

/// One matter as the vote page shows it.
struct MatterView {
    seq: i64,
    number: u32,
    name: &'static str,
    ask: String,
    rule: &'static str,
    /// The voter's current answer (`agree`, …) and its version, if any.
    mine: Option<(String, &'static str, i64)>,
    /// What the owner's form had when it was refused, else the current answer.
    typed: String,
    /// What the paper-ballot form had when it was refused.
    paper: String,
    tally: Option<TallyView>,
}

/// A count as the page shows it: figures with their share, and the rule's arithmetic.
struct TallyView {
    total: String,
    participating: String,
    agree: String,
    oppose: String,
    abstain: String,
    silent: String,
    /// Participating area as a share of all, in percent (for the bar), and the 2/3 mark.
    turnout_pct: String,
    agree_pct: String,
    /// Where the agreement line is drawn: 50 or 75 (percent).
    agree_mark: &'static str,
    quorum_met: bool,
    passed: bool,
    lines: Vec<String>,
}

fn pct(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        (part as f64 * 100.0 / whole as f64).min(100.0)
    }
}

fn count_text(lang: crate::i18n::Lang, c: vote::Count, of: Option<vote::Count>) -> String {
    let heads = crate::i18n::t(lang, "votes.heads");
    let base = format!("{} m² · {}{heads}", c.area, thousands(c.headcount));
    match of {
        Some(all) if all.headcount > 0 => {
            format!("{base} ({:.1}% / {:.1}%)", pct(c.area.0, all.area.0), pct(c.headcount, all.headcount))
        }
        _ => base,
    }
}

fn tally_view(lang: crate::i18n::Lang, t: &Tally) -> TallyView {
    let p = Some(t.participating);
    TallyView {
        total: count_text(lang, t.total, None),
        participating: count_text(lang, t.participating, Some(t.total)),
        agree: count_text(lang, t.agree, p),
        oppose: count_text(lang, t.oppose, p),
        abstain: count_text(lang, t.abstain, p),
        silent: if t.rules.silent_follows_majority { count_text(lang, t.silent, None) } else { String::new() },
        turnout_pct: format!("{:.1}", pct(t.participating.area.0, t.total.area.0)),
        agree_pct: format!("{:.1}", pct(t.agree.area.0, t.participating.area.0)),
        agree_mark: match t.threshold {
            vote::Threshold::Half => "50",
            vote::Threshold::ThreeQuarters => "75",
        },
        quorum_met: t.quorum_met,
        passed: t.passed,
        lines: vote::explain(t),
    }
}

struct TurnoutBar {
    building: String,
    percent: String,
    shown: String,
}

/// What a form on the vote page had when it was refused.
#[derive(Default)]
struct Refused {
    form: &'static str,
    error: String,
    fields: std::collections::HashMap<String, String>,
}

impl Refused {
    fn get(&self, form: &str, key: &str) -> String {
        if self.form == form {
            self.fields.get(key).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
}

#[derive(Template)]
#[template(path = "vote.html")]
struct VotePage {
    ui: Ui,
    title: String,
    id: String,
    compound: String,
    open: bool,
    announced_at: String,
    assembly_at: String,
    closes_at: String,
    notice_days: i64,
    rules: Vec<(&'static str, bool)>,
    matters: Vec<MatterView>,
    /// The signed-in owner's parts (code, m²), when they are in the electorate.
    my_parts: Vec<(String, String)>,
    is_voter: bool,
    /// Parts the signed-in owner co-owns whose ballot another co-owner casts (code, caster
    /// masked).
    cast_for_me: Vec<(String, String)>,
    /// Every matter answered by this owner, and any.
    all_answered: bool,
    any_answered: bool,
    staff: bool,
    turnout: Vec<TurnoutBar>,
    served: (i64, i64),
    /// Kept scans and proof photos: id, kind label, the part, when.
    images: Vec<(String, &'static str, String, String)>,
    example_part: String,
    hows: Vec<(&'static str, &'static str)>,
    choices: Vec<(&'static str, &'static str)>,
    refused: Refused,
    done: String,
    /// The arithmetic stands open (on the printable notice) or folded.
    working_open: bool,
}

fn rules_list(lang: crate::i18n::Lang, r: &Rules) -> Vec<(&'static str, bool)> {
    let t = |k| crate::i18n::t(lang, k);
    vec![
        (t("votes.rule_once"), r.multi_part_owner_once),
        (t("votes.rule_developer"), r.developer_as_one),
        (t("votes.rule_parking"), r.count_parking),
        (t("votes.rule_silent"), r.silent_follows_majority),
    ]
}

fn vote_id(ui: &Ui, id: &str) -> Result<Uuid, PageError> {
    id.parse::<Uuid>().map_err(|_| ApiError::not_found()).page(ui)
}

async fn vote_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: &str,
    refused: Refused,
    done: String,
) -> Result<Response, PageError> {
    let id = vote_id(&ui, id)?;
    let s = &state.store;
    let v = s.owner_vote_for(&auth.principal, id).await.page(&ui)?;
    let lang = ui.lang;
    let now = state.clock.now();
    let open = v.is_open(now);
    let staff = auth.principal.scope(Permission::RunOwnerVotes).is_ok_and(|sc| sc.covers_path(&v.compound_path));
    let me = auth.principal.person_id.map(|p| p.to_string());
    let (my_parts, mine) = match &me {
        Some(p) if s.is_voter(id, p).await.page(&ui)? => {
            (s.owner_vote_parts_of(id, p).await.page(&ui)?, Some(s.owner_vote_ballots_of(id, p).await.page(&ui)?))
        }
        _ => (vec![], None),
    };
    let is_voter = mine.is_some();
    let cast_for_me = match auth.principal.person_id {
        Some(p) => s.answered_for(id, p).await.page(&ui)?,
        None => vec![],
    };
    let counts = if staff || !open { s.tally_owner_vote(id).await.page(&ui)? } else { vec![] };
    let matters: Vec<MatterView> = v
        .matters
        .iter()
        .map(|(seq, m, ask)| {
            let current = mine.as_ref().and_then(|b| b.iter().find(|b| b.seq == *seq));
            let typed = refused.get("ballot", &format!("m{seq}"));
            MatterView {
                seq: *seq,
                number: m.number(),
                name: m.label(lang.code()),
                ask: ask.clone(),
                rule: threshold_label(lang, m.threshold()),
                mine: current.map(|b| {
                    let label = Choice::parse(&b.choice).map(|c| c.label(lang.code())).unwrap_or("");
                    (b.choice.clone(), label, b.version)
                }),
                typed: if typed.is_empty() { current.map(|b| b.choice.clone()).unwrap_or_default() } else { typed },
                paper: refused.get("paper", &format!("m{seq}")),
                tally: counts.iter().find(|(s, _, _)| s == seq).map(|(_, _, t)| tally_view(lang, t)),
            }
        })
        .collect();
    let all_answered = is_voter && matters.iter().all(|m| m.mine.is_some());
    let any_answered = matters.iter().any(|m| m.mine.is_some());
    let mut images = Vec::new();
    if staff {
        for i in s.vote_images(id).await.page(&ui)?.into_iter().take(30) {
            let kind = if i.kind == "paper" { ui.t("votes.scan") } else { ui.t("votes.proof_photo") };
            images.push((i.id.to_string(), kind, i.first_part.unwrap_or_default(), display(i.created_at)));
        }
    }
    let (turnout, served, example_part) = if staff {
        let rows = s.owner_vote_turnout(id).await.page(&ui)?;
        let bars = rows
            .iter()
            .map(|b| TurnoutBar {
                building: b.building.clone(),
                percent: format!("{:.1}", pct(b.voted_area_centi, b.area_centi)),
                shown: format!(
                    "{}/{} · {:.0}%",
                    thousands(b.voted_parts),
                    thousands(b.parts),
                    pct(b.voted_area_centi, b.area_centi)
                ),
            })
            .collect();
        let served = s.owner_vote_served(id).await.page(&ui)?;
        let first = s.owner_vote_first_part(id).await.page(&ui)?;
        (bars, served, first)
    } else {
        (vec![], (0, 0), String::new())
    };
    let compound = s.territory_by_path_name(&v.compound_path).await.unwrap_or_default();
    let page = VotePage {
        title: v.title.clone(),
        id: id.to_string(),
        compound,
        open,
        announced_at: display(v.announced_at),
        assembly_at: display(v.assembly_at),
        closes_at: display(v.closes_at),
        notice_days: v.notice_days,
        rules: rules_list(lang, &v.rules),
        matters,
        my_parts: my_parts.into_iter().map(|(c, a)| (c, Area(a).to_string())).collect(),
        is_voter,
        cast_for_me,
        all_answered,
        any_answered,
        staff,
        turnout,
        served,
        images,
        example_part,
        hows: Service::ALL.iter().map(|h| (h.as_str(), h.label(lang.code()))).collect(),
        choices: Choice::ALL.iter().map(|c| (c.as_str(), c.label(lang.code()))).collect(),
        refused,
        done,
        working_open: false,
        ui: ui.clone(),
    };
    render(ui, page)
}

#[derive(Deserialize, Default)]
pub struct DoneParams {
    done: Option<String>,
}

/// `/votes/{id}`: the vote for an owner in its electorate and for staff who run it.
pub async fn vote_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(p): Query<DoneParams>,
) -> Result<Response, PageError> {
    let done = match p.done.as_deref() {
        Some("ballot") => ui.t("votes.done_ballot"),
        Some("paper") => ui.t("votes.done_paper"),
        Some("service") => ui.t("votes.done_service"),
        _ => "",
    };
    vote_render(&state, &auth, ui, &id, Refused::default(), done.into()).await
}

/// The answers a ballot form carries: `m{seq}` = `agree` | `oppose` | `abstain` (blank: no
/// answer on that matter), in matter order.
fn answers(v: &OwnerVote, fields: &std::collections::HashMap<String, String>) -> Result<Vec<(i64, Choice)>, ApiError> {
    let mut out = Vec::new();
    for (seq, _, _) in &v.matters {
        let Some(raw) = fields.get(&format!("m{seq}")).map(|s| s.trim()).filter(|s| !s.is_empty()) else {
            continue;
        };
        let c = Choice::parse(raw)
            .ok_or_else(|| ApiError::invalid("choice", "应为同意、反对或弃权 (agree, oppose or abstain)"))?;
        out.push((*seq, c));
    }
    Ok(out)
}

/// Runs a form of the vote page; back to the page with what happened, or the page again with
/// the refusal and what was typed.
async fn vote_action<F, Fut>(
    state: AppState,
    auth: Auth,
    ui: Ui,
    id: String,
    form: &'static str,
    fields: std::collections::HashMap<String, String>,
    f: F,
) -> Result<Response, PageError>
where
    F: FnOnce(AppState, Auth, OwnerVote, std::collections::HashMap<String, String>) -> Fut,
    Fut: std::future::Future<Output = Result<(), ApiError>>,
{
    let vid = vote_id(&ui, &id)?;
    let v = state.store.owner_vote_for(&auth.principal, vid).await.page(&ui)?;
    match f(state.clone(), auth.clone(), v, fields.clone()).await {
        Ok(()) => Ok(crate::redirect::to(&format!("/votes/{vid}?done={form}"))),
        Err(e) => {
            let status = e.status;
            let refused = Refused { form, error: error_text(&e), fields };
            let res = vote_render(&state, &auth, ui, &id, refused, String::new()).await?;
            Ok((status, res).into_response())
        }
    }
}

/// `POST /votes/{id}/ballot`: an owner's own ballot paper (a correction when `correction`).
pub async fn ballot_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(fields): Form<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    vote_action(state, auth, ui, id, "ballot", fields, |state, auth, v, fields| async move {
        let me = auth.principal.person_id.map(|p| p.to_string()).unwrap_or_default();
        let mut answers = answers(&v, &fields)?;
        let correction = fields.contains_key("correction");
        if correction {
            // Only what changed becomes a new version.
            let now = state.store.owner_vote_ballots_of(v.id, &me).await?;
            answers.retain(|(seq, c)| !now.iter().any(|b| b.seq == *seq && b.choice == c.as_str()));
            if answers.is_empty() {
                return Err(ApiError::invalid("choice", "选票没有改动 (nothing was changed)"));
            }
        }
        state
            .store
            .cast_owner_ballots(
                &auth.audit_ctx(),
                &auth.principal,
                v.id,
                &answers,
                BallotFor::Own,
                correction,
                state.clock.now(),
            )
            .await?;
        Ok(())
    })
    .await
}

/// A multipart form's fields, and the image it carries (checked, not yet kept).
async fn fields_and_image(
    m: Multipart,
    ui: &Ui,
) -> Result<(std::collections::HashMap<String, String>, Option<(String, Vec<u8>)>), PageError> {
    let (fields, file) = crate::pages::appeals::read_multipart(m).await.page(ui)?;
    Ok((fields.into_iter().collect(), file))
}

/// The image a form carried, checked, or none.
fn image_of<'a>(file: &'a Option<(String, Vec<u8>)>, field: &str) -> Result<Option<crate::media::Image<'a>>, ApiError> {
    file.as_ref().map(|(ct, bytes)| crate::media::checked_image(field, ct, bytes)).transpose()
}

/// Keeps the image a staff form carried with the voter of the part it names.
async fn keep_image(
    state: &AppState,
    auth: &Auth,
    vote: Uuid,
    part: &str,
    kind: &str,
    img: &crate::media::Image<'_>,
) -> Result<(), ApiError> {
    let voter = state.store.owner_vote_voter_of_part(vote, part).await?;
    crate::media::save(state, "votes", img).await?;
    state
        .store
        .add_vote_image(
            &auth.audit_ctx(),
            &auth.principal,
            vote,
            &voter,
            kind,
            (img.id, img.content_type, img.size, &img.sha256),
            state.clock.now(),
        )
        .await?;
    Ok(())
}

/// `POST /votes/{id}/paper`: a paper ballot entered by staff, found by the part it names, with
/// its scan kept when one is attached (checked before anything is written).
pub async fn paper_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    m: Multipart,
) -> Result<Response, PageError> {
    let (fields, file) = fields_and_image(m, &ui).await?;
    vote_action(state, auth, ui, id, "paper", fields, |state, auth, v, fields| async move {
        auth.require(Permission::RunOwnerVotes)?;
        let part = fields.get("part").cloned().unwrap_or_default();
        let answers = answers(&v, &fields)?;
        let correction = fields.contains_key("correction");
        let img = image_of(&file, "scan")?;
        state
            .store
            .cast_owner_ballots(
                &auth.audit_ctx(),
                &auth.principal,
                v.id,
                &answers,
                BallotFor::Part(&part),
                correction,
                state.clock.now(),
            )
            .await?;
        if let Some(img) = &img {
            keep_image(&state, &auth, v.id, &part, "paper", img).await?;
        }
        Ok(())
    })
    .await
}

/// `POST /votes/{id}/service`: how the owner of a part was served the ballot, with a photo of
/// the proof when one is attached.
pub async fn service_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    m: Multipart,
) -> Result<Response, PageError> {
    let (fields, file) = fields_and_image(m, &ui).await?;
    vote_action(state, auth, ui, id, "service", fields, |state, auth, v, fields| async move {
        auth.require(Permission::RunOwnerVotes)?;
        let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
        let voter = state.store.owner_vote_voter_of_part(v.id, &get("part")).await?;
        let how =
            Service::parse(get("how").trim()).ok_or_else(|| ApiError::invalid("how", "请选择送达方式 (choose how)"))?;
        let served_at = local_time("served_at", &get("served_at"))?;
        let img = image_of(&file, "proof_photo")?;
        state
            .store
            .record_vote_service(
                &auth.audit_ctx(),
                &auth.principal,
                v.id,
                &voter,
                how,
                served_at,
                &get("proof"),
                state.clock.now(),
            )
            .await?;
        if let Some(img) = &img {
            keep_image(&state, &auth, v.id, &get("part"), "service", img).await?;
        }
        Ok(())
    })
    .await
}

/// `/votes/{id}/images/{image}`: a kept scan or proof photo, to staff who run the vote.
pub async fn vote_image(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path((id, image)): Path<(String, String)>,
) -> Result<Response, PageError> {
    crate::api::vote_image_file(&state, &auth, &id, &image).await.page(&ui)
}

#[derive(Template)]
#[template(path = "vote_notice.html")]
struct NoticePage {
    ui: Ui,
    title: String,
    compound: String,
    open: bool,
    announced_at: String,
    assembly_at: String,
    closes_at: String,
    notice_days: i64,
    rules: Vec<(&'static str, bool)>,
    matters: Vec<MatterView>,
    working_open: bool,
}

/// `/votes/{id}/notice`: the public notice of a vote, without sign-in, printable: what is
/// asked, when, and by which rules; once closed, the result of every matter with all its
/// numbers and the rule that applied. No owner is named.
pub async fn vote_notice(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> Result<Response, PageError> {
    let id = vote_id(&ui, &id)?;
    let s = &state.store;
    let v = s.owner_vote(id).await.page(&ui)?;
    let lang = ui.lang;
    let open = v.is_open(state.clock.now());
    let counts = if open { vec![] } else { s.tally_owner_vote(id).await.page(&ui)? };
    let matters = v
        .matters
        .iter()
        .map(|(seq, m, ask)| MatterView {
            seq: *seq,
            number: m.number(),
            name: m.label(lang.code()),
            ask: ask.clone(),
            rule: threshold_label(lang, m.threshold()),
            mine: None,
            typed: String::new(),
            paper: String::new(),
            tally: counts.iter().find(|(s, _, _)| s == seq).map(|(_, _, t)| tally_view(lang, t)),
        })
        .collect();
    let page = NoticePage {
        title: v.title.clone(),
        compound: s.territory_by_path_name(&v.compound_path).await.unwrap_or_default(),
        open,
        announced_at: display(v.announced_at),
        assembly_at: display(v.assembly_at),
        closes_at: display(v.closes_at),
        notice_days: v.notice_days,
        rules: rules_list(lang, &v.rules),
        matters,
        working_open: true,
        ui: ui.clone(),
    };
    render(ui, page)
}
