//! The sealed link between an anonymous appeal and the account that filed it.
//!
//! A signed-in resident who files anonymously leaves no readable trace of who they are: the
//! appeal has no reporter, the timeline no actor, the audit entry the actor "匿名" and no address.
//! What links them is sealed with the database key in `appeals.reporter_seal`, for the rare
//! case that the law requires it (a threat, a false report). Only a district administrator
//! over the appeal's place may open it, with a reason, and the opening is audited.

use super::Viewer;
use crate::access::Principal;
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::fetch_optional;
use crate::{Result, Store, StoreError};
use jiayuan_domain::access::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who filed an anonymous appeal, as sealed at filing.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SealedReporter {
    pub user_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub username: String,
    pub ip: String,
}

impl Store {
    /// Opens the seal of appeal `id` for a district administrator, with `reason` (checked by
    /// the caller), writing the audit entry in the same transaction.
    pub async fn unseal_reporter(
        &self,
        ctx: &AuditCtx,
        p: &Principal,
        id: Uuid,
        reason: &str,
    ) -> Result<SealedReporter> {
        let a = self.appeal(&Viewer::of(p), &id.to_string()).await?;
        let district = p.grants.iter().any(|g| g.role == Role::DistrictAdmin && a.path.starts_with(&g.path));
        if !district {
            return Err(StoreError::Forbidden(jiayuan_domain::access::Permission::RevealPersonal));
        }
        let seal: Option<(Option<String>,)> =
            fetch_optional(&self.db, "SELECT reporter_seal FROM appeals WHERE id = $1", &[id.into()]).await?;
        let Some(sealed) = seal.and_then(|(s,)| s) else {
            return Err(StoreError::missing("appeal", "此诉求没有封存的反映人信息 (no sealed reporter)"));
        };
        let plain = self.crypto.decrypt(&sealed)?;
        let who: SealedReporter = serde_json::from_str(&plain).map_err(|e| StoreError::Other(e.into()))?;
        let mut tx = self.begin().await?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &a.path,
                action: "appeal.unseal_reporter",
                object: format!("appeal:{}", a.number),
                summary: serde_json::json!({"reason": reason}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(who)
    }
}
