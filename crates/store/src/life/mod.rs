//! Community life's records (issue 13): activities with registration, a waiting list and
//! check-in by a signed code (`activities`); volunteer teams and their confirmed hours
//! (`volunteers`); what an activity came to (`reports`: status, report, a fair's stalls,
//! photos, the community calendar); social organisations' adoptions and venture projects
//! (`organisations`); golden solutions (`solutions`); and the figures of it all (`figures`). The rules are the domain's
//! (`jiayuan_domain::life`); this module keeps the rows, the counts that cannot over-book,
//! and decides who may touch them.

mod activities;
pub mod figures;
mod organisations;
mod queue;
mod reports;
mod solutions;
mod volunteers;

pub use activities::{runs_at, Activity, ActivityFilter, ActivityKind, CheckIn, NewActivity, Registration};
pub use organisations::{reviews_at, Adoption, NewProject, Project, ProjectFilter};
pub use queue::RegistrationQueue;
pub use reports::{NewStall, Stall, MAX_PHOTOS, MAX_SERVED};
pub use solutions::{review_level, Criterion, NewSolution, Review, Solution, SolutionAdoption, SolutionFilter};
pub use volunteers::{Certificate, Member, NewRecord, RecordFilter, ServiceRecord, Team, TeamHours};

use crate::access::Principal;
use crate::audit::{self, AuditCtx};
use crate::batch::{exec, fetch_optional};
use crate::{Result, Store, StoreError, Tx};
use jiayuan_domain::access::Permission;
use jiayuan_domain::life::BUNDLED_KINDS;
use uuid::Uuid;

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

async fn audit_in(
    tx: &mut Tx,
    ctx: &AuditCtx,
    path: &str,
    action: &str,
    object: Uuid,
    summary: serde_json::Value,
) -> Result<()> {
    audit::record(tx, ctx, path, action, object, summary).await
}

impl Store {
    /// A resident staff may name (registering them, enrolling them, booking for them): one
    /// whose home is in their people scope; anyone else answers as if absent.
    pub(crate) async fn resident_in_scope(&self, who: &Principal, person: Uuid) -> Result<()> {
        let row: Option<(Option<String>,)> =
            fetch_optional(&self.db, "SELECT home_path FROM people WHERE id = $1", &[person.into()]).await?;
        let people = who.scope(Permission::ViewPeople).ok();
        match row {
            Some((Some(h),)) if people.as_ref().is_some_and(|s| s.covers_path(&h)) => Ok(()),
            _ => {
                Err(StoreError::missing("person_id", "没有这位居民，或不在您的范围内 (no such resident in your scope)"))
            }
        }
    }
}
