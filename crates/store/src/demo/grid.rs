//! A year of grid rounds for the demo district, recorded through the same call a grid worker's
//! phone uses (a round of visits sent at once, month by month on a simulated clock) and
//! deterministic by the seed: every household visited about once a period, special-care
//! households (living alone, disabled, low income) by their own frequency, a few findings
//! followed up and, in the last month, some filed as appeals; about one household in twelve
//! left unvisited lately, so the round shows who is due; and grid helpers who joined.

use super::demo_epoch;
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::fetch_all;
use crate::grid::{GridRef, NewHelper, NewVisit};
use crate::{Result, Store};
use chrono::{DateTime, Duration, Utc};
use jiayuan_domain::grid::HelperKind;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use uuid::Uuid;

const FINDINGS: &[(&str, &str)] = &[
    ("楼道堆放杂物，影响通行", "已提醒住户三日内清理"),
    ("老人反映家中水龙头漏水", "已联系物业维修"),
    ("单元门禁损坏", "已报物业，约定明日修复"),
    ("独居老人身体欠佳，需要陪同就医", "已联系志愿服务队"),
];

/// What the demo's year of rounds came to.
#[derive(Debug, Default, Clone)]
pub struct RoundSummary {
    pub visits: usize,
    pub appeals: usize,
}

impl Store {
    /// Writes the demo's year of rounds in every grid, ending at the demo's clock.
    pub async fn generate_demo_rounds(&self, seed: u64) -> Result<RoundSummary> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9e1d_2026);
        let (who, ctx) = (Principal::operator(), AuditCtx::operator("demo"));
        let end = demo_epoch();
        let start = end - Duration::days(365);
        let mut sum = RoundSummary::default();
        let grids: Vec<GridRef> =
            fetch_all(&self.db, "SELECT id, code, name, community_id, path, worker_id FROM grids ORDER BY code", &[])
                .await?;
        let category = self
            .appeal_config()
            .await?
            .categories
            .iter()
            .find(|c| c.code.contains('.') && !c.sensitive)
            .map(|c| c.code.clone());
        for (k, g) in grids.iter().enumerate() {
            let round = self.round(&who, &g.code, start).await?;
            // Visits by month: (month index) -> visits.
            let mut months: BTreeMap<i64, Vec<NewVisit>> = BTreeMap::new();
            for h in &round.households {
                // Special-care frequencies are kept for the last six weeks; before that the
                // demo's workers saw those households monthly, everyone else once a period.
                let every = h.every_days.max(1);
                let strict_from = end - Duration::days(45);
                let gap = |at: DateTime<Utc>| if at < strict_from { every.max(30) } else { every };
                let mut at =
                    start + Duration::days(rng.gen_range(0..gap(start))) + Duration::hours(rng.gen_range(1..9));
                // About one household in twelve has not been seen lately.
                let stop =
                    if rng.gen_ratio(1, 12) { end - Duration::days(every + 10) } else { end - Duration::hours(1) };
                while at < stop {
                    let finding = rng.gen_ratio(1, 40).then(|| FINDINGS[rng.gen_range(0..FINDINGS.len())]);
                    months.entry((at - start).num_days() / 30).or_default().push(NewVisit {
                        household: Some(h.id),
                        place: None,
                        visited_at: Some(at),
                        found: finding.map(|f| f.0.to_string()).unwrap_or_default(),
                        follow_up: finding.map(|f| f.1.to_string()).unwrap_or_default(),
                        appeal_category: None,
                    });
                    // A little before each is due, so the round stays in time.
                    let g = gap(at);
                    let step = (g - 1 - rng.gen_range(0..=g / 10)).max(1);
                    at += Duration::days(step) + Duration::minutes(rng.gen_range(-90..90));
                }
            }
            // The latest month with a finding files its first one as an appeal.
            let last_month = months.iter().rev().find(|(_, v)| v.iter().any(|x| !x.found.is_empty())).map(|(m, _)| *m);
            for (month, mut visits) in months {
                visits.sort_by_key(|v| v.visited_at);
                // One finding a grid becomes an appeal.
                if Some(month) == last_month {
                    if let (Some(v), Some(cat)) = (visits.iter_mut().find(|v| !v.found.is_empty()), category.as_ref()) {
                        v.appeal_category = Some(cat.clone());
                        sum.appeals += 1;
                    }
                }
                for chunk in visits.chunks(crate::grid::MAX_VISITS) {
                    let now: DateTime<Utc> =
                        chunk.iter().filter_map(|v| v.visited_at).max().unwrap_or(end) + Duration::minutes(5);
                    self.record_visits(&ctx, &who, &g.code, chunk, now.min(end)).await?;
                    sum.visits += chunk.len();
                }
            }
            // Two helpers joined each of the first grids: an in-service member and a rider.
            if k < 6 {
                let people: Vec<(Uuid,)> = fetch_all(
                    &self.db,
                    "SELECT id FROM people WHERE home_path >= $1 AND home_path < $2 ORDER BY name_pinyin LIMIT 2",
                    &crate::subtree::Subtree::of(&g.path).bounds(),
                )
                .await?;
                for (i, (p,)) in people.iter().enumerate() {
                    let kind = if i == 0 { HelperKind::InServiceMember } else { HelperKind::NewEmployment };
                    let h = NewHelper {
                        person: *p,
                        kind,
                        joined_on: (start + Duration::days(30)).date_naive(),
                        note: String::new(),
                    };
                    self.add_grid_helper(&ctx, &who, &g.code, &h, end).await?;
                }
            }
        }
        Ok(sum)
    }
}
