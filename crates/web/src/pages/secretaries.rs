//! The grid party secretaries' pages: who is on file now in each grid of the scope, and a
//! grid's record — the filings over time (filed here by the subdistrict), the reports to the
//! community and to the grid's members and residents, and the appraisals with every score
//! (typed as on the paper tally: one line per scorer, "name score"). A refused form keeps
//! what was typed.

use super::*;
use crate::auth::Auth;
use crate::pages::appeals::error_text;
use crate::pages::service::{get, residents_matching, Pairs, Typed};
use crate::state::AppState;
use axum::extract::{Form, State};
use chrono::Datelike;
use jiayuan_domain::secretary::{Audience, ScorerKind};
use jiayuan_domain::worker::{show_score, Appraisal};
use jiayuan_store::grid::{NewFiling, NewReport, NewReview};

fn done_text(ui: &Ui, done: &str) -> String {
    match done {
        "filed" | "reported" | "reviewed" => ui.t(&format!("gs.done_{done}")).to_string(),
        _ => String::new(),
    }
}

#[derive(Template)]
#[template(path = "grid_secretaries.html")]
struct SecretariesPage {
    ui: Ui,
    title: String,
    /// (grid code, grid name, secretary, filed on, from)
    rows: Vec<(String, String, String, String, String)>,
    /// Grids of the scope without a secretary on file: (code, name)
    missing: Vec<(String, String)>,
}

/// `/grid-secretaries`: the secretaries on file now, and the grids without one.
pub async fn grid_secretaries_page(auth: Auth, State(state): State<AppState>, ui: Ui) -> Result<Response, PageError> {
    let filed = state.store.grid_secretaries(&auth.principal).await.page(&ui)?;
    let grids = state.store.my_grids(&auth.principal).await.unwrap_or_default();
    let p = SecretariesPage {
        title: ui.t("gs.title").into(),
        rows: filed
            .iter()
            .map(|f| {
                (
                    f.grid_code.clone(),
                    f.grid_name.clone(),
                    f.name.clone(),
                    f.filed_on.to_string(),
                    f.from_on.to_string(),
                )
            })
            .collect(),
        missing: grids
            .iter()
            .filter(|g| !filed.iter().any(|f| f.grid_id == g.id))
            .map(|g| (g.code.clone(), g.name.clone()))
            .collect(),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// An appraisal as the page shows it: the scores grouped by kind of scorer.
pub struct ReviewLine {
    pub year: i64,
    pub day: String,
    pub total: String,
    pub result: String,
    pub failed: bool,
    /// (kind, "name score；name score")
    pub by_kind: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "grid_secretary.html")]
struct SecretaryPage {
    ui: Ui,
    title: String,
    code: String,
    error: Option<String>,
    done: String,
    /// (id, name, filed on, from, to)
    filings: Vec<(String, String, String, String, String)>,
    current: String,
    /// (day, audience, title, summary, attendees)
    reports: Vec<(String, String, String, String, i64)>,
    reviews: Vec<ReviewLine>,
    may_file: bool,
    may_record: bool,
    who: String,
    found: Vec<(String, String, bool)>,
    audiences: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    typed: Typed,
    today: String,
    this_year: i32,
}

#[derive(Deserialize, Default)]
pub struct SecretaryQuery {
    pub done: Option<String>,
    pub who: Option<String>,
}

async fn secretary_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    code: &str,
    q: &SecretaryQuery,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let lang = ui.lang.code();
    let rec = state.store.secretary_record(&auth.principal, code).await.page(&ui)?;
    let who = q.who.clone().unwrap_or_default();
    let found = if rec.may_file {
        residents_matching(state, &auth.principal, &who, get(&typed, "person_id")).await.page(&ui)?
    } else {
        vec![]
    };
    let today = jiayuan_domain::time::beijing(state.clock.now()).date();
    let p = SecretaryPage {
        title: format!("{} · {}", rec.grid_name, ui.t("gs.one")),
        code: rec.grid_code.clone(),
        error,
        done: done_text(&ui, q.done.as_deref().unwrap_or("")),
        current: rec.filings.iter().find(|f| f.ended_on.is_none()).map(|f| f.id.to_string()).unwrap_or_default(),
        filings: rec
            .filings
            .iter()
            .map(|f| {
                (
                    f.id.to_string(),
                    f.name.clone(),
                    f.filed_on.to_string(),
                    f.from_on.to_string(),
                    f.ended_on.map(|d| d.to_string()).unwrap_or_default(),
                )
            })
            .collect(),
        reports: rec
            .reports
            .iter()
            .map(|r| {
                (
                    r.held_on.to_string(),
                    Audience::parse(&r.audience).map(|a| a.label(lang).to_string()).unwrap_or_default(),
                    r.title.clone(),
                    r.summary.clone(),
                    r.attendees,
                )
            })
            .collect(),
        reviews: rec
            .reviews
            .iter()
            .map(|(r, scores)| {
                let result = Appraisal::parse(&r.result);
                let by_kind = ScorerKind::ALL
                    .iter()
                    .filter_map(|k| {
                        let of: Vec<String> = scores
                            .iter()
                            .filter(|s| s.scorer_kind == k.as_str())
                            .map(|s| format!("{} {}", s.scorer, show_score(s.score)))
                            .collect();
                        (!of.is_empty()).then(|| (k.label(lang).to_string(), of.join("；")))
                    })
                    .collect();
                ReviewLine {
                    year: r.year,
                    day: r.held_on.to_string(),
                    total: show_score(r.total),
                    result: result.map(|a| a.label(lang).to_string()).unwrap_or_default(),
                    failed: result == Some(Appraisal::Failed),
                    by_kind,
                }
            })
            .collect(),
        may_file: rec.may_file,
        may_record: rec.may_record,
        who: who.trim().to_string(),
        found,
        audiences: Audience::ALL.iter().map(|a| (a.as_str(), a.label(lang))).collect(),
        kinds: ScorerKind::ALL.iter().map(|k| (k.as_str(), k.label(lang))).collect(),
        typed: Typed::new(typed),
        today: today.to_string(),
        this_year: today.year(),
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/grid-secretaries/{code}`: a grid's secretary record with its forms.
pub async fn grid_secretary_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Query(q): Query<SecretaryQuery>,
) -> Result<Response, PageError> {
    secretary_render(&state, &auth, ui, &code, &q, vec![], None).await
}

/// The scores typed on the page: per kind of scorer, one line each, "name score".
fn typed_scores(pairs: &Pairs) -> Result<Vec<(ScorerKind, String, i64)>, ApiError> {
    let mut out = Vec::new();
    for k in ScorerKind::ALL {
        let field = format!("scores.{}", k.as_str());
        for (n, line) in get(pairs, &field).lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            let (name, score) = line.rsplit_once(char::is_whitespace).ok_or_else(|| {
                ApiError::invalid(&field, format!("第{}行应为“评分人 分数”，如“王芳 92” (name, then score)", n + 1))
            })?;
            let score = jiayuan_domain::secretary::score(score, &field)?;
            out.push((*k, name.trim().to_string(), score));
        }
    }
    Ok(out)
}

/// `POST /grid-secretaries/{code}`: a filing, a report or an appraisal (`action`).
pub async fn grid_secretary_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let r = async {
        let (ctx, who, now) = (auth.audit_ctx(), &auth.principal, state.clock.now());
        let day = |k: &str| crate::api::day_of(k, get(&pairs, k));
        let filing = || {
            crate::api::parse_id(get(&pairs, "filing"))
                .map_err(|_| ApiError::invalid("filing", "这个网格还没有备案的书记 (no secretary on file)"))
        };
        Ok::<_, ApiError>(match get(&pairs, "action") {
            "file" => {
                let person = uuid::Uuid::parse_str(get(&pairs, "person_id").trim())
                    .map_err(|_| ApiError::invalid("person_id", "请先查找并选择居民 (find and choose the resident)"))?;
                let f = NewFiling {
                    person,
                    filed_on: day("filed_on")?,
                    from_on: day("from_on")?,
                    note: get(&pairs, "note").into(),
                };
                state.store.file_secretary(&ctx, who, &code, &f, now).await?;
                "filed"
            }
            "report" => {
                let r = NewReport {
                    audience: Audience::parse_field(get(&pairs, "audience"), "audience")?,
                    held_on: day("held_on")?,
                    title: get(&pairs, "title").into(),
                    summary: get(&pairs, "summary").into(),
                    attendees: match get(&pairs, "attendees").trim() {
                        "" => 0,
                        t => t
                            .parse()
                            .map_err(|_| ApiError::invalid("attendees", "参加人数应为整数 (a whole number)"))?,
                    },
                };
                state.store.report_secretary(&ctx, who, filing()?, &r, now).await?;
                "reported"
            }
            "review" => {
                let year = get(&pairs, "year")
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| ApiError::invalid("year", "请填写评议年度 (the year)"))?;
                let r = NewReview {
                    year,
                    held_on: day("review_on")?,
                    note: get(&pairs, "note").into(),
                    scores: typed_scores(&pairs)?,
                };
                state.store.review_secretary(&ctx, who, filing()?, &r, now).await?;
                "reviewed"
            }
            _ => return Err(ApiError::invalid("action", "未知操作 (unknown action)")),
        })
    }
    .await;
    match r {
        Ok(done) => Ok(crate::redirect::to(&format!("/grid-secretaries/{}?done={done}", super::code_segment(&code)))),
        Err(e) => {
            let status = e.status;
            let q = SecretaryQuery { done: None, who: Some(get(&pairs, "who").to_string()) };
            let page = secretary_render(&state, &auth, ui, &code, &q, pairs, Some(error_text(&e))).await?;
            Ok((status, page).into_response())
        }
    }
}
