//! The category tree: versioned data. Each category carries its handling rules: the lowest
//! level that handles it, and time limits to respond and to resolve for each urgency.
//! A child inherits what it does not set.

use super::limits::TimeLimit;
use super::{Level, Urgency};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The seeded tree (version 1).
pub const SEED: &str = include_str!("../../data/appeal-categories.tsv");

/// Limits for normal, urgent and emergency appeals, in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits(pub [TimeLimit; 3]);

impl Limits {
    pub fn get(&self, u: Urgency) -> TimeLimit {
        match u {
            Urgency::Normal => self.0[0],
            Urgency::Urgent => self.0[1],
            Urgency::Emergency => self.0[2],
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let parts: Vec<TimeLimit> = s.split(',').map(TimeLimit::parse).collect::<Option<_>>()?;
        <[TimeLimit; 3]>::try_from(parts).ok().map(Limits)
    }

    pub fn code(&self) -> String {
        self.0.iter().map(|l| l.code()).collect::<Vec<_>>().join(",")
    }
}

/// One category with its rules resolved (inheritance applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub parent: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    pub lowest: Level,
    pub response: Limits,
    pub resolve: Limits,
    /// Family disputes, care and the like: hidden from property staff and owners' committees.
    /// Children inherit it.
    pub sensitive: bool,
}

impl Category {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.name_en
        } else {
            &self.name_zh
        }
    }
}

/// One row as written, before inheritance; the exchange format of `categories import`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRow {
    pub code: String,
    #[serde(default)]
    pub parent: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub lowest_level: Option<String>,
    #[serde(default)]
    pub response: Option<String>,
    #[serde(default)]
    pub resolve: Option<String>,
    /// `Some(true)` marks the category (and its children) sensitive; `None` inherits.
    #[serde(default)]
    pub sensitive: Option<bool>,
}

/// Reads the TSV format of `data/appeal-categories.tsv`.
pub fn parse_tsv(text: &str) -> Result<Vec<CategoryRow>, String> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 7 && f.len() != 8 {
            return Err(format!(
                "第{}行应有7或8列，实有{}列 (line {}: expected 7 or 8 columns)",
                i + 1,
                f.len(),
                i + 1
            ));
        }
        let sensitive = match f.get(7).map(|s| s.trim()) {
            None | Some("-") | Some("") => None,
            Some("sensitive") | Some("敏感") => Some(true),
            Some("open") | Some("普通") => Some(false),
            Some(other) => {
                return Err(format!(
                    "第{}行第8列“{other}”应为 sensitive、open 或 - (line {}: sensitive flag)",
                    i + 1,
                    i + 1
                ))
            }
        };
        let opt = |s: &str| (s != "-" && !s.is_empty()).then(|| s.to_string());
        rows.push(CategoryRow {
            code: f[0].into(),
            parent: opt(f[1]),
            name_zh: f[2].into(),
            name_en: f[3].into(),
            lowest_level: opt(f[4]),
            response: opt(f[5]),
            resolve: opt(f[6]),
            sensitive,
        });
    }
    Ok(rows)
}

/// Writes rows in the format [`parse_tsv`] reads (what `categories-export` produces).
pub fn to_tsv(rows: &[CategoryRow]) -> String {
    let mut out = String::from("# code\tparent\tname_zh\tname_en\tlowest_level\tresponse\tresolve\tsensitive\n");
    let d = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    for r in rows {
        let sensitive = match r.sensitive {
            None => "-",
            Some(true) => "sensitive",
            Some(false) => "open",
        };
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{sensitive}\n",
            r.code,
            d(&r.parent),
            r.name_zh,
            r.name_en,
            d(&r.lowest_level),
            d(&r.response),
            d(&r.resolve)
        ));
    }
    out
}

fn valid_code(c: &str) -> bool {
    !c.is_empty()
        && c.len() <= 64
        && c.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
}

/// Checks a whole tree and applies inheritance: codes unique and well formed, parents
/// defined earlier, every root complete. Errors name the code and the field.
pub fn build(rows: &[CategoryRow]) -> Result<Vec<Category>, String> {
    let mut out: Vec<Category> = Vec::with_capacity(rows.len());
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows {
        let code = r.code.trim();
        if !valid_code(code) {
            return Err(format!("分类代码“{code}”无效：只能用字母、数字、_、- 和点 (category code: invalid)"));
        }
        if seen.contains_key(code) {
            return Err(format!("分类代码“{code}”重复 (category {code}: duplicate code)"));
        }
        if r.name_zh.trim().is_empty() || r.name_en.trim().is_empty() {
            return Err(format!("分类“{code}”缺少名称 (category {code}: name_zh and name_en are required)"));
        }
        let parent = match r.parent.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => match seen.get(p) {
                Some(i) => Some(&out[*i]),
                None => return Err(format!("分类“{code}”的上级“{p}”未在其前定义 (category {code}: unknown parent)")),
            },
        };
        let lowest = match (&r.lowest_level, parent) {
            (Some(l), _) => Level::parse(l).ok_or_else(|| format!("分类“{code}”的最低层级“{l}”无效 (lowest_level)"))?,
            (None, Some(p)) => p.lowest,
            (None, None) => return Err(format!("顶级分类“{code}”必须设定最低层级 (lowest_level required)")),
        };
        let limits = |v: &Option<String>, inherited: Option<Limits>, field: &str| -> Result<Limits, String> {
            match (v, inherited) {
                (Some(s), _) => Limits::parse(s).ok_or_else(|| {
                    format!("分类“{code}”的时限“{s}”无效：应为三个时限如 24h,4h,30m ({field}: limits for normal,urgent,emergency)")
                }),
                (None, Some(l)) => Ok(l),
                (None, None) => Err(format!("顶级分类“{code}”必须设定时限 ({field} required)")),
            }
        };
        let response = limits(&r.response, parent.map(|p| p.response), "response")?;
        let resolve = limits(&r.resolve, parent.map(|p| p.resolve), "resolve")?;
        seen.insert(code.to_string(), out.len());
        out.push(Category {
            code: code.into(),
            parent: parent.map(|p| p.code.clone()),
            name_zh: r.name_zh.trim().into(),
            name_en: r.name_en.trim().into(),
            lowest,
            response,
            resolve,
            sensitive: r.sensitive.unwrap_or_else(|| parent.is_some_and(|p| p.sensitive)),
        });
    }
    if out.is_empty() {
        return Err("分类表为空 (no categories)".into());
    }
    Ok(out)
}

/// The seeded tree, built.
pub fn seed() -> Vec<Category> {
    parse_tsv(SEED).and_then(|r| build(&r)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appeal::limits::LimitUnit;

    #[test]
    fn the_seed_builds_and_children_inherit() {
        let cats = seed();
        assert!(cats.len() >= 40, "{}", cats.len());
        let by = |c: &str| cats.iter().find(|x| x.code == c).unwrap().clone();
        let noise = by("neighbour.noise");
        assert_eq!(noise.lowest, Level::Building);
        assert_eq!(noise.resolve, by("neighbour").resolve);
        let road = by("urban.event.environment.road");
        assert_eq!(road.resolve.get(Urgency::Normal), TimeLimit { amount: 5, unit: LimitUnit::WorkHours });
        assert_eq!(road.lowest, Level::Subdistrict);
        assert_eq!(by("urban.component.traffic").lowest, Level::District);
        assert_eq!(by("facilities.water").resolve.get(Urgency::Normal).code(), "24h");
        for top in
            ["property", "neighbour", "family", "environment", "order", "facilities", "government", "care", "other"]
        {
            assert!(by(top).parent.is_none());
        }
    }

    #[test]
    fn bad_trees_are_refused_by_code() {
        let row = |code: &str, parent: Option<&str>, lowest: Option<&str>, resp: Option<&str>| CategoryRow {
            code: code.into(),
            parent: parent.map(Into::into),
            name_zh: "名".into(),
            name_en: "n".into(),
            lowest_level: lowest.map(Into::into),
            response: resp.map(Into::into),
            resolve: resp.map(Into::into),
            sensitive: None,
        };
        let ok = row("a", None, Some("building"), Some("1h,1h,1h"));
        assert!(build(&[ok.clone(), row("a.b", Some("a"), None, None)]).is_ok());
        assert!(build(&[ok.clone(), ok.clone()]).unwrap_err().contains("重复"));
        assert!(build(&[row("a.b", Some("a"), None, None)]).unwrap_err().contains("unknown parent"));
        assert!(build(&[row("a", None, None, Some("1h,1h,1h"))]).unwrap_err().contains("lowest_level"));
        assert!(build(&[row("a", None, Some("building"), Some("1h,1h"))]).unwrap_err().contains("response"));
        assert!(build(&[row("a b", None, Some("building"), Some("1h,1h,1h"))]).unwrap_err().contains("invalid"));
        assert!(build(&[row("a", None, Some("floor"), Some("1h,1h,1h"))]).unwrap_err().contains("lowest_level"));
        assert!(parse_tsv("a\tb\n").unwrap_err().contains("7"));
        assert!(parse_tsv("a\t-\tn\tn\tbuilding\t1h,1h,1h\t1h,1h,1h\tmaybe\n").unwrap_err().contains("sensitive"));
    }

    #[test]
    fn the_export_reads_back() {
        let rows = parse_tsv(SEED).unwrap();
        assert_eq!(parse_tsv(&to_tsv(&rows)).unwrap(), rows);
    }

    #[test]
    fn family_and_care_are_sensitive_and_children_inherit() {
        let cats = seed();
        let by = |c: &str| cats.iter().find(|x| x.code == c).unwrap().clone();
        assert!(by("family").sensitive && by("care").sensitive);
        assert!(!by("property").sensitive && !by("neighbour.noise").sensitive);
        for c in cats.iter().filter(|c| c.code.starts_with("family.") || c.code.starts_with("care.")) {
            assert!(c.sensitive, "{} inherits", c.code);
        }
    }
}
