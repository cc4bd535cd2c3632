//! Community life's records (issue 13): activities with registration, a waiting list and
//! check-in by a signed code (`activities`); volunteer teams and their confirmed hours
//! (`volunteers`). The rules are the domain's
//! (`jiayuan_domain::life`); this module keeps the rows, the counts that cannot over-book,
//! and decides who may touch them.

mod activities;
mod queue;
mod volunteers;

pub use activities::{runs_at, Activity, ActivityFilter, ActivityKind, CheckIn, NewActivity, Registration};
pub use queue::RegistrationQueue;
pub use volunteers::{Certificate, Member, NewRecord, RecordFilter, ServiceRecord, Team, TeamHours};

use crate::batch::exec;
use crate::{Result, Tx};
use jiayuan_domain::life::BUNDLED_KINDS;

/// The bundled activity kinds (migration 22); kinds an administrator added are kept.
pub(crate) async fn seed_kinds(tx: &mut Tx) -> Result<()> {
    for (code, name, en) in BUNDLED_KINDS {
        exec(
            tx,
            "INSERT INTO activity_kinds (code, name, name_en, training) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING",
            &[(*code).into(), (*name).into(), (*en).into(), (*code == "steward_training").into()],
        )
        .await?;
    }
    Ok(())
}
