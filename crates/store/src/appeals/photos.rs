//! Photos attached to an appeal (the bytes are kept by the web layer under the media folder).

use super::*;

impl Store {
    pub async fn appeal_photos(&self, a: &AppealRow) -> Result<Vec<PhotoRow>> {
        fetch_all(
            &self.db,
            "SELECT id, appeal_id, content_type, size, sha256, created_at FROM appeal_photos WHERE appeal_id = $1 ORDER BY created_at",
            &[a.id.into()],
        )
        .await
    }

    /// Records a photo whose bytes the caller has stored under its id.
    pub async fn add_appeal_photo(
        &self,
        ctx: &AuditCtx,
        a: &AppealRow,
        id: Uuid,
        content_type: &str,
        size: i64,
        sha256: &str,
    ) -> Result<PhotoRow> {
        let mut tx = self.begin().await?;
        let now = Utc::now();
        exec(
            &mut tx,
            "INSERT INTO appeal_photos (id, appeal_id, content_type, size, sha256, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[id.into(), a.id.into(), content_type.into(), size.into(), sha256.into(), ctx.actor.clone().into(), now.into()],
        )
        .await?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &a.handler_path,
                action: "appeal.photo",
                object: format!("appeal {}", a.number),
                summary: json!({"photo": id, "type": content_type, "size": size}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(PhotoRow {
            id,
            appeal_id: a.id,
            content_type: content_type.into(),
            size,
            sha256: sha256.into(),
            created_at: now,
        })
    }

    pub async fn appeal_photo(&self, a: &AppealRow, id: Uuid) -> Result<PhotoRow> {
        fetch_optional(
            &self.db,
            "SELECT id, appeal_id, content_type, size, sha256, created_at FROM appeal_photos WHERE appeal_id = $1 AND id = $2",
            &[a.id.into(), id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)
    }
}
