//! The appeal dashboard: a period by preset (本月, 本季, 本年, 自定义) named in the heading,
//! the three rates against their targets with the formulas in words, a trend with axes and
//! a legend, and a ranking of the parts below that drills down.

use crate::api::bj_time;
use crate::auth::Auth;
use crate::charts::{line_chart, Series};
use crate::error::ApiError;
use crate::pages::{render, thousands, OrPage, PageError, Ui};
use crate::shell::{current_grant, SCOPE_COOKIE};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use jiayuan_domain::access::Permission;
use jiayuan_domain::appeal::measure::{standing, Counter, Rate};
use jiayuan_domain::appeal::Level;
use jiayuan_domain::time::Period;
use jiayuan_domain::TerritoryKind;
use jiayuan_store::appeals::rollup::MeasureQuery;
use jiayuan_store::appeals::Viewer;
use jiayuan_store::model::Territory;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct DashboardParams {
    /// `month` (default), `quarter`, `year` or `custom` (with `from` and `to`).
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// A territory id or code; default: where the account's pages start.
    pub within: Option<String>,
    pub category: Option<String>,
    pub level: Option<String>,
}

pub struct Figure {
    pub label: &'static str,
    pub value: String,
    pub formula: String,
    /// `met`, `near`, `missed` against a target, or empty.
    pub class: &'static str,
    pub target: String,
}

pub struct ChartBar {
    pub label: String,
    pub value: i64,
    pub shown: String,
    pub percent: i64,
}

/// One part below in the ranking.
pub struct Ranked {
    pub name: String,
    pub href: String,
    pub received: String,
    pub resolution: String,
    pub resolution_class: &'static str,
    pub satisfaction: String,
    pub satisfaction_class: &'static str,
    pub overdue: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ui: Ui,
    title: String,
    /// Self-governance in the same place and period: owners' votes, property matters
    /// settled under a branch's lead, council topics raised and done.
    governance: Vec<Figure>,
    /// The heading around the place's name: "诉求办理看板 · " 牟平区 " · 本月 (…)".
    heading_before: String,
    heading_place: String,
    heading_after: String,
    presets: Vec<(&'static str, &'static str, bool)>,
    from: String,
    to: String,
    within_id: String,
    /// The way up from the node shown: (link, name); the last is the node itself.
    trail: Vec<(String, String)>,
    category: String,
    categories: Vec<(String, String)>,
    level: String,
    levels: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    figures: Vec<Figure>,
    by_category: Vec<ChartBar>,
    settled: Vec<ChartBar>,
    trend_svg: String,
    ranking: Vec<Ranked>,
    ranking_of: &'static str,
    calendar_warning: Option<(i32, i32)>,
    test_clock: Option<String>,
    csrf: String,
}

fn bars(items: Vec<(String, i64)>) -> Vec<ChartBar> {
    let max = items.iter().map(|x| x.1).max().unwrap_or(0).max(1);
    items
        .into_iter()
        .map(|(label, value)| ChartBar { label, shown: thousands(value), value, percent: value * 100 / max })
        .collect()
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".into())
}

/// The period asked for, as inclusive dates and its preset key; a bad custom date is an
/// error naming the field.
fn period_of(p: &DashboardParams, today: NaiveDate) -> Result<(&'static str, NaiveDate, NaiveDate), ApiError> {
    let date = crate::api::optional_day;
    match p.period.as_deref().unwrap_or("") {
        "custom" => {
            let from =
                date(&p.from, "from")?.ok_or_else(|| ApiError::invalid("from", "请填写开始日期 (from is required)"))?;
            let to = date(&p.to, "to")?.unwrap_or(today);
            if to < from {
                return Err(ApiError::invalid("to", "结束日期应不早于开始日期 (to must not be before from)"));
            }
            Ok(("custom", from, to))
        }
        other => {
            let preset = Period::parse(other).unwrap_or(Period::Month);
            let (from, to) = preset.bounds(today);
            Ok((preset.as_str(), from, to))
        }
    }
}

/// `/appeals/dashboard`
pub async fn dashboard(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    Query(p): Query<DashboardParams>,
) -> Result<Response, PageError> {
    auth.require(Permission::ViewAppeals).page(&ui)?;
    let s = &state.store;
    let lang = ui.lang;
    let who = Viewer::of(&auth.principal);
    let view = auth.scope(Permission::ViewAppeals).page(&ui)?;
    let now = state.clock.now();
    let today = jiayuan_store::appeals::beijing(now).date();
    let cfg = s.appeal_config().await.page(&ui)?;

    // Where: the node asked for, else where this account's pages start.
    let chosen = crate::shell::cookie(&headers, SCOPE_COOKIE);
    let start = current_grant(&auth.principal, chosen.as_deref())
        .filter(|g| g.role.allows(Permission::ViewAppeals))
        .map(|g| g.territory_id.to_string());
    let asked = p.within.clone().filter(|w| !w.trim().is_empty()).or(start);
    let node: Option<Territory> = match &asked {
        Some(r) => Some(s.territory_in(&view, r).await.page(&ui)?),
        None => None,
    };
    let mut trail = Vec::new();
    if let Some(n) = &node {
        for a in s.ancestors(n).await.page(&ui)? {
            if view.covers(&a) {
                trail.push((a.id.to_string(), a.name));
            }
        }
        trail.push((n.id.to_string(), n.name.clone()));
    }

    let mut error = None;
    let (period, from, to) = match period_of(&p, today) {
        Ok(x) => x,
        Err(e) => {
            error = Some(crate::pages::appeals::error_text(&e));
            let (f, t) = Period::Month.bounds(today);
            ("custom", f, t)
        }
    };
    let level = match p.level.as_deref().filter(|l| !l.is_empty()).map(|l| Level::parse_field(l, "level")) {
        Some(Ok(l)) => Some(l),
        Some(Err(e)) => {
            error = Some(crate::pages::appeals::error_text(&ApiError::from(e)));
            None
        }
        None => None,
    };
    let category = p.category.clone().filter(|c| cfg.category(c).is_some());
    let query = |within: Option<String>| MeasureQuery {
        within,
        from,
        to: to.succ_opt().unwrap_or(to),
        category: category.clone(),
        level,
    };
    let m = s.appeal_measures(&who, &query(node.as_ref().map(|n| n.id.to_string()))).await.page(&ui)?;

    let mut figures: Vec<Figure> = m
        .rates
        .iter()
        .map(|r| {
            let target = cfg.target(r.rate);
            Figure {
                label: r.rate.label(lang.code()),
                value: pct(r.value),
                formula: cfg.formula(r.rate).describe(lang.code()),
                class: r.value.map(|v| standing(v, target).class()).unwrap_or(""),
                target: format!("{} {target}%", ui.t("work.target")),
            }
        })
        .collect();
    let plain = |label: &'static str, value: String, formula: String| Figure {
        label,
        value,
        formula,
        class: "",
        target: String::new(),
    };
    for c in [Counter::Received, Counter::Resolved, Counter::Overdue, Counter::Escalated] {
        figures.push(plain(c.label(lang.code()), thousands(m.totals.get(c)), String::new()));
    }
    figures.push(plain(ui.t("dash.open_now"), thousands(m.open_now), ui.t("dash.open_now.how").into()));
    figures.push(plain(ui.t("dash.overdue_now"), thousands(m.overdue_now), ui.t("dash.overdue_now.how").into()));
    figures.push(plain(
        ui.t("dash.average"),
        m.average_handling_hours.map(|h| format!("{h:.1} {}", ui.t("dash.hours"))).unwrap_or_else(|| "—".into()),
        ui.t("dash.average.how").into(),
    ));
    let resolved = m.totals.get(Counter::Resolved);
    for l in [Level::Building, Level::Compound] {
        let n = m.totals.get(Counter::settled_at(l));
        figures.push(plain(
            if l == Level::Building { ui.t("dash.building_share") } else { ui.t("dash.compound_share") },
            if resolved > 0 { format!("{:.1}%", n as f64 * 100.0 / resolved as f64) } else { "—".into() },
            format!("{} ÷ {}", Counter::settled_at(l).label(lang.code()), Counter::Resolved.label(lang.code())),
        ));
    }

    // Self-governance figures of the same place and period (the category and level filters
    // are the appeals'; these are counted from councils, votes and settled matters).
    let mut governance = Vec::new();
    if let Ok(stats_scope) = auth.scope(Permission::ViewTerritory) {
        let here = match &node {
            Some(n) => stats_scope.narrow(n).ok(),
            None => Some(stats_scope),
        };
        if let Some(here) = here {
            let st = s.stats_in_period(&here, from, to).await.page(&ui)?;
            for (key, n) in [
                ("stats.owner_votes", st.owner_votes),
                ("stats.property_matters_by_branch", st.property_matters_by_branch),
                ("stats.council_topics", st.council_topics),
                ("stats.council_topics_done", st.council_topics_done),
            ] {
                governance.push(plain(ui.t(key), thousands(n), String::new()));
            }
        }
    }

    let mut cats: Vec<(String, i64)> = m
        .by_category
        .iter()
        .map(|(k, c)| {
            (
                cfg.category(k).map(|x| x.name(lang.code()).to_string()).unwrap_or_else(|| k.clone()),
                c.get(Counter::Received),
            )
        })
        .filter(|x| x.1 > 0)
        .collect();
    cats.sort_by_key(|c| std::cmp::Reverse(c.1));
    cats.truncate(12);
    let settled = bars(m.settled.iter().map(|(l, n)| (l.label(lang.code()).to_string(), *n)).collect());

    let labels: Vec<String> = m
        .by_day
        .iter()
        .map(|(d, _)| if m.series == "month" { d.format("%Y-%m").to_string() } else { d.format("%m-%d").to_string() })
        .collect();
    let trend_svg = line_chart(
        ui.t("dashboard.by_day"),
        &labels,
        &[
            Series {
                name: Counter::Received.label(lang.code()),
                colour: "#b71c1c",
                values: m.by_day.iter().map(|(_, c)| c.get(Counter::Received)).collect(),
            },
            Series {
                name: Counter::Resolved.label(lang.code()),
                colour: "#1a7f37",
                values: m.by_day.iter().map(|(_, c)| c.get(Counter::Resolved)).collect(),
            },
        ],
    );

    // The parts below, ranked by resolution rate (the most received first among equals).
    let mut ranking = Vec::new();
    let mut ranking_of = "";
    if let Some(n) = &node {
        let kind = TerritoryKind::parse(&n.kind).unwrap_or(TerritoryKind::District);
        if kind.depth() < TerritoryKind::Building.depth() {
            let children: Vec<Territory> =
                s.children(n.id).await.page(&ui)?.into_iter().filter(|c| view.covers(c)).collect();
            if children.len() <= 60 {
                let mut rows = Vec::new();
                for c in children {
                    let cm = s.appeal_measures(&who, &query(Some(c.id.to_string()))).await.page(&ui)?;
                    let rate = |r: Rate| cm.rates.iter().find(|x| x.rate == r).and_then(|x| x.value);
                    rows.push((
                        c,
                        cm.totals.get(Counter::Received),
                        rate(Rate::Resolution),
                        rate(Rate::Satisfaction),
                        cm.overdue_now,
                    ));
                }
                rows.sort_by(|a, b| {
                    b.2.unwrap_or(-1.0)
                        .total_cmp(&a.2.unwrap_or(-1.0))
                        .then(b.1.cmp(&a.1))
                        .then(a.0.code.cmp(&b.0.code))
                });
                ranking_of = TerritoryKind::parse(&rows.first().map(|r| r.0.kind.clone()).unwrap_or_default())
                    .map(|k| k.label(lang.code()))
                    .unwrap_or("");
                let class = |v: Option<f64>, r: Rate| v.map(|v| standing(v, cfg.target(r)).class()).unwrap_or("");
                for (c, received, resolution, satisfaction, overdue) in rows {
                    ranking.push(Ranked {
                        href: format!("/appeals/dashboard?{}", link_query(&p, period, &c.id.to_string())),
                        name: c.name,
                        received: thousands(received),
                        resolution: pct(resolution),
                        resolution_class: class(resolution, Rate::Resolution),
                        satisfaction: pct(satisfaction),
                        satisfaction_class: class(satisfaction, Rate::Satisfaction),
                        overdue: thousands(overdue),
                    });
                }
            }
        }
    }

    let last_year = cfg.calendar.years().max().unwrap_or(0);
    let calendar_warning =
        (auth.principal.can(Permission::ManageAppeals) && today.year() >= last_year && today.month() >= 10)
            .then_some((last_year, last_year + 1));
    let preset_label = |k: &str| match k {
        "quarter" => ui.t("dash.quarter"),
        "year" => ui.t("dash.year"),
        "custom" => ui.t("dash.custom"),
        _ => ui.t("dash.month"),
    };
    let place = node.as_ref().map(|n| n.name.clone()).unwrap_or_default();
    let heading_before = format!("{} · ", ui.t("dashboard.title"));
    let heading_after =
        format!(" · {} ({} – {})", preset_label(period), from.format("%Y-%m-%d"), to.format("%Y-%m-%d"));
    let categories = super::appeals::category_options(&cfg, lang);
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let page = DashboardPage {
        title: ui.t("dashboard.title").into(),
        heading_before,
        heading_place: place,
        heading_after,
        presets: ["month", "quarter", "year", "custom"]
            .into_iter()
            .map(|k| (k, preset_label(k), k == period))
            .collect(),
        from: from.to_string(),
        to: to.to_string(),
        within_id: node.as_ref().map(|n| n.id.to_string()).unwrap_or_default(),
        trail: trail
            .into_iter()
            .map(|(id, name)| (format!("/appeals/dashboard?{}", link_query(&p, period, &id)), name))
            .collect(),
        category: category.unwrap_or_default(),
        categories,
        level: level.map(|l| l.as_str().to_string()).unwrap_or_default(),
        levels: Level::ALL.iter().map(|l| (l.as_str(), l.label(lang.code()))).collect(),
        error,
        figures,
        governance,
        by_category: bars(cats),
        settled,
        trend_svg,
        ranking,
        ranking_of,
        calendar_warning,
        test_clock: (state.clock.is_settable() && auth.principal.can(Permission::ManageAppeals)).then(|| bj_time(now)),
        csrf: ui.csrf.clone(),
        ui: ui.clone(),
    };
    Ok((status, render(ui, page)?).into_response())
}

/// The dashboard's query with another node, keeping the period and the filters.
fn link_query(p: &DashboardParams, period: &str, within: &str) -> String {
    let mut parts = vec![format!("period={period}"), format!("within={within}")];
    if period == "custom" {
        for (k, v) in [("from", &p.from), ("to", &p.to)] {
            if let Some(v) = v {
                parts.push(format!("{k}={}", form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()));
            }
        }
    }
    for (k, v) in [("category", &p.category), ("level", &p.level)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()));
        }
    }
    parts.join("&")
}
