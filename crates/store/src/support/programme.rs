//! The community secretaries' development programme (全面成长计划): events held by the district
//! or a subdistrict — the monthly forum, the quarterly 思享会, the half-yearly 提级述职, the
//! year-end 擂台比武 — with each secretary's attendance and, at scored events, their score;
//! the year's standings per territory and a secretary's record (`jiayuan_domain::secretary`).
//!
//! The secretaries are the community workers on a head's post (社区正职) under the event's
//! territory. Who: `RunProgramme` (district, subdistrict) holds events and records them;
//! `ManageWorkers` reads the standings and records of its scope.

use crate::access::Principal;
use crate::audit::{self, AuditCtx};
use crate::batch::{exec, fetch_all, fetch_optional, QueryParts};
use crate::service::text;
use crate::subtree::Subtree;
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::secretary::{self as rules, ProgrammeKind, YearLine};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProgrammeEvent {
    pub id: Uuid,
    pub territory_code: String,
    pub territory_name: String,
    pub path: String,
    pub kind: String,
    pub held_on: NaiveDate,
    pub title: String,
    pub note: String,
    pub attended: i64,
}

#[derive(Debug, Clone)]
pub struct NewProgrammeEvent {
    pub territory: String,
    pub kind: ProgrammeKind,
    pub held_on: NaiveDate,
    pub title: String,
    pub note: String,
}

/// A secretary expected at an event, with what was recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RosterLine {
    pub worker_id: Uuid,
    pub name: String,
    pub community_name: String,
    pub attended: Option<bool>,
    pub score: Option<i64>,
}

/// One secretary's line as recorded: attended, and the score (scored events only).
#[derive(Debug, Clone)]
pub struct Presence {
    pub worker: Uuid,
    pub attended: bool,
    pub score: Option<i64>,
}

/// A line of the standings, with who the secretary is.
#[derive(Debug, Clone)]
pub struct StandingLine {
    pub line: YearLine<Uuid>,
    pub name: String,
    pub community_name: String,
}

/// A secretary's events of a year: (event, attended, score).
pub type ProgrammeHistory = Vec<(ProgrammeEvent, bool, Option<i64>)>;

const EVENT_SELECT: &str = "SELECT e.id, t.code AS territory_code, t.name AS territory_name, e.path, e.kind, e.held_on,
    e.title, e.note,
    CAST((SELECT count(*) FROM programme_attendance a WHERE a.event_id = e.id AND a.attended) AS BIGINT) AS attended
  FROM programme_events e JOIN territories t ON t.id = e.territory_id";

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    let d = |y| NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default();
    (d(year), d(year + 1))
}

impl Store {
    /// Holds an event (once per territory, kind and day: 409).
    pub async fn create_programme_event(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        e: &NewProgrammeEvent,
        now: DateTime<Utc>,
    ) -> Result<ProgrammeEvent> {
        let scope = who.scope(Permission::RunProgramme).map_err(|_| StoreError::Forbidden(Permission::RunProgramme))?;
        let t = match self.territory_by_code(&e.territory).await {
            Ok(t) if scope.covers(&t) && matches!(t.kind.as_str(), "district" | "subdistrict") => t,
            _ => {
                return Err(StoreError::missing(
                    "territory",
                    "没有这一区或街道，或不在您的范围内 (a district or subdistrict of your scope)",
                ))
            }
        };
        if e.held_on > jiayuan_domain::time::beijing(now).date() || e.held_on.year() < 2000 {
            return Err(StoreError::invalid("held_on", "日期应在2000年以后且不晚于今天 (not ahead of today)"));
        }
        let title = text("title", &e.title, 2, 100)?;
        let note = text("note", &e.note, 0, 2000)?;
        let id = new_id();
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO programme_events (id, territory_id, path, kind, held_on, title, note, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                id.into(),
                t.id.into(),
                t.path.clone().into(),
                e.kind.as_str().into(),
                e.held_on.into(),
                title.into(),
                note.into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await
        .map_err(|err| match err {
            StoreError::Conflict { .. } => {
                StoreError::conflict("held_on", "同一天已有这一活动 (this event is on record for the day)")
            }
            other => other,
        })?;
        audit::record(&mut tx, ctx, &t.path, "programme.event", id, json!({"kind": e.kind.as_str()})).await?;
        tx.commit().await?;
        self.programme_event(who, id).await.map(|(e, _)| e)
    }

    /// The events of a year held by territories of the scope (or above it), the latest first.
    pub async fn programme_events(&self, who: &Principal, year: i32) -> Result<Vec<ProgrammeEvent>> {
        let scope = self.programme_scope(who)?;
        let (from, to) = year_bounds(year);
        let rows: Vec<ProgrammeEvent> = fetch_all(
            &self.db,
            &format!("{EVENT_SELECT} WHERE e.held_on >= $1 AND e.held_on < $2 ORDER BY e.held_on DESC, e.kind"),
            &[from.into(), to.into()],
        )
        .await?;
        // An event concerns a scope it is over (the district's) or inside (a subdistrict's).
        Ok(rows.into_iter().filter(|e| scope.iter().any(|s| concerns(&e.path, s))).collect())
    }

    /// The subtrees `who` reads the programme over.
    fn programme_scope(&self, who: &Principal) -> Result<Vec<String>> {
        let mut roots: Vec<String> = Vec::new();
        for p in [Permission::RunProgramme, Permission::ManageWorkers] {
            if let Ok(s) = who.scope(p) {
                roots.extend(s.roots().into_iter().map(str::to_string));
            }
        }
        if roots.is_empty() {
            return Err(StoreError::Forbidden(Permission::ManageWorkers));
        }
        Ok(roots)
    }

    /// An event with its roster: every head-post worker under its territory, with what was
    /// recorded for them.
    pub async fn programme_event(&self, who: &Principal, id: Uuid) -> Result<(ProgrammeEvent, Vec<RosterLine>)> {
        let scope = self.programme_scope(who)?;
        let e: Option<ProgrammeEvent> =
            fetch_optional(&self.db, &format!("{EVENT_SELECT} WHERE e.id = $1"), &[id.into()]).await?;
        let e = match e {
            Some(e) if scope.iter().any(|s| concerns(&e.path, s)) => e,
            _ => return Err(StoreError::missing("event", "没有这一活动 (no such event)")),
        };
        let mut q = QueryParts::default();
        let within = Subtree::of(&e.path).sql(&mut q, "w.path");
        let ev = q.bind(e.id);
        let roster: Vec<RosterLine> = fetch_all(
            &self.db,
            &format!(
                "SELECT w.id AS worker_id, p.name, c.name AS community_name, a.attended, a.score
                 FROM community_workers w JOIN people p ON p.id = w.person_id JOIN territories c ON c.id = w.community_id
                 LEFT JOIN programme_attendance a ON a.worker_id = w.id AND a.event_id = {ev}
                 WHERE {within} AND w.post = 'principal' AND w.left_on IS NULL ORDER BY c.code, p.name_pinyin"
            ),
            &q.vals,
        )
        .await?;
        Ok((e, roster))
    }

    /// Records who attended and their scores (scored events only; a score only for one who
    /// attended), replacing what was recorded for them. All checked before anything is written.
    pub async fn record_programme(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        event: Uuid,
        lines: &[Presence],
        now: DateTime<Utc>,
    ) -> Result<(ProgrammeEvent, Vec<RosterLine>)> {
        let (e, roster) = self.programme_event(who, event).await?;
        if !who.scope(Permission::RunProgramme).is_ok_and(|s| s.covers_path(&e.path)) {
            return Err(StoreError::Forbidden(Permission::RunProgramme));
        }
        let kind = ProgrammeKind::try_from(e.kind.clone()).map_err(StoreError::Invalid)?;
        if lines.is_empty() || lines.len() > 2000 {
            return Err(StoreError::invalid("lines", "请记录1到2000位书记 (1 to 2,000 secretaries)"));
        }
        for (i, l) in lines.iter().enumerate() {
            let field = format!("lines[{i}]");
            if !roster.iter().any(|r| r.worker_id == l.worker) {
                return Err(StoreError::invalid(
                    &field,
                    "不是本活动范围内的社区党组织书记(社区正职) (not a head-post worker under the event's territory)",
                ));
            }
            if let Some(s) = l.score {
                if !kind.scored() {
                    return Err(StoreError::invalid(
                        &field,
                        format!("{}不评分 (this event is not scored)", kind.label_zh()),
                    ));
                }
                if !l.attended {
                    return Err(StoreError::invalid(&field, "未参加的不能评分 (a score needs attendance)"));
                }
                if !(0..=1000).contains(&s) {
                    return Err(StoreError::invalid(&field, "分数应在0到100之间 (0–100)"));
                }
            }
        }
        let mut tx = self.begin().await?;
        for l in lines {
            exec(
                &mut tx,
                "DELETE FROM programme_attendance WHERE event_id = $1 AND worker_id = $2",
                &[event.into(), l.worker.into()],
            )
            .await?;
            exec(
                &mut tx,
                "INSERT INTO programme_attendance (event_id, worker_id, attended, score, recorded_by, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[event.into(), l.worker.into(), l.attended.into(), l.score.into(), who.user_id.into(), now.into()],
            )
            .await?;
        }
        audit::record(&mut tx, ctx, &e.path, "programme.attendance", event, json!({"lines": lines.len()})).await?;
        tx.commit().await?;
        self.programme_event(who, event).await
    }

    /// The year's standings of the head-post workers under a territory: the events they were
    /// expected at (held by that territory or above it), attended, and the scores received.
    pub async fn programme_standings(&self, who: &Principal, within: &str, year: i32) -> Result<Vec<StandingLine>> {
        let scope = self.programme_scope(who)?;
        let t = self
            .territory_by_code(within)
            .await
            .map_err(|_| StoreError::missing("within", "没有这一区域 (no such territory)"))?;
        if !scope.iter().any(|s| Subtree::of(s).covers(&t.path) || Subtree::of(&t.path).covers(s)) {
            return Err(StoreError::missing("within", "没有这一区域，或不在您的范围内 (not in your scope)"));
        }
        let mut q = QueryParts::default();
        let inside = Subtree::of(&t.path).sql(&mut q, "w.path");
        let workers: Vec<(Uuid, String, String, String)> = fetch_all(
            &self.db,
            &format!(
                "SELECT w.id, p.name, c.name, w.path FROM community_workers w JOIN people p ON p.id = w.person_id
                 JOIN territories c ON c.id = w.community_id WHERE {inside} AND w.post = 'principal' AND w.left_on IS NULL"
            ),
            &q.vals,
        )
        .await?;
        let (from, to) = year_bounds(year);
        let events: Vec<(Uuid, String)> = fetch_all(
            &self.db,
            "SELECT id, path FROM programme_events WHERE held_on >= $1 AND held_on < $2",
            &[from.into(), to.into()],
        )
        .await?;
        let records: Vec<(Uuid, Uuid, bool, Option<i64>)> = fetch_all(
            &self.db,
            "SELECT a.event_id, a.worker_id, a.attended, a.score FROM programme_attendance a
             JOIN programme_events e ON e.id = a.event_id WHERE e.held_on >= $1 AND e.held_on < $2",
            &[from.into(), to.into()],
        )
        .await?;
        let mut by_worker: HashMap<Uuid, Vec<(Uuid, bool, Option<i64>)>> = HashMap::new();
        for (ev, w, att, score) in records {
            by_worker.entry(w).or_default().push((ev, att, score));
        }
        let rows: Vec<(Uuid, i64, i64, Vec<i64>)> = workers
            .iter()
            .map(|(id, _, _, path)| {
                // Events held over the secretary's community: by its subdistrict or the district.
                let held: Vec<Uuid> =
                    events.iter().filter(|(_, p)| Subtree::of(p).covers(path)).map(|(e, _)| *e).collect();
                let mine = by_worker.get(id).cloned().unwrap_or_default();
                let attended = mine.iter().filter(|m| m.1 && held.contains(&m.0)).count() as i64;
                let scores = mine.iter().filter(|m| held.contains(&m.0)).filter_map(|m| m.2).collect();
                (*id, held.len() as i64, attended, scores)
            })
            .collect();
        let names: HashMap<Uuid, (String, String)> = workers.into_iter().map(|(id, n, c, _)| (id, (n, c))).collect();
        Ok(rules::standings(&rows)
            .into_iter()
            .map(|line| {
                let (name, community_name) = names.get(&line.who).cloned().unwrap_or_default();
                StandingLine { line, name, community_name }
            })
            .collect())
    }

    /// A secretary's programme record for a year: every event held over their community, with
    /// attendance and score.
    pub async fn programme_record(&self, who: &Principal, worker: Uuid, year: i32) -> Result<ProgrammeHistory> {
        let rec = self.worker(who, worker).await?;
        let (from, to) = year_bounds(year);
        let events: Vec<ProgrammeEvent> = fetch_all(
            &self.db,
            &format!("{EVENT_SELECT} WHERE e.held_on >= $1 AND e.held_on < $2 ORDER BY e.held_on"),
            &[from.into(), to.into()],
        )
        .await?;
        let mine: Vec<(Uuid, bool, Option<i64>)> = fetch_all(
            &self.db,
            "SELECT event_id, attended, score FROM programme_attendance WHERE worker_id = $1",
            &[worker.into()],
        )
        .await?;
        Ok(events
            .into_iter()
            .filter(|e| Subtree::of(&e.path).covers(&rec.worker.path))
            .map(|e| {
                let m = mine.iter().find(|m| m.0 == e.id);
                let (attended, score) = (m.is_some_and(|m| m.1), m.and_then(|m| m.2));
                (e, attended, score)
            })
            .collect())
    }
}

/// Whether an event held over `event_path` concerns someone reading `scope_root`: it is held
/// over their scope or inside it.
fn concerns(event_path: &str, scope_root: &str) -> bool {
    Subtree::of(event_path).covers(scope_root) || Subtree::of(scope_root).covers(event_path)
}
