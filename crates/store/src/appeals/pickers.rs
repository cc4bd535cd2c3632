//! What the appeal page offers to choose from instead of typed codes: the people who may
//! be assigned, the places it may be sent to, and the appeals merged into it.

use super::*;
use crate::model::Territory;
use jiayuan_domain::access::Role;

/// Someone an appeal may be assigned to: a handler whose grant covers its handling node.
#[derive(Debug, Clone, Serialize)]
pub struct Assignee {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// An appeal merged into another, for the link back.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MergedAppeal {
    pub id: Uuid,
    pub number: i64,
    pub title: String,
}

impl Store {
    /// The active accounts that may handle this appeal where it is handled now (the same
    /// rule the assign action checks), nearest grant first.
    pub async fn appeal_assignees(&self, a: &AppealRow) -> Result<Vec<Assignee>> {
        let prefixes = path_prefixes(&a.handler_path);
        if prefixes.is_empty() {
            return Ok(vec![]);
        }
        let ph: Vec<String> = (1..=prefixes.len()).map(|i| format!("${i}")).collect();
        let vals: Vec<Value> = prefixes.iter().map(|p| p.clone().into()).collect();
        let rows: Vec<(String, String, String, String)> = fetch_all(
            &self.db,
            &format!(
                "SELECT u.username, u.display_name, g.role, g.path FROM users u JOIN role_grants g ON g.user_id = u.id \
                 WHERE u.disabled = FALSE AND g.path IN ({}) ORDER BY length(g.path) DESC, u.username LIMIT 200",
                ph.join(",")
            ),
            &vals,
        )
        .await?;
        let mut out: Vec<Assignee> = Vec::new();
        for (username, display_name, role, _) in rows {
            let Some(role) = Role::parse(&role).filter(|r| r.allows(Permission::HandleAppeals)) else { continue };
            if !out.iter().any(|x| x.username == username) {
                out.push(Assignee { username, display_name, role });
            }
        }
        Ok(out)
    }

    /// Where the viewer may send this appeal: the nodes below its handling node and beside
    /// it, at a handling level, inside the viewer's handling scope.
    pub async fn dispatch_targets(&self, who: &Viewer, a: &AppealRow) -> Result<Vec<Territory>> {
        let Some(scope) = &who.handle else { return Ok(vec![]) };
        let mut out = self.children(a.handler_id).await?;
        if let Some(parent) = parent_path(&a.handler_path) {
            if let Ok(code) = self.territory_code_at(&parent).await {
                if let Ok(p) = self.territory_by_code(&code).await {
                    out.extend(self.children(p.id).await?.into_iter().filter(|t| t.id != a.handler_id));
                }
            }
        }
        out.retain(|t| scope.covers_path(&t.path) && TerritoryKind::parse(&t.kind).and_then(Level::of_kind).is_some());
        Ok(out)
    }

    /// The appeals merged into this one that the viewer may see.
    pub async fn merged_into_this(&self, who: &Viewer, a: &AppealRow) -> Result<Vec<MergedAppeal>> {
        let sql = format!("SELECT {APPEAL_COLS} FROM appeals a WHERE a.merged_into = $1 ORDER BY a.number LIMIT 100");
        let rows: Vec<AppealRow> = fetch_all(&self.db, &sql, &[a.id.into()]).await?;
        Ok(rows
            .into_iter()
            .filter(|r| who.can_see(r))
            .map(|r| MergedAppeal { id: r.id, number: r.number, title: r.title })
            .collect())
    }
}
