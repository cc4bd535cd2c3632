//! The demo district's living year (issue 15): residents' appeals filed through every channel
//! and handled at their levels with realistic delays — some late, some escalated, most rated —
//! councils deliberating and settling problems, and the service desks answering and handling
//! matters inside and outside regular hours, most of them rated at the window (好差评).
//! Everything goes through the same store calls as real use, on a simulated clock (each call
//! is given its moment), deterministic by the seed.
//!
//! The year runs from 1 November before the demo's date to the demo's date (2026-11-01), so
//! the calendar year of the demo's date holds the seed's "今年以来" (since the start of this
//! year): at seed scale the district's report for 2026 reproduces the seed's figures — at
//! least each "N+" one, and exactly the outside-hours ones (265 consultations, 354 matters).
//! The small scale writes about a tenth.

use super::{demo_epoch, Scale};
use crate::access::Principal;
use crate::appeals::lifecycle::ActInput;
use crate::appeals::{NewAppeal, Viewer};
use crate::audit::AuditCtx;
use crate::batch::{fetch_all, Value};
use crate::councils::{NewCouncil, NewMeeting, NewMember, NewOutcome, NewTopic};
use crate::service::{NewConsultation, NewRating, NewTicket, RatingTarget, TicketStepInput};
use crate::{new_id, Result, Store};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use jiayuan_domain::access::Role;
use jiayuan_domain::appeal::{Action, Channel, Urgency};
use jiayuan_domain::council::{CouncilKind, Seat, TopicKind};
use jiayuan_domain::service::{Rating, TicketStep};
use jiayuan_domain::time::{beijing, from_beijing};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use uuid::Uuid;

/// What the demo's year came to.
#[derive(Debug, Default, Clone)]
pub struct HistorySummary {
    pub accounts: usize,
    pub appeals: usize,
    pub topics: usize,
    pub tickets: usize,
    pub consultations: usize,
    /// Property decisions put to the owners' assembly, how many passed, and the ballots cast.
    pub decisions: usize,
    pub decisions_passed: usize,
    pub ballots: usize,
    /// Appointments booked at the centres' desks.
    pub bookings: usize,
}

/// Appointments booked at the centres' desks in the year, at seed scale.
const BOOKINGS: usize = 360;

/// The seed's exact figures for the year of the demo's date, written exactly at seed scale.
pub const CONSULTATIONS_OUTSIDE_HOURS: usize = 265;
pub const MATTERS_OUTSIDE_HOURS: usize = 354;

/// Appeals a month at seed scale, by category (code, how many, what residents say).
const APPEALS_A_MONTH: &[(&str, usize, &str)] = &[
    ("neighbour.noise", 70, "楼上装修和夜间噪音影响休息，多次沟通未果"),
    ("neighbour.leak", 45, "楼上卫生间渗水，天花板发霉脱落"),
    ("neighbour.space", 35, "邻居在楼道长期堆放杂物，影响通行"),
    ("family", 95, "家庭成员因赡养老人问题产生矛盾，请社区帮助调解"),
    ("property.repair", 30, "单元门禁损坏，物业迟迟未修"),
    ("property.cleaning", 16, "楼道多日未清扫，垃圾堆积"),
    ("property.parking", 16, "小区内车辆乱停，消防通道被占"),
    ("property.fees", 12, "对物业费收缴标准有疑问，希望公开明细"),
    ("environment.rubbish", 22, "垃圾分类点清运不及时，异味明显"),
    ("environment.greening", 10, "绿化带树木遮挡采光，请求修剪"),
    ("facilities.water", 14, "水压不足，高层住户用水困难"),
    ("facilities.heating", 16, "暖气不热，室温偏低"),
    ("facilities.lift", 10, "电梯频繁故障，老人出行不便"),
    ("order", 10, "小区夜间有陌生人徘徊，希望加强巡逻"),
    ("care", 12, "独居老人需要上门助餐服务"),
    ("other", 8, "希望社区增设便民设施"),
];

const NAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡"];
const GIVEN: &[&str] =
    &["桂兰", "建国", "秀英", "志强", "淑珍", "海燕", "玉梅", "德明", "丽华", "振华", "春梅", "国庆"];

/// Problems councils settle, by kind.
const TOPICS: &[(TopicKind, &str, &str)] = &[
    (TopicKind::Dispute, "邻里漏水纠纷调解", "楼上楼下因渗水维修费用分担产生纠纷，双方请求议事会居中调解。"),
    (TopicKind::Dispute, "楼道噪音纠纷", "住户反映邻居夜间噪音，双方多次争执。"),
    (TopicKind::Livelihood, "楼道堆物清理", "楼道长期堆放杂物，影响通行和消防安全。"),
    (TopicKind::Livelihood, "加装楼道扶手", "楼内老人较多，上下楼不便，希望加装扶手。"),
    (TopicKind::Livelihood, "晾晒区设置", "居民希望在空地设置集中晾晒区。"),
    (TopicKind::Livelihood, "非机动车充电桩", "电动车飞线充电隐患大，希望增设充电桩。"),
    (TopicKind::Livelihood, "老年助餐点选址", "独居老人较多，希望就近设置助餐点。"),
    (TopicKind::Property, "地下车库照明改造", "车库照明老化，夜间光线不足。"),
    (TopicKind::Property, "小区停车秩序整治", "车辆乱停占用消防通道，需物业和业委会共同治理。"),
    (TopicKind::Property, "公共收益使用公示", "业主希望公开广告位和停车位收益的使用情况。"),
];

fn person_name(rng: &mut ChaCha8Rng) -> String {
    format!("{}{}", NAMES.choose(rng).unwrap_or(&"王"), GIVEN.choose(rng).unwrap_or(&"建国"))
}

fn phone(rng: &mut ChaCha8Rng) -> String {
    format!("1{}{:08}", [38, 39, 58, 59, 86, 87].choose(rng).unwrap_or(&38), rng.gen_range(0..100_000_000u32))
}

/// A moment in Beijing time on `day`, between `from` and `to` o'clock.
fn at(rng: &mut ChaCha8Rng, day: NaiveDate, from: u32, to: u32) -> DateTime<Utc> {
    let minutes = rng.gen_range(from * 60..to * 60);
    from_beijing(day.and_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or_default())
}

/// One planned step of an appeal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    File,
    Accept,
    Escalate,
    Resolve,
    Verify,
    Rate(u8),
}

struct AppealPlan {
    category: &'static str,
    words: &'static str,
    place: String,
    channel: Channel,
}

impl Store {
    /// Writes the demo's living year. Call after [`Store::generate_demo`] and the other demo
    /// writers; `progress(done, total)` is told how far it has come.
    pub async fn generate_demo_history(
        &self,
        scale: Scale,
        seed: u64,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<HistorySummary> {
        let mut sum = HistorySummary { accounts: self.demo_staff_accounts().await?, ..Default::default() };
        let end = demo_epoch();
        let start = Utc.with_ymd_and_hms(end.year() - 1, 10, 31, 16, 0, 0).single().unwrap_or(end);

        // Places: buildings (for appeals), compounds (for councils), the points (for the desk).
        let buildings: Vec<(String, String)> =
            fetch_all(&self.db, "SELECT code, path FROM territories WHERE kind = 'building' ORDER BY path", &[])
                .await?;
        let compounds: Vec<(String, String)> =
            fetch_all(&self.db, "SELECT code, name FROM territories WHERE kind = 'compound' ORDER BY path", &[])
                .await?;
        if buildings.is_empty() || compounds.is_empty() {
            return Ok(sum);
        }

        // Three parts that do not touch each other, each with its own random stream so that
        // what each writes does not depend on the others. Written one after another: side by
        // side they only wait for SQLite's one writer (measured slower: 150 s against 137 s).
        let mut appeal_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4815_2026);
        let mut council_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1623_2026);
        let mut desk_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4200_2026);
        let mut decision_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0278_2026);
        let mut booking_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0930_2026);
        let appeals = self.demo_appeal_year(&mut appeal_rng, scale, &buildings, start, end, progress).await?;
        let topics = self.demo_council_year(&mut council_rng, scale, &compounds, start, end).await?;
        let (tickets, consultations) = self.demo_desk_year(&mut desk_rng, scale, start, end).await?;
        let assemblies = self.demo_decision_year(&mut decision_rng, scale, start, end).await?;
        sum.bookings = self.demo_booking_year(&mut booking_rng, scale, start, end).await?;
        sum.appeals = appeals;
        sum.topics = topics;
        sum.tickets = tickets;
        sum.consultations = consultations;
        sum.decisions = assemblies.decisions;
        sum.decisions_passed = assemblies.passed;
        sum.ballots = assemblies.ballots;
        Ok(sum)
    }

    /// The appeals' year: filed through every channel and handled on the simulated clock.
    async fn demo_appeal_year(
        &self,
        rng: &mut ChaCha8Rng,
        scale: Scale,
        buildings: &[(String, String)],
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<usize> {
        let share = |n: usize| if scale == Scale::Seed { n } else { n.div_ceil(10) };
        let mut filed_count = 0usize;
        // The appeals' year: filings planned first, then played in time order with the clock,
        // each step planning the next from the deadlines the appeal was given.
        let first = beijing(start).date();
        let months: Vec<NaiveDate> =
            (0..12).map(|i| first.checked_add_months(chrono::Months::new(i)).unwrap_or(first)).collect();
        let mut plans: Vec<AppealPlan> = Vec::new();
        let mut queue: BinaryHeap<Reverse<(DateTime<Utc>, usize, Step)>> = BinaryHeap::new();
        for month in &months {
            let days = (month.checked_add_months(chrono::Months::new(1)).unwrap_or(*month) - *month).num_days();
            for (category, n, words) in APPEALS_A_MONTH {
                for _ in 0..share(*n) {
                    let day = *month + Duration::days(rng.gen_range(0..days));
                    let filed = at(rng, day, 7, 21);
                    if filed >= end - Duration::hours(2) {
                        continue;
                    }
                    let b = &buildings[rng.gen_range(0..buildings.len())];
                    let channel =
                        *[Channel::WalkIn, Channel::Phone, Channel::GridPatrol, Channel::Hotline, Channel::WalkIn]
                            .choose(rng)
                            .unwrap_or(&Channel::WalkIn);
                    queue.push(Reverse((filed, plans.len(), Step::File)));
                    plans.push(AppealPlan { category, words, place: b.0.clone(), channel });
                }
            }
        }
        // Appeals the demo filed before (findings from the grid rounds) are handled too, or the
        // clock would carry them, unanswered, up to the district.
        let earlier: Vec<(Uuid, i64, DateTime<Utc>)> = fetch_all(
            &self.db,
            "SELECT id, version, created_at FROM appeals WHERE is_open = TRUE ORDER BY created_at, id",
            &[],
        )
        .await?;
        let mut state: Vec<Option<(Uuid, i64)>> = vec![None; plans.len()];
        for (id, version, created) in earlier {
            queue.push(Reverse((created + Duration::minutes(rng.gen_range(30..300)), plans.len(), Step::Accept)));
            plans.push(AppealPlan { category: "", words: "", place: String::new(), channel: Channel::GridPatrol });
            state.push(Some((id, version)));
        }
        let total_steps = (plans.len() * 4) as u64;
        let who = Viewer::of(&Principal::operator());
        let ctx = AuditCtx::operator("demo");
        let mut clock_day = beijing(start).date();
        let mut done_steps = 0u64;
        while let Some(Reverse((when, i, step))) = queue.pop() {
            if when >= end {
                continue;
            }
            // The clock runs each simulated day, as the server's does: warnings, overdue marks
            // and automatic escalations.
            let today = beijing(when).date();
            while clock_day < today {
                clock_day += Duration::days(1);
                self.run_appeal_clock(from_beijing(clock_day.and_hms_opt(0, 5, 0).unwrap_or_default())).await?;
            }
            done_steps += 1;
            if done_steps.is_multiple_of(500) {
                progress(done_steps.min(total_steps), total_steps + 1);
            }
            let plan = &plans[i];
            let row = match step {
                Step::File => {
                    let input = NewAppeal {
                        channel: Some(plan.channel),
                        category: plan.category.into(),
                        urgency: Some(if rng.gen_ratio(1, 15) { Urgency::Urgent } else { Urgency::Normal }),
                        territory: plan.place.clone(),
                        description: plan.words.into(),
                        reporter_name: Some(person_name(rng)),
                        reporter_phone: Some(phone(rng)),
                        ..Default::default()
                    };
                    filed_count += 1;
                    self.file_appeal(&who, &ctx, &input, when).await?.appeal
                }
                step => {
                    let Some((id, _)) = state[i] else { continue };
                    let (action, note, stars) = match step {
                        Step::Accept => (Action::Accept, "", None),
                        Step::Escalate => (Action::Escalate, "涉及多方，需上级协调", None),
                        Step::Resolve => (Action::Resolve, "已上门协调处理，当事人认可", None),
                        Step::Verify => (Action::Verify, "", None),
                        Step::Rate(s) => (Action::Rate, "", Some(i64::from(s))),
                        Step::File => continue,
                    };
                    match self.demo_act(&who, &ctx, id, action, note, stars, when).await? {
                        Some(a) => a,
                        None => continue,
                    }
                }
            };
            state[i] = Some((row.id, row.version));
            // The next step, from where the appeal now stands and the deadlines it was given.
            let next = match (step, row.status.as_str()) {
                (Step::File, _) => {
                    // Accepted in good time mostly; one in twelve late, and the clock escalates it.
                    let late = rng.gen_ratio(1, 12);
                    let room = (row.response_due_at - when).num_minutes().max(30);
                    let t = if late {
                        row.response_due_at + Duration::hours(rng.gen_range(20..40))
                    } else {
                        when + Duration::minutes(rng.gen_range(10..room.clamp(11, 600)))
                    };
                    Some((t, Step::Accept))
                }
                (Step::Accept, _) if rng.gen_ratio(1, 25) => {
                    Some((when + Duration::hours(rng.gen_range(2..24)), Step::Escalate))
                }
                (Step::Accept | Step::Escalate, _) => {
                    // Resolved before the deadline mostly; one in ten after it.
                    let room = (row.resolve_due_at - when).num_minutes().max(60);
                    let t = if rng.gen_ratio(1, 10) {
                        row.resolve_due_at + Duration::hours(rng.gen_range(6..96))
                    } else {
                        when + Duration::minutes(rng.gen_range(30..room.clamp(31, 8 * 24 * 60)))
                    };
                    Some((t, Step::Resolve))
                }
                (Step::Resolve, _) => Some((when + Duration::hours(rng.gen_range(2..30)), Step::Verify)),
                (Step::Verify, _) if rng.gen_ratio(7, 10) => {
                    let stars = match rng.gen_range(0..100) {
                        0..=61 => 5,
                        62..=86 => 4,
                        87..=95 => 3,
                        96..=97 => 2,
                        _ => 1,
                    };
                    Some((when + Duration::hours(rng.gen_range(1..72)), Step::Rate(stars)))
                }
                _ => None,
            };
            if let Some((t, s)) = next {
                queue.push(Reverse((t, i, s)));
            }
        }
        self.run_appeal_clock(end).await?;
        self.roll_up_all_appeals().await?;

        progress(total_steps + 1, total_steps + 1);
        Ok(filed_count)
    }

    /// One step on an appeal as a person takes it: on a stale version (the clock moved it on)
    /// the page is reloaded and the step taken again; an appeal the clock escalated in the
    /// meantime is accepted at its new level first; a step its state no longer allows is
    /// skipped (`None`).
    #[allow(clippy::too_many_arguments)]
    async fn demo_act(
        &self,
        who: &Viewer,
        ctx: &AuditCtx,
        id: Uuid,
        action: Action,
        note: &str,
        stars: Option<i64>,
        when: DateTime<Utc>,
    ) -> Result<Option<crate::appeals::AppealRow>> {
        let r = id.to_string();
        for _ in 0..3 {
            let a = self.appeal(who, &r).await?;
            if a.status.as_str() == "new" && action != Action::Accept {
                let accept = ActInput { action: Some(Action::Accept), version: a.version, ..Default::default() };
                self.act_on_appeal(who, ctx, &r, &accept, when).await?;
                continue;
            }
            let input =
                ActInput { action: Some(action), version: a.version, note: note.into(), stars, ..Default::default() };
            match self.act_on_appeal(who, ctx, &r, &input, when).await {
                Ok(a) => return Ok(Some(a)),
                Err(crate::StoreError::Conflict { field, .. }) if field == "version" => continue,
                Err(crate::StoreError::Conflict { .. }) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Six in ten rate the service at the window's rating pad (好差评), mostly well; a bad
    /// rating says why, and opens its follow-up.
    async fn demo_rate(
        &self,
        rng: &mut ChaCha8Rng,
        staff: &Principal,
        ctx: &AuditCtx,
        target: RatingTarget,
        at: DateTime<Utc>,
    ) -> Result<()> {
        if !rng.gen_ratio(3, 5) {
            return Ok(());
        }
        let (level, comment) = match rng.gen_range(0..100) {
            0..=54 => (Rating::VerySatisfied, ""),
            55..=84 => (Rating::Satisfied, ""),
            85..=95 => (Rating::Basic, ""),
            _ => (Rating::Dissatisfied, "等候时间较长，希望增加窗口"),
        };
        self.rate_service(ctx, staff, &NewRating { target, level, comment: comment.into() }, at).await?;
        Ok(())
    }

    /// An account for every community secretary, compound branch secretary and building group
    /// leader, so that appeals are routed to the lowest level as in a district where everyone
    /// is on the system (the demo's password; usernames `cm-`, `cs-`, `bl-` and the code).
    async fn demo_staff_accounts(&self) -> Result<usize> {
        let nodes: Vec<(Uuid, String, String, String)> = fetch_all(
            &self.db,
            "SELECT t.id, t.kind, t.code, t.path FROM territories t
             WHERE t.kind IN ('community', 'compound')
                OR (t.kind = 'building' AND EXISTS (SELECT 1 FROM party_orgs o WHERE o.territory_id = t.id AND o.kind = 'building_group'))
             ORDER BY t.path",
            &[],
        )
        .await?;
        let hash = crate::accounts::hash_password(jiayuan_domain::access::DEMO_PASSWORD)?;
        let now = demo_epoch() - Duration::days(400);
        let (mut users, mut grants) = (Vec::new(), Vec::new());
        for (tid, kind, code, path) in &nodes {
            let (prefix, role, title) = match kind.as_str() {
                "community" => ("cm", Role::CommunitySecretary, "社区书记"),
                "compound" => ("cs", Role::CompoundSecretary, "小区党支部书记"),
                _ => ("bl", Role::BuildingLeader, "楼栋党小组长"),
            };
            let id = new_id();
            users.push(vec![
                id.into(),
                format!("{prefix}-{code}").into(),
                format!("{title}({code})").into(),
                hash.clone().into(),
                false.into(),
                false.into(),
                0i64.into(),
                Value::Ts(None),
                Value::Uuid(None),
                true.into(),
                now.into(),
                now.into(),
            ]);
            grants.push(vec![
                new_id().into(),
                id.into(),
                role.as_str().into(),
                (*tid).into(),
                path.clone().into(),
                "demo".into(),
                now.into(),
            ]);
        }
        self.insert_demo_accounts(&users, &grants, serde_json::json!({"after": {"staff_accounts": users.len()}}))
            .await?;
        self.cache.clear();
        Ok(users.len())
    }

    /// A council in every compound (饺子议事会 or 三方办) meeting weekly on the problems raised,
    /// each decided and carried out within days.
    async fn demo_council_year(
        &self,
        rng: &mut ChaCha8Rng,
        scale: Scale,
        compounds: &[(String, String)],
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<usize> {
        let (who, ctx) = (Principal::operator(), AuditCtx::operator("demo"));
        // About 1,500 topics a year at seed scale: 1,250+ done in the calendar year.
        let per_week_x100 = if scale == Scale::Seed { 1500 * 100 / 52 } else { 150 * 100 / 52 };
        let mut councils = Vec::new();
        for (i, (code, name)) in compounds.iter().enumerate() {
            let (kind, suffix) = if i % 3 == 0 {
                (CouncilKind::Tripartite, "三方办")
            } else {
                (CouncilKind::Dumpling, "饺子议事会")
            };
            // A compound whose council the demo already set up keeps just that one.
            let new = NewCouncil { node: code.clone(), kind, name: format!("{name}{suffix}") };
            let c = match self.create_council(&ctx, &who, &new, start).await {
                Ok(c) => c,
                Err(crate::StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e),
            };
            let seats: &[Seat] = if kind == CouncilKind::Tripartite {
                &[Seat::Branch, Seat::OwnersCommittee, Seat::PropertyCompany]
            } else {
                &[Seat::Branch, Seat::ResidentRep, Seat::ResidentRep, Seat::PropertySteward]
            };
            for seat in seats {
                let m = NewMember {
                    name: person_name(rng),
                    seat: *seat,
                    username: None,
                    term_from: beijing(start).date(),
                    term_to: beijing(start).date() + Duration::days(3 * 365),
                };
                self.add_council_member(&ctx, &who, c.id, &m, start).await?;
            }
            let members: Vec<Uuid> = self.council_for(&who, c.id).await?.members.iter().map(|m| m.id).collect();
            councils.push((c.id, kind, name.clone(), members));
        }
        let mut topics = 0;
        let mut week = start + Duration::days(3);
        let mut carry = 0usize;
        while week + Duration::days(10) < end {
            carry += per_week_x100;
            let this_week = carry / 100;
            carry %= 100;
            // Which councils meet this week, and how many topics each takes up.
            let mut load: std::collections::BTreeMap<usize, usize> = Default::default();
            for _ in 0..this_week {
                *load.entry(rng.gen_range(0..councils.len())).or_default() += 1;
            }
            for (ci, n) in load {
                let (cid, kind, place, members) = &councils[ci];
                let raised_on = week + Duration::hours(rng.gen_range(0..48));
                let mut ids = Vec::new();
                for _ in 0..n {
                    let pool: Vec<&(TopicKind, &str, &str)> = TOPICS
                        .iter()
                        .filter(|t| *kind != CouncilKind::Tripartite || t.0 == TopicKind::Property)
                        .collect();
                    let (tk, title, body) = **pool.choose(rng).unwrap_or(&&TOPICS[0]);
                    let t = self
                        .raise_topic(
                            &ctx,
                            &who,
                            *cid,
                            &NewTopic {
                                kind: tk,
                                title: title.into(),
                                body: body.into(),
                                raised_by: members.choose(rng).copied(),
                            },
                            raised_on,
                        )
                        .await?;
                    ids.push(t.id);
                }
                let held = raised_on + Duration::days(2);
                let meeting = self
                    .record_meeting(
                        &ctx,
                        &who,
                        *cid,
                        &NewMeeting {
                            held_at: held,
                            place: format!("{place}党群服务站"),
                            agenda: "本周议题逐项议定".into(),
                            minutes: "到会成员逐项发言，形成一致意见，明确承办人和完成时限。".into(),
                            attendees: members.clone(),
                            guests: rng.gen_range(3..15),
                            topics: ids.clone(),
                        },
                        held,
                    )
                    .await?;
                for id in ids {
                    let t = self
                        .decide_outcome(
                            &ctx,
                            &who,
                            id,
                            &NewOutcome {
                                meeting: Some(meeting.id),
                                decision: "由小区党支部牵头落实，结果公示".into(),
                                carrier: None,
                                due_workdays: 10,
                            },
                            held,
                        )
                        .await?;
                    let done_at = held + Duration::days(rng.gen_range(2..9));
                    if done_at < end {
                        if let Some(o) = t.outcomes.first() {
                            self.record_progress(&ctx, &who, o.id, "已落实并在小区公示", true, done_at).await?;
                        }
                    }
                    topics += 1;
                }
            }
            week += Duration::days(7);
        }
        Ok(topics)
    }

    /// The desks of the community centres: consultations answered and matters received, in
    /// and outside regular hours; in the calendar year of the demo's date exactly the seed's
    /// 265 consultations and 354 matters fall outside regular hours (at seed scale).
    async fn demo_desk_year(
        &self,
        rng: &mut ChaCha8Rng,
        scale: Scale,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<(usize, usize)> {
        let op = Principal::operator();
        let admin = self.principal_of(&self.user_by_name("admin").await?).await?;
        let ctx = AuditCtx::operator("demo");
        let cal = self.work_calendar().await?;
        let points: Vec<crate::service::ServicePoint> = self
            .service_points(None)
            .await?
            .into_iter()
            .filter(|p| p.kind == jiayuan_domain::service::PointKind::Centre)
            .collect();
        if points.is_empty() {
            return Ok((0, 0));
        }
        let mut items = Vec::new();
        for p in &points {
            let offered = self
                .service_items(&crate::service::ItemFilter { point: Some(p.id), ..Default::default() })
                .await?
                .into_iter()
                .filter(|i| !i.item.materials.is_empty())
                .map(|i| i.item)
                .collect::<Vec<_>>();
            items.push(offered);
        }
        let year_start = from_beijing(
            NaiveDate::from_ymd_opt(end.year(), 1, 1).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default(),
        );
        let scaled = |n: usize| if scale == Scale::Seed { n } else { n.div_ceil(10) };
        // (outside hours this year, outside hours before it, inside hours in all).
        let (c_out, t_out) = (scaled(CONSULTATIONS_OUTSIDE_HOURS), scaled(MATTERS_OUTSIDE_HOURS));
        let plan = [(true, c_out, scaled(40), scaled(600)), (false, t_out, scaled(50), scaled(500))];
        let (mut tickets, mut consultations) = (0, 0);
        for (is_consultation, outside_now, outside_before, inside) in plan {
            let mut want: Vec<(DateTime<Utc>, DateTime<Utc>, bool, usize)> = vec![
                (year_start, end, true, outside_now),
                (start, year_start, true, outside_before),
                (start, end, false, inside),
            ];
            for (from, to, outside, n) in want.drain(..) {
                let mut made = 0;
                let mut tries = 0;
                while made < n && tries < n * 50 {
                    tries += 1;
                    let secs = rng.gen_range(0..(to - from).num_seconds().max(1));
                    let t = from + Duration::seconds(secs);
                    let pi = rng.gen_range(0..points.len());
                    let p = &points[pi];
                    let regular = p.hours.within_regular(&cal, beijing(t)).unwrap_or(true);
                    // Outside regular hours, only when the desk would be manned: evenings to
                    // 20:00 and weekend days (延时错时、节假日值班).
                    let hour = beijing(t).hour();
                    if regular == outside || !(8..20).contains(&hour) {
                        continue;
                    }
                    if is_consultation {
                        let topics = [
                            (
                                "老年证办理需要哪些材料",
                                "需携带身份证、户口簿和一寸照片，可在社区党群服务中心一窗受理。",
                            ),
                            ("医保缴费时间", "城乡居民医保集中缴费期为每年9月至12月，可在窗口或线上缴纳。"),
                            ("公积金提取流程", "可在小区党群服务站办理提取预审，材料齐全当场受理。"),
                        ];
                        let (topic, answer) = topics.choose(rng).copied().unwrap_or(topics[0]);
                        let c = NewConsultation {
                            point: p.id,
                            channel: jiayuan_domain::service::Channel::Window,
                            topic: topic.into(),
                            answer: answer.into(),
                            person_id: None,
                            person_name: person_name(rng),
                        };
                        let made = self.log_consultation(&ctx, &op, &c, t).await?;
                        self.demo_rate(
                            rng,
                            &admin,
                            &ctx,
                            RatingTarget::Consultation(made.id),
                            t + Duration::minutes(5),
                        )
                        .await?;
                        consultations += 1;
                    } else {
                        let Some(item) = items[pi].choose(rng) else { continue };
                        let nt = NewTicket {
                            point: p.id,
                            item: item.code.clone(),
                            channel: jiayuan_domain::service::Channel::Window,
                            person_id: None,
                            applicant_name: person_name(rng),
                            applicant_phone: phone(rng),
                            provided: item.materials.iter().map(|m| m.name.clone()).collect(),
                            note: String::new(),
                        };
                        let tk = self.receive_ticket(&ctx, &admin, &nt, t).await?;
                        let none = TicketStepInput::default();
                        let accepted = t + Duration::minutes(rng.gen_range(5..40));
                        self.ticket_step(&ctx, &admin, tk.id, TicketStep::Accept, &none, accepted).await?;
                        let done = accepted + Duration::hours(rng.gen_range(1..72));
                        if done < end {
                            self.ticket_step(&ctx, &admin, tk.id, TicketStep::Complete, &none, done).await?;
                            self.demo_rate(rng, &admin, &ctx, RatingTarget::Ticket(tk.id), done + Duration::minutes(3))
                                .await?;
                        }
                        tickets += 1;
                    }
                    made += 1;
                }
            }
        }
        Ok((tickets, consultations))
    }

    /// Appointments at the centres' desks: a resident books a slot a few days ahead (staff
    /// entering it for them), and on the day the desk records that they came — or did not;
    /// one in ten is cancelled beforehand.
    async fn demo_booking_year(
        &self,
        rng: &mut ChaCha8Rng,
        scale: Scale,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<usize> {
        let admin = self.principal_of(&self.user_by_name("admin").await?).await?;
        let ctx = AuditCtx::operator("demo");
        let mut desks = Vec::new();
        for p in self.service_points(None).await? {
            if p.kind != jiayuan_domain::service::PointKind::Centre {
                continue;
            }
            let bookable: Vec<String> = self
                .service_items(&crate::service::ItemFilter { point: Some(p.id), ..Default::default() })
                .await?
                .into_iter()
                .filter(|i| i.item.appointment)
                .map(|i| i.item.code)
                .collect();
            if !bookable.is_empty() {
                desks.push((p, bookable));
            }
        }
        if desks.is_empty() {
            return Ok(0);
        }
        let want = if scale == Scale::Seed { BOOKINGS } else { BOOKINGS.div_ceil(10) };
        let days = (end - start).num_days().max(2);
        let (mut made, mut tries) = (0, 0);
        while made < want && tries < want * 20 {
            tries += 1;
            let (p, items) = &desks[rng.gen_range(0..desks.len())];
            let day = beijing(start).date() + Duration::days(rng.gen_range(7..days - 1));
            let open: Vec<_> = self.open_slots(p.id, day).await?.into_iter().filter(|s| s.2 > 0).collect();
            let Some((slot, _, _)) = open.choose(rng).copied() else { continue };
            let within = crate::subtree::Subtree::of(&p.path);
            let person: Option<(Uuid,)> = crate::batch::fetch_optional(
                &self.db,
                "SELECT id FROM people WHERE home_path >= $1 AND home_path < $2 ORDER BY id LIMIT 1 OFFSET $3",
                &[within.path.clone().into(), within.end.clone().into(), rng.gen_range(0..300i64).into()],
            )
            .await?;
            let Some((person,)) = person else { continue };
            let starts = from_beijing(slot);
            let booked_at = starts - Duration::hours(rng.gen_range(20..6 * 24));
            let item = items.choose(rng).cloned().unwrap_or_default();
            let nb = crate::service::NewBooking { point: p.id, item, starts_at: slot, person_id: Some(person) };
            let b = self.book_slot(&ctx, &admin, &nb, booked_at).await?;
            use jiayuan_domain::service::AppointmentStatus as S;
            let (to, when) = match rng.gen_range(0..10) {
                0 => (S::Cancelled, booked_at + Duration::hours(rng.gen_range(1..12))),
                1 => (S::NoShow, starts + Duration::minutes(40)),
                _ => (S::Attended, starts + Duration::minutes(rng.gen_range(0..20))),
            };
            if when < end {
                self.set_booking_status(&ctx, &admin, b.id, to, when).await?;
            }
            made += 1;
        }
        Ok(made)
    }
}
