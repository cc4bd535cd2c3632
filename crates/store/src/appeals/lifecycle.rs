//! Moving an appeal through its lifecycle: who may take which action, what each action
//! changes, and the optimistic version check that turns a stale change into a conflict.

use super::config::AppealConfig;
use super::{due_after, insert_event, outbox, path_prefixes, warn_time, AppealRow, NewEvent, Viewer};
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all, fetch_optional, Value};
use crate::model::{Territory, TERRITORY_COLS};
use crate::{Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use jiayuan_domain::access::{Permission, Role};
use jiayuan_domain::appeal::limits::TimeLimit;
use jiayuan_domain::appeal::measure::{Counter, Counts};
use jiayuan_domain::appeal::{self as rules, Action, Actor, Facts, Level, Pending, Rating, Status, Urgency};
use jiayuan_domain::TerritoryKind;
use serde_json::json;
use uuid::Uuid;

/// An action as asked for, with the version of the appeal the asker saw.
#[derive(Debug, Clone, Default)]
pub struct ActInput {
    pub action: Option<Action>,
    pub version: i64,
    pub note: String,
    /// Assign: the handler's username.
    pub assignee: Option<String>,
    /// Dispatch: the territory node (id or code) to send it to.
    pub target: Option<String>,
    pub rating: Option<Rating>,
    /// Merge: the appeal (number or id) this one duplicates.
    pub merge_into: Option<String>,
    /// Request an extension: how much more time (`3wd`, `24h`).
    pub limit: Option<String>,
}

/// The parent of a node's path (one segment fewer), or `None` at the root.
pub fn parent_path(path: &str) -> Option<String> {
    let p = path_prefixes(path);
    (p.len() >= 2).then(|| p[p.len() - 2].clone())
}

/// What the viewer is to this appeal, most powerful first.
pub fn actors_of(who: &Viewer, a: &AppealRow) -> Vec<Actor> {
    let mut out = Vec::new();
    if let Some(h) = who.handle.as_ref().filter(|_| who.may_act_on_category(a)) {
        let above = match parent_path(&a.handler_path) {
            Some(p) => h.covers_path(&p),
            // The district has no level above; its own staff approve there.
            None => h.covers_path(&a.handler_path),
        };
        if above {
            out.push(Actor::Superior);
        }
        if h.covers_path(&a.handler_path) {
            out.push(Actor::Handler);
        }
        if h.covers_path(&a.path) {
            out.push(Actor::LocalStaff);
        }
    }
    if who.reported(a) {
        out.push(Actor::Reporter);
    }
    out
}

pub fn facts_of(a: &AppealRow) -> Facts {
    Facts {
        status: a.status(),
        rating: a.rating.as_deref().and_then(Rating::parse),
        pending: match a.pending.as_deref() {
            Some("hold") => Some(Pending::Hold),
            Some("extension") => Some(Pending::Extension),
            _ => None,
        },
        has_level_above: a.level().above().is_some(),
    }
}

/// The actions the viewer can take on this appeal now: the buttons on its page.
pub fn open_actions(who: &Viewer, a: &AppealRow) -> Vec<Action> {
    let facts = facts_of(a);
    let mut acts: Vec<Action> = Vec::new();
    for actor in actors_of(who, a) {
        for x in rules::open_actions(&facts, actor) {
            if !acts.contains(&x) {
                acts.push(x);
            }
        }
    }
    acts.sort_by_key(|x| Action::ALL.iter().position(|y| y == x));
    acts
}

/// The column changes of one transition, collected before the single UPDATE.
#[derive(Default)]
pub(crate) struct Changes {
    sets: Vec<(&'static str, Value)>,
    pub deltas: Counts,
    pub data: serde_json::Map<String, serde_json::Value>,
    /// The new handler node, when it moves (for notifications).
    pub moved_to: Option<String>,
}

impl Changes {
    pub fn set(&mut self, col: &'static str, v: impl Into<Value>) {
        self.sets.push((col, v.into()));
    }
}

/// Where the appeal goes next when it moves up: the node one level above the handler.
pub(crate) async fn node_above(store: &Store, a: &AppealRow) -> Result<Option<(Level, Territory)>> {
    let Some(p) = parent_path(&a.handler_path) else { return Ok(None) };
    let sql = format!("SELECT {TERRITORY_COLS} FROM territories t WHERE t.path = $1");
    let t: Option<Territory> = fetch_optional(&store.db, &sql, &[p.into()]).await?;
    Ok(t.and_then(|t| Some((Level::of_kind(TerritoryKind::parse(&t.kind)?)?, t))))
}

/// Sends the appeal to a new handler node as a new task: status new, fresh clocks.
pub(crate) fn move_to(
    cfg: &AppealConfig,
    a: &AppealRow,
    c: &mut Changes,
    level: Level,
    node: &Territory,
    now: DateTime<Utc>,
) -> Result<()> {
    let cat = cfg.category(&a.category_code);
    let urgency = Urgency::parse(&a.urgency).unwrap_or(Urgency::Normal);
    let (resp, res) = match cat {
        Some(c) => (c.response.get(urgency), c.resolve.get(urgency)),
        // A category gone from the current tree keeps the general limits.
        None => (
            TimeLimit { amount: 24, unit: jiayuan_domain::appeal::limits::LimitUnit::Hours },
            TimeLimit { amount: 7, unit: jiayuan_domain::appeal::limits::LimitUnit::WorkDays },
        ),
    };
    let response_due = due_after(cfg, now, resp)?;
    let resolve_due = due_after(cfg, now, res)?;
    let warn = warn_time(now, response_due);
    c.set("handler_level", level.as_str());
    c.set("handler_id", node.id);
    c.set("handler_path", node.path.clone());
    c.set("assignee_id", Value::Uuid(None));
    c.set("helper_path", Value::Text(None));
    c.set("pending", Value::Text(None));
    c.set("pending_limit", Value::Text(None));
    c.set("response_due_at", response_due);
    c.set("resolve_due_at", resolve_due);
    c.set("warn_at", warn);
    c.set("warned", false);
    c.set("next_check_at", warn);
    c.data.insert("to".into(), json!(node.path));
    c.data.insert("level".into(), json!(level));
    c.moved_to = Some(node.path.clone());
    Ok(())
}

impl Store {
    /// Takes an action on an appeal the viewer can see. A stale `version` is a conflict; an
    /// action the state does not allow is a conflict naming the state; one the viewer may
    /// not take is forbidden.
    pub async fn act_on_appeal(
        &self,
        who: &Viewer,
        ctx: &AuditCtx,
        r: &str,
        input: &ActInput,
        now: DateTime<Utc>,
    ) -> Result<AppealRow> {
        let action = input.action.ok_or_else(|| StoreError::invalid("action", "请选择操作 (action is required)"))?;
        if !action.is_manual() {
            return Err(StoreError::invalid(
                "action",
                format!("“{}”由系统执行 (taken by the system only)", action.label_zh()),
            ));
        }
        let cfg = self.appeal_config().await?;
        let a = self.appeal(who, r).await?;
        if input.version != a.version {
            return Err(stale(&a));
        }
        let actors = actors_of(who, &a);
        if !actors.iter().any(|x| action.allowed(*x)) {
            return Err(StoreError::Forbidden(Permission::HandleAppeals));
        }
        let to = rules::next(&facts_of(&a), action)
            .map_err(|e| StoreError::Conflict { field: "action".into(), message: e.0 })?;
        let note = input.note.trim();
        if action.needs_note() && note.chars().count() < 2 {
            return Err(StoreError::invalid(
                "note",
                format!("“{}”需要填写说明 (a note is required)", action.label_zh()),
            ));
        }
        if note.chars().count() > 2000 {
            return Err(StoreError::invalid("note", "说明不能超过2000字 (at most 2000 characters)"));
        }
        let mut c = Changes::default();
        let level = a.level();
        match action {
            Action::Accept | Action::Decline => {
                if a.responded_at.is_none() {
                    c.set("responded_at", now);
                    c.deltas.add(Counter::Responded, 1);
                    if now <= a.response_due_at {
                        c.deltas.add(Counter::RespondedOnTime, 1);
                    }
                }
                if action == Action::Decline {
                    c.deltas.add(Counter::Declined, 1);
                    c.set("closed_at", now);
                    c.set("next_check_at", Value::Ts(None));
                } else {
                    let warn = warn_time(now, a.resolve_due_at.max(now));
                    c.set("warn_at", warn);
                    c.set("warned", false);
                    c.set("next_check_at", warn);
                }
            }
            Action::Dispatch => {
                let t = input
                    .target
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| StoreError::invalid("target", "请选择转派到的区域 (target is required)"))?;
                let scope = who.handle.as_ref().ok_or(StoreError::Forbidden(Permission::HandleAppeals))?;
                let node = self
                    .territory_in(scope, t)
                    .await
                    .map_err(|_| StoreError::missing("target", format!("区域“{t}”不存在 (no such territory)")))?;
                let lvl = TerritoryKind::parse(&node.kind).and_then(Level::of_kind).ok_or_else(|| {
                    StoreError::invalid("target", "只能转派到楼栋、小区、社区、街道或区 (not a handling level)")
                })?;
                move_to(&cfg, &a, &mut c, lvl, &node, now)?;
            }
            Action::Escalate | Action::Return => {
                let (lvl, node) = node_above(self, &a).await?.ok_or_else(|| StoreError::Conflict {
                    field: "action".into(),
                    message: "已在最高层级 (already at the top level)".into(),
                })?;
                move_to(&cfg, &a, &mut c, lvl, &node, now)?;
                c.set("escalations", a.escalations + 1);
                c.deltas.add(if action == Action::Escalate { Counter::Escalated } else { Counter::Returned }, 1);
            }
            Action::Assign => {
                let name = input
                    .assignee
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| StoreError::invalid("assignee", "请选择办理人 (assignee is required)"))?;
                let uid = self.appeal_handler_user(name, &a.handler_path).await?.ok_or_else(|| {
                    StoreError::invalid(
                        "assignee",
                        format!("“{name}”不是本诉求所在层级的办理人员 (not a handler here)"),
                    )
                })?;
                c.set("assignee_id", uid);
                c.data.insert("assignee".into(), json!(name));
            }
            Action::AskHelp => {
                let p = parent_path(&a.handler_path).unwrap_or_else(|| a.handler_path.clone());
                c.set("helper_path", p.clone());
                c.data.insert("helper".into(), json!(p));
            }
            Action::Resolve => {
                c.set("resolved_at", now);
                c.set("next_check_at", Value::Ts(None));
                c.set("overdue", false);
                c.deltas.add(Counter::Resolved, 1);
                if now <= a.resolve_due_at && a.overdue_count == 0 {
                    c.deltas.add(Counter::ResolvedOnTime, 1);
                }
                c.deltas.add(Counter::settled_at(level), 1);
                c.deltas.add(Counter::HandlingMinutes, (now - a.created_at).num_minutes().max(0));
            }
            Action::Rework | Action::Reopen => {
                c.deltas.merge(&self.last_resolution(a.id).await?.negated());
                if action == Action::Reopen {
                    c.deltas.add(Counter::Reopened, 1);
                    c.set("rating", Value::Text(None));
                    c.set("rated_at", Value::Ts(None));
                    c.set("closed_at", Value::Ts(None));
                }
                c.set("resolved_at", Value::Ts(None));
                let cat = cfg.category(&a.category_code);
                let urgency = Urgency::parse(&a.urgency).unwrap_or(Urgency::Normal);
                let due = match cat {
                    Some(k) => due_after(&cfg, now, k.resolve.get(urgency))?,
                    None => a.resolve_due_at.max(now),
                };
                let warn = warn_time(now, due);
                c.set("resolve_due_at", due);
                c.set("warn_at", warn);
                c.set("warned", false);
                c.set("next_check_at", warn);
            }
            Action::Close => c.set("closed_at", now),
            Action::Rate => {
                let rating =
                    input.rating.ok_or_else(|| StoreError::invalid("rating", "请选择评价 (rating is required)"))?;
                c.set("rating", rating.as_str());
                c.set("rated_at", now);
                c.deltas.add(Counter::Rated, 1);
                c.deltas.add(
                    match rating {
                        Rating::Satisfied => Counter::Satisfied,
                        Rating::BasicallySatisfied => Counter::BasicallySatisfied,
                        Rating::Unsatisfied => Counter::Unsatisfied,
                    },
                    1,
                );
                c.data.insert("rating".into(), json!(rating));
            }
            Action::Merge => {
                let t = input.merge_into.as_deref().map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| {
                    StoreError::invalid("merge_into", "请填写重复的诉求编号 (merge_into is required)")
                })?;
                let target = self
                    .appeal(who, t)
                    .await
                    .map_err(|_| StoreError::missing("merge_into", format!("诉求“{t}”不存在 (no such appeal)")))?;
                if target.id == a.id || !target.is_open {
                    return Err(StoreError::invalid(
                        "merge_into",
                        "只能合并到另一件未办结的诉求 (must be another open appeal)",
                    ));
                }
                // A duplicate counts once, as the appeal it joins: everything this one added
                // to the measures (received, responded, overdue, …) is taken back.
                c.deltas.merge(&self.appeal_counts(a.id).await?.negated());
                c.set("merged_into", target.id);
                c.set("closed_at", now);
                c.set("next_check_at", Value::Ts(None));
                c.data.insert("merged_into".into(), json!(target.number));
            }
            Action::RequestHold => {
                c.set("pending", "hold");
            }
            Action::RequestExtension => {
                let l = input.limit.as_deref().unwrap_or("");
                let limit = TimeLimit::parse(l).ok_or_else(|| {
                    StoreError::invalid("limit", format!("“{l}”不是时限，例如 3wd、24h、5wh (not a time limit)"))
                })?;
                c.set("pending", "extension");
                c.set("pending_limit", limit.code());
                c.data.insert("limit".into(), json!(limit.code()));
            }
            Action::Approve => {
                c.set("pending", Value::Text(None));
                c.set("pending_limit", Value::Text(None));
                if a.pending.as_deref() == Some("hold") {
                    c.set("hold_since", now);
                    c.set("next_check_at", Value::Ts(None));
                    c.data.insert("approved".into(), json!("hold"));
                } else {
                    let limit =
                        a.pending_limit.as_deref().and_then(TimeLimit::parse).ok_or_else(|| StoreError::Conflict {
                            field: "action".into(),
                            message: "延期申请缺少时限 (no limit requested)".into(),
                        })?;
                    let due = due_after(&cfg, a.resolve_due_at.max(now), limit)?;
                    let warn = warn_time(now, due);
                    c.set("resolve_due_at", due);
                    c.set("warn_at", warn);
                    c.set("warned", false);
                    c.set("overdue", false);
                    c.set("next_check_at", warn);
                    c.data.insert("approved".into(), json!("extension"));
                    c.data.insert("resolve_due_at".into(), json!(due));
                }
            }
            Action::Reject => {
                c.set("pending", Value::Text(None));
                c.set("pending_limit", Value::Text(None));
            }
            Action::Resume => {
                let held = now - a.hold_since.unwrap_or(now);
                let due = a.resolve_due_at + held;
                let warn = a.warn_at + held;
                c.set("hold_since", Value::Ts(None));
                c.set("resolve_due_at", due);
                c.set("warn_at", warn);
                c.set("next_check_at", if a.warned { due } else { warn });
            }
            Action::Start | Action::Verify | Action::Comment => {}
            Action::Create | Action::Warn | Action::Overdue => unreachable_system(action)?,
        }
        if action == Action::Verify || action == Action::Rework {
            c.data.insert("by".into(), json!(if actors.contains(&Actor::Reporter) { "reporter" } else { "staff" }));
        }
        let mut tx = self.begin().await?;
        self.write_transition(&mut tx, &cfg, &a, action, to, c, who.user_id, &who.name, note, now).await?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &a.handler_path,
                action: "appeal.action",
                object: format!("appeal {}", a.number),
                summary: json!({"action": action, "from": a.status, "to": to}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        self.appeal_row(a.id).await
    }

    /// Writes one transition: the row (checking the version), the timeline event and the
    /// notifications. Shared by people and the clock.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_transition(
        &self,
        tx: &mut Tx,
        cfg: &AppealConfig,
        a: &AppealRow,
        action: Action,
        to: Status,
        c: Changes,
        actor_user: Option<Uuid>,
        actor_name: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut vals: Vec<Value> = vec![to.as_str().into(), Value::from(to.is_open()), now.into()];
        let mut sql =
            String::from("UPDATE appeals SET status = $1, is_open = $2, updated_at = $3, version = version + 1");
        let mut level = a.level();
        for (col, v) in c.sets {
            if col == "handler_level" {
                if let Value::Text(Some(l)) = &v {
                    level = Level::parse(l).unwrap_or(level);
                }
            }
            vals.push(v);
            sql.push_str(&format!(", {col} = ${}", vals.len()));
        }
        vals.push(a.id.into());
        vals.push(a.version.into());
        sql.push_str(&format!(" WHERE id = ${} AND version = ${}", vals.len() - 1, vals.len()));
        if exec(tx, &sql, &vals).await? == 0 {
            return Err(stale(a));
        }
        // Counted at the level that did it (the old level for a move up).
        let counted_level = if c.moved_to.is_some() { a.level() } else { level };
        insert_event(
            tx,
            NewEvent {
                appeal_id: a.id,
                at: now,
                action,
                actor_user_id: actor_user,
                actor_name,
                from: Some(a.status()),
                to,
                level: counted_level,
                note,
                data: serde_json::Value::Object(c.data),
                deltas: c.deltas,
            },
        )
        .await?;
        let handler = c.moved_to.as_deref().unwrap_or(&a.handler_path);
        outbox::enqueue(tx, cfg, a.id, a.number, action, handler, &a.category_code, level, now).await?;
        Ok(())
    }

    /// The counters the last resolution added, to take back on rework or reopening.
    /// Everything an appeal's events have added to the measures so far.
    async fn appeal_counts(&self, id: Uuid) -> Result<Counts> {
        let rows: Vec<(String,)> =
            fetch_all(&self.db, "SELECT deltas FROM appeal_events WHERE appeal_id = $1", &[id.into()]).await?;
        let mut total = Counts::default();
        for (d,) in rows {
            total.merge(&Counts::decode(&d));
        }
        Ok(total)
    }

    async fn last_resolution(&self, id: Uuid) -> Result<Counts> {
        let d: Option<(String,)> = fetch_optional(
            &self.db,
            "SELECT deltas FROM appeal_events WHERE appeal_id = $1 AND action = 'resolve' ORDER BY seq DESC LIMIT 1",
            &[id.into()],
        )
        .await?;
        Ok(d.map(|(s,)| Counts::decode(&s)).unwrap_or_default())
    }

    /// The user, if they may handle appeals at this handler node.
    async fn appeal_handler_user(&self, username: &str, handler_path: &str) -> Result<Option<Uuid>> {
        let rows: Vec<(Uuid, String, String)> = fetch_all(
            &self.db,
            "SELECT u.id, g.role, g.path FROM users u JOIN role_grants g ON g.user_id = u.id WHERE u.username = $1 AND u.disabled = FALSE",
            &[username.into()],
        )
        .await?;
        Ok(rows
            .into_iter()
            .find(|(_, role, path)| {
                Role::parse(role).is_some_and(|r| r.allows(Permission::HandleAppeals))
                    && crate::territory::Subtree::of(path).covers(handler_path)
            })
            .map(|(id, _, _)| id))
    }
}

fn stale(a: &AppealRow) -> StoreError {
    StoreError::Conflict {
        field: "version".into(),
        message: format!("诉求已被他人更新，请刷新后重试 (appeal {} changed since version {})", a.number, a.version),
    }
}

fn unreachable_system(action: Action) -> Result<()> {
    Err(StoreError::invalid("action", format!("“{}”由系统执行 (taken by the system only)", action.label_zh())))
}
