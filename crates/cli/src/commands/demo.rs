//! `jiayuan demo`: fill an empty database with the demo district.

use crate::support::{progress_bar, Target};
use crate::values::one_of;
use anyhow::{bail, Context, Result};
use jiayuan_store::demo::Scale;
use jiayuan_store::{Store, Workload};
use std::time::Instant;

/// The seed the demo is written with unless told otherwise.
pub const DEFAULT_SEED: u64 = 20261128;

#[derive(clap::Args)]
pub struct DemoArgs {
    /// seed: the district at the seed's scale; small: one subdistrict, for tests and quick starts
    #[arg(long, default_value = "seed", value_parser = one_of(Scale::ALL, Scale::as_str))]
    scale: Scale,
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Years of community life to write before the demo's date (activities, projects,
    /// solutions, volunteer hours); the community-life benchmark writes 5
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10))]
    life_years: u32,
    /// year: the living year before the demo's date (appeals handled and rated, councils'
    /// topics settled, the desks' matters and consultations), so that the district's report
    /// reproduces the seed's figures; none: skip it for a quick start
    #[arg(long, default_value = "year", value_parser = ["year", "none"])]
    history: String,
}

pub async fn run(target: &Target, args: DemoArgs) -> Result<()> {
    let store = target.open_for(Workload::BulkWrite).await?;
    store.migrate().await?;
    write(target, store, args.scale, args.seed, args.life_years, args.history == "year").await
}

async fn write(target: &Target, store: Store, scale: Scale, seed: u64, life_years: u32, history: bool) -> Result<()> {
    let started = Instant::now();
    let pb = progress_bar(0, "生成演示数据 demo");
    let summary = store
        .generate_demo(scale, seed, &|done, total| {
            pb.set_length(total);
            pb.set_position(done);
        })
        .await?;
    pb.finish_and_clear();
    // The territory's bulk load grew one connection's page cache to a gigabyte, and SQLite
    // walks a cache's whole table each time another connection's write makes it start over:
    // the rest goes through fresh connections (that walk fell from 9.8 % to 2 % of the profile).
    store.close().await;
    let store = target.open_for(Workload::BulkWrite).await?;
    // Each part's time in the log, for whoever tunes the demo.
    let mut lap = started;
    let mut done = |part: &str| {
        tracing::debug!(part, seconds = lap.elapsed().as_secs_f64(), "demo part written");
        lap = Instant::now();
    };
    done("territory, people and organisations");
    // A few councils at work, through the same calls people use.
    store.generate_demo_councils().await?;
    done("councils");
    // A year of community life: activities, fairs, projects, solutions, volunteer hours.
    let life = store.generate_demo_life(scale, seed, life_years).await?;
    done("community life");
    // A year of every community's fund account, on those activities, projects and appeals.
    let funds = store.generate_demo_funds(scale, seed).await?;
    done("funds");
    // A year of grid rounds in every grid, and the helpers who joined the first grids.
    let rounds = store.generate_demo_rounds(seed).await?;
    done("grid rounds");
    // Last year's open recruitment, every grid's worker under management, appraisals, promotions.
    let workers = store.generate_demo_workers(scale, seed).await?;
    done("workers");
    // Every grid's party secretary on file, with their reports and last year's appraisal.
    store.generate_demo_secretaries(seed).await?;
    // Each community's party secretary, and the district's programme for them.
    store.generate_demo_programme(seed).await?;
    done("secretaries and programme");
    // The living year: appeals, councils' topics, the desks' matters, on a simulated clock.
    let mut year = jiayuan_store::demo::HistorySummary::default();
    if history {
        let pb = progress_bar(0, "演示年度记录 the demo's year");
        year = store
            .generate_demo_history(scale, seed, &|done, total| {
                pb.set_length(total);
                pb.set_position(done);
            })
            .await?;
        pb.finish_and_clear();
        done("the year");
    }
    // The planner's statistics for what is served from here on.
    store.refresh_statistics().await?;
    eprintln!(
        "演示数据已生成 demo district written: {} people in {} communities, {} activities, {} fund entries, {} grid visits, {} community workers recruited, {} appeals, {} council topics, {} desk matters, {} consultations, {} property decisions ({} passed, {} ballots), {} appointments, {:.1}s",
        summary.people,
        summary.communities.len(),
        life.activities,
        funds.entries,
        rounds.visits,
        workers.recruited,
        year.appeals,
        year.topics,
        year.tickets,
        year.consultations,
        year.decisions,
        year.decisions_passed,
        year.ballots,
        year.bookings,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes the demo in a child process (`jiayuan demo`), so that the memory it takes (about
/// half a gigabyte at seed scale: generated rows, SQLite caches, the allocator's arenas) goes
/// back to the system before the server starts instead of staying with it.
pub fn write_in_child(target: &Target, scale: Scale) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find this program to run the demo")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["--db", &target.db]);
    if let Some(k) = &target.key_file {
        cmd.arg("--key-file").arg(k);
    }
    cmd.args(["demo", "--scale", scale.as_str(), "--seed", &DEFAULT_SEED.to_string()]);
    let status = cmd.status().context("cannot start the demo writer")?;
    if !status.success() {
        bail!("演示数据生成失败 (the demo writer failed: {status})");
    }
    Ok(())
}
