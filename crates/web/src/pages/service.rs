//! The service pages: the desk (`/service`: tickets by deadline, consultations, open
//! follow-ups; a resident's own tickets and bookings), a new ticket with its checklist, the
//! ticket with its steps, hand-off, printable one-time notice, rating and follow-up; the
//! public catalogue and service points (hours, open now, roster, subscribe); the roster and
//! hours editor; booking on a phone and the day's bookings; the statistics with charts.

use super::*;
use crate::auth::Auth;
use crate::pages::appeals::error_text;
use crate::state::AppState;
use axum::extract::{Form, State};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::service::{
    AppointmentStatus, CatalogueKind, Channel, FollowUpStep, Opening, Place, PointHours, Rating, TicketStatus,
    TicketStep, Windows,
};
use jiayuan_domain::time::{beijing, display};
use jiayuan_store::access::Principal;
use jiayuan_store::service::{
    at_beijing, manages_point, offered_by, serves_at, ItemFilter, ItemSave, NewBooking, NewConsultation, NewRating,
    NewShift, NewTicket, PointState, RatingRow, RatingTarget, ServicePoint, Ticket, TicketCard, TicketFilter,
    TicketStepInput,
};
use uuid::Uuid;

/// A form as sent: its fields in order.
pub(crate) type Pairs = Vec<(String, String)>;

/// What a refused form had in it, for the templates to put back.
#[derive(Default)]
pub struct Typed(Pairs);

impl Typed {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Typed(pairs)
    }

    /// The value typed for `k` (the first), or "".
    pub fn get(&self, k: &str) -> &str {
        get(&self.0, k)
    }

    /// Whether `k` was sent with the value `v` (a ticked box, a chosen option).
    pub fn has(&self, k: &str, v: &str) -> bool {
        self.0.iter().any(|(n, x)| n == k && x == v)
    }

    /// Whether `k` was sent at all.
    pub fn any(&self, k: &str) -> bool {
        self.0.iter().any(|(n, _)| n == k)
    }

    /// The value typed for `k`, or `default` when the form was not sent.
    pub fn or(&self, k: &str, default: &str) -> String {
        if self.any(k) {
            self.get(k).to_string()
        } else {
            default.to_string()
        }
    }
}

/// The value of a form field (the first), or "".
pub(crate) fn get<'a>(pairs: &'a Pairs, k: &str) -> &'a str {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("")
}

fn all_of(pairs: &Pairs, k: &str) -> Vec<String> {
    pairs.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect()
}

/// A ticket row on a list.
pub struct TicketRow {
    pub id: Uuid,
    pub number: i64,
    pub item: String,
    pub applicant: String,
    pub point: String,
    pub status: String,
    pub tone: &'static str,
    pub due: String,
    pub overdue: bool,
    pub warned: bool,
    pub handler: String,
    pub outside: bool,
}

fn tone(s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::Completed => "done",
        TicketStatus::Refused => "stop",
        TicketStatus::AwaitingMaterials => "near",
        _ => "open",
    }
}

fn ticket_row(ui: &Ui, c: &TicketCard, now: DateTime<Utc>) -> TicketRow {
    TicketRow {
        id: c.id,
        number: c.number,
        item: c.item_name.clone(),
        applicant: c.applicant_name.clone(),
        point: c.point_name.clone(),
        status: c.status.label(ui.lang.code()).into(),
        tone: tone(c.status),
        due: match (c.status.is_open(), c.due_at, c.closed_at) {
            (true, Some(d), _) => jiayuan_domain::time::countdown(now, d, ui.lang.code()),
            (true, None, _) => ui.t("svc.clock_stopped").into(),
            (false, _, Some(c)) => display(c),
            _ => String::new(),
        },
        overdue: c.overdue(now),
        warned: c.warning(now),
        handler: c.handler_name.clone(),
        outside: c.outside_hours,
    }
}

/// The point a form names (its territory code); a refusal names `point`.
async fn point_of_form(state: &AppState, pairs: &Pairs) -> Result<ServicePoint, ApiError> {
    state
        .store
        .service_point_by_code(get(pairs, "point"))
        .await
        .map_err(|_| ApiError::invalid("point", "请选择服务点 (choose a point)"))
}

/// The points where `who` serves the desk.
async fn desk_points(state: &AppState, who: &Principal) -> Result<Vec<ServicePoint>, ApiError> {
    Ok(state.store.service_points(None).await?.into_iter().filter(|p| serves_at(who, &p.path)).collect())
}

fn opening_text(ui: &Ui, s: &PointState) -> (String, &'static str) {
    if let Some(p) = &s.problem {
        return (p.clone(), "stop");
    }
    match (s.state.now, s.state.next) {
        (Some((o, until)), _) => (
            format!("{} · {} {}", o.label(ui.lang.code()), ui.t("svc.until"), until.format("%H:%M")),
            if o == Opening::Regular { "done" } else { "open" },
        ),
        (None, Some((at, o))) => (
            format!(
                "{} · {} {} {}",
                ui.t("svc.closed"),
                ui.t("svc.next_open"),
                at.format("%m-%d %H:%M"),
                o.label(ui.lang.code())
            ),
            "stop",
        ),
        (None, None) => (ui.t("svc.closed").into(), "stop"),
    }
}

// ---------------------------------------------------------------------------------------
// The desk

#[derive(Template)]
#[template(path = "service_desk.html")]
struct DeskPage {
    ui: Ui,
    title: String,
    staff: bool,
    tabs: Vec<(&'static str, &'static str, bool)>,
    rows: Vec<TicketRow>,
    pager: String,
    points: Vec<(String, String)>,
    channels: Vec<(&'static str, &'static str)>,
    consultations: Vec<ConsultRow>,
    /// The rating levels, for rating a consultation: (code, label).
    levels: Vec<(&'static str, &'static str)>,
    follow_ups: Vec<FollowRow>,
    bookings: Vec<(Uuid, String, String, String, String, bool)>,
    typed: Typed,
    error: Option<String>,
    done: Option<&'static str>,
}

/// A bad rating still being followed up, on the desk. A ticket's is followed up on the
/// ticket's page; a consultation has no page, so its next step is a form right here.
struct FollowRow {
    subject: String,
    /// The ticket's page, for a ticket's rating.
    href: Option<String>,
    /// The consultation's id, for a consultation's rating.
    consultation: Option<String>,
    level: String,
    comment: String,
    overdue: bool,
    due: String,
    /// The steps done, in words.
    done: String,
    /// The next step: (code, label).
    next: Option<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
pub struct DeskQuery {
    tab: Option<String>,
    page: Option<String>,
    done: Option<String>,
}

async fn desk_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    q: &DeskQuery,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let who = &auth.principal;
    let staff = who.can(Permission::ServeDesk);
    if !staff && who.person_id.is_none() {
        return Err(ApiError::forbidden(Permission::ServeDesk)).page(&ui);
    }
    let now = state.clock.now();
    let tab = q
        .tab
        .clone()
        .filter(|t| ["mine", "open", "overdue", "closed"].contains(&t.as_str()))
        .unwrap_or_else(|| if staff { "mine" } else { "open" }.into());
    let f = TicketFilter {
        mine: staff && tab == "mine",
        open: tab == "mine" || tab == "open",
        status: (tab == "closed").then_some(TicketStatus::Completed),
        overdue_at: (tab == "overdue").then_some(now),
        ..Default::default()
    };
    let lp = ListParams { page: q.page.clone(), ..Default::default() };
    let page = lp.page().page(&ui)?;
    let list = state.store.tickets(who, &f, page).await.page(&ui)?;
    let pager = pager(&ui, list.page, list.page_size, list.total);
    let rows = list.items.iter().map(|c| ticket_row(&ui, c, now)).collect();
    let lang = ui.lang.code();
    let (points, consultations, follow_ups) = if staff {
        let points = desk_points(state, who).await.page(&ui)?.into_iter().map(|p| (p.code, p.name)).collect();
        let cs = state.store.consultations(who, None, 10).await.page(&ui)?;
        let consultations = cs
            .into_iter()
            .map(|c| ConsultRow {
                id: c.id.to_string(),
                at: display(c.at),
                point: c.point_name,
                topic: c.topic,
                person: c.person_name,
                outside: c.outside_hours,
                rating: c.rating.map(|r| (r.label(lang).to_string(), r.is_bad())),
            })
            .collect();
        let ratings = state.store.open_follow_ups(who, 50).await.page(&ui)?;
        let follow_ups = ratings
            .iter()
            .map(|r| FollowRow {
                subject: r.subject.clone(),
                href: r.ticket_id.map(|t| format!("/service/tickets/{t}")),
                consultation: r.consultation_id.filter(|_| r.ticket_id.is_none()).map(|c| c.to_string()),
                level: r.level.label(lang).to_string(),
                comment: r.comment.clone(),
                overdue: r.follow_up_overdue(now),
                due: r.follow_up_due.map(display).unwrap_or_default(),
                done: r.steps.iter().map(|(s, ..)| s.label(lang)).collect::<Vec<_>>().join(" → "),
                next: r.next_step().map(|s| (s.as_str(), s.label(lang))),
            })
            .collect();
        (points, consultations, follow_ups)
    } else {
        (vec![], vec![], vec![])
    };
    let bookings = state
        .store
        .my_bookings(who)
        .await
        .page(&ui)?
        .into_iter()
        .map(|b| {
            let cancellable = b.status == AppointmentStatus::Booked && b.starts_at > now;
            (b.id, display(b.starts_at), b.point_name, b.item_name, b.status.label(lang).to_string(), cancellable)
        })
        .collect();
    let tabs = if staff {
        vec![
            ("mine", ui.t("svc.tab_mine"), tab == "mine"),
            ("open", ui.t("svc.tab_open"), tab == "open"),
            ("overdue", ui.t("svc.tab_overdue"), tab == "overdue"),
            ("closed", ui.t("svc.tab_closed"), tab == "closed"),
        ]
    } else {
        vec![("open", ui.t("svc.tab_open"), tab == "open"), ("closed", ui.t("svc.tab_closed"), tab == "closed")]
    };
    let done = match q.done.as_deref() {
        Some("consulted") => Some("svc.consulted"),
        Some("booked") => Some("svc.booked"),
        Some("cancelled") => Some("svc.booking_cancelled"),
        Some("rated") => Some("svc.rated"),
        Some("followed") => Some("svc.followed"),
        _ => None,
    };
    let page = DeskPage {
        title: ui.t(if staff { "svc.desk" } else { "svc.my_service" }).into(),
        staff,
        tabs,
        rows,
        pager,
        points,
        channels: Channel::ALL.iter().map(|c| (c.as_str(), c.label(lang))).collect(),
        consultations,
        levels: Rating::ALL.iter().map(|r| (r.as_str(), r.label(lang))).collect(),
        follow_ups,
        bookings,
        typed: Typed(typed),
        error,
        done,
        ui: ui.clone(),
    };
    render(ui, page)
}

/// `/service`: the desk for staff, one's own tickets and bookings for a resident.
pub async fn svc_desk_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<DeskQuery>,
) -> Result<Response, PageError> {
    desk_render(&state, &auth, ui, &q, vec![], None).await
}

/// A consultation on the desk, with its rating once given.
struct ConsultRow {
    id: String,
    at: String,
    point: String,
    topic: String,
    person: String,
    outside: bool,
    /// (level, bad)
    rating: Option<(String, bool)>,
}

/// Where a desk form goes: on to the desk saying what was done, or back to it with the
/// error and everything typed.
async fn back_to_desk(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    pairs: Pairs,
    result: Result<(), ApiError>,
    done: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(crate::redirect::to(&format!("/service?done={done}"))),
        Err(e) => {
            let page = desk_render(state, auth, ui, &DeskQuery::default(), pairs, Some(error_text(&e))).await?;
            Ok((e.status, page).into_response())
        }
    }
}

/// `POST /service/consultations/{id}/rate`: the asker's rating of a consultation, given at
/// the desk (一事一评); a refusal keeps the choice and the words.
pub async fn svc_rate_consultation_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let result = async {
        let level = Rating::parse_field(get(&pairs, "level"), "level")?;
        let r = NewRating { target: RatingTarget::Consultation(id), level, comment: get(&pairs, "comment").into() };
        state.store.rate_service(&auth.audit_ctx(), &auth.principal, &r, state.clock.now()).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    back_to_desk(&state, &auth, ui, pairs, result, "rated").await
}

/// `POST /service/consultations/{id}/follow-up`: the next follow-up step of a consultation's
/// bad rating; a refusal keeps the note typed.
pub async fn svc_consultation_follow_up_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let result = async {
        let r = state.store.rating_of(RatingTarget::Consultation(id)).await?.ok_or_else(ApiError::not_found)?;
        let step = FollowUpStep::parse_field(get(&pairs, "step"), "step")?;
        let now = state.clock.now();
        state.store.follow_up(&auth.audit_ctx(), &auth.principal, r.id, step, get(&pairs, "note"), now).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    back_to_desk(&state, &auth, ui, pairs, result, "followed").await
}

/// `POST /service/consultations`: logs a consultation; a refusal keeps what was typed.
pub async fn svc_consultation_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let result = async {
        let point = point_of_form(&state, &pairs).await?;
        let channel = Channel::parse_field(get(&pairs, "channel"), "channel")?;
        let c = NewConsultation {
            point: point.id,
            channel,
            topic: get(&pairs, "topic").into(),
            answer: get(&pairs, "answer").into(),
            person_id: None,
            person_name: get(&pairs, "person_name").into(),
        };
        state.store.log_consultation(&auth.audit_ctx(), &auth.principal, &c, state.clock.now()).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    back_to_desk(&state, &auth, ui, pairs, result, "consulted").await
}

// ---------------------------------------------------------------------------------------
// A new ticket

#[derive(Template)]
#[template(path = "service_ticket_new.html")]
struct NewTicketPage {
    ui: Ui,
    title: String,
    points: Vec<(String, String, bool)>,
    /// (category, [(code, name, chosen)])
    items: Vec<ItemGroup>,
    chosen: Option<ChosenItem>,
    channels: Vec<(&'static str, &'static str, bool)>,
    /// What was searched for among the registered residents, and who was found:
    /// (person id, name with masked ID number, chosen).
    who: String,
    residents: Vec<(String, String, bool)>,
    typed: Typed,
    error: Option<String>,
}

/// A category's items on the picker: (category, [(code, name, chosen)]).
type ItemGroup = (String, Vec<(String, String, bool)>);

struct ChosenItem {
    point: String,
    code: String,
    name: String,
    limit: u32,
    department: String,
    /// (name, form and copies, sample, ticked)
    materials: Vec<(String, String, String, bool)>,
}

#[derive(Deserialize, Default)]
pub struct NewTicketQuery {
    point: Option<String>,
    item: Option<String>,
    /// A registered resident to receive for: a name, pinyin initials or a whole ID number.
    who: Option<String>,
}

/// Registered residents matching a search, for the applicant picker (at most eight, ID
/// numbers masked); nothing when the person at the desk may not see residents.
pub(crate) async fn residents_matching(
    state: &AppState,
    who: &Principal,
    search: &str,
    chosen: &str,
) -> Result<Vec<(String, String, bool)>, ApiError> {
    let search = search.trim();
    let Ok(scope) = who.scope(Permission::ViewPeople) else { return Ok(vec![]) };
    if search.is_empty() {
        return Ok(vec![]);
    }
    let q = jiayuan_store::people::PeopleQuery { q: Some(search.to_string()), ..Default::default() };
    let found = state.store.list_people(&scope, &q, jiayuan_store::model::Page { page: 1, page_size: 8 }).await?;
    Ok(found
        .items
        .into_iter()
        .map(|p| {
            let id = p.id.to_string();
            let on = id == chosen;
            (id, format!("{} · {}", p.name, jiayuan_domain::resident_id::mask_id_str(&p.id_number)), on)
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn new_ticket_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    point: &str,
    item: &str,
    who: &str,
    typed: Option<Pairs>,
    error: Option<String>,
) -> Result<Response, PageError> {
    auth.require(Permission::ServeDesk).page(&ui)?;
    let lang = ui.lang.code();
    let points = desk_points(state, &auth.principal).await.page(&ui)?;
    let point = points.iter().find(|p| p.code == point).or(points.first()).cloned();
    let offered = state
        .store
        .service_items(&ItemFilter {
            kind: Some(CatalogueKind::Desk),
            point: point.as_ref().map(|p| p.id),
            ..Default::default()
        })
        .await
        .page(&ui)?;
    let mut items: Vec<ItemGroup> = Vec::new();
    for s in &offered {
        let entry = (s.item.code.clone(), s.item.name.clone(), s.item.code == item);
        match items.last_mut() {
            Some((c, v)) if *c == s.category_name => v.push(entry),
            _ => items.push((s.category_name.clone(), vec![entry])),
        }
    }
    let ticked = |name: &str| typed.as_ref().is_some_and(|t| t.iter().any(|(n, v)| n == "provided" && v == name));
    let chosen = offered.iter().find(|s| s.item.code == item).and_then(|s| {
        Some(ChosenItem {
            point: point.as_ref()?.code.clone(),
            code: s.item.code.clone(),
            name: s.item.name.clone(),
            limit: s.item.limit_workdays,
            department: s.item.department.clone(),
            materials: s
                .item
                .materials
                .iter()
                .map(|m| {
                    (
                        m.name.clone(),
                        format!("{} × {}", m.form.label(lang), m.copies),
                        m.sample.clone(),
                        ticked(&m.name),
                    )
                })
                .collect(),
        })
    });
    let typed_channel = typed.as_ref().map(|t| get(t, "channel").to_string()).unwrap_or_else(|| "window".into());
    let chosen_person = typed.as_ref().map(|t| get(t, "person_id").to_string()).unwrap_or_default();
    let residents = residents_matching(state, &auth.principal, who, &chosen_person).await.page(&ui)?;
    let page = NewTicketPage {
        title: ui.t("svc.new_ticket").into(),
        points: points
            .iter()
            .map(|p| (p.code.clone(), p.name.clone(), point.as_ref().is_some_and(|x| x.id == p.id)))
            .collect(),
        items,
        chosen,
        channels: Channel::ALL.iter().map(|c| (c.as_str(), c.label(lang), c.as_str() == typed_channel)).collect(),
        who: who.trim().to_string(),
        residents,
        typed: Typed(typed.unwrap_or_default()),
        error,
        ui: ui.clone(),
    };
    render(ui, page)
}

/// `/service/tickets/new?point=&item=`: choose the point and item, then the checklist.
pub async fn svc_new_ticket_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<NewTicketQuery>,
) -> Result<Response, PageError> {
    let (point, item, who) =
        (q.point.as_deref().unwrap_or(""), q.item.as_deref().unwrap_or(""), q.who.as_deref().unwrap_or(""));
    new_ticket_render(&state, &auth, ui, point, item, who, None, None).await
}

/// `POST /service/tickets`: receives the ticket; a refusal keeps everything typed and ticked.
pub async fn svc_receive_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let result = async {
        let point = point_of_form(&state, &pairs).await?;
        let t =
            NewTicket {
                point: point.id,
                item: get(&pairs, "item").into(),
                channel: Channel::parse_field(get(&pairs, "channel"), "channel")?,
                // A registered resident chosen on the picker; otherwise a walk-in by name.
                person_id: match get(&pairs, "person_id").trim() {
                    "" => None,
                    id => Some(crate::api::parse_id(id).map_err(|_| {
                        ApiError::invalid("person_id", "请从查到的居民中选择 (choose a resident found)")
                    })?),
                },
                applicant_name: get(&pairs, "applicant_name").into(),
                applicant_phone: get(&pairs, "applicant_phone").into(),
                provided: all_of(&pairs, "provided"),
                note: get(&pairs, "note").into(),
            };
        Ok::<_, ApiError>(state.store.receive_ticket(&auth.audit_ctx(), &auth.principal, &t, state.clock.now()).await?)
    }
    .await;
    match result {
        Ok(t) => Ok(crate::redirect::to(&format!("/service/tickets/{}?done=received", t.id))),
        Err(e) => {
            let (p, i, w) =
                (get(&pairs, "point").to_string(), get(&pairs, "item").to_string(), get(&pairs, "who").to_string());
            let page = new_ticket_render(&state, &auth, ui, &p, &i, &w, Some(pairs), Some(error_text(&e))).await?;
            Ok((e.status, page).into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------
// A ticket

#[derive(Template)]
#[template(path = "service_ticket.html")]
struct TicketPage {
    ui: Ui,
    title: String,
    t: TicketShown,
    holds: bool,
    staff: bool,
    can_rate: bool,
    rating: Option<RatingShown>,
    levels: Vec<(&'static str, &'static str)>,
    typed: Typed,
    error: Option<String>,
    done: Option<&'static str>,
}

pub struct TicketShown {
    id: Uuid,
    item: String,
    item_version: i64,
    point: String,
    channel: String,
    applicant: String,
    phone: String,
    receiver: String,
    handler: String,
    status: String,
    status_code: &'static str,
    tone: &'static str,
    received: String,
    due: String,
    overdue: bool,
    closed: String,
    late: bool,
    refused_reason: String,
    outside: bool,
    limit: i64,
    note: String,
    /// (name, form × copies, provided)
    materials: Vec<(String, String, bool)>,
    missing: usize,
    /// (when, who, what, to, note)
    events: Vec<(String, String, String, String, String)>,
    notices: usize,
}

pub struct RatingShown {
    level: String,
    bad: bool,
    comment: String,
    at: String,
    due: String,
    overdue: bool,
    closed: String,
    next: Option<(&'static str, &'static str)>,
    /// (step, note, by, at)
    steps: Vec<(String, String, String, String)>,
}

fn action_label(ui: &Ui, action: &str) -> String {
    match action {
        "receive" => ui.t("svc.ev_receive").into(),
        "warn" => ui.t("svc.ev_warn").into(),
        "overdue" => ui.t("svc.ev_overdue").into(),
        "hand_off" => ui.t("svc.ev_hand_off").into(),
        a => TicketStep::parse(a).map(|s| s.label(ui.lang.code()).to_string()).unwrap_or_else(|| a.to_string()),
    }
}

fn shown(ui: &Ui, t: &Ticket, now: DateTime<Utc>) -> TicketShown {
    let lang = ui.lang.code();
    TicketShown {
        id: t.id,
        item: t.item_name.clone(),
        item_version: t.item_version,
        point: t.point_name.clone(),
        channel: t.channel.label(lang).into(),
        applicant: t.applicant_name.clone(),
        phone: t.applicant_phone.clone().unwrap_or_default(),
        receiver: t.receiver_name.clone(),
        handler: t.handler_name.clone(),
        status: t.status.label(lang).into(),
        status_code: t.status.as_str(),
        tone: tone(t.status),
        received: display(t.received_at),
        due: match t.due_at {
            Some(d) if t.status.is_open() => {
                format!("{} ({})", display(d), jiayuan_domain::time::countdown(now, d, lang))
            }
            Some(d) => display(d),
            None => ui.t("svc.clock_stopped").into(),
        },
        overdue: t.overdue(now),
        closed: t.closed_at.map(display).unwrap_or_default(),
        late: t.late(),
        refused_reason: t.refused_reason.clone().unwrap_or_default(),
        outside: t.outside_hours,
        limit: t.limit_workdays,
        note: t.note.clone(),
        materials: t
            .materials
            .iter()
            .map(|m| (m.name.clone(), format!("{} × {}", m.form.label(lang), m.copies), m.provided))
            .collect(),
        missing: t.missing().len(),
        events: t
            .events
            .iter()
            .map(|e| {
                (
                    display(e.at),
                    e.actor_name.clone(),
                    action_label(ui, &e.action),
                    e.to_name.clone().unwrap_or_default(),
                    e.note.clone(),
                )
            })
            .collect(),
        notices: t.notices.len(),
    }
}

fn rating_shown(ui: &Ui, r: &RatingRow, now: DateTime<Utc>) -> RatingShown {
    let lang = ui.lang.code();
    RatingShown {
        level: r.level.label(lang).into(),
        bad: r.level.is_bad(),
        comment: r.comment.clone(),
        at: display(r.at),
        due: r.follow_up_due.map(display).unwrap_or_default(),
        overdue: r.follow_up_overdue(now),
        closed: r.follow_up_closed_at.map(display).unwrap_or_default(),
        next: r.next_step().map(|s| (s.as_str(), s.label(lang))),
        steps: r
            .steps
            .iter()
            .map(|(s, note, by, at)| (s.label(lang).to_string(), note.clone(), by.clone(), display(*at)))
            .collect(),
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn ticket_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: Uuid,
    typed: Pairs,
    error: Option<String>,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let who = &auth.principal;
    let t = state.store.ticket_for(who, id).await.page(&ui)?;
    let now = state.clock.now();
    let rating = state.store.rating_of(RatingTarget::Ticket(id)).await.page(&ui)?;
    let staff = serves_at(who, &t.path);
    let holds = staff && (who.user_id == Some(t.handler_id) || who.user_id == Some(t.receiver_id));
    let applicant = t.person_id.is_some() && t.person_id == who.person_id;
    let done = match done {
        Some("received") => Some("svc.received"),
        Some("step") => Some("svc.step_done"),
        Some("handed") => Some("svc.handed"),
        Some("rated") => Some("svc.rated"),
        Some("followed") => Some("svc.followed"),
        _ => None,
    };
    let page = TicketPage {
        title: format!("{} #{}", ui.t("svc.ticket"), t.number),
        can_rate: rating.is_none()
            && matches!(t.status, TicketStatus::Completed | TicketStatus::Refused)
            && (staff || applicant),
        rating: rating.as_ref().map(|r| rating_shown(&ui, r, now)),
        t: shown(&ui, &t, now),
        holds,
        staff,
        levels: Rating::ALL.iter().map(|r| (r.as_str(), r.label(ui.lang.code()))).collect(),
        typed: Typed(typed),
        error,
        done,
        ui: ui.clone(),
    };
    render(ui, page)
}

/// `/service/tickets/{id}`: the ticket, its checklist, steps, hand-offs and rating.
pub async fn svc_ticket_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    ticket_render(&state, &auth, ui, id, vec![], None, q.done.as_deref()).await
}

/// `POST /service/tickets/{id}/{action}`: a step, a hand-off, a rating or a follow-up step.
/// Back to the ticket with what happened; a refusal keeps what was typed.
pub async fn svc_ticket_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path((id, action)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let now = state.clock.now();
    let (ctx, who) = (auth.audit_ctx(), &auth.principal);
    let result: Result<&str, ApiError> = async {
        match action.as_str() {
            "step" => {
                let step = TicketStep::parse_field(get(&pairs, "step"), "step")?;
                let input = TicketStepInput { provided: all_of(&pairs, "provided"), note: get(&pairs, "note").into() };
                state.store.ticket_step(&ctx, who, id, step, &input, now).await?;
                Ok("step")
            }
            "hand-off" => {
                state.store.hand_off_ticket(&ctx, who, id, get(&pairs, "to"), get(&pairs, "reason"), now).await?;
                Ok("handed")
            }
            "rate" => {
                let level = Rating::parse_field(get(&pairs, "level"), "level")?;
                let r = NewRating { target: RatingTarget::Ticket(id), level, comment: get(&pairs, "comment").into() };
                state.store.rate_service(&ctx, who, &r, now).await?;
                Ok("rated")
            }
            "follow-up" => {
                let r = state.store.rating_of(RatingTarget::Ticket(id)).await?.ok_or_else(ApiError::not_found)?;
                let step = FollowUpStep::parse_field(get(&pairs, "step"), "step")?;
                state.store.follow_up(&ctx, who, r.id, step, get(&pairs, "note"), now).await?;
                Ok("followed")
            }
            _ => Err(ApiError::not_found()),
        }
    }
    .await;
    match result {
        Ok(done) => Ok(crate::redirect::to(&format!("/service/tickets/{id}?done={done}"))),
        Err(e) => {
            let page = ticket_render(&state, &auth, ui, id, pairs, Some(error_text(&e)), None).await?;
            Ok((e.status, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "service_notice.html")]
struct NoticePage {
    ui: Ui,
    title: String,
    id: Uuid,
    number: i64,
    applicant: String,
    item: String,
    point: String,
    received: String,
    limit: i64,
    receiver: String,
    issued_by: String,
    issued_at: String,
    /// (name, form × copies)
    missing: Vec<(String, String)>,
}

/// `/service/tickets/{id}/notice`: the latest one-time notice, laid out for printing.
pub async fn svc_notice_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let t = state.store.ticket_for(&auth.principal, id).await.page(&ui)?;
    let Some(n) = t.notices.last() else {
        return Err(ApiError::not_found()).page(&ui);
    };
    let lang = ui.lang.code();
    let missing = n
        .missing
        .iter()
        .map(|name| {
            let how =
                t.materials.iter().find(|m| &m.name == name).map(|m| format!("{} × {}", m.form.label(lang), m.copies));
            (name.clone(), how.unwrap_or_default())
        })
        .collect();
    let page = NoticePage {
        title: ui.t("svc.notice").into(),
        id: t.id,
        number: t.number,
        applicant: t.applicant_name.clone(),
        item: t.item_name.clone(),
        point: t.point_name.clone(),
        received: display(t.received_at),
        limit: t.limit_workdays,
        receiver: t.receiver_name.clone(),
        issued_by: n.issued_by_name.clone(),
        issued_at: display(n.issued_at),
        missing,
        ui: ui.clone(),
    };
    render(ui, page)
}

// ---------------------------------------------------------------------------------------
// The public catalogue and points

#[derive(Template)]
#[template(path = "service_catalogue.html")]
struct CataloguePage {
    ui: Ui,
    title: String,
    kind: &'static str,
    categories: Vec<(String, String, i64, bool)>,
    items: Vec<ItemShown>,
    /// A district administrator: each item can be edited, and new ones added.
    can_edit: bool,
}

pub struct ItemShown {
    code: String,
    name: String,
    department: String,
    limit: String,
    legal_basis: String,
    fee: String,
    places: String,
    appointment: bool,
    /// (name, form × copies, sample)
    materials: Vec<(String, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct CatalogueQuery {
    kind: Option<String>,
    category: Option<String>,
}

/// `/service/catalogue`: what the window handles, each item's materials and where to do it.
pub async fn svc_catalogue_page(
    auth: Option<Auth>,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, PageError> {
    let lang = ui.lang.code();
    let can_edit = auth.as_ref().is_some_and(|a| jiayuan_store::service::may_edit_catalogue(&a.principal));
    let kind = if q.kind.as_deref() == Some("centre") { CatalogueKind::Centre } else { CatalogueKind::Desk };
    let cats: Vec<_> =
        state.store.service_categories().await.page(&ui)?.into_iter().filter(|(c, _)| c.kind == kind).collect();
    let chosen = q.category.clone().filter(|c| cats.iter().any(|(x, _)| &x.code == c));
    let rows = state
        .store
        .service_items(&ItemFilter { kind: Some(kind), category: chosen.clone(), ..Default::default() })
        .await
        .page(&ui)?;
    let items = rows
        .into_iter()
        .map(|s| ItemShown {
            code: s.item.code,
            name: s.item.name,
            department: s.item.department,
            limit: if s.item.limit_workdays == 0 {
                ui.t("svc.on_the_spot").into()
            } else {
                format!("{} {}", s.item.limit_workdays, ui.t("svc.workdays"))
            },
            legal_basis: s.item.legal_basis,
            fee: if s.item.fee_fen == 0 {
                ui.t("svc.free").into()
            } else {
                format!("¥{}.{:02}", s.item.fee_fen / 100, s.item.fee_fen % 100)
            },
            places: s.item.places.iter().map(|p| p.label(lang)).collect::<Vec<_>>().join("、"),
            appointment: s.item.appointment,
            materials: s
                .item
                .materials
                .iter()
                .map(|m| (m.name.clone(), format!("{} × {}", m.form.label(lang), m.copies), m.sample.clone()))
                .collect(),
        })
        .collect();
    let page = CataloguePage {
        title: ui.t(if kind == CatalogueKind::Desk { "svc.catalogue" } else { "svc.centre_services" }).into(),
        kind: kind.as_str(),
        categories: cats
            .into_iter()
            .map(|(c, n)| (c.code.clone(), c.name, n, chosen.as_deref() == Some(c.code.as_str())))
            .collect(),
        items,
        can_edit,
        ui: ui.clone(),
    };
    render(ui, page)
}

// ---------------------------------------------------------------------------------------
// Editing the catalogue (district administrators)

#[derive(Template)]
#[template(path = "service_item_edit.html")]
struct ItemEditPage {
    ui: Ui,
    title: String,
    /// The item's code, or "" for a new one.
    code: String,
    /// (code, name, kind label)
    categories: Vec<(String, String, &'static str)>,
    places: Vec<(&'static str, &'static str)>,
    /// (version, saved by, at)
    versions: Vec<(i64, String, String)>,
    typed: Typed,
    error: Option<String>,
}

/// The form's fields filled from a stored item, as if typed.
fn item_pairs(item: &jiayuan_domain::service::catalogue::Item) -> Pairs {
    let mut p: Pairs = vec![
        ("code".into(), item.code.clone()),
        ("category".into(), item.category.clone()),
        ("name".into(), item.name.clone()),
        ("department".into(), item.department.clone()),
        ("limit_workdays".into(), item.limit_workdays.to_string()),
        ("legal_basis".into(), item.legal_basis.clone()),
        ("fee".into(), jiayuan_domain::money::format_fen(item.fee_fen)),
        ("materials".into(), jiayuan_domain::service::catalogue::materials_text(&item.materials)),
    ];
    p.extend(item.places.iter().map(|pl| ("places".to_string(), pl.as_str().to_string())));
    if item.appointment {
        p.push(("appointment".into(), "on".into()));
    }
    p
}

async fn item_edit_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    code: &str,
    typed: Option<Pairs>,
    error: Option<String>,
) -> Result<Response, PageError> {
    if !jiayuan_store::service::may_edit_catalogue(&auth.principal) {
        return Err(ApiError::from(jiayuan_store::StoreError::Forbidden(Permission::ManageService))).page(&ui);
    }
    let lang = ui.lang.code();
    let (typed, versions) = match code {
        "" => (typed.unwrap_or_default(), vec![]),
        c => {
            let stored = state.store.service_item(c).await.page(&ui)?;
            let versions = state
                .store
                .service_item_versions(c)
                .await
                .page(&ui)?
                .into_iter()
                .map(|(v, _, by, at)| (v, by, display(at)))
                .collect();
            (typed.unwrap_or_else(|| item_pairs(&stored.item)), versions)
        }
    };
    let categories = state
        .store
        .service_categories()
        .await
        .page(&ui)?
        .into_iter()
        .map(|(c, _)| (c.code, c.name, c.kind.label(lang)))
        .collect();
    let page = ItemEditPage {
        title: if code.is_empty() {
            ui.t("svc.item_new").to_string()
        } else {
            format!("{} {code}", ui.t("svc.item_edit"))
        },
        code: code.to_string(),
        categories,
        places: Place::ALL.iter().map(|p| (p.as_str(), p.label(lang))).collect(),
        versions,
        typed: Typed(typed),
        error,
        ui: ui.clone(),
    };
    render(ui, page)
}

/// `/service/catalogue/{code}/edit` (`new` for a new item): the item's form.
pub async fn svc_item_edit_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let code = if code == "new" { String::new() } else { code };
    item_edit_render(&state, &auth, ui, &code, None, None).await
}

/// `POST /service/catalogue`: saves an item, new or as its next version; a refusal keeps
/// everything typed.
pub async fn svc_item_save_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    use jiayuan_domain::service::catalogue::{parse_materials, Item};
    let editing = get(&pairs, "editing").to_string();
    let result = async {
        let limit = get(&pairs, "limit_workdays").trim();
        let item = Item {
            code: if editing.is_empty() { get(&pairs, "code").trim().to_string() } else { editing.clone() },
            category: get(&pairs, "category").trim().to_string(),
            name: get(&pairs, "name").trim().to_string(),
            department: get(&pairs, "department").trim().to_string(),
            limit_workdays: limit.parse().map_err(|_| {
                ApiError::invalid("limit_workdays", format!("“{limit}”不是天数 (working days, 0 for on the spot)"))
            })?,
            legal_basis: get(&pairs, "legal_basis").trim().to_string(),
            fee_fen: jiayuan_domain::money::parse_yuan("fee", get(&pairs, "fee"))?,
            places: all_of(&pairs, "places")
                .iter()
                .map(|p| Place::parse_field(p, "places"))
                .collect::<Result<Vec<_>, _>>()?,
            appointment: !get(&pairs, "appointment").is_empty(),
            materials: parse_materials("materials", get(&pairs, "materials"))?,
        };
        let mode = if editing.is_empty() { ItemSave::New } else { ItemSave::NextVersion };
        Ok::<_, ApiError>(state.store.save_service_item_as(&auth.audit_ctx(), &auth.principal, &item, mode).await?)
    }
    .await;
    match result {
        Ok(saved) => {
            Ok(crate::redirect::to(&format!("/service/catalogue?kind={}#{}", saved.kind.as_str(), saved.item.code)))
        }
        Err(e) => {
            let page = item_edit_render(&state, &auth, ui, &editing, Some(pairs), Some(error_text(&e))).await?;
            Ok((e.status, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "service_points.html")]
struct PointsPage {
    ui: Ui,
    title: String,
    /// (code, name, kind, state text, tone, regular hours)
    rows: Vec<(String, String, String, String, &'static str, String)>,
}

/// `/service/points`: every point, open now or when it opens next.
pub async fn svc_points_page(State(state): State<AppState>, ui: Ui) -> Result<Response, PageError> {
    let cal = state.store.work_calendar().await.page(&ui)?;
    let all = state.store.points_open(&cal, None, state.clock.now()).await.page(&ui)?;
    let rows = all
        .iter()
        .map(|s| {
            let (text, tone) = opening_text(&ui, s);
            (
                s.point.code.clone(),
                s.point.name.clone(),
                s.point.kind.label(ui.lang.code()).to_string(),
                text,
                tone,
                s.point.hours.regular.code(),
            )
        })
        .collect();
    render(ui.clone(), PointsPage { title: ui.t("svc.points").into(), rows, ui })
}

#[derive(Template)]
#[template(path = "service_point.html")]
struct PointPage {
    ui: Ui,
    title: String,
    code: String,
    kind: String,
    state_text: String,
    tone: &'static str,
    regular: String,
    extended: String,
    staggered: String,
    slot_minutes: u32,
    slot_capacity: u32,
    items: usize,
    /// For those who manage the point: the desk items its kind may offer, by category
    /// (code, name, offered here).
    offer: Vec<ItemGroup>,
    /// (id, from, to, staff, note)
    roster: Vec<(Uuid, String, String, String, String)>,
    manages: bool,
    staff: bool,
    day: String,
    /// (id, time, item, person, status, may mark)
    bookings: Vec<(Uuid, String, String, String, String, bool)>,
    typed: Typed,
    error: Option<String>,
    done: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct PointQuery {
    day: Option<String>,
    done: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn point_render(
    state: &AppState,
    auth: Option<&Auth>,
    ui: Ui,
    code: &str,
    day: Option<&str>,
    typed: Pairs,
    error: Option<String>,
    done: Option<&str>,
) -> Result<Response, PageError> {
    let p = state.store.service_point_by_code(code).await.page(&ui)?;
    let now = state.clock.now();
    let cal = state.store.work_calendar().await.page(&ui)?;
    let st = state.store.points_open(&cal, Some(&p.code), now).await.page(&ui)?;
    let (state_text, tone) = st.iter().find(|s| s.point.id == p.id).map(|s| opening_text(&ui, s)).unwrap_or_default();
    let roster = state.store.duty_shifts(p.id, now - Duration::days(1), now + Duration::days(60)).await.page(&ui)?;
    let items =
        state.store.service_items(&ItemFilter { point: Some(p.id), ..Default::default() }).await.page(&ui)?.len();
    let who = auth.map(|a| &a.principal);
    let manages = who.is_some_and(|w| manages_point(w, &p.path));
    let staff = who.is_some_and(|w| serves_at(w, &p.path));
    let mut offer: Vec<ItemGroup> = Vec::new();
    if manages {
        let desk_only = ItemFilter { kind: Some(CatalogueKind::Desk), ..Default::default() };
        let desk = state.store.service_items(&desk_only).await.page(&ui)?;
        // After a refused save the ticks shown are the ones sent, not the stored ones.
        let sent = typed.iter().any(|(n, _)| n == "offer_form");
        for s in desk.into_iter().filter(|s| offered_by(p.kind, &s.item.places)) {
            let on = if sent {
                typed.iter().any(|(n, v)| n == "offered" && *v == s.item.code)
            } else {
                !p.excluded.contains(&s.item.code)
            };
            let entry = (s.item.code.clone(), s.item.name.clone(), on);
            match offer.last_mut() {
                Some((c, v)) if *c == s.category_name => v.push(entry),
                _ => offer.push((s.category_name.clone(), vec![entry])),
            }
        }
    }
    let today = beijing(now).date();
    let day = day.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).unwrap_or(today);
    let bookings = match who {
        Some(w) if staff => state
            .store
            .bookings_of_day(w, p.id, day)
            .await
            .page(&ui)?
            .into_iter()
            .map(|b| {
                let may = b.status == AppointmentStatus::Booked && now >= b.starts_at;
                (
                    b.id,
                    beijing(b.starts_at).format("%H:%M").to_string(),
                    b.item_name,
                    b.person_name,
                    b.status.label(ui.lang.code()).to_string(),
                    may,
                )
            })
            .collect(),
        _ => vec![],
    };
    let done = match done {
        Some("hours") => Some("svc.hours_saved"),
        Some("shift") => Some("svc.shift_added"),
        Some("removed") => Some("svc.shift_removed"),
        Some("marked") => Some("svc.booking_marked"),
        Some("items") => Some("svc.items_saved"),
        _ => None,
    };
    let page = PointPage {
        title: p.name.clone(),
        code: p.code.clone(),
        kind: p.kind.label(ui.lang.code()).into(),
        state_text,
        tone,
        regular: p.hours.regular.code(),
        extended: p.hours.extended.code(),
        staggered: p.hours.staggered.code(),
        slot_minutes: p.slot_minutes,
        slot_capacity: p.slot_capacity,
        items,
        offer,
        roster: roster
            .iter()
            .map(|s| (s.id, display(s.starts_at), display(s.ends_at), s.staff_name.clone(), s.note.clone()))
            .collect(),
        manages,
        staff,
        day: day.to_string(),
        bookings,
        typed: Typed(typed),
        error,
        done,
        ui: ui.clone(),
    };
    render(ui, page)
}

/// `/service/points/{code}`: hours, open now, the roster and its feed; the editors for those
/// who manage the point, the day's bookings for those who serve there.
pub async fn svc_point_page(
    auth: Option<Auth>,
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Query(q): Query<PointQuery>,
) -> Result<Response, PageError> {
    point_render(&state, auth.as_ref(), ui, &code, q.day.as_deref(), vec![], None, q.done.as_deref()).await
}

fn bj_input(field: &str, s: &str) -> Result<NaiveDateTime, ApiError> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| ApiError::invalid(field, "应为日期和时间 (a date and time)"))
}

/// `POST /service/points/{code}/{action}`: hours, a shift added or removed, a booking marked.
pub async fn svc_point_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path((code, action)): Path<(String, String)>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let p = state.store.service_point_by_code(&code).await.page(&ui)?;
    let (ctx, who, now) = (auth.audit_ctx(), &auth.principal, state.clock.now());
    let result: Result<&str, ApiError> = async {
        match action.as_str() {
            "hours" => {
                let hours = PointHours {
                    regular: Windows::parse("regular", get(&pairs, "regular"))?,
                    extended: Windows::parse("extended", get(&pairs, "extended"))?,
                    staggered: Windows::parse("staggered", get(&pairs, "staggered"))?,
                };
                let minutes = get(&pairs, "slot_minutes")
                    .trim()
                    .parse()
                    .map_err(|_| ApiError::invalid("slot_minutes", "应为分钟数 (minutes)"))?;
                let capacity = get(&pairs, "slot_capacity")
                    .trim()
                    .parse()
                    .map_err(|_| ApiError::invalid("slot_capacity", "应为人数 (a number)"))?;
                state.store.set_point_hours(&ctx, who, p.id, &hours, minutes, capacity, &p.excluded).await?;
                Ok("hours")
            }
            "items" => {
                // The form lists the desk items of the point's kind; an unticked one is switched
                // off, and exclusions of items the form does not list are kept.
                let ticked = all_of(&pairs, "offered");
                let listed: Vec<String> = state
                    .store
                    .service_items(&ItemFilter { kind: Some(CatalogueKind::Desk), ..Default::default() })
                    .await?
                    .into_iter()
                    .filter(|s| offered_by(p.kind, &s.item.places))
                    .map(|s| s.item.code)
                    .collect();
                if let Some(unknown) = ticked.iter().find(|c| !listed.contains(c)) {
                    return Err(ApiError::invalid(
                        "offered",
                        format!("此处不办“{unknown}” (not an item of this point)"),
                    ));
                }
                let mut excluded: Vec<String> = p.excluded.iter().filter(|c| !listed.contains(c)).cloned().collect();
                excluded.extend(listed.into_iter().filter(|c| !ticked.contains(c)));
                let (h, m, c) = (&p.hours, p.slot_minutes, p.slot_capacity);
                state.store.set_point_hours(&ctx, who, p.id, h, m, c, &excluded).await?;
                Ok("items")
            }
            "roster" => {
                let s = NewShift {
                    starts_at: at_beijing(bj_input("starts_at", get(&pairs, "starts_at"))?),
                    ends_at: at_beijing(bj_input("ends_at", get(&pairs, "ends_at"))?),
                    staff: get(&pairs, "staff").into(),
                    note: get(&pairs, "note").into(),
                };
                state.store.add_duty_shift(&ctx, who, p.id, &s).await?;
                Ok("shift")
            }
            "remove-shift" => {
                let id = crate::api::parse_id(get(&pairs, "shift"))?;
                state.store.remove_duty_shift(&ctx, who, p.id, id).await?;
                Ok("removed")
            }
            "mark" => {
                let id = crate::api::parse_id(get(&pairs, "booking"))?;
                let to = AppointmentStatus::parse_field(get(&pairs, "status"), "status")?;
                state.store.set_booking_status(&ctx, who, id, to, now).await?;
                Ok("marked")
            }
            _ => Err(ApiError::not_found()),
        }
    }
    .await;
    let day = get(&pairs, "day").to_string();
    match result {
        Ok(done) => Ok(crate::redirect::to(&format!("/service/points/{}?done={done}&day={}", p.code, day))),
        Err(e) => {
            let page =
                point_render(&state, Some(&auth), ui, &p.code, Some(&day), pairs, Some(error_text(&e)), None).await?;
            Ok((e.status, page).into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------
// Booking

#[derive(Template)]
#[template(path = "service_book.html")]
struct BookPage {
    ui: Ui,
    title: String,
    points: Vec<(String, String, bool)>,
    items: Vec<(String, String, bool)>,
    point: String,
    item: String,
    day: String,
    min_day: String,
    /// (value, time, left)
    slots: Vec<(String, String, u32)>,
    chosen_slot: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct BookQuery {
    point: Option<String>,
    item: Option<String>,
    day: Option<String>,
}

async fn book_render(
    state: &AppState,
    ui: Ui,
    q: &BookQuery,
    chosen_slot: &str,
    error: Option<String>,
) -> Result<Response, PageError> {
    let points = state.store.service_points(None).await.page(&ui)?;
    let point = points.iter().find(|p| Some(p.code.as_str()) == q.point.as_deref()).cloned();
    let items: Vec<(String, String, bool)> = match &point {
        Some(p) => state
            .store
            .service_items(&ItemFilter { point: Some(p.id), ..Default::default() })
            .await
            .page(&ui)?
            .into_iter()
            .filter(|s| s.item.appointment)
            .map(|s| (s.item.code.clone(), s.item.name, Some(s.item.code.as_str()) == q.item.as_deref()))
            .collect(),
        None => vec![],
    };
    let today = beijing(state.clock.now()).date();
    let day = q
        .day
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or(today + Duration::days(1));
    let slots = match (&point, items.iter().any(|i| i.2)) {
        (Some(p), true) => state
            .store
            .open_slots(p.id, day)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|(a, _, left)| (a.format("%Y-%m-%dT%H:%M").to_string(), a.format("%H:%M").to_string(), left))
            .collect(),
        _ => vec![],
    };
    let page = BookPage {
        title: ui.t("svc.book").into(),
        points: points
            .iter()
            .map(|p| (p.code.clone(), p.name.clone(), point.as_ref().is_some_and(|x| x.id == p.id)))
            .collect(),
        items,
        point: point.map(|p| p.code).unwrap_or_default(),
        item: q.item.clone().unwrap_or_default(),
        day: day.to_string(),
        min_day: today.to_string(),
        slots,
        chosen_slot: chosen_slot.into(),
        error,
        ui: ui.clone(),
    };
    render(ui, page)
}

/// `/service/book`: a resident picks a point, an item that takes bookings, a day and a slot.
pub async fn svc_book_page(
    _auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<BookQuery>,
) -> Result<Response, PageError> {
    book_render(&state, ui, &q, "", None).await
}

/// `POST /service/book`: books the slot; a refusal (full, closed) keeps the choices.
pub async fn svc_book_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let result = async {
        let p = point_of_form(&state, &pairs).await?;
        let b = NewBooking {
            point: p.id,
            item: get(&pairs, "item").into(),
            starts_at: bj_input("starts_at", get(&pairs, "starts_at"))?,
            person_id: None,
        };
        state.store.book_slot(&auth.audit_ctx(), &auth.principal, &b, state.clock.now()).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(crate::redirect::to("/service?done=booked")),
        Err(e) => {
            let q = BookQuery {
                point: Some(get(&pairs, "point").into()),
                item: Some(get(&pairs, "item").into()),
                day: Some(get(&pairs, "day").into()),
            };
            let page = book_render(&state, ui, &q, get(&pairs, "starts_at"), Some(error_text(&e))).await?;
            Ok((e.status, page).into_response())
        }
    }
}

/// `POST /service/bookings/{id}/cancel`: a resident cancels their booking.
pub async fn svc_cancel_booking(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    state
        .store
        .set_booking_status(&auth.audit_ctx(), &auth.principal, id, AppointmentStatus::Cancelled, state.clock.now())
        .await
        .page(&ui)?;
    Ok(crate::redirect::to("/service?done=cancelled"))
}

// ---------------------------------------------------------------------------------------
// Statistics

#[derive(Template)]
#[template(path = "service_stats.html")]
struct StatsPage {
    ui: Ui,
    title: String,
    from: String,
    to: String,
    /// (label, value, note)
    kpis: Vec<(&'static str, String, String)>,
    by_item: Vec<Bar>,
    by_point: Vec<Bar>,
    by_level: Vec<Bar>,
}

pub struct Bar {
    label: String,
    percent: i64,
    shown: String,
}

fn bars(rows: &[(String, i64)]) -> Vec<Bar> {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    rows.iter().map(|(l, n)| Bar { label: l.clone(), percent: n * 100 / max, shown: thousands(*n) }).collect()
}

fn pct(n: i64, d: i64) -> String {
    if d == 0 {
        "—".into()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / d as f64)
    }
}

#[derive(Deserialize, Default)]
pub struct StatsQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `/service/stats`: tickets by item and point, on-time completion, outside-hours work, ratings.
pub async fn svc_stats_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<StatsQuery>,
) -> Result<Response, PageError> {
    let scope = auth.principal.scope(Permission::ServeDesk).map_err(|d| ApiError::forbidden(d.0)).page(&ui)?;
    let root = scope.subtrees().first().cloned().ok_or_else(ApiError::not_found).page(&ui)?;
    let now = state.clock.now();
    let today = beijing(now).date();
    let parse = |s: &Option<String>| s.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let from = parse(&q.from).unwrap_or(NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today));
    let to = parse(&q.to).unwrap_or(today).max(from);
    let start = at_beijing(from.and_hms_opt(0, 0, 0).unwrap_or_default());
    let end = at_beijing(to.succ_opt().unwrap_or(to).and_hms_opt(0, 0, 0).unwrap_or_default());
    let f = state.store.service_figures(&root, start, end, now).await.page(&ui)?;
    let lang = ui.lang.code();
    let kpis = vec![
        ("svc.k_tickets", thousands(f.tickets), format!("{} {}", ui.t("svc.k_open"), thousands(f.tickets_open))),
        (
            "svc.k_on_time",
            pct(f.tickets_completed_on_time, f.tickets_completed),
            format!("{} / {}", f.tickets_completed_on_time, f.tickets_completed),
        ),
        ("svc.k_overdue", thousands(f.tickets_overdue), String::new()),
        ("svc.k_outside_matters", thousands(f.tickets_outside_hours), ui.t("svc.k_outside_note").into()),
        (
            "svc.k_consultations",
            thousands(f.consultations),
            format!("{} {}", ui.t("svc.k_outside"), thousands(f.consultations_outside_hours)),
        ),
        ("svc.k_ratings", thousands(f.ratings), format!("{} {}", ui.t("svc.k_bad_open"), f.bad_ratings_open)),
        (
            "svc.k_revisit",
            pct(f.real_name_bad_ratings_revisited, f.real_name_bad_ratings),
            format!("{} / {}", f.real_name_bad_ratings_revisited, f.real_name_bad_ratings),
        ),
        ("svc.k_bookings", thousands(f.appointments), format!("{} {}", ui.t("svc.k_no_shows"), f.no_shows)),
    ];
    let levels: Vec<(String, i64)> = f
        .ratings_by_level
        .iter()
        .map(|(code, n)| (Rating::parse(code).map(|r| r.label(lang).to_string()).unwrap_or_else(|| code.clone()), *n))
        .collect();
    let page = StatsPage {
        title: ui.t("svc.stats").into(),
        from: from.to_string(),
        to: to.to_string(),
        kpis,
        by_item: bars(&f.by_item),
        by_point: bars(&f.by_point),
        by_level: bars(&levels),
        ui: ui.clone(),
    };
    render(ui, page)
}
