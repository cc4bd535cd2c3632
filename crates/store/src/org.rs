//! Organisations (units, social organisations, property companies, owners' committees) and
//! party-building alliances with their members.

use crate::access::Scope;
use crate::batch::{fetch_all, fetch_i64, QueryParts};
use crate::model::{Organisation, Page, Paged};
use crate::territory::like_pattern;
use crate::{Result, Store};
use jiayuan_domain::org::{AllianceKind, OrgKind};
use jiayuan_domain::FieldError;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Default)]
pub struct OrgQuery {
    pub kind: Option<OrgKind>,
    pub q: Option<String>,
    pub sort: Option<String>,
}

const ORG_COLS: &str =
    "o.id, o.kind, o.code, o.name, t.code AS territory_code, t.name AS territory_name, o.contact_name, o.contact_phone";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Alliance {
    pub id: Uuid,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub territory_code: String,
    pub territory_name: String,
    pub members: i64,
}

/// An organisation with the alliance it was read for.
#[derive(sqlx::FromRow)]
struct MemberOf {
    alliance_id: Uuid,
    #[sqlx(flatten)]
    org: Organisation,
}

impl Store {
    /// Organisations placed in the scope; district-level ones (no territory) only for a
    /// district-wide scope.
    pub async fn list_organisations(&self, scope: &Scope, f: &OrgQuery, page: Page) -> Result<Paged<Organisation>> {
        let order = match f.sort.as_deref().unwrap_or("code") {
            "code" => "o.code",
            "-code" => "o.code DESC",
            "name" => "o.name_pinyin, o.code",
            "-name" => "o.name_pinyin DESC, o.code",
            other => {
                return Err(
                    FieldError::new("sort", format!("不支持按“{other}”排序，可选 code、-code、name、-name")).into()
                )
            }
        };
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "o.path", None);
        if let Some(k) = f.kind {
            let p = q.bind(k.as_str());
            q.cond(format!("o.kind = {p}"));
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let a = q.bind(like_pattern(text, false));
            let b = q.bind(like_pattern(&text.replace(' ', ""), true));
            q.cond(format!("(o.name LIKE {a} ESCAPE '\\' OR replace(o.name_pinyin, ' ', '') LIKE {b} ESCAPE '\\')"));
        }
        let w = q.where_clause();
        let total = fetch_i64(&self.db, &format!("SELECT count(*) FROM organisations o{w}"), &q.vals).await?;
        let lim = q.bind(page.limit());
        let off = q.bind(page.offset());
        let sql = format!(
            "SELECT {ORG_COLS} FROM organisations o LEFT JOIN territories t ON t.id = o.territory_id{w} ORDER BY {order} LIMIT {lim} OFFSET {off}"
        );
        let items = self.open_organisations(fetch_all(&self.db, &sql, &q.vals).await?)?;
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }

    /// Alliances led from a node in the subtree (or all), with their member counts.
    pub async fn list_alliances(&self, scope: &Scope, kind: Option<AllianceKind>) -> Result<Vec<Alliance>> {
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "a.path", None);
        if let Some(k) = kind {
            let p = q.bind(k.as_str());
            q.cond(format!("a.kind = {p}"));
        }
        let sql = format!(
            "SELECT a.id, a.kind, a.code, a.name, t.code AS territory_code, t.name AS territory_name, \
             (SELECT count(*) FROM alliance_members m WHERE m.alliance_id = a.id) AS members \
             FROM alliances a JOIN territories t ON t.id = a.territory_id{} ORDER BY a.path, a.code LIMIT 500",
            q.where_clause()
        );
        fetch_all(&self.db, &sql, &q.vals).await
    }

    /// The member organisations of one alliance.
    /// The members of many alliances in one query, by alliance.
    pub async fn alliances_members(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, Vec<Organisation>)>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = QueryParts::default();
        let ph: Vec<String> = ids.iter().map(|id| q.bind(*id)).collect();
        let sql = format!(
            "SELECT m.alliance_id, {ORG_COLS} FROM alliance_members m JOIN organisations o ON o.id = m.organisation_id \
             LEFT JOIN territories t ON t.id = o.territory_id WHERE m.alliance_id IN ({}) ORDER BY o.kind, o.code",
            ph.join(",")
        );
        let rows: Vec<MemberOf> = fetch_all(&self.db, &sql, &q.vals).await?;
        let mut out: Vec<(Uuid, Vec<Organisation>)> = ids.iter().map(|id| (*id, Vec::new())).collect();
        let orgs = self.open_organisations(rows.iter().map(|r| r.org.clone()).collect())?;
        for (r, o) in rows.iter().zip(orgs) {
            if let Some((_, v)) = out.iter_mut().find(|(id, _)| *id == r.alliance_id) {
                v.push(o);
            }
        }
        Ok(out)
    }

    /// Decrypts contact phone numbers as read from the table.
    fn open_organisations(&self, mut orgs: Vec<Organisation>) -> Result<Vec<Organisation>> {
        for o in &mut orgs {
            o.contact_phone = self.crypto.decrypt_opt(o.contact_phone.as_deref())?;
        }
        Ok(orgs)
    }
}
