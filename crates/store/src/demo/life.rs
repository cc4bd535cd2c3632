//! A year of community life for the demo district, written through the same calls people use
//! and deterministic by the seed: social organisations adopting their communities and running
//! venture projects with their activities; cultural and sports events; a neighbourhood fair
//! with its "5+N" stalls each month; steward training; golden solutions scored by the
//! subdistricts and the district and adopted elsewhere; volunteer teams with confirmed hours;
//! and, for the demo accounts to try, activities still to come.
//!
//! Proportions follow the seed's report at seed scale (27 social organisations, 60+ venture
//! projects, 100+ of their activities for 20,000+ beneficiaries, 500+ cultural and sports
//! events, 50+ golden solutions, 30+ training sessions for 600+ trainees); the small scale
//! writes about a tenth.

use super::{demo_epoch, Scale};
use crate::access::{Grant, Principal};
use crate::audit::AuditCtx;
use crate::batch::fetch_all;
use crate::life::{NewActivity, NewProject, NewRecord, NewSolution, NewStall};
use crate::{Result, Store};
use chrono::{DateTime, Duration, Utc};
use jiayuan_domain::access::Role;
use jiayuan_domain::life::{OrganiserKind, ProjectStatus, RecordStatus, StallKind};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// What the demo's year of community life came to.
#[derive(Debug, Default, Clone)]
pub struct LifeSummary {
    pub activities: usize,
    pub projects: usize,
    pub solutions: usize,
    pub records: usize,
}

const PROJECT_WORDS: &[&str] = &[
    "银龄互助",
    "四点半课堂",
    "邻里守望",
    "助残康复",
    "家风传承",
    "楼道美化",
    "垃圾分类",
    "心理疏导",
    "法律明白人",
    "红色记忆",
];
const CULTURE: &[(&str, &str)] = &[
    ("culture", "广场舞展演"),
    ("culture", "书画笔会"),
    ("culture", "读书分享会"),
    ("culture", "戏曲进社区"),
    ("fitness", "健步走"),
    ("fitness", "太极拳晨练"),
    ("fitness", "乒乓球友谊赛"),
    ("sports_day", "小区运动会"),
    ("banquet", "百家宴"),
    ("health_day", "健康义诊"),
];
const THEMES: &[&str] = &["邻里互助", "文体凝聚", "物业治理", "养老服务", "青少年成长", "矛盾化解"];
const SOLUTION_TITLES: &[&str] =
    &["百家宴", "小区运动会", "楼栋议事", "红心管家", "邻里守望", "共享工具屋", "睦邻课堂", "调解工作室", "时间银行"];

/// A principal holding `role` over one node, for the demo's reviewers.
fn holding(role: Role, name: &str, t: &crate::model::Territory) -> Principal {
    Principal {
        user_id: None,
        username: format!("demo-{}", t.code),
        display_name: name.into(),
        person_id: None,
        grants: vec![Grant {
            id: Uuid::nil(),
            role,
            territory_id: t.id,
            territory_name: t.name.clone(),
            territory_code: t.code.clone(),
            path: t.path.clone(),
        }],
        must_change_password: false,
    }
}

impl Store {
    /// Writes the demo's years of community life: `years` years before [`demo_epoch`] (the
    /// demo writes one; the dashboard benchmark five).
    pub async fn generate_demo_life(&self, scale: Scale, seed: u64, years: u32) -> Result<LifeSummary> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x11fe_2026);
        let (who, ctx) = (Principal::operator(), AuditCtx::operator("demo"));
        let tenth = |n: usize| if scale == Scale::Seed { n } else { n.div_ceil(10) };
        let first_start = demo_epoch() - Duration::days(365 * i64::from(years.max(1)));
        let mut sum = LifeSummary::default();

        let communities: Vec<crate::model::Territory> = {
            let rows: Vec<(Uuid,)> =
                fetch_all(&self.db, "SELECT id FROM territories WHERE kind = 'community' ORDER BY code", &[]).await?;
            let mut v = Vec::new();
            for (id,) in rows {
                v.push(self.territory(id).await?);
            }
            v
        };
        let subdistricts: Vec<crate::model::Territory> = {
            let rows: Vec<(Uuid,)> =
                fetch_all(&self.db, "SELECT id FROM territories WHERE kind = 'subdistrict' ORDER BY code", &[]).await?;
            let mut v = Vec::new();
            for (id,) in rows {
                v.push(self.territory(id).await?);
            }
            v
        };
        let district = {
            let rows: Vec<(Uuid,)> =
                fetch_all(&self.db, "SELECT id FROM territories WHERE kind = 'district' ORDER BY code LIMIT 1", &[])
                    .await?;
            match rows.first() {
                Some((id,)) => self.territory(*id).await?,
                None => return Ok(sum),
            }
        };
        if communities.is_empty() {
            return Ok(sum);
        }
        let community_of = |path: &str| communities.iter().find(|c| path.starts_with(&c.path));
        let at_start = |d: i64, h: i64| first_start + Duration::days(d) + Duration::hours(h - 8);

        // Social organisations adopt the community they belong to, and run projects.
        let orgs: Vec<(String, String, Option<String>)> = fetch_all(
            &self.db,
            "SELECT code, name, path FROM organisations WHERE kind = 'social_organisation' ORDER BY code",
            &[],
        )
        .await?;
        for (i, (code, _, path)) in orgs.iter().enumerate() {
            let Some(c) = path.as_deref().and_then(community_of).or(communities.get(i % communities.len())) else {
                continue;
            };
            self.adopt(&ctx, &who, code, &c.code, at_start(0, 0).date_naive(), None, at_start(0, 1)).await?;
        }
        // Volunteer teams: 家事我办 in each subdistrict's first community (邻里守望 in the
        // district's first); members from the residents; a year of confirmed service.
        let mut teams = Vec::new();
        for (k, sd) in subdistricts.iter().enumerate() {
            let Some(c) = communities.iter().find(|c| c.path.starts_with(&sd.path)) else { continue };
            let name = if k == 0 { "邻里守望志愿服务队" } else { "家事我办志愿服务队" };
            let t = self.create_team(&ctx, &who, name, &c.code, "社区志愿服务", at_start(0, 2)).await?;
            let people: Vec<(Uuid,)> = fetch_all(
                &self.db,
                "SELECT id FROM people WHERE home_path >= $1 AND home_path < $2 ORDER BY id LIMIT 12",
                &crate::subtree::Subtree::of(&c.path).bounds(),
            )
            .await?;
            for (p,) in &people {
                self.add_member(&ctx, &who, t.id, *p, at_start(0, 3)).await?;
            }
            teams.push((t.id, people));
        }
        let admin = holding(Role::DistrictAdmin, "区级评审组", &district);
        let rubric = self.rubric().await?;
        for year in 0..i64::from(years.max(1)) {
            let start = first_start + Duration::days(365 * year);
            let day = |d: i64, h: i64| start + Duration::days(d) + Duration::hours(h - 8);
            // Titles carry the year after the first, so that each year's are new.
            let tag = if year == 0 { String::new() } else { format!("（{}）", chrono::Datelike::year(&start)) };
            let mut projects: Vec<(Uuid, crate::model::Territory, String)> = Vec::new();
            let n_projects = tenth(63);
            for i in 0..n_projects.min(orgs.len() * 4) {
                let (code, org_name, path) = &orgs[i % orgs.len()];
                let c = path.as_deref().and_then(community_of).unwrap_or(&communities[i % communities.len()]).clone();
                let title = format!("{}{}期{tag}", PROJECT_WORDS[i % PROJECT_WORDS.len()], i / PROJECT_WORDS.len() + 1);
                // Applied in January and February, so the calendar year holds them (the seed's 60+).
                let applied = day(rng.gen_range(61..75), 9);
                let np = NewProject {
                    organisation: code.clone(),
                    territory: c.code.clone(),
                    title,
                    summary: format!("{org_name}在{}开展的公益创投项目。", c.name),
                    budget_fen: rng.gen_range(20..=150) * 100_000,
                };
                let p = self.apply_project(&ctx, &who, &np, applied).await?;
                let mut at = applied;
                for to in [ProjectStatus::Approved, ProjectStatus::Running] {
                    at += Duration::days(rng.gen_range(3..15));
                    self.advance_project(&ctx, &who, p.id, to, None, "", at).await?;
                }
                projects.push((p.id, c, org_name.clone()));
                sum.projects += 1;
            }

            // Activities under the projects: the social organisations' activities.
            let n_org_activities = tenth(120);
            for i in 0..n_org_activities.min(projects.len() * 4) {
                let (pid, c, org_name) = &projects[i % projects.len()];
                let starts = day(rng.gen_range(105..350), 9);
                let a = NewActivity {
                    kind: ["volunteering", "culture", "health_day"][i % 3].into(),
                    title: format!("{}：{}", org_name, ["上门服务日", "主题活动", "健康义诊"][i % 3]),
                    description: String::new(),
                    organiser_kind: OrganiserKind::SocialOrg,
                    organiser_name: org_name.clone(),
                    territory: c.code.clone(),
                    place: "党群服务中心".into(),
                    starts_at: starts,
                    ends_at: starts + Duration::hours(3),
                    capacity: 0,
                    public: true,
                    weeks: 1,
                    project: Some(*pid),
                };
                let made = self.create_activity(&ctx, &who, &a, starts - Duration::days(7)).await?;
                let served = rng.gen_range(120..260);
                self.report_activity(&ctx, &who, made.id, "活动顺利开展，居民反响良好。", served, a.ends_at).await?;
                sum.activities += 1;
            }
            // Close and evaluate most projects at the end of the year.
            for (k, (pid, _, _)) in projects.iter().enumerate() {
                if k % 4 == 3 {
                    continue;
                }
                let at = day(355, 10);
                self.advance_project(&ctx, &who, *pid, ProjectStatus::Closed, None, "", at).await?;
                let score = rng.gen_range(70..=98);
                self.advance_project(
                    &ctx,
                    &who,
                    *pid,
                    ProjectStatus::Evaluated,
                    Some(score),
                    "按计划完成，成效明显。",
                    at + Duration::hours(2),
                )
                .await?;
            }

            // Cultural and sports events across the communities.
            // Most are cultural and sports events proper (the seed's 500+ this year); the rest
            // banquets and health days.
            for i in 0..tenth(700) {
                let c = &communities[i % communities.len()];
                let (kind, title) = if rng.gen_ratio(17, 20) {
                    CULTURE[rng.gen_range(0..8)]
                } else {
                    CULTURE[rng.gen_range(8..CULTURE.len())]
                };
                let starts = day(rng.gen_range(30..360), rng.gen_range(8..19));
                let a = NewActivity {
                    kind: kind.into(),
                    title: title.into(),
                    description: String::new(),
                    organiser_kind: if i % 5 == 0 { OrganiserKind::PartyOrg } else { OrganiserKind::Community },
                    organiser_name: format!("{}党委", c.name),
                    territory: c.code.clone(),
                    place: "社区广场".into(),
                    starts_at: starts,
                    ends_at: starts + Duration::hours(2),
                    capacity: 0,
                    public: true,
                    weeks: 1,
                    project: None,
                };
                let made = self.create_activity(&ctx, &who, &a, starts - Duration::days(5)).await?;
                self.report_activity(&ctx, &who, made.id, "活动圆满完成。", rng.gen_range(20..90), a.ends_at).await?;
                sum.activities += 1;
            }

            // A neighbourhood fair each month in a rotating community, with its 5+N stalls.
            for m in 0..12 {
                let c = &communities[(m * 7) % communities.len()];
                let starts = day(m as i64 * 30 + 12, 9);
                let a = NewActivity {
                    kind: "fair".into(),
                    title: "牟邻集市".into(),
                    description: "政策宣传、放心商品、便民维修、健康义诊、法律援助和特色服务。".into(),
                    organiser_kind: OrganiserKind::Community,
                    organiser_name: format!("{}党委", c.name),
                    territory: c.code.clone(),
                    place: "社区广场".into(),
                    starts_at: starts,
                    ends_at: starts + Duration::hours(3),
                    capacity: 0,
                    public: true,
                    weeks: 1,
                    project: None,
                };
                let made = self.create_activity(&ctx, &who, &a, starts - Duration::days(10)).await?;
                for (k, kind) in StallKind::FIVE.iter().enumerate() {
                    let provider = ["街道宣传办", "社区超市", "物业维修班", "社区卫生服务站", "司法所"][k];
                    let st = NewStall {
                        kind: *kind,
                        name: String::new(),
                        provider: provider.into(),
                        served: rng.gen_range(20..80),
                    };
                    self.add_stall(&ctx, &who, made.id, &st, starts).await?;
                }
                let extra = NewStall {
                    kind: StallKind::Extra,
                    name: "磨剪子戗菜刀".into(),
                    provider: "老兵志愿服务队".into(),
                    served: rng.gen_range(10..40),
                };
                self.add_stall(&ctx, &who, made.id, &extra, starts).await?;
                self.report_activity(
                    &ctx,
                    &who,
                    made.id,
                    "集市设六个摊位，服务居民。",
                    rng.gen_range(250..450),
                    a.ends_at,
                )
                .await?;
                sum.activities += 1;
            }

            // Steward training (红心物业大讲堂): 30+ sessions, 600+ trainees.
            for i in 0..tenth(32) {
                let c = &communities[(i * 3) % communities.len()];
                let starts = day(62 + i as i64 * 9, 14);
                let a = NewActivity {
                    kind: "steward_training".into(),
                    title: format!("红心物业大讲堂第{}讲", i + 1),
                    description: String::new(),
                    organiser_kind: OrganiserKind::PartyOrg,
                    organiser_name: "区委社会工作部".into(),
                    territory: c.code.clone(),
                    place: "党群服务中心多功能厅".into(),
                    starts_at: starts,
                    ends_at: starts + Duration::hours(2),
                    capacity: 0,
                    public: false,
                    weeks: 1,
                    project: None,
                };
                let made = self.create_activity(&ctx, &who, &a, starts - Duration::days(7)).await?;
                self.report_activity(&ctx, &who, made.id, "培训物业管家与网格员。", rng.gen_range(18..28), a.ends_at)
                    .await?;
                sum.activities += 1;
            }

            // Golden solutions: submitted by communities, scored by their subdistrict and the
            // district; some adopted by other communities.
            let mut promoted = Vec::new();
            for i in 0..tenth(54) {
                let c = &communities[i % communities.len()];
                let nth = (i / communities.len() + i % communities.len()) % SOLUTION_TITLES.len();
                let title = format!("{}{}{tag}", c.name.trim_end_matches("社区"), SOLUTION_TITLES[nth]);
                let ns = NewSolution {
                    territory: c.code.clone(),
                    org_name: format!("{}党委", c.name),
                    title,
                    theme: THEMES[i % THEMES.len()].into(),
                    problem: "居民之间缺少联系，小区公共事务无人牵头。".into(),
                    method: "社区党组织牵头，楼栋长组织居民议事，物业和共建单位参与。".into(),
                    results: "参与居民明显增多，矛盾纠纷下降。".into(),
                };
                let at = day(rng.gen_range(61..300), 10);
                let s = self.submit_solution(&ctx, &who, &ns, at).await?;
                sum.solutions += 1;
                let Some(sd) = subdistricts.iter().find(|s| c.path.starts_with(&s.path)) else { continue };
                let reviewer = holding(Role::SubdistrictOfficer, &format!("{}评审组", sd.name), sd);
                let scores = |rng: &mut ChaCha8Rng| -> Vec<(String, i64)> {
                    rubric.iter().map(|k| (k.code.clone(), rng.gen_range(k.max_points / 2..=k.max_points))).collect()
                };
                let sc = scores(&mut rng);
                self.review_solution(&ctx, &reviewer, s.id, &sc, "同意报送区级评审。", at + Duration::days(10)).await?;
                let sc = scores(&mut rng);
                let r = self.review_solution(&ctx, &admin, s.id, &sc, "", at + Duration::days(20)).await?;
                if r.status() == jiayuan_domain::life::GoldenStatus::Promoted {
                    promoted.push((s.id, c.id, at + Duration::days(25)));
                }
            }
            for (k, (sid, own, at)) in promoted.iter().enumerate() {
                let mut others: Vec<&crate::model::Territory> = communities.iter().filter(|c| c.id != *own).collect();
                others.shuffle(&mut rng);
                for c in others.into_iter().take(k % 3) {
                    self.adopt_solution(&ctx, &who, *sid, &c.code, "借鉴推广", *at).await?;
                }
            }

            for i in 0..tenth(400) {
                let Some((team, people)) = teams.get(i % teams.len().max(1)) else { break };
                let Some((person,)) = people.get(rng.gen_range(0..people.len().max(1))) else { continue };
                let served = day(rng.gen_range(1..355), 9);
                let r = NewRecord {
                    team: *team,
                    person_id: Some(*person),
                    activity: None,
                    content: ["入户探访独居老人", "楼道清理", "文明劝导", "集市摊位服务"][i % 4].into(),
                    place: String::new(),
                    served_at: served,
                    minutes: [60, 90, 120, 180][i % 4],
                };
                let rec = self.record_service(&ctx, &who, &r, served + Duration::hours(6)).await?;
                let to = if i % 10 == 9 { RecordStatus::Rejected } else { RecordStatus::Confirmed };
                let reason = if to == RecordStatus::Rejected { "时长与签到记录不符" } else { "" };
                self.decide_record(&ctx, &who, rec.id, to, reason, served + Duration::days(1)).await?;
                sum.records += 1;
            }
        }

        // Still to come, for the demo accounts: a weekly activity in the first community, one
        // with few places so the waiting list shows.
        let first = &communities[0];
        let upcoming: DateTime<Utc> = demo_epoch() + Duration::days(36) + Duration::hours(1);
        for (k, (kind, title, cap)) in
            [("banquet", "冬至百家宴", 40u32), ("culture", "周末书画课", 3), ("fitness", "太极拳晨练", 0)]
                .iter()
                .enumerate()
        {
            let starts = upcoming + Duration::days(k as i64 * 2);
            let a = NewActivity {
                kind: (*kind).into(),
                title: (*title).into(),
                description: "欢迎居民报名参加。".into(),
                organiser_kind: OrganiserKind::Community,
                organiser_name: format!("{}党委", first.name),
                territory: first.code.clone(),
                place: "党群服务中心".into(),
                starts_at: starts,
                ends_at: starts + Duration::hours(2),
                capacity: *cap,
                public: true,
                weeks: if *kind == "fitness" { 8 } else { 1 },
                project: None,
            };
            self.create_activity(&ctx, &who, &a, demo_epoch()).await?;
        }
        Ok(sum)
    }
}
