//! Importing the organisation, party-member and assignment ledgers.

use super::*;
use crate::new_id;
use chrono::Utc;
use jiayuan_domain::org::{AssignmentKind, OrgKind, PartyOrgKind};
use jiayuan_domain::{names, Phone, ResidentId};

/// (kind, organisation, person, territory, household, community, target path).
type AssignmentRec = (AssignmentKind, Option<Uuid>, Option<Uuid>, Option<Uuid>, Option<Uuid>, Uuid, String);

#[derive(Debug, Clone, sqlx::FromRow)]
struct PartyOrgKey {
    id: Uuid,
    community_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct MemberRow {
    person_id: Uuid,
    org_id: Option<Uuid>,
    joined_on: Option<NaiveDate>,
    in_service: bool,
    work_unit: Option<String>,
    reported_community_id: Option<Uuid>,
    reported_on: Option<NaiveDate>,
}

impl Store {
    /// The party organisation a ledger names by its territory's code: the community
    /// organisation, the compound branch or the building group.
    async fn party_org_at(&self, territory: &TerritoryKey) -> Result<Option<PartyOrgKey>> {
        let rows: Vec<PartyOrgKey> = fetch_all(
            &self.db,
            "SELECT id, community_id FROM party_orgs WHERE territory_id = $1 ORDER BY kind",
            &[territory.id.into()],
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    pub(super) async fn import_party_members(&self, sheet: Sheet, progress: &Progress<'_>) -> Result<ImportReport> {
        let k = LedgerKind::PartyMembers;
        let mut errors = Errors::default();
        let ids: HashSet<String> =
            sheet.rows.iter().filter_map(|(_, r)| get(r, "id_number").map(|s| s.trim().to_ascii_uppercase())).collect();
        let people = self.person_keys(&ids).await?;
        let codes: HashSet<String> = sheet
            .rows
            .iter()
            .flat_map(|(_, r)| [get(r, "org"), get(r, "reported_community")])
            .flatten()
            .map(str::to_string)
            .collect();
        let territories = self.territory_keys(&codes).await?;
        let serves: HashSet<String> = sheet
            .rows
            .iter()
            .filter_map(|(_, r)| get(r, "serves"))
            .flat_map(|s| {
                s.split(['、', ',', '，', ';'])
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
            })
            .collect();
        let households = self.household_keys(&serves).await?;
        let mut orgs: HashMap<String, PartyOrgKey> = HashMap::new();
        for (code, t) in &territories {
            if let Some(o) = self.party_org_at(t).await? {
                orgs.insert(code.clone(), o);
            }
        }
        struct Rec {
            m: MemberRow,
            path: Option<String>,
            community: Uuid,
            central: bool,
            serves: Vec<Uuid>,
        }
        let mut recs = Vec::new();
        let mut seen = HashSet::new();
        for (rowno, r) in &sheet.rows {
            let rowno = *rowno;
            let person = match req(r, "id_number").and_then(ResidentId::parse) {
                Ok(i) => match people.get(i.as_str()) {
                    Some(p) => p.clone(),
                    None => {
                        errors.add(
                            rowno,
                            k,
                            FieldError::new(
                                "id_number",
                                "此人不在人口台账中，请先导入人口 (person not found; import people first)",
                            ),
                        );
                        continue;
                    }
                },
                Err(e) => {
                    errors.add(rowno, k, e.in_field("id_number"));
                    continue;
                }
            };
            if !seen.insert(person.id) {
                errors.add(rowno, k, FieldError::new("id_number", "身份证号在文件中重复 (duplicate in file)"));
                continue;
            }
            if let Some(n) = get(r, "name") {
                if n != person.name {
                    errors.add(
                        rowno,
                        k,
                        FieldError::new(
                            "name",
                            format!(
                                "姓名与人口台账不符 (does not match the people ledger: {})",
                                names::mask_name(&person.name)
                            ),
                        ),
                    );
                }
            }
            let org = match req(r, "org") {
                Ok(c) => {
                    match orgs.get(c) {
                        Some(o) => o.clone(),
                        None => {
                            errors.add(rowno, k, FieldError::new("org", format!("{c}处没有党组织，请先在组织台账中建立 (no party organisation at this territory)")));
                            continue;
                        }
                    }
                }
                Err(e) => {
                    errors.add(rowno, k, e);
                    continue;
                }
            };
            let joined_on = match get(r, "joined_on").map(|d| parse_date(d, "joined_on")).transpose() {
                Ok(d) => d,
                Err(e) => {
                    errors.add(rowno, k, e);
                    None
                }
            };
            let in_service = parse_yes(get(r, "in_service"), "in_service").unwrap_or_else(|e| {
                errors.add(rowno, k, e);
                false
            });
            let reported_community_id = match get(r, "reported_community") {
                Some(c) => match territories.get(c) {
                    Some(t) if t.kind == "community" => Some(t.id),
                    _ => {
                        errors.add(
                            rowno,
                            k,
                            FieldError::new("reported_community", format!("{c}不是社区编码 (not a community code)")),
                        );
                        None
                    }
                },
                None => None,
            };
            let reported_on = match get(r, "reported_on").map(|d| parse_date(d, "reported_on")).transpose() {
                Ok(d) => d,
                Err(e) => {
                    errors.add(rowno, k, e);
                    None
                }
            };
            let central = parse_yes(get(r, "central_household"), "central_household").unwrap_or_else(|e| {
                errors.add(rowno, k, e);
                false
            });
            if central && person.home_path.is_none() {
                errors.add(
                    rowno,
                    k,
                    FieldError::new(
                        "central_household",
                        "党员中心户须是某一户的成员 (a central household member must belong to a household)",
                    ),
                );
            }
            let mut served = Vec::new();
            for n in
                get(r, "serves").unwrap_or("").split(['、', ',', '，', ';']).map(str::trim).filter(|s| !s.is_empty())
            {
                match households.get(n) {
                    Some(h) => served.push(h.id),
                    None => {
                        errors.add(rowno, k, FieldError::new("serves", format!("户号{n}不存在 (household not found)")))
                    }
                }
            }
            if !served.is_empty() && !central {
                errors.add(
                    rowno,
                    k,
                    FieldError::new(
                        "serves",
                        "只有党员中心户可以有联系户 (only a central household serves households)",
                    ),
                );
            }
            recs.push(Rec {
                m: MemberRow {
                    person_id: person.id,
                    org_id: Some(org.id),
                    joined_on,
                    in_service,
                    work_unit: get(r, "work_unit").map(str::to_string),
                    reported_community_id,
                    reported_on,
                },
                path: person.home_path.clone(),
                community: org.community_id,
                central,
                serves: served,
            });
        }
        errors.finish()?;
        progress.validated();
        let now = Utc::now();
        let mut report = ImportReport { rows: sheet.rows.len(), ..Default::default() };
        let mut tx = self.begin().await?;
        for r in &recs {
            let cur: Option<MemberRow> = crate::on_tx!(&mut tx, |c| {
                sqlx::query_as::<_, MemberRow>("SELECT person_id, org_id, joined_on, in_service, work_unit, reported_community_id, reported_on FROM party_members WHERE person_id = $1").bind(r.m.person_id).fetch_optional(c).await
            })?;
            let mut changed = false;
            match &cur {
                None => {
                    batch::exec(&mut tx, "INSERT INTO party_members (person_id, community_id, org_id, joined_on, in_service, work_unit, reported_community_id, reported_on, path, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)", &[r.m.person_id.into(), r.community.into(), r.m.org_id.into(), r.m.joined_on.into(), r.m.in_service.into(), r.m.work_unit.clone().into(), r.m.reported_community_id.into(), r.m.reported_on.into(), r.path.clone().into(), now.into()]).await?;
                    report.created += 1;
                }
                Some(c) if *c != r.m => {
                    batch::exec(&mut tx, "UPDATE party_members SET org_id = $1, joined_on = $2, in_service = $3, work_unit = $4, reported_community_id = $5, reported_on = $6, path = $7 WHERE person_id = $8", &[r.m.org_id.into(), r.m.joined_on.into(), r.m.in_service.into(), r.m.work_unit.clone().into(), r.m.reported_community_id.into(), r.m.reported_on.into(), r.path.clone().into(), r.m.person_id.into()]).await?;
                    changed = true;
                }
                Some(_) => {}
            }
            // Central household: the member's own household, and the households it serves.
            let own: Option<(Uuid, Uuid, String)> = crate::on_tx!(&mut tx, |c| {
                sqlx::query_as::<_, (Uuid, Uuid, String)>("SELECT h.id, h.community_id, h.path FROM household_members m JOIN households h ON h.id = m.household_id WHERE m.person_id = $1").bind(r.m.person_id).fetch_optional(c).await
            })?;
            let existing_central: Option<(Uuid,)> = crate::on_tx!(&mut tx, |c| sqlx::query_as::<_, (Uuid,)>(
                "SELECT id FROM central_households WHERE member_id = $1"
            )
            .bind(r.m.person_id)
            .fetch_optional(c)
            .await)?;
            if r.central {
                let Some((hid, community, path)) = own else {
                    return Err(StoreError::Ledger(vec![RowError {
                        row: 0,
                        column: "党员中心户".into(),
                        message: "党员中心户须有本人所在户 (a central household member must belong to a household)"
                            .into(),
                    }]));
                };
                let cid = match existing_central {
                    Some((id,)) => id,
                    None => {
                        let id = new_id();
                        batch::exec(&mut tx, "INSERT INTO central_households (id, community_id, household_id, member_id, path, created_at) VALUES ($1,$2,$3,$4,$5,$6)", &[id.into(), community.into(), hid.into(), r.m.person_id.into(), path.into(), now.into()]).await?;
                        changed = changed || cur.is_some();
                        id
                    }
                };
                for h in &r.serves {
                    let n = batch::exec(&mut tx, "UPDATE households SET central_household_id = $1 WHERE id = $2 AND (central_household_id IS NULL OR central_household_id <> $1)", &[cid.into(), (*h).into()]).await?;
                    changed = changed || (n > 0 && cur.is_some());
                }
            } else if let Some((id,)) = existing_central {
                batch::exec(
                    &mut tx,
                    "UPDATE households SET central_household_id = NULL WHERE central_household_id = $1",
                    &[id.into()],
                )
                .await?;
                batch::exec(&mut tx, "DELETE FROM central_households WHERE id = $1", &[id.into()]).await?;
                changed = true;
            }
            if cur.is_some() {
                if changed {
                    report.updated += 1;
                } else {
                    report.unchanged += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(report)
    }

    pub(super) async fn import_organisations(&self, sheet: Sheet, progress: &Progress<'_>) -> Result<ImportReport> {
        let k = LedgerKind::Organisations;
        let mut errors = Errors::default();
        let codes: HashSet<String> =
            sheet.rows.iter().filter_map(|(_, r)| get(r, "territory").map(str::to_string)).collect();
        let territories = self.territory_keys(&codes).await?;
        let leader_ids: HashSet<String> =
            sheet.rows.iter().filter_map(|(_, r)| get(r, "leader_id_number").map(|s| s.to_ascii_uppercase())).collect();
        let leaders = self.person_keys(&leader_ids).await?;
        enum Rec {
            Party {
                territory: TerritoryKey,
                kind: PartyOrgKind,
                name: String,
                leader: Option<Uuid>,
            },
            Org {
                code: String,
                kind: OrgKind,
                name: String,
                territory: Option<TerritoryKey>,
                contact: Option<String>,
                phone: Option<String>,
            },
        }
        let mut recs = Vec::new();
        let mut seen = HashSet::new();
        for (rowno, r) in &sheet.rows {
            let rowno = *rowno;
            let (code, name, kind) = match (req(r, "code"), req(r, "name"), req(r, "kind")) {
                (Ok(c), Ok(n), Ok(k)) => (c.to_string(), n.to_string(), k.to_string()),
                (a, b, c) => {
                    for e in [a.err(), b.err(), c.err()].into_iter().flatten() {
                        errors.add(rowno, k, e);
                    }
                    continue;
                }
            };
            if !seen.insert(code.clone()) {
                errors.add(rowno, k, FieldError::new("code", "编码在文件中重复 (duplicate code in file)"));
                continue;
            }
            let territory = match get(r, "territory") {
                Some(c) => match territories.get(c) {
                    Some(t) => Some(t.clone()),
                    None => {
                        errors.add(
                            rowno,
                            k,
                            FieldError::new("territory", format!("区域编码{c}不存在 (territory not found)")),
                        );
                        continue;
                    }
                },
                None => None,
            };
            if let Some(pk) = PartyOrgKind::parse(&kind) {
                let Some(t) = territory else {
                    errors.add(
                        rowno,
                        k,
                        FieldError::new(
                            "territory",
                            "党组织必须填写所属区域 (a party organisation needs its territory)",
                        ),
                    );
                    continue;
                };
                if pk.territory_kind().as_str() != t.kind {
                    errors.add(
                        rowno,
                        k,
                        FieldError::new(
                            "territory",
                            format!(
                                "{}应设在{}上 (belongs to a {})",
                                pk.label_zh(),
                                pk.territory_kind().label_zh(),
                                pk.territory_kind().as_str()
                            ),
                        ),
                    );
                    continue;
                }
                let leader = match get(r, "leader_id_number") {
                    Some(i) => match leaders.get(&i.to_ascii_uppercase()) {
                        Some(p) => Some(p.id),
                        None => {
                            errors.add(
                                rowno,
                                k,
                                FieldError::new("leader_id_number", "负责人不在人口台账中 (leader not found)"),
                            );
                            continue;
                        }
                    },
                    None => None,
                };
                recs.push(Rec::Party { territory: t, kind: pk, name, leader });
                continue;
            }
            let ok = match OrgKind::parse_field(&kind, "kind") {
                Ok(o) => o,
                Err(e) => {
                    let mut e = e;
                    e.message.push_str(&format!(
                        "；或党组织: {}",
                        PartyOrgKind::ALL.iter().map(|p| p.label_zh()).collect::<Vec<_>>().join("、")
                    ));
                    errors.add(rowno, k, e);
                    continue;
                }
            };
            let phone = match get(r, "contact_phone").map(Phone::parse).transpose() {
                Ok(p) => p.map(|p| p.as_str().to_string()),
                Err(e) => {
                    errors.add(rowno, k, e.in_field("contact_phone"));
                    continue;
                }
            };
            recs.push(Rec::Org {
                code,
                kind: ok,
                name,
                territory,
                contact: get(r, "contact_name").map(str::to_string),
                phone,
            });
        }
        errors.finish()?;
        progress.validated();
        let now = Utc::now();
        let mut report = ImportReport { rows: sheet.rows.len(), ..Default::default() };
        let mut tx = self.begin().await?;
        for rec in &recs {
            match rec {
                Rec::Party { territory, kind, name, leader } => {
                    let cur: Option<(Uuid, String, Option<Uuid>)> = crate::on_tx!(&mut tx, |c| {
                        sqlx::query_as::<_, (Uuid, String, Option<Uuid>)>(
                            "SELECT id, name, leader_id FROM party_orgs WHERE territory_id = $1 AND kind = $2",
                        )
                        .bind(territory.id)
                        .bind(kind.as_str())
                        .fetch_optional(c)
                        .await
                    })?;
                    let community = territory
                        .community_id
                        .ok_or_else(|| StoreError::invalid("territory", "party organisation outside a community"))?;
                    match cur {
                        None => {
                            batch::exec(&mut tx, "INSERT INTO party_orgs (id, community_id, territory_id, kind, name, leader_id, path, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)", &[new_id().into(), community.into(), territory.id.into(), kind.as_str().into(), name.clone().into(), (*leader).into(), territory.path.clone().into(), now.into()]).await?;
                            report.created += 1;
                        }
                        Some((id, n, l)) if n != *name || (leader.is_some() && l != *leader) => {
                            batch::exec(
                                &mut tx,
                                "UPDATE party_orgs SET name = $1, leader_id = COALESCE($2, leader_id) WHERE id = $3",
                                &[name.clone().into(), (*leader).into(), id.into()],
                            )
                            .await?;
                            report.updated += 1;
                        }
                        Some(_) => report.unchanged += 1,
                    }
                }
                Rec::Org { code, kind, name, territory, contact, phone } => {
                    type Cur = (Uuid, String, String, Option<Uuid>, Option<String>, Option<String>);
                    let cur: Option<Cur> = crate::on_tx!(&mut tx, |c| {
                        sqlx::query_as::<_, Cur>("SELECT id, kind, name, territory_id, contact_name, contact_phone FROM organisations WHERE code = $1").bind(code.clone()).fetch_optional(c).await
                    })?;
                    let tid = territory.as_ref().map(|t| t.id);
                    let path = territory.as_ref().map(|t| t.path.clone());
                    let cur = match cur {
                        Some((id, k0, n0, t0, c0, p0)) => {
                            Some((id, k0, n0, t0, c0, self.crypto.decrypt_opt(p0.as_deref())?))
                        }
                        None => None,
                    };
                    let sealed_phone = phone.as_deref().map(|p| self.crypto.encrypt(p));
                    match cur {
                        None => {
                            batch::exec(&mut tx, "INSERT INTO organisations (id, kind, code, name, name_pinyin, territory_id, contact_name, contact_phone, path, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)", &[new_id().into(), kind.as_str().into(), code.clone().into(), name.clone().into(), names::pinyin_key(name).into(), tid.into(), contact.clone().into(), sealed_phone.clone().into(), path.into(), now.into(), now.into()]).await?;
                            report.created += 1;
                        }
                        Some((id, k0, n0, t0, c0, p0))
                            if k0 != kind.as_str() || n0 != *name || t0 != tid || c0 != *contact || p0 != *phone =>
                        {
                            batch::exec(&mut tx, "UPDATE organisations SET kind = $1, name = $2, name_pinyin = $3, territory_id = $4, contact_name = $5, contact_phone = $6, path = $7, updated_at = $8 WHERE id = $9", &[kind.as_str().into(), name.clone().into(), names::pinyin_key(name).into(), tid.into(), contact.clone().into(), sealed_phone.clone().into(), path.into(), now.into(), id.into()]).await?;
                            report.updated += 1;
                        }
                        Some(_) => report.unchanged += 1,
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(report)
    }

    pub(super) async fn import_assignments(&self, sheet: Sheet, progress: &Progress<'_>) -> Result<ImportReport> {
        let k = LedgerKind::Assignments;
        let mut errors = Errors::default();
        let targets: HashSet<String> =
            sheet.rows.iter().filter_map(|(_, r)| get(r, "target").map(str::to_string)).collect();
        let territories = self.territory_keys(&targets).await?;
        let households = self.household_keys(&targets).await?;
        let assignees: HashSet<String> =
            sheet.rows.iter().filter_map(|(_, r)| get(r, "assignee").map(|s| s.to_ascii_uppercase())).collect();
        let people = self.person_keys(&assignees).await?;
        let mut orgs: HashMap<String, Uuid> = HashMap::new();
        for a in sheet.rows.iter().filter_map(|(_, r)| get(r, "assignee")) {
            if let Some((id,)) =
                batch::fetch_optional::<(Uuid,)>(&self.db, "SELECT id FROM organisations WHERE code = $1", &[a.into()])
                    .await?
            {
                orgs.insert(a.to_string(), id);
            }
        }
        // (kind, org, person, territory, household, community, target path)
        let mut recs: Vec<AssignmentRec> = Vec::new();
        for (rowno, r) in &sheet.rows {
            let rowno = *rowno;
            let kind = match req(r, "kind").and_then(|s| AssignmentKind::parse_field(s, "kind")) {
                Ok(k) => k,
                Err(e) => {
                    errors.add(rowno, k, e);
                    continue;
                }
            };
            let (Ok(assignee), Ok(target)) = (req(r, "assignee"), req(r, "target")) else {
                for c in ["assignee", "target"] {
                    if get(r, c).is_none() {
                        errors.add(rowno, k, FieldError::new(c, "必填 (required)"));
                    }
                }
                continue;
            };
            let rec = match kind {
                AssignmentKind::UnitCompound => match (orgs.get(assignee), territories.get(target)) {
                    (Some(o), Some(t)) if t.kind == "compound" => {
                        Ok((Some(*o), None, Some(t.id), None, t.community_id, t.path.clone()))
                    }
                    (None, _) => {
                        Err(FieldError::new("assignee", format!("单位编码{assignee}不存在 (organisation not found)")))
                    }
                    _ => Err(FieldError::new("target", format!("{target}不是小区编码 (not a compound)"))),
                },
                AssignmentKind::CadreBuilding => {
                    match (people.get(&assignee.to_ascii_uppercase()), territories.get(target)) {
                        (Some(p), Some(t)) if t.kind == "building" => {
                            Ok((None, Some(p.id), Some(t.id), None, t.community_id, t.path.clone()))
                        }
                        (None, _) => Err(FieldError::new("assignee", "干部身份证号不在人口台账中 (person not found)")),
                        _ => Err(FieldError::new("target", format!("{target}不是楼栋编码 (not a building)"))),
                    }
                }
                AssignmentKind::MemberHousehold => {
                    match (people.get(&assignee.to_ascii_uppercase()), households.get(target)) {
                        (Some(p), Some(h)) => {
                            Ok((None, Some(p.id), None, Some(h.id), Some(h.community_id), h.path.clone()))
                        }
                        (None, _) => Err(FieldError::new("assignee", "党员身份证号不在人口台账中 (person not found)")),
                        _ => Err(FieldError::new("target", format!("户号{target}不存在 (household not found)"))),
                    }
                }
            };
            match rec {
                Ok((o, p, t, h, Some(c), path)) => recs.push((kind, o, p, t, h, c, path)),
                Ok(_) => errors.add(rowno, k, FieldError::new("target", "对象不在社区内 (target outside a community)")),
                Err(e) => errors.add(rowno, k, e),
            }
        }
        errors.finish()?;
        progress.validated();
        let now = Utc::now();
        let mut report = ImportReport { rows: sheet.rows.len(), ..Default::default() };
        let mut tx = self.begin().await?;
        for (kind, o, p, t, h, c, path) in &recs {
            let exists: i64 = crate::on_tx!(&mut tx, |conn| {
                sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM assignments WHERE kind = $1 AND (organisation_id = $2 OR ($2 IS NULL AND organisation_id IS NULL)) AND (person_id = $3 OR ($3 IS NULL AND person_id IS NULL)) \
                 AND (territory_id = $4 OR ($4 IS NULL AND territory_id IS NULL)) AND (household_id = $5 OR ($5 IS NULL AND household_id IS NULL))"
            ).bind(kind.as_str()).bind(*o).bind(*p).bind(*t).bind(*h).fetch_one(conn).await
            })?;
            if exists > 0 {
                report.unchanged += 1;
                continue;
            }
            batch::exec(&mut tx, "INSERT INTO assignments (id, community_id, kind, organisation_id, person_id, territory_id, household_id, target_path, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)", &[new_id().into(), (*c).into(), kind.as_str().into(), (*o).into(), (*p).into(), (*t).into(), (*h).into(), path.clone().into(), now.into()]).await?;
            report.created += 1;
        }
        tx.commit().await?;
        Ok(report)
    }
}
