//! Ledger import and export (台账): the spreadsheets community workers keep today.
//!
//! A ledger is a CSV or XLSX file (by extension) with Chinese column headers (English
//! accepted). Import reads the whole file, validates every row and every reference first,
//! and writes nothing unless every row is good; the report names each bad row and column.
//! Rows are matched by their natural key (code, ID number, household number), so importing
//! the same file twice changes nothing, and an export imports back to the same data.

use crate::batch::{self, fetch_all, insert_rows, Value};
use crate::territory::{NewTerritory, Subtree, TerritoryDraft, TERRITORY_INSERT_COLS};
use crate::{model::Territory, new_id, Result, Store, StoreError};
use chrono::{NaiveDate, Utc};
use jiayuan_domain::org::{AssignmentKind, OrgKind, PartyOrgKind};
use jiayuan_domain::person::{parse_tags, DwellingUse, Relation, Tenure};
use jiayuan_domain::{names, Area, FieldError, Phone, ResidentId, TerritoryKind};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use uuid::Uuid;

/// One problem in one row of a ledger file.
#[derive(Debug, Clone, Serialize)]
pub struct RowError {
    /// Row number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub column: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    Territories,
    People,
    Households,
    PartyMembers,
    Organisations,
    Assignments,
}

impl LedgerKind {
    pub const ALL: [LedgerKind; 6] =
        [Self::Territories, Self::People, Self::Households, Self::PartyMembers, Self::Organisations, Self::Assignments];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Territories => "territories",
            Self::People => "people",
            Self::Households => "households",
            Self::PartyMembers => "party-members",
            Self::Organisations => "organisations",
            Self::Assignments => "assignments",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn names() -> String {
        Self::ALL.map(|k| k.as_str()).join(", ")
    }

    /// Columns: (Chinese header, English header, required).
    pub fn columns(self) -> &'static [(&'static str, &'static str, bool)] {
        match self {
            Self::Territories => &[
                ("编码", "code", true),
                ("名称", "name", true),
                ("类型", "kind", true),
                ("上级编码", "parent_code", false),
                ("建筑面积", "area", false),
                ("用途", "use", false),
                ("几何", "geometry", false),
            ],
            Self::People => &[
                ("姓名", "name", true),
                ("身份证号", "id_number", true),
                ("性别", "sex", false),
                ("出生日期", "birth_date", false),
                ("联系电话", "phone", false),
                ("标签", "tags", false),
                ("户号", "household", false),
                ("与户主关系", "relation", false),
                ("产权房屋", "owns", false),
                ("住址", "address", false),
            ],
            Self::Households => {
                &[("户号", "number", true), ("房屋编码", "dwelling_code", true), ("居住方式", "tenure", true)]
            }
            Self::PartyMembers => &[
                ("身份证号", "id_number", true),
                ("姓名", "name", false),
                ("所在党组织", "org", true),
                ("入党日期", "joined_on", false),
                ("在职党员", "in_service", false),
                ("工作单位", "work_unit", false),
                ("双报到社区", "reported_community", false),
                ("报到日期", "reported_on", false),
                ("党员中心户", "central_household", false),
                ("联系户", "serves", false),
            ],
            Self::Organisations => &[
                ("编码", "code", true),
                ("名称", "name", true),
                ("类型", "kind", true),
                ("所属区域", "territory", false),
                ("负责人身份证号", "leader_id_number", false),
                ("联系人", "contact_name", false),
                ("联系电话", "contact_phone", false),
            ],
            Self::Assignments => &[("类型", "kind", true), ("承担方", "assignee", true), ("对象", "target", true)],
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// A parsed file: header names mapped to canonical column names, and the data rows.
struct Sheet {
    rows: Vec<(usize, HashMap<&'static str, String>)>,
}

impl Sheet {
    fn read(kind: LedgerKind, path: &Path) -> Result<Self> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        let table: Vec<Vec<String>> = match ext.as_str() {
            "csv" => read_csv(path)?,
            "xlsx" | "xlsm" | "xls" | "ods" => read_xlsx(path)?,
            _ => return Err(StoreError::invalid("file", "文件应为 .csv 或 .xlsx (file must be .csv or .xlsx)")),
        };
        let mut it = table.into_iter().enumerate();
        let Some((_, header)) = it.next() else {
            return Err(StoreError::Ledger(vec![RowError {
                row: 1,
                column: "-".into(),
                message: "文件为空，缺少表头 (empty file, no header row)".into(),
            }]));
        };
        let cols = kind.columns();
        let mut map: Vec<Option<&'static str>> = Vec::new();
        let mut errors = Vec::new();
        for h in &header {
            let h = h.trim().trim_start_matches('\u{feff}').trim_end_matches('*');
            let found = cols.iter().find(|(zh, en, _)| *zh == h || en.eq_ignore_ascii_case(h)).map(|c| c.1);
            if found.is_none() && !h.is_empty() {
                errors.push(RowError {
                    row: 1,
                    column: h.to_string(),
                    message: format!(
                        "未知列 (unknown column); 可用列: {}",
                        cols.iter().map(|c| c.0).collect::<Vec<_>>().join("、")
                    ),
                });
            }
            map.push(found);
        }
        for (zh, en, required) in cols {
            if *required && !map.contains(&Some(*en)) {
                errors.push(RowError {
                    row: 1,
                    column: zh.to_string(),
                    message: format!("缺少必填列“{zh}” (required column {en} missing)"),
                });
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Ledger(errors));
        }
        let mut rows = Vec::new();
        for (i, cells) in it {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut row = HashMap::new();
            for (j, cell) in cells.into_iter().enumerate() {
                if let Some(Some(col)) = map.get(j) {
                    row.insert(*col, cell.trim().to_string());
                }
            }
            rows.push((i + 1, row));
        }
        Ok(Self { rows })
    }
}

fn read_csv(path: &Path) -> Result<Vec<Vec<String>>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| StoreError::invalid("file", format!("无法读取CSV (cannot read CSV): {e}")))?;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| StoreError::invalid("file", format!("CSV格式错误 (malformed CSV): {e}")))?;
        out.push(rec.iter().map(str::to_string).collect());
    }
    Ok(out)
}

fn read_xlsx(path: &Path) -> Result<Vec<Vec<String>>> {
    use calamine::{open_workbook_auto, Data, Reader};
    let mut wb = open_workbook_auto(path)
        .map_err(|e| StoreError::invalid("file", format!("无法读取Excel文件 (cannot read workbook): {e}")))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| StoreError::invalid("file", "工作簿没有工作表 (workbook has no sheet)"))?
        .map_err(|e| StoreError::invalid("file", format!("无法读取工作表 (cannot read sheet): {e}")))?;
    Ok(range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Int(i) => i.to_string(),
                    // Whole numbers print without ".0"; a long one (an ID typed as a number)
                    // has lost digits already and will fail validation with a clear message.
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    Data::Float(f) => format!("{f}"),
                    Data::Bool(b) => {
                        if *b {
                            "是".into()
                        } else {
                            "否".into()
                        }
                    }
                    // Excel's serial day 0 is 1899-12-30.
                    Data::DateTime(d) => NaiveDate::from_ymd_opt(1899, 12, 30)
                        .and_then(|base| base.checked_add_signed(chrono::Duration::days(d.as_f64().floor() as i64)))
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                    Data::Error(e) => format!("#ERR {e:?}"),
                })
                .collect()
        })
        .collect())
}

/// Collects row errors while validating.
#[derive(Default)]
struct Errors(Vec<RowError>);

impl Errors {
    fn add(&mut self, row: usize, kind: LedgerKind, e: FieldError) {
        let column = kind.columns().iter().find(|c| c.1 == e.field).map(|c| c.0.to_string()).unwrap_or(e.field);
        self.0.push(RowError { row, column, message: e.message });
    }

    fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Ledger(self.0))
        }
    }
}

fn get<'a>(row: &'a HashMap<&'static str, String>, col: &str) -> Option<&'a str> {
    row.get(col).map(String::as_str).filter(|s| !s.is_empty())
}

fn req<'a>(row: &'a HashMap<&'static str, String>, col: &str) -> Result<&'a str, FieldError> {
    get(row, col).ok_or_else(|| FieldError::new(col, "必填 (required)"))
}

/// Splits a cell holding several values (、 , ， ;).
fn split_list(s: &str) -> Vec<&str> {
    s.split(['、', ',', '，', ';', '；']).map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// "50", "50%", "33.33" → basis points, in (0, 10000].
fn parse_share(s: &str) -> Option<i64> {
    let t = s.trim().trim_end_matches('%');
    let (w, f) = t.split_once('.').unwrap_or((t, ""));
    if w.is_empty()
        || !w.bytes().all(|b| b.is_ascii_digit())
        || f.len() > 2
        || !f.bytes().all(|b| b.is_ascii_digit())
        || w.len() > 3
    {
        return None;
    }
    let bp = w.parse::<i64>().ok()? * 100 + format!("{f:0<2}").parse::<i64>().ok()?;
    (bp > 0 && bp <= 10000).then_some(bp)
}

fn parse_date(s: &str, field: &str) -> Result<NaiveDate, FieldError> {
    let t = s.trim().replace(['/', '.'], "-");
    NaiveDate::parse_from_str(&t, "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, format!("“{s}”不是有效日期，应为 YYYY-MM-DD (not a date)")))
}

fn parse_yes(s: Option<&str>, field: &str) -> Result<bool, FieldError> {
    match s.map(str::trim) {
        None | Some("") | Some("否") | Some("no") | Some("false") | Some("0") | Some("N") => Ok(false),
        Some("是") | Some("yes") | Some("true") | Some("1") | Some("Y") => Ok(true),
        Some(o) => Err(FieldError::new(field, format!("“{o}”应为 是 或 否 (yes or no)"))),
    }
}

/// (id, name, geometry, area, use) of a node whose ledger row changes it.
type TerritoryUpdate = (Uuid, String, Option<String>, Option<i64>, Option<String>);

/// (kind, organisation, person, territory, household, community, target path).
type AssignmentRec = (AssignmentKind, Option<Uuid>, Option<Uuid>, Option<Uuid>, Option<Uuid>, Uuid, String);

/// (code, name, kind, territory code, contact name, contact phone).
type OrgExportRow = (String, String, String, Option<String>, Option<String>, Option<String>);

#[derive(Debug, Clone, sqlx::FromRow)]
struct TerritoryKey {
    id: Uuid,
    code: String,
    kind: String,
    path: String,
    community_id: Option<Uuid>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct PersonKey {
    id: Uuid,
    id_number: String,
    name: String,
    phone: Option<String>,
    tags: String,
    home_path: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct HouseholdKey {
    id: Uuid,
    number: String,
    community_id: Uuid,
    dwelling_id: Uuid,
    tenure: String,
    path: String,
}

impl Store {
    async fn territory_keys(&self, codes: &HashSet<String>) -> Result<HashMap<String, TerritoryKey>> {
        let mut out = HashMap::new();
        let codes: Vec<&String> = codes.iter().collect();
        for chunk in codes.chunks(500) {
            let mut q = batch::QueryParts::default();
            let ph: Vec<String> = chunk.iter().map(|c| q.bind((*c).clone())).collect();
            let sql =
                format!("SELECT id, code, kind, path, community_id FROM territories WHERE code IN ({})", ph.join(","));
            for k in fetch_all::<TerritoryKey>(&self.db, &sql, &q.vals).await? {
                out.insert(k.code.clone(), k);
            }
        }
        Ok(out)
    }

    async fn person_keys(&self, ids: &HashSet<String>) -> Result<HashMap<String, PersonKey>> {
        let mut out = HashMap::new();
        let ids: Vec<&String> = ids.iter().collect();
        for chunk in ids.chunks(500) {
            let mut q = batch::QueryParts::default();
            let ph: Vec<String> = chunk.iter().map(|c| q.bind((*c).clone())).collect();
            let sql = format!(
                "SELECT id, id_number, name, phone, tags, home_path FROM people WHERE id_number IN ({})",
                ph.join(",")
            );
            for k in fetch_all::<PersonKey>(&self.db, &sql, &q.vals).await? {
                out.insert(k.id_number.clone(), k);
            }
        }
        Ok(out)
    }

    async fn household_keys(&self, numbers: &HashSet<String>) -> Result<HashMap<String, HouseholdKey>> {
        let mut out = HashMap::new();
        let numbers: Vec<&String> = numbers.iter().collect();
        for chunk in numbers.chunks(500) {
            let mut q = batch::QueryParts::default();
            let ph: Vec<String> = chunk.iter().map(|c| q.bind((*c).clone())).collect();
            let sql = format!(
                "SELECT id, number, community_id, dwelling_id, tenure, path FROM households WHERE number IN ({})",
                ph.join(",")
            );
            for k in fetch_all::<HouseholdKey>(&self.db, &sql, &q.vals).await? {
                out.insert(k.number.clone(), k);
            }
        }
        Ok(out)
    }

    /// Imports a ledger file: all rows validated first; nothing is written unless all are good.
    pub async fn import_ledger(
        &self,
        kind: LedgerKind,
        path: &Path,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<ImportReport> {
        let sheet = Sheet::read(kind, path)?;
        progress(0, sheet.rows.len() as u64);
        let report = match kind {
            LedgerKind::Territories => self.import_territories(sheet).await?,
            LedgerKind::People => self.import_people(sheet).await?,
            LedgerKind::Households => self.import_households(sheet).await?,
            LedgerKind::PartyMembers => self.import_party_members(sheet).await?,
            LedgerKind::Organisations => self.import_organisations(sheet).await?,
            LedgerKind::Assignments => self.import_assignments(sheet).await?,
        };
        progress(report.rows as u64, report.rows as u64);
        Ok(report)
    }

    async fn import_territories(&self, sheet: Sheet) -> Result<ImportReport> {
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

    async fn import_people(&self, sheet: Sheet) -> Result<ImportReport> {
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
        let now = Utc::now();
        let mut report = ImportReport { rows: sheet.rows.len(), ..Default::default() };
        let mut tx = self.begin().await?;
        let mut new_people = Vec::new();
        let mut new_members = Vec::new();
        let mut new_owners: Vec<Vec<Value>> = Vec::new();
        for r in &recs {
            let (py, ini) = names::search_keys(&r.name);
            let home = r.household.as_ref().map(|h| h.2.clone());
            let community = r.household.as_ref().map(|h| h.1);
            if r.is_new {
                new_people.push(vec![
                    r.id.into(),
                    community.into(),
                    r.name.clone().into(),
                    names::pinyin_key(&r.name).into(),
                    py.into(),
                    ini.into(),
                    r.idn.as_str().into(),
                    r.idn.birth_date().into(),
                    r.idn.sex().as_str().into(),
                    r.phone.clone().into(),
                    r.tags.clone().into(),
                    home.clone().into(),
                    now.into(),
                    now.into(),
                ]);
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
                batch::exec(&mut tx, "UPDATE people SET name = $1, name_pinyin = $2, name_py = $3, name_initials = $4, phone = $5, tags = $6, home_path = $7, community_id = COALESCE($8, community_id), updated_at = $9 WHERE id = $10", &[r.name.clone().into(), names::pinyin_key(&r.name).into(), py.into(), ini.into(), r.phone.clone().into(), r.tags.clone().into(), new_home.into(), community.into(), now.into(), r.id.into()]).await?;
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
        insert_rows(
            &mut tx,
            "people",
            &[
                "id",
                "community_id",
                "name",
                "name_pinyin",
                "name_py",
                "name_initials",
                "id_number",
                "birth_date",
                "sex",
                "phone",
                "tags",
                "home_path",
                "created_at",
                "updated_at",
            ],
            &new_people,
            "",
        )
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

    async fn import_households(&self, sheet: Sheet) -> Result<ImportReport> {
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
                batch::exec(&mut tx, "UPDATE people SET home_path = $1, community_id = $2 WHERE id IN (SELECT person_id FROM household_members WHERE household_id = $3)", &[r.dwelling.path.clone().into(), community.into(), r.id.into()]).await?;
                report.updated += 1;
            } else {
                report.unchanged += 1;
            }
        }
        insert_rows(
            &mut tx,
            "households",
            &[
                "id",
                "community_id",
                "number",
                "dwelling_id",
                "tenure",
                "central_household_id",
                "path",
                "created_at",
                "updated_at",
            ],
            &creates[..],
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }
}

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

    async fn import_party_members(&self, sheet: Sheet) -> Result<ImportReport> {
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

    async fn import_organisations(&self, sheet: Sheet) -> Result<ImportReport> {
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
                    match cur {
                        None => {
                            batch::exec(&mut tx, "INSERT INTO organisations (id, kind, code, name, name_pinyin, territory_id, contact_name, contact_phone, path, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)", &[new_id().into(), kind.as_str().into(), code.clone().into(), name.clone().into(), names::pinyin_key(name).into(), tid.into(), contact.clone().into(), phone.clone().into(), path.into(), now.into(), now.into()]).await?;
                            report.created += 1;
                        }
                        Some((id, k0, n0, t0, c0, p0))
                            if k0 != kind.as_str() || n0 != *name || t0 != tid || c0 != *contact || p0 != *phone =>
                        {
                            batch::exec(&mut tx, "UPDATE organisations SET kind = $1, name = $2, name_pinyin = $3, territory_id = $4, contact_name = $5, contact_phone = $6, path = $7, updated_at = $8 WHERE id = $9", &[kind.as_str().into(), name.clone().into(), names::pinyin_key(name).into(), tid.into(), contact.clone().into(), phone.clone().into(), path.into(), now.into(), id.into()]).await?;
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

    async fn import_assignments(&self, sheet: Sheet) -> Result<ImportReport> {
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

/// Writes a header and rows as CSV (UTF-8 with BOM, so Excel opens it in Chinese) or XLSX.
fn write_table(path: &Path, headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "csv" => {
            let file = std::fs::File::create(path)
                .map_err(|e| StoreError::invalid("file", format!("无法写入文件 (cannot write): {e}")))?;
            let mut buf = std::io::BufWriter::new(file);
            std::io::Write::write_all(&mut buf, "\u{feff}".as_bytes())
                .map_err(|e| StoreError::invalid("file", e.to_string()))?;
            let mut w = csv::Writer::from_writer(buf);
            let err = |e: csv::Error| StoreError::invalid("file", format!("无法写入CSV (cannot write CSV): {e}"));
            w.write_record(headers).map_err(err)?;
            for r in rows {
                w.write_record(r).map_err(err)?;
            }
            w.flush().map_err(|e| StoreError::invalid("file", e.to_string()))?;
        }
        "xlsx" => {
            use rust_xlsxwriter::{Format, Workbook};
            let err = |e: rust_xlsxwriter::XlsxError| {
                StoreError::invalid("file", format!("无法写入Excel (cannot write XLSX): {e}"))
            };
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            let bold = Format::new().set_bold();
            for (j, h) in headers.iter().enumerate() {
                ws.write_string_with_format(0, j as u16, *h, &bold).map_err(err)?;
                ws.set_column_width(j as u16, if *h == "几何" { 30.0 } else { 18.0 }).map_err(err)?;
            }
            for (i, r) in rows.iter().enumerate() {
                for (j, v) in r.iter().enumerate() {
                    if !v.is_empty() {
                        // Everything as text: ID numbers and codes must keep every digit.
                        ws.write_string((i + 1) as u32, j as u16, v).map_err(err)?;
                    }
                }
            }
            wb.save(path).map_err(err)?;
        }
        _ => return Err(StoreError::invalid("file", "文件应为 .csv 或 .xlsx (file must be .csv or .xlsx)")),
    }
    Ok(())
}

/// A share in basis points as a percentage without trailing zeros (5000 → "50").
fn share_text(bp: i64) -> String {
    if bp % 100 == 0 {
        format!("{}", bp / 100)
    } else {
        format!("{}.{:02}", bp / 100, bp % 100).trim_end_matches('0').to_string()
    }
}

fn yes(b: bool) -> String {
    if b {
        "是".into()
    } else {
        "否".into()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

impl Store {
    /// Writes a complete (unmasked) ledger of one kind for a subtree; returns the row count.
    /// Callers that are not the key-holding operator must mask before handing it out.
    pub async fn export_ledger(&self, kind: LedgerKind, path: &Path, within: &Subtree) -> Result<usize> {
        let headers: Vec<&str> = kind.columns().iter().map(|c| c.0).collect();
        let rows = self.ledger_rows(kind, within).await?;
        write_table(path, &headers, &rows)?;
        Ok(rows.len())
    }

    /// The rows of a ledger as text, in the column order of [`LedgerKind::columns`].
    pub async fn ledger_rows(&self, kind: LedgerKind, within: &Subtree) -> Result<Vec<Vec<String>>> {
        let range = [Value::from(within.path.clone()), Value::from(within.end.clone())];
        let whole = within.path == "/";
        Ok(match kind {
            LedgerKind::Territories => {
                type R = (String, String, String, Option<String>, Option<i64>, Option<String>, Option<String>);
                let rows: Vec<R> = fetch_all(&self.db, "SELECT t.code, t.name, t.kind, p.code, t.area_centi, t.dwelling_use, t.geometry FROM territories t LEFT JOIN territories p ON p.id = t.parent_id WHERE t.path >= $1 AND t.path < $2 ORDER BY t.path", &range).await?;
                rows.into_iter()
                    .map(|(code, name, k, parent, area, use_, geom)| {
                        vec![
                            code,
                            name,
                            TerritoryKind::parse(&k).map(|k| k.label_zh().to_string()).unwrap_or(k),
                            opt(parent),
                            opt(area.map(Area)),
                            opt(use_.and_then(|u| DwellingUse::parse(&u)).map(|u| u.label_zh())),
                            opt(geom),
                        ]
                    })
                    .collect()
            }
            LedgerKind::People => {
                type R = (
                    String,
                    String,
                    String,
                    NaiveDate,
                    Option<String>,
                    String,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                );
                let sql = "SELECT p.name, p.id_number, p.sex, p.birth_date, p.phone, p.tags, h.number, m.relation, cm.name, c.name, b.name, e.name, d.name \
                    FROM people p LEFT JOIN household_members m ON m.person_id = p.id LEFT JOIN households h ON h.id = m.household_id \
                    LEFT JOIN territories d ON d.id = h.dwelling_id LEFT JOIN territories e ON e.id = d.parent_id LEFT JOIN territories b ON b.id = e.parent_id \
                    LEFT JOIN territories c ON c.id = b.parent_id LEFT JOIN territories cm ON cm.id = c.parent_id \
                    WHERE {in_range} ORDER BY COALESCE(p.home_path, ''), p.id_number";
                // People with no home in the district (cadres, in-service members) belong to a whole-district export.
                let in_range = if whole {
                    "(p.home_path IS NULL OR (p.home_path >= $1 AND p.home_path < $2))"
                } else {
                    "p.home_path >= $1 AND p.home_path < $2"
                };
                let rows: Vec<R> = fetch_all(&self.db, &sql.replace("{in_range}", in_range), &range).await?;
                let owned: Vec<(String, String, i64)> = fetch_all(&self.db, "SELECT p.id_number, d.code, CAST(o.share_bp AS BIGINT) FROM owners o JOIN people p ON p.id = o.person_id JOIN territories d ON d.id = o.dwelling_id WHERE p.home_path >= $1 AND p.home_path < $2 ORDER BY d.code", &range).await?;
                let mut owns: HashMap<String, Vec<String>> = HashMap::new();
                for (idn, code, bp) in owned {
                    owns.entry(idn).or_default().push(format!("{code}:{}", share_text(bp)));
                }
                rows.into_iter()
                    .map(|(name, idn, sex, birth, phone, tags, hh, rel, cm, c, b, e, d)| {
                        let own = owns.get(&idn).map(|v| v.join("、")).unwrap_or_default();
                        let tags_zh: Vec<&str> = tags
                            .split(',')
                            .filter_map(jiayuan_domain::person::PersonTag::parse)
                            .map(|t| t.label_zh())
                            .collect();
                        let address: String = [cm, c, b, e, d].into_iter().flatten().collect();
                        vec![
                            name,
                            idn,
                            (if sex == "male" { "男" } else { "女" }).into(),
                            birth.to_string(),
                            opt(phone),
                            tags_zh.join("、"),
                            opt(hh),
                            opt(rel.and_then(|r| Relation::parse(&r)).map(|r| r.label_zh())),
                            own,
                            address,
                        ]
                    })
                    .collect()
            }
            LedgerKind::Households => {
                let rows: Vec<(String, String, String)> = fetch_all(&self.db, "SELECT h.number, d.code, h.tenure FROM households h JOIN territories d ON d.id = h.dwelling_id WHERE h.path >= $1 AND h.path < $2 ORDER BY h.path, h.number", &range).await?;
                rows.into_iter()
                    .map(|(number, code, tenure)| {
                        vec![number, code, Tenure::parse(&tenure).map(|t| t.label_zh().to_string()).unwrap_or(tenure)]
                    })
                    .collect()
            }
            LedgerKind::PartyMembers => {
                type R = (
                    Uuid,
                    String,
                    String,
                    Option<String>,
                    Option<NaiveDate>,
                    bool,
                    Option<String>,
                    Option<String>,
                    Option<NaiveDate>,
                    Option<Uuid>,
                );
                let sql = "SELECT p.id, p.id_number, p.name, t.code, m.joined_on, m.in_service, m.work_unit, rc.code, m.reported_on, ch.id \
                    FROM party_members m JOIN people p ON p.id = m.person_id LEFT JOIN party_orgs o ON o.id = m.org_id LEFT JOIN territories t ON t.id = o.territory_id \
                    LEFT JOIN territories rc ON rc.id = m.reported_community_id LEFT JOIN central_households ch ON ch.member_id = m.person_id \
                    WHERE {in_range} ORDER BY COALESCE(m.path, ''), p.id_number";
                let in_range = if whole {
                    "(m.path IS NULL OR (m.path >= $1 AND m.path < $2))"
                } else {
                    "m.path >= $1 AND m.path < $2"
                };
                let rows: Vec<R> = fetch_all(&self.db, &sql.replace("{in_range}", in_range), &range).await?;
                let served: Vec<(Uuid, String)> = fetch_all(&self.db, "SELECT h.central_household_id, h.number FROM households h WHERE h.central_household_id IS NOT NULL AND h.path >= $1 AND h.path < $2 ORDER BY h.path", &range).await?;
                let mut by_central: HashMap<Uuid, Vec<String>> = HashMap::new();
                for (c, n) in served {
                    by_central.entry(c).or_default().push(n);
                }
                rows.into_iter()
                    .map(|(_, idn, name, org, joined, in_service, unit, rc, ron, central)| {
                        vec![
                            idn,
                            name,
                            opt(org),
                            opt(joined),
                            yes(in_service),
                            opt(unit),
                            opt(rc),
                            opt(ron),
                            yes(central.is_some()),
                            central.and_then(|c| by_central.get(&c)).map(|v| v.join("、")).unwrap_or_default(),
                        ]
                    })
                    .collect()
            }
            LedgerKind::Organisations => {
                let party: Vec<(String, String, String, Option<String>)> = fetch_all(&self.db, "SELECT t.code, o.name, o.kind, l.id_number FROM party_orgs o JOIN territories t ON t.id = o.territory_id LEFT JOIN people l ON l.id = o.leader_id WHERE o.path >= $1 AND o.path < $2 ORDER BY o.path, o.kind", &range).await?;
                let mut out: Vec<Vec<String>> = party
                    .into_iter()
                    .map(|(tcode, name, kind, leader)| {
                        let label =
                            PartyOrgKind::parse(&kind).map(|k| k.label_zh().to_string()).unwrap_or(kind.clone());
                        vec![format!("{tcode}/{kind}"), name, label, tcode, opt(leader), String::new(), String::new()]
                    })
                    .collect();
                // Organisations without a territory (district-level units) belong to every export of the whole district.
                let orgs_sql = if whole {
                    "SELECT o.code, o.name, o.kind, t.code, o.contact_name, o.contact_phone FROM organisations o LEFT JOIN territories t ON t.id = o.territory_id WHERE o.path IS NULL OR (o.path >= $1 AND o.path < $2) ORDER BY o.code"
                } else {
                    "SELECT o.code, o.name, o.kind, t.code, o.contact_name, o.contact_phone FROM organisations o LEFT JOIN territories t ON t.id = o.territory_id WHERE o.path >= $1 AND o.path < $2 ORDER BY o.code"
                };
                let orgs: Vec<OrgExportRow> = fetch_all(&self.db, orgs_sql, &range).await?;
                out.extend(orgs.into_iter().map(|(code, name, kind, t, c, p)| {
                    vec![
                        code,
                        name,
                        OrgKind::parse(&kind).map(|k| k.label_zh().to_string()).unwrap_or(kind),
                        opt(t),
                        String::new(),
                        opt(c),
                        opt(p),
                    ]
                }));
                out
            }
            LedgerKind::Assignments => {
                let sql = "SELECT a.kind, COALESCE(o.code, p.id_number, ''), COALESCE(t.code, h.number, '') FROM assignments a LEFT JOIN organisations o ON o.id = a.organisation_id \
                    LEFT JOIN people p ON p.id = a.person_id LEFT JOIN territories t ON t.id = a.territory_id LEFT JOIN households h ON h.id = a.household_id \
                    WHERE a.target_path >= $1 AND a.target_path < $2 ORDER BY a.target_path, a.kind, COALESCE(o.code, p.id_number, '')";
                let rows: Vec<(String, String, String)> = fetch_all(&self.db, sql, &range).await?;
                rows.into_iter()
                    .map(|(k, a, t)| {
                        vec![AssignmentKind::parse(&k).map(|k| k.label_zh().to_string()).unwrap_or(k), a, t]
                    })
                    .collect()
            }
        })
    }
}
