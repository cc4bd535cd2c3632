//! `jiayuan appeals`: the operator's side of residents' appeals — the clock, rollups,
//! categories, routing, formulas and notification channels.

use crate::support::{parse_day, territory, Target};
use crate::values::one_of;
use anyhow::{bail, Context, Result};
use clap::builder::PossibleValuesParser;
use jiayuan_domain::appeal::{category, Level};
use jiayuan_store::appeals::outbox;
use jiayuan_store::audit::AuditCtx;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum AppealsCmd {
    /// How many appeals the database holds, open and in all
    Count,
    /// Run the clock once now (warnings, overdue, escalation) and fold the rollups
    Tick,
    /// Write the category tree in force as TSV (the format of `categories-import`)
    CategoriesExport { file: PathBuf },
    /// Check a category tree (TSV) and make it the new version; appeals keep theirs
    CategoriesImport {
        file: PathBuf,
        /// What changed, for the version history
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Start a category (and its subcategories) at another level in one subtree
    Route {
        /// Category code (empty for every category)
        #[arg(long, default_value = "")]
        category: String,
        /// Territory code of the subtree
        #[arg(long)]
        scope: String,
        /// The lowest level that handles it there
        #[arg(long, value_parser = one_of(Level::ALL, Level::as_str))]
        lowest: Level,
        /// The department that handles it there
        #[arg(long)]
        department: Option<String>,
    },
    /// Set a rate formula (response_rate, resolution_rate, satisfaction_rate), a target in percent
    /// (target.response_rate, …), office_hours or district_bounds
    Set { key: String, value: String },
    /// Add a notification channel; a secret, if any, is read from standard input
    NotifyAdd {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = PossibleValuesParser::new(outbox::KINDS))]
        kind: String,
        #[arg(long)]
        url: String,
        /// Territory code: appeals handled in this subtree
        #[arg(long)]
        scope: String,
        /// Comma-separated events (default create,escalate,return,warn,overdue,service_warn,service_overdue)
        #[arg(long)]
        events: Option<String>,
        /// Read the signing secret from standard input
        #[arg(long)]
        secret_stdin: bool,
    },
    /// Notification channels and how the outbox stands
    NotifyList,
    /// For benchmarks: write the rollup rows that N generated appeals fold into
    BenchRollups {
        #[arg(long, default_value_t = 20_000_000)]
        appeals: u64,
        #[arg(long, default_value = "2024-01-01")]
        from: String,
        #[arg(long, default_value_t = 731)]
        days: u32,
        #[arg(long, default_value_t = crate::commands::demo::DEFAULT_SEED)]
        seed: u64,
        /// Write the appeal rows too (numbered after the existing ones), not only their rollups
        #[arg(long)]
        write_appeals: bool,
    },
}

pub async fn run(target: &Target, cmd: AppealsCmd) -> Result<()> {
    let store = target.open().await?;
    store.migrate().await?;
    let ctx = |what: &str| AuditCtx::operator(what);
    match cmd {
        AppealsCmd::Count => {
            let (all, open) = store.appeal_totals().await?;
            println!("{all} ({open} open)");
        }
        AppealsCmd::Tick => {
            let r = store.run_appeal_clock(chrono::Utc::now()).await?;
            let n = store.roll_up_all_appeals().await?;
            println!(
                "warned {} · overdue {} · escalated {} · failed {} · events rolled up {n}",
                r.warned, r.overdue, r.escalated, r.failed
            );
        }
        AppealsCmd::CategoriesExport { file } => {
            let rows = store.category_rows_of(store.appeal_config().await?.version).await?;
            std::fs::write(&file, category::to_tsv(&rows))
                .with_context(|| format!("cannot write {}", file.display()))?;
            println!("{} categories written to {}", rows.len(), file.display());
        }
        AppealsCmd::CategoriesImport { file, note } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let rows = category::parse_tsv(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let v = store.write_category_version(&ctx("appeals categories-import"), &rows, &note).await?;
            println!("分类版本 category version {v}: {} categories", rows.len());
        }
        AppealsCmd::Route { category, scope, lowest, department } => {
            let t = territory(&store, "--scope", &scope).await?;
            if !category.is_empty() && store.appeal_config().await?.category(&category).is_none() {
                bail!("--category: no category {category}");
            }
            let rule = jiayuan_domain::appeal::routing::RoutingRule { category, path: t.path, lowest, department };
            store.set_routing_rule(&ctx("appeals route"), &rule).await?;
            println!("routing rule saved");
        }
        AppealsCmd::Set { key, value } => {
            store.set_appeal_setting(&ctx("appeals set"), &key, &value).await?;
            println!("{key} = {value}");
        }
        AppealsCmd::NotifyAdd { name, kind, url, scope, events, secret_stdin } => {
            let secret = if secret_stdin {
                let mut s = String::new();
                std::io::stdin().read_line(&mut s)?;
                Some(s.trim().to_string()).filter(|s| !s.is_empty())
            } else {
                None
            };
            let n = outbox::NewChannel { name, kind, url, secret, path: scope, events };
            let c = store.add_notify_channel(&ctx("appeals notify-add"), &n).await?;
            println!("channel {} added ({}, events {})", c.id, c.kind, c.events);
        }
        AppealsCmd::NotifyList => {
            for c in store.notify_channels().await? {
                println!("{}  {}  {}  {}  {}  {}", c.id, c.name, c.kind, c.url, c.path, c.events);
            }
            for (status, n) in store.outbox_counts().await? {
                println!("outbox {status}: {n}");
            }
        }
        AppealsCmd::BenchRollups { appeals, from, days, seed, write_appeals } => {
            let from = parse_day(&from, "--from")?;
            let t = std::time::Instant::now();
            let r = store.generate_bench_appeals(appeals, from, days, seed, write_appeals).await?;
            println!(
                "{} appeals ({} written as rows) folded into {} rollup rows in {:.1} s",
                r.appeals,
                r.written,
                r.rows,
                t.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
