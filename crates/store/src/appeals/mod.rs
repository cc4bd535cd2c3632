//! Residents' appeals in the database: intake with routing to the lowest level, the
//! timeline, the queue, and (in the submodules) the lifecycle, the clock, the rollups and
//! the notification outbox. The rules themselves are in `jiayuan_domain::appeal`.

pub mod clock;
pub mod config;
pub mod intake;
pub mod lifecycle;
pub mod outbox;
pub mod rollup;
pub mod seal;

use crate::access::{Principal, Scope};
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all, fetch_i64, fetch_optional, QueryParts, Value};
use crate::model::{Page, Paged};
use crate::territory::within_sql;
use crate::{new_id, Result, Store, StoreError, Tx};
use chrono::{DateTime, Duration, Utc};
use config::AppealConfig;
use jiayuan_domain::access::Permission;
use jiayuan_domain::appeal::limits::{self, TimeLimit};
use jiayuan_domain::appeal::measure::{Counter, Counts};
use jiayuan_domain::appeal::routing::{self, Rung};
use jiayuan_domain::appeal::{Action, Channel, Level, Status, Urgency};
use jiayuan_domain::{Phone, TerritoryKind};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

pub use jiayuan_domain::time::{beijing, from_beijing};

/// When `limit` runs out if it starts at `start`; a year without calendar data is an error
/// that names the calendar.
pub fn due_after(cfg: &AppealConfig, start: DateTime<Utc>, limit: TimeLimit) -> Result<DateTime<Utc>> {
    limits::deadline(beijing(start), limit, &cfg.calendar, &cfg.hours)
        .map(from_beijing)
        .map_err(|e| StoreError::invalid("calendar", e.to_string()))
}

pub fn warn_time(start: DateTime<Utc>, due: DateTime<Utc>) -> DateTime<Utc> {
    from_beijing(limits::warn_at(beijing(start), beijing(due)))
}

/// Who is looking at appeals: where they may view and where they may handle, and who they
/// are as a reporter. Only a principal (or the public page, which sees nothing) makes one.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub view: Option<Scope>,
    pub handle: Option<Scope>,
    pub user_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub name: String,
    pub manage: bool,
    /// An appeal this viewer follows by its tracking code (a reporter without an account).
    pub tracked: Option<Uuid>,
    /// Where the viewer may see residents: only there are reporters' names and phones shown.
    pub people: Option<Scope>,
    /// Where the viewer sees and handles every category; elsewhere in `view` a limited role
    /// (property staff, owners' committee) sees no sensitive category and acts only on
    /// property categories.
    pub all_categories: Option<Scope>,
    /// Whether some grant of the viewer is such a limited one.
    pub limited: bool,
}

/// The category tree's root whose appeals property staff act on.
pub const PROPERTY_CATEGORY: &str = "property";

fn is_property_category(code: &str) -> bool {
    code == PROPERTY_CATEGORY || code.strip_prefix(PROPERTY_CATEGORY).is_some_and(|r| r.starts_with('.'))
}

impl Viewer {
    pub fn of(p: &Principal) -> Self {
        Self {
            view: p.scope(Permission::ViewAppeals).ok(),
            handle: p.scope(Permission::HandleAppeals).ok(),
            user_id: p.user_id,
            person_id: p.person_id,
            name: p.display_name.clone(),
            manage: p.can(Permission::ManageAppeals),
            tracked: None,
            people: p.scope(Permission::ViewPeople).ok(),
            all_categories: p.scope(Permission::AllAppealCategories).ok(),
            limited: p
                .grants
                .iter()
                .any(|g| g.role.allows(Permission::ViewAppeals) && !g.role.allows(Permission::AllAppealCategories)),
        }
    }

    /// Someone on the public report page: sees nothing but what they filed, by its code.
    pub fn public() -> Self {
        Self {
            view: None,
            handle: None,
            user_id: None,
            person_id: None,
            name: "公众".into(),
            manage: false,
            tracked: None,
            people: None,
            all_categories: None,
            limited: true,
        }
    }

    /// The reporter of one appeal, known by the tracking code they were given.
    pub fn tracking(a: &AppealRow) -> Self {
        Self { name: "反映人".into(), tracked: Some(a.id), ..Self::public() }
    }

    /// An Open311 caller without an api_key: may list every appeal, and the Open311 layer
    /// shows such callers only the public fields (never description, place or reporter).
    pub fn open311_public() -> Self {
        Self {
            view: Some(Scope::everything()),
            handle: None,
            user_id: None,
            person_id: None,
            name: "Open311".into(),
            manage: false,
            tracked: None,
            people: None,
            all_categories: None,
            // The public list never shows that a family dispute or a care case exists.
            limited: true,
        }
    }

    pub fn is_staff(&self) -> bool {
        self.handle.is_some()
    }

    /// Whether this viewer filed the appeal.
    pub fn reported_here(&self, a: &AppealRow) -> bool {
        self.reported(a)
    }

    pub(crate) fn reported(&self, a: &AppealRow) -> bool {
        self.tracked == Some(a.id)
            || (self.user_id.is_some() && a.reporter_user_id == self.user_id)
            || (self.person_id.is_some() && a.reporter_person_id == self.person_id)
    }

    pub fn can_see(&self, a: &AppealRow) -> bool {
        let in_view = |s: &Scope| {
            s.covers_path(&a.path)
                || s.covers_path(&a.handler_path)
                || a.helper_path.as_deref().is_some_and(|h| s.covers_path(h))
        };
        let category_ok = !self.limited || !a.sensitive || self.all_categories.as_ref().is_some_and(in_view);
        (self.view.as_ref().is_some_and(in_view) && category_ok) || self.reported(a)
    }

    /// Whether the viewer's handling roles reach this appeal's category: everyone's do but a
    /// limited role's, which reach only property categories.
    pub fn may_act_on_category(&self, a: &AppealRow) -> bool {
        !self.limited
            || is_property_category(&a.category_code)
            || self.all_categories.as_ref().is_some_and(|s| s.covers_path(&a.handler_path) || s.covers_path(&a.path))
    }

    /// Whether the reporter's name and phone may be shown to this viewer: to those who may
    /// see the residents where the appeal is, and to the reporter.
    pub fn sees_reporter(&self, a: &AppealRow) -> bool {
        self.people.as_ref().is_some_and(|s| s.covers_path(&a.path)) || self.reported(a)
    }

    /// For a limited viewer, the condition on categories: not sensitive (`acting`: a property
    /// category), unless in a subtree where the viewer sees every category. `None` for others.
    fn category_condition(&self, q: &mut QueryParts, acting: bool) -> Option<String> {
        if !self.limited {
            return None;
        }
        let mut ors = vec![if acting {
            let (eq, like) = (q.bind(PROPERTY_CATEGORY.to_string()), q.bind(format!("{PROPERTY_CATEGORY}.%")));
            format!("(a.category_code = {eq} OR a.category_code LIKE {like})")
        } else {
            "CAST(a.sensitive AS INTEGER) = 0".to_string()
        }];
        if let Some(s) = &self.all_categories {
            for t in s.subtrees() {
                let (lo, hi) = t.bind(q);
                ors.push(within_sql("a.path", &lo, &hi));
                ors.push(within_sql("a.handler_path", &lo, &hi));
            }
        }
        Some(format!("({})", ors.join(" OR ")))
    }

    /// Adds "the viewer may act on this category" to a queue over `appeals a`.
    fn restrict_acting(&self, q: &mut QueryParts) {
        if let Some(c) = self.category_condition(q, true) {
            q.cond(c);
        }
    }

    /// Adds "visible to this viewer" to a query over `appeals a`: in the viewer's area (and,
    /// for a limited viewer, of a category it may see), or reported by the viewer.
    fn restrict(&self, q: &mut QueryParts) {
        let category = self.category_condition(q, false);
        let mut area = Vec::new();
        let mut everywhere = false;
        if let Some(s) = &self.view {
            if s.is_everything() {
                everywhere = true;
            } else {
                for t in s.subtrees() {
                    let (lo, hi) = t.bind(q);
                    for col in ["a.path", "a.handler_path", "a.helper_path"] {
                        area.push(within_sql(col, &lo, &hi));
                    }
                }
            }
        }
        if everywhere && category.is_none() {
            return;
        }
        let area = match (everywhere, area.is_empty()) {
            (true, _) => Some("1 = 1".to_string()),
            (false, true) => None,
            (false, false) => Some(format!("({})", area.join(" OR "))),
        };
        let mut ors: Vec<String> = match (area, category) {
            (Some(a), Some(c)) => vec![format!("({a} AND {c})")],
            (Some(a), None) => vec![a],
            (None, _) => vec![],
        };
        if let Some(u) = self.user_id {
            ors.push(format!("a.reporter_user_id = {}", q.bind(u)));
        }
        if let Some(p) = self.person_id {
            ors.push(format!("a.reporter_person_id = {}", q.bind(p)));
        }
        q.cond(if ors.is_empty() { "1 = 0".into() } else { format!("({})", ors.join(" OR ")) });
    }
}

pub const APPEAL_COLS: &str = "a.id, a.number, a.version, a.status, a.is_open, a.channel, a.category_code, a.category_version, a.urgency, a.territory_id, a.path, a.handler_level, a.handler_id, a.handler_path, a.department, a.assignee_id, a.helper_path, a.pending, a.pending_limit, a.reporter_person_id, a.reporter_user_id, a.reporter_name, a.reporter_phone_enc, a.anonymous, a.title, a.description, a.address, a.lat_e6, a.lng_e6, a.created_at, a.updated_at, a.responded_at, a.response_due_at, a.resolve_due_at, a.warn_at, a.warned, a.next_check_at, a.overdue, a.overdue_count, a.escalations, a.hold_since, a.resolved_at, a.closed_at, a.rating, a.rated_at, a.merged_into, a.sensitive";

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AppealRow {
    pub id: Uuid,
    pub number: i64,
    pub version: i64,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub is_open: bool,
    pub channel: String,
    pub category_code: String,
    pub category_version: i64,
    pub urgency: String,
    pub territory_id: Uuid,
    pub path: String,
    #[sqlx(try_from = "String")]
    pub handler_level: Level,
    pub handler_id: Uuid,
    pub handler_path: String,
    pub department: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub helper_path: Option<String>,
    pub pending: Option<String>,
    pub pending_limit: Option<String>,
    pub reporter_person_id: Option<Uuid>,
    pub reporter_user_id: Option<Uuid>,
    pub reporter_name: Option<String>,
    #[serde(skip)]
    pub reporter_phone_enc: Option<String>,
    pub anonymous: bool,
    pub title: String,
    pub description: String,
    pub address: Option<String>,
    pub lat_e6: Option<i64>,
    pub lng_e6: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub response_due_at: DateTime<Utc>,
    pub resolve_due_at: DateTime<Utc>,
    pub warn_at: DateTime<Utc>,
    pub warned: bool,
    pub next_check_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub overdue_count: i64,
    pub escalations: i64,
    pub hold_since: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub rating: Option<String>,
    pub rated_at: Option<DateTime<Utc>>,
    pub merged_into: Option<Uuid>,
    /// The category was sensitive when filed: hidden from property staff and committees.
    pub sensitive: bool,
}

impl AppealRow {
    pub fn status(&self) -> Status {
        self.status
    }

    pub fn level(&self) -> Level {
        self.handler_level
    }

    /// The deadline the clock is watching now: acceptance while new, else resolution.
    pub fn current_due(&self) -> DateTime<Utc> {
        if self.status() == Status::New {
            self.response_due_at
        } else {
            self.resolve_due_at
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EventRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_name: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub level: String,
    pub note: String,
    pub data: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PhotoRow {
    pub id: Uuid,
    pub appeal_id: Uuid,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// A new appeal as it arrives from any channel, already parsed at the edge where the edge
/// can (enums); free text and references are checked here.
#[derive(Debug, Clone, Default)]
pub struct NewAppeal {
    pub channel: Option<Channel>,
    pub category: String,
    pub urgency: Option<Urgency>,
    /// Territory id or code: a building or lower when known.
    pub territory: String,
    pub title: Option<String>,
    pub description: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// A resident on file (staff filing for them).
    pub reporter_person_id: Option<Uuid>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub anonymous: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Filed {
    pub appeal: AppealRow,
    /// For a reporter without an account: the code to follow the appeal with, shown once.
    pub tracking_code: Option<String>,
    pub possible_duplicates: Vec<AppealRow>,
}

fn text(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() > max => {
            Err(StoreError::invalid(field, format!("不能超过{max}个字符 (at most {max} characters)")))
        }
        Some(s) => Ok(Some(s.to_string())),
    }
}

fn coord(field: &str, v: Option<f64>, max: f64) -> Result<Option<i64>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x.abs() <= max => Ok(Some((x * 1e6).round() as i64)),
        Some(_) => Err(StoreError::invalid(field, format!("坐标应在±{max}之间 (out of range)"))),
    }
}

/// A row of the location chain: a node above (or at) the location, staffed or not.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChainNode {
    id: Uuid,
    kind: String,
    path: String,
    staffed: bool,
}

/// The path prefixes of a node's path, root first, including itself.
pub fn path_prefixes(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, ch) in path.char_indices().skip(1) {
        if ch == '/' {
            out.push(path[..=i].to_string());
        }
    }
    out
}

/// One event on the timeline, with its counter deltas for the rollups.
pub(crate) struct NewEvent<'a> {
    pub appeal_id: Uuid,
    pub at: DateTime<Utc>,
    pub action: Action,
    pub actor_user_id: Option<Uuid>,
    pub actor_name: &'a str,
    pub from: Option<Status>,
    pub to: Status,
    pub level: Level,
    pub note: &'a str,
    pub data: serde_json::Value,
    pub deltas: Counts,
}

pub(crate) async fn insert_event(tx: &mut Tx, e: NewEvent<'_>) -> Result<()> {
    exec(
        tx,
        "INSERT INTO appeal_events (appeal_id, at, action, actor_user_id, actor_name, from_status, to_status, level, note, data, deltas, rolled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, FALSE)",
        &[
            e.appeal_id.into(),
            e.at.into(),
            e.action.as_str().into(),
            e.actor_user_id.into(),
            e.actor_name.into(),
            e.from.map(|s| s.as_str().to_string()).into(),
            e.to.as_str().into(),
            e.level.as_str().into(),
            e.note.into(),
            e.data.to_string().into(),
            e.deltas.encode().into(),
        ],
    )
    .await?;
    Ok(())
}

/// Below this many open appeals, a queue collects its part by range and sorts it.
const SMALL_QUEUE: i64 = 2_000;

fn open_only_query(f: &AppealQuery) -> bool {
    f.status.as_deref().map(str::trim) == Some("open")
}

/// Lists count at most this many rows; beyond it the total reads as this figure.
pub const COUNT_CAP: i64 = 10_000;

/// Filters for the queue and the lists.
#[derive(Debug, Clone, Default)]
pub struct AppealQuery {
    /// `open` (default for queues), `closed`, `all`, or one status code.
    pub status: Option<String>,
    /// Only appeals whose handler node is in the viewer's handling scope, or where the
    /// viewer's level was asked for help.
    pub mine: bool,
    pub overdue: bool,
    pub category: Option<String>,
    /// Only appeals the viewer filed.
    pub reported: bool,
    /// Appeal number, or text in the title.
    pub q: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub numbers: Vec<i64>,
    pub categories: Vec<String>,
    pub open_only: Option<bool>,
    /// Open311's two states: closed is closed, declined or merged.
    pub open311_closed: Option<bool>,
}

impl Store {
    /// Files an appeal: checks it, routes it to the lowest level, sets its clocks, writes the
    /// first timeline event, the audit entry and any notifications in one transaction.
    pub async fn file_appeal(
        &self,
        who: &Viewer,
        ctx: &AuditCtx,
        input: &NewAppeal,
        now: DateTime<Utc>,
    ) -> Result<Filed> {
        let cfg = self.appeal_config().await?;
        let channel = input.channel.unwrap_or(Channel::Web);
        let staff_channel =
            matches!(channel, Channel::WalkIn | Channel::Phone | Channel::GridPatrol | Channel::Hotline);
        let cat = cfg.category(&input.category).ok_or_else(|| {
            StoreError::invalid(
                "category",
                format!("没有代码为“{}”的诉求分类 (unknown category)", input.category.trim()),
            )
        })?;
        let urgency = input.urgency.unwrap_or(Urgency::Normal);
        let description = text("description", Some(&input.description), 4000)?
            .ok_or_else(|| StoreError::invalid("description", "请描述问题 (description is required)"))?;
        let title = match text("title", input.title.as_deref(), 60)? {
            Some(t) => t,
            None => description.chars().take(30).collect(),
        };
        let address = text("address", input.address.as_deref(), 200)?;
        let (lat, lng) = (coord("lat", input.lat, 90.0)?, coord("long", input.lng, 180.0)?);
        if lat.is_some() != lng.is_some() {
            return Err(StoreError::invalid("long", "经纬度须成对提供 (lat and long go together)"));
        }
        let loc = match self.cached_territory(&input.territory).await {
            Ok(t) => t,
            Err(StoreError::NotFound) => {
                return Err(StoreError::invalid(
                    "territory",
                    format!("区域“{}”不存在 (no such territory)", input.territory.trim()),
                ))
            }
            Err(e) => return Err(e),
        };
        if staff_channel && !who.handle.as_ref().is_some_and(|s| s.covers(&loc)) {
            return Err(StoreError::invalid(
                "channel",
                format!(
                    "“{}”渠道只能由辖区工作人员登记 (only staff of the area file through this channel)",
                    channel.label_zh()
                ),
            ));
        }
        // The reporter.
        let mut reporter_person = input.reporter_person_id;
        let mut reporter_user = None;
        if let Some(pid) = reporter_person {
            let ok = who.person_id == Some(pid) || who.is_staff() && self.person_visible(who, pid).await?;
            if !ok {
                return Err(StoreError::missing("reporter_person_id", "没有这位居民 (no such resident)"));
            }
        } else if !staff_channel && who.user_id.is_some() {
            reporter_person = who.person_id;
            reporter_user = who.user_id;
        }
        // Anonymous from a signed-in account: the account, the person and the address are
        // sealed with the database key, and nothing readable links the appeal to them.
        let sealed = input.anonymous && (reporter_user.is_some() || reporter_person.is_some());
        let reporter_seal = sealed.then(|| {
            self.crypto.encrypt(
                &json!({"user_id": reporter_user, "person_id": reporter_person, "username": ctx.actor, "ip": ctx.ip})
                    .to_string(),
            )
        });
        let ctx = if sealed { AuditCtx::anonymous("匿名", "-", ctx.request_id.clone()) } else { ctx.clone() };
        if sealed {
            (reporter_person, reporter_user) = (None, None);
        }
        let name = text("reporter_name", input.reporter_name.as_deref(), 40)?;
        let phone = match input.reporter_phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => Some(Phone::parse(p).map_err(|e| e.in_field("reporter_phone"))?.as_str().to_string()),
            None => None,
        };
        let anonymous = input.anonymous;
        if who.user_id.is_none() && !anonymous && name.is_none() {
            return Err(StoreError::invalid("reporter_name", "请留下称呼，或选择匿名 (a name, or report anonymously)"));
        }
        let tracking_code =
            (reporter_user.is_none() && reporter_person.is_none()).then(|| crate::accounts::new_token("jt"));

        // Routing: the chain of levels above the location, and who staffs each.
        let nodes = self.routing_chain(&loc).await?;
        let mut chain: Vec<Rung<&ChainNode>> = nodes
            .iter()
            .filter_map(|n| {
                let level = Level::of_kind(TerritoryKind::parse(&n.kind)?)?;
                Some(Rung { level, node: n, staffed: n.staffed })
            })
            .collect();
        chain.sort_by_key(|r| r.level);
        let rule = routing::rule_for(&cfg.rules, &cat.code, &loc.path);
        let lowest = rule.map(|r| r.lowest).unwrap_or(cat.lowest);
        let to = routing::route(&chain, lowest).ok_or_else(|| {
            StoreError::invalid("territory", "该位置不在任何办理层级之下 (no handling level above this place)")
        })?;
        let (level, handler) = (to.level, to.node);
        // Duplicates are looked for at the place and at its building.
        let mut dup_places = vec![loc.id];
        if let Some(b) = nodes.iter().find(|n| n.kind == "building" && n.id != loc.id) {
            dup_places.push(b.id);
        }
        let department = rule.and_then(|r| r.department.clone());

        let response_due = due_after(&cfg, now, cat.response.get(urgency))?;
        let resolve_due = due_after(&cfg, now, cat.resolve.get(urgency))?;
        let warn = warn_time(now, response_due);
        let id = new_id();
        let mut deltas = Counts::default();
        deltas.add(Counter::Received, 1);
        let mut row = AppealRow {
            id,
            number: 0,
            version: 1,
            status: Status::New,
            is_open: true,
            channel: channel.as_str().into(),
            category_code: cat.code.clone(),
            category_version: cfg.version,
            urgency: urgency.as_str().into(),
            territory_id: loc.id,
            path: loc.path.clone(),
            handler_level: level,
            handler_id: handler.id,
            handler_path: handler.path.clone(),
            department: department.clone(),
            assignee_id: None,
            helper_path: None,
            pending: None,
            pending_limit: None,
            reporter_person_id: reporter_person,
            reporter_user_id: reporter_user,
            reporter_name: name,
            reporter_phone_enc: phone.as_ref().map(|p| self.crypto.encrypt(p)),
            anonymous,
            title,
            description,
            address,
            lat_e6: lat,
            lng_e6: lng,
            created_at: now,
            updated_at: now,
            responded_at: None,
            response_due_at: response_due,
            resolve_due_at: resolve_due,
            warn_at: warn,
            warned: false,
            next_check_at: Some(warn),
            overdue: false,
            overdue_count: 0,
            escalations: 0,
            hold_since: None,
            resolved_at: None,
            closed_at: None,
            rating: None,
            rated_at: None,
            merged_into: None,
            sensitive: cat.sensitive,
        };
        let filing = intake::Filing {
            track_hash: tracking_code.as_ref().map(|c| crate::accounts::token_hash(c)),
            reporter_seal,
            created_by: if sealed { None } else { who.user_id },
            actor_name: if anonymous { "匿名".into() } else { who.name.clone() },
            event_data: json!({"channel": channel, "routed_to": handler.path, "lowest": lowest, "department": department}),
            deltas: deltas.encode(),
            ctx: ctx.clone(),
            summary: json!({"category": cat.code, "territory": loc.code, "channel": channel, "level": level}),
            outbox: outbox::messages(&cfg, id, 0, Action::Create, &handler.path, &cat.code, level, now),
            dup_places,
            viewer: who.clone(),
            row: row.clone(),
        };
        let (number, possible_duplicates) = self.write_filing(filing).await?;
        row.number = number;
        let appeal = row;
        Ok(Filed { appeal, tracking_code, possible_duplicates })
    }

    /// A territory by id or code, from a short-lived cache (filing looks one up every time).
    async fn cached_territory(&self, r: &str) -> Result<crate::model::Territory> {
        let key = r.trim().to_string();
        if let Some(t) = self.cache.territory(&key) {
            return Ok(t);
        }
        let t = self.territory_by_ref(&key).await?;
        self.cache.put_territory(key, t.clone());
        Ok(t)
    }

    /// The nodes above (and at) a place, with whether each is staffed; cached briefly, so a
    /// new grant takes up to half a minute to change routing in another server process (at
    /// once in this one: granting clears the cache).
    async fn routing_chain(&self, loc: &crate::model::Territory) -> Result<Vec<ChainNode>> {
        if let Some(c) = self.cache.chain(&loc.path) {
            return Ok(c);
        }
        let prefixes = path_prefixes(&loc.path);
        let mut q = QueryParts::default();
        let ph: Vec<String> = prefixes.iter().map(|p| q.bind(p.clone())).collect();
        let roles: Vec<String> = jiayuan_domain::access::Role::ALL
            .iter()
            .filter(|r| r.staffs_appeal_level())
            .map(|r| q.bind(r.as_str()))
            .collect();
        let sql = format!(
            "SELECT t.id, t.kind, t.path, EXISTS (SELECT 1 FROM role_grants g JOIN users u ON u.id = g.user_id
                 WHERE g.territory_id = t.id AND u.disabled = FALSE AND g.role IN ({})) AS staffed
             FROM territories t WHERE t.path IN ({})",
            roles.join(","),
            ph.join(",")
        );
        let nodes: Vec<ChainNode> = fetch_all(&self.db, &sql, &q.vals).await?;
        self.cache.put_chain(loc.path.clone(), nodes.clone());
        Ok(nodes)
    }

    async fn person_visible(&self, who: &Viewer, pid: Uuid) -> Result<bool> {
        let Some(scope) = &who.view else { return Ok(false) };
        let home: Option<(Option<String>,)> =
            fetch_optional(&self.db, "SELECT home_path FROM people WHERE id = $1", &[pid.into()]).await?;
        Ok(home.and_then(|(p,)| p).is_some_and(|p| scope.covers_path(&p)))
    }

    /// The reporter's phone, masked, for a viewer who may see the residents where the appeal
    /// is; `None` for anyone else. Decrypted here, so the number never leaves the store whole.
    pub fn reporter_phone_masked(&self, who: &Viewer, a: &AppealRow) -> Option<String> {
        if a.anonymous || !who.people.as_ref().is_some_and(|s| s.covers_path(&a.path)) {
            return None;
        }
        let phone = self.crypto.decrypt_opt(a.reporter_phone_enc.as_deref()).ok().flatten()?;
        Some(jiayuan_domain::phone::mask_phone_str(&phone))
    }

    /// Unscoped read, for the store's own use after a check.
    pub(crate) async fn appeal_row(&self, id: Uuid) -> Result<AppealRow> {
        let sql = format!("SELECT {APPEAL_COLS} FROM appeals a WHERE a.id = $1");
        fetch_optional(&self.db, &sql, &[id.into()]).await?.ok_or(StoreError::NotFound)
    }

    /// An appeal by id or number, if the viewer may see it (else not found).
    pub async fn appeal(&self, who: &Viewer, r: &str) -> Result<AppealRow> {
        let r = r.trim();
        let sql = match Uuid::parse_str(r) {
            Ok(_) => format!("SELECT {APPEAL_COLS} FROM appeals a WHERE a.id = $1"),
            Err(_) => format!("SELECT {APPEAL_COLS} FROM appeals a WHERE a.number = $1"),
        };
        let v: Value = match Uuid::parse_str(r) {
            Ok(id) => id.into(),
            Err(_) => r.parse::<i64>().map_err(|_| StoreError::NotFound)?.into(),
        };
        let a: AppealRow = fetch_optional(&self.db, &sql, &[v]).await?.ok_or(StoreError::NotFound)?;
        if who.can_see(&a) {
            Ok(a)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// An appeal by the tracking code given to a reporter without an account.
    pub async fn appeal_by_tracking_code(&self, code: &str) -> Result<AppealRow> {
        let sql = format!("SELECT {APPEAL_COLS} FROM appeals a WHERE a.track_hash = $1");
        fetch_optional(&self.db, &sql, &[crate::accounts::token_hash(code.trim()).into()])
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn appeal_timeline(&self, a: &AppealRow) -> Result<Vec<EventRow>> {
        fetch_all(
            &self.db,
            "SELECT seq, at, action, actor_name, from_status, to_status, level, note, data FROM appeal_events WHERE appeal_id = $1 ORDER BY seq",
            &[a.id.into()],
        )
        .await
    }

    /// Open appeals of the same category filed in the last 30 days at the same building (or
    /// the same place, when it is not a building) that the viewer may see: likely the same
    /// problem. Each lookup walks the `(territory_id, category_code, created_at)` index
    /// backwards and stops at five, however many appeals the building has.
    pub async fn duplicates_of(&self, who: &Viewer, a: &AppealRow) -> Result<Vec<AppealRow>> {
        let prefixes = path_prefixes(&a.path);
        let mut places: Vec<String> = vec![a.path.clone()];
        if let Some(b) = prefixes.get(4).filter(|b| **b != a.path) {
            places.push(b.clone());
        }
        let mut out: Vec<AppealRow> = Vec::new();
        for place in places {
            let mut q = QueryParts::default();
            q.cond_bind("a.territory_id = (SELECT id FROM territories WHERE path = {})", place);
            q.cond_bind("a.category_code = {}", a.category_code.clone());
            q.cond_bind("a.created_at >= {}", a.created_at - Duration::days(30));
            q.cond("a.is_open = TRUE".into());
            q.cond_bind("a.id <> {}", a.id);
            who.restrict(&mut q);
            let sql =
                format!("SELECT {APPEAL_COLS} FROM appeals a{} ORDER BY a.created_at DESC LIMIT 5", q.where_clause());
            out.extend(fetch_all::<AppealRow>(&self.db, &sql, &q.vals).await?);
        }
        out.sort_by_key(|x| std::cmp::Reverse(x.created_at));
        out.truncate(5);
        Ok(out)
    }

    /// The queue and the lists: what the viewer may see, filtered; open ones overdue first,
    /// then by deadline; others newest first.
    pub async fn list_appeals(
        &self,
        who: &Viewer,
        scope: Option<&Scope>,
        f: &AppealQuery,
        page: Page,
    ) -> Result<Paged<AppealRow>> {
        let mut q = QueryParts::default();
        // What one may handle one may see (every handling role also views, over the same
        // grant), so a queue needs only the handling condition, which its index serves.
        if !f.mine {
            who.restrict(&mut q);
        }
        if let Some(s) = scope {
            if !s.is_everything() {
                let mut ors = Vec::new();
                for t in s.subtrees() {
                    let (lo, hi) = t.bind(&mut q);
                    ors.push(within_sql("a.path", &lo, &hi));
                    ors.push(within_sql("a.handler_path", &lo, &hi));
                }
                q.cond(format!("({})", ors.join(" OR ")));
            }
        }
        if !f.numbers.is_empty() {
            let ph: Vec<String> = f.numbers.iter().map(|n| q.bind(*n)).collect();
            q.cond(format!("a.number IN ({})", ph.join(",")));
        }
        let mut small_queue = false;
        if f.mine {
            let Some(h) = &who.handle else { return Err(StoreError::Forbidden(Permission::HandleAppeals)) };
            who.restrict_acting(&mut q);
            if !h.is_everything() {
                // How much is open in my part: the handling index answers this from a range.
                let mut cq = QueryParts::default();
                let ors: Vec<String> = h.subtrees().iter().map(|t| t.sql(&mut cq, "handler_path")).collect();
                let open_here = fetch_i64(
                    &self.db,
                    &format!(
                        "SELECT count(*) FROM (SELECT 1 FROM appeals WHERE ({}) AND CAST(is_open AS INTEGER) = 1 LIMIT {SMALL_QUEUE}) c",
                        ors.join(" OR ")
                    ),
                    &cq.vals,
                )
                .await?;
                let mut handled = Vec::new();
                let mut helped = Vec::new();
                for t in h.subtrees() {
                    let (lo, hi) = t.bind(&mut q);
                    handled.push(within_sql("handler_path", &lo, &hi));
                    helped.push(within_sql("helper_path", &lo, &hi));
                }
                if open_here < SMALL_QUEUE && open_only_query(f) {
                    // A small part of a big district: collect its open appeals by range, then
                    // sort those few, rather than walk the district's deadline order.
                    // CAST keeps the planner on the path indexes (an equality on is_open would
                    // otherwise win and walk every open appeal of the district).
                    small_queue = true;
                    q.cond(format!(
                        "a.id IN (SELECT id FROM appeals WHERE ({}) AND CAST(is_open AS INTEGER) = 1 UNION SELECT id FROM appeals WHERE ({}) AND CAST(is_open AS INTEGER) = 1)",
                        handled.join(" OR "),
                        helped.join(" OR ")
                    ));
                } else {
                    let all: Vec<&String> = handled.iter().chain(&helped).collect();
                    q.cond(format!("({})", all.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(" OR ")));
                }
            }
        }
        let open_first = match f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("all") {
            "open" => {
                // A small queue's id list holds only open appeals already.
                if !small_queue {
                    q.cond("a.is_open = TRUE".into());
                }
                true
            }
            "closed" => {
                q.cond("a.is_open = FALSE".into());
                false
            }
            "all" => false,
            s => {
                let st = Status::parse_field(s, "status")?;
                q.cond_bind("a.status = {}", st.as_str());
                st.is_open()
            }
        };
        if let Some(c) = f.open311_closed {
            let not = if c { "" } else { "NOT " };
            q.cond(format!("a.status {not}IN ('closed', 'declined', 'merged')"));
        }
        if let Some(o) = f.open_only {
            q.cond(format!("a.is_open = {}", if o { "TRUE" } else { "FALSE" }));
        }
        if f.overdue {
            q.cond("a.overdue = TRUE".into());
        }
        if f.reported {
            let mut ors = Vec::new();
            if let Some(u) = who.user_id {
                ors.push(format!("a.reporter_user_id = {}", q.bind(u)));
            }
            if let Some(p) = who.person_id {
                ors.push(format!("a.reporter_person_id = {}", q.bind(p)));
            }
            q.cond(if ors.is_empty() { "1 = 0".into() } else { format!("({})", ors.join(" OR ")) });
        }
        if let Some(c) = f.category.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let (eq, like) = (q.bind(c.to_string()), q.bind(format!("{}.%", crate::territory::escape_like(c))));
            q.cond(format!("(a.category_code = {eq} OR a.category_code LIKE {like} ESCAPE '\\')"));
        }
        if !f.categories.is_empty() {
            let ph: Vec<String> = f.categories.iter().map(|c| q.bind(c.clone())).collect();
            q.cond(format!("a.category_code IN ({})", ph.join(",")));
        }
        if let Some(t) = f.since {
            q.cond_bind("a.created_at >= {}", t);
        }
        if let Some(t) = f.until {
            q.cond_bind("a.created_at < {}", t);
        }
        if let Some(s) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            match s.trim_start_matches('#').parse::<i64>() {
                Ok(n) => q.cond_bind("a.number = {}", n),
                Err(_) => {
                    let esc = s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    q.cond_bind("a.title LIKE {} ESCAPE '\\'", format!("%{esc}%"));
                }
            }
        }
        let order = if open_first {
            "a.overdue DESC, a.resolve_due_at ASC, a.number ASC"
        } else {
            "a.created_at DESC, a.number DESC"
        };
        let w = q.where_clause();
        // Counted up to a cap: a queue of more than ten thousand says so, not the exact figure.
        let total = fetch_i64(
            &self.db,
            &format!("SELECT count(*) FROM (SELECT 1 FROM appeals a{w} LIMIT {COUNT_CAP}) c"),
            &q.vals,
        )
        .await?;
        // The page's ids first (sorting keys only), then their rows.
        let sql = format!(
            "SELECT {APPEAL_COLS} FROM appeals a WHERE a.id IN (SELECT a.id FROM appeals a{w} ORDER BY {order} LIMIT {} OFFSET {}) ORDER BY {order}",
            page.page_size,
            page.offset()
        );
        let items = fetch_all(&self.db, &sql, &q.vals).await?;
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }

    pub async fn appeal_photos(&self, a: &AppealRow) -> Result<Vec<PhotoRow>> {
        fetch_all(
            &self.db,
            "SELECT id, appeal_id, content_type, size, sha256, created_at FROM appeal_photos WHERE appeal_id = $1 ORDER BY created_at",
            &[a.id.into()],
        )
        .await
    }

    /// Records a photo whose bytes the caller has stored under its id.
    pub async fn add_appeal_photo(
        &self,
        ctx: &AuditCtx,
        a: &AppealRow,
        id: Uuid,
        content_type: &str,
        size: i64,
        sha256: &str,
    ) -> Result<PhotoRow> {
        let mut tx = self.begin().await?;
        let now = Utc::now();
        exec(
            &mut tx,
            "INSERT INTO appeal_photos (id, appeal_id, content_type, size, sha256, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[id.into(), a.id.into(), content_type.into(), size.into(), sha256.into(), ctx.actor.clone().into(), now.into()],
        )
        .await?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &a.handler_path,
                action: "appeal.photo",
                object: format!("appeal {}", a.number),
                summary: json!({"photo": id, "type": content_type, "size": size}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(PhotoRow {
            id,
            appeal_id: a.id,
            content_type: content_type.into(),
            size,
            sha256: sha256.into(),
            created_at: now,
        })
    }

    pub async fn appeal_photo(&self, a: &AppealRow, id: Uuid) -> Result<PhotoRow> {
        fetch_optional(
            &self.db,
            "SELECT id, appeal_id, content_type, size, sha256, created_at FROM appeal_photos WHERE appeal_id = $1 AND id = $2",
            &[a.id.into(), id.into()],
        )
        .await?
        .ok_or(StoreError::NotFound)
    }
}
