//! What the commands share: opening the database with the operator's key, progress bars,
//! the operator's audit entries and how store errors read at the command line.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use jiayuan_store::audit::{AuditCtx, AuditEvent};
use jiayuan_store::crypto::{generate_key, parse_key, Crypto};
use jiayuan_store::{Store, StoreError, Workload};
use std::path::{Path, PathBuf};

/// The database a command works on and where its key is (the global `--db`, `--key-file`).
pub struct Target {
    pub db: String,
    pub key_file: Option<PathBuf>,
}

impl Target {
    /// Opens the database with the operator's key (see `--key-file`). A key file is created
    /// only for a database that has no personal information encrypted yet.
    pub async fn open(&self) -> Result<Store> {
        self.open_for(Workload::Serve).await
    }

    /// [`Target::open`] tuned for a workload (the demo writes as [`Workload::BulkWrite`]).
    pub async fn open_for(&self, workload: Workload) -> Result<Store> {
        let db = self.db.as_str();
        let connect = |crypto| async move {
            Store::connect_for(db, crypto, workload)
                .await
                .with_context(|| format!("cannot open database {}", redact(db)))
        };
        if let Ok(hex) = std::env::var("JIAYUAN_KEY") {
            let key = parse_key(&hex).map_err(|e| anyhow::anyhow!("JIAYUAN_KEY: {e}"))?;
            return connect(Crypto::new(&key)).await;
        }
        let path = self.key_path();
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

    /// `--key-file`, else the SQLite file's path + ".key", else ./jiayuan.key.
    pub fn key_path(&self) -> PathBuf {
        if let Some(k) = &self.key_file {
            return k.clone();
        }
        match self.db.strip_prefix("sqlite://").or_else(|| self.db.strip_prefix("sqlite:")) {
            Some(rest) if !rest.starts_with(":memory:") => {
                let file = rest.split('?').next().unwrap_or(rest);
                PathBuf::from(format!("{file}.key"))
            }
            _ => PathBuf::from("jiayuan.key"),
        }
    }
}

pub fn write_key_file(path: &Path, hex: &str) -> Result<()> {
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

pub fn progress_bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

pub fn parse_day(s: &str, field: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow::anyhow!("{field}: “{s}”不是 YYYY-MM-DD 日期 (not a date)"))
}

/// A territory named by `--flag CODE`, or an error naming the flag.
pub async fn territory(store: &Store, flag: &str, code: &str) -> Result<jiayuan_store::model::Territory> {
    store.territory_by_ref(code).await.map_err(|e| match e {
        StoreError::NotFound => anyhow::anyhow!("{flag}: no territory with code {code}"),
        e => e.into(),
    })
}

/// A user named by `field`, or an error naming it.
pub async fn user(store: &Store, field: &str, name: &str) -> Result<jiayuan_store::accounts::User> {
    store.user_by_name(name).await.map_err(|e| match e {
        StoreError::NotFound => anyhow::anyhow!("{field}: 没有用户 {name} (no such user)"),
        e => e.into(),
    })
}

/// Records what the operator did at the command line.
pub async fn operator_audit(store: &Store, command: &str, object: &str, summary: serde_json::Value) -> Result<()> {
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

/// A store refusal as "field: reason".
pub fn field_error(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(f) | StoreError::Missing(f) => anyhow::anyhow!("{}: {}", f.field, f.message),
        StoreError::Conflict { field, message } => anyhow::anyhow!("{field}: {message}"),
        e => e.into(),
    }
}

/// The error and its causes, and for a bad ledger every bad row.
pub fn describe(e: &anyhow::Error) -> String {
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
