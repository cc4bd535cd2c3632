//! Councils on every backend: one is set up at the level its kind allows, members are seated,
//! topics are raised by a member or referred from an appeal, a meeting discusses them, its
//! outcomes (carried out by the compound branch unless named, due on the working-day
//! calendar) are followed to done, and the referred appeal is resolved with the outcome's
//! text. Bad input and people outside the council are refused with nothing written.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use jiayuan_domain::appeal::Action;
use jiayuan_domain::council::{CouncilKind, Seat, TopicKind, TopicStatus};
use jiayuan_store::access::Principal;
use jiayuan_store::appeals::lifecycle::ActInput;
use jiayuan_store::appeals::{NewAppeal, Viewer};
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::councils::{NewCouncil, NewMeeting, NewMember, NewOutcome, NewTopic, Referral};
use jiayuan_store::demo::Scale;
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
        StoreError::Conflict { field, .. } => field,
        e => format!("{e:?}"),
    }
}

fn member(name: &str, seat: Seat, username: Option<&str>) -> NewMember {
    NewMember {
        name: name.into(),
        seat,
        username: username.map(str::to_string),
        term_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        term_to: NaiveDate::from_ymd_opt(2028, 12, 31).unwrap(),
    }
}

#[tokio::test]
async fn a_building_council_settles_a_referred_appeal_and_its_own_topic() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (cs1, bl1, c1, r1, pm1) = (
            principal(s, "cs1").await,
            principal(s, "bl1").await,
            principal(s, "c1").await,
            principal(s, "r1").await,
            principal(s, "pm1").await,
        );
        let building = bl1.grants[0].territory_code.clone();
        let compound = cs1.grants[0].territory_code.clone();
        let before = s.stats(&testing::everything()).await.unwrap();

        // The kind decides the level; only those who run councils set one up.
        let at = |kind, node: &str| NewCouncil { node: node.into(), kind, name: "3号楼一楼见".into() };
        assert_eq!(
            field_of(s.create_council(&ctx(), &bl1, &at(CouncilKind::Tripartite, &building), now()).await.unwrap_err()),
            "kind"
        );
        assert!(matches!(
            s.create_council(&ctx(), &pm1, &at(CouncilKind::BuildingMeeting, &building), now()).await.unwrap_err(),
            StoreError::Forbidden(_)
        ));
        assert_eq!(
            field_of(
                s.create_council(&ctx(), &bl1, &at(CouncilKind::BuildingMeeting, &compound), now()).await.unwrap_err()
            ),
            "node",
            "a compound above the building leader's scope is not theirs"
        );
        let c = s.create_council(&ctx(), &bl1, &at(CouncilKind::BuildingMeeting, &building), now()).await.unwrap();
        let e = s.create_council(&ctx(), &cs1, &at(CouncilKind::BuildingMeeting, &building), now()).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "same name at the same node: {e:?}");

        // Members with seats and terms; a member with an account raises topics themselves.
        s.add_council_member(&ctx(), &bl1, c.id, &member("王建国", Seat::BuildingLeader, Some("bl1")), now())
            .await
            .unwrap();
        s.add_council_member(&ctx(), &bl1, c.id, &member("李秀英", Seat::ResidentRep, None), now()).await.unwrap();
        let bad_term = NewMember {
            term_to: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            ..member("赵", Seat::ResidentRep, None)
        };
        assert_eq!(field_of(s.add_council_member(&ctx(), &bl1, c.id, &bad_term, now()).await.unwrap_err()), "term_to");
        assert_eq!(
            field_of(
                s.add_council_member(&ctx(), &bl1, c.id, &member("赵", Seat::ResidentRep, Some("nobody")), now())
                    .await
                    .unwrap_err()
            ),
            "username"
        );
        let c = s
            .add_council_member(&ctx(), &bl1, c.id, &member("周管家", Seat::PropertySteward, None), now())
            .await
            .unwrap();
        assert_eq!(c.members.len(), 3);
        let rep = c.members.iter().find(|m| m.seat == Seat::ResidentRep).unwrap();
        assert_eq!(rep.public_name(), "李**", "residents' names are masked on public pages");
        assert_eq!(c.members.iter().find(|m| m.seat == Seat::PropertySteward).unwrap().public_name(), "周管家");

        // The resident of a dwelling under the building sees the council; a sibling community's
        // worker does not.
        assert!(s.council_for(&r1, c.id).await.is_ok(), "{}", t.name);
        assert!(s.councils_visible(&r1, None).await.unwrap().iter().any(|x| x.id == c.id));
        let c2 = principal(s, "c2").await;
        assert!(matches!(s.council_for(&c2, c.id).await.unwrap_err(), StoreError::NotFound));

        // A topic raised by a member; a resident who is not one is refused.
        let topic = NewTopic {
            kind: TopicKind::Livelihood,
            title: "楼道堆物清理".into(),
            body: "一楼楼道长期堆放杂物，影响通行和消防安全。".into(),
            raised_by: None,
        };
        assert_eq!(field_of(s.raise_topic(&ctx(), &r1, c.id, &topic, now()).await.unwrap_err()), "raised_by");
        let own = s.raise_topic(&ctx(), &bl1, c.id, &topic, now()).await.unwrap();
        assert_eq!(own.raised_by.as_ref().unwrap().name, "王建国", "bl1 raised it as the member they are");
        assert_eq!(own.status, TopicStatus::Raised);

        // An appeal about the building, accepted by the building group, referred to the council.
        let filed = s
            .file_appeal(
                &Viewer::of(&r1),
                &ctx(),
                &NewAppeal {
                    category: "neighbour.noise".into(),
                    territory: building.clone(),
                    description: "楼上每晚十二点后装修噪音".into(),
                    ..Default::default()
                },
                now(),
            )
            .await
            .unwrap()
            .appeal;
        let number = filed.number.to_string();
        let refer = Referral { council: c.id, kind: None, title: None };
        let e = s.refer_appeal(&ctx(), &bl1, &number, &refer, now()).await.unwrap_err();
        assert_eq!(field_of(e), "appeal", "a new appeal is accepted before it is referred");
        let accept = ActInput { action: Some(Action::Accept), version: filed.version, ..Default::default() };
        s.act_on_appeal(&Viewer::of(&bl1), &ctx(), &number, &accept, now()).await.unwrap();
        let referred = s.refer_appeal(&ctx(), &bl1, &number, &refer, now()).await.unwrap();
        assert_eq!(referred.kind, TopicKind::Livelihood);
        assert_eq!(referred.appeal.as_ref().map(|a| a.0), Some(filed.id));
        let e = s.refer_appeal(&ctx(), &bl1, &number, &refer, now()).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "one council at a time: {e:?}");
        let a = s.appeal(&Viewer::of(&bl1), &number).await.unwrap();
        let timeline = s.appeal_timeline(&a).await.unwrap();
        let last = timeline.last().unwrap();
        assert_eq!(last.action, "comment");
        assert!(last.note.contains("3号楼一楼见") && last.data.contains(&referred.id.to_string()), "{last:?}");
        assert_eq!(s.topics_of_appeal(a.id).await.unwrap()[0].id, referred.id);

        // A meeting discusses both topics; attendance must be members, topics the council's.
        let ids: Vec<_> = c.members.iter().map(|m| m.id).collect();
        let meeting = NewMeeting {
            held_at: now() - Duration::hours(2),
            place: "3号楼一楼大厅".into(),
            agenda: "楼道堆物；夜间装修噪音".into(),
            minutes: "到会3人，居民6人旁听。议定：周六统一清理；装修限时至晚八点。".into(),
            attendees: ids.clone(),
            guests: 6,
            topics: vec![own.id, referred.id],
        };
        let stranger = NewMeeting { attendees: vec![filed.id], ..meeting.clone() };
        assert_eq!(field_of(s.record_meeting(&ctx(), &bl1, c.id, &stranger, now()).await.unwrap_err()), "attendees");
        let later = NewMeeting { held_at: now() + Duration::days(1), ..meeting.clone() };
        assert_eq!(field_of(s.record_meeting(&ctx(), &bl1, c.id, &later, now()).await.unwrap_err()), "held_at");
        assert!(matches!(
            s.record_meeting(&ctx(), &pm1, c.id, &meeting, now()).await.unwrap_err(),
            StoreError::Forbidden(_)
        ));
        let m = s.record_meeting(&ctx(), &bl1, c.id, &meeting, now()).await.unwrap();
        assert_eq!((m.attendees.len(), m.topics.len(), m.guests), (3, 2, 6));

        // Outcomes: the compound branch carries them out unless named; due on working days.
        let outcome = NewOutcome {
            meeting: Some(m.id),
            decision: "周六上午组织居民统一清理楼道".into(),
            carrier: None,
            due_workdays: 5,
        };
        let zero = NewOutcome { due_workdays: 0, ..outcome.clone() };
        assert_eq!(field_of(s.decide_outcome(&ctx(), &bl1, own.id, &zero, now()).await.unwrap_err()), "due_workdays");
        let own = s.decide_outcome(&ctx(), &bl1, own.id, &outcome, now()).await.unwrap();
        let o = &own.outcomes[0];
        assert!(o.carrier.ends_with("党支部") && o.carrier_is_branch, "{}", o.carrier);
        // Five working days from Monday 30 November: Monday 7 December, end of day in Beijing.
        assert_eq!(o.due_at, Utc.with_ymd_and_hms(2026, 12, 7, 15, 59, 59).unwrap());
        assert_eq!(own.status, TopicStatus::Decided);
        assert!(own.overdue(now() + Duration::days(8)) && !own.overdue(now()));
        assert_eq!(s.overdue_outcomes(&cs1, now() + Duration::days(8), 10).await.unwrap()[0].id, own.id);

        let noise = NewOutcome {
            meeting: Some(m.id),
            decision: "装修时间限于8:00—20:00，物业巡查".into(),
            carrier: Some("物业服务中心".into()),
            due_workdays: 3,
        };
        let referred = s.decide_outcome(&ctx(), &bl1, referred.id, &noise, now()).await.unwrap();
        assert!(!referred.outcomes[0].carrier_is_branch);

        // Progress until done; the referred appeal is resolved with the outcome's text.
        let oid = referred.outcomes[0].id;
        assert_eq!(field_of(s.record_progress(&ctx(), &bl1, oid, " ", false, now()).await.unwrap_err()), "note");
        assert!(matches!(
            s.record_progress(&ctx(), &pm1, oid, "已巡查", false, now()).await.unwrap_err(),
            StoreError::Forbidden(_)
        ));
        s.record_progress(&ctx(), &bl1, oid, "已张贴装修时间告示", false, now() + Duration::hours(1)).await.unwrap();
        let done =
            s.record_progress(&ctx(), &bl1, oid, "连续三晚巡查无噪音", true, now() + Duration::days(2)).await.unwrap();
        assert_eq!(done.status, TopicStatus::Done);
        assert_eq!(done.outcomes[0].progress.len(), 2);
        let e = s.record_progress(&ctx(), &bl1, oid, "again", true, now() + Duration::days(2)).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }));
        let a = s.appeal(&Viewer::of(&bl1), &number).await.unwrap();
        assert_eq!(a.status.as_str(), "resolved", "{}", t.name);
        let last = s.appeal_timeline(&a).await.unwrap().pop().unwrap();
        assert_eq!(last.action, "resolve");
        assert!(last.note.contains("连续三晚巡查无噪音") && last.note.contains("装修时间"), "{}", last.note);
        // A done topic takes no more outcomes.
        let e = s.decide_outcome(&ctx(), &bl1, done.id, &noise, now()).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }));

        // Residents see topics and progress; the figures count them.
        let seen = s.topics_visible(&r1, Some(c.id), None, 50).await.unwrap();
        assert_eq!(seen.len(), 2);
        assert!(s.topics_visible(&c2, None, None, 50).await.unwrap().iter().all(|x| x.council_id != c.id));
        let after = s.stats(&testing::everything()).await.unwrap();
        assert_eq!(after.council_topics, before.council_topics + 2);
        assert_eq!(after.council_topics_done, before.council_topics_done + 1);

        // A topic with no outcome can be dropped with a reason; then nothing more is decided.
        let third = s
            .raise_topic(&ctx(), &bl1, c.id, &NewTopic { title: "增设快递柜".into(), ..topic.clone() }, now())
            .await
            .unwrap();
        assert_eq!(field_of(s.drop_topic(&ctx(), &bl1, third.id, "", now()).await.unwrap_err()), "reason");
        let dropped = s.drop_topic(&ctx(), &bl1, third.id, "属物业公司经营事项，转三方办", now()).await.unwrap();
        assert_eq!(dropped.status, TopicStatus::Dropped);
        assert!(s.drop_topic(&ctx(), &bl1, own.id, "x", now()).await.is_err(), "a topic with outcomes stays");
        let _ = c1;
        t.finish().await;
    }
}

#[tokio::test]
async fn a_property_topic_carried_out_by_the_branch_counts_as_settled_under_its_lead() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let cs1 = principal(s, "cs1").await;
        let compound = cs1.grants[0].territory_code.clone();
        let c = s
            .create_council(
                &ctx(),
                &cs1,
                &NewCouncil { node: compound, kind: CouncilKind::Tripartite, name: "小区三方办".into() },
                now(),
            )
            .await
            .unwrap();
        let c = s.add_council_member(&ctx(), &cs1, c.id, &member("刘书记", Seat::Branch, None), now()).await.unwrap();
        let before = s.stats(&testing::everything()).await.unwrap();
        let topic = s
            .raise_topic(
                &ctx(),
                &cs1,
                c.id,
                &NewTopic {
                    kind: TopicKind::Property,
                    title: "地下车库漏水".into(),
                    body: "雨天车库顶板渗水。".into(),
                    raised_by: Some(c.members[0].id),
                },
                now(),
            )
            .await
            .unwrap();
        let topic = s
            .decide_outcome(
                &ctx(),
                &cs1,
                topic.id,
                &NewOutcome {
                    meeting: None, decision: "物业维修基金维修顶板".into(), carrier: None, due_workdays: 10
                },
                now(),
            )
            .await
            .unwrap();
        s.record_progress(&ctx(), &cs1, topic.outcomes[0].id, "已完成防水维修", true, now()).await.unwrap();
        let after = s.stats(&testing::everything()).await.unwrap();
        assert_eq!(after.property_matters_by_branch, before.property_matters_by_branch + 1, "{}", t.name);
        // By period: the day it happened holds it (Beijing days), a year before holds none of it,
        // and what stands is counted as it stands either way.
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let that_day = s.stats_in_period(&testing::everything(), day, day).await.unwrap();
        assert_eq!((that_day.council_topics, that_day.council_topics_done), (1, 1), "{}", t.name);
        assert_eq!(that_day.property_matters_by_branch, 1);
        let year_before = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let before_year = s
            .stats_in_period(&testing::everything(), year_before, NaiveDate::from_ymd_opt(2025, 12, 31).unwrap())
            .await
            .unwrap();
        assert_eq!((before_year.council_topics, before_year.property_matters_by_branch), (0, 0));
        assert_eq!(before_year.residents, after.residents);
        let next_day = day.succ_opt().unwrap();
        assert_eq!(s.stats_in_period(&testing::everything(), next_day, next_day).await.unwrap().council_topics, 0);
        t.finish().await;
    }
}
