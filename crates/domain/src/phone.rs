//! Telephone numbers: mainland mobile (11 digits, 1[3-9]…) or a landline with area code.

use crate::FieldError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let err = |m: &str| FieldError::new("phone", m);
        let s: String = input.trim().chars().filter(|c| *c != ' ' && *c != '-').collect();
        let s = s.strip_prefix("+86").unwrap_or(&s).to_string();
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(err("电话号码只能包含数字 (digits only)"));
        }
        let b = s.as_bytes();
        let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
        let landline = b[0] == b'0' && (10..=12).contains(&b.len());
        if !(mobile || landline) {
            return Err(err("应为11位手机号或带区号的固话 (11-digit mobile or landline with area code)"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        mask_phone_str(&self.0)
    }
}

/// `138****1234`: the first three and last four digits stay visible.
pub fn mask_phone_str(s: &str) -> String {
    crate::mask_middle(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_and_landline() {
        assert_eq!(Phone::parse("138 0013 8000").unwrap().as_str(), "13800138000");
        assert_eq!(Phone::parse("+8613800138000").unwrap().masked(), "138****8000");
        assert!(Phone::parse("0535-4211234").is_ok());
        assert!(Phone::parse("12800138000").is_err());
        assert!(Phone::parse("1380013800").is_err());
        assert!(Phone::parse("abc").is_err());
    }
}
