//! Home and the territory pages: the tree, one node with its figures, grids and coverage.

use super::*;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::i18n::t;
use crate::map::{self, Shape, ShapeKind};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use jiayuan_domain::access::Permission;
use jiayuan_domain::TerritoryKind;
use jiayuan_store::model::Page;
use jiayuan_store::people::HouseholdQuery;
use jiayuan_store::territory::{GapKind, TerritoryQuery};

/// Home: the top of the user's territory, or, for a resident, their own record.
#[derive(serde::Deserialize, Default)]
pub struct RootParams {
    tab: Option<String>,
}

/// `/territories`: the top of what this person sees (the most senior grant's node), on the
/// tab asked for; a resident without territory rights goes to their own record.
pub async fn territories_root(auth: Auth, ui: Ui, Query(p): Query<RootParams>) -> Result<Response, PageError> {
    if let Ok(scope) = auth.principal.scope(Permission::ViewTerritory) {
        let top = auth
            .principal
            .grants
            .iter()
            .filter(|g| g.role.allows(Permission::ViewTerritory) && scope.roots().contains(&g.path.as_str()))
            .min_by_key(|g| g.path.len());
        if let Some(g) = top {
            let tab = p.tab.filter(|t| TABS.contains(&t.as_str())).map(|t| format!("?tab={t}")).unwrap_or_default();
            return Ok(crate::redirect::to(&format!("/territories/{}{tab}", g.territory_id)));
        }
    }
    match auth.principal.person_id {
        Some(p) => Ok(crate::redirect::to(&format!("/people/{p}"))),
        None => Err(PageError { ui: Box::new(ui), err: ApiError::forbidden(Permission::ViewTerritory) }),
    }
}

/// The territory page's tabs.
const TABS: [&str; 5] = ["overview", "orgs", "grids", "people", "appeals"];

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

/// One coverage gap list: its label, the total, the first rows (or one page of them when
/// it is the list asked for) as (link, label), and where the whole list is.
struct GapList {
    key: &'static str,
    label: &'static str,
    total: i64,
    items: Vec<(String, String)>,
    more: bool,
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
    /// (key, label, current)
    tabs: Vec<(&'static str, &'static str, bool)>,
    tab: &'static str,
    figures: Vec<(&'static str, String)>,
    chart: Vec<Bar>,
    children: Vec<jiayuan_store::model::Territory>,
    children_total: i64,
    q: String,
    pager: String,
    households: Vec<(String, String)>,
    party_orgs: Vec<OrgRow>,
    grids: Vec<GridRow>,
    grids_total: usize,
    map_svg: String,
    /// The map's zoom and pan links: (symbol, words, address).
    map_nav: Vec<(&'static str, &'static str, String)>,
    /// How many appeals stand on the map as pins.
    pins: usize,
    assignments: Vec<(&'static str, String, String)>,
    assignments_total: i64,
    assignments_pager: String,
    alliances: Vec<(&'static str, String, i64)>,
    orgs: Vec<(&'static str, String)>,
    orgs_total: i64,
    gaps: Vec<GapList>,
    /// The one gap list shown whole, when asked for.
    gap: Option<&'static str>,
    appeals: Vec<super::appeals::Row>,
    appeals_total: i64,
    can_people: bool,
    can_orgs: bool,
    /// A dwelling's owners: (person id, name, share shown, casts, named).
    owners: Vec<(String, String, String, bool, bool)>,
    /// Staff who run votes over a co-owned dwelling may name who casts its ballot.
    can_name_caster: bool,
    owners_error: Option<String>,
    owners_done: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct TerritoryParams {
    tab: Option<String>,
    q: Option<String>,
    page: Option<String>,
    /// The assignments' page on the organisations tab.
    apage: Option<String>,
    gap: Option<String>,
    /// What was just done, to say so.
    done: Option<String>,
    /// The map's view: zoom, and centre in map units.
    zoom: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

/// One territory node, in tabs: 概况 (figures, the parts below), 组织 (party
/// organisations, alliances, organisations, coverage), 网格 (map and grids), 居民 (the
/// residents' list, filtered here) and 诉求 (appeals here). Only the tab shown is read.
pub async fn territory(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(p): Query<TerritoryParams>,
) -> Result<Response, PageError> {
    territory_render(&state, &auth, ui, &id, p, None).await
}

/// `POST /territories/{id}/ballot-caster`: the co-owners of a dwelling named who casts its
/// ballot (staff who run votes over it). Refused, the page says why on the owners' card.
pub async fn ballot_caster_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let s = &state.store;
    let node = s.territory_in(&auth.scope(Permission::ViewTerritory).page(&ui)?, &id).await.page(&ui)?;
    let r: Result<_, ApiError> = async {
        let person = f.get("person_id").map(|v| v.trim()).unwrap_or("");
        let person = person
            .parse::<uuid::Uuid>()
            .map_err(|_| ApiError::invalid("person_id", "请选择一位业主 (choose an owner)"))?;
        Ok(s.name_ballot_caster(&auth.audit_ctx(), &auth.principal, node.id, person, state.clock.now()).await?)
    }
    .await;
    match r {
        Ok(_) => Ok(crate::redirect::to(&format!("/territories/{}?done=caster", node.id))),
        Err(e) => {
            let status = e.status;
            let page = territory_render(&state, &auth, ui, &id, TerritoryParams::default(), Some(e.message)).await?;
            Ok((status, page).into_response())
        }
    }
}

async fn territory_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: &str,
    p: TerritoryParams,
    owners_error: Option<String>,
) -> Result<Response, PageError> {
    let s = &state.store;
    let scope = auth.scope(Permission::ViewTerritory).page(&ui)?;
    let node = s.territory_in(&scope, id).await.page(&ui)?;
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
    let people_scope = auth.principal.scope(Permission::ViewPeople).ok().and_then(|p| p.narrow(&node).ok());
    let org_scope = auth.principal.scope(Permission::ViewOrganisations).ok().and_then(|o| o.narrow(&node).ok());
    let can_appeals = auth.principal.can(Permission::ViewAppeals);
    let tab: &'static str = match p.tab.as_deref() {
        Some("orgs") => "orgs",
        Some("grids") => "grids",
        Some("appeals") if can_appeals => "appeals",
        _ => "overview",
    };
    let page_no = p
        .page
        .as_deref()
        .filter(|x| !x.is_empty())
        .map(|x| {
            x.parse::<u32>().map_err(|_| ApiError::invalid("page", "页码应为正整数 (page must be a whole number)"))
        })
        .transpose()
        .page(&ui)?;
    let none = t(lang, "none");
    let q = p.q.clone().unwrap_or_default();
    let mut tpl = TerritoryPage {
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
        tabs: vec![],
        tab,
        figures: vec![],
        chart: vec![],
        children: vec![],
        children_total: 0,
        q: q.clone(),
        pager: String::new(),
        households: vec![],
        party_orgs: vec![],
        grids: vec![],
        grids_total: 0,
        map_svg: String::new(),
        map_nav: vec![],
        pins: 0,
        assignments: vec![],
        assignments_total: 0,
        assignments_pager: String::new(),
        alliances: vec![],
        orgs: vec![],
        orgs_total: 0,
        gaps: vec![],
        gap: None,
        appeals: vec![],
        appeals_total: 0,
        can_people: people_scope.is_some(),
        can_orgs: org_scope.is_some(),
        owners: vec![],
        can_name_caster: false,
        owners_done: owners_error.is_none() && p.done.as_deref() == Some("caster"),
        owners_error,
        node: node.clone(),
        ui: ui.clone(),
    };
    let mut tabs = vec![("overview", t(lang, "tab.overview")), ("orgs", t(lang, "tab.orgs"))];
    if kind.depth() <= TerritoryKind::Building.depth() {
        tabs.push(("grids", t(lang, "grids")));
    }
    if can_appeals {
        tabs.push(("appeals", t(lang, "nav.appeals")));
    }
    tpl.tabs = tabs.into_iter().map(|(k, l)| (k, l, k == tab)).collect();

    match tab {
        "overview" => {
            let page = Page::new(page_no, Some(50)).page(&ui)?;
            let children = s
                .list_territories(
                    &within,
                    &TerritoryQuery { parent_id: Some(node.id), q: Some(q.clone()), ..Default::default() },
                    page,
                )
                .await
                .page(&ui)?;
            // Residents per child, as bars (districts down to compounds), counted side by side
            // while the figures are read.
            let mut counting = tokio::task::JoinSet::new();
            if kind.depth() <= TerritoryKind::Compound.depth() && children.total <= 60 && q.is_empty() {
                for (i, c) in children.items.iter().enumerate() {
                    let (store, part) = (state.store.clone(), within.narrow(c).page(&ui)?);
                    counting.spawn(async move { (i, store.count_residents(&part).await) });
                    tpl.chart.push(Bar { id: c.id.to_string(), label: c.name.clone(), value: 0, percent: 0 });
                }
            }
            let st = s.stats(&within).await.page(&ui)?;
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
                ("stats.owner_votes", st.owner_votes, TerritoryKind::Compound),
                ("stats.property_matters_by_branch", st.property_matters_by_branch, TerritoryKind::Compound),
                ("stats.council_topics", st.council_topics, TerritoryKind::Building),
                ("stats.council_topics_done", st.council_topics_done, TerritoryKind::Building),
            ];
            for (key, v, deepest) in all {
                if kind.depth() <= deepest.depth() {
                    tpl.figures.push((t(lang, key), thousands(v)));
                }
            }
            while let Some(done) = counting.join_next().await {
                let (i, n) = done.map_err(|e| jiayuan_store::StoreError::Other(anyhow::anyhow!(e))).page(&ui)?;
                tpl.chart[i].value = n.page(&ui)?;
            }
            if !tpl.chart.is_empty() {
                let max = tpl.chart.iter().map(|b| b.value).max().unwrap_or(0).max(1);
                for b in &mut tpl.chart {
                    b.percent = b.value * 100 / max;
                }
            }
            if let (true, Some(_)) = (kind == TerritoryKind::Dwelling, &people_scope) {
                let owners = s.dwelling_owners(&auth.principal, node.id).await.page(&ui)?;
                tpl.can_name_caster = owners.len() > 1
                    && auth.principal.scope(Permission::RunOwnerVotes).is_ok_and(|sc| sc.covers(&node));
                tpl.owners = owners
                    .into_iter()
                    .map(|o| {
                        let share = match o.share_bp % 100 {
                            0 => format!("{}%", o.share_bp / 100),
                            r => format!("{}.{r:02}%", o.share_bp / 100),
                        };
                        (o.person_id.to_string(), o.name, share, o.casts, o.named)
                    })
                    .collect();
            }
            if let (true, Some(ps)) = (kind == TerritoryKind::Dwelling, &people_scope) {
                tpl.households = s
                    .list_households(ps, &HouseholdQuery::default(), Page { page: 1, page_size: 20 })
                    .await
                    .page(&ui)?
                    .items
                    .into_iter()
                    .map(|h| (h.id.to_string(), h.number))
                    .collect();
            }
            tpl.pager = pager(&ui, children.page, children.page_size, children.total);
            tpl.children_total = children.total;
            tpl.children = children.items;
        }
        "orgs" => {
            tpl.party_orgs = s
                .party_orgs_at(node.id)
                .await
                .page(&ui)?
                .into_iter()
                .map(|o| OrgRow {
                    name: o.name,
                    leader: o.leader_name.unwrap_or_else(|| none.into()),
                    members: o.members,
                })
                .collect();
            let apage_no = p.apage.as_deref().and_then(|x| x.parse::<u32>().ok());
            let assignments = s.assignments_page(&node, Page::new(apage_no, Some(20)).page(&ui)?).await.page(&ui)?;
            tpl.assignments_pager =
                pager_named(&ui, "apage", assignments.page, assignments.page_size, assignments.total);
            tpl.assignments_total = assignments.total;
            tpl.assignments = assignments
                .items
                .into_iter()
                .map(|a| {
                    (
                        jiayuan_domain::org::AssignmentKind::parse(&a.kind)
                            .map(|k| k.label(lang.code()))
                            .unwrap_or("?"),
                        a.assignee,
                        a.target,
                    )
                })
                .collect();
            let gap = p.gap.as_deref().and_then(GapKind::parse);
            if let (Some(os), None) = (&org_scope, gap) {
                tpl.alliances = s
                    .list_alliances(os, None)
                    .await
                    .page(&ui)?
                    .into_iter()
                    .map(|a| {
                        let kind = jiayuan_domain::org::AllianceKind::parse(&a.kind)
                            .map(|k| k.label(lang.code()))
                            .unwrap_or("?");
                        (kind, a.name, a.members)
                    })
                    .collect();
                let page = Page::new(page_no, Some(20)).page(&ui)?;
                let orgs = s.list_organisations(os, &jiayuan_store::org::OrgQuery::default(), page).await.page(&ui)?;
                tpl.pager = pager(&ui, orgs.page, orgs.page_size, orgs.total);
                tpl.orgs_total = orgs.total;
                tpl.orgs = orgs
                    .items
                    .into_iter()
                    .map(|o| {
                        (
                            jiayuan_domain::org::OrgKind::parse(&o.kind).map(|k| k.label(lang.code())).unwrap_or("?"),
                            o.name,
                        )
                    })
                    .collect();
            }
            let link = |k: GapKind, g: &jiayuan_store::territory::Gap| {
                let label = if g.code == g.name { g.code.clone() } else { format!("{} ({})", g.name, g.code) };
                let href = match k {
                    GapKind::Households if people_scope.is_some() => format!("/households/{}", g.id),
                    GapKind::Households => String::new(),
                    _ => format!("/territories/{}", g.id),
                };
                (href, label)
            };
            for k in GapKind::ALL {
                if gap.is_some_and(|g| g != k) {
                    continue;
                }
                let size = if gap.is_some() { 50 } else { 10 };
                let page = Page::new(if gap.is_some() { page_no } else { None }, Some(size)).page(&ui)?;
                let list = s.coverage_gaps(&node.path, k, page).await.page(&ui)?;
                if gap.is_some() {
                    tpl.pager = pager(&ui, list.page, list.page_size, list.total);
                }
                tpl.gaps.push(GapList {
                    key: k.as_str(),
                    label: t(lang, gap_label(k)),
                    total: list.total,
                    more: gap.is_none() && list.total > list.items.len() as i64,
                    items: list.items.iter().map(|g| link(k, g)).collect(),
                });
            }
            tpl.gap = gap.map(|g| g.as_str());
        }
        "grids" => {
            let grids = s.grids_in(&node).await.page(&ui)?;
            let view = map::View::from_query(p.zoom.as_deref(), p.x.as_deref(), p.y.as_deref());
            let (shapes, pins) = map_of(state, auth, &node, kind, &within, &grids).await.page(&ui)?;
            tpl.map_svg = map::draw(
                &shapes,
                &pins,
                &format!("{} · {}", node.name, t(lang, "map")),
                view,
                state.map_tiles.as_deref(),
            );
            if !tpl.map_svg.is_empty() {
                let here = format!("/territories/{}?tab=grids&", node.id);
                tpl.map_nav = [
                    ("＋", t(lang, "map.zoom_in"), view.query(2.0, 0.0, 0.0)),
                    ("－", t(lang, "map.zoom_out"), view.query(0.5, 0.0, 0.0)),
                    ("←", t(lang, "map.west"), view.query(1.0, -1.0, 0.0)),
                    ("→", t(lang, "map.east"), view.query(1.0, 1.0, 0.0)),
                    ("↑", t(lang, "map.north"), view.query(1.0, 0.0, -1.0)),
                    ("↓", t(lang, "map.south"), view.query(1.0, 0.0, 1.0)),
                    ("⟲", t(lang, "map.all"), map::View::default().query(1.0, 0.0, 0.0)),
                ]
                .into_iter()
                .map(|(sym, label, q)| (sym, label, format!("{here}{q}")))
                .collect();
                tpl.pins = pins.len();
            }
            let page = Page::new(page_no, Some(50)).page(&ui)?;
            tpl.grids_total = grids.len();
            tpl.pager = pager(&ui, page.page, page.page_size, grids.len() as i64);
            tpl.grids = grids
                .into_iter()
                .skip(page.offset() as usize)
                .take(page.page_size as usize)
                .map(|g| GridRow {
                    name: g.name,
                    worker: g.worker_name.unwrap_or_else(|| none.into()),
                    secretary: g.secretary_name.unwrap_or_else(|| none.into()),
                    filed: g.secretary_filed_on.map(|d| d.to_string()).unwrap_or_default(),
                    buildings: g.buildings,
                })
                .collect();
        }
        _ => {
            let who = jiayuan_store::appeals::Viewer::of(&auth.principal);
            let view = auth.scope(Permission::ViewAppeals).page(&ui)?;
            let here = view.narrow(&node).page(&ui)?;
            let page = Page::new(page_no, Some(30)).page(&ui)?;
            let q = jiayuan_store::appeals::AppealQuery { q: p.q.clone(), ..Default::default() };
            let list = s.list_appeals(&who, Some(&here), &q, page).await.page(&ui)?;
            let cfg = s.appeal_config().await.page(&ui)?;
            tpl.pager = pager(&ui, list.page, list.page_size, list.total);
            tpl.appeals_total = list.total;
            let now = state.clock.now();
            tpl.appeals = list.items.iter().map(|a| super::appeals::row_of(&cfg, lang, now, a)).collect();
        }
    }
    render(ui, tpl)
}

/// What the map of a node shows: the parts below it that have a shape (each a link to its
/// own map), the buildings when it is a community or a compound, the grids' boundaries, and
/// from the community down the open appeals as pins on their buildings.
async fn map_of(
    state: &AppState,
    auth: &Auth,
    node: &jiayuan_store::model::Territory,
    kind: TerritoryKind,
    within: &jiayuan_store::access::Scope,
    grids: &[jiayuan_store::model::Grid],
) -> Result<(Vec<Shape>, Vec<map::Pin>), ApiError> {
    let s = &state.store;
    let link = |t: &jiayuan_store::model::Territory| format!("/territories/{}?tab=grids", t.id);
    let mut shapes: Vec<Shape> = Vec::new();
    let children = s.children(node.id).await?;
    let child_kind = if kind == TerritoryKind::Compound { ShapeKind::Building } else { ShapeKind::Area };
    for c in children.iter().filter(|c| c.geometry.is_some()) {
        shapes.push(Shape {
            label: c.name.clone(),
            href: Some(link(c)),
            geometry: c.geometry.clone().unwrap_or_default(),
            kind: child_kind,
        });
    }
    if kind == TerritoryKind::Building {
        if let Some(g) = &node.geometry {
            shapes.push(Shape { label: node.name.clone(), href: None, geometry: g.clone(), kind: ShapeKind::Building });
        }
    }
    let mut buildings: Vec<jiayuan_store::model::Territory> = Vec::new();
    if kind.depth() >= TerritoryKind::Community.depth() && kind.depth() <= TerritoryKind::Building.depth() {
        let q = TerritoryQuery { kind: Some(TerritoryKind::Building), ..Default::default() };
        buildings = s.list_territories(within, &q, Page { page: 1, page_size: 2000 }).await?.items;
        if kind == TerritoryKind::Community {
            for b in buildings.iter().filter(|b| b.geometry.is_some()) {
                shapes.push(Shape {
                    label: b.name.clone(),
                    href: Some(link(b)),
                    geometry: b.geometry.clone().unwrap_or_default(),
                    kind: ShapeKind::Building,
                });
            }
        }
    }
    if kind.depth() >= TerritoryKind::Community.depth() {
        for g in grids.iter().filter(|g| g.geometry.is_some()) {
            shapes.push(Shape {
                label: g.name.clone(),
                href: None,
                geometry: g.geometry.clone().unwrap_or_default(),
                kind: ShapeKind::Outline,
            });
        }
    }
    let mut pins = Vec::new();
    if !buildings.is_empty() && auth.principal.can(Permission::ViewAppeals) {
        let who = jiayuan_store::appeals::Viewer::of(&auth.principal);
        let view = auth.scope(Permission::ViewAppeals)?.narrow(node)?;
        let q = jiayuan_store::appeals::AppealQuery { status: Some("open".into()), ..Default::default() };
        let open = s.list_appeals(&who, Some(&view), &q, Page { page: 1, page_size: 200 }).await?;
        let at: std::collections::HashMap<&str, (f64, f64)> =
            buildings.iter().filter_map(|b| Some((b.path.as_str(), map::centre(b.geometry.as_deref()?)?))).collect();
        for a in &open.items {
            let reported = a.lat_e6.zip(a.lng_e6).map(|(la, lo)| (lo as f64 / 1e6, la as f64 / 1e6));
            let building =
                jiayuan_store::appeals::path_prefixes(&a.path).get(4).and_then(|p| at.get(p.as_str()).copied());
            if let Some(at) = reported.or(building) {
                pins.push(map::Pin {
                    at,
                    label: format!("#{} {}", a.number, a.title),
                    href: format!("/appeals/{}", a.id),
                    overdue: a.overdue,
                });
            }
        }
    }
    Ok((shapes, pins))
}

fn gap_label(k: GapKind) -> &'static str {
    match k {
        GapKind::Compounds => "coverage.compounds",
        GapKind::Buildings => "coverage.buildings",
        GapKind::Households => "coverage.households",
        GapKind::Ungridded => "coverage.grids",
    }
}
