//! `jiayuan serve`: the JSON API, Open311 and the pages, with the background jobs.

use crate::support::Target;
use crate::values::one_of;
use anyhow::{Context, Result};
use jiayuan_store::demo::Scale;

#[derive(clap::Args)]
pub struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// Fill an empty database with the demo district first
    #[arg(long)]
    demo: bool,
    /// Demo scale when --demo fills an empty database: seed (the whole district) or small
    #[arg(long, default_value = "seed", value_parser = one_of(Scale::ALL, Scale::as_str))]
    scale: Scale,
    /// Mark session cookies Secure (set this when TLS ends at a proxy that does not send
    /// X-Forwarded-Proto: https)
    #[arg(long)]
    secure_cookies: bool,
    /// Let a district administrator set the appeal clock (POST /api/v1/clock): for tests only
    #[arg(long)]
    test_clock: bool,
    /// Where appeal photos are stored (default: beside the database, PATH.media for
    /// SQLite, ./jiayuan-media for PostgreSQL); folders 0700, files 0600
    #[arg(long)]
    media_dir: Option<std::path::PathBuf>,
    /// A reverse proxy (address or CIDR) whose X-Forwarded-For and X-Forwarded-Proto are
    /// believed; repeatable. Without it those headers are ignored.
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    trusted_proxies: Vec<String>,
    /// Raster tiles laid under the maps: an XYZ template with {z}, {x}, {y}, or a WMTS
    /// (GoogleMapsCompatible) one with {TileMatrix}, {TileRow}, {TileCol}, key included,
    /// e.g. 天地图's vec_w layer. Default: none, and the pages fetch nothing from elsewhere.
    #[arg(long, env = "JIAYUAN_MAP_TILES", value_name = "URL_TEMPLATE")]
    map_tiles: Option<String>,
    /// The tile source draws in GCJ-02 (高德, 腾讯): shapes are moved onto it
    #[arg(long, requires = "map_tiles")]
    map_tiles_gcj02: bool,
    /// The source's attribution, shown in the map's corner (e.g. "© 天地图")
    #[arg(long, requires = "map_tiles", default_value = "")]
    map_tiles_attribution: String,
}

pub async fn run(target: &Target, args: ServeArgs) -> Result<()> {
    let trusted_proxies = jiayuan_web::proxy::TrustedProxies::parse(&args.trusted_proxies)
        .map_err(|e| anyhow::anyhow!("--trusted-proxy: {e}"))?;
    let map_tiles = args
        .map_tiles
        .as_deref()
        .map(|t| jiayuan_domain::tiles::TileSource::parse(t, args.map_tiles_gcj02, &args.map_tiles_attribution))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--map-tiles: {e}"))?;
    let store = target.open().await?;
    store.migrate().await?;
    if args.demo && store.is_empty().await? {
        super::demo::write_in_child(target, args.scale)?;
        // The child wrote settings this process may have read before.
        store.forget_configuration();
    }
    let addr = &args.addr;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    println!("家园 Jiayuan serving on http://{local}/");
    if args.demo {
        println!("演示数据 demo district: http://{local}/login");
        let names: Vec<&str> = jiayuan_store::demo::DEMO_USERS.iter().map(|u| u.username).collect();
        println!("演示账号 demo logins ({}), password {}", names.join(", "), jiayuan_domain::access::DEMO_PASSWORD);
    }
    if let Some(t) = &map_tiles {
        println!("地图底图 map tiles from {}", t.origin());
    }
    let clock = if args.test_clock {
        println!("测试时钟 test clock: POST /api/v1/clock sets \"now\" for appeals");
        jiayuan_web::clock::AppClock::settable()
    } else {
        jiayuan_web::clock::AppClock::default()
    };
    let media_dir = args.media_dir.unwrap_or_else(|| store.media_dir().to_path_buf());
    let state = jiayuan_web::AppState {
        secure_cookies: args.secure_cookies,
        clock,
        media_dir,
        trusted_proxies: std::sync::Arc::new(trusted_proxies),
        map_tiles: map_tiles.map(std::sync::Arc::new),
        ..jiayuan_web::AppState::new(store)
    };
    // The jobs start with the server (the clock catches up at once on what fell due while
    // it was down) and stop with it on SIGTERM or Ctrl-C.
    jiayuan_web::serve(listener, state).await?;
    println!("已停止 stopped");
    Ok(())
}
