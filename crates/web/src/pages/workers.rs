//! The community worker pages: every worker of the scope with the figures at the top and a
//! grid worker brought under management; a worker's record (grid posts, appraisals,
//! promotions, each with its form); recruitment batches and one batch's applicants ranked by
//! score, scored and hired on the page; the 三岗十八级 table with the pay-grade report by
//! community. A refused form keeps what was typed.

use super::*;
use crate::api::{ask_of, WorkerParams};
use crate::auth::Auth;
use crate::pages::appeals::error_text;
use crate::pages::service::{get, residents_matching, Pairs, Typed};
use crate::state::AppState;
use axum::extract::{Form, State};
use chrono::{Datelike, NaiveDate};
use jiayuan_domain::access::Permission;
use jiayuan_domain::money::{format_fen, parse_yuan};
use jiayuan_domain::worker::{
    self as rules, Appraisal, Education, GradeRow, PayScale, Post, Qualification, WorkerKind,
};
use jiayuan_store::model::Page;
use jiayuan_store::support::{Hire, NewApplicant, NewRecruitment, NewWorker, WorkerQuery};
use uuid::Uuid;

fn yuan(fen: i64) -> String {
    format!("¥{}", format_fen(fen))
}

fn done_text(ui: &Ui, done: &str) -> String {
    match done {
        "registered" | "hired" | "posted" | "appraised" | "promoted" | "created" | "applied" | "scored" | "table" => {
            ui.t(&format!("wk.done_{done}")).to_string()
        }
        _ => String::new(),
    }
}

fn day(field: &str, s: &str) -> Result<NaiveDate, ApiError> {
    crate::api::day_of(field, s)
}

fn options<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T, &str) -> &'static str,
    lang: &str,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|v| (code(*v), label(*v, lang))).collect()
}

fn post_options(lang: &str) -> Vec<(&'static str, &'static str)> {
    options(Post::ALL, Post::as_str, Post::label, lang)
}

fn kind_label(code: &str, lang: &str) -> String {
    WorkerKind::parse(code).map(|k| k.label(lang).to_string()).unwrap_or_default()
}

fn post_label(code: &str, lang: &str) -> String {
    Post::parse(code).map(|k| k.label(lang).to_string()).unwrap_or_default()
}

fn today(state: &AppState) -> NaiveDate {
    jiayuan_domain::time::beijing(state.clock.now()).date()
}

// --- every worker --------------------------------------------------------------------------

pub struct WorkerLine {
    pub id: String,
    pub name: String,
    pub community: String,
    pub post: String,
    pub grade: i64,
    pub grid: String,
    pub kind: String,
    pub hired_on: String,
}

#[derive(Template)]
#[template(path = "workers.html")]
struct WorkersPage {
    ui: Ui,
    title: String,
    error: Option<String>,
    done: String,
    rows: Vec<WorkerLine>,
    total: i64,
    page: u32,
    pages: u32,
    serving: i64,
    recruited: i64,
    payroll: String,
    posts: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    educations: Vec<(&'static str, &'static str)>,
    qualifications: Vec<(&'static str, &'static str)>,
    communities: Vec<(String, String)>,
    may_register: bool,
    may_recruit: bool,
    who: String,
    found: Vec<(String, String, bool)>,
    filter_q: String,
    filter_post: String,
    filter_kind: String,
    filter_within: String,
    typed: Typed,
    today: String,
}

#[derive(Deserialize, Default)]
pub struct WorkersQuery {
    pub within: Option<String>,
    pub post: Option<String>,
    pub kind: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
    pub done: Option<String>,
    pub who: Option<String>,
}

async fn workers_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    q: &WorkersQuery,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let lang = ui.lang.code();
    let params = WorkerParams {
        within: q.within.clone(),
        post: q.post.clone(),
        kind: q.kind.clone(),
        q: q.q.clone(),
        page: q.page.clone(),
        page_size: Some("50".into()),
    };
    let f = params.query().page(&ui)?;
    let page = crate::api::ListParams { page: q.page.clone(), page_size: Some("50".into()), ..Default::default() }
        .page()
        .page(&ui)?;
    let rows = state.store.workers(&auth.principal, &f, page).await.page(&ui)?;
    let report = state.store.pay_report(&auth.principal, None).await.page(&ui)?;
    let recruited = state
        .store
        .workers(
            &auth.principal,
            &WorkerQuery { kind: Some(WorkerKind::Recruited), all: true, ..Default::default() },
            Page { page: 1, page_size: 1 },
        )
        .await
        .page(&ui)?
        .total;
    let may_recruit = auth.principal.can(Permission::RecruitWorkers);
    let who = q.who.clone().unwrap_or_default();
    let found = if may_recruit {
        residents_matching(state, &auth.principal, &who, get(&typed, "person_id")).await.page(&ui)?
    } else {
        vec![]
    };
    let p = WorkersPage {
        title: ui.t("wk.title").into(),
        error,
        done: done_text(&ui, q.done.as_deref().unwrap_or("")),
        rows: rows
            .items
            .iter()
            .map(|w| WorkerLine {
                id: w.id.to_string(),
                name: w.name.clone(),
                community: w.community_name.clone(),
                post: post_label(&w.post, lang),
                grade: w.grade,
                grid: w.grid_name.clone().unwrap_or_default(),
                kind: kind_label(&w.kind, lang),
                hired_on: w.hired_on.to_string(),
            })
            .collect(),
        total: rows.total,
        page: rows.page,
        pages: (rows.total.max(1) as u32).div_ceil(rows.page_size),
        serving: report.iter().map(|l| l.workers).sum(),
        recruited,
        payroll: yuan(report.iter().map(|l| l.monthly_pay_fen).sum()),
        posts: post_options(lang),
        kinds: options(WorkerKind::ALL, WorkerKind::as_str, WorkerKind::label, lang),
        educations: options(Education::ALL, Education::as_str, Education::label, lang),
        qualifications: options(Qualification::ALL, Qualification::as_str, Qualification::label, lang),
        communities: state
            .store
            .territories_for(&auth.principal, Permission::RecruitWorkers, &["community"], None)
            .await
            .page(&ui)?,
        may_register: may_recruit,
        may_recruit,
        who: who.trim().to_string(),
        found,
        filter_q: q.q.clone().unwrap_or_default(),
        filter_post: q.post.clone().unwrap_or_default(),
        filter_kind: q.kind.clone().unwrap_or_default(),
        filter_within: q.within.clone().unwrap_or_default(),
        typed: Typed::new(typed),
        today: today(state).to_string(),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/workers`: the community workers of the scope.
pub async fn workers_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<WorkersQuery>,
) -> Result<Response, PageError> {
    workers_render(&state, &auth, ui, &q, vec![], None).await
}

/// `POST /workers`: a resident brought under community worker management.
pub async fn register_worker_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let r = async {
        let person = Uuid::parse_str(get(&pairs, "person_id").trim())
            .map_err(|_| ApiError::invalid("person_id", "请先查找并选择居民 (find and choose the resident)"))?;
        let w = NewWorker {
            person,
            kind: WorkerKind::parse_field(get(&pairs, "kind"), "kind")?,
            community: get(&pairs, "community").into(),
            post: Post::parse_field(get(&pairs, "post"), "post")?,
            grade: opt_int(get(&pairs, "grade"), "grade")?,
            education: Education::parse_field(get(&pairs, "education"), "education")?,
            qualification: opt_qualification(get(&pairs, "qualification"))?,
            years_of_service: opt_int(get(&pairs, "years_of_service"), "years_of_service")?.unwrap_or(0),
            hired_on: day("hired_on", get(&pairs, "hired_on"))?,
        };
        Ok::<_, ApiError>(state.store.register_worker(&auth.audit_ctx(), &auth.principal, &w, state.clock.now()).await?)
    }
    .await;
    match r {
        Ok(rec) => Ok(crate::redirect::to(&format!("/workers/{}?done=registered", rec.worker.id))),
        Err(e) => {
            let status = e.status;
            let q = WorkersQuery { who: Some(get(&pairs, "who").to_string()), ..Default::default() };
            let page = workers_render(&state, &auth, ui, &q, pairs, Some(error_text(&e))).await?;
            Ok((status, page).into_response())
        }
    }
}

fn opt_int(s: &str, field: &str) -> Result<Option<i64>, ApiError> {
    match s.trim() {
        "" => Ok(None),
        t => {
            t.parse::<i64>().map(Some).map_err(|_| ApiError::invalid(field, format!("“{t}”不是整数 (a whole number)")))
        }
    }
}

fn opt_qualification(s: &str) -> Result<Option<Qualification>, ApiError> {
    match s.trim() {
        "" => Ok(None),
        t => Ok(Some(Qualification::parse_field(t, "qualification")?)),
    }
}

// --- one worker -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "worker.html")]
struct WorkerPage {
    ui: Ui,
    title: String,
    id: String,
    error: Option<String>,
    done: String,
    community: String,
    kind: String,
    post: String,
    grade: i64,
    grade_since: String,
    pay: String,
    education: String,
    qualification: String,
    hired_on: String,
    phone: String,
    grid: String,
    /// (grid, from, to)
    posts: Vec<(String, String, String)>,
    /// (year, result, failed, note)
    appraisals: Vec<(i64, String, bool, String)>,
    /// (day, from, to, rule, reason)
    promotions: Vec<(String, String, String, String, String)>,
    grids: Vec<(String, String)>,
    results: Vec<(&'static str, &'static str)>,
    rules_list: Vec<(&'static str, &'static str)>,
    posts_list: Vec<(&'static str, &'static str)>,
    qualifications: Vec<(&'static str, &'static str)>,
    may_promote: bool,
    serving: bool,
    typed: Typed,
    today: String,
    last_year: i32,
    /// A head's post: this year's programme, (day, kind, title, attended, score).
    programme: Vec<(String, String, String, bool, String)>,
    programme_year: i32,
}

#[derive(Deserialize, Default)]
pub struct WorkerDoneQuery {
    pub done: Option<String>,
}

async fn worker_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: &str,
    done: &str,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let lang = ui.lang.code();
    let id = crate::api::parse_id(id).page(&ui)?;
    let rec = state.store.worker(&auth.principal, id).await.page(&ui)?;
    let w = &rec.worker;
    let p = WorkerPage {
        title: w.name.clone(),
        id: w.id.to_string(),
        error,
        done: done_text(&ui, done),
        community: w.community_name.clone(),
        kind: kind_label(&w.kind, lang),
        post: post_label(&w.post, lang),
        grade: w.grade,
        grade_since: w.grade_since.to_string(),
        pay: rec.monthly_pay_fen.map(yuan).unwrap_or_default(),
        education: Education::parse(&w.education).map(|e| e.label(lang).to_string()).unwrap_or_default(),
        qualification: w.qualification().map(|q| q.label(lang).to_string()).unwrap_or_default(),
        hired_on: w.hired_on.to_string(),
        phone: rec.phone_masked.clone(),
        grid: w.grid_name.clone().unwrap_or_default(),
        posts: rec
            .posts
            .iter()
            .map(|p| (p.grid_name.clone(), p.from_on.to_string(), p.to_on.map(|d| d.to_string()).unwrap_or_default()))
            .collect(),
        appraisals: rec
            .appraisals
            .iter()
            .map(|a| {
                let r = Appraisal::parse(&a.result);
                (
                    a.year,
                    r.map(|r| r.label(lang).to_string()).unwrap_or_default(),
                    r == Some(Appraisal::Failed),
                    a.note.clone(),
                )
            })
            .collect(),
        promotions: rec
            .promotions
            .iter()
            .map(|p| {
                (
                    p.effective_on.to_string(),
                    format!("{} {}", post_label(&p.from_post, lang), p.from_grade),
                    format!("{} {}", post_label(&p.to_post, lang), p.to_grade),
                    rules::PromotionRule::parse(&p.rule).map(|r| r.label(lang).to_string()).unwrap_or_default(),
                    p.reason.clone(),
                )
            })
            .collect(),
        grids: state.store.community_grids(w.community_id).await.page(&ui)?,
        results: options(Appraisal::ALL, Appraisal::as_str, Appraisal::label, lang),
        rules_list: options(rules::PromotionRule::ALL, rules::PromotionRule::as_str, rules::PromotionRule::label, lang),
        posts_list: post_options(lang),
        qualifications: options(Qualification::ALL, Qualification::as_str, Qualification::label, lang),
        may_promote: auth.principal.can(Permission::RecruitWorkers),
        serving: w.left_on.is_none(),
        typed: Typed::new(typed),
        today: today(state).to_string(),
        last_year: today(state).year() - 1,
        programme: if w.post() == Some(Post::Principal) {
            state
                .store
                .programme_record(&auth.principal, w.id, today(state).year())
                .await
                .page(&ui)?
                .iter()
                .map(|(e, attended, score)| {
                    (
                        e.held_on.to_string(),
                        jiayuan_domain::secretary::ProgrammeKind::parse(&e.kind)
                            .map(|k| k.label(lang).to_string())
                            .unwrap_or_default(),
                        e.title.clone(),
                        *attended,
                        score.map(rules::show_score).unwrap_or_default(),
                    )
                })
                .collect()
        } else {
            vec![]
        },
        programme_year: today(state).year(),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/workers/{id}`: a worker's record with its forms.
pub async fn worker_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<WorkerDoneQuery>,
) -> Result<Response, PageError> {
    worker_render(&state, &auth, ui, &id, q.done.as_deref().unwrap_or(""), vec![], None).await
}

/// `POST /workers/{id}`: one of the record's forms (`action` = grid, appraisal or promotion).
pub async fn worker_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let r = async {
        let wid = crate::api::parse_id(&id)?;
        let (ctx, who, now) = (auth.audit_ctx(), &auth.principal, state.clock.now());
        Ok::<_, ApiError>(match get(&pairs, "action") {
            "grid" => {
                let from = day("from_on", get(&pairs, "from_on"))?;
                state.store.assign_grid(&ctx, who, wid, get(&pairs, "grid"), from, now).await?;
                "posted"
            }
            "appraisal" => {
                let year = opt_int(get(&pairs, "year"), "year")?
                    .ok_or_else(|| ApiError::invalid("year", "请填写考核年度 (the year)"))?;
                let result = Appraisal::parse_field(get(&pairs, "result"), "result")?;
                let a = jiayuan_store::support::NewAppraisal { year, result, note: get(&pairs, "note").into() };
                state.store.appraise(&ctx, who, wid, &a, now).await?;
                "appraised"
            }
            "promotion" => {
                let pick = |k: &str| Some(get(&pairs, k).to_string()).filter(|s| !s.trim().is_empty());
                let ask = ask_of(get(&pairs, "rule"), &pick("qualification"), &pick("post"))?;
                let on = day("effective_on", get(&pairs, "effective_on"))?;
                state.store.promote(&ctx, who, wid, ask, on, now).await?;
                "promoted"
            }
            _ => return Err(ApiError::invalid("action", "未知操作 (unknown action)")),
        })
    }
    .await;
    match r {
        Ok(done) => Ok(crate::redirect::to(&format!("/workers/{}?done={done}", super::code_segment(&id)))),
        Err(e) => {
            let status = e.status;
            let page = worker_render(&state, &auth, ui, &id, "", pairs, Some(error_text(&e))).await?;
            Ok((status, page).into_response())
        }
    }
}

// --- recruitment -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "recruitments.html")]
struct RecruitmentsPage {
    ui: Ui,
    title: String,
    error: Option<String>,
    /// (id, title, territory, announced, places, applicants, hired)
    rows: Vec<(String, String, String, String, i64, i64, i64)>,
    territories: Vec<(String, String)>,
    typed: Typed,
    today: String,
}

async fn recruitments_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let rows = state.store.recruitments(&auth.principal).await.page(&ui)?;
    let p = RecruitmentsPage {
        title: ui.t("wk.recruitments").into(),
        error,
        rows: rows
            .iter()
            .map(|r| {
                (
                    r.id.to_string(),
                    r.title.clone(),
                    r.territory_name.clone(),
                    r.announced_on.to_string(),
                    r.places,
                    r.applicants,
                    r.hired,
                )
            })
            .collect(),
        territories: state
            .store
            .territories_for(&auth.principal, Permission::RecruitWorkers, &["district", "subdistrict"], None)
            .await
            .page(&ui)?,
        typed: Typed::new(typed),
        today: today(state).to_string(),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/workers/recruitments`: the batches, and a new one.
pub async fn recruitments_page(auth: Auth, State(state): State<AppState>, ui: Ui) -> Result<Response, PageError> {
    recruitments_render(&state, &auth, ui, vec![], None).await
}

/// `POST /workers/recruitments`: announces a batch.
pub async fn recruitment_create_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let r = async {
        let n = NewRecruitment {
            territory: get(&pairs, "territory").into(),
            title: get(&pairs, "title").into(),
            announced_on: day("announced_on", get(&pairs, "announced_on"))?,
            places: opt_int(get(&pairs, "places"), "places")?
                .ok_or_else(|| ApiError::invalid("places", "请填写招聘名额 (the number of places)"))?,
            exam_weight: opt_int(get(&pairs, "exam_weight"), "exam_weight")?.unwrap_or(50),
            note: get(&pairs, "note").into(),
        };
        Ok::<_, ApiError>(
            state.store.create_recruitment(&auth.audit_ctx(), &auth.principal, &n, state.clock.now()).await?,
        )
    }
    .await;
    match r {
        Ok(r) => Ok(crate::redirect::to(&format!("/workers/recruitments/{}?done=created", r.id))),
        Err(e) => {
            let status = e.status;
            let page = recruitments_render(&state, &auth, ui, pairs, Some(error_text(&e))).await?;
            Ok((status, page).into_response())
        }
    }
}

pub struct ApplicantRow {
    pub id: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub education: String,
    pub years: i64,
    pub exam: String,
    pub interview: String,
    pub total: String,
    pub rank: String,
    pub hired: bool,
    pub scored: bool,
    pub worker: String,
}

#[derive(Template)]
#[template(path = "recruitment.html")]
struct RecruitmentPage {
    ui: Ui,
    title: String,
    id: String,
    error: Option<String>,
    done: String,
    territory: String,
    announced_on: String,
    places: i64,
    hired: i64,
    exam_weight: i64,
    note: String,
    rows: Vec<ApplicantRow>,
    /// The applicant whose form was refused: its form keeps what was typed.
    focus: String,
    communities: Vec<(String, String)>,
    posts: Vec<(&'static str, &'static str)>,
    educations: Vec<(&'static str, &'static str)>,
    qualifications: Vec<(&'static str, &'static str)>,
    typed: Typed,
    today: String,
}

async fn recruitment_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: &str,
    done: &str,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let lang = ui.lang.code();
    let rid = crate::api::parse_id(id).page(&ui)?;
    let (r, lines) = state.store.recruitment(&auth.principal, rid).await.page(&ui)?;
    let focus = get(&typed, "applicant").to_string();
    let p = RecruitmentPage {
        title: r.title.clone(),
        id: r.id.to_string(),
        error,
        done: done_text(&ui, done),
        territory: r.territory_name.clone(),
        announced_on: r.announced_on.to_string(),
        places: r.places,
        hired: r.hired,
        exam_weight: r.exam_weight,
        note: r.note.clone(),
        rows: lines
            .iter()
            .map(|l| {
                let a = &l.applicant;
                ApplicantRow {
                    id: a.id.to_string(),
                    name: a.name.clone(),
                    id_number: l.id_number_masked.clone(),
                    phone: l.phone_masked.clone(),
                    education: Education::parse(&a.education).map(|e| e.label(lang).to_string()).unwrap_or_default(),
                    years: a.years_of_service,
                    exam: a.exam_score.map(rules::show_score).unwrap_or_default(),
                    interview: a.interview_score.map(rules::show_score).unwrap_or_default(),
                    total: l.total.map(rules::show_score).unwrap_or_default(),
                    rank: l.rank.map(|r| r.to_string()).unwrap_or_default(),
                    hired: a.status == "hired",
                    scored: l.total.is_some(),
                    worker: a.worker_id.map(|w| w.to_string()).unwrap_or_default(),
                }
            })
            .collect(),
        focus,
        communities: state
            .store
            .territories_for(&auth.principal, Permission::RecruitWorkers, &["community"], Some(&r.path))
            .await
            .page(&ui)?,
        posts: post_options(lang),
        educations: options(Education::ALL, Education::as_str, Education::label, lang),
        qualifications: options(Qualification::ALL, Qualification::as_str, Qualification::label, lang),
        typed: Typed::new(typed),
        today: today(state).to_string(),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/workers/recruitments/{id}`: a batch's applicants ranked, scored and hired here.
pub async fn recruitment_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<WorkerDoneQuery>,
) -> Result<Response, PageError> {
    recruitment_render(&state, &auth, ui, &id, q.done.as_deref().unwrap_or(""), vec![], None).await
}

/// `POST /workers/recruitments/{id}`: an applicant added, scored or hired (`action`).
pub async fn recruitment_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let r = async {
        let rid = crate::api::parse_id(&id)?;
        let (ctx, who, now) = (auth.audit_ctx(), &auth.principal, state.clock.now());
        let applicant = || crate::api::parse_id(get(&pairs, "applicant"));
        Ok::<_, ApiError>(match get(&pairs, "action") {
            "apply" => {
                let a = NewApplicant {
                    name: get(&pairs, "name").into(),
                    id_number: get(&pairs, "id_number").into(),
                    phone: get(&pairs, "phone").into(),
                    education: Education::parse_field(get(&pairs, "education"), "education")?,
                    years_of_service: opt_int(get(&pairs, "years_of_service"), "years_of_service")?.unwrap_or(0),
                };
                state.store.add_applicant(&ctx, who, rid, &a, now).await?;
                "applied"
            }
            "scores" => {
                let score = |k: &str| match get(&pairs, k).trim() {
                    "" => Ok(None),
                    s => rules::parse_score(s, k).map(Some),
                };
                let (e, i) = (score("exam_score")?, score("interview_score")?);
                state.store.score_applicant(&ctx, who, applicant()?, e, i).await?;
                "scored"
            }
            "hire" => {
                let h = Hire {
                    community: get(&pairs, "community").into(),
                    post: Post::parse_field(get(&pairs, "post"), "post")?,
                    grade: opt_int(get(&pairs, "grade"), "grade")?,
                    qualification: opt_qualification(get(&pairs, "qualification"))?,
                    hired_on: day("hired_on", get(&pairs, "hired_on"))?,
                };
                state.store.hire(&ctx, who, applicant()?, &h, now).await?;
                "hired"
            }
            _ => return Err(ApiError::invalid("action", "未知操作 (unknown action)")),
        })
    }
    .await;
    match r {
        Ok(done) => Ok(crate::redirect::to(&format!("/workers/recruitments/{}?done={done}", super::code_segment(&id)))),
        Err(e) => {
            let status = e.status;
            let page = recruitment_render(&state, &auth, ui, &id, "", pairs, Some(error_text(&e))).await?;
            Ok((status, page).into_response())
        }
    }
}

// --- the table and the report --------------------------------------------------------------

pub struct PayCell {
    pub key: String,
    pub pay: String,
    pub years: i64,
    pub passes: i64,
}

pub struct PayReportLine {
    pub name: String,
    pub workers: i64,
    pub by_post: [i64; 3],
    pub payroll: String,
    /// Bar widths (0–100) of grades 1–18, and the counts.
    pub bars: Vec<(i64, u32, i64)>,
}

#[derive(Template)]
#[template(path = "worker_pay.html")]
struct PayPage {
    ui: Ui,
    title: String,
    error: Option<String>,
    done: String,
    posts: Vec<(&'static str, &'static str)>,
    /// Grade 18 first: (grade, a cell per post kind)
    table: Vec<(i64, Vec<Option<PayCell>>)>,
    lines: Vec<PayReportLine>,
    total_workers: i64,
    total_payroll: String,
    may_set: bool,
}

async fn pay_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    done: &str,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let lang = ui.lang.code();
    let scale = state.store.pay_scale().await.page(&ui)?;
    let report = state.store.pay_report(&auth.principal, None).await.page(&ui)?;
    let typed = Typed::new(typed);
    let table = (1..=rules::MAX_GRADE)
        .rev()
        .map(|g| {
            let cells = Post::ALL
                .iter()
                .map(|p| {
                    scale.row(*p, g).map(|r| {
                        let key = format!("{}.{g}", p.as_str());
                        PayCell {
                            pay: Some(typed.get(&format!("pay.{key}")).to_string())
                                .filter(|s| !s.is_empty())
                                .unwrap_or_else(|| format_fen(r.monthly_pay_fen)),
                            years: r.years_to_next,
                            passes: r.passes_to_next,
                            key,
                        }
                    })
                })
                .collect();
            (g, cells)
        })
        .collect();
    let lines = report
        .iter()
        .map(|l| {
            let most = l.by_grade.iter().copied().max().unwrap_or(0).max(1);
            PayReportLine {
                name: l.community_name.clone(),
                workers: l.workers,
                by_post: l.by_post,
                payroll: yuan(l.monthly_pay_fen),
                bars: l.by_grade.iter().enumerate().map(|(i, n)| (i as i64 + 1, (n * 100 / most) as u32, *n)).collect(),
            }
        })
        .collect();
    let p = PayPage {
        title: ui.t("wk.pay").into(),
        error,
        done: done_text(&ui, done),
        posts: post_options(lang),
        table,
        lines,
        total_workers: report.iter().map(|l| l.workers).sum(),
        total_payroll: yuan(report.iter().map(|l| l.monthly_pay_fen).sum()),
        may_set: auth.principal.can(Permission::SetPayScale),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/workers/pay`: the 三岗十八级 table and the pay-grade report by community.
pub async fn worker_pay_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<WorkerDoneQuery>,
) -> Result<Response, PageError> {
    pay_render(&state, &auth, ui, q.done.as_deref().unwrap_or(""), vec![], None).await
}

/// `POST /workers/pay`: the table's pay (yuan) as edited on the page; the grades each post
/// spans and the conditions stay as they are (the API sets those).
pub async fn worker_pay_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let r = async {
        let scale = state.store.pay_scale().await?;
        let mut rows: Vec<GradeRow> = Vec::with_capacity(scale.rows.len());
        for r in &scale.rows {
            let key = format!("pay.{}.{}", r.post.as_str(), r.grade);
            let typed = get(&pairs, &key);
            let pay = if typed.trim().is_empty() { r.monthly_pay_fen } else { parse_yuan(&key, typed)? };
            rows.push(GradeRow { monthly_pay_fen: pay, ..r.clone() });
        }
        Ok::<_, ApiError>(
            state
                .store
                .set_pay_scale(&auth.audit_ctx(), &auth.principal, &PayScale { rows }, state.clock.now())
                .await?,
        )
    }
    .await;
    match r {
        Ok(_) => Ok(crate::redirect::to("/workers/pay?done=table")),
        Err(e) => {
            let status = e.status;
            let page = pay_render(&state, &auth, ui, "", pairs, Some(error_text(&e))).await?;
            Ok((status, page).into_response())
        }
    }
}

// --- the secretaries' development programme ----------------------------------------------------

#[derive(Template)]
#[template(path = "programme.html")]
struct ProgrammePage {
    ui: Ui,
    title: String,
    error: Option<String>,
    year: i32,
    /// (id, day, kind, title, held by, attended)
    events: Vec<(String, String, String, String, String, i64)>,
    /// (kind label, held this year, planned a year)
    counts: Vec<(&'static str, i64, i64)>,
    /// Territories whose standings one may read, and where one may hold events: (code, name)
    standings_over: Vec<(String, String)>,
    holders: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    typed: Typed,
    today: String,
}

#[derive(Deserialize, Default)]
pub struct ProgrammeQuery {
    pub year: Option<String>,
    pub within: Option<String>,
    pub done: Option<String>,
}

async fn programme_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    year: &Option<String>,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    use jiayuan_domain::secretary::ProgrammeKind;
    let lang = ui.lang.code();
    let year = crate::api::year_or_now(state, year).page(&ui)?;
    let events = state.store.programme_events(&auth.principal, year).await.page(&ui)?;
    let kind_label = |k: &str| ProgrammeKind::parse(k).map(|k| k.label(lang)).unwrap_or("");
    let mut over = state
        .store
        .territories_for(&auth.principal, Permission::ManageWorkers, &["district", "subdistrict"], None)
        .await
        .page(&ui)?;
    if over.is_empty() {
        // A community secretary reads the standings of their subdistrict.
        over = state
            .store
            .territories_for(&auth.principal, Permission::ViewTerritory, &["community"], None)
            .await
            .page(&ui)?;
    }
    let p = ProgrammePage {
        title: ui.t("pg.title").into(),
        error,
        year,
        counts: ProgrammeKind::ALL
            .iter()
            .map(|k| (k.label(lang), events.iter().filter(|e| e.kind == k.as_str()).count() as i64, k.per_year()))
            .collect(),
        events: events
            .iter()
            .map(|e| {
                (
                    e.id.to_string(),
                    e.held_on.to_string(),
                    kind_label(&e.kind).to_string(),
                    e.title.clone(),
                    e.territory_name.clone(),
                    e.attended,
                )
            })
            .collect(),
        standings_over: over,
        holders: state
            .store
            .territories_for(&auth.principal, Permission::RunProgramme, &["district", "subdistrict"], None)
            .await
            .page(&ui)?,
        kinds: ProgrammeKind::ALL.iter().map(|k| (k.as_str(), k.label(lang))).collect(),
        typed: Typed::new(typed),
        today: today(state).to_string(),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/programme`: the year's events of the secretaries' development programme.
pub async fn programme_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ProgrammeQuery>,
) -> Result<Response, PageError> {
    programme_render(&state, &auth, ui, &q.year, vec![], None).await
}

/// `POST /programme`: holds an event.
pub async fn programme_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let r = async {
        let e = jiayuan_store::support::NewProgrammeEvent {
            territory: get(&pairs, "territory").into(),
            kind: jiayuan_domain::secretary::ProgrammeKind::parse_field(get(&pairs, "kind"), "kind")?,
            held_on: day("held_on", get(&pairs, "held_on"))?,
            title: get(&pairs, "title").into(),
            note: get(&pairs, "note").into(),
        };
        Ok::<_, ApiError>(
            state.store.create_programme_event(&auth.audit_ctx(), &auth.principal, &e, state.clock.now()).await?,
        )
    }
    .await;
    match r {
        Ok(e) => Ok(crate::redirect::to(&format!("/programme/{}", e.id))),
        Err(e) => {
            let status = e.status;
            let page = programme_render(&state, &auth, ui, &None, pairs, Some(error_text(&e))).await?;
            Ok((status, page).into_response())
        }
    }
}

pub struct RosterRow {
    pub id: String,
    pub name: String,
    pub community: String,
    pub attended: bool,
    pub score: String,
}

#[derive(Template)]
#[template(path = "programme_event.html")]
struct ProgrammeEventPage {
    ui: Ui,
    title: String,
    id: String,
    error: Option<String>,
    done: String,
    kind: String,
    held_on: String,
    held_by: String,
    note: String,
    scored: bool,
    may_record: bool,
    rows: Vec<RosterRow>,
}

async fn programme_event_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: &str,
    done: &str,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    use jiayuan_domain::secretary::ProgrammeKind;
    let eid = crate::api::parse_id(id).page(&ui)?;
    let (e, roster) = state.store.programme_event(&auth.principal, eid).await.page(&ui)?;
    let kind = ProgrammeKind::parse(&e.kind);
    let retyped = !typed.is_empty();
    let p = ProgrammeEventPage {
        title: e.title.clone(),
        id: e.id.to_string(),
        error,
        done: if done == "recorded" { ui.t("pg.done_recorded").into() } else { String::new() },
        kind: kind.map(|k| k.label(ui.lang.code()).to_string()).unwrap_or_default(),
        held_on: e.held_on.to_string(),
        held_by: e.territory_name.clone(),
        note: e.note.clone(),
        scored: kind.is_some_and(|k| k.scored()),
        may_record: auth.principal.scope(Permission::RunProgramme).is_ok_and(|s| s.covers_path(&e.path)),
        rows: roster
            .iter()
            .map(|r| {
                let key = r.worker_id.to_string();
                RosterRow {
                    attended: if retyped {
                        get(&typed, &format!("at.{key}")) == "1"
                    } else {
                        r.attended.unwrap_or(false)
                    },
                    score: if retyped {
                        get(&typed, &format!("score.{key}")).to_string()
                    } else {
                        r.score.map(rules::show_score).unwrap_or_default()
                    },
                    id: key,
                    name: r.name.clone(),
                    community: r.community_name.clone(),
                }
            })
            .collect(),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/programme/{id}`: an event with its roster, attendance and scores recorded here.
pub async fn programme_event_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<ProgrammeQuery>,
) -> Result<Response, PageError> {
    programme_event_render(&state, &auth, ui, &id, q.done.as_deref().unwrap_or(""), vec![], None).await
}

/// `POST /programme/{id}`: the roster as ticked, with the scores typed.
pub async fn programme_event_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let r = async {
        let eid = crate::api::parse_id(&id)?;
        let mut lines = Vec::new();
        for w in pairs.iter().filter(|(k, _)| k == "worker").map(|(_, v)| v.clone()) {
            let worker = crate::api::parse_id(&w)?;
            let field = format!("score.{w}");
            let score = match get(&pairs, &field).trim() {
                "" => None,
                s => Some(rules::parse_score(s, &field)?),
            };
            lines.push(jiayuan_store::support::Presence {
                worker,
                attended: get(&pairs, &format!("at.{w}")) == "1",
                score,
            });
        }
        Ok::<_, ApiError>(
            state.store.record_programme(&auth.audit_ctx(), &auth.principal, eid, &lines, state.clock.now()).await?,
        )
    }
    .await;
    match r {
        Ok(_) => Ok(crate::redirect::to(&format!("/programme/{}?done=recorded", super::code_segment(&id)))),
        Err(e) => {
            let status = e.status;
            let page = programme_event_render(&state, &auth, ui, &id, "", pairs, Some(error_text(&e))).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "programme_standings.html")]
struct StandingsPage {
    ui: Ui,
    title: String,
    year: i32,
    within: String,
    /// (rank, worker id, name, community, attended/held, mean, bar width)
    rows: Vec<(usize, String, String, String, String, String, u32)>,
}

/// `/programme/standings?within=CODE&year=`: the year's standings of the secretaries under a
/// territory, with each one's mean score drawn.
pub async fn programme_standings_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ProgrammeQuery>,
) -> Result<Response, PageError> {
    let year = crate::api::year_or_now(&state, &q.year).page(&ui)?;
    let within = q.within.clone().unwrap_or_default();
    let t = state.store.territory_by_code(&within).await.map_err(|_| ApiError::not_found()).page(&ui)?;
    let lines = state.store.programme_standings(&auth.principal, &within, year).await.page(&ui)?;
    let p = StandingsPage {
        title: format!("{} · {}", t.name, ui.t("pg.standings")),
        year,
        within: within.clone(),
        rows: lines
            .iter()
            .map(|l| {
                (
                    l.line.rank,
                    l.line.who.to_string(),
                    l.name.clone(),
                    l.community_name.clone(),
                    format!("{}/{}", l.line.attended, l.line.held),
                    l.line.mean_score.map(rules::show_score).unwrap_or_else(|| "—".into()),
                    l.line.mean_score.map(|m| (m / 10).clamp(0, 100) as u32).unwrap_or(0),
                )
            })
            .collect(),
        ui: ui.clone(),
    };
    render(ui, p)
}
