//! `jiayuan calendar`: China's working-day calendar (2020–2026 bundled; import adds a year).

use crate::support::{parse_day, Target};
use anyhow::{bail, Context, Result};
use jiayuan_domain::calendar::WorkCalendar;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::crypto::Crypto;
use jiayuan_store::Store;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand)]
pub enum CalendarCmd {
    /// Print true or false: is DATE (YYYY-MM-DD) a working day?
    IsWorkday { date: String },
    /// Print the date N working days after DATE (YYYY-MM-DD)
    AddWorkdays { date: String, n: String },
    /// Import a year (or several) in the bundled text format; replaces earlier imports of them
    Import { file: PathBuf },
    /// The years the calendar covers
    Years,
}

pub async fn run(target: &Target, cmd: CalendarCmd) -> Result<()> {
    match cmd {
        CalendarCmd::IsWorkday { date } => {
            let d = parse_day(&date, "DATE")?;
            let cal = in_use(&target.db).await?;
            println!("{}", cal.is_workday(d)?);
        }
        CalendarCmd::AddWorkdays { date, n } => {
            let d = parse_day(&date, "DATE")?;
            let n: u32 = n.trim().parse().map_err(|_| anyhow::anyhow!("N: “{n}”应为非负整数 (a whole number ≥ 0)"))?;
            let cal = in_use(&target.db).await?;
            println!("{}", cal.add_workdays(d, n)?.format("%Y-%m-%d"));
        }
        CalendarCmd::Import { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let cal = WorkCalendar::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            if cal.years().next().is_none() {
                bail!("{}: 文件中没有 `year YYYY` 行 (no year declared)", file.display());
            }
            let store = target.open().await?;
            store.migrate().await?;
            let years = store.import_calendar(&AuditCtx::operator("calendar import"), &cal).await?;
            let years: Vec<String> = years.iter().map(|y| y.to_string()).collect();
            println!("已导入工作日历 calendar imported: {}", years.join(", "));
        }
        CalendarCmd::Years => {
            let cal = in_use(&target.db).await?;
            let years: Vec<String> = cal.years().map(|y| y.to_string()).collect();
            println!("{}", years.join(" "));
        }
    }
    Ok(())
}

/// The calendar in use: the bundled years, plus those imported into the database when there
/// is one. Reading it needs no key (it holds no personal information) and never creates a
/// database.
async fn in_use(db: &str) -> Result<WorkCalendar> {
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
