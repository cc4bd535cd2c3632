//! Residents and households: lists, one record, revealing a number, and the exports.

use super::*;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::views::*;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use jiayuan_domain::access::Permission;
use jiayuan_store::people::HouseholdQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Search residents: by name, pinyin, initials or whole ID number; filter by subtree and tag.
/// Sort: name (pinyin order), -name, birth_date, -birth_date, address.
#[utoipa::path(get, path = "/api/v1/people", params(crate::query_docs::PeopleList), responses((status = 200, body = Paged<PersonView>), (status = 400, body = ErrorBody)))]
pub async fn list_people(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Paged<PersonView>>, ApiError> {
    let scope = p.within(&state, auth.scope(Permission::ViewPeople)?).await?;
    let page = p.page()?;
    let q = p.people_query()?;
    Ok(Json(Paged::map(state.store.list_people(&scope, &q, page).await?, PersonView::from)))
}

/// One resident with household, owned dwellings and party membership (masked).
#[utoipa::path(get, path = "/api/v1/people/{id}", params(("id" = String, Path)), responses((status = 200, body = PersonDetailView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_person(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PersonDetailView>, ApiError> {
    let scope = auth.scope(Permission::ViewPeople)?;
    let id = parse_id(&id)?;
    Ok(Json(state.store.person_detail(&scope, id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealBody {
    /// Why the full numbers are needed (4–200 characters); kept in the audit log
    #[schema(value_type = String, required = true, pattern = "^\\s*[^\\s\\u0000\\u202A-\\u202E\\u2066-\\u2069][^\\u0000\\u202A-\\u202E\\u2066-\\u2069]{2,198}[^\\s\\u0000\\u202A-\\u202E\\u2066-\\u2069]\\s*$")]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RevealedView {
    pub id: Uuid,
    pub name: String,
    pub id_number: String,
    pub phone: Option<String>,
}

/// Checks a reveal reason: present, 4–200 characters.
pub fn reveal_reason(r: Option<&str>) -> Result<String, ApiError> {
    let r = r.map(str::trim).unwrap_or("");
    let n = r.chars().count();
    if !(4..=200).contains(&n) {
        return Err(ApiError::invalid("reason", "请填写查看事由(4–200字) (give a reason, 4–200 characters)"));
    }
    Ok(r.to_string())
}

/// Reveals one resident's full ID and phone numbers: needs the reveal permission over the
/// resident's home and a reason; every reveal is audited.
#[utoipa::path(post, path = "/api/v1/people/{id}/reveal", params(("id" = String, Path)), request_body = RevealBody, responses((status = 200, body = RevealedView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reveal_person(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<RevealBody>, JsonRejection>,
) -> Result<Json<RevealedView>, ApiError> {
    let scope = auth.scope(Permission::RevealPersonal)?;
    let b = crate::error::json_body(body)?;
    let reason = reveal_reason(b.reason.as_deref())?;
    let id = parse_id(&id)?;
    let p = state.store.reveal_person(&scope, &auth.audit_ctx(), id, &reason).await?;
    Ok(Json(RevealedView { id: p.id, name: p.name, id_number: p.id_number, phone: p.phone }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    pub within: Option<String>,
    pub q: Option<String>,
    pub tag: Option<String>,
    pub sort: Option<String>,
}

/// What a revealed export asks for: the same filters, and the reason it is needed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealedExportBody {
    pub within: Option<String>,
    pub q: Option<String>,
    #[schema(pattern = "^(elderly|disabled|veteran|low_income|new_employment|living_alone|child|volunteer)?$")]
    pub tag: Option<String>,
    #[schema(pattern = "^(-?(name|birth_date)|address)?$")]
    pub sort: Option<String>,
    /// Why full numbers are needed (4–200 characters); goes to the audit log
    #[schema(value_type = String, required = true, pattern = "^\\s*[^\\s\\u0000\\u202A-\\u202E\\u2066-\\u2069][^\\u0000\\u202A-\\u202E\\u2066-\\u2069]{2,198}[^\\s\\u0000\\u202A-\\u202E\\u2066-\\u2069]\\s*$")]
    pub reason: Option<String>,
}

/// Residents as CSV (UTF-8 with BOM, for Excel), ID and phone numbers masked whatever the
/// parameters: a link (a GET) never unmasks. Every export is audited.
#[utoipa::path(get, path = "/api/v1/people/export", params(crate::query_docs::PeopleExport), responses((status = 200, content_type = "text/csv"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_people(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<ExportParams>,
) -> Result<axum::response::Response, ApiError> {
    let lp = ListParams { within: p.within, q: p.q, tag: p.tag, sort: p.sort, ..Default::default() };
    people_csv(&auth, &state, lp, None).await
}

/// Residents as CSV with full ID and phone numbers: only by POST (with the CSRF token when
/// signed in by cookie), only for those who may reveal, only with a reason; audited.
#[utoipa::path(post, path = "/api/v1/people/export", request_body = RevealedExportBody, responses((status = 200, content_type = "text/csv"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_people_revealed(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<RevealedExportBody>, axum::extract::rejection::JsonRejection>,
) -> Result<axum::response::Response, ApiError> {
    let b = crate::error::json_body(body)?;
    revealed_export(&auth, &state, b).await
}

pub(crate) async fn revealed_export(
    auth: &Auth,
    state: &AppState,
    b: RevealedExportBody,
) -> Result<axum::response::Response, ApiError> {
    auth.require(Permission::RevealPersonal)?;
    let reason = reveal_reason(b.reason.as_deref())?;
    // An empty field means "not given", as in the query string.
    let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let lp = ListParams {
        within: given(b.within),
        q: given(b.q),
        tag: given(b.tag),
        sort: given(b.sort),
        ..Default::default()
    };
    people_csv(auth, state, lp, Some(reason)).await
}

/// Writes the people of `lp` as CSV, full numbers only when a reveal `reason` is given.
async fn people_csv(
    auth: &Auth,
    state: &AppState,
    lp: ListParams,
    reason: Option<String>,
) -> Result<axum::response::Response, ApiError> {
    let reveal = reason.is_some();
    let scope = if reveal { auth.scope(Permission::RevealPersonal)? } else { auth.scope(Permission::ViewPeople)? };
    let scope = lp.within(state, scope).await?;
    let q = lp.people_query()?;
    let people = state.store.people_for_export(&scope, &q).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| ApiError::from(jiayuan_store::StoreError::Other(e.into()));
    w.write_record(["姓名", "性别", "出生日期", "身份证号", "联系电话", "标签", "住址路径"]).map_err(io)?;
    for person in &people {
        let (idn, phone) = if reveal {
            (person.id_number.clone(), person.phone.clone().unwrap_or_default())
        } else {
            (
                jiayuan_domain::resident_id::mask_id_str(&person.id_number),
                person.phone.as_deref().map(jiayuan_domain::phone::mask_phone_str).unwrap_or_default(),
            )
        };
        let sex = if person.sex == "male" { "男" } else { "女" };
        let birth = person.birth_date.to_string();
        let cells =
            [person.name.as_str(), sex, &birth, &idn, &phone, &person.tags, person.home_path.as_deref().unwrap_or("")];
        w.write_record(cells.map(jiayuan_domain::spreadsheet::neutralise).iter().map(|c| c.as_ref())).map_err(io)?;
    }
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(w.into_inner().map_err(|e| io(e.into_error().into()))?);
    state
        .store
        .audit(
            &auth.audit_ctx(),
            jiayuan_store::audit::AuditEvent {
                scope_path: scope.subtrees().first().map(|s| s.path.as_str()).unwrap_or("/"),
                action: if reveal { "people.export_revealed" } else { "people.export" },
                object: "people".into(),
                summary: serde_json::json!({"rows": people.len(), "within": lp.within, "q": lp.q, "reason": reason}),
                result: "ok",
            },
        )
        .await?;
    Ok(csv_attachment(bytes, "people.csv"))
}

/// List households; sort: address, -address, number.
#[utoipa::path(get, path = "/api/v1/households", params(crate::query_docs::HouseholdList), responses((status = 200, body = Paged<HouseholdView>), (status = 400, body = ErrorBody)))]
pub async fn list_households(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Paged<HouseholdView>>, ApiError> {
    let scope = p.within(&state, auth.scope(Permission::ViewPeople)?).await?;
    let page = p.page()?;
    let q = HouseholdQuery { q: p.q.clone(), sort: p.sort.clone() };
    Ok(Json(Paged::map(state.store.list_households(&scope, &q, page).await?, HouseholdView::from)))
}

#[utoipa::path(get, path = "/api/v1/households/{id}", params(("id" = String, Path)), responses((status = 200, body = HouseholdDetailView), (status = 404, body = ErrorBody)))]
pub async fn get_household(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<HouseholdDetailView>, ApiError> {
    let scope = auth.scope(Permission::ViewPeople)?;
    let id = parse_id(&id)?;
    Ok(Json(state.store.household_detail(&scope, id).await?.into()))
}
