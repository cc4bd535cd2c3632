//! Owners' general assembly votes (业主大会表决) of one compound: announced with enough notice
//! and the electorate frozen at that moment, ballots cast by the owners named to cast them
//! (or entered from paper by staff), one current ballot per owner per matter, a correction
//! before the close kept beside the ballot it replaces, and the count made by the domain's
//! engine from the ballots, so that anyone can make it again.

use crate::access::Principal;
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all, fetch_all_tx, fetch_optional};
use crate::error::conflict_as;
use crate::territory::{within_sql, Subtree};
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::vote::{self, Choice, Matter, PartKind, PartVote, Rules, Service, Tally};
use jiayuan_domain::Area;
use serde_json::json;
use uuid::Uuid;

/// The shortest notice the regulations allow (物业管理条例 art. 14): 15 days.
pub const MIN_NOTICE_DAYS: i64 = 15;

/// What a vote is announced with.
#[derive(Debug, Clone)]
pub struct NewVote {
    /// The compound's territory code.
    pub compound: String,
    pub title: String,
    /// The matters, in order: which of art. 278's nine, and what is asked.
    pub matters: Vec<(Matter, String)>,
    /// When the assembly meets (the notice runs to it).
    pub assembly_at: DateTime<Utc>,
    /// When voting closes (not before the assembly).
    pub closes_at: DateTime<Utc>,
    /// Days of notice the compound's rules require (at least 15).
    pub notice_days: i64,
    pub rules: Rules,
}

/// A vote as stored.
#[derive(Debug, Clone)]
pub struct OwnerVote {
    pub id: Uuid,
    pub compound_path: String,
    pub title: String,
    pub announced_at: DateTime<Utc>,
    pub assembly_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub notice_days: i64,
    pub rules: Rules,
    pub closed_at: Option<DateTime<Utc>>,
    pub matters: Vec<(i64, Matter, String)>,
}

impl OwnerVote {
    /// Open until the deadline on the server clock.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.closed_at.is_none() && now < self.closes_at
    }
}

/// Who casts a ballot: an owner by their person id, or the developer for the parts nobody
/// has bought.
pub const DEVELOPER: &str = "developer";

/// Whose ballot is cast: the signed-in owner's own, or a paper ballot staff enter for an
/// owner (person id or `developer`) or for the part the paper names.
#[derive(Debug, Clone, Copy)]
pub enum BallotFor<'a> {
    Own,
    Owner(&'a str),
    Part(&'a str),
}

impl<'a> BallotFor<'a> {
    /// From the older form: `Some(voter)` for paper, `None` for one's own.
    pub fn paper(voter: Option<&'a str>) -> Self {
        voter.map_or(BallotFor::Own, BallotFor::Owner)
    }

    fn is_paper(self) -> bool {
        !matches!(self, BallotFor::Own)
    }
}

/// A dwelling as the electorate is frozen from it: id, code, path, area, use.
type DwellingRow = (Uuid, String, String, Option<i64>, Option<String>);

type VoteRow = (
    Uuid,
    String,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    DateTime<Utc>,
    i64,
    bool,
    bool,
    bool,
    bool,
    Option<DateTime<Utc>>,
);

impl Store {
    /// Whether `voter` (a person id, or `developer`) casts a ballot in the vote's frozen
    /// electorate.
    pub async fn is_voter(&self, vote_id: Uuid, voter: &str) -> Result<bool> {
        let found: Vec<(i64,)> = fetch_all(
            &self.db,
            "SELECT CAST(1 AS BIGINT) FROM owner_vote_parts WHERE vote_id = $1 AND voter = $2 LIMIT 1",
            &[vote_id.into(), voter.into()],
        )
        .await?;
        Ok(!found.is_empty())
    }

    /// Announces a vote on a compound and freezes its electorate: every dwelling (parking
    /// spaces included, as such) with its registered area, and who casts its ballot (the
    /// co-owner named to, or the owner with the largest share; a dwelling without owners is
    /// the developer's), and the other co-owners of each part. Refused with less notice than the rules
    /// require, or than 15 days.
    pub async fn announce_owner_vote(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        v: &NewVote,
        now: DateTime<Utc>,
    ) -> Result<OwnerVote> {
        let mut tx = self.begin().await?;
        let id = self.announce_owner_vote_in(&mut tx, ctx, who, v, now).await?;
        tx.commit().await?;
        self.owner_vote(id).await
    }

    /// [`Store::announce_owner_vote`] inside a transaction the caller commits, with what else
    /// it writes (a decision put to the assembly).
    pub(crate) async fn announce_owner_vote_in(
        &self,
        tx: &mut crate::Tx,
        ctx: &AuditCtx,
        who: &Principal,
        v: &NewVote,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let scope = who.scope(Permission::RunOwnerVotes).map_err(|d| StoreError::Forbidden(d.0))?;
        let compound = self.territory_by_code(v.compound.trim()).await.map_err(|_| {
            StoreError::missing("compound", format!("没有小区“{}” (no such compound)", v.compound.trim()))
        })?;
        if compound.kind != "compound" || !scope.covers(&compound) {
            return Err(StoreError::missing("compound", format!("没有小区“{}” (no such compound)", v.compound.trim())));
        }
        let title = v.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(StoreError::invalid("title", "标题应为1到200个字 (1–200 characters)"));
        }
        if v.matters.is_empty() || v.matters.len() > 20 {
            return Err(StoreError::invalid("matters", "表决事项应为1到20项 (1–20 matters)"));
        }
        if let Some((_, t)) = v.matters.iter().find(|(_, t)| t.trim().is_empty() || t.chars().count() > 500) {
            return Err(StoreError::invalid("matters", format!("事项说明应为1到500个字 (“{t}”)")));
        }
        if v.notice_days < MIN_NOTICE_DAYS {
            return Err(StoreError::invalid(
                "notice_days",
                format!("公告期不得少于{MIN_NOTICE_DAYS}天 (at least {MIN_NOTICE_DAYS} days' notice)"),
            ));
        }
        if v.assembly_at < now + Duration::days(v.notice_days) {
            return Err(StoreError::invalid(
                "assembly_at",
                format!(
                    "业主大会应在公告{}天后召开 (the assembly must be at least {} days after the notice)",
                    v.notice_days, v.notice_days
                ),
            ));
        }
        if v.closes_at < v.assembly_at {
            return Err(StoreError::invalid(
                "closes_at",
                "表决截止不得早于大会召开 (voting cannot close before the assembly)",
            ));
        }
        let within = Subtree::of(&compound.path);
        let parts: Vec<DwellingRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT id, code, path, area_centi, dwelling_use FROM territories WHERE kind = 'dwelling' AND {} ORDER BY path",
                within_sql("path", "$1", "$2")
            ),
            &within.bounds(),
        )
        .await?;
        if parts.is_empty() {
            return Err(StoreError::invalid("compound", "小区没有登记房屋 (the compound has no dwellings on record)"));
        }
        if let Some((_, code, ..)) = parts.iter().find(|p| p.3.is_none_or(|a| a <= 0)) {
            return Err(StoreError::invalid(
                "compound",
                format!("房屋{code}没有登记面积，无法确定表决权 (a dwelling has no registered area)"),
            ));
        }
        let owners: Vec<(Uuid, Uuid, i64)> = fetch_all(
            &self.db,
            &format!(
                "SELECT o.dwelling_id, o.person_id, CAST(o.share_bp AS BIGINT) FROM owners o JOIN territories t ON t.id = o.dwelling_id
                 WHERE {} ORDER BY o.dwelling_id, o.share_bp DESC, o.person_id",
                within_sql("t.path", "$1", "$2")
            ),
            &within.bounds(),
        )
        .await?;
        let named: Vec<(Uuid, Uuid)> = fetch_all(
            &self.db,
            &format!(
                "SELECT c.dwelling_id, c.person_id FROM ballot_casters c JOIN territories t ON t.id = c.dwelling_id WHERE {}",
                within_sql("t.path", "$1", "$2")
            ),
            &within.bounds(),
        )
        .await?;
        let named: std::collections::HashMap<Uuid, Uuid> = named.into_iter().collect();
        let mut owners_by_part: std::collections::HashMap<Uuid, Vec<(Uuid, i64)>> = std::collections::HashMap::new();
        for (dwelling, person, share) in &owners {
            owners_by_part.entry(*dwelling).or_default().push((*person, *share));
        }
        // Each part's caster, and its other co-owners (who see the vote, not cast in it).
        let mut caster: std::collections::HashMap<Uuid, Uuid> = std::collections::HashMap::new();
        let mut co_owners: Vec<(Uuid, Uuid)> = Vec::new();
        for (part, all) in &owners_by_part {
            if let Some(c) = vote::ballot_caster(all, named.get(part)) {
                caster.insert(*part, *c);
                co_owners.extend(all.iter().filter(|(p, _)| p != c).map(|(p, _)| (*part, *p)));
            }
        }
        co_owners.sort();
        let id = new_id();
        exec(
            tx,
            "INSERT INTO owner_votes (id, community_id, compound_id, compound_path, title, announced_at, assembly_at, closes_at,
               notice_days, multi_part_owner_once, developer_as_one, count_parking, silent_follows_majority, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            &[
                id.into(),
                compound.community_id.into(),
                compound.id.into(),
                compound.path.clone().into(),
                title.into(),
                now.into(),
                v.assembly_at.into(),
                v.closes_at.into(),
                v.notice_days.into(),
                v.rules.multi_part_owner_once.into(),
                v.rules.developer_as_one.into(),
                v.rules.count_parking.into(),
                v.rules.silent_follows_majority.into(),
                who.user_id.into(),
            ],
        )
        .await?;
        for (i, (m, t)) in v.matters.iter().enumerate() {
            exec(
                tx,
                "INSERT INTO owner_vote_matters (vote_id, seq, matter, title) VALUES ($1, $2, $3, $4)",
                &[id.into(), (i as i64 + 1).into(), m.as_str().into(), t.trim().into()],
            )
            .await?;
        }
        for (part, code, path, area, use_) in &parts {
            let building = crate::appeals::path_prefixes(path).get(4).cloned().unwrap_or_else(|| path.clone());
            let kind = match use_.as_deref() {
                Some("commercial") => PartKind::Commercial,
                Some("parking") => PartKind::Parking,
                _ => PartKind::Residential,
            };
            // A part nobody has bought is the developer's, not delivered. A parking space
            // stays a parking space, so that it is left out where the rules leave parking out.
            let (voter, kind, delivered) = match caster.get(part) {
                Some(p) => (p.to_string(), kind, true),
                None if kind == PartKind::Parking => (DEVELOPER.to_string(), kind, false),
                None => (DEVELOPER.to_string(), PartKind::Developer, false),
            };
            exec(
                tx,
                "INSERT INTO owner_vote_parts (vote_id, part_id, part_code, building_path, area_centi, kind, delivered, voter)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    id.into(),
                    (*part).into(),
                    code.clone().into(),
                    building.into(),
                    area.unwrap_or(0).into(),
                    kind.as_str().into(),
                    delivered.into(),
                    voter.into(),
                ],
            )
            .await?;
        }
        for (part, person) in &co_owners {
            exec(
                tx,
                "INSERT INTO owner_vote_co_owners (vote_id, person_id, part_id) VALUES ($1, $2, $3)",
                &[id.into(), person.to_string().into(), (*part).into()],
            )
            .await?;
        }
        audit::append(
            tx,
            ctx,
            AuditEvent {
                scope_path: &compound.path,
                action: "vote.announce",
                object: id.to_string(),
                summary: json!({"title": title, "matters": v.matters.len(), "parts": parts.len(), "assembly_at": v.assembly_at, "closes_at": v.closes_at}),
                result: "ok",
            },
        )
        .await?;
        Ok(id)
    }

    /// A vote as `who` may see it: staff who run votes over its compound, or an owner in its
    /// electorate (a co-owner too, who sees who answers for them); anyone else finds nothing, as if there were no such vote.
    pub async fn owner_vote_for(&self, who: &Principal, id: Uuid) -> Result<OwnerVote> {
        let v = self.owner_vote(id).await?;
        let staff = who.scope(Permission::RunOwnerVotes).is_ok_and(|s| s.covers_path(&v.compound_path));
        let voter = match who.person_id {
            Some(p) => self.is_voter(id, &p.to_string()).await? || !self.answered_for(id, p).await?.is_empty(),
            None => false,
        };
        if staff || voter {
            Ok(v)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// A vote with its matters.
    pub async fn owner_vote(&self, id: Uuid) -> Result<OwnerVote> {
        let row: Option<VoteRow> = fetch_optional(
            &self.db,
            "SELECT id, compound_path, title, announced_at, assembly_at, closes_at, CAST(notice_days AS BIGINT),
               multi_part_owner_once, developer_as_one, count_parking, silent_follows_majority, closed_at
             FROM owner_votes WHERE id = $1",
            &[id.into()],
        )
        .await?;
        let Some((
            id,
            compound_path,
            title,
            announced_at,
            assembly_at,
            closes_at,
            notice_days,
            once,
            dev,
            parking,
            silent,
            closed_at,
        )) = row
        else {
            return Err(StoreError::NotFound);
        };
        let matters: Vec<(i64, String, String)> = fetch_all(
            &self.db,
            "SELECT CAST(seq AS BIGINT), matter, title FROM owner_vote_matters WHERE vote_id = $1 ORDER BY seq",
            &[id.into()],
        )
        .await?;
        Ok(OwnerVote {
            id,
            compound_path,
            title,
            announced_at,
            assembly_at,
            closes_at,
            notice_days,
            rules: Rules {
                multi_part_owner_once: once,
                developer_as_one: dev,
                count_parking: parking,
                silent_follows_majority: silent,
            },
            closed_at,
            matters: matters
                .into_iter()
                .map(|(seq, m, t)| (seq, Matter::parse(&m).unwrap_or(Matter::Other), t))
                .collect(),
        })
    }

    /// Casts a ballot on one matter: by a signed-in owner for themselves, or from paper by
    /// staff who run the vote (for `voter`, an owner's person id or `developer`). A second
    /// ballot is refused unless it is a correction, which becomes a new version and keeps the
    /// old one; nothing is accepted after the close.
    #[allow(clippy::too_many_arguments)]
    pub async fn cast_owner_ballot(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        vote_id: Uuid,
        seq: i64,
        choice: Choice,
        paper_for: Option<&str>,
        correction: bool,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let versions = self
            .cast_owner_ballots(ctx, who, vote_id, &[(seq, choice)], BallotFor::paper(paper_for), correction, now)
            .await?;
        Ok(versions.first().copied().unwrap_or(1))
    }

    /// One ballot paper: answers on several matters of one vote, all taken or none (a second
    /// answer on any matter refuses the whole paper unless it is a correction). The versions
    /// written, in the order given.
    #[allow(clippy::too_many_arguments)]
    pub async fn cast_owner_ballots(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        vote_id: Uuid,
        answers: &[(i64, Choice)],
        ballot_for: BallotFor<'_>,
        correction: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let v = self.owner_vote(vote_id).await?;
        if ballot_for.is_paper() {
            // Staff who may not run this vote learn nothing of it, not even its parts.
            let scope = who.scope(Permission::RunOwnerVotes).map_err(|d| StoreError::Forbidden(d.0))?;
            if !scope.covers_path(&v.compound_path) {
                return Err(StoreError::NotFound);
            }
        }
        let voter = match ballot_for {
            BallotFor::Owner(voter) => voter.trim().to_string(),
            BallotFor::Part(part) => self.owner_vote_voter_of_part(vote_id, part).await?,
            BallotFor::Own => match who.person_id {
                Some(p) => p.to_string(),
                None => {
                    return Err(StoreError::invalid(
                        "voter",
                        "此账号未关联业主 (this account is not linked to an owner)",
                    ))
                }
            },
        };
        if !v.is_open(now) {
            return Err(StoreError::invalid("vote", "表决已截止 (voting has closed)"));
        }
        if answers.is_empty() {
            return Err(StoreError::invalid("choice", "请至少对一项事项表决 (answer at least one matter)"));
        }
        for (i, (seq, _)) in answers.iter().enumerate() {
            if !v.matters.iter().any(|(s, _, _)| s == seq) {
                return Err(StoreError::missing("matter", format!("没有第{seq}项表决事项 (no such matter)")));
            }
            if answers[..i].iter().any(|(s, _)| s == seq) {
                return Err(StoreError::invalid("matter", format!("第{seq}项重复 (matter {seq} answered twice)")));
            }
        }
        if !self.is_voter(vote_id, &voter).await? {
            return Err(StoreError::invalid(
                "voter",
                "不在本次表决的业主名册中 (not an owner in this vote's electorate, frozen at the announcement)",
            ));
        }
        let mut tx = self.begin().await?;
        let mut versions = Vec::new();
        for &(seq, choice) in answers {
            let current: Vec<(i64,)> = fetch_all_tx(
                &mut tx,
                "SELECT CAST(version AS BIGINT) FROM owner_vote_ballots WHERE vote_id = $1 AND seq = $2 AND voter = $3 AND is_current = TRUE",
                &[vote_id.into(), seq.into(), voter.clone().into()],
            )
            .await?;
            let version = match (current.first(), correction) {
                (None, _) => 1,
                (Some(_), false) => {
                    return Err(StoreError::Conflict {
                        field: "ballot".into(),
                        message: format!(
                            "第{seq}项已投过票；如需更正，请以更正方式重新提交 (already voted on matter {seq}; send a correction)"
                        ),
                    })
                }
                (Some((v,)), true) => {
                    exec(
                        &mut tx,
                        "UPDATE owner_vote_ballots SET is_current = FALSE WHERE vote_id = $1 AND seq = $2 AND voter = $3 AND is_current = TRUE",
                        &[vote_id.into(), seq.into(), voter.clone().into()],
                    )
                    .await?;
                    v + 1
                }
            };
            exec(
                &mut tx,
                "INSERT INTO owner_vote_ballots (id, vote_id, seq, voter, choice, version, is_current, paper, entered_by, cast_at)
                 VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8, $9)",
                &[
                    new_id().into(),
                    vote_id.into(),
                    seq.into(),
                    voter.clone().into(),
                    choice.as_str().into(),
                    version.into(),
                    ballot_for.is_paper().into(),
                    who.user_id.into(),
                    now.into(),
                ],
            )
            .await
            // Two ballots at once: the unique index lets one in.
            .map_err(conflict_as("ballot", "已投过票 (already voted on this matter)"))?;
            audit::append(
                &mut tx,
                ctx,
                AuditEvent {
                    scope_path: &v.compound_path,
                    action: "vote.ballot",
                    object: vote_id.to_string(),
                    summary: json!({"matter": seq, "voter": voter, "choice": choice.as_str(), "version": version, "paper": ballot_for.is_paper()}),
                    result: "ok",
                },
            )
            .await?;
            versions.push(version);
        }
        tx.commit().await?;
        Ok(versions)
    }

    /// Records how an owner in the electorate was served the ballot (staff who run the vote),
    /// with a note of the proof kept: what lets their silence follow the majority where the
    /// compound's rules say so. Once per owner (409 the second time); not after the close, not
    /// dated in the future or before the announcement.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_vote_service(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        vote_id: Uuid,
        voter: &str,
        how: Service,
        served_at: DateTime<Utc>,
        proof: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let scope = who.scope(Permission::RunOwnerVotes).map_err(|d| StoreError::Forbidden(d.0))?;
        let v = self.owner_vote(vote_id).await?;
        if !scope.covers_path(&v.compound_path) {
            return Err(StoreError::NotFound);
        }
        if !v.is_open(now) {
            return Err(StoreError::invalid("vote", "表决已截止 (voting has closed)"));
        }
        if served_at > now || served_at < v.announced_at {
            return Err(StoreError::invalid(
                "served_at",
                "送达时间应在公告之后、现在之前 (between the announcement and now)",
            ));
        }
        let proof = proof.trim();
        if proof.is_empty() || proof.chars().count() > 500 {
            return Err(StoreError::invalid(
                "proof",
                "应写明送达凭证，最多500字 (the proof kept, at most 500 characters)",
            ));
        }
        let voter = voter.trim();
        if !self.is_voter(vote_id, voter).await? {
            return Err(StoreError::invalid(
                "voter",
                "不在本次表决的业主名册中 (not an owner in this vote's electorate)",
            ));
        }
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO owner_vote_service (vote_id, voter, how, served_at, proof, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                vote_id.into(),
                voter.into(),
                how.as_str().into(),
                served_at.into(),
                proof.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await
        .map_err(conflict_as("voter", "已登记送达 (service already recorded for this owner)"))?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &v.compound_path,
                action: "vote.service",
                object: vote_id.to_string(),
                summary: json!({"voter": voter, "how": how.as_str(), "served_at": served_at}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The electorate as frozen: each voter (an owner's person id, or `developer`) with how
    /// many parts they cast for and their area in 0.01 m², in voter order.
    pub async fn owner_vote_voters(&self, vote_id: Uuid) -> Result<Vec<(String, i64, i64)>> {
        fetch_all(
            &self.db,
            "SELECT voter, count(*), CAST(sum(area_centi) AS BIGINT) FROM owner_vote_parts WHERE vote_id = $1 GROUP BY voter ORDER BY voter",
            &[vote_id.into()],
        )
        .await
    }

    /// The count of every matter from the current ballots: the same figures however often it
    /// is made. Open votes are counted as they stand.
    pub async fn tally_owner_vote(&self, vote_id: Uuid) -> Result<Vec<(i64, String, Tally)>> {
        let v = self.owner_vote(vote_id).await?;
        let parts: Vec<(String, i64, String, bool, String)> = fetch_all(
            &self.db,
            "SELECT part_code, area_centi, kind, delivered, voter FROM owner_vote_parts WHERE vote_id = $1 ORDER BY part_code",
            &[vote_id.into()],
        )
        .await?;
        let ballots: Vec<(i64, String, String)> = fetch_all(
            &self.db,
            "SELECT CAST(seq AS BIGINT), voter, choice FROM owner_vote_ballots WHERE vote_id = $1 AND is_current = TRUE",
            &[vote_id.into()],
        )
        .await?;
        let served: std::collections::HashSet<String> = fetch_all::<(String,)>(
            &self.db,
            "SELECT voter FROM owner_vote_service WHERE vote_id = $1",
            &[vote_id.into()],
        )
        .await?
        .into_iter()
        .map(|(v,)| v)
        .collect();
        let mut out = Vec::new();
        for (seq, matter, title) in &v.matters {
            let answer: std::collections::HashMap<&str, Choice> = ballots
                .iter()
                .filter(|(s, _, _)| s == seq)
                .filter_map(|(_, voter, c)| Some((voter.as_str(), Choice::parse(c)?)))
                .collect();
            let votes: Vec<PartVote> = parts
                .iter()
                .map(|(code, area, kind, delivered, voter)| PartVote {
                    part: code.clone(),
                    owner: voter.clone(),
                    area: Area(*area),
                    kind: PartKind::parse(kind).unwrap_or(PartKind::Residential),
                    delivered: *delivered,
                    choice: answer.get(voter.as_str()).copied(),
                    served: served.contains(voter),
                })
                .collect();
            let t = vote::tally(*matter, v.rules, &votes).map_err(|problems| {
                StoreError::Other(anyhow::anyhow!(
                    "vote {vote_id} cannot be counted: {}",
                    problems.iter().map(|p| format!("{}: {}", p.part, p.message)).collect::<Vec<_>>().join("; ")
                ))
            })?;
            out.push((*seq, title.clone(), t));
        }
        Ok(out)
    }
}

mod casters;
mod views;
pub use casters::PartOwner;
pub use views::*;
