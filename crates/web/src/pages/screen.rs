//! The district screen (`/screen`): one full-screen page for the duty room. The page is drawn
//! whole on the server (it reads without script); `screen.js` then opens
//! `/screen/stream`, a server-sent event stream that carries the board drawn again, in the
//! page's language, each time an appeal event arrives (see [`crate::screen`]).

use super::*;
use crate::auth::Auth;
use crate::map::{Heat, Shape, ShapeKind, View};
use crate::screen::place_of;
use crate::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use jiayuan_domain::appeal::measure::{standing, Rate};
use jiayuan_domain::appeal::Action;
use jiayuan_domain::TerritoryKind;
use jiayuan_store::appeals::config::AppealConfig;
use jiayuan_store::screen::{Board, ScreenPlace};
use std::sync::Arc;

/// How many places each ranking shows.
const RANKED: usize = 10;

/// A stream ends after this long and the browser opens it again at once, signed in afresh:
/// an account disabled or signed out stops receiving boards within this time.
const STREAM_LIFE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

#[derive(Deserialize, Default)]
pub struct ScreenParams {
    /// The code (or id) of a district, subdistrict or community; default: the top of the
    /// account's scope.
    pub within: Option<String>,
}

pub struct ScreenCounter {
    pub label: &'static str,
    pub value: String,
    pub class: &'static str,
}

pub struct ScreenRate {
    pub label: &'static str,
    pub today: String,
    pub today_class: &'static str,
    pub month: String,
    pub month_class: &'static str,
    pub target: String,
}

pub struct ScreenRankRow {
    pub n: usize,
    pub name: String,
    pub received: String,
    pub resolution: String,
    pub class: &'static str,
    pub open: String,
    pub overdue: String,
}

pub struct ScreenEventRow {
    pub time: String,
    pub place: String,
    pub action: &'static str,
    pub class: &'static str,
    pub what: String,
    pub number: i64,
}

/// The board as drawn, in one language: the page holds it, and every live update is it again.
#[derive(Template)]
#[template(path = "screen_board.html")]
pub struct BoardView {
    ui: Ui,
    updated: String,
    counters: Vec<ScreenCounter>,
    rates: Vec<ScreenRate>,
    map_svg: String,
    grids: usize,
    grids_open: usize,
    grids_overdue: usize,
    /// Each ranking: the kind ranked, its rows, and "top 10 / 31" when not all are shown.
    rankings: Vec<(&'static str, Vec<ScreenRankRow>, String)>,
    events: Vec<ScreenEventRow>,
}

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    ui: Ui,
    title: String,
    place: String,
    code: String,
    stream: String,
    dashboard: String,
    board: String,
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".into())
}

fn rate_class(cfg: &AppealConfig, r: Rate, v: Option<f64>) -> &'static str {
    v.map(|v| standing(v, cfg.target(r)).class()).unwrap_or("")
}

/// The board in `ui`'s language.
pub fn board_view(ui: &Ui, cfg: &AppealConfig, b: &Board) -> BoardView {
    let lang = ui.lang.code();
    let t = |k| ui.t(k);
    let plain = |label, v: i64| ScreenCounter { label, value: thousands(v), class: "" };
    let counters = vec![
        plain(t("scr.today_received"), b.today.received),
        plain(t("scr.today_resolved"), b.today.resolved),
        ScreenCounter { label: t("scr.open_now"), value: thousands(b.open_now), class: "open" },
        ScreenCounter {
            label: t("scr.overdue_now"),
            value: thousands(b.overdue_now),
            class: if b.overdue_now > 0 { "overdue" } else { "" },
        },
        plain(t("scr.today_escalated"), b.today.escalated),
        plain(t("scr.month_received"), b.month.received),
        plain(t("scr.month_resolved"), b.month.resolved),
    ];
    let rates = Rate::ALL
        .iter()
        .map(|r| {
            let (d, m) = (b.today.rate(*r), b.month.rate(*r));
            ScreenRate {
                label: r.label(lang),
                today: pct(d),
                today_class: rate_class(cfg, *r, d),
                month: pct(m),
                month_class: rate_class(cfg, *r, m),
                target: format!("{} {}%", t("work.target"), cfg.target(*r)),
            }
        })
        .collect();
    let (colon, comma) = if lang == "zh" { ("：", "，") } else { (": ", ", ") };
    let shapes: Vec<Shape> = b
        .grids
        .iter()
        .filter_map(|g| {
            Some(Shape {
                label: format!(
                    "{}{colon}{} {}{comma}{} {}",
                    g.name,
                    t("scr.open_now"),
                    g.open,
                    t("scr.overdue_now"),
                    g.overdue
                ),
                href: None,
                geometry: g.geometry.clone()?,
                kind: ShapeKind::Heat(Heat::of(g.open, g.overdue)),
            })
        })
        .collect();
    let map_svg = crate::map::draw(&shapes, &[], t("scr.map"), View::default(), None);
    let rankings = b
        .rankings
        .iter()
        .filter(|r| !r.places.is_empty())
        .map(|r| {
            let kind = TerritoryKind::parse(&r.kind).map(|k| k.label(lang)).unwrap_or("");
            let rows = r
                .places
                .iter()
                .take(RANKED)
                .enumerate()
                .map(|(i, p)| ScreenRankRow {
                    n: i + 1,
                    name: p.name.clone(),
                    received: thousands(p.month.received),
                    resolution: pct(p.month.resolution_rate),
                    class: rate_class(cfg, Rate::Resolution, p.month.resolution_rate),
                    open: thousands(p.open),
                    overdue: thousands(p.overdue_now),
                })
                .collect();
            let more = if r.places.len() > RANKED {
                format!(" · {} {RANKED} / {}", t("scr.top"), r.places.len())
            } else {
                String::new()
            };
            (kind, rows, more)
        })
        .collect();
    let events = b
        .events
        .iter()
        .map(|e| {
            let action = Action::parse(&e.action);
            ScreenEventRow {
                time: jiayuan_domain::time::beijing(e.at).format("%H:%M:%S").to_string(),
                place: e.place.clone(),
                action: action.map(|a| a.label(lang)).unwrap_or("—"),
                class: match action {
                    Some(Action::Overdue | Action::Escalate | Action::Warn) => "ev-late",
                    Some(Action::Create) => "ev-new",
                    Some(Action::Resolve | Action::Close | Action::Verify) => "ev-done",
                    _ => "",
                },
                what: cfg
                    .category(&e.category_code)
                    .map(|c| c.name(lang).to_string())
                    .unwrap_or_else(|| e.category_code.clone()),
                number: e.number,
            }
        })
        .collect();
    BoardView {
        ui: ui.clone(),
        updated: jiayuan_domain::time::beijing(b.at).format("%Y-%m-%d %H:%M:%S").to_string(),
        counters,
        rates,
        map_svg,
        grids: b.grids.len(),
        grids_open: b.grids.iter().filter(|g| g.open > 0).count(),
        grids_overdue: b.grids.iter().filter(|g| g.overdue > 0).count(),
        rankings,
        events,
    }
}

fn drawing_failed(e: askama::Error) -> ApiError {
    tracing::error!(error = %e, "screen board failed");
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "internal",
        message: "大屏绘制失败 (the board could not be drawn)".into(),
        field: None,
    }
}

/// The board now: the live one when a watcher has drawn it, else drawn here.
async fn board_now(state: &AppState, place: &ScreenPlace) -> Result<Arc<Board>, ApiError> {
    Ok(Arc::new(state.store.screen_board(place, state.clock.now()).await?))
}

/// `/screen`
pub async fn screen_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(p): Query<ScreenParams>,
) -> Result<Response, PageError> {
    let place = place_of(&auth, &state, p.within.as_deref()).await.page(&ui)?;
    let board = board_now(&state, &place).await.page(&ui)?;
    let cfg = state.store.appeal_config().await.page(&ui)?;
    let html = board_view(&ui, &cfg, &board).render().map_err(drawing_failed).page(&ui)?;
    let t = place.territory();
    let code = code_segment(&t.code);
    let page = ScreenPage {
        title: ui.t("nav.sys.screen").into(),
        place: t.name.clone(),
        stream: format!("/screen/stream?within={code}"),
        dashboard: format!("/appeals/dashboard?within={}", t.id),
        code: t.code.clone(),
        board: html,
        ui: ui.clone(),
    };
    render(ui, page)
}

/// `/screen/stream`: the board as server-sent events (`board`, its data a JSON object with
/// the drawn `html`, the `seq` of the newest event in it, and the figures: `today`, `month`,
/// `open_now`, `overdue_now`), one at once and one after every change, until the screen goes
/// or the server stops.
pub async fn screen_stream(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(p): Query<ScreenParams>,
) -> Result<Response, ApiError> {
    let place = place_of(&auth, &state, p.within.as_deref()).await?;
    let cfg_store = state.store.clone();
    let feed = state.screen.subscribe(&state, place);
    let closing = state.screen.closing();
    let ends = tokio::time::Instant::now() + STREAM_LIFE;
    let stream = futures_util::stream::unfold(
        (feed, closing, ui, cfg_store, true),
        move |(mut feed, mut closing, ui, store, first)| async move {
            // The first board at once (when drawn), then each new one.
            if !first || feed.borrow().is_none() {
                tokio::select! {
                    changed = feed.changed() => changed.ok()?,
                    _ = closing.wait_for(|c| *c) => return None,
                    _ = tokio::time::sleep_until(ends) => return None,
                }
            }
            let board = feed.borrow_and_update().clone();
            let event = match board {
                Some(b) => {
                    let cfg = store.appeal_config().await.ok()?;
                    let html = board_view(&ui, &cfg, &b).render().ok()?;
                    let data = serde_json::json!({
                        "seq": b.seq,
                        "at": b.at,
                        "day": b.day,
                        "today": b.today,
                        "month": b.month,
                        "open_now": b.open_now,
                        "overdue_now": b.overdue_now,
                        "html": html,
                    })
                    .to_string();
                    Event::default()
                        .event("board")
                        .id(b.seq.to_string())
                        .retry(std::time::Duration::from_secs(1))
                        .data(data)
                }
                None => Event::default().comment("waiting"),
            };
            Some((Ok::<_, std::convert::Infallible>(event), (feed, closing, ui, store, false)))
        },
    );
    let mut res = Sse::new(stream).keep_alive(KeepAlive::default()).into_response();
    // Through a reverse proxy: do not buffer the stream.
    res.headers_mut().insert("x-accel-buffering", axum::http::HeaderValue::from_static("no"));
    Ok(res)
}
