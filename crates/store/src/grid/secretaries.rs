//! Grid party secretaries: filings with the subdistrict over time (the grid's secretary follows
//! the latest), reports to the community's party organisation and to the grid's members and
//! residents, and appraisals (述职评议) with every scorer's score and the total the rules give
//! (`jiayuan_domain::secretary`).
//!
//! Who: `FileGridSecretaries` (district, subdistrict) files; `ManageWorkers` (and the filers)
//! record reports and appraisals over their scope; anyone who sees the grid sees its record.

use crate::access::Principal;
use crate::audit::{self, AuditCtx};
use crate::batch::{exec, fetch_all, fetch_all_tx, fetch_optional, QueryParts};
use crate::service::text;
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::secretary::{self as rules, Audience, ScorerKind};
use serde_json::json;
use uuid::Uuid;

/// A filing: who, which grid, from when to when.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Filing {
    pub id: Uuid,
    pub grid_id: Uuid,
    pub grid_code: String,
    pub grid_name: String,
    pub person_id: Uuid,
    pub name: String,
    pub path: String,
    pub filed_on: NaiveDate,
    pub from_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct NewFiling {
    pub person: Uuid,
    pub filed_on: NaiveDate,
    pub from_on: NaiveDate,
    pub note: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SecretaryReport {
    pub id: Uuid,
    pub filing_id: Uuid,
    pub audience: String,
    pub held_on: NaiveDate,
    pub title: String,
    pub summary: String,
    pub attendees: i64,
}

#[derive(Debug, Clone)]
pub struct NewReport {
    pub audience: Audience,
    pub held_on: NaiveDate,
    pub title: String,
    pub summary: String,
    pub attendees: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Review {
    pub id: Uuid,
    pub filing_id: Uuid,
    pub year: i64,
    pub held_on: NaiveDate,
    pub total: i64,
    pub result: String,
    pub note: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReviewScore {
    pub review_id: Uuid,
    pub scorer_kind: String,
    pub scorer: String,
    pub score: i64,
}

#[derive(Debug, Clone)]
pub struct NewReview {
    pub year: i64,
    pub held_on: NaiveDate,
    pub note: String,
    /// (kind, who scored, tenths of a point)
    pub scores: Vec<(ScorerKind, String, i64)>,
}

/// A grid's secretary record: the filings (the current first), reports and appraisals.
#[derive(Debug, Clone)]
pub struct SecretaryRecord {
    pub grid_code: String,
    pub grid_name: String,
    pub filings: Vec<Filing>,
    pub reports: Vec<SecretaryReport>,
    pub reviews: Vec<(Review, Vec<ReviewScore>)>,
    /// Whether `who` may file here, and record reports and appraisals.
    pub may_file: bool,
    pub may_record: bool,
}

const FILING_SELECT: &str = "SELECT f.id, f.grid_id, g.code AS grid_code, g.name AS grid_name, f.person_id, p.name,
    f.path, f.filed_on, f.from_on, f.ended_on, f.note
  FROM grid_secretary_filings f JOIN grids g ON g.id = f.grid_id JOIN people p ON p.id = f.person_id";

impl Store {
    /// The current filings of the scope, by grid.
    pub async fn grid_secretaries(&self, who: &Principal) -> Result<Vec<Filing>> {
        let scope =
            who.scope(Permission::ViewTerritory).map_err(|_| StoreError::Forbidden(Permission::ViewTerritory))?;
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "f.path", None);
        q.conds.push("f.ended_on IS NULL".into());
        fetch_all(&self.db, &format!("{FILING_SELECT} WHERE {} ORDER BY g.code", q.conds.join(" AND ")), &q.vals).await
    }

    /// A grid's secretary record.
    pub async fn secretary_record(&self, who: &Principal, grid: &str) -> Result<SecretaryRecord> {
        let g = self.grid_for(who, grid).await?;
        let filings: Vec<Filing> = fetch_all(
            &self.db,
            &format!("{FILING_SELECT} WHERE f.grid_id = $1 ORDER BY f.from_on DESC, f.created_at DESC"),
            &[g.id.into()],
        )
        .await?;
        let ids: Vec<Uuid> = filings.iter().map(|f| f.id).collect();
        let (mut reports, mut reviews) = (Vec::new(), Vec::new());
        if !ids.is_empty() {
            let mut q = QueryParts::default();
            let list: Vec<String> = ids.iter().map(|i| q.bind(*i)).collect();
            let list = list.join(", ");
            reports = fetch_all(
                &self.db,
                &format!(
                    "SELECT id, filing_id, audience, held_on, title, summary, attendees FROM grid_secretary_reports
                     WHERE filing_id IN ({list}) ORDER BY held_on DESC, created_at DESC"
                ),
                &q.vals,
            )
            .await?;
            let rows: Vec<Review> = fetch_all(
                &self.db,
                &format!(
                    "SELECT id, filing_id, year, held_on, total, result, note FROM grid_secretary_reviews
                     WHERE filing_id IN ({list}) ORDER BY year DESC"
                ),
                &q.vals,
            )
            .await?;
            for r in rows {
                let scores: Vec<ReviewScore> = fetch_all(
                    &self.db,
                    "SELECT review_id, scorer_kind, scorer, score FROM grid_secretary_scores WHERE review_id = $1
                     ORDER BY scorer_kind, scorer",
                    &[r.id.into()],
                )
                .await?;
                reviews.push((r, scores));
            }
        }
        Ok(SecretaryRecord {
            grid_code: g.code.clone(),
            grid_name: g.name.clone(),
            filings,
            reports,
            reviews,
            may_file: self.may_over(who, Permission::FileGridSecretaries, &g.path),
            may_record: self.may_over(who, Permission::ManageWorkers, &g.path)
                || self.may_over(who, Permission::FileGridSecretaries, &g.path),
        })
    }

    fn may_over(&self, who: &Principal, p: Permission, path: &str) -> bool {
        who.scope(p).is_ok_and(|s| s.covers_path(path))
    }

    /// Files a grid's party secretary with the subdistrict from a day: the current filing ends
    /// the day before, and the grid's secretary is them.
    pub async fn file_secretary(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        grid: &str,
        f: &NewFiling,
        now: DateTime<Utc>,
    ) -> Result<SecretaryRecord> {
        let g = self.grid_for(who, grid).await?;
        if !self.may_over(who, Permission::FileGridSecretaries, &g.path) {
            return Err(StoreError::Forbidden(Permission::FileGridSecretaries));
        }
        let person: Option<(Uuid,)> =
            fetch_optional(&self.db, "SELECT id FROM people WHERE id = $1", &[f.person.into()]).await?;
        if person.is_none() {
            return Err(StoreError::missing("person_id", "没有这位居民 (no such resident)"));
        }
        let today = jiayuan_domain::time::beijing(now).date();
        if f.filed_on > today || f.from_on > today {
            return Err(StoreError::invalid("filed_on", "日期不能晚于今天 (not in the future)"));
        }
        if f.filed_on.year() < 1990 || f.from_on.year() < 1990 {
            return Err(StoreError::invalid("filed_on", "日期不能早于1990年 (not before 1990)"));
        }
        let note = text("note", &f.note, 0, 500)?;
        let id = new_id();
        let mut tx = self.begin().await?;
        let current: Vec<(Uuid, Uuid, NaiveDate)> = fetch_all_tx(
            &mut tx,
            "SELECT id, person_id, from_on FROM grid_secretary_filings WHERE grid_id = $1 AND ended_on IS NULL",
            &[g.id.into()],
        )
        .await?;
        if current.iter().any(|c| c.2 >= f.from_on) {
            return Err(StoreError::conflict(
                "from_on",
                "该日期或之后已有备案 (a filing from that day or later is on record)",
            ));
        }
        let until = f.from_on.pred_opt().unwrap_or(f.from_on);
        for (cid, _, _) in &current {
            exec(
                &mut tx,
                "UPDATE grid_secretary_filings SET ended_on = $2 WHERE id = $1",
                &[(*cid).into(), until.into()],
            )
            .await?;
        }
        exec(
            &mut tx,
            "INSERT INTO grid_secretary_filings (id, grid_id, person_id, path, filed_on, from_on, note, filed_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                id.into(),
                g.id.into(),
                f.person.into(),
                g.path.clone().into(),
                f.filed_on.into(),
                f.from_on.into(),
                note.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await?;
        exec(
            &mut tx,
            "UPDATE grids SET secretary_id = $2, secretary_filed_on = $3 WHERE id = $1",
            &[g.id.into(), f.person.into(), f.filed_on.into()],
        )
        .await?;
        audit::record(&mut tx, ctx, &g.path, "grid.secretary_filed", id, json!({"grid": g.code})).await?;
        tx.commit().await?;
        self.secretary_record(who, grid).await
    }

    /// A filing of `who`'s scope, to record on (404 otherwise).
    async fn filing_to_record(&self, who: &Principal, id: Uuid) -> Result<Filing> {
        let f: Option<Filing> =
            fetch_optional(&self.db, &format!("{FILING_SELECT} WHERE f.id = $1"), &[id.into()]).await?;
        let sees =
            who.scope(Permission::ViewTerritory).is_ok_and(|s| f.as_ref().is_some_and(|f| s.covers_path(&f.path)));
        let f = match f {
            Some(f) if sees => f,
            _ => return Err(StoreError::missing("filing", "没有这一备案 (no such filing)")),
        };
        if !(self.may_over(who, Permission::ManageWorkers, &f.path)
            || self.may_over(who, Permission::FileGridSecretaries, &f.path))
        {
            return Err(StoreError::Forbidden(Permission::ManageWorkers));
        }
        Ok(f)
    }

    /// Records a secretary's report, on a day they served.
    pub async fn report_secretary(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        filing: Uuid,
        r: &NewReport,
        now: DateTime<Utc>,
    ) -> Result<SecretaryReport> {
        let f = self.filing_to_record(who, filing).await?;
        served_on(&f, r.held_on, now, "held_on")?;
        let title = text("title", &r.title, 2, 100)?;
        let summary = text("summary", &r.summary, 0, 4000)?;
        if !(0..=100_000).contains(&r.attendees) {
            return Err(StoreError::invalid("attendees", "参加人数应在0到100000之间 (0–100,000)"));
        }
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO grid_secretary_reports (id, filing_id, audience, held_on, title, summary, attendees, recorded_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                id.into(),
                filing.into(),
                r.audience.as_str().into(),
                r.held_on.into(),
                title.into(),
                summary.into(),
                r.attendees.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await?;
        audit::record(&mut tx, ctx, &f.path, "grid.secretary_report", id, json!({"audience": r.audience.as_str()}))
            .await?;
        tx.commit().await?;
        let row: Option<SecretaryReport> = fetch_optional(
            &self.db,
            "SELECT id, filing_id, audience, held_on, title, summary, attendees FROM grid_secretary_reports WHERE id = $1",
            &[id.into()],
        )
        .await?;
        row.ok_or(StoreError::NotFound)
    }

    /// Records an appraisal (述职评议) with every score at once: once a year per filing (409),
    /// on a day served, each scorer once per kind; the total and its result are computed here.
    pub async fn review_secretary(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        filing: Uuid,
        r: &NewReview,
        now: DateTime<Utc>,
    ) -> Result<(Review, Vec<ReviewScore>)> {
        let f = self.filing_to_record(who, filing).await?;
        served_on(&f, r.held_on, now, "held_on")?;
        if r.year < i64::from(f.from_on.year()) || r.year > i64::from(r.held_on.year()) {
            return Err(StoreError::invalid("year", "评议年度应在任职期间且不晚于评议日期 (a year served)"));
        }
        if r.scores.is_empty() || r.scores.len() > rules::MAX_SCORES {
            return Err(StoreError::invalid(
                "scores",
                format!("评分应有1到{}项 (1 to {} scores)", rules::MAX_SCORES, rules::MAX_SCORES),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let mut scores = Vec::with_capacity(r.scores.len());
        for (i, (kind, scorer, score)) in r.scores.iter().enumerate() {
            let field = format!("scores[{i}]");
            let scorer = text(&field, scorer, 1, 40)?;
            if !(0..=1000).contains(score) {
                return Err(StoreError::invalid(&field, "分数应在0到100之间 (0–100)"));
            }
            if !seen.insert((*kind, scorer.clone())) {
                return Err(StoreError::invalid(&field, format!("“{scorer}”已评过分 (scored twice)")));
            }
            scores.push((*kind, scorer, *score));
        }
        let pairs: Vec<(ScorerKind, i64)> = scores.iter().map(|s| (s.0, s.2)).collect();
        let total = rules::appraisal_total(&pairs).unwrap_or(0);
        let result = rules::result_of(total);
        let note = text("note", &r.note, 0, 1000)?;
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO grid_secretary_reviews (id, filing_id, year, held_on, total, result, note, recorded_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                id.into(),
                filing.into(),
                r.year.into(),
                r.held_on.into(),
                total.into(),
                result.as_str().into(),
                note.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => {
                StoreError::conflict("year", format!("{}年度已评议 (already appraised for the year)", r.year))
            }
            other => other,
        })?;
        for (kind, scorer, score) in &scores {
            exec(
                &mut tx,
                "INSERT INTO grid_secretary_scores (id, review_id, scorer_kind, scorer, score) VALUES ($1, $2, $3, $4, $5)",
                &[new_id().into(), id.into(), kind.as_str().into(), scorer.clone().into(), (*score).into()],
            )
            .await?;
        }
        audit::record(&mut tx, ctx, &f.path, "grid.secretary_review", id, json!({"year": r.year, "total": total}))
            .await?;
        tx.commit().await?;
        let row: Option<Review> = fetch_optional(
            &self.db,
            "SELECT id, filing_id, year, held_on, total, result, note FROM grid_secretary_reviews WHERE id = $1",
            &[id.into()],
        )
        .await?;
        let scores: Vec<ReviewScore> = fetch_all(
            &self.db,
            "SELECT review_id, scorer_kind, scorer, score FROM grid_secretary_scores WHERE review_id = $1
             ORDER BY scorer_kind, scorer",
            &[id.into()],
        )
        .await?;
        Ok((row.ok_or(StoreError::NotFound)?, scores))
    }
}

/// A day within the filing's service and not ahead of today.
fn served_on(f: &Filing, day: NaiveDate, now: DateTime<Utc>, field: &str) -> Result<()> {
    if day > jiayuan_domain::time::beijing(now).date() {
        return Err(StoreError::invalid(field, "日期不能晚于今天 (not in the future)"));
    }
    if day < f.from_on || f.ended_on.is_some_and(|e| day > e) {
        return Err(StoreError::invalid(field, "日期不在这位书记的任职期间 (not while this secretary served)"));
    }
    Ok(())
}
