//! What the public report page may read without anyone signed in: the names and codes of the
//! communities, and of one community's compounds and buildings, so a resident can say where
//! the problem is. Nothing else, and no scope to widen: this reader exists so that the page
//! needs no `Scope::everything()`.

use crate::batch::fetch_all;
use crate::territory::{within_sql, Subtree};
use crate::{Result, Store};

/// A place a resident can pick: code and name, and its outline (GeoJSON) where it has one,
/// so that it can be picked on the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub code: String,
    pub name: String,
    pub path: String,
    pub geometry: Option<String>,
}

/// One compound and its buildings, in code order.
#[derive(Debug, Clone)]
pub struct CompoundPlaces {
    pub compound: Place,
    pub buildings: Vec<Place>,
}

impl Store {
    /// Every community, in code order (a district has a few hundred at most).
    pub async fn report_communities(&self) -> Result<Vec<Place>> {
        let rows: Vec<(String, String, String)> = fetch_all(
            &self.db,
            "SELECT code, name, path FROM territories WHERE kind = 'community' ORDER BY path LIMIT 1000",
            &[],
        )
        .await?;
        Ok(rows.into_iter().map(|(code, name, path)| Place { code, name, path, geometry: None }).collect())
    }

    /// The compounds of a community with their buildings, in one query.
    pub async fn report_buildings(&self, community_path: &str) -> Result<Vec<CompoundPlaces>> {
        let s = Subtree::of(community_path);
        let rows: Vec<(String, String, String, String, Option<String>)> = fetch_all(
            &self.db,
            &format!(
                "SELECT kind, code, name, path, geometry FROM territories
                 WHERE {} AND kind IN ('compound', 'building') ORDER BY path LIMIT 5000",
                within_sql("path", "$1", "$2")
            ),
            &s.bounds(),
        )
        .await?;
        let mut out: Vec<CompoundPlaces> = Vec::new();
        for (kind, code, name, path, geometry) in rows {
            let place = Place { code, name, path, geometry };
            match kind.as_str() {
                "compound" => out.push(CompoundPlaces { compound: place, buildings: Vec::new() }),
                _ => {
                    if let Some(c) = out.iter_mut().rev().find(|c| place.path.starts_with(&c.compound.path)) {
                        c.buildings.push(place);
                    }
                }
            }
        }
        Ok(out)
    }
}
