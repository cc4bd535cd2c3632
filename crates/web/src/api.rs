//! The JSON API under `/api/v1`. Handlers parse, call the store, and shape the answer.

use crate::error::{ApiError, ErrorBody};
use crate::views::*;
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use jiayuan_domain::org::{AllianceKind, OrgKind};
use jiayuan_domain::person::PersonTag;
use jiayuan_domain::TerritoryKind;
use jiayuan_store::model::Page;
use jiayuan_store::org::OrgQuery;
use jiayuan_store::people::{HouseholdQuery, PeopleQuery};
use jiayuan_store::territory::{NewTerritory, Subtree, TerritoryQuery};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};
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
    pub page: Option<String>,
    /// Rows per page, 1–200 (default 20)
    pub page_size: Option<String>,
    /// Territories only: kind of node
    pub kind: Option<String>,
    /// Territories only: direct children of this id or code
    pub parent: Option<String>,
    /// People only: a tag such as elderly, disabled, veteran
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

    pub async fn within(&self, state: &AppState) -> Result<Option<Subtree>, ApiError> {
        match self.within.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(r) => match state.store.territory_by_ref(r).await {
                Ok(t) => Ok(Some(Subtree::of(&t.path))),
                Err(jiayuan_store::StoreError::NotFound) => {
                    Err(ApiError::invalid("within", format!("区域“{r}”不存在 (no such territory)")))
                }
                Err(e) => Err(e.into()),
            },
        }
    }
}

pub fn parse_id(s: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(s.trim()).map_err(|_| ApiError::invalid("id", "不是有效的ID (not a valid id)"))
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The server is up")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// List territory nodes: filter by subtree, kind or parent; search; sort by code or name.
#[utoipa::path(get, path = "/api/v1/territories", params(ListParams), responses((status = 200, body = Paged<TerritoryView>), (status = 400, body = ErrorBody)))]
pub async fn list_territories(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Paged<TerritoryView>>, ApiError> {
    let page = p.page()?;
    let kind =
        p.kind.as_deref().filter(|s| !s.is_empty()).map(|k| TerritoryKind::parse_field(k, "kind")).transpose()?;
    let parent_id = match p.parent.as_deref().filter(|s| !s.is_empty()) {
        Some(r) => Some(
            state
                .store
                .territory_by_ref(r)
                .await
                .map_err(|_| ApiError::invalid("parent", format!("区域“{r}”不存在 (no such territory)")))?
                .id,
        ),
        None => None,
    };
    let q = TerritoryQuery { within: p.within(&state).await?, kind, parent_id, q: p.q.clone(), sort: p.sort.clone() };
    let res = state.store.list_territories(&q, page).await?;
    Ok(Json(Paged::map(res, TerritoryView::from)))
}

/// One node with its ancestors, figures, party organisations, grids, assignments and coverage gaps.
#[utoipa::path(get, path = "/api/v1/territories/{id}", params(("id" = String, Path, description = "Territory id or code")), responses((status = 200, body = TerritoryDetailView), (status = 404, body = ErrorBody)))]
pub async fn get_territory(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TerritoryDetailView>, ApiError> {
    let t = state.store.territory_by_ref(&id).await?;
    Ok(Json(territory_detail(&state, t).await?))
}

pub async fn territory_detail(
    state: &AppState,
    t: jiayuan_store::model::Territory,
) -> Result<TerritoryDetailView, ApiError> {
    let s = &state.store;
    let ancestors = s.ancestors(&t).await?;
    let stats = s.stats(&Subtree::of(&t.path)).await?;
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
pub struct NewTerritoryBody {
    /// Parent's code or id; omitted only for a district
    pub parent: Option<String>,
    pub kind: String,
    /// 12-digit statistical code down to community; parent code + "-" + suffix below
    pub code: String,
    pub name: String,
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<serde_json::Value>,
    /// Dwellings: exclusive area in m², at most two decimals
    pub area_m2: Option<String>,
    /// Dwellings: residential, commercial or parking
    pub dwelling_use: Option<String>,
}

/// Create a territory node under its parent.
#[utoipa::path(post, path = "/api/v1/territories", request_body = NewTerritoryBody, responses((status = 201, body = TerritoryView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_territory(
    State(state): State<AppState>,
    body: Result<Json<NewTerritoryBody>, JsonRejection>,
) -> Result<(StatusCode, Json<TerritoryView>), ApiError> {
    let Json(b) = body.map_err(|e| {
        ApiError::invalid("body", format!("请求体不是有效的JSON (invalid JSON body): {}", e.body_text()))
    })?;
    let input = NewTerritory {
        parent_code: b.parent,
        kind: b.kind,
        code: b.code,
        name: b.name,
        geometry: b.geometry.map(|g| g.to_string()),
        area: b.area_m2,
        dwelling_use: b.dwelling_use,
    };
    let t = state.store.create_territory(&input).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// Counts for the whole district or a subtree (`within`).
#[utoipa::path(get, path = "/api/v1/stats", params(ListParams), responses((status = 200, body = StatsView), (status = 400, body = ErrorBody)))]
pub async fn stats(State(state): State<AppState>, Query(p): Query<ListParams>) -> Result<Json<StatsView>, ApiError> {
    let within = p.within(&state).await?.unwrap_or_else(Subtree::all);
    Ok(Json(state.store.stats(&within).await?.into()))
}

/// Coverage gaps of 一联双包 under a node.
#[utoipa::path(get, path = "/api/v1/territories/{id}/coverage", params(("id" = String, Path, description = "Territory id or code")), responses((status = 200, body = CoverageView), (status = 404, body = ErrorBody)))]
pub async fn coverage(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<CoverageView>, ApiError> {
    let t = state.store.territory_by_ref(&id).await?;
    Ok(Json(state.store.coverage(&t.path).await?.into()))
}

/// Search residents: by name, pinyin, initials or whole ID number; filter by subtree and tag.
/// Sort: name (pinyin order), -name, birth_date, -birth_date, address.
#[utoipa::path(get, path = "/api/v1/people", params(ListParams), responses((status = 200, body = Paged<PersonView>), (status = 400, body = ErrorBody)))]
pub async fn list_people(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Paged<PersonView>>, ApiError> {
    let page = p.page()?;
    let tag = p.tag.as_deref().filter(|s| !s.is_empty()).map(|t| PersonTag::parse_field(t, "tag")).transpose()?;
    let q = PeopleQuery { within: p.within(&state).await?, q: p.q.clone(), tag, sort: p.sort.clone() };
    Ok(Json(Paged::map(state.store.list_people(&q, page).await?, PersonView::from)))
}

/// One resident with household, owned dwellings and party membership (masked).
#[utoipa::path(get, path = "/api/v1/people/{id}", params(("id" = String, Path)), responses((status = 200, body = PersonDetailView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_person(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PersonDetailView>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(state.store.person_detail(id).await?.into()))
}

/// List households; sort: address, -address, number.
#[utoipa::path(get, path = "/api/v1/households", params(ListParams), responses((status = 200, body = Paged<HouseholdView>), (status = 400, body = ErrorBody)))]
pub async fn list_households(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Paged<HouseholdView>>, ApiError> {
    let page = p.page()?;
    let q = HouseholdQuery { within: p.within(&state).await?, q: p.q.clone(), sort: p.sort.clone() };
    Ok(Json(Paged::map(state.store.list_households(&q, page).await?, HouseholdView::from)))
}

#[utoipa::path(get, path = "/api/v1/households/{id}", params(("id" = String, Path)), responses((status = 200, body = HouseholdDetailView), (status = 404, body = ErrorBody)))]
pub async fn get_household(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<HouseholdDetailView>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(state.store.household_detail(id).await?.into()))
}

/// Organisations: double-reporting units, social organisations, property companies, owners'
/// committees. `within` lists those placed in a subtree; `kind` filters; sort code or name.
#[utoipa::path(get, path = "/api/v1/organisations", params(ListParams), responses((status = 200, body = Paged<OrganisationView>), (status = 400, body = ErrorBody)))]
pub async fn list_organisations(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Paged<OrganisationView>>, ApiError> {
    let page = p.page()?;
    let kind = p.kind.as_deref().filter(|s| !s.is_empty()).map(|k| OrgKind::parse_field(k, "kind")).transpose()?;
    let q = OrgQuery { within: p.within(&state).await?, kind, q: p.q.clone(), sort: p.sort.clone() };
    Ok(Json(Paged::map(state.store.list_organisations(&q, page).await?, OrganisationView::from)))
}

/// Party-building alliances (区域治理型, 社会服务型, 社区毗邻型) led from a node in the subtree,
/// with their member organisations.
#[utoipa::path(get, path = "/api/v1/alliances", params(ListParams), responses((status = 200, body = Vec<AllianceView>), (status = 400, body = ErrorBody)))]
pub async fn list_alliances(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<Vec<AllianceView>>, ApiError> {
    let kind = p.kind.as_deref().filter(|s| !s.is_empty()).map(|k| AllianceKind::parse_field(k, "kind")).transpose()?;
    let within = p.within(&state).await?.unwrap_or_else(Subtree::all);
    let mut out = Vec::new();
    for a in state.store.list_alliances(&within, kind).await? {
        let members = state.store.alliance_members(a.id).await?;
        out.push(AllianceView::new(a, members));
    }
    Ok(Json(out))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Jiayuan API",
        description = "家园 — grassroots governance. Personal information is masked in every response."
    ),
    paths(
        healthz,
        list_territories,
        get_territory,
        create_territory,
        coverage,
        stats,
        list_people,
        get_person,
        list_households,
        get_household,
        list_organisations,
        list_alliances
    ),
    components(schemas(
        ErrorBody,
        TerritoryView,
        PersonView,
        HouseholdView,
        PersonDetailView,
        HouseholdDetailView,
        StatsView,
        CoverageView,
        TerritoryDetailView,
        NewTerritoryBody,
        OrganisationView,
        AllianceView
    ))
)]
pub struct ApiDoc;

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Unknown API paths answer in the API's error shape.
pub async fn api_not_found() -> ApiError {
    ApiError::not_found()
}
