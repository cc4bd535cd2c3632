//! The demo year's property decisions (三方协商 → 业主大会): in some compounds the branch
//! proposes a matter, the owners' committee and the property company answer (now and then
//! the committee asks for an amendment first and the branch revises), the agreed proposal is
//! put to the owners' assembly, the owners' paper ballots are entered as they come in, and
//! after the close the result settles the proposal — passed, or not when too few took part.
//! All through the same calls as real use, each given its simulated moment.

use super::Scale;
use crate::audit::AuditCtx;
use crate::batch::{fetch_all, Value};
use crate::decisions::NewDecision;
use crate::owner_votes::{BallotFor, NewVote};
use crate::{new_id, Result, Store};
use chrono::{DateTime, Duration, Utc};
use jiayuan_domain::access::Role;
use jiayuan_domain::decision::{Answer, Stage};
use jiayuan_domain::vote::{Choice, Matter, Rules};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// What the compounds decide: title, proposal, the matter of art. 278 it is.
const PROPOSALS: &[(&str, &str, Matter)] = &[
    ("更换单元楼电梯", "使用专项维修资金约38万元更换两部老旧电梯，三家报价已在小区公示栏公示。", Matter::UseFunds),
    ("屋面防水维修", "使用专项维修资金约12万元对顶层屋面进行防水翻修，施工期一个月。", Matter::UseFunds),
    ("续聘物业服务企业", "物业服务合同期满，续聘现物业服务企业三年，服务标准和收费不变。", Matter::Manager),
    ("地面停车位改造", "利用小区东侧空地新增30个停车位，收益归全体业主并每季度公示。", Matter::CommonUse),
    ("修订管理规约", "增加电动自行车禁止入户充电、楼道禁止堆物等条款。", Matter::ManagementRules),
    ("增设非机动车充电棚", "利用公共收益在两处空地建设充电棚，收费标准经三方商定。", Matter::CommonUse),
];

/// Decisions at seed scale (a tenth, at least two, at the small scale).
const DECISIONS: usize = 18;

/// What the demo's decisions came to.
#[derive(Debug, Default, Clone, Copy)]
pub struct AssemblySummary {
    pub decisions: usize,
    pub passed: usize,
    pub ballots: usize,
}

impl Store {
    /// The year's decisions, in compounds with few dwellings (so that a whole assembly's paper
    /// ballots stay a small part of the demo), spread over the year.
    pub(super) async fn demo_decision_year(
        &self,
        rng: &mut ChaCha8Rng,
        scale: Scale,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<AssemblySummary> {
        let mut sum = AssemblySummary::default();
        let n = if scale == Scale::Seed { DECISIONS } else { DECISIONS.div_ceil(10).max(2) };
        // Compounds by how many dwellings have owners, fewest first (ties by path).
        let compounds: Vec<(Uuid, String, String, i64)> = fetch_all(
            &self.db,
            "SELECT c.id, c.code, c.path, (SELECT count(DISTINCT o.dwelling_id) FROM owners o JOIN territories d ON d.id = o.dwelling_id
                 WHERE d.path >= c.path AND d.path < c.path || '~') AS n
             FROM territories c WHERE c.kind = 'compound' ORDER BY n, c.path",
            &[],
        )
        .await?;
        let mut pool: Vec<&(Uuid, String, String, i64)> = compounds.iter().filter(|c| c.3 >= 20).take(n * 3).collect();
        pool.shuffle(rng);
        pool.truncate(n);
        pool.sort_by(|a, b| a.2.cmp(&b.2));
        if pool.is_empty() {
            return Ok(sum);
        }
        // The owners' committee and the property company of each compound, on the system.
        self.demo_party_accounts(&pool.iter().map(|c| (c.0, c.1.clone(), c.2.clone())).collect::<Vec<_>>()).await?;
        let admin = self.principal_of(&self.user_by_name("admin").await?).await?;
        let ctx = AuditCtx::operator("demo");
        let year = (end - start).num_days().max(60);
        for (k, (_, code, _, _)) in pool.iter().enumerate() {
            let branch = self.principal_of(&self.user_by_name(&format!("cs-{code}")).await?).await?;
            let committee = self.principal_of(&self.user_by_name(&format!("oc-{code}")).await?).await?;
            let company = self.principal_of(&self.user_by_name(&format!("pm-{code}")).await?).await?;
            // Spread over the year, each closing well before its end.
            let day = (year - 60) * k as i64 / pool.len() as i64 + rng.gen_range(0..10);
            let t0 = start + Duration::days(day) + Duration::hours(rng.gen_range(1..9));
            let (title, body, matter) = PROPOSALS[k % PROPOSALS.len()];
            let new = NewDecision {
                compound: code.clone(),
                title: title.into(),
                body: body.into(),
                branch_meeting_at: t0 - Duration::days(2),
                branch_meeting: "支部委员会到会5人，一致同意提交三方协商。".into(),
                process: None,
            };
            let d = self.propose_decision(&ctx, &branch, &new, t0).await?;
            let mut t = t0 + Duration::hours(rng.gen_range(4..48));
            // One in four: the owners' committee first asks for an amendment.
            if rng.gen_ratio(1, 4) {
                self.answer_decision(&ctx, &committee, d.id, Answer::Amend, "请先公示三家报价和资金明细", t).await?;
                t += Duration::days(rng.gen_range(2..6));
                let revised = format!("{body}资金使用明细已按业委会意见公示。");
                self.revise_decision(&ctx, &branch, d.id, &revised, "已按业委会意见修改", t).await?;
                t += Duration::hours(rng.gen_range(4..48));
            }
            for p in [&committee, &company, &branch] {
                self.answer_decision(&ctx, p, d.id, Answer::Agree, "", t).await?;
                t += Duration::hours(rng.gen_range(1..24));
            }
            let vote = NewVote {
                compound: String::new(),
                title: title.into(),
                matters: vec![(matter, body.into())],
                assembly_at: t + Duration::days(16),
                closes_at: t + Duration::days(21),
                notice_days: 15,
                rules: Rules::default(),
            };
            let d = self.put_decision_to_assembly(&ctx, &branch, d.id, &vote, t).await?;
            let Some(vote_id) = d.vote_id else { continue };
            // Turnout: most assemblies reach the two-thirds quorum; one in six does not.
            let turnout = if rng.gen_ratio(1, 6) { 55 } else { rng.gen_range(78..92) };
            let voters = self.owner_vote_voters(vote_id).await?;
            for (voter, _, _) in &voters {
                if voter == "developer" || rng.gen_range(0..100) >= turnout {
                    continue;
                }
                let choice = match rng.gen_range(0..100) {
                    0..=83 => Choice::Agree,
                    84..=94 => Choice::Oppose,
                    _ => Choice::Abstain,
                };
                let at = vote.assembly_at + Duration::minutes(rng.gen_range(0..5 * 24 * 60 - 60));
                self.cast_owner_ballots(
                    &ctx,
                    &admin,
                    vote_id,
                    &[(1, choice)],
                    BallotFor::paper(Some(voter.as_str())),
                    false,
                    at,
                )
                .await?;
                sum.ballots += 1;
            }
            self.settle_closed_decisions(vote.closes_at + Duration::minutes(5)).await?;
            sum.decisions += 1;
            sum.passed += usize::from(self.decision(d.id).await?.stage == Stage::Passed);
        }
        Ok(sum)
    }

    /// An owners' committee member and a property company's staff for each compound
    /// (usernames `oc-` and `pm-` and the compound's code, the demo password).
    async fn demo_party_accounts(&self, compounds: &[(Uuid, String, String)]) -> Result<()> {
        let hash = crate::accounts::hash_password(jiayuan_domain::access::DEMO_PASSWORD)?;
        let now = super::demo_epoch() - Duration::days(400);
        let (mut users, mut grants) = (Vec::new(), Vec::new());
        for (tid, code, path) in compounds {
            for (prefix, role, title) in
                [("oc", Role::OwnersCommittee, "业委会主任"), ("pm", Role::PropertyStaff, "物业项目经理")]
            {
                let id = new_id();
                users.push(vec![
                    id.into(),
                    format!("{prefix}-{code}").into(),
                    format!("{title}({code})").into(),
                    hash.clone().into(),
                    false.into(),
                    false.into(),
                    0i64.into(),
                    Value::Ts(None),
                    Value::Uuid(None),
                    true.into(),
                    now.into(),
                    now.into(),
                ]);
                grants.push(vec![
                    new_id().into(),
                    id.into(),
                    role.as_str().into(),
                    (*tid).into(),
                    path.clone().into(),
                    "demo".into(),
                    now.into(),
                ]);
            }
        }
        self.insert_demo_accounts(&users, &grants, serde_json::json!({"after": {"party_accounts": users.len()}}))
            .await?;
        self.cache.clear();
        Ok(())
    }
}
