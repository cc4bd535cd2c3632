//! The demo's places and what lives in them: organisations, nodes, compounds with their
//! buildings, households and residents.

use super::*;
use crate::batch::Value;
use crate::people::PersonRow;
use crate::territory::{NewTerritory, TerritoryDraft};
use crate::{model::Territory, Store};
use chrono::{Datelike, Duration};
use jiayuan_domain::names;
use rand::seq::SliceRandom;
use rand::Rng;
use uuid::Uuid;

impl Store {
    /// An organisation row: `place` is the territory it belongs to and that territory's path.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn demo_org(
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
    pub(super) fn demo_node(
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

    pub(super) fn finish_node(&self, g: &mut Gen, d: &mut TerritoryDraft, rows: &mut Rows) -> Territory {
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
    pub(super) fn demo_compound(
        &self,
        g: &mut Gen,
        p: &Plan,
        community: &Territory,
        compound: &Territory,
        geom: String,
        plot: (f64, f64, f64, f64),
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
            let footprint = building_footprint(b, n_buildings, plot.0, plot.1, plot.2, plot.3);
            let building =
                self.demo_node(g, Some(compound), "building", &bcode, &format!("{}号楼", b + 1), Some(footprint), rows);
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
            },
            &self.crypto,
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
                    },
                    &self.crypto,
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
    pub(super) fn demo_household(
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
                },
                &self.crypto,
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
