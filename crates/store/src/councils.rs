//! Councils (议事会) and their work: members with seats and terms, topics raised by a member
//! or referred from an appeal, meetings with attendance and minutes, outcomes carried out by
//! the compound branch (by default) before a working-day due date, and dated progress until
//! done. A council sits at a territory node and is seen by that subtree: staff whose scope
//! covers it, and everyone (residents too) whose own node lies under it.

use crate::access::Principal;
use crate::appeals::{from_beijing, Viewer};
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all, fetch_all_tx, fetch_optional, QueryParts, Value};
use crate::error::conflict_as;
use crate::subtree::Subtree;
use crate::{new_id, Result, Store, StoreError, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::council::{self, CouncilKind, Seat, TopicKind, TopicStatus};
use jiayuan_domain::TerritoryKind;
use serde_json::json;
use uuid::Uuid;

/// A council as asked for: at a node (its code), of a kind, with a name.
#[derive(Debug, Clone)]
pub struct NewCouncil {
    pub node: String,
    pub kind: CouncilKind,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Council {
    pub id: Uuid,
    pub node_path: String,
    pub node_name: String,
    pub node_code: String,
    pub kind: CouncilKind,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone)]
pub struct NewMember {
    pub name: String,
    pub seat: Seat,
    /// The member's own account, when they have one: they may then raise topics themselves.
    pub username: Option<String>,
    pub term_from: NaiveDate,
    pub term_to: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub id: Uuid,
    pub name: String,
    pub seat: Seat,
    pub user_id: Option<Uuid>,
    pub term_from: NaiveDate,
    pub term_to: NaiveDate,
}

impl Member {
    /// The name as public pages show it: a resident sitting as such is masked.
    pub fn public_name(&self) -> String {
        if self.seat.is_resident() {
            jiayuan_domain::names::mask_name(&self.name)
        } else {
            self.name.clone()
        }
    }

    pub fn serves_on(&self, day: NaiveDate) -> bool {
        self.term_from <= day && day <= self.term_to
    }
}

/// A council in a list, with how its topics stand.
#[derive(Debug, Clone)]
pub struct CouncilListing {
    pub id: Uuid,
    pub kind: CouncilKind,
    pub name: String,
    pub node_name: String,
    pub node_path: String,
    pub members: i64,
    pub open_topics: i64,
    pub done_topics: i64,
}

/// An appeal handed to a council: which council, and optionally what kind of topic it makes
/// (from the appeal's category when left out) and its title (from the appeal's).
#[derive(Debug, Clone)]
pub struct Referral {
    pub council: Uuid,
    pub kind: Option<TopicKind>,
    pub title: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewTopic {
    pub kind: TopicKind,
    pub title: String,
    pub body: String,
    /// The member raising it; staff who run the council name one, a member raising it
    /// themselves may leave it out.
    pub raised_by: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct Topic {
    pub id: Uuid,
    pub council_id: Uuid,
    pub council_name: String,
    pub council_kind: CouncilKind,
    pub node_path: String,
    pub kind: TopicKind,
    pub title: String,
    pub body: String,
    pub raised_by: Option<Member>,
    /// The appeal it was referred from: its id and number.
    pub appeal: Option<(Uuid, i64)>,
    pub status: TopicStatus,
    pub dropped_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    /// The meetings that discussed it: id and when.
    pub meetings: Vec<(Uuid, DateTime<Utc>)>,
    pub outcomes: Vec<Outcome>,
}

impl Topic {
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.outcomes.iter().any(|o| o.overdue(now))
    }
}

/// A topic in a list.
#[derive(Debug, Clone)]
pub struct TopicCard {
    pub id: Uuid,
    pub council_id: Uuid,
    pub council_name: String,
    pub kind: TopicKind,
    pub title: String,
    pub status: TopicStatus,
    pub from_appeal: bool,
    pub created_at: DateTime<Utc>,
    /// The earliest due time of its outcomes not yet done.
    pub next_due: Option<DateTime<Utc>>,
}

impl TopicCard {
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.next_due.is_some_and(|d| council::is_overdue(&d, None, &now))
    }
}

#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub held_at: DateTime<Utc>,
    pub place: String,
    pub agenda: String,
    pub minutes: String,
    /// Members present.
    pub attendees: Vec<Uuid>,
    /// Others present (residents who came, guests), counted without names.
    pub guests: i64,
    /// The council's topics discussed.
    pub topics: Vec<Uuid>,
}

#[derive(Debug, Clone)]
pub struct Meeting {
    pub id: Uuid,
    pub council_id: Uuid,
    pub council_name: String,
    pub node_path: String,
    pub held_at: DateTime<Utc>,
    pub place: String,
    pub agenda: String,
    pub minutes: String,
    pub guests: i64,
    pub attendees: Vec<Member>,
    /// Topics discussed: id, title, status.
    pub topics: Vec<(Uuid, String, TopicStatus)>,
    pub photos: Vec<Uuid>,
}

#[derive(Debug, Clone)]
pub struct NewOutcome {
    /// The meeting that decided it.
    pub meeting: Option<Uuid>,
    pub decision: String,
    /// Who carries it out; the compound branch when left out.
    pub carrier: Option<String>,
    /// How many working days it is given, counted on the shared calendar from today.
    pub due_workdays: u32,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: Uuid,
    pub topic_id: Uuid,
    pub meeting_id: Option<Uuid>,
    pub decision: String,
    pub carrier: String,
    pub carrier_is_branch: bool,
    pub due_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub progress: Vec<Progress>,
}

impl Outcome {
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        council::is_overdue(&self.due_at, self.done_at.as_ref(), &now)
    }

    pub fn late(&self) -> bool {
        council::finished_late(&self.due_at, self.done_at.as_ref())
    }
}

#[derive(Debug, Clone)]
pub struct Progress {
    pub seq: i64,
    pub note: String,
    pub done: bool,
    pub actor_name: String,
    pub at: DateTime<Utc>,
}

fn text(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(StoreError::invalid(field, format!("应为1到{max}个字 (1–{max} characters)")));
    }
    Ok(v.to_string())
}

type CouncilRow = (Uuid, String, String, String, String, String, DateTime<Utc>);
type ListingRow = (Uuid, String, String, String, String, i64, i64, i64);
type MeetingRow = (Uuid, Uuid, String, String, DateTime<Utc>, String, String, String, i64);
type CardRow = (Uuid, Uuid, String, String, String, String, Option<Uuid>, DateTime<Utc>, Option<DateTime<Utc>>);
type MemberRow = (Uuid, String, String, Option<Uuid>, NaiveDate, NaiveDate);
type TopicRow = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<Uuid>,
    Option<Uuid>,
    Option<i64>,
    String,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);
type OutcomeRow = (Uuid, Uuid, Option<Uuid>, String, String, bool, DateTime<Utc>, Option<DateTime<Utc>>, DateTime<Utc>);

fn member_of(r: MemberRow) -> Member {
    let (id, name, seat, user_id, term_from, term_to) = r;
    Member { id, name, seat: Seat::parse(&seat).unwrap_or(Seat::ResidentRep), user_id, term_from, term_to }
}

const MEMBER_COLS: &str = "m.id, m.name, m.seat, m.user_id, m.term_from, m.term_to";

/// Whether `who` sees a council at `path`: their scope covers it, or one of their own nodes
/// (a resident's dwelling too) lies under it.
pub fn sees_council(who: &Principal, path: &str) -> bool {
    who.scope(Permission::ViewTerritory).is_ok_and(|s| s.covers_path(path))
        || who.grants.iter().any(|g| Subtree::of(path).covers(&g.path))
}

/// Whether `who` runs a council at `path`.
pub fn runs_council(who: &Principal, path: &str) -> bool {
    who.scope(Permission::RunCouncils).is_ok_and(|s| s.covers_path(path))
}

/// The paths above and at each of `who`'s own nodes: the councils whose subtree holds them.
fn own_lines(who: &Principal) -> Vec<String> {
    let mut out: Vec<String> = who.grants.iter().flat_map(|g| crate::appeals::path_prefixes(&g.path)).collect();
    out.sort();
    out.dedup();
    out
}

/// SQL for "the council at `col` is one `who` sees", binding into `q`; `None` when they see none.
fn visible_sql(who: &Principal, q: &mut QueryParts, col: &str) -> Option<String> {
    let mut ors: Vec<String> = Vec::new();
    if let Ok(scope) = who.scope(Permission::ViewTerritory) {
        for s in scope.subtrees() {
            ors.push(if s.path == "/" { "1 = 1".into() } else { s.sql(q, col) });
        }
    }
    let lines = own_lines(who);
    if !lines.is_empty() {
        let phs: Vec<String> = lines.into_iter().map(|p| q.bind(p)).collect();
        ors.push(format!("{col} IN ({})", phs.join(", ")));
    }
    (!ors.is_empty()).then(|| format!("({})", ors.join(" OR ")))
}

impl Store {
    /// Sets up a council at a node the caller runs councils over; the kind decides the level.
    pub async fn create_council(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        c: &NewCouncil,
        now: DateTime<Utc>,
    ) -> Result<Council> {
        let scope = who.scope(Permission::RunCouncils).map_err(|d| StoreError::Forbidden(d.0))?;
        let node = self.territory_in(&scope, c.node.trim()).await.map_err(|_| {
            StoreError::missing("node", format!("没有区域“{}” (no such node in your scope)", c.node.trim()))
        })?;
        let kind = TerritoryKind::parse(&node.kind).unwrap_or(TerritoryKind::Dwelling);
        c.kind.check_level(kind).map_err(|m| StoreError::invalid("kind", m))?;
        let name = text("name", &c.name, 100)?;
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO councils (id, node_id, node_path, kind, name, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                id.into(),
                node.id.into(),
                node.path.clone().into(),
                c.kind.as_str().into(),
                name.clone().into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await
        .map_err(conflict_as("name", format!("“{}”已有同名议事会 (a council of this name exists here)", node.name)))?;
        audit_in(&mut tx, ctx, &node.path, "council.create", id, json!({"kind": c.kind, "name": name})).await?;
        tx.commit().await?;
        self.council_for(who, id).await
    }

    /// A council as `who` may see it; one they may not see is not found.
    pub async fn council_for(&self, who: &Principal, id: Uuid) -> Result<Council> {
        let c = self.council(id).await?;
        if sees_council(who, &c.node_path) {
            Ok(c)
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn council(&self, id: Uuid) -> Result<Council> {
        let row: Option<CouncilRow> = fetch_optional(
            &self.db,
            "SELECT c.id, c.node_path, t.name, t.code, c.kind, c.name, c.created_at
             FROM councils c JOIN territories t ON t.id = c.node_id WHERE c.id = $1",
            &[id.into()],
        )
        .await?;
        let Some((id, node_path, node_name, node_code, kind, name, created_at)) = row else {
            return Err(StoreError::NotFound);
        };
        let members: Vec<MemberRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT {MEMBER_COLS} FROM council_members m WHERE m.council_id = $1 ORDER BY m.seat, m.name, m.id"
            ),
            &[id.into()],
        )
        .await?;
        Ok(Council {
            id,
            node_path,
            node_name,
            node_code,
            kind: CouncilKind::parse(&kind).unwrap_or(CouncilKind::Dumpling),
            name,
            created_at,
            members: members.into_iter().map(member_of).collect(),
        })
    }

    /// The councils `who` sees, optionally within one node, by place and name.
    pub async fn councils_visible(&self, who: &Principal, within: Option<&str>) -> Result<Vec<CouncilListing>> {
        let mut q = QueryParts::default();
        let Some(visible) = visible_sql(who, &mut q, "c.node_path") else { return Ok(vec![]) };
        let mut wheres = vec![visible];
        if let Some(code) = within.map(str::trim).filter(|c| !c.is_empty()) {
            let scope = who.scope(Permission::ViewTerritory).map_err(|d| StoreError::Forbidden(d.0))?;
            let node = self.territory_in(&scope, code).await?;
            wheres.push(Subtree::of(&node.path).sql(&mut q, "c.node_path"));
        }
        let rows: Vec<ListingRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT c.id, c.kind, c.name, t.name, c.node_path,
                   CAST((SELECT count(*) FROM council_members m WHERE m.council_id = c.id) AS BIGINT),
                   CAST((SELECT count(*) FROM council_topics x WHERE x.council_id = c.id AND x.status IN ('raised', 'decided')) AS BIGINT),
                   CAST((SELECT count(*) FROM council_topics x WHERE x.council_id = c.id AND x.status = 'done') AS BIGINT)
                 FROM councils c JOIN territories t ON t.id = c.node_id
                 WHERE {} ORDER BY c.node_path, c.name LIMIT 2000",
                wheres.join(" AND ")
            ),
            &q.vals,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, kind, name, node_name, node_path, members, open_topics, done_topics)| CouncilListing {
                id,
                kind: CouncilKind::parse(&kind).unwrap_or(CouncilKind::Dumpling),
                name,
                node_name,
                node_path,
                members,
                open_topics,
                done_topics,
            })
            .collect())
    }

    /// Seats a member for a term.
    pub async fn add_council_member(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        council_id: Uuid,
        m: &NewMember,
        now: DateTime<Utc>,
    ) -> Result<Council> {
        let c = self.council_to_run(who, council_id).await?;
        let name = text("name", &m.name, 50)?;
        if m.term_to < m.term_from {
            return Err(StoreError::invalid("term_to", "任期结束应不早于开始 (the term ends before it begins)"));
        }
        let user_id = match m.username.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(u) => {
                let r: Option<(Uuid,)> =
                    fetch_optional(&self.db, "SELECT id FROM users WHERE username = $1", &[u.into()]).await?;
                Some(r.ok_or_else(|| StoreError::missing("username", format!("没有账号“{u}” (no such account)")))?.0)
            }
        };
        if let Some(uid) = user_id {
            if c.members.iter().any(|x| x.user_id == Some(uid)) {
                return Err(StoreError::Conflict {
                    field: "username".into(),
                    message: "该账号已是本议事会成员 (already a member)".into(),
                });
            }
        }
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO council_members (id, council_id, name, seat, user_id, term_from, term_to, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                id.into(),
                c.id.into(),
                name.into(),
                m.seat.as_str().into(),
                user_id.into(),
                m.term_from.into(),
                m.term_to.into(),
                now.into(),
            ],
        )
        .await?;
        // The member's name is personal: the log keeps the seat and the member's id only.
        audit_in(&mut tx, ctx, &c.node_path, "council.member", c.id, json!({"member": id, "seat": m.seat})).await?;
        tx.commit().await?;
        self.council(c.id).await
    }

    /// Raises a topic: by staff who run the council (naming the member who raised it), or by
    /// a member with an account, themselves.
    pub async fn raise_topic(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        council_id: Uuid,
        t: &NewTopic,
        now: DateTime<Utc>,
    ) -> Result<Topic> {
        let c = self.council_for(who, council_id).await?;
        let today = crate::appeals::beijing(now).date();
        let own = c.members.iter().find(|m| who.user_id.is_some() && m.user_id == who.user_id && m.serves_on(today));
        let raiser = match (t.raised_by, runs_council(who, &c.node_path), own) {
            (Some(mid), true, _) => {
                c.members.iter().find(|m| m.id == mid).ok_or_else(|| {
                    StoreError::invalid("raised_by", "不是本议事会的成员 (not a member of this council)")
                })?
            }
            (None, true, Some(m)) | (_, false, Some(m)) => m,
            (None, true, None) => {
                return Err(StoreError::invalid("raised_by", "请选择提出议题的成员 (name the member who raised it)"))
            }
            (_, false, None) => {
                return Err(StoreError::invalid(
                    "raised_by",
                    "只有本议事会的成员或组织者可以提出议题 (only members and those who run the council raise topics)",
                ))
            }
        };
        if !raiser.serves_on(today) {
            return Err(StoreError::invalid("raised_by", "该成员不在任期内 (the member's term is not current)"));
        }
        let title = text("title", &t.title, 200)?;
        let body = text("body", &t.body, 5000)?;
        let id = new_id();
        let mut tx = self.begin().await?;
        insert_topic(&mut tx, id, &c, t.kind, &title, &body, Some(raiser.id), None, who, now).await?;
        audit_in(&mut tx, ctx, &c.node_path, "council.topic", id, json!({"council": c.id, "kind": t.kind})).await?;
        tx.commit().await?;
        self.topic(id).await
    }

    /// Refers an appeal to a council as a topic: the appeal's timeline shows the referral and
    /// the appeal page links the topic; the council's outcome, when done, resolves the appeal.
    /// The council must sit over the appeal's place; one appeal is before one council at a time.
    pub async fn refer_appeal(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        appeal: &str,
        referral: &Referral,
        now: DateTime<Utc>,
    ) -> Result<Topic> {
        let Referral { council: council_id, kind, title } = referral.clone();
        let viewer = Viewer::of(who);
        let a = self
            .appeal(&viewer, appeal)
            .await
            .map_err(|_| StoreError::missing("appeal", format!("没有诉求“{}” (no such appeal)", appeal.trim())))?;
        let c = self
            .council_to_run(who, council_id)
            .await
            .map_err(|_| StoreError::missing("council", "没有该议事会 (no such council in your scope)"))?;
        if !Subtree::of(&c.node_path).covers(&a.path) {
            return Err(StoreError::invalid(
                "council",
                format!("诉求发生地不在“{}”范围内 (the appeal's place is outside this council)", c.name),
            ));
        }
        self.check_referral(&viewer, &a)?;
        let open: Vec<(Uuid,)> = fetch_all(
            &self.db,
            "SELECT id FROM council_topics WHERE appeal_id = $1 AND status IN ('raised', 'decided')",
            &[a.id.into()],
        )
        .await?;
        if !open.is_empty() {
            return Err(StoreError::Conflict {
                field: "appeal".into(),
                message: "该诉求已在议事中 (the appeal is already before a council)".into(),
            });
        }
        let kind = kind.unwrap_or(if a.category_code == "property" || a.category_code.starts_with("property.") {
            TopicKind::Property
        } else if a.category_code == "family" || a.category_code.starts_with("family.") {
            TopicKind::Dispute
        } else {
            TopicKind::Livelihood
        });
        let title = match title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => text("title", t, 200)?,
            None => format!("诉求{}：{}", a.number, a.title.chars().take(80).collect::<String>()),
        };
        let id = new_id();
        let mut tx = self.begin().await?;
        insert_topic(&mut tx, id, &c, kind, &title, &a.description, None, Some(a.id), who, now).await?;
        let note = format!("提交“{}”议事：{title}", c.name);
        self.note_referral_in(&mut tx, &viewer, &a, id, &note, now).await?;
        audit_in(&mut tx, ctx, &c.node_path, "council.refer", id, json!({"appeal": a.number, "council": c.id})).await?;
        tx.commit().await?;
        self.topic(id).await
    }

    /// A topic as `who` may see it.
    pub async fn topic_for(&self, who: &Principal, id: Uuid) -> Result<Topic> {
        let t = self.topic(id).await?;
        if sees_council(who, &t.node_path) {
            Ok(t)
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn topic(&self, id: Uuid) -> Result<Topic> {
        let row: Option<TopicRow> = fetch_optional(
            &self.db,
            "SELECT x.id, x.council_id, c.name, c.kind, x.node_path, x.kind, x.title, x.body, x.raised_by_member,
               x.appeal_id, CAST(a.number AS BIGINT), x.status, x.dropped_reason, x.created_at, x.done_at
             FROM council_topics x JOIN councils c ON c.id = x.council_id
             LEFT JOIN appeals a ON a.id = x.appeal_id WHERE x.id = $1",
            &[id.into()],
        )
        .await?;
        let Some((
            id,
            council_id,
            council_name,
            council_kind,
            node_path,
            kind,
            title,
            body,
            raised_by,
            appeal_id,
            appeal_number,
            status,
            dropped_reason,
            created_at,
            done_at,
        )) = row
        else {
            return Err(StoreError::NotFound);
        };
        let raised_by = match raised_by {
            Some(mid) => {
                let r: Option<MemberRow> = fetch_optional(
                    &self.db,
                    &format!("SELECT {MEMBER_COLS} FROM council_members m WHERE m.id = $1"),
                    &[mid.into()],
                )
                .await?;
                r.map(member_of)
            }
            None => None,
        };
        let meetings: Vec<(Uuid, DateTime<Utc>)> = fetch_all(
            &self.db,
            "SELECT g.id, g.held_at FROM council_meeting_topics mt JOIN council_meetings g ON g.id = mt.meeting_id
             WHERE mt.topic_id = $1 ORDER BY g.held_at, g.id",
            &[id.into()],
        )
        .await?;
        Ok(Topic {
            id,
            council_id,
            council_name,
            council_kind: CouncilKind::parse(&council_kind).unwrap_or(CouncilKind::Dumpling),
            node_path,
            kind: TopicKind::parse(&kind).unwrap_or(TopicKind::Livelihood),
            title,
            body,
            raised_by,
            appeal: appeal_id.zip(appeal_number),
            status: TopicStatus::parse(&status).unwrap_or(TopicStatus::Raised),
            dropped_reason,
            created_at,
            done_at,
            meetings,
            outcomes: self.outcomes_of(id).await?,
        })
    }

    async fn outcomes_of(&self, topic_id: Uuid) -> Result<Vec<Outcome>> {
        let rows: Vec<OutcomeRow> = fetch_all(
            &self.db,
            "SELECT id, topic_id, meeting_id, decision, carrier, carrier_is_branch, due_at, done_at, created_at
             FROM council_outcomes WHERE topic_id = $1 ORDER BY created_at, id",
            &[topic_id.into()],
        )
        .await?;
        let progress: Vec<(Uuid, i64, String, bool, String, DateTime<Utc>)> = fetch_all(
            &self.db,
            "SELECT p.outcome_id, CAST(p.seq AS BIGINT), p.note, p.done, p.actor_name, p.at
             FROM council_progress p JOIN council_outcomes o ON o.id = p.outcome_id
             WHERE o.topic_id = $1 ORDER BY p.outcome_id, p.seq",
            &[topic_id.into()],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, topic_id, meeting_id, decision, carrier, carrier_is_branch, due_at, done_at, created_at)| {
                Outcome {
                    id,
                    topic_id,
                    meeting_id,
                    decision,
                    carrier,
                    carrier_is_branch,
                    due_at,
                    done_at,
                    created_at,
                    progress: progress
                        .iter()
                        .filter(|p| p.0 == id)
                        .map(|(_, seq, note, done, actor_name, at)| Progress {
                            seq: *seq,
                            note: note.clone(),
                            done: *done,
                            actor_name: actor_name.clone(),
                            at: *at,
                        })
                        .collect(),
                }
            })
            .collect())
    }

    /// The topics referred from an appeal, for the appeal's page.
    pub async fn topics_of_appeal(&self, appeal_id: Uuid) -> Result<Vec<TopicCard>> {
        let mut q = QueryParts::default();
        let ph = q.bind(appeal_id);
        self.topic_cards(&mut q, &format!("x.appeal_id = {ph}"), 20).await
    }

    /// Topics `who` sees: of one council, or of every council they see (optionally only those
    /// in `status`), latest first.
    pub async fn topics_visible(
        &self,
        who: &Principal,
        council: Option<Uuid>,
        status: Option<TopicStatus>,
        limit: i64,
    ) -> Result<Vec<TopicCard>> {
        let mut q = QueryParts::default();
        let Some(visible) = visible_sql(who, &mut q, "x.node_path") else { return Ok(vec![]) };
        let mut wheres = vec![visible];
        if let Some(c) = council {
            wheres.push(format!("x.council_id = {}", q.bind(c)));
        }
        if let Some(s) = status {
            wheres.push(format!("x.status = {}", q.bind(s.as_str())));
        }
        self.topic_cards(&mut q, &wheres.join(" AND "), limit).await
    }

    async fn topic_cards(&self, q: &mut QueryParts, filter: &str, limit: i64) -> Result<Vec<TopicCard>> {
        let lim = q.bind(limit.clamp(1, 2000));
        let rows: Vec<CardRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT x.id, x.council_id, c.name, x.kind, x.title, x.status, x.appeal_id, x.created_at,
                       (SELECT min(o.due_at) FROM council_outcomes o WHERE o.topic_id = x.id AND o.done_at IS NULL)
                     FROM council_topics x JOIN councils c ON c.id = x.council_id
                     WHERE {filter} ORDER BY x.created_at DESC, x.id LIMIT {lim}"
            ),
            &q.vals,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, council_id, council_name, kind, title, status, appeal, created_at, next_due)| TopicCard {
                id,
                council_id,
                council_name,
                kind: TopicKind::parse(&kind).unwrap_or(TopicKind::Livelihood),
                title,
                status: TopicStatus::parse(&status).unwrap_or(TopicStatus::Raised),
                from_appeal: appeal.is_some(),
                created_at,
                next_due,
            })
            .collect())
    }

    /// Records a meeting: when and where, the agenda, who of the members came, how many
    /// others, the minutes, and the topics discussed (the council's own, still open).
    pub async fn record_meeting(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        council_id: Uuid,
        m: &NewMeeting,
        now: DateTime<Utc>,
    ) -> Result<Meeting> {
        let c = self.council_to_run(who, council_id).await?;
        if m.held_at > now + chrono::Duration::minutes(5) {
            return Err(StoreError::invalid("held_at", "会议应已召开 (the meeting must have been held)"));
        }
        let place = text("place", &m.place, 200)?;
        let agenda = text("agenda", &m.agenda, 2000)?;
        let minutes = text("minutes", &m.minutes, 20000)?;
        if !(0..=100_000).contains(&m.guests) {
            return Err(StoreError::invalid("guests", "应为0到100000 (0–100000)"));
        }
        let mut attendees = m.attendees.clone();
        attendees.sort();
        attendees.dedup();
        if attendees.is_empty() {
            return Err(StoreError::invalid("attendees", "请选择出席的成员 (name the members present)"));
        }
        if let Some(x) = attendees.iter().find(|a| !c.members.iter().any(|mm| mm.id == **a)) {
            return Err(StoreError::invalid(
                "attendees",
                format!("{x} 不是本议事会的成员 (not a member of this council)"),
            ));
        }
        let mut topics = m.topics.clone();
        topics.sort();
        topics.dedup();
        for t in &topics {
            let r: Option<(Uuid, String)> =
                fetch_optional(&self.db, "SELECT council_id, status FROM council_topics WHERE id = $1", &[(*t).into()])
                    .await?;
            match r {
                Some((cid, _)) if cid != c.id => {
                    return Err(StoreError::invalid(
                        "topics",
                        format!("{t} 不是本议事会的议题 (not this council's topic)"),
                    ))
                }
                None => return Err(StoreError::invalid("topics", format!("没有议题 {t} (no such topic)"))),
                _ => {}
            }
        }
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO council_meetings (id, council_id, held_at, place, agenda, minutes, guests, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                id.into(),
                c.id.into(),
                m.held_at.into(),
                place.into(),
                agenda.into(),
                minutes.into(),
                m.guests.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await?;
        for a in &attendees {
            exec(
                &mut tx,
                "INSERT INTO council_attendance (meeting_id, member_id) VALUES ($1, $2)",
                &[id.into(), (*a).into()],
            )
            .await?;
        }
        for t in &topics {
            exec(
                &mut tx,
                "INSERT INTO council_meeting_topics (meeting_id, topic_id) VALUES ($1, $2)",
                &[id.into(), (*t).into()],
            )
            .await?;
        }
        audit_in(
            &mut tx,
            ctx,
            &c.node_path,
            "council.meeting",
            id,
            json!({"council": c.id, "attendees": attendees.len(), "topics": topics.len()}),
        )
        .await?;
        tx.commit().await?;
        self.meeting(id).await
    }

    pub async fn meeting_for(&self, who: &Principal, id: Uuid) -> Result<Meeting> {
        let m = self.meeting(id).await?;
        if sees_council(who, &m.node_path) {
            Ok(m)
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn meeting(&self, id: Uuid) -> Result<Meeting> {
        let row: Option<MeetingRow> = fetch_optional(
            &self.db,
            "SELECT g.id, g.council_id, c.name, c.node_path, g.held_at, g.place, g.agenda, g.minutes, CAST(g.guests AS BIGINT)
             FROM council_meetings g JOIN councils c ON c.id = g.council_id WHERE g.id = $1",
            &[id.into()],
        )
        .await?;
        let Some((id, council_id, council_name, node_path, held_at, place, agenda, minutes, guests)) = row else {
            return Err(StoreError::NotFound);
        };
        let attendees: Vec<MemberRow> = fetch_all(
            &self.db,
            &format!(
                "SELECT {MEMBER_COLS} FROM council_attendance a JOIN council_members m ON m.id = a.member_id
                 WHERE a.meeting_id = $1 ORDER BY m.seat, m.name, m.id"
            ),
            &[id.into()],
        )
        .await?;
        let topics: Vec<(Uuid, String, String)> = fetch_all(
            &self.db,
            "SELECT x.id, x.title, x.status FROM council_meeting_topics mt JOIN council_topics x ON x.id = mt.topic_id
             WHERE mt.meeting_id = $1 ORDER BY x.created_at, x.id",
            &[id.into()],
        )
        .await?;
        let photos: Vec<(Uuid,)> = fetch_all(
            &self.db,
            "SELECT id FROM council_meeting_photos WHERE meeting_id = $1 ORDER BY created_at, id",
            &[id.into()],
        )
        .await?;
        Ok(Meeting {
            id,
            council_id,
            council_name,
            node_path,
            held_at,
            place,
            agenda,
            minutes,
            guests,
            attendees: attendees.into_iter().map(member_of).collect(),
            topics: topics
                .into_iter()
                .map(|(id, title, s)| (id, title, TopicStatus::parse(&s).unwrap_or(TopicStatus::Raised)))
                .collect(),
            photos: photos.into_iter().map(|p| p.0).collect(),
        })
    }

    /// The meetings of a council, latest first.
    pub async fn meetings_of(&self, council_id: Uuid, limit: i64) -> Result<Vec<(Uuid, DateTime<Utc>, String, i64)>> {
        fetch_all(
            &self.db,
            "SELECT g.id, g.held_at, g.place,
               CAST((SELECT count(*) FROM council_attendance a WHERE a.meeting_id = g.id) AS BIGINT)
             FROM council_meetings g WHERE g.council_id = $1 ORDER BY g.held_at DESC, g.id LIMIT $2",
            &[council_id.into(), limit.clamp(1, 500).into()],
        )
        .await
    }

    /// Keeps a photo of a meeting (the file itself is written by the caller first).
    pub async fn add_meeting_photo(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        meeting_id: Uuid,
        image: (Uuid, &str, i64, &str),
        now: DateTime<Utc>,
    ) -> Result<()> {
        let m = self.meeting_for(who, meeting_id).await?;
        if !runs_council(who, &m.node_path) {
            return Err(StoreError::Forbidden(Permission::RunCouncils));
        }
        if m.photos.len() >= 20 {
            return Err(StoreError::invalid("photo", "每次会议最多20张照片 (at most 20 photos a meeting)"));
        }
        let (id, content_type, size, sha256) = image;
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO council_meeting_photos (id, meeting_id, content_type, size, sha256, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[id.into(), m.id.into(), content_type.into(), size.into(), sha256.into(), who.user_id.into(), now.into()],
        )
        .await?;
        audit_in(&mut tx, ctx, &m.node_path, "council.photo", m.id, json!({"photo": id})).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A meeting's photo, for those who see the council: its meeting's path and content type.
    pub async fn meeting_photo(&self, who: &Principal, meeting_id: Uuid, photo: Uuid) -> Result<String> {
        let m = self.meeting_for(who, meeting_id).await?;
        let r: Option<(String,)> = fetch_optional(
            &self.db,
            "SELECT content_type FROM council_meeting_photos WHERE id = $1 AND meeting_id = $2",
            &[photo.into(), m.id.into()],
        )
        .await?;
        r.map(|x| x.0).ok_or(StoreError::NotFound)
    }

    /// Decides an outcome on a topic: what is to be done, by whom (the compound branch unless
    /// named) and within how many working days.
    pub async fn decide_outcome(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        topic_id: Uuid,
        o: &NewOutcome,
        now: DateTime<Utc>,
    ) -> Result<Topic> {
        let t = self.topic_for(who, topic_id).await?;
        if !runs_council(who, &t.node_path) {
            return Err(StoreError::Forbidden(Permission::RunCouncils));
        }
        if !t.status.is_open() {
            return Err(StoreError::Conflict {
                field: "status".into(),
                message: format!("议题已{} (the topic is {})", t.status.label_zh(), t.status.as_str()),
            });
        }
        if let Some(mid) = o.meeting {
            if !t.meetings.iter().any(|m| m.0 == mid) {
                return Err(StoreError::invalid(
                    "meeting",
                    "该会议没有讨论这个议题 (that meeting did not discuss this topic)",
                ));
            }
        }
        let decision = text("decision", &o.decision, 2000)?;
        if o.due_workdays == 0 || o.due_workdays > council::MAX_DUE_WORKDAYS {
            return Err(StoreError::invalid(
                "due_workdays",
                format!("应为1到{}个工作日 (1–{} working days)", council::MAX_DUE_WORKDAYS, council::MAX_DUE_WORKDAYS),
            ));
        }
        let cal = self.work_calendar().await?;
        let due_day = cal
            .add_workdays(crate::appeals::beijing(now).date(), o.due_workdays)
            .map_err(|e| StoreError::invalid("due_workdays", e.to_string()))?;
        let due_at = from_beijing(due_day.and_hms_opt(23, 59, 59).unwrap_or_default());
        let branch = self.branch_name_over(&t.node_path).await?;
        let (carrier, is_branch) = match o.carrier.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => {
                let c = text("carrier", c, 100)?;
                let is_branch = branch.as_deref() == Some(c.as_str());
                (c, is_branch)
            }
            None => match branch {
                Some(b) => (b, true),
                None => {
                    return Err(StoreError::invalid(
                        "carrier",
                        "社区一级的议事会请写明承办方 (a community council names who carries it out)",
                    ))
                }
            },
        };
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO council_outcomes (id, topic_id, meeting_id, decision, carrier, carrier_is_branch, due_at, done_at, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)",
            &[
                id.into(),
                t.id.into(),
                o.meeting.into(),
                decision.into(),
                carrier.clone().into(),
                is_branch.into(),
                due_at.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await?;
        self.restatus(&mut tx, t.id, now).await?;
        audit_in(&mut tx, ctx, &t.node_path, "council.outcome", t.id, json!({"outcome": id, "due_at": due_at})).await?;
        tx.commit().await?;
        self.topic(t.id).await
    }

    /// Records dated progress on an outcome; `done` marks it carried out. When that makes the
    /// topic done and the topic came from an appeal, the appeal is resolved with the outcomes'
    /// text in the same transaction.
    pub async fn record_progress(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        outcome_id: Uuid,
        note: &str,
        done: bool,
        now: DateTime<Utc>,
    ) -> Result<Topic> {
        let r: Option<(Uuid,)> =
            fetch_optional(&self.db, "SELECT topic_id FROM council_outcomes WHERE id = $1", &[outcome_id.into()])
                .await?;
        let Some((topic_id,)) = r else { return Err(StoreError::NotFound) };
        let t = self.topic_for(who, topic_id).await?;
        if !runs_council(who, &t.node_path) {
            return Err(StoreError::Forbidden(Permission::RunCouncils));
        }
        let Some(o) = t.outcomes.iter().find(|o| o.id == outcome_id) else { return Err(StoreError::NotFound) };
        if o.done_at.is_some() {
            return Err(StoreError::Conflict {
                field: "done".into(),
                message: "该事项已办结 (already carried out)".into(),
            });
        }
        let note = text("note", note, 2000)?;
        let seq = o.progress.last().map_or(0, |p| p.seq) + 1;
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO council_progress (outcome_id, seq, note, done, actor_id, actor_name, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                o.id.into(),
                seq.into(),
                note.clone().into(),
                done.into(),
                who.user_id.into(),
                who.display_name.clone().into(),
                now.into(),
            ],
        )
        .await
        .map_err(conflict_as(
            "note",
            "刚有他人登记了进展，请刷新后重试 (someone recorded progress meanwhile; reload)",
        ))?;
        if done {
            exec(
                &mut tx,
                "UPDATE council_outcomes SET done_at = $2 WHERE id = $1 AND done_at IS NULL",
                &[o.id.into(), now.into()],
            )
            .await?;
        }
        let status = self.restatus(&mut tx, t.id, now).await?;
        if let (TopicStatus::Done, Some((appeal_id, _))) = (status, &t.appeal) {
            let mut lines: Vec<String> = Vec::new();
            for x in &t.outcomes {
                let last = if x.id == o.id {
                    note.clone()
                } else {
                    x.progress.last().map(|p| p.note.clone()).unwrap_or_default()
                };
                lines.push(format!("{}（{}）：{}", x.decision, x.carrier, last));
            }
            let text = format!("“{}”议定并落实：{}", t.council_name, lines.join("；"));
            self.settle_referred_in(&mut tx, &Viewer::of(who), *appeal_id, t.id, &text, now).await?;
        }
        audit_in(&mut tx, ctx, &t.node_path, "council.progress", t.id, json!({"outcome": o.id, "done": done})).await?;
        tx.commit().await?;
        self.topic(t.id).await
    }

    /// Drops a topic the council will not decide, with the reason; an appeal it came from
    /// goes back to being handled as before, with the reason on its timeline.
    pub async fn drop_topic(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        topic_id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Topic> {
        let t = self.topic_for(who, topic_id).await?;
        if !runs_council(who, &t.node_path) {
            return Err(StoreError::Forbidden(Permission::RunCouncils));
        }
        if t.status != TopicStatus::Raised {
            return Err(StoreError::Conflict {
                field: "status".into(),
                message: "已有议定事项的议题不能撤下 (a topic with outcomes cannot be dropped)".into(),
            });
        }
        let reason = text("reason", reason, 2000)?;
        let mut tx = self.begin().await?;
        let n = exec(
            &mut tx,
            "UPDATE council_topics SET status = 'dropped', dropped_reason = $2, updated_at = $3 WHERE id = $1 AND status = 'raised'",
            &[t.id.into(), reason.clone().into(), now.into()],
        )
        .await?;
        if n == 0 {
            return Err(StoreError::Conflict {
                field: "status".into(),
                message: "议题刚被他人处理 (changed meanwhile)".into(),
            });
        }
        if let Some((appeal_id, _)) = &t.appeal {
            let viewer = Viewer::of(who);
            let a = self.appeal_row(*appeal_id).await?;
            let cfg = self.appeal_config().await?;
            let note = format!("“{}”不予议决：{}", t.council_name, reason);
            self.write_transition(
                &mut tx,
                &cfg,
                &a,
                jiayuan_domain::appeal::Action::Comment,
                a.status(),
                Default::default(),
                viewer.user_id,
                &viewer.name,
                &note,
                now,
            )
            .await?;
        }
        audit_in(&mut tx, ctx, &t.node_path, "council.drop", t.id, json!({"reason": reason})).await?;
        tx.commit().await?;
        self.topic(t.id).await
    }

    /// Outcomes not carried out by their due time, in `who`'s scope, the most overdue first.
    pub async fn overdue_outcomes(&self, who: &Principal, now: DateTime<Utc>, limit: i64) -> Result<Vec<TopicCard>> {
        let mut q = QueryParts::default();
        let Some(visible) = visible_sql(who, &mut q, "x.node_path") else { return Ok(vec![]) };
        let ph = q.bind(now);
        let mut cards = self
            .topic_cards(
                &mut q,
                &format!(
                    "{visible} AND EXISTS (SELECT 1 FROM council_outcomes o WHERE o.topic_id = x.id AND o.done_at IS NULL AND o.due_at < {ph})"
                ),
                limit,
            )
            .await?;
        cards.sort_by_key(|c| c.next_due);
        Ok(cards)
    }

    /// The council `who` runs; one they only see is forbidden, one they do not see not found.
    async fn council_to_run(&self, who: &Principal, id: Uuid) -> Result<Council> {
        let c = self.council_for(who, id).await?;
        if runs_council(who, &c.node_path) {
            Ok(c)
        } else {
            Err(StoreError::Forbidden(Permission::RunCouncils))
        }
    }

    /// The name of the compound branch over a council's node: the compound itself or the one
    /// above a building; `None` for a community's council.
    async fn branch_name_over(&self, path: &str) -> Result<Option<String>> {
        let lines = crate::appeals::path_prefixes(path);
        let mut q = QueryParts::default();
        let phs: Vec<String> = lines.into_iter().map(|p| q.bind(p)).collect();
        let r: Option<(String,)> = fetch_optional(
            &self.db,
            &format!("SELECT name FROM territories WHERE kind = 'compound' AND path IN ({}) LIMIT 1", phs.join(", ")),
            &q.vals,
        )
        .await?;
        Ok(r.map(|(n,)| format!("{n}党支部")))
    }

    /// Sets a topic's status from its outcomes, as the domain decides it.
    async fn restatus(&self, tx: &mut Tx, topic_id: Uuid, now: DateTime<Utc>) -> Result<TopicStatus> {
        let done: Vec<(bool,)> = fetch_all_tx(
            tx,
            "SELECT done_at IS NOT NULL FROM council_outcomes WHERE topic_id = $1",
            &[topic_id.into()],
        )
        .await?;
        let flags: Vec<bool> = done.into_iter().map(|d| d.0).collect();
        let status = council::topic_status(false, &flags);
        let done_at: Value = if status == TopicStatus::Done { now.into() } else { Value::Ts(None) };
        exec(
            tx,
            "UPDATE council_topics SET status = $2, updated_at = $3, done_at = $4 WHERE id = $1",
            &[topic_id.into(), status.as_str().into(), now.into(), done_at],
        )
        .await?;
        Ok(status)
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_topic(
    tx: &mut Tx,
    id: Uuid,
    c: &Council,
    kind: TopicKind,
    title: &str,
    body: &str,
    raised_by: Option<Uuid>,
    appeal: Option<Uuid>,
    who: &Principal,
    now: DateTime<Utc>,
) -> Result<()> {
    exec(
        tx,
        "INSERT INTO council_topics (id, council_id, node_path, kind, title, body, raised_by_member, appeal_id, status,
           dropped_reason, created_by, created_at, updated_at, done_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'raised', NULL, $9, $10, $10, NULL)",
        &[
            id.into(),
            c.id.into(),
            c.node_path.clone().into(),
            kind.as_str().into(),
            title.into(),
            body.into(),
            raised_by.into(),
            appeal.into(),
            who.user_id.into(),
            now.into(),
        ],
    )
    .await?;
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
    audit::append(tx, ctx, AuditEvent { scope_path: path, action, object: object.to_string(), summary, result: "ok" })
        .await?;
    Ok(())
}
