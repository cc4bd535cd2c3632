//! `jiayuan vote tally FILE`: the owners' assembly count over a paper-vote sheet, by the same
//! engine the votes in the system use, so that a compound voting on paper can have its count
//! checked. Reads the file only; writes nothing.

use anyhow::{bail, Result};
use jiayuan_domain::vote::{self, Count, Matter, Rules, Tally};
use serde_json::json;

#[derive(clap::Subcommand)]
pub enum VoteCmd {
    /// Count a paper vote from a CSV or XLSX sheet with columns part_id, owner_id, area, kind,
    /// delivered, choice (see the README)
    Tally(TallyArgs),
    /// Count a vote held in the system again from its stored ballots, as the API counts it
    Recount {
        /// The vote's id
        id: String,
        /// Print the count as JSON: one object per matter
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
pub struct TallyArgs {
    /// The sheet: .csv or .xlsx
    file: std::path::PathBuf,
    /// Which matter of Civil Code art. 278 (1–9): 6, 7 and 8 need 3/4, the others more than half
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=9))]
    matter: u32,
    /// One buyer owning several parts counts as one owner
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "true|false")]
    multi_part_owner_once: bool,
    /// Parking spaces count as exclusive parts
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, value_name = "true|false")]
    count_parking: bool,
    /// Owners who did not answer follow the majority (every owner in the sheet is taken as served)
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, value_name = "true|false")]
    silent_follows_majority: bool,
    /// Print the count as JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(target: &crate::support::Target, cmd: VoteCmd) -> Result<()> {
    match cmd {
        VoteCmd::Tally(a) => tally_file(a),
        VoteCmd::Recount { id, json } => recount(target, &id, json).await,
    }
}

/// The stored vote counted again from its current ballots, matter by matter.
async fn recount(target: &crate::support::Target, id: &str, json: bool) -> Result<()> {
    let Ok(id) = id.trim().parse::<uuid::Uuid>() else { bail!("“{id}”不是表决编号 (not a vote id)") };
    let store = target.open().await?;
    let v = store.owner_vote(id).await.map_err(|_| anyhow::anyhow!("没有这次表决 (no such vote): {id}"))?;
    let counts = store.tally_owner_vote(id).await?;
    if json {
        let matters: Vec<serde_json::Value> = counts
            .iter()
            .map(|(seq, title, t)| {
                let mut m = as_json(t);
                m["seq"] = json!(seq);
                m["title"] = json!(title);
                m
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&json!({"vote": id, "title": v.title, "matters": matters}))?);
    } else {
        println!("{} ({})", v.title, id);
        for (seq, title, t) in &counts {
            println!("\n第{seq}项 {title}");
            print!("{}", vote::explain(t).join("\n") + "\n");
        }
    }
    Ok(())
}

fn tally_file(a: TallyArgs) -> Result<()> {
    let table = jiayuan_store::ledger::read_table(&a.file)?;
    let parts = match vote::paper_sheet(&table) {
        Ok(p) => p,
        Err(rows) => {
            let mut s = format!("表决表有 {} 处错误，未计票 (the sheet has errors; nothing was counted):", rows.len());
            for r in &rows {
                s.push_str(&format!("\n  第{}行 row {} [{}]: {}", r.row, r.row, r.column, r.message));
            }
            bail!(s);
        }
    };
    let matter = Matter::from_number(a.matter).unwrap_or(Matter::Procedures);
    let rules = Rules {
        multi_part_owner_once: a.multi_part_owner_once,
        developer_as_one: true,
        count_parking: a.count_parking,
        silent_follows_majority: a.silent_follows_majority,
    };
    let t = match vote::tally(matter, rules, &parts) {
        Ok(t) => t,
        Err(problems) => {
            let mut s = format!("无法计票 (cannot count), {} 处:", problems.len());
            for p in &problems {
                s.push_str(&format!("\n  房屋 part {}: {}", p.part, p.message));
            }
            bail!(s);
        }
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&as_json(&t))?);
    } else {
        print!("{}", vote::explain(&t).join("\n") + "\n");
    }
    Ok(())
}

fn count_json(c: Count) -> serde_json::Value {
    json!({"area": c.area.to_string(), "headcount": c.headcount})
}

/// The JSON the README documents: areas as decimal strings with two places.
pub fn as_json(t: &Tally) -> serde_json::Value {
    json!({
        "matter": t.matter.number(),
        "threshold": t.threshold.as_str(),
        "total": count_json(t.total),
        "participating": count_json(t.participating),
        "agree": count_json(t.agree),
        "oppose": count_json(t.oppose),
        "abstain": count_json(t.abstain),
        "silent": count_json(t.silent),
        "quorum_met": t.quorum_met,
        "passed": t.passed,
    })
}
