//! Community workers: recruitment batches and applicants, the worker's record, fixed grid
//! posts with their history, yearly appraisals, promotions checked against the 三岗十八级 table
//! (`jiayuan_domain::worker`), and the pay-grade report.
//!
//! Who: `ManageWorkers` (district, subdistrict, community secretary) reads the records of its
//! scope, fixes workers to grids and records appraisals; `RecruitWorkers` (district,
//! subdistrict) announces batches, hires and promotes; `SetPayScale` (district) sets the table.

use crate::access::Principal;
use crate::audit::{self, AuditCtx};
use crate::batch::{exec, fetch_all, fetch_all_tx, fetch_i64, fetch_optional, QueryParts};
use crate::model::{Page, Paged};
use crate::people::{PeopleBatch, PersonRow};
use crate::service::text;
use crate::subtree::Subtree;
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::worker::{
    self as rules, Appraisal, Ask, Education, GradeRow, PayScale, Post, Qualification, Standing, WorkerKind,
};
use jiayuan_domain::{Phone, ResidentId};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A recruitment batch with its counts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Recruitment {
    pub id: Uuid,
    pub territory_code: String,
    pub territory_name: String,
    pub path: String,
    pub title: String,
    pub announced_on: NaiveDate,
    pub places: i64,
    pub exam_weight: i64,
    pub note: String,
    pub applicants: i64,
    pub hired: i64,
}

#[derive(Debug, Clone)]
pub struct NewRecruitment {
    /// The district or subdistrict announcing it.
    pub territory: String,
    pub title: String,
    pub announced_on: NaiveDate,
    pub places: i64,
    pub exam_weight: i64,
    pub note: String,
}

/// An applicant; the ID number and phone stay encrypted here and reach views masked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Applicant {
    pub id: Uuid,
    pub recruitment_id: Uuid,
    pub name: String,
    id_number: String,
    phone: Option<String>,
    pub education: String,
    pub years_of_service: i64,
    pub exam_score: Option<i64>,
    pub interview_score: Option<i64>,
    pub status: String,
    pub worker_id: Option<Uuid>,
}

/// An applicant as views show them: the total computed, personal numbers masked.
#[derive(Debug, Clone)]
pub struct ApplicantLine {
    pub applicant: Applicant,
    pub id_number_masked: String,
    pub phone_masked: String,
    /// Tenths of a point, when both scores are in.
    pub total: Option<i64>,
    /// Place by total among the scored, 1 first.
    pub rank: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct NewApplicant {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub education: Education,
    pub years_of_service: i64,
}

/// Hiring an applicant: where they go and on what post.
#[derive(Debug, Clone)]
pub struct Hire {
    pub community: String,
    pub post: Post,
    /// Set by hand, or computed from years, education and qualification.
    pub grade: Option<i64>,
    pub qualification: Option<Qualification>,
    pub hired_on: NaiveDate,
}

/// A resident brought under community worker management directly (a grid worker who meets the
/// conditions, an elected head).
#[derive(Debug, Clone)]
pub struct NewWorker {
    pub person: Uuid,
    pub kind: WorkerKind,
    pub community: String,
    pub post: Post,
    pub grade: Option<i64>,
    pub education: Education,
    pub qualification: Option<Qualification>,
    pub years_of_service: i64,
    pub hired_on: NaiveDate,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Worker {
    pub id: Uuid,
    pub person_id: Uuid,
    pub name: String,
    pub community_id: Uuid,
    pub community_code: String,
    pub community_name: String,
    pub path: String,
    pub kind: String,
    pub post: String,
    pub grade: i64,
    pub grade_since: NaiveDate,
    pub education: String,
    pub qualification: String,
    pub hired_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub grid_code: Option<String>,
    pub grid_name: Option<String>,
}

impl Worker {
    pub fn post(&self) -> Option<Post> {
        Post::parse(&self.post)
    }
    pub fn kind(&self) -> Option<WorkerKind> {
        WorkerKind::parse(&self.kind)
    }
    pub fn qualification(&self) -> Option<Qualification> {
        Qualification::parse(&self.qualification)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GridPost {
    pub grid_code: String,
    pub grid_name: String,
    pub from_on: NaiveDate,
    pub to_on: Option<NaiveDate>,
}

/// A year's appraisal as recorded.
#[derive(Debug, Clone)]
pub struct NewAppraisal {
    pub year: i64,
    pub result: Appraisal,
    pub note: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppraisalRow {
    pub id: Uuid,
    pub year: i64,
    pub result: String,
    pub note: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PromotionRow {
    pub id: Uuid,
    pub effective_on: NaiveDate,
    pub from_post: String,
    pub from_grade: i64,
    pub to_post: String,
    pub to_grade: i64,
    pub rule: String,
    pub qualification: String,
    pub reason: String,
}

/// A worker's whole record.
#[derive(Debug, Clone)]
pub struct WorkerRecord {
    pub worker: Worker,
    pub phone_masked: String,
    pub monthly_pay_fen: Option<i64>,
    pub posts: Vec<GridPost>,
    pub appraisals: Vec<AppraisalRow>,
    pub promotions: Vec<PromotionRow>,
}

#[derive(Debug, Clone, Default)]
pub struct WorkerQuery {
    /// A territory (district, subdistrict or community) by code.
    pub within: Option<String>,
    pub post: Option<Post>,
    pub kind: Option<WorkerKind>,
    /// Part of the name.
    pub q: Option<String>,
    /// Include those who left.
    pub all: bool,
}

/// One community on the pay-grade report.
#[derive(Debug, Clone)]
pub struct PayLine {
    pub community_code: String,
    pub community_name: String,
    pub workers: i64,
    /// Workers by post kind, in `Post::ALL`'s order.
    pub by_post: [i64; 3],
    /// Workers by grade 1–18 (index 0 is grade 1).
    pub by_grade: [i64; 18],
    pub monthly_pay_fen: i64,
}

const WORKER_SELECT: &str = "SELECT w.id, w.person_id, p.name, w.community_id, c.code AS community_code,
    c.name AS community_name, w.path, w.kind, w.post, w.grade, w.grade_since, w.education, w.qualification,
    w.hired_on, w.left_on, g.code AS grid_code, g.name AS grid_name
  FROM community_workers w JOIN people p ON p.id = w.person_id JOIN territories c ON c.id = w.community_id
  LEFT JOIN worker_grid_posts wp ON wp.worker_id = w.id AND wp.to_on IS NULL
  LEFT JOIN grids g ON g.id = wp.grid_id";

const APPLICANT_COLUMNS: &str = "a.id, a.recruitment_id, a.name, a.id_number, a.phone, a.education, a.years_of_service,
    a.exam_score, a.interview_score, a.status, a.worker_id";

const RECRUITMENT_SELECT: &str = "SELECT r.id, t.code AS territory_code, t.name AS territory_name, r.path, r.title,
    r.announced_on, r.places, r.exam_weight, r.note,
    CAST((SELECT count(*) FROM worker_applicants a WHERE a.recruitment_id = r.id) AS BIGINT) AS applicants,
    CAST((SELECT count(*) FROM worker_applicants a WHERE a.recruitment_id = r.id AND a.status = 'hired') AS BIGINT) AS hired
  FROM worker_recruitments r JOIN territories t ON t.id = r.territory_id";

fn forbidden(p: Permission) -> StoreError {
    StoreError::Forbidden(p)
}

fn no_worker() -> StoreError {
    StoreError::missing("worker", "没有这位社区工作者，或不在您的范围内 (no such worker in your scope)")
}

impl Store {
    // --- the table ---------------------------------------------------------------------------

    /// The 三岗十八级 table as the district set it (the bundled one until then).
    pub async fn pay_scale(&self) -> Result<PayScale> {
        let rows: Vec<(String, i64, i64, i64, i64)> = fetch_all(
            &self.db,
            "SELECT post, grade, monthly_pay_fen, years_to_next, passes_to_next FROM worker_pay_grades ORDER BY post, grade",
            &[],
        )
        .await?;
        if rows.is_empty() {
            return Ok(PayScale::default_table());
        }
        let mut out = Vec::with_capacity(rows.len());
        for (post, grade, pay, years, passes) in rows {
            let post = Post::try_from(post).map_err(StoreError::Invalid)?;
            out.push(GradeRow { post, grade, monthly_pay_fen: pay, years_to_next: years, passes_to_next: passes });
        }
        out.sort_by_key(|r| (r.post, r.grade));
        Ok(PayScale { rows: out })
    }

    /// Sets the table: checked whole, and refused while a worker stands on a grade it drops.
    pub async fn set_pay_scale(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        scale: &PayScale,
        now: DateTime<Utc>,
    ) -> Result<PayScale> {
        if !who.can(Permission::SetPayScale) {
            return Err(forbidden(Permission::SetPayScale));
        }
        scale.check().map_err(StoreError::Invalid)?;
        let mut tx = self.begin().await?;
        let standing: Vec<(String, i64, i64)> = fetch_all_tx(
            &mut tx,
            "SELECT post, grade, CAST(count(*) AS BIGINT) FROM community_workers WHERE left_on IS NULL GROUP BY post, grade",
            &[],
        )
        .await?;
        for (post, grade, n) in standing {
            let Some(post) = Post::parse(&post) else { continue };
            if scale.row(post, grade).is_none() {
                return Err(StoreError::invalid(
                    "rows",
                    format!(
                        "{}第{grade}级还有{n}名在岗社区工作者，不能删去 ({n} workers stand on grade {grade} of {})",
                        post.label_zh(),
                        post.as_str()
                    ),
                ));
            }
        }
        exec(&mut tx, "DELETE FROM worker_pay_grades", &[]).await?;
        for r in &scale.rows {
            exec(
                &mut tx,
                "INSERT INTO worker_pay_grades (post, grade, monthly_pay_fen, years_to_next, passes_to_next, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    r.post.as_str().into(),
                    r.grade.into(),
                    r.monthly_pay_fen.into(),
                    r.years_to_next.into(),
                    r.passes_to_next.into(),
                    now.into(),
                ],
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => StoreError::invalid("grade", "同一岗位的级别重复 (a grade given twice)"),
                other => other,
            })?;
        }
        audit::record(&mut tx, ctx, "/", "workers.pay_scale", Uuid::nil(), json!({"rows": scale.rows.len()})).await?;
        tx.commit().await?;
        self.pay_scale().await
    }

    // --- recruitment -------------------------------------------------------------------------

    pub async fn create_recruitment(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        r: &NewRecruitment,
        now: DateTime<Utc>,
    ) -> Result<Recruitment> {
        let scope = who.scope(Permission::RecruitWorkers).map_err(|_| forbidden(Permission::RecruitWorkers))?;
        let t = match self.territory_by_code(&r.territory).await {
            Ok(t) if scope.covers(&t) => t,
            _ => {
                return Err(StoreError::missing(
                    "territory",
                    "没有这一区域，或不在您的范围内 (no such territory in your scope)",
                ))
            }
        };
        if !matches!(t.kind.as_str(), "district" | "subdistrict") {
            return Err(StoreError::invalid(
                "territory",
                "招聘由区或街道发布 (a district or a subdistrict announces it)",
            ));
        }
        let title = text("title", &r.title, 2, 100)?;
        let note = text("note", &r.note, 0, 2000)?;
        if !(1..=2000).contains(&r.places) {
            return Err(StoreError::invalid("places", "招聘名额应在1到2000之间 (1–2000)"));
        }
        if !(0..=100).contains(&r.exam_weight) {
            return Err(StoreError::invalid("exam_weight", "笔试成绩占比应在0到100之间 (percent, 0–100)"));
        }
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO worker_recruitments (id, territory_id, path, title, announced_on, places, exam_weight, note, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                id.into(),
                t.id.into(),
                t.path.clone().into(),
                title.clone().into(),
                r.announced_on.into(),
                r.places.into(),
                r.exam_weight.into(),
                note.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => StoreError::conflict("title", "已有同名的招聘批次 (a batch of this title exists)"),
            other => other,
        })?;
        audit::record(&mut tx, ctx, &t.path, "workers.recruitment", id, json!({"places": r.places})).await?;
        tx.commit().await?;
        self.recruitment_head(who, id).await
    }

    /// The batches of the scope, the latest first.
    pub async fn recruitments(&self, who: &Principal) -> Result<Vec<Recruitment>> {
        let scope = who.scope(Permission::RecruitWorkers).map_err(|_| forbidden(Permission::RecruitWorkers))?;
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "r.path", None);
        let cond = if q.conds.is_empty() { "1=1".to_string() } else { q.conds.join(" AND ") };
        fetch_all(
            &self.db,
            &format!("{RECRUITMENT_SELECT} WHERE {cond} ORDER BY r.announced_on DESC, r.title"),
            &q.vals,
        )
        .await
    }

    async fn recruitment_head(&self, who: &Principal, id: Uuid) -> Result<Recruitment> {
        let scope = who.scope(Permission::RecruitWorkers).map_err(|_| forbidden(Permission::RecruitWorkers))?;
        let r: Option<Recruitment> =
            fetch_optional(&self.db, &format!("{RECRUITMENT_SELECT} WHERE r.id = $1"), &[id.into()]).await?;
        match r {
            Some(r) if scope.covers_path(&r.path) => Ok(r),
            _ => Err(StoreError::missing("recruitment", "没有这一招聘批次 (no such recruitment batch)")),
        }
    }

    /// A batch with its applicants, the best total first.
    pub async fn recruitment(&self, who: &Principal, id: Uuid) -> Result<(Recruitment, Vec<ApplicantLine>)> {
        let r = self.recruitment_head(who, id).await?;
        let rows: Vec<Applicant> = fetch_all(
            &self.db,
            &format!("SELECT {APPLICANT_COLUMNS} FROM worker_applicants a WHERE a.recruitment_id = $1"),
            &[id.into()],
        )
        .await?;
        let mut lines: Vec<ApplicantLine> = rows.into_iter().map(|a| self.applicant_line(a, r.exam_weight)).collect();
        lines.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.applicant.name.cmp(&b.applicant.name)));
        let mut place = 0;
        for l in lines.iter_mut().filter(|l| l.total.is_some()) {
            place += 1;
            l.rank = Some(place);
        }
        Ok((r, lines))
    }

    fn applicant_line(&self, a: Applicant, exam_weight: i64) -> ApplicantLine {
        let id_number_masked = self
            .crypto
            .decrypt(&a.id_number)
            .map(|s| jiayuan_domain::resident_id::mask_id_str(&s))
            .unwrap_or_else(|_| "—".into());
        let phone_masked = self
            .crypto
            .decrypt_opt(a.phone.as_deref())
            .ok()
            .flatten()
            .map(|s| jiayuan_domain::phone::mask_phone_str(&s))
            .unwrap_or_default();
        let total = match (a.exam_score, a.interview_score) {
            (Some(e), Some(i)) => Some(rules::total_score(e, i, exam_weight)),
            _ => None,
        };
        ApplicantLine { applicant: a, id_number_masked, phone_masked, total, rank: None }
    }

    /// Registers an applicant (once per ID number and batch: 409).
    pub async fn add_applicant(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        recruitment: Uuid,
        a: &NewApplicant,
        now: DateTime<Utc>,
    ) -> Result<ApplicantLine> {
        let r = self.recruitment_head(who, recruitment).await?;
        let name = text("name", &a.name, 2, 30)?;
        let id_number = ResidentId::parse(&a.id_number).map_err(StoreError::Invalid)?;
        let phone = match a.phone.trim() {
            "" => None,
            p => Some(Phone::parse(p).map_err(StoreError::Invalid)?),
        };
        if !(0..=60).contains(&a.years_of_service) {
            return Err(StoreError::invalid("years_of_service", "工作年限应在0到60之间 (0–60)"));
        }
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO worker_applicants (id, recruitment_id, name, id_number, id_number_hash, phone, education,
               years_of_service, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'applied', $9)",
            &[
                id.into(),
                r.id.into(),
                name.into(),
                self.crypto.encrypt(id_number.as_str()).into(),
                self.crypto.hash(id_number.as_str()).into(),
                phone.map(|p| self.crypto.encrypt(p.as_str())).into(),
                a.education.as_str().into(),
                a.years_of_service.into(),
                now.into(),
            ],
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => {
                StoreError::conflict("id_number", "这一身份证号已报名本批次 (already applied in this batch)")
            }
            other => other,
        })?;
        audit::record(&mut tx, ctx, &r.path, "workers.applicant", id, json!({"recruitment": r.id})).await?;
        tx.commit().await?;
        self.applicant(who, id).await
    }

    async fn applicant(&self, who: &Principal, id: Uuid) -> Result<ApplicantLine> {
        let a: Option<Applicant> = fetch_optional(
            &self.db,
            &format!("SELECT {APPLICANT_COLUMNS} FROM worker_applicants a WHERE a.id = $1"),
            &[id.into()],
        )
        .await?;
        let a = a.ok_or_else(|| StoreError::missing("applicant", "没有这位报名者 (no such applicant)"))?;
        let r = self.recruitment_head(who, a.recruitment_id).await?;
        Ok(self.applicant_line(a, r.exam_weight))
    }

    /// Records an applicant's exam and interview scores (tenths of a point), while not yet
    /// decided.
    pub async fn score_applicant(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        applicant: Uuid,
        exam: Option<i64>,
        interview: Option<i64>,
    ) -> Result<ApplicantLine> {
        let a = self.applicant(who, applicant).await?;
        for (field, s) in [("exam_score", exam), ("interview_score", interview)] {
            if s.is_some_and(|s| !(0..=1000).contains(&s)) {
                return Err(StoreError::invalid(field, "分数应在0到100之间 (0–100)"));
            }
        }
        if a.applicant.status != "applied" {
            return Err(StoreError::conflict("status", "已录用或已结束，不能再改分数 (already decided)"));
        }
        let r = self.recruitment_head(who, a.applicant.recruitment_id).await?;
        let mut tx = self.begin().await?;
        let n = exec(
            &mut tx,
            "UPDATE worker_applicants SET exam_score = COALESCE($2, exam_score), interview_score = COALESCE($3, interview_score)
             WHERE id = $1 AND status = 'applied'",
            &[applicant.into(), exam.into(), interview.into()],
        )
        .await?;
        if n != 1 {
            return Err(StoreError::conflict("status", "已录用或已结束，不能再改分数 (already decided)"));
        }
        audit::record(&mut tx, ctx, &r.path, "workers.scores", applicant, json!({})).await?;
        tx.commit().await?;
        self.applicant(who, applicant).await
    }

    /// Hires a scored applicant into a community of the batch's territory, within the batch's
    /// places: their resident record (found by ID number, or made) becomes a community worker
    /// of kind `recruited` on the grade given or computed.
    pub async fn hire(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        applicant: Uuid,
        h: &Hire,
        now: DateTime<Utc>,
    ) -> Result<WorkerRecord> {
        let line = self.applicant(who, applicant).await?;
        let a = &line.applicant;
        let r = self.recruitment_head(who, a.recruitment_id).await?;
        if a.status != "applied" {
            return Err(StoreError::conflict("status", "这位报名者已录用 (already hired)"));
        }
        if line.total.is_none() {
            return Err(StoreError::invalid("interview_score", "笔试和面试成绩录入后才能录用 (scores first)"));
        }
        if r.hired >= r.places {
            return Err(StoreError::invalid(
                "places",
                format!("本批次{}个名额已满 (all {} places are filled)", r.places, r.places),
            ));
        }
        let community = self.community_under(who, &h.community, &r.path, Permission::RecruitWorkers).await?;
        let scale = self.pay_scale().await?;
        let education = Education::try_from(a.education.clone()).map_err(StoreError::Invalid)?;
        let grade = match h.grade {
            Some(g) => scale.grade(h.post, g, "grade").map_err(StoreError::Invalid)?.grade,
            None => scale
                .starting_grade(h.post, a.years_of_service, education, h.qualification)
                .map_err(StoreError::Invalid)?,
        };
        check_day("hired_on", h.hired_on, now)?;
        let id_number = self.crypto.decrypt(&a.id_number).map_err(|_| StoreError::invalid("id_number", "无法读取"))?;
        let rid = ResidentId::parse(&id_number).map_err(StoreError::Invalid)?;
        let phone = self.crypto.decrypt_opt(a.phone.as_deref()).ok().flatten();
        let worker = new_id();
        let mut tx = self.begin().await?;
        // Places are counted again inside the write: two hires at once never overfill.
        let hired: Vec<(i64,)> = fetch_all_tx(
            &mut tx,
            "SELECT CAST(count(*) AS BIGINT) FROM worker_applicants WHERE recruitment_id = $1 AND status = 'hired'",
            &[r.id.into()],
        )
        .await?;
        if hired.first().map_or(0, |h| h.0) >= r.places {
            return Err(StoreError::invalid("places", format!("本批次{}个名额已满 (all places are filled)", r.places)));
        }
        let taken = exec(
            &mut tx,
            "UPDATE worker_applicants SET status = 'hired', worker_id = $2 WHERE id = $1 AND status = 'applied'",
            &[applicant.into(), worker.into()],
        )
        .await?;
        if taken != 1 {
            return Err(StoreError::conflict("status", "这位报名者已录用 (already hired)"));
        }
        let existing: Vec<(Uuid,)> = fetch_all_tx(
            &mut tx,
            "SELECT id FROM people WHERE id_number_hash = $1",
            &[self.crypto.hash(rid.as_str()).into()],
        )
        .await?;
        let person = match existing.first() {
            Some((p,)) => *p,
            None => {
                let p = new_id();
                let mut batch = PeopleBatch::default();
                batch.push(
                    PersonRow {
                        id: p,
                        community_id: Some(community.0),
                        name: &a.name,
                        id_number: rid.as_str(),
                        birth_date: rid.birth_date(),
                        male: rid.sex() == jiayuan_domain::Sex::Male,
                        phone,
                        tags: String::new(),
                        home_path: None,
                        at: now,
                    },
                    &self.crypto,
                );
                batch.write(&mut tx).await?;
                p
            }
        };
        insert_worker(
            &mut tx,
            worker,
            person,
            community,
            WorkerKind::Recruited,
            h.post,
            grade,
            education,
            h.qualification,
            h.hired_on,
            Some(r.id),
            now,
        )
        .await?;
        audit::record(&mut tx, ctx, &r.path, "workers.hire", worker, json!({"post": h.post.as_str(), "grade": grade}))
            .await?;
        tx.commit().await?;
        self.worker(who, worker).await
    }

    /// A community of `who`'s scope under `under`, as (id, path).
    async fn community_under(&self, who: &Principal, code: &str, under: &str, p: Permission) -> Result<(Uuid, String)> {
        let scope = who.scope(p).map_err(|_| forbidden(p))?;
        match self.territory_by_code(code).await {
            Ok(t) if t.kind == "community" && scope.covers(&t) && Subtree::of(under).covers(&t.path) => {
                Ok((t.id, t.path))
            }
            _ => Err(StoreError::missing("community", "没有这一社区，或不在范围内 (no such community in scope)")),
        }
    }

    /// Brings a resident under community worker management (a grid worker who meets the
    /// conditions, an elected head); recruitment goes through [`Store::hire`].
    pub async fn register_worker(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        w: &NewWorker,
        now: DateTime<Utc>,
    ) -> Result<WorkerRecord> {
        if w.kind == WorkerKind::Recruited {
            return Err(StoreError::invalid(
                "kind",
                "公开招聘的社区工作者经招聘批次录用 (recruited workers are hired from a batch)",
            ));
        }
        let community = self.community_under(who, &w.community, "/", Permission::RecruitWorkers).await?;
        let person: Option<(Uuid,)> =
            fetch_optional(&self.db, "SELECT id FROM people WHERE id = $1", &[w.person.into()]).await?;
        if person.is_none() {
            return Err(StoreError::missing("person_id", "没有这位居民 (no such resident)"));
        }
        let scale = self.pay_scale().await?;
        let grade = match w.grade {
            Some(g) => scale.grade(w.post, g, "grade").map_err(StoreError::Invalid)?.grade,
            None => scale
                .starting_grade(w.post, w.years_of_service, w.education, w.qualification)
                .map_err(StoreError::Invalid)?,
        };
        check_day("hired_on", w.hired_on, now)?;
        let id = new_id();
        let mut tx = self.begin().await?;
        insert_worker(
            &mut tx,
            id,
            w.person,
            community.clone(),
            w.kind,
            w.post,
            grade,
            w.education,
            w.qualification,
            w.hired_on,
            None,
            now,
        )
        .await?;
        audit::record(&mut tx, ctx, &community.1, "workers.register", id, json!({"kind": w.kind.as_str()})).await?;
        tx.commit().await?;
        self.worker(who, id).await
    }

    // --- records -----------------------------------------------------------------------------

    /// The workers of the scope, by community and name.
    pub async fn workers(&self, who: &Principal, f: &WorkerQuery, page: Page) -> Result<Paged<Worker>> {
        let scope = who.scope(Permission::ManageWorkers).map_err(|_| forbidden(Permission::ManageWorkers))?;
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "w.path", None);
        if let Some(code) = f.within.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            let t = self
                .territory_by_code(code)
                .await
                .map_err(|_| StoreError::missing("within", "没有这一区域 (no such territory)"))?;
            let c = Subtree::of(&t.path).sql(&mut q, "w.path");
            q.conds.push(c);
        }
        if let Some(p) = f.post {
            let b = q.bind(p.as_str());
            q.conds.push(format!("w.post = {b}"));
        }
        if let Some(k) = f.kind {
            let b = q.bind(k.as_str());
            q.conds.push(format!("w.kind = {b}"));
        }
        if let Some(n) = f.q.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            let b = q.bind(format!("%{}%", crate::territory::escape_like(n)));
            q.conds.push(format!("p.name LIKE {b} ESCAPE '\\'"));
        }
        if !f.all {
            q.conds.push("w.left_on IS NULL".into());
        }
        let cond = if q.conds.is_empty() { "1=1".to_string() } else { q.conds.join(" AND ") };
        let total = fetch_i64(
            &self.db,
            &format!(
                "SELECT CAST(count(*) AS BIGINT) FROM community_workers w JOIN people p ON p.id = w.person_id WHERE {cond}"
            ),
            &q.vals,
        )
        .await?;
        let (lim, off) = (q.bind(i64::from(page.page_size)), q.bind(page.offset()));
        let items = fetch_all(
            &self.db,
            &format!("{WORKER_SELECT} WHERE {cond} ORDER BY c.code, w.post, w.grade DESC, p.name_pinyin LIMIT {lim} OFFSET {off}"),
            &q.vals,
        )
        .await?;
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }

    async fn worker_row(&self, who: &Principal, id: Uuid, p: Permission) -> Result<Worker> {
        let scope = who.scope(p).map_err(|_| forbidden(p))?;
        let w: Option<Worker> =
            fetch_optional(&self.db, &format!("{WORKER_SELECT} WHERE w.id = $1"), &[id.into()]).await?;
        match w {
            Some(w) if scope.covers_path(&w.path) => Ok(w),
            _ => Err(no_worker()),
        }
    }

    /// A worker's record: grid posts, appraisals and promotions, the newest first.
    pub async fn worker(&self, who: &Principal, id: Uuid) -> Result<WorkerRecord> {
        let worker = self.worker_row(who, id, Permission::ManageWorkers).await?;
        let phone: Option<(Option<String>,)> =
            fetch_optional(&self.db, "SELECT phone FROM people WHERE id = $1", &[worker.person_id.into()]).await?;
        let phone_masked = phone
            .and_then(|p| p.0)
            .and_then(|p| self.crypto.decrypt(&p).ok())
            .map(|p| jiayuan_domain::phone::mask_phone_str(&p))
            .unwrap_or_default();
        let scale = self.pay_scale().await?;
        let monthly_pay_fen = worker.post().and_then(|p| scale.row(p, worker.grade)).map(|r| r.monthly_pay_fen);
        let posts = fetch_all(
            &self.db,
            "SELECT g.code AS grid_code, g.name AS grid_name, wp.from_on, wp.to_on FROM worker_grid_posts wp
             JOIN grids g ON g.id = wp.grid_id WHERE wp.worker_id = $1 ORDER BY wp.from_on DESC, wp.created_at DESC",
            &[id.into()],
        )
        .await?;
        let appraisals = fetch_all(
            &self.db,
            "SELECT id, year, result, note FROM worker_appraisals WHERE worker_id = $1 ORDER BY year DESC",
            &[id.into()],
        )
        .await?;
        let promotions = fetch_all(
            &self.db,
            "SELECT id, effective_on, from_post, from_grade, to_post, to_grade, rule, qualification, reason
             FROM worker_promotions WHERE worker_id = $1 ORDER BY effective_on DESC, created_at DESC",
            &[id.into()],
        )
        .await?;
        Ok(WorkerRecord { worker, phone_masked, monthly_pay_fen, posts, appraisals, promotions })
    }

    /// Fixes a worker to a grid of their community from a day (定岗网格): their current post and
    /// the grid's current holder's end the day before; the grid's fixed worker is them.
    pub async fn assign_grid(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        worker: Uuid,
        grid: &str,
        from_on: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<WorkerRecord> {
        let w = self.worker_row(who, worker, Permission::ManageWorkers).await?;
        if w.left_on.is_some() {
            return Err(StoreError::invalid("worker", "这位社区工作者已离岗 (no longer serving)"));
        }
        let g: Option<(Uuid, Uuid, String)> =
            fetch_optional(&self.db, "SELECT id, community_id, path FROM grids WHERE code = $1", &[grid.trim().into()])
                .await?;
        let Some((gid, gcommunity, gpath)) = g else {
            return Err(StoreError::missing("grid", format!("没有网格“{}” (no such grid)", grid.trim())));
        };
        if gcommunity != w.community_id {
            return Err(StoreError::invalid("grid", "只能定岗到本社区的网格 (a grid of the worker's own community)"));
        }
        check_day("from_on", from_on, now)?;
        if from_on < w.hired_on {
            return Err(StoreError::invalid("from_on", "定岗日期早于入职日期 (before the worker was hired)"));
        }
        let until = from_on.pred_opt().unwrap_or(from_on);
        let mut tx = self.begin().await?;
        let current: Vec<(Uuid, Uuid, NaiveDate)> = fetch_all_tx(
            &mut tx,
            "SELECT id, grid_id, from_on FROM worker_grid_posts WHERE to_on IS NULL AND (worker_id = $1 OR grid_id = $2)",
            &[worker.into(), gid.into()],
        )
        .await?;
        // The current posts end the day before; one that began on that day or later would not.
        if current.iter().any(|c| c.2 >= from_on) {
            return Err(StoreError::conflict(
                "from_on",
                "该日期或之后已有定岗记录 (a post from that day or later is on record)",
            ));
        }
        for (id, _, _) in &current {
            exec(&mut tx, "UPDATE worker_grid_posts SET to_on = $2 WHERE id = $1", &[(*id).into(), until.into()])
                .await?;
        }
        exec(
            &mut tx,
            "INSERT INTO worker_grid_posts (id, worker_id, grid_id, from_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[new_id().into(), worker.into(), gid.into(), from_on.into(), who.user_id.into(), now.into()],
        )
        .await?;
        exec(&mut tx, "UPDATE grids SET worker_id = $2 WHERE id = $1", &[gid.into(), w.person_id.into()]).await?;
        audit::record(&mut tx, ctx, &gpath, "workers.grid_post", worker, json!({"grid": grid.trim()})).await?;
        tx.commit().await?;
        self.worker(who, worker).await
    }

    /// Records a year's appraisal (once a year: 409), for a year the worker served and not
    /// ahead of this one.
    pub async fn appraise(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        worker: Uuid,
        a: &NewAppraisal,
        now: DateTime<Utc>,
    ) -> Result<WorkerRecord> {
        let (year, result) = (a.year, a.result);
        let w = self.worker_row(who, worker, Permission::ManageWorkers).await?;
        let this_year = i64::from(jiayuan_domain::time::beijing(now).date().year());
        if year > this_year || year < i64::from(w.hired_on.year()) {
            return Err(StoreError::invalid(
                "year",
                format!("考核年度应在{}到{this_year}之间 (a year served, not ahead)", w.hired_on.year()),
            ));
        }
        let note = text("note", &a.note, 0, 500)?;
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO worker_appraisals (id, worker_id, year, result, note, recorded_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                id.into(),
                worker.into(),
                year.into(),
                result.as_str().into(),
                note.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => {
                StoreError::conflict("year", format!("{year}年度已有考核结果 (already appraised)"))
            }
            other => other,
        })?;
        audit::record(
            &mut tx,
            ctx,
            &w.path,
            "workers.appraisal",
            worker,
            json!({"year": year, "result": result.as_str()}),
        )
        .await?;
        tx.commit().await?;
        self.worker(who, worker).await
    }

    /// Promotes a worker when the table's rules allow it; the record names the rule. Two
    /// promotions at once: the second finds the grade changed and answers 409.
    pub async fn promote(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        worker: Uuid,
        ask: Ask,
        on: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<WorkerRecord> {
        let w = self.worker_row(who, worker, Permission::RecruitWorkers).await?;
        if w.left_on.is_some() {
            return Err(StoreError::invalid("worker", "这位社区工作者已离岗 (no longer serving)"));
        }
        check_day("effective_on", on, now)?;
        let post = w.post().ok_or_else(|| StoreError::invalid("post", "岗位记录无效 (stored post unknown)"))?;
        let appraisals: Vec<(i64, String)> =
            fetch_all(&self.db, "SELECT year, result FROM worker_appraisals WHERE worker_id = $1", &[worker.into()])
                .await?;
        let appraisals: Vec<(i32, Appraisal)> =
            appraisals.into_iter().filter_map(|(y, r)| Some((i32::try_from(y).ok()?, Appraisal::parse(&r)?))).collect();
        let scale = self.pay_scale().await?;
        let standing = Standing {
            post,
            grade: w.grade,
            grade_since: w.grade_since,
            appraisals: &appraisals,
            qualification: w.qualification(),
        };
        let p = rules::check_promotion(&scale, &standing, ask, on).map_err(StoreError::Invalid)?;
        let qualification = match ask {
            Ask::Qualification(q) => q.as_str().to_string(),
            _ => w.qualification.clone(),
        };
        let mut tx = self.begin().await?;
        let n = exec(
            &mut tx,
            "UPDATE community_workers SET post = $4, grade = $5, grade_since = $6, qualification = $7, updated_at = $8
             WHERE id = $1 AND post = $2 AND grade = $3",
            &[
                worker.into(),
                w.post.clone().into(),
                w.grade.into(),
                p.post.as_str().into(),
                p.grade.into(),
                on.into(),
                qualification.clone().into(),
                now.into(),
            ],
        )
        .await?;
        if n != 1 {
            return Err(StoreError::conflict("grade", "级别刚被他人调整，请刷新后再试 (changed meanwhile)"));
        }
        let id = new_id();
        exec(
            &mut tx,
            "INSERT INTO worker_promotions (id, worker_id, effective_on, from_post, from_grade, to_post, to_grade, rule,
               qualification, reason, recorded_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                id.into(),
                worker.into(),
                on.into(),
                w.post.clone().into(),
                w.grade.into(),
                p.post.as_str().into(),
                p.grade.into(),
                p.rule.as_str().into(),
                match ask {
                    Ask::Qualification(q) => q.as_str(),
                    _ => "",
                }
                .into(),
                p.reason.clone().into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await?;
        audit::record(
            &mut tx,
            ctx,
            &w.path,
            "workers.promotion",
            worker,
            json!({"rule": p.rule.as_str(), "from": w.grade, "to": p.grade}),
        )
        .await?;
        tx.commit().await?;
        self.worker(who, worker).await
    }

    /// The pay-grade report: each community of the scope (under `within` when given) with its
    /// serving workers by post kind and grade and its monthly pay on the table.
    pub async fn pay_report(&self, who: &Principal, within: Option<&str>) -> Result<Vec<PayLine>> {
        let scope = who.scope(Permission::ManageWorkers).map_err(|_| forbidden(Permission::ManageWorkers))?;
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "w.path", None);
        if let Some(code) = within.map(str::trim).filter(|c| !c.is_empty()) {
            let t = self
                .territory_by_code(code)
                .await
                .map_err(|_| StoreError::missing("within", "没有这一区域 (no such territory)"))?;
            let c = Subtree::of(&t.path).sql(&mut q, "w.path");
            q.conds.push(c);
        }
        q.conds.push("w.left_on IS NULL".into());
        let rows: Vec<(String, String, String, i64, i64)> = fetch_all(
            &self.db,
            &format!(
                "SELECT c.code, c.name, w.post, w.grade, CAST(count(*) AS BIGINT) FROM community_workers w
                 JOIN territories c ON c.id = w.community_id WHERE {} GROUP BY c.code, c.name, w.post, w.grade",
                q.conds.join(" AND ")
            ),
            &q.vals,
        )
        .await?;
        let scale = self.pay_scale().await?;
        let mut lines: BTreeMap<String, PayLine> = BTreeMap::new();
        for (code, name, post, grade, n) in rows {
            let l = lines.entry(code.clone()).or_insert_with(|| PayLine {
                community_code: code,
                community_name: name,
                workers: 0,
                by_post: [0; 3],
                by_grade: [0; 18],
                monthly_pay_fen: 0,
            });
            l.workers += n;
            if let Some(p) = Post::parse(&post) {
                if let Some(i) = Post::ALL.iter().position(|x| *x == p) {
                    l.by_post[i] += n;
                }
                l.monthly_pay_fen += scale.row(p, grade).map_or(0, |r| r.monthly_pay_fen) * n;
            }
            if (1..=18).contains(&grade) {
                l.by_grade[(grade - 1) as usize] += n;
            }
        }
        Ok(lines.into_values().collect())
    }
}

/// A day of record: not ahead of today, not before 1990.
fn check_day(field: &str, day: NaiveDate, now: DateTime<Utc>) -> Result<()> {
    let today = jiayuan_domain::time::beijing(now).date();
    if day > today {
        return Err(StoreError::invalid(field, "日期不能晚于今天 (not in the future)"));
    }
    if day.year() < 1990 {
        return Err(StoreError::invalid(field, "日期不能早于1990年 (not before 1990)"));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_worker(
    tx: &mut crate::Tx,
    id: Uuid,
    person: Uuid,
    community: (Uuid, String),
    kind: WorkerKind,
    post: Post,
    grade: i64,
    education: Education,
    qualification: Option<Qualification>,
    hired_on: NaiveDate,
    recruitment: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<()> {
    exec(
        tx,
        "INSERT INTO community_workers (id, person_id, community_id, path, kind, post, grade, grade_since, education,
           qualification, hired_on, recruitment_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
        &[
            id.into(),
            person.into(),
            community.0.into(),
            community.1.into(),
            kind.as_str().into(),
            post.as_str().into(),
            grade.into(),
            hired_on.into(),
            education.as_str().into(),
            qualification.map(|q| q.as_str()).unwrap_or("").into(),
            hired_on.into(),
            recruitment.into(),
            now.into(),
        ],
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict { .. } => {
            StoreError::conflict("person_id", "这位居民已是社区工作者 (already a community worker)")
        }
        other => other,
    })?;
    Ok(())
}

impl Store {
    /// The territories of these kinds that `p` covers for `who` (under `under` when given), as
    /// (code, name) by code: the choices of the workers' forms.
    pub async fn territories_for(
        &self,
        who: &Principal,
        p: Permission,
        kinds: &[&str],
        under: Option<&str>,
    ) -> Result<Vec<(String, String)>> {
        let Ok(scope) = who.scope(p) else { return Ok(vec![]) };
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "t.path", None);
        if let Some(u) = under {
            let c = Subtree::of(u).sql(&mut q, "t.path");
            q.conds.push(c);
        }
        let list: Vec<String> = kinds.iter().map(|k| q.bind(*k)).collect();
        q.conds.push(format!("t.kind IN ({})", list.join(", ")));
        fetch_all(
            &self.db,
            &format!("SELECT t.code, t.name FROM territories t WHERE {} ORDER BY t.path", q.conds.join(" AND ")),
            &q.vals,
        )
        .await
    }

    /// The grids of a community, as (code, name).
    pub async fn community_grids(&self, community: Uuid) -> Result<Vec<(String, String)>> {
        fetch_all(&self.db, "SELECT code, name FROM grids WHERE community_id = $1 ORDER BY code", &[community.into()])
            .await
    }
}
