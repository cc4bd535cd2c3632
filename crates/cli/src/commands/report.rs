//! `jiayuan report`: the work report of a territory for a year, from records.

use crate::support::Target;
use anyhow::{bail, Context, Result};
use jiayuan_store::access::Principal;
use jiayuan_web::work_report as doc;
use std::io::Write;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Docx,
    Html,
    Json,
}

#[derive(clap::Args)]
pub struct ReportArgs {
    /// Territory code: the district, a subdistrict or a community
    #[arg(long)]
    territory: String,
    /// The calendar year (Beijing time), compared with the year before
    #[arg(long, value_parser = clap::value_parser!(i32).range(2000..=2100))]
    year: i32,
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// Write to this file instead of standard output (required for docx)
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Language of md and html: zh (default) or en
    #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
    lang: String,
}

pub async fn run(target: &Target, args: ReportArgs) -> Result<()> {
    let store = target.open().await?;
    store.check_schema().await?;
    if args.format == Format::Docx && args.out.is_none() {
        bail!("--format docx needs --out FILE (a Word document is not written to a terminal)");
    }
    // The rates come from the appeals' rollups: fold what the server has not folded yet.
    store.roll_up_all_appeals().await?;
    let who = Principal::operator();
    let report = store.work_report(&who, args.territory.trim(), args.year).await.map_err(|e| match e {
        jiayuan_store::StoreError::NotFound => {
            anyhow::anyhow!("--territory: 没有代码为“{}”的区域 (no such territory)", args.territory)
        }
        other => anyhow::anyhow!("{other}"),
    })?;
    let now = chrono::Utc::now();
    let bytes: Vec<u8> = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&doc::to_json(&report))?;
            s.push('\n');
            s.into_bytes()
        }
        Format::Md => doc::to_markdown(&report, now, &args.lang).into_bytes(),
        Format::Html => doc::to_html(&report, now, &args.lang)?.into_bytes(),
        Format::Docx => doc::to_docx(&report, now)?,
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("--out: cannot write {}", path.display()))?;
            eprintln!("工作报告已写入 report written: {} ({} bytes)", path.display(), bytes.len());
        }
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(())
}
