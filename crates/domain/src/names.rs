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

/// The keys under which a name is indexed for search (the `person_name_keys` table): every
/// distinct character that is not plain ASCII and every pair of neighbouring characters that
/// starts with one (so that a
/// search for `王` or `小明` is an exact key, as in the n-gram analyzers CJK full-text engines
/// use: a trigram index cannot answer one- or two-character queries), and the name's pinyin
/// without spaces and its initials (found by prefix; `吕` reads `lü`, so these are not always
/// ASCII). Whitespace is left out; no Chinese gram starts with an ASCII character, so none
/// falls inside a pinyin prefix range.
///
/// Each key comes with its *overlap*: for the initials, the length of the prefix they share
/// with the pinyin (`王安`: `wangan` and `wa` share `wa`, 2), else 0. A prefix search for `q`
/// reads the keys in `[q, q⁺)` whose overlap is shorter than `q`: a person whose pinyin and
/// initials both start with `q` is then found once, by the pinyin, with no DISTINCT to pay.
pub fn index_keys(name: &str) -> std::collections::BTreeMap<String, usize> {
    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_lowercase()).collect();
    let mut keys = std::collections::BTreeMap::new();
    for (i, c) in chars.iter().enumerate() {
        if !c.is_ascii() {
            keys.insert(c.to_string(), 0);
        }
        if let Some(next) = chars.get(i + 1) {
            // A pair starting with an ASCII letter would fall inside a pinyin prefix range.
            if !c.is_ascii() {
                keys.insert([*c, *next].iter().collect(), 0);
            }
        }
    }
    let (py, initials) = search_keys(name);
    if !initials.is_empty() && initials != py {
        let shared = py.bytes().zip(initials.bytes()).take_while(|(a, b)| a == b).count();
        keys.insert(initials, shared);
    }
    if !py.is_empty() {
        keys.insert(py, 0);
    }
    keys
}

/// How a name search reads its text against [`index_keys`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameSearch {
    /// One character, or two starting with a Chinese one: the key itself.
    Key(String),
    /// Longer text: candidates by one of its keys (its first pair that starts with a Chinese
    /// character, else its first Chinese character), then the whole text in the name.
    KeyThenName { key: String, text: String },
    /// Pinyin or initials: keys in the half-open range `[from, to)`.
    Prefix { from: String, to: String },
    /// Nothing a name could match (punctuation alone).
    Nothing,
}

impl NameSearch {
    pub fn parse(text: &str) -> NameSearch {
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if text.is_ascii() {
            let compact: String = text.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            let mut to = compact.clone();
            return match to.pop() {
                // `[prefix, prefix⁺)`: the last character raised by one (never past ASCII 'z' + 1).
                Some(c) => {
                    to.push(char::from(c as u8 + 1));
                    NameSearch::Prefix { from: compact, to }
                }
                None => NameSearch::Nothing,
            };
        }
        // Keys keep Latin letters in lower case, as the pinyin does.
        let text = text.to_ascii_lowercase();
        let chars: Vec<char> = text.chars().collect();
        if chars.len() == 1 || (chars.len() == 2 && !chars[0].is_ascii()) {
            return NameSearch::Key(text);
        }
        // Text that is not all ASCII holds a Chinese character, so one of these is found.
        let key = match chars.windows(2).find(|w| !w[0].is_ascii()) {
            Some(pair) => pair.iter().collect(),
            None => chars.iter().find(|c| !c.is_ascii()).map(|c| c.to_string()).unwrap_or_default(),
        };
        NameSearch::KeyThenName { key, text }
    }
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

    #[test]
    fn index_keys_of_a_name() {
        let k: Vec<(String, usize)> = index_keys("王小明").into_iter().collect();
        let k: Vec<(&str, usize)> = k.iter().map(|(s, n)| (s.as_str(), *n)).collect();
        assert_eq!(k, vec![("wangxiaoming", 0), ("wxm", 1), ("小", 0), ("小明", 0), ("明", 0), ("王", 0), ("王小", 0)]);
        let keys = |n: &str| index_keys(n).into_keys().collect::<Vec<_>>();
        // A single-character name: its pinyin and initials differ, both kept once.
        assert_eq!(keys("李"), vec!["l", "li", "李"]);
        assert_eq!(index_keys("王安")["wa"], 2, "initials share `wa` with `wangan`");
        // Repeated characters give each key once; spaces and the middle dot are handled.
        assert_eq!(keys("娜娜"), vec!["nana", "nn", "娜", "娜娜"]);
        assert!(index_keys("阿依古丽·买买提").contains_key("丽·"));
        assert!(index_keys("李Anna").contains_key("李a"));
        assert!(!index_keys("Anna 李").contains_key("a李"), "pairs starting in ASCII are not keys");
        assert_eq!(keys("Anna"), vec!["anna"], "pinyin and initials the same: one key");
    }

    #[test]
    fn name_search_forms() {
        assert_eq!(NameSearch::parse(" 王 "), NameSearch::Key("王".into()));
        assert_eq!(NameSearch::parse("小明"), NameSearch::Key("小明".into()));
        assert_eq!(NameSearch::parse("王小明"), NameSearch::KeyThenName { key: "王小".into(), text: "王小明".into() });
        assert_eq!(NameSearch::parse("A李"), NameSearch::KeyThenName { key: "李".into(), text: "a李".into() });
        assert_eq!(NameSearch::parse("an李"), NameSearch::KeyThenName { key: "李".into(), text: "an李".into() });
        assert_eq!(NameSearch::parse("Wang J"), NameSearch::Prefix { from: "wangj".into(), to: "wangk".into() });
        assert_eq!(NameSearch::parse("z"), NameSearch::Prefix { from: "z".into(), to: "{".into() });
        assert_eq!(NameSearch::parse("-'"), NameSearch::Nothing);
    }

    proptest::proptest! {
        /// Whatever a name, a search for any piece of it (or for a prefix of its pinyin or
        /// initials) is answered by one of the name's keys.
        #[test]
        fn every_piece_of_a_name_finds_it(name in "[王李张小明娜·阿依 a-zA-Z]{1,8}", start in 0usize..8, len in 1usize..5) {
            let keys = index_keys(&name);
            let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
            proptest::prop_assume!(start + len <= chars.len());
            let piece: String = chars[start..start + len].iter().collect();
            match NameSearch::parse(&piece) {
                NameSearch::Key(k) => proptest::prop_assert!(keys.contains_key(&k), "{k} of {name}"),
                NameSearch::KeyThenName { key, .. } => proptest::prop_assert!(keys.contains_key(&key), "{key} of {name}"),
                NameSearch::Prefix { .. } | NameSearch::Nothing => {}
            }
            // A prefix of the pinyin or of the initials finds the name by exactly one key.
            let (py, initials) = search_keys(&name);
            for k in [py, initials] {
                if k.is_empty() { continue; }
                let cut: String = k.chars().take(len).collect();
                if let NameSearch::Prefix { from, to } = NameSearch::parse(&cut) {
                    let hits = keys.iter().filter(|(x, overlap)| **x >= from && **x < to && **overlap < from.len()).count();
                    proptest::prop_assert_eq!(hits, 1, "{} of {}: {:?}", cut, name, keys);
                }
            }
        }
    }
}
