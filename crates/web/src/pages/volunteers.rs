//! Volunteers' pages: the teams and their confirmed hours; for a volunteer, their teams, a
//! form to write down their service and their records; for organisers, setting up a team,
//! enrolling residents found by name, writing service for a member, and confirming or turning
//! down what is waiting; and the printable certificate.

use super::*;
use crate::auth::Auth;
use crate::pages::appeals::error_text;
use crate::pages::service::residents_matching;
use crate::pages::votes::local_time;
use crate::state::AppState;
use axum::extract::{Form, State};
use jiayuan_domain::access::Permission;
use jiayuan_domain::life::{format_hours, parse_hours, RecordStatus};
use jiayuan_domain::time::display;
use jiayuan_store::life::{runs_at, NewRecord, RecordFilter, ServiceRecord, Team};
use uuid::Uuid;

use crate::pages::service::{get, Pairs};

/// A team as the pages list it: (id, name, place, members, confirmed hours).
type TeamLine = (String, String, String, i64, String);

fn team_line(t: &Team) -> TeamLine {
    (t.id.to_string(), t.name.clone(), t.territory_name.clone(), t.members, format_hours(t.confirmed_minutes))
}

/// A record as the pages list it.
pub struct RecordLine {
    pub id: String,
    pub person: String,
    pub person_id: String,
    pub team: String,
    pub content: String,
    pub when: String,
    pub hours: String,
    pub status: String,
    pub pending: bool,
    pub decided: String,
}

fn record_line(ui: &Ui, r: &ServiceRecord) -> RecordLine {
    let status = r.status();
    RecordLine {
        id: r.id.to_string(),
        person: r.person_name.clone(),
        person_id: r.person_id.to_string(),
        team: r.team_name.clone(),
        content: if r.place.is_empty() { r.content.clone() } else { format!("{} · {}", r.content, r.place) },
        when: display(r.served_at),
        hours: format_hours(r.minutes),
        status: status.label(ui.lang.code()).to_string(),
        pending: status == RecordStatus::Recorded,
        decided: match r.decided_at {
            Some(at) if r.reason.is_empty() => format!("{} {}", r.decided_by_name, display(at)),
            Some(at) => format!("{} {} · {}", r.decided_by_name, display(at), r.reason),
            None => String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "volunteers.html")]
struct VolunteersPage {
    ui: Ui,
    title: String,
    teams: Vec<TeamLine>,
    /// The signed-in resident's teams and records, and their certificate's address.
    my_teams: Vec<TeamLine>,
    my_records: Vec<RecordLine>,
    certificate: String,
    /// For organisers: setting up a team, and what waits for their decision.
    organiser: bool,
    default_territory: String,
    pending: Vec<RecordLine>,
    typed: Typed,
    done: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct VolunteersQuery {
    pub done: Option<String>,
}

fn done_text(ui: &Ui, done: &str) -> String {
    match done {
        "team" | "recorded" | "confirmed" | "rejected" | "member" => ui.t(&format!("vol.done_{done}")).to_string(),
        _ => String::new(),
    }
}

async fn volunteers_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    done: &str,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let who = &auth.principal;
    let teams = state.store.teams(None).await.page(&ui)?;
    let organiser = who.can(Permission::RunActivities);
    let (my_teams, my_records, certificate) = match who.person_id {
        Some(me) => {
            let mine = state.store.teams_of(me).await.page(&ui)?;
            let f = RecordFilter { person: Some(me), ..Default::default() };
            let recs = state
                .store
                .service_records(who, &f, jiayuan_store::model::Page { page: 1, page_size: 50 })
                .await
                .page(&ui)?;
            (
                mine.iter().map(team_line).collect(),
                recs.items.iter().map(|r| record_line(&ui, r)).collect(),
                format!("/volunteers/certificate/{me}"),
            )
        }
        None => (vec![], vec![], String::new()),
    };
    let pending = if organiser {
        let f = RecordFilter { status: Some(RecordStatus::Recorded), ..Default::default() };
        let recs = state
            .store
            .service_records(who, &f, jiayuan_store::model::Page { page: 1, page_size: 100 })
            .await
            .page(&ui)?;
        recs.items
            .iter()
            .filter(|r| runs_at(who, &r.path) && Some(r.person_id) != who.person_id)
            .map(|r| record_line(&ui, r))
            .collect()
    } else {
        vec![]
    };
    let default_territory = who
        .grants
        .iter()
        .find(|g| g.role.allows(Permission::RunActivities))
        .map(|g| g.territory_code.clone())
        .unwrap_or_default();
    let p = VolunteersPage {
        title: ui.t("vol.title").into(),
        teams: teams.iter().map(team_line).collect(),
        my_teams,
        my_records,
        certificate,
        organiser,
        default_territory,
        pending,
        typed: Typed::new(typed),
        done: done_text(&ui, done),
        error,
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/volunteers`.
pub async fn volunteers_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<VolunteersQuery>,
) -> Result<Response, PageError> {
    volunteers_render(&state, &auth, ui, q.done.as_deref().unwrap_or(""), vec![], None).await
}

async fn back(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    to: &str,
    result: Result<&str, ApiError>,
    pairs: Pairs,
) -> Result<Response, PageError> {
    match result {
        Ok(done) => Ok(crate::redirect::to(&format!("{to}?done={done}"))),
        Err(e) => {
            let page = match to.strip_prefix("/volunteers/teams/") {
                Some(id) => {
                    let id = crate::api::parse_id(id).page(&ui)?;
                    team_render(state, auth, ui, id, "", "", pairs, Some(error_text(&e))).await?
                }
                None => volunteers_render(state, auth, ui, "", pairs, Some(error_text(&e))).await?,
            };
            Ok((e.status, page).into_response())
        }
    }
}

/// `POST /volunteers/teams`: sets up a team; a refusal keeps what was typed.
pub async fn volunteers_team_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let r = state
        .store
        .create_team(
            &auth.audit_ctx(),
            &auth.principal,
            get(&pairs, "name"),
            get(&pairs, "territory"),
            get(&pairs, "description"),
            state.clock.now(),
        )
        .await;
    match r {
        Ok(t) => Ok(crate::redirect::to(&format!("/volunteers/teams/{}?done=team", t.id))),
        Err(e) => back(&state, &auth, ui, "/volunteers", Err(e.into()), pairs).await,
    }
}

fn new_record(pairs: &Pairs, person: Option<Uuid>) -> Result<NewRecord, ApiError> {
    Ok(NewRecord {
        team: crate::api::parse_id(get(pairs, "team"))
            .map_err(|_| ApiError::invalid("team", "请选择队伍 (choose a team)"))?,
        person_id: person,
        activity: None,
        content: get(pairs, "content").into(),
        place: get(pairs, "place").into(),
        served_at: local_time("served_at", get(pairs, "served_at"))?,
        minutes: parse_hours("hours", get(pairs, "hours"))?,
    })
}

/// `POST /volunteers/records`: a volunteer writes down their own service.
pub async fn volunteers_record_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let result = async {
        let r = new_record(&pairs, None)?;
        state.store.record_service(&auth.audit_ctx(), &auth.principal, &r, state.clock.now()).await?;
        Ok::<_, ApiError>("recorded")
    }
    .await;
    back(&state, &auth, ui, "/volunteers", result, pairs).await
}

/// `POST /volunteers/records/{id}/decision`: the organiser confirms or turns down.
pub async fn volunteers_decide_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let back_to = get(&pairs, "back").to_string();
    let to_page =
        if back_to.starts_with("/volunteers/teams/") && back_to.len() < 60 { back_to } else { "/volunteers".into() };
    let result = async {
        let to = RecordStatus::parse_field(get(&pairs, "status"), "status")?;
        state
            .store
            .decide_record(&auth.audit_ctx(), &auth.principal, id, to, get(&pairs, "reason"), state.clock.now())
            .await?;
        Ok::<_, ApiError>(if to == RecordStatus::Confirmed { "confirmed" } else { "rejected" })
    }
    .await;
    back(&state, &auth, ui, &to_page, result, pairs).await
}

#[derive(Template)]
#[template(path = "volunteer_team.html")]
struct TeamPage {
    ui: Ui,
    title: String,
    team: TeamLine,
    description: String,
    organiser: bool,
    /// (person id, name, joined, confirmed hours)
    members: Vec<(String, String, String, String)>,
    who: String,
    found: Vec<(String, String, bool)>,
    records: Vec<RecordLine>,
    typed: Typed,
    done: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct TeamQuery {
    pub done: Option<String>,
    pub who: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn team_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: Uuid,
    done: &str,
    who_search: &str,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let t = state.store.team(id).await.page(&ui)?;
    let organiser = runs_at(&auth.principal, &t.path);
    let (members, records) = if organiser {
        let ms = state.store.team_members(id).await.page(&ui)?;
        let f = RecordFilter { team: Some(id), ..Default::default() };
        let rs = state
            .store
            .service_records(&auth.principal, &f, jiayuan_store::model::Page { page: 1, page_size: 100 })
            .await
            .page(&ui)?;
        (
            ms.into_iter()
                .map(|m| (m.person_id.to_string(), m.name, display(m.joined_at), format_hours(m.confirmed_minutes)))
                .collect(),
            rs.items.iter().map(|r| record_line(&ui, r)).collect(),
        )
    } else {
        (vec![], vec![])
    };
    let found = if organiser {
        residents_matching(state, &auth.principal, who_search, get(&typed, "person_id")).await.page(&ui)?
    } else {
        vec![]
    };
    let p = TeamPage {
        title: t.name.clone(),
        team: team_line(&t),
        description: t.description.clone(),
        organiser,
        members,
        who: who_search.trim().to_string(),
        found,
        records,
        typed: Typed::new(typed),
        done: done_text(&ui, done),
        error,
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/volunteers/teams/{id}`: a team; for its organisers, members, enrolment and records.
pub async fn volunteer_team_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<TeamQuery>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    team_render(&state, &auth, ui, id, q.done.as_deref().unwrap_or(""), q.who.as_deref().unwrap_or(""), vec![], None)
        .await
}

/// `POST /volunteers/teams/{id}/members`: enrols the resident chosen from the search.
pub async fn volunteer_member_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let result = async {
        let person = crate::api::parse_id(get(&pairs, "person_id"))
            .map_err(|_| ApiError::invalid("person_id", "请先查找并选择居民 (find and choose a resident)"))?;
        state.store.add_member(&auth.audit_ctx(), &auth.principal, id, person, state.clock.now()).await?;
        Ok::<_, ApiError>("member")
    }
    .await;
    back(&state, &auth, ui, &format!("/volunteers/teams/{id}"), result, pairs).await
}

/// `POST /volunteers/teams/{id}/records`: an organiser writes down a member's service.
pub async fn volunteer_team_record_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(mut pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    pairs.retain(|(k, _)| k != "team");
    pairs.push(("team".into(), id.to_string()));
    let result = async {
        let person = crate::api::parse_id(get(&pairs, "member"))
            .map_err(|_| ApiError::invalid("member", "请选择志愿者 (choose a volunteer)"))?;
        let r = new_record(&pairs, Some(person))?;
        state.store.record_service(&auth.audit_ctx(), &auth.principal, &r, state.clock.now()).await?;
        Ok::<_, ApiError>("recorded")
    }
    .await;
    back(&state, &auth, ui, &format!("/volunteers/teams/{id}"), result, pairs).await
}

#[derive(Template)]
#[template(path = "volunteer_certificate.html")]
struct CertificatePage {
    ui: Ui,
    title: String,
    name: String,
    id_number: String,
    records: Vec<RecordLine>,
    total: String,
    issued: String,
}

/// `/volunteers/certificate/{person}`: the printable certificate of confirmed service.
pub async fn volunteer_certificate_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let c = state.store.certificate(&auth.principal, id).await.page(&ui)?;
    let p = CertificatePage {
        title: ui.t("vol.certificate").into(),
        name: c.name.clone(),
        id_number: c.id_number_masked.clone(),
        records: c.records.iter().map(|r| record_line(&ui, r)).collect(),
        total: format_hours(c.total_minutes),
        issued: jiayuan_domain::time::beijing(state.clock.now()).format("%Y-%m-%d").to_string(),
        ui: ui.clone(),
    };
    render(ui, p)
}
