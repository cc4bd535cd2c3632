//! Organisations and the co-building alliances.

use super::*;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::views::*;
use axum::extract::{Query, State};
use axum::Json;
use jiayuan_domain::access::Permission;
use jiayuan_domain::org::{AllianceKind, OrgKind};
use jiayuan_store::org::OrgQuery;
use uuid::Uuid;

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
