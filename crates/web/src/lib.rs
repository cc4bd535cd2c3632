//! The web face of Jiayuan: JSON API under `/api/v1`, its OpenAPI document, and the pages.

pub mod api;
pub mod auth;
pub mod charts;
pub mod clock;
pub mod error;
pub mod i18n;
pub mod input;
pub mod jobs;
pub mod map;
pub mod media;
pub mod notice;
pub mod notify;
pub mod open311;
pub mod openapi;
pub mod pages;
pub mod proxy;
pub mod query_docs;
pub mod redirect;
pub mod screen;
pub mod sessions;
pub mod shell;
pub mod state;
pub mod throttle;
pub mod views;
pub mod work_report;

use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
pub use state::AppState;

pub use state::BODY_LIMIT;

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
    post "/auth/login" => api::api_login;
    post "/auth/logout" => api::api_logout;
    get "/auth/me" => api::api_me;
    post "/auth/password" => api::api_password;
    get "/auth/tokens" => api::api_tokens;
    post "/auth/tokens" => api::api_create_token;
    delete "/auth/tokens/{id}" => api::api_revoke_token;
    get "/users" => api::api_users;
    post "/users" => api::api_create_user;
    get "/users/{username}" => api::api_user;
    post "/users/{username}/disable" => api::api_disable;
    post "/users/{username}/enable" => api::api_enable;
    post "/users/{username}/password" => api::api_reset_password;
    post "/users/{username}/grants" => api::api_grant;
    delete "/users/{username}/grants/{id}" => api::api_revoke_grant;
    get "/roles" => api::api_roles;
    get "/audit" => api::api_audit;
    get "/audit/export" => api::audit_csv;
    get "/openapi.json" => openapi::serve_document;
    get "/appeal-categories" => api::api_categories;
    get "/appeals" => api::api_list;
    post "/appeals" => api::api_file;
    get "/appeals/measures" => api::api_measures;
    get "/appeals/export" => api::api_export;
    get "/appeals/{id}" => api::api_get;
    post "/appeals/{id}/actions" => api::api_act;
    post "/appeals/{id}/reporter" => api::api_unseal_reporter;
    post "/appeals/{id}/photos" => api::api_add_photo, limit api::PHOTO_LIMIT;
    get "/appeals/{id}/photos/{photo}" => api::api_photo;
    get "/clock" => api::api_clock;
    post "/clock" => api::api_set_clock;
    get "/notify/channels" => api::api_channels;
    post "/notify/channels" => api::api_add_channel;
    get "/notify/outbox" => api::api_outbox;
    get "/votes" => api::api_votes;
    post "/votes" => api::api_announce_vote;
    get "/votes/{id}" => api::api_vote;
    post "/votes/{id}/ballots" => api::api_cast_ballot;
    post "/votes/{id}/service" => api::api_vote_service;
    get "/votes/{id}/parts" => api::api_vote_parts;
    get "/votes/{id}/images" => api::api_vote_images;
    post "/votes/{id}/images" => api::api_add_vote_image, limit api::PHOTO_LIMIT;
    get "/votes/{id}/images/{image}" => api::api_vote_image;
    get "/territories/{id}/owners" => api::api_dwelling_owners;
    post "/territories/{id}/ballot-caster" => api::api_name_ballot_caster;
    get "/decisions" => api::api_decisions;
    get "/decision-processes" => api::api_decision_processes;
    post "/decision-processes" => api::api_define_decision_process;
    post "/decisions" => api::api_propose_decision;
    get "/decisions/{id}" => api::api_decision;
    post "/decisions/{id}/answers" => api::api_answer_decision;
    post "/decisions/{id}/revise" => api::api_revise_decision;
    post "/decisions/{id}/withdraw" => api::api_withdraw_decision;
    post "/decisions/{id}/assembly" => api::api_decision_assembly;
    post "/decisions/{id}/settle" => api::api_settle_decision;
    get "/councils" => api::api_councils;
    post "/councils" => api::api_create_council;
    get "/councils/{id}" => api::api_council;
    post "/councils/{id}/members" => api::api_add_council_member;
    post "/councils/{id}/topics" => api::api_raise_topic;
    post "/councils/{id}/meetings" => api::api_record_meeting;
    get "/topics" => api::api_topics;
    get "/topics/{id}" => api::api_topic;
    post "/topics/{id}/outcomes" => api::api_decide_outcome;
    post "/topics/{id}/drop" => api::api_drop_topic;
    post "/council-outcomes/{id}/progress" => api::api_record_progress;
    get "/council-meetings/{id}" => api::api_meeting;
    post "/council-meetings/{id}/photos" => api::api_add_meeting_photo, limit api::PHOTO_LIMIT;
    get "/council-meetings/{id}/photos/{photo}" => api::api_meeting_photo;
    post "/appeals/{id}/referral" => api::api_refer_appeal;
    get "/service-categories" => api::api_service_categories;
    get "/service-items" => api::api_service_items;
    post "/service-items" => api::api_save_service_item;
    get "/service-items/{code}" => api::api_service_item;
    get "/service-points" => api::api_service_points;
    post "/service-points" => api::api_open_service_point;
    get "/service-points/{code}" => api::api_service_point;
    post "/service-points/{code}/hours" => api::api_set_point_hours;
    post "/service-points/{code}/roster" => api::api_add_shift;
    delete "/service-points/{code}/roster/{shift}" => api::api_remove_shift;
    get "/service-points/{code}/roster.ics" => api::api_roster_ics;
    get "/service-points/{code}/slots" => api::api_point_slots;
    get "/service-points/{code}/bookings" => api::api_point_bookings;
    get "/appointments" => api::api_my_bookings;
    post "/appointments" => api::api_book;
    post "/appointments/{id}/status" => api::api_booking_status;
    get "/service-tickets" => api::api_tickets;
    post "/service-tickets" => api::api_receive_ticket;
    get "/service-tickets/{id}" => api::api_ticket;
    post "/service-tickets/{id}/steps" => api::api_ticket_step;
    post "/service-tickets/{id}/hand-off" => api::api_hand_off;
    get "/service-tickets/{id}/notice.pdf" => api::api_notice_pdf;
    get "/consultations" => api::api_consultations;
    post "/consultations" => api::api_log_consultation;
    get "/service-ratings" => api::api_ratings;
    post "/service-ratings" => api::api_rate;
    post "/service-ratings/{id}/follow-ups" => api::api_follow_up;
    get "/service-figures" => api::api_service_figures;
    get "/activity-kinds" => api::api_activity_kinds;
    get "/activities" => api::api_activities;
    post "/activities" => api::api_create_activity;
    get "/activities/{id}" => api::api_activity;
    get "/activities/{id}/registrations" => api::api_activity_registrations;
    post "/activities/{id}/registrations" => api::api_register;
    post "/activities/{id}/check-ins" => api::api_check_in;
    post "/activities/{id}/status" => api::api_activity_status;
    post "/activities/{id}/report" => api::api_activity_report;
    get "/activities/{id}/stalls" => api::api_stalls;
    post "/activities/{id}/stalls" => api::api_add_stall;
    post "/activities/{id}/stalls/{stall}/served" => api::api_stall_served;
    post "/activities/{id}/photos" => api::api_add_activity_photo;
    get "/activities/{id}/photos/{photo}" => api::api_activity_photo;
    get "/territories/{code}/activities.ics" => api::api_activities_ics;
    get "/org-adoptions" => api::api_adoptions;
    post "/org-adoptions" => api::api_adopt;
    get "/venture-projects" => api::api_projects;
    post "/venture-projects" => api::api_apply_project;
    get "/venture-projects/{id}" => api::api_project;
    post "/venture-projects/{id}/status" => api::api_project_status;
    get "/golden-rubric" => api::api_rubric;
    get "/golden-solutions" => api::api_solutions;
    post "/golden-solutions" => api::api_submit_solution;
    get "/golden-solutions/{id}" => api::api_solution;
    post "/golden-solutions/{id}/reviews" => api::api_review_solution;
    post "/golden-solutions/{id}/adoptions" => api::api_adopt_solution;
    get "/life-figures" => api::api_life_figures;
    get "/registrations" => api::api_my_registrations;
    post "/registrations/{id}/cancel" => api::api_cancel_registration;
    get "/volunteer-teams" => api::api_teams;
    post "/volunteer-teams" => api::api_create_team;
    get "/volunteer-teams/{id}" => api::api_team;
    post "/volunteer-teams/{id}/members" => api::api_add_member;
    get "/volunteer-records" => api::api_service_records;
    post "/volunteer-records" => api::api_record_service;
    post "/volunteer-records/{id}/decision" => api::api_decide_record;
    get "/people/{id}/volunteer-certificate" => api::api_certificate;
    get "/territories/{code}/fund" => api::api_fund_account;
    get "/territories/{code}/fund/entries" => api::api_fund_entries;
    post "/territories/{code}/fund/entries" => api::api_record_fund_entry;
    post "/territories/{code}/fund/receipts" => api::api_add_fund_receipt, limit api::PHOTO_LIMIT;
    post "/territories/{code}/fund/special-fund" => api::api_grant_special_fund;
    get "/territories/{code}/fund/disclosure" => api::api_fund_disclosure;
    get "/territories/{code}/fund/ledger.xlsx" => api::api_fund_ledger;
    post "/territories/{code}/fund/ledger.xlsx" => api::api_import_fund_ledger, limit api::PHOTO_LIMIT;
    get "/fund-receipts/{id}" => api::api_fund_receipt;
    get "/fund-entries/{id}" => api::api_fund_entry;
    post "/fund-entries/{id}/reversal" => api::api_reverse_fund_entry;
    post "/fund-entries/{id}/decision" => api::api_decide_fund_entry;
    get "/fund-rules" => api::api_fund_rules;
    post "/fund-rules" => api::api_set_fund_rules;
    post "/fund-rules/special-fund" => api::api_set_special_fund;
    get "/my-grids" => api::api_my_grids;
    get "/grids/{code}/round" => api::api_round;
    get "/grids/{code}/visits" => api::api_grid_visits;
    post "/grids/{code}/visits" => api::api_record_visits;
    get "/grids/{code}/helpers" => api::api_grid_helpers;
    post "/grids/{code}/helpers" => api::api_add_grid_helper;
    get "/grid-visit-rules" => api::api_visit_rules;
    post "/grid-visit-rules" => api::api_set_visit_rules;
    get "/grid-secretaries" => api::api_grid_secretaries;
    get "/grids/{code}/secretary" => api::api_secretary_record;
    post "/grids/{code}/secretary" => api::api_file_secretary;
    post "/grid-secretary-filings/{id}/reports" => api::api_report_secretary;
    post "/grid-secretary-filings/{id}/reviews" => api::api_review_secretary;
    get "/worker-pay-scale" => api::api_pay_scale;
    post "/worker-pay-scale" => api::api_set_pay_scale;
    get "/worker-pay-report" => api::api_pay_report;
    get "/recruitments" => api::api_recruitments;
    post "/recruitments" => api::api_create_recruitment;
    get "/recruitments/{id}" => api::api_recruitment;
    post "/recruitments/{id}/applicants" => api::api_add_applicant;
    post "/applicants/{id}/scores" => api::api_score_applicant;
    post "/applicants/{id}/hire" => api::api_hire;
    get "/workers" => api::api_workers;
    post "/workers" => api::api_register_worker;
    get "/workers/{id}" => api::api_worker;
    post "/workers/{id}/grid-post" => api::api_assign_grid;
    post "/workers/{id}/appraisals" => api::api_appraise;
    post "/workers/{id}/promotions" => api::api_promote;
    get "/programme-events" => api::api_programme_events;
    post "/programme-events" => api::api_create_programme_event;
    get "/programme-events/{id}" => api::api_programme_event;
    post "/programme-events/{id}/attendance" => api::api_record_programme;
    get "/programme-standings" => api::api_programme_standings;
    get "/report-figures" => api::api_report_figures;
    get "/reports/{code}/{year}" => api::api_report;
    get "/screen" => api::api_screen;
    get "/reports/{code}/{year}/figures/{key}" => api::api_report_figure;
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
        .route("/territories/{id}/ballot-caster", post(pages::ballot_caster_form))
        .route("/people", get(pages::people))
        .route("/people/{id}", get(pages::person))
        .route("/people/{id}/reveal", post(pages::reveal_person))
        .route("/people.csv", get(api::export_people).post(pages::export_people_form))
        .route("/login", get(pages::login_page).post(pages::login_form))
        .route("/logout", post(pages::logout_form))
        .route("/account", get(pages::account_page))
        .route("/account/password", post(pages::password_form))
        .route("/account/scope", post(pages::scope_form))
        .route("/favicon.svg", get(pages::favicon))
        .route("/favicon.ico", get(pages::favicon))
        .route("/account/tokens", post(pages::token_form))
        .route("/account/tokens/{id}/revoke", post(pages::revoke_token_form))
        .route("/admin/users", get(pages::users_page).post(pages::create_user_form))
        .route("/admin/users/{username}", get(pages::user_page))
        .route("/admin/users/{username}/grants", post(pages::grant_form))
        .route("/admin/users/{username}/grants/{id}/revoke", post(pages::revoke_grant_form))
        .route("/admin/users/{username}/disable", post(pages::disable_form))
        .route("/admin/users/{username}/enable", post(pages::enable_form))
        .route("/admin/users/{username}/password", post(pages::reset_password_form))
        .route("/admin/roles", get(pages::roles_page))
        .route("/audit", get(pages::audit_page))
        .route("/audit.csv", get(api::audit_csv))
        .route("/households", get(pages::households))
        .route("/households/{id}", get(pages::household))
        .route("/lang/{code}", get(pages::set_lang))
        .route("/appeals", get(pages::queue))
        .route("/appeals/dashboard", get(pages::dashboard))
        .route("/appeals.csv", get(api::api_export))
        .route("/appeals/clock", post(pages::clock_form))
        .route("/appeals/{id}", get(pages::appeal_page))
        .route("/appeals/{id}/act", post(pages::act_form))
        .route("/appeals/{id}/referral", post(pages::refer_form))
        .route(
            "/appeals/{id}/photos",
            post(pages::photo_form).layer(axum::extract::DefaultBodyLimit::max(api::PHOTO_LIMIT + 64 * 1024)),
        )
        .route(
            "/report",
            get(pages::report_page)
                .post(pages::report_submit)
                .layer(axum::extract::DefaultBodyLimit::max(api::PHOTO_LIMIT + 64 * 1024)),
        )
        .route("/report/track", get(pages::track_page).post(pages::track_act))
        .route("/report/track/photos/{id}", get(pages::track_photo))
        .route("/votes", get(pages::votes_page).post(pages::announce_vote_form))
        .route("/votes/new", get(pages::new_vote_page))
        .route("/votes/{id}", get(pages::vote_page))
        .route("/votes/{id}/ballot", post(pages::ballot_form))
        .route(
            "/votes/{id}/paper",
            post(pages::paper_form).layer(axum::extract::DefaultBodyLimit::max(api::PHOTO_LIMIT + 64 * 1024)),
        )
        .route(
            "/votes/{id}/service",
            post(pages::service_form).layer(axum::extract::DefaultBodyLimit::max(api::PHOTO_LIMIT + 64 * 1024)),
        )
        .route("/votes/{id}/notice", get(pages::vote_notice))
        .route("/votes/{id}/images/{image}", get(pages::vote_image))
        .route("/service", get(pages::svc_desk_page))
        .route("/service/consultations", post(pages::svc_consultation_form))
        .route("/service/consultations/{id}/rate", post(pages::svc_rate_consultation_form))
        .route("/service/consultations/{id}/follow-up", post(pages::svc_consultation_follow_up_form))
        .route("/service/tickets", post(pages::svc_receive_form))
        .route("/service/tickets/new", get(pages::svc_new_ticket_page))
        .route("/service/tickets/{id}", get(pages::svc_ticket_page))
        .route("/service/tickets/{id}/notice", get(pages::svc_notice_page))
        .route("/service/tickets/{id}/{action}", post(pages::svc_ticket_form))
        .route("/service/catalogue", get(pages::svc_catalogue_page).post(pages::svc_item_save_form))
        .route("/service/catalogue/{code}/edit", get(pages::svc_item_edit_page))
        .route("/service/points", get(pages::svc_points_page))
        .route("/service/points/{code}", get(pages::svc_point_page))
        .route("/service/points/{code}/{action}", post(pages::svc_point_form))
        .route("/service/book", get(pages::svc_book_page).post(pages::svc_book_form))
        .route("/service/bookings/{id}/cancel", post(pages::svc_cancel_booking))
        .route("/activities", get(pages::activities_page).post(pages::activities_form))
        .route("/activities/{id}", get(pages::activity_page))
        .route("/activities/{id}/register", post(pages::activity_register_form))
        .route("/activities/{id}/cancel", post(pages::activity_cancel_form))
        .route("/activities/{id}/check-in", post(pages::activity_check_in_form))
        .route("/life", get(pages::life_page))
        .route("/venture-projects", get(pages::projects_page).post(pages::project_apply_form))
        .route("/venture-projects/{id}/status", post(pages::project_status_form))
        .route("/org-adoptions", post(pages::adoption_form))
        .route("/golden-solutions", get(pages::solutions_page).post(pages::solution_submit_form))
        .route("/golden-solutions/{id}", get(pages::solution_page))
        .route("/golden-solutions/{id}/review", post(pages::solution_review_form))
        .route("/golden-solutions/{id}/adopt", post(pages::solution_adopt_form))
        .route("/funds", get(pages::funds_page))
        .route("/funds/{code}", get(pages::fund_page))
        .route(
            "/funds/{code}/entries",
            post(pages::fund_entry_form).layer(axum::extract::DefaultBodyLimit::max(api::PHOTO_LIMIT + 64 * 1024)),
        )
        .route("/funds/{code}/special-fund", post(pages::special_fund_form))
        .route(
            "/funds/{code}/import",
            post(pages::fund_import_form).layer(axum::extract::DefaultBodyLimit::max(api::PHOTO_LIMIT + 64 * 1024)),
        )
        .route("/fund-entries/{id}", get(pages::fund_entry_page))
        .route("/fund-entries/{id}/reverse", post(pages::fund_reverse_form))
        .route("/fund-entries/{id}/decide", post(pages::fund_decide_form))
        .route("/disclosure/{code}", get(pages::disclosure_page))
        .route("/workers", get(pages::workers_page).post(pages::register_worker_form))
        .route("/screen", get(pages::screen_page))
        .route("/screen/stream", get(pages::screen_stream))
        .route("/reports", get(pages::year_reports_home))
        .route("/reports/{code}/{year}", get(pages::year_report_page))
        .route("/reports/{code}/{year}/{key}", get(pages::year_report_figure_page))
        .route("/workers/pay", get(pages::worker_pay_page).post(pages::worker_pay_form))
        .route("/workers/recruitments", get(pages::recruitments_page).post(pages::recruitment_create_form))
        .route("/workers/recruitments/{id}", get(pages::recruitment_page).post(pages::recruitment_form))
        .route("/workers/{id}", get(pages::worker_page).post(pages::worker_form))
        .route("/programme", get(pages::programme_page).post(pages::programme_form))
        .route("/programme/standings", get(pages::programme_standings_page))
        .route("/programme/{id}", get(pages::programme_event_page).post(pages::programme_event_form))
        .route("/grid-secretaries", get(pages::grid_secretaries_page))
        .route("/grid-secretaries/{code}", get(pages::grid_secretary_page).post(pages::grid_secretary_form))
        .route("/rounds", get(pages::rounds_page))
        .route("/rounds/{code}", get(pages::round_page))
        .route("/rounds/{code}/visit", get(pages::visit_page).post(pages::visit_form))
        .route("/rounds/{code}/helpers", post(pages::round_helper_form))
        .route("/activities/{id}/status", post(pages::activity_status_form))
        .route("/activities/{id}/report", post(pages::activity_report_form))
        .route("/activities/{id}/stalls", post(pages::activity_stall_form))
        .route("/activities/{id}/photos", post(pages::activity_photo_form))
        .route("/activities/{id}/photos/{photo}", get(pages::activity_photo))
        .route("/volunteers", get(pages::volunteers_page))
        .route("/volunteers/teams", post(pages::volunteers_team_form))
        .route("/volunteers/records", post(pages::volunteers_record_form))
        .route("/volunteers/records/{id}/decision", post(pages::volunteers_decide_form))
        .route("/volunteers/teams/{id}", get(pages::volunteer_team_page))
        .route("/volunteers/teams/{id}/members", post(pages::volunteer_member_form))
        .route("/volunteers/teams/{id}/records", post(pages::volunteer_team_record_form))
        .route("/volunteers/certificate/{id}", get(pages::volunteer_certificate_page))
        .route("/service/stats", get(pages::svc_stats_page))
        .route("/decisions", get(pages::decisions_page).post(pages::propose_form))
        .route("/decisions/new", get(pages::new_decision_page))
        .route("/decisions/processes", get(pages::decision_processes_page).post(pages::define_process_form))
        .route("/decisions/{id}", get(pages::decision_page))
        .route("/decisions/{id}/{step}", post(pages::decision_step_form))
        .route("/councils", get(pages::councils_page).post(pages::create_council_form))
        .route("/councils/{id}", get(pages::council_page))
        .route("/councils/{id}/{step}", post(pages::council_step_form))
        .route("/topics/{id}", get(pages::topic_page))
        .route("/topics/{id}/{step}", post(pages::topic_step_form))
        .route("/council-meetings/{id}", get(pages::meeting_page))
        .route(
            "/council-meetings/{id}/photos",
            post(pages::meeting_photo_form).layer(axum::extract::DefaultBodyLimit::max(api::PHOTO_LIMIT + 64 * 1024)),
        )
        .route("/council-meetings/{id}/photos/{photo}", get(pages::meeting_photo))
        .route("/static/{file}", get(pages::static_file))
        .fallback(pages::page_not_found)
        .layer(axum::middleware::from_fn(input::refuse_hidden_text))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(axum::middleware::map_response_with_state(content_security_policy(&state), security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(input::json_errors))
        .with_state(state)
}

/// The pages' content security policy: everything from this site only, but for the
/// operator's map tiles when there are some.
fn content_security_policy(state: &AppState) -> HeaderValue {
    let tiles = state.map_tiles.as_ref().map(|t| format!(" {}", t.origin())).unwrap_or_default();
    let policy = format!(
        "default-src 'self'; img-src 'self' data:{tiles}; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    );
    // The origin was checked to be a plain scheme and host when the source was read.
    HeaderValue::from_str(&policy).unwrap_or_else(|_| {
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
    })
}

/// Headers every response carries: no inline script, no framing, no sniffing.
async fn security_headers(
    axum::extract::State(csp): axum::extract::State<HeaderValue>,
    mut res: axum::response::Response,
) -> axum::response::Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
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
    let screens = state.screen.clone();
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        stop.await;
        // The screens' streams never end by themselves: end them, so they hold nothing up.
        screens.close();
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
