//! Moving an appeal through its lifecycle: who may take which action, what each action
//! changes, and the optimistic version check that turns a stale change into a conflict.

use super::config::AppealConfig;
pub use super::effects::ActInput;
use super::effects::{Changes, Step};
use super::parent_path;
use super::{insert_event, outbox, AppealRow, NewEvent, Viewer};
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all, fetch_optional, Value};
use crate::{Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use jiayuan_domain::access::{Permission, Role};
use jiayuan_domain::appeal::measure::Counts;
use jiayuan_domain::appeal::{self as rules, Action, Actor, Facts, Level, Pending, Rating, Status};
use serde_json::json;
use uuid::Uuid;

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
        let step = Step { store: self, who, cfg: &cfg, a: &a, input, now };
        let mut c = step.effect(action).await?;
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
    pub(crate) async fn appeal_counts(&self, id: Uuid) -> Result<Counts> {
        let rows: Vec<(String,)> =
            fetch_all(&self.db, "SELECT deltas FROM appeal_events WHERE appeal_id = $1", &[id.into()]).await?;
        let mut total = Counts::default();
        for (d,) in rows {
            total.merge(&Counts::decode(&d));
        }
        Ok(total)
    }

    pub(crate) async fn last_resolution(&self, id: Uuid) -> Result<Counts> {
        let d: Option<(String,)> = fetch_optional(
            &self.db,
            "SELECT deltas FROM appeal_events WHERE appeal_id = $1 AND action = 'resolve' ORDER BY seq DESC LIMIT 1",
            &[id.into()],
        )
        .await?;
        Ok(d.map(|(s,)| Counts::decode(&s)).unwrap_or_default())
    }

    /// The user, if they may handle appeals at this handler node.
    pub(crate) async fn appeal_handler_user(&self, username: &str, handler_path: &str) -> Result<Option<Uuid>> {
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
