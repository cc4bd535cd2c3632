//! What each action changes on an appeal: one small effect per action, collected as
//! [`Changes`] before the single versioned UPDATE in `lifecycle`. Most are pure functions of
//! the appeal, the input and the time; the few that look something up say so by being async.

use super::config::AppealConfig;
use super::{due_after, parent_path, warn_time, AppealRow, Viewer};
use crate::batch::fetch_optional;
use crate::batch::Value;
use crate::model::{Territory, TERRITORY_COLS};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::appeal::limits::TimeLimit;
use jiayuan_domain::appeal::measure::{Counter, Counts};
use jiayuan_domain::appeal::{Action, Level, Rating, Urgency};
use jiayuan_domain::TerritoryKind;
use serde_json::json;

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
    /// Rate: the stars given (1–5), which decide the rating when none is named.
    pub stars: Option<i64>,
    /// Merge: the appeal (number or id) this one duplicates.
    pub merge_into: Option<String>,
    /// Request an extension: how much more time (`3wd`, `24h`).
    pub limit: Option<String>,
}

/// The column changes of one transition, collected before the single UPDATE.
#[derive(Default)]
pub(crate) struct Changes {
    pub(crate) sets: Vec<(&'static str, Value)>,
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

/// One action being taken: who, on what, with what input, when.
pub(crate) struct Step<'a> {
    pub store: &'a Store,
    pub who: &'a Viewer,
    pub cfg: &'a AppealConfig,
    pub a: &'a AppealRow,
    pub input: &'a ActInput,
    pub now: DateTime<Utc>,
}

impl Step<'_> {
    /// The changes `action` makes. The lifecycle has already checked that the state allows
    /// it and that the viewer may take it.
    pub(crate) async fn effect(&self, action: Action) -> Result<Changes> {
        match action {
            Action::Accept => Ok(self.accept()),
            Action::Decline => Ok(self.decline()),
            Action::Dispatch => self.dispatch().await,
            Action::Escalate => self.move_up(Counter::Escalated).await,
            Action::Return => self.move_up(Counter::Returned).await,
            Action::Assign => self.assign().await,
            Action::AskHelp => Ok(self.ask_help()),
            Action::Resolve => Ok(self.resolve()),
            Action::Rework => self.redo(false).await,
            Action::Reopen => self.redo(true).await,
            Action::Close => Ok(self.close()),
            Action::Rate => self.rate(),
            Action::Merge => self.merge().await,
            Action::RequestHold => Ok(self.request_hold()),
            Action::RequestExtension => self.request_extension(),
            Action::Approve => self.approve(),
            Action::Reject => Ok(self.reject()),
            Action::Resume => Ok(self.resume()),
            Action::Start | Action::Verify | Action::Comment => Ok(Changes::default()),
            Action::Create | Action::Warn | Action::Overdue => Err(StoreError::invalid(
                "action",
                format!("“{}”由系统执行 (taken by the system only)", action.label_zh()),
            )),
        }
    }

    /// The first answer to the reporter, on time or not (accepting or declining).
    fn respond(&self) -> Changes {
        let mut c = Changes::default();
        if self.a.responded_at.is_none() {
            c.set("responded_at", self.now);
            c.deltas.add(Counter::Responded, 1);
            if self.now <= self.a.response_due_at {
                c.deltas.add(Counter::RespondedOnTime, 1);
            }
        }
        c
    }

    fn accept(&self) -> Changes {
        let mut c = self.respond();
        let warn = warn_time(self.now, self.a.resolve_due_at.max(self.now));
        c.set("warn_at", warn);
        c.set("warned", false);
        c.set("next_check_at", warn);
        c
    }

    fn decline(&self) -> Changes {
        let mut c = self.respond();
        c.deltas.add(Counter::Declined, 1);
        c.set("closed_at", self.now);
        c.set("next_check_at", Value::Ts(None));
        c
    }

    async fn dispatch(&self) -> Result<Changes> {
        let t = required(self.input.target.as_deref(), "target", "请选择转派到的区域 (target is required)")?;
        let scope = self.who.handle.as_ref().ok_or(StoreError::Forbidden(Permission::HandleAppeals))?;
        let node = self
            .store
            .territory_in(scope, t)
            .await
            .map_err(|_| StoreError::missing("target", format!("区域“{t}”不存在 (no such territory)")))?;
        let level = TerritoryKind::parse(&node.kind).and_then(Level::of_kind).ok_or_else(|| {
            StoreError::invalid("target", "只能转派到楼栋、小区、社区、街道或区 (not a handling level)")
        })?;
        let mut c = Changes::default();
        move_to(self.cfg, self.a, &mut c, level, &node, self.now)?;
        Ok(c)
    }

    /// Escalate (up, counted as escalated) or return (up to the level that sent it down).
    async fn move_up(&self, counted: Counter) -> Result<Changes> {
        let (level, node) = node_above(self.store, self.a).await?.ok_or_else(|| StoreError::Conflict {
            field: "action".into(),
            message: "已在最高层级 (already at the top level)".into(),
        })?;
        let mut c = Changes::default();
        move_to(self.cfg, self.a, &mut c, level, &node, self.now)?;
        c.set("escalations", self.a.escalations + 1);
        c.deltas.add(counted, 1);
        Ok(c)
    }

    async fn assign(&self) -> Result<Changes> {
        let name = required(self.input.assignee.as_deref(), "assignee", "请选择办理人 (assignee is required)")?;
        let uid = self.store.appeal_handler_user(name, &self.a.handler_path).await?.ok_or_else(|| {
            StoreError::invalid("assignee", format!("“{name}”不是本诉求所在层级的办理人员 (not a handler here)"))
        })?;
        let mut c = Changes::default();
        c.set("assignee_id", uid);
        c.data.insert("assignee".into(), json!(name));
        Ok(c)
    }

    fn ask_help(&self) -> Changes {
        let p = parent_path(&self.a.handler_path).unwrap_or_else(|| self.a.handler_path.clone());
        let mut c = Changes::default();
        c.set("helper_path", p.clone());
        c.data.insert("helper".into(), json!(p));
        c
    }

    fn resolve(&self) -> Changes {
        let (a, now) = (self.a, self.now);
        let mut c = Changes::default();
        c.set("resolved_at", now);
        c.set("next_check_at", Value::Ts(None));
        c.set("overdue", false);
        c.deltas.add(Counter::Resolved, 1);
        if now <= a.resolve_due_at && a.overdue_count == 0 {
            c.deltas.add(Counter::ResolvedOnTime, 1);
        }
        c.deltas.add(Counter::settled_at(a.level()), 1);
        c.deltas.add(Counter::HandlingMinutes, (now - a.created_at).num_minutes().max(0));
        c
    }

    /// Rework (the resolution was not accepted) or reopen (after closing): the resolution's
    /// counts are taken back and the resolve clock starts again.
    async fn redo(&self, reopen: bool) -> Result<Changes> {
        let (a, now) = (self.a, self.now);
        let mut c = Changes::default();
        c.deltas.merge(&self.store.last_resolution(a.id).await?.negated());
        if reopen {
            c.deltas.add(Counter::Reopened, 1);
            c.set("rating", Value::Text(None));
            c.set("rated_at", Value::Ts(None));
            c.set("closed_at", Value::Ts(None));
        }
        c.set("resolved_at", Value::Ts(None));
        let urgency = Urgency::parse(&a.urgency).unwrap_or(Urgency::Normal);
        let due = match self.cfg.category(&a.category_code) {
            Some(k) => due_after(self.cfg, now, k.resolve.get(urgency))?,
            None => a.resolve_due_at.max(now),
        };
        let warn = warn_time(now, due);
        c.set("resolve_due_at", due);
        c.set("warn_at", warn);
        c.set("warned", false);
        c.set("next_check_at", warn);
        Ok(c)
    }

    fn close(&self) -> Changes {
        let mut c = Changes::default();
        c.set("closed_at", self.now);
        c
    }

    fn rate(&self) -> Result<Changes> {
        let from_stars = match self.input.stars {
            Some(n) => Some(
                Rating::from_stars(n)
                    .ok_or_else(|| StoreError::invalid("stars", "星级应为 1 到 5 (stars are 1 to 5)"))?,
            ),
            None => None,
        };
        let rating = match (self.input.rating, from_stars) {
            (Some(r), Some(s)) if r != s => {
                return Err(StoreError::invalid("rating", "评价与星级不一致 (the rating does not match the stars)"))
            }
            (Some(r), _) | (None, Some(r)) => r,
            (None, None) => return Err(StoreError::invalid("rating", "请选择评价 (rating is required)")),
        };
        let mut c = Changes::default();
        c.set("rating", rating.as_str());
        c.set("rated_at", self.now);
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
        if let Some(n) = self.input.stars {
            c.data.insert("stars".into(), json!(n));
        }
        Ok(c)
    }

    async fn merge(&self) -> Result<Changes> {
        let a = self.a;
        let t =
            required(self.input.merge_into.as_deref(), "merge_into", "请填写重复的诉求编号 (merge_into is required)")?;
        let target = self
            .store
            .appeal(self.who, t)
            .await
            .map_err(|_| StoreError::missing("merge_into", format!("诉求“{t}”不存在 (no such appeal)")))?;
        if target.id == a.id || !target.is_open {
            return Err(StoreError::invalid(
                "merge_into",
                "只能合并到另一件未办结的诉求 (must be another open appeal)",
            ));
        }
        let mut c = Changes::default();
        // A duplicate counts once, as the appeal it joins: everything this one added to the
        // measures (received, responded, overdue, …) is taken back.
        c.deltas.merge(&self.store.appeal_counts(a.id).await?.negated());
        c.set("merged_into", target.id);
        c.set("closed_at", self.now);
        c.set("next_check_at", Value::Ts(None));
        c.data.insert("merged_into".into(), json!(target.number));
        Ok(c)
    }

    fn request_hold(&self) -> Changes {
        let mut c = Changes::default();
        c.set("pending", "hold");
        c
    }

    fn request_extension(&self) -> Result<Changes> {
        let l = self.input.limit.as_deref().unwrap_or("");
        let limit = TimeLimit::parse(l).ok_or_else(|| {
            StoreError::invalid("limit", format!("“{l}”不是时限，例如 3wd、24h、5wh (not a time limit)"))
        })?;
        let mut c = Changes::default();
        c.set("pending", "extension");
        c.set("pending_limit", limit.code());
        c.data.insert("limit".into(), json!(limit.code()));
        Ok(c)
    }

    /// Approves what is pending: a hold stops the clock, an extension moves the deadline.
    fn approve(&self) -> Result<Changes> {
        let (a, now) = (self.a, self.now);
        let mut c = self.reject();
        if a.pending.as_deref() == Some("hold") {
            c.set("hold_since", now);
            c.set("next_check_at", Value::Ts(None));
            c.data.insert("approved".into(), json!("hold"));
            return Ok(c);
        }
        let limit = a.pending_limit.as_deref().and_then(TimeLimit::parse).ok_or_else(|| StoreError::Conflict {
            field: "action".into(),
            message: "延期申请缺少时限 (no limit requested)".into(),
        })?;
        let due = due_after(self.cfg, a.resolve_due_at.max(now), limit)?;
        let warn = warn_time(now, due);
        c.set("resolve_due_at", due);
        c.set("warn_at", warn);
        c.set("warned", false);
        c.set("overdue", false);
        c.set("next_check_at", warn);
        c.data.insert("approved".into(), json!("extension"));
        c.data.insert("resolve_due_at".into(), json!(due));
        Ok(c)
    }

    /// Clears what is pending.
    fn reject(&self) -> Changes {
        let mut c = Changes::default();
        c.set("pending", Value::Text(None));
        c.set("pending_limit", Value::Text(None));
        c
    }

    /// The clock runs again after a hold, with the held time added to the deadlines.
    fn resume(&self) -> Changes {
        let a = self.a;
        let held = self.now - a.hold_since.unwrap_or(self.now);
        let (due, warn) = (a.resolve_due_at + held, a.warn_at + held);
        let mut c = Changes::default();
        c.set("hold_since", Value::Ts(None));
        c.set("resolve_due_at", due);
        c.set("warn_at", warn);
        c.set("next_check_at", if a.warned { due } else { warn });
        c
    }
}

/// A required text input, trimmed, or an error naming it.
fn required<'v>(v: Option<&'v str>, field: &str, message: &str) -> Result<&'v str> {
    v.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| StoreError::invalid(field, message))
}
