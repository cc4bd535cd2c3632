//! The territory tree and its materialized paths.
//!
//! District → subdistrict → community carry the 12-digit statistical division code
//! (统计用区划代码); below the community each node has a local suffix, and its full code is
//! the parent's code, a dash and the suffix (`370612001001-03-12-2-0301`).
//!
//! Every node stores a path of segments (`/370612/001/001/03/12/`). A subtree is the range
//! `[path, path_end)`, which a B-tree index serves on SQLite and PostgreSQL alike.

use crate::FieldError;

crate::labelled_enum! {
    /// The levels of the tree, top to bottom.
    TerritoryKind {
        District = "district" / "区" / "District",
        Subdistrict = "subdistrict" / "街道" / "Subdistrict",
        Community = "community" / "社区" / "Community",
        Compound = "compound" / "小区" / "Compound",
        Building = "building" / "楼栋" / "Building",
        Entrance = "entrance" / "单元" / "Entrance",
        Dwelling = "dwelling" / "户" / "Dwelling",
    }
}

impl TerritoryKind {
    pub fn depth(self) -> usize {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }

    pub fn parent(self) -> Option<TerritoryKind> {
        self.depth().checked_sub(1).map(|d| Self::ALL[d])
    }

    pub fn child(self) -> Option<TerritoryKind> {
        Self::ALL.get(self.depth() + 1).copied()
    }

    /// Levels that carry a 12-digit statistical code rather than a local suffix.
    pub fn is_statistical(self) -> bool {
        self.depth() <= TerritoryKind::Community.depth()
    }
}

/// A node's materialized path: `/seg/seg/…/`, segments of ASCII letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TerritoryPath(String);

impl TerritoryPath {
    pub fn root(segment: &str) -> Self {
        Self(format!("/{segment}/"))
    }

    pub fn from_stored(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn child(&self, segment: &str) -> Self {
        Self(format!("{}{segment}/", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Exclusive upper bound of the subtree: every descendant path `p` has
    /// `self <= p < self.subtree_end()`. `'0'` is the byte after `'/'`.
    pub fn subtree_end(&self) -> String {
        let mut s = self.0.clone();
        s.pop();
        s.push('0');
        s
    }

    pub fn contains(&self, other: &TerritoryPath) -> bool {
        other.0.starts_with(&self.0)
    }

    pub fn depth(&self) -> usize {
        self.0.matches('/').count().saturating_sub(1)
    }
}

/// Checks a node's code against its kind and its parent's code and returns the path
/// segment it contributes. `parent` is `None` only for a district.
pub fn code_segment(
    kind: TerritoryKind,
    code: &str,
    parent: Option<(TerritoryKind, &str)>,
) -> Result<String, FieldError> {
    let err = |m: String| Err(FieldError::new("code", m));
    match (kind, parent) {
        (TerritoryKind::District, None) => {
            if !is_digits(code, 12) || !code.ends_with("000000") || code.starts_with("00") {
                return err("区的代码应为12位统计用区划代码，以000000结尾 (12-digit code ending in 000000)".into());
            }
            Ok(code[..6].to_string())
        }
        (_, None) => err("只有区可以没有上级 (only a district has no parent)".into()),
        (k, Some((pk, pcode))) => {
            if k.parent() != Some(pk) {
                return err(format!(
                    "{}的上级应为{} (a {} belongs to a {})",
                    k.label_zh(),
                    k.parent().map(|p| p.label_zh()).unwrap_or("无"),
                    k.as_str(),
                    k.parent().map(|p| p.as_str()).unwrap_or("none")
                ));
            }
            match k {
                TerritoryKind::Subdistrict => {
                    if !is_digits(code, 12)
                        || code[..6] != pcode[..6.min(pcode.len())]
                        || &code[6..9] == "000"
                        || !code.ends_with("000")
                    {
                        return err(format!(
                            "街道代码应为12位，前6位为区代码{}、末3位为000 (12 digits under {})",
                            &pcode[..6.min(pcode.len())],
                            pcode
                        ));
                    }
                    Ok(code[6..9].to_string())
                }
                TerritoryKind::Community => {
                    if !is_digits(code, 12) || code[..9] != pcode[..9.min(pcode.len())] || code.ends_with("000") {
                        return err(format!(
                            "社区代码应为12位，前9位为街道代码{} (12 digits under {})",
                            &pcode[..9.min(pcode.len())],
                            pcode
                        ));
                    }
                    Ok(code[9..].to_string())
                }
                _ => {
                    let Some(suffix) = code.strip_prefix(pcode).and_then(|s| s.strip_prefix('-')) else {
                        return err(format!(
                            "代码应为上级代码加“-”和本级编号，如 {pcode}-01 (parent code, a dash and a local number)"
                        ));
                    };
                    if suffix.is_empty() || suffix.len() > 8 || !suffix.chars().all(|c| c.is_ascii_alphanumeric()) {
                        return err("本级编号应为1到8位字母或数字 (1–8 letters or digits)".into());
                    }
                    Ok(suffix.to_string())
                }
            }
        }
    }
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use TerritoryKind::*;

    #[test]
    fn codes_follow_the_statistical_scheme() {
        assert_eq!(code_segment(District, "370612000000", None).unwrap(), "370612");
        assert_eq!(code_segment(Subdistrict, "370612001000", Some((District, "370612000000"))).unwrap(), "001");
        assert_eq!(code_segment(Community, "370612001002", Some((Subdistrict, "370612001000"))).unwrap(), "002");
        assert_eq!(code_segment(Compound, "370612001002-03", Some((Community, "370612001002"))).unwrap(), "03");
        assert!(code_segment(Community, "370612002002", Some((Subdistrict, "370612001000"))).is_err());
        assert!(code_segment(Building, "370612001002-03", Some((Community, "370612001002"))).is_err());
        assert!(code_segment(Compound, "370612001002-0/3", Some((Community, "370612001002"))).is_err());
        assert!(code_segment(Compound, "x", None).is_err());
    }

    #[test]
    fn subtree_range_contains_descendants_only() {
        let a = TerritoryPath::root("370612").child("001");
        let child = a.child("017").child("03");
        let sibling = TerritoryPath::root("370612").child("0010");
        let end = a.subtree_end();
        assert!(a.as_str() <= child.as_str() && child.as_str() < end.as_str());
        assert!(!(a.as_str() <= sibling.as_str() && sibling.as_str() < end.as_str()));
        assert!(a.contains(&child) && !a.contains(&sibling));
        assert_eq!(child.depth(), 4);
    }

    proptest! {
        #[test]
        fn range_equals_prefix(a in "[0-9A-Za-z]{1,4}", b in "[0-9A-Za-z]{1,4}", c in "[0-9A-Za-z]{1,4}") {
            let p = TerritoryPath::root("370612").child(&a);
            let q = TerritoryPath::root("370612").child(&b).child(&c);
            let in_range = p.as_str() <= q.as_str() && q.as_str() < p.subtree_end().as_str();
            prop_assert_eq!(in_range, p.contains(&q));
        }
    }
}
