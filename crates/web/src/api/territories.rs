//! Territories: the tree, one node with its figures, new nodes, stats and coverage.

use super::*;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::views::*;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use jiayuan_domain::access::Permission;
use jiayuan_domain::TerritoryKind;
use jiayuan_store::access::Scope;
use jiayuan_store::territory::{NewTerritory, TerritoryQuery};
use serde::Deserialize;
use utoipa::ToSchema;

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
    Query(period): Query<PeriodParams>,
) -> Result<Json<StatsView>, ApiError> {
    let scope = p.within(&state, auth.scope(Permission::ViewTerritory)?).await?;
    let stats = match period.days()? {
        Some((from, to)) => state.store.stats_in_period(&scope, from, to).await?,
        None => state.store.stats(&scope).await?,
    };
    Ok(Json(stats.into()))
}

/// A period of whole days, both ends given or neither.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PeriodParams {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl PeriodParams {
    pub fn days(&self) -> Result<Option<(chrono::NaiveDate, chrono::NaiveDate)>, ApiError> {
        match (optional_day(&self.from, "from")?, optional_day(&self.to, "to")?) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(ApiError::invalid("to", "请同时给出 from 和 to (give both ends of the period)")),
            (None, Some(_)) => Err(ApiError::invalid("from", "请同时给出 from 和 to (give both ends of the period)")),
            (Some(f), Some(t)) if t < f => Err(ApiError::invalid("to", "结束日不能早于开始日 (to is before from)")),
            (Some(f), Some(t)) => Ok(Some((f, t))),
        }
    }
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
