//! The grid worker's pages, made for one hand on a phone: the grids one walks, a grid's round
//! (the households still to visit first, special care marked, coverage at the top), the visit
//! form (what was found, what follows; a finding filed as an appeal in the same step), and the
//! people who joined the grid.

use super::*;
use crate::auth::Auth;
use crate::pages::appeals::{category_options, error_text};
use crate::pages::service::{get, residents_matching, Pairs, Typed};
use crate::state::AppState;
use axum::extract::{Form, State};
use jiayuan_domain::access::Permission;
use jiayuan_domain::grid::{Due, HelperKind};
use jiayuan_store::grid::{HouseholdOnRound, NewHelper, NewVisit};

fn done_text(ui: &Ui, done: &str) -> String {
    match done {
        "visited" | "filed" | "helper" => ui.t(&format!("round.done_{done}")).to_string(),
        _ => String::new(),
    }
}

/// A household on the round as the page lists it.
pub struct DoorLine {
    pub id: String,
    pub label: String,
    pub care: Vec<&'static str>,
    pub status: String,
    pub late: bool,
    pub last: String,
}

fn door_line(ui: &Ui, h: &HouseholdOnRound) -> DoorLine {
    let lang = ui.lang.code();
    let (status, late) = match h.due {
        Due::Never => (ui.t("round.never").to_string(), true),
        Due::Overdue(d) => (ui.t("round.overdue").replace("{n}", &d.to_string()), true),
        Due::In(0) => (ui.t("round.due_today").to_string(), false),
        Due::In(d) => (ui.t("round.due_in").replace("{n}", &d.to_string()), false),
    };
    DoorLine {
        id: h.id.to_string(),
        label: h.label.clone(),
        care: h.care.iter().map(|t| t.label(lang)).collect(),
        status,
        late,
        last: h.last_visit.map(|v| jiayuan_domain::time::beijing(v).date().to_string()).unwrap_or_default(),
    }
}

// --- the grids one walks ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "rounds.html")]
struct RoundsPage {
    ui: Ui,
    title: String,
    /// (code, name, mine)
    grids: Vec<(String, String, bool)>,
}

/// `/rounds`: the grids one walks; a worker fixed to one grid goes straight to its round.
pub async fn rounds_page(auth: Auth, State(state): State<AppState>, ui: Ui) -> Result<Response, PageError> {
    let grids = state.store.my_grids(&auth.principal).await.page(&ui)?;
    let mine: Vec<_> = grids
        .iter()
        .filter(|g| auth.principal.person_id.is_some() && g.worker_id == auth.principal.person_id)
        .collect();
    if mine.len() == 1 {
        return Ok(crate::redirect::to(&format!("/rounds/{}", mine[0].code)));
    }
    let p = RoundsPage {
        title: ui.t("round.title").into(),
        grids: grids
            .iter()
            .map(|g| {
                (
                    g.code.clone(),
                    g.name.clone(),
                    auth.principal.person_id.is_some() && g.worker_id == auth.principal.person_id,
                )
            })
            .collect(),
        ui: ui.clone(),
    };
    render(ui, p)
}

// --- a grid's round ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "round.html")]
struct RoundPage {
    ui: Ui,
    title: String,
    code: String,
    done: String,
    error: Option<String>,
    tab: String,
    total: usize,
    visited: usize,
    unvisited: usize,
    care: usize,
    period: i64,
    doors: Vec<DoorLine>,
    may_record: bool,
    /// (name, kind, joined)
    helpers: Vec<(String, String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    who: String,
    found: Vec<(String, String, bool)>,
    typed: Typed,
    today: String,
    /// (day, label, found, follow-up, appeal id)
    recent: Vec<(String, String, String, String, String)>,
}

#[derive(Deserialize)]
pub struct RoundQuery {
    pub tab: Option<String>,
    pub done: Option<String>,
    pub who: Option<String>,
}

async fn round_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    code: &str,
    q: &RoundQuery,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let r = state.store.round(&auth.principal, code, state.clock.now()).await.page(&ui)?;
    let tab = match q.tab.as_deref() {
        Some("all") => "all",
        Some("care") => "care",
        _ => "due",
    };
    let doors: Vec<DoorLine> = r
        .households
        .iter()
        .filter(|h| match tab {
            "all" => true,
            "care" => !h.care.is_empty(),
            _ => h.due.unvisited(),
        })
        .map(|h| door_line(&ui, h))
        .collect();
    let labels: std::collections::HashMap<uuid::Uuid, String> =
        r.households.iter().map(|h| (h.id, h.label.clone())).collect();
    let lang = ui.lang.code();
    let helpers = state.store.grid_helpers(&auth.principal, code).await.page(&ui)?;
    let recent = state.store.grid_visits(&auth.principal, code, 10).await.page(&ui)?;
    let who_search = q.who.clone().unwrap_or_default();
    let found = if r.may_record {
        residents_matching(state, &auth.principal, &who_search, get(&typed, "person_id")).await.page(&ui)?
    } else {
        vec![]
    };
    let p = RoundPage {
        title: r.grid.name.clone(),
        code: r.grid.code.clone(),
        done: done_text(&ui, q.done.as_deref().unwrap_or("")),
        error,
        tab: tab.into(),
        total: r.households.len(),
        visited: r.visited,
        unvisited: r.unvisited().count(),
        care: r.households.iter().filter(|h| !h.care.is_empty()).count(),
        period: r.rules.period_days,
        doors,
        may_record: r.may_record,
        helpers: helpers
            .iter()
            .map(|h| {
                (
                    jiayuan_domain::names::mask_name(&h.name),
                    HelperKind::parse(&h.kind).map(|k| k.label(lang)).unwrap_or("").to_string(),
                    h.joined_on.to_string(),
                )
            })
            .collect(),
        kinds: HelperKind::ALL.iter().map(|k| (k.as_str(), k.label(lang))).collect(),
        who: who_search.trim().to_string(),
        found,
        typed: Typed::new(typed),
        today: jiayuan_domain::time::beijing(state.clock.now()).date().to_string(),
        recent: recent
            .iter()
            .map(|v| {
                (
                    jiayuan_domain::time::display(v.visited_at),
                    v.household_id.and_then(|h| labels.get(&h).cloned()).unwrap_or_else(|| ui.t("round.place").into()),
                    v.found.clone(),
                    v.follow_up.clone(),
                    v.appeal_id.map(|a| a.to_string()).unwrap_or_default(),
                )
            })
            .collect(),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/rounds/{code}`: a grid's round, the households still to visit first.
pub async fn round_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Query(q): Query<RoundQuery>,
) -> Result<Response, PageError> {
    round_render(&state, &auth, ui, &code, &q, vec![], None).await
}

/// `POST /rounds/{code}/helpers`: a resident who joined the grid to help.
pub async fn round_helper_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let r = async {
        let person = uuid::Uuid::parse_str(get(&pairs, "person_id").trim())
            .map_err(|_| ApiError::invalid("person_id", "请先查找并选择居民 (find and choose the resident)"))?;
        let h = NewHelper {
            person,
            kind: HelperKind::parse_field(get(&pairs, "kind"), "kind")?,
            joined_on: chrono::NaiveDate::parse_from_str(get(&pairs, "joined_on").trim(), "%Y-%m-%d")
                .map_err(|_| ApiError::invalid("joined_on", "应为日期，如 2026-12-08 (YYYY-MM-DD)"))?,
            note: get(&pairs, "note").into(),
        };
        Ok::<_, ApiError>(
            state.store.add_grid_helper(&auth.audit_ctx(), &auth.principal, &code, &h, state.clock.now()).await?,
        )
    }
    .await;
    match r {
        Ok(_) => Ok(crate::redirect::to(&format!("/rounds/{}?done=helper", super::code_segment(&code)))),
        Err(e) => {
            let status = e.status;
            let q = RoundQuery { tab: None, done: None, who: Some(get(&pairs, "who").to_string()) };
            let page = round_render(&state, &auth, ui, &code, &q, pairs, Some(error_text(&e))).await?;
            Ok((status, page).into_response())
        }
    }
}

// --- the visit form ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "visit.html")]
struct VisitPage {
    ui: Ui,
    title: String,
    code: String,
    error: Option<String>,
    household: String,
    household_label: String,
    care: Vec<&'static str>,
    last: String,
    places: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    typed: Typed,
}

#[derive(Deserialize)]
pub struct VisitQuery {
    pub household: Option<String>,
}

async fn visit_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    code: &str,
    household: &str,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let r = state.store.round(&auth.principal, code, state.clock.now()).await.page(&ui)?;
    if !r.may_record {
        return Err(ApiError::forbidden(Permission::RecordVisits)).page(&ui);
    }
    let h = r.households.iter().find(|h| h.id.to_string() == household.trim());
    let lang = ui.lang.code();
    let cfg = state.store.appeal_config().await.page(&ui)?;
    let p = VisitPage {
        title: format!("{} · {}", r.grid.name, ui.t("round.visit")),
        code: r.grid.code.clone(),
        error,
        household: h.map(|h| h.id.to_string()).unwrap_or_default(),
        household_label: h.map(|h| h.label.clone()).unwrap_or_default(),
        care: h.map(|h| h.care.iter().map(|t| t.label(lang)).collect()).unwrap_or_default(),
        last: h
            .and_then(|h| h.last_visit)
            .map(|v| jiayuan_domain::time::beijing(v).date().to_string())
            .unwrap_or_default(),
        places: state.store.grid_places(&r.grid).await.page(&ui)?,
        categories: category_options(&cfg, ui.lang).into_iter().filter(|(c, _)| c.contains('.')).collect(),
        typed: Typed::new(typed),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/rounds/{code}/visit?household=…`: the visit form, for one household or a place.
pub async fn visit_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Query(q): Query<VisitQuery>,
) -> Result<Response, PageError> {
    visit_render(&state, &auth, ui, &code, q.household.as_deref().unwrap_or(""), vec![], None).await
}

/// `POST /rounds/{code}/visit`: records the visit; with 转为诉求 ticked the finding is filed as
/// an appeal of the place in the same step. A refusal keeps what was typed.
pub async fn visit_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let household = get(&pairs, "household").trim().to_string();
    let r = async {
        let to_appeal = get(&pairs, "to_appeal") == "1";
        let v = NewVisit {
            household: match household.as_str() {
                "" => None,
                h => Some(
                    uuid::Uuid::parse_str(h)
                        .map_err(|_| ApiError::invalid("household_id", "住户无效 (no such household)"))?,
                ),
            },
            place: Some(get(&pairs, "place").to_string()).filter(|p| !p.trim().is_empty() && household.is_empty()),
            visited_at: None,
            found: get(&pairs, "found").into(),
            follow_up: get(&pairs, "follow_up").into(),
            appeal_category: if to_appeal {
                Some(get(&pairs, "category").trim().to_string()).filter(|c| !c.is_empty()).or(Some(String::new()))
            } else {
                None
            },
        };
        if v.appeal_category.as_deref() == Some("") {
            return Err(ApiError::invalid("appeal_category", "转为诉求请选择问题类别 (choose the category)"));
        }
        let saved =
            state.store.record_visits(&auth.audit_ctx(), &auth.principal, &code, &[v], state.clock.now()).await?;
        Ok::<_, ApiError>(saved.into_iter().next().and_then(|v| v.appeal_id))
    }
    .await;
    match r {
        Ok(Some(appeal)) => Ok(crate::redirect::to(&format!("/appeals/{appeal}"))),
        Ok(None) => Ok(crate::redirect::to(&format!("/rounds/{}?done=visited", super::code_segment(&code)))),
        Err(e) => {
            let status = e.status;
            let page = visit_render(&state, &auth, ui, &code, &household, pairs, Some(error_text(&e))).await?;
            Ok((status, page).into_response())
        }
    }
}
