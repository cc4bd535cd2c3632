//! Ledger import and export (台账): the spreadsheets community workers keep today.
//!
//! A ledger is a CSV or XLSX file (by extension) with Chinese column headers (English
//! accepted). Import reads the whole file, validates every row and every reference first,
//! and writes nothing unless every row is good; the report names each bad row and column.
//! Rows are matched by their natural key (code, ID number, household number), so importing
//! the same file twice changes nothing, and an export imports back to the same data.

use crate::batch::{self, fetch_all};
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use jiayuan_domain::FieldError;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use uuid::Uuid;

mod export;
mod import_orgs;
mod import_places;
mod sheet;
pub(crate) use export::write_table;
pub use sheet::{read_table, read_xlsx_bytes};

use sheet::Sheet;

pub use crate::error::RowError;

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
    pub const ALL: &'static [LedgerKind] = &[
        Self::Territories,
        Self::People,
        Self::Households,
        Self::PartyMembers,
        Self::Organisations,
        Self::Assignments,
    ];

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
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn names() -> String {
        Self::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
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

/// Reports an import's progress in two halves: validating the rows, then writing them.
pub(crate) struct Progress<'a> {
    report: &'a (dyn Fn(u64, u64) + Sync),
    rows: u64,
}

impl Progress<'_> {
    fn at(&self, done: u64) {
        (self.report)(done.min(self.rows * 2), self.rows * 2);
    }

    fn validated(&self) {
        self.at(self.rows);
    }

    fn writing(&self, done: u64) {
        self.at(self.rows + done);
    }

    fn done(&self) {
        self.at(self.rows * 2);
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

    /// People by ID number, found through the keyed hash; the personal fields come back
    /// decrypted and the map is keyed by the plain number.
    async fn person_keys(&self, ids: &HashSet<String>) -> Result<HashMap<String, PersonKey>> {
        let mut out = HashMap::new();
        let by_hash: HashMap<String, &String> = ids.iter().map(|i| (self.crypto.hash(i), i)).collect();
        let hashes: Vec<&String> = by_hash.keys().collect();
        for chunk in hashes.chunks(500) {
            let mut q = batch::QueryParts::default();
            let ph: Vec<String> = chunk.iter().map(|c| q.bind((*c).clone())).collect();
            let sql = format!(
                "SELECT id, id_number_hash AS id_number, name, phone, tags, home_path FROM people WHERE id_number_hash IN ({})",
                ph.join(",")
            );
            for mut k in fetch_all::<PersonKey>(&self.db, &sql, &q.vals).await? {
                let Some(plain) = by_hash.get(&k.id_number) else { continue };
                k.id_number = (*plain).clone();
                k.phone = self.crypto.decrypt_opt(k.phone.as_deref())?;
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
        let progress = Progress { report: progress, rows: sheet.rows.len() as u64 };
        progress.at(0);
        let report = match kind {
            LedgerKind::Territories => self.import_territories(sheet, &progress).await?,
            LedgerKind::People => self.import_people(sheet, &progress).await?,
            LedgerKind::Households => self.import_households(sheet, &progress).await?,
            LedgerKind::PartyMembers => self.import_party_members(sheet, &progress).await?,
            LedgerKind::Organisations => self.import_organisations(sheet, &progress).await?,
            LedgerKind::Assignments => self.import_assignments(sheet, &progress).await?,
        };
        progress.done();
        Ok(report)
    }
}
