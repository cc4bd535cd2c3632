//! The demo accounts, one per role, on the first suitable nodes.

use super::*;
use crate::batch::{insert_rows, QueryParts};
use crate::territory::within_sql;
use crate::{new_id, Result, Store, StoreError};
use jiayuan_domain::access::Role;
use uuid::Uuid;

impl Store {
    /// The demo accounts of [`DEMO_USERS`], all with the password `jiayuan-demo` and no forced
    /// change. Each sits on the first suitable node in code order; `c2` prefers a community
    /// of another subdistrict and falls back to the second community of the first.
    pub(super) async fn create_demo_users(&self) -> Result<()> {
        use crate::batch::fetch_optional;
        async fn first(s: &Store, kind: &str, under: &str, skip: i64) -> Result<Option<(Uuid, String, String)>> {
            let sub = crate::territory::Subtree::of(under);
            let mut q = QueryParts::default();
            q.cond_bind("kind = {}", kind);
            let inside = sub.sql(&mut q, "path");
            q.cond(inside);
            let offset = q.bind(skip);
            let sql = format!(
                "SELECT id, path, code FROM territories{} ORDER BY path LIMIT 1 OFFSET {offset}",
                q.where_clause()
            );
            fetch_optional(&s.db, &sql, &q.vals).await
        }
        let missing = || StoreError::Other(anyhow::anyhow!("the demo territory lacks a node for the demo users"));
        let district = first(self, "district", "/", 0).await?.ok_or_else(missing)?;
        let sd1 = first(self, "subdistrict", "/", 0).await?.ok_or_else(missing)?;
        let c1 = first(self, "community", &sd1.1, 0).await?.ok_or_else(missing)?;
        let c2 = match first(self, "subdistrict", "/", 1).await? {
            Some(sd2) => first(self, "community", &sd2.1, 0).await?,
            None => first(self, "community", &sd1.1, 1).await?,
        }
        .ok_or_else(missing)?;
        let compound = first(self, "compound", &c1.1, 0).await?.ok_or_else(missing)?;
        let building = first(self, "building", &compound.1, 0).await?.ok_or_else(missing)?;
        let sub = crate::territory::Subtree::of(&c1.1);
        let resident: (Uuid, Uuid, String) = fetch_optional(
            &self.db,
            &format!(
                "SELECT m.person_id, h.dwelling_id, h.path FROM households h JOIN household_members m ON m.household_id = h.id AND m.relation = 'head' \
                 WHERE {} ORDER BY h.path LIMIT 1",
                within_sql("h.path", "$1", "$2")
            ),
            &sub.bounds(),
        )
        .await?
        .ok_or_else(missing)?;
        // The grid worker w1 is the fixed worker (定岗) of the community's first grid.
        let grid_worker: Option<(Option<Uuid>,)> = fetch_optional(
            &self.db,
            &format!("SELECT worker_id FROM grids WHERE {} ORDER BY code LIMIT 1", within_sql("path", "$1", "$2")),
            &sub.bounds(),
        )
        .await?;
        let grid_worker = grid_worker.and_then(|g| g.0);
        let hash = crate::accounts::hash_password(jiayuan_domain::access::DEMO_PASSWORD)?;
        let now = chrono::Utc::now();
        let mut users = Vec::new();
        let mut grants = Vec::new();
        for u in DEMO_USERS {
            let (tid, path) = match u.username {
                "admin" => (district.0, district.1.clone()),
                "sd1" => (sd1.0, sd1.1.clone()),
                "c1" | "w1" | "so1" => (c1.0, c1.1.clone()),
                "c2" => (c2.0, c2.1.clone()),
                "cs1" | "pm1" | "oc1" => (compound.0, compound.1.clone()),
                "bl1" => (building.0, building.1.clone()),
                _ => (resident.1, resident.2.clone()),
            };
            let id = new_id();
            let person = match u.username {
                "w1" => grid_worker,
                _ => (u.role == Role::Resident).then_some(resident.0),
            };
            users.push(vec![
                id.into(),
                u.username.into(),
                u.display_name.into(),
                hash.clone().into(),
                false.into(),
                false.into(),
                0i64.into(),
                crate::batch::Value::Ts(None),
                person.into(),
                true.into(),
                now.into(),
                now.into(),
            ]);
            grants.push(vec![
                new_id().into(),
                id.into(),
                u.role.as_str().into(),
                tid.into(),
                path.into(),
                "demo".into(),
                now.into(),
            ]);
        }
        self.insert_demo_accounts(
            &users,
            &grants,
            serde_json::json!({"after": {"users": DEMO_USERS.iter().map(|u| u.username).collect::<Vec<_>>()}}),
        )
        .await
    }

    /// Demo accounts and their grants as rows (`users` and `role_grants` columns in this
    /// order), in one transaction with one audit entry `demo.users` saying `summary`.
    pub(super) async fn insert_demo_accounts(
        &self,
        users: &[Vec<crate::batch::Value>],
        grants: &[Vec<crate::batch::Value>],
        summary: serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        for chunk in users.chunks(500) {
            insert_rows(
                &mut tx,
                "users",
                &[
                    "id",
                    "username",
                    "display_name",
                    "password_hash",
                    "must_change_password",
                    "disabled",
                    "failed_logins",
                    "locked_until",
                    "person_id",
                    "demo",
                    "created_at",
                    "updated_at",
                ],
                chunk,
                "",
            )
            .await?;
        }
        for chunk in grants.chunks(500) {
            insert_rows(
                &mut tx,
                "role_grants",
                &["id", "user_id", "role", "territory_id", "path", "granted_by", "created_at"],
                chunk,
                "",
            )
            .await?;
        }
        crate::audit::append(
            &mut tx,
            &crate::audit::AuditCtx::operator("demo"),
            crate::audit::AuditEvent {
                scope_path: "/",
                action: "demo.users",
                object: "users".into(),
                summary,
                result: "ok",
            },
        )
        .await?;
        tx.commit().await
    }
}
