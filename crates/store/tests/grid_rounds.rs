//! Grid rounds on every backend: a grid worker's round of their own grid, visits (one outside
//! the grid refused, a finding filed as an appeal of the place), special-care households due
//! sooner, the district's rules, grid helpers, and the figures.

use chrono::{DateTime, Duration, TimeZone, Utc};
use jiayuan_domain::grid::{Due, HelperKind, VisitRules};
use jiayuan_domain::person::PersonTag;
use jiayuan_store::access::Principal;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::demo::Scale;
use jiayuan_store::grid::{NewHelper, NewVisit};
use jiayuan_store::subtree::Subtree;
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

fn field_of(e: StoreError) -> String {
    match e {
        StoreError::Invalid(f) | StoreError::Missing(f) => f.field,
        StoreError::Conflict { field, .. } => format!("409 {field}"),
        StoreError::Forbidden(_) => "403".into(),
        e => format!("{e:?}"),
    }
}

fn visit(h: uuid::Uuid) -> NewVisit {
    NewVisit { household: Some(h), found: String::new(), ..Default::default() }
}

async fn count(s: &Store, sql: &str) -> i64 {
    jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
}

#[tokio::test]
async fn a_grid_workers_round() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let w1 = principal(s, "w1").await;
        let c1 = principal(s, "c1").await;
        let admin = principal(s, "admin").await;
        let grids = s.my_grids(&w1).await.unwrap();
        assert_eq!(grids.len(), 1, "w1 walks the one grid it is fixed to on {}", t.name);
        let mine = grids[0].code.clone();
        let other = s.my_grids(&c1).await.unwrap().into_iter().find(|g| g.code != mine).unwrap().code;

        let round = s.round(&w1, &mine, now()).await.unwrap();
        assert!(round.may_record && !round.households.is_empty());
        assert!(round.households.iter().all(|h| h.due == Due::Never), "nobody visited yet");
        assert_eq!(round.visited, 0);
        let h = round.households[0].clone();

        // A visit: that household is no longer due.
        let first = NewVisit { visited_at: Some(now() - Duration::nanoseconds(123_456_789)), ..visit(h.id) };
        let v = s.record_visits(&ctx(), &w1, &mine, &[first], now()).await.unwrap();
        assert_eq!(v.len(), 1);
        // What the call answers is what is read back later, to the microsecond.
        let listed = s.grid_visits(&w1, &mine, 10).await.unwrap();
        assert_eq!(format!("{:?}", listed.iter().find(|x| x.id == v[0].id).unwrap()), format!("{:?}", v[0]));
        let after = s.round(&w1, &mine, now()).await.unwrap();
        let seen = after.households.iter().find(|x| x.id == h.id).unwrap();
        assert!(matches!(seen.due, Due::In(_)), "{:?}", seen.due);
        assert_eq!(after.visited, 1);

        // A household of another grid, another grid, a visit ahead of time: refused, nothing written.
        let theirs = s.round(&c1, &other, now()).await.unwrap().households[0].id;
        let before = count(s, "SELECT count(*) FROM grid_visits").await;
        assert_eq!(
            field_of(s.record_visits(&ctx(), &w1, &mine, &[visit(theirs)], now()).await.unwrap_err()),
            "household_id"
        );
        assert_eq!(field_of(s.record_visits(&ctx(), &w1, &other, &[visit(theirs)], now()).await.unwrap_err()), "403");
        let mut late = visit(h.id);
        late.visited_at = Some(now() + Duration::hours(2));
        assert_eq!(field_of(s.record_visits(&ctx(), &w1, &mine, &[late], now()).await.unwrap_err()), "visited_at");
        // The secretary records in any grid of the community.
        s.record_visits(&ctx(), &c1, &other, &[visit(theirs)], now()).await.unwrap();
        assert_eq!(count(s, "SELECT count(*) FROM grid_visits").await, before + 1);

        // A finding becomes an appeal of the household's dwelling, through the grid patrol.
        let mut f = visit(h.id);
        f.found = "楼道堆放杂物，影响通行".into();
        f.follow_up = "已提醒住户清理".into();
        f.appeal_category = Some("nope".into());
        let appeals = count(s, "SELECT count(*) FROM appeals").await;
        assert_eq!(
            field_of(s.record_visits(&ctx(), &w1, &mine, &[visit(h.id), f.clone()], now()).await.unwrap_err()),
            "appeal_category"
        );
        assert_eq!(count(s, "SELECT count(*) FROM appeals").await, appeals, "nothing filed");
        f.appeal_category = Some("environment.rubbish".into());
        let v = s.record_visits(&ctx(), &w1, &mine, &[f], now()).await.unwrap();
        let appeal = v[0].appeal_id.expect("the visit names its appeal");
        let (channel, territory): (String, String) =
            jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_as::<_, (String, String)>(
                "SELECT a.channel, t.code FROM appeals a JOIN territories t ON t.id = a.territory_id WHERE a.id = $1"
            )
            .bind(appeal)
            .fetch_one(p)
            .await)
            .unwrap();
        assert_eq!((channel.as_str(), territory), ("grid_patrol", h.dwelling_code.clone()));

        // Rules: the district's; a household living alone is due within its own frequency.
        assert_eq!(field_of(s.set_visit_rules(&ctx(), &c1, &VisitRules::default(), now()).await.unwrap_err()), "403");
        let bad = VisitRules { period_days: 0, ..Default::default() };
        assert_eq!(field_of(s.set_visit_rules(&ctx(), &admin, &bad, now()).await.unwrap_err()), "period_days");
        let r = VisitRules { period_days: 60, care: vec![(PersonTag::LivingAlone, 3)] };
        assert_eq!(s.set_visit_rules(&ctx(), &admin, &r, now()).await.unwrap(), r);
        let later = s.round(&w1, &mine, now() + Duration::days(5)).await.unwrap();
        for x in later.households.iter().filter(|x| x.care.contains(&PersonTag::LivingAlone)) {
            assert_eq!(x.every_days, 3);
        }

        // Helpers who joined the grid, once per kind.
        let person = jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_scalar::<_, uuid::Uuid>(
            "SELECT id FROM people WHERE home_path LIKE '/370612/001/001/%' ORDER BY id LIMIT 1"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        let nh = NewHelper {
            person,
            kind: HelperKind::NewEmployment,
            joined_on: now().date_naive(),
            note: "外卖骑手".into(),
        };
        s.add_grid_helper(&ctx(), &w1, &mine, &nh, now()).await.unwrap();
        assert_eq!(field_of(s.add_grid_helper(&ctx(), &w1, &mine, &nh, now()).await.unwrap_err()), "409 person_id");
        assert_eq!(s.grid_helpers(&w1, &mine).await.unwrap().len(), 1);

        // The figures.
        let within = Subtree::of(&c1.grants[0].path);
        let f = s.grid_figures(&within, now() - Duration::days(1), now() + Duration::days(1)).await.unwrap();
        assert_eq!(f.grid_visits, 3, "{}", t.name);
        let households = count(s, "SELECT count(*) FROM households WHERE path LIKE '/370612/001/001/%'").await;
        assert_eq!(f.households_unvisited, households - 2);
        t.finish().await;
    }
}
