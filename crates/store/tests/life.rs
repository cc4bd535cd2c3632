//! Community life on every backend: an activity's places and waiting list (moving up on a
//! cancellation, never over-booked, also when everyone registers at once), check-in at the
//! door with the signed code (once; a made-up code or another activity's refused), and bad
//! input refused with nothing written.

use chrono::{DateTime, Duration, TimeZone, Utc};
use jiayuan_domain::life::{OrganiserKind, RegistrationStatus};
use jiayuan_store::access::Principal;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::demo::Scale;
use jiayuan_store::life::NewActivity;
use jiayuan_store::model::Page;
use jiayuan_store::people::PeopleQuery;
use jiayuan_store::{testing, Store, StoreError};
use uuid::Uuid;

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

fn resident(person: Uuid) -> Principal {
    Principal {
        user_id: None,
        username: format!("r-{person}"),
        display_name: String::new(),
        person_id: Some(person),
        grants: vec![],
        must_change_password: false,
    }
}

fn field_of(e: StoreError) -> String {
    match e {
        StoreError::Invalid(f) | StoreError::Missing(f) => f.field,
        StoreError::Conflict { field, .. } => field,
        e => format!("{e:?}"),
    }
}

fn activity(territory: &str, capacity: u32) -> NewActivity {
    NewActivity {
        kind: "banquet".into(),
        title: "百家宴".into(),
        description: "邻里一起包饺子".into(),
        organiser_kind: OrganiserKind::Community,
        organiser_name: "社区党委".into(),
        territory: territory.into(),
        place: "党群服务中心二楼".into(),
        starts_at: now() + Duration::days(3),
        ends_at: now() + Duration::days(3) + Duration::hours(2),
        capacity,
        public: true,
        weeks: 1,
        project: None,
    }
}

async fn people(s: &Store, n: u32) -> Vec<Uuid> {
    let all = testing::everything();
    let page = s.list_people(&all, &PeopleQuery::default(), Page::new(Some(1), Some(n)).unwrap()).await.unwrap();
    assert_eq!(page.items.len(), n as usize);
    page.items.iter().map(|p| p.id).collect()
}

async fn count(s: &Store, sql: &str) -> i64 {
    jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
}

#[tokio::test]
async fn places_then_the_waiting_list_which_moves_up_on_a_cancellation() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let c1 = principal(s, "c1").await;
        let a = s.create_activity(&ctx(), &c1, &activity(&c1.grants[0].territory_code, 2), now()).await.unwrap();
        assert_eq!((a.capacity, a.registered, a.places_left()), (2, 0, Some(2)), "{}", t.name);
        let p = people(s, 4).await;
        let mut regs = Vec::new();
        for pid in &p {
            regs.push(s.register(&ctx(), &resident(*pid), a.id, None, now()).await.unwrap());
        }
        let st: Vec<_> = regs.iter().map(|r| (r.status, r.waiting_place)).collect();
        use RegistrationStatus::*;
        assert_eq!(st, vec![(Registered, None), (Registered, None), (Waitlisted, Some(1)), (Waitlisted, Some(2))]);
        // Twice for one person: refused, nothing written.
        let e = s.register(&ctx(), &resident(p[0]), a.id, None, now()).await.unwrap_err();
        assert_eq!(field_of(e), "activity", "{}", t.name);
        // The second registered person cancels: the first waiting moves up, the other is next.
        let (gone, up) = s.cancel_registration(&ctx(), &resident(p[1]), regs[1].id, now()).await.unwrap();
        assert_eq!(gone.status, Cancelled);
        let up = up.expect("someone moved up");
        assert_eq!((up.id, up.status, up.promoted_at), (regs[2].id, Registered, Some(now())));
        let last = s.registration_for(&resident(p[3]), regs[3].id).await.unwrap();
        assert_eq!(last.waiting_place, Some(1), "{}", t.name);
        // A waiting person cancels: nobody moves; the count of places stays.
        let (_, up) = s.cancel_registration(&ctx(), &resident(p[3]), regs[3].id, now()).await.unwrap();
        assert!(up.is_none());
        let a2 = s.activity(a.id).await.unwrap();
        assert_eq!((a2.registered, a2.waiting), (2, 0), "{}", t.name);
        // Someone who cancelled may register again, at the back.
        let again = s.register(&ctx(), &resident(p[1]), a.id, None, now()).await.unwrap();
        assert_eq!((again.id, again.status, again.waiting_place), (regs[1].id, Waitlisted, Some(1)));
        // Another's registration is not the resident's to see or cancel.
        assert!(matches!(s.registration_for(&resident(p[0]), regs[2].id).await, Err(StoreError::NotFound)));
        // The organiser's list: places first, then the waiting list in order.
        let list = s.registrations(&c1, a.id).await.unwrap();
        let order: Vec<_> = list.iter().map(|r| r.status).collect();
        assert_eq!(order, vec![Registered, Registered, Waitlisted, Cancelled], "{}", t.name);
        t.finish().await;
    }
}

/// Everyone registering at once: exactly the capacity gets places, everyone else a distinct
/// number on the waiting list, on both databases.
#[tokio::test]
async fn registrations_at_once_never_overbook() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let c1 = principal(s, "c1").await;
        let a = s.create_activity(&ctx(), &c1, &activity(&c1.grants[0].territory_code, 10), now()).await.unwrap();
        let p = people(s, 60).await;
        let tasks: Vec<_> = p
            .iter()
            .map(|pid| {
                let s = s.clone();
                let (who, id) = (resident(*pid), a.id);
                tokio::spawn(async move { s.register(&ctx(), &who, id, None, now()).await })
            })
            .collect();
        let mut got = Vec::new();
        for task in tasks {
            got.push(task.await.unwrap().unwrap());
        }
        let placed = got.iter().filter(|r| r.status == RegistrationStatus::Registered).count();
        assert_eq!(placed, 10, "{}", t.name);
        let a = s.activity(a.id).await.unwrap();
        assert_eq!((a.registered, a.waiting), (10, 50), "{}", t.name);
        let waiting = s.registrations(&c1, a.id).await.unwrap();
        let mut nos: Vec<_> =
            waiting.iter().filter(|r| r.status == RegistrationStatus::Waitlisted).map(|r| r.waiting_place).collect();
        nos.sort();
        nos.dedup();
        assert_eq!(nos.len(), 50, "distinct places on the list: {}", t.name);
        // Five with places cancel at once: five move up, in order, and the places stay ten.
        let leaving: Vec<_> =
            got.iter().filter(|r| r.status == RegistrationStatus::Registered).take(5).cloned().collect();
        let tasks: Vec<_> = leaving
            .iter()
            .map(|r| {
                let s = s.clone();
                let (who, id) = (resident(r.person_id), r.id);
                tokio::spawn(async move { s.cancel_registration(&ctx(), &who, id, now()).await })
            })
            .collect();
        let mut moved = Vec::new();
        for task in tasks {
            moved.push(task.await.unwrap().unwrap().1.expect("someone moved up").id);
        }
        let a = s.activity(a.id).await.unwrap();
        assert_eq!((a.registered, a.waiting), (10, 45), "{}", t.name);
        let mut first_five: Vec<_> = waiting
            .iter()
            .filter(|r| r.status == RegistrationStatus::Waitlisted && r.waiting_place.is_some_and(|n| n <= 5))
            .map(|r| r.id)
            .collect();
        first_five.sort();
        moved.sort();
        assert_eq!(moved, first_five, "the first five waiting moved up: {}", t.name);
        t.finish().await;
    }
}

#[tokio::test]
async fn check_in_at_the_door_with_the_signed_code_once() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let c1 = principal(s, "c1").await;
        let code = c1.grants[0].territory_code.clone();
        let a = s.create_activity(&ctx(), &c1, &activity(&code, 1), now()).await.unwrap();
        let b = s.create_activity(&ctx(), &c1, &activity(&code, 5), now()).await.unwrap();
        let p = people(s, 2).await;
        let placed = s.register(&ctx(), &resident(p[0]), a.id, None, now()).await.unwrap();
        let waiting = s.register(&ctx(), &resident(p[1]), a.id, None, now()).await.unwrap();
        let elsewhere = s.register(&ctx(), &resident(p[0]), b.id, None, now()).await.unwrap();
        let door = a.starts_at - Duration::minutes(10);
        let good = s.check_in_code(&placed);
        // Too early: the door opens an hour before.
        let e = s.check_in(&ctx(), &c1, a.id, &good, a.starts_at - Duration::hours(2)).await.unwrap_err();
        assert_eq!(field_of(e), "code");
        // A made-up code, a changed tag, another activity's genuine code: all refused.
        for bad in
            ["hello".to_string(), format!("{}.00000000000000000000", placed.id.simple()), s.check_in_code(&elsewhere)]
        {
            let e = s.check_in(&ctx(), &c1, a.id, &bad, door).await.unwrap_err();
            assert!(matches!(&e, StoreError::Invalid(f) if f.field == "code"), "{bad}: {e:?} on {}", t.name);
        }
        // A resident cannot check people in.
        assert!(matches!(s.check_in(&ctx(), &resident(p[0]), a.id, &good, door).await, Err(StoreError::Forbidden(_))));
        // A waiting person holds no place.
        let e = s.check_in(&ctx(), &c1, a.id, &s.check_in_code(&waiting), door).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{}", t.name);
        // The good code, once.
        let done = s.check_in(&ctx(), &c1, a.id, &good, door).await.unwrap();
        assert_eq!(done.registration.checked_in_at, Some(door));
        assert_eq!((done.activity.checked_in, done.activity.beneficiaries()), (1, 1));
        let e = s.check_in(&ctx(), &c1, a.id, &good, door).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{}", t.name);
        assert_eq!(s.activity(a.id).await.unwrap().checked_in, 1, "the second check-in wrote nothing");
        // Checked in: no longer cancellable.
        assert!(s.cancel_registration(&ctx(), &resident(p[0]), placed.id, door).await.is_err());
        t.finish().await;
    }
}

#[tokio::test]
async fn bad_activities_are_refused_by_field_with_nothing_written() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let c1 = principal(s, "c1").await;
        let code = c1.grants[0].territory_code.clone();
        let before = count(s, "SELECT CAST(count(*) AS BIGINT) FROM activities").await;
        let mut cases: Vec<(NewActivity, &str)> = Vec::new();
        let mut a = activity(&code, 10);
        a.title = " ".into();
        cases.push((a, "title"));
        let mut a = activity(&code, 10);
        a.kind = "nope".into();
        cases.push((a, "kind"));
        let mut a = activity(&code, 10);
        a.ends_at = a.starts_at;
        cases.push((a, "ends_at"));
        let mut a = activity(&code, 10);
        a.territory = "NOWHERE".into();
        cases.push((a, "territory"));
        let mut a = activity(&code, 10);
        a.capacity = 1_000_000;
        cases.push((a, "capacity"));
        let mut a = activity(&code, 10);
        a.weeks = 0;
        cases.push((a, "weeks"));
        for (a, field) in cases {
            let e = s.create_activity(&ctx(), &c1, &a, now()).await.unwrap_err();
            assert_eq!(field_of(e), field, "{}", t.name);
        }
        // A resident may not publish.
        let p = people(s, 1).await;
        assert!(matches!(
            s.create_activity(&ctx(), &resident(p[0]), &activity(&code, 1), now()).await,
            Err(StoreError::Forbidden(_))
        ));
        assert_eq!(count(s, "SELECT CAST(count(*) AS BIGINT) FROM activities").await, before);
        // Weekly repeats share a series.
        let mut a = activity(&code, 10);
        a.weeks = 4;
        let first = s.create_activity(&ctx(), &c1, &a, now()).await.unwrap();
        assert_eq!(count(s, "SELECT CAST(count(*) AS BIGINT) FROM activities").await, before + 4);
        assert_eq!(first.series_id, Some(first.id));
        // Registration after the start is refused.
        let late = s.register(&ctx(), &resident(p[0]), first.id, None, first.starts_at).await.unwrap_err();
        assert_eq!(field_of(late), "activity");
        t.finish().await;
    }
}

/// A team, its members and their service: hours written by the volunteer count only once the
/// organiser confirms them; nobody else confirms; the certificate lists what was confirmed.
#[tokio::test]
async fn volunteer_hours_count_once_the_organiser_confirms() {
    use jiayuan_domain::life::RecordStatus;
    use jiayuan_store::life::{NewRecord, RecordFilter};
    use jiayuan_store::subtree::Subtree;
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (c1, c2) = (principal(s, "c1").await, principal(s, "c2").await);
        let code = c1.grants[0].territory_code.clone();
        let team = s.create_team(&ctx(), &c1, "家事我办", &code, "邻里互助", now()).await.unwrap();
        let e = s.create_team(&ctx(), &c1, "家事我办", &code, "", now()).await.unwrap_err();
        assert_eq!(field_of(e), "name", "{}", t.name);
        let within = c1.scope(jiayuan_domain::access::Permission::ViewPeople).unwrap();
        let ps = s.list_people(&within, &PeopleQuery::default(), Page::new(Some(1), Some(3)).unwrap()).await.unwrap();
        let (v, w, outsider) = (ps.items[0].id, ps.items[1].id, ps.items[2].id);
        s.add_member(&ctx(), &c1, team.id, v, now()).await.unwrap();
        s.add_member(&ctx(), &c1, team.id, w, now()).await.unwrap();
        let e = s.add_member(&ctx(), &c1, team.id, v, now()).await.unwrap_err();
        assert_eq!(field_of(e), "person_id");
        assert!(matches!(s.add_member(&ctx(), &c2, team.id, outsider, now()).await, Err(StoreError::Forbidden(_))));

        let rec = |person: Option<Uuid>, minutes: u32, ago: i64| NewRecord {
            team: team.id,
            person_id: person,
            activity: None,
            content: "为独居老人买菜".into(),
            place: "3号楼".into(),
            served_at: now() - Duration::days(ago),
            minutes,
        };
        // The volunteer writes down their own 2.5 hours; staff write 1 hour for the other.
        let mine = s.record_service(&ctx(), &resident(v), &rec(None, 150, 2), now()).await.unwrap();
        assert_eq!(mine.status(), RecordStatus::Recorded);
        let theirs = s.record_service(&ctx(), &c1, &rec(Some(w), 60, 1), now()).await.unwrap();
        // Bad input: not a member, in the future, no time at all.
        for (who, r, field) in [
            (resident(outsider), rec(None, 60, 1), "person_id"),
            (resident(v), rec(None, 60, -1), "served_at"),
            (resident(v), rec(None, 0, 1), "hours"),
        ] {
            let e = s.record_service(&ctx(), &who, &r, now()).await.unwrap_err();
            assert_eq!(field_of(e), field, "{}", t.name);
        }
        // Nobody but the organiser confirms: not the volunteer, not another community.
        assert!(matches!(
            s.decide_record(&ctx(), &resident(v), mine.id, RecordStatus::Confirmed, "", now()).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            s.decide_record(&ctx(), &c2, mine.id, RecordStatus::Confirmed, "", now()).await,
            Err(StoreError::NotFound)
        ));
        // Unconfirmed hours do not count.
        let everywhere = Subtree::all();
        let hours = s.volunteer_hours(&everywhere, now() - Duration::days(30), now()).await.unwrap();
        assert!(hours.is_empty(), "{}", t.name);
        assert_eq!(s.certificate(&resident(v), v).await.unwrap().total_minutes, 0);
        let done = s.decide_record(&ctx(), &c1, mine.id, RecordStatus::Confirmed, "", now()).await.unwrap();
        assert_eq!(done.status(), RecordStatus::Confirmed);
        let e = s.decide_record(&ctx(), &c1, mine.id, RecordStatus::Rejected, "重复", now()).await.unwrap_err();
        assert_eq!(field_of(e), "status", "decided once");
        let e = s.decide_record(&ctx(), &c1, theirs.id, RecordStatus::Rejected, "", now()).await.unwrap_err();
        assert_eq!(field_of(e), "reason", "turning down needs a reason");
        s.decide_record(&ctx(), &c1, theirs.id, RecordStatus::Rejected, "当天未到岗", now()).await.unwrap();
        let hours = s.volunteer_hours(&everywhere, now() - Duration::days(30), now()).await.unwrap();
        assert_eq!(hours.len(), 1);
        assert_eq!((hours[0].volunteers, hours[0].minutes), (1, 150), "{}", t.name);
        let cert = s.certificate(&resident(v), v).await.unwrap();
        assert_eq!((cert.records.len(), cert.total_minutes), (1, 150));
        assert!(cert.id_number_masked.contains('*'), "the ID number is masked");
        assert!(!cert.records[0].decided_by_name.is_empty(), "who confirmed is named");
        // Another resident cannot read it; the organiser can.
        assert!(matches!(s.certificate(&resident(w), v).await, Err(StoreError::NotFound)));
        assert!(s.certificate(&c1, v).await.is_ok());
        let mine_list =
            s.service_records(&resident(v), &RecordFilter::default(), Page::new(None, None).unwrap()).await.unwrap();
        assert_eq!(mine_list.total, 1);
        let team_list = s
            .service_records(
                &c1,
                &RecordFilter { team: Some(team.id), ..Default::default() },
                Page::new(None, None).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(team_list.total, 2);
        let members = s.team_members(team.id).await.unwrap();
        assert_eq!((members[0].person_id, members[0].confirmed_minutes), (v, 150));
        t.finish().await;
    }
}
