//! The support system (保障体系, issue 14): what keeps the grassroots running. Each
//! community's fund account with its public disclosure (`funds`) and the ledger of it as a
//! spreadsheet (`fund_sheet`); community workers — recruitment, grid posts, appraisals and
//! promotions on the 三岗十八级 table (`workers`); the community secretaries' development programme
//! (`programme`); the figures of it all are defined once in
//! `figures`.

pub mod figures;
mod fund_sheet;
mod funds;
mod programme;
mod workers;

pub use fund_sheet::{FundImport, FUND_SHEET_HEADERS};
pub use funds::{AccountLine, AccountSummary, Disclosure, EntryFilter, FundEntry, NewEntry, ReceiptFile};
pub use programme::{NewProgrammeEvent, Presence, ProgrammeEvent, ProgrammeHistory, RosterLine, StandingLine};
pub use workers::{
    Applicant, ApplicantLine, AppraisalRow, GridPost, Hire, NewApplicant, NewAppraisal, NewRecruitment, NewWorker,
    PayLine, PromotionRow, Recruitment, Worker, WorkerQuery, WorkerRecord,
};
