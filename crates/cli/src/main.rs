//! `jiayuan`: the one binary. Serve the API and pages, and the operator's commands.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use jiayuan_store::crypto::{generate_key, parse_key, Crypto};
use jiayuan_store::demo::Scale;
use jiayuan_store::territory::Subtree;
use jiayuan_store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

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
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Fill an empty database with the demo district first
        #[arg(long)]
        demo: bool,
        /// Demo scale when --demo fills an empty database: seed (the whole district) or small
        #[arg(long, default_value = "seed")]
        scale: String,
    },
    /// Apply pending database migrations
    Migrate,
    /// Fill an empty database with the demo district
    Demo {
        /// seed: the district at the seed's scale; small: one subdistrict, for tests and quick starts
        #[arg(long, default_value = "seed")]
        scale: String,
        #[arg(long, default_value_t = 20261128)]
        seed: u64,
    },
    /// Counts for the whole district or one subtree
    Stats {
        /// Territory code of the subtree
        #[arg(long)]
        territory: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Import a ledger (CSV or XLSX by extension)
    Import { kind: String, file: std::path::PathBuf },
    /// Export a ledger (CSV or XLSX by extension)
    Export {
        kind: String,
        file: std::path::PathBuf,
        /// Only this subtree
        #[arg(long)]
        territory: Option<String>,
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
            eprintln!("错误 error: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, and for a bad ledger every bad row.
fn describe(e: &anyhow::Error) -> String {
    if let Some(StoreError::Ledger(rows)) = e.downcast_ref::<StoreError>() {
        let mut s = format!("台账有 {} 处错误，未写入任何数据 (ledger rejected, nothing written):", rows.len());
        for r in rows.iter().take(200) {
            s.push_str(&format!("\n  第{}行 row {} [{}]: {}", r.row, r.row, r.column, r.message));
        }
        if rows.len() > 200 {
            s.push_str(&format!("\n  … and {} more", rows.len() - 200));
        }
        return s;
    }
    format!("{e:#}")
}

/// Opens the database with the operator's key (see `--key-file`). A key file is created only
/// for a database that has no personal information encrypted yet.
async fn open(db: &str, key_file: Option<&Path>) -> Result<Store> {
    let connect = |crypto| async move {
        Store::connect(db, crypto).await.with_context(|| format!("cannot open database {}", redact(db)))
    };
    if let Ok(hex) = std::env::var("JIAYUAN_KEY") {
        let key = parse_key(&hex).map_err(|e| anyhow::anyhow!("JIAYUAN_KEY: {e}"))?;
        return connect(Crypto::new(&key)).await;
    }
    let path = key_file.map(Path::to_path_buf).unwrap_or_else(|| default_key_path(db));
    if path.exists() {
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read key file {}", path.display()))?;
        let key = parse_key(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        return connect(Crypto::new(&key)).await;
    }
    // No key yet: only a database without encrypted data may get a new one.
    let probe = connect(Crypto::new(&[0u8; 32])).await?;
    if probe.stored_key_check().await?.is_some() {
        bail!(
            "密钥文件 {} 不存在 (key file not found): this database's ID and phone numbers are encrypted; \
             give its key with --key-file or JIAYUAN_KEY",
            path.display()
        );
    }
    let hex = generate_key();
    write_key_file(&path, &hex)?;
    eprintln!(
        "已生成密钥文件 new key file {}: keep it safe and backed up; without it ID and phone numbers cannot be read",
        path.display()
    );
    let key = parse_key(&hex).map_err(|e| anyhow::anyhow!(e))?;
    Ok(Store { db: probe.db, crypto: std::sync::Arc::new(Crypto::new(&key)) })
}

fn default_key_path(db: &str) -> PathBuf {
    match db.strip_prefix("sqlite://").or_else(|| db.strip_prefix("sqlite:")) {
        Some(rest) if !rest.starts_with(":memory:") => {
            let file = rest.split('?').next().unwrap_or(rest);
            PathBuf::from(format!("{file}.key"))
        }
        _ => PathBuf::from("jiayuan.key"),
    }
}

fn write_key_file(path: &Path, hex: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).with_context(|| format!("cannot create key file {}", path.display()))?;
    writeln!(f, "{hex}").with_context(|| format!("cannot write key file {}", path.display()))?;
    Ok(())
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..s], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn parse_scale(s: &str) -> Result<Scale> {
    Scale::parse(s).with_context(|| format!("--scale must be small or seed, not {s:?}"))
}

fn progress_bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

async fn demo(store: &Store, scale: Scale, seed: u64) -> Result<()> {
    let started = Instant::now();
    let pb = progress_bar(0, "生成演示数据 demo");
    let summary = store
        .generate_demo(scale, seed, &|done, total| {
            pb.set_length(total);
            pb.set_position(done);
        })
        .await?;
    pb.finish_and_clear();
    eprintln!(
        "演示数据已生成 demo district written: {} people in {} communities, {:.1}s",
        summary.people,
        summary.communities.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Migrate => {
            let store = open(&cli.db, cli.key_file.as_deref()).await?;
            let n = store.migrate().await?;
            println!("applied {n} migration(s); schema version {}", store.schema_version().await?);
        }
        Command::Demo { scale, seed } => {
            let scale = parse_scale(&scale)?;
            let store = open(&cli.db, cli.key_file.as_deref()).await?;
            store.migrate().await?;
            demo(&store, scale, seed).await?;
        }
        Command::Stats { territory, json } => {
            let store = open(&cli.db, cli.key_file.as_deref()).await?;
            store.check_schema().await?;
            let (within, label) = match territory {
                Some(code) => {
                    let t = store.territory_by_ref(&code).await.map_err(|e| match e {
                        StoreError::NotFound => {
                            anyhow::anyhow!("--territory: no territory with code {code}")
                        }
                        e => e.into(),
                    })?;
                    (Subtree::of(&t.path), format!("{} {}", t.code, t.name))
                }
                None => (Subtree::all(), "全区 whole database".to_string()),
            };
            let st = store.stats(&within).await?;
            if json {
                println!("{}", serde_json::to_string(&st)?);
            } else {
                println!("{label}");
                let v = serde_json::to_value(&st)?;
                if let Some(obj) = v.as_object() {
                    for (k, v) in obj {
                        println!("  {k:<22} {v}");
                    }
                }
            }
        }
        Command::Serve { addr, demo: with_demo, scale } => {
            let scale = parse_scale(&scale)?;
            let store = open(&cli.db, cli.key_file.as_deref()).await?;
            store.migrate().await?;
            if with_demo && store.is_empty().await? {
                demo(&store, scale, 20261128).await?;
            }
            let listener =
                tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("cannot listen on {addr}"))?;
            let local = listener.local_addr()?;
            println!("家园 Jiayuan serving on http://{local}/");
            if with_demo {
                println!("演示数据 demo district: http://{local}/territories");
                println!("演示账号 demo logins: none yet; pages and API are open on this loopback address until sign-in arrives (issue 3)");
            }
            jiayuan_web::serve(listener, jiayuan_web::AppState::new(store)).await?;
        }
        Command::Import { kind, file } => {
            let store = open(&cli.db, cli.key_file.as_deref()).await?;
            store.migrate().await?;
            let kind = jiayuan_store::ledger::LedgerKind::parse(&kind)
                .with_context(|| format!("KIND must be one of {}", jiayuan_store::ledger::LedgerKind::names()))?;
            let started = Instant::now();
            let pb = progress_bar(0, "导入 import");
            let report = store
                .import_ledger(kind, &file, &|done, total| {
                    pb.set_length(total);
                    pb.set_position(done);
                })
                .await?;
            pb.finish_and_clear();
            println!(
                "导入完成 imported {}: {} rows read, {} created, {} updated, {} unchanged ({:.1}s)",
                kind.as_str(),
                report.rows,
                report.created,
                report.updated,
                report.unchanged,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Export { kind, file, territory } => {
            let store = open(&cli.db, cli.key_file.as_deref()).await?;
            store.check_schema().await?;
            let kind = jiayuan_store::ledger::LedgerKind::parse(&kind)
                .with_context(|| format!("KIND must be one of {}", jiayuan_store::ledger::LedgerKind::names()))?;
            let within = match territory {
                Some(code) => Subtree::of(
                    &store
                        .territory_by_ref(&code)
                        .await
                        .map_err(|_| anyhow::anyhow!("--territory: no territory with code {code}"))?
                        .path,
                ),
                None => Subtree::all(),
            };
            let started = Instant::now();
            let spinner = ProgressBar::new_spinner();
            spinner.set_message(format!("导出 export {} …", kind.as_str()));
            spinner.enable_steady_tick(std::time::Duration::from_millis(200));
            let n = store.export_ledger(kind, &file, &within).await;
            spinner.finish_and_clear();
            let n = n?;
            println!(
                "导出完成 exported {n} {} rows to {} ({:.1}s)",
                kind.as_str(),
                file.display(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
