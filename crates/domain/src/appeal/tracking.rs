//! The tracking code a reporter without an account keeps: eight characters a person can read
//! out over the phone and type on a phone, from an alphabet without look-alikes (no 0/O, 1/I/L,
//! U/V). 29⁸ ≈ 5 × 10¹¹ codes; with failed lookups rate-limited per address, guessing one is
//! not a practical way in. Only a hash of the code is stored.

/// The characters a code is made of.
pub const ALPHABET: &[u8; 29] = b"23456789ABCDEFGHJKMNPQRSTWXYZ";

/// How many characters a code has.
pub const LEN: usize = 8;

/// How many codes there are; draw `n` uniformly below this and [`encode`] it.
pub const SPACE: u64 = 29u64.pow(LEN as u32);

/// The code for `n` (taken modulo [`SPACE`]): distinct numbers below `SPACE` give distinct codes.
pub fn encode(n: u64) -> String {
    let mut n = n % SPACE;
    let mut out = [0u8; LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 29) as usize];
        n /= 29;
    }
    out.iter().map(|b| *b as char).collect()
}

/// A code as typed — any case, with spaces or dashes — in its stored form, or `None` when it
/// cannot be a code (then it may still be a long code of the earlier format).
pub fn normalise(typed: &str) -> Option<String> {
    let s: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    (s.len() == LEN && s.bytes().all(|b| ALPHABET.contains(&b))).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn no_look_alikes() {
        for c in b"01OILUV" {
            assert!(!ALPHABET.contains(c), "{}", *c as char);
        }
        assert_eq!(encode(0), "22222222");
        assert_eq!(encode(SPACE - 1), "ZZZZZZZZ");
    }

    proptest! {
        #[test]
        fn codes_are_eight_readable_characters_and_distinct(a in 0..SPACE, b in 0..SPACE) {
            let (x, y) = (encode(a), encode(b));
            prop_assert_eq!(x.len(), LEN);
            prop_assert!(x.bytes().all(|c| ALPHABET.contains(&c)));
            prop_assert_eq!(a == b, x == y);
        }

        #[test]
        fn a_code_typed_loosely_is_found(n in 0..SPACE) {
            let code = encode(n);
            let typed = format!(" {}-{} ", code[..4].to_lowercase(), &code[4..]);
            prop_assert_eq!(normalise(&typed), Some(code));
        }
    }

    #[test]
    fn what_cannot_be_a_code_is_not_one() {
        for s in ["", "2222222", "222222222", "2222222O", "jt_abcdefgh"] {
            assert_eq!(normalise(s), None, "{s}");
        }
    }
}
