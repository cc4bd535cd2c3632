//! The service system's records: the catalogue (`catalogue`), the service points with their
//! hours, rosters and calendar feed (`points`), tickets with their materials, hand-offs and
//! one-time notices (`tickets`), consultations and good-or-bad ratings with their follow-up
//! (`ratings`), and appointments (`appointments`). The rules are the domain's
//! (`jiayuan_domain::service`); this module keeps the rows and decides who may touch them.

mod appointments;
mod catalogue;
mod clock;
mod points;
mod ratings;
mod rollup;
mod tickets;

pub use appointments::{Booking, NewBooking};
pub(crate) use catalogue::seed_bundled;
pub use catalogue::{
    catalogue_from_table, catalogue_table, may_edit_catalogue, offered_by, ItemFilter, ItemSave, StoredItem,
    CATALOGUE_HEADERS,
};
pub(crate) use clock::schedule_after_upgrade;
pub use clock::ServiceClockReport;
pub(crate) use points::open_points_everywhere;
pub use points::{at_beijing, ical, NewShift, PointState, ServicePoint, ShiftRow};
pub use ratings::{Consultation, NewConsultation, NewRating, RatingRow, RatingTarget, ServiceFigures};
pub use rollup::{desk_order, next_check};
pub use tickets::{NewTicket, Notice, Ticket, TicketCard, TicketEvent, TicketFilter, TicketMaterial, TicketStepInput};

use crate::access::Principal;
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::{Result, StoreError, Tx};
use jiayuan_domain::access::Permission;

/// Text a person typed for a field: trimmed, between `min` and `max` characters, nothing refused.
pub(crate) fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min || n > max {
        return Err(StoreError::invalid(
            field,
            if min == 0 {
                format!("最多{max}个字 (at most {max} characters)")
            } else {
                format!("应为{min}到{max}个字 ({min}–{max} characters)")
            },
        ));
    }
    jiayuan_domain::text::check(field, v)?;
    Ok(v.to_string())
}

/// Whether `who` serves the desk at a point at `path`.
pub fn serves_at(who: &Principal, path: &str) -> bool {
    who.scope(Permission::ServeDesk).is_ok_and(|s| s.covers_path(path))
}

/// Whether `who` manages the point at `path` (its hours, rosters and items).
pub fn manages_point(who: &Principal, path: &str) -> bool {
    who.scope(Permission::ManageService).is_ok_and(|s| s.covers_path(path))
}

async fn audit_in(
    tx: &mut Tx,
    ctx: &AuditCtx,
    path: &str,
    action: &str,
    object: impl ToString,
    summary: serde_json::Value,
) -> Result<()> {
    audit::append(tx, ctx, AuditEvent { scope_path: path, action, object: object.to_string(), summary, result: "ok" })
        .await?;
    Ok(())
}
