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
    let st = store.stats(&scope).await?;
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
