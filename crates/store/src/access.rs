//! The authorization layer: who is acting ([`Principal`]) and where a permission holds for
//! them ([`Scope`]).
//!
//! Every store reader that the web can reach takes a `&Scope`, and a `Scope` can only be had
//! from a principal's grants (or, for the CLI operator who holds the key, from
//! [`Principal::operator`]). A handler that forgets to ask for one does not compile.

use crate::batch::QueryParts;
use crate::model::Territory;
use crate::subtree::Subtree;
use crate::{Result, StoreError};
use jiayuan_domain::access::{Permission, Role};
use serde::Serialize;
use uuid::Uuid;

/// A role held over a node and its subtree.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub id: Uuid,
    pub role: Role,
    pub territory_id: Uuid,
    pub territory_name: String,
    pub territory_code: String,
    pub path: String,
}

/// Someone signed in (or the operator at the command line), with what they hold.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Option<Uuid>,
    pub username: String,
    pub display_name: String,
    /// The resident record of this user, if linked: what "self" means.
    pub person_id: Option<Uuid>,
    pub grants: Vec<Grant>,
    pub must_change_password: bool,
}

/// Why an action was refused before any object was looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied(pub Permission);

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "没有“{}”权限 (not permitted: {})", self.0.label_zh(), self.0.as_str())
    }
}

impl std::error::Error for Denied {}

impl Principal {
    /// The operator at the command line, who holds the key and so can read everything anyway.
    pub fn operator() -> Self {
        Self {
            user_id: None,
            username: "operator".into(),
            display_name: "命令行操作员".into(),
            person_id: None,
            grants: vec![Grant {
                id: Uuid::nil(),
                role: Role::DistrictAdmin,
                territory_id: Uuid::nil(),
                territory_name: "全部".into(),
                territory_code: String::new(),
                path: "/".into(),
            }],
            must_change_password: false,
        }
    }

    pub fn is_operator(&self) -> bool {
        self.user_id.is_none()
    }

    /// The most senior role held, for the audit log and the page header.
    pub fn primary_role(&self) -> Option<Role> {
        self.grants.iter().map(|g| g.role).min_by_key(|r| r.rank())
    }

    pub fn role_label(&self) -> String {
        if self.is_operator() {
            return "operator".into();
        }
        let mut roles: Vec<&str> = self.grants.iter().map(|g| g.role.as_str()).collect();
        roles.dedup();
        roles.join(",")
    }

    pub fn can(&self, p: Permission) -> bool {
        self.grants.iter().any(|g| g.role.allows(p))
    }

    /// Where `p` holds for this principal. People and households also include the
    /// principal's own record when it is linked (everyone may see themselves).
    pub fn scope(&self, p: Permission) -> Result<Scope, Denied> {
        let mut subtrees: Vec<Subtree> =
            self.grants.iter().filter(|g| g.role.allows(p)).map(|g| Subtree::of(&g.path)).collect();
        // A subtree inside another adds nothing.
        subtrees.sort_by(|a, b| a.path.cmp(&b.path));
        let mut kept: Vec<Subtree> = Vec::new();
        for s in subtrees {
            if !kept.iter().any(|k| k.covers(&s.path)) {
                kept.push(s);
            }
        }
        let own_person = if p == Permission::ViewPeople { self.person_id } else { None };
        if kept.is_empty() && own_person.is_none() {
            return Err(Denied(p));
        }
        Ok(Scope { subtrees: kept, own_person })
    }
}

/// Writes SQL for "this row is the principal's own", binding the own person's id.
pub(crate) type OwnRow<'a> = &'a dyn Fn(&mut QueryParts, Uuid) -> String;

/// Where a permission holds: some subtrees, and possibly one's own resident record.
#[derive(Debug, Clone)]
pub struct Scope {
    subtrees: Vec<Subtree>,
    own_person: Option<Uuid>,
}

impl Scope {
    /// Everything. Outside the store it is reached only as the operator's scope
    /// ([`Principal::operator`], for the command line and the background jobs) or, in tests,
    /// through `testing::everything`.
    pub(crate) fn everything() -> Self {
        Self { subtrees: vec![Subtree::all()], own_person: None }
    }

    pub fn covers_path(&self, path: &str) -> bool {
        self.subtrees.iter().any(|s| s.covers(path))
    }

    pub fn covers(&self, t: &Territory) -> bool {
        self.covers_path(&t.path)
    }

    /// The tops of the scope, for a home page.
    pub fn roots(&self) -> Vec<&str> {
        self.subtrees.iter().map(|s| s.path.as_str()).collect()
    }

    pub fn own_person(&self) -> Option<Uuid> {
        self.own_person
    }

    pub fn is_everything(&self) -> bool {
        self.subtrees.iter().any(|s| s.path == "/")
    }

    /// This scope cut down to one node's subtree; `NotFound` when the node is outside it,
    /// so that a node in a sibling scope looks exactly like one that does not exist.
    pub fn narrow(&self, t: &Territory) -> Result<Scope> {
        if !self.covers(t) {
            return Err(StoreError::NotFound);
        }
        Ok(Scope { subtrees: vec![Subtree::of(&t.path)], own_person: None })
    }

    /// The subtree of a narrowed scope, or the only subtree of a single-root scope.
    pub fn single(&self) -> Option<&Subtree> {
        match self.subtrees.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    pub fn subtrees(&self) -> &[Subtree] {
        &self.subtrees
    }

    /// Adds "the path column is inside the scope" (and, when `own` is given, "or the row is
    /// the principal's own", as SQL over the own person's id).
    pub(crate) fn restrict(&self, q: &mut QueryParts, col: &str, own: Option<OwnRow<'_>>) {
        let mut ors: Vec<String> = Vec::new();
        for s in &self.subtrees {
            if s.path == "/" {
                return; // everything
            }
            ors.push(s.sql(q, col));
        }
        if let (Some(pid), Some(f)) = (self.own_person, own) {
            ors.push(f(q, pid));
        }
        if ors.is_empty() {
            q.cond("1 = 0".into());
        } else {
            q.cond(format!("({})", ors.join(" OR ")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, path: &str) -> Grant {
        Grant {
            id: Uuid::nil(),
            role,
            territory_id: Uuid::nil(),
            territory_name: String::new(),
            territory_code: String::new(),
            path: path.into(),
        }
    }

    fn who(grants: Vec<Grant>, person: Option<Uuid>) -> Principal {
        Principal {
            user_id: Some(Uuid::nil()),
            username: "u".into(),
            display_name: "u".into(),
            person_id: person,
            grants,
            must_change_password: false,
        }
    }

    #[test]
    fn scopes_follow_the_grants() {
        let p = who(vec![grant(Role::CommunitySecretary, "/1/2/3/"), grant(Role::BuildingLeader, "/1/2/9/4/5/")], None);
        let s = p.scope(Permission::ViewPeople).unwrap();
        assert!(s.covers_path("/1/2/3/4/"));
        assert!(s.covers_path("/1/2/9/4/5/6/"));
        assert!(!s.covers_path("/1/2/9/4/6/"));
        assert!(!s.covers_path("/1/2/30/"), "a sibling whose code starts the same is outside");
        let e = p.scope(Permission::RevealPersonal).unwrap();
        assert!(!e.covers_path("/1/2/9/4/5/"), "the building leader cannot reveal");
        assert_eq!(p.scope(Permission::ManageUsers).unwrap().roots(), vec!["/1/2/3/"]);
    }

    #[test]
    fn nested_grants_collapse_and_residents_see_themselves() {
        let p = who(vec![grant(Role::CommunityWorker, "/1/2/3/"), grant(Role::CommunitySecretary, "/1/2/3/")], None);
        assert_eq!(p.scope(Permission::ViewPeople).unwrap().subtrees().len(), 1);
        let me = Uuid::from_u128(5);
        let r = who(vec![grant(Role::Resident, "/1/2/3/4/5/6/7/")], Some(me));
        assert_eq!(r.scope(Permission::ViewPeople).unwrap().own_person(), Some(me));
        assert!(r.scope(Permission::ViewPeople).unwrap().subtrees().is_empty());
        assert_eq!(r.scope(Permission::ViewTerritory).unwrap_err(), Denied(Permission::ViewTerritory));
        assert!(who(vec![], None).scope(Permission::ViewPeople).is_err());
    }
}
