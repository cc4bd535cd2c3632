//! The web face of Jiayuan: JSON API under `/api/v1`, its OpenAPI document, and the pages.

pub mod account;
pub mod admin;
pub mod api;
pub mod appeal_pages;
pub mod appeals;
pub mod auth;
pub mod clock;
pub mod error;
pub mod i18n;
pub mod input;
pub mod jobs;
pub mod map;
pub mod notify;
pub mod open311;
pub mod openapi;
pub mod pages;
pub mod proxy;
pub mod query_docs;
pub mod redirect;
pub mod state;
pub mod throttle;
pub mod views;

use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
pub use state::AppState;

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The JSON API's operations, written once: this builds the router and [`API_ROUTES`],
/// which a test holds against the OpenAPI document so no operation goes undocumented.
macro_rules! api_routes {
    ($($method:ident $path:literal => $handler:path $(, limit $limit:expr)?;)*) => {
        /// Every operation of the JSON API: (method, path under `/api/v1`).
        pub const API_ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn api_router() -> Router<AppState> {
            Router::new()
                $(.route($path, {
                    let r = axum::routing::$method($handler);
                    $(let r = r.layer(axum::extract::DefaultBodyLimit::max($limit));)?
                    r
                }))*
        }
    };
}

api_routes! {
    get "/territories" => api::list_territories;
    post "/territories" => api::create_territory;
    get "/territories/{id}" => api::get_territory;
    get "/territories/{id}/coverage" => api::coverage;
    get "/stats" => api::stats;
    get "/people" => api::list_people;
    get "/people/{id}" => api::get_person;
    post "/people/{id}/reveal" => api::reveal_person;
    get "/people/export" => api::export_people;
    post "/people/export" => api::export_people_revealed;
    get "/households" => api::list_households;
    get "/households/{id}" => api::get_household;
    get "/organisations" => api::list_organisations;
    get "/alliances" => api::list_alliances;
    post "/auth/login" => account::api_login;
    post "/auth/logout" => account::api_logout;
    get "/auth/me" => account::api_me;
    post "/auth/password" => account::api_password;
    get "/auth/tokens" => account::api_tokens;
    post "/auth/tokens" => account::api_create_token;
    delete "/auth/tokens/{id}" => account::api_revoke_token;
    get "/users" => admin::api_users;
    post "/users" => admin::api_create_user;
    get "/users/{username}" => admin::api_user;
    post "/users/{username}/disable" => admin::api_disable;
    post "/users/{username}/enable" => admin::api_enable;
    post "/users/{username}/password" => admin::api_reset_password;
    post "/users/{username}/grants" => admin::api_grant;
    delete "/users/{username}/grants/{id}" => admin::api_revoke_grant;
    get "/roles" => admin::api_roles;
    get "/audit" => admin::api_audit;
    get "/audit/export" => admin::audit_csv;
    get "/openapi.json" => api::openapi;
    get "/appeal-categories" => appeals::api_categories;
    get "/appeals" => appeals::api_list;
    post "/appeals" => appeals::api_file;
    get "/appeals/measures" => appeals::api_measures;
    get "/appeals/{id}" => appeals::api_get;
    post "/appeals/{id}/actions" => appeals::api_act;
    post "/appeals/{id}/reporter" => appeals::api_unseal_reporter;
    post "/appeals/{id}/photos" => appeals::api_add_photo, limit appeals::PHOTO_LIMIT;
    get "/appeals/{id}/photos/{photo}" => appeals::api_photo;
    get "/clock" => appeals::api_clock;
    post "/clock" => appeals::api_set_clock;
    get "/notify/channels" => appeals::api_channels;
    post "/notify/channels" => appeals::api_add_channel;
    get "/notify/outbox" => appeals::api_outbox;
}

pub fn router(state: AppState) -> Router {
    let api = api_router().fallback(api::api_not_found);
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(api::healthz))
        .route("/open311/v2/{resource}", get(open311::resource).post(open311::resource))
        .route("/open311/v2/{collection}/{file}", get(open311::item))
        .route("/", get(pages::home))
        .route("/territories", get(pages::territories_root))
        .route("/territories/{id}", get(pages::territory))
        .route("/people", get(pages::people))
        .route("/people/{id}", get(pages::person))
        .route("/people/{id}/reveal", post(pages::reveal_person))
        .route("/people.csv", get(api::export_people).post(api::export_people_form))
        .route("/login", get(account::login_page).post(account::login_form))
        .route("/logout", post(account::logout_form))
        .route("/account", get(account::account_page))
        .route("/account/password", post(account::password_form))
        .route("/account/tokens", post(account::token_form))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token_form))
        .route("/admin/users", get(admin::users_page).post(admin::create_user_form))
        .route("/admin/users/{username}", get(admin::user_page))
        .route("/admin/users/{username}/grants", post(admin::grant_form))
        .route("/admin/users/{username}/grants/{id}/revoke", post(admin::revoke_grant_form))
        .route("/admin/users/{username}/disable", post(admin::disable_form))
        .route("/admin/users/{username}/enable", post(admin::enable_form))
        .route("/admin/users/{username}/password", post(admin::reset_password_form))
        .route("/admin/roles", get(admin::roles_page))
        .route("/audit", get(admin::audit_page))
        .route("/audit.csv", get(admin::audit_csv))
        .route("/households", get(pages::households))
        .route("/households/{id}", get(pages::household))
        .route("/lang/{code}", get(pages::set_lang))
        .route("/appeals", get(appeal_pages::queue))
        .route("/appeals/dashboard", get(appeal_pages::dashboard))
        .route("/appeals/clock", post(appeal_pages::clock_form))
        .route("/appeals/{id}", get(appeal_pages::appeal_page))
        .route("/appeals/{id}/act", post(appeal_pages::act_form))
        .route(
            "/appeals/{id}/photos",
            post(appeal_pages::photo_form)
                .layer(axum::extract::DefaultBodyLimit::max(appeals::PHOTO_LIMIT + 64 * 1024)),
        )
        .route(
            "/report",
            get(appeal_pages::report_page)
                .post(appeal_pages::report_submit)
                .layer(axum::extract::DefaultBodyLimit::max(appeals::PHOTO_LIMIT + 64 * 1024)),
        )
        .route("/report/track", get(appeal_pages::track_page).post(appeal_pages::track_act))
        .route("/static/app.css", get(pages::css))
        .fallback(pages::page_not_found)
        .layer(axum::middleware::from_fn(input::refuse_hidden_text))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(input::json_errors))
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
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages and answers hold personal information: keep them out of shared caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// How long requests already accepted may take to finish once the stop is asked for.
pub const REQUESTS_WITHIN: std::time::Duration = std::time::Duration::from_secs(8);
/// How long the background jobs and the intake writer then get.
pub const JOBS_WITHIN: std::time::Duration = std::time::Duration::from_millis(1500);

/// Serves until SIGTERM or Ctrl-C, with the background jobs (see [`jobs`]).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_until(listener, state, jobs::Schedule::default(), stop_signal()).await
}

/// Serves until `stop` resolves, then stops within [`REQUESTS_WITHIN`] + [`JOBS_WITHIN`]:
/// no new connections, every request already accepted answered, the jobs ended and the
/// intake writer drained.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    state: AppState,
    schedule: jobs::Schedule,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let jobs = jobs::Jobs::start(&state, schedule);
    let (asked_tx, asked_rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        stop.await;
        tracing::info!("stopping: no new connections; finishing the requests already accepted");
        let _ = asked_tx.send(());
    });
    let mut served = tokio::spawn(std::future::IntoFuture::into_future(server));
    let result = tokio::select! {
        r = &mut served => r.unwrap_or_else(|e| Err(std::io::Error::other(e))),
        _ = async {
            if asked_rx.await.is_ok() {
                tokio::time::sleep(REQUESTS_WITHIN).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => {
            tracing::warn!("requests still running after {} s: stopping anyway", REQUESTS_WITHIN.as_secs());
            served.abort();
            Ok(())
        }
    };
    if !jobs.stop(JOBS_WITHIN).await {
        tracing::warn!("background work did not finish in time");
    }
    result
}

/// SIGTERM (a service manager) or Ctrl-C (a terminal).
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
