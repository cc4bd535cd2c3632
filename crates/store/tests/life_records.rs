//! Community life beyond registration, on every backend: what an activity came to (status,
//! report with unnamed beneficiaries, a fair's stalls), social organisations adopting places
//! and running venture projects, golden solutions reviewed, promoted and adopted, the
//! community calendar, and the figures all of it adds up to.

use chrono::{DateTime, Duration, TimeZone, Utc};
use jiayuan_domain::life::{ActivityStatus, GoldenStatus, OrganiserKind, ProjectStatus, StallKind};
use jiayuan_store::access::Principal;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::demo::Scale;
use jiayuan_store::life::{NewActivity, NewProject, NewSolution, NewStall};
use jiayuan_store::subtree::Subtree;
use jiayuan_store::{testing, Store, StoreError};

fn ctx() -> AuditCtx {
    AuditCtx::operator("test")
}

async fn principal(s: &Store, name: &str) -> Principal {
    s.principal_of(&s.user_by_name(name).await.unwrap()).await.unwrap()
}

/// Monday 30 November 2026, 10:00 in Beijing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap()
}

fn field_of(e: StoreError) -> String {
    match e {
        StoreError::Invalid(f) | StoreError::Missing(f) => f.field,
        StoreError::Conflict { field, .. } => format!("409 {field}"),
        StoreError::Forbidden(_) => "403".into(),
        StoreError::NotFound => "404".into(),
        e => format!("{e:?}"),
    }
}

fn activity(kind: &str, territory: &str, starts_in: Duration) -> NewActivity {
    NewActivity {
        kind: kind.into(),
        title: "牟邻集市".into(),
        description: String::new(),
        organiser_kind: OrganiserKind::Community,
        organiser_name: "社区党委".into(),
        territory: territory.into(),
        place: "广场".into(),
        starts_at: now() + starts_in,
        ends_at: now() + starts_in + Duration::hours(3),
        capacity: 0,
        public: true,
        weeks: 1,
        project: None,
    }
}

async fn social_org(s: &Store) -> String {
    jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_scalar::<_, String>(
        "SELECT code FROM organisations WHERE kind = 'social_organisation' ORDER BY code LIMIT 1"
    )
    .fetch_one(p)
    .await)
    .unwrap()
}

#[tokio::test]
async fn a_fair_with_its_stalls_reported_afterwards() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let c1 = principal(s, "c1").await;
        let code = c1.grants[0].territory_code.clone();
        let fair = s.create_activity(&ctx(), &c1, &activity("fair", &code, Duration::hours(-1)), now()).await.unwrap();
        for k in StallKind::FIVE {
            let st = NewStall { kind: k, name: String::new(), provider: "街道司法所".into(), served: 10 };
            s.add_stall(&ctx(), &c1, fair.id, &st, now()).await.unwrap();
        }
        let extra =
            NewStall {
                kind: StallKind::Extra, name: "磨剪子".into(), provider: "老兵志愿服务队".into(), served: 0
            };
        let e = s.add_stall(&ctx(), &c1, fair.id, &NewStall { name: String::new(), ..extra.clone() }, now()).await;
        assert_eq!(field_of(e.unwrap_err()), "name", "an extra stall says what it offers; {}", t.name);
        let x = s.add_stall(&ctx(), &c1, fair.id, &extra, now()).await.unwrap();
        let x = s.set_stall_served(&ctx(), &c1, fair.id, x.id, 37).await.unwrap();
        assert_eq!((x.label(), x.served), ("磨剪子".to_string(), 37));
        let stalls = s.stalls(fair.id).await.unwrap();
        assert_eq!(stalls.len(), 6);
        assert_eq!(stalls[0].kind(), StallKind::Policy);
        // A banquet has no stalls.
        let banquet =
            s.create_activity(&ctx(), &c1, &activity("banquet", &code, Duration::days(2)), now()).await.unwrap();
        let e = s.add_stall(&ctx(), &c1, banquet.id, &extra, now()).await.unwrap_err();
        assert_eq!(field_of(e), "kind", "{}", t.name);
        // Not yet started: cannot be reported as held; closed and reopened; cancelled is final.
        let e = s.report_activity(&ctx(), &c1, banquet.id, "很好", 5, now()).await.unwrap_err();
        assert_eq!(field_of(e), "status", "{}", t.name);
        let b = s.set_activity_status(&ctx(), &c1, banquet.id, ActivityStatus::Closed, now()).await.unwrap();
        assert_eq!(b.status, ActivityStatus::Closed);
        s.set_activity_status(&ctx(), &c1, banquet.id, ActivityStatus::Cancelled, now()).await.unwrap();
        let e = s.set_activity_status(&ctx(), &c1, banquet.id, ActivityStatus::Open, now()).await.unwrap_err();
        assert_eq!(field_of(e), "status");
        // The fair's report: 420 visitors without names.
        let e = s.report_activity(&ctx(), &c1, fair.id, "x", 420, now()).await.unwrap_err();
        assert_eq!(field_of(e), "report", "too short; {}", t.name);
        let f = s.report_activity(&ctx(), &c1, fair.id, "集市共设六个摊位，居民踊跃参与。", 420, now()).await.unwrap();
        assert_eq!((f.status, f.beneficiaries()), (ActivityStatus::Done, 420));
        // Someone from another community may not touch it.
        let c2 = principal(s, "c2").await;
        let e = s.report_activity(&ctx(), &c2, fair.id, "改写报告", 1, now()).await.unwrap_err();
        assert_eq!(field_of(e), "403", "a public activity is seen but not run; {}", t.name);
        // The figures: the fair counts with its 420; the cancelled banquet does not.
        let within = Subtree::of(&c1.grants[0].path);
        let fig = s.life_figures(&within, now() - Duration::days(1), now() + Duration::days(30)).await.unwrap();
        assert_eq!((fig.activities, fig.beneficiaries), (1, 420), "{}", t.name);
        // The calendar of the community: both, the cancelled one marked.
        let cal = s.community_ical(&code, now()).await.unwrap();
        assert_eq!(cal.matches("BEGIN:VEVENT").count(), 2, "{}", t.name);
        assert!(cal.contains("STATUS:CANCELLED"));
        assert!(cal.lines().all(|l| l.len() <= 76));
        t.finish().await;
    }
}

#[tokio::test]
async fn a_venture_project_from_application_to_evaluation() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let c1 = principal(s, "c1").await;
        let sd1 = principal(s, "sd1").await;
        let code = c1.grants[0].territory_code.clone();
        let org = social_org(s).await;
        let np = NewProject {
            organisation: org.clone(),
            territory: code.clone(),
            title: "银龄互助".into(),
            summary: "为独居老人上门服务".into(),
            budget_fen: 5_000_000,
        };
        for (bad, field) in [
            (NewProject { budget_fen: 0, ..np.clone() }, "budget_fen"),
            (NewProject { organisation: "NOPE".into(), ..np.clone() }, "organisation"),
            (NewProject { territory: "NOPE".into(), ..np.clone() }, "territory"),
            (NewProject { title: " ".into(), ..np.clone() }, "title"),
        ] {
            assert_eq!(field_of(s.apply_project(&ctx(), &c1, &bad, now()).await.unwrap_err()), field, "{}", t.name);
        }
        let p = s.apply_project(&ctx(), &c1, &np, now()).await.unwrap();
        assert_eq!(p.status, ProjectStatus::Applied);
        let e = s.apply_project(&ctx(), &c1, &np, now()).await.unwrap_err();
        assert_eq!(field_of(e), "409 title", "{}", t.name);
        // The community cannot approve its own application; an activity cannot be held under it yet.
        let e = s.advance_project(&ctx(), &c1, p.id, ProjectStatus::Approved, None, "", now()).await.unwrap_err();
        assert_eq!(field_of(e), "403", "{}", t.name);
        let under = NewActivity { project: Some(p.id), ..activity("culture", &code, Duration::hours(-1)) };
        assert_eq!(field_of(s.create_activity(&ctx(), &c1, &under, now()).await.unwrap_err()), "project");
        // Skipping a step is refused.
        let e = s.advance_project(&ctx(), &sd1, p.id, ProjectStatus::Running, None, "", now()).await.unwrap_err();
        assert_eq!(field_of(e), "status", "{}", t.name);
        s.advance_project(&ctx(), &sd1, p.id, ProjectStatus::Approved, None, "", now()).await.unwrap();
        s.advance_project(&ctx(), &c1, p.id, ProjectStatus::Running, None, "", now()).await.unwrap();
        let a = s.create_activity(&ctx(), &c1, &under, now()).await.unwrap();
        s.report_activity(&ctx(), &c1, a.id, "上门服务十二户老人。", 12, now()).await.unwrap();
        s.advance_project(&ctx(), &c1, p.id, ProjectStatus::Closed, None, "", now()).await.unwrap();
        let e = s.advance_project(&ctx(), &sd1, p.id, ProjectStatus::Evaluated, Some(101), "好", now()).await;
        assert_eq!(field_of(e.unwrap_err()), "score", "{}", t.name);
        let p =
            s.advance_project(&ctx(), &sd1, p.id, ProjectStatus::Evaluated, Some(88), "成效明显", now()).await.unwrap();
        assert_eq!((p.status, p.score, p.activities, p.beneficiaries), (ProjectStatus::Evaluated, Some(88), 1, 12));
        // Adopting the community and one of its grids; the same start again is a conflict.
        let day = now().date_naive();
        s.adopt(&ctx(), &c1, &org, &code, day, None, now()).await.unwrap();
        let e = s.adopt(&ctx(), &c1, &org, &code, day, None, now()).await.unwrap_err();
        assert_eq!(field_of(e), "409 starts_on", "{}", t.name);
        let e = s.adopt(&ctx(), &c1, &org, &code, day, Some(day - Duration::days(1)), now()).await.unwrap_err();
        assert_eq!(field_of(e), "ends_on");
        let within = Subtree::of(&c1.grants[0].path);
        assert_eq!(s.adoptions(Some(&within)).await.unwrap().len(), 1);
        let fig = s.life_figures(&within, now() - Duration::days(1), now() + Duration::days(1)).await.unwrap();
        assert_eq!(fig.venture_projects, 1, "{}", t.name);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_golden_solution_reviewed_promoted_and_adopted() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (c1, c2) = (principal(s, "c1").await, principal(s, "c2").await);
        let (sd1, admin) = (principal(s, "sd1").await, principal(s, "admin").await);
        let ns = NewSolution {
            territory: c1.grants[0].territory_code.clone(),
            org_name: "社区党委".into(),
            title: "百家宴促邻里和睦".into(),
            theme: "邻里互助".into(),
            problem: "新小区邻里互不相识。".into(),
            method: "每季度一次百家宴，楼栋长牵头。".into(),
            results: "矛盾纠纷下降三成。".into(),
        };
        let sol = s.submit_solution(&ctx(), &c1, &ns, now()).await.unwrap();
        assert_eq!(sol.status(), GoldenStatus::Submitted);
        assert_eq!(field_of(s.submit_solution(&ctx(), &c1, &ns, now()).await.unwrap_err()), "409 title");
        let rubric = s.rubric().await.unwrap();
        let full: Vec<(String, i64)> = rubric.iter().map(|c| (c.code.clone(), c.max_points)).collect();
        // The district cannot review before the subdistrict; the community never.
        assert_eq!(field_of(s.review_solution(&ctx(), &admin, sol.id, &full, "", now()).await.unwrap_err()), "403");
        assert_eq!(field_of(s.review_solution(&ctx(), &c1, sol.id, &full, "", now()).await.unwrap_err()), "403");
        let short = &full[1..];
        let e = s.review_solution(&ctx(), &sd1, sol.id, short, "", now()).await.unwrap_err();
        assert_eq!(field_of(e), "scores", "{}", t.name);
        let r = s.review_solution(&ctx(), &sd1, sol.id, &full, "很好", now()).await.unwrap();
        assert_eq!((r.status(), r.subdistrict_score), (GoldenStatus::Reviewed, Some(100)));
        let e = s.review_solution(&ctx(), &sd1, sol.id, &full, "", now()).await.unwrap_err();
        assert_eq!(field_of(e), "403", "the subdistrict has had its turn; {}", t.name);
        let r = s.review_solution(&ctx(), &admin, sol.id, &full, "", now()).await.unwrap();
        assert_eq!(r.status(), GoldenStatus::Promoted, "{}", t.name);
        assert_eq!(s.solution_reviews(sol.id).await.unwrap().len(), 2);
        // In the library for the other community, which adopts it once; its own cannot.
        let lib = s
            .solutions_for(
                &c2,
                &jiayuan_store::life::SolutionFilter {
                    library: true, q: Some("百家宴".into()), ..Default::default()
                },
                jiayuan_store::model::Page::new(None, None).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(lib.total, 1, "{}", t.name);
        let own = c1.grants[0].territory_code.clone();
        assert_eq!(field_of(s.adopt_solution(&ctx(), &c1, sol.id, &own, "", now()).await.unwrap_err()), "territory");
        let other = c2.grants[0].territory_code.clone();
        s.adopt_solution(&ctx(), &c2, sol.id, &other, "第二季度起借鉴", now()).await.unwrap();
        let e = s.adopt_solution(&ctx(), &c2, sol.id, &other, "", now()).await.unwrap_err();
        assert_eq!(field_of(e), "409 territory", "{}", t.name);
        assert_eq!(s.solution(sol.id).await.unwrap().adoptions, 1);
        assert_eq!(s.solution_themes().await.unwrap(), vec![("邻里互助".to_string(), 1)]);
        t.finish().await;
    }
}

/// Every unique key of community life answers a conflict naming the field when the same thing
/// is created several times at once, on both databases: one is written, the others are 409.
#[tokio::test]
async fn the_same_thing_created_at_once_is_written_once() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let c1 = principal(s, "c1").await;
        let code = c1.grants[0].territory_code.clone();
        let org = social_org(s).await;
        let outcome = |rs: Vec<std::result::Result<bool, String>>| {
            let written = rs.iter().filter(|r| matches!(r, Ok(true))).count();
            let refused: Vec<_> = rs.into_iter().filter_map(|r| r.err()).collect();
            (written, refused)
        };
        // A volunteer team's name at a place.
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let (s, c1, code) = (s.clone(), c1.clone(), code.clone());
            tasks.push(tokio::spawn(async move {
                s.create_team(&ctx(), &c1, "家事我办", &code, "", now()).await.map(|_| true).map_err(field_of)
            }));
        }
        let rs = futures_util::future::join_all(tasks).await.into_iter().map(|r| r.unwrap()).collect();
        let (written, refused) = outcome(rs);
        assert_eq!(written, 1, "{}", t.name);
        assert!(refused.iter().all(|f| f == "409 name"), "{refused:?} on {}", t.name);
        // A venture project's title for an organisation.
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let (s, c1) = (s.clone(), c1.clone());
            let np = NewProject {
                organisation: org.clone(),
                territory: code.clone(),
                title: "银龄互助".into(),
                summary: String::new(),
                budget_fen: 100_000,
            };
            tasks.push(tokio::spawn(async move {
                s.apply_project(&ctx(), &c1, &np, now()).await.map(|_| true).map_err(field_of)
            }));
        }
        let rs = futures_util::future::join_all(tasks).await.into_iter().map(|r| r.unwrap()).collect();
        let (written, refused) = outcome(rs);
        assert_eq!(written, 1, "{}", t.name);
        assert!(refused.iter().all(|f| f == "409 title"), "{refused:?} on {}", t.name);
        // A golden solution's title in a community.
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let (s, c1) = (s.clone(), c1.clone());
            let ns = NewSolution {
                territory: code.clone(),
                org_name: "社区党委".into(),
                title: "时间银行".into(),
                theme: "邻里互助".into(),
                problem: "互助缺少记录。".into(),
                method: "服务时长存入时间银行。".into(),
                results: "参与居民增多。".into(),
            };
            tasks.push(tokio::spawn(async move {
                s.submit_solution(&ctx(), &c1, &ns, now()).await.map(|_| true).map_err(field_of)
            }));
        }
        let rs = futures_util::future::join_all(tasks).await.into_iter().map(|r| r.unwrap()).collect();
        let (written, refused) = outcome(rs);
        assert_eq!(written, 1, "{}", t.name);
        assert!(refused.iter().all(|f| f == "409 title"), "{refused:?} on {}", t.name);
        t.finish().await;
    }
}
