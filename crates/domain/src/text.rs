//! Text a person typed: what is never accepted, wherever it arrives.
//!
//! NUL ends strings in C libraries and some drivers; the bidirectional embedding, override and
//! isolate characters (U+202A–U+202E, U+2066–U+2069) make text display in another order than it
//! is stored ("Trojan Source"), so a name or a description could show one thing and say another.

use crate::FieldError;

/// The first refused character in `s`, if any.
pub fn refused_char(s: &str) -> Option<char> {
    s.chars().find(|c| matches!(c, '\0' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
}

/// `Ok` unless `s` holds a refused character; the error names `field` and the character.
pub fn check(field: &str, s: &str) -> Result<(), FieldError> {
    match refused_char(s) {
        None => Ok(()),
        Some('\0') => Err(FieldError::new(field, "不能包含空字符 NUL (must not contain NUL characters)")),
        Some(c) => Err(FieldError::new(
            field,
            format!("不能包含双向文本控制字符 U+{:04X} (must not contain bidirectional control characters)", c as u32),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_bidi_overrides_are_refused() {
        assert!(check("name", "张三 Zhang").is_ok());
        assert!(check("name", "a\tb\nc").is_ok());
        assert!(check("name", "\u{200F}").is_ok(), "a plain mark is harmless");
        for bad in ["a\0b", "\u{202E}evil", "x\u{2066}y", "\u{202A}"] {
            let e = check("description", bad).unwrap_err();
            assert_eq!(e.field, "description");
        }
    }
}
