//! Community life's other pages: the dashboard of its figures (by month, by kind, by place),
//! social organisations' adoptions and venture projects, and golden solutions — the library
//! searchable by theme, submitting one, reviewing it on the rubric, adopting it.

use super::*;
use crate::auth::Auth;
use crate::charts::{line_chart, Series};
use crate::pages::appeals::error_text;
use crate::pages::service::{get, Pairs, Typed};
use crate::shell::thousands;
use crate::state::AppState;
use axum::extract::{Form, State};
use chrono::{Datelike, NaiveDate};
use jiayuan_domain::access::Permission;
use jiayuan_domain::life::{format_hours, GoldenStatus, ProjectStatus};
use jiayuan_domain::time::display;
use jiayuan_store::life::{runs_at, NewProject, NewSolution, ProjectFilter, SolutionFilter};
use jiayuan_store::subtree::Subtree;

fn done_text(ui: &Ui, done: &str) -> String {
    match done {
        "adopted" | "applied" | "advanced" | "submitted" | "reviewed" | "taken_up" => {
            ui.t(&format!("lifep.done_{done}")).to_string()
        }
        _ => String::new(),
    }
}

/// The territory code staff run activities over first: what forms fill in by default.
fn home_code(who: &jiayuan_store::access::Principal, p: Permission) -> String {
    who.grants.iter().find(|g| g.role.allows(p)).map(|g| g.territory_code.clone()).unwrap_or_default()
}

// --- the dashboard ------------------------------------------------------------------------

pub struct Fig {
    pub value: String,
    pub label: String,
    /// The year before, for comparison.
    pub before: String,
}

#[derive(Template)]
#[template(path = "life.html")]
struct LifePage {
    ui: Ui,
    title: String,
    place: String,
    year: i32,
    years: Vec<i32>,
    within: String,
    figures: Vec<Fig>,
    chart: String,
    hours_chart: String,
    volunteer_chart: String,
    /// (kind, activities, beneficiaries)
    kinds: Vec<(String, i64, i64)>,
    /// (place, activities, beneficiaries, volunteer hours)
    places: Vec<(String, String, i64, i64, String)>,
}

#[derive(Deserialize)]
pub struct LifeQuery {
    pub within: Option<String>,
    pub year: Option<String>,
}

/// `/life`: community life's figures for a place and year, against the year before, with the
/// months, the kinds and the places below.
pub async fn life_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<LifeQuery>,
) -> Result<Response, PageError> {
    let scope = auth.scope(Permission::ViewTerritory).page(&ui)?;
    let code = match q.within.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => code.to_string(),
        None => home_code(&auth.principal, Permission::ViewTerritory),
    };
    let place = state.store.territory_in(&scope, &code).await.page(&ui)?;
    let today = jiayuan_domain::time::beijing(state.clock.now()).date();
    let year = match q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => today.year(),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| ApiError::invalid("year", "年份应为2000到2100 (a year, 2000–2100)"))
            .page(&ui)?,
    };
    let within = Subtree::of(&place.path);
    let month = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(today);
    let year_span = |y: i32| crate::api::period(month(y, 1), month(y, 12).with_day(31).unwrap_or(today));
    // This year and the one before, then the twelve months: one statement per measure.
    let mut spans =
        vec![(&within, year_span(year).0, year_span(year).1), (&within, year_span(year - 1).0, year_span(year - 1).1)];
    for m in 1..=12 {
        let next = if m == 12 { month(year + 1, 1) } else { month(year, m + 1) };
        let (a, _) = crate::api::period(month(year, m), month(year, m));
        let (b, _) = crate::api::period(next, next);
        spans.push((&within, a, b));
    }
    let figs = state.store.life_figures_by(&spans).await.page(&ui)?;
    let (now_f, before_f) = (&figs[0], &figs[1]);
    let fig =
        |label: &str, a: i64, b: i64| Fig { value: thousands(a), label: ui.t(label).into(), before: thousands(b) };
    let figures = vec![
        fig("lifep.activities", now_f.activities, before_f.activities),
        fig("lifep.beneficiaries", now_f.beneficiaries, before_f.beneficiaries),
        Fig {
            value: format_hours(now_f.volunteer_minutes),
            label: ui.t("lifep.volunteer_hours").into(),
            before: format_hours(before_f.volunteer_minutes),
        },
        fig("lifep.venture_projects", now_f.venture_projects, before_f.venture_projects),
        fig("lifep.golden_solutions", now_f.golden_solutions, before_f.golden_solutions),
        fig("lifep.training_sessions", now_f.training_sessions, before_f.training_sessions),
        fig("lifep.trainees", now_f.trainees, before_f.trainees),
    ];
    const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let labels: Vec<String> = (1..=12usize)
        .map(|m| if ui.lang.code() == "en" { MONTHS_EN[m - 1].to_string() } else { format!("{m}月") })
        .collect();
    let months = &figs[2..];
    let chart = line_chart(
        ui.t("lifep.by_month"),
        &labels,
        &[
            Series {
                name: ui.t("lifep.activities"),
                colour: "#b4232a",
                values: months.iter().map(|f| f.activities).collect(),
            },
            Series {
                name: ui.t("lifep.training_sessions"),
                colour: "#1f6f8b",
                values: months.iter().map(|f| f.training_sessions).collect(),
            },
        ],
    );
    let hours_chart = line_chart(
        ui.t("lifep.hours_by_month"),
        &labels,
        &[Series {
            name: ui.t("lifep.beneficiaries"),
            colour: "#b4232a",
            values: months.iter().map(|f| f.beneficiaries).collect(),
        }],
    );
    let volunteer_chart = line_chart(
        ui.t("lifep.volunteer_hours"),
        &labels,
        &[Series {
            name: ui.t("lifep.volunteer_hours"),
            colour: "#2e7d32",
            values: months.iter().map(|f| f.volunteer_hours).collect(),
        }],
    );
    let (ys, ye) = year_span(year);
    let kinds = state
        .store
        .activities_by_kind(&within, ys, ye)
        .await
        .page(&ui)?
        .into_iter()
        .map(|(_, name, n, b)| (name, n, b))
        .collect();
    // The places one level down, each over the year.
    let children: Vec<_> = state.store.children(place.id).await.page(&ui)?.into_iter().take(60).collect();
    let subtrees: Vec<Subtree> = children.iter().map(|c| Subtree::of(&c.path)).collect();
    let child_spans: Vec<_> = subtrees.iter().map(|s| (s, ys, ye)).collect();
    let child_figs = state.store.life_figures_by(&child_spans).await.page(&ui)?;
    let places = children
        .iter()
        .zip(child_figs)
        .map(|(c, f)| {
            (c.code.clone(), c.name.clone(), f.activities, f.beneficiaries, format_hours(f.volunteer_minutes))
        })
        .collect();
    let p = LifePage {
        title: ui.t("lifep.title").into(),
        place: place.name.clone(),
        year,
        years: (today.year() - 4..=today.year()).rev().collect(),
        within: place.code.clone(),
        figures,
        chart,
        hours_chart,
        volunteer_chart,
        kinds,
        places,
        ui: ui.clone(),
    };
    render(ui, p)
}

// --- social organisations and venture projects -------------------------------------------

pub struct ProjectLine {
    pub id: String,
    pub title: String,
    pub organisation: String,
    pub place: String,
    pub budget: String,
    pub status: String,
    pub score: String,
    pub activities: i64,
    pub beneficiaries: i64,
    /// The next status and its button, when the viewer may move it there.
    pub next: Option<(String, String)>,
    pub evaluate: bool,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    ui: Ui,
    title: String,
    done: String,
    error: Option<String>,
    projects: Vec<ProjectLine>,
    /// (organisation, place, grid, from, until)
    adoptions: Vec<(String, String, String, String, String)>,
    /// (code, name) of the social organisations
    organisations: Vec<(String, String)>,
    can_apply: bool,
    default_territory: String,
    typed: Typed,
}

#[derive(Deserialize)]
pub struct LifeDoneQuery {
    pub done: Option<String>,
}

async fn projects_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    done: &str,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let who = &auth.principal;
    let rows = state
        .store
        .projects_for(who, &ProjectFilter::default(), jiayuan_store::model::Page { page: 1, page_size: 200 })
        .await
        .page(&ui)?;
    let projects = rows
        .items
        .iter()
        .map(|p| {
            let reviewer = jiayuan_store::life::reviews_at(who, &p.path);
            let next = p.status.next().filter(|n| match n {
                ProjectStatus::Approved | ProjectStatus::Evaluated => reviewer,
                _ => reviewer || runs_at(who, &p.path),
            });
            ProjectLine {
                id: p.id.to_string(),
                title: p.title.clone(),
                organisation: p.organisation_name.clone(),
                place: p.territory_name.clone(),
                budget: format!("¥{}", jiayuan_domain::money::format_fen(p.budget_fen)),
                status: p.status.label(ui.lang.code()).into(),
                score: p.score.map(|s| s.to_string()).unwrap_or_default(),
                activities: p.activities,
                beneficiaries: p.beneficiaries,
                evaluate: next == Some(ProjectStatus::Evaluated),
                next: next.map(|n| (n.as_str().to_string(), ui.t(&format!("lifep.to_{}", n.as_str())).to_string())),
            }
        })
        .collect();
    let scope = who.scope(Permission::ViewOrganisations).ok();
    let adoptions = state
        .store
        .adoptions(None)
        .await
        .page(&ui)?
        .into_iter()
        .filter(|a| scope.as_ref().is_some_and(|s| s.covers_path(&a.path)))
        .map(|a| {
            (
                a.organisation_name,
                a.territory_name,
                a.grid_name,
                a.starts_on.to_string(),
                a.ends_on.map(|d| d.to_string()).unwrap_or_else(|| ui.t("lifep.ongoing").to_string()),
            )
        })
        .collect();
    let organisations = state.store.social_organisations().await.page(&ui)?;
    let p = ProjectsPage {
        title: ui.t("lifep.projects").into(),
        done: done_text(&ui, done),
        error,
        projects,
        adoptions,
        organisations,
        can_apply: who.can(Permission::RunActivities),
        default_territory: home_code(who, Permission::RunActivities),
        typed: Typed::new(typed),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/venture-projects`: social organisations' adoptions and projects.
pub async fn projects_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<LifeDoneQuery>,
) -> Result<Response, PageError> {
    projects_render(&state, &auth, ui, q.done.as_deref().unwrap_or(""), vec![], None).await
}

async fn back_to(
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
            let msg = Some(error_text(&e));
            let page = match to.strip_prefix("/golden-solutions/") {
                Some(id) => solution_render(state, auth, ui, id, "", pairs, msg).await?,
                None if to == "/golden-solutions" => {
                    solutions_render(state, auth, ui, &Default::default(), "", pairs, msg).await?
                }
                None => projects_render(state, auth, ui, "", pairs, msg).await?,
            };
            Ok((e.status, page).into_response())
        }
    }
}

/// `POST /venture-projects`: applies for a project; a refusal keeps what was typed.
pub async fn project_apply_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let result = async {
        let budget = jiayuan_domain::money::parse_yuan("budget", get(&pairs, "budget"))?;
        let np = NewProject {
            organisation: get(&pairs, "organisation").into(),
            territory: get(&pairs, "territory").into(),
            title: get(&pairs, "title").into(),
            summary: get(&pairs, "summary").into(),
            budget_fen: budget,
        };
        state.store.apply_project(&auth.audit_ctx(), &auth.principal, &np, state.clock.now()).await?;
        Ok::<_, ApiError>("applied")
    }
    .await;
    back_to(&state, &auth, ui, "/venture-projects", result, pairs).await
}

/// `POST /venture-projects/{id}/status`: the next step (with score and words when evaluating).
pub async fn project_status_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let result = async {
        let id = crate::api::parse_id(&id)?;
        let to = ProjectStatus::parse_field(get(&pairs, "status"), "status")?;
        let score = match get(&pairs, "score").trim() {
            "" => None,
            s => Some(s.parse::<i64>().map_err(|_| ApiError::invalid("score", "评分应为0到100的整数 (0–100)"))?),
        };
        state
            .store
            .advance_project(
                &auth.audit_ctx(),
                &auth.principal,
                id,
                to,
                score,
                get(&pairs, "evaluation"),
                state.clock.now(),
            )
            .await?;
        Ok::<_, ApiError>("advanced")
    }
    .await;
    back_to(&state, &auth, ui, "/venture-projects", result, pairs).await
}

/// `POST /org-adoptions`: a social organisation adopts a community or joins a grid.
pub async fn adoption_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let result = async {
        let day = |field: &str| -> Result<Option<NaiveDate>, ApiError> {
            match get(&pairs, field).trim() {
                "" => Ok(None),
                d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| ApiError::invalid(field, "应为日期 (YYYY-MM-DD)")),
            }
        };
        let starts = day("starts_on")?.ok_or_else(|| ApiError::invalid("starts_on", "请填写开始日期 (required)"))?;
        let ends = day("ends_on")?;
        state
            .store
            .adopt(
                &auth.audit_ctx(),
                &auth.principal,
                get(&pairs, "organisation"),
                get(&pairs, "territory"),
                starts,
                ends,
                state.clock.now(),
            )
            .await?;
        Ok::<_, ApiError>("adopted")
    }
    .await;
    back_to(&state, &auth, ui, "/venture-projects", result, pairs).await
}

// --- golden solutions --------------------------------------------------------------------

pub struct SolutionLine {
    pub id: String,
    pub title: String,
    pub theme: String,
    pub place: String,
    pub status: String,
    pub score: String,
    pub adoptions: i64,
}

fn solution_line(ui: &Ui, s: &jiayuan_store::life::Solution) -> SolutionLine {
    SolutionLine {
        id: s.id.to_string(),
        title: s.title.clone(),
        theme: s.theme.clone(),
        place: s.territory_name.clone(),
        status: s.status().label(ui.lang.code()).into(),
        score: s.district_score.or(s.subdistrict_score).map(|n| n.to_string()).unwrap_or_default(),
        adoptions: s.adoptions,
    }
}

#[derive(Template)]
#[template(path = "solutions.html")]
struct SolutionsPage {
    ui: Ui,
    title: String,
    done: String,
    error: Option<String>,
    q: String,
    theme: String,
    /// (theme, promoted solutions)
    themes: Vec<(String, i64)>,
    library: Vec<SolutionLine>,
    /// Those where the viewer runs activities or reviews, any status.
    ours: Vec<SolutionLine>,
    can_submit: bool,
    default_territory: String,
    typed: Typed,
}

#[derive(Deserialize, Default)]
pub struct SolutionsQuery {
    pub q: Option<String>,
    pub theme: Option<String>,
    pub done: Option<String>,
}

async fn solutions_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    q: &SolutionsQuery,
    done: &str,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let who = &auth.principal;
    let page = jiayuan_store::model::Page { page: 1, page_size: 100 };
    let theme = q.theme.clone().map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    let lib_filter = SolutionFilter { library: true, theme: theme.clone(), q: q.q.clone(), ..Default::default() };
    let library = state.store.solutions_for(who, &lib_filter, page).await.page(&ui)?;
    let ours = state.store.solutions_for(who, &SolutionFilter::default(), page).await.page(&ui)?;
    let p = SolutionsPage {
        title: ui.t("lifep.solutions").into(),
        done: done_text(&ui, done),
        error,
        q: q.q.clone().unwrap_or_default(),
        theme: theme.unwrap_or_default(),
        themes: state.store.solution_themes().await.page(&ui)?,
        library: library.items.iter().map(|s| solution_line(&ui, s)).collect(),
        ours: ours.items.iter().map(|s| solution_line(&ui, s)).collect(),
        can_submit: who.can(Permission::RunActivities),
        default_territory: home_code(who, Permission::RunActivities),
        typed: Typed::new(typed),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/golden-solutions`: the library by theme and words, the viewer's own, and submitting.
pub async fn solutions_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<SolutionsQuery>,
) -> Result<Response, PageError> {
    let done = q.done.clone().unwrap_or_default();
    solutions_render(&state, &auth, ui, &q, &done, vec![], None).await
}

/// `POST /golden-solutions`: submits a community's solution; a refusal keeps what was typed.
pub async fn solution_submit_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let ns = NewSolution {
        territory: get(&pairs, "territory").into(),
        org_name: get(&pairs, "org_name").into(),
        title: get(&pairs, "title").into(),
        theme: get(&pairs, "theme").into(),
        problem: get(&pairs, "problem").into(),
        method: get(&pairs, "method").into(),
        results: get(&pairs, "results").into(),
    };
    let r = state.store.submit_solution(&auth.audit_ctx(), &auth.principal, &ns, state.clock.now()).await;
    match r {
        Ok(s) => Ok(crate::redirect::to(&format!("/golden-solutions/{}?done=submitted", s.id))),
        Err(e) => back_to(&state, &auth, ui, "/golden-solutions", Err(e.into()), pairs).await,
    }
}

#[derive(Template)]
#[template(path = "solution.html")]
struct SolutionPage {
    ui: Ui,
    title: String,
    done: String,
    error: Option<String>,
    s: SolutionLine,
    org_name: String,
    problem: String,
    method: String,
    results: String,
    submitted: String,
    /// (level, total, comment, reviewer, when, scores "问题精准 18 · …")
    reviews: Vec<(String, i64, String, String, String, String)>,
    /// (place, note, when)
    adopted_by: Vec<(String, String, String)>,
    /// The rubric when the viewer may review now: (code, name, most points)
    rubric: Vec<(String, String, i64)>,
    review_level: String,
    can_adopt: bool,
    default_territory: String,
    typed: Typed,
}

async fn solution_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: &str,
    done: &str,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let who = &auth.principal;
    let id = crate::api::parse_id(id).page(&ui)?;
    let s = state.store.solution_for(who, id).await.page(&ui)?;
    let rubric = state.store.rubric().await.page(&ui)?;
    let reviews = state
        .store
        .solution_reviews(id)
        .await
        .page(&ui)?
        .into_iter()
        .map(|r| {
            // In the rubric's order, whatever order the scores were stored in.
            let scores = rubric
                .iter()
                .filter_map(|c| r.scores.iter().find(|(k, _)| *k == c.code).map(|(_, v)| format!("{} {v}", c.name)))
                .collect::<Vec<_>>()
                .join(" · ");
            (
                r.level.label(ui.lang.code()).to_string(),
                r.total,
                r.comment,
                r.reviewer_name,
                display(r.reviewed_at),
                scores,
            )
        })
        .collect();
    let adopted_by = state
        .store
        .solution_adoptions(id)
        .await
        .page(&ui)?
        .into_iter()
        .map(|a| (a.territory_name, a.note, display(a.adopted_at)))
        .collect();
    // The review form shows for whoever holds the level the solution waits for.
    let awaits = s.status().awaits();
    let may_review = awaits.is_some() && jiayuan_store::life::review_level(who, &s.path) == awaits;
    let p = SolutionPage {
        title: s.title.clone(),
        done: done_text(&ui, done),
        error,
        org_name: s.org_name.clone(),
        problem: s.problem.clone(),
        method: s.method.clone(),
        results: s.results.clone(),
        submitted: display(s.submitted_at),
        s: solution_line(&ui, &s),
        reviews,
        adopted_by,
        rubric: if may_review {
            rubric.iter().map(|c| (c.code.clone(), c.name.clone(), c.max_points)).collect()
        } else {
            vec![]
        },
        review_level: awaits.map(|l| l.label(ui.lang.code()).to_string()).unwrap_or_default(),
        can_adopt: s.status() == GoldenStatus::Promoted && who.can(Permission::RunActivities) && !runs_at(who, &s.path),
        default_territory: home_code(who, Permission::RunActivities),
        typed: Typed::new(typed),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/golden-solutions/{id}`: one solution, its reviews and adoptions, and the forms.
pub async fn solution_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<LifeDoneQuery>,
) -> Result<Response, PageError> {
    solution_render(&state, &auth, ui, &id, q.done.as_deref().unwrap_or(""), vec![], None).await
}

/// `POST /golden-solutions/{id}/review`: the rubric's points, one field per criterion.
pub async fn solution_review_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let to = format!("/golden-solutions/{id}");
    let result = async {
        let sid = crate::api::parse_id(&id)?;
        let mut scores = Vec::new();
        for c in state.store.rubric().await? {
            let v = get(&pairs, &format!("score_{}", c.code)).trim().to_string();
            let n = v.parse::<i64>().map_err(|_| {
                ApiError::invalid("scores", format!("“{}”应填0到{}的整数分 (whole points)", c.name, c.max_points))
            })?;
            scores.push((c.code, n));
        }
        state
            .store
            .review_solution(
                &auth.audit_ctx(),
                &auth.principal,
                sid,
                &scores,
                get(&pairs, "comment"),
                state.clock.now(),
            )
            .await?;
        Ok::<_, ApiError>("reviewed")
    }
    .await;
    back_to(&state, &auth, ui, &to, result, pairs).await
}

/// `POST /golden-solutions/{id}/adopt`: the viewer's community takes it up.
pub async fn solution_adopt_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let to = format!("/golden-solutions/{id}");
    let result = async {
        let sid = crate::api::parse_id(&id)?;
        state
            .store
            .adopt_solution(
                &auth.audit_ctx(),
                &auth.principal,
                sid,
                get(&pairs, "territory"),
                get(&pairs, "note"),
                state.clock.now(),
            )
            .await?;
        Ok::<_, ApiError>("taken_up")
    }
    .await;
    back_to(&state, &auth, ui, &to, result, pairs).await
}
