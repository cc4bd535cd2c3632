//! `jiayuan funds`: a community's fund ledger as an Excel workbook, out and in (all rows or
//! none), and the account's balance checked against its entries.

use crate::support::Target;
use anyhow::{bail, Context, Result};
use jiayuan_store::access::Principal;
use jiayuan_store::audit::AuditCtx;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum FundsCmd {
    /// Write a community's whole ledger to an .xlsx file
    Export {
        /// The community's code
        #[arg(long)]
        territory: String,
        file: PathBuf,
    },
    /// Add the rows of an .xlsx ledger to a community's account (all of them, or none)
    Import {
        #[arg(long)]
        territory: String,
        file: PathBuf,
    },
    /// A community's balance, checked against the sum of its entries (exit 1 if they differ)
    Check {
        #[arg(long)]
        territory: String,
    },
}

pub async fn run(target: &Target, cmd: FundsCmd) -> Result<()> {
    let store = target.open().await?;
    store.check_schema().await?;
    let who = Principal::operator();
    match cmd {
        FundsCmd::Export { territory, file } => {
            if file.extension().and_then(|e| e.to_str()) != Some("xlsx") {
                bail!("file: 文件应为 .xlsx (the file must end in .xlsx)");
            }
            let bytes = store.fund_sheet_xlsx(&who, &territory).await?;
            std::fs::write(&file, bytes).with_context(|| format!("file: cannot write {}", file.display()))?;
            println!("exported the ledger of {territory} to {}", file.display());
        }
        FundsCmd::Import { territory, file } => {
            let bytes = std::fs::read(&file).with_context(|| format!("file: cannot read {}", file.display()))?;
            let started = std::time::Instant::now();
            let got = store
                .import_fund_sheet(&AuditCtx::operator("funds import"), &who, &territory, &bytes, chrono::Utc::now())
                .await?;
            println!(
                "imported {} rows into {territory}: income ¥{}, spending ¥{} ({:.1}s)",
                got.rows,
                jiayuan_domain::money::format_fen(got.income_fen),
                jiayuan_domain::money::format_fen(got.spent_fen),
                started.elapsed().as_secs_f64()
            );
        }
        FundsCmd::Check { territory } => {
            let a = store.fund_account(&who, &territory).await?;
            println!(
                "{}: balance ¥{}, sum of {} posted entries ¥{}, {} awaiting approval",
                a.territory.name,
                jiayuan_domain::money::format_fen(a.balance_fen),
                a.posted,
                jiayuan_domain::money::format_fen(a.sum_fen),
                a.pending
            );
            if !a.reconciles() {
                bail!("the balance does not agree with the entries");
            }
        }
    }
    Ok(())
}
