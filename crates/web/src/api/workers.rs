//! Community workers' API: the 三岗十八级 table, recruitment batches with applicants and their
//! scores, hiring, grid workers brought under management, worker records with grid posts,
//! appraisals and promotions, and the pay-grade report. Thin: the rules are
//! `jiayuan_domain::worker`, who may do what is the store's.

use super::*;
use crate::api::councils::day;
use crate::auth::Auth;
use crate::error::{json_body, ApiError};
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use jiayuan_domain::worker::{
    self as rules, Appraisal, Ask, Education, GradeRow, PayScale, Post, Qualification, WorkerKind,
};
use jiayuan_store::support::{
    ApplicantLine, Hire, NewApplicant, NewRecruitment, NewWorker, PayLine, Recruitment, Worker, WorkerQuery,
    WorkerRecord,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

// --- the table -------------------------------------------------------------------------------

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeRowView {
    #[schema(pattern = "^(principal|deputy|staff)$")]
    pub post: String,
    #[schema(minimum = 1, maximum = 18)]
    pub grade: i64,
    /// Monthly pay in fen
    #[schema(minimum = 1, maximum = 10000000)]
    pub monthly_pay_fen: i64,
    /// Full years in the grade before moving up by seniority
    #[schema(minimum = 0, maximum = 10)]
    pub years_to_next: i64,
    /// Yearly appraisals passed (称职 or better) since the grade, needed to move up
    #[schema(minimum = 0, maximum = 10)]
    pub passes_to_next: i64,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayScaleView {
    pub rows: Vec<GradeRowView>,
}

fn scale_view(s: &PayScale) -> PayScaleView {
    PayScaleView {
        rows: s
            .rows
            .iter()
            .map(|r| GradeRowView {
                post: r.post.as_str().into(),
                grade: r.grade,
                monthly_pay_fen: r.monthly_pay_fen,
                years_to_next: r.years_to_next,
                passes_to_next: r.passes_to_next,
            })
            .collect(),
    }
}

/// The 三岗十八级 table: each post kind's grades with monthly pay and what moving up takes.
#[utoipa::path(get, path = "/api/v1/worker-pay-scale", tag = "community workers", responses((status = 200, body = PayScaleView)))]
pub async fn api_pay_scale(_auth: Auth, State(state): State<AppState>) -> Result<Json<PayScaleView>, ApiError> {
    Ok(Json(scale_view(&state.store.pay_scale().await?)))
}

/// Replaces the table (district administrators): checked whole; a grade a worker stands on
/// cannot be dropped.
#[utoipa::path(post, path = "/api/v1/worker-pay-scale", tag = "community workers", request_body = PayScaleView, responses((status = 200, body = PayScaleView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_set_pay_scale(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<PayScaleView>, JsonRejection>,
) -> Result<Json<PayScaleView>, ApiError> {
    let b = json_body(body)?;
    let mut rows = Vec::with_capacity(b.rows.len());
    for r in b.rows {
        rows.push(GradeRow {
            post: Post::parse_field(&r.post, "post")?,
            grade: r.grade,
            monthly_pay_fen: r.monthly_pay_fen,
            years_to_next: r.years_to_next,
            passes_to_next: r.passes_to_next,
        });
    }
    let s =
        state.store.set_pay_scale(&auth.audit_ctx(), &auth.principal, &PayScale { rows }, state.clock.now()).await?;
    Ok(Json(scale_view(&s)))
}

// --- recruitment ---------------------------------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecruitmentView {
    pub id: Uuid,
    /// The district or subdistrict that announced it
    pub territory: String,
    pub territory_name: String,
    pub title: String,
    #[schema(format = Date)]
    pub announced_on: String,
    pub places: i64,
    /// The exam's share of the total, in percent
    pub exam_weight: i64,
    pub note: String,
    pub applicants: i64,
    pub hired: i64,
}

pub(crate) fn recruitment_view(r: &Recruitment) -> RecruitmentView {
    RecruitmentView {
        id: r.id,
        territory: r.territory_code.clone(),
        territory_name: r.territory_name.clone(),
        title: r.title.clone(),
        announced_on: r.announced_on.to_string(),
        places: r.places,
        exam_weight: r.exam_weight,
        note: r.note.clone(),
        applicants: r.applicants,
        hired: r.hired,
    }
}

/// The recruitment batches of the caller's scope, the latest first.
#[utoipa::path(get, path = "/api/v1/recruitments", tag = "community workers", responses((status = 200, body = [RecruitmentView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_recruitments(
    auth: Auth,
    State(state): State<AppState>,
) -> Result<Json<Vec<RecruitmentView>>, ApiError> {
    Ok(Json(state.store.recruitments(&auth.principal).await?.iter().map(recruitment_view).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecruitmentBody {
    /// The district's or a subdistrict's code
    pub territory: String,
    #[schema(min_length = 2, max_length = 100, pattern = "\\S[\\s\\S]*\\S")]
    pub title: String,
    #[schema(format = Date)]
    pub announced_on: String,
    #[schema(minimum = 1, maximum = 2000)]
    pub places: i64,
    /// The exam's share of the total in percent (the interview has the rest); 50 when not given
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub exam_weight: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// Announces a recruitment batch (409 when the territory has a batch of this title).
#[utoipa::path(post, path = "/api/v1/recruitments", tag = "community workers", request_body = RecruitmentBody, responses((status = 201, body = RecruitmentView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_create_recruitment(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<RecruitmentBody>, JsonRejection>,
) -> Result<(StatusCode, Json<RecruitmentView>), ApiError> {
    let b = json_body(body)?;
    let r = NewRecruitment {
        territory: b.territory,
        title: b.title,
        announced_on: day("announced_on", &b.announced_on)?,
        places: b.places,
        exam_weight: b.exam_weight.unwrap_or(50),
        note: b.note,
    };
    let saved = state.store.create_recruitment(&auth.audit_ctx(), &auth.principal, &r, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(recruitment_view(&saved))))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApplicantView {
    pub id: Uuid,
    pub name: String,
    /// Masked
    pub id_number: String,
    /// Masked
    pub phone: String,
    pub education: String,
    pub years_of_service: i64,
    /// Points, one decimal
    pub exam_score: Option<String>,
    pub interview_score: Option<String>,
    /// Weighted by the batch's exam share
    pub total: Option<String>,
    pub rank: Option<usize>,
    /// `applied` or `hired`
    pub status: String,
    pub worker_id: Option<Uuid>,
}

pub(crate) fn applicant_view(l: &ApplicantLine) -> ApplicantView {
    let a = &l.applicant;
    ApplicantView {
        id: a.id,
        name: a.name.clone(),
        id_number: l.id_number_masked.clone(),
        phone: l.phone_masked.clone(),
        education: a.education.clone(),
        years_of_service: a.years_of_service,
        exam_score: a.exam_score.map(rules::show_score),
        interview_score: a.interview_score.map(rules::show_score),
        total: l.total.map(rules::show_score),
        rank: l.rank,
        status: a.status.clone(),
        worker_id: a.worker_id,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecruitmentDetailView {
    pub recruitment: RecruitmentView,
    /// The best total first
    pub applicants: Vec<ApplicantView>,
}

/// A batch with its applicants, ranked by total.
#[utoipa::path(get, path = "/api/v1/recruitments/{id}", tag = "community workers", params(("id" = String, Path)), responses((status = 200, body = RecruitmentDetailView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_recruitment(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RecruitmentDetailView>, ApiError> {
    let (r, lines) = state.store.recruitment(&auth.principal, parse_id(&id)?).await?;
    Ok(Json(RecruitmentDetailView {
        recruitment: recruitment_view(&r),
        applicants: lines.iter().map(applicant_view).collect(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicantBody {
    #[schema(min_length = 2, max_length = 30, pattern = "\\S[\\s\\S]*\\S")]
    pub name: String,
    /// 18-character resident ID number (kept encrypted)
    #[schema(pattern = "^[0-9]{17}[0-9Xx]$")]
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    #[schema(pattern = "^(secondary|college|bachelor|master)$")]
    pub education: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 60)]
    pub years_of_service: i64,
}

/// Registers an applicant (409 when the ID number applied in this batch).
#[utoipa::path(post, path = "/api/v1/recruitments/{id}/applicants", tag = "community workers", params(("id" = String, Path)), request_body = ApplicantBody, responses((status = 201, body = ApplicantView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_add_applicant(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ApplicantBody>, JsonRejection>,
) -> Result<(StatusCode, Json<ApplicantView>), ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let a = NewApplicant {
        name: b.name,
        id_number: b.id_number,
        phone: b.phone,
        education: Education::parse_field(&b.education, "education")?,
        years_of_service: b.years_of_service,
    };
    let saved = state.store.add_applicant(&auth.audit_ctx(), &auth.principal, id, &a, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(applicant_view(&saved))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoresBody {
    /// 0–100, one decimal, as text ("86.5")
    #[serde(default)]
    pub exam_score: Option<String>,
    #[serde(default)]
    pub interview_score: Option<String>,
}

fn score(v: &Option<String>, field: &str) -> Result<Option<i64>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Ok(Some(rules::parse_score(s, field)?)),
    }
}

/// Records an applicant's exam and interview scores (until they are hired).
#[utoipa::path(post, path = "/api/v1/applicants/{id}/scores", tag = "community workers", params(("id" = String, Path)), request_body = ScoresBody, responses((status = 200, body = ApplicantView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_score_applicant(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<ScoresBody>, JsonRejection>,
) -> Result<Json<ApplicantView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let (e, i) = (score(&b.exam_score, "exam_score")?, score(&b.interview_score, "interview_score")?);
    let saved = state.store.score_applicant(&auth.audit_ctx(), &auth.principal, id, e, i).await?;
    Ok(Json(applicant_view(&saved)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HireBody {
    /// A community under the batch's territory
    pub community: String,
    #[schema(pattern = "^(principal|deputy|staff)$")]
    pub post: String,
    /// A grade of the post on the table; computed from years, education and qualification when not given
    #[serde(default)]
    #[schema(minimum = 1, maximum = 18)]
    pub grade: Option<i64>,
    #[serde(default)]
    #[schema(pattern = "^(assistant_social_worker|social_worker|senior_social_worker)?$")]
    pub qualification: Option<String>,
    #[schema(format = Date)]
    pub hired_on: String,
}

fn qualification(v: &Option<String>) -> Result<Option<Qualification>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(q) => Ok(Some(Qualification::parse_field(q, "qualification")?)),
    }
}

/// Hires a scored applicant into a community of the batch (within its places).
#[utoipa::path(post, path = "/api/v1/applicants/{id}/hire", tag = "community workers", params(("id" = String, Path)), request_body = HireBody, responses((status = 201, body = WorkerDetailView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_hire(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<HireBody>, JsonRejection>,
) -> Result<(StatusCode, Json<WorkerDetailView>), ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let h = Hire {
        community: b.community,
        post: Post::parse_field(&b.post, "post")?,
        grade: b.grade,
        qualification: qualification(&b.qualification)?,
        hired_on: day("hired_on", &b.hired_on)?,
    };
    let rec = state.store.hire(&auth.audit_ctx(), &auth.principal, id, &h, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(detail_view(&rec))))
}

// --- workers ---------------------------------------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkerView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub name: String,
    pub community: String,
    pub community_name: String,
    /// `recruited`, `grid_worker` or `elected`
    pub kind: String,
    /// `principal`, `deputy` or `staff`
    pub post: String,
    pub grade: i64,
    #[schema(format = Date)]
    pub grade_since: String,
    pub education: String,
    pub qualification: String,
    #[schema(format = Date)]
    pub hired_on: String,
    /// The grid the worker is fixed to
    pub grid: Option<String>,
    pub grid_name: Option<String>,
}

pub(crate) fn worker_view(w: &Worker) -> WorkerView {
    WorkerView {
        id: w.id,
        person_id: w.person_id,
        name: w.name.clone(),
        community: w.community_code.clone(),
        community_name: w.community_name.clone(),
        kind: w.kind.clone(),
        post: w.post.clone(),
        grade: w.grade,
        grade_since: w.grade_since.to_string(),
        education: w.education.clone(),
        qualification: w.qualification.clone(),
        hired_on: w.hired_on.to_string(),
        grid: w.grid_code.clone(),
        grid_name: w.grid_name.clone(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkerPageView {
    pub items: Vec<WorkerView>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkerParams {
    /// A district, subdistrict or community code
    pub within: Option<String>,
    #[param(pattern = "^(principal|deputy|staff)?$")]
    pub post: Option<String>,
    #[param(pattern = "^(recruited|grid_worker|elected)?$")]
    pub kind: Option<String>,
    /// Part of the name
    pub q: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub page_size: Option<String>,
}

impl WorkerParams {
    pub(crate) fn query(&self) -> Result<WorkerQuery, ApiError> {
        let pick = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        Ok(WorkerQuery {
            within: pick(&self.within),
            post: pick(&self.post).map(|p| Post::parse_field(&p, "post")).transpose()?,
            kind: pick(&self.kind).map(|k| WorkerKind::parse_field(&k, "kind")).transpose()?,
            q: pick(&self.q),
            all: false,
        })
    }
}

/// The community workers of the caller's scope.
#[utoipa::path(get, path = "/api/v1/workers", tag = "community workers", params(WorkerParams), responses((status = 200, body = WorkerPageView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_workers(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<WorkerParams>,
) -> Result<Json<WorkerPageView>, ApiError> {
    let lp = ListParams { page: p.page.clone(), page_size: p.page_size.clone(), ..Default::default() };
    let page = lp.page()?;
    let rows = state.store.workers(&auth.principal, &p.query()?, page).await?;
    Ok(Json(WorkerPageView {
        items: rows.items.iter().map(worker_view).collect(),
        page: rows.page,
        page_size: rows.page_size,
        total: rows.total,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GridPostView {
    pub grid: String,
    pub grid_name: String,
    #[schema(format = Date)]
    pub from_on: String,
    pub to_on: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AppraisalView {
    pub year: i64,
    /// `excellent`, `competent`, `basic` or `failed`
    pub result: String,
    pub note: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PromotionView {
    #[schema(format = Date)]
    pub effective_on: String,
    pub from_post: String,
    pub from_grade: i64,
    pub to_post: String,
    pub to_grade: i64,
    /// `seniority`, `qualification` or `post_change`
    pub rule: String,
    pub qualification: String,
    pub reason: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkerDetailView {
    pub worker: WorkerView,
    /// Masked
    pub phone: String,
    /// On the table, in fen
    pub monthly_pay_fen: Option<i64>,
    pub grid_posts: Vec<GridPostView>,
    pub appraisals: Vec<AppraisalView>,
    pub promotions: Vec<PromotionView>,
}

pub(crate) fn detail_view(r: &WorkerRecord) -> WorkerDetailView {
    WorkerDetailView {
        worker: worker_view(&r.worker),
        phone: r.phone_masked.clone(),
        monthly_pay_fen: r.monthly_pay_fen,
        grid_posts: r
            .posts
            .iter()
            .map(|p| GridPostView {
                grid: p.grid_code.clone(),
                grid_name: p.grid_name.clone(),
                from_on: p.from_on.to_string(),
                to_on: p.to_on.map(|d| d.to_string()),
            })
            .collect(),
        appraisals: r
            .appraisals
            .iter()
            .map(|a| AppraisalView { year: a.year, result: a.result.clone(), note: a.note.clone() })
            .collect(),
        promotions: r
            .promotions
            .iter()
            .map(|p| PromotionView {
                effective_on: p.effective_on.to_string(),
                from_post: p.from_post.clone(),
                from_grade: p.from_grade,
                to_post: p.to_post.clone(),
                to_grade: p.to_grade,
                rule: p.rule.clone(),
                qualification: p.qualification.clone(),
                reason: p.reason.clone(),
            })
            .collect(),
    }
}

/// A worker's record: grid posts, appraisals and promotions, the newest first.
#[utoipa::path(get, path = "/api/v1/workers/{id}", tag = "community workers", params(("id" = String, Path)), responses((status = 200, body = WorkerDetailView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_worker(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<WorkerDetailView>, ApiError> {
    Ok(Json(detail_view(&state.store.worker(&auth.principal, parse_id(&id)?).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorkerBody {
    /// The resident's record
    pub person_id: Uuid,
    #[schema(pattern = "^(grid_worker|elected)$")]
    pub kind: String,
    pub community: String,
    #[schema(pattern = "^(principal|deputy|staff)$")]
    pub post: String,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 18)]
    pub grade: Option<i64>,
    #[schema(pattern = "^(secondary|college|bachelor|master)$")]
    pub education: String,
    #[serde(default)]
    #[schema(pattern = "^(assistant_social_worker|social_worker|senior_social_worker)?$")]
    pub qualification: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 60)]
    pub years_of_service: i64,
    #[schema(format = Date)]
    pub hired_on: String,
}

/// Brings a resident under community worker management: a grid worker who meets the
/// conditions, or an elected head (409 when they are one already).
#[utoipa::path(post, path = "/api/v1/workers", tag = "community workers", request_body = NewWorkerBody, responses((status = 201, body = WorkerDetailView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_register_worker(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewWorkerBody>, JsonRejection>,
) -> Result<(StatusCode, Json<WorkerDetailView>), ApiError> {
    let b = json_body(body)?;
    let w = NewWorker {
        person: b.person_id,
        kind: WorkerKind::parse_field(&b.kind, "kind")?,
        community: b.community,
        post: Post::parse_field(&b.post, "post")?,
        grade: b.grade,
        education: Education::parse_field(&b.education, "education")?,
        qualification: qualification(&b.qualification)?,
        years_of_service: b.years_of_service,
        hired_on: day("hired_on", &b.hired_on)?,
    };
    let rec = state.store.register_worker(&auth.audit_ctx(), &auth.principal, &w, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(detail_view(&rec))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GridPostBody {
    /// A grid of the worker's community
    pub grid: String,
    #[schema(format = Date)]
    pub from_on: String,
}

/// Fixes a worker to a grid from a day (定岗网格); the previous post ends the day before.
#[utoipa::path(post, path = "/api/v1/workers/{id}/grid-post", tag = "community workers", params(("id" = String, Path)), request_body = GridPostBody, responses((status = 200, body = WorkerDetailView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_assign_grid(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<GridPostBody>, JsonRejection>,
) -> Result<Json<WorkerDetailView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let from = day("from_on", &b.from_on)?;
    let rec = state.store.assign_grid(&auth.audit_ctx(), &auth.principal, id, &b.grid, from, state.clock.now()).await?;
    Ok(Json(detail_view(&rec)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppraisalBody {
    #[schema(minimum = 1990, maximum = 2100)]
    pub year: i64,
    #[schema(pattern = "^(excellent|competent|basic|failed)$")]
    pub result: String,
    #[serde(default)]
    pub note: String,
}

/// Records a year's appraisal (409 when the year has one).
#[utoipa::path(post, path = "/api/v1/workers/{id}/appraisals", tag = "community workers", params(("id" = String, Path)), request_body = AppraisalBody, responses((status = 201, body = WorkerDetailView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_appraise(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<AppraisalBody>, JsonRejection>,
) -> Result<(StatusCode, Json<WorkerDetailView>), ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let result = Appraisal::parse_field(&b.result, "result")?;
    let rec = state
        .store
        .appraise(
            &auth.audit_ctx(),
            &auth.principal,
            id,
            &jiayuan_store::support::NewAppraisal { year: b.year, result, note: b.note },
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(detail_view(&rec))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionBody {
    #[schema(pattern = "^(seniority|qualification|post_change)$")]
    pub rule: String,
    /// With `qualification`: the one gained
    #[serde(default)]
    #[schema(pattern = "^(assistant_social_worker|social_worker|senior_social_worker)?$")]
    pub qualification: Option<String>,
    /// With `post_change`: the new post
    #[serde(default)]
    #[schema(pattern = "^(principal|deputy|staff)?$")]
    pub post: Option<String>,
    #[schema(format = Date)]
    pub effective_on: String,
}

pub(crate) fn ask_of(rule: &str, q: &Option<String>, post: &Option<String>) -> Result<Ask, ApiError> {
    use jiayuan_domain::worker::PromotionRule as R;
    Ok(match R::parse_field(rule, "rule")? {
        R::Seniority => Ask::Seniority,
        R::Qualification => Ask::Qualification(
            qualification(q)?
                .ok_or_else(|| ApiError::invalid("qualification", "请选择取得的职业资格 (which qualification)"))?,
        ),
        R::PostChange => Ask::PostChange(
            post.as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Post::parse_field(p, "post"))
                .transpose()?
                .ok_or_else(|| ApiError::invalid("post", "请选择新岗位 (which post)"))?,
        ),
    })
}

/// Promotes a worker when the table's rules allow it; a refusal names the reason.
#[utoipa::path(post, path = "/api/v1/workers/{id}/promotions", tag = "community workers", params(("id" = String, Path)), request_body = PromotionBody, responses((status = 201, body = WorkerDetailView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_promote(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<PromotionBody>, JsonRejection>,
) -> Result<(StatusCode, Json<WorkerDetailView>), ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let ask = ask_of(&b.rule, &b.qualification, &b.post)?;
    let on = day("effective_on", &b.effective_on)?;
    let rec = state.store.promote(&auth.audit_ctx(), &auth.principal, id, ask, on, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(detail_view(&rec))))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PayLineView {
    pub community: String,
    pub community_name: String,
    pub workers: i64,
    pub principal: i64,
    pub deputy: i64,
    pub staff: i64,
    /// Workers on grades 1–18
    pub by_grade: Vec<i64>,
    /// Monthly pay of the serving workers on the table, in fen
    pub monthly_pay_fen: i64,
}

pub(crate) fn pay_line_view(l: &PayLine) -> PayLineView {
    PayLineView {
        community: l.community_code.clone(),
        community_name: l.community_name.clone(),
        workers: l.workers,
        principal: l.by_post[0],
        deputy: l.by_post[1],
        staff: l.by_post[2],
        by_grade: l.by_grade.to_vec(),
        monthly_pay_fen: l.monthly_pay_fen,
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PayReportParams {
    /// A district, subdistrict or community code
    pub within: Option<String>,
}

/// The pay-grade report by community: serving workers by post kind and grade, monthly pay.
#[utoipa::path(get, path = "/api/v1/worker-pay-report", tag = "community workers", params(PayReportParams), responses((status = 200, body = [PayLineView]), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_pay_report(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<PayReportParams>,
) -> Result<Json<Vec<PayLineView>>, ApiError> {
    let lines = state.store.pay_report(&auth.principal, p.within.as_deref()).await?;
    Ok(Json(lines.iter().map(pay_line_view).collect()))
}

// --- the secretaries' development programme ---------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProgrammeEventView {
    pub id: Uuid,
    /// The district or subdistrict holding it
    pub territory: String,
    pub territory_name: String,
    /// `forum`, `salon`, `report_up` or `contest`
    pub kind: String,
    #[schema(format = Date)]
    pub held_on: String,
    pub title: String,
    pub note: String,
    /// Secretaries recorded as attending
    pub attended: i64,
}

pub(crate) fn programme_event_view(e: &jiayuan_store::support::ProgrammeEvent) -> ProgrammeEventView {
    ProgrammeEventView {
        id: e.id,
        territory: e.territory_code.clone(),
        territory_name: e.territory_name.clone(),
        kind: e.kind.clone(),
        held_on: e.held_on.to_string(),
        title: e.title.clone(),
        note: e.note.clone(),
        attended: e.attended,
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearParams {
    /// 2000–2100; this year when not given
    #[param(value_type = Option<u32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
}

pub(crate) fn year_or_now(state: &AppState, y: &Option<String>) -> Result<i32, ApiError> {
    Ok(year_param(y)?.unwrap_or_else(|| chrono::Datelike::year(&jiayuan_domain::time::beijing(state.clock.now()))))
}

/// The programme's events of a year over the caller's scope, the latest first.
#[utoipa::path(get, path = "/api/v1/programme-events", tag = "community workers", params(YearParams), responses((status = 200, body = [ProgrammeEventView]), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn api_programme_events(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<YearParams>,
) -> Result<Json<Vec<ProgrammeEventView>>, ApiError> {
    let year = year_or_now(&state, &p.year)?;
    Ok(Json(state.store.programme_events(&auth.principal, year).await?.iter().map(programme_event_view).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeEventBody {
    /// The district's or a subdistrict's code
    pub territory: String,
    #[schema(pattern = "^(forum|salon|report_up|contest)$")]
    pub kind: String,
    #[schema(format = Date)]
    pub held_on: String,
    #[schema(min_length = 2, max_length = 100, pattern = "\\S[\\s\\S]*\\S")]
    pub title: String,
    #[serde(default)]
    pub note: String,
}

/// Holds an event of the programme (409 when the territory held this kind that day).
#[utoipa::path(post, path = "/api/v1/programme-events", tag = "community workers", request_body = ProgrammeEventBody, responses((status = 201, body = ProgrammeEventView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn api_create_programme_event(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<ProgrammeEventBody>, JsonRejection>,
) -> Result<(StatusCode, Json<ProgrammeEventView>), ApiError> {
    let b = json_body(body)?;
    let e = jiayuan_store::support::NewProgrammeEvent {
        territory: b.territory,
        kind: jiayuan_domain::secretary::ProgrammeKind::parse_field(&b.kind, "kind")?,
        held_on: day("held_on", &b.held_on)?,
        title: b.title,
        note: b.note,
    };
    let saved = state.store.create_programme_event(&auth.audit_ctx(), &auth.principal, &e, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(programme_event_view(&saved))))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RosterLineView {
    pub worker_id: Uuid,
    pub name: String,
    pub community_name: String,
    /// Not recorded yet when absent
    pub attended: Option<bool>,
    pub score: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProgrammeEventDetailView {
    pub event: ProgrammeEventView,
    /// Every community party secretary (head post) under the event's territory
    pub roster: Vec<RosterLineView>,
}

fn event_detail(
    e: &jiayuan_store::support::ProgrammeEvent,
    roster: &[jiayuan_store::support::RosterLine],
) -> ProgrammeEventDetailView {
    ProgrammeEventDetailView {
        event: programme_event_view(e),
        roster: roster
            .iter()
            .map(|r| RosterLineView {
                worker_id: r.worker_id,
                name: r.name.clone(),
                community_name: r.community_name.clone(),
                attended: r.attended,
                score: r.score.map(rules::show_score),
            })
            .collect(),
    }
}

/// An event with its roster and what was recorded.
#[utoipa::path(get, path = "/api/v1/programme-events/{id}", tag = "community workers", params(("id" = String, Path)), responses((status = 200, body = ProgrammeEventDetailView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_programme_event(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ProgrammeEventDetailView>, ApiError> {
    let (e, roster) = state.store.programme_event(&auth.principal, parse_id(&id)?).await?;
    Ok(Json(event_detail(&e, &roster)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceBody {
    pub worker_id: Uuid,
    pub attended: bool,
    /// Scored events only (提级述职, 擂台比武), and only for one who attended: 0–100, one decimal
    #[serde(default)]
    pub score: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceBody {
    /// 1–2000 secretaries of the roster; what was recorded for them is replaced
    pub lines: Vec<PresenceBody>,
}

/// Records attendance and scores at an event, all checked before anything is written.
#[utoipa::path(post, path = "/api/v1/programme-events/{id}/attendance", tag = "community workers", params(("id" = String, Path)), request_body = AttendanceBody, responses((status = 200, body = ProgrammeEventDetailView), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_record_programme(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<AttendanceBody>, JsonRejection>,
) -> Result<Json<ProgrammeEventDetailView>, ApiError> {
    let id = parse_id(&id)?;
    let b = json_body(body)?;
    let mut lines = Vec::with_capacity(b.lines.len());
    for (i, l) in b.lines.into_iter().enumerate() {
        lines.push(jiayuan_store::support::Presence {
            worker: l.worker_id,
            attended: l.attended,
            score: score(&l.score, &format!("lines[{i}]"))?,
        });
    }
    let (e, roster) =
        state.store.record_programme(&auth.audit_ctx(), &auth.principal, id, &lines, state.clock.now()).await?;
    Ok(Json(event_detail(&e, &roster)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StandingView {
    pub rank: usize,
    pub worker_id: Uuid,
    pub name: String,
    pub community_name: String,
    /// Events held over their community in the year, and attended
    pub held: i64,
    pub attended: i64,
    /// The mean of the scores received, one decimal
    pub mean_score: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StandingParams {
    /// The district's or a subdistrict's code
    pub within: String,
    #[param(value_type = Option<u32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
}

/// The year's standings of the community party secretaries under a territory: by mean score at
/// scored events, then attendance; equal ones share a rank.
#[utoipa::path(get, path = "/api/v1/programme-standings", tag = "community workers", params(StandingParams), responses((status = 200, body = [StandingView]), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn api_programme_standings(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<StandingParams>,
) -> Result<Json<Vec<StandingView>>, ApiError> {
    let year = year_or_now(&state, &p.year)?;
    let lines = state.store.programme_standings(&auth.principal, &p.within, year).await?;
    Ok(Json(lines.iter().map(standing_view).collect()))
}

pub(crate) fn standing_view(s: &jiayuan_store::support::StandingLine) -> StandingView {
    StandingView {
        rank: s.line.rank,
        worker_id: s.line.who,
        name: s.name.clone(),
        community_name: s.community_name.clone(),
        held: s.line.held,
        attended: s.line.attended,
        mean_score: s.line.mean_score.map(rules::show_score),
    }
}
