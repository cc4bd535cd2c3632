//! What the vote pages read: the votes a person may see, each owner's own ballots, the
//! participation of every building while a vote is open, and the part a paper ballot names.

use super::DEVELOPER;
use crate::access::Principal;
use crate::batch::{fetch_all, QueryParts};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use jiayuan_domain::access::Permission;
use uuid::Uuid;

/// A vote as a list shows it.
#[derive(Debug, Clone)]
pub struct VoteListing {
    pub id: Uuid,
    pub title: String,
    pub compound_name: String,
    pub announced_at: DateTime<Utc>,
    pub assembly_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl VoteListing {
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.closed_at.is_none() && now < self.closes_at
    }
}

/// One building's turnout: parts and area in the electorate, and those whose voter has
/// answered at least one matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildingTurnout {
    pub building: String,
    pub parts: i64,
    pub area_centi: i64,
    pub voted_parts: i64,
    pub voted_area_centi: i64,
}

/// An owner's current answer on one matter.
#[derive(Debug, Clone)]
pub struct OwnBallot {
    pub seq: i64,
    pub choice: String,
    pub version: i64,
    pub paper: bool,
    pub cast_at: DateTime<Utc>,
}

/// One exclusive part of the frozen electorate as staff reconcile paper ballots against it:
/// which part, where, how large, and whether its voter has answered; never who owns it.
#[derive(Debug, Clone)]
pub struct ElectoratePart {
    pub part: String,
    pub building: String,
    pub area_centi: i64,
    pub kind: String,
    pub delivered: bool,
    pub voted: bool,
}

/// part code, building name, building path, area, kind, delivered, voted (0/1).
type ElectorateRow = (String, Option<String>, String, i64, String, bool, i64);

type ImageRow = (Uuid, String, String, String, DateTime<Utc>, Option<String>);

/// An image kept with a vote: a paper ballot's scan or the proof of service.
#[derive(Debug, Clone)]
pub struct VoteImage {
    pub id: Uuid,
    pub voter: String,
    /// `paper` or `service`.
    pub kind: String,
    pub content_type: String,
    pub created_at: DateTime<Utc>,
    /// The voter's first part, as a page names the image (read with it, not once per image).
    pub first_part: Option<String>,
}

type ListingRow = (Uuid, String, String, DateTime<Utc>, DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>);

impl Store {
    /// The votes `who` may see, latest deadline first: those over compounds where they run
    /// votes, and those whose electorate names them.
    pub async fn owner_votes_visible(&self, who: &Principal, limit: i64) -> Result<Vec<VoteListing>> {
        let mut q = QueryParts::default();
        let mut ors: Vec<String> = Vec::new();
        if let Ok(scope) = who.scope(Permission::RunOwnerVotes) {
            for s in scope.subtrees() {
                ors.push(if s.path == "/" { "1 = 1".into() } else { s.sql(&mut q, "v.compound_path") });
            }
        }
        if let Some(p) = who.person_id {
            let ph = q.bind(p.to_string());
            ors.push(format!("EXISTS (SELECT 1 FROM owner_vote_parts p WHERE p.vote_id = v.id AND p.voter = {ph})"));
            ors.push(format!(
                "EXISTS (SELECT 1 FROM owner_vote_co_owners c WHERE c.vote_id = v.id AND c.person_id = {ph})"
            ));
        }
        if ors.is_empty() {
            return Ok(vec![]);
        }
        let lim = q.bind(limit.clamp(1, 500));
        let rows: Vec<ListingRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT v.id, v.title, t.name, v.announced_at, v.assembly_at, v.closes_at, v.closed_at
                 FROM owner_votes v JOIN territories t ON t.id = v.compound_id
                 WHERE ({}) ORDER BY v.closes_at DESC, v.id LIMIT {lim}",
                ors.join(" OR ")
            ),
            &q.vals,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, title, compound_name, announced_at, assembly_at, closes_at, closed_at)| VoteListing {
                id,
                title,
                compound_name,
                announced_at,
                assembly_at,
                closes_at,
                closed_at,
            })
            .collect())
    }

    /// Turnout by building, in building order, named as the territory names them.
    pub async fn owner_vote_turnout(&self, vote_id: Uuid) -> Result<Vec<BuildingTurnout>> {
        let rows: Vec<(String, Option<String>, i64, i64, i64, i64)> = fetch_all(
            &self.db,
            "SELECT p.building_path, t.name, CAST(count(*) AS BIGINT), CAST(sum(p.area_centi) AS BIGINT),
               CAST(sum(CASE WHEN b.voter IS NULL THEN 0 ELSE 1 END) AS BIGINT),
               CAST(sum(CASE WHEN b.voter IS NULL THEN 0 ELSE p.area_centi END) AS BIGINT)
             FROM owner_vote_parts p
             LEFT JOIN territories t ON t.path = p.building_path
             LEFT JOIN (SELECT DISTINCT voter FROM owner_vote_ballots WHERE vote_id = $1 AND is_current = TRUE) b
               ON b.voter = p.voter
             WHERE p.vote_id = $1
             GROUP BY p.building_path, t.name ORDER BY p.building_path",
            &[vote_id.into()],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(path, name, parts, area, voted, voted_area)| BuildingTurnout {
                building: name.unwrap_or(path),
                parts,
                area_centi: area,
                voted_parts: voted,
                voted_area_centi: voted_area,
            })
            .collect())
    }

    /// A voter's current answers, by matter.
    pub async fn owner_vote_ballots_of(&self, vote_id: Uuid, voter: &str) -> Result<Vec<OwnBallot>> {
        let rows: Vec<(i64, String, i64, bool, DateTime<Utc>)> = fetch_all(
            &self.db,
            "SELECT CAST(seq AS BIGINT), choice, CAST(version AS BIGINT), paper, cast_at FROM owner_vote_ballots
             WHERE vote_id = $1 AND voter = $2 AND is_current = TRUE ORDER BY seq",
            &[vote_id.into(), voter.into()],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(seq, choice, version, paper, cast_at)| OwnBallot { seq, choice, version, paper, cast_at })
            .collect())
    }

    /// The parts `person` co-owns in the vote's electorate without casting their ballot, by
    /// code, each with its caster's name masked (as a neighbour's name is on residents' pages).
    pub async fn answered_for(&self, vote_id: Uuid, person: Uuid) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = fetch_all(
            &self.db,
            "SELECT p.part_code, p.voter FROM owner_vote_co_owners c
             JOIN owner_vote_parts p ON p.vote_id = c.vote_id AND p.part_id = c.part_id
             WHERE c.vote_id = $1 AND c.person_id = $2 ORDER BY p.part_code",
            &[vote_id.into(), person.to_string().into()],
        )
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (code, voter) in rows {
            let name = match Uuid::parse_str(&voter) {
                Ok(v) => jiayuan_domain::names::mask_name(&self.person(v).await?.name),
                Err(_) => String::new(),
            };
            out.push((code, name));
        }
        Ok(out)
    }

    /// The parts a voter casts for, with their area in 0.01 m², by code.
    pub async fn owner_vote_parts_of(&self, vote_id: Uuid, voter: &str) -> Result<Vec<(String, i64)>> {
        fetch_all(
            &self.db,
            "SELECT part_code, area_centi FROM owner_vote_parts WHERE vote_id = $1 AND voter = $2 ORDER BY part_code",
            &[vote_id.into(), voter.into()],
        )
        .await
    }

    /// Who casts the ballot of the part a paper ballot names: its full code, or the code
    /// after the compound's (`01-1-0302` for `C0001-01-1-0302`). A part outside the frozen
    /// electorate is refused naming `part`.
    pub async fn owner_vote_voter_of_part(&self, vote_id: Uuid, part: &str) -> Result<String> {
        let part = part.trim();
        if part.is_empty() {
            return Err(StoreError::invalid("part", "请填写房屋编号 (the part's code is required)"));
        }
        let found: Vec<(String,)> = fetch_all(
            &self.db,
            "SELECT p.voter FROM owner_vote_parts p JOIN owner_votes v ON v.id = p.vote_id
               JOIN territories c ON c.id = v.compound_id
             WHERE p.vote_id = $1 AND (p.part_code = $2 OR p.part_code = c.code || '-' || $2)",
            &[vote_id.into(), part.into()],
        )
        .await?;
        match found.into_iter().next() {
            Some((voter,)) => Ok(voter),
            None => Err(StoreError::invalid(
                "part",
                format!("房屋“{part}”不在本次表决的专有部分名册中 (not a part of this vote's frozen electorate)"),
            )),
        }
    }

    /// How many voters the electorate has, and how many of them have been served the ballot.
    pub async fn owner_vote_served(&self, vote_id: Uuid) -> Result<(i64, i64)> {
        let voters: Vec<(i64,)> = fetch_all(
            &self.db,
            "SELECT CAST(count(DISTINCT voter) AS BIGINT) FROM owner_vote_parts WHERE vote_id = $1 AND voter <> $2",
            &[vote_id.into(), DEVELOPER.into()],
        )
        .await?;
        let served: Vec<(i64,)> = fetch_all(
            &self.db,
            "SELECT CAST(count(*) AS BIGINT) FROM owner_vote_service WHERE vote_id = $1",
            &[vote_id.into()],
        )
        .await?;
        Ok((voters.first().map_or(0, |r| r.0), served.first().map_or(0, |r| r.0)))
    }

    /// The first part of the electorate, written the short way a paper ballot may name it
    /// (without the compound's code): the example beside the paper-ballot form.
    pub async fn owner_vote_first_part(&self, vote_id: Uuid) -> Result<String> {
        let rows: Vec<(String, String)> = fetch_all(
            &self.db,
            "SELECT p.part_code, c.code FROM owner_vote_parts p JOIN owner_votes v ON v.id = p.vote_id
               JOIN territories c ON c.id = v.compound_id
             WHERE p.vote_id = $1 ORDER BY p.part_code LIMIT 1",
            &[vote_id.into()],
        )
        .await?;
        Ok(rows
            .into_iter()
            .next()
            .map(|(part, compound)| part.strip_prefix(&format!("{compound}-")).map(str::to_string).unwrap_or(part))
            .unwrap_or_default())
    }

    /// The frozen electorate part by part, in code order, with whether each part's voter has
    /// answered at least one matter.
    pub async fn owner_vote_electorate(&self, vote_id: Uuid) -> Result<Vec<ElectoratePart>> {
        let rows: Vec<ElectorateRow> = fetch_all(
            &self.db,
            "SELECT p.part_code, t.name, p.building_path, p.area_centi, p.kind, p.delivered,
               CAST(CASE WHEN b.voter IS NULL THEN 0 ELSE 1 END AS BIGINT)
             FROM owner_vote_parts p
             LEFT JOIN territories t ON t.path = p.building_path
             LEFT JOIN (SELECT DISTINCT voter FROM owner_vote_ballots WHERE vote_id = $1 AND is_current = TRUE) b
               ON b.voter = p.voter
             WHERE p.vote_id = $1 ORDER BY p.part_code",
            &[vote_id.into()],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(part, name, path, area_centi, kind, delivered, voted)| ElectoratePart {
                part,
                building: name.unwrap_or(path),
                area_centi,
                kind,
                delivered,
                voted: voted == 1,
            })
            .collect())
    }

    /// Keeps an image with a vote (staff who run it), for one voter in its electorate: the
    /// scan of their paper ballot (`paper`) or the proof they were served (`service`).
    #[allow(clippy::too_many_arguments)]
    pub async fn add_vote_image(
        &self,
        ctx: &crate::audit::AuditCtx,
        who: &Principal,
        vote_id: Uuid,
        voter: &str,
        kind: &str,
        image: (Uuid, &str, i64, &str),
        now: DateTime<Utc>,
    ) -> Result<()> {
        let v = self.owner_vote(vote_id).await?;
        let scope = who.scope(Permission::RunOwnerVotes).map_err(|d| StoreError::Forbidden(d.0))?;
        if !scope.covers_path(&v.compound_path) {
            return Err(StoreError::NotFound);
        }
        if !matches!(kind, "paper" | "service") {
            return Err(StoreError::invalid("kind", "应为 paper 或 service (paper or service)"));
        }
        if !self.is_voter(vote_id, voter).await? {
            return Err(StoreError::invalid(
                "voter",
                "不在本次表决的业主名册中 (not an owner in this vote's electorate)",
            ));
        }
        let (id, content_type, size, sha256) = image;
        let mut tx = self.begin().await?;
        crate::batch::exec(
            &mut tx,
            "INSERT INTO owner_vote_images (id, vote_id, voter, kind, content_type, size, sha256, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                id.into(),
                vote_id.into(),
                voter.into(),
                kind.into(),
                content_type.into(),
                size.into(),
                sha256.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await?;
        crate::audit::append(
            &mut tx,
            ctx,
            crate::audit::AuditEvent {
                scope_path: &v.compound_path,
                action: "vote.image",
                object: vote_id.to_string(),
                summary: serde_json::json!({"voter": voter, "kind": kind, "image": id, "sha256": sha256}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The images kept with a vote, newest first.
    pub async fn vote_images(&self, vote_id: Uuid) -> Result<Vec<VoteImage>> {
        let rows: Vec<ImageRow> = fetch_all(
            &self.db,
            "SELECT i.id, i.voter, i.kind, i.content_type, i.created_at,
               (SELECT min(p.part_code) FROM owner_vote_parts p WHERE p.vote_id = i.vote_id AND p.voter = i.voter)
             FROM owner_vote_images i WHERE i.vote_id = $1 ORDER BY i.created_at DESC, i.id",
            &[vote_id.into()],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, voter, kind, content_type, created_at, first_part)| VoteImage {
                id,
                voter,
                kind,
                content_type,
                created_at,
                first_part,
            })
            .collect())
    }
}
