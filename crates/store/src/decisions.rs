//! Property decisions (支部先议、三方商议、业主大会决议) of one compound: proposed by its party
//! branch with the branch meeting behind the proposal, answered in rounds by the three parties
//! (a party is the role one holds over the compound: compound secretary for the branch,
//! owners' committee member, property company staff), put to the owners' assembly as a vote,
//! and resolved by the vote's count. Every step is an event with its actor and time; the
//! domain's state machine decides what may happen next, so no step is skipped.

use crate::access::Principal;
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all, fetch_all_tx, fetch_optional, QueryParts};
use crate::decision_processes::{ProcessDef, PROPERTY};
use crate::error::conflict_as;
use crate::owner_votes::NewVote;
use crate::subtree::Subtree;
use crate::{new_id, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use jiayuan_domain::access::{Permission, Role};
use jiayuan_domain::decision::{self, Answer, Event, Party, Stage};
use serde_json::json;
use uuid::Uuid;

/// What a proposal is made with.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub compound: String,
    pub title: String,
    /// The proposal itself: what is to be done, by whom, at what cost.
    pub body: String,
    /// When the branch met on it, and what the meeting decided (its minutes in short).
    pub branch_meeting_at: DateTime<Utc>,
    pub branch_meeting: String,
    /// The process's key (the built-in property template when none is given).
    pub process: Option<String>,
}

/// A decision with its timeline.
#[derive(Debug, Clone)]
pub struct Decision {
    pub id: Uuid,
    pub compound_path: String,
    pub compound_name: String,
    pub title: String,
    pub body: String,
    pub branch_meeting_at: DateTime<Utc>,
    pub branch_meeting: String,
    pub stage: Stage,
    pub round: i64,
    pub vote_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub events: Vec<DecisionEvent>,
    /// The process it was proposed under: who consults, and whether the assembly resolves.
    pub process: ProcessDef,
}

impl Decision {
    /// The parties that have agreed in the current consultation round.
    pub fn agreed(&self) -> Vec<Party> {
        if self.stage != Stage::Consultation && self.stage != Stage::Assembly {
            return vec![];
        }
        self.events
            .iter()
            .filter(|e| e.round == self.round && e.kind == "answer" && e.answer == Some(Answer::Agree))
            .filter_map(|e| e.party)
            .collect()
    }
}

/// One step on a decision's timeline.
#[derive(Debug, Clone)]
pub struct DecisionEvent {
    pub seq: i64,
    /// `propose`, `submit`, `answer`, `assembly`, `settle` or `withdraw`.
    pub kind: String,
    pub round: i64,
    pub party: Option<Party>,
    pub answer: Option<Answer>,
    pub note: String,
    pub actor_name: String,
    pub at: DateTime<Utc>,
}

impl DecisionEvent {
    fn as_domain(&self) -> Option<Event> {
        Some(match self.kind.as_str() {
            "submit" => Event::Submit,
            "answer" => Event::Answer { party: self.party?, answer: self.answer? },
            "assembly" => Event::ToAssembly,
            "settle" => Event::Resolved { passed: self.note.starts_with("passed") },
            "withdraw" => Event::Withdraw,
            _ => return None,
        })
    }
}

/// A proposal as the board shows it.
#[derive(Debug, Clone)]
pub struct BoardCard {
    pub id: Uuid,
    pub title: String,
    pub compound_name: String,
    pub stage: Stage,
    pub round: i64,
    pub updated_at: DateTime<Utc>,
}

/// The party `who` acts for over a compound, from the roles they hold over it.
pub fn party_of(who: &Principal, compound_path: &str) -> Option<Party> {
    who.grants.iter().filter(|g| Subtree::of(&g.path).covers(compound_path)).find_map(|g| match g.role {
        Role::CompoundSecretary => Some(Party::Branch),
        Role::OwnersCommittee => Some(Party::OwnersCommittee),
        Role::PropertyStaff => Some(Party::PropertyCompany),
        _ => None,
    })
}

type DecisionRow = (
    Uuid,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    String,
    String,
    i64,
    Option<Uuid>,
    DateTime<Utc>,
    DateTime<Utc>,
    String,
);

type EventRow = (i64, String, i64, Option<String>, Option<String>, String, String, DateTime<Utc>);

fn text(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(StoreError::invalid(field, format!("应为1到{max}个字 (1–{max} characters)")));
    }
    Ok(v.to_string())
}

fn refused(r: decision::Refusal) -> StoreError {
    StoreError::Conflict { field: "stage".into(), message: r.0.into() }
}

impl Store {
    /// The branch proposes: the decision is written with its branch meeting and put to the
    /// three parties at once (round 1).
    pub async fn propose_decision(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        d: &NewDecision,
        now: DateTime<Utc>,
    ) -> Result<Decision> {
        let compound = self.territory_by_code(d.compound.trim()).await.ok().filter(|t| t.kind == "compound");
        let Some(compound) = compound.filter(|t| who.scope(Permission::ViewTerritory).is_ok_and(|s| s.covers(t)))
        else {
            return Err(StoreError::missing("compound", format!("没有小区“{}” (no such compound)", d.compound.trim())));
        };
        if party_of(who, &compound.path) != Some(Party::Branch) {
            return Err(StoreError::invalid(
                "compound",
                "只有本小区党支部可以提出提案 (only the compound's party branch proposes)",
            ));
        }
        let process =
            self.decision_process(d.process.as_deref().filter(|k| !k.trim().is_empty()).unwrap_or(PROPERTY)).await?;
        let title = text("title", &d.title, 200)?;
        let body = text("body", &d.body, 5000)?;
        let meeting = text("branch_meeting", &d.branch_meeting, 2000)?;
        if d.branch_meeting_at > now {
            return Err(StoreError::invalid(
                "branch_meeting_at",
                "支部会议应已召开 (the branch meeting must have been held)",
            ));
        }
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO decisions (id, community_id, compound_id, compound_path, title, body, branch_meeting_at, branch_meeting,
               stage, round, vote_id, created_by, created_at, updated_at, process)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, NULL, $10, $11, $11, $12)",
            &[
                id.into(),
                compound.community_id.into(),
                compound.id.into(),
                compound.path.clone().into(),
                title.clone().into(),
                body.into(),
                d.branch_meeting_at.into(),
                meeting.clone().into(),
                Stage::Branch.as_str().into(),
                who.user_id.into(),
                now.into(),
                process.key.clone().into(),
            ],
        )
        .await?;
        let mut state = decision::State::new();
        let p = &process.process;
        self.record_step(&mut tx, id, p, &mut state, 0, "propose", None, &meeting, who, now).await?;
        self.record_step(&mut tx, id, p, &mut state, 1, "submit", Some(Event::Submit), "", who, now).await?;
        self.save_stage(&mut tx, id, &state, now).await?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &compound.path,
                action: "decision.propose",
                object: id.to_string(),
                summary: json!({"title": title, "process": process.key}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        self.decision_for(who, id).await
    }

    /// A decision as `who` may see it: staff whose scope covers its compound.
    pub async fn decision_for(&self, who: &Principal, id: Uuid) -> Result<Decision> {
        let d = self.decision(id).await?;
        if who.scope(Permission::ViewTerritory).is_ok_and(|s| s.covers_path(&d.compound_path)) {
            Ok(d)
        } else {
            Err(StoreError::NotFound)
        }
    }

    pub async fn decision(&self, id: Uuid) -> Result<Decision> {
        let row: Option<DecisionRow> = fetch_optional(
            &self.db,
            "SELECT d.id, d.compound_path, t.name, d.title, d.body, d.branch_meeting_at, d.branch_meeting, d.stage,
               CAST(d.round AS BIGINT), d.vote_id, d.created_at, d.updated_at, d.process
             FROM decisions d JOIN territories t ON t.id = d.compound_id WHERE d.id = $1",
            &[id.into()],
        )
        .await?;
        let Some((
            id,
            compound_path,
            compound_name,
            title,
            body,
            meeting_at,
            meeting,
            stage,
            round,
            vote_id,
            created,
            updated,
            process,
        )) = row
        else {
            return Err(StoreError::NotFound);
        };
        let process = self.decision_process(&process).await?;
        let events: Vec<EventRow> = fetch_all(
            &self.db,
            "SELECT CAST(seq AS BIGINT), kind, CAST(round AS BIGINT), party, answer, note, actor_name, at
             FROM decision_events WHERE decision_id = $1 ORDER BY seq",
            &[id.into()],
        )
        .await?;
        Ok(Decision {
            id,
            compound_path,
            compound_name,
            title,
            body,
            branch_meeting_at: meeting_at,
            branch_meeting: meeting,
            stage: Stage::parse(&stage).unwrap_or(Stage::Branch),
            round,
            vote_id,
            created_at: created,
            updated_at: updated,
            events: events
                .into_iter()
                .map(|(seq, kind, round, party, answer, note, actor_name, at)| DecisionEvent {
                    seq,
                    kind,
                    round,
                    party: party.as_deref().and_then(Party::parse),
                    answer: answer.as_deref().and_then(Answer::parse),
                    note,
                    actor_name,
                    at,
                })
                .collect(),
            process,
        })
    }

    /// A party answers in the current round: agree, or amend / object with a reason. The
    /// party is the role `who` holds over the compound; anyone else is refused.
    pub async fn answer_decision(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        answer: Answer,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Decision> {
        let d = self.decision_for(who, id).await?;
        let Some(party) = party_of(who, &d.compound_path) else {
            return Err(StoreError::invalid(
                "party",
                "只有小区党支部、业主委员会和物业服务企业参与三方商议 (only the branch, the owners' committee and the property company answer)",
            ));
        };
        if !d.process.process.parties().contains(&party) {
            return Err(StoreError::invalid(
                "party",
                format!(
                    "{}不参加“{}”的商议 (this party does not consult in this process)",
                    party.label_zh(),
                    d.process.name
                ),
            ));
        }
        let reason = reason.trim();
        if answer != Answer::Agree && reason.is_empty() {
            return Err(StoreError::invalid(
                "reason",
                "建议修改或反对须说明理由 (an amendment or objection needs a reason)",
            ));
        }
        if reason.chars().count() > 2000 {
            return Err(StoreError::invalid("reason", "理由最多2000字 (at most 2000 characters)"));
        }
        self.advance(ctx, who, &d, "answer", Event::Answer { party, answer }, reason, None, now).await
    }

    /// The branch puts the proposal, revised after an amendment or objection, to the three
    /// parties again: a new round.
    pub async fn revise_decision(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        body: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Decision> {
        let d = self.decision_for(who, id).await?;
        self.require_branch(who, &d)?;
        let body = text("body", body, 5000)?;
        self.advance(ctx, who, &d, "submit", Event::Submit, note.trim(), Some(&body), now).await
    }

    /// The branch withdraws the proposal before it reaches the assembly.
    pub async fn withdraw_decision(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Decision> {
        let d = self.decision_for(who, id).await?;
        self.require_branch(who, &d)?;
        let reason = text("reason", reason, 2000)?;
        self.advance(ctx, who, &d, "withdraw", Event::Withdraw, &reason, None, now).await
    }

    /// Puts the agreed proposal to the owners' general assembly: the vote is announced on the
    /// decision's compound in the same transaction (by the branch or by staff who run votes).
    pub async fn put_decision_to_assembly(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        vote: &NewVote,
        now: DateTime<Utc>,
    ) -> Result<Decision> {
        let d = self.decision_for(who, id).await?;
        if d.vote_id.is_some() {
            return Err(StoreError::Conflict {
                field: "stage".into(),
                message: "提案已提交业主大会 (already before the assembly)".into(),
            });
        }
        let mut state = self.state_of(&d)?;
        decision::step(&d.process.process, &state, &Event::ToAssembly).map_err(refused)?;
        let code = self.territory_code_at(&d.compound_path).await?;
        let vote = NewVote { compound: code, ..vote.clone() };
        let mut tx = self.begin().await?;
        let vote_id = self.announce_owner_vote_in(&mut tx, ctx, who, &vote, now).await?;
        let seq = d.events.last().map_or(0, |e| e.seq) + 1;
        let note = format!("表决：{}", vote.title.trim());
        let p = &d.process.process;
        self.record_step(&mut tx, id, p, &mut state, seq, "assembly", Some(Event::ToAssembly), &note, who, now).await?;
        exec(
            &mut tx,
            "UPDATE decisions SET vote_id = $2, updated_at = $3 WHERE id = $1",
            &[id.into(), vote_id.into(), now.into()],
        )
        .await?;
        self.audit_step(&mut tx, ctx, &d, "decision.assembly", json!({"vote": vote_id})).await?;
        tx.commit().await?;
        self.decision(id).await
    }

    /// Records the assembly's result once its vote has closed: passed when every matter
    /// passed. The branch or staff who run votes record it; the count is the vote's own.
    pub async fn settle_decision(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Decision> {
        let d = self.decision_for(who, id).await?;
        let staff = who.scope(Permission::RunOwnerVotes).is_ok_and(|s| s.covers_path(&d.compound_path));
        if !staff && party_of(who, &d.compound_path) != Some(Party::Branch) {
            return Err(StoreError::Forbidden(Permission::RunOwnerVotes));
        }
        let Some(vote_id) = d.vote_id else {
            return Err(StoreError::Conflict {
                field: "stage".into(),
                message: "提案尚未提交业主大会 (not before the assembly yet)".into(),
            });
        };
        let v = self.owner_vote(vote_id).await?;
        if v.is_open(now) {
            return Err(StoreError::Conflict {
                field: "stage".into(),
                message: "表决尚未截止 (the vote has not closed)".into(),
            });
        }
        let counts = self.tally_owner_vote(vote_id).await?;
        let passed = !counts.is_empty() && counts.iter().all(|(_, _, t)| t.passed);
        let note = format!(
            "{}: {}",
            if passed { "passed" } else { "rejected" },
            counts
                .iter()
                .map(|(seq, _, t)| format!("第{seq}项{}", if t.passed { "通过" } else { "未通过" }))
                .collect::<Vec<_>>()
                .join("，")
        );
        self.advance(ctx, who, &d, "settle", Event::Resolved { passed }, &note, None, now).await
    }

    /// Records the result of every proposal whose assembly vote has closed by `now`, as the
    /// background clock does: the same step as [`Store::settle_decision`], taken by the system.
    /// Returns how many were settled.
    pub async fn settle_closed_decisions(&self, now: DateTime<Utc>) -> Result<usize> {
        let due: Vec<(Uuid,)> = fetch_all(
            &self.db,
            "SELECT d.id FROM decisions d JOIN owner_votes v ON v.id = d.vote_id
             WHERE d.stage = $1 AND v.closes_at <= $2 ORDER BY v.closes_at",
            &[Stage::Assembly.as_str().into(), now.into()],
        )
        .await?;
        let system =
            Principal { display_name: "系统（表决截止后自动登记）".into(), ..Principal::operator() };
        let ctx = AuditCtx::operator("decision settle");
        let mut settled = 0;
        for (id,) in due {
            match self.settle_decision(&ctx, &system, id, now).await {
                Ok(_) => settled += 1,
                // Someone pressed the button meanwhile: nothing left to do.
                Err(StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(settled)
    }

    /// Open proposals (and those closed in the last 90 days) in `who`'s scope, optionally
    /// within one node, by stage and latest first.
    pub async fn decision_board(&self, who: &Principal, within: Option<&str>, limit: i64) -> Result<Vec<BoardCard>> {
        let scope = who.scope(Permission::ViewTerritory).map_err(|d| StoreError::Forbidden(d.0))?;
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "d.compound_path", None);
        if let Some(code) = within.map(str::trim).filter(|c| !c.is_empty()) {
            let node = self.territory_in(&scope, code).await?;
            Subtree::of(&node.path).restrict(&mut q, "d.compound_path");
        }
        let lim = q.bind(limit.clamp(1, 5000));
        let rows: Vec<(Uuid, String, String, String, i64, DateTime<Utc>)> = fetch_all(
            &self.db,
            &format!(
                "SELECT d.id, d.title, t.name, d.stage, CAST(d.round AS BIGINT), d.updated_at
                 FROM decisions d JOIN territories t ON t.id = d.compound_id{}
                 ORDER BY d.updated_at DESC, d.id LIMIT {lim}",
                q.where_clause()
            ),
            &q.vals,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, title, compound_name, stage, round, updated_at)| BoardCard {
                id,
                title,
                compound_name,
                stage: Stage::parse(&stage).unwrap_or(Stage::Branch),
                round,
                updated_at,
            })
            .collect())
    }

    fn require_branch(&self, who: &Principal, d: &Decision) -> Result<()> {
        if party_of(who, &d.compound_path) == Some(Party::Branch) {
            Ok(())
        } else {
            Err(StoreError::invalid("party", "只有本小区党支部可以修改或撤回提案 (only the compound's party branch)"))
        }
    }

    /// Where the stored timeline stands, replayed by the domain's rules.
    fn state_of(&self, d: &Decision) -> Result<decision::State> {
        let events: Vec<Event> = d.events.iter().filter_map(DecisionEvent::as_domain).collect();
        decision::replay(&d.process.process, &events).map_err(|(i, r)| {
            StoreError::Other(anyhow::anyhow!(
                "decision {} has a timeline that does not replay at step {i}: {}",
                d.id,
                r.0
            ))
        })
    }

    /// One step: checked against the timeline as it stands, written with the next number (two
    /// steps at once cannot both take it: 409), the board's stage kept with it, and the
    /// proposal's new text when the branch revises it.
    #[allow(clippy::too_many_arguments)]
    async fn advance(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        d: &Decision,
        kind: &str,
        event: Event,
        note: &str,
        new_body: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Decision> {
        let mut state = self.state_of(d)?;
        let seq = d.events.last().map_or(0, |e| e.seq) + 1;
        let mut tx = self.begin().await?;
        // The number taken since the page was read means someone else stepped first.
        let last: Vec<(i64,)> = fetch_all_tx(
            &mut tx,
            "SELECT CAST(max(seq) AS BIGINT) FROM decision_events WHERE decision_id = $1",
            &[d.id.into()],
        )
        .await?;
        if last.first().map(|r| r.0) != Some(seq - 1) {
            return Err(StoreError::Conflict {
                field: "stage".into(),
                message: "提案刚被他人推进，请刷新后重试 (someone moved it on meanwhile; reload)".into(),
            });
        }
        self.record_step(&mut tx, d.id, &d.process.process, &mut state, seq, kind, Some(event), note, who, now).await?;
        self.save_stage(&mut tx, d.id, &state, now).await?;
        if let Some(body) = new_body {
            exec(&mut tx, "UPDATE decisions SET body = $2 WHERE id = $1", &[d.id.into(), body.into()]).await?;
        }
        self.audit_step(
            &mut tx,
            ctx,
            d,
            &format!("decision.{}", if kind == "submit" { "revise" } else { kind }),
            json!({"note": note}),
        )
        .await?;
        tx.commit().await?;
        self.decision(d.id).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn record_step(
        &self,
        tx: &mut Tx,
        id: Uuid,
        process: &decision::Process,
        state: &mut decision::State,
        seq: i64,
        kind: &str,
        event: Option<Event>,
        note: &str,
        who: &Principal,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (party, answer) = match &event {
            Some(Event::Answer { party, answer }) => (Some(party.as_str()), Some(answer.as_str())),
            _ => (None, None),
        };
        if let Some(e) = &event {
            *state = decision::step(process, state, e).map_err(refused)?;
        }
        exec(
            tx,
            "INSERT INTO decision_events (decision_id, seq, kind, round, party, answer, note, actor_id, actor_name, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                id.into(),
                seq.into(),
                kind.into(),
                i64::from(state.round).into(),
                party.map(str::to_string).into(),
                answer.map(str::to_string).into(),
                note.into(),
                who.user_id.into(),
                who.display_name.clone().into(),
                now.into(),
            ],
        )
        .await
        .map_err(conflict_as("stage", "提案刚被他人推进，请刷新后重试 (someone moved it on meanwhile; reload)"))?;
        Ok(())
    }

    async fn save_stage(&self, tx: &mut Tx, id: Uuid, state: &decision::State, now: DateTime<Utc>) -> Result<()> {
        exec(
            tx,
            "UPDATE decisions SET stage = $2, round = $3, updated_at = $4 WHERE id = $1",
            &[id.into(), state.stage.as_str().into(), i64::from(state.round).into(), now.into()],
        )
        .await?;
        Ok(())
    }

    async fn audit_step(
        &self,
        tx: &mut Tx,
        ctx: &AuditCtx,
        d: &Decision,
        action: &str,
        summary: serde_json::Value,
    ) -> Result<()> {
        audit::append(
            tx,
            ctx,
            AuditEvent { scope_path: &d.compound_path, action, object: d.id.to_string(), summary, result: "ok" },
        )
        .await?;
        Ok(())
    }
}
