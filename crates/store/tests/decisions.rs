//! The three-step property decision on every backend: the branch proposes with its meeting,
//! the three parties answer (an amendment returns it to the branch, a new round starts
//! afresh), the agreed proposal goes to the assembly as a vote, and the vote's count resolves
//! it. Steps out of order, answers from someone of no party and a second answer are refused
//! with nothing written.

use chrono::{DateTime, Duration, TimeZone, Utc};
use jiayuan_domain::decision::{Answer, Party, Stage};
use jiayuan_domain::vote::{Choice, Matter, Rules};
use jiayuan_store::access::Principal;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::decisions::{party_of, NewDecision};
use jiayuan_store::demo::Scale;
use jiayuan_store::owner_votes::NewVote;
use jiayuan_store::{testing, Store, StoreError};

fn ctx() -> AuditCtx {
    AuditCtx::operator("test")
}

async fn principal(s: &Store, name: &str) -> Principal {
    s.principal_of(&s.user_by_name(name).await.unwrap()).await.unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap()
}

fn field_of(e: StoreError) -> String {
    match e {
        StoreError::Invalid(f) | StoreError::Missing(f) => f.field,
        StoreError::Conflict { field, .. } => field,
        e => format!("{e:?}"),
    }
}

#[tokio::test]
async fn a_proposal_goes_through_the_three_steps_to_a_resolution() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (cs1, oc1, pm1, c1, bl1) = (
            principal(s, "cs1").await,
            principal(s, "oc1").await,
            principal(s, "pm1").await,
            principal(s, "c1").await,
            principal(s, "bl1").await,
        );
        let compound = cs1.grants[0].territory_code.clone();
        let compound_path = cs1.grants[0].path.clone();
        assert_eq!(party_of(&cs1, &compound_path), Some(Party::Branch));
        assert_eq!(party_of(&oc1, &compound_path), Some(Party::OwnersCommittee));
        assert_eq!(party_of(&pm1, &compound_path), Some(Party::PropertyCompany));
        assert_eq!(party_of(&c1, &compound_path), None);

        let new = NewDecision {
            compound: compound.clone(),
            title: "更换3号楼电梯".into(),
            body: "使用维修资金约42万元更换3号楼两部电梯。".into(),
            branch_meeting_at: now() - Duration::days(2),
            branch_meeting: "支部委员会5人到会，一致同意提交三方商议。".into(),
            process: None,
        };
        // Only the branch proposes; its meeting must have been held.
        assert_eq!(field_of(s.propose_decision(&ctx(), &oc1, &new, now()).await.unwrap_err()), "compound");
        let future = NewDecision { branch_meeting_at: now() + Duration::days(1), ..new.clone() };
        assert_eq!(field_of(s.propose_decision(&ctx(), &cs1, &future, now()).await.unwrap_err()), "branch_meeting_at");
        let d = s.propose_decision(&ctx(), &cs1, &new, now()).await.unwrap();
        assert_eq!((d.stage, d.round), (Stage::Consultation, 1));
        assert_eq!(d.events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["propose", "submit"]);

        // Round 1: the branch agrees, the owners' committee asks for an amendment.
        s.answer_decision(&ctx(), &cs1, d.id, Answer::Agree, "", now()).await.unwrap();
        let e = s.answer_decision(&ctx(), &cs1, d.id, Answer::Agree, "", now()).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "one answer per party per round: {e:?}");
        assert_eq!(
            field_of(s.answer_decision(&ctx(), &c1, d.id, Answer::Agree, "", now()).await.unwrap_err()),
            "party"
        );
        // A building leader's scope is a building: the compound's proposal is not theirs to see.
        assert!(matches!(
            s.answer_decision(&ctx(), &bl1, d.id, Answer::Agree, "", now()).await.unwrap_err(),
            StoreError::NotFound
        ));
        assert_eq!(
            field_of(s.answer_decision(&ctx(), &oc1, d.id, Answer::Amend, " ", now()).await.unwrap_err()),
            "reason"
        );
        let d = s.answer_decision(&ctx(), &oc1, d.id, Answer::Amend, "请先公示三家报价", now()).await.unwrap();
        assert_eq!(d.stage, Stage::Branch, "an amendment returns it to the branch");
        // Nothing to answer now, and nothing goes to the assembly.
        assert!(matches!(
            s.answer_decision(&ctx(), &pm1, d.id, Answer::Agree, "", now()).await.unwrap_err(),
            StoreError::Conflict { .. }
        ));

        // Round 2: revised; all three agree.
        let d = s
            .revise_decision(
                &ctx(),
                &cs1,
                d.id,
                "使用维修资金更换3号楼两部电梯，三家报价已公示。",
                "已按业委会意见修改",
                now(),
            )
            .await
            .unwrap();
        assert_eq!((d.stage, d.round), (Stage::Consultation, 2));
        assert!(d.body.contains("三家报价"));
        for p in [&pm1, &oc1] {
            s.answer_decision(&ctx(), p, d.id, Answer::Agree, "", now()).await.unwrap();
        }
        let vote = NewVote {
            compound: String::new(),
            title: "更换3号楼电梯".into(),
            matters: vec![(Matter::UseFunds, "使用维修资金更换3号楼电梯".into())],
            assembly_at: now() + Duration::days(16),
            closes_at: now() + Duration::days(20),
            notice_days: 15,
            rules: Rules::default(),
        };
        assert!(
            matches!(
                s.put_decision_to_assembly(&ctx(), &cs1, d.id, &vote, now()).await.unwrap_err(),
                StoreError::Conflict { .. }
            ),
            "not before the branch's own answer this round"
        );
        let d = s.answer_decision(&ctx(), &cs1, d.id, Answer::Agree, "", now()).await.unwrap();
        assert_eq!(d.stage, Stage::Assembly);
        assert_eq!(d.agreed().len(), 3);

        // Too little notice refuses the whole step: no vote, no event.
        let short = NewVote { assembly_at: now() + Duration::days(3), ..vote.clone() };
        let before = d.events.len();
        assert_eq!(
            field_of(s.put_decision_to_assembly(&ctx(), &cs1, d.id, &short, now()).await.unwrap_err()),
            "assembly_at"
        );
        assert_eq!(s.decision(d.id).await.unwrap().events.len(), before);
        assert!(s.owner_votes_visible(&c1, 10).await.unwrap().is_empty(), "no vote was half-written");
        let d = s.put_decision_to_assembly(&ctx(), &cs1, d.id, &vote, now()).await.unwrap();
        let vote_id = d.vote_id.unwrap();
        assert_eq!(d.stage, Stage::Assembly);
        assert!(
            matches!(s.settle_decision(&ctx(), &cs1, d.id, now()).await.unwrap_err(), StoreError::Conflict { .. }),
            "not while open"
        );

        // Every owner agrees on paper; after the close the result resolves the proposal.
        for (voter, _, _) in s.owner_vote_voters(vote_id).await.unwrap() {
            s.cast_owner_ballot(&ctx(), &c1, vote_id, 1, Choice::Agree, Some(&voter), false, now()).await.unwrap();
        }
        let later = now() + Duration::days(21);
        let scope = c1.scope(jiayuan_domain::access::Permission::ViewTerritory).unwrap();
        let before = s.stats(&scope).await.unwrap();
        assert_eq!((before.owner_votes, before.property_decisions), (1, 1));
        assert_eq!(s.settle_closed_decisions(now() + Duration::days(19)).await.unwrap(), 0, "not before the close");
        assert_eq!(s.settle_closed_decisions(later).await.unwrap(), 1, "the clock resolves it once its vote closed");
        assert_eq!(s.settle_closed_decisions(later).await.unwrap(), 0, "and only once");
        let d = s.decision(d.id).await.unwrap();
        assert_eq!(d.stage, Stage::Passed);
        assert!(d.events.last().unwrap().actor_name.starts_with("系统"));
        let after = s.stats(&scope).await.unwrap();
        assert_eq!(
            after.property_matters_by_branch,
            before.property_matters_by_branch + 1,
            "the passed decision counts"
        );
        assert_eq!(
            d.events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["propose", "submit", "answer", "answer", "submit", "answer", "answer", "answer", "assembly", "settle"]
        );
        assert!(d.events.iter().all(|e| !e.actor_name.is_empty()));
        assert!(s.withdraw_decision(&ctx(), &cs1, d.id, "不再需要", later).await.is_err(), "closed");

        // The board: the proposal is in c1's and cs1's, not in a sibling community's.
        let board = s.decision_board(&c1, None, 100).await.unwrap();
        assert!(board.iter().any(|c| c.id == d.id && c.stage == Stage::Passed));
        let c2 = principal(s, "c2").await;
        assert!(s.decision_board(&c2, None, 100).await.unwrap().is_empty());
        assert!(matches!(s.decision_for(&c2, d.id).await.unwrap_err(), StoreError::NotFound));
        t.finish().await;
    }
}

#[tokio::test]
async fn a_withdrawn_proposal_takes_no_further_step() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 2, &|_, _| {}).await.unwrap();
        let cs1 = principal(s, "cs1").await;
        let pm1 = principal(s, "pm1").await;
        let new = NewDecision {
            compound: cs1.grants[0].territory_code.clone(),
            title: "地面车位收费".into(),
            body: "地面车位每月收取管理费60元。".into(),
            branch_meeting_at: now() - Duration::days(1),
            branch_meeting: "支部会议讨论通过。".into(),
            process: None,
        };
        let d = s.propose_decision(&ctx(), &cs1, &new, now()).await.unwrap();
        assert_eq!(field_of(s.withdraw_decision(&ctx(), &pm1, d.id, "x", now()).await.unwrap_err()), "party");
        let d = s.withdraw_decision(&ctx(), &cs1, d.id, "居民意见分歧较大，暂缓", now()).await.unwrap();
        assert_eq!(d.stage, Stage::Withdrawn);
        assert!(s.answer_decision(&ctx(), &pm1, d.id, Answer::Agree, "", now()).await.is_err());
        t.finish().await;
    }
}

/// A process configured without the assembly and with two parties: only those two answer,
/// and their agreement settles the matter; keys are checked and unique; only district
/// administrators define one.
#[tokio::test]
async fn a_configured_process_settles_with_its_own_parties() {
    use jiayuan_store::decision_processes::NewProcess;
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 2, &|_, _| {}).await.unwrap();
        let (admin, cs1, pm1, oc1) = (
            principal(s, "admin").await,
            principal(s, "cs1").await,
            principal(s, "pm1").await,
            principal(s, "oc1").await,
        );
        let all = s.decision_processes().await.unwrap();
        assert_eq!(all.len(), 1, "the property template is built in");
        assert!(all[0].built_in && all[0].process.assembly() && all[0].process.parties().len() == 3);

        let minor = NewProcess {
            key: "minor_repair".into(),
            name: "小额维修：支部与物业商定".into(),
            parties: vec![Party::PropertyCompany, Party::Branch],
            assembly: false,
        };
        assert!(matches!(s.define_decision_process(&ctx(), &cs1, &minor).await, Err(StoreError::Forbidden(_))));
        for (bad, field) in [
            (NewProcess { key: "Minor Repair".into(), ..minor.clone() }, "key"),
            (NewProcess { name: " ".into(), ..minor.clone() }, "name"),
            (NewProcess { parties: vec![], ..minor.clone() }, "parties"),
        ] {
            assert_eq!(field_of(s.define_decision_process(&ctx(), &admin, &bad).await.unwrap_err()), field);
        }
        let defined = s.define_decision_process(&ctx(), &admin, &minor).await.unwrap();
        assert_eq!(defined.process.parties(), &[Party::Branch, Party::PropertyCompany]);
        assert!(matches!(s.define_decision_process(&ctx(), &admin, &minor).await, Err(StoreError::Conflict { .. })));

        let new = NewDecision {
            compound: cs1.grants[0].territory_code.clone(),
            title: "单元门禁维修".into(),
            body: "更换3号楼1单元门禁，费用从公共收益列支。".into(),
            branch_meeting_at: now() - Duration::days(1),
            branch_meeting: "支部会议讨论通过。".into(),
            process: Some("no_such".into()),
        };
        assert_eq!(field_of(s.propose_decision(&ctx(), &cs1, &new, now()).await.unwrap_err()), "process");
        let new = NewDecision { process: Some("minor_repair".into()), ..new };
        let d = s.propose_decision(&ctx(), &cs1, &new, now()).await.unwrap();
        assert_eq!(d.process.key, "minor_repair");
        // The owners' committee is not a party to this process: refused, naming the party.
        let e = s.answer_decision(&ctx(), &oc1, d.id, Answer::Agree, "", now()).await.unwrap_err();
        assert_eq!(field_of(e), "party");
        s.answer_decision(&ctx(), &cs1, d.id, Answer::Agree, "", now()).await.unwrap();
        let d = s.answer_decision(&ctx(), &pm1, d.id, Answer::Agree, "", now()).await.unwrap();
        assert_eq!(d.stage, Stage::Passed, "settled by its two parties, no assembly: {}", t.name);
        let d = s.decision_for(&cs1, d.id).await.unwrap();
        assert_eq!((d.stage, d.process.key.as_str()), (Stage::Passed, "minor_repair"), "replayed as stored");
        t.finish().await;
    }
}
