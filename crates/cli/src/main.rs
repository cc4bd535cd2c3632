//! `jiayuan`: the one binary. Serve the API and pages, and the operator's commands.

/// mimalloc: the filing path allocates many short-lived buffers, which glibc malloc handled
/// with visible cost under load (see the README's benchmarks).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use jiayuan_store::access::{Principal, Scope};
use jiayuan_store::audit::{AuditCtx, AuditEvent};
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
        /// Mark session cookies Secure (set this when TLS ends at a proxy that does not send
        /// X-Forwarded-Proto: https)
        #[arg(long)]
        secure_cookies: bool,
        /// Let a district administrator set the appeal clock (POST /api/v1/clock): for tests only
        #[arg(long)]
        test_clock: bool,
        /// Where appeal photos are stored (default: beside the database, PATH.media for
        /// SQLite, ./jiayuan-media for PostgreSQL); folders 0700, files 0600
        #[arg(long)]
        media_dir: Option<std::path::PathBuf>,
        /// A reverse proxy (address or CIDR) whose X-Forwarded-For and X-Forwarded-Proto are
        /// believed; repeatable. Without it those headers are ignored.
        #[arg(long = "trusted-proxy", value_name = "CIDR")]
        trusted_proxies: Vec<String>,
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
    /// Accounts: create, set a password, disable, enable, list
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// API tokens
    Token {
        #[command(subcommand)]
        cmd: TokenCmd,
    },
    /// The key that encrypts ID and phone numbers
    Keys {
        #[command(subcommand)]
        cmd: KeysCmd,
    },
    /// The hash-chained audit log
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// China's working-day calendar (2020–2026 bundled; import adds a year)
    Calendar {
        #[command(subcommand)]
        cmd: CalendarCmd,
    },
    /// Residents' appeals: the clock, rollups, categories, settings, notification channels
    Appeals {
        #[command(subcommand)]
        cmd: AppealsCmd,
    },
}

#[derive(Subcommand)]
enum AppealsCmd {
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
        /// building, compound, community, subdistrict or district
        #[arg(long)]
        lowest: String,
        /// The department that handles it there
        #[arg(long)]
        department: Option<String>,
    },
    /// Set a rate formula (response_rate, resolution_rate, satisfaction_rate) or office_hours
    Set { key: String, value: String },
    /// Add a notification channel; a secret, if any, is read from standard input
    NotifyAdd {
        #[arg(long)]
        name: String,
        /// wecom, dingtalk or webhook
        #[arg(long)]
        kind: String,
        #[arg(long)]
        url: String,
        /// Territory code: appeals handled in this subtree
        #[arg(long)]
        scope: String,
        /// Comma-separated events (default create,escalate,return,warn,overdue)
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
        #[arg(long, default_value_t = 20261128)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum CalendarCmd {
    /// Print true or false: is DATE (YYYY-MM-DD) a working day?
    IsWorkday { date: String },
    /// Print the date N working days after DATE (YYYY-MM-DD)
    AddWorkdays { date: String, n: String },
    /// Import a year (or several) in the bundled text format; replaces earlier imports of them
    Import { file: PathBuf },
    /// The years the calendar covers
    Years,
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create an account with one role over a territory. The initial password is read from
    /// standard input (one line) and must be changed at first sign-in.
    Create {
        username: String,
        /// Display name
        #[arg(long)]
        name: String,
        /// Role code, e.g. district_admin, community_secretary (see `jiayuan user roles`)
        #[arg(long)]
        role: String,
        /// Territory code or id the role is held over
        #[arg(long)]
        scope: String,
        /// Resident record id, for the resident role
        #[arg(long)]
        person: Option<String>,
    },
    /// Set a new initial password (read from standard input); the user must change it
    Passwd {
        username: String,
    },
    Disable {
        username: String,
    },
    Enable {
        username: String,
    },
    List,
    /// The roles, where each is held, and what each allows
    Roles,
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Make an API token for a user and print it (shown once)
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Lifetime: 30d, 12h, 90m or never
        #[arg(long, default_value = "90d")]
        expires: String,
    },
}

#[derive(Subcommand)]
enum KeysCmd {
    /// Generate a new key, re-encrypt every ID and phone number with it in one transaction,
    /// and replace the key file (the old key no longer opens the database)
    Rotate {
        /// Where to write the new key; default: replace the current key file
        #[arg(long)]
        new_key_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Check the whole chain; exits non-zero if any entry was edited, inserted or deleted
    Verify,
    /// Write the whole log to a CSV file (this export is itself audited)
    Export { file: PathBuf },
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
    Ok(probe.with_crypto(Crypto::new(&key)))
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

/// Writes the demo in a child process (`jiayuan demo`), so that the memory it takes (about
/// half a gigabyte at seed scale: generated rows, SQLite caches, the allocator's arenas) goes
/// back to the system before the server starts instead of staying with it.
fn demo_in_child(db: &str, key_file: Option<&Path>, scale: Scale) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find this program to run the demo")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["--db", db]);
    if let Some(k) = key_file {
        cmd.arg("--key-file").arg(k);
    }
    let scale = match scale {
        Scale::Seed => "seed",
        Scale::Small => "small",
    };
    cmd.args(["demo", "--scale", scale, "--seed", "20261128"]);
    let status = cmd.status().context("cannot start the demo writer")?;
    if !status.success() {
        bail!("演示数据生成失败 (the demo writer failed: {status})");
    }
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
            let (scope, label) = match territory {
                Some(code) => {
                    let t = store.territory_by_ref(&code).await.map_err(|e| match e {
                        StoreError::NotFound => {
                            anyhow::anyhow!("--territory: no territory with code {code}")
                        }
                        e => e.into(),
                    })?;
                    (Scope::everything().narrow(&t)?, format!("{} {}", t.code, t.name))
                }
                None => (Scope::everything(), "全区 whole database".to_string()),
            };
            let st = store.stats(&scope).await?;
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
        Command::Serve { addr, demo: with_demo, scale, secure_cookies, test_clock, media_dir, trusted_proxies } => {
            let trusted_proxies = jiayuan_web::proxy::TrustedProxies::parse(&trusted_proxies)
                .map_err(|e| anyhow::anyhow!("--trusted-proxy: {e}"))?;
            let scale = parse_scale(&scale)?;
            let store = open(&cli.db, cli.key_file.as_deref()).await?;
            store.migrate().await?;
            if with_demo && store.is_empty().await? {
                demo_in_child(&cli.db, cli.key_file.as_deref(), scale)?;
                // The child wrote settings this process may have read before.
                store.cache.clear();
            }
            let listener =
                tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("cannot listen on {addr}"))?;
            let local = listener.local_addr()?;
            println!("家园 Jiayuan serving on http://{local}/");
            if with_demo {
                println!("演示数据 demo district: http://{local}/login");
                let names: Vec<&str> = jiayuan_store::demo::DEMO_USERS.iter().map(|u| u.username).collect();
                println!(
                    "演示账号 demo logins ({}), password {}",
                    names.join(", "),
                    jiayuan_domain::access::DEMO_PASSWORD
                );
            }
            let clock = if test_clock {
                jiayuan_web::clock::AppClock::settable()
            } else {
                jiayuan_web::clock::AppClock::default()
            };
            if test_clock {
                println!("测试时钟 test clock: POST /api/v1/clock sets \"now\" for appeals");
            }
            let media_dir = media_dir.unwrap_or_else(|| store.media_dir().to_path_buf());
            let state = jiayuan_web::AppState {
                secure_cookies,
                clock,
                media_dir,
                trusted_proxies: std::sync::Arc::new(trusted_proxies),
                ..jiayuan_web::AppState::new(store)
            };
            // The jobs start with the server (the clock catches up at once on what fell due
            // while it was down) and stop with it on SIGTERM or Ctrl-C.
            jiayuan_web::serve(listener, state).await?;
            println!("已停止 stopped");
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
        }
        Command::User { cmd } => {
            let store = open(&cli.db, cli.key_file.as_deref()).await?;
            store.migrate().await?;
            user_command(&store, cmd).await?;
        }
        Command::Token { cmd: TokenCmd::Create { user, name, expires } } => {
            let store = open(&cli.db, cli.key_file.as_deref()).await?;
            store.check_schema().await?;
            let u = store.user_by_name(&user).await.map_err(|e| not_found(e, "--user", &user))?;
            let expires = jiayuan_web::account::parse_expiry(Some(&expires), chrono_now())
                .map_err(|e| anyhow::anyhow!("--expires: {}", e.message))?;
            let (token, _) = store.create_token(&AuditCtx::operator("token create"), &u, &name, expires).await?;
            println!("{token}");
        }
        Command::Keys { cmd: KeysCmd::Rotate { new_key_file } } => {
            rotate_keys(&cli.db, cli.key_file.as_deref(), new_key_file).await?;
        }
        Command::Calendar { cmd } => calendar_command(&cli.db, cli.key_file.as_deref(), cmd).await?,
        Command::Appeals { cmd } => appeals_command(&cli.db, cli.key_file.as_deref(), cmd).await?,
        Command::Audit { cmd } => {
            let store = open(&cli.db, cli.key_file.as_deref()).await?;
            store.check_schema().await?;
            match cmd {
                AuditCmd::Verify => {
                    let r = store.verify_audit().await?;
                    if r.ok() {
                        println!(
                            "审计日志完整 audit log intact: {} entries, head #{} {}",
                            r.entries, r.head_seq, r.head_hash
                        );
                    } else {
                        for p in &r.problems {
                            eprintln!("  {p}");
                        }
                        bail!(
                            "审计日志被篡改 audit log tampered: {} problem(s) in {} entries",
                            r.problems.len(),
                            r.entries
                        );
                    }
                }
                AuditCmd::Export { file } => {
                    let rows = store.all_audit(&Scope::everything(), &Default::default()).await?;
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
        }
    }
    Ok(())
}

fn parse_day(s: &str, field: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow::anyhow!("{field}: “{s}”不是 YYYY-MM-DD 日期 (not a date)"))
}

/// The calendar in use: the bundled years, plus those imported into the database when there
/// is one. Reading it needs no key (it holds no personal information) and never creates a
/// database.
async fn calendar_in_use(db: &str) -> Result<jiayuan_domain::calendar::WorkCalendar> {
    use jiayuan_domain::calendar::WorkCalendar;
    if let Some(path) = db.strip_prefix("sqlite://").or_else(|| db.strip_prefix("sqlite:")) {
        let file = path.split('?').next().unwrap_or(path);
        if file.starts_with(":memory:") || !Path::new(file).exists() {
            return Ok(WorkCalendar::bundled());
        }
    }
    let store = Store::connect(db, Crypto::new(&[0u8; 32])).await?;
    let v = store.schema_version().await?;
    let cal = if (4..=jiayuan_store::schema::SCHEMA_VERSION).contains(&v) {
        store.work_calendar().await?
    } else {
        WorkCalendar::bundled()
    };
    store.close().await;
    Ok(cal)
}

async fn calendar_command(db: &str, key_file: Option<&Path>, cmd: CalendarCmd) -> Result<()> {
    match cmd {
        CalendarCmd::IsWorkday { date } => {
            let d = parse_day(&date, "DATE")?;
            let cal = calendar_in_use(db).await?;
            println!("{}", cal.is_workday(d)?);
        }
        CalendarCmd::AddWorkdays { date, n } => {
            let d = parse_day(&date, "DATE")?;
            let n: u32 = n.trim().parse().map_err(|_| anyhow::anyhow!("N: “{n}”应为非负整数 (a whole number ≥ 0)"))?;
            let cal = calendar_in_use(db).await?;
            println!("{}", cal.add_workdays(d, n)?.format("%Y-%m-%d"));
        }
        CalendarCmd::Import { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let cal = jiayuan_domain::calendar::WorkCalendar::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            if cal.years().next().is_none() {
                bail!("{}: 文件中没有 `year YYYY` 行 (no year declared)", file.display());
            }
            let store = open(db, key_file).await?;
            store.migrate().await?;
            let years = store.import_calendar(&AuditCtx::operator("calendar import"), &cal).await?;
            let years: Vec<String> = years.iter().map(|y| y.to_string()).collect();
            println!("已导入工作日历 calendar imported: {}", years.join(", "));
        }
        CalendarCmd::Years => {
            let cal = calendar_in_use(db).await?;
            let years: Vec<String> = cal.years().map(|y| y.to_string()).collect();
            println!("{}", years.join(" "));
        }
    }
    Ok(())
}

async fn appeals_command(db: &str, key_file: Option<&Path>, cmd: AppealsCmd) -> Result<()> {
    use jiayuan_domain::appeal::category;
    let store = open(db, key_file).await?;
    store.migrate().await?;
    let ctx = |what: &str| AuditCtx::operator(what);
    match cmd {
        AppealsCmd::Count => {
            let (all, open) = store.appeal_totals().await?;
            println!("{all} ({open} open)");
        }
        AppealsCmd::Tick => {
            let r = store.run_appeal_clock(chrono_now()).await?;
            let n = store.roll_up_all_appeals().await?;
            println!(
                "warned {} · overdue {} · escalated {} · failed {} · events rolled up {n}",
                r.warned, r.overdue, r.escalated, r.failed
            );
        }
        AppealsCmd::CategoriesExport { file } => {
            let rows = store.category_rows_of(store.appeal_config().await?.version).await?;
            let out = category::to_tsv(&rows);
            std::fs::write(&file, out).with_context(|| format!("cannot write {}", file.display()))?;
            println!("{} categories written to {}", rows.len(), file.display());
        }
        AppealsCmd::CategoriesImport { file, note } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let rows = category::parse_tsv(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let v = store.write_category_version(&ctx("appeals categories-import"), &rows, &note).await?;
            println!("分类版本 category version {v}: {} categories", rows.len());
        }
        AppealsCmd::Route { category, scope, lowest, department } => {
            let t =
                store.territory_by_ref(&scope).await.map_err(|_| anyhow::anyhow!("--scope: no territory {scope}"))?;
            let lowest = jiayuan_domain::appeal::Level::parse_field(&lowest, "lowest")?;
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
            let n = jiayuan_store::appeals::outbox::NewChannel { name, kind, url, secret, path: scope, events };
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
        AppealsCmd::BenchRollups { appeals, from, days, seed } => {
            let from = parse_day(&from, "--from")?;
            let t = std::time::Instant::now();
            let r = store.generate_bench_rollups(appeals, from, days, seed).await?;
            println!("{} appeals folded into {} rollup rows in {:.1} s", r.appeals, r.rows, t.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn not_found(e: StoreError, field: &str, value: &str) -> anyhow::Error {
    match e {
        StoreError::NotFound => anyhow::anyhow!("{field}: 没有用户 {value} (no such user)"),
        e => e.into(),
    }
}

/// Records what the operator did at the command line.
async fn operator_audit(store: &Store, command: &str, object: &str, summary: serde_json::Value) -> Result<()> {
    store
        .audit(
            &AuditCtx::operator(command),
            AuditEvent {
                scope_path: "/",
                action: &format!("cli.{}", command.replace(' ', "_")),
                object: object.into(),
                summary,
                result: "ok",
            },
        )
        .await?;
    Ok(())
}

/// One line from standard input, without its line ending.
fn read_password() -> Result<String> {
    use std::io::BufRead;
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprint!("密码 password (shown as typed; pipe it in to keep it off screen): ");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
    let pw = line.trim_end_matches(['\n', '\r']).to_string();
    if pw.is_empty() {
        bail!("password: 标准输入中没有密码 (give the password on standard input)");
    }
    Ok(pw)
}

fn field_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(f) | StoreError::Missing(f) => anyhow::anyhow!("{}: {}", f.field, f.message),
        StoreError::Conflict { field, message } => anyhow::anyhow!("{field}: {message}"),
        e => e.into(),
    }
}

async fn user_command(store: &Store, cmd: UserCmd) -> Result<()> {
    let op = Principal::operator();
    let ctx = |c: &str| AuditCtx::operator(&format!("user {c}"));
    match cmd {
        UserCmd::Create { username, name, role, scope, person } => {
            let role = jiayuan_domain::access::Role::parse_field(&role, "--role")
                .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?;
            let person_id = person
                .map(|p| uuid::Uuid::parse_str(p.trim()).map_err(|_| anyhow::anyhow!("--person: not a valid id")))
                .transpose()?;
            let password = read_password()?;
            let n = jiayuan_store::accounts::NewUser { username, display_name: name, password, role, scope, person_id };
            let u = store.create_user(&ctx("create"), &op, &n, true).await.map_err(field_error)?;
            println!(
                "已创建账号 created {} ({}); the password must be changed at first sign-in",
                u.username,
                role.as_str()
            );
        }
        UserCmd::Passwd { username } => {
            let u = store.user_by_name(&username).await.map_err(|e| not_found(e, "username", &username))?;
            let pw = read_password()?;
            store.set_password(&ctx("passwd"), &u, &pw, true).await.map_err(field_error)?;
            println!("已重置密码 password set for {}; it must be changed at next sign-in", u.username);
        }
        UserCmd::Disable { username } => {
            let u = store.user_by_name(&username).await.map_err(|e| not_found(e, "username", &username))?;
            store.set_disabled(&ctx("disable"), &u, true).await?;
            println!("已停用 disabled {}", u.username);
        }
        UserCmd::Enable { username } => {
            let u = store.user_by_name(&username).await.map_err(|e| not_found(e, "username", &username))?;
            store.set_disabled(&ctx("enable"), &u, false).await?;
            println!("已启用 enabled {}", u.username);
        }
        UserCmd::List => {
            for u in store.list_users(&op).await? {
                let grants: Vec<String> =
                    u.grants.iter().map(|g| format!("{}@{}", g.role.as_str(), g.territory_code)).collect();
                let state = if u.user.disabled {
                    "disabled"
                } else if u.user.must_change_password {
                    "initial-password"
                } else {
                    "active"
                };
                println!("{:<16} {:<12} {:<18} {}", u.user.username, state, u.user.display_name, grants.join(" "));
            }
        }
        UserCmd::Roles => {
            for r in jiayuan_domain::access::Role::ALL {
                let kinds: Vec<&str> = r.scope_kinds().iter().map(|k| k.as_str()).collect();
                let perms: Vec<&str> = r.permissions().iter().map(|p| p.as_str()).collect();
                println!("{:<20} {:<22} over {:<12} {}", r.as_str(), r.label_zh(), kinds.join("/"), perms.join(","));
            }
        }
    }
    Ok(())
}

/// `keys rotate`: the new key is written to a file first, the data re-encrypted in one
/// transaction, and only then does the new key file replace the old one.
async fn rotate_keys(db: &str, key_file: Option<&Path>, new_key_file: Option<PathBuf>) -> Result<()> {
    let from_env = std::env::var("JIAYUAN_KEY").is_ok();
    let current = key_file.map(Path::to_path_buf).unwrap_or_else(|| default_key_path(db));
    if from_env && new_key_file.is_none() {
        bail!("--new-key-file: the key comes from JIAYUAN_KEY, so say where the new key should be written");
    }
    if !from_env && !current.exists() {
        bail!("密钥文件 {} 不存在 (key file not found)", current.display());
    }
    let store = open(db, key_file).await?;
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
