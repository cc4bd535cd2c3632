//! The demo district: a deterministic, plausible 牟平区 at seed scale or small scale.
//!
//! The same `--seed` gives the same data (ids included): every random choice comes from one
//! ChaCha stream and ids are UUIDv7 built from a fixed epoch and that stream. Counts that the
//! seed document reports (219 compound branches, 2026 building groups, 3886 central
//! households, 27 social organisations, 32 service stations) are met exactly at seed scale.
//! Rows are written community by community inside one transaction, so memory stays flat.

use crate::batch::{insert_rows, QueryParts, Value};
use crate::people::{PersonRow, HOUSEHOLD_INSERT_COLS, PEOPLE_INSERT_COLS};
use crate::territory::{within_sql, NewTerritory, TerritoryDraft, TERRITORY_INSERT_COLS};
use crate::{model::Territory, new_id, Result, Store, StoreError};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use jiayuan_domain::access::Role;
use jiayuan_domain::names;
use jiayuan_domain::ResidentId;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Small,
    Seed,
}

impl Scale {
    pub const ALL: &'static [Scale] = &[Scale::Seed, Scale::Small];

    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::Seed => "seed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
}

struct Plan {
    /// Subdistrict names and how many communities each has.
    subdistricts: Vec<(&'static str, usize)>,
    compounds: usize,
    buildings: usize,
    central_households: usize,
    social_orgs: usize,
    stations: usize,
    entrances: (u32, u32),
    floors: (u32, u32),
    property_companies: usize,
}

fn plan(scale: Scale) -> Plan {
    match scale {
        Scale::Seed => Plan {
            subdistricts: vec![("宁海街道", 8), ("文化街道", 7), ("武宁街道", 6), ("大窑街道", 5), ("姜格庄街道", 4)],
            compounds: 219,
            buildings: 2026,
            central_households: 3886,
            social_orgs: 27,
            stations: 32,
            entrances: (2, 4),
            floors: (6, 12),
            property_companies: 12,
        },
        Scale::Small => Plan {
            subdistricts: vec![("宁海街道", 2), ("文化街道", 1)],
            compounds: 9,
            buildings: 30,
            central_households: 24,
            social_orgs: 3,
            stations: 3,
            entrances: (1, 2),
            floors: (3, 5),
            property_companies: 2,
        },
    }
}

/// The reference date for ages and timestamps, fixed so that runs are reproducible.
pub fn demo_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().expect("valid date")
}

pub const DISTRICT_CODE: &str = "370612000000";
/// 牟平区, Yantai, as south,west,north,east in degrees (generously rounded).
pub const DEMO_DISTRICT_BOUNDS: &str = "37.0,121.2,37.7,122.0";

const SURNAMES: &[&str] = &[
    "王", "王", "王", "张", "张", "张", "刘", "刘", "李", "李", "孙", "孙", "于", "于", "姜", "姜", "林", "曲", "宋",
    "赵", "杨", "陈", "高", "徐", "周", "吴", "郭", "马", "吕", "隋", "衣", "初", "丛", "鞠", "迟", "邹", "杜", "崔",
    "姚", "董", "韩", "曹", "田", "冯", "郝", "谢", "程", "唐", "许", "邓", "牟", "宫",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "建华", "文", "华", "玉兰", "红", "鹏", "辉", "宇", "浩", "凯", "欣怡", "子涵", "梓轩", "雨桐",
    "一诺", "思远", "海燕", "志强", "丽华", "春梅", "国庆", "建国", "淑珍", "凤英", "晓东", "晓燕", "俊杰", "佳怡",
    "婷", "雪", "琳", "斌", "波", "峰", "昊", "博", "彤", "悦", "然", "晨", "阳", "东", "梅", "兰", "亮", "成", "玲",
    "萍",
];
const COMMUNITY_NAMES: &[&str] = &[
    "正阳",
    "通海",
    "金山",
    "育英",
    "向阳",
    "东关",
    "西关",
    "南关",
    "北关",
    "新华",
    "东华",
    "海晏",
    "龙泉",
    "沁水",
    "鑫山",
    "昆嵛",
    "宁海",
    "安德",
    "顺泽",
    "文化",
    "武宁",
    "大窑",
    "姜格庄",
    "曲家",
    "崔家",
    "王家",
    "泰和",
    "永安",
    "福山",
    "养马岛",
    "观水",
    "玉林",
    "莒格庄",
    "水道",
];
const COMPOUND_WORDS: &[&str] = &[
    "幸福", "阳光", "金色", "翠竹", "海景", "锦绣", "和谐", "怡景", "书香", "恒泰", "龙湖", "碧海", "银河", "盛世",
    "丽景", "御景", "滨河", "青年", "文华", "东方", "金海", "祥和", "瑞丰", "馨园", "蓝天", "华府", "春晖", "枫林",
    "桃源", "润泽",
];
const COMPOUND_SUFFIXES: &[&str] = &["小区", "花园", "家园", "苑", "新村", "华庭", "名都", "公寓"];
const PROPERTY_WORDS: &[&str] =
    &["安居", "万家", "宜居", "恒安", "金盾", "福润", "康泰", "嘉禾", "海晟", "和悦", "鑫源", "瑞祥"];
const SOCIAL_ORGS: &[&str] = &[
    "老兵志愿服务队",
    "夕阳红志愿服务队",
    "蒲公英公益服务中心",
    "红马甲志愿服务队",
    "暖阳社会工作服务中心",
    "邻里互助会",
    "巾帼志愿服务队",
    "银龄互助社",
    "彩虹桥青少年服务中心",
    "心语心理咨询服务社",
    "乐享文体协会",
    "爱心食堂志愿队",
    "家事我办志愿服务队",
    "平安守望巡逻队",
    "书香读书会",
    "康乐健身协会",
    "助残服务社",
    "绿色家园环保协会",
    "法律援助志愿团",
    "银发智慧课堂",
    "红心调解工作室",
    "同心社会工作服务社",
    "养老服务协会",
    "小雨点儿童之家",
    "骑手驿站服务队",
    "文艺轻骑兵",
    "和美家庭服务社",
    "邻里守望服务社",
    "社区康复协会",
    "手工编织社",
];
const UNITS: &[&str] = &[
    "区住房和城乡建设局",
    "区行政审批服务局",
    "区民政局",
    "区人力资源和社会保障局",
    "区卫生健康局",
    "区教育和体育局",
    "区城市管理局",
    "区市场监督管理局",
    "区税务局",
    "区财政局",
    "区文化和旅游局",
    "区退役军人事务局",
    "区医疗保障局",
    "区司法局",
    "区交通运输局",
    "区自然资源局",
    "区应急管理局",
    "区农业农村局",
    "区商务局",
    "区统计局",
    "区审计局",
    "区科技局",
    "区水务局",
    "区生态环境分局",
    "区供电公司",
    "区邮政分公司",
    "区人民医院",
    "区中医医院",
    "区第一中学",
    "区实验小学",
    "区农商银行",
    "区工商银行支行",
    "区建设银行支行",
    "区人民法院",
    "区人民检察院",
    "区总工会",
    "团区委",
    "区妇联",
    "区残联",
    "区红十字会",
];

struct Gen {
    rng: ChaCha8Rng,
    epoch: DateTime<Utc>,
    id_ms: u64,
    ids_used: HashSet<String>,
}

impl Gen {
    fn id(&mut self) -> Uuid {
        self.id_ms += 1;
        let bytes: [u8; 10] = self.rng.gen();
        uuid::Builder::from_unix_timestamp_millis(self.id_ms, &bytes).into_uuid()
    }

    fn name(&mut self) -> String {
        let s = SURNAMES.choose(&mut self.rng).copied().unwrap_or("王");
        let g = GIVEN.choose(&mut self.rng).copied().unwrap_or("明");
        if self.rng.gen_bool(0.35) && g.chars().count() == 1 {
            let g2 = GIVEN.iter().filter(|x| x.chars().count() == 1).collect::<Vec<_>>();
            let g2 = g2.choose(&mut self.rng).map(|x| **x).unwrap_or("华");
            format!("{s}{g}{g2}")
        } else {
            format!("{s}{g}")
        }
    }

    fn birth(&mut self, min_age: i64, max_age: i64) -> NaiveDate {
        let today = self.epoch.date_naive();
        let days = self.rng.gen_range(min_age * 365..=max_age * 365 + 364);
        today - Duration::days(days)
    }

    /// A valid, unique resident ID number for a person of the given sex.
    fn resident_id(&mut self, birth: NaiveDate, male: bool) -> String {
        const REGIONS: &[u32] = &[370612, 370612, 370612, 370612, 370602, 370613, 370686, 370687, 371002, 370211];
        loop {
            let region = *REGIONS.choose(&mut self.rng).unwrap_or(&370612);
            let mut seq: u16 = self.rng.gen_range(0..1000);
            if (seq % 2 == 1) != male {
                seq = (seq + 1) % 1000;
            }
            let Ok(id) = ResidentId::compose(region, birth, seq) else {
                continue;
            };
            if self.ids_used.insert(id.as_str().to_string()) {
                return id.as_str().to_string();
            }
        }
    }

    fn phone(&mut self) -> String {
        const PREFIX: &[&str] = &[
            "130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157", "158",
            "159", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "199",
        ];
        let p = PREFIX.choose(&mut self.rng).copied().unwrap_or("138");
        format!("{p}{:08}", self.rng.gen_range(0..100_000_000u32))
    }
}

/// Splits `total` into `n` parts of at least 1, weighted randomly, summing exactly.
fn split(rng: &mut ChaCha8Rng, total: usize, n: usize) -> Vec<usize> {
    assert!(n > 0 && total >= n);
    let weights: Vec<f64> = (0..n).map(|_| rng.gen_range(0.6..1.4)).collect();
    let sum: f64 = weights.iter().sum();
    let extra = total - n;
    let mut parts: Vec<usize> = weights.iter().map(|w| 1 + (w / sum * extra as f64).floor() as usize).collect();
    let mut short = total - parts.iter().sum::<usize>();
    let mut i = 0;
    while short > 0 {
        parts[i % n] += 1;
        short -= 1;
        i += 1;
    }
    parts
}

fn rect(x0: f64, y0: f64, w: f64, h: f64) -> String {
    format!(
        "{{\"type\":\"Polygon\",\"coordinates\":[[[{:.6},{:.6}],[{:.6},{:.6}],[{:.6},{:.6}],[{:.6},{:.6}],[{:.6},{:.6}]]]}}",
        x0, y0, x0 + w, y0, x0 + w, y0 + h, x0, y0 + h, x0, y0
    )
}

/// What a finished run wrote.
#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub communities: Vec<(String, String)>,
    pub people: usize,
}

#[derive(Default)]
struct Rows {
    territories: Vec<Vec<Value>>,
    people: Vec<Vec<Value>>,
    households: Vec<Vec<Value>>,
    members: Vec<Vec<Value>>,
    owners: Vec<Vec<Value>>,
    party_orgs: Vec<Vec<Value>>,
    party_members: Vec<Vec<Value>>,
    central: Vec<Vec<Value>>,
    grids: Vec<Vec<Value>>,
    organisations: Vec<Vec<Value>>,
    stations: Vec<Vec<Value>>,
    assignments: Vec<Vec<Value>>,
    alliances: Vec<Vec<Value>>,
    alliance_members: Vec<(Uuid, Uuid)>,
}

const MEMBER_COLS: &[&str] = &["household_id", "person_id", "community_id", "relation"];
const OWNER_COLS: &[&str] = &["dwelling_id", "person_id", "community_id", "share_bp"];
const PARTY_ORG_COLS: &[&str] =
    &["id", "community_id", "territory_id", "kind", "name", "leader_id", "path", "created_at"];
const PARTY_MEMBER_COLS: &[&str] = &[
    "person_id",
    "community_id",
    "org_id",
    "joined_on",
    "in_service",
    "work_unit",
    "reported_community_id",
    "reported_on",
    "path",
    "created_at",
];
const CENTRAL_COLS: &[&str] = &["id", "community_id", "household_id", "member_id", "path", "created_at"];
const GRID_COLS: &[&str] = &[
    "id",
    "community_id",
    "code",
    "name",
    "merged_types",
    "worker_id",
    "secretary_id",
    "secretary_filed_on",
    "geometry",
    "path",
    "created_at",
];
const ORG_COLS: &[&str] = &[
    "id",
    "kind",
    "code",
    "name",
    "name_pinyin",
    "territory_id",
    "contact_name",
    "contact_phone",
    "path",
    "created_at",
    "updated_at",
];
const STATION_COLS: &[&str] = &["id", "community_id", "territory_id", "name", "hours", "path", "created_at"];
const ASSIGNMENT_COLS: &[&str] = &[
    "id",
    "community_id",
    "kind",
    "organisation_id",
    "person_id",
    "territory_id",
    "household_id",
    "target_path",
    "created_at",
];

struct PersonSpec {
    id: Uuid,
    name: String,
    male: bool,
    birth: NaiveDate,
}

/// One demo account.
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
}

/// The demo accounts: one per role, and a second community secretary in another subdistrict.
pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser { username: "admin", display_name: "区级管理员", role: Role::DistrictAdmin },
    DemoUser { username: "sd1", display_name: "街道干部(第一街道)", role: Role::SubdistrictOfficer },
    DemoUser { username: "c1", display_name: "社区书记(第一社区)", role: Role::CommunitySecretary },
    DemoUser { username: "c2", display_name: "社区书记(另一街道的社区)", role: Role::CommunitySecretary },
    DemoUser { username: "w1", display_name: "网格员(第一社区)", role: Role::CommunityWorker },
    DemoUser { username: "cs1", display_name: "小区党支部书记", role: Role::CompoundSecretary },
    DemoUser { username: "bl1", display_name: "楼栋党小组长", role: Role::BuildingLeader },
    DemoUser { username: "pm1", display_name: "物业服务企业人员", role: Role::PropertyStaff },
    DemoUser { username: "oc1", display_name: "业委会成员", role: Role::OwnersCommittee },
    DemoUser { username: "so1", display_name: "社会组织人员", role: Role::SocialOrgStaff },
    DemoUser { username: "r1", display_name: "居民(第一社区)", role: Role::Resident },
];

impl Store {
    /// True when the database holds no territory yet.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(crate::batch::fetch_i64(&self.db, "SELECT count(*) FROM territories", &[]).await? == 0)
    }

    /// Builds the demo district into an empty database. `progress(done, total)` is called
    /// after each community.
    pub async fn generate_demo(
        &self,
        scale: Scale,
        seed: u64,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<DemoSummary> {
        if !self.is_empty().await? {
            return Err(StoreError::Conflict {
                field: "db".into(),
                message: "数据库已有数据，演示数据只能写入空库 (the database is not empty)".into(),
            });
        }
        let p = plan(scale);
        let epoch = demo_epoch();
        let mut g = Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            epoch,
            id_ms: epoch.timestamp_millis() as u64 - 10_000_000,
            ids_used: HashSet::new(),
        };
        let n_communities: usize = p.subdistricts.iter().map(|s| s.1).sum();
        let compounds_per = split(&mut g.rng, p.compounds, n_communities);
        let mut tx = self.begin().await?;
        if let crate::Tx::Sqlite(t, _) = &mut tx {
            // A bulk load touches every page of several random-order indexes (ID numbers,
            // names): give this connection room to keep them in memory.
            sqlx::query("PRAGMA cache_size = -1000000").execute(&mut **t).await?;
        }
        let mut summary = DemoSummary::default();

        // District, subdistricts, communities first: later rows refer to them.
        let mut top = Rows::default();
        let district = self.demo_node(&mut g, None, "district", DISTRICT_CODE, "牟平区", None, &mut top);
        let mut communities: Vec<Territory> = Vec::new();
        let mut names = COMMUNITY_NAMES.to_vec();
        names.shuffle(&mut g.rng);
        let mut ci = 0;
        for (si, (sname, nc)) in p.subdistricts.iter().enumerate() {
            let scode = format!("370612{:03}000", si + 1);
            let sd = self.demo_node(&mut g, Some(&district), "subdistrict", &scode, sname, None, &mut top);
            for k in 0..*nc {
                let code = format!("370612{:03}{:03}", si + 1, k + 1);
                let (x, y) = cell(ci);
                let geom = rect(x, y, 0.0095, 0.0095);
                let name = format!("{}社区", names[ci % names.len()]);
                let c = self.demo_node(&mut g, Some(&sd), "community", &code, &name, Some(geom), &mut top);
                summary.communities.push((c.code.clone(), c.name.clone()));
                communities.push(c);
                ci += 1;
            }
        }
        // Organisations at district level: double-reporting units and social organisations.
        let mut units = Vec::new();
        for (i, u) in UNITS.iter().enumerate() {
            let id = g.id();
            let contact = g.name();
            let phone = g.phone();
            top.organisations.push(self.demo_org(
                id,
                "double_reporting_unit",
                format!("DW{:04}", i + 1),
                u,
                None,
                contact,
                &phone,
            ));
            units.push(id);
        }
        // Property companies serve compounds across the district (which compounds, with the
        // property issue); they sit in the district's social-service alliance with units.
        let mut companies = Vec::new();
        for i in 0..p.property_companies {
            let id = g.id();
            let name = format!("烟台{}物业服务有限公司", PROPERTY_WORDS[i % PROPERTY_WORDS.len()]);
            let contact = g.name();
            let phone = g.phone();
            top.organisations.push(self.demo_org(
                id,
                "property_company",
                format!("WY{:04}", i + 1),
                &name,
                None,
                contact,
                &phone,
            ));
            companies.push(id);
        }
        let social_service = g.id();
        top.alliances.push(vec![
            social_service.into(),
            "social_service".into(),
            "LM-370612-XJY".into(),
            "牟平区新业态新就业群体党建服务联盟".into(),
            district.id.into(),
            district.path.clone().into(),
            epoch.into(),
        ]);
        for u in units.iter().take(4).chain(companies.iter().take(3)) {
            top.alliance_members.push((social_service, *u));
        }
        flush(&mut tx, &mut top).await?;

        // Social organisations adopt communities; service stations sit in compounds.
        let social_at: Vec<usize> = (0..p.social_orgs).map(|i| (i * n_communities) / p.social_orgs).collect();
        let stations_total = p.stations;
        let mut station_compounds: HashSet<usize> = HashSet::new();
        while station_compounds.len() < stations_total {
            station_compounds.insert(g.rng.gen_range(0..p.compounds));
        }
        let buildings_per_compound = split(&mut g.rng, p.buildings, p.compounds);
        let central_per_compound = split(&mut g.rng, p.central_households, p.compounds);
        let mut compound_index = 0;
        for (ci, community) in communities.iter().enumerate() {
            let mut rows = Rows::default();
            for (k, _) in social_at.iter().enumerate().filter(|(_, c)| **c == ci) {
                let name = SOCIAL_ORGS[k % SOCIAL_ORGS.len()];
                let id = g.id();
                let contact = g.name();
                let phone = g.phone();
                rows.organisations.push(self.demo_org(
                    id,
                    "social_organisation",
                    format!("SO{:04}", k + 1),
                    name,
                    Some((community.id, community.path.clone())),
                    contact,
                    &phone,
                ));
            }
            // Community party organisation: a committee for large communities.
            let kind = if compounds_per[ci] >= 8 {
                ("community_committee", "党委")
            } else {
                ("community_general_branch", "党总支")
            };
            let corg = g.id();
            rows.party_orgs.push(vec![
                corg.into(),
                community.id.into(),
                community.id.into(),
                kind.0.into(),
                format!("{}{}", community.name, kind.1).into(),
                Value::Uuid(None),
                community.path.clone().into(),
                epoch.into(),
            ]);
            let (cx, cy) = cell(ci);
            let side = (compounds_per[ci] as f64).sqrt().ceil() as usize;
            let mut used_names = HashSet::new();
            for k in 0..compounds_per[ci] {
                let ccode = format!("{}-{:02}", community.code, k + 1);
                let cname = loop {
                    let n = format!(
                        "{}{}",
                        COMPOUND_WORDS.choose(&mut g.rng).unwrap_or(&"幸福"),
                        COMPOUND_SUFFIXES.choose(&mut g.rng).unwrap_or(&"小区")
                    );
                    if used_names.insert(n.clone()) {
                        break n;
                    }
                };
                let step = 0.0095 / side as f64;
                let geom = rect(
                    cx + (k % side) as f64 * step + step * 0.08,
                    cy + (k / side) as f64 * step + step * 0.08,
                    step * 0.84,
                    step * 0.84,
                );
                let compound =
                    self.demo_node(&mut g, Some(community), "compound", &ccode, &cname, Some(geom.clone()), &mut rows);
                self.demo_compound(
                    &mut g,
                    &p,
                    community,
                    &compound,
                    geom,
                    buildings_per_compound[compound_index],
                    central_per_compound[compound_index],
                    station_compounds.contains(&compound_index),
                    &units,
                    &mut rows,
                    &mut summary,
                );
                compound_index += 1;
            }
            // The community's regional-governance alliance: the units linked to its compounds
            // and the social organisations that adopted it.
            let alliance = g.id();
            rows.alliances.push(vec![
                alliance.into(),
                "regional_governance".into(),
                format!("LM-{}", community.code).into(),
                format!("{}区域治理党建联盟", community.name).into(),
                community.id.into(),
                community.path.clone().into(),
                epoch.into(),
            ]);
            let mut members: Vec<Uuid> = rows
                .assignments
                .iter()
                .filter(|a| matches!(&a[2], Value::Text(Some(k)) if k == "unit_compound"))
                .filter_map(|a| if let Value::Uuid(Some(o)) = a[3] { Some(o) } else { None })
                .chain(rows.organisations.iter().filter_map(|o| {
                    if let Value::Uuid(Some(id)) = o[0] {
                        Some(id)
                    } else {
                        None
                    }
                }))
                .collect();
            members.sort();
            members.dedup();
            rows.alliance_members.extend(members.iter().map(|m| (alliance, *m)));
            // Every third community forms an adjacent-communities joint committee with the next
            // one in its subdistrict.
            if ci % 3 == 0 && ci + 1 < communities.len() && communities[ci + 1].parent_id == community.parent_id {
                let next = &communities[ci + 1];
                let id = g.id();
                let sd_path = community.path.rsplitn(3, '/').nth(2).map(|p| format!("{p}/")).unwrap_or_default();
                rows.alliances.push(vec![
                    id.into(),
                    "adjacent_community".into(),
                    format!("LM-{}-{}", community.code, &next.code[9..]).into(),
                    format!("{}{}毗邻区联合党委", community.name.trim_end_matches("社区"), next.name).into(),
                    community.parent_id.into(),
                    sd_path.into(),
                    epoch.into(),
                ]);
                rows.alliance_members.extend(members.iter().take(3).map(|m| (id, *m)));
            }
            flush(&mut tx, &mut rows).await?;
            progress(ci as u64 + 1, n_communities as u64);
        }
        if let crate::Tx::Sqlite(t, _) = &mut tx {
            sqlx::query("PRAGMA cache_size = -32000").execute(&mut **t).await?;
        }
        tx.commit().await?;
        self.create_demo_users().await?;
        // 牟平区's extent, so that a reported point far away (Sydney) is refused.
        self.set_appeal_setting(
            &crate::audit::AuditCtx::operator("demo"),
            crate::appeals::config::DISTRICT_BOUNDS,
            DEMO_DISTRICT_BOUNDS,
        )
        .await?;
        Ok(summary)
    }

    /// The demo accounts of [`DEMO_USERS`], all with the password `jiayuan-demo` and no forced
    /// change. Each sits on the first suitable node in code order; `c2` prefers a community
    /// of another subdistrict and falls back to the second community of the first.
    async fn create_demo_users(&self) -> Result<()> {
        use crate::batch::fetch_optional;
        async fn first(s: &Store, kind: &str, under: &str, skip: i64) -> Result<Option<(Uuid, String, String)>> {
            let sub = crate::territory::Subtree::of(under);
            let mut q = QueryParts::default();
            q.cond_bind("kind = {}", kind);
            let inside = sub.sql(&mut q, "path");
            q.cond(inside);
            let offset = q.bind(skip);
            let sql = format!(
                "SELECT id, path, code FROM territories{} ORDER BY path LIMIT 1 OFFSET {offset}",
                q.where_clause()
            );
            fetch_optional(&s.db, &sql, &q.vals).await
        }
        let missing = || StoreError::Other(anyhow::anyhow!("the demo territory lacks a node for the demo users"));
        let district = first(self, "district", "/", 0).await?.ok_or_else(missing)?;
        let sd1 = first(self, "subdistrict", "/", 0).await?.ok_or_else(missing)?;
        let c1 = first(self, "community", &sd1.1, 0).await?.ok_or_else(missing)?;
        let c2 = match first(self, "subdistrict", "/", 1).await? {
            Some(sd2) => first(self, "community", &sd2.1, 0).await?,
            None => first(self, "community", &sd1.1, 1).await?,
        }
        .ok_or_else(missing)?;
        let compound = first(self, "compound", &c1.1, 0).await?.ok_or_else(missing)?;
        let building = first(self, "building", &compound.1, 0).await?.ok_or_else(missing)?;
        let sub = crate::territory::Subtree::of(&c1.1);
        let resident: (Uuid, Uuid, String) = fetch_optional(
            &self.db,
            &format!(
                "SELECT m.person_id, h.dwelling_id, h.path FROM households h JOIN household_members m ON m.household_id = h.id AND m.relation = 'head' \
                 WHERE {} ORDER BY h.path LIMIT 1",
                within_sql("h.path", "$1", "$2")
            ),
            &sub.bounds(),
        )
        .await?
        .ok_or_else(missing)?;
        let hash = crate::accounts::hash_password(jiayuan_domain::access::DEMO_PASSWORD)?;
        let now = chrono::Utc::now();
        let mut users = Vec::new();
        let mut grants = Vec::new();
        for u in DEMO_USERS {
            let (tid, path) = match u.username {
                "admin" => (district.0, district.1.clone()),
                "sd1" => (sd1.0, sd1.1.clone()),
                "c1" | "w1" | "so1" => (c1.0, c1.1.clone()),
                "c2" => (c2.0, c2.1.clone()),
                "cs1" | "pm1" | "oc1" => (compound.0, compound.1.clone()),
                "bl1" => (building.0, building.1.clone()),
                _ => (resident.1, resident.2.clone()),
            };
            let id = new_id();
            let person = (u.role == Role::Resident).then_some(resident.0);
            users.push(vec![
                id.into(),
                u.username.into(),
                u.display_name.into(),
                hash.clone().into(),
                false.into(),
                false.into(),
                0i64.into(),
                crate::batch::Value::Ts(None),
                person.into(),
                true.into(),
                now.into(),
                now.into(),
            ]);
            grants.push(vec![
                new_id().into(),
                id.into(),
                u.role.as_str().into(),
                tid.into(),
                path.into(),
                "demo".into(),
                now.into(),
            ]);
        }
        let mut tx = self.begin().await?;
        insert_rows(
            &mut tx,
            "users",
            &[
                "id",
                "username",
                "display_name",
                "password_hash",
                "must_change_password",
                "disabled",
                "failed_logins",
                "locked_until",
                "person_id",
                "demo",
                "created_at",
                "updated_at",
            ],
            &users,
            "",
        )
        .await?;
        insert_rows(
            &mut tx,
            "role_grants",
            &["id", "user_id", "role", "territory_id", "path", "granted_by", "created_at"],
            &grants,
            "",
        )
        .await?;
        crate::audit::append(
            &mut tx,
            &crate::audit::AuditCtx::operator("demo"),
            crate::audit::AuditEvent {
                scope_path: "/",
                action: "demo.users",
                object: "users".into(),
                summary: serde_json::json!({"after": {"users": DEMO_USERS.iter().map(|u| u.username).collect::<Vec<_>>()}}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await
    }

    /// An organisation row: `place` is the territory it belongs to and that territory's path.
    #[allow(clippy::too_many_arguments)]
    fn demo_org(
        &self,
        id: Uuid,
        kind: &str,
        code: String,
        name: &str,
        place: Option<(Uuid, String)>,
        contact: String,
        phone: &str,
    ) -> Vec<Value> {
        let at = demo_epoch();
        let (territory, path) = match place {
            Some((t, p)) => (Some(t), Some(p)),
            None => (None, None),
        };
        vec![
            id.into(),
            kind.into(),
            code.into(),
            name.into(),
            names::pinyin_key(name).into(),
            territory.into(),
            contact.into(),
            self.crypto.encrypt(phone).into(),
            path.into(),
            at.into(),
            at.into(),
        ]
    }

    #[allow(clippy::too_many_arguments)]
    fn demo_node(
        &self,
        g: &mut Gen,
        parent: Option<&Territory>,
        kind: &str,
        code: &str,
        name: &str,
        geometry: Option<String>,
        rows: &mut Rows,
    ) -> Territory {
        let input = NewTerritory {
            parent_code: None,
            kind: kind.into(),
            code: code.into(),
            name: name.into(),
            geometry,
            area: None,
            dwelling_use: None,
        };
        let mut d = TerritoryDraft::build(&input, parent).expect("demo codes are valid");
        self.finish_node(g, &mut d, rows)
    }

    fn finish_node(&self, g: &mut Gen, d: &mut TerritoryDraft, rows: &mut Rows) -> Territory {
        let id = g.id();
        if d.community_id == Some(d.id) {
            d.community_id = Some(id);
        }
        d.id = id;
        rows.territories.push(d.row(g.epoch));
        Territory {
            id,
            parent_id: d.parent_id,
            community_id: d.community_id,
            kind: d.kind.as_str().into(),
            code: d.code.clone(),
            name: d.name.clone(),
            name_pinyin: String::new(),
            path: d.path.clone(),
            depth: 0,
            geometry: d.geometry.clone(),
            area_centi: d.area_centi,
            dwelling_use: d.dwelling_use.clone(),
            grid_id: None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn demo_compound(
        &self,
        g: &mut Gen,
        p: &Plan,
        community: &Territory,
        compound: &Territory,
        geom: String,
        n_buildings: usize,
        n_central: usize,
        station: bool,
        units: &[Uuid],
        rows: &mut Rows,
        summary: &mut DemoSummary,
    ) {
        let epoch = g.epoch;
        let cid = community.id;
        let branch = g.id();
        let grid = g.id();
        let mut members_of_branch: Vec<(Uuid, String)> = Vec::new();
        // (household id, head person id, path, party member, row index) in tree order
        let mut households: Vec<(Uuid, Uuid, String, Option<Uuid>, usize)> = Vec::new();
        let mut buildings: Vec<(Uuid, String)> = Vec::new();
        for b in 0..n_buildings {
            let bcode = format!("{}-{:02}", compound.code, b + 1);
            let building = self.demo_node(g, Some(compound), "building", &bcode, &format!("{}号楼", b + 1), None, rows);
            if let Some(row) = rows.territories.last_mut() {
                row[12] = grid.into(); // each building lies in exactly one merged grid
            }
            buildings.push((building.id, building.path.clone()));
            let mut building_members: Vec<(Uuid, String)> = Vec::new();
            let n_ent = g.rng.gen_range(p.entrances.0..=p.entrances.1);
            let floors = g.rng.gen_range(p.floors.0..=p.floors.1);
            for e in 1..=n_ent {
                let entrance = self.demo_node(
                    g,
                    Some(&building),
                    "entrance",
                    &format!("{bcode}-{e}"),
                    &format!("{e}单元"),
                    None,
                    rows,
                );
                for f in 1..=floors {
                    for u in 1..=2 {
                        let num = format!("{f:02}{u:02}");
                        let area = format!("{}.{:02}", g.rng.gen_range(55..140), g.rng.gen_range(0..100));
                        let input = NewTerritory {
                            parent_code: None,
                            kind: "dwelling".into(),
                            code: format!("{}-{num}", entrance.code),
                            name: format!("{num}室"),
                            geometry: None,
                            area: Some(area),
                            dwelling_use: Some("residential".into()),
                        };
                        let mut d = TerritoryDraft::build(&input, Some(&entrance)).expect("demo dwelling is valid");
                        let dwelling = self.finish_node(g, &mut d, rows);
                        if g.rng.gen_bool(0.04) {
                            continue; // vacant
                        }
                        let (hh, head, member) = self.demo_household(g, cid, &dwelling, rows, summary);
                        if let Some(m) = member {
                            building_members.push((m, dwelling.path.clone()));
                        }
                        households.push((hh, head, dwelling.path.clone(), member, rows.households.len() - 1));
                    }
                }
            }
            // Building party group, led by a party member living there.
            let leader = building_members.first().map(|m| m.0);
            let group = g.id();
            rows.party_orgs.push(vec![
                group.into(),
                cid.into(),
                building.id.into(),
                "building_group".into(),
                format!("{}{}党小组", compound.name, building.name).into(),
                leader.into(),
                building.path.clone().into(),
                epoch.into(),
            ]);
            members_of_branch.extend(building_members);
        }
        // Central households: members' households spread evenly through the compound, each
        // serving the run of neighbours that follows it in tree order.
        let candidates: Vec<usize> =
            households.iter().enumerate().filter(|(_, h)| h.3.is_some()).map(|(i, _)| i).collect();
        let n_central = n_central.min(households.len());
        let chosen: Vec<usize> = if candidates.len() >= n_central {
            let step = candidates.len() as f64 / n_central as f64;
            (0..n_central).map(|i| candidates[(i as f64 * step) as usize]).collect()
        } else {
            let step = households.len() as f64 / n_central as f64;
            (0..n_central).map(|i| (i as f64 * step) as usize).collect()
        };
        let mut central_of = vec![None; households.len()];
        let covered = (households.len() as f64 * 0.95) as usize;
        let mut central_ids = Vec::new();
        for &hi in &chosen {
            let (hh, head, path, member, _) = &households[hi];
            let id = g.id();
            let member = match member {
                Some(m) => *m,
                None => {
                    // A central household is by definition a party member's: make the head one.
                    members_of_branch.push((*head, path.clone()));
                    *head
                }
            };
            rows.central.push(vec![
                id.into(),
                cid.into(),
                (*hh).into(),
                member.into(),
                path.clone().into(),
                epoch.into(),
            ]);
            central_ids.push((hi, id));
        }
        for (i, slot) in central_of.iter_mut().enumerate().take(covered) {
            // The nearest chosen central household at or before this one in tree order.
            let owner = central_ids.iter().rev().find(|(hi, _)| *hi <= i).or(central_ids.first());
            *slot = owner.map(|o| o.1);
        }
        for (i, h) in households.iter().enumerate() {
            rows.households[h.4][5] = Value::Uuid(central_of[i]);
        }
        for (m, path) in &members_of_branch {
            let joined = g.birth(1, 40);
            // In-service members (在职党员) also report to the community they live in (双报到).
            let (in_service, unit, reported, reported_on) = if g.rng.gen_bool(0.2) {
                let unit = UNITS.choose(&mut g.rng).copied().unwrap_or(UNITS[0]);
                (
                    true,
                    Some(unit.to_string()),
                    Some(cid),
                    Some(epoch.date_naive() - Duration::days(g.rng.gen_range(10..900))),
                )
            } else {
                (false, None, None, None)
            };
            rows.party_members.push(vec![
                (*m).into(),
                cid.into(),
                branch.into(),
                joined.into(),
                in_service.into(),
                unit.into(),
                reported.into(),
                reported_on.into(),
                path.clone().into(),
                epoch.into(),
            ]);
        }
        let secretary = members_of_branch.first().map(|m| m.0);
        rows.party_orgs.push(vec![
            branch.into(),
            cid.into(),
            compound.id.into(),
            "compound_branch".into(),
            format!("{}党支部", compound.name).into(),
            secretary.into(),
            compound.path.clone().into(),
            epoch.into(),
        ]);

        // Merged grid over the compound, with a community worker and the branch secretary.
        let worker = g.id();
        let wname = g.name();
        let male = g.rng.gen_bool(0.4);
        let wbirth = g.birth(24, 45);
        let wid = g.resident_id(wbirth, male);
        let phone = g.phone();
        rows.people.push(
            PersonRow {
                id: worker,
                community_id: Some(cid),
                name: &wname,
                id_number: &wid,
                birth_date: wbirth,
                male,
                phone: Some(phone),
                tags: String::new(),
                home_path: None,
                at: epoch,
            }
            .values(&self.crypto),
        );
        let filed = epoch.date_naive() - Duration::days(g.rng.gen_range(30..700));
        rows.grids.push(vec![
            grid.into(),
            cid.into(),
            format!("{}-G1", compound.code).into(),
            format!("{}网格", compound.name).into(),
            "public_security,urban_management,party_building".into(),
            worker.into(),
            secretary.into(),
            filed.into(),
            geom.into(),
            compound.path.clone().into(),
            epoch.into(),
        ]);

        // 一联双包: most compounds have a unit, most buildings a cadre.
        if g.rng.gen_bool(0.6) {
            let id = g.id();
            let contact = g.name();
            let phone = g.phone();
            let name = format!("{}业主委员会", compound.name);
            rows.organisations.push(self.demo_org(
                id,
                "owners_committee",
                format!("YWH-{}", compound.code),
                &name,
                Some((compound.id, compound.path.clone())),
                contact,
                &phone,
            ));
        }
        if g.rng.gen_bool(0.93) {
            let unit = units[g.rng.gen_range(0..units.len())];
            let id = g.id();
            rows.assignments.push(vec![
                id.into(),
                cid.into(),
                "unit_compound".into(),
                unit.into(),
                Value::Uuid(None),
                compound.id.into(),
                Value::Uuid(None),
                compound.path.clone().into(),
                epoch.into(),
            ]);
        }
        let mut cadre: Option<Uuid> = None;
        for (bi, (b, bpath)) in buildings.iter().enumerate() {
            if g.rng.gen_bool(0.05) {
                continue;
            }
            if cadre.is_none() || bi % 3 == 0 {
                let id = g.id();
                let name = g.name();
                let male = g.rng.gen_bool(0.6);
                let birth = g.birth(30, 55);
                let idn = g.resident_id(birth, male);
                let phone = g.phone();
                rows.people.push(
                    PersonRow {
                        id,
                        community_id: None,
                        name: &name,
                        id_number: &idn,
                        birth_date: birth,
                        male,
                        phone: Some(phone),
                        tags: String::new(),
                        home_path: None,
                        at: epoch,
                    }
                    .values(&self.crypto),
                );
                cadre = Some(id);
            }
            let id = g.id();
            rows.assignments.push(vec![
                id.into(),
                cid.into(),
                "cadre_building".into(),
                Value::Uuid(None),
                cadre.into(),
                (*b).into(),
                Value::Uuid(None),
                bpath.clone().into(),
                epoch.into(),
            ]);
        }
        if station {
            let id = g.id();
            rows.stations.push(vec![
                id.into(),
                cid.into(),
                compound.id.into(),
                format!("{}党群服务站", compound.name).into(),
                "周一至周五 8:30-17:30，周六 9:00-12:00".into(),
                compound.path.clone().into(),
                epoch.into(),
            ]);
        }
    }

    /// One household in a dwelling: 1–5 people with plausible ages and relations.
    fn demo_household(
        &self,
        g: &mut Gen,
        cid: Uuid,
        dwelling: &Territory,
        rows: &mut Rows,
        summary: &mut DemoSummary,
    ) -> (Uuid, Uuid, Option<Uuid>) {
        let epoch = g.epoch;
        let hh = g.id();
        let size = *[1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 1].choose(&mut g.rng).unwrap_or(&2);
        let head_age_min = if size >= 3 { 32 } else { 25 };
        let mut people: Vec<(PersonSpec, &'static str)> = Vec::new();
        let head_male = g.rng.gen_bool(0.7);
        let head_birth = g.birth(head_age_min, 85);
        let surname_name = g.name();
        people
            .push((PersonSpec { id: g.id(), name: surname_name.clone(), male: head_male, birth: head_birth }, "head"));
        let surname: String = surname_name.chars().next().map(String::from).unwrap_or_default();
        if size >= 2 {
            let b = head_birth + Duration::days(g.rng.gen_range(-1500..1500));
            people.push((PersonSpec { id: g.id(), name: g.name(), male: !head_male, birth: b }, "spouse"));
        }
        for _ in 2..size {
            let head_age = epoch.date_naive().year() - head_birth.year();
            if head_age > 70 && g.rng.gen_bool(0.5) {
                let b = head_birth + Duration::days(g.rng.gen_range(20 * 365..35 * 365));
                let given: String = g.name().chars().skip(1).collect();
                people.push((
                    PersonSpec {
                        id: g.id(),
                        name: format!("{surname}{given}"),
                        male: g.rng.gen_bool(0.5),
                        birth: b.min(epoch.date_naive()),
                    },
                    "child",
                ));
            } else {
                let b = head_birth + Duration::days(g.rng.gen_range(22 * 365..38 * 365));
                let given: String = g.name().chars().skip(1).collect();
                people.push((
                    PersonSpec {
                        id: g.id(),
                        name: format!("{surname}{given}"),
                        male: g.rng.gen_bool(0.5),
                        birth: b.min(epoch.date_naive() - Duration::days(30)),
                    },
                    "child",
                ));
            }
        }
        let owner = g.rng.gen_bool(0.85);
        rows.households.push(vec![
            hh.into(),
            cid.into(),
            format!("{}-H", dwelling.code).into(),
            dwelling.id.into(),
            (if owner { "owner" } else { "tenant" }).into(),
            Value::Uuid(None),
            dwelling.path.clone().into(),
            epoch.into(),
            epoch.into(),
        ]);
        let mut party_member = None;
        let today = epoch.date_naive();
        for (i, (p, rel)) in people.iter().enumerate() {
            let age = today.years_since(p.birth).unwrap_or(0);
            let idn = g.resident_id(p.birth, p.male);
            let mut tags = Vec::new();
            if age >= 60 {
                tags.push("elderly");
            }
            if age < 18 {
                tags.push("child");
            }
            if g.rng.gen_bool(0.02) {
                tags.push("disabled");
            }
            if p.male && age >= 25 && g.rng.gen_bool(0.05) {
                tags.push("veteran");
            }
            if g.rng.gen_bool(0.02) {
                tags.push("low_income");
            }
            if (20..=45).contains(&age) && g.rng.gen_bool(0.04) {
                tags.push("new_employment");
            }
            if size == 1 && age >= 60 {
                tags.push("living_alone");
            }
            // Canonical order: the enum's, as a ledger import would store it.
            let tags: Vec<&str> = jiayuan_domain::person::parse_tags(&tags.join(","), "tags")
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.as_str())
                .collect();
            let phone = if age >= 16 && g.rng.gen_bool(0.9) { Some(g.phone()) } else { None };
            rows.people.push(
                PersonRow {
                    id: p.id,
                    community_id: Some(cid),
                    name: &p.name,
                    id_number: &idn,
                    birth_date: p.birth,
                    male: p.male,
                    phone,
                    tags: tags.join(","),
                    home_path: Some(dwelling.path.clone()),
                    at: epoch,
                }
                .values(&self.crypto),
            );
            rows.members.push(vec![hh.into(), p.id.into(), cid.into(), (*rel).into()]);
            summary.people += 1;
            if party_member.is_none() && age >= 22 && g.rng.gen_bool(if i == 0 { 0.09 } else { 0.03 }) {
                party_member = Some(p.id);
            }
        }
        if owner {
            let share = if size >= 2 && g.rng.gen_bool(0.5) { 5000 } else { 10000 };
            rows.owners.push(vec![dwelling.id.into(), people[0].0.id.into(), cid.into(), (share as i64).into()]);
            if share == 5000 {
                rows.owners.push(vec![dwelling.id.into(), people[1].0.id.into(), cid.into(), 5000i64.into()]);
            }
        }
        (hh, people[0].0.id, party_member)
    }
}

/// Lower-left corner of community `i`'s cell on the demo map (around 牟平, 121.6°E 37.38°N).
fn cell(i: usize) -> (f64, f64) {
    (121.56 + (i % 6) as f64 * 0.01, 37.36 + (i / 6) as f64 * 0.01)
}

async fn flush(tx: &mut crate::Tx, r: &mut Rows) -> Result<()> {
    insert_rows(tx, "territories", TERRITORY_INSERT_COLS, &std::mem::take(&mut r.territories), "").await?;
    insert_rows(tx, "people", PEOPLE_INSERT_COLS, &std::mem::take(&mut r.people), "").await?;
    insert_rows(tx, "households", HOUSEHOLD_INSERT_COLS, &std::mem::take(&mut r.households), "").await?;
    insert_rows(tx, "household_members", MEMBER_COLS, &std::mem::take(&mut r.members), "").await?;
    insert_rows(tx, "owners", OWNER_COLS, &std::mem::take(&mut r.owners), "").await?;
    insert_rows(tx, "party_orgs", PARTY_ORG_COLS, &std::mem::take(&mut r.party_orgs), "").await?;
    insert_rows(tx, "party_members", PARTY_MEMBER_COLS, &std::mem::take(&mut r.party_members), "").await?;
    insert_rows(tx, "central_households", CENTRAL_COLS, &std::mem::take(&mut r.central), "").await?;
    insert_rows(tx, "grids", GRID_COLS, &std::mem::take(&mut r.grids), "").await?;
    insert_rows(tx, "organisations", ORG_COLS, &std::mem::take(&mut r.organisations), "").await?;
    insert_rows(tx, "service_stations", STATION_COLS, &std::mem::take(&mut r.stations), "").await?;
    insert_rows(tx, "assignments", ASSIGNMENT_COLS, &std::mem::take(&mut r.assignments), "").await?;
    insert_rows(
        tx,
        "alliances",
        &["id", "kind", "code", "name", "territory_id", "path", "created_at"],
        &std::mem::take(&mut r.alliances),
        "",
    )
    .await?;
    let members: Vec<Vec<Value>> =
        std::mem::take(&mut r.alliance_members).into_iter().map(|(a, o)| vec![a.into(), o.into()]).collect();
    insert_rows(tx, "alliance_members", &["alliance_id", "organisation_id"], &members, "").await?;
    Ok(())
}
