//! The catalogue as kept: categories and items with their materials, a new version of an item
//! on every edit, the bundled catalogue loaded by the migration, and the table form that
//! `jiayuan import|export service-items` reads and writes.

use super::audit_in;
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::{exec, fetch_all, fetch_optional, QueryParts};
use crate::{Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::service::catalogue::{self as cat, Catalogue, Category, Item, Material};
use jiayuan_domain::service::{CatalogueKind, MaterialForm, Place, PointKind};
use serde_json::json;
use uuid::Uuid;

/// An item as kept, with its category and version.
#[derive(Debug, Clone)]
pub struct StoredItem {
    pub item: Item,
    pub kind: CatalogueKind,
    pub category_name: String,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

type ItemRow =
    (String, String, String, String, i64, String, i64, String, bool, String, i64, DateTime<Utc>, String, String);

const ITEM_COLS: &str = "i.code, i.category, i.name, i.department, CAST(i.limit_workdays AS BIGINT), i.legal_basis, i.fee_fen, i.places, i.appointment, i.materials, CAST(i.version AS BIGINT), i.updated_at, c.kind, c.name";

fn materials_json(ms: &[Material]) -> String {
    let v: Vec<serde_json::Value> = ms
        .iter()
        .map(|m| json!({"name": m.name, "form": m.form.as_str(), "copies": m.copies, "sample": m.sample}))
        .collect();
    serde_json::Value::Array(v).to_string()
}

fn materials_of(s: &str) -> Vec<Material> {
    let v: Vec<serde_json::Value> = serde_json::from_str(s).unwrap_or_default();
    v.iter()
        .filter_map(|m| {
            Some(Material {
                name: m.get("name")?.as_str()?.to_string(),
                form: MaterialForm::parse(m.get("form")?.as_str()?)?,
                copies: m.get("copies")?.as_u64()? as u32,
                sample: m.get("sample").and_then(|s| s.as_str()).unwrap_or("").to_string(),
            })
        })
        .collect()
}

fn stored(r: ItemRow) -> StoredItem {
    let (
        code,
        category,
        name,
        department,
        limit,
        legal_basis,
        fee_fen,
        places,
        appointment,
        materials,
        version,
        updated_at,
        kind,
        category_name,
    ) = r;
    StoredItem {
        item: Item {
            code,
            category,
            name,
            department,
            limit_workdays: limit.max(0) as u32,
            legal_basis,
            fee_fen,
            places: cat::parse_places("places", &places).unwrap_or_default(),
            appointment,
            materials: materials_of(&materials),
        },
        kind: CatalogueKind::parse(&kind).unwrap_or(CatalogueKind::Desk),
        category_name,
        version,
        updated_at,
    }
}

/// Which items to list.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub kind: Option<CatalogueKind>,
    pub category: Option<String>,
    /// Only what this point offers.
    pub point: Option<Uuid>,
}

/// What saving an item may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemSave {
    /// Add it, or save the next version of it (the API and the import).
    Either,
    /// Only add it: its code must be free.
    New,
    /// Only save the next version of an item that exists.
    NextVersion,
}

/// Writes one item (new or a new version), its version record, in `tx`.
async fn put_item(tx: &mut Tx, item: &Item, position: i64, by: &str, now: DateTime<Utc>) -> Result<i64> {
    let places = cat::places_code(&item.places);
    let materials = materials_json(&item.materials);
    // One statement for a new item (version 1) and a new version of a known one.
    let limit = i64::from(item.limit_workdays);
    let version: i64 = crate::on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO service_items (code, category, name, department, limit_workdays, legal_basis, fee_fen, places,
           appointment, materials, version, position, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12)
         ON CONFLICT (code) DO UPDATE SET category = excluded.category, name = excluded.name, department = excluded.department,
           limit_workdays = excluded.limit_workdays, legal_basis = excluded.legal_basis, fee_fen = excluded.fee_fen,
           places = excluded.places, appointment = excluded.appointment, materials = excluded.materials,
           version = service_items.version + 1, updated_at = excluded.updated_at
         RETURNING CAST(version AS BIGINT)"
    )
    .bind(&item.code)
    .bind(&item.category)
    .bind(&item.name)
    .bind(&item.department)
    .bind(limit)
    .bind(&item.legal_basis)
    .bind(item.fee_fen)
    .bind(&places)
    .bind(item.appointment)
    .bind(&materials)
    .bind(position)
    .bind(now)
    .fetch_one(c)
    .await?
    });
    let body = json!({
        "code": item.code, "category": item.category, "name": item.name, "department": item.department,
        "limit_workdays": item.limit_workdays, "legal_basis": item.legal_basis, "fee_fen": item.fee_fen,
        "places": places, "appointment": item.appointment, "materials": serde_json::from_str::<serde_json::Value>(&materials).unwrap_or_default(),
    });
    exec(
        tx,
        "INSERT INTO service_item_versions (code, version, body, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5)",
        &[item.code.clone().into(), version.into(), body.to_string().into(), by.into(), now.into()],
    )
    .await?;
    Ok(version)
}

async fn put_category(tx: &mut Tx, c: &Category, position: i64) -> Result<()> {
    exec(
        tx,
        "INSERT INTO service_categories (code, kind, name, position) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name = excluded.name",
        &[c.code.clone().into(), c.kind.as_str().into(), c.name.clone().into(), position.into()],
    )
    .await?;
    Ok(())
}

/// Loads the bundled catalogue into a fresh schema (the migration that creates the tables).
pub(crate) async fn seed_bundled(tx: &mut Tx) -> Result<()> {
    let c = Catalogue::bundled();
    let now = Utc::now();
    for (i, x) in c.categories.iter().enumerate() {
        put_category(tx, x, i as i64).await?;
    }
    for (i, it) in c.items.iter().enumerate() {
        put_item(tx, it, i as i64, "bundled", now).await?;
    }
    Ok(())
}

/// Only a district administrator edits the catalogue and the district's service settings:
/// one catalogue serves every point.
/// Whether `who` may edit the catalogue (the district administrators: one catalogue serves
/// the whole district).
pub fn may_edit_catalogue(who: &Principal) -> bool {
    edits_catalogue(who).is_ok()
}

pub(crate) fn edits_catalogue(who: &Principal) -> Result<()> {
    if who.grants.iter().any(|g| g.role == jiayuan_domain::access::Role::DistrictAdmin) {
        Ok(())
    } else {
        Err(StoreError::Forbidden(Permission::ManageService))
    }
}

/// Whether an item of `places` is offered at a point of `kind`.
pub fn offered_by(kind: PointKind, places: &[Place]) -> bool {
    places.contains(&match kind {
        PointKind::Centre => Place::Centre,
        PointKind::Station => Place::Station,
    })
}

impl Store {
    /// The categories with how many items each holds, in catalogue order.
    pub async fn service_categories(&self) -> Result<Vec<(Category, i64)>> {
        let rows: Vec<(String, String, String, i64)> = fetch_all(
            &self.db,
            "SELECT c.code, c.kind, c.name, CAST((SELECT count(*) FROM service_items i WHERE i.category = c.code) AS BIGINT)
             FROM service_categories c ORDER BY c.position, c.code",
            &[],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(code, kind, name, n)| {
                (Category { code, kind: CatalogueKind::parse(&kind).unwrap_or(CatalogueKind::Desk), name }, n)
            })
            .collect())
    }

    /// The items, in catalogue order. The catalogue is public: no principal is needed.
    pub async fn service_items(&self, f: &ItemFilter) -> Result<Vec<StoredItem>> {
        let mut q = QueryParts::default();
        if let Some(k) = f.kind {
            q.cond_bind("c.kind = {}", k.as_str());
        }
        if let Some(c) = &f.category {
            q.cond_bind("i.category = {}", c.clone());
        }
        let point = match f.point {
            Some(id) => Some(self.service_point(id).await?),
            None => None,
        };
        if let Some(p) = &point {
            q.cond_bind(
                "NOT EXISTS (SELECT 1 FROM service_point_exclusions x WHERE x.item = i.code AND x.point_id = {})",
                p.id,
            );
        }
        let rows: Vec<ItemRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT {ITEM_COLS} FROM service_items i JOIN service_categories c ON c.code = i.category {}
                 ORDER BY c.position, i.position, i.code",
                q.where_clause()
            ),
            &q.vals,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(stored)
            .filter(|s| point.as_ref().is_none_or(|p| offered_by(p.kind, &s.item.places)))
            .collect())
    }

    pub async fn service_item(&self, code: &str) -> Result<StoredItem> {
        let row: Option<ItemRow> = fetch_optional(
            &self.db,
            &format!("SELECT {ITEM_COLS} FROM service_items i JOIN service_categories c ON c.code = i.category WHERE i.code = $1"),
            &[code.into()],
        )
        .await?;
        row.map(stored).ok_or(StoreError::NotFound)
    }

    /// An item's earlier versions, newest first: (version, what it was, who changed it, when).
    pub async fn service_item_versions(
        &self,
        code: &str,
    ) -> Result<Vec<(i64, serde_json::Value, String, DateTime<Utc>)>> {
        let rows: Vec<(i64, String, String, DateTime<Utc>)> = fetch_all(
            &self.db,
            "SELECT CAST(version AS BIGINT), body, changed_by, changed_at FROM service_item_versions WHERE code = $1 ORDER BY version DESC",
            &[code.into()],
        )
        .await?;
        Ok(rows.into_iter().map(|(v, b, by, at)| (v, serde_json::from_str(&b).unwrap_or_default(), by, at)).collect())
    }

    /// Adds an item or makes a new version of one (district administrators only).
    pub async fn save_service_item(&self, ctx: &AuditCtx, who: &Principal, item: &Item) -> Result<StoredItem> {
        self.save_service_item_as(ctx, who, item, ItemSave::Either).await
    }

    /// Saves an item as `mode` says: a new item whose code is taken is 409 naming `code`, a
    /// new version of an item that does not exist is 404 — decided by the version the write
    /// itself produced, so two people adding one code at once get one item and one 409.
    pub async fn save_service_item_as(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        item: &Item,
        mode: ItemSave,
    ) -> Result<StoredItem> {
        edits_catalogue(who)?;
        item.check()?;
        let known: Option<(String,)> = fetch_optional(
            &self.db,
            "SELECT code FROM service_categories WHERE code = $1",
            &[item.category.clone().into()],
        )
        .await?;
        if known.is_none() {
            return Err(StoreError::missing("category", format!("没有类别“{}” (no such category)", item.category)));
        }
        let position = crate::batch::fetch_i64(&self.db, "SELECT count(*) FROM service_items", &[]).await?;
        let mut tx = self.begin().await?;
        let version = put_item(&mut tx, item, position, &who.username, Utc::now()).await?;
        match mode {
            ItemSave::New if version != 1 => {
                return Err(StoreError::Conflict {
                    field: "code".into(),
                    message: format!("已有编码为“{}”的事项，请换一个编码或去修改它 (the code is taken)", item.code),
                });
            }
            ItemSave::NextVersion if version == 1 => return Err(StoreError::NotFound),
            _ => {}
        }
        audit_in(&mut tx, ctx, "/", "service.item.save", &item.code, json!({"version": version, "name": item.name}))
            .await?;
        tx.commit().await?;
        self.service_item(&item.code).await
    }

    /// The whole catalogue, for export.
    pub async fn service_catalogue(&self) -> Result<Catalogue> {
        let categories = self.service_categories().await?.into_iter().map(|(c, _)| c).collect();
        let items = self.service_items(&ItemFilter::default()).await?.into_iter().map(|s| s.item).collect();
        Ok(Catalogue { categories, items })
    }

    /// Writes a whole catalogue over the kept one in one transaction: categories and items
    /// in it are added or get a new version (an unchanged item keeps its version); items not
    /// in it stay, since tickets refer to them. Returns (categories, items written).
    pub async fn import_service_catalogue(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        c: &Catalogue,
    ) -> Result<(usize, usize)> {
        edits_catalogue(who)?;
        c.check()?;
        let before = self.service_catalogue().await?;
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let base = before.items.len() as i64;
        for (i, x) in c.categories.iter().enumerate() {
            let pos = before.categories.iter().position(|b| b.code == x.code).unwrap_or(before.categories.len() + i);
            put_category(&mut tx, x, pos as i64).await?;
        }
        let mut changed = 0;
        for (i, it) in c.items.iter().enumerate() {
            if before.items.iter().any(|b| b == it) {
                continue;
            }
            put_item(&mut tx, it, base + i as i64, &who.username, now).await?;
            changed += 1;
        }
        audit_in(
            &mut tx,
            ctx,
            "/",
            "service.catalogue.import",
            "service-items",
            json!({"categories": c.categories.len(), "items": c.items.len(), "changed": changed}),
        )
        .await?;
        tx.commit().await?;
        Ok((c.categories.len(), changed))
    }
}

impl Store {
    /// Writes the catalogue to a CSV or XLSX file (by extension); returns the item count.
    pub async fn export_service_catalogue(&self, path: &std::path::Path) -> Result<usize> {
        let rows = catalogue_table(&self.service_catalogue().await?);
        crate::ledger::write_table(path, CATALOGUE_HEADERS, &rows)?;
        Ok(rows.len())
    }

    /// Reads a catalogue file (CSV or XLSX) and writes it over the kept catalogue; every bad
    /// cell is reported and nothing is written from a file with any.
    pub async fn import_service_catalogue_file(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        path: &std::path::Path,
    ) -> Result<(usize, usize, usize)> {
        let rows = crate::ledger::read_table(path)?;
        let c = catalogue_from_table(&rows)?;
        let (categories, changed) = self.import_service_catalogue(ctx, who, &c).await?;
        Ok((categories, c.items.len(), changed))
    }
}

/// The columns of the catalogue table (one row per item; materials one per line).
pub const CATALOGUE_HEADERS: &[&str] = &[
    "类别代码",
    "类别名称",
    "类别类型",
    "事项代码",
    "事项名称",
    "实施部门",
    "办结时限(工作日)",
    "法定依据",
    "收费(分)",
    "办理地点",
    "需预约",
    "申请材料(每行: 名称|原件/复印件/原件及复印件|份数|样表)",
];

/// The catalogue as rows of text under [`CATALOGUE_HEADERS`].
pub fn catalogue_table(c: &Catalogue) -> Vec<Vec<String>> {
    c.items
        .iter()
        .filter_map(|it| {
            let cat = c.categories.iter().find(|x| x.code == it.category)?;
            let materials: Vec<String> = it
                .materials
                .iter()
                .map(|m| format!("{}|{}|{}|{}", m.name, m.form.label_zh(), m.copies, m.sample))
                .collect();
            Some(vec![
                cat.code.clone(),
                cat.name.clone(),
                cat.kind.label_zh().to_string(),
                it.code.clone(),
                it.name.clone(),
                it.department.clone(),
                it.limit_workdays.to_string(),
                it.legal_basis.clone(),
                it.fee_fen.to_string(),
                it.places.iter().map(|p| p.label_zh()).collect::<Vec<_>>().join("、"),
                if it.appointment { "是" } else { "否" }.to_string(),
                materials.join("\n"),
            ])
        })
        .collect()
}

/// Reads rows under [`CATALOGUE_HEADERS`] (the header row first) into a catalogue; every bad
/// cell is reported with its row and column, and nothing is taken from a file with any.
pub fn catalogue_from_table(rows: &[Vec<String>]) -> Result<Catalogue> {
    use crate::error::RowError;
    let mut errors: Vec<RowError> = Vec::new();
    let mut out = Catalogue::default();
    let Some(header) = rows.first() else {
        return Err(StoreError::invalid("file", "文件是空的 (the file is empty)"));
    };
    for (j, h) in CATALOGUE_HEADERS.iter().enumerate() {
        if header.get(j).map(|x| x.trim()) != Some(*h) {
            return Err(StoreError::invalid(
                "file",
                format!("第{}列表头应为“{h}” (column {} must be headed “{h}”)", j + 1, j + 1),
            ));
        }
    }
    for (i, r) in rows.iter().enumerate().skip(1) {
        let row = i + 1;
        let cell = |j: usize| r.get(j).map(|s| s.trim().to_string()).unwrap_or_default();
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut bad = |column: usize, message: String| {
            errors.push(RowError { row, column: CATALOGUE_HEADERS[column].into(), message });
        };
        let kind = match CatalogueKind::parse(&cell(2)) {
            Some(k) => k,
            None => {
                bad(2, format!("“{}”应为 政务服务事项 或 党群服务中心服务 (desk or centre)", cell(2)));
                continue;
            }
        };
        let category = Category { code: cell(0), kind, name: cell(1) };
        match out.categories.iter().find(|c| c.code == category.code) {
            Some(c) if *c != category => {
                bad(1, format!("类别“{}”的名称或类型与前面的行不同 (differs from an earlier row)", category.code));
                continue;
            }
            Some(_) => {}
            None => {
                if let Err(e) = category.check() {
                    bad(if e.field == "code" { 0 } else { 1 }, e.message);
                    continue;
                }
                out.categories.push(category.clone());
            }
        }
        let Ok(limit) = cell(6).parse::<u32>() else {
            bad(6, format!("“{}”不是天数 (not a number of days)", cell(6)));
            continue;
        };
        let Ok(fee) = cell(8).parse::<i64>() else {
            bad(8, format!("“{}”不是以分计的金额 (not an amount in fen)", cell(8)));
            continue;
        };
        let places = match cat::parse_places("places", &cell(9)) {
            Ok(p) => p,
            Err(e) => {
                bad(9, e.message);
                continue;
            }
        };
        let appointment = match cell(10).as_str() {
            "是" | "yes" | "true" => true,
            "否" | "no" | "false" | "" => false,
            o => {
                bad(10, format!("“{o}”应为 是 或 否 (yes or no)"));
                continue;
            }
        };
        let mut materials = Vec::new();
        let mut ok = true;
        for line in cell(11).lines().map(str::trim).filter(|l| !l.is_empty()) {
            let f: Vec<&str> = line.split('|').map(str::trim).collect();
            let form = f.get(1).and_then(|x| MaterialForm::parse(x));
            let copies = f.get(2).and_then(|x| x.parse::<u32>().ok());
            match (f.len(), form, copies) {
                (3 | 4, Some(form), Some(copies)) => materials.push(Material {
                    name: f[0].to_string(),
                    form,
                    copies,
                    sample: f.get(3).unwrap_or(&"").to_string(),
                }),
                _ => {
                    bad(11, format!("“{line}”应为 名称|原件|1|样表 (name|form|copies|sample)"));
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        let item = Item {
            code: cell(3),
            category: cell(0),
            name: cell(4),
            department: cell(5),
            limit_workdays: limit,
            legal_basis: cell(7),
            fee_fen: fee,
            places,
            appointment,
            materials,
        };
        if let Err(e) = item.check() {
            let col = match e.field.as_str() {
                "code" => 3,
                "name" => 4,
                "department" => 5,
                "limit_workdays" => 6,
                "legal_basis" => 7,
                "fee_fen" => 8,
                "places" => 9,
                _ => 11,
            };
            bad(col, e.message);
            continue;
        }
        if out.items.iter().any(|x| x.code == item.code) {
            bad(3, format!("事项代码“{}”重复 (listed twice)", item.code));
            continue;
        }
        out.items.push(item);
    }
    if !errors.is_empty() {
        return Err(StoreError::Ledger(errors));
    }
    out.check()?;
    Ok(out)
}
