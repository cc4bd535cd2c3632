//! The workbench (工作台): every role's home. Staff see their to-dos by urgency, this month's
//! three rates against their targets, quick actions and the latest steps in their area; a
//! resident sees their own appeals and how far each has come.

use crate::auth::Auth;
use crate::pages::{render, OrPage, PageError, Ui};
use crate::shell::{current_grant, progress, Progress, SCOPE_COOKIE};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use jiayuan_domain::access::Permission;
use jiayuan_domain::appeal::measure::standing;
use jiayuan_domain::time::{beijing, countdown, display, from_beijing};
use jiayuan_store::appeals::rollup::MeasureQuery;
use jiayuan_store::appeals::{AppealQuery, Viewer};
use jiayuan_store::model::Page;

/// One to-do count: label, how many, where the list is, and the colour when not zero.
struct Count {
    label: &'static str,
    value: i64,
    href: &'static str,
    tone: &'static str,
}

struct Todo {
    id: String,
    number: i64,
    title: String,
    status: &'static str,
    due: String,
    left: String,
    tone: &'static str,
}

struct RateCard {
    label: &'static str,
    value: String,
    target: String,
    class: &'static str,
    formula: String,
}

struct Latest {
    at: String,
    appeal_id: String,
    number: i64,
    title: String,
    action: String,
    actor: String,
}

struct MyAppeal {
    id: String,
    number: i64,
    title: String,
    at: String,
    p: Progress,
}

#[derive(Template)]
#[template(path = "workbench.html")]
struct WorkbenchPage {
    ui: Ui,
    title: String,
    place: String,
    period: String,
    counts: Vec<Count>,
    todos: Vec<Todo>,
    todo_total: i64,
    rates: Vec<RateCard>,
    actions: Vec<(&'static str, String)>,
    latest: Vec<Latest>,
    handles: bool,
    views: bool,
}

#[derive(Template)]
#[template(path = "resident_home.html")]
struct ResidentHome {
    ui: Ui,
    title: String,
    appeals: Vec<MyAppeal>,
    total: i64,
    record: Option<String>,
    /// Owners' votes this resident is in: id, title, closes, open.
    votes: Vec<(String, String, String, bool)>,
    /// The latest topics of the councils over their home: id, title, status, open.
    topics: Vec<(String, String, &'static str, bool)>,
}

/// `/`: the workbench for staff, the resident's home for everyone else.
pub async fn home(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = &auth.principal;
    if !p.can(Permission::ViewTerritory) {
        return resident_home(&auth, &state, ui).await;
    }
    let s = &state.store;
    let lang = ui.lang;
    let who = Viewer::of(p);
    let now = state.clock.now();
    let today = beijing(now).date();
    let chosen = crate::shell::cookie(&headers, SCOPE_COOKIE);
    let grant = current_grant(p, chosen.as_deref());
    let place = grant.map(|g| g.territory_name.clone()).unwrap_or_default();
    let handles = who.is_staff();
    let views = p.can(Permission::ViewAppeals);

    let mut counts = Vec::new();
    let mut todos = Vec::new();
    let mut todo_total = 0;
    if handles {
        let end_of_today = from_beijing(today.succ_opt().unwrap_or(today).and_time(NaiveTime::MIN));
        let mine = AppealQuery { mine: true, here: true, status: Some("open".into()), ..Default::default() };
        let one = Page { page: 1, page_size: 1 };
        let count = |q: AppealQuery| {
            let (s, who) = (s, &who);
            async move { s.list_appeals(who, None, &q, one).await.map(|r| r.total) }
        };
        let due_today =
            count(AppealQuery { due_before: Some(end_of_today), overdue: false, ..mine.clone() }).await.page(&ui)?;
        let warned = count(AppealQuery { warned: true, ..mine.clone() }).await.page(&ui)?;
        let overdue = count(AppealQuery { overdue: true, ..mine.clone() }).await.page(&ui)?;
        let helping = count(AppealQuery { helping: true, here: false, ..mine.clone() }).await.page(&ui)?;
        counts = vec![
            Count { label: ui.t("work.due_today"), value: due_today, href: "/appeals?tab=todo", tone: "near" },
            Count { label: ui.t("work.warned"), value: warned, href: "/appeals?tab=todo", tone: "near" },
            Count { label: ui.t("appeals.overdue"), value: overdue, href: "/appeals?tab=overdue", tone: "missed" },
            Count { label: ui.t("appeals.help"), value: helping, href: "/appeals?tab=help", tone: "near" },
        ];
        if p.can(Permission::RunCouncils) {
            let late = s.overdue_outcomes(p, now, 500).await.page(&ui)?.len() as i64;
            counts.push(Count { label: ui.t("councils.overdue"), value: late, href: "/councils", tone: "missed" });
        }
        let list = s.list_appeals(&who, None, &mine, Page { page: 1, page_size: 6 }).await.page(&ui)?;
        todo_total = list.total;
        todos = list
            .items
            .iter()
            .map(|a| {
                let due = a.current_due();
                Todo {
                    id: a.id.to_string(),
                    number: a.number,
                    title: a.title.clone(),
                    status: a.status().label(lang.code()),
                    due: display(due),
                    left: countdown(now, due, lang.code()),
                    tone: if a.overdue {
                        "missed"
                    } else if a.warned {
                        "near"
                    } else {
                        ""
                    },
                }
            })
            .collect();
    }

    let month_start = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let mut rates = Vec::new();
    let mut latest = Vec::new();
    if views {
        let q = MeasureQuery {
            within: grant.map(|g| g.territory_id.to_string()),
            from: month_start,
            to: today + Duration::days(1),
            category: None,
            level: None,
        };
        let m = s.appeal_measures(&who, &q).await.page(&ui)?;
        let cfg = s.appeal_config().await.page(&ui)?;
        for r in &m.rates {
            let target = cfg.target(r.rate);
            rates.push(RateCard {
                label: r.rate.label(lang.code()),
                value: r.value.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".into()),
                target: format!("{target}%"),
                class: r.value.map(|v| standing(v, target).class()).unwrap_or("none"),
                formula: cfg.formula(r.rate).describe(lang.code()),
            });
        }
        latest = s
            .recent_appeal_events(&who, 8)
            .await
            .page(&ui)?
            .into_iter()
            .map(|e| Latest {
                at: display(e.at),
                appeal_id: e.appeal_id.to_string(),
                number: e.number,
                title: e.title,
                action: jiayuan_domain::appeal::Action::parse(&e.action)
                    .map(|a| a.label(lang.code()).to_string())
                    .unwrap_or(e.action),
                actor: e.actor_name,
            })
            .collect();
    }

    let mut actions: Vec<(&'static str, String)> = Vec::new();
    if handles {
        actions.push((ui.t("nav.file"), "/report".into()));
        actions.push((ui.t("appeals.todo"), "/appeals".into()));
    }
    if views {
        actions.push((ui.t("nav.dashboard"), "/appeals/dashboard".into()));
    }
    if p.can(Permission::ViewPeople) {
        actions.push((ui.t("work.find_resident"), "/people".into()));
    }
    if let Some(g) = grant {
        actions.push((ui.t("work.my_area"), format!("/territories/{}", g.territory_id)));
    }
    let period = format!("{} – {}", month_start.format("%Y-%m-%d"), today.format("%Y-%m-%d"));
    let page = WorkbenchPage {
        title: ui.t("nav.home").into(),
        place,
        period,
        counts,
        todos,
        todo_total,
        rates,
        actions,
        latest,
        handles,
        views,
        ui: ui.clone(),
    };
    render(ui, page)
}

async fn resident_home(auth: &Auth, state: &AppState, ui: Ui) -> Result<Response, PageError> {
    let who = Viewer::of(&auth.principal);
    let q = AppealQuery { reported: true, ..Default::default() };
    let list = state.store.list_appeals(&who, None, &q, Page { page: 1, page_size: 10 }).await.page(&ui)?;
    let appeals = list
        .items
        .iter()
        .map(|a| MyAppeal {
            id: a.id.to_string(),
            number: a.number,
            title: a.title.clone(),
            at: display(a.created_at),
            p: progress(ui.lang, a.status(), a.rating.is_some()),
        })
        .collect();
    let now = state.clock.now();
    let votes = state
        .store
        .owner_votes_visible(&auth.principal, 5)
        .await
        .page(&ui)?
        .into_iter()
        .map(|v| (v.id.to_string(), v.title.clone(), display(v.closes_at), v.is_open(now)))
        .collect();
    // What the councils over their home are deciding and carrying out (民事民议).
    let topics = state
        .store
        .topics_visible(&auth.principal, None, None, 5)
        .await
        .page(&ui)?
        .into_iter()
        .map(|t| (t.id.to_string(), t.title, t.status.label(ui.lang.code()), t.status.is_open()))
        .collect();
    let page = ResidentHome {
        title: ui.t("home.resident").into(),
        votes,
        topics,
        appeals,
        total: list.total,
        record: auth.principal.person_id.map(|p| format!("/people/{p}")),
        ui: ui.clone(),
    };
    render(ui, page)
}
