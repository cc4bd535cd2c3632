//! The support system (保障体系, issue 14): what keeps the grassroots running. So far each
//! community's fund account with its public disclosure (`funds`) and the ledger of it as a
//! spreadsheet (`fund_sheet`); the figures of it all are defined once in `figures`.

pub mod figures;
mod fund_sheet;
mod funds;

pub use fund_sheet::{FundImport, FUND_SHEET_HEADERS};
pub use funds::{AccountLine, AccountSummary, Disclosure, EntryFilter, FundEntry, NewEntry, ReceiptFile};
