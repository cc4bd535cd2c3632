//! The demo's community workers, written through the same calls the worker pages use and
//! deterministic by the seed: each subdistrict's open recruitment of last year (the seed
//! district's 272 places at seed scale, shared by the subdistricts as their communities are),
//! with a fifth more applicants than places, scored and the best hired into the communities;
//! every grid's worker brought under management and fixed to their grid; yearly appraisals,
//! and promotions where the table's rules allow them.

use super::{demo_epoch, Scale};
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::fetch_all;
use crate::support::{Hire, NewApplicant, NewAppraisal, NewRecruitment, NewWorker};
use crate::{Result, Store};
use chrono::{Datelike, NaiveDate};
use jiayuan_domain::worker::{Appraisal, Ask, Education, Post, WorkerKind};
use jiayuan_domain::ResidentId;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// The seed district's open recruitment: 272 community workers.
pub const SEED_RECRUITED: i64 = 272;

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "于", "曲", "姜"];
const GIVEN: &[&str] =
    &["晓明", "海燕", "志强", "丽娜", "建军", "婷婷", "宇航", "雪梅", "春雨", "文博", "佳怡", "立新"];

#[derive(Debug, Default, Clone)]
pub struct WorkerSummary {
    pub recruited: usize,
    pub grid_workers: usize,
}

impl Store {
    /// Writes the demo's community workers.
    pub async fn generate_demo_workers(&self, scale: Scale, seed: u64) -> Result<WorkerSummary> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x272);
        let (who, ctx) = (Principal::operator(), AuditCtx::operator("demo"));
        let now = demo_epoch();
        let today = jiayuan_domain::time::beijing(now).date();
        let last_year = today.year() - 1;
        let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(today);
        let mut sum = WorkerSummary::default();
        let subdistricts: Vec<(String, String, i64)> = fetch_all(
            &self.db,
            "SELECT s.code, s.path, CAST((SELECT count(*) FROM territories c WHERE c.parent_id = s.id AND c.kind = 'community') AS BIGINT)
             FROM territories s WHERE s.kind = 'subdistrict' ORDER BY s.code",
            &[],
        )
        .await?;
        let communities_total: i64 = subdistricts.iter().map(|s| s.2).sum::<i64>().max(1);
        let places_total = match scale {
            Scale::Seed => SEED_RECRUITED,
            _ => communities_total * 2,
        };
        // Shared by the subdistricts as their communities are; what rounding leaves goes to the first.
        let mut shares: Vec<i64> = subdistricts.iter().map(|s| places_total * s.2 / communities_total).collect();
        let left = places_total - shares.iter().sum::<i64>();
        for i in 0..left.max(0) as usize {
            if let Some(s) = shares.get_mut(i % subdistricts.len().max(1)) {
                *s += 1;
            }
        }
        let mut applicant_seq: u16 = 0;
        for ((code, path, _), places) in subdistricts.iter().zip(shares) {
            if places == 0 {
                continue;
            }
            let batch = self
                .create_recruitment(
                    &ctx,
                    &who,
                    &NewRecruitment {
                        territory: code.clone(),
                        title: format!("{last_year}年社区工作者公开招聘"),
                        announced_on: day(last_year, 3, 15),
                        places,
                        exam_weight: 50,
                        note: "笔试、面试各占50%，按总成绩从高到低录用。".into(),
                    },
                    now,
                )
                .await?;
            let communities: Vec<(String,)> = fetch_all(
                &self.db,
                "SELECT code FROM territories WHERE kind = 'community' AND path LIKE $1 ORDER BY code",
                &[format!("{path}%").into()],
            )
            .await?;
            let applicants = places + places / 5 + 1;
            let mut ids: Vec<(Uuid, i64)> = Vec::with_capacity(applicants as usize);
            for _ in 0..applicants {
                applicant_seq = applicant_seq.wrapping_add(1);
                let birth = day(1985 + rng.gen_range(0..15), rng.gen_range(1..=12), rng.gen_range(1..=28));
                // A region the demo's residents are not from, and a number each: never one person twice.
                let id_number = ResidentId::compose(370101, birth, applicant_seq % 1000)
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_default();
                let name =
                    format!("{}{}", SURNAMES[rng.gen_range(0..SURNAMES.len())], GIVEN[rng.gen_range(0..GIVEN.len())]);
                let education = [Education::College, Education::Bachelor, Education::Bachelor, Education::Master]
                    [rng.gen_range(0..4)];
                let a = NewApplicant {
                    name,
                    id_number,
                    phone: format!("139{:08}", rng.gen_range(0..100_000_000u32)),
                    education,
                    years_of_service: rng.gen_range(0..10),
                };
                // Two applicants born the same day with the same number apply once: skip the second.
                let Ok(line) = self.add_applicant(&ctx, &who, batch.id, &a, now).await else { continue };
                let (exam, interview) = (rng.gen_range(550..=960), rng.gen_range(600..=950));
                self.score_applicant(&ctx, &who, line.applicant.id, Some(exam), Some(interview)).await?;
                ids.push((line.applicant.id, exam + interview));
            }
            ids.sort_by_key(|a| std::cmp::Reverse(a.1));
            for (k, (id, _)) in ids.iter().take(places as usize).enumerate() {
                let community = &communities[k % communities.len().max(1)].0;
                let hire = Hire {
                    community: community.clone(),
                    post: Post::Staff,
                    grade: None,
                    qualification: None,
                    hired_on: day(last_year, 6, 1),
                };
                self.hire(&ctx, &who, *id, &hire, now).await?;
                sum.recruited += 1;
            }
        }
        // Every grid's worker, brought under management and fixed to their grid.
        let grids: Vec<(String, String, Uuid)> = fetch_all(
            &self.db,
            "SELECT g.code, c.code, g.worker_id FROM grids g JOIN territories c ON c.id = g.community_id
             WHERE g.worker_id IS NOT NULL ORDER BY g.code",
            &[],
        )
        .await?;
        for (k, (grid, community, person)) in grids.iter().enumerate() {
            let since = day(last_year - 4 + (k % 4) as i32, 3, 1);
            let w = NewWorker {
                person: *person,
                kind: if k % 17 == 5 { WorkerKind::Elected } else { WorkerKind::GridWorker },
                community: community.clone(),
                post: if k % 17 == 5 { Post::Deputy } else { Post::Staff },
                grade: None,
                education: [Education::College, Education::Bachelor][k % 2],
                qualification: None,
                years_of_service: (k % 7) as i64,
                hired_on: since,
            };
            // A person who is a grid's worker twice is registered once.
            let Ok(rec) = self.register_worker(&ctx, &who, &w, now).await else { continue };
            let id = rec.worker.id;
            self.assign_grid(&ctx, &who, id, grid, since, now).await?;
            for y in since.year()..=last_year {
                let r = match rng.gen_range(0..20) {
                    0 => Appraisal::Basic,
                    1..=5 => Appraisal::Excellent,
                    _ => Appraisal::Competent,
                };
                self.appraise(
                    &ctx,
                    &who,
                    id,
                    &NewAppraisal { year: i64::from(y), result: r, note: String::new() },
                    now,
                )
                .await?;
            }
            // Up one grade where the years and appraisals allow it (the rule decides).
            let _ = self.promote(&ctx, &who, id, Ask::Seniority, day(last_year + 1, 3, 1).min(today), now).await;
            sum.grid_workers += 1;
        }
        Ok(sum)
    }
}

impl Store {
    /// Files every grid's party secretary as the demo placed them, with a report to the community
    /// and one to the grid's members and residents, and last year's appraisal where they served
    /// it: a score from the community's party organisation, three party members, five residents.
    pub async fn generate_demo_secretaries(&self, seed: u64) -> Result<usize> {
        use crate::grid::{NewFiling, NewReport, NewReview};
        use jiayuan_domain::secretary::{Audience, ScorerKind};
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5ec);
        let (who, ctx) = (Principal::operator(), AuditCtx::operator("demo"));
        let now = demo_epoch();
        let today = jiayuan_domain::time::beijing(now).date();
        let grids: Vec<(String, Uuid, NaiveDate)> = fetch_all(
            &self.db,
            "SELECT code, secretary_id, secretary_filed_on FROM grids
             WHERE secretary_id IS NOT NULL AND secretary_filed_on IS NOT NULL ORDER BY code",
            &[],
        )
        .await?;
        let mut filed = 0;
        for (code, person, on) in grids {
            let on = on.min(today);
            let rec = self
                .file_secretary(
                    &ctx,
                    &who,
                    &code,
                    &NewFiling { person, filed_on: on, from_on: on, note: String::new() },
                    now,
                )
                .await?;
            let Some(filing) = rec.filings.first().map(|f| f.id) else { continue };
            filed += 1;
            let served = (today - on).num_days().max(1);
            for (audience, title) in
                [(Audience::Community, "向社区党委述职"), (Audience::Grid, "向网格党员群众报告工作")]
            {
                let held = on + chrono::Duration::days(rng.gen_range(0..served));
                let r = NewReport {
                    audience,
                    held_on: held,
                    title: title.into(),
                    summary: "走访入户、矛盾调解、为民办事情况".into(),
                    attendees: rng.gen_range(8..60),
                };
                self.report_secretary(&ctx, &who, filing, &r, now).await?;
            }
            let year = today.year() - 1;
            let held = NaiveDate::from_ymd_opt(year, 12, 20).unwrap_or(today);
            if on <= held {
                let mut scores = vec![(ScorerKind::CommunityOrg, "社区党委".to_string(), rng.gen_range(780..=960))];
                scores.extend(
                    (1..=3).map(|i| (ScorerKind::PartyMembers, format!("党员代表{i}"), rng.gen_range(700..=980))),
                );
                scores
                    .extend((1..=5).map(|i| (ScorerKind::Residents, format!("居民代表{i}"), rng.gen_range(650..=990))));
                let r = NewReview { year: i64::from(year), held_on: held, note: String::new(), scores };
                self.review_secretary(&ctx, &who, filing, &r, now).await?;
            }
        }
        Ok(filed)
    }
}

impl Store {
    /// The secretaries' development programme for the demo: each community's party secretary
    /// on a head's post (elected), and the district's programme of last year and this year so
    /// far — a forum each month, a 思享会 each quarter, 提级述职 each half-year, 擂台比武 in
    /// December — with attendance (about nine in ten) and scores at the scored ones.
    pub async fn generate_demo_programme(&self, seed: u64) -> Result<usize> {
        use crate::support::{NewProgrammeEvent, Presence};
        use jiayuan_domain::secretary::ProgrammeKind;
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9a0);
        let (who, ctx) = (Principal::operator(), AuditCtx::operator("demo"));
        let now = demo_epoch();
        let today = jiayuan_domain::time::beijing(now).date();
        let communities: Vec<(String, String)> =
            fetch_all(&self.db, "SELECT code, path FROM territories WHERE kind = 'community' ORDER BY code", &[])
                .await?;
        for (code, path) in &communities {
            let candidates: Vec<(Uuid,)> = fetch_all(
                &self.db,
                "SELECT p.id FROM people p WHERE p.home_path LIKE $1
                   AND NOT EXISTS (SELECT 1 FROM community_workers w WHERE w.person_id = p.id)
                 ORDER BY p.id LIMIT 1",
                &[format!("{path}%").into()],
            )
            .await?;
            let Some((person,)) = candidates.first() else { continue };
            let w = NewWorker {
                person: *person,
                kind: WorkerKind::Elected,
                community: code.clone(),
                post: Post::Principal,
                grade: None,
                education: Education::Bachelor,
                qualification: None,
                years_of_service: rng.gen_range(6..20),
                hired_on: NaiveDate::from_ymd_opt(today.year() - 5, 4, 1).unwrap_or(today),
            };
            // A resident who is a worker already is passed over by the query; a refusal here
            // leaves the community without a secretary in the demo, nothing worse.
            let _ = self.register_worker(&ctx, &who, &w, now).await;
        }
        let district: Vec<(String,)> =
            fetch_all(&self.db, "SELECT code FROM territories WHERE kind = 'district' ORDER BY code LIMIT 1", &[])
                .await?;
        let Some((district,)) = district.first().cloned() else { return Ok(0) };
        let mut plan: Vec<(ProgrammeKind, NaiveDate, String)> = Vec::new();
        for year in [today.year() - 1, today.year()] {
            for m in 1..=12u32 {
                let d = |day| NaiveDate::from_ymd_opt(year, m, day).unwrap_or(today);
                plan.push((ProgrammeKind::Forum, d(15), format!("{year}年{m}月书记论坛")));
                if m % 3 == 0 {
                    plan.push((ProgrammeKind::Salon, d(25), format!("{year}年第{}季度书记·思享会", m / 3)));
                }
                if m == 6 || m == 12 {
                    plan.push((
                        ProgrammeKind::ReportUp,
                        d(28),
                        format!("{year}年{}提级述职", if m == 6 { "上半年" } else { "下半年" }),
                    ));
                }
                if m == 12 {
                    plan.push((ProgrammeKind::Contest, d(20), format!("{year}年社区党组织书记擂台比武")));
                }
            }
        }
        let mut held = 0;
        for (kind, on, title) in plan.into_iter().filter(|p| p.1 < today) {
            let e = self
                .create_programme_event(
                    &ctx,
                    &who,
                    &NewProgrammeEvent { territory: district.clone(), kind, held_on: on, title, note: String::new() },
                    now,
                )
                .await?;
            let (_, roster) = self.programme_event(&who, e.id).await?;
            let lines: Vec<Presence> = roster
                .iter()
                .map(|r| {
                    let attended = rng.gen_range(0..10) != 0;
                    Presence {
                        worker: r.worker_id,
                        attended,
                        score: (attended && kind.scored()).then(|| rng.gen_range(700..=980)),
                    }
                })
                .collect();
            if !lines.is_empty() {
                self.record_programme(&ctx, &who, e.id, &lines, now).await?;
            }
            held += 1;
        }
        Ok(held)
    }
}
