//! A node and everything under it: the subtree of a territory path, written in SQL once.

use crate::batch::QueryParts;
use jiayuan_domain::territory::TerritoryPath;

/// A subtree as a half-open range of paths.
#[derive(Debug, Clone)]
pub struct Subtree {
    pub path: String,
    pub end: String,
}

impl Subtree {
    pub fn all() -> Self {
        Self { path: "/".into(), end: "0".into() }
    }

    pub fn of(path: &str) -> Self {
        let p = TerritoryPath::from_stored(path);
        Self { end: p.subtree_end(), path: path.to_string() }
    }

    /// Whether a node's path lies in this subtree.
    pub fn covers(&self, path: &str) -> bool {
        self.path == "/" || (path >= self.path.as_str() && path < self.end.as_str())
    }

    /// Adds "`col` lies in this subtree" to a query (nothing for the whole district).
    pub fn restrict(&self, q: &mut QueryParts, col: &str) {
        if self.path != "/" {
            let c = self.sql(q, col);
            q.cond(c);
        }
    }

    /// Binds the subtree's bounds in `q`, for [`within_sql`] over one or more columns.
    pub fn bind(&self, q: &mut QueryParts) -> (String, String) {
        (q.bind(self.path.clone()), q.bind(self.end.clone()))
    }

    /// "`col` lies in this subtree", its bounds bound in `q`.
    pub fn sql(&self, q: &mut QueryParts, col: &str) -> String {
        let (lo, hi) = self.bind(q);
        within_sql(col, &lo, &hi)
    }

    /// The bounds as values, for a fixed query written with `within_sql(col, "$1", "$2")`.
    pub fn bounds(&self) -> [crate::batch::Value; 2] {
        [self.path.clone().into(), self.end.clone().into()]
    }
}

/// The one place a subtree is written in SQL: a path column between the subtree's path and
/// its end (`/1/2/` ≤ p < `/1/20`), which both backends answer with an index range scan.
pub fn within_sql(col: &str, lo: &str, hi: &str) -> String {
    format!("({col} >= {lo} AND {col} < {hi})")
}
