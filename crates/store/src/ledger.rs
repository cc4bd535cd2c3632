//! Ledger import and export (台账).
use serde::Serialize;

/// One problem in one row of a ledger file.
#[derive(Debug, Clone, Serialize)]
pub struct RowError {
    /// 1-based row number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub column: String,
    pub message: String,
}
