//! Grid party secretaries on every backend: filed by the subdistrict (a community secretary may
//! not; a back-dated filing refused), the grid's secretary following the latest filing, reports
//! on days served, an appraisal with each kind of scorer weighing the same, once a year.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jiayuan_domain::secretary::{Audience, ScorerKind};
use jiayuan_store::access::Principal;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::demo::Scale;
use jiayuan_store::grid::{NewFiling, NewReport, NewReview};
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

#[tokio::test]
async fn a_grid_secretary_filed_reporting_and_appraised() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (sd1, c1, w1) = (principal(s, "sd1").await, principal(s, "c1").await, principal(s, "w1").await);
        let grid = s.my_grids(&c1).await.unwrap()[0].code.clone();
        let people: Vec<uuid::Uuid> = {
            let sql = "SELECT id FROM people ORDER BY id LIMIT 2";
            jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_scalar::<_, uuid::Uuid>(sql).fetch_all(p).await).unwrap()
        };
        let filing = |p, from| NewFiling { person: p, filed_on: from, from_on: from, note: String::new() };

        assert_eq!(
            field_of(
                s.file_secretary(&ctx(), &c1, &grid, &filing(people[0], day(2024, 1, 1)), now()).await.unwrap_err()
            ),
            "403"
        );
        s.file_secretary(&ctx(), &sd1, &grid, &filing(people[0], day(2024, 1, 1)), now()).await.unwrap();
        let rec = s.file_secretary(&ctx(), &sd1, &grid, &filing(people[1], day(2026, 3, 1)), now()).await.unwrap();
        assert_eq!(rec.filings.len(), 2);
        assert_eq!(rec.filings[0].person_id, people[1]);
        assert_eq!(rec.filings[1].ended_on, Some(day(2026, 2, 28)));
        let e = s.file_secretary(&ctx(), &sd1, &grid, &filing(people[0], day(2025, 1, 1)), now()).await.unwrap_err();
        assert_eq!(field_of(e), "409 from_on");
        let e = s.file_secretary(&ctx(), &sd1, &grid, &filing(people[0], day(2027, 1, 1)), now()).await.unwrap_err();
        assert_eq!(field_of(e), "filed_on");
        let current = s.grid_secretaries(&c1).await.unwrap();
        assert!(current.iter().any(|f| f.grid_code == grid && f.person_id == people[1]));
        let id = rec.filings[0].id;

        // Reports, by the community, on days the secretary served.
        let report = |held| NewReport {
            audience: Audience::Grid,
            held_on: held,
            title: "2026年上半年网格工作报告".into(),
            summary: "走访、矛盾调解、志愿服务".into(),
            attendees: 36,
        };
        s.report_secretary(&ctx(), &c1, id, &report(day(2026, 7, 1)), now()).await.unwrap();
        assert_eq!(
            field_of(s.report_secretary(&ctx(), &c1, id, &report(day(2026, 1, 5)), now()).await.unwrap_err()),
            "held_on"
        );
        assert_eq!(
            field_of(s.report_secretary(&ctx(), &w1, id, &report(day(2026, 7, 1)), now()).await.unwrap_err()),
            "403"
        );

        // An appraisal: each kind of scorer weighs the same; once a year.
        let mut scores = vec![(ScorerKind::CommunityOrg, "社区党委".to_string(), 900)];
        for i in 0..10 {
            scores.push((ScorerKind::Residents, format!("居民代表{i}"), 600));
        }
        let review = NewReview { year: 2026, held_on: day(2026, 11, 20), note: String::new(), scores: scores.clone() };
        let (r, kept) = s.review_secretary(&ctx(), &c1, id, &review, now()).await.unwrap();
        assert_eq!(kept.len(), 11);
        assert_eq!((r.total, r.result.as_str()), (750, "competent"));
        assert_eq!(field_of(s.review_secretary(&ctx(), &c1, id, &review, now()).await.unwrap_err()), "409 year");
        let mut twice = review.clone();
        twice.note = "重复的评分人".into();
        twice.scores.push((ScorerKind::Residents, "居民代表0".into(), 700));
        assert_eq!(field_of(s.review_secretary(&ctx(), &c1, id, &twice, now()).await.unwrap_err()), "scores[11]");
        let rec = s.secretary_record(&c1, &grid).await.unwrap();
        assert_eq!(rec.reports.len(), 1);
        assert_eq!(rec.reviews.len(), 1);
        assert_eq!(rec.reviews[0].1.len(), 11, "every score kept");
        assert!(rec.may_record && !rec.may_file);
        t.finish().await;
    }
}
