//! Importing the territory, household and people ledgers.

use super::*;
use crate::batch::{insert_rows, Value};
use crate::people::{NamedHome, PersonRow, HOUSEHOLD_INSERT_COLS};
use crate::territory::{NewTerritory, TerritoryDraft, TERRITORY_INSERT_COLS};
use crate::{model::Territory, new_id};
use chrono::Utc;
use jiayuan_domain::person::{parse_tags, Relation, Tenure};
use jiayuan_domain::{names, Phone, ResidentId, TerritoryKind};

/// (id, name, geometry, area, use) of a node whose ledger row changes it.
type TerritoryUpdate = (Uuid, String, Option<String>, Option<i64>, Option<String>);

impl Store {
    pub(super) async fn import_territories(&self, sheet: Sheet, progress: &Progress<'_>) -> Result<ImportReport> {
        let k = LedgerKind::Territories;
        let mut errors = Errors::default();
        let mut codes = HashSet::new();
        for (_, r) in &sheet.rows {
            for c in ["code", "parent_code"] {
                if let Some(v) = get(r, c) {
                    codes.insert(v.to_string());
                }
            }
        }
        let existing = self.territory_keys(&codes).await?;
        // Parents may come earlier in the file: process rows level by level.
        let mut order: Vec<&(usize, HashMap<&'static str, String>)> = sheet.rows.iter().collect();
        order.sort_by_key(|(_, r)| get(r, "kind").and_then(TerritoryKind::parse).map(|k| k.depth()).unwrap_or(99));
        let mut known: HashMap<String, Territory> = HashMap::new();
        let mut seen = HashSet::new();
        let mut creates = Vec::new();
        let mut updates: Vec<TerritoryUpdate> = Vec::new();
        let mut report = ImportReport { rows: sheet.rows.len(), ..Default::default() };
        let mut current: HashMap<Uuid, Territory> = HashMap::new();
        if !existing.is_empty() {
            let ids: Vec<Uuid> = existing.values().map(|e| e.id).collect();
            for chunk in ids.chunks(500) {
                let mut q = batch::QueryParts::default();
                let ph: Vec<String> = chunk.iter().map(|c| q.bind(*c)).collect();
                let sql = format!(
                    "SELECT {} FROM territories t WHERE t.id IN ({})",
                    crate::model::TERRITORY_COLS,
                    ph.join(",")
                );
                for t in fetch_all::<Territory>(&self.db, &sql, &q.vals).await? {
                    current.insert(t.id, t);
                }
            }
        }
        for (rowno, r) in order {
            let rowno = *rowno;
            let input = NewTerritory {
                parent_code: get(r, "parent_code").map(str::to_string),
                kind: get(r, "kind").unwrap_or("").to_string(),
                code: get(r, "code").unwrap_or("").to_string(),
                name: get(r, "name").unwrap_or("").to_string(),
                geometry: get(r, "geometry").map(str::to_string),
                area: get(r, "area").map(str::to_string),
                dwelling_use: get(r, "use").map(str::to_string),
            };
            for col in ["code", "name", "kind"] {
                if get(r, col).is_none() {
                    errors.add(rowno, k, FieldError::new(col, "必填 (required)"));
                }
            }
            if get(r, "code").is_none() || get(r, "kind").is_none() || get(r, "name").is_none() {
                continue;
            }
            if !seen.insert(input.code.clone()) {
                errors.add(
                    rowno,
                    k,
                    FieldError::new("code", format!("编码{}在文件中重复 (duplicate code in file)", input.code)),
                );
                continue;
            }
            let parent: Option<Territory> = match &input.parent_code {
                Some(pc) => {
                    match known.get(pc).cloned().or_else(|| existing.get(pc).and_then(|e| current.get(&e.id).cloned()))
                    {
                        Some(p) => Some(p),
                        None => {
                            errors.add(
                                rowno,
                                k,
                                FieldError::new(
                                    "parent_code",
                                    format!("上级编码{pc}不存在 (parent not found in the database or this file)"),
                                ),
                            );
                            continue;
                        }
                    }
                }
                None => None,
            };
            let draft = match TerritoryDraft::build(&input, parent.as_ref()) {
                Ok(d) => d,
                Err(e) => {
                    errors.add(rowno, k, e);
                    continue;
                }
            };
            if let Some(ex) = existing.get(&draft.code) {
                let cur = &current[&ex.id];
                if ex.kind != draft.kind.as_str() || ex.path != draft.path {
                    errors.add(
                        rowno,
                        k,
                        FieldError::new(
                            "parent_code",
                            "已有节点的类型和上级不能通过导入修改 (an existing node's kind and parent cannot change)",
                        ),
                    );
                    continue;
                }
                let geometry = draft.geometry.clone().or(cur.geometry.clone());
                let area = draft.area_centi.or(cur.area_centi);
                if cur.name != draft.name
                    || cur.geometry != geometry
                    || cur.area_centi != area
                    || cur.dwelling_use != draft.dwelling_use
                {
                    updates.push((ex.id, draft.name.clone(), geometry, area, draft.dwelling_use.clone()));
                } else {
                    report.unchanged += 1;
                }
                known.insert(draft.code.clone(), cur.clone());
            } else {
                let t = Territory {
                    id: draft.id,
                    parent_id: draft.parent_id,
                    community_id: draft.community_id,
                    kind: draft.kind.as_str().into(),
                    code: draft.code.clone(),
                    name: draft.name.clone(),
                    name_pinyin: String::new(),
                    path: draft.path.clone(),
                    depth: 0,
                    geometry: None,
                    area_centi: None,
                    dwelling_use: None,
                    grid_id: None,
                };
                known.insert(draft.code.clone(), t);
                creates.push(draft);
            }
        }
        errors.finish()?;
        progress.validated();
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let rows: Vec<Vec<Value>> = creates.iter().map(|d| d.row(now)).collect();
        insert_rows(&mut tx, "territories", TERRITORY_INSERT_COLS, &rows, "").await?;
        for (id, name, geom, area, use_) in &updates {
            batch::exec(&mut tx, "UPDATE territories SET name = $1, name_pinyin = $2, geometry = $3, area_centi = $4, dwelling_use = $5, updated_at = $6 WHERE id = $7", &[name.clone().into(), names::pinyin_key(name).into(), geom.clone().into(), (*area).into(), use_.clone().into(), now.into(), (*id).into()]).await?;
        }
        tx.commit().await?;
        report.created = creates.len();
        report.updated = updates.len();
        Ok(report)
    }

    pub(super) async fn import_people(&self, sheet: Sheet, progress: &Progress<'_>) -> Result<ImportReport> {
        let k = LedgerKind::People;
        let mut errors = Errors::default();
        let ids: HashSet<String> = sheet
            .rows
            .iter()
            .filter_map(|(_, r)| {
                get(r, "id_number").and_then(|s| ResidentId::parse(s).ok()).map(|i| i.as_str().to_string())
            })
            .collect();
        let hh_numbers: HashSet<String> =
            sheet.rows.iter().filter_map(|(_, r)| get(r, "household").map(str::to_string)).collect();
        let existing = self.person_keys(&ids).await?;
        let households = self.household_keys(&hh_numbers).await?;
        let owned_codes: HashSet<String> = sheet
            .rows
            .iter()
            .filter_map(|(_, r)| get(r, "owns"))
            .flat_map(split_list)
            .filter_map(|o| o.split(':').next().map(|c| c.trim().to_string()))
            .collect();
        let dwellings = self.territory_keys(&owned_codes).await?;
        let mut current_owns: HashMap<Uuid, Vec<(Uuid, i64)>> = HashMap::new();
        {
            let pids: Vec<Uuid> = existing.values().map(|p| p.id).collect();
            for chunk in pids.chunks(500) {
                let mut q = batch::QueryParts::default();
                let ph: Vec<String> = chunk.iter().map(|c| q.bind(*c)).collect();
                let sql = format!(
                    "SELECT person_id, dwelling_id, CAST(share_bp AS BIGINT) FROM owners WHERE person_id IN ({})",
                    ph.join(",")
                );
                for (p, d, bp) in fetch_all::<(Uuid, Uuid, i64)>(&self.db, &sql, &q.vals).await? {
                    current_owns.entry(p).or_default().push((d, bp));
                }
            }
        }
        let memberships: HashMap<Uuid, (Uuid, String)> = {
            let pids: Vec<Uuid> = existing.values().map(|p| p.id).collect();
            let mut m = HashMap::new();
            for chunk in pids.chunks(500) {
                let mut q = batch::QueryParts::default();
                let ph: Vec<String> = chunk.iter().map(|c| q.bind(*c)).collect();
                let sql = format!(
                    "SELECT person_id, household_id, relation FROM household_members WHERE person_id IN ({})",
                    ph.join(",")
                );
                for (p, h, r) in fetch_all::<(Uuid, Uuid, String)>(&self.db, &sql, &q.vals).await? {
                    m.insert(p, (h, r));
                }
            }
            m
        };
        struct Rec {
            id: Uuid,
            name: String,
            idn: ResidentId,
            phone: Option<String>,
            tags: String,
            household: Option<(Uuid, Uuid, String, String)>, // (household id, community, path, relation)
            /// Dwellings owned, with community and share in basis points; None leaves them as they are.
            owns: Option<Vec<(Uuid, Uuid, i64)>>,
            is_new: bool,
        }
        let mut recs = Vec::new();
        let mut seen = HashSet::new();
        for (rowno, r) in &sheet.rows {
            let rowno = *rowno;
            let name = match req(r, "name") {
                Ok(n) if n.chars().count() <= 50 => n.to_string(),
                Ok(_) => {
                    errors.add(rowno, k, FieldError::new("name", "姓名过长 (too long)"));
                    continue;
                }
                Err(e) => {
                    errors.add(rowno, k, e);
                    continue;
                }
            };
            let idn = match req(r, "id_number").and_then(ResidentId::parse) {
                Ok(i) => i,
                Err(e) => {
                    errors.add(rowno, k, e.in_field("id_number"));
                    // Check the rest of the row too, so one pass reports everything.
                    if let Some(Err(e)) = get(r, "phone").map(Phone::parse) {
                        errors.add(rowno, k, e);
                    }
                    if let Err(e) = parse_tags(get(r, "tags").unwrap_or(""), "tags") {
                        errors.add(rowno, k, e);
                    }
                    if let Some(n) = get(r, "household").filter(|n| !households.contains_key(*n)) {
                        errors.add(
                            rowno,
                            k,
                            FieldError::new("household", format!("户号{n}不存在 (household not found)")),
                        );
                    }
                    continue;
                }
            };
            if !seen.insert(idn.as_str().to_string()) {
                errors.add(
                    rowno,
                    k,
                    FieldError::new("id_number", "身份证号在文件中重复 (duplicate ID number in file)"),
                );
                continue;
            }
            if let Some(s) = get(r, "sex") {
                let want = idn.sex();
                let ok = matches!(
                    (s, want),
                    ("男" | "male" | "M", jiayuan_domain::Sex::Male)
                        | ("女" | "female" | "F", jiayuan_domain::Sex::Female)
                );
                if !ok {
                    errors.add(
                        rowno,
                        k,
                        FieldError::new("sex", format!("性别“{s}”与身份证号不符 (does not match the ID number)")),
                    );
                }
            }
            if let Some(d) = get(r, "birth_date") {
                match parse_date(d, "birth_date") {
                    Ok(d) if d == idn.birth_date() => {}
                    Ok(_) => errors.add(
                        rowno,
                        k,
                        FieldError::new("birth_date", "出生日期与身份证号不符 (does not match the ID number)"),
                    ),
                    Err(e) => errors.add(rowno, k, e),
                }
            }
            let phone = match get(r, "phone").map(Phone::parse).transpose() {
                Ok(p) => p.map(|p| p.as_str().to_string()),
                Err(e) => {
                    errors.add(rowno, k, e);
                    None
                }
            };
            let tags = match parse_tags(get(r, "tags").unwrap_or(""), "tags") {
                Ok(t) => t.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(","),
                Err(e) => {
                    errors.add(rowno, k, e);
                    String::new()
                }
            };
            let household = match get(r, "household") {
                Some(n) => {
                    match households.get(n) {
                        Some(h) => {
                            let rel = match Relation::parse_field(get(r, "relation").unwrap_or("其他"), "relation") {
                                Ok(r) => r,
                                Err(e) => {
                                    errors.add(rowno, k, e);
                                    Relation::Other
                                }
                            };
                            Some((h.id, h.community_id, h.path.clone(), rel.as_str().to_string()))
                        }
                        None => {
                            errors.add(rowno, k, FieldError::new("household", format!("户号{n}不存在，请先导入户籍台账 (household not found; import households first)")));
                            None
                        }
                    }
                }
                None => None,
            };
            let owns = if r.contains_key("owns") {
                let mut list = Vec::new();
                for part in split_list(get(r, "owns").unwrap_or("")) {
                    let (code, share) = part.split_once(':').unwrap_or((part, "100"));
                    let bp = parse_share(share);
                    match (dwellings.get(code.trim()), bp) {
                        (Some(d), Some(bp)) if d.kind == "dwelling" && d.community_id.is_some() => list.push((d.id, d.community_id.unwrap_or_default(), bp)),
                        (Some(_), Some(_)) => errors.add(rowno, k, FieldError::new("owns", format!("{code}不是房屋(户)节点 (not a dwelling)"))),
                        (None, _) => errors.add(rowno, k, FieldError::new("owns", format!("房屋编码{code}不存在 (dwelling not found)"))),
                        (_, None) => errors.add(rowno, k, FieldError::new("owns", format!("份额“{share}”应为大于0且不超过100的百分数 (share must be a percentage in (0, 100])"))),
                    }
                }
                list.sort();
                Some(list)
            } else {
                None
            };
            let ex = existing.get(idn.as_str());
            recs.push(Rec {
                id: ex.map(|e| e.id).unwrap_or_else(new_id),
                name,
                idn,
                phone,
                tags,
                household,
                owns,
                is_new: ex.is_none(),
            });
        }
        // Within the file, no dwelling may be owned more than 100%.
        let mut totals: HashMap<Uuid, i64> = HashMap::new();
        for r in &recs {
            for (d, _, bp) in r.owns.iter().flatten() {
                *totals.entry(*d).or_default() += bp;
            }
        }
        for (rowno, r) in &sheet.rows {
            for part in split_list(get(r, "owns").unwrap_or("")) {
                let code = part.split(':').next().unwrap_or("").trim();
                if let Some(d) = dwellings.get(code) {
                    if totals.get(&d.id).copied().unwrap_or(0) > 10000 {
                        errors.add(
                            *rowno,
                            k,
                            FieldError::new(
                                "owns",
                                format!("房屋{code}的产权份额合计超过100% (shares of this dwelling exceed 100%)"),
                            ),
                        );
                    }
                }
            }
        }
        errors.finish()?;
        progress.validated();
        let now = Utc::now();
        let mut report = ImportReport { rows: sheet.rows.len(), ..Default::default() };
        let mut tx = self.begin().await?;
        let mut new_people = crate::people::PeopleBatch::default();
        let mut new_members = Vec::new();
        let mut new_owners: Vec<Vec<Value>> = Vec::new();
        for (i, r) in recs.iter().enumerate() {
            if i % 2000 == 0 {
                progress.writing(i as u64 / 2);
            }
            let (py, ini) = names::search_keys(&r.name);
            let home = r.household.as_ref().map(|h| h.2.clone());
            let community = r.household.as_ref().map(|h| h.1);
            if r.is_new {
                new_people.push(
                    PersonRow {
                        id: r.id,
                        community_id: community,
                        name: &r.name,
                        id_number: r.idn.as_str(),
                        birth_date: r.idn.birth_date(),
                        male: r.idn.sex() == jiayuan_domain::Sex::Male,
                        phone: r.phone.clone(),
                        tags: r.tags.clone(),
                        home_path: home.clone(),
                        at: now,
                    },
                    &self.crypto,
                );
                if let Some(h) = &r.household {
                    new_members.push(vec![h.0.into(), r.id.into(), h.1.into(), h.3.clone().into()]);
                }
                for (d, c, bp) in r.owns.iter().flatten() {
                    new_owners.push(vec![(*d).into(), r.id.into(), (*c).into(), (*bp).into()]);
                }
                report.created += 1;
                continue;
            }
            let ex = &existing[r.idn.as_str()];
            let mut changed = false;
            // A household column left empty keeps the existing membership.
            let new_home = if r.household.is_some() { home.clone() } else { ex.home_path.clone() };
            if ex.name != r.name || ex.phone != r.phone || ex.tags != r.tags || ex.home_path != new_home {
                batch::exec(&mut tx, "UPDATE people SET name = $1, name_pinyin = $2, name_py = $3, name_initials = $4, phone = $5, tags = $6, home_path = $7, community_id = COALESCE($8, community_id), updated_at = $9 WHERE id = $10", &[r.name.clone().into(), names::pinyin_key(&r.name).into(), py.into(), ini.into(), r.phone.as_deref().map(|p| self.crypto.encrypt(p)).into(), r.tags.clone().into(), new_home.clone().into(), community.into(), now.into(), r.id.into()]).await?;
                if ex.name != r.name || ex.home_path != new_home {
                    let old = NamedHome { name: &ex.name, home_path: ex.home_path.as_deref() };
                    let new = NamedHome { name: &r.name, home_path: new_home.as_deref() };
                    crate::people::rewrite_name_keys(&mut tx, r.id, old, new).await?;
                }
                changed = true;
            }
            if let Some(h) = &r.household {
                match memberships.get(&r.id) {
                    Some((hid, rel)) if *hid == h.0 && *rel == h.3 => {}
                    Some(_) => {
                        batch::exec(&mut tx, "UPDATE household_members SET household_id = $1, community_id = $2, relation = $3 WHERE person_id = $4", &[h.0.into(), h.1.into(), h.3.clone().into(), r.id.into()]).await?;
                        changed = true;
                    }
                    None => {
                        new_members.push(vec![h.0.into(), r.id.into(), h.1.into(), h.3.clone().into()]);
                        changed = true;
                    }
                }
            }
            if let Some(owns) = &r.owns {
                let mut cur = current_owns.get(&r.id).cloned().unwrap_or_default();
                cur.sort();
                let want: Vec<(Uuid, i64)> = owns.iter().map(|(d, _, bp)| (*d, *bp)).collect();
                if cur != want {
                    batch::exec(&mut tx, "DELETE FROM owners WHERE person_id = $1", &[r.id.into()]).await?;
                    for (d, c, bp) in owns {
                        new_owners.push(vec![(*d).into(), r.id.into(), (*c).into(), (*bp).into()]);
                    }
                    changed = true;
                }
            }
            if changed {
                report.updated += 1;
            } else {
                report.unchanged += 1;
            }
        }
        // New people are written in slices so the bar keeps moving on a large ledger.
        let first_half = recs.len() as u64 / 2;
        let mut written = 0u64;
        let new_count = new_people.len().max(1) as u64;
        new_people
            .write_in_slices(&mut tx, 10_000, |n| {
                written += n as u64;
                progress.writing(first_half + written * (recs.len() as u64 - first_half) / new_count);
            })
            .await?;
        insert_rows(
            &mut tx,
            "household_members",
            &["household_id", "person_id", "community_id", "relation"],
            &new_members,
            "",
        )
        .await?;
        insert_rows(&mut tx, "owners", &["dwelling_id", "person_id", "community_id", "share_bp"], &new_owners, "")
            .await?;
        tx.commit().await?;
        Ok(report)
    }

    pub(super) async fn import_households(&self, sheet: Sheet, progress: &Progress<'_>) -> Result<ImportReport> {
        let k = LedgerKind::Households;
        let mut errors = Errors::default();
        let numbers: HashSet<String> =
            sheet.rows.iter().filter_map(|(_, r)| get(r, "number").map(str::to_string)).collect();
        let codes: HashSet<String> =
            sheet.rows.iter().filter_map(|(_, r)| get(r, "dwelling_code").map(str::to_string)).collect();
        let existing = self.household_keys(&numbers).await?;
        let dwellings = self.territory_keys(&codes).await?;
        struct Rec {
            id: Uuid,
            number: String,
            dwelling: TerritoryKey,
            tenure: Tenure,
            is_new: bool,
        }
        let mut recs = Vec::new();
        let mut seen = HashSet::new();
        for (rowno, r) in &sheet.rows {
            let rowno = *rowno;
            let number = match req(r, "number") {
                Ok(n) if n.len() <= 64 => n.to_string(),
                Ok(_) => {
                    errors.add(rowno, k, FieldError::new("number", "户号过长 (too long)"));
                    continue;
                }
                Err(e) => {
                    errors.add(rowno, k, e);
                    continue;
                }
            };
            if !seen.insert(number.clone()) {
                errors.add(
                    rowno,
                    k,
                    FieldError::new("number", "户号在文件中重复 (duplicate household number in file)"),
                );
                continue;
            }
            let dwelling = match req(r, "dwelling_code") {
                Ok(c) => match dwellings.get(c) {
                    Some(d) if d.kind == "dwelling" => d.clone(),
                    Some(_) => {
                        errors.add(
                            rowno,
                            k,
                            FieldError::new("dwelling_code", format!("{c}不是房屋(户)节点 (not a dwelling)")),
                        );
                        continue;
                    }
                    None => {
                        errors.add(
                            rowno,
                            k,
                            FieldError::new("dwelling_code", format!("房屋编码{c}不存在 (dwelling not found)")),
                        );
                        continue;
                    }
                },
                Err(e) => {
                    errors.add(rowno, k, e);
                    continue;
                }
            };
            let tenure = match req(r, "tenure").and_then(|t| Tenure::parse_field(t, "tenure")) {
                Ok(t) => t,
                Err(e) => {
                    errors.add(rowno, k, e);
                    continue;
                }
            };
            let ex = existing.get(&number);
            recs.push(Rec {
                id: ex.map(|e| e.id).unwrap_or_else(new_id),
                number,
                dwelling,
                tenure,
                is_new: ex.is_none(),
            });
        }
        errors.finish()?;
        progress.validated();
        let now = Utc::now();
        let mut report = ImportReport { rows: sheet.rows.len(), ..Default::default() };
        let mut tx = self.begin().await?;
        let mut creates = Vec::new();
        for r in &recs {
            let community = r
                .dwelling
                .community_id
                .ok_or_else(|| StoreError::invalid("dwelling_code", "dwelling outside a community"))?;
            if r.is_new {
                creates.push(vec![
                    r.id.into(),
                    community.into(),
                    r.number.clone().into(),
                    r.dwelling.id.into(),
                    r.tenure.as_str().into(),
                    Value::Uuid(None),
                    r.dwelling.path.clone().into(),
                    now.into(),
                    now.into(),
                ]);
                report.created += 1;
                continue;
            }
            let ex = &existing[&r.number];
            if ex.dwelling_id != r.dwelling.id || ex.tenure != r.tenure.as_str() {
                batch::exec(&mut tx, "UPDATE households SET dwelling_id = $1, community_id = $2, tenure = $3, path = $4, updated_at = $5 WHERE id = $6", &[r.dwelling.id.into(), community.into(), r.tenure.as_str().into(), r.dwelling.path.clone().into(), now.into(), r.id.into()]).await?;
                let moved: Vec<(Uuid, String, Option<String>)> = batch::fetch_all_tx(&mut tx, "SELECT p.id, p.name, p.home_path FROM people p JOIN household_members m ON m.person_id = p.id WHERE m.household_id = $1", &[r.id.into()]).await?;
                batch::exec(&mut tx, "UPDATE people SET home_path = $1, community_id = $2 WHERE id IN (SELECT person_id FROM household_members WHERE household_id = $3)", &[r.dwelling.path.clone().into(), community.into(), r.id.into()]).await?;
                for (pid, name, home) in &moved {
                    let old = NamedHome { name, home_path: home.as_deref() };
                    crate::people::rewrite_name_keys(
                        &mut tx,
                        *pid,
                        old,
                        NamedHome { name, home_path: Some(&r.dwelling.path) },
                    )
                    .await?;
                }
                report.updated += 1;
            } else {
                report.unchanged += 1;
            }
        }
        insert_rows(&mut tx, "households", HOUSEHOLD_INSERT_COLS, &creates[..], "").await?;
        tx.commit().await?;
        Ok(report)
    }
}
