//! The service system on every backend: the bundled catalogue and its versions, the points of
//! the demo with their hours and duty rosters (open now, the iCalendar feed read back by a
//! real parser), a ticket from reception through one notice of everything missing, the clock
//! stopped while waiting, to completion, a bad rating followed up to closed, appointments
//! that never overfill a slot (also when booked at once), and bad input refused with nothing
//! written.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use jiayuan_domain::service::catalogue::Catalogue;
use jiayuan_domain::service::{
    AppointmentStatus, Channel, FollowUpStep, Opening, PointKind, Rating, TicketStatus, TicketStep, Windows,
};
use jiayuan_store::access::Principal;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::demo::Scale;
use jiayuan_store::model::Page;
use jiayuan_store::people::PeopleQuery;
use jiayuan_store::service::{
    catalogue_from_table, catalogue_table, ItemFilter, NewBooking, NewConsultation, NewRating, NewShift, NewTicket,
    RatingTarget, TicketStepInput, CATALOGUE_HEADERS,
};
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

fn bj(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap() - Duration::hours(8)
}

fn field_of(e: StoreError) -> String {
    match e {
        StoreError::Invalid(f) | StoreError::Missing(f) => f.field,
        StoreError::Conflict { field, .. } => field,
        e => format!("{e:?}"),
    }
}

fn ticket(point: uuid::Uuid, item: &str, provided: &[&str]) -> NewTicket {
    NewTicket {
        point,
        item: item.into(),
        channel: Channel::Window,
        person_id: None,
        applicant_name: "王秀英".into(),
        applicant_phone: "13912345678".into(),
        provided: provided.iter().map(|s| s.to_string()).collect(),
        note: String::new(),
    }
}

#[tokio::test]
async fn the_catalogue_is_bundled_versioned_and_round_trips() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let desk = s
            .service_items(&ItemFilter {
                kind: Some(jiayuan_domain::service::CatalogueKind::Desk),
                ..Default::default()
            })
            .await
            .unwrap();
        let centre = s
            .service_items(&ItemFilter {
                kind: Some(jiayuan_domain::service::CatalogueKind::Centre),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!((desk.len(), centre.len()), (43, 61), "{}", t.name);
        let cats = s.service_categories().await.unwrap();
        assert_eq!(cats.iter().filter(|c| c.0.kind == jiayuan_domain::service::CatalogueKind::Desk).count(), 4);
        assert_eq!(cats.len(), 9);

        // An administrator's edit makes version 2 and keeps version 1.
        let admin = principal(s, "admin").await;
        let mut item = s.service_item("MZ01").await.unwrap().item;
        assert_eq!(item.materials.len(), 2);
        item.limit_workdays = 3;
        let saved = s.save_service_item(&ctx(), &admin, &item).await.unwrap();
        assert_eq!((saved.version, saved.item.limit_workdays), (2, 3));
        let versions = s.service_item_versions("MZ01").await.unwrap();
        assert_eq!(versions.iter().map(|v| v.0).collect::<Vec<_>>(), vec![2, 1]);
        assert_eq!(versions[1].1["limit_workdays"], 5);
        // A community secretary does not edit the catalogue; a bad item names its field.
        let c1 = principal(s, "c1").await;
        assert!(matches!(s.save_service_item(&ctx(), &c1, &item).await.unwrap_err(), StoreError::Forbidden(_)));
        item.places.clear();
        assert_eq!(field_of(s.save_service_item(&ctx(), &admin, &item).await.unwrap_err()), "places");
        item.places = vec![jiayuan_domain::service::Place::Centre];
        item.category = "NOPE".into();
        assert_eq!(field_of(s.save_service_item(&ctx(), &admin, &item).await.unwrap_err()), "category");

        // The table form reads back to the same catalogue; a broken row is named and nothing taken.
        let cat = s.service_catalogue().await.unwrap();
        let mut rows = vec![CATALOGUE_HEADERS.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
        rows.extend(catalogue_table(&cat));
        assert_eq!(catalogue_from_table(&rows).unwrap(), cat);
        let (_, changed) = s.import_service_catalogue(&ctx(), &admin, &cat).await.unwrap();
        assert_eq!(changed, 0, "an unchanged catalogue makes no new versions");
        rows[3][6] = "三天".into();
        rows[5][11] = "身份证|原件".into();
        match catalogue_from_table(&rows).unwrap_err() {
            StoreError::Ledger(errs) => {
                assert_eq!(errs.iter().map(|e| e.row).collect::<Vec<_>>(), vec![4, 6]);
                assert!(errs[0].column.starts_with("办结时限"));
            }
            e => panic!("{e:?}"),
        }
        let bundled = Catalogue::bundled();
        assert_eq!(bundled.items.len(), 104);
        t.finish().await;
    }
}

#[tokio::test]
async fn points_open_close_and_publish_their_roster() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let cal = s.work_calendar().await.unwrap();
        let points = s.service_points(None).await.unwrap();
        let centres = points.iter().filter(|p| p.kind == PointKind::Centre).count();
        let stations = points.iter().filter(|p| p.kind == PointKind::Station).count();
        assert_eq!((centres, stations), (3, 3), "three communities and three stations in the small demo ({})", t.name);

        // Monday 10:00 all open in regular hours; Monday 18:00 the centres' extended hours.
        let open = s.points_open(&cal, None, now()).await.unwrap();
        assert!(open.iter().all(|p| p.state.now.map(|n| n.0) == Some(Opening::Regular)));
        let evening = s.points_open(&cal, None, bj(2026, 11, 30, 19, 0)).await.unwrap();
        for p in &evening {
            let want = if p.point.kind == PointKind::Centre { Some(Opening::Extended) } else { None };
            assert_eq!(p.state.now.map(|n| n.0), want, "{}", p.point.name);
        }

        // A duty shift on National Day opens a closed centre; its roster is a valid feed.
        let c1 = principal(s, "c1").await;
        let centre = s.service_point_by_code(&c1.grants[0].territory_code).await.unwrap();
        let holiday = bj(2026, 10, 2, 10, 0);
        let before = s.points_open(&cal, Some(&c1.grants[0].territory_code), holiday).await.unwrap();
        assert!(before.iter().all(|p| p.state.now.is_none()));
        let shift = NewShift {
            starts_at: bj(2026, 10, 2, 9, 0),
            ends_at: bj(2026, 10, 2, 16, 0),
            staff: "w1".into(),
            note: "国庆值班, 请带好钥匙; 电话转接".into(),
        };
        let row = s.add_duty_shift(&ctx(), &c1, centre.id, &shift).await.unwrap();
        assert_eq!(row.staff_name, "网格员(第一社区)", "a username is shown as the person's name");
        let during = s.points_open(&cal, Some(&c1.grants[0].territory_code), holiday).await.unwrap();
        let mine = during.iter().find(|p| p.point.id == centre.id).unwrap();
        assert_eq!(mine.state.now.map(|n| n.0), Some(Opening::Duty));
        let feed = s.point_ical(centre.id, bj(2026, 9, 20, 10, 0)).await.unwrap();
        assert!(feed.lines().all(|l| l.len() <= 76), "lines folded at 75 octets");
        let parsed: icalendar::Calendar = feed.parse().expect("an RFC 5545 parser reads the feed");
        let events: Vec<_> = parsed.components.iter().filter_map(|c| c.as_event()).collect();
        assert_eq!(events.len(), 1);
        use icalendar::Component;
        assert!(events[0].get_summary().unwrap().contains("网格员"));
        assert_eq!(events[0].get_description(), Some("国庆值班, 请带好钥匙; 电话转接"), "escaped and read back");

        // Bad shifts and people outside the scope.
        let mut bad = shift.clone();
        bad.ends_at = bad.starts_at - Duration::hours(1);
        assert_eq!(field_of(s.add_duty_shift(&ctx(), &c1, centre.id, &bad).await.unwrap_err()), "ends_at");
        let c2 = principal(s, "c2").await;
        assert!(matches!(
            s.add_duty_shift(&ctx(), &c2, centre.id, &shift).await.unwrap_err(),
            StoreError::Forbidden(_)
        ));
        // Hours: regular hours are required, bad windows name their field.
        let mut hours = centre.hours.clone();
        hours.staggered = Windows::default();
        let p = s.set_point_hours(&ctx(), &c1, centre.id, &hours, 30, 1, &["SB01".into()]).await.unwrap();
        assert_eq!((p.slot_capacity, p.excluded.clone()), (1, vec!["SB01".to_string()]));
        hours.regular = Windows::default();
        assert_eq!(
            field_of(s.set_point_hours(&ctx(), &c1, centre.id, &hours, 30, 1, &[]).await.unwrap_err()),
            "regular"
        );
        let offered = s.service_items(&ItemFilter { point: Some(centre.id), ..Default::default() }).await.unwrap();
        assert!(!offered.iter().any(|i| i.item.code == "SB01"), "switched off");
        assert!(offered.iter().any(|i| i.item.code == "DY01"), "centre services at a centre");
        t.finish().await;
    }
}

#[tokio::test]
async fn a_ticket_runs_from_one_notice_to_a_followed_up_bad_rating() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (c1, w1, c2) = (principal(s, "c1").await, principal(s, "w1").await, principal(s, "c2").await);
        let centre = s.service_point_by_code(&c1.grants[0].territory_code).await.unwrap();

        // Bad input first: nothing is written.
        assert_eq!(
            field_of(s.receive_ticket(&ctx(), &w1, &ticket(centre.id, "XX99", &[]), now()).await.unwrap_err()),
            "item"
        );
        assert_eq!(
            field_of(s.receive_ticket(&ctx(), &w1, &ticket(centre.id, "MZ01", &["户口簿"]), now()).await.unwrap_err()),
            "provided"
        );
        assert_eq!(
            field_of(s.receive_ticket(&ctx(), &w1, &ticket(centre.id, "DY01", &[]), now()).await.unwrap_err()),
            "item",
            "a centre service is not a desk ticket"
        );
        assert_eq!(
            field_of(s.receive_ticket(&ctx(), &c2, &ticket(centre.id, "MZ01", &[]), now()).await.unwrap_err()),
            "point"
        );
        let mut bad = ticket(centre.id, "MZ01", &[]);
        bad.applicant_phone = "12345".into();
        assert_eq!(field_of(s.receive_ticket(&ctx(), &w1, &bad, now()).await.unwrap_err()), "applicant_phone");
        let everything = Subtree::all();
        let figures = |at| s.service_figures(&everything, now() - Duration::days(1), now() + Duration::days(30), at);
        assert_eq!(figures(now()).await.unwrap().tickets, 0);

        // Received Monday 30 Nov at 10:00 with nothing: the senior card takes 5 working days.
        let k = s.receive_ticket(&ctx(), &w1, &ticket(centre.id, "MZ01", &[]), now()).await.unwrap();
        assert_eq!(
            (k.status, k.receiver_id, k.handler_id),
            (TicketStatus::Received, w1.user_id.unwrap(), w1.user_id.unwrap())
        );
        assert_eq!(k.applicant_phone.as_deref(), Some("139****5678"), "masked");
        assert!(!k.outside_hours);
        assert_eq!(k.due_at, Some(bj(2026, 12, 8, 0, 0)), "by the end of Monday 7 December");
        // Accepting with materials missing is refused; one notice lists both at once.
        assert_eq!(
            field_of(
                s.ticket_step(&ctx(), &w1, k.id, TicketStep::Accept, &Default::default(), now()).await.unwrap_err()
            ),
            "materials"
        );
        let k = s.ticket_step(&ctx(), &w1, k.id, TicketStep::Notify, &Default::default(), now()).await.unwrap();
        assert_eq!(k.status, TicketStatus::AwaitingMaterials);
        assert_eq!(k.notices.len(), 1);
        assert_eq!(k.notices[0].missing, vec!["居民身份证".to_string(), "近期免冠一寸照片".to_string()]);
        assert_eq!(k.due_at, None, "the clock is stopped");
        // Only part of it arrives: refused, naming what is still missing.
        let part = TicketStepInput { provided: vec!["居民身份证".into()], note: String::new() };
        assert_eq!(
            field_of(s.ticket_step(&ctx(), &w1, k.id, TicketStep::Supplement, &part, now()).await.unwrap_err()),
            "provided"
        );
        // Both arrive on Thursday 3 Dec: the working days from Tuesday to Thursday do not count.
        let later = bj(2026, 12, 3, 15, 0);
        let all = TicketStepInput {
            provided: vec!["居民身份证".into(), "近期免冠一寸照片".into()],
            note: String::new(),
        };
        let k = s.ticket_step(&ctx(), &w1, k.id, TicketStep::Supplement, &all, later).await.unwrap();
        assert_eq!(k.status, TicketStatus::Received);
        assert_eq!(
            k.due_at,
            Some(bj(2026, 12, 11, 0, 0)),
            "five working days after Thursday: due by the end of Thursday 10 December"
        );
        assert!(k.notices[0].resolved_at.is_some());

        // A hand-off out of scope is refused; to a colleague at the centre it is recorded, and
        // the receiver still answers for it.
        assert_eq!(field_of(s.hand_off_ticket(&ctx(), &w1, k.id, "c2", "请协助", later).await.unwrap_err()), "to");
        assert_eq!(field_of(s.hand_off_ticket(&ctx(), &w1, k.id, "nobody", "请协助", later).await.unwrap_err()), "to");
        let k = s.hand_off_ticket(&ctx(), &w1, k.id, "c1", "需书记签字", later).await.unwrap();
        assert_eq!((k.handler_id, k.receiver_id), (c1.user_id.unwrap(), w1.user_id.unwrap()));
        let hand = k.events.iter().find(|e| e.action == "hand_off").unwrap();
        assert_eq!(
            (hand.actor_name.as_str(), hand.to_name.as_deref(), hand.note.as_str()),
            ("网格员(第一社区)", Some("社区书记(第一社区)"), "需书记签字")
        );
        // Nobody else acts on it; the refusal needs a reason.
        let sd1 = principal(s, "sd1").await;
        assert_eq!(
            field_of(
                s.ticket_step(&ctx(), &sd1, k.id, TicketStep::Accept, &Default::default(), later).await.unwrap_err()
            ),
            "handler"
        );
        assert_eq!(
            field_of(
                s.ticket_step(&ctx(), &c1, k.id, TicketStep::Refuse, &Default::default(), later).await.unwrap_err()
            ),
            "note"
        );
        for step in [TicketStep::Accept, TicketStep::Start, TicketStep::Complete] {
            s.ticket_step(&ctx(), &c1, k.id, step, &Default::default(), later).await.unwrap();
        }
        let k = s.ticket_for(&w1, k.id).await.unwrap();
        assert_eq!(k.status, TicketStatus::Completed);
        assert!(!k.late());
        assert_eq!(
            field_of(
                s.ticket_step(&ctx(), &c1, k.id, TicketStep::Complete, &Default::default(), later).await.unwrap_err()
            ),
            "step"
        );

        // Rated 不满意 at the window's pad: a follow-up due in 5 working days, taken in order.
        let bad =
            NewRating {
                target: RatingTarget::Ticket(k.id), level: Rating::Dissatisfied, comment: "等待太久".into()
            };
        let r = s.rate_service(&ctx(), &w1, &bad, later).await.unwrap();
        assert!(r.real_name && r.follow_up_open());
        assert_eq!(r.follow_up_due, Some(bj(2026, 12, 11, 0, 0)));
        assert_eq!(
            field_of(s.rate_service(&ctx(), &w1, &bad, later).await.unwrap_err()),
            "rating",
            "one rating per ticket"
        );
        assert_eq!(
            field_of(s.follow_up(&ctx(), &w1, r.id, FollowUpStep::Rectify, "整改", later).await.unwrap_err()),
            "step"
        );
        let f = figures(later).await.unwrap();
        assert_eq!((f.tickets, f.tickets_completed, f.tickets_completed_on_time, f.bad_ratings_open), (1, 1, 1, 1));
        assert_eq!((f.real_name_bad_ratings, f.real_name_bad_ratings_revisited), (1, 0));
        for (step, note) in [
            (FollowUpStep::Revisit, "电话回访申请人"),
            (FollowUpStep::Verify, "核实排队超时"),
            (FollowUpStep::Rectify, "增设一个窗口"),
            (FollowUpStep::Feedback, "已告知申请人"),
        ] {
            s.follow_up(&ctx(), &w1, r.id, step, note, later).await.unwrap();
        }
        let r = s.rating_for(&w1, r.id).await.unwrap();
        assert!(!r.follow_up_open() && r.follow_up_closed_at.is_some());
        let f = figures(later).await.unwrap();
        assert_eq!((f.bad_ratings_open, f.real_name_bad_ratings_revisited), (0, 1));
        assert_eq!(f.ratings_by_level[3], ("dissatisfied".to_string(), 1));

        // A consultation on Saturday morning counts as outside regular hours.
        let saturday = bj(2026, 12, 5, 9, 30);
        let c = s
            .log_consultation(
                &ctx(),
                &w1,
                &NewConsultation {
                    point: centre.id,
                    channel: Channel::Phone,
                    topic: "高龄津贴怎么申请".into(),
                    answer: "带身份证、户口簿和银行卡复印件到服务站".into(),
                    person_id: None,
                    person_name: "李大爷".into(),
                },
                saturday,
            )
            .await
            .unwrap();
        assert!(c.outside_hours);
        let f = figures(later).await.unwrap();
        assert_eq!((f.consultations, f.consultations_outside_hours), (1, 1));
        let empty = NewConsultation { topic: "".into(), ..NewConsultation::default_with(centre.id) };
        assert_eq!(field_of(s.log_consultation(&ctx(), &w1, &empty, saturday).await.unwrap_err()), "topic");
        t.finish().await;
    }
}

trait DefaultWith {
    fn default_with(point: uuid::Uuid) -> Self;
}

impl DefaultWith for NewConsultation {
    fn default_with(point: uuid::Uuid) -> Self {
        NewConsultation {
            point,
            channel: Channel::Window,
            topic: "咨询".into(),
            answer: "答复".into(),
            person_id: None,
            person_name: "某居民".into(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn appointments_never_overfill_a_slot() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (c1, r1) = (principal(s, "c1").await, principal(s, "r1").await);
        let centre = s.service_point_by_code(&c1.grants[0].territory_code).await.unwrap();
        let scope = c1.scope(jiayuan_domain::access::Permission::ViewPeople).unwrap();
        let people =
            s.list_people(&scope, &PeopleQuery::default(), Page::new(Some(1), Some(10)).unwrap()).await.unwrap();
        s.set_point_hours(&ctx(), &c1, centre.id, &centre.hours, 30, 2, &[]).await.unwrap();
        let tuesday = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let at = tuesday.and_hms_opt(9, 0, 0).unwrap();
        let slots = s.open_slots(centre.id, tuesday).await.unwrap();
        assert_eq!(slots[0], (tuesday.and_hms_opt(8, 30, 0).unwrap(), tuesday.and_hms_opt(9, 0, 0).unwrap(), 2));

        let book = |person, item: &str, at| NewBooking {
            point: centre.id,
            item: item.into(),
            starts_at: at,
            person_id: person,
        };
        // The resident books for themselves; twice is refused.
        let b = s.book_slot(&ctx(), &r1, &book(None, "MZ01", at), now()).await.unwrap();
        assert_eq!((b.status, b.person_id), (AppointmentStatus::Booked, r1.person_id.unwrap()));
        assert_eq!(field_of(s.book_slot(&ctx(), &r1, &book(None, "MZ01", at), now()).await.unwrap_err()), "starts_at");
        // Bad input: an item that takes no bookings, a time that is no slot, a holiday, the past.
        assert_eq!(field_of(s.book_slot(&ctx(), &r1, &book(None, "SB01", at), now()).await.unwrap_err()), "item");
        let odd = tuesday.and_hms_opt(9, 10, 0).unwrap();
        assert_eq!(field_of(s.book_slot(&ctx(), &r1, &book(None, "MZ01", odd), now()).await.unwrap_err()), "starts_at");
        let closed = tuesday.and_hms_opt(20, 0, 0).unwrap();
        assert_eq!(
            field_of(s.book_slot(&ctx(), &r1, &book(None, "MZ01", closed), now()).await.unwrap_err()),
            "starts_at"
        );
        let past = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(8, 30, 0).unwrap();
        assert_eq!(
            field_of(s.book_slot(&ctx(), &r1, &book(None, "MZ01", past), now()).await.unwrap_err()),
            "starts_at"
        );

        // Ten people at once for the one place left: exactly one gets it.
        let others: Vec<_> =
            people.items.iter().filter(|p| Some(p.id) != r1.person_id).take(10).map(|p| p.id).collect();
        let tries: Vec<_> = others
            .iter()
            .map(|pid| {
                let (s, c1, b) = (s.clone(), c1.clone(), book(Some(*pid), "MZ01", at));
                tokio::spawn(async move { s.book_slot(&ctx(), &c1, &b, now()).await })
            })
            .collect();
        let mut results = Vec::new();
        for h in tries {
            results.push(h.await.unwrap());
        }
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "{}: {results:?}", t.name);
        assert!(results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, StoreError::Conflict { field, .. } if field == "starts_at")));
        assert_eq!(s.open_slots(centre.id, tuesday).await.unwrap()[1].2, 0);
        // A cancellation frees the place; staff record the other as a no-show after the slot began.
        s.set_booking_status(&ctx(), &r1, b.id, AppointmentStatus::Cancelled, now()).await.unwrap();
        assert_eq!(s.open_slots(centre.id, tuesday).await.unwrap()[1].2, 1);
        let day = s.bookings_of_day(&c1, centre.id, tuesday).await.unwrap();
        assert_eq!(day.len(), 2);
        let kept = day.iter().find(|x| x.status == AppointmentStatus::Booked).unwrap();
        assert_eq!(
            field_of(s.set_booking_status(&ctx(), &c1, kept.id, AppointmentStatus::NoShow, now()).await.unwrap_err()),
            "status",
            "not before the slot begins"
        );
        let after = jiayuan_store::service::at_beijing(at) + Duration::minutes(40);
        s.set_booking_status(&ctx(), &c1, kept.id, AppointmentStatus::NoShow, after).await.unwrap();
        let everything = Subtree::all();
        let f = s.service_figures(&everything, now(), now() + Duration::days(5), now()).await.unwrap();
        assert_eq!((f.appointments, f.no_shows), (1, 1));
        assert!(
            matches!(
                s.set_booking_status(&ctx(), &r1, kept.id, AppointmentStatus::Cancelled, after).await.unwrap_err(),
                StoreError::NotFound
            ),
            "someone else's booking is not theirs to see"
        );
        t.finish().await;
    }
}

/// A ticket as the model keeps it: received, closed status, on time, outside hours, rated at.
type Modelled = (DateTime<Utc>, TicketStatus, bool, bool, Option<DateTime<Utc>>);

/// The figures read monthly and ten-day rollups and the records at a period's edges; the desk list reads
/// its order key. Both must agree with the records exactly: a model of what was done is
/// kept here, and every period (whole months, mid-month edges, a few days) is checked against
/// it, as is the order and the count of every desk list.
#[tokio::test]
async fn figures_and_desk_lists_agree_with_the_records_over_any_period() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (c1, w1) = (principal(s, "c1").await, principal(s, "w1").await);
        let centre = s.service_point_by_code(&c1.grants[0].territory_code).await.unwrap();
        let mut model: Vec<Modelled> = Vec::new();
        let mut seed: u64 = 20261206;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for i in 0..36 {
            // Spread over June to November 2026, at any hour (some outside the window's hours).
            let at = bj(2026, 6 + (i % 6) as u32, 1 + next(28) as u32, next(24) as u32, next(60) as u32);
            let item = ["MZ01", "SB01", "SB03"][next(3) as usize];
            let k = s.receive_ticket(&ctx(), &w1, &ticket(centre.id, item, &[]), at).await.unwrap();
            let k = if k.missing().is_empty() {
                k
            } else {
                let all = TicketStepInput {
                    provided: k.missing().iter().map(|m| m.name.clone()).collect(),
                    note: String::new(),
                };
                s.ticket_step(&ctx(), &w1, k.id, TicketStep::Notify, &Default::default(), at).await.unwrap();
                s.ticket_step(&ctx(), &w1, k.id, TicketStep::Supplement, &all, at).await.unwrap()
            };
            let outcome = next(4);
            let (status, on_time, rated) = match outcome {
                0 => (TicketStatus::Received, false, None),
                1 => {
                    let when = at + Duration::days(1);
                    s.ticket_step(
                        &ctx(),
                        &w1,
                        k.id,
                        TicketStep::Refuse,
                        &TicketStepInput { provided: vec![], note: "不符合条件".into() },
                        when,
                    )
                    .await
                    .unwrap();
                    (TicketStatus::Refused, false, None)
                }
                _ => {
                    // Some finish within the limit, some a month late.
                    let when = at + Duration::days(if outcome == 2 { 1 } else { 30 });
                    for step in [TicketStep::Accept, TicketStep::Complete] {
                        s.ticket_step(&ctx(), &w1, k.id, step, &Default::default(), when).await.unwrap();
                    }
                    let level = Rating::ALL[next(3) as usize];
                    let rate = NewRating { target: RatingTarget::Ticket(k.id), level, comment: String::new() };
                    s.rate_service(&ctx(), &w1, &rate, when).await.unwrap();
                    (TicketStatus::Completed, when <= k.due_at.unwrap(), Some(when))
                }
            };
            model.push((at, status, on_time, k.outside_hours, rated));
        }
        assert!(model.iter().any(|m| m.3) && model.iter().any(|m| !m.3), "both inside and outside hours");
        let everything = Subtree::all();
        let day = |m: u32, d: u32| bj(2026, m, d, 0, 0);
        let periods = [
            (day(6, 1), day(12, 1)),
            (day(6, 1), day(12, 7)),
            (day(6, 17), day(9, 4)),
            (day(7, 2), day(7, 29)),
            (day(8, 10), day(8, 13)),
            (day(5, 20), day(11, 25)),
            (day(9, 1), day(10, 1)),
            // 旬 less a few days at both ends; one 旬 less its first and last days.
            (day(8, 3), day(10, 9)),
            (day(6, 12), day(6, 20)),
        ];
        let now = day(12, 6);
        for rebuilt in [false, true] {
            if rebuilt {
                // Rebuilt from the records alone (the migration's way), the figures are the same.
                s.rebuild_service_rollups().await.unwrap();
            }
            for (from, to) in periods {
                let f = s.service_figures(&everything, from, to, now).await.unwrap();
                let got = model.iter().filter(|m| m.0 >= from && m.0 < to).collect::<Vec<_>>();
                let n = |p: &dyn Fn(&&Modelled) -> bool| got.iter().filter(|m| p(m)).count() as i64;
                let ctx = format!("{}: {from} .. {to}", t.name);
                assert_eq!(f.tickets, got.len() as i64, "{ctx}");
                assert_eq!(f.tickets_completed, n(&|m| m.1 == TicketStatus::Completed), "{ctx}");
                assert_eq!(f.tickets_completed_on_time, n(&|m| m.1 == TicketStatus::Completed && m.2), "{ctx}");
                assert_eq!(f.tickets_open, n(&|m| m.1 == TicketStatus::Received), "{ctx}");
                assert_eq!(f.tickets_outside_hours, n(&|m| m.3), "{ctx}");
                let rated = model.iter().filter(|m| m.4.is_some_and(|r| r >= from && r < to)).count() as i64;
                assert_eq!(f.ratings, rated, "ratings count in the month they were given: {ctx}");
                assert_eq!(f.ratings_by_level.iter().map(|l| l.1).sum::<i64>(), rated, "{ctx}");
                assert_eq!(f.by_point.iter().map(|p| p.1).sum::<i64>(), got.len() as i64, "{ctx}");
                assert_eq!(f.by_item.iter().map(|p| p.1).sum::<i64>(), got.len() as i64, "{ctx}");
                // The community's own figures (its own item rows) say the same, a sibling's nothing.
                let here = s.service_figures(&Subtree::of(&centre.path), from, to, now).await.unwrap();
                assert_eq!((here.tickets, here.ratings), (f.tickets, f.ratings), "{ctx}");
                assert_eq!(here.by_item, f.by_item, "{ctx}");
            }
        }

        // The desk: open ones by deadline first, closed ones the latest closed first, and the
        // counts agree with the lists.
        let c1 = &c1;
        let all_pages = |f: jiayuan_store::service::TicketFilter| async move {
            s.tickets(c1, &f, Page { page: 1, page_size: 200 }).await.unwrap()
        };
        let all = all_pages(Default::default()).await;
        assert_eq!(all.total, model.len() as i64);
        assert_eq!(all.items.len(), model.len());
        let first_closed = all.items.iter().position(|k| !k.status.is_open()).unwrap();
        assert!(all.items[first_closed..].iter().all(|k| !k.status.is_open()), "open ones first");
        assert!(all.items[..first_closed].windows(2).all(|w| w[0].due_at <= w[1].due_at), "by deadline");
        assert!(all.items[first_closed..].windows(2).all(|w| w[0].closed_at >= w[1].closed_at), "latest closed first");
        let open = all_pages(jiayuan_store::service::TicketFilter { open: true, ..Default::default() }).await;
        assert_eq!(open.total, first_closed as i64);
        for (status, n) in [
            (TicketStatus::Completed, model.iter().filter(|m| m.1 == TicketStatus::Completed).count()),
            (TicketStatus::Refused, model.iter().filter(|m| m.1 == TicketStatus::Refused).count()),
        ] {
            let l =
                all_pages(jiayuan_store::service::TicketFilter { status: Some(status), ..Default::default() }).await;
            assert_eq!((l.total, l.items.len()), (n as i64, n), "{status:?}");
        }
        let one =
            all_pages(jiayuan_store::service::TicketFilter { item: Some("MZ01".into()), ..Default::default() }).await;
        assert_eq!(one.total as usize, one.items.len());
    }
}

/// The service clock warns at four fifths of a ticket's time and announces overdue at its
/// deadline, once each, on the ticket and through the outbox to the channel over the point;
/// a ticket waiting for materials is not looked at, a new deadline starts again, a run after
/// downtime announces a long-overdue ticket once (overdue, not warned first), and a closed
/// ticket is never announced.
#[tokio::test]
async fn the_service_clock_announces_warning_and_overdue_once_each() {
    use jiayuan_store::appeals::outbox::{render_body, NewChannel};
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (c1, w1) = (principal(s, "c1").await, principal(s, "w1").await);
        let centre = s.service_point_by_code(&c1.grants[0].territory_code).await.unwrap();
        let channel = NewChannel {
            name: "社区工作群".into(),
            kind: "wecom".into(),
            url: "http://127.0.0.1:9/hook".into(),
            path: centre.code.clone(),
            ..Default::default()
        };
        let ch = s.add_notify_channel(&ctx(), &channel).await.unwrap();
        s.run_service_clock(now()).await.unwrap(); // whatever the demo left due
        let sent = |id: uuid::Uuid| async move {
            let mut rows: Vec<_> = s
                .outbox_recent(500)
                .await
                .unwrap()
                .into_iter()
                .filter(|o| o.channel_id == ch.id && o.payload.contains(&id.to_string()))
                .collect();
            rows.sort_by_key(|o| o.created_at);
            rows
        };
        let told = |id: uuid::Uuid| {
            let w1 = w1.clone();
            async move {
                let t = s.ticket_for(&w1, id).await.unwrap();
                t.events.iter().filter(|e| e.actor_name == "系统计时").map(|e| e.action.clone()).collect::<Vec<_>>()
            }
        };
        let all = ["居民身份证", "近期免冠一寸照片"];
        let k = s.receive_ticket(&ctx(), &w1, &ticket(centre.id, "MZ01", &all), now()).await.unwrap();
        let (due, warn) = (k.due_at.unwrap(), k.warn_at.unwrap());
        assert!(now() < warn && warn < due);
        s.run_service_clock(warn - Duration::seconds(1)).await.unwrap();
        assert!(sent(k.id).await.is_empty(), "{}", t.name);
        let r = s.run_service_clock(warn).await.unwrap();
        assert!(r.warned >= 1, "{}", t.name);
        s.run_service_clock(warn + Duration::hours(1)).await.unwrap();
        let events: Vec<String> = sent(k.id).await.iter().map(|o| o.event.clone()).collect();
        assert_eq!(events, ["service_warn"], "warned once on {}", t.name);
        s.run_service_clock(due).await.unwrap();
        s.run_service_clock(due + Duration::days(3)).await.unwrap();
        let rows = sent(k.id).await;
        assert_eq!(rows.iter().map(|o| o.event.as_str()).collect::<Vec<_>>(), ["service_warn", "service_overdue"]);
        assert_eq!(told(k.id).await, ["warn", "overdue"], "written on the ticket on {}", t.name);
        let payload: serde_json::Value = serde_json::from_str(&rows[1].payload).unwrap();
        let body = render_body("wecom", &payload);
        let text = body["text"]["content"].as_str().unwrap();
        assert!(text.starts_with("【家园办件】办件超期 #") && text.contains("老年人优待证"), "{text}");

        // Waiting for materials: the clock is stopped and nothing is announced; when they
        // arrive the new deadline starts again, and a run long after it announces overdue once.
        let k2 = s.receive_ticket(&ctx(), &w1, &ticket(centre.id, "MZ01", &[]), now()).await.unwrap();
        let input = TicketStepInput::default();
        s.ticket_step(&ctx(), &w1, k2.id, TicketStep::Notify, &input, now() + Duration::hours(1)).await.unwrap();
        s.run_service_clock(due + Duration::days(5)).await.unwrap();
        assert!(sent(k2.id).await.is_empty(), "a stopped clock announces nothing on {}", t.name);
        let back = due + Duration::days(5);
        let k2 = s.ticket_step(&ctx(), &w1, k2.id, TicketStep::Supplement, &input, back).await.unwrap();
        let due2 = k2.due_at.unwrap();
        s.run_service_clock(due2 + Duration::days(10)).await.unwrap();
        s.run_service_clock(due2 + Duration::days(11)).await.unwrap();
        let events: Vec<String> = sent(k2.id).await.iter().map(|o| o.event.clone()).collect();
        assert_eq!(events, ["service_overdue"], "caught up once on {}", t.name);

        // A ticket completed in time is never announced.
        let k3 = s.receive_ticket(&ctx(), &w1, &ticket(centre.id, "MZ01", &all), now()).await.unwrap();
        for step in [TicketStep::Accept, TicketStep::Complete] {
            s.ticket_step(&ctx(), &w1, k3.id, step, &input, now() + Duration::hours(2)).await.unwrap();
        }
        s.run_service_clock(due + Duration::days(30)).await.unwrap();
        assert!(sent(k3.id).await.is_empty(), "{}", t.name);
        t.finish().await;
    }
}

/// A database written before the service clock: on upgrade (`schedule_service_clock`, which
/// migration 19 runs), a deadline already past counts as announced (the desk shows it), so the
/// channels are not flooded with old news.
#[tokio::test]
async fn an_upgrade_takes_what_is_already_past_as_announced() {
    use jiayuan_store::appeals::outbox::NewChannel;
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (c1, w1) = (principal(s, "c1").await, principal(s, "w1").await);
        let centre = s.service_point_by_code(&c1.grants[0].territory_code).await.unwrap();
        let long_ago = bj(2026, 1, 5, 10, 0);
        let all = ["居民身份证", "近期免冠一寸照片"];
        let k = s.receive_ticket(&ctx(), &w1, &ticket(centre.id, "MZ01", &all), long_ago).await.unwrap();
        // As it stood before the clock: nothing announced, the warning next. The upgrade
        // (migration 19) schedules it as of its own time.
        let before = "UPDATE service_tickets SET alerted = '', next_check_at = warn_at
            WHERE status NOT IN ('completed', 'refused') AND due_at IS NOT NULL";
        jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query(before).execute(p).await.map(|_| ())).unwrap();
        s.schedule_service_clock(chrono::Utc::now()).await.unwrap();
        let channel = NewChannel {
            name: "社区工作群".into(),
            kind: "wecom".into(),
            url: "http://127.0.0.1:9/hook".into(),
            path: centre.code.clone(),
            ..Default::default()
        };
        s.add_notify_channel(&ctx(), &channel).await.unwrap();
        s.run_service_clock(chrono::Utc::now()).await.unwrap();
        let told = s.outbox_recent(500).await.unwrap().into_iter().filter(|o| o.payload.contains(&k.id.to_string()));
        assert_eq!(told.count(), 0, "nothing old announced on {}", t.name);
        let events = s.ticket_for(&w1, k.id).await.unwrap().events;
        assert!(events.iter().all(|e| e.actor_name != "系统计时"), "{}", t.name);
        t.finish().await;
    }
}

/// Adding an item under a code is one item however many add it at once: the rest get 409
/// naming `code`; a "next version" of an item that does not exist is not found, not a new item.
#[tokio::test]
async fn a_new_item_code_is_taken_once_also_when_added_at_once() {
    use jiayuan_store::service::ItemSave;
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let admin = principal(s, "admin").await;
        let mut item = s.service_item("MZ01").await.unwrap().item;
        item.code = "MZ99".into();
        item.name = "新增测试事项".into();
        let adds: Vec<_> = (0..6)
            .map(|_| {
                let (s, admin, item) = (s.clone(), admin.clone(), item.clone());
                tokio::spawn(async move { s.save_service_item_as(&ctx(), &admin, &item, ItemSave::New).await })
            })
            .collect();
        let mut results = Vec::new();
        for h in adds {
            results.push(h.await.unwrap());
        }
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "one added on {}", t.name);
        for r in results.into_iter().filter_map(Result::err) {
            assert_eq!(field_of(r), "code", "{}", t.name);
        }
        assert_eq!(s.service_item("MZ99").await.unwrap().version, 1, "no second version on {}", t.name);
        item.code = "MZ98".into();
        let missing = s.save_service_item_as(&ctx(), &admin, &item, ItemSave::NextVersion).await.unwrap_err();
        assert!(matches!(missing, StoreError::NotFound), "{missing:?}");
        assert!(s.service_item("MZ98").await.is_err(), "nothing written on {}", t.name);
        t.finish().await;
    }
}
