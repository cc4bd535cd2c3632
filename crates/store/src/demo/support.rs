//! A year of community funds for the demo district, written through the same calls the ledger
//! page uses and deterministic by the seed: each community's special fund in January, support
//! from 双报到 units, crowdfunding, social organisations and public income through the year,
//! and spending — each with a receipt image — on the community's activities, venture projects
//! and appeals and on other service; a mistake reversed and recorded again; spending above the
//! approval amount approved by the secretary, and one still waiting for the demo's secretary.

use super::{demo_epoch, Scale};
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::fetch_all;
use crate::support::{NewEntry, ReceiptFile};
use crate::{new_id, Result, Store};
use chrono::{Datelike, Duration, NaiveDate};
use jiayuan_domain::fund::{Direction, Purpose, Source};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// The demo's receipt image (a drawn slip; the real ones are photographs).
const RECEIPT_PNG: &[u8] = include_bytes!("receipt.png");

const UNITS: &[&str] = &["区供电公司", "区人民医院", "区税务局", "烟台银行牟平支行", "区实验中学"];
const DONORS: &[&str] = &["王建国", "李秀英", "张志强", "刘桂兰", "陈明", "杨丽华", "赵国庆", "孙玉梅"];
const SPEND_OTHER: &[&str] =
    &["服务站便民药箱补充", "党群服务中心饮水设备维护", "独居老人应急呼叫器电池更换", "社区议事厅桌椅维修"];

/// What the demo's year of funds came to.
#[derive(Debug, Default, Clone)]
pub struct FundSummary {
    pub entries: usize,
}

impl Store {
    /// Writes the demo's year of fund entries (the calendar year of the demo's clock, up to it).
    pub async fn generate_demo_funds(&self, scale: Scale, seed: u64) -> Result<FundSummary> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xf0_2026);
        let (who, ctx) = (Principal::operator(), AuditCtx::operator("demo"));
        let now = demo_epoch();
        let today = jiayuan_domain::time::beijing(now).date();
        let year = today.year();
        let jan = |d: i64| NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today) + Duration::days(d);
        let days_in = (today - jan(0)).num_days().max(30);
        let mut sum = FundSummary::default();
        let communities: Vec<(Uuid, String, String)> =
            fetch_all(&self.db, "SELECT id, code, path FROM territories WHERE kind = 'community' ORDER BY code", &[])
                .await?;
        let dir = self.media_dir().join("receipts");
        // The images are a convenience: without a writable media folder the entries still stand.
        let files = std::fs::create_dir_all(&dir).is_ok();
        let special = self.special_fund_amount(year).await?;
        for (k, (cid, code, path)) in communities.iter().enumerate() {
            let entry = |direction,
                         source,
                         purpose,
                         purpose_id,
                         fen: i64,
                         day: NaiveDate,
                         summary: String,
                         cp: &str,
                         person| NewEntry {
                territory: code.clone(),
                direction,
                source,
                purpose,
                purpose_id,
                amount_fen: fen,
                occurred_on: day.min(today),
                summary,
                counterparty: cp.to_string(),
                counterparty_is_person: person,
                receipt: None,
                voucher: String::new(),
            };
            let grant = entry(
                Direction::Income,
                Some(Source::SpecialFund),
                None,
                None,
                special,
                jan(4),
                format!("{year}年为民服务专项经费"),
                "区委组织部",
                false,
            );
            self.record_fund_entry(&ctx, &who, &grant, now).await?;
            sum.entries += 1;
            // The year's other income and spending, in the order of their days.
            let mut plan: Vec<(i64, NewEntry)> = Vec::new();
            for _ in 0..4 {
                let d = rng.gen_range(10..days_in);
                let unit = UNITS[rng.gen_range(0..UNITS.len())];
                let fen = rng.gen_range(50..200) * 10_000;
                plan.push((
                    d,
                    entry(
                        Direction::Income,
                        Some(Source::UnitSupport),
                        None,
                        None,
                        fen,
                        jan(d),
                        "双报到单位支持社区服务".into(),
                        unit,
                        false,
                    ),
                ));
            }
            for _ in 0..6 {
                let d = rng.gen_range(10..days_in);
                let donor = DONORS[rng.gen_range(0..DONORS.len())];
                let fen = rng.gen_range(5..30) * 10_000;
                plan.push((
                    d,
                    entry(
                        Direction::Income,
                        Some(Source::Crowdfunding),
                        None,
                        None,
                        fen,
                        jan(d),
                        "党员群众众筹：楼道微更新".into(),
                        donor,
                        true,
                    ),
                ));
            }
            for _ in 0..2 {
                let d = rng.gen_range(10..days_in);
                let fen = rng.gen_range(100..300) * 10_000;
                plan.push((
                    d,
                    entry(
                        Direction::Income,
                        Some(Source::SocialOrg),
                        None,
                        None,
                        fen,
                        jan(d),
                        "社会组织配套投入".into(),
                        "社工服务中心",
                        false,
                    ),
                ));
            }
            for q in 0..4 {
                let d = (q * days_in / 4 + 20).min(days_in);
                let fen = rng.gen_range(20..80) * 10_000;
                plan.push((
                    d,
                    entry(
                        Direction::Income,
                        Some(Source::PublicIncome),
                        None,
                        None,
                        fen,
                        jan(d),
                        "公共用房租金收益".into(),
                        "物业服务企业",
                        false,
                    ),
                ));
            }
            // Spending on what the community did this year.
            let activities: Vec<(Uuid, chrono::DateTime<chrono::Utc>)> = fetch_all(
                &self.db,
                "SELECT id, starts_at FROM activities WHERE territory_id = $1 AND status <> 'cancelled' AND starts_at < $2 AND starts_at >= $3
                 ORDER BY starts_at",
                &[(*cid).into(), now.into(), jiayuan_domain::time::from_beijing(jan(0).and_hms_opt(0, 0, 0).unwrap_or_default()).into()],
            )
            .await?;
            let projects: Vec<(Uuid,)> = fetch_all(
                &self.db,
                "SELECT id FROM venture_projects WHERE territory_id = $1 AND status <> 'applied' ORDER BY applied_at",
                &[(*cid).into()],
            )
            .await?;
            let appeals: Vec<(Uuid,)> = fetch_all(
                &self.db,
                "SELECT id FROM appeals WHERE path >= $1 AND path < $2 ORDER BY id LIMIT 3",
                &crate::subtree::Subtree::of(path).bounds(),
            )
            .await?;
            let spends = if scale == Scale::Seed { 30 } else { 12 };
            let step = (activities.len() / spends).max(1);
            for (i, (aid, at)) in activities.iter().step_by(step).take(spends).enumerate() {
                let d = (jiayuan_domain::time::beijing(*at).date() - jan(0)).num_days().max(5);
                let fen = rng.gen_range(3..48) * 10_000;
                let summary = if i % 3 == 0 { "活动物料与茶歇" } else { "活动场地布置与宣传" };
                plan.push((
                    d,
                    entry(
                        Direction::Expense,
                        None,
                        Some(Purpose::Activity),
                        Some(*aid),
                        fen,
                        jan(d),
                        summary.into(),
                        "社区便民超市",
                        false,
                    ),
                ));
            }
            for (pid,) in projects.iter().take(2) {
                let d = rng.gen_range(60..days_in);
                plan.push((
                    d,
                    entry(
                        Direction::Expense,
                        None,
                        Some(Purpose::Project),
                        Some(*pid),
                        rng.gen_range(10..45) * 10_000,
                        jan(d),
                        "创投项目社区配套经费".into(),
                        "社工服务中心",
                        false,
                    ),
                ));
            }
            for (aid,) in &appeals {
                let d = rng.gen_range(30..days_in);
                plan.push((
                    d,
                    entry(
                        Direction::Expense,
                        None,
                        Some(Purpose::Appeal),
                        Some(*aid),
                        rng.gen_range(2..20) * 10_000,
                        jan(d),
                        "诉求办理：公共设施小修".into(),
                        "维修师傅",
                        false,
                    ),
                ));
            }
            for _ in 0..3 {
                let d = rng.gen_range(15..days_in);
                let what = SPEND_OTHER[rng.gen_range(0..SPEND_OTHER.len())];
                plan.push((
                    d,
                    entry(
                        Direction::Expense,
                        None,
                        Some(Purpose::Other),
                        None,
                        rng.gen_range(2..30) * 10_000,
                        jan(d),
                        what.into(),
                        "社区便民超市",
                        false,
                    ),
                ));
            }
            // One larger purchase the secretary approved, and (in the first community) one waiting.
            let d = rng.gen_range(90..days_in);
            plan.push((
                d,
                entry(
                    Direction::Expense,
                    None,
                    Some(Purpose::Other),
                    None,
                    1_280_000,
                    jan(d),
                    "党群服务中心适老化改造".into(),
                    "装修公司",
                    false,
                ),
            ));
            plan.sort_by_key(|p| p.0);
            let mut last_spend = None;
            for (_, mut e) in plan {
                if e.direction == Direction::Expense {
                    e.receipt = Some(self.demo_receipt(&ctx, &who, code, &dir, files, now).await?);
                }
                let posted = self.record_fund_entry(&ctx, &who, &e, now).await?;
                if posted.status() == jiayuan_domain::fund::EntryStatus::Pending {
                    self.decide_fund_entry(&ctx, &who, posted.id, true, "同意，按规定采购", now).await?;
                }
                if e.direction == Direction::Expense && e.purpose == Some(Purpose::Activity) {
                    last_spend = Some((posted.id, e.clone()));
                }
                sum.entries += 1;
            }
            // A typing mistake: reversed, then recorded right.
            if let Some((id, mut e)) = last_spend {
                self.reverse_fund_entry(&ctx, &who, id, "金额录入错误", now).await?;
                e.amount_fen = (e.amount_fen / 10).max(100);
                e.receipt = Some(self.demo_receipt(&ctx, &who, code, &dir, files, now).await?);
                self.record_fund_entry(&ctx, &who, &e, now).await?;
                sum.entries += 2;
            }
            if k == 0 {
                let mut waiting = entry(
                    Direction::Expense,
                    None,
                    Some(Purpose::Other),
                    None,
                    860_000,
                    today,
                    "冬季独居老人取暖补贴".into(),
                    "社区便民超市",
                    false,
                );
                waiting.receipt = Some(self.demo_receipt(&ctx, &who, code, &dir, files, now).await?);
                self.record_fund_entry(&ctx, &who, &waiting, now).await?;
                sum.entries += 1;
            }
        }
        Ok(sum)
    }

    async fn demo_receipt(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        code: &str,
        dir: &std::path::Path,
        files: bool,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Uuid> {
        use sha2::{Digest, Sha256};
        let sha256 = Sha256::digest(RECEIPT_PNG).iter().map(|b| format!("{b:02x}")).collect();
        let f = ReceiptFile { id: new_id(), content_type: "image/png".into(), size: RECEIPT_PNG.len() as i64, sha256 };
        if files {
            let _ = std::fs::write(dir.join(f.id.to_string()), RECEIPT_PNG);
        }
        self.add_fund_receipt(ctx, who, code, &f, now).await
    }
}
