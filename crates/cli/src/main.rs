//! `jiayuan`: the one binary. Serve the API and pages, and the operator's commands, one
//! module each under `commands/`.

/// mimalloc: the filing path allocates many short-lived buffers, which glibc malloc handled
/// with visible cost under load (see the README's benchmarks).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod commands;
mod support;
mod values;

use anyhow::Result;
use clap::{Parser, Subcommand};
use commands::*;
use std::process::ExitCode;
use support::Target;

#[derive(Parser)]
#[command(name = "jiayuan", version, about = "家园 — 党建引领城市基层治理 (grassroots governance for a city district)")]
struct Cli {
    /// Database URL: sqlite://PATH (default) or postgres://USER@HOST/DB
    #[arg(long, global = true, env = "JIAYUAN_DB", default_value = "sqlite://jiayuan.db")]
    db: String,
    /// File holding the 64-hex-digit key that encrypts ID and phone numbers; default: the
    /// SQLite file's path + ".key", or ./jiayuan.key for PostgreSQL. JIAYUAN_KEY (the key
    /// itself) takes precedence. A new database gets a new key file.
    #[arg(long, global = true, env = "JIAYUAN_KEY_FILE")]
    key_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the JSON API and the web pages
    Serve(serve::ServeArgs),
    /// Apply pending database migrations
    Migrate,
    /// Fill an empty database with the demo district
    Demo(demo::DemoArgs),
    /// Counts for the whole district or one subtree
    Stats(stats::StatsArgs),
    /// The work report of a territory for a year, from records (md, docx, html, json)
    Report(report::ReportArgs),
    /// Import a ledger (CSV or XLSX by extension)
    Import(ledger::ImportArgs),
    /// Export a ledger (CSV or XLSX by extension)
    Export(ledger::ExportArgs),
    /// Accounts: create, set a password, disable, enable, list
    User {
        #[command(subcommand)]
        cmd: user::UserCmd,
    },
    /// API tokens
    Token {
        #[command(subcommand)]
        cmd: token::TokenCmd,
    },
    /// The key that encrypts ID and phone numbers
    Keys {
        #[command(subcommand)]
        cmd: keys::KeysCmd,
    },
    /// The hash-chained audit log
    Audit {
        #[command(subcommand)]
        cmd: audit::AuditCmd,
    },
    /// China's working-day calendar (2020–2026 bundled; import adds a year)
    Calendar {
        #[command(subcommand)]
        cmd: calendar::CalendarCmd,
    },
    /// Residents' appeals: the clock, rollups, categories, settings, notification channels
    Appeals {
        #[command(subcommand)]
        cmd: appeals::AppealsCmd,
    },
    /// Owners' assembly votes: count a paper vote from a sheet, or a stored vote again
    Vote {
        #[command(subcommand)]
        cmd: vote::VoteCmd,
    },
    /// Community funds: a community's ledger to and from Excel, and its balance checked
    Funds {
        #[command(subcommand)]
        cmd: funds::FundsCmd,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误 error: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 error: {}", support::describe(&e));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let target = Target { db: cli.db, key_file: cli.key_file };
    match cli.command {
        Command::Serve(args) => serve::run(&target, args).await,
        Command::Migrate => {
            let store = target.open().await?;
            let n = store.migrate().await?;
            println!("applied {n} migration(s); schema version {}", store.schema_version().await?);
            Ok(())
        }
        Command::Demo(args) => demo::run(&target, args).await,
        Command::Stats(args) => stats::run(&target, args).await,
        Command::Report(args) => report::run(&target, args).await,
        Command::Import(args) => ledger::import(&target, args).await,
        Command::Export(args) => ledger::export(&target, args).await,
        Command::User { cmd } => user::run(&target, cmd).await,
        Command::Token { cmd } => token::run(&target, cmd).await,
        Command::Keys { cmd } => keys::run(&target, cmd).await,
        Command::Audit { cmd } => audit::run(&target, cmd).await,
        Command::Calendar { cmd } => calendar::run(&target, cmd).await,
        Command::Appeals { cmd } => appeals::run(&target, cmd).await,
        Command::Vote { cmd } => vote::run(&target, cmd).await,
        Command::Funds { cmd } => funds::run(&target, cmd).await,
    }
}
