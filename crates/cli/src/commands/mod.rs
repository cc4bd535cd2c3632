//! One module per command: its arguments (clap) and what it does.

pub mod appeals;
pub mod audit;
pub mod calendar;
pub mod demo;
pub mod funds;
pub mod keys;
pub mod ledger;
pub mod report;
pub mod serve;
pub mod stats;
pub mod token;
pub mod user;
pub mod vote;
