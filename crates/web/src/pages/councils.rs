//! Councils on pages (民事民议、民事民办、民事民决): the councils one sees with their open
//! and overdue topics, a council with its members, topics and meetings, a topic with its
//! outcomes and progress, and a meeting's minutes (printable). Residents see the councils over
//! their home on the same pages, read-only, with residents' names masked. A refused form comes
//! back with the reason and everything typed.

use super::*;
use crate::api::{card_view, meeting_photo_file, save_meeting_photo, staff_over, TopicCardView};
use crate::auth::Auth;
use crate::pages::appeals::error_text;
use crate::state::AppState;
use axum::extract::{Form, Multipart, State};
use jiayuan_domain::access::Permission;
use jiayuan_domain::council::{CouncilKind, Seat, TopicKind, TopicStatus};
use jiayuan_domain::time::display;
use jiayuan_store::councils::{
    runs_council, Council, CouncilListing, Meeting, NewCouncil, NewMeeting, NewMember, NewOutcome, NewTopic, Topic,
};
use std::collections::HashMap;
use uuid::Uuid;

/// What a refused form sent back: which form, the reason, the fields, and the ticked boxes.
#[derive(Default)]
struct Typed {
    form: &'static str,
    error: String,
    fields: HashMap<String, String>,
    ticked: Vec<String>,
}

impl Typed {
    fn of(form: &'static str, e: &ApiError, pairs: &[(String, String)]) -> Self {
        Typed {
            form,
            error: error_text(e),
            fields: pairs.iter().cloned().collect(),
            ticked: pairs.iter().filter(|(k, _)| k == "attendees" || k == "topics").map(|(_, v)| v.clone()).collect(),
        }
    }

    fn get(&self, form: &str, key: &str) -> String {
        if self.form == form {
            self.fields.get(key).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }

    fn ticked(&self, form: &str, id: &Uuid) -> bool {
        self.form == form && self.ticked.iter().any(|t| t == &id.to_string())
    }
}

fn get(pairs: &[(String, String)], key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
}

fn ids(pairs: &[(String, String)], key: &str) -> Result<Vec<Uuid>, ApiError> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.trim().parse::<Uuid>().map_err(|_| ApiError::invalid(key, "无效的选项 (not a valid choice)")))
        .collect()
}

/// A topic in a list as the pages show it: the status in the page's language.
fn card(c: &jiayuan_store::councils::TopicCard, now: chrono::DateTime<chrono::Utc>, lang: &str) -> TopicCardView {
    TopicCardView { status_name: c.status.label(lang).into(), ..card_view(c, now) }
}

fn uuid_of(ui: &Ui, id: &str) -> Result<Uuid, PageError> {
    id.trim().parse::<Uuid>().map_err(|_| ApiError::not_found()).page(ui)
}

#[derive(Template)]
#[template(path = "councils.html")]
struct CouncilsPage {
    ui: Ui,
    title: String,
    councils: Vec<CouncilListing>,
    kinds: Vec<(&'static str, &'static str)>,
    overdue: Vec<TopicCardView>,
    recent: Vec<TopicCardView>,
    can_create: bool,
    typed: Typed,
}

async fn councils_render(state: &AppState, auth: &Auth, ui: Ui, typed: Typed) -> Result<Response, PageError> {
    let (who, now, lang) = (&auth.principal, state.clock.now(), ui.lang.code());
    let councils = state.store.councils_visible(who, None).await.page(&ui)?;
    let overdue = state.store.overdue_outcomes(who, now, 20).await.page(&ui)?;
    let recent = state.store.topics_visible(who, None, None, 20).await.page(&ui)?;
    let page = CouncilsPage {
        title: ui.t("councils.title").into(),
        councils,
        kinds: CouncilKind::ALL.iter().map(|k| (k.as_str(), k.label(lang))).collect(),
        overdue: overdue.iter().map(|c| card(c, now, lang)).collect(),
        recent: recent.iter().map(|c| card(c, now, lang)).collect(),
        can_create: who.can(Permission::RunCouncils),
        typed,
        ui: ui.clone(),
    };
    render(ui, page)
}

/// `/councils`: the councils one sees, the overdue outcomes and the latest topics.
pub async fn councils_page(auth: Auth, State(state): State<AppState>, ui: Ui) -> Result<Response, PageError> {
    councils_render(&state, &auth, ui, Typed::default()).await
}

/// `POST /councils`: sets up a council and opens it.
pub async fn create_council_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let r = async {
        let kind = CouncilKind::parse_field(&get(&pairs, "kind"), "kind")
            .map_err(|e| ApiError::invalid(&e.field, e.message))?;
        let new = NewCouncil { node: get(&pairs, "node"), kind, name: get(&pairs, "name") };
        Ok::<_, ApiError>(
            state.store.create_council(&auth.audit_ctx(), &auth.principal, &new, state.clock.now()).await?,
        )
    }
    .await;
    match r {
        Ok(c) => Ok(crate::redirect::to(&format!("/councils/{}", c.id))),
        Err(e) => {
            let status = e.status;
            Ok((status, councils_render(&state, &auth, ui, Typed::of("create", &e, &pairs)).await?).into_response())
        }
    }
}

struct MemberRow {
    id: Uuid,
    name: String,
    seat: &'static str,
    term: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "council.html")]
struct CouncilPage {
    ui: Ui,
    title: String,
    c: Council,
    members: Vec<MemberRow>,
    topics: Vec<TopicCardView>,
    meetings: Vec<(Uuid, String, String, i64)>,
    open_topics: Vec<(Uuid, String)>,
    seats: Vec<(&'static str, &'static str)>,
    topic_kinds: Vec<(&'static str, &'static str)>,
    kind: &'static str,
    runs: bool,
    is_member: bool,
    now_local: String,
    today: String,
    typed: Typed,
    done: String,
}

async fn council_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: &str,
    typed: Typed,
    done: String,
) -> Result<Response, PageError> {
    let id = uuid_of(&ui, id)?;
    let (who, now, lang) = (&auth.principal, state.clock.now(), ui.lang.code());
    let c = state.store.council_for(who, id).await.page(&ui)?;
    let staff = staff_over(who, &c.node_path);
    let today = jiayuan_domain::time::beijing(now).date();
    let topics = state.store.topics_visible(who, Some(c.id), None, 500).await.page(&ui)?;
    let meetings = state
        .store
        .meetings_of(c.id, 100)
        .await
        .page(&ui)?
        .into_iter()
        .map(|(id, at, place, n)| (id, display(at), place, n))
        .collect();
    let page = CouncilPage {
        title: c.name.clone(),
        members: c
            .members
            .iter()
            .map(|m| MemberRow {
                id: m.id,
                name: if staff { m.name.clone() } else { m.public_name() },
                seat: m.seat.label(lang),
                term: format!("{} – {}", m.term_from, m.term_to),
                current: m.serves_on(today),
            })
            .collect(),
        open_topics: topics.iter().filter(|t| t.status.is_open()).map(|t| (t.id, t.title.clone())).collect(),
        topics: topics.iter().map(|t| card(t, now, lang)).collect(),
        meetings,
        seats: Seat::ALL.iter().map(|s| (s.as_str(), s.label(lang))).collect(),
        topic_kinds: TopicKind::ALL.iter().map(|k| (k.as_str(), k.label(lang))).collect(),
        kind: c.kind.label(lang),
        runs: runs_council(who, &c.node_path),
        is_member: c.members.iter().any(|m| who.user_id.is_some() && m.user_id == who.user_id && m.serves_on(today)),
        now_local: jiayuan_domain::time::beijing(now).format("%Y-%m-%dT%H:%M").to_string(),
        today: today.to_string(),
        typed,
        done,
        c,
        ui: ui.clone(),
    };
    render(ui, page)
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

fn done_text(ui: &Ui, q: &Done) -> String {
    if q.done.is_some() {
        ui.t("councils.saved").to_string()
    } else {
        String::new()
    }
}

/// `/councils/{id}`: a council with its members, topics and meetings.
pub async fn council_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let done = done_text(&ui, &q);
    council_render(&state, &auth, ui, &id, Typed::default(), done).await
}

/// `POST /councils/{id}/{step}`: `members`, `topics` or `meetings` from the council's page.
pub async fn council_step_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path((id, step)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let step: &'static str = match step.as_str() {
        "members" => "members",
        "topics" => "topics",
        "meetings" => "meetings",
        _ => return Err(ApiError::not_found()).page(&ui),
    };
    let cid = uuid_of(&ui, &id)?;
    let (s, who, ctx, now) = (&state.store, &auth.principal, auth.audit_ctx(), state.clock.now());
    let g = |k: &str| get(&pairs, k);
    let r: Result<String, ApiError> = async {
        match step {
            "members" => {
                let seat = Seat::parse_field(&g("seat"), "seat").map_err(|e| ApiError::invalid(&e.field, e.message))?;
                let m = NewMember {
                    name: g("name"),
                    seat,
                    username: Some(g("username")),
                    term_from: crate::api::day("term_from", &g("term_from"))?,
                    term_to: crate::api::day("term_to", &g("term_to"))?,
                };
                s.add_council_member(&ctx, who, cid, &m, now).await?;
                Ok(format!("/councils/{cid}?done=members"))
            }
            "topics" => {
                let kind =
                    TopicKind::parse_field(&g("kind"), "kind").map_err(|e| ApiError::invalid(&e.field, e.message))?;
                let raised_by = match g("raised_by").trim() {
                    "" => None,
                    v => Some(
                        v.parse::<Uuid>().map_err(|_| ApiError::invalid("raised_by", "无效的成员 (not a member)"))?,
                    ),
                };
                let t = NewTopic { kind, title: g("title"), body: g("body"), raised_by };
                let t = s.raise_topic(&ctx, who, cid, &t, now).await?;
                Ok(format!("/topics/{}?done=raised", t.id))
            }
            _ => {
                let guests = match g("guests").trim() {
                    "" => 0,
                    v => v.parse::<i64>().map_err(|_| ApiError::invalid("guests", "应为整数 (a whole number)"))?,
                };
                let m = NewMeeting {
                    held_at: crate::pages::votes::local_time("held_at", &g("held_at"))?,
                    place: g("place"),
                    agenda: g("agenda"),
                    minutes: g("minutes"),
                    attendees: ids(&pairs, "attendees")?,
                    guests,
                    topics: ids(&pairs, "topics")?,
                };
                let m = s.record_meeting(&ctx, who, cid, &m, now).await?;
                Ok(format!("/council-meetings/{}?done=recorded", m.id))
            }
        }
    }
    .await;
    match r {
        Ok(to) => Ok(crate::redirect::to(&to)),
        Err(e) => {
            let status = e.status;
            let res = council_render(&state, &auth, ui, &id, Typed::of(step, &e, &pairs), String::new()).await?;
            Ok((status, res).into_response())
        }
    }
}

struct OutcomeRow {
    id: Uuid,
    decision: String,
    carrier: String,
    due: String,
    done_at: Option<String>,
    overdue: bool,
    late: bool,
    progress: Vec<(String, String, String, bool)>,
}

#[derive(Template)]
#[template(path = "topic.html")]
struct TopicPage {
    ui: Ui,
    title: String,
    t: Topic,
    staff: bool,
    runs: bool,
    status: &'static str,
    status_tone: &'static str,
    kind: &'static str,
    raised_by: String,
    raised_at: String,
    body: String,
    meetings: Vec<(Uuid, String)>,
    outcomes: Vec<OutcomeRow>,
    is_open: bool,
    typed: Typed,
    done: String,
}

async fn topic_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: &str,
    typed: Typed,
    done: String,
) -> Result<Response, PageError> {
    let id = uuid_of(&ui, id)?;
    let (who, now, lang) = (&auth.principal, state.clock.now(), ui.lang.code());
    let t = state.store.topic_for(who, id).await.page(&ui)?;
    let staff = staff_over(who, &t.node_path);
    let page = TopicPage {
        title: t.title.clone(),
        staff,
        runs: runs_council(who, &t.node_path),
        status: t.status.label(lang),
        status_tone: match t.status {
            TopicStatus::Done => "done",
            TopicStatus::Dropped => "",
            _ if t.overdue(now) => "late",
            _ => "near",
        },
        kind: t.kind.label(lang),
        raised_by: t
            .raised_by
            .as_ref()
            .map(|m| format!("{}（{}）", if staff { m.name.clone() } else { m.public_name() }, m.seat.label(lang)))
            .unwrap_or_default(),
        raised_at: display(t.created_at),
        body: if staff || t.appeal.is_none() { t.body.clone() } else { String::new() },
        meetings: t.meetings.iter().map(|(id, at)| (*id, display(*at))).collect(),
        outcomes: t
            .outcomes
            .iter()
            .map(|o| OutcomeRow {
                id: o.id,
                decision: o.decision.clone(),
                carrier: o.carrier.clone(),
                due: display(o.due_at),
                done_at: o.done_at.map(display),
                overdue: o.overdue(now),
                late: o.late(),
                progress: o
                    .progress
                    .iter()
                    .map(|p| (display(p.at), p.note.clone(), p.actor_name.clone(), p.done))
                    .collect(),
            })
            .collect(),
        is_open: t.status.is_open(),
        typed,
        done,
        t,
        ui: ui.clone(),
    };
    render(ui, page)
}

/// `/topics/{id}`: a topic, where it came from, its meetings, outcomes and progress.
pub async fn topic_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let done = done_text(&ui, &q);
    topic_render(&state, &auth, ui, &id, Typed::default(), done).await
}

/// `POST /topics/{id}/{step}`: `outcome`, `progress` or `drop` from the topic's page.
pub async fn topic_step_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path((id, step)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let step: &'static str = match step.as_str() {
        "outcome" => "outcome",
        "progress" => "progress",
        "drop" => "drop",
        _ => return Err(ApiError::not_found()).page(&ui),
    };
    let tid = uuid_of(&ui, &id)?;
    let (s, who, ctx, now) = (&state.store, &auth.principal, auth.audit_ctx(), state.clock.now());
    let g = |k: &str| get(&pairs, k);
    let r: Result<(), ApiError> = async {
        match step {
            "outcome" => {
                let meeting = match g("meeting").trim() {
                    "" => None,
                    v => Some(
                        v.parse::<Uuid>().map_err(|_| ApiError::invalid("meeting", "无效的会议 (not a meeting)"))?,
                    ),
                };
                let due = g("due_workdays")
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| ApiError::invalid("due_workdays", "应为1到250个工作日 (1–250 working days)"))?;
                let o = NewOutcome { meeting, decision: g("decision"), carrier: Some(g("carrier")), due_workdays: due };
                s.decide_outcome(&ctx, who, tid, &o, now).await?;
            }
            "progress" => {
                let outcome = g("outcome")
                    .trim()
                    .parse::<Uuid>()
                    .map_err(|_| ApiError::invalid("outcome", "无效的事项 (not an outcome)"))?;
                let t = s.topic_for(who, tid).await?;
                if !t.outcomes.iter().any(|o| o.id == outcome) {
                    return Err(ApiError::invalid("outcome", "不是本议题的事项 (not this topic's outcome)"));
                }
                s.record_progress(&ctx, who, outcome, &g("note"), g("done") == "1", now).await?;
            }
            _ => {
                s.drop_topic(&ctx, who, tid, &g("reason"), now).await?;
            }
        }
        Ok(())
    }
    .await;
    match r {
        Ok(()) => Ok(crate::redirect::to(&format!("/topics/{tid}?done={step}"))),
        Err(e) => {
            let status = e.status;
            let res = topic_render(&state, &auth, ui, &id, Typed::of(step, &e, &pairs), String::new()).await?;
            Ok((status, res).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingPage {
    ui: Ui,
    title: String,
    m: Meeting,
    held_at: String,
    attendees: Vec<(String, &'static str)>,
    runs: bool,
    error: String,
    done: String,
}

async fn meeting_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: &str,
    error: String,
    done: String,
) -> Result<Response, PageError> {
    let id = uuid_of(&ui, id)?;
    let (who, lang) = (&auth.principal, ui.lang.code());
    let m = state.store.meeting_for(who, id).await.page(&ui)?;
    let staff = staff_over(who, &m.node_path);
    let page = MeetingPage {
        title: format!("{} · {}", m.council_name, display(m.held_at)),
        held_at: display(m.held_at),
        attendees: m
            .attendees
            .iter()
            .map(|a| (if staff { a.name.clone() } else { a.public_name() }, a.seat.label(lang)))
            .collect(),
        runs: runs_council(who, &m.node_path),
        error,
        done,
        m,
        ui: ui.clone(),
    };
    render(ui, page)
}

/// `/council-meetings/{id}`: the minutes of a meeting, printable, with its photos.
pub async fn meeting_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let done = done_text(&ui, &q);
    meeting_render(&state, &auth, ui, &id, String::new(), done).await
}

/// `POST /council-meetings/{id}/photos`: a photo of the meeting (multipart, `photo`).
pub async fn meeting_photo_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    m: Multipart,
) -> Result<Response, PageError> {
    let mid = uuid_of(&ui, &id)?;
    let r = async {
        let (_, file) = crate::pages::appeals::read_multipart(m).await?;
        let Some((ct, bytes)) = file else {
            return Err(ApiError::invalid("photo", "请选择照片 (choose a photo)"));
        };
        save_meeting_photo(&state, &auth, mid, &ct, &bytes).await
    }
    .await;
    match r {
        Ok(_) => Ok(crate::redirect::to(&format!("/council-meetings/{mid}?done=photo"))),
        Err(e) => {
            let status = e.status;
            Ok((status, meeting_render(&state, &auth, ui, &id, error_text(&e), String::new()).await?).into_response())
        }
    }
}

/// `/council-meetings/{id}/photos/{photo}`: a meeting's photo, to those who see the council.
pub async fn meeting_photo(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (mid, pid) = (uuid_of(&ui, &id)?, uuid_of(&ui, &photo)?);
    meeting_photo_file(&state, &auth.principal, mid, pid).await.page(&ui)
}
