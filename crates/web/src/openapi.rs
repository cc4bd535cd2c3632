//! The OpenAPI document of `/api/v1`: every operation of [`crate::API_ROUTES`] (a test holds
//! the two together), the two ways to sign in, and the answers every operation can give
//! because of what runs before any handler (Open311 has its own GeoReport v2 specification).

use crate::api;
use crate::error::ErrorBody;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Jiayuan API",
        description = "家园 — grassroots governance. Personal information is masked in every response. \
                       Sign in with a bearer token (`Authorization: Bearer jyt_…`, made on My account or with \
                       `jiayuan token create`) or with the session cookie of `POST /api/v1/auth/login`, which \
                       also needs the `X-CSRF-Token` header on every state change."
    ),
    paths(
        api::healthz,
        serve_document,
        api::list_territories,
        api::get_territory,
        api::create_territory,
        api::coverage,
        api::stats,
        api::list_people,
        api::get_person,
        api::reveal_person,
        api::export_people,
        api::export_people_revealed,
        api::list_households,
        api::get_household,
        api::list_organisations,
        api::list_alliances,
        api::api_login,
        api::api_logout,
        api::api_me,
        api::api_password,
        api::api_tokens,
        api::api_create_token,
        api::api_revoke_token,
        api::api_users,
        api::api_create_user,
        api::api_user,
        api::api_disable,
        api::api_enable,
        api::api_reset_password,
        api::api_grant,
        api::api_revoke_grant,
        api::api_roles,
        api::api_audit,
        api::audit_csv,
        api::api_categories,
        api::api_list,
        api::api_export,
        api::api_file,
        api::api_measures,
        api::api_get,
        api::api_act,
        api::api_unseal_reporter,
        api::api_add_photo,
        api::api_photo,
        api::api_clock,
        api::api_set_clock,
        api::api_channels,
        api::api_add_channel,
        api::api_outbox,
        api::api_announce_vote,
        api::api_vote,
        api::api_cast_ballot,
        api::api_vote_service,
        api::api_votes,
        api::api_vote_parts,
        api::api_vote_images,
        api::api_add_vote_image,
        api::api_vote_image,
        api::api_dwelling_owners,
        api::api_name_ballot_caster,
        api::api_decisions,
        api::api_decision_processes,
        api::api_define_decision_process,
        api::api_propose_decision,
        api::api_decision,
        api::api_answer_decision,
        api::api_revise_decision,
        api::api_withdraw_decision,
        api::api_decision_assembly,
        api::api_settle_decision,
        api::api_councils,
        api::api_create_council,
        api::api_council,
        api::api_add_council_member,
        api::api_raise_topic,
        api::api_record_meeting,
        api::api_topics,
        api::api_topic,
        api::api_decide_outcome,
        api::api_drop_topic,
        api::api_record_progress,
        api::api_meeting,
        api::api_add_meeting_photo,
        api::api_meeting_photo,
        api::api_refer_appeal,
        api::api_service_categories,
        api::api_service_items,
        api::api_save_service_item,
        api::api_service_item,
        api::api_service_points,
        api::api_open_service_point,
        api::api_service_point,
        api::api_set_point_hours,
        api::api_add_shift,
        api::api_remove_shift,
        api::api_roster_ics,
        api::api_point_slots,
        api::api_point_bookings,
        api::api_my_bookings,
        api::api_book,
        api::api_booking_status,
        api::api_tickets,
        api::api_receive_ticket,
        api::api_ticket,
        api::api_ticket_step,
        api::api_hand_off,
        api::api_notice_pdf,
        api::api_consultations,
        api::api_log_consultation,
        api::api_ratings,
        api::api_rate,
        api::api_follow_up,
        api::api_service_figures,
        api::api_activity_kinds,
        api::api_activities,
        api::api_create_activity,
        api::api_activity,
        api::api_activity_registrations,
        api::api_register,
        api::api_my_registrations,
        api::api_cancel_registration,
        api::api_check_in,
        api::api_teams,
        api::api_create_team,
        api::api_team,
        api::api_add_member,
        api::api_service_records,
        api::api_record_service,
        api::api_decide_record,
        api::api_certificate,
        api::api_activity_status,
        api::api_activity_report,
        api::api_stalls,
        api::api_add_stall,
        api::api_stall_served,
        api::api_add_activity_photo,
        api::api_activity_photo,
        api::api_activities_ics,
        api::api_adoptions,
        api::api_adopt,
        api::api_projects,
        api::api_apply_project,
        api::api_project,
        api::api_project_status,
        api::api_rubric,
        api::api_solutions,
        api::api_submit_solution,
        api::api_solution,
        api::api_review_solution,
        api::api_adopt_solution,
        api::api_life_figures,
        api::api_fund_account,
        api::api_fund_entries,
        api::api_record_fund_entry,
        api::api_add_fund_receipt,
        api::api_grant_special_fund,
        api::api_fund_disclosure,
        api::api_fund_ledger,
        api::api_import_fund_ledger,
        api::api_fund_receipt,
        api::api_fund_entry,
        api::api_reverse_fund_entry,
        api::api_decide_fund_entry,
        api::api_fund_rules,
        api::api_set_fund_rules,
        api::api_set_special_fund,
        api::api_my_grids,
        api::api_round,
        api::api_grid_visits,
        api::api_record_visits,
        api::api_grid_helpers,
        api::api_add_grid_helper,
        api::api_visit_rules,
        api::api_set_visit_rules,
        api::api_grid_secretaries,
        api::api_secretary_record,
        api::api_file_secretary,
        api::api_report_secretary,
        api::api_review_secretary,
        api::api_pay_scale,
        api::api_set_pay_scale,
        api::api_pay_report,
        api::api_recruitments,
        api::api_create_recruitment,
        api::api_recruitment,
        api::api_add_applicant,
        api::api_score_applicant,
        api::api_hire,
        api::api_workers,
        api::api_register_worker,
        api::api_worker,
        api::api_assign_grid,
        api::api_appraise,
        api::api_promote,
        api::api_programme_events,
        api::api_create_programme_event,
        api::api_programme_event,
        api::api_record_programme,
        api::api_programme_standings,
        api::api_report_figures,
        api::api_report,
        api::api_report_figure,
        api::api_screen,
    ),
    components(schemas(ErrorBody)),
    modifiers(&SignIn, &CommonAnswers),
    security(("bearer" = []), ("cookie" = []))
)]
pub struct ApiDoc;

/// The document as served, built once: utoipa's output with the rules that hold for every
/// request added: free text refuses hidden characters ([`plain_text`]) and a body refuses
/// fields it does not know (`additionalProperties: false`, as `deny_unknown_fields` does).
pub fn document() -> serde_json::Value {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut v = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        let mut bodies = Vec::new();
        if let Some(paths) = v.get_mut("paths").and_then(|p| p.as_object_mut()) {
            for item in paths.values_mut() {
                for op in item.as_object_mut().into_iter().flat_map(|m| m.values_mut()) {
                    if let Some(params) = op.get_mut("parameters") {
                        plain_text(params);
                    }
                    if let Some(r) =
                        op.pointer("/requestBody/content/application~1json/schema/$ref").and_then(|r| r.as_str())
                    {
                        bodies.push(r.trim_start_matches("#/components/schemas/").to_string());
                    }
                }
            }
        }
        for name in bodies {
            if let Some(s) = v.pointer_mut(&format!("/components/schemas/{name}")) {
                plain_text(s);
                if let Some(m) = s.as_object_mut() {
                    m.insert("additionalProperties".into(), serde_json::Value::Bool(false));
                }
            }
        }
        v
    })
    .clone()
}

/// What free text may hold everywhere: no NUL and no bidirectional embedding, override or
/// isolate character (`jiayuan_domain::text`, refused with 400 before any handler).
pub const TEXT_PATTERN: &str = "^[^\\u0000\\u202A-\\u202E\\u2066-\\u2069]*$";

/// Text with at least one visible character (what `pattern = "\\S"` in a field stands for).
pub const NONBLANK_PATTERN: &str =
    "^[^\\u0000\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000\\u202A-\\u202E\\u2066-\\u2069][^\\u0000\\u202A-\\u202E\\u2066-\\u2069]*$";

/// Gives every string schema without its own pattern, format or values the text pattern, and
/// turns the shorthand `\S` ("not blank") into the non-blank text pattern.
fn plain_text(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            let is_string = match m.get("type") {
                Some(serde_json::Value::String(t)) => t == "string",
                Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                _ => false,
            };
            if is_string && m.get("pattern").and_then(|p| p.as_str()) == Some("\\S") {
                m.insert("pattern".into(), serde_json::Value::String(NONBLANK_PATTERN.into()));
            }
            if is_string && !m.contains_key("pattern") && !m.contains_key("enum") && !m.contains_key("format") {
                m.insert("pattern".into(), serde_json::Value::String(TEXT_PATTERN.into()));
            }
            for (_, x) in m.iter_mut() {
                plain_text(x);
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(plain_text),
        _ => {}
    }
}

/// The bearer token and the session cookie.
struct SignIn;

impl Modify for SignIn {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("jyt_…")
                    .description(Some("An API token: no CSRF token needed"))
                    .build(),
            ),
        );
        c.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "The session of POST /api/v1/auth/login; state changes also need X-CSRF-Token",
            ))),
        );
    }
}

/// Answers that come from the layers in front of every handler: 400 for a query or body with
/// NUL or bidirectional-override characters, 401 without a usable sign-in, 403 for a state
/// change without the CSRF token or a permission, 413 for a body over the limit, 415 for a
/// body of another type, 405 for another method, 429 after too many failed sign-ins.
struct CommonAnswers;

fn error(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

impl Modify for CommonAnswers {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for (path, item) in doc.paths.paths.iter_mut() {
            let public = matches!(path.as_str(), "/healthz" | "/api/v1/openapi.json" | "/api/v1/auth/login");
            let ops: [(&str, &mut Option<Operation>); 4] = [
                ("get", &mut item.get),
                ("post", &mut item.post),
                ("put", &mut item.put),
                ("delete", &mut item.delete),
            ];
            for (method, op) in ops {
                let Some(op) = op.as_mut() else { continue };
                let r = &mut op.responses.responses;
                let mut add = |code: &str, d: &str| {
                    r.entry(code.to_string()).or_insert_with(|| error(d));
                };
                add("400", "A parameter or field is wrong; `field` names it");
                // Public operations too: a bearer token that is sent must be valid.
                add("401", "Not signed in, or the token or session is no longer valid");
                if !public {
                    add("403", "Not permitted, or (with the session cookie) the CSRF token is missing");
                    add("404", "Something the request names (in the path, `within`, a field) does not exist or is outside the caller's area; `field` names it");
                }
                if method != "get" {
                    add("413", "The body is larger than allowed");
                    add("415", "The body is not of the expected type");
                }
                if path == "/api/v1/auth/login" {
                    add("423", "Locked for a while after repeated failures");
                    add("429", "Too many failed sign-ins from this address");
                }
                if public {
                    op.security = Some(vec![SecurityRequirement::default()]);
                }
            }
        }
    }
}

/// The OpenAPI document of the JSON API .
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(()), responses((status = 200, description = "This document", body = Object)))]
pub async fn serve_document() -> axum::Json<serde_json::Value> {
    axum::Json(document())
}
