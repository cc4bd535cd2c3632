//! Grid work (issue 14): the grid worker's rounds (走访) — the households of the grid with when
//! each was last visited and when it is due, visits recorded from a phone with what was found
//! and followed up, a finding filed as an appeal in the same step (channel 网格巡查, the place
//! filled in) — and the people who joined the grid to help (融网入格). The rules are
//! `jiayuan_domain::grid`; the figures are defined once in `figures`.
//!
//! Who: staff with `RecordVisits`. A community worker records visits only in the grids they
//! are fixed to (定岗网格: the grid's `worker_id` is their resident record); secretaries and
//! officers above record in any grid of their scope. Anyone who sees the grid's place sees its
//! round.
//!
//! Grid party secretaries (`secretaries`): filed with the subdistrict (备案) over time, their
//! reports to the community's party organisation and to the grid's members and residents, and
//! their appraisals (述职评议) with every scorer's score.

pub mod figures;
mod rounds;
mod secretaries;

pub use rounds::{GridRef, Helper, HouseholdOnRound, NewHelper, NewVisit, Round, Visit, MAX_VISITS};
pub use secretaries::{Filing, NewFiling, NewReport, NewReview, Review, ReviewScore, SecretaryRecord, SecretaryReport};
