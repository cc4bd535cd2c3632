//! Filing: an appeal checked, routed to the lowest staffed level, given its clocks, and
//! handed to the intake writer.

use super::*;

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
pub(crate) struct ChainNode {
    id: Uuid,
    kind: String,
    path: String,
    staffed: bool,
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
        let tracking_code = match reporter_user.is_none() && reporter_person.is_none() {
            true => Some(self.new_tracking_code().await?),
            false => None,
        };

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
        let dup_places = duplicates::places(loc.id, nodes.iter().find(|n| n.kind == "building").map(|n| n.id));
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

    /// A short tracking code not yet in use (see `jiayuan_domain::appeal::tracking`).
    async fn new_tracking_code(&self) -> Result<String> {
        use jiayuan_domain::appeal::tracking;
        use rand::Rng;
        for _ in 0..8 {
            let code = tracking::encode(rand::rngs::OsRng.gen_range(0..tracking::SPACE));
            let taken = fetch_optional::<(i64,)>(
                &self.db,
                "SELECT 1 FROM appeals WHERE track_hash = $1",
                &[crate::accounts::token_hash(&code).into()],
            )
            .await?;
            if taken.is_none() {
                return Ok(code);
            }
        }
        Err(StoreError::Busy("no free tracking code after 8 draws".into()))
    }
}
