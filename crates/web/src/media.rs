//! Images people send (an appeal's photos, a paper ballot's scan, the proof a ballot was
//! served): checked by their bytes, not their name, and kept under the media folder where
//! only the server's user can read them.

use crate::error::ApiError;
use crate::state::AppState;
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// An image checked and ready to keep.
pub struct Image<'a> {
    pub id: Uuid,
    pub content_type: &'static str,
    pub size: i64,
    pub sha256: String,
    pub bytes: &'a [u8],
}

/// The bytes as an image: JPEG, PNG or WebP by their content, at most 8 MiB, and of the type
/// the sender declared when they declared one. Refusals name `field`.
pub fn checked_image<'a>(field: &str, declared: &str, body: &'a [u8]) -> Result<Image<'a>, ApiError> {
    if body.is_empty() {
        return Err(ApiError::invalid(field, "照片为空 (empty photo)"));
    }
    if body.len() > crate::api::PHOTO_LIMIT {
        return Err(ApiError::invalid(field, "照片不能超过8MB (at most 8 MiB)"));
    }
    let declared = declared.split(';').next().unwrap_or("").trim();
    let actual = crate::api::sniff_image(body)
        .ok_or_else(|| ApiError::invalid(field, "只接受 JPEG、PNG 或 WebP 照片 (not a JPEG, PNG or WebP image)"))?;
    if !declared.is_empty() && declared != actual && declared != "application/octet-stream" {
        return Err(ApiError::invalid(
            field,
            format!("声明的类型 {declared} 与内容 {actual} 不符 (type does not match content)"),
        ));
    }
    Ok(Image {
        id: jiayuan_store::new_id(),
        content_type: actual,
        size: body.len() as i64,
        sha256: Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect(),
        bytes: body,
    })
}

/// Writes the image to `media/<folder>/<id>` (folders 0700, files 0600), whole or not at all.
pub async fn save(state: &AppState, folder: &str, img: &Image<'_>) -> Result<(), ApiError> {
    let dir = state.media_dir.join(folder);
    let write = async {
        let mut dirs = tokio::fs::DirBuilder::new();
        dirs.recursive(true);
        #[cfg(unix)]
        dirs.mode(0o700);
        dirs.create(&dir).await?;
        let tmp = dir.join(format!("{}.part", img.id));
        let mut open = tokio::fs::OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        open.mode(0o600);
        let mut f = open.open(&tmp).await?;
        tokio::io::AsyncWriteExt::write_all(&mut f, img.bytes).await?;
        f.sync_all().await?;
        drop(f);
        tokio::fs::rename(&tmp, dir.join(img.id.to_string())).await
    };
    write.await.map_err(|e| {
        tracing::error!(error = %e, "cannot store an image");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "无法保存照片 (cannot store photo)".into(),
            field: None,
        }
    })
}

/// The bytes of a kept image.
pub async fn read(state: &AppState, folder: &str, id: Uuid) -> Result<Vec<u8>, ApiError> {
    tokio::fs::read(state.media_dir.join(folder).join(id.to_string())).await.map_err(|_| ApiError::not_found())
}
