//! The service catalogue as data: categories of government service items for the desk and
//! the community centre's function areas, each item with its materials, time limit, legal
//! basis, fee and places. One text format is bundled; the store keeps the working copy, and
//! every check an item must pass lives here so that the page, the API and an import refuse
//! the same things with the same words.

use super::{CatalogueKind, MaterialForm, Place};
use crate::FieldError;

/// The bundled catalogue: 4 desk categories with 43 items, 5 centre areas with 61 services.
pub const BUNDLED: &str = include_str!("../../data/service-catalogue.txt");

/// The longest time limit an item may have, in working days.
pub const MAX_LIMIT_WORKDAYS: u32 = 250;
/// The most materials one item may ask for.
pub const MAX_MATERIALS: usize = 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub kind: CatalogueKind,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    pub name: String,
    pub form: MaterialForm,
    pub copies: u32,
    /// A sample or template the desk can hand out (its name), if there is one.
    pub sample: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub code: String,
    pub category: String,
    pub name: String,
    pub department: String,
    /// Working days to complete; 0 is done on the spot (即办).
    pub limit_workdays: u32,
    pub legal_basis: String,
    pub fee_fen: i64,
    pub places: Vec<Place>,
    pub appointment: bool,
    pub materials: Vec<Material>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    pub categories: Vec<Category>,
    pub items: Vec<Item>,
}

/// A code: 1–20 ASCII letters, digits, `-` or `_`, as typed (codes are keys).
pub fn check_code(field: &str, code: &str) -> Result<(), FieldError> {
    let ok =
        !code.is_empty() && code.len() <= 20 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(field, format!("“{code}”应为1到20位字母、数字、-或_ (1–20 letters, digits, - or _)")))
    }
}

fn check_text(field: &str, v: &str, min: usize, max: usize) -> Result<(), FieldError> {
    let n = v.chars().count();
    if n < min || n > max || v.trim() != v {
        return Err(FieldError::new(
            field,
            if min == 0 {
                format!("最多{max}个字，首尾不能有空格 (at most {max} characters, no surrounding spaces)")
            } else {
                format!("应为{min}到{max}个字，首尾不能有空格 ({min}–{max} characters, no surrounding spaces)")
            },
        ));
    }
    crate::text::check(field, v)
}

impl Category {
    pub fn check(&self) -> Result<(), FieldError> {
        check_code("code", &self.code)?;
        check_text("name", &self.name, 1, 40)
    }
}

impl Material {
    pub fn check(&self, i: usize) -> Result<(), FieldError> {
        check_text(&format!("materials[{i}].name"), &self.name, 1, 60)?;
        if !(1..=20).contains(&self.copies) {
            return Err(FieldError::new(format!("materials[{i}].copies"), "份数应为1到20 (1–20 copies)"));
        }
        check_text(&format!("materials[{i}].sample"), &self.sample, 0, 60)
    }
}

impl Item {
    /// Everything an item must be, its category's kind aside. Field names are the API's.
    pub fn check(&self) -> Result<(), FieldError> {
        check_code("code", &self.code)?;
        check_code("category", &self.category)?;
        check_text("name", &self.name, 1, 100)?;
        check_text("department", &self.department, 1, 60)?;
        if self.limit_workdays > MAX_LIMIT_WORKDAYS {
            return Err(FieldError::new(
                "limit_workdays",
                format!("办结时限最多{MAX_LIMIT_WORKDAYS}个工作日 (at most {MAX_LIMIT_WORKDAYS} working days)"),
            ));
        }
        check_text("legal_basis", &self.legal_basis, 0, 200)?;
        if !(0..=100_000_000).contains(&self.fee_fen) {
            return Err(FieldError::new("fee_fen", "收费应为0到100万元，以分计 (0 to 100,000,000 fen)"));
        }
        if self.places.is_empty() {
            return Err(FieldError::new("places", "至少一个办理地点 (at least one place)"));
        }
        if self.materials.len() > MAX_MATERIALS {
            return Err(FieldError::new("materials", format!("材料最多{MAX_MATERIALS}项 (at most {MAX_MATERIALS})")));
        }
        for (i, m) in self.materials.iter().enumerate() {
            m.check(i)?;
            if self.materials[..i].iter().any(|x| x.name == m.name) {
                return Err(FieldError::new(
                    format!("materials[{i}].name"),
                    format!("材料“{}”重复 (listed twice)", m.name),
                ));
            }
        }
        Ok(())
    }

    pub fn offered_at(&self, p: Place) -> bool {
        self.places.contains(&p)
    }
}

/// Reads a list of places written `centre,station,online` (codes or labels).
pub fn parse_places(field: &str, s: &str) -> Result<Vec<Place>, FieldError> {
    let mut out = Vec::new();
    for p in s.split([',', '，', '、']).map(str::trim).filter(|p| !p.is_empty()) {
        let place = Place::parse_field(p, field)?;
        if !out.contains(&place) {
            out.push(place);
        }
    }
    out.sort();
    Ok(out)
}

/// An item's materials as a person types them, one per line:
/// `name | form | copies | sample`, where the form (原件, 复印件, 原件和复印件 or their codes),
/// the copies (1) and the sample (none) may be left out. An error names the line.
pub fn parse_materials(field: &str, text: &str) -> Result<Vec<Material>, FieldError> {
    let mut out: Vec<Material> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() {
            continue;
        }
        let bad = |m: String| FieldError::new(field, format!("第{}行：{m} (line {})", i + 1, i + 1));
        let f: Vec<&str> = l.split('|').map(str::trim).collect();
        if f.len() > 4 {
            return Err(bad("最多四栏：名称 | 原件或复印件 | 份数 | 样表".into()));
        }
        let form = match f.get(1).copied().unwrap_or("") {
            "" => MaterialForm::Original,
            s => MaterialForm::ALL
                .iter()
                .copied()
                .find(|m| {
                    m.as_str() == s
                        || m.label_zh() == s
                        || m.label_zh().replace('及', "和") == s
                        || m.label_en().eq_ignore_ascii_case(s)
                })
                .ok_or_else(|| bad(format!("“{s}”应为原件、复印件或原件及复印件")))?,
        };
        let copies = match f.get(2).copied().unwrap_or("") {
            "" => 1,
            s => s
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=20).contains(n))
                .ok_or_else(|| bad(format!("份数“{s}”应为1到20")))?,
        };
        let m = Material { name: f[0].into(), form, copies, sample: f.get(3).copied().unwrap_or("").into() };
        if out.iter().any(|x| x.name == m.name) {
            return Err(bad(format!("“{}”重复了", m.name)));
        }
        m.check(out.len()).map_err(|e| bad(e.message))?;
        out.push(m);
    }
    Ok(out)
}

/// The materials in the typed form [`parse_materials`] reads back.
pub fn materials_text(materials: &[Material]) -> String {
    materials
        .iter()
        .map(|m| {
            let line = format!("{} | {} | {}", m.name, m.form.label_zh(), m.copies);
            if m.sample.is_empty() {
                line
            } else {
                format!("{line} | {}", m.sample)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn places_code(places: &[Place]) -> String {
    places.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

impl Catalogue {
    pub fn bundled() -> Self {
        Self::parse(BUNDLED).expect("the bundled catalogue parses")
    }

    /// Reads the text format of `data/service-catalogue.txt`; an error names the line.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let mut cat = Catalogue::default();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let at = |e: FieldError| FieldError::new(format!("line {line}: {}", e.field), e.message);
            let (word, rest) = l.split_once(' ').unwrap_or((l, ""));
            let f: Vec<&str> = rest.split('|').map(str::trim).collect();
            let need = |n: usize| {
                if f.len() == n {
                    Ok(())
                } else {
                    Err(FieldError::new(
                        format!("line {line}"),
                        format!("应有{n}栏，有{} (expected {n} fields)", f.len()),
                    ))
                }
            };
            match word {
                "category" => {
                    need(3)?;
                    let c = Category {
                        code: f[0].into(),
                        kind: CatalogueKind::parse_field(f[1], "kind").map_err(at)?,
                        name: f[2].into(),
                    };
                    c.check().map_err(at)?;
                    cat.categories.push(c);
                }
                "item" => {
                    need(8)?;
                    let category = cat.categories.last().ok_or_else(|| {
                        FieldError::new(format!("line {line}"), "事项之前应先有类别 (an item needs a category first)")
                    })?;
                    let item = Item {
                        code: f[0].into(),
                        category: category.code.clone(),
                        name: f[1].into(),
                        department: f[2].into(),
                        limit_workdays: f[3]
                            .parse()
                            .map_err(|_| at(FieldError::new("limit_workdays", format!("“{}”不是天数", f[3]))))?,
                        legal_basis: f[4].into(),
                        fee_fen: f[5]
                            .parse()
                            .map_err(|_| at(FieldError::new("fee_fen", format!("“{}”不是金额", f[5]))))?,
                        places: parse_places("places", f[6]).map_err(at)?,
                        appointment: match f[7] {
                            "yes" => true,
                            "no" => false,
                            o => return Err(at(FieldError::new("appointment", format!("“{o}”应为 yes 或 no")))),
                        },
                        materials: vec![],
                    };
                    cat.items.push(item);
                }
                "material" => {
                    need(4)?;
                    let item = cat.items.last_mut().ok_or_else(|| {
                        FieldError::new(format!("line {line}"), "材料之前应先有事项 (a material needs an item first)")
                    })?;
                    item.materials.push(Material {
                        name: f[0].into(),
                        form: MaterialForm::parse_field(f[1], "form").map_err(at)?,
                        copies: f[2]
                            .parse()
                            .map_err(|_| at(FieldError::new("copies", format!("“{}”不是份数", f[2]))))?,
                        sample: f[3].into(),
                    });
                }
                other => {
                    return Err(FieldError::new(
                        format!("line {line}"),
                        format!("“{other}”应为 category、item 或 material"),
                    ))
                }
            }
        }
        cat.check()?;
        Ok(cat)
    }

    /// The whole catalogue's checks: each item, unique codes, known categories.
    pub fn check(&self) -> Result<(), FieldError> {
        for (i, c) in self.categories.iter().enumerate() {
            c.check()?;
            if self.categories[..i].iter().any(|x| x.code == c.code) {
                return Err(FieldError::new("category", format!("类别代码“{}”重复 (listed twice)", c.code)));
            }
        }
        for (i, it) in self.items.iter().enumerate() {
            it.check().map_err(|e| FieldError::new(format!("{}: {}", it.code, e.field), e.message))?;
            if self.items[..i].iter().any(|x| x.code == it.code) {
                return Err(FieldError::new("code", format!("事项代码“{}”重复 (listed twice)", it.code)));
            }
            if !self.categories.iter().any(|c| c.code == it.category) {
                return Err(FieldError::new("category", format!("没有类别“{}” (no such category)", it.category)));
            }
        }
        Ok(())
    }

    pub fn kind_of(&self, item: &Item) -> Option<CatalogueKind> {
        self.categories.iter().find(|c| c.code == item.category).map(|c| c.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_materials_read_back_and_bad_lines_are_named() {
        let m = parse_materials("materials", "居民身份证\n\n户口簿 | 原件和复印件 | 2 | 样表A\n照片 | copy").unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!((m[0].form, m[0].copies), (MaterialForm::Original, 1));
        assert_eq!((m[1].form, m[1].copies, m[1].sample.as_str()), (MaterialForm::OriginalAndCopy, 2, "样表A"));
        assert_eq!(m[2].form, MaterialForm::Copy);
        assert_eq!(parse_materials("materials", &materials_text(&m)).unwrap(), m);
        for bad in ["身份证 | 扫描件", "身份证 | 原件 | 0", "身份证\n身份证", "a | b | c | d | e"] {
            let e = parse_materials("materials", bad).unwrap_err();
            assert_eq!(e.field, "materials");
            assert!(e.message.starts_with("第"), "{}", e.message);
        }
    }

    #[test]
    fn the_bundled_catalogue_has_the_seed_counts() {
        let c = Catalogue::bundled();
        let desk: Vec<&Category> = c.categories.iter().filter(|x| x.kind == CatalogueKind::Desk).collect();
        let centre: Vec<&Category> = c.categories.iter().filter(|x| x.kind == CatalogueKind::Centre).collect();
        assert_eq!((desk.len(), centre.len()), (4, 5), "4 categories at the stations, 5 function areas");
        let count = |k| c.items.iter().filter(|i| c.kind_of(i) == Some(k)).count();
        assert_eq!(count(CatalogueKind::Desk), 43, "43 desk items");
        assert_eq!(count(CatalogueKind::Centre), 61, "61 centre services");
        // The two the seed names.
        assert!(c.items.iter().any(|i| i.name.contains("老年人优待证")));
        assert!(c.items.iter().any(|i| i.name.contains("住房公积金提取")));
        // Every desk item says what to bring, its legal basis and where it can be done.
        for i in c.items.iter().filter(|i| c.kind_of(i) == Some(CatalogueKind::Desk)) {
            assert!(!i.legal_basis.is_empty(), "{}", i.code);
            assert!(i.materials.len() <= MAX_MATERIALS);
        }
    }

    #[test]
    fn bad_lines_are_named() {
        let e = Catalogue::parse("category A | desk | 类\nitem A1 | 事 | 部门 | x | | 0 | centre | no\n").unwrap_err();
        assert!(e.field.contains("line 2") && e.field.contains("limit_workdays"), "{e:?}");
        let e = Catalogue::parse("category A | desk | 类\nitem A1 | 事 | 部门 | 1 | | 0 | moon | no\n").unwrap_err();
        assert!(e.field.contains("places"), "{e:?}");
        let e = Catalogue::parse("material 身份证 | original | 1 |\n").unwrap_err();
        assert!(e.field.contains("line 1"));
        let e = Catalogue::parse("category A | desk | 类\nitem A1 | 事 | 部门 | 1 | | 0 | centre | no\nitem A1 | 事 | 部门 | 1 | | 0 | centre | no\n")
            .unwrap_err();
        assert!(e.message.contains("A1"), "{e:?}");
    }

    #[test]
    fn an_item_is_checked_field_by_field() {
        let mut it = Catalogue::bundled().items[0].clone();
        it.limit_workdays = 300;
        assert_eq!(it.check().unwrap_err().field, "limit_workdays");
        it.limit_workdays = 5;
        it.places.clear();
        assert_eq!(it.check().unwrap_err().field, "places");
        it.places = vec![Place::Station];
        it.materials.push(it.materials[0].clone());
        assert!(it.check().unwrap_err().field.starts_with("materials["));
        it.materials.pop();
        it.code = "A 1".into();
        assert_eq!(it.check().unwrap_err().field, "code");
    }
}
