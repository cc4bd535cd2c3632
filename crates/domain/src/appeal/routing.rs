//! Routing to the lowest level: an appeal goes to the lowest level that covers where it
//! happened and handles its category (building group → compound branch → community →
//! subdistrict → district department). Which level is lowest for a category, and in which
//! part of the district, is data: the category's own rule, overridden by routing rules.

use super::Level;
use serde::{Deserialize, Serialize};

/// "Appeals of this category (and its subcategories) located in this subtree start at
/// this level", optionally naming the department that handles them there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    /// A category code; matches it and its descendants. Empty matches every category.
    pub category: String,
    /// A territory path; matches its subtree. `/` matches everywhere.
    pub path: String,
    pub lowest: Level,
    pub department: Option<String>,
}

impl RoutingRule {
    pub fn matches(&self, category: &str, path: &str) -> bool {
        let cat = self.category.is_empty()
            || category == self.category
            || (category.starts_with(&self.category) && category[self.category.len()..].starts_with('.'));
        cat && path.starts_with(&self.path)
    }
}

/// The most specific rule for an appeal: the deepest subtree, then the longest category.
pub fn rule_for<'a>(rules: &'a [RoutingRule], category: &str, path: &str) -> Option<&'a RoutingRule> {
    rules.iter().filter(|r| r.matches(category, path)).max_by_key(|r| (r.path.len(), r.category.len()))
}

/// One level above the appeal's location: the node there, and whether anyone holds the
/// handling role on exactly that node (a building without a group leader cannot take it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rung<T> {
    pub level: Level,
    pub node: T,
    pub staffed: bool,
}

/// The rung that takes the appeal: the lowest staffed one at or above `lowest`. When none is
/// staffed, the top rung takes it (the territory is responsible by default, 属地兜底).
/// `chain` runs from the location upwards.
pub fn route<T>(chain: &[Rung<T>], lowest: Level) -> Option<&Rung<T>> {
    chain.iter().find(|r| r.level >= lowest && r.staffed).or_else(|| chain.iter().max_by_key(|r| r.level))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(category: &str, path: &str, lowest: Level) -> RoutingRule {
        RoutingRule { category: category.into(), path: path.into(), lowest, department: None }
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let rules = vec![
            rule("", "/", Level::Community),
            rule("urban", "/", Level::Subdistrict),
            rule("urban.component", "/", Level::District),
            rule("urban", "/a/b/", Level::Community),
        ];
        assert_eq!(rule_for(&rules, "neighbour.noise", "/a/c/").unwrap().lowest, Level::Community);
        assert_eq!(rule_for(&rules, "urban.event.ads", "/a/c/").unwrap().lowest, Level::Subdistrict);
        assert_eq!(rule_for(&rules, "urban.component.traffic", "/a/c/").unwrap().lowest, Level::District);
        assert_eq!(rule_for(&rules, "urban.component.traffic", "/a/b/x/").unwrap().lowest, Level::Community);
        assert!(rule_for(&rules[1..], "urbanx", "/").is_none(), "a code prefix is not a parent");
    }

    #[test]
    fn the_lowest_staffed_level_takes_it() {
        let chain = vec![
            Rung { level: Level::Building, node: "b", staffed: false },
            Rung { level: Level::Compound, node: "c", staffed: true },
            Rung { level: Level::Community, node: "m", staffed: true },
            Rung { level: Level::Subdistrict, node: "s", staffed: false },
            Rung { level: Level::District, node: "d", staffed: true },
        ];
        assert_eq!(route(&chain, Level::Building).unwrap().node, "c", "no building leader: the compound");
        assert_eq!(route(&chain, Level::Community).unwrap().node, "m");
        assert_eq!(route(&chain, Level::Subdistrict).unwrap().node, "d", "unstaffed subdistrict: the district");
        let nobody: Vec<Rung<&str>> = chain.iter().map(|r| Rung { staffed: false, ..r.clone() }).collect();
        assert_eq!(route(&nobody, Level::Building).unwrap().node, "d", "the territory is responsible by default");
        assert!(route::<&str>(&[], Level::Building).is_none());
    }
}
