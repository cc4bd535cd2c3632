//! The JSON API under `/api/v1`. Handlers parse, call the store, and shape the answer.

use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::views::*;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use jiayuan_domain::access::Permission;
use jiayuan_domain::org::{AllianceKind, OrgKind};
use jiayuan_domain::person::PersonTag;
use jiayuan_domain::TerritoryKind;
use jiayuan_store::access::Scope;
use jiayuan_store::model::Page;
use jiayuan_store::org::OrgQuery;
use jiayuan_store::people::{HouseholdQuery, PeopleQuery};
use jiayuan_store::territory::{NewTerritory, TerritoryQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Query parameters shared by the lists. All arrive as text and are parsed here, so a bad
/// value is answered with the name of the parameter at fault.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Territory code or id: only rows in that subtree
    pub within: Option<String>,
    /// Search text (names, pinyin, initials, codes; whole ID number for people)
    pub q: Option<String>,
    /// Sort key; prefix `-` for descending
    pub sort: Option<String>,
    /// 1-based page number (default 1)
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: Option<String>,
    /// Rows per page, 1–200 (default 20)
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub page_size: Option<String>,
    /// Territories only: kind of node
    #[param(value_type = Option<String>, pattern = "^(district|subdistrict|community|compound|building|entrance|dwelling)$")]
    pub kind: Option<String>,
    /// Territories only: direct children of this id or code
    pub parent: Option<String>,
    /// People only: a tag such as elderly, disabled, veteran
    #[param(value_type = Option<String>, pattern = "^[a-z_]+$")]
    pub tag: Option<String>,
}

fn num(v: &Option<String>, field: &str) -> Result<Option<u32>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<u32>()
            .map(Some)
            .map_err(|_| ApiError::invalid(field, format!("“{s}”不是正整数 (not a whole number)"))),
    }
}

impl ListParams {
    pub fn page(&self) -> Result<Page, ApiError> {
        Ok(Page::new(num(&self.page, "page")?, num(&self.page_size, "page_size")?)?)
    }

    /// The scope cut down to `within`, when given. A node outside the scope answers exactly
    /// as one that does not exist: 404 naming the parameter.
    pub async fn within(&self, state: &AppState, scope: Scope) -> Result<Scope, ApiError> {
        match self.within.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(scope),
            Some(r) => match state.store.territory_in(&scope, r).await {
                Ok(t) => Ok(scope.narrow(&t)?),
                Err(jiayuan_store::StoreError::NotFound) => Err(ApiError {
                    field: Some("within".into()),
                    message: format!("区域“{r}”不存在 (no such territory)"),
                    ..ApiError::not_found()
                }),
                Err(e) => Err(e.into()),
            },
        }
    }
}

impl ListParams {
    pub fn people_query(&self) -> Result<PeopleQuery, ApiError> {
        let tag =
            self.tag.as_deref().filter(|s| !s.is_empty()).map(|t| PersonTag::parse_field(t, "tag")).transpose()?;
        Ok(PeopleQuery { q: self.q.clone(), tag, sort: self.sort.clone() })
    }
}

/// An id from the path. Something that is not an id names nothing here: 404, like an id that
/// does not exist.
pub fn parse_id(s: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(s.trim()).map_err(|_| ApiError::not_found())
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Every check passed: the database answers and its schema is current"), (status = 503, description = "A check failed; `failed` names it")))]
pub async fn healthz(State(state): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let checks = state.store.health().await;
    let failed: Vec<&str> = checks.iter().filter(|(_, r)| r.is_err()).map(|(n, _)| *n).collect();
    let detail: serde_json::Map<String, serde_json::Value> = checks
        .iter()
        .map(|(n, r)| (n.to_string(), serde_json::json!(r.as_ref().err().map(String::as_str).unwrap_or("ok"))))
        .collect();
    let status = if failed.is_empty() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = serde_json::json!({
        "status": if failed.is_empty() { "ok" } else { "fail" },
        "failed": failed,
        "checks": detail,
    });
    (status, Json(body)).into_response()
}

/// List territory nodes: filter by subtree, kind or parent; search; sort by code or name.
#[utoipa::path(get, path = "/api/v1/territories", params(crate::query_docs::TerritoryList), responses((status = 200, body = Paged<TerritoryView>), (status = 400, body = ErrorBody)))]
pub async fn list_territories(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Paged<TerritoryView>>, ApiError> {
    let scope = auth.scope(Permission::ViewTerritory)?;
    let page = p.page()?;
    let kind =
        p.kind.as_deref().filter(|s| !s.is_empty()).map(|k| TerritoryKind::parse_field(k, "kind")).transpose()?;
    let parent_id = match p.parent.as_deref().filter(|s| !s.is_empty()) {
        Some(r) => Some(
            state
                .store
                .territory_in(&scope, r)
                .await
                .map_err(|e| match e {
                    jiayuan_store::StoreError::NotFound => ApiError {
                        field: Some("parent".into()),
                        message: format!("区域“{r}”不存在 (no such territory)"),
                        ..ApiError::not_found()
                    },
                    e => e.into(),
                })?
                .id,
        ),
        None => None,
    };
    let scope = p.within(&state, scope).await?;
    let q = TerritoryQuery { kind, parent_id, q: p.q.clone(), sort: p.sort.clone() };
    let res = state.store.list_territories(&scope, &q, page).await?;
    Ok(Json(Paged::map(res, TerritoryView::from)))
}

/// One node with its ancestors, figures, party organisations, grids, assignments and coverage gaps.
#[utoipa::path(get, path = "/api/v1/territories/{id}", params(("id" = String, Path, description = "Territory id or code")), responses((status = 200, body = TerritoryDetailView), (status = 404, body = ErrorBody)))]
pub async fn get_territory(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TerritoryDetailView>, ApiError> {
    let scope = auth.scope(Permission::ViewTerritory)?;
    let t = state.store.territory_in(&scope, &id).await?;
    Ok(Json(territory_detail(&state, &scope, t).await?))
}

pub async fn territory_detail(
    state: &AppState,
    scope: &Scope,
    t: jiayuan_store::model::Territory,
) -> Result<TerritoryDetailView, ApiError> {
    let s = &state.store;
    let ancestors = s.ancestors(&t).await?;
    let stats = s.stats(&scope.narrow(&t)?).await?;
    let party_orgs = s.party_orgs_at(t.id).await?;
    let grids = s.grids_in(&t).await?;
    let assignments = s.assignments_in(&t).await?;
    let coverage = s.coverage(&t.path).await?;
    Ok(TerritoryDetailView {
        territory: t.into(),
        ancestors: ancestors.into_iter().map(Into::into).collect(),
        stats: stats.into(),
        party_orgs: party_orgs.into_iter().map(Into::into).collect(),
        grids: grids.into_iter().map(Into::into).collect(),
        assignments: assignments.into_iter().map(Into::into).collect(),
        coverage: coverage.into(),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTerritoryBody {
    /// Parent's code or id; omitted only for a district
    pub parent: Option<String>,
    #[schema(pattern = "^(district|subdistrict|community|compound|building|entrance|dwelling)$")]
    pub kind: String,
    /// 12-digit statistical code down to community; parent code + "-" + suffix below
    #[schema(pattern = "^[0-9]{12}(-[0-9A-Za-z]+)*$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 60, pattern = "\\S")]
    pub name: String,
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<serde_json::Value>,
    /// Dwellings: exclusive area in m², at most two decimals
    #[schema(pattern = "^([0-9]{1,7}(\\.[0-9]{1,2})?)?$")]
    pub area_m2: Option<String>,
    /// Dwellings: residential, commercial or parking
    #[schema(pattern = "^(residential|commercial|parking)?$")]
    pub dwelling_use: Option<String>,
}

/// Create a territory node under its parent.
#[utoipa::path(post, path = "/api/v1/territories", request_body = NewTerritoryBody, responses((status = 201, body = TerritoryView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_territory(
    auth: Auth,
    State(state): State<AppState>,
    body: Result<Json<NewTerritoryBody>, JsonRejection>,
) -> Result<(StatusCode, Json<TerritoryView>), ApiError> {
    let scope = auth.scope(Permission::EditTerritory)?;
    let b = crate::error::json_body(body)?;
    let input = NewTerritory {
        parent_code: b.parent,
        kind: b.kind,
        code: b.code,
        name: b.name,
        geometry: b.geometry.map(|g| g.to_string()),
        area: b.area_m2,
        dwelling_use: b.dwelling_use,
    };
    let t = state.store.create_territory(&scope, &auth.audit_ctx(), &input).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// Counts for the whole district or a subtree (`within`).
#[utoipa::path(get, path = "/api/v1/stats", params(crate::query_docs::StatsQuery), responses((status = 200, body = StatsView), (status = 400, body = ErrorBody)))]
pub async fn stats(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<StatsView>, ApiError> {
    let scope = p.within(&state, auth.scope(Permission::ViewTerritory)?).await?;
    Ok(Json(state.store.stats(&scope).await?.into()))
}

/// Coverage gaps of 一联双包 under a node.
#[utoipa::path(get, path = "/api/v1/territories/{id}/coverage", params(("id" = String, Path, description = "Territory id or code")), responses((status = 200, body = CoverageView), (status = 404, body = ErrorBody)))]
pub async fn coverage(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CoverageView>, ApiError> {
    let t = state.store.territory_in(&auth.scope(Permission::ViewTerritory)?, &id).await?;
    Ok(Json(state.store.coverage(&t.path).await?.into()))
}

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

/// The people page's export form: the same as the API's POST, from a form.
pub async fn export_people_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: crate::pages::Ui,
    axum::Form(f): axum::Form<RevealedExportForm>,
) -> Result<axum::response::Response, crate::pages::PageError> {
    let b = RevealedExportBody {
        within: f.within.clone(),
        q: f.q.clone(),
        tag: f.tag.clone(),
        sort: f.sort.clone(),
        reason: f.reason.clone(),
    };
    match revealed_export(&auth, &state, b).await {
        Ok(csv) => Ok(csv),
        // Back on the people page, the form open, the reason as typed, the message beside it.
        Err(e) if e.status.is_client_error() => {
            let p = crate::pages::PageParams { q: f.q, within: f.within, tag: f.tag, sort: f.sort, page: None };
            let refused = crate::pages::ExportRefused { reason: f.reason.unwrap_or_default(), error: e.message };
            crate::pages::people_page(&auth, &state, ui, p, Some(refused)).await
        }
        Err(e) => Err(crate::pages::PageError { ui: Box::new(ui), err: e }),
    }
}

/// The people page's export form: the fields of [`RevealedExportBody`], read leniently since
/// the form also carries its `csrf` field (checked by the middleware).
#[derive(Debug, Default, Deserialize)]
pub struct RevealedExportForm {
    pub within: Option<String>,
    pub q: Option<String>,
    pub tag: Option<String>,
    pub sort: Option<String>,
    pub reason: Option<String>,
}

async fn revealed_export(
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

/// A CSV download.
pub fn csv_attachment(bytes: Vec<u8>, filename: &'static str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
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

/// Organisations: double-reporting units, social organisations, property companies, owners'
/// committees. `within` lists those placed in a subtree; `kind` filters; sort code or name.
#[utoipa::path(get, path = "/api/v1/organisations", params(crate::query_docs::OrganisationList), responses((status = 200, body = Paged<OrganisationView>), (status = 400, body = ErrorBody)))]
pub async fn list_organisations(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Paged<OrganisationView>>, ApiError> {
    let scope = p.within(&state, auth.scope(Permission::ViewOrganisations)?).await?;
    let page = p.page()?;
    let kind = p.kind.as_deref().filter(|s| !s.is_empty()).map(|k| OrgKind::parse_field(k, "kind")).transpose()?;
    let q = OrgQuery { kind, q: p.q.clone(), sort: p.sort.clone() };
    Ok(Json(Paged::map(state.store.list_organisations(&scope, &q, page).await?, OrganisationView::from)))
}

/// Party-building alliances (区域治理型, 社会服务型, 社区毗邻型) led from a node in the subtree,
/// with their member organisations.
#[utoipa::path(get, path = "/api/v1/alliances", params(crate::query_docs::AllianceList), responses((status = 200, body = Vec<AllianceView>), (status = 400, body = ErrorBody)))]
pub async fn list_alliances(
    auth: Auth,
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Vec<AllianceView>>, ApiError> {
    let scope = p.within(&state, auth.scope(Permission::ViewOrganisations)?).await?;
    let kind = p.kind.as_deref().filter(|s| !s.is_empty()).map(|k| AllianceKind::parse_field(k, "kind")).transpose()?;
    let alliances = state.store.list_alliances(&scope, kind).await?;
    let ids: Vec<Uuid> = alliances.iter().map(|a| a.id).collect();
    let mut members = state.store.alliances_members(&ids).await?;
    let out = alliances
        .into_iter()
        .zip(members.iter_mut())
        .map(|(a, (_, m))| AllianceView::new(a, std::mem::take(m)))
        .collect();
    Ok(Json(out))
}

/// The OpenAPI document of the JSON API (see [`crate::openapi`]).
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(()), responses((status = 200, description = "This document", body = Object)))]
pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

/// Unknown API paths answer in the API's error shape.
pub async fn api_not_found() -> ApiError {
    ApiError::not_found()
}
