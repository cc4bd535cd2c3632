//! Community workers on every backend: a recruitment batch from announcement to hiring (bad ID
//! numbers, a second application, hiring before the scores, a grade outside the table, a full
//! batch and a community outside it refused with nothing written), a grid worker brought under
//! management, fixed grid posts with their history, appraisals, promotions the rules allow and
//! refuse (two at once: one wins), the pay-grade report, the table and the figure.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jiayuan_domain::worker::{Appraisal, Ask, Education, PayScale, Post, PromotionRule, Qualification, WorkerKind};
use jiayuan_domain::ResidentId;
use jiayuan_store::access::Principal;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::demo::Scale;
use jiayuan_store::model::Page;
use jiayuan_store::subtree::Subtree;
use jiayuan_store::support::{Hire, NewApplicant, NewAppraisal, NewRecruitment, NewWorker, WorkerQuery};
use jiayuan_store::{testing, Store, StoreError};

fn ctx() -> AuditCtx {
    AuditCtx::operator("test")
}

async fn principal(s: &Store, name: &str) -> Principal {
    s.principal_of(&s.user_by_name(name).await.unwrap()).await.unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn field_of(e: StoreError) -> String {
    match e {
        StoreError::Invalid(f) | StoreError::Missing(f) => f.field,
        StoreError::Conflict { field, .. } => format!("409 {field}"),
        StoreError::Forbidden(_) => "403".into(),
        e => format!("{e:?}"),
    }
}

fn id_number(seq: u16) -> String {
    ResidentId::compose(370612, day(1995, 3, 4), seq).unwrap().as_str().to_string()
}

fn applicant(name: &str, seq: u16, years: i64) -> NewApplicant {
    NewApplicant {
        name: name.into(),
        id_number: id_number(seq),
        phone: "13800138000".into(),
        education: Education::Bachelor,
        years_of_service: years,
    }
}

fn hire(community: &str, grade: Option<i64>) -> Hire {
    Hire { community: community.into(), post: Post::Staff, grade, qualification: None, hired_on: day(2022, 7, 1) }
}

async fn count(s: &Store, sql: &str) -> i64 {
    jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
}

#[tokio::test]
async fn a_community_workers_career() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (admin, sd1, c1, c2) = (
            principal(s, "admin").await,
            principal(s, "sd1").await,
            principal(s, "c1").await,
            principal(s, "c2").await,
        );
        let grids = s.my_grids(&c1).await.unwrap();
        let community = s.territory(grids[0].community_id).await.unwrap();
        let subdistrict = s.territory(community.parent_id.unwrap()).await.unwrap();
        let other_grids = s.my_grids(&c2).await.unwrap();
        let other_community = s.territory(other_grids[0].community_id).await.unwrap();
        assert_eq!(s.pay_scale().await.unwrap(), PayScale::default_table());

        // A batch: the subdistrict announces it; a community secretary may not.
        let batch = NewRecruitment {
            territory: subdistrict.code.clone(),
            title: "2022年社区工作者招聘".into(),
            announced_on: day(2022, 5, 1),
            places: 2,
            exam_weight: 60,
            note: String::new(),
        };
        assert_eq!(field_of(s.create_recruitment(&ctx(), &c1, &batch, now()).await.unwrap_err()), "403");
        let r = s.create_recruitment(&ctx(), &sd1, &batch, now()).await.unwrap();
        assert_eq!(field_of(s.create_recruitment(&ctx(), &sd1, &batch, now()).await.unwrap_err()), "409 title");

        // Applicants: one per ID number, a bad number named.
        let a1 = s.add_applicant(&ctx(), &sd1, r.id, &applicant("王晓明", 11, 7), now()).await.unwrap();
        assert!(a1.id_number_masked.contains("****") || a1.id_number_masked.contains('*'), "{}", a1.id_number_masked);
        assert_eq!(a1.phone_masked, "138****8000");
        let a2 = s.add_applicant(&ctx(), &sd1, r.id, &applicant("李红", 12, 0), now()).await.unwrap();
        let a3 = s.add_applicant(&ctx(), &sd1, r.id, &applicant("赵强", 13, 0), now()).await.unwrap();
        let again = s.add_applicant(&ctx(), &sd1, r.id, &applicant("王晓明", 11, 7), now()).await;
        assert_eq!(field_of(again.unwrap_err()), "409 id_number");
        let mut bad = applicant("钱多", 14, 0);
        bad.id_number = "370612199503041234".into();
        assert_eq!(field_of(s.add_applicant(&ctx(), &sd1, r.id, &bad, now()).await.unwrap_err()), "id_number");

        // Hiring needs both scores, a grade of the table, a community of the batch's territory.
        let here = community.code.clone();
        let e = s.hire(&ctx(), &sd1, a1.applicant.id, &hire(&here, None), now()).await.unwrap_err();
        assert_eq!(field_of(e), "interview_score");
        let e = s.score_applicant(&ctx(), &sd1, a1.applicant.id, Some(1001), None).await.unwrap_err();
        assert_eq!(field_of(e), "exam_score");
        for (a, e, i) in [(&a1, 865, 900), (&a2, 780, 820), (&a3, 700, 910)] {
            s.score_applicant(&ctx(), &sd1, a.applicant.id, Some(e), Some(i)).await.unwrap();
        }
        let (_, lines) = s.recruitment(&sd1, r.id).await.unwrap();
        assert_eq!(lines[0].applicant.id, a1.applicant.id, "the best total first");
        assert_eq!(lines[0].total, Some(879));
        assert_eq!(lines[0].rank, Some(1));
        let e = s.hire(&ctx(), &sd1, a1.applicant.id, &hire(&here, Some(13)), now()).await.unwrap_err();
        assert_eq!(field_of(e), "grade");
        let e = s.hire(&ctx(), &sd1, a1.applicant.id, &hire(&other_community.code, None), now()).await.unwrap_err();
        assert_eq!(field_of(e), "community");
        assert_eq!(count(s, "SELECT CAST(count(*) AS BIGINT) FROM community_workers").await, 0, "nothing half-written");
        assert_eq!(count(s, "SELECT CAST(count(*) AS BIGINT) FROM worker_applicants WHERE status = 'hired'").await, 0);

        let w = s.hire(&ctx(), &sd1, a1.applicant.id, &hire(&here, None), now()).await.unwrap();
        // Staff start on 1, +2 for seven years, +1 for a bachelor's degree.
        assert_eq!((w.worker.grade, w.worker.kind.as_str(), w.worker.post.as_str()), (4, "recruited", "staff"));
        assert_eq!(w.monthly_pay_fen, Some(360_000 + 18_000 * 3));
        assert_eq!(w.phone_masked, "138****8000");
        let e = s.hire(&ctx(), &sd1, a1.applicant.id, &hire(&here, None), now()).await.unwrap_err();
        assert_eq!(field_of(e), "409 status");
        s.hire(&ctx(), &sd1, a2.applicant.id, &hire(&here, Some(2)), now()).await.unwrap();
        let e = s.hire(&ctx(), &sd1, a3.applicant.id, &hire(&here, None), now()).await.unwrap_err();
        assert_eq!(field_of(e), "places", "two places, both filled");

        // A grid worker who meets the conditions, brought under management.
        let resident: uuid::Uuid = {
            let sql = format!(
                "SELECT id FROM people WHERE home_path LIKE '{}%' ORDER BY id LIMIT 1",
                community.path.replace('\'', "")
            );
            jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_scalar::<_, uuid::Uuid>(&sql).fetch_one(p).await).unwrap()
        };
        let nw = NewWorker {
            person: resident,
            kind: WorkerKind::GridWorker,
            community: here.clone(),
            post: Post::Staff,
            grade: None,
            education: Education::College,
            qualification: Some(Qualification::Assistant),
            years_of_service: 3,
            hired_on: day(2024, 1, 1),
        };
        assert_eq!(field_of(s.register_worker(&ctx(), &c1, &nw, now()).await.unwrap_err()), "403");
        let gw = s.register_worker(&ctx(), &sd1, &nw, now()).await.unwrap();
        assert_eq!(gw.worker.grade, 3, "1 + one for three years + one for the qualification");
        assert_eq!(field_of(s.register_worker(&ctx(), &sd1, &nw, now()).await.unwrap_err()), "409 person_id");

        // Grid posts: the secretary fixes the worker to a grid of the community; the grid's
        // fixed worker follows; a later post closes the first.
        let id = w.worker.id;
        let e = s.assign_grid(&ctx(), &c1, id, &other_grids[0].code, day(2022, 7, 1), now()).await.unwrap_err();
        assert!(matches!(field_of(e).as_str(), "grid"));
        s.assign_grid(&ctx(), &c1, id, &grids[0].code, day(2022, 7, 1), now()).await.unwrap();
        let rec = s.assign_grid(&ctx(), &c1, id, &grids[1].code, day(2024, 3, 1), now()).await.unwrap();
        assert_eq!(rec.posts.len(), 2);
        assert_eq!(rec.posts[0].grid_code, grids[1].code);
        assert_eq!(rec.posts[1].to_on, Some(day(2024, 2, 29)));
        assert_eq!(rec.worker.grid_code.as_deref(), Some(grids[1].code.as_str()));
        let e = s.assign_grid(&ctx(), &c1, id, &grids[0].code, day(2023, 1, 1), now()).await.unwrap_err();
        assert_eq!(field_of(e), "409 from_on");
        let g = s.grid_for(&c1, &grids[1].code).await.unwrap();
        assert_eq!(g.worker_id, Some(w.worker.person_id), "the grid's fixed worker is the person");
        // Another community's secretary does not see the worker.
        assert_eq!(field_of(s.worker(&c2, id).await.unwrap_err()), "worker");

        // Appraisals: once a year, a year served and not ahead.
        for (y, a) in [(2022, Appraisal::Competent), (2023, Appraisal::Competent), (2024, Appraisal::Excellent)] {
            s.appraise(&ctx(), &c1, id, &NewAppraisal { year: y, result: a, note: String::new() }, now())
                .await
                .unwrap();
        }
        assert_eq!(
            field_of(
                s.appraise(
                    &ctx(),
                    &c1,
                    id,
                    &NewAppraisal { year: 2024, result: Appraisal::Basic, note: String::new() },
                    now()
                )
                .await
                .unwrap_err()
            ),
            "409 year"
        );
        assert_eq!(
            field_of(
                s.appraise(
                    &ctx(),
                    &c1,
                    id,
                    &NewAppraisal { year: 2027, result: Appraisal::Basic, note: String::new() },
                    now()
                )
                .await
                .unwrap_err()
            ),
            "year"
        );
        assert_eq!(
            field_of(
                s.appraise(
                    &ctx(),
                    &c1,
                    id,
                    &NewAppraisal { year: 2021, result: Appraisal::Basic, note: String::new() },
                    now()
                )
                .await
                .unwrap_err()
            ),
            "year"
        );

        // Promotions: only the subdistrict; by seniority once the years and passes are there.
        assert_eq!(
            field_of(s.promote(&ctx(), &c1, id, Ask::Seniority, day(2025, 7, 1), now()).await.unwrap_err()),
            "403"
        );
        let e = s.promote(&ctx(), &sd1, id, Ask::Seniority, day(2025, 6, 30), now()).await.unwrap_err();
        assert_eq!(field_of(e), "rule", "a day short of three years");
        let e = s.promote(&ctx(), &sd1, id, Ask::Seniority, day(2025, 7, 1), now()).await.unwrap_err();
        assert_eq!(field_of(e), "rule", "two appraisals since the grade, three needed");
        s.appraise(
            &ctx(),
            &c1,
            id,
            &NewAppraisal { year: 2025, result: Appraisal::Competent, note: String::new() },
            now(),
        )
        .await
        .unwrap();
        let rec = s.promote(&ctx(), &sd1, id, Ask::Seniority, day(2025, 7, 1), now()).await.unwrap();
        assert_eq!((rec.worker.grade, rec.worker.grade_since), (5, day(2025, 7, 1)));
        assert_eq!(rec.promotions[0].rule, PromotionRule::Seniority.as_str());
        assert!(rec.promotions[0].reason.contains("满3年"), "{}", rec.promotions[0].reason);
        let e = s.promote(&ctx(), &sd1, id, Ask::Seniority, day(2026, 7, 1), now()).await.unwrap_err();
        assert_eq!(field_of(e), "rule", "a year in the new grade");
        let e = s.promote(&ctx(), &sd1, id, Ask::Seniority, day(2027, 7, 1), now()).await.unwrap_err();
        assert_eq!(field_of(e), "effective_on", "not ahead of today");
        // A qualification adds its steps; a failed last year stops it.
        let rec = s
            .promote(&ctx(), &sd1, id, Ask::Qualification(Qualification::SocialWorker), day(2026, 1, 5), now())
            .await
            .unwrap();
        assert_eq!(rec.worker.grade, 7);
        s.appraise(
            &ctx(),
            &c1,
            id,
            &NewAppraisal { year: 2026, result: Appraisal::Failed, note: String::new() },
            now(),
        )
        .await
        .unwrap();
        let e = s
            .promote(&ctx(), &sd1, id, Ask::Qualification(Qualification::Senior), day(2026, 11, 1), now())
            .await
            .unwrap_err();
        assert_eq!(field_of(e), "rule");
        // The same change of post sent twice at once: exactly one is recorded. The other either
        // read the grade before the first wrote it (409, the grade changed meanwhile) or after
        // (400, the post is already that one) — which of the two depends on the scheduler.
        let audit = ctx();
        let (x, y) = tokio::join!(
            s.promote(&audit, &sd1, id, Ask::PostChange(Post::Deputy), day(2026, 11, 2), now()),
            s.promote(&audit, &sd1, id, Ask::PostChange(Post::Deputy), day(2026, 11, 2), now()),
        );
        assert!(x.is_ok() != y.is_ok(), "exactly one of two promotions at once on {}", t.name);
        let lost = match (x, y) {
            (Err(e), _) | (_, Err(e)) => e,
            _ => unreachable!(),
        };
        let lost = field_of(lost);
        assert!(lost == "409 grade" || lost == "post", "{lost}");
        assert_eq!(count(s, "SELECT CAST(count(*) AS BIGINT) FROM worker_promotions").await, 3);

        // The list, the report and the figure.
        let list = s.workers(&c1, &WorkerQuery::default(), Page { page: 1, page_size: 50 }).await.unwrap();
        assert_eq!(list.total, 3);
        let q = WorkerQuery { kind: Some(WorkerKind::GridWorker), ..Default::default() };
        assert_eq!(s.workers(&admin, &q, Page { page: 1, page_size: 50 }).await.unwrap().total, 1);
        let report = s.pay_report(&sd1, None).await.unwrap();
        assert_eq!(report.len(), 1);
        assert_eq!(report[0].workers, 3);
        let scale = s.pay_scale().await.unwrap();
        let all = s.workers(&sd1, &WorkerQuery::default(), Page { page: 1, page_size: 50 }).await.unwrap();
        let sum: i64 = all.items.iter().map(|w| scale.row(w.post().unwrap(), w.grade).unwrap().monthly_pay_fen).sum();
        assert_eq!(report[0].monthly_pay_fen, sum);
        let district = s.territory(subdistrict.parent_id.unwrap()).await.unwrap();
        let f = s
            .support_figures(
                &Subtree::of(&district.path),
                Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(f.community_workers, 2, "recruited in 2022; the grid worker is not counted");

        // The table: only the district, and never without a grade a worker stands on.
        assert_eq!(field_of(s.set_pay_scale(&ctx(), &sd1, &scale, now()).await.unwrap_err()), "403");
        let mut fewer = scale.clone();
        fewer.rows.retain(|r| !(r.post == Post::Staff && r.grade >= 2));
        assert_eq!(field_of(s.set_pay_scale(&ctx(), &admin, &fewer, now()).await.unwrap_err()), "rows");
        let mut raised = scale.clone();
        for r in raised.rows.iter_mut() {
            r.monthly_pay_fen += 10_000;
        }
        assert_eq!(s.set_pay_scale(&ctx(), &admin, &raised, now()).await.unwrap(), raised);
        t.finish().await;
    }
}
