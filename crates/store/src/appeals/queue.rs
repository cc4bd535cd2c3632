//! The queue and the lists: what a viewer may see, filtered, in deadline order.

use super::*;

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
    /// With `mine`: only appeals handled at the viewer's own nodes, or where help was asked
    /// of them ("my to-dos"), not everything below that they oversee.
    pub here: bool,
    /// Only appeals where help was asked of the viewer's own nodes.
    pub helping: bool,
    /// Only open appeals warned of their deadline and not yet overdue.
    pub warned: bool,
    /// Only appeals whose current deadline (acceptance while new, else resolution) is before
    /// this time.
    pub due_before: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub category: Option<String>,
    /// One urgency (`normal`, `urgent`, `emergency`).
    pub urgency: Option<String>,
    /// One channel it came through (`walk_in`, `phone`, …).
    pub channel: Option<String>,
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
    /// The queue and the lists: what the viewer may see, filtered; open ones overdue first,
    /// then by deadline; others newest first.
    pub async fn list_appeals(
        &self,
        who: &Viewer,
        scope: Option<&Scope>,
        f: &AppealQuery,
        page: Page,
    ) -> Result<Paged<AppealRow>> {
        let (q, order) = self.appeal_filter(who, scope, f).await?;
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

    /// What a list holds, in its order, up to `max` rows, in one query: for the export.
    pub async fn export_appeals(
        &self,
        who: &Viewer,
        scope: Option<&Scope>,
        f: &AppealQuery,
        max: usize,
    ) -> Result<Vec<AppealRow>> {
        let (q, order) = self.appeal_filter(who, scope, f).await?;
        let w = q.where_clause();
        let sql = format!("SELECT {APPEAL_COLS} FROM appeals a{w} ORDER BY {order} LIMIT {max}");
        fetch_all(&self.db, &sql, &q.vals).await
    }

    /// The conditions of a list (what the viewer may see, the scope, the filters) and its
    /// order: open ones overdue first, then by deadline; others newest first.
    async fn appeal_filter(
        &self,
        who: &Viewer,
        scope: Option<&Scope>,
        f: &AppealQuery,
    ) -> Result<(QueryParts, &'static str)> {
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
            if f.here || f.helping {
                // My own desks: an equality on each, which the handling indexes answer.
                if who.desks.is_empty() {
                    q.cond("1 = 0".into());
                } else {
                    let ph: Vec<String> = who.desks.iter().map(|d| q.bind(d.clone())).collect();
                    let list = ph.join(",");
                    q.cond(if f.helping {
                        format!("a.helper_path IN ({list})")
                    } else {
                        format!("(a.handler_path IN ({list}) OR a.helper_path IN ({list}))")
                    });
                }
            } else if !h.is_everything() {
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
        if f.warned {
            q.cond("a.warned = TRUE AND a.overdue = FALSE".into());
        }
        if let Some(t) = f.due_before {
            let b = q.bind(t);
            q.cond(format!(
                "((a.status = 'new' AND a.response_due_at < {b}) OR (a.status <> 'new' AND a.resolve_due_at < {b}))"
            ));
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
        if let Some(u) = f.urgency.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q.cond_bind("a.urgency = {}", Urgency::parse_field(u, "urgency")?.as_str());
        }
        if let Some(c) = f.channel.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            q.cond_bind("a.channel = {}", Channel::parse_field(c, "channel")?.as_str());
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
        Ok((q, order))
    }
}

/// One recent step on some appeal the viewer may see, for the workbench's "latest" panel.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct RecentEvent {
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_name: String,
    pub to_status: String,
    pub appeal_id: Uuid,
    pub number: i64,
    pub title: String,
}

impl Store {
    /// The latest steps on appeals the viewer may see, newest first.
    pub async fn recent_appeal_events(&self, who: &Viewer, limit: i64) -> Result<Vec<RecentEvent>> {
        let mut q = QueryParts::default();
        who.restrict(&mut q);
        let w = q.where_clause();
        // Walks the events backwards by their key and stops at `limit` visible ones.
        let sql = format!(
            "SELECT e.at, e.action, e.actor_name, e.to_status, a.id AS appeal_id, a.number, a.title
             FROM appeal_events e JOIN appeals a ON a.id = e.appeal_id{w} ORDER BY e.seq DESC LIMIT {}",
            limit.clamp(1, 50)
        );
        fetch_all(&self.db, &sql, &q.vals).await
    }
}
