//! `jiayuan import` and `jiayuan export`: the ledgers as CSV or XLSX (by extension).

use crate::support::{operator_audit, progress_bar, territory, Target};
use anyhow::Result;
use indicatif::ProgressBar;
use jiayuan_store::ledger::LedgerKind;
use jiayuan_store::territory::Subtree;
use std::path::PathBuf;
use std::time::Instant;

/// What a file holds: a ledger of the territory, or the service catalogue.
#[derive(Clone, Copy, Debug)]
pub enum Table {
    Ledger(LedgerKind),
    ServiceItems,
}

const SERVICE_ITEMS: &str = "service-items";

fn table_parser() -> impl clap::builder::TypedValueParser<Value = Table> {
    use clap::builder::TypedValueParser;
    let mut names: Vec<&'static str> = LedgerKind::ALL.iter().map(|k| k.as_str()).collect();
    names.push(SERVICE_ITEMS);
    clap::builder::PossibleValuesParser::new(names).try_map(|s: String| {
        if s == SERVICE_ITEMS {
            Ok(Table::ServiceItems)
        } else {
            LedgerKind::parse(&s).map(Table::Ledger).ok_or("not one of the listed values")
        }
    })
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// A ledger kind, or `service-items` for the service catalogue
    #[arg(value_parser = table_parser())]
    kind: Table,
    file: PathBuf,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// A ledger kind, or `service-items` for the service catalogue
    #[arg(value_parser = table_parser())]
    kind: Table,
    file: PathBuf,
    /// Only this subtree
    #[arg(long)]
    territory: Option<String>,
}

pub async fn import(target: &Target, args: ImportArgs) -> Result<()> {
    let ImportArgs { kind, file } = args;
    let store = target.open().await?;
    store.migrate().await?;
    let kind = match kind {
        Table::Ledger(k) => k,
        Table::ServiceItems => {
            let ctx = jiayuan_store::audit::AuditCtx::operator("import");
            let who = jiayuan_store::access::Principal::operator();
            let (categories, items, changed) = store.import_service_catalogue_file(&ctx, &who, &file).await?;
            println!(
                "导入完成 imported service-items: {categories} categories, {items} items read, {changed} new or changed (a new version each)"
            );
            return Ok(());
        }
    };
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
    let kind = match kind {
        Table::Ledger(k) => k,
        Table::ServiceItems => {
            if code.is_some() {
                anyhow::bail!("--territory: 服务事项目录不分区域 (the catalogue is one for the district)");
            }
            let n = store.export_service_catalogue(&file).await?;
            println!("导出完成 exported {n} service items to {}", file.display());
            return Ok(());
        }
    };
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
