//! Appeals on every backend: intake and routing, the lifecycle with optimistic versions,
//! the clock across holidays, rollups and measures, and the outbox.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use jiayuan_domain::appeal::measure::{Counter, Rate};
use jiayuan_domain::appeal::{Action, Channel, Level, Rating, Status, Urgency};
use jiayuan_store::appeals::lifecycle::{open_actions, ActInput};
use jiayuan_store::appeals::outbox::NewChannel;
use jiayuan_store::appeals::rollup::MeasureQuery;
use jiayuan_store::appeals::{AppealQuery, NewAppeal, Viewer};
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::demo::Scale;
use jiayuan_store::model::Page;
use jiayuan_store::{testing, Store, StoreError};

fn ctx() -> AuditCtx {
    AuditCtx::operator("test")
}

/// Beijing wall time as UTC.
fn bj(s: &str) -> DateTime<Utc> {
    let n = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    Utc.from_utc_datetime(&(n - Duration::hours(8)))
}

async fn viewer(s: &Store, name: &str) -> Viewer {
    Viewer::of(&s.principal_of(&s.user_by_name(name).await.unwrap()).await.unwrap())
}

/// The building of bl1, and a building of the same compound without a group leader.
async fn buildings(s: &Store) -> (String, String) {
    let bl1 = s.principal_of(&s.user_by_name("bl1").await.unwrap()).await.unwrap();
    let b = bl1.grants[0].territory_code.clone();
    let t = s.territory_by_code(&b).await.unwrap();
    let sibs = s.children(t.parent_id.unwrap()).await.unwrap();
    let other = sibs.iter().find(|x| x.code != b && x.kind == "building").unwrap().code.clone();
    (b, other)
}

fn noise(territory: &str) -> NewAppeal {
    NewAppeal {
        channel: Some(Channel::Web),
        category: "neighbour.noise".into(),
        urgency: Some(Urgency::Normal),
        territory: territory.into(),
        description: "楼上每晚十二点后装修噪音".into(),
        ..Default::default()
    }
}

fn act(action: Action, version: i64, note: &str) -> ActInput {
    ActInput { action: Some(action), version, note: note.into(), ..Default::default() }
}

#[tokio::test]
async fn appeals_route_to_the_lowest_staffed_level_and_run_their_lifecycle() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (b, other) = buildings(s).await;
        let r1 = viewer(s, "r1").await;
        let bl1 = viewer(s, "bl1").await;
        let cs1 = viewer(s, "cs1").await;
        let c2 = viewer(s, "c2").await;
        let now = bj("2026-11-30 10:00");

        // A resident files about bl1's building: the building group takes it.
        let filed = s.file_appeal(&r1, &ctx(), &noise(&b), now).await.unwrap();
        let a = filed.appeal;
        assert_eq!(a.handler_level.as_str(), "building", "{}", t.name);
        assert_eq!(a.status.as_str(), "new");
        assert!(filed.tracking_code.is_none(), "a signed-in resident follows it in their account");
        // Neighbour disputes: respond in 24 h, resolve in 7 working days (by the end of 9 December).
        assert_eq!(a.response_due_at, bj("2026-12-01 10:00"));
        assert_eq!(a.resolve_due_at, bj("2026-12-10 00:00"));

        // A building without a group leader: the compound branch takes it.
        let o = s.file_appeal(&r1, &ctx(), &noise(&other), now).await.unwrap();
        assert_eq!(o.appeal.handler_level.as_str(), "compound");
        // A property matter starts at the compound even in bl1's building.
        let p = NewAppeal { category: "property.repair".into(), ..noise(&b) };
        let repair = s.file_appeal(&r1, &ctx(), &p, now).await.unwrap();
        assert_eq!(repair.appeal.handler_level.as_str(), "compound");
        // Likely duplicates: same category, same building, open.
        let again = s.file_appeal(&r1, &ctx(), &noise(&b), now).await.unwrap();
        assert!(again.possible_duplicates.iter().any(|d| d.id == a.id));
        // One rule in both places: the appeal's page lists what its filing answered, and the
        // earlier appeal's page lists the later one; another category is not a duplicate.
        let ids = |v: &[jiayuan_store::appeals::AppealRow]| v.iter().map(|d| d.id).collect::<Vec<_>>();
        let on_page = s.duplicates_of(&r1, &again.appeal).await.unwrap();
        assert!(!on_page.is_empty());
        assert_eq!(ids(&on_page), ids(&again.possible_duplicates), "{}", t.name);
        let earlier = s.duplicates_of(&r1, &a).await.unwrap();
        assert!(ids(&earlier).contains(&again.appeal.id), "{}", t.name);
        assert!(!ids(&earlier).contains(&a.id) && !ids(&on_page).contains(&again.appeal.id), "never itself");
        assert!(!ids(&again.possible_duplicates).contains(&repair.appeal.id), "another category");

        // Bad input names the field.
        let bad = |e: StoreError| match e {
            StoreError::Invalid(f) | StoreError::Missing(f) => f.field,
            other => panic!("{other:?}"),
        };
        let e = s.file_appeal(&r1, &ctx(), &NewAppeal { category: "nope".into(), ..noise(&b) }, now).await.unwrap_err();
        assert_eq!(bad(e), "category");
        let e = s.file_appeal(&r1, &ctx(), &NewAppeal { territory: "999".into(), ..noise(&b) }, now).await.unwrap_err();
        assert_eq!(bad(e), "territory");
        let e = s.file_appeal(&r1, &ctx(), &NewAppeal { description: " ".into(), ..noise(&b) }, now).await.unwrap_err();
        assert_eq!(bad(e), "description");
        let hotline = NewAppeal { channel: Some(Channel::Hotline), ..noise(&b) };
        assert_eq!(bad(s.file_appeal(&r1, &ctx(), &hotline, now).await.unwrap_err()), "channel");
        let public = Viewer::public();
        assert_eq!(bad(s.file_appeal(&public, &ctx(), &noise(&b), now).await.unwrap_err()), "reporter_name");
        let anon = NewAppeal { anonymous: true, reporter_phone: Some("13800138000".into()), ..noise(&b) };
        let anon = s.file_appeal(&public, &ctx(), &anon, now).await.unwrap();
        let code = anon.tracking_code.expect("an anonymous reporter gets a code");
        assert_eq!(s.appeal_by_tracking_code(&code).await.unwrap().id, anon.appeal.id);
        assert!(anon.appeal.reporter_phone_enc.as_deref().is_some_and(|p| !p.contains("13800138000")), "encrypted");

        // Another community's secretary cannot see it; the compound can, and the queue shows it.
        assert!(matches!(s.appeal(&c2, &a.id.to_string()).await, Err(StoreError::NotFound)));
        let q = AppealQuery { status: Some("open".into()), mine: true, ..Default::default() };
        let queue = s.list_appeals(&bl1, None, &q, Page::new(None, None).unwrap()).await.unwrap();
        assert!(queue.items.iter().any(|x| x.id == a.id));
        assert!(s
            .list_appeals(&c2, None, &AppealQuery::default(), Page::new(None, None).unwrap())
            .await
            .unwrap()
            .items
            .is_empty());

        // The reporter cannot accept; an illegal transition is a conflict naming the state.
        let e = s.act_on_appeal(&r1, &ctx(), &a.id.to_string(), &act(Action::Accept, 1, ""), now).await.unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
        let e =
            s.act_on_appeal(&bl1, &ctx(), &a.id.to_string(), &act(Action::Resolve, 1, "done"), now).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Conflict { field, message } if field == "action" && message.contains("待受理")),
            "{e:?}"
        );
        assert!(open_actions(&bl1, &a).contains(&Action::Accept));

        let id = a.id.to_string();
        let a =
            s.act_on_appeal(&bl1, &ctx(), &id, &act(Action::Accept, 1, ""), now + Duration::hours(1)).await.unwrap();
        assert_eq!((a.status.as_str(), a.version), ("accepted", 2));
        // A stale version is a conflict.
        let e = s.act_on_appeal(&cs1, &ctx(), &id, &act(Action::Start, 1, ""), now).await.unwrap_err();
        assert!(matches!(&e, StoreError::Conflict { field, .. } if field == "version"), "{e:?}");
        let e = s.act_on_appeal(&bl1, &ctx(), &id, &act(Action::Resolve, 2, ""), now).await.unwrap_err();
        assert_eq!(bad(e), "note");
        let a = s
            .act_on_appeal(
                &bl1,
                &ctx(),
                &id,
                &act(Action::Resolve, 2, "已协调楼上住户，晚十点后停工"),
                now + Duration::hours(5),
            )
            .await
            .unwrap();
        assert_eq!(a.status.as_str(), "resolved");
        let a = s.act_on_appeal(&r1, &ctx(), &id, &act(Action::Verify, 3, ""), now + Duration::hours(6)).await.unwrap();
        let rate = ActInput { rating: Some(Rating::Unsatisfied), ..act(Action::Rate, a.version, "") };
        let a = s.act_on_appeal(&r1, &ctx(), &id, &rate, now + Duration::hours(7)).await.unwrap();
        assert_eq!(a.rating.as_deref(), Some("unsatisfied"));
        let a = s
            .act_on_appeal(&r1, &ctx(), &id, &act(Action::Reopen, a.version, ""), now + Duration::hours(8))
            .await
            .unwrap();
        assert_eq!(a.status.as_str(), "in_progress");
        let a = s
            .act_on_appeal(
                &bl1,
                &ctx(),
                &id,
                &act(Action::Resolve, a.version, "再次协调，已签订承诺"),
                now + Duration::hours(9),
            )
            .await
            .unwrap();
        let a = s
            .act_on_appeal(&r1, &ctx(), &id, &act(Action::Verify, a.version, ""), now + Duration::hours(10))
            .await
            .unwrap();
        let a = s
            .act_on_appeal(&bl1, &ctx(), &id, &act(Action::Close, a.version, ""), now + Duration::hours(10))
            .await
            .unwrap();
        let rate = ActInput { rating: Some(Rating::Satisfied), ..act(Action::Rate, a.version, "") };
        let a = s.act_on_appeal(&r1, &ctx(), &id, &rate, now + Duration::hours(11)).await.unwrap();
        assert_eq!((a.status.as_str(), a.rating.as_deref()), ("closed", Some("satisfied")));
        let timeline = s.appeal_timeline(&a).await.unwrap();
        let actions: Vec<&str> = timeline.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["create", "accept", "resolve", "verify", "rate", "reopen", "resolve", "verify", "close", "rate"]
        );

        // Merge a duplicate, escalate another, ask for an extension and have it approved.
        let dup = again.appeal;
        let m = ActInput { merge_into: Some(o.appeal.number.to_string()), ..act(Action::Merge, 1, "") };
        let e = s.act_on_appeal(&bl1, &ctx(), &dup.id.to_string(), &m, now).await.unwrap_err();
        assert_eq!(bad(e), "merge_into", "bl1 cannot see the other building's appeal");
        let m = ActInput { merge_into: Some(anon.appeal.number.to_string()), ..act(Action::Merge, 1, "") };
        assert_eq!(
            s.act_on_appeal(&bl1, &ctx(), &dup.id.to_string(), &m, now).await.unwrap().status.as_str(),
            "merged"
        );
        let e = s
            .act_on_appeal(&bl1, &ctx(), &anon.appeal.id.to_string(), &act(Action::Escalate, 1, "需要小区协调"), now)
            .await
            .unwrap();
        assert_eq!((e.handler_level.as_str(), e.status.as_str()), ("compound", "new"));
        let e2 =
            s.act_on_appeal(&cs1, &ctx(), &e.id.to_string(), &act(Action::Accept, e.version, ""), now).await.unwrap();
        let req =
            ActInput { limit: Some("3wd".into()), ..act(Action::RequestExtension, e2.version, "需等待配件") };
        let e3 = s.act_on_appeal(&cs1, &ctx(), &e.id.to_string(), &req, now).await.unwrap();
        let e = s
            .act_on_appeal(&cs1, &ctx(), &e.id.to_string(), &act(Action::Approve, e3.version, ""), now)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "the handler cannot approve its own extension");
        let c1 = viewer(s, "c1").await;
        let e4 =
            s.act_on_appeal(&c1, &ctx(), &e3.id.to_string(), &act(Action::Approve, e3.version, ""), now).await.unwrap();
        assert!(e4.resolve_due_at > e3.resolve_due_at && e4.pending.is_none());

        // Measures from the rollups.
        assert!(s.roll_up_all_appeals().await.unwrap() > 0);
        let mq = MeasureQuery {
            within: None,
            from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            category: None,
            level: None,
        };
        let admin = viewer(s, "admin").await;
        let m = s.appeal_measures(&admin, &mq).await.unwrap();
        // Five filed, one of them merged into another as its duplicate: four received.
        assert_eq!(m.totals.get(Counter::Received), 4, "{}", t.name);
        assert_eq!(m.totals.get(Counter::Resolved), 1, "the reopened resolution is taken back");
        assert_eq!(m.totals.get(Counter::SettledBuilding), 1);
        assert_eq!(m.totals.get(Counter::Rated), 2);
        assert_eq!(m.totals.get(Counter::Escalated), 1);
        let sat = m.rates.iter().find(|r| r.rate == Rate::Satisfaction).unwrap();
        assert_eq!(sat.value, Some(0.5));
        assert!(sat.formula_zh.contains("满意"));
        let bm = s.appeal_measures(&bl1, &mq).await.unwrap();
        assert_eq!(
            bm.totals.get(Counter::Received),
            3,
            "bl1's building: everything but the other building, the merged duplicate once"
        );
        let c2m = s.appeal_measures(&c2, &mq).await.unwrap();
        assert_eq!(c2m.totals.get(Counter::Received), 0);
        let e = s.appeal_measures(&c2, &MeasureQuery { within: Some(b.clone()), ..mq.clone() }).await.unwrap_err();
        assert!(matches!(e, StoreError::Missing(_)));
        // Counting twice is impossible: everything is rolled.
        assert_eq!(s.roll_up_all_appeals().await.unwrap(), 0);
        // The monthly rollups (November here) agree with the daily ones they can be rebuilt from.
        jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query("DELETE FROM appeal_rollups_monthly")
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
        s.backfill_monthly_rollups().await.unwrap();
        let again = s.appeal_measures(&admin, &mq).await.unwrap();
        assert_eq!(again.totals, m.totals, "{}", t.name);
        assert_eq!(again.series, "day");
        assert!(
            again.by_day.iter().all(|(d, _)| *d == NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()),
            "daily points, not a month"
        );
        let year = MeasureQuery { from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), ..mq.clone() };
        let y = s.appeal_measures(&admin, &year).await.unwrap();
        assert_eq!((y.series, y.totals), ("month", m.totals));
        let daily_only = MeasureQuery { from: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(), ..mq.clone() };
        assert_eq!(s.appeal_measures(&admin, &daily_only).await.unwrap().totals, m.totals);
        assert!(s.verify_audit().await.unwrap().ok());
        t.finish().await;
    }
}

#[tokio::test]
async fn the_clock_warns_marks_overdue_escalates_and_catches_up_once() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (b, _) = buildings(s).await;
        let r1 = viewer(s, "r1").await;
        let bl1 = viewer(s, "bl1").await;
        s.add_notify_channel(
            &ctx(),
            &NewChannel {
                name: "街道群".into(),
                kind: "wecom".into(),
                url: "http://127.0.0.1:9/hook".into(),
                path: b.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        // Filed on the eve of National Day 2026; accepted at once.
        let start = bj("2026-09-30 16:00");
        let a = s.file_appeal(&r1, &ctx(), &noise(&b), start).await.unwrap().appeal;
        let a = s.act_on_appeal(&bl1, &ctx(), &a.id.to_string(), &act(Action::Accept, 1, ""), start).await.unwrap();
        // 7 working days: 8, 9, 10 (make-up Saturday), 12–15 October: due at the end of the 15th.
        assert_eq!(a.resolve_due_at, bj("2026-10-16 00:00"));
        let r = s.run_appeal_clock(bj("2026-10-05 12:00")).await.unwrap();
        assert_eq!(r.warned + r.overdue, 0, "nothing due during the holiday");
        // Warning at four fifths of the span.
        let r = s.run_appeal_clock(bj("2026-10-14 00:00")).await.unwrap();
        assert_eq!(r.warned, 1);
        assert_eq!(s.run_appeal_clock(bj("2026-10-14 00:05")).await.unwrap().warned, 0, "warned once");
        // The server was down from 14 October to 1 November: one catch-up marks it overdue and
        // escalates it once, with fresh limits from the catch-up.
        let back = bj("2026-11-01 09:00");
        let r = s.run_appeal_clock(back).await.unwrap();
        assert_eq!((r.overdue, r.escalated), (1, 1), "{}", t.name);
        let r = s.run_appeal_clock(back + Duration::minutes(1)).await.unwrap();
        assert_eq!((r.overdue, r.escalated), (0, 0), "exactly once");
        let a = s.appeal_row_for_tests(a.id).await;
        assert_eq!((a.status.as_str(), a.handler_level.as_str(), a.overdue), ("new", "compound", true));
        assert_eq!(a.response_due_at, back + Duration::hours(24));
        assert_eq!(s.appeal_clock_last_run().await.unwrap(), Some(back + Duration::minutes(1)));
        let actions: Vec<String> = s.appeal_timeline(&a).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions, ["create", "accept", "warn", "overdue", "escalate"]);
        // Notifications went to the outbox in the same transactions: create, warn, overdue, escalate
        // (the channel covers the building, and the compound handler is above it: not the escalation).
        let out = s.outbox_recent(50).await.unwrap();
        let events: Vec<&str> = out.iter().rev().map(|o| o.event.as_str()).collect();
        assert_eq!(events, ["create", "warn", "overdue"], "{}", t.name);
        // A deadline in a year without calendar data is an explicit error.
        let e = s.file_appeal(&r1, &ctx(), &noise(&b), bj("2026-12-29 10:00")).await.unwrap_err();
        assert!(matches!(&e, StoreError::Invalid(f) if f.field == "calendar" && f.message.contains("2027")), "{e:?}");
        // The rollups count the overdue and the escalation at the building level.
        s.roll_up_all_appeals().await.unwrap();
        let m = s
            .appeal_measures(
                &viewer(s, "admin").await,
                &MeasureQuery {
                    within: Some(b.clone()),
                    from: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
                    to: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                    category: Some("neighbour".into()),
                    level: Some(Level::Building),
                },
            )
            .await
            .unwrap();
        assert_eq!((m.totals.get(Counter::Overdue), m.totals.get(Counter::Escalated)), (1, 1));
        assert_eq!((m.open_now, m.overdue_now), (0, 0), "the compound handles it now, above the building");
        let _ = Status::New;
        t.finish().await;
    }
}

/// The clock escalates on a store with a single connection (an in-memory SQLite database,
/// whose pool holds one): it reads the level above before its transaction takes the
/// connection — read inside, it waited for a connection that could never come free. The
/// timeout only keeps a regression from hanging the suite.
#[tokio::test]
async fn the_clock_escalates_on_a_pool_of_one_connection() {
    let s = Store::connect("sqlite::memory:", jiayuan_store::crypto::Crypto::for_tests()).await.unwrap();
    s.migrate().await.unwrap();
    s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
    let (b, _) = buildings(&s).await;
    let (r1, bl1) = (viewer(&s, "r1").await, viewer(&s, "bl1").await);
    let start = bj("2026-09-30 16:00");
    let a = s.file_appeal(&r1, &ctx(), &noise(&b), start).await.unwrap().appeal;
    s.act_on_appeal(&bl1, &ctx(), &a.id.to_string(), &act(Action::Accept, 1, ""), start).await.unwrap();
    let r = tokio::time::timeout(std::time::Duration::from_secs(60), s.run_appeal_clock(bj("2026-11-01 09:00")))
        .await
        .expect("the clock finished")
        .unwrap();
    assert_eq!((r.overdue, r.escalated), (1, 1));
}

/// A stored status or level that is not one of the codes is an error when read, never quietly
/// taken for "new" or "community".
#[tokio::test]
async fn a_corrupt_status_or_level_is_an_error_not_a_default() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (b, _) = buildings(s).await;
        let admin = viewer(s, "admin").await;
        let filed = s.file_appeal(&viewer(s, "r1").await, &ctx(), &noise(&b), bj("2026-11-30 10:00")).await.unwrap();
        let id = filed.appeal.id.to_string();
        assert!(s.appeal(&admin, &id).await.is_ok());
        for (col, value) in [("status", "lost"), ("handler_level", "floor")] {
            let sql = format!("UPDATE appeals SET {col} = $1 WHERE id = $2");
            jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query(&sql)
                .bind(value)
                .bind(filed.appeal.id)
                .execute(p)
                .await
                .map(|_| ()))
            .unwrap();
            let e = s.appeal(&admin, &id).await.unwrap_err();
            assert!(matches!(e, StoreError::Db(_)), "{col} = {value} read as {e:?} on {}", t.name);
            let good = if col == "status" { "new" } else { "building" };
            jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query(&sql)
                .bind(good)
                .bind(filed.appeal.id)
                .execute(p)
                .await
                .map(|_| ()))
            .unwrap();
        }
        t.finish().await;
    }
}
