//! The owners' assembly count over a 10,000-part compound (issue 11's budget: 50 ms).
//! `cargo bench -p jiayuan-domain --bench tally` prints the median and the 90th percentile
//! of 60 counts, after 5 to warm up. A plain harness: the figure is printed, not asserted.

use jiayuan_domain::vote::{tally, Choice, Matter, PartKind, PartVote, Rules};
use jiayuan_domain::Area;
use std::time::Instant;

/// 10,000 parts: one owner in twenty holds a second flat, 300 developer-held parts, 800
/// parking spaces; two thirds agree, a sixth oppose, a twentieth abstain, the rest silent.
fn compound() -> Vec<PartVote> {
    (0..10_000u32)
        .map(|i| {
            let kind = if i < 300 {
                PartKind::Developer
            } else if i < 1_100 {
                PartKind::Parking
            } else if i % 50 == 0 {
                PartKind::Commercial
            } else {
                PartKind::Residential
            };
            let owner = match kind {
                PartKind::Developer => "developer".to_string(),
                _ if i % 20 == 1 => format!("o{}", i - 1),
                _ => format!("o{i}"),
            };
            let choice = match (kind, i % 60) {
                (PartKind::Developer, _) => Some(Choice::Oppose),
                (_, 0..=39) => Some(Choice::Agree),
                (_, 40..=49) => Some(Choice::Oppose),
                (_, 50..=52) => Some(Choice::Abstain),
                _ => None,
            };
            PartVote {
                part: format!("{}-{}-{}", i / 1000, (i / 100) % 10, i % 100),
                owner,
                area: Area(6_000 + (i as i64 * 37) % 9_000),
                kind,
                delivered: kind != PartKind::Developer,
                choice,
                served: i % 3 != 0,
            }
        })
        .collect()
}

fn main() {
    let mut parts = compound();
    // One owner, one answer: the second flat answers as the first.
    let first: std::collections::HashMap<String, Option<Choice>> =
        parts.iter().rev().map(|p| (p.owner.clone(), p.choice)).collect();
    for p in parts.iter_mut() {
        p.choice = first[&p.owner];
    }
    for (name, rules) in [
        ("default rules", Rules::default()),
        (
            "parking counted, silent votes follow",
            Rules { count_parking: true, silent_follows_majority: true, ..Rules::default() },
        ),
    ] {
        let mut times = Vec::new();
        let mut last = None;
        for i in 0..65 {
            let t0 = Instant::now();
            let t = tally(Matter::RaiseFunds, rules, &parts).expect("a valid compound");
            let dt = t0.elapsed();
            if i >= 5 {
                times.push(dt.as_secs_f64() * 1000.0);
            }
            last = Some(t);
        }
        times.sort_by(|a, b| a.total_cmp(b));
        let t = last.unwrap();
        println!(
            "tally of {} parts ({name}): median {:.2} ms, p90 {:.2} ms ({} owners, passed: {})",
            parts.len(),
            times[times.len() / 2],
            times[times.len() * 9 / 10],
            t.total.headcount,
            t.passed
        );
    }
}
