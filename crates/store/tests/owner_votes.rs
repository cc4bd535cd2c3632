//! Owners' assembly votes on every backend: the notice, the frozen electorate, one ballot per
//! owner per matter (a correction a new version), paper ballots by staff only, nothing after
//! the close, and a count that comes out the same each time it is made.

use chrono::{DateTime, Duration, TimeZone, Utc};
use jiayuan_domain::vote::{Choice, Matter, Rules, Service};
use jiayuan_store::access::Principal;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::demo::Scale;
use jiayuan_store::owner_votes::{NewVote, DEVELOPER};
use jiayuan_store::{testing, Store, StoreError};

fn ctx() -> AuditCtx {
    AuditCtx::operator("test")
}

async fn principal(s: &Store, name: &str) -> Principal {
    s.principal_of(&s.user_by_name(name).await.unwrap()).await.unwrap()
}

/// An owner signed in: their person record and nothing else.
fn owner(person: &str) -> Principal {
    Principal {
        user_id: None,
        username: format!("owner-{person}"),
        display_name: "业主".into(),
        person_id: Some(person.parse().unwrap()),
        grants: vec![],
        must_change_password: false,
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap()
}

fn vote(compound: &str) -> NewVote {
    NewVote {
        compound: compound.into(),
        title: "关于续聘物业和筹集维修资金的表决".into(),
        matters: vec![(Matter::Manager, "续聘现物业服务企业".into()), (Matter::RaiseFunds, "筹集电梯维修资金".into())],
        assembly_at: now() + Duration::days(16),
        closes_at: now() + Duration::days(20),
        notice_days: 15,
        rules: Rules::default(),
    }
}

#[tokio::test]
async fn an_owner_vote_from_notice_to_count() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let c1 = principal(s, "c1").await;
        let bl1 = principal(s, "bl1").await;
        let building = s.territory_by_code(&bl1.grants[0].territory_code).await.unwrap();
        let compound = s.territory(building.parent_id.unwrap()).await.unwrap().code;

        // Too little notice, or a close before the assembly: refused, naming the field.
        for (bad, field) in [
            (NewVote { notice_days: 10, ..vote(&compound) }, "notice_days"),
            (NewVote { assembly_at: now() + Duration::days(14), ..vote(&compound) }, "assembly_at"),
            (NewVote { closes_at: now() + Duration::days(15), ..vote(&compound) }, "closes_at"),
            (NewVote { matters: vec![], ..vote(&compound) }, "matters"),
            (NewVote { compound: "370612001001".into(), ..vote(&compound) }, "compound"),
        ] {
            match s.announce_owner_vote(&ctx(), &c1, &bad, now()).await {
                Err(StoreError::Invalid(e)) | Err(StoreError::Missing(e)) => assert_eq!(e.field, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        // A resident may not announce one.
        let r1 = principal(s, "r1").await;
        assert!(matches!(
            s.announce_owner_vote(&ctx(), &r1, &vote(&compound), now()).await,
            Err(StoreError::Forbidden(_))
        ));

        let v = s.announce_owner_vote(&ctx(), &c1, &vote(&compound), now()).await.unwrap();
        assert_eq!(v.matters.len(), 2);
        assert!(v.is_open(now()));
        let voters = s.owner_vote_voters(v.id).await.unwrap();
        let owners: Vec<&str> = voters.iter().map(|(v, _, _)| v.as_str()).filter(|v| *v != DEVELOPER).collect();
        assert!(owners.len() >= 3, "{voters:?}");

        // Two ballots at once from one owner: one is taken, the other refused.
        let (me, audit) = (owner(owners[0]), ctx());
        let (a, b) = tokio::join!(
            s.cast_owner_ballot(&audit, &me, v.id, 1, Choice::Agree, None, false, now()),
            s.cast_owner_ballot(&audit, &me, v.id, 1, Choice::Agree, None, false, now())
        );
        assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
        assert!(matches!(a.err().or(b.err()), Some(StoreError::Conflict { .. })));
        // Every owner agrees to matter 1; on matter 2 only one does, the rest oppose.
        for (i, o) in owners.iter().enumerate() {
            let me = owner(o);
            if i > 0 {
                s.cast_owner_ballot(&ctx(), &me, v.id, 1, Choice::Agree, None, false, now()).await.unwrap();
            }
            let c = if i == 0 { Choice::Agree } else { Choice::Oppose };
            s.cast_owner_ballot(&ctx(), &me, v.id, 2, c, None, false, now()).await.unwrap();
        }
        let first = owner(owners[0]);
        // A second ballot is refused; a correction is a new version.
        let again = s.cast_owner_ballot(&ctx(), &first, v.id, 1, Choice::Oppose, None, false, now()).await;
        assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");
        let version = s.cast_owner_ballot(&ctx(), &first, v.id, 1, Choice::Abstain, None, true, now()).await.unwrap();
        assert_eq!(version, 2);
        // Someone outside the electorate, or a matter that is not there.
        let stranger = owner("01a00000-0000-7000-8000-000000000000");
        match s.cast_owner_ballot(&ctx(), &stranger, v.id, 1, Choice::Agree, None, false, now()).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, "voter"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            s.cast_owner_ballot(&ctx(), &first, v.id, 3, Choice::Agree, None, false, now()).await,
            Err(StoreError::Missing(_))
        ));
        // Paper ballots: staff who run the vote only, for someone in the electorate.
        assert!(matches!(
            s.cast_owner_ballot(&ctx(), &r1, v.id, 1, Choice::Agree, Some(DEVELOPER), false, now()).await,
            Err(StoreError::Forbidden(_))
        ));
        if voters.iter().any(|(v, _, _)| v == DEVELOPER) {
            s.cast_owner_ballot(&ctx(), &c1, v.id, 1, Choice::Oppose, Some(DEVELOPER), false, now()).await.unwrap();
        }

        let counted = s.tally_owner_vote(v.id).await.unwrap();
        let (seq, _, one) = &counted[0];
        assert_eq!(*seq, 1);
        assert!(one.quorum_met, "{one:?}");
        assert_eq!(one.abstain.headcount, 1, "the correction counts, not the first ballot");
        assert!(one.passed, "{one:?}");
        let (_, _, two) = &counted[1];
        assert_eq!(two.threshold, jiayuan_domain::vote::Threshold::ThreeQuarters);
        assert!(!two.passed);
        assert_eq!(s.tally_owner_vote(v.id).await.unwrap(), counted, "made again, the same");

        // At the deadline on the server clock, nothing more.
        let late =
            s.cast_owner_ballot(&ctx(), &owner(owners[1]), v.id, 1, Choice::Oppose, None, true, v.closes_at).await;
        match late {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, "vote"),
            other => panic!("{other:?}"),
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn silent_owners_follow_the_majority_only_when_the_rules_say_and_only_once_served() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let c1 = principal(s, "c1").await;
        let bl1 = principal(s, "bl1").await;
        let building = s.territory_by_code(&bl1.grants[0].territory_code).await.unwrap();
        let compound = s.territory(building.parent_id.unwrap()).await.unwrap().code;
        let rules = Rules { silent_follows_majority: true, ..Rules::default() };
        let v = s.announce_owner_vote(&ctx(), &c1, &NewVote { rules, ..vote(&compound) }, now()).await.unwrap();
        let voters: Vec<String> = s.owner_vote_voters(v.id).await.unwrap().into_iter().map(|(v, _, _)| v).collect();
        // Half of the owners agree; nobody else answers: short of 2/3.
        let half = voters.len() / 2;
        for voter in &voters[..half] {
            s.cast_owner_ballot(&ctx(), &c1, v.id, 1, Choice::Agree, Some(voter), false, now()).await.unwrap();
        }
        let before = s.tally_owner_vote(v.id).await.unwrap()[0].2.clone();
        assert_eq!(before.silent.headcount, 0, "nobody served yet");
        // The rest were served; now they count with the majority.
        let at = now() + Duration::hours(1);
        for voter in &voters[half..] {
            s.record_vote_service(&ctx(), &c1, v.id, voter, Service::InPerson, at, "签收单第12页", at).await.unwrap();
        }
        let after = s.tally_owner_vote(v.id).await.unwrap()[0].2.clone();
        assert_eq!(after.silent.headcount as usize, voters.len() - half, "{after:?}");
        assert!(after.quorum_met && after.passed, "{after:?}");
        // Once per owner; not in the future; a proof is required; staff only.
        let again = s.record_vote_service(&ctx(), &c1, v.id, &voters[half], Service::Mail, at, "挂号信", at).await;
        assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");
        for (when, proof, field) in [(at + Duration::days(1), "x", "served_at"), (at, " ", "proof")] {
            match s.record_vote_service(&ctx(), &c1, v.id, &voters[0], Service::Mail, when, proof, at).await {
                Err(StoreError::Invalid(e)) => assert_eq!(e.field, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        let r1 = principal(s, "r1").await;
        let refused = s.record_vote_service(&ctx(), &r1, v.id, &voters[0], Service::Mail, at, "x", at).await;
        assert!(matches!(refused, Err(StoreError::Forbidden(_))));
        t.finish().await;
    }
}

/// Co-owners of one part answer with one voice: the one they name casts it (by default the
/// largest share), the others see the vote and who answers for them but cannot cast; a
/// parking space is in the electorate as a parking space, counted only where the rules say.
#[tokio::test]
async fn co_owners_name_who_casts_and_parking_counts_only_where_the_rules_say() {
    use jiayuan_store::territory::NewTerritory;
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let c1 = principal(s, "c1").await;
        let bl1 = principal(s, "bl1").await;
        let building = s.territory_by_code(&bl1.grants[0].territory_code).await.unwrap();
        let compound = s.territory(building.parent_id.unwrap()).await.unwrap();
        let shared: Vec<uuid::Uuid> = jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_scalar::<_, uuid::Uuid>(
            "SELECT o.dwelling_id FROM owners o JOIN territories t ON t.id = o.dwelling_id WHERE t.path LIKE $1
             GROUP BY o.dwelling_id HAVING count(*) = 2 ORDER BY o.dwelling_id"
        )
        .bind(format!("{}%", compound.path))
        .fetch_all(p)
        .await)
        .unwrap();
        let part = s.territory(shared[0]).await.unwrap();

        // By default the larger share casts; with equal shares, one of them, always the same.
        let before = s.dwelling_owners(&c1, part.id).await.unwrap();
        assert_eq!(before.len(), 2, "{}", t.name);
        assert_eq!(before.iter().filter(|o| o.casts).count(), 1);
        assert!(before.iter().all(|o| !o.named));
        let (default_caster, other) =
            (before.iter().find(|o| o.casts).unwrap().person_id, before.iter().find(|o| !o.casts).unwrap().person_id);

        // Naming: staff who run votes only, and only an owner of the part.
        let r1 = principal(s, "r1").await;
        assert!(matches!(
            s.name_ballot_caster(&ctx(), &r1, part.id, other, now()).await,
            Err(StoreError::Forbidden(_))
        ));
        match s
            .name_ballot_caster(&ctx(), &c1, part.id, "01a00000-0000-7000-8000-000000000000".parse().unwrap(), now())
            .await
        {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, "person_id"),
            other => panic!("{other:?}"),
        }
        match s.name_ballot_caster(&ctx(), &c1, building.id, other, now()).await {
            Err(StoreError::Missing(e)) => assert_eq!(e.field, "dwelling"),
            other => panic!("{other:?}"),
        }
        // Two people naming at once leave one name, neither an error.
        let audit = ctx();
        let (a, b) = tokio::join!(
            s.name_ballot_caster(&audit, &c1, part.id, other, now()),
            s.name_ballot_caster(&audit, &c1, part.id, other, now())
        );
        a.unwrap();
        let after = b.unwrap();
        let named = after.iter().find(|o| o.casts).unwrap();
        assert_eq!((named.person_id, named.named), (other, true), "{}", t.name);

        // A parking space, bought by nobody yet, in the same entrance.
        let space = s
            .create_territory(
                &testing::everything(),
                &ctx(),
                &NewTerritory {
                    parent_code: Some(s.territory(part.parent_id.unwrap()).await.unwrap().code),
                    kind: "dwelling".into(),
                    code: format!("{}-P01", s.territory(part.parent_id.unwrap()).await.unwrap().code),
                    name: "P01车位".into(),
                    geometry: None,
                    area: Some("12.50".into()),
                    dwelling_use: Some("parking".into()),
                },
            )
            .await
            .unwrap();

        let plain = s.announce_owner_vote(&ctx(), &c1, &vote(&compound.code), now()).await.unwrap();
        let with_parking = NewVote { rules: Rules { count_parking: true, ..Rules::default() }, ..vote(&compound.code) };
        let with_parking = s.announce_owner_vote(&ctx(), &c1, &with_parking, now()).await.unwrap();

        // The named co-owner casts; the other sees the vote and who answers for them.
        assert!(s.is_voter(plain.id, &other.to_string()).await.unwrap());
        assert!(!s.is_voter(plain.id, &default_caster.to_string()).await.unwrap());
        let me = owner(&default_caster.to_string());
        s.owner_vote_for(&me, plain.id).await.expect("a co-owner sees the vote");
        assert!(s.owner_votes_visible(&me, 50).await.unwrap().iter().any(|v| v.id == plain.id));
        let answered = s.answered_for(plain.id, default_caster).await.unwrap();
        assert_eq!(answered.len(), 1, "{answered:?}");
        assert_eq!(answered[0].0, part.code);
        assert!(answered[0].1.contains('*'), "the caster's name masked: {answered:?}");
        match s.cast_owner_ballot(&ctx(), &me, plain.id, 1, Choice::Agree, None, false, now()).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, "voter"),
            other => panic!("a co-owner who does not cast: {other:?}"),
        }
        s.cast_owner_ballot(&ctx(), &owner(&other.to_string()), plain.id, 1, Choice::Agree, None, false, now())
            .await
            .unwrap();

        // The space is in both electorates as parking, held by the developer, and counts only
        // where the rules count parking.
        let (_, _, left_out) = &s.tally_owner_vote(plain.id).await.unwrap()[0];
        let (_, _, counted) = &s.tally_owner_vote(with_parking.id).await.unwrap()[0];
        assert_eq!(counted.total.area.0 - left_out.total.area.0, 1250, "{}", t.name);
        let holder = s.owner_vote_voter_of_part(plain.id, &space.code).await.unwrap();
        assert_eq!(holder, DEVELOPER);
        t.finish().await;
    }
}
