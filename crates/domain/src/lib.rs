//! Pure domain rules of Jiayuan: no I/O, no database, no clock.
//!
//! Every value that arrives from outside (API, ledger file, CLI) is parsed into one of
//! these types at the edge, so the rest of the program never re-checks a bare string.

pub mod access;
pub mod appeal;
pub mod area;
pub mod calendar;
pub mod council;
pub mod decision;
pub mod error;
pub mod fund;
pub mod geo;
pub mod grid;
pub mod ical;
pub mod life;
pub mod money;
pub mod names;
pub mod org;
pub mod person;
pub mod phone;
pub mod resident_id;
pub mod secretary;
pub mod service;
pub mod spreadsheet;
pub mod territory;
pub mod text;
pub mod tiles;
pub mod time;
pub mod vote;
pub mod work_report;
pub mod worker;

pub use area::Area;
pub use error::FieldError;
pub use phone::Phone;
pub use resident_id::{ResidentId, Sex};
pub use territory::{TerritoryKind, TerritoryPath};

/// Keeps the first three and last four characters and stars the rest: the masking rule for
/// ID numbers (`110***********1234`) and phone numbers (`138****1234`) alike. Anything shorter
/// than eight characters is starred whole.
pub fn mask_middle(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 7));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// An enum whose values have a stable code (stored, in the API), a Chinese label (pages,
/// ledgers) and an English label. `parse` accepts the code or either label.
#[macro_export]
macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal / $zh:literal / $en:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }

            pub fn label(self, lang: &str) -> &'static str {
                if lang == "en" { self.label_en() } else { self.label_zh() }
            }

            pub fn parse(s: &str) -> Option<Self> {
                let t = s.trim();
                Self::ALL.iter().copied().find(|v| {
                    v.as_str() == t || v.label_zh() == t || v.label_en().eq_ignore_ascii_case(t)
                })
            }

            /// Like `parse`, but an error naming the field and the accepted values.
            pub fn parse_field(s: &str, field: &str) -> Result<Self, $crate::FieldError> {
                Self::parse(s).ok_or_else(|| {
                    let allowed: Vec<String> = Self::ALL.iter().map(|v| format!("{}({})", v.label_zh(), v.as_str())).collect();
                    $crate::FieldError::new(field, format!("“{}”不是有效值，可选: {}", s.trim(), allowed.join("、")))
                })
            }
        }

        /// A stored code back into the value: only the code, never a label, and an error (never
        /// a default) for anything else, so a corrupt row is noticed.
        impl TryFrom<String> for $name {
            type Error = $crate::FieldError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    $crate::FieldError::new(stringify!($name), format!("“{s}” is not a stored {} code", stringify!($name)))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
