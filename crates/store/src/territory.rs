//! The territory tree: nodes, subtrees, and what hangs off a node (grids, party
//! organisations, assignments, coverage gaps).

use crate::access::Scope;
use crate::batch::{self, fetch_all, fetch_i64, fetch_optional, QueryParts, Value};
use crate::model::*;
use crate::{new_id, Result, Store, StoreError};
use jiayuan_domain::territory::{code_segment, TerritoryKind, TerritoryPath};
use jiayuan_domain::{names, Area, FieldError};
use serde::Serialize;
use uuid::Uuid;

pub use crate::subtree::{within_sql, Subtree};

#[derive(Debug, Clone, Default)]
pub struct NewTerritory {
    pub parent_code: Option<String>,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub geometry: Option<String>,
    pub area: Option<String>,
    pub dwelling_use: Option<String>,
}

/// A validated node ready to write.
#[derive(Debug, Clone)]
pub struct TerritoryDraft {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub community_id: Option<Uuid>,
    pub kind: TerritoryKind,
    pub code: String,
    pub name: String,
    pub path: String,
    pub geometry: Option<String>,
    pub area_centi: Option<i64>,
    pub dwelling_use: Option<String>,
}

impl TerritoryDraft {
    /// Validates a node against its parent (already known) and builds its path.
    pub fn build(input: &NewTerritory, parent: Option<&Territory>) -> Result<Self, FieldError> {
        let kind = TerritoryKind::parse_field(&input.kind, "kind")?;
        let name = input.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(FieldError::new("name", "名称不能为空且不超过100字 (1–100 characters)"));
        }
        let code = input.code.trim().to_string();
        let parent_info = match parent {
            Some(p) => Some((TerritoryKind::parse_field(&p.kind, "parent")?, p.code.as_str())),
            None => None,
        };
        let segment = code_segment(kind, &code, parent_info)?;
        let path = match parent {
            Some(p) => TerritoryPath::from_stored(p.path.clone()).child(&segment),
            None => TerritoryPath::root(&segment),
        };
        if let Some(g) = &input.geometry {
            validate_geometry(g)?;
        }
        let (area_centi, dwelling_use) = if kind == TerritoryKind::Dwelling {
            let area = match input.area.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(a) => Some(Area::parse(a)?.centi_m2()),
                None => None,
            };
            let u = jiayuan_domain::person::DwellingUse::parse_field(
                input.dwelling_use.as_deref().unwrap_or("residential"),
                "use",
            )?;
            (area, Some(u.as_str().to_string()))
        } else {
            (None, None)
        };
        let id = new_id();
        let community_id = match kind {
            TerritoryKind::Community => Some(id),
            k if k.depth() > TerritoryKind::Community.depth() => parent.and_then(|p| p.community_id),
            _ => None,
        };
        Ok(Self {
            id,
            parent_id: parent.map(|p| p.id),
            community_id,
            kind,
            code,
            name,
            path: path.as_str().to_string(),
            geometry: input.geometry.clone(),
            area_centi,
            dwelling_use,
        })
    }

    pub fn row(&self, now: chrono::DateTime<chrono::Utc>) -> Vec<Value> {
        vec![
            self.id.into(),
            self.parent_id.into(),
            self.community_id.into(),
            self.kind.as_str().into(),
            self.code.clone().into(),
            self.name.clone().into(),
            names::pinyin_key(&self.name).into(),
            self.path.clone().into(),
            (TerritoryPath::from_stored(self.path.clone()).depth() as i64).into(),
            self.geometry.clone().into(),
            self.area_centi.into(),
            self.dwelling_use.clone().into(),
            Value::Uuid(None),
            now.into(),
            now.into(),
        ]
    }
}

pub const TERRITORY_INSERT_COLS: &[&str] = &[
    "id",
    "parent_id",
    "community_id",
    "kind",
    "code",
    "name",
    "name_pinyin",
    "path",
    "depth",
    "geometry",
    "area_centi",
    "dwelling_use",
    "grid_id",
    "created_at",
    "updated_at",
];

/// The polygons of a GeoJSON Polygon or MultiPolygon (nothing for anything else).
pub fn polygons(g: &str) -> Vec<jiayuan_domain::geo::Polygon> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(g) else { return vec![] };
    let ring = |r: &serde_json::Value| -> Vec<[f64; 2]> {
        r.as_array()
            .map(|pts| pts.iter().filter_map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?])).collect())
            .unwrap_or_default()
    };
    let polygon = |p: &serde_json::Value| -> Vec<Vec<[f64; 2]>> {
        p.as_array().map(|rings| rings.iter().map(ring).collect()).unwrap_or_default()
    };
    match (v.get("type").and_then(|t| t.as_str()), v.get("coordinates")) {
        (Some("Polygon"), Some(c)) => vec![polygon(c)],
        (Some("MultiPolygon"), Some(c)) => c.as_array().map(|ps| ps.iter().map(polygon).collect()).unwrap_or_default(),
        _ => vec![],
    }
}

/// Where a reported point lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Inside this node (a building, else a compound, else a community): its code.
    Node(String),
    /// Outside the district's bounds.
    OutsideDistrict,
    /// In the district (or its bounds are unknown), but in no node drawn with geometry.
    Unplaced,
}

/// Checks that text is a GeoJSON Polygon or MultiPolygon with numeric coordinates.
pub fn validate_geometry(g: &str) -> Result<(), FieldError> {
    let err = |m: &str| FieldError::new("geometry", m);
    let v: serde_json::Value = serde_json::from_str(g).map_err(|_| err("不是有效的GeoJSON (not valid JSON)"))?;
    let t = v.get("type").and_then(|t| t.as_str()).unwrap_or("");
    if t != "Polygon" && t != "MultiPolygon" {
        return Err(err("几何类型应为 Polygon 或 MultiPolygon (must be a Polygon or MultiPolygon)"));
    }
    if !v.get("coordinates").map(|c| c.is_array()).unwrap_or(false) {
        return Err(err("缺少坐标 (coordinates missing)"));
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct TerritoryQuery {
    pub kind: Option<TerritoryKind>,
    pub parent_id: Option<Uuid>,
    pub q: Option<String>,
    pub sort: Option<String>,
}

/// Sort keys the lists accept, mapped to SQL so that no input reaches the query text.
fn territory_order(sort: Option<&str>) -> Result<&'static str, FieldError> {
    Ok(match sort.unwrap_or("code") {
        "code" => "t.path",
        "-code" => "t.path DESC",
        "name" => "t.name_pinyin, t.path",
        "-name" => "t.name_pinyin DESC, t.path",
        other => return Err(FieldError::new("sort", format!("不支持按“{other}”排序，可选 code、-code、name、-name"))),
    })
}

/// `s` with LIKE's wildcards and its escape character escaped (use with `ESCAPE '\\'`), so
/// that a `%` or `_` typed by someone matches only itself.
pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// `%q%` for LIKE, with the wildcard characters of the input escaped.
pub(crate) fn like_pattern(q: &str, prefix_only: bool) -> String {
    let esc = escape_like(&q.trim().to_lowercase());
    if prefix_only {
        format!("{esc}%")
    } else {
        format!("%{esc}%")
    }
}

impl Store {
    pub async fn territory(&self, id: Uuid) -> Result<Territory> {
        let sql = format!("SELECT {TERRITORY_COLS} FROM territories t WHERE t.id = $1");
        fetch_optional(&self.db, &sql, &[id.into()]).await?.ok_or(StoreError::NotFound)
    }

    pub async fn territory_by_code(&self, code: &str) -> Result<Territory> {
        let sql = format!("SELECT {TERRITORY_COLS} FROM territories t WHERE t.code = $1");
        fetch_optional(&self.db, &sql, &[code.trim().into()]).await?.ok_or(StoreError::NotFound)
    }

    /// Resolves an id or a code inside a scope; a node outside it is not found.
    pub async fn territory_in(&self, scope: &Scope, r: &str) -> Result<Territory> {
        let t = self.territory_by_ref(r).await?;
        if scope.covers(&t) {
            Ok(t)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// The name of the node at `path`.
    pub async fn territory_by_path_name(&self, path: &str) -> Result<String> {
        let r: Option<(String,)> =
            fetch_optional(&self.db, "SELECT name FROM territories WHERE path = $1", &[path.into()]).await?;
        r.map(|x| x.0).ok_or(StoreError::NotFound)
    }

    /// The code of the node at `path`.
    pub async fn territory_code_at(&self, path: &str) -> Result<String> {
        let r: Option<(String,)> =
            fetch_optional(&self.db, "SELECT code FROM territories WHERE path = $1", &[path.into()]).await?;
        r.map(|x| x.0).ok_or(StoreError::NotFound)
    }

    /// Places a point (GeoJSON order: longitude, latitude): refused outside the district's
    /// bounds (the `district_bounds` setting, else the district's own geometry), then the
    /// smallest drawn node that holds it: building, then compound, then community.
    pub async fn place_point(&self, lng: f64, lat: f64) -> Result<Placement> {
        let cfg = self.appeal_config().await?;
        let bounds = match cfg.district_bounds {
            Some(b) => Some(b),
            None => {
                let g: Option<(Option<String>,)> = fetch_optional(
                    &self.db,
                    "SELECT geometry FROM territories WHERE kind = 'district' ORDER BY path LIMIT 1",
                    &[],
                )
                .await?;
                g.and_then(|(g,)| g).and_then(|g| jiayuan_domain::geo::Bounds::around(&polygons(&g)))
            }
        };
        if bounds.is_some_and(|b| !b.contains(lng, lat)) {
            return Ok(Placement::OutsideDistrict);
        }
        // Top down: the community that holds it, then a compound inside that, then a building
        // inside that; a level with nothing drawn there is passed over. Each step reads only
        // the shapes inside the last one found, not every building of the district.
        let mut found: Option<(String, String)> = None;
        for kind in [TerritoryKind::Community, TerritoryKind::Compound, TerritoryKind::Building] {
            let mut q = QueryParts::default();
            q.cond_bind("kind = {}", kind.as_str());
            q.cond("geometry IS NOT NULL".into());
            if let Some((_, path)) = &found {
                let inside = Subtree::of(path).sql(&mut q, "path");
                q.cond(inside);
            }
            let rows: Vec<(String, String, String)> = fetch_all(
                &self.db,
                &format!("SELECT code, path, geometry FROM territories{} ORDER BY path", q.where_clause()),
                &q.vals,
            )
            .await?;
            if let Some((code, path, _)) =
                rows.into_iter().find(|(_, _, g)| jiayuan_domain::geo::contains(&polygons(g), lng, lat))
            {
                found = Some((code, path));
            }
        }
        Ok(match found {
            Some((code, _)) => Placement::Node(code),
            None => Placement::Unplaced,
        })
    }

    /// The code of the first node (in path order) with exactly this name inside the scope.
    pub async fn territory_named_in(&self, scope: &Scope, name: &str) -> Result<Option<String>> {
        let mut q = QueryParts::default();
        q.cond_bind("t.name = {}", name.trim());
        scope.restrict(&mut q, "t.path", None);
        let sql = format!("SELECT t.code FROM territories t{} ORDER BY t.path LIMIT 1", q.where_clause());
        let r: Option<(String,)> = fetch_optional(&self.db, &sql, &q.vals).await?;
        Ok(r.map(|x| x.0))
    }

    /// Resolves an id or a code, unscoped: for the store itself and the CLI operator.
    pub async fn territory_by_ref(&self, r: &str) -> Result<Territory> {
        match Uuid::parse_str(r.trim()) {
            Ok(id) => self.territory(id).await,
            Err(_) => self.territory_by_code(r).await,
        }
    }

    /// The node's ancestors, root first (not including the node).
    pub async fn ancestors(&self, t: &Territory) -> Result<Vec<Territory>> {
        let mut prefixes = Vec::new();
        let mut idx = 1;
        while let Some(pos) = t.path[idx..].find('/') {
            let end = idx + pos + 1;
            if end < t.path.len() {
                prefixes.push(t.path[..end].to_string());
            }
            idx = end;
        }
        if prefixes.is_empty() {
            return Ok(vec![]);
        }
        let mut q = QueryParts::default();
        let ph: Vec<String> = prefixes.into_iter().map(|p| q.bind(p)).collect();
        let sql =
            format!("SELECT {TERRITORY_COLS} FROM territories t WHERE t.path IN ({}) ORDER BY t.path", ph.join(","));
        fetch_all(&self.db, &sql, &q.vals).await
    }

    pub async fn list_territories(&self, scope: &Scope, f: &TerritoryQuery, page: Page) -> Result<Paged<Territory>> {
        let order = territory_order(f.sort.as_deref())?;
        let mut q = QueryParts::default();
        if let Some(k) = f.kind {
            let p = q.bind(k.as_str());
            q.cond(format!("t.kind = {p}"));
        }
        scope.restrict(&mut q, "t.path", None);
        if let Some(pid) = f.parent_id {
            let p = q.bind(pid);
            q.cond(format!("t.parent_id = {p}"));
        }
        if let Some(text) = f.q.as_deref().filter(|s| !s.trim().is_empty()) {
            let a = q.bind(like_pattern(text, false));
            let b = q.bind(like_pattern(&text.replace(' ', ""), true));
            let c = q.bind(like_pattern(text, true));
            q.cond(format!("(t.name LIKE {a} ESCAPE '\\' OR replace(t.name_pinyin, ' ', '') LIKE {b} ESCAPE '\\' OR t.code LIKE {c} ESCAPE '\\')"));
        }
        let w = q.where_clause();
        let total = fetch_i64(&self.db, &format!("SELECT count(*) FROM territories t{w}"), &q.vals).await?;
        let lim = q.bind(page.limit());
        let off = q.bind(page.offset());
        let sql = format!("SELECT {TERRITORY_COLS} FROM territories t{w} ORDER BY {order} LIMIT {lim} OFFSET {off}");
        let items = fetch_all(&self.db, &sql, &q.vals).await?;
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }

    pub async fn children(&self, id: Uuid) -> Result<Vec<Territory>> {
        let sql =
            format!("SELECT {TERRITORY_COLS} FROM territories t WHERE t.parent_id = $1 ORDER BY t.path LIMIT 500");
        fetch_all(&self.db, &sql, &[id.into()]).await
    }

    /// Creates one node under a parent inside `scope` (a new district needs a district-wide
    /// scope), with its audit entry, in one transaction.
    pub async fn create_territory(
        &self,
        scope: &Scope,
        ctx: &crate::audit::AuditCtx,
        input: &NewTerritory,
    ) -> Result<Territory> {
        let parent = match input.parent_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(pc) => Some(self.territory_in(scope, pc).await.map_err(|e| match e {
                StoreError::NotFound => StoreError::missing("parent", format!("上级“{pc}”不存在 (parent not found)")),
                e => e,
            })?),
            None => None,
        };
        if parent.is_none() && !scope.is_everything() {
            return Err(StoreError::invalid(
                "parent",
                "只有区级管理员可以新建区 (only district administrators create districts)",
            ));
        }
        let draft = TerritoryDraft::build(input, parent.as_ref())?;
        if self.territory_by_code(&draft.code).await.is_ok() {
            return Err(StoreError::Conflict {
                field: "code".into(),
                message: format!("代码{}已存在 (code already exists)", draft.code),
            });
        }
        let mut tx = self.begin().await?;
        batch::insert_rows(&mut tx, "territories", TERRITORY_INSERT_COLS, &[draft.row(chrono::Utc::now())], "").await?;
        crate::audit::append(
            &mut tx,
            ctx,
            crate::audit::AuditEvent {
                scope_path: &draft.path,
                action: "territory.create",
                object: format!("territory:{}", draft.code),
                summary: serde_json::json!({"after": {"code": draft.code, "name": draft.name, "kind": draft.kind.as_str()}}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        self.cache.clear();
        self.territory(draft.id).await
    }

    /// Merged grids drawn over a subtree (those of its community or below).
    pub async fn grids_in(&self, t: &Territory) -> Result<Vec<Grid>> {
        let mut q = QueryParts::default();
        // A grid belongs to a community and covers buildings; for a node below the
        // community show the grids that cover buildings under it.
        let kind = TerritoryKind::parse(&t.kind).unwrap_or(TerritoryKind::District);
        let cond = if kind.depth() <= TerritoryKind::Compound.depth() {
            Subtree::of(&t.path).sql(&mut q, "g.path")
        } else {
            let inside = Subtree::of(&t.path).sql(&mut q, "b.path");
            format!("g.id IN (SELECT b.grid_id FROM territories b WHERE {inside} AND b.kind = 'building')")
        };
        let sql = format!(
            "SELECT g.id, g.community_id, g.code, g.name, g.merged_types, w.name AS worker_name, s.name AS secretary_name, g.secretary_filed_on, g.geometry, \
             (SELECT count(*) FROM territories b WHERE b.grid_id = g.id) AS buildings \
             FROM grids g LEFT JOIN people w ON w.id = g.worker_id LEFT JOIN people s ON s.id = g.secretary_id WHERE {cond} ORDER BY g.code LIMIT 1000"
        );
        fetch_all(&self.db, &sql, &q.vals).await
    }

    /// Party organisations attached to this node itself, each with its members and those of
    /// the organisations below it (a community committee counts its branches' members).
    pub async fn party_orgs_at(&self, territory_id: Uuid) -> Result<Vec<PartyOrg>> {
        // The subtree of each row's own path: its end is the path with '0' for the last '/'.
        let below = within_sql("so.path", "o.path", "substr(o.path, 1, length(o.path) - 1) || '0'");
        let sql = format!(
            "SELECT o.id, o.territory_id, o.kind, o.name, l.name AS leader_name, \
             (SELECT count(*) FROM party_members m JOIN party_orgs so ON so.community_id = m.community_id AND so.id = m.org_id \
              WHERE {below}) AS members \
             FROM party_orgs o LEFT JOIN people l ON l.id = o.leader_id WHERE o.territory_id = $1 ORDER BY o.kind"
        );
        fetch_all(&self.db, &sql, &[territory_id.into()]).await
    }

    /// 一联双包 assignments whose target lies in the subtree (first 200).
    pub async fn assignments_in(&self, t: &Territory) -> Result<Vec<Assignment>> {
        let s = Subtree::of(&t.path);
        let sql = format!(
            "SELECT a.id, a.kind, COALESCE(o.name, p.name, '') AS assignee, COALESCE(t.name, h.number, '') AS target, COALESCE(t.code, h.number) AS target_code \
             FROM assignments a LEFT JOIN organisations o ON o.id = a.organisation_id LEFT JOIN people p ON p.id = a.person_id \
             LEFT JOIN territories t ON t.id = a.territory_id LEFT JOIN households h ON h.id = a.household_id \
             WHERE {} ORDER BY a.kind, a.target_path LIMIT 200",
            within_sql("a.target_path", "$1", "$2")
        );
        fetch_all(&self.db, &sql, &s.bounds()).await
    }

    /// 一联双包 assignments whose target lies in the subtree, a page at a time, with the total.
    pub async fn assignments_page(&self, t: &Territory, page: Page) -> Result<Paged<Assignment>> {
        let b = Subtree::of(&t.path).bounds();
        let inside = within_sql("a.target_path", "$1", "$2");
        let total = fetch_i64(&self.db, &format!("SELECT count(*) FROM assignments a WHERE {inside}"), &b).await?;
        let sql = format!(
            "SELECT a.id, a.kind, COALESCE(o.name, p.name, '') AS assignee, COALESCE(t.name, h.number, '') AS target, COALESCE(t.code, h.number) AS target_code \
             FROM assignments a LEFT JOIN organisations o ON o.id = a.organisation_id LEFT JOIN people p ON p.id = a.person_id \
             LEFT JOIN territories t ON t.id = a.territory_id LEFT JOIN households h ON h.id = a.household_id \
             WHERE {inside} ORDER BY a.kind, a.target_path LIMIT {} OFFSET {}",
            page.limit(),
            page.offset()
        );
        let items = fetch_all(&self.db, &sql, &b).await?;
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }

    /// Gaps in 一联双包 coverage under a node: counts and the first few of each.
    pub async fn coverage(&self, path: &str) -> Result<Coverage> {
        let s = Subtree::of(path);
        let r = s.bounds();
        let t_inside = within_sql("t.path", "$1", "$2");
        let compounds_sql = format!(
            "FROM territories t WHERE t.kind = 'compound' AND {t_inside} \
             AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.territory_id = t.id AND a.kind = 'unit_compound')"
        );
        let buildings_sql = format!(
            "FROM territories t WHERE t.kind = 'building' AND {t_inside} \
             AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.territory_id = t.id AND a.kind = 'cadre_building')"
        );
        let households_sql =
            format!("FROM households h WHERE {} AND h.central_household_id IS NULL", within_sql("h.path", "$1", "$2"));
        let grids_sql = format!("FROM territories t WHERE t.kind = 'building' AND {t_inside} AND t.grid_id IS NULL");
        let gap =
            |sql: &str| format!("SELECT t.id AS id, t.code AS code, t.name AS name {sql} ORDER BY t.path LIMIT 20");
        Ok(Coverage {
            compounds_without_unit: fetch_i64(&self.db, &format!("SELECT count(*) {compounds_sql}"), &r).await?,
            buildings_without_cadre: fetch_i64(&self.db, &format!("SELECT count(*) {buildings_sql}"), &r).await?,
            households_without_central_household: fetch_i64(&self.db, &format!("SELECT count(*) {households_sql}"), &r)
                .await?,
            buildings_without_grid: fetch_i64(&self.db, &format!("SELECT count(*) {grids_sql}"), &r).await?,
            compounds: fetch_all(&self.db, &gap(&compounds_sql), &r).await?,
            buildings: fetch_all(&self.db, &gap(&buildings_sql), &r).await?,
            households: fetch_all(
                &self.db,
                &format!(
                    "SELECT h.id AS id, h.number AS code, h.number AS name {households_sql} ORDER BY h.path LIMIT 20"
                ),
                &r,
            )
            .await?,
        })
    }
}

/// The kinds of coverage gap, each listed whole by [`Store::coverage_gaps`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapKind {
    /// Compounds without a 双报到 unit.
    Compounds,
    /// Buildings without a cadre.
    Buildings,
    /// Households without a central household.
    Households,
    /// Buildings in no grid.
    Ungridded,
}

impl GapKind {
    pub const ALL: [GapKind; 4] = [GapKind::Compounds, GapKind::Buildings, GapKind::Households, GapKind::Ungridded];

    pub fn as_str(self) -> &'static str {
        match self {
            GapKind::Compounds => "compounds",
            GapKind::Buildings => "buildings",
            GapKind::Households => "households",
            GapKind::Ungridded => "ungridded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl Store {
    /// One kind of coverage gap under `path`, paged in tree order, with the total.
    pub async fn coverage_gaps(&self, path: &str, kind: GapKind, page: Page) -> Result<Paged<Gap>> {
        let r = Subtree::of(path).bounds();
        let t_inside = within_sql("t.path", "$1", "$2");
        let (cols, from) = match kind {
            GapKind::Compounds => (
                "t.id AS id, t.code AS code, t.name AS name, t.path AS path",
                format!("FROM territories t WHERE t.kind = 'compound' AND {t_inside} AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.territory_id = t.id AND a.kind = 'unit_compound')"),
            ),
            GapKind::Buildings => (
                "t.id AS id, t.code AS code, t.name AS name, t.path AS path",
                format!("FROM territories t WHERE t.kind = 'building' AND {t_inside} AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.territory_id = t.id AND a.kind = 'cadre_building')"),
            ),
            GapKind::Households => (
                "h.id AS id, h.number AS code, h.number AS name, h.path AS path",
                format!("FROM households h WHERE {} AND h.central_household_id IS NULL", within_sql("h.path", "$1", "$2")),
            ),
            GapKind::Ungridded => (
                "t.id AS id, t.code AS code, t.name AS name, t.path AS path",
                format!("FROM territories t WHERE t.kind = 'building' AND {t_inside} AND t.grid_id IS NULL"),
            ),
        };
        let total = fetch_i64(&self.db, &format!("SELECT count(*) {from}"), &r).await?;
        let sql = format!("SELECT {cols} {from} ORDER BY path LIMIT {} OFFSET {}", page.limit(), page.offset());
        let rows: Vec<(Uuid, String, String, String)> = fetch_all(&self.db, &sql, &r).await?;
        let items = rows.into_iter().map(|(id, code, name, _)| Gap { id, code, name }).collect();
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Gap {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub compounds_without_unit: i64,
    pub buildings_without_cadre: i64,
    pub households_without_central_household: i64,
    pub buildings_without_grid: i64,
    /// The first gaps of each kind, in tree order.
    pub compounds: Vec<Gap>,
    pub buildings: Vec<Gap>,
    pub households: Vec<Gap>,
}
