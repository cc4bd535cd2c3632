//! Home and the territory pages: the tree, one node with its figures, grids and coverage.

use super::*;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::i18n::t;
use crate::map::{self, Shape};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use jiayuan_domain::access::Permission;
use jiayuan_domain::TerritoryKind;
use jiayuan_store::model::Page;
use jiayuan_store::people::HouseholdQuery;
use jiayuan_store::territory::TerritoryQuery;

/// Home: the top of the user's territory, or, for a resident, their own record.
pub async fn home(auth: Auth, ui: Ui) -> Result<Response, PageError> {
    if let Ok(scope) = auth.principal.scope(Permission::ViewTerritory) {
        // The most senior grant's node: the top of what this user sees.
        let top = auth
            .principal
            .grants
            .iter()
            .filter(|g| g.role.allows(Permission::ViewTerritory) && scope.roots().contains(&g.path.as_str()))
            .min_by_key(|g| g.path.len());
        if let Some(g) = top {
            return Ok(crate::redirect::to(&format!("/territories/{}", g.territory_id)));
        }
    }
    match auth.principal.person_id {
        Some(p) => Ok(crate::redirect::to(&format!("/people/{p}"))),
        None => Err(PageError { ui: Box::new(ui), err: ApiError::forbidden(Permission::ViewTerritory) }),
    }
}

pub async fn territories_root(auth: Auth, ui: Ui) -> Result<Response, PageError> {
    home(auth, ui).await
}

struct Bar {
    id: String,
    label: String,
    value: i64,
    percent: i64,
}

struct OrgRow {
    name: String,
    leader: String,
    members: i64,
}

struct GridRow {
    name: String,
    worker: String,
    secretary: String,
    filed: String,
    buildings: i64,
}

#[derive(Template)]
#[template(path = "territory.html")]
struct TerritoryPage {
    ui: Ui,
    title: String,
    node: jiayuan_store::model::Territory,
    kind_label: &'static str,
    area: Option<String>,
    use_label: &'static str,
    ancestors: Vec<(jiayuan_store::model::Territory, bool)>,
    figures: Vec<(&'static str, i64)>,
    chart: Vec<Bar>,
    children: Vec<jiayuan_store::model::Territory>,
    children_total: i64,
    q: String,
    pager: String,
    households: Vec<(String, String)>,
    party_orgs: Vec<OrgRow>,
    grids: Vec<GridRow>,
    map_svg: String,
    assignments: Vec<(&'static str, String, String)>,
    alliances: Vec<(&'static str, String, i64)>,
    orgs: Vec<(&'static str, String)>,
    orgs_total: i64,
    gaps: Vec<(&'static str, i64, Vec<String>)>,
}

pub async fn territory(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Response, PageError> {
    let s = &state.store;
    let scope = auth.scope(Permission::ViewTerritory).page(&ui)?;
    let node = s.territory_in(&scope, &id).await.page(&ui)?;
    let lang = ui.lang;
    let kind = TerritoryKind::parse(&node.kind).unwrap_or(TerritoryKind::District);
    // Ancestors outside the scope are shown as names only, not links.
    let ancestors: Vec<(jiayuan_store::model::Territory, bool)> = s
        .ancestors(&node)
        .await
        .page(&ui)?
        .into_iter()
        .map(|a| {
            let inside = scope.covers(&a);
            (a, inside)
        })
        .collect();
    let within = scope.narrow(&node).page(&ui)?;
    let st = s.stats(&within).await.page(&ui)?;
    let mut figures: Vec<(&'static str, i64)> = Vec::new();
    let all = [
        ("stats.subdistricts", st.subdistricts, TerritoryKind::District),
        ("stats.communities", st.communities, TerritoryKind::Subdistrict),
        ("stats.compounds", st.compounds, TerritoryKind::Community),
        ("stats.buildings", st.buildings, TerritoryKind::Compound),
        ("stats.dwellings", st.dwellings, TerritoryKind::Entrance),
        ("stats.households", st.households, TerritoryKind::Dwelling),
        ("stats.residents", st.residents, TerritoryKind::Dwelling),
        ("stats.grids", st.grids, TerritoryKind::Community),
        ("stats.compound_branches", st.compound_branches, TerritoryKind::Community),
        ("stats.building_groups", st.building_groups, TerritoryKind::Compound),
        ("stats.central_households", st.central_households, TerritoryKind::Building),
        ("stats.party_members", st.party_members, TerritoryKind::Dwelling),
        ("stats.social_organisations", st.social_organisations, TerritoryKind::Community),
        ("stats.service_stations", st.service_stations, TerritoryKind::Compound),
    ];
    for (key, v, deepest) in all {
        if kind.depth() <= deepest.depth() {
            figures.push((t(lang, key), v));
        }
    }
    let page_no = p
        .page
        .as_deref()
        .map(|x| {
            x.parse::<u32>().map_err(|_| ApiError::invalid("page", "页码应为正整数 (page must be a whole number)"))
        })
        .transpose()
        .page(&ui)?;
    let page = Page::new(page_no, Some(50)).page(&ui)?;
    let q = p.q.clone().unwrap_or_default();
    let children = s
        .list_territories(
            &within,
            &TerritoryQuery { parent_id: Some(node.id), q: Some(q.clone()), ..Default::default() },
            page,
        )
        .await
        .page(&ui)?;
    // Residents per child, as bars (districts down to compounds).
    let mut chart = Vec::new();
    if kind.depth() <= TerritoryKind::Compound.depth() && children.total <= 60 && q.is_empty() {
        for c in &children.items {
            let n = s.count_residents(&within.narrow(c).page(&ui)?).await.page(&ui)?;
            chart.push(Bar { id: c.id.to_string(), label: c.name.clone(), value: n, percent: 0 });
        }
        let max = chart.iter().map(|b| b.value).max().unwrap_or(0).max(1);
        for b in &mut chart {
            b.percent = b.value * 100 / max;
        }
    }
    let people_scope = auth.principal.scope(Permission::ViewPeople).ok().and_then(|p| p.narrow(&node).ok());
    let households = match (kind == TerritoryKind::Dwelling, &people_scope) {
        (true, Some(ps)) => s
            .list_households(ps, &HouseholdQuery::default(), Page { page: 1, page_size: 20 })
            .await
            .page(&ui)?
            .items
            .into_iter()
            .map(|h| (h.id.to_string(), h.number))
            .collect(),
        _ => vec![],
    };
    let orgs = s.party_orgs_at(node.id).await.page(&ui)?;
    let grids = s.grids_in(&node).await.page(&ui)?;
    let shapes: Vec<Shape> = grids
        .iter()
        .filter_map(|g| g.geometry.clone().map(|geometry| Shape { label: g.name.clone(), href: None, geometry }))
        .collect();
    let map_svg = map::svg(&shapes);
    let assignments = s.assignments_in(&node).await.page(&ui)?;
    let cov = s.coverage(&node.path).await.page(&ui)?;
    let org_scope = auth.principal.scope(Permission::ViewOrganisations).ok().and_then(|o| o.narrow(&node).ok());
    let (alliances, organisations) = match &org_scope {
        Some(os) => (
            s.list_alliances(os, None).await.page(&ui)?,
            s.list_organisations(os, &jiayuan_store::org::OrgQuery::default(), Page { page: 1, page_size: 20 })
                .await
                .page(&ui)?,
        ),
        None => (vec![], jiayuan_store::model::Paged { items: vec![], page: 1, page_size: 20, total: 0 }),
    };
    let gap_list = |v: Vec<jiayuan_store::territory::Gap>| {
        v.into_iter()
            .map(|g| if g.code == g.name { g.code } else { format!("{} ({})", g.name, g.code) })
            .collect::<Vec<_>>()
    };
    let none = t(lang, "none");
    let page_html = pager(&ui, children.page, children.page_size, children.total);
    let tpl = TerritoryPage {
        title: node.name.clone(),
        kind_label: kind.label(lang.code()),
        area: node.area_centi.map(|a| jiayuan_domain::Area(a).to_string()),
        use_label: node
            .dwelling_use
            .as_deref()
            .and_then(jiayuan_domain::person::DwellingUse::parse)
            .map(|u| u.label(lang.code()))
            .unwrap_or(none),
        ancestors,
        figures,
        chart,
        children_total: children.total,
        children: children.items,
        q,
        pager: page_html,
        households,
        party_orgs: orgs
            .into_iter()
            .map(|o| OrgRow { name: o.name, leader: o.leader_name.unwrap_or_else(|| none.into()), members: o.members })
            .collect(),
        grids: grids
            .into_iter()
            .map(|g| GridRow {
                name: g.name,
                worker: g.worker_name.unwrap_or_else(|| none.into()),
                secretary: g.secretary_name.unwrap_or_else(|| none.into()),
                filed: g.secretary_filed_on.map(|d| d.to_string()).unwrap_or_default(),
                buildings: g.buildings,
            })
            .collect(),
        map_svg,
        assignments: assignments
            .into_iter()
            .map(|a| {
                (
                    jiayuan_domain::org::AssignmentKind::parse(&a.kind).map(|k| k.label(lang.code())).unwrap_or("?"),
                    a.assignee,
                    a.target,
                )
            })
            .collect(),
        alliances: alliances
            .into_iter()
            .map(|a| {
                let kind =
                    jiayuan_domain::org::AllianceKind::parse(&a.kind).map(|k| k.label(lang.code())).unwrap_or("?");
                (kind, a.name, a.members)
            })
            .collect(),
        orgs_total: organisations.total,
        orgs: organisations
            .items
            .into_iter()
            .map(|o| {
                (jiayuan_domain::org::OrgKind::parse(&o.kind).map(|k| k.label(lang.code())).unwrap_or("?"), o.name)
            })
            .collect(),
        gaps: vec![
            (t(lang, "coverage.compounds"), cov.compounds_without_unit, gap_list(cov.compounds)),
            (t(lang, "coverage.buildings"), cov.buildings_without_cadre, gap_list(cov.buildings)),
            (t(lang, "coverage.households"), cov.households_without_central_household, gap_list(cov.households)),
            (t(lang, "coverage.grids"), cov.buildings_without_grid, vec![]),
        ],
        node,
        ui: ui.clone(),
    };
    let ui2 = ui;
    render(ui2, tpl)
}
