//! Cells that a spreadsheet must never run as formulas (CSV injection).
//!
//! A CSV cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel
//! and LibreOffice as a formula. Exports prefix such a cell with `'` (the apostrophe Excel itself
//! uses for "this is text"); the ledger import takes the prefix off again, so what a person typed
//! comes back unchanged. A value that already starts with apostrophes before such a character
//! gets one more, so the pair is a bijection (see the property test).

use std::borrow::Cow;

/// Characters that start a formula in a spreadsheet cell.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `s` is one or more `'` followed by a formula character.
fn quoted_formula(s: &str) -> bool {
    let rest = s.trim_start_matches('\'');
    rest.len() < s.len() && rest.starts_with(FORMULA_START)
}

/// Whether a spreadsheet would read `s` as a formula.
pub fn starts_formula(s: &str) -> bool {
    s.starts_with(FORMULA_START)
}

/// The text to write in a CSV cell for `value`.
pub fn neutralise(value: &str) -> Cow<'_, str> {
    if starts_formula(value) || quoted_formula(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// The value a CSV cell written by [`neutralise`] stood for.
pub fn restore(cell: &str) -> Cow<'_, str> {
    if quoted_formula(cell) {
        Cow::Borrowed(&cell[1..])
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_are_quoted() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\t=1"), "'\t=1");
        assert_eq!(neutralise("张三"), "张三");
        assert_eq!(neutralise("'abc"), "'abc");
        assert_eq!(neutralise("'=1"), "''=1");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn import_reads_back() {
        assert_eq!(restore("'=1"), "=1");
        assert_eq!(restore("''=1"), "'=1");
        assert_eq!(restore("'abc"), "'abc");
        assert_eq!(restore("abc"), "abc");
    }

    proptest! {
        #[test]
        fn restore_undoes_neutralise(s in "['=+@\\-\t\ra-z张]{0,8}") {
            let cell = neutralise(&s).into_owned();
            prop_assert!(!starts_formula(&cell));
            prop_assert_eq!(restore(&cell), s.as_str());
        }
    }
}
