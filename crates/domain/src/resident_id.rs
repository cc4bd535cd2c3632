//! Resident identity numbers (居民身份证号码), GB 11643-1999.
//!
//! 18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence (odd for men,
//! even for women) and an ISO 7064 MOD 11-2 check character (0–9 or X).

use crate::FieldError;
use chrono::NaiveDate;
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// A valid 18-character resident ID number. The check character is stored upper-case.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId(String);

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl ResidentId {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let err = |m: &str| FieldError::new("id_number", m);
        let s = input.trim().to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(err("身份证号码应为18位 (must be 18 characters)"));
        }
        let bytes = s.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(err("前17位应为数字 (the first 17 characters must be digits)"));
        }
        let last = bytes[17] as char;
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(err("末位应为数字或X (the last character must be a digit or X)"));
        }
        if bytes[0] == b'0' {
            return Err(err("地址码无效 (invalid address code)"));
        }
        if birth_date_of(&s).is_none() {
            return Err(err("出生日期无效 (invalid birth date)"));
        }
        if check_char(&bytes[..17]) != last {
            return Err(err("校验码错误 (check digit does not match)"));
        }
        Ok(Self(s))
    }

    /// Builds a valid number from its parts, computing the check character.
    /// `region` is a 6-digit address code, `seq` 0..=999.
    pub fn compose(region: u32, birth: NaiveDate, seq: u16) -> Result<Self, FieldError> {
        let first17 = format!("{:06}{}{:03}", region, birth.format("%Y%m%d"), seq);
        if first17.len() != 17 {
            return Err(FieldError::new("id_number", "parts out of range"));
        }
        let c = check_char(first17.as_bytes());
        Self::parse(&format!("{first17}{c}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn region(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(&self.0).expect("validated at parse")
    }

    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// `110***********1234`: first three and last four characters.
    pub fn masked(&self) -> String {
        mask_id_str(&self.0)
    }
}

/// Masks any stored ID text the same way, whether or not it still parses.
pub fn mask_id_str(s: &str) -> String {
    crate::mask_middle(s)
}

fn birth_date_of(s: &str) -> Option<NaiveDate> {
    let y: i32 = s.get(6..10)?.parse().ok()?;
    let m: u32 = s.get(10..12)?.parse().ok()?;
    let d: u32 = s.get(12..14)?.parse().ok()?;
    if !(1900..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

impl fmt::Debug for ResidentId {
    // Never print a full ID number by accident (logs, panics).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_valid_numbers() {
        // Published GB 11643 examples.
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.sex(), Sex::Female);
        let id = ResidentId::compose(370612, NaiveDate::from_ymd_opt(1975, 3, 8).unwrap(), 17).unwrap();
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.region(), "370612");
    }

    #[test]
    fn lower_case_x_is_accepted_and_normalised() {
        assert_eq!(ResidentId::parse("11010519491231002x").unwrap().as_str(), "11010519491231002X");
    }

    #[test]
    fn rejects_bad_check_digit_date_and_length() {
        assert!(ResidentId::parse("110105194912310021").unwrap_err().message.contains("校验码"));
        assert!(ResidentId::parse("110105194902300028").is_err()); // 30 February
        assert!(ResidentId::parse("1101051949123100").unwrap_err().message.contains("18"));
        assert!(ResidentId::parse("11010519491231002Y").is_err());
        assert!(ResidentId::parse("１１０１０５１９４９１２３１００２X").is_err());
    }

    #[test]
    fn masks_keep_first_three_and_last_four() {
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(format!("{id:?}"), "ResidentId(110***********002X)");
    }

    proptest! {
        #[test]
        fn composed_numbers_parse_and_roundtrip(
            region in 110000u32..660000,
            days in 0i64..40000,
            seq in 0u16..1000,
        ) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = ResidentId::compose(region, birth, seq).unwrap();
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.sex() == Sex::Male, seq % 2 == 1);
            prop_assert_eq!(ResidentId::parse(id.as_str()).unwrap(), id.clone());
        }

        #[test]
        fn any_single_digit_change_is_caught(
            region in 110000u32..660000, seq in 0u16..1000, pos in 0usize..17, delta in 1u8..10,
        ) {
            let birth = NaiveDate::from_ymd_opt(1980, 5, 17).unwrap();
            let id = ResidentId::compose(region, birth, seq).unwrap();
            let mut b = id.as_str().as_bytes().to_vec();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(b).unwrap();
            // MOD 11-2 detects every single-digit substitution.
            prop_assert!(ResidentId::parse(&changed).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = ResidentId::parse(&s);
        }
    }
}
