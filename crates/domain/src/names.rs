//! Chinese names: pinyin keys for search and sorting, and masking for public pages.

use pinyin::ToPinyin;

/// Surnames whose reading differs from the character's most common one.
const SURNAME_READINGS: &[(char, &str)] = &[
    ('曾', "zeng"),
    ('单', "shan"),
    ('解', "xie"),
    ('仇', "qiu"),
    ('朴', "piao"),
    ('区', "ou"),
    ('查', "zha"),
    ('乐', "yue"),
    ('盖', "ge"),
    ('缪', "miao"),
    ('覃', "qin"),
    ('翟', "zhai"),
    ('种', "chong"),
    ('尉', "yu"),
    ('繁', "po"),
    ('员', "yun"),
    ('长', "chang"),
    ('沈', "shen"),
];

/// Pinyin of a name, syllables separated by spaces, toneless and lower-case
/// (`张三` → `zhang san`). Characters without a reading are kept as they are.
/// Sorting by this key puts names in dictionary order syllable by syllable.
pub fn pinyin_key(name: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for (i, ch) in name.trim().chars().enumerate() {
        if i == 0 {
            if let Some((_, r)) = SURNAME_READINGS.iter().find(|(c, _)| *c == ch) {
                out.push((*r).to_string());
                continue;
            }
        }
        match ch.to_pinyin() {
            Some(p) => out.push(p.plain().to_string()),
            None if ch.is_whitespace() || ch == '·' => {}
            None => out.push(ch.to_lowercase().collect()),
        }
    }
    out.join(" ")
}

/// Initials of each syllable (`zhang san` → `zs`).
pub fn initials(pinyin: &str) -> String {
    pinyin.split(' ').filter_map(|s| s.chars().next()).collect()
}

/// The forms under which a name is found: pinyin without spaces and initials.
pub fn search_keys(name: &str) -> (String, String) {
    let key = pinyin_key(name);
    (key.replace(' ', ""), initials(&key))
}

/// `张三` → `张*`, `欧阳娜娜` → `欧***`: the surname's first character stays.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_and_initials() {
        assert_eq!(pinyin_key("张三"), "zhang san");
        assert_eq!(search_keys("王小明"), ("wangxiaoming".into(), "wxm".into()));
        assert_eq!(pinyin_key("曾国藩"), "zeng guo fan");
        assert_eq!(pinyin_key("单田芳"), "shan tian fang");
    }

    #[test]
    fn dictionary_order_by_syllable() {
        let mut names = vec!["赵六", "李四", "张三", "林一", "安然"];
        names.sort_by_key(|n| pinyin_key(n));
        assert_eq!(names, vec!["安然", "李四", "林一", "张三", "赵六"]);
    }

    #[test]
    fn masking() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("王"), "王*");
    }
}
