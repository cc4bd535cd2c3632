//! Key rotation: every encrypted field re-encrypted, every keyed hash recomputed and the key
//! check replaced, in one transaction, so that the database is readable with exactly one of
//! the two keys at any moment.

use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::exec;
use crate::crypto::Crypto;
use crate::{on_tx, Result, Store};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RotateReport {
    pub people: u64,
    pub organisations: u64,
}

impl Store {
    /// Re-encrypts the personal information under `new`. The store keeps using its current
    /// key object; reopen it with the new key afterwards.
    pub async fn rotate_key(&self, new: &Crypto, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<RotateReport> {
        let old = &self.crypto;
        let mut tx = self.begin().await?;
        let people: Vec<(Uuid, String, Option<String>)> =
            on_tx!(&mut tx, |c| sqlx::query_as("SELECT id, id_number, phone FROM people ORDER BY id")
                .fetch_all(c)
                .await?);
        let total = people.len() as u64;
        let mut report = RotateReport::default();
        for (i, (id, id_number, phone)) in people.into_iter().enumerate() {
            let plain_id = old.decrypt(&id_number)?;
            let plain_phone = old.decrypt_opt(phone.as_deref())?;
            exec(
                &mut tx,
                "UPDATE people SET id_number = $1, id_number_hash = $2, phone = $3 WHERE id = $4",
                &[
                    new.encrypt(&plain_id).into(),
                    new.hash(&plain_id).into(),
                    plain_phone.map(|p| new.encrypt(&p)).into(),
                    id.into(),
                ],
            )
            .await?;
            report.people += 1;
            if i % 5000 == 0 {
                progress(i as u64, total);
            }
        }
        let orgs: Vec<(Uuid, String)> = on_tx!(&mut tx, |c| sqlx::query_as(
            "SELECT id, contact_phone FROM organisations WHERE contact_phone IS NOT NULL"
        )
        .fetch_all(c)
        .await?);
        for (id, phone) in orgs {
            let plain = old.decrypt(&phone)?;
            exec(
                &mut tx,
                "UPDATE organisations SET contact_phone = $1 WHERE id = $2",
                &[new.encrypt(&plain).into(), id.into()],
            )
            .await?;
            report.organisations += 1;
        }
        exec(&mut tx, "UPDATE schema_meta SET value = $1 WHERE key = 'key_check'", &[new.check_value().into()]).await?;
        audit::append(
            &mut tx,
            &AuditCtx::operator("keys rotate"),
            AuditEvent {
                scope_path: "/",
                action: "keys.rotate",
                object: "personal-information".into(),
                summary: json!({"people": report.people, "organisations": report.organisations}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        progress(total, total);
        Ok(report)
    }
}
