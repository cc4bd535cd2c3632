//! The district screen's live boards. One watcher per place being watched reads the
//! database's appeal-event mark every [`ScreenHub::poll`]; when an event arrived (or the
//! day turned, or a minute passed) it folds the rollups, if this server leads the appeal
//! clock, and draws the board once for every screen showing that place. Screens subscribe
//! to a `watch` channel, so a slow screen only ever misses boards that were already stale.
//! The watcher ends when its last screen goes; [`ScreenHub::close`] ends them all at the
//! server's stop, so that no stream holds the stop up.

use crate::auth::Auth;
use crate::error::ApiError;
use crate::state::AppState;
use jiayuan_store::lead::Lead;
use jiayuan_store::screen::{Board, ScreenPlace};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// What a screen receives: nothing until the first board is drawn.
pub type Feed = watch::Receiver<Option<Arc<Board>>>;

/// A board is drawn again at least this often, with or without events (the clock moves on).
const REFRESH: Duration = Duration::from_secs(60);

/// How long a watcher waits for the appeal clock (leading elsewhere) to fold new events
/// before it draws the board anyway; the clock runs every 5 s.
const FOLD_WAIT: Duration = Duration::from_secs(8);

pub struct ScreenHub {
    boards: Mutex<HashMap<String, watch::Sender<Option<Arc<Board>>>>>,
    /// How often the watchers look for new events.
    pub poll: Duration,
    closed: watch::Sender<bool>,
}

impl Default for ScreenHub {
    fn default() -> Self {
        Self::polling_every(Duration::from_millis(500))
    }
}

impl ScreenHub {
    pub fn polling_every(poll: Duration) -> Self {
        ScreenHub { boards: Mutex::default(), poll, closed: watch::channel(false).0 }
    }

    /// The feed of `place`'s board, starting its watcher if nobody watches it yet.
    pub fn subscribe(&self, state: &AppState, place: ScreenPlace) -> Feed {
        let mut boards = self.boards.lock().unwrap_or_else(|e| e.into_inner());
        let code = place.territory().code.clone();
        if let Some(tx) = boards.get(&code) {
            return tx.subscribe();
        }
        let (tx, rx) = watch::channel(None);
        boards.insert(code, tx.clone());
        tokio::spawn(watch_place(state.clone(), place, tx, self.closed.subscribe()));
        rx
    }

    /// A signal that turns true when the server stops.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closed.subscribe()
    }

    /// Ends every watcher and, with them, every screen's stream.
    pub fn close(&self) {
        let _ = self.closed.send(true);
        self.boards.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// How many places are being watched (for tests and the log).
    pub fn watched(&self) -> usize {
        self.boards.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Forgets `code`'s watcher if nobody listens any more; true when it was forgotten.
    fn forget_if_unwatched(&self, code: &str) -> bool {
        let mut boards = self.boards.lock().unwrap_or_else(|e| e.into_inner());
        match boards.get(code) {
            Some(tx) if tx.receiver_count() == 0 => {
                boards.remove(code);
                true
            }
            Some(_) => false,
            None => true,
        }
    }
}

/// The place asked for (a code or id), else the top of the account's scope where it sees
/// appeals; one that does not exist is 404 naming `within`. The page, the stream and the API
/// all take their place here.
pub async fn place_of(auth: &Auth, state: &AppState, within: Option<&str>) -> Result<ScreenPlace, ApiError> {
    let code = match within.map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => w.to_string(),
        None => {
            let scope = auth.scope(jiayuan_domain::access::Permission::ViewAppeals)?;
            let root = scope.roots().first().map(|p| p.to_string()).unwrap_or_default();
            state.store.report_root(&root).await?
        }
    };
    state.store.screen_place(&auth.principal, &code).await.map_err(|e| match e {
        jiayuan_store::StoreError::NotFound => ApiError {
            field: Some("within".into()),
            message: format!("区域“{code}”不存在 (no such territory)"),
            ..ApiError::not_found()
        },
        other => other.into(),
    })
}

async fn watch_place(
    state: AppState,
    place: ScreenPlace,
    tx: watch::Sender<Option<Arc<Board>>>,
    mut closed: watch::Receiver<bool>,
) {
    let code = place.territory().code.clone();
    let mut tick = tokio::time::interval(state.screen.poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen: Option<((i64, i64), chrono::NaiveDate)> = None;
    let mut drawn = tokio::time::Instant::now();
    let mut waiting_since: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = closed.changed() => {}
        }
        if *closed.borrow() || (tx.receiver_count() == 0 && state.screen.forget_if_unwatched(&code)) {
            break;
        }
        let now = state.clock.now();
        let day = jiayuan_store::appeals::beijing(now).date();
        let mark = match state.store.appeal_event_mark().await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "screen: cannot read the appeal events");
                continue;
            }
        };
        if seen == Some((mark, day)) && drawn.elapsed() < REFRESH {
            continue;
        }
        // Fold what is waiting, so that the figures hold the events just seen; on
        // PostgreSQL another server may lead, and then its clock folds within seconds and
        // the changed mark brings the board here again.
        if mark.1 > 0 {
            let s = state.store.clone();
            match state.store.as_leader(Lead::AppealClock, async move { s.roll_up_all_appeals().await }).await {
                Ok(Some(Ok(_))) => {}
                Ok(None) => {
                    // The clock's round is folding them (here or on another server): a board
                    // drawn now would show open appeals the figures do not hold yet. Wait for
                    // it, though not for ever.
                    let since = *waiting_since.get_or_insert_with(tokio::time::Instant::now);
                    if since.elapsed() < FOLD_WAIT {
                        continue;
                    }
                }
                Ok(Some(Err(e))) | Err(e) => tracing::warn!(error = %e, "screen: cannot fold the rollups"),
            }
        }
        let mark = state.store.appeal_event_mark().await.unwrap_or(mark);
        match state.store.screen_board(&place, now).await {
            Ok(board) => {
                seen = Some((mark, day));
                drawn = tokio::time::Instant::now();
                waiting_since = None;
                tx.send_replace(Some(Arc::new(board)));
            }
            Err(e) => tracing::warn!(error = %e, "screen: cannot draw the board"),
        }
    }
}
