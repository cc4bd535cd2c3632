//! Tickets (办件): received at a point by someone who answers for it to the end (首问负责),
//! with the item's materials as a checklist; everything missing told at once in one notice
//! (一次性告知) while the clock stops (补正); accepted, in progress, completed within the
//! item's working days (限时办结), or refused with the reason; handed on with who, to whom
//! and why, only to someone who serves the desk there.

use super::catalogue::offered_by;
use super::rollup::{self, Measure};
use super::{audit_in, serves_at, text};
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::batch::{exec, fetch_all, fetch_optional, QueryParts, Value};
use crate::model::{Page, Paged};
use crate::{new_id, Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::calendar::WorkCalendar;
use jiayuan_domain::service::{self, Channel, MaterialForm, Place, TicketStatus, TicketStep};
use jiayuan_domain::time::{beijing, from_beijing};
use jiayuan_domain::Phone;
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewTicket {
    pub point: Uuid,
    pub item: String,
    pub channel: Channel,
    /// A resident on the register; or, for a walk-in, the name (and phone) given on the spot.
    pub person_id: Option<Uuid>,
    pub applicant_name: String,
    pub applicant_phone: String,
    /// The materials handed in, by name as the item lists them.
    pub provided: Vec<String>,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct TicketMaterial {
    pub seq: i64,
    pub name: String,
    pub form: MaterialForm,
    pub copies: i64,
    pub provided: bool,
    pub provided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct TicketEvent {
    pub seq: i64,
    pub action: String,
    pub actor_name: String,
    pub to_name: Option<String>,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// A one-time notice: every material missing when it was given.
#[derive(Debug, Clone)]
pub struct Notice {
    pub id: Uuid,
    pub issued_at: DateTime<Utc>,
    pub issued_by_name: String,
    pub missing: Vec<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Ticket {
    pub id: Uuid,
    pub number: i64,
    pub point_id: Uuid,
    pub point_name: String,
    pub path: String,
    pub item: String,
    pub item_version: i64,
    pub item_name: String,
    pub limit_workdays: i64,
    pub channel: Channel,
    pub person_id: Option<Uuid>,
    pub applicant_name: String,
    /// Masked: the desk never shows a whole phone number.
    pub applicant_phone: Option<String>,
    pub receiver_id: Uuid,
    pub receiver_name: String,
    pub handler_id: Uuid,
    pub handler_name: String,
    pub status: TicketStatus,
    pub received_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub refused_reason: Option<String>,
    pub outside_hours: bool,
    pub note: String,
    pub materials: Vec<TicketMaterial>,
    pub events: Vec<TicketEvent>,
    pub notices: Vec<Notice>,
}

impl Ticket {
    pub fn missing(&self) -> Vec<&TicketMaterial> {
        self.materials.iter().filter(|m| !m.provided).collect()
    }

    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.is_open() && self.due_at.is_some_and(|d| now >= d)
    }

    pub fn late(&self) -> bool {
        matches!((self.closed_at, self.due_at), (Some(c), Some(d)) if c > d)
    }
}

/// A ticket in a list.
#[derive(Debug, Clone)]
pub struct TicketCard {
    pub id: Uuid,
    pub number: i64,
    pub point_name: String,
    pub item_name: String,
    pub applicant_name: String,
    pub status: TicketStatus,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub handler_name: String,
    pub receiver_name: String,
    pub outside_hours: bool,
}

impl TicketCard {
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.is_open() && self.due_at.is_some_and(|d| now >= d)
    }

    pub fn warning(&self, now: DateTime<Utc>) -> bool {
        self.status.is_open() && !self.overdue(now) && self.warn_at.is_some_and(|w| now >= w)
    }
}

#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Only those I hold or answer for.
    pub mine: bool,
    pub open: bool,
    pub status: Option<TicketStatus>,
    pub point: Option<Uuid>,
    pub item: Option<String>,
    pub overdue_at: Option<DateTime<Utc>>,
}

/// What a step needs beyond its name.
#[derive(Debug, Clone, Default)]
pub struct TicketStepInput {
    /// For `supplement`: the materials that arrived (all the missing ones when empty).
    pub provided: Vec<String>,
    /// For `refuse`: the legal reason; otherwise an optional note.
    pub note: String,
}

#[derive(sqlx::FromRow)]
struct TicketRow {
    id: Uuid,
    number: i64,
    point_id: Uuid,
    point_name: String,
    path: String,
    item: String,
    item_version: i64,
    item_name: String,
    limit_workdays: i64,
    channel: String,
    person_id: Option<Uuid>,
    applicant_name: String,
    applicant_phone: Option<String>,
    receiver_id: Uuid,
    receiver_name: String,
    handler_id: Uuid,
    handler_name: String,
    status: String,
    received_at: DateTime<Utc>,
    due_at: Option<DateTime<Utc>>,
    warn_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    refused_reason: Option<String>,
    outside_hours: bool,
    note: String,
}

const TICKET_COLS: &str = "k.id, k.number, k.point_id, p.name AS point_name, k.path, k.item, CAST(k.item_version AS BIGINT) AS item_version,
    k.item_name, CAST(k.limit_workdays AS BIGINT) AS limit_workdays, k.channel, k.person_id, k.applicant_name, k.applicant_phone,
    k.receiver_id, r.display_name AS receiver_name, k.handler_id, h.display_name AS handler_name, k.status, k.received_at, k.due_at,
    k.warn_at, k.closed_at, k.refused_reason, k.outside_hours, k.note";
const TICKET_FROM: &str = "service_tickets k JOIN service_points p ON p.id = k.point_id
    JOIN users r ON r.id = k.receiver_id JOIN users h ON h.id = k.handler_id";

type CardRow = (
    Uuid,
    i64,
    String,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    String,
    String,
    bool,
);

type MaterialRow = (i64, String, String, i64, bool, Option<DateTime<Utc>>);
type EventRow = (i64, String, String, Option<String>, String, DateTime<Utc>);
type NoticeRow = (Uuid, DateTime<Utc>, String, String, Option<DateTime<Utc>>);

fn names_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

/// The due time and warning of a ticket from its reception, limit and waits for materials;
/// `None` while it waits.
fn deadline(
    cal: &WorkCalendar,
    received_at: DateTime<Utc>,
    limit: u32,
    waits: &[(DateTime<Utc>, Option<DateTime<Utc>>)],
) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
    let w: Vec<_> = waits.iter().map(|(s, e)| (beijing(*s).date(), e.map(|e| beijing(e).date()))).collect();
    let due = service::due_day(cal, beijing(received_at).date(), limit, &w)
        .map_err(|e| StoreError::invalid("calendar", e.to_string()))?;
    Ok(due.map(|d| {
        let (due, warn) = service::due_and_warning(beijing(received_at), d);
        (from_beijing(due), from_beijing(warn))
    }))
}

/// Whether `who` may act on the ticket: the one holding it, or the one who received it and
/// answers for it to the end.
fn check_holder(who: &Principal, t: &Ticket) -> Result<()> {
    if who.is_operator() || who.user_id == Some(t.handler_id) || who.user_id == Some(t.receiver_id) {
        return Ok(());
    }
    Err(StoreError::Conflict {
        field: "handler".into(),
        message: format!("此件由{}办理，首问负责人为{} (held by {})", t.handler_name, t.receiver_name, t.handler_name),
    })
}

pub(crate) async fn event(
    tx: &mut Tx,
    ticket: Uuid,
    action: &str,
    who: &Principal,
    to: Option<(Uuid, String)>,
    note: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    exec(
        tx,
        "INSERT INTO service_ticket_events (ticket_id, seq, action, actor_id, actor_name, to_id, to_name, note, at)
         VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM service_ticket_events WHERE ticket_id = $1), $2, $3, $4, $5, $6, $7, $8)",
        &[
            ticket.into(),
            action.into(),
            who.user_id.into(),
            who.display_name.clone().into(),
            to.as_ref().map(|t| t.0).into(),
            Value::Text(to.map(|t| t.1)),
            note.into(),
            at.into(),
        ],
    )
    .await?;
    Ok(())
}

impl Store {
    /// Receives a matter at a point; the receiver is `who`, first-asked-responsible.
    pub async fn receive_ticket(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        t: &NewTicket,
        now: DateTime<Utc>,
    ) -> Result<Ticket> {
        let Some(me) = who.user_id else {
            return Err(StoreError::invalid(
                "receiver",
                "办件须由登录的工作人员收件 (a ticket is received by a signed-in person)",
            ));
        };
        let scope = who.scope(Permission::ServeDesk).map_err(|d| StoreError::Forbidden(d.0))?;
        let point = self.service_point(t.point).await.ok().filter(|p| scope.covers_path(&p.path)).ok_or_else(|| {
            StoreError::missing("point", "没有这个服务点，或不在您的范围内 (no such point in your scope)")
        })?;
        let item = self
            .service_item(t.item.trim())
            .await
            .map_err(|_| StoreError::missing("item", format!("没有事项“{}” (no such item)", t.item.trim())))?;
        if item.kind != service::CatalogueKind::Desk {
            return Err(StoreError::invalid(
                "item",
                format!("“{}”是中心服务，不是办件事项 (a centre service, not a desk item)", item.item.name),
            ));
        }
        if !offered_by(point.kind, &item.item.places) || point.excluded.contains(&item.item.code) {
            return Err(StoreError::invalid(
                "item",
                format!("“{}”不在{}办理 (not offered at this point)", item.item.name, point.name),
            ));
        }
        if t.channel == Channel::Online && !item.item.places.contains(&Place::Online) {
            return Err(StoreError::invalid(
                "channel",
                format!("“{}”不能网上办理 (cannot be done online)", item.item.name),
            ));
        }
        for (i, p) in t.provided.iter().enumerate() {
            if !item.item.materials.iter().any(|m| m.name == *p) {
                return Err(StoreError::invalid(
                    "provided",
                    format!("第{}项“{p}”不在“{}”的材料清单上 (not on the item's list)", i + 1, item.item.name),
                ));
            }
        }
        let (person_id, applicant_name) = match t.person_id {
            Some(pid) => {
                let row: Option<(String, Option<String>)> =
                    fetch_optional(&self.db, "SELECT name, home_path FROM people WHERE id = $1", &[pid.into()]).await?;
                let people = who.scope(Permission::ViewPeople).ok();
                match row {
                    Some((name, home))
                        if people.as_ref().is_some_and(|s| home.as_deref().is_some_and(|h| s.covers_path(h))) =>
                    {
                        (Some(pid), name)
                    }
                    _ => {
                        return Err(StoreError::missing(
                            "person_id",
                            "没有这位居民，或不在您的范围内 (no such resident in your scope)",
                        ))
                    }
                }
            }
            None => (None, text("applicant_name", &t.applicant_name, 1, 40)?),
        };
        let phone = match t.applicant_phone.trim() {
            "" => None,
            p => Some(self.crypto.encrypt(Phone::parse(p).map_err(|e| e.in_field("applicant_phone"))?.as_str())),
        };
        let note = text("note", &t.note, 0, 500)?;
        let cal = self.work_calendar().await?;
        let outside = !point
            .hours
            .within_regular(&cal, beijing(now))
            .map_err(|e| StoreError::invalid("calendar", e.to_string()))?;
        let limit = item.item.limit_workdays;
        let (due, warn) = match deadline(&cal, now, limit, &[])? {
            Some((d, w)) => (Some(d), Some(w)),
            None => (None, None),
        };
        let id = new_id();
        let mut tx = self.begin().await?;
        let number: i64 = crate::on_tx!(&mut tx, |c| sqlx::query_scalar(
            "INSERT INTO counters (name, value) VALUES ('service_ticket', 1)
             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value"
        )
        .fetch_one(c)
        .await?);
        exec(
            &mut tx,
            "INSERT INTO service_tickets (id, number, point_id, path, item, item_version, item_name, limit_workdays, channel, person_id,
               applicant_name, applicant_phone, receiver_id, handler_id, status, received_at, due_at, warn_at, outside_hours, note, updated_at, desk_order)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 'received', $14, $15, $16, $17, $18, $14, $19)",
            &[
                id.into(),
                number.into(),
                point.id.into(),
                point.path.clone().into(),
                item.item.code.clone().into(),
                item.version.into(),
                item.item.name.clone().into(),
                i64::from(limit).into(),
                t.channel.as_str().into(),
                person_id.into(),
                applicant_name.into(),
                Value::Text(phone),
                me.into(),
                now.into(),
                due.into(),
                warn.into(),
                outside.into(),
                note.clone().into(),
                rollup::desk_order(TicketStatus::Received, due, now, None, number).into(),
            ],
        )
        .await?;
        let mut counted = vec![Measure::Received];
        if outside {
            counted.push(Measure::OutsideHours);
        }
        rollup::bump(&mut tx, point.id, &point.path, &item.item.code, now, &counted).await?;
        rollup::reorder(&mut tx, id).await?;
        for (i, m) in item.item.materials.iter().enumerate() {
            let given = t.provided.contains(&m.name);
            exec(
                &mut tx,
                "INSERT INTO service_ticket_materials (ticket_id, seq, name, form, copies, provided, provided_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    id.into(),
                    (i as i64 + 1).into(),
                    m.name.clone().into(),
                    m.form.as_str().into(),
                    i64::from(m.copies).into(),
                    given.into(),
                    given.then_some(now).into(),
                ],
            )
            .await?;
        }
        event(&mut tx, id, "receive", who, None, &note, now).await?;
        audit_in(
            &mut tx,
            ctx,
            &point.path,
            "service.ticket.receive",
            id,
            json!({"number": number, "item": item.item.code, "channel": t.channel}),
        )
        .await?;
        tx.commit().await?;
        self.ticket_for(who, id).await
    }

    async fn ticket(&self, id: Uuid) -> Result<Ticket> {
        let row: Option<TicketRow> =
            fetch_optional(&self.db, &format!("SELECT {TICKET_COLS} FROM {TICKET_FROM} WHERE k.id = $1"), &[id.into()])
                .await?;
        let Some(r) = row else { return Err(StoreError::NotFound) };
        let materials: Vec<MaterialRow> = fetch_all(
            &self.db,
            "SELECT CAST(seq AS BIGINT), name, form, CAST(copies AS BIGINT), provided, provided_at FROM service_ticket_materials WHERE ticket_id = $1 ORDER BY seq",
            &[id.into()],
        )
        .await?;
        let events: Vec<EventRow> = fetch_all(
            &self.db,
            "SELECT CAST(seq AS BIGINT), action, actor_name, to_name, note, at FROM service_ticket_events WHERE ticket_id = $1 ORDER BY seq",
            &[id.into()],
        )
        .await?;
        let notices: Vec<NoticeRow> = fetch_all(
            &self.db,
            "SELECT id, issued_at, issued_by_name, missing, resolved_at FROM service_notices WHERE ticket_id = $1 ORDER BY issued_at, id",
            &[id.into()],
        )
        .await?;
        let phone = match &r.applicant_phone {
            Some(c) => Some(jiayuan_domain::phone::mask_phone_str(&self.crypto.decrypt(c)?)),
            None => None,
        };
        Ok(Ticket {
            id: r.id,
            number: r.number,
            point_id: r.point_id,
            point_name: r.point_name,
            path: r.path,
            item: r.item,
            item_version: r.item_version,
            item_name: r.item_name,
            limit_workdays: r.limit_workdays,
            channel: Channel::parse(&r.channel).unwrap_or(Channel::Window),
            person_id: r.person_id,
            applicant_name: r.applicant_name,
            applicant_phone: phone,
            receiver_id: r.receiver_id,
            receiver_name: r.receiver_name,
            handler_id: r.handler_id,
            handler_name: r.handler_name,
            status: TicketStatus::parse(&r.status).unwrap_or(TicketStatus::Received),
            received_at: r.received_at,
            due_at: r.due_at,
            warn_at: r.warn_at,
            closed_at: r.closed_at,
            refused_reason: r.refused_reason,
            outside_hours: r.outside_hours,
            note: r.note,
            materials: materials
                .into_iter()
                .map(|(seq, name, form, copies, provided, provided_at)| TicketMaterial {
                    seq,
                    name,
                    form: MaterialForm::parse(&form).unwrap_or(MaterialForm::Original),
                    copies,
                    provided,
                    provided_at,
                })
                .collect(),
            events: events
                .into_iter()
                .map(|(seq, action, actor_name, to_name, note, at)| TicketEvent {
                    seq,
                    action,
                    actor_name,
                    to_name,
                    note,
                    at,
                })
                .collect(),
            notices: notices
                .into_iter()
                .map(|(id, issued_at, issued_by_name, missing, resolved_at)| Notice {
                    id,
                    issued_at,
                    issued_by_name,
                    missing: names_list(&missing),
                    resolved_at,
                })
                .collect(),
        })
    }

    /// A ticket as `who` may see it: staff who serve the desk over its point, or the applicant.
    pub async fn ticket_for(&self, who: &Principal, id: Uuid) -> Result<Ticket> {
        let t = self.ticket(id).await?;
        if serves_at(who, &t.path) || (t.person_id.is_some() && t.person_id == who.person_id) {
            Ok(t)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// A ticket by its number, as `who` may see it.
    pub async fn ticket_by_number(&self, who: &Principal, number: i64) -> Result<Ticket> {
        let id: Option<(Uuid,)> =
            fetch_optional(&self.db, "SELECT id FROM service_tickets WHERE number = $1", &[number.into()]).await?;
        self.ticket_for(who, id.ok_or(StoreError::NotFound)?.0).await
    }

    /// Takes a step on a ticket (see [`service::next_status`]).
    pub async fn ticket_step(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        step: TicketStep,
        input: &TicketStepInput,
        now: DateTime<Utc>,
    ) -> Result<Ticket> {
        let t = self.ticket_for(who, id).await?;
        if !serves_at(who, &t.path) {
            return Err(StoreError::Forbidden(Permission::ServeDesk));
        }
        check_holder(who, &t)?;
        let to = service::next_status(t.status, step)
            .map_err(|m| StoreError::Conflict { field: "step".into(), message: m })?;
        let note =
            text("note", &input.note, if step == TicketStep::Refuse { 2 } else { 0 }, 500).map_err(|e| {
                match (step, e) {
                    (TicketStep::Refuse, StoreError::Invalid(f)) => StoreError::invalid(
                        "note",
                        format!("不予受理须写明理由和依据 (a refusal states its legal reason): {}", f.message),
                    ),
                    (_, e) => e,
                }
            })?;
        let cal = self.work_calendar().await?;
        let mut tx = self.begin().await?;
        // The status moves first, on the condition that it is still what was read: of two
        // clicks at once, one takes the step and the other is told.
        let moved = exec(
            &mut tx,
            "UPDATE service_tickets SET status = $2, updated_at = $3 WHERE id = $1 AND status = $4",
            &[id.into(), to.as_str().into(), now.into(), t.status.as_str().into()],
        )
        .await?;
        if moved == 0 {
            return Err(StoreError::Conflict {
                field: "step".into(),
                message: "此件刚被他人处理，请刷新 (changed meanwhile)".into(),
            });
        }
        match step {
            TicketStep::Notify => {
                let missing: Vec<String> = t.missing().iter().map(|m| m.name.clone()).collect();
                if missing.is_empty() {
                    return Err(StoreError::invalid("materials", "材料已齐全，无需告知 (nothing is missing)"));
                }
                exec(
                    &mut tx,
                    "INSERT INTO service_notices (id, ticket_id, issued_at, issued_by_name, missing) VALUES ($1, $2, $3, $4, $5)",
                    &[new_id().into(), id.into(), now.into(), who.display_name.clone().into(), json!(missing).to_string().into()],
                )
                .await?;
                exec(&mut tx, "UPDATE service_tickets SET due_at = NULL, warn_at = NULL WHERE id = $1", &[id.into()])
                    .await?;
            }
            TicketStep::Supplement => {
                let names: Vec<String> = if input.provided.is_empty() {
                    t.missing().iter().map(|m| m.name.clone()).collect()
                } else {
                    input.provided.clone()
                };
                for (i, n) in names.iter().enumerate() {
                    if !t.materials.iter().any(|m| &m.name == n) {
                        return Err(StoreError::invalid(
                            "provided",
                            format!("第{}项“{n}”不在此件的材料清单上 (not on the ticket's list)", i + 1),
                        ));
                    }
                }
                let still: Vec<&str> =
                    t.missing().iter().map(|m| m.name.as_str()).filter(|m| !names.iter().any(|n| n == m)).collect();
                if !still.is_empty() {
                    return Err(StoreError::invalid(
                        "provided",
                        format!("还缺：{}；补齐后再转回 (still missing: {})", still.join("、"), still.join(", ")),
                    ));
                }
                exec(
                    &mut tx,
                    "UPDATE service_ticket_materials SET provided = TRUE, provided_at = $2 WHERE ticket_id = $1 AND provided = FALSE",
                    &[id.into(), now.into()],
                )
                .await?;
                exec(
                    &mut tx,
                    "UPDATE service_notices SET resolved_at = $2 WHERE ticket_id = $1 AND resolved_at IS NULL",
                    &[id.into(), now.into()],
                )
                .await?;
                let mut waits: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> =
                    t.notices.iter().map(|n| (n.issued_at, n.resolved_at.or(Some(now)))).collect();
                waits.retain(|w| w.1.is_some());
                let (due, warn) = deadline(&cal, t.received_at, t.limit_workdays as u32, &waits)?.unzip();
                exec(
                    &mut tx,
                    "UPDATE service_tickets SET due_at = $2, warn_at = $3, alerted = '' WHERE id = $1",
                    &[id.into(), due.into(), warn.into()],
                )
                .await?;
            }
            TicketStep::Accept => {
                let missing: Vec<&str> = t.missing().iter().map(|m| m.name.as_str()).collect();
                if !missing.is_empty() {
                    return Err(StoreError::invalid(
                        "materials",
                        format!(
                            "还缺：{}，请先一次性告知 (missing materials: tell them at once first)",
                            missing.join("、")
                        ),
                    ));
                }
            }
            TicketStep::Start => {}
            TicketStep::Complete | TicketStep::Refuse => {
                exec(
                    &mut tx,
                    "UPDATE service_tickets SET closed_at = $2, refused_reason = $3 WHERE id = $1",
                    &[id.into(), now.into(), Value::Text((step == TicketStep::Refuse).then(|| note.clone()))],
                )
                .await?;
                // The outcome counts in the month the ticket was received.
                let counted = rollup::closing_measures(to, t.due_at, Some(now));
                rollup::bump(&mut tx, t.point_id, &t.path, &t.item, t.received_at, &counted).await?;
            }
        }
        rollup::reorder(&mut tx, id).await?;
        event(&mut tx, id, step.as_str(), who, None, &note, now).await?;
        audit_in(&mut tx, ctx, &t.path, "service.ticket.step", id, json!({"number": t.number, "step": step, "to": to}))
            .await?;
        tx.commit().await?;
        self.ticket_for(who, id).await
    }

    /// Hands a ticket on to someone who serves the desk at its point; the receiver stays
    /// answerable (首问负责).
    pub async fn hand_off_ticket(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        to_username: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Ticket> {
        let t = self.ticket_for(who, id).await?;
        if !serves_at(who, &t.path) {
            return Err(StoreError::Forbidden(Permission::ServeDesk));
        }
        check_holder(who, &t)?;
        if !t.status.is_open() {
            return Err(StoreError::Conflict {
                field: "status".into(), message: "已办结的件不能转交 (closed)".into()
            });
        }
        let reason = text("reason", reason, 2, 500)?;
        let target = self
            .user_by_name(to_username)
            .await
            .ok()
            .filter(|u| !u.disabled)
            .ok_or_else(|| StoreError::missing("to", format!("没有账号“{}” (no such user)", to_username.trim())))?;
        if target.id == t.handler_id {
            return Err(StoreError::invalid("to", "此件已由该人办理 (already theirs)"));
        }
        let grants = self.grants_of(target.id).await?;
        let target_serves = grants
            .iter()
            .any(|g| g.role.allows(Permission::ServeDesk) && crate::subtree::Subtree::of(&g.path).covers(&t.path));
        if !target_serves {
            return Err(StoreError::invalid(
                "to",
                format!(
                    "{}不在{}的办件范围内，不能转交 (outside the desk's scope here)",
                    target.display_name, t.point_name
                ),
            ));
        }
        let mut tx = self.begin().await?;
        let moved = exec(
            &mut tx,
            "UPDATE service_tickets SET handler_id = $2, updated_at = $3 WHERE id = $1 AND handler_id = $4",
            &[id.into(), target.id.into(), now.into(), t.handler_id.into()],
        )
        .await?;
        if moved == 0 {
            return Err(StoreError::Conflict {
                field: "handler".into(),
                message: "此件刚被转交，请刷新 (handed on meanwhile)".into(),
            });
        }
        event(&mut tx, id, "hand_off", who, Some((target.id, target.display_name.clone())), &reason, now).await?;
        audit_in(
            &mut tx,
            ctx,
            &t.path,
            "service.ticket.hand_off",
            id,
            json!({"number": t.number, "to": target.username}),
        )
        .await?;
        tx.commit().await?;
        self.ticket(id).await
    }

    /// How many tickets a list of everything, or of the completed or refused ones, holds,
    /// from the rollups (a count of a year's closed tickets would read them all); `None`
    /// when the filter is one the rollups do not answer (open lists read their own index).
    async fn ticket_count_from_rollups(&self, who: &Principal, f: &TicketFilter) -> Result<Option<i64>> {
        let Ok(scope) = who.scope(Permission::ServeDesk) else { return Ok(None) };
        let col = match f.status {
            _ if f.mine || f.open || f.overdue_at.is_some() => return Ok(None),
            None => "received",
            Some(TicketStatus::Completed) => "completed",
            Some(TicketStatus::Refused) => "refused",
            Some(_) => return Ok(None),
        };
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "r.path", None);
        if let Some(p) = f.point {
            q.cond_bind("r.point_id = {}", p);
        }
        if let Some(i) = &f.item {
            q.cond_bind("r.item = {}", i.clone());
        }
        let sql =
            format!("SELECT CAST(COALESCE(sum(r.{col}), 0) AS BIGINT) FROM service_rollups r{}", q.where_clause());
        Ok(Some(crate::batch::fetch_i64(&self.db, &sql, &q.vals).await?))
    }

    /// Tickets `who` sees in desk order: open ones by deadline, then those waiting for
    /// materials, then closed ones, the most recently closed first.
    pub async fn tickets(&self, who: &Principal, f: &TicketFilter, page: Page) -> Result<Paged<TicketCard>> {
        let mut q = QueryParts::default();
        match who.scope(Permission::ServeDesk) {
            Ok(scope) => scope.restrict(&mut q, "k.path", None),
            Err(_) => match who.person_id {
                Some(pid) => q.cond_bind("k.person_id = {}", pid),
                None => return Err(StoreError::Forbidden(Permission::ServeDesk)),
            },
        }
        if f.mine {
            let me = who.user_id.unwrap_or_default();
            let a = q.bind(me);
            let b = q.bind(me);
            q.cond(format!("(k.handler_id = {a} OR k.receiver_id = {b})"));
        }
        if f.open {
            q.cond("k.status NOT IN ('completed', 'refused')".into());
        }
        if let Some(s) = f.status {
            q.cond_bind("k.status = {}", s.as_str());
        }
        if let Some(p) = f.point {
            q.cond_bind("k.point_id = {}", p);
        }
        if let Some(i) = &f.item {
            q.cond_bind("k.item = {}", i.clone());
        }
        if let Some(at) = f.overdue_at {
            q.cond("k.status NOT IN ('completed', 'refused')".into());
            q.cond_bind("k.due_at <= {}", at);
        }
        let open_only = f.open || f.overdue_at.is_some();
        if matches!(f.status, Some(TicketStatus::Completed | TicketStatus::Refused)) {
            // Closed tickets sort after every open one (`desk_order` starts with 2).
            q.cond("k.desk_order >= '2'".into());
        }
        let total = match self.ticket_count_from_rollups(who, f).await? {
            Some(n) => n,
            None => {
                crate::batch::fetch_i64(
                    &self.db,
                    &format!("SELECT count(*) FROM service_tickets k {}", q.where_clause()),
                    &q.vals,
                )
                .await?
            }
        };
        // SQLite takes a subtree's place range for selective and sorts all of it (seconds for
        // a district at a million tickets); walking the desk order and filtering inside the
        // index costs a few rows per row shown while matches are not rare, which the count
        // just taken says. A point or an item has a better index of its own.
        let hint = if self.backend() == crate::Backend::Sqlite && total > 1000 && f.point.is_none() && f.item.is_none()
        {
            if open_only {
                " INDEXED BY service_tickets_open"
            } else {
                " INDEXED BY service_tickets_desk"
            }
        } else {
            ""
        };
        let mut vals = q.vals.clone();
        vals.push(page.limit().into());
        vals.push(page.offset().into());
        let n = vals.len();
        let from = TICKET_FROM.replacen("service_tickets k", &format!("service_tickets k{hint}"), 1);
        let rows: Vec<CardRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT k.id, k.number, p.name, k.item_name, k.applicant_name, k.status, k.channel, k.received_at, k.due_at, k.warn_at, k.closed_at,
                        h.display_name, r.display_name, k.outside_hours
                 FROM {from} {}
                 ORDER BY k.desk_order
                 LIMIT ${} OFFSET ${}",
                q.where_clause(),
                n - 1,
                n
            ),
            &vals,
        )
        .await?;
        Ok(Paged {
            items: rows
                .into_iter()
                .map(|r| TicketCard {
                    id: r.0,
                    number: r.1,
                    point_name: r.2,
                    item_name: r.3,
                    applicant_name: r.4,
                    status: TicketStatus::parse(&r.5).unwrap_or(TicketStatus::Received),
                    channel: Channel::parse(&r.6).unwrap_or(Channel::Window),
                    received_at: r.7,
                    due_at: r.8,
                    warn_at: r.9,
                    closed_at: r.10,
                    handler_name: r.11,
                    receiver_name: r.12,
                    outside_hours: r.13,
                })
                .collect(),
            page: page.page,
            page_size: page.page_size,
            total,
        })
    }
}
