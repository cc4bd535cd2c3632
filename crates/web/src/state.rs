//! The application state every handler gets: the store, the caches and throttles of this
//! process, and the server's settings.

use crate::{clock, proxy, screen, sessions, throttle};
use jiayuan_store::Store;
use std::sync::Arc;

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub sessions: Arc<sessions::SessionCache>,
    pub throttle: Arc<throttle::LoginThrottle>,
    /// Anonymous reports per address, counted like failed sign-ins.
    pub report_throttle: Arc<throttle::LoginThrottle>,
    /// Tracking-code lookups that found nothing, per address: a short code stays unguessable.
    pub track_throttle: Arc<throttle::LoginThrottle>,
    /// Mark cookies `Secure` even without `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
    /// "Now" for appeals: the wall clock, or a settable one for tests.
    pub clock: clock::AppClock,
    /// Where appeal photos are kept (outside the database).
    pub media_dir: std::path::PathBuf,
    /// Reverse proxies whose `X-Forwarded-For` / `-Proto` are believed (`--trusted-proxy`).
    pub trusted_proxies: Arc<proxy::TrustedProxies>,
    /// Unkeyed Open311 listings per client address (60 a minute by default).
    pub open311_public: Arc<throttle::RateLimit>,
    /// The operator's raster tiles under the maps (`--map-tiles`); none by default, and then
    /// the pages fetch nothing from elsewhere.
    pub map_tiles: Option<Arc<jiayuan_domain::tiles::TileSource>>,
    /// The district screens' live boards (one watcher per place shown).
    pub screen: Arc<screen::ScreenHub>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        let media_dir = store.media_dir().to_path_buf();
        Self {
            store: Arc::new(store),
            sessions: Arc::default(),
            throttle: Arc::default(),
            report_throttle: Arc::default(),
            track_throttle: Arc::default(),
            secure_cookies: false,
            clock: clock::AppClock::default(),
            media_dir,
            trusted_proxies: Arc::default(),
            open311_public: Arc::new(throttle::RateLimit::new(60, std::time::Duration::from_secs(60))),
            map_tiles: None,
            screen: Arc::default(),
        }
    }
}
