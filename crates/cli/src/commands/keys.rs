//! `jiayuan keys rotate`: a new key for the personal information.

use crate::support::{progress_bar, write_key_file, Target};
use anyhow::{bail, Context, Result};
use jiayuan_store::crypto::{generate_key, parse_key, Crypto};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum KeysCmd {
    /// Generate a new key, re-encrypt every ID and phone number with it in one transaction,
    /// and replace the key file (the old key no longer opens the database)
    Rotate {
        /// Where to write the new key; default: replace the current key file
        #[arg(long)]
        new_key_file: Option<PathBuf>,
    },
}

/// The new key is written to a file first, the data re-encrypted in one transaction, and
/// only then does the new key file replace the old one.
pub async fn run(target: &Target, cmd: KeysCmd) -> Result<()> {
    let KeysCmd::Rotate { new_key_file } = cmd;
    let from_env = std::env::var("JIAYUAN_KEY").is_ok();
    let current = target.key_path();
    if from_env && new_key_file.is_none() {
        bail!("--new-key-file: the key comes from JIAYUAN_KEY, so say where the new key should be written");
    }
    if !from_env && !current.exists() {
        bail!("密钥文件 {} 不存在 (key file not found)", current.display());
    }
    let store = target.open().await?;
    store.check_schema().await?;
    let staged = new_key_file.clone().unwrap_or_else(|| PathBuf::from(format!("{}.new", current.display())));
    let hex = generate_key();
    write_key_file(&staged, &hex)?;
    let key = parse_key(&hex).map_err(|e| anyhow::anyhow!(e))?;
    let pb = progress_bar(0, "重新加密 re-encrypting");
    let report = store
        .rotate_key(&Crypto::new(&key), &|done, total| {
            pb.set_length(total);
            pb.set_position(done);
        })
        .await;
    pb.finish_and_clear();
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            return Err(e.into());
        }
    };
    if new_key_file.is_none() {
        std::fs::rename(&staged, &current).with_context(|| {
            format!("re-encrypted, but could not move {} over {}: move it by hand", staged.display(), current.display())
        })?;
    }
    println!(
        "密钥已轮换 key rotated: {} people and {} organisations re-encrypted; the key is now in {}",
        report.people,
        report.organisations,
        if new_key_file.is_some() { staged.display().to_string() } else { current.display().to_string() }
    );
    Ok(())
}
