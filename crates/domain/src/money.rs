//! Money is kept in integer fen (分) everywhere; people type and read yuan (元).

use crate::FieldError;

/// The most a single amount may be: ¥100,000,000.00 (a district's budget lines stay far
/// below it; beyond it is a typing mistake).
pub const MAX_FEN: i64 = 10_000_000_000;

/// Reads an amount in yuan as people type it (`12`, `12.5`, `12.50`, `¥1,200.00`,
/// `1200元`) into fen. Negative amounts, more than two decimals and anything else are
/// refused with the field named.
pub fn parse_yuan(field: &str, s: &str) -> Result<i64, FieldError> {
    let t: String = s
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    let bad = || {
        FieldError::new(
            field,
            format!("“{}”不是金额，请写成 12.50 这样的元数 (an amount in yuan, e.g. 12.50)", s.trim()),
        )
    };
    if t.is_empty() {
        return Err(bad());
    }
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || whole.len() > 12
    {
        return Err(bad());
    }
    let yuan: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let fen = yuan * 100 + cents;
    if fen > MAX_FEN {
        return Err(FieldError::new(field, "金额过大 (too large)"));
    }
    Ok(fen)
}

/// Fen as yuan with two decimals and thousands separators: `1234567` → `12,345.67`.
pub fn format_fen(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    let whole = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", a % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_are_read_as_people_type_them() {
        for (s, fen) in [
            ("12", 1200),
            ("12.5", 1250),
            ("12.50", 1250),
            ("¥1,200.00", 120000),
            ("1200元", 120000),
            ("0.05", 5),
            (".5", 50),
            ("0", 0),
        ] {
            assert_eq!(parse_yuan("fee", s).unwrap(), fen, "{s}");
        }
        for s in ["", "-1", "1.234", "abc", "1.2.3", "12e3", ".", "100000001"] {
            assert_eq!(parse_yuan("fee", s).unwrap_err().field, "fee", "{s}");
        }
        assert_eq!(format_fen(1234567), "12,345.67");
        assert_eq!(format_fen(5), "0.05");
        assert_eq!(format_fen(-120000), "-1,200.00");
    }

    proptest! {
        #[test]
        fn what_is_shown_reads_back(fen in 0i64..=MAX_FEN) {
            prop_assert_eq!(parse_yuan("x", &format_fen(fen)).unwrap(), fen);
        }
    }
}
