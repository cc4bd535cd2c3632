//! `jiayuan import` and `jiayuan export`: the ledgers as CSV or XLSX (by extension).

use crate::support::{operator_audit, progress_bar, territory, Target};
use crate::values::one_of;
use anyhow::Result;
use indicatif::ProgressBar;
use jiayuan_store::ledger::LedgerKind;
use jiayuan_store::territory::Subtree;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct ImportArgs {
    #[arg(value_parser = one_of(LedgerKind::ALL, LedgerKind::as_str))]
    kind: LedgerKind,
    file: PathBuf,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(value_parser = one_of(LedgerKind::ALL, LedgerKind::as_str))]
    kind: LedgerKind,
    file: PathBuf,
    /// Only this subtree
    #[arg(long)]
    territory: Option<String>,
}

pub async fn import(target: &Target, args: ImportArgs) -> Result<()> {
    let ImportArgs { kind, file } = args;
    let store = target.open().await?;
    store.migrate().await?;
    let started = Instant::now();
    let pb = progress_bar(0, "导入 import");
    let report = store
        .import_ledger(kind, &file, &|done, total| {
            pb.set_length(total);
            pb.set_position(done);
        })
        .await?;
    pb.finish_and_clear();
    operator_audit(
        &store,
        "import",
        &format!("ledger:{}", kind.as_str()),
        serde_json::json!({"file": file.display().to_string(), "rows": report.rows, "created": report.created, "updated": report.updated}),
    )
    .await?;
    println!(
        "导入完成 imported {}: {} rows read, {} created, {} updated, {} unchanged ({:.1}s)",
        kind.as_str(),
        report.rows,
        report.created,
        report.updated,
        report.unchanged,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub async fn export(target: &Target, args: ExportArgs) -> Result<()> {
    let ExportArgs { kind, file, territory: code } = args;
    let store = target.open().await?;
    store.check_schema().await?;
    let within = match code {
        Some(code) => Subtree::of(&territory(&store, "--territory", &code).await?.path),
        None => Subtree::all(),
    };
    let started = Instant::now();
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(format!("导出 export {} …", kind.as_str()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let n = store.export_ledger(kind, &file, &within).await;
    spinner.finish_and_clear();
    let n = n?;
    operator_audit(
        &store,
        "export",
        &format!("ledger:{}", kind.as_str()),
        serde_json::json!({"file": file.display().to_string(), "rows": n, "revealed": true}),
    )
    .await?;
    println!(
        "导出完成 exported {n} {} rows to {} ({:.1}s)",
        kind.as_str(),
        file.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
