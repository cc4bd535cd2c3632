//! The web face of Jiayuan: JSON API under `/api/v1`, its OpenAPI document, and the pages.

pub mod api;
pub mod error;
pub mod i18n;
pub mod map;
pub mod pages;
pub mod views;

use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use jiayuan_store::Store;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        Self { store: Arc::new(store) }
    }
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/territories", get(api::list_territories).post(api::create_territory))
        .route("/territories/{id}", get(api::get_territory))
        .route("/territories/{id}/coverage", get(api::coverage))
        .route("/stats", get(api::stats))
        .route("/people", get(api::list_people))
        .route("/people/{id}", get(api::get_person))
        .route("/households", get(api::list_households))
        .route("/households/{id}", get(api::get_household))
        .route("/organisations", get(api::list_organisations))
        .route("/alliances", get(api::list_alliances))
        .route("/openapi.json", get(api::openapi))
        .fallback(api::api_not_found);
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(api::healthz))
        .route("/", get(pages::home))
        .route("/territories", get(pages::territories_root))
        .route("/territories/{id}", get(pages::territory))
        .route("/people", get(pages::people))
        .route("/people/{id}", get(pages::person))
        .route("/households", get(pages::households))
        .route("/households/{id}", get(pages::household))
        .route("/lang/{code}", get(pages::set_lang))
        .route("/static/app.css", get(pages::css))
        .fallback(pages::page_not_found)
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(1024 * 1024))
        .with_state(state)
}

/// Headers every response carries: no inline script, no framing, no sniffing.
async fn security_headers(mut res: axum::response::Response) -> axum::response::Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res
}

pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
