//! `jiayuan audit`: check and export the hash-chained audit log.

use crate::support::{operator_audit, Target};
use anyhow::{bail, Context, Result};
use jiayuan_domain::access::Permission;
use jiayuan_store::access::Principal;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum AuditCmd {
    /// Check the whole chain; exits non-zero if any entry was edited, inserted or deleted
    Verify,
    /// Write the whole log to a CSV file (this export is itself audited)
    Export { file: PathBuf },
}

pub async fn run(target: &Target, cmd: AuditCmd) -> Result<()> {
    let store = target.open().await?;
    store.check_schema().await?;
    match cmd {
        AuditCmd::Verify => {
            let r = store.verify_audit().await?;
            if !r.ok() {
                for p in &r.problems {
                    eprintln!("  {p}");
                }
                bail!("审计日志被篡改 audit log tampered: {} problem(s) in {} entries", r.problems.len(), r.entries);
            }
            println!("审计日志完整 audit log intact: {} entries, head #{} {}", r.entries, r.head_seq, r.head_hash);
        }
        AuditCmd::Export { file } => {
            let scope = Principal::operator().scope(Permission::ViewAudit)?;
            let rows = store.all_audit(&scope, &Default::default()).await?;
            let bytes = jiayuan_store::audit::to_csv(&rows)?;
            std::fs::write(&file, bytes).with_context(|| format!("cannot write {}", file.display()))?;
            operator_audit(
                &store,
                "audit export",
                "audit_log",
                serde_json::json!({"file": file.display().to_string(), "rows": rows.len()}),
            )
            .await?;
            println!("导出完成 exported {} audit entries to {}", rows.len(), file.display());
        }
    }
    Ok(())
}
