//! Floor area in hundredths of a square metre (0.01 m²), kept as an integer so that
//! vote tallies by area never meet a float.

use crate::FieldError;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Area(pub i64);

impl Area {
    /// Parses "89.45", "89.4", "89" (m²); more than two decimals is an error, not a rounding.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let err = |m: &str| FieldError::new("area", m);
        let s = input.trim().trim_end_matches("m²").trim_end_matches("㎡").trim();
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(err("面积应为非负数，最多两位小数 (a non-negative number of m², at most 2 decimals)"));
        }
        if frac.len() > 2 {
            return Err(err("面积最多两位小数 (at most 2 decimals)"));
        }
        if whole.len() > 9 {
            return Err(err("面积过大 (too large)"));
        }
        let w: i64 = whole.parse().map_err(|_| err("invalid number"))?;
        let f: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
        Ok(Self(w * 100 + f))
    }

    pub fn centi_m2(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_decimals_exactly() {
        assert_eq!(Area::parse("89.45").unwrap().0, 8945);
        assert_eq!(Area::parse("89.4").unwrap().0, 8940);
        assert_eq!(Area::parse("89").unwrap().0, 8900);
        assert_eq!(Area::parse("120.5㎡").unwrap().0, 12050);
        assert!(Area::parse("89.456").is_err());
        assert!(Area::parse("-3").is_err());
        assert!(Area::parse("").is_err());
    }

    proptest! {
        #[test]
        fn display_parse_roundtrip(v in 0i64..1_000_000_000) {
            prop_assert_eq!(Area::parse(&Area(v).to_string()).unwrap(), Area(v));
        }
    }
}
