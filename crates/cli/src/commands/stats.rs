//! `jiayuan stats`: counts for the whole district or one subtree.

use crate::support::{territory, Target};
use anyhow::Result;
use jiayuan_domain::access::Permission;
use jiayuan_store::access::Principal;

#[derive(clap::Args)]
pub struct StatsArgs {
    /// Territory code of the subtree
    #[arg(long)]
    territory: Option<String>,
    #[arg(long)]
    json: bool,
    /// With --to: count what happened in the period (votes, proposals, property matters settled
    /// under a branch's lead, council topics raised and done) instead of all time; YYYY-MM-DD
    #[arg(long, requires = "to")]
    from: Option<chrono::NaiveDate>,
    /// Last day of the period, inclusive; YYYY-MM-DD
    #[arg(long, requires = "from")]
    to: Option<chrono::NaiveDate>,
    /// The calendar year, as --from YYYY-01-01 --to YYYY-12-31
    #[arg(long, conflicts_with_all = ["from", "to"], value_parser = clap::value_parser!(i32).range(1900..=9999))]
    year: Option<i32>,
}

pub async fn run(target: &Target, args: StatsArgs) -> Result<()> {
    let store = target.open().await?;
    store.check_schema().await?;
    let everything = Principal::operator().scope(Permission::ViewTerritory)?;
    let (scope, label) = match &args.territory {
        Some(code) => {
            let t = territory(&store, "--territory", code).await?;
            (everything.narrow(&t)?, format!("{} {}", t.code, t.name))
        }
        None => (everything, "全区 whole database".to_string()),
    };
    let period = match (args.from, args.to, args.year) {
        (_, _, Some(y)) => chrono::NaiveDate::from_ymd_opt(y, 1, 1).zip(chrono::NaiveDate::from_ymd_opt(y, 12, 31)),
        (Some(f), Some(t), None) if t < f => anyhow::bail!("--to {t} is before --from {f}"),
        (Some(f), Some(t), None) => Some((f, t)),
        _ => None,
    };
    let st = match period {
        Some((from, to)) => store.stats_in_period(&scope, from, to).await?,
        None => store.stats(&scope).await?,
    };
    if args.json {
        println!("{}", serde_json::to_string(&st)?);
        return Ok(());
    }
    println!("{label}");
    if let Some(obj) = serde_json::to_value(&st)?.as_object() {
        for (k, v) in obj {
            println!("  {k:<22} {v}");
        }
    }
    Ok(())
}
