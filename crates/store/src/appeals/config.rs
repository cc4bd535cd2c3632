//! What appeal handling is configured with: the current category tree, routing rules, the
//! calendar, office hours, rate formulas and notification channels. Read on every write, so
//! it is cached and reloaded when changed here, or within a minute when changed elsewhere.

use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all, fetch_optional};
use crate::{new_id, Result, Store, StoreError};
use jiayuan_domain::appeal::category::{self, Category, CategoryRow};
use jiayuan_domain::appeal::limits::OfficeHours;
use jiayuan_domain::appeal::measure::{self, Formula, Rate};
use jiayuan_domain::appeal::routing::RoutingRule;
use jiayuan_domain::appeal::Level;
use jiayuan_domain::calendar::WorkCalendar;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A category row as read: code, parent, names, lowest level, limits.
type CategoryTuple =
    (String, Option<String>, String, String, Option<String>, Option<String>, Option<String>, Option<bool>);
/// A channel row as read: id, name, kind, url, secret, path, events.
type ChannelTuple = (Uuid, String, String, String, Option<String>, String, String);

const RELOAD_AFTER: Duration = Duration::from_secs(60);
/// The setting that holds the district's extent.
pub const DISTRICT_BOUNDS: &str = "district_bounds";

/// A notification channel, with its secret decrypted.
#[derive(Debug, Clone)]
pub struct Channel {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub secret: Option<String>,
    pub path: String,
    pub events: Vec<String>,
}

#[derive(Debug)]
pub struct AppealConfig {
    pub version: i64,
    /// In tree order.
    pub categories: Vec<Category>,
    by_code: BTreeMap<String, usize>,
    pub rules: Vec<RoutingRule>,
    pub calendar: WorkCalendar,
    pub hours: OfficeHours,
    pub formulas: Vec<(Rate, Formula)>,
    /// Each rate's target in percent (`target.response_rate`, …), defaults where unset.
    pub targets: Vec<(Rate, f64)>,
    pub channels: Vec<Channel>,
    /// The district's extent (`district_bounds`: south,west,north,east): a reported point
    /// outside it is refused.
    pub district_bounds: Option<jiayuan_domain::geo::Bounds>,
    loaded: Instant,
}

impl AppealConfig {
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.by_code.get(code.trim()).map(|i| &self.categories[*i])
    }

    pub fn formula(&self, r: Rate) -> Formula {
        self.formulas
            .iter()
            .find(|(k, _)| *k == r)
            .map(|(_, f)| f.clone())
            .or_else(|| Formula::parse(r.default_formula()).ok())
            .unwrap_or(Formula { numerator: vec![], denominator: vec![] })
    }

    /// The rate's target in percent.
    pub fn target(&self, r: Rate) -> f64 {
        self.targets.iter().find(|(k, _)| *k == r).map(|(_, t)| *t).unwrap_or_else(|| r.default_target())
    }
}

/// Places and routing chains are kept this long.
const PLACE_TTL: Duration = Duration::from_secs(30);
/// And at most this many of each (then the map starts over).
const PLACE_MAX: usize = 100_000;

type Timed<T> = std::sync::Mutex<std::collections::HashMap<String, (Instant, T)>>;

/// The process-wide cache of [`AppealConfig`], and of the places and routing chains that
/// filing looks up.
#[derive(Debug, Default)]
pub struct ConfigCache {
    config: RwLock<Option<Arc<AppealConfig>>>,
    places: Timed<crate::model::Territory>,
    chains: Timed<Vec<super::filing::ChainNode>>,
}

fn get_timed<T: Clone>(m: &Timed<T>, k: &str) -> Option<T> {
    let g = m.lock().ok()?;
    g.get(k).filter(|(at, _)| at.elapsed() < PLACE_TTL).map(|(_, v)| v.clone())
}

fn put_timed<T>(m: &Timed<T>, k: String, v: T) {
    if let Ok(mut g) = m.lock() {
        if g.len() >= PLACE_MAX {
            g.clear();
        }
        g.insert(k, (Instant::now(), v));
    }
}

impl ConfigCache {
    /// Forgets everything: after a change to categories, rules, settings, channels, the
    /// territory tree or role grants.
    pub fn clear(&self) {
        if let Ok(mut g) = self.config.write() {
            *g = None;
        }
        if let Ok(mut g) = self.places.lock() {
            g.clear();
        }
        if let Ok(mut g) = self.chains.lock() {
            g.clear();
        }
    }

    pub(crate) fn territory(&self, k: &str) -> Option<crate::model::Territory> {
        get_timed(&self.places, k)
    }

    pub(crate) fn put_territory(&self, k: String, t: crate::model::Territory) {
        put_timed(&self.places, k, t)
    }

    pub(crate) fn chain(&self, path: &str) -> Option<Vec<super::filing::ChainNode>> {
        get_timed(&self.chains, path)
    }

    pub(crate) fn put_chain(&self, path: String, c: Vec<super::filing::ChainNode>) {
        put_timed(&self.chains, path, c)
    }
}

fn setting_key(r: Rate) -> String {
    format!("formula.{}", r.as_str())
}

fn target_key(r: Rate) -> String {
    format!("target.{}", r.as_str())
}

impl Store {
    /// The configuration in force, from the cache when fresh.
    pub async fn appeal_config(&self) -> Result<Arc<AppealConfig>> {
        if let Ok(g) = self.cache.config.read() {
            if let Some(c) = g.as_ref().filter(|c| c.loaded.elapsed() < RELOAD_AFTER) {
                return Ok(c.clone());
            }
        }
        let c = Arc::new(self.load_appeal_config().await?);
        if let Ok(mut g) = self.cache.config.write() {
            *g = Some(c.clone());
        }
        Ok(c)
    }

    async fn load_appeal_config(&self) -> Result<AppealConfig> {
        let version: Option<(i64,)> = fetch_optional(
            &self.db,
            "SELECT max(version) FROM appeal_category_versions HAVING max(version) IS NOT NULL",
            &[],
        )
        .await?;
        let version = version.map(|v| v.0).unwrap_or(0);
        let rows = self.category_rows_of(version).await?;
        let categories = if rows.is_empty() { vec![] } else { category::build(&rows).map_err(anyhow::Error::msg)? };
        let by_code = categories.iter().enumerate().map(|(i, c)| (c.code.clone(), i)).collect();
        let rules: Vec<(String, String, String, Option<String>)> =
            fetch_all(&self.db, "SELECT category, path, lowest_level, department FROM routing_rules", &[]).await?;
        let rules = rules
            .into_iter()
            .filter_map(|(category, path, lowest, department)| {
                Some(RoutingRule { category, path, lowest: Level::parse(&lowest)?, department })
            })
            .collect();
        let settings: Vec<(String, String)> = fetch_all(&self.db, "SELECT key, value FROM settings", &[]).await?;
        let get = |k: &str| settings.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let hours = get("office_hours").and_then(|v| OfficeHours::parse(&v).ok()).unwrap_or_default();
        let district_bounds = get(DISTRICT_BOUNDS).and_then(|v| jiayuan_domain::geo::Bounds::parse(&v).ok());
        let formulas = Rate::ALL
            .iter()
            .map(|r| {
                let text = get(&setting_key(*r)).unwrap_or_else(|| r.default_formula().to_string());
                let f = Formula::parse(&text).or_else(|_| Formula::parse(r.default_formula()));
                f.map(|f| (*r, f))
            })
            .collect::<std::result::Result<Vec<_>, String>>()
            .map_err(anyhow::Error::msg)?;
        let targets = Rate::ALL
            .iter()
            .map(|r| {
                let t = get(&target_key(*r)).and_then(|v| measure::parse_target(&v).ok());
                (*r, t.unwrap_or_else(|| r.default_target()))
            })
            .collect();
        let chans: Vec<ChannelTuple> = fetch_all(
            &self.db,
            "SELECT id, name, kind, url, secret_enc, path, events FROM notify_channels WHERE active = TRUE ORDER BY created_at",
            &[],
        )
        .await?;
        let mut channels = Vec::new();
        for (id, name, kind, url, secret, path, events) in chans {
            channels.push(Channel {
                id,
                name,
                kind,
                url,
                secret: self.crypto.decrypt_opt(secret.as_deref())?,
                path,
                events: events.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
            });
        }
        Ok(AppealConfig {
            version,
            categories,
            by_code,
            rules,
            calendar: self.work_calendar().await?,
            hours,
            formulas,
            targets,
            channels,
            district_bounds,
            loaded: Instant::now(),
        })
    }

    /// Seeds category version 1 and the appeal counter in a database that has none.
    pub async fn seed_appeal_config(&self) -> Result<()> {
        let have: Option<(i64,)> =
            fetch_optional(&self.db, "SELECT version FROM appeal_category_versions LIMIT 1", &[]).await?;
        if have.is_none() {
            let rows = category::parse_tsv(category::SEED).map_err(anyhow::Error::msg)?;
            self.write_category_version(&AuditCtx::operator("migrate"), &rows, "初始分类 (seed)").await?;
        }
        self.backfill_monthly_rollups().await
    }

    /// Writes a new version of the whole category tree, after checking it. Existing appeals
    /// keep the version they were filed under.
    pub async fn write_category_version(&self, ctx: &AuditCtx, rows: &[CategoryRow], note: &str) -> Result<i64> {
        category::build(rows).map_err(|m| StoreError::invalid("categories", m))?;
        let mut tx = self.begin().await?;
        let version: i64 = crate::on_tx!(&mut tx, |c| sqlx::query_scalar::<_, Option<i64>>(
            "SELECT max(version) FROM appeal_category_versions"
        )
        .fetch_one(c)
        .await?)
        .unwrap_or(0)
            + 1;
        exec(
            &mut tx,
            "INSERT INTO appeal_category_versions (version, note, created_by, created_at) VALUES ($1, $2, $3, $4)",
            &[version.into(), note.into(), ctx.actor.clone().into(), chrono::Utc::now().into()],
        )
        .await?;
        for (i, r) in rows.iter().enumerate() {
            exec(
                &mut tx,
                "INSERT INTO appeal_categories (version, code, parent_code, name_zh, name_en, lowest_level, response_limits, resolve_limits, ord, sensitive)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[
                    version.into(),
                    r.code.trim().into(),
                    r.parent.clone().into(),
                    r.name_zh.trim().into(),
                    r.name_en.trim().into(),
                    r.lowest_level.clone().into(),
                    r.response.clone().into(),
                    r.resolve.clone().into(),
                    (i as i64).into(),
                    r.sensitive.into(),
                ],
            )
            .await?;
        }
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: "/",
                action: "appeal.categories",
                object: format!("version {version}"),
                summary: json!({"version": version, "categories": rows.len(), "note": note}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        self.cache.clear();
        Ok(version)
    }

    /// The rows of a version, as written (for export and editing).
    pub async fn category_rows_of(&self, version: i64) -> Result<Vec<CategoryRow>> {
        let rows: Vec<CategoryTuple> = fetch_all(
            &self.db,
            "SELECT code, parent_code, name_zh, name_en, lowest_level, response_limits, resolve_limits, sensitive
             FROM appeal_categories WHERE version = $1 ORDER BY ord",
            &[version.into()],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| CategoryRow {
                code: r.0,
                parent: r.1,
                name_zh: r.2,
                name_en: r.3,
                lowest_level: r.4,
                response: r.5,
                resolve: r.6,
                sensitive: r.7,
            })
            .collect())
    }

    /// Adds or replaces the routing rule for a category prefix in a subtree.
    pub async fn set_routing_rule(&self, ctx: &AuditCtx, rule: &RoutingRule) -> Result<()> {
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "DELETE FROM routing_rules WHERE category = $1 AND path = $2",
            &[rule.category.clone().into(), rule.path.clone().into()],
        )
        .await?;
        exec(
            &mut tx,
            "INSERT INTO routing_rules (id, category, path, lowest_level, department, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                new_id().into(),
                rule.category.clone().into(),
                rule.path.clone().into(),
                rule.lowest.as_str().into(),
                rule.department.clone().into(),
                chrono::Utc::now().into(),
            ],
        )
        .await?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &rule.path,
                action: "appeal.routing",
                object: format!("{} @ {}", rule.category, rule.path),
                summary: json!({"lowest": rule.lowest, "department": rule.department}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        self.cache.clear();
        Ok(())
    }

    /// Sets a rate's formula (`response_rate`, …), a rate's target in percent
    /// (`target.response_rate`, …), the office hours or the district's bounds, after checking
    /// the value.
    pub async fn set_appeal_setting(&self, ctx: &AuditCtx, key: &str, value: &str) -> Result<()> {
        let key = key.trim();
        let stored = if key == "office_hours" {
            OfficeHours::parse(value).map_err(|m| StoreError::invalid("office_hours", m))?;
            key.to_string()
        } else if key == DISTRICT_BOUNDS {
            jiayuan_domain::geo::Bounds::parse(value).map_err(|m| StoreError::invalid(DISTRICT_BOUNDS, m))?;
            key.to_string()
        } else if let Some(r) = Rate::ALL.iter().find(|r| target_key(**r) == key) {
            measure::parse_target(value).map_err(|m| StoreError::invalid(key, m))?;
            target_key(*r)
        } else if let Some(r) = Rate::ALL.iter().find(|r| setting_key(**r) == key || r.as_str() == key) {
            Formula::parse(value).map_err(|m| StoreError::invalid(r.as_str(), m))?;
            setting_key(*r)
        } else {
            return Err(StoreError::invalid("key", format!("未知设置“{key}” (unknown setting)")));
        };
        self.write_setting(ctx, &stored, value).await
    }

    async fn write_setting(&self, ctx: &AuditCtx, key: &str, value: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            &[key.into(), value.trim().into(), chrono::Utc::now().into()],
        )
        .await?;
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: "/",
                action: "appeal.setting",
                object: key.to_string(),
                summary: json!({"value": value.trim()}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        self.cache.clear();
        Ok(())
    }
}
