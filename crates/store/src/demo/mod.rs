//! The demo district: a deterministic, plausible 牟平区 at seed scale or small scale.
//!
//! The same `--seed` gives the same data (ids included): every random choice comes from one
//! ChaCha stream and ids are UUIDv7 built from a fixed epoch and that stream. Counts that the
//! seed document reports (219 compound branches, 2026 building groups, 3886 central
//! households, 27 social organisations, 32 service stations) are met exactly at seed scale.
//! Rows are written community by community inside one transaction, so memory stays flat.

mod assemblies;
mod councils;
mod gen;
mod grid;
mod history;
pub use history::{HistorySummary, CONSULTATIONS_OUTSIDE_HOURS, MATTERS_OUTSIDE_HOURS};
mod life;
mod places;
mod rows;
mod support;
mod users;
mod workers;

use crate::batch::Value;
use crate::{model::Territory, Result, Store, StoreError};
use chrono::{DateTime, TimeZone, Utc};
use gen::*;
use jiayuan_domain::access::Role;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rows::*;
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

/// What a finished run wrote.
#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub communities: Vec<(String, String)>,
    pub people: usize,
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
        if let crate::Tx::Sqlite(t, ..) = &mut tx {
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
                let plot = (
                    cx + (k % side) as f64 * step + step * 0.12,
                    cy + (k / side) as f64 * step + step * 0.12,
                    step * 0.76,
                    step * 0.76,
                );
                let geom = compound_outline(&ccode, plot.0, plot.1, plot.2, plot.3);
                let compound =
                    self.demo_node(&mut g, Some(community), "compound", &ccode, &cname, Some(geom.clone()), &mut rows);
                self.demo_compound(
                    &mut g,
                    &p,
                    community,
                    &compound,
                    geom,
                    plot,
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
        if let crate::Tx::Sqlite(t, ..) = &mut tx {
            sqlx::query("PRAGMA cache_size = -32000").execute(&mut **t).await?;
        }
        // Every community's centre and every compound station is a service point.
        crate::service::open_points_everywhere(&mut tx).await?;
        tx.commit().await?;
        self.create_demo_users().await?;
        // 牟平区's extent, so that a reported point far away (Sydney) is refused.
        self.set_appeal_setting(
            &crate::audit::AuditCtx::operator("demo"),
            crate::appeals::config::DISTRICT_BOUNDS,
            DEMO_DISTRICT_BOUNDS,
        )
        .await?;
        self.refresh_statistics().await?;
        Ok(summary)
    }
}
