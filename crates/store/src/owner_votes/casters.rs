//! Who casts a co-owned part's ballot. The co-owners of one dwelling answer in an owners'
//! vote with one voice (Civil Code art. 278 counts exclusive parts and their owners, not each
//! co-owner); they name the one of them who casts it, and staff who run votes record the
//! name. Without one, the owner with the largest share casts it
//! ([`jiayuan_domain::vote::ballot_caster`]). A vote freezes the choice when it is announced.

use crate::access::Principal;
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all};
use crate::model::Territory;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::vote::ballot_caster;
use serde_json::json;
use uuid::Uuid;

/// One owner of a dwelling, and whether they cast its ballot in owners' votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartOwner {
    pub person_id: Uuid,
    pub name: String,
    /// Share of the dwelling in basis points (10000 = all of it).
    pub share_bp: i64,
    /// This owner casts the dwelling's ballot.
    pub casts: bool,
    /// The owners named this one to cast it (rather than by the largest share).
    pub named: bool,
}

impl Store {
    /// The owners of a dwelling, largest share first, with who casts its ballot: for those who
    /// see residents over it; anyone else finds no such dwelling.
    pub async fn dwelling_owners(&self, who: &Principal, dwelling_id: Uuid) -> Result<Vec<PartOwner>> {
        let scope = who.scope(Permission::ViewPeople).map_err(|d| StoreError::Forbidden(d.0))?;
        let d = self.territory(dwelling_id).await?;
        if d.kind != "dwelling" || !scope.covers(&d) {
            return Err(StoreError::NotFound);
        }
        self.owners_of(d.id).await
    }

    async fn owners_of(&self, dwelling_id: Uuid) -> Result<Vec<PartOwner>> {
        let rows: Vec<(Uuid, String, i64)> = fetch_all(
            &self.db,
            "SELECT p.id, p.name, CAST(o.share_bp AS BIGINT) FROM owners o JOIN people p ON p.id = o.person_id
             WHERE o.dwelling_id = $1 ORDER BY o.share_bp DESC, p.id",
            &[dwelling_id.into()],
        )
        .await?;
        let named: Vec<(Uuid,)> =
            fetch_all(&self.db, "SELECT person_id FROM ballot_casters WHERE dwelling_id = $1", &[dwelling_id.into()])
                .await?;
        let named = named.first().map(|n| n.0);
        let shares: Vec<(Uuid, i64)> = rows.iter().map(|(p, _, s)| (*p, *s)).collect();
        let caster = ballot_caster(&shares, named.as_ref()).copied();
        Ok(rows
            .into_iter()
            .map(|(person_id, name, share_bp)| PartOwner {
                person_id,
                name,
                share_bp,
                casts: caster == Some(person_id),
                named: named == Some(person_id),
            })
            .collect())
    }

    /// Records which co-owner casts a dwelling's ballot (staff who run votes over it). The
    /// person must own the dwelling; votes already announced keep the electorate they froze.
    pub async fn name_ballot_caster(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        dwelling_id: Uuid,
        person: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<PartOwner>> {
        let scope = who.scope(Permission::RunOwnerVotes).map_err(|d| StoreError::Forbidden(d.0))?;
        let d: Territory = self.territory(dwelling_id).await.map_err(|_| no_dwelling())?;
        if d.kind != "dwelling" || !scope.covers(&d) {
            return Err(no_dwelling());
        }
        let owners = self.owners_of(d.id).await?;
        if !owners.iter().any(|o| o.person_id == person) {
            return Err(StoreError::invalid(
                "person_id",
                "此人不是这处房屋的业主 (the person does not own this dwelling)",
            ));
        }
        let mut tx = self.begin().await?;
        // One upsert, so that two people naming at once leave one name, not a conflict.
        exec(
            &mut tx,
            "INSERT INTO ballot_casters (dwelling_id, person_id, named_by, named_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (dwelling_id) DO UPDATE SET person_id = excluded.person_id, named_by = excluded.named_by,
               named_at = excluded.named_at",
            &[d.id.into(), person.into(), who.user_id.into(), now.into()],
        )
        .await?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &d.path,
                action: "vote.caster",
                object: d.id.to_string(),
                summary: json!({"dwelling": d.code, "person": person, "owners": owners.len()}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        self.owners_of(d.id).await
    }
}

fn no_dwelling() -> StoreError {
    StoreError::missing("dwelling", "没有这处房屋 (no such dwelling)")
}
