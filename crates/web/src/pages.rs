//! Server-rendered pages: Chinese first, English on request, readable on a phone.

use crate::api::ListParams;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::i18n::{t, Lang};
use crate::map::{self, Shape};
use crate::state::AppState;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use jiayuan_domain::access::Permission;
use jiayuan_domain::person::{PersonTag, Relation, Tenure};
use jiayuan_domain::phone::mask_phone_str;
use jiayuan_domain::resident_id::mask_id_str;
use jiayuan_domain::TerritoryKind;
use jiayuan_store::model::Page;
use jiayuan_store::people::HouseholdQuery;
use jiayuan_store::territory::TerritoryQuery;
use serde::Deserialize;

/// Language, the current path and who is signed in, for every page.
#[derive(Clone)]
pub struct Ui {
    pub lang: Lang,
    pub path: String,
    /// Display name of the signed-in user.
    pub user: Option<String>,
    /// The session's CSRF token, for forms.
    pub csrf: String,
    pub can_people: bool,
    pub can_manage: bool,
    pub can_audit: bool,
}

/// Every page's `Ui`, from the request: language cookie, path, and who is signed in (if
/// anyone; handlers that need someone also take [`Auth`]).
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Ui {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let uri = parts.extensions.get::<OriginalUri>().map(|o| o.0.clone()).unwrap_or_else(|| parts.uri.clone());
        Ok(Ui::from_request(&parts.headers, &uri, parts.extensions.get::<Auth>()))
    }
}

impl Ui {
    pub fn t(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }

    pub(crate) fn from_request(headers: &HeaderMap, uri: &axum::http::Uri, auth: Option<&Auth>) -> Self {
        let cookie_lang = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().strip_prefix("lang="))
            .next_back()
            .map(str::to_string);
        let lang = match cookie_lang.as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        };
        let p = auth.map(|a| &a.principal);
        Self {
            lang,
            path: uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into()),
            user: p.map(|p| p.display_name.clone()),
            csrf: auth.and_then(|a| a.csrf_token.clone()).unwrap_or_default(),
            can_people: p.is_some_and(|p| p.can(Permission::ViewPeople)),
            can_manage: p.is_some_and(|p| p.can(Permission::ManageUsers)),
            can_audit: p.is_some_and(|p| p.can(Permission::ViewAudit)),
        }
    }
}

/// A page that failed: rendered as a readable page with the right status.
pub struct PageError {
    pub ui: Box<Ui>,
    pub err: ApiError,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ui: &'a Ui,
    title: String,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = if self.err.status == StatusCode::NOT_FOUND {
            self.ui.t("not_found").to_string()
        } else if self.err.status == StatusCode::FORBIDDEN {
            self.ui.t("forbidden").to_string()
        } else {
            self.ui.t("bad_request").to_string()
        };
        let message = match (&self.err.field, self.err.status) {
            (_, StatusCode::NOT_FOUND) => String::new(),
            (Some(f), _) => format!("{f}: {}", self.err.message),
            (None, _) => self.err.message.clone(),
        };
        let page = ErrorPage { ui: &self.ui, title, message };
        match page.render() {
            Ok(html) => (self.err.status, Html(html)).into_response(),
            Err(_) => (self.err.status, self.err.message).into_response(),
        }
    }
}

pub fn render(ui: Ui, tpl: impl Template) -> Result<Response, PageError> {
    match tpl.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            Err(PageError {
                ui: Box::new(ui),
                err: ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "internal",
                    message: "页面渲染失败 (render failed)".into(),
                    field: None,
                },
            })
        }
    }
}

pub trait OrPage<T> {
    fn page(self, ui: &Ui) -> Result<T, PageError>;
}

impl<T, E: Into<ApiError>> OrPage<T> for Result<T, E> {
    fn page(self, ui: &Ui) -> Result<T, PageError> {
        self.map_err(|e| PageError { ui: Box::new(ui.clone()), err: e.into() })
    }
}

pub fn pager(ui: &Ui, page: u32, page_size: u32, total: i64) -> String {
    let pages = ((total.max(1) - 1) / i64::from(page_size) + 1) as u32;
    if pages <= 1 {
        return String::new();
    }
    let link = |p: u32| {
        let (path, query) = ui.path.split_once('?').unwrap_or((&ui.path, ""));
        let mut parts: Vec<String> =
            query.split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("page=")).map(str::to_string).collect();
        parts.push(format!("page={p}"));
        format!("{path}?{}", parts.join("&")).replace('"', "%22")
    };
    let mut s = String::from("<nav class=\"pager\">");
    if page > 1 {
        s.push_str(&format!("<a rel=\"prev\" href=\"{}\">{}</a>", link(page - 1), ui.t("prev")));
    }
    s.push_str(&format!("<span>{} / {pages}</span>", ui.t("page").replace("{}", &page.to_string())));
    if page < pages {
        s.push_str(&format!("<a rel=\"next\" href=\"{}\">{}</a>", link(page + 1), ui.t("next")));
    }
    s.push_str("</nav>");
    s
}

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

#[derive(Deserialize, Default)]
pub struct PageParams {
    pub q: Option<String>,
    pub page: Option<String>,
    pub within: Option<String>,
    pub tag: Option<String>,
    pub sort: Option<String>,
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

pub struct Row {
    pub href: String,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "people.html")]
struct ListPage {
    ui: Ui,
    title: String,
    q: String,
    within: String,
    placeholder: &'static str,
    error: Option<String>,
    total: i64,
    headers: Vec<&'static str>,
    rows: Vec<Row>,
    pager: String,
    /// The export controls (people only): a masked link, and a form for full numbers.
    export: Option<ExportControls>,
}

struct ExportControls {
    /// The masked download's address, with the list's filters.
    href: String,
    /// Whether the reveal form (POST, reason) is offered.
    reveal: bool,
    /// A refused export: the form opens again with what was typed.
    refused: Option<ExportRefused>,
}

fn sex_label(lang: Lang, s: &str) -> &'static str {
    if s == "male" {
        t(lang, "male")
    } else {
        t(lang, "female")
    }
}

fn tags_label(lang: Lang, tags: &str) -> String {
    tags.split(',').filter_map(PersonTag::parse).map(|t| t.label(lang.code())).collect::<Vec<_>>().join("、")
}

fn list_params(p: &PageParams) -> ListParams {
    ListParams {
        within: p.within.clone(),
        q: p.q.clone(),
        sort: p.sort.clone(),
        page: p.page.clone(),
        page_size: None,
        kind: None,
        parent: None,
        tag: p.tag.clone(),
    }
}

/// What a list page shows besides its rows.
struct ListSpec {
    title: &'static str,
    placeholder: &'static str,
    headers: Vec<&'static str>,
    export: Option<ExportControls>,
}

/// Renders a searchable, paged list. A bad parameter becomes a message above an empty list
/// rather than an error page, so the person can correct the search in place.
fn list_page<T>(
    ui: Ui,
    p: &PageParams,
    spec: ListSpec,
    result: Result<jiayuan_store::model::Paged<T>, ApiError>,
    row: impl Fn(T) -> Row,
) -> Result<Response, PageError> {
    let status = result.as_ref().err().map(|e| e.status).unwrap_or(StatusCode::OK);
    let (rows, total, error, pg) = match result {
        Ok(res) => {
            let pg = pager(&ui, res.page, res.page_size, res.total);
            (res.items.into_iter().map(row).collect(), res.total, None, pg)
        }
        Err(e) => {
            let message = match e.field {
                Some(f) => format!("{f}: {}", e.message),
                None => e.message,
            };
            (vec![], 0, Some(message), String::new())
        }
    };
    let res = render(
        ui.clone(),
        ListPage {
            title: spec.title.into(),
            q: p.q.clone().unwrap_or_default(),
            within: p.within.clone().unwrap_or_default(),
            placeholder: spec.placeholder,
            error,
            total,
            headers: spec.headers,
            rows,
            pager: pg,
            export: spec.export,
            ui,
        },
    )?;
    Ok((status, res).into_response())
}

pub async fn people(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(p): Query<PageParams>,
) -> Result<Response, PageError> {
    people_page(&auth, &state, ui, p, None).await
}

/// A revealed export that was refused: the reason as typed, and what is wrong with it.
pub struct ExportRefused {
    pub reason: String,
    pub error: String,
}

/// The people list; after a refused export, with the export form open, the reason kept and
/// the message beside it.
pub async fn people_page(
    auth: &Auth,
    state: &AppState,
    ui: Ui,
    p: PageParams,
    refused: Option<ExportRefused>,
) -> Result<Response, PageError> {
    let lang = ui.lang;
    let lp = list_params(&p);
    let scope = auth.scope(Permission::ViewPeople).page(&ui)?;
    let result = async {
        let page = lp.page()?;
        let scope = lp.within(state, scope).await?;
        Ok::<_, ApiError>(state.store.list_people(&scope, &lp.people_query()?, page).await?)
    }
    .await;
    let status = refused.as_ref().map(|_| StatusCode::BAD_REQUEST);
    let spec = ListSpec {
        title: t(lang, "nav.people"),
        placeholder: t(lang, "search.people"),
        headers: ["person.name", "person.sex", "person.birth", "person.id", "person.phone", "person.tags"]
            .map(|k| t(lang, k))
            .to_vec(),
        export: Some(ExportControls {
            href: format!(
                "/people.csv?within={}&q={}",
                crate::auth::urlencode(p.within.as_deref().unwrap_or("")),
                crate::auth::urlencode(p.q.as_deref().unwrap_or(""))
            ),
            reveal: auth.principal.can(Permission::RevealPersonal),
            refused,
        }),
    };
    let res = list_page(ui, &p, spec, result, |p| Row {
        href: format!("/people/{}", p.id),
        cells: vec![
            p.name,
            sex_label(lang, &p.sex).into(),
            p.birth_date.to_string(),
            mask_id_str(&p.id_number),
            p.phone.as_deref().map(mask_phone_str).unwrap_or_default(),
            tags_label(lang, &p.tags),
        ],
    })?;
    Ok(match status {
        Some(s) => (s, res).into_response(),
        None => res,
    })
}

pub async fn households(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(p): Query<PageParams>,
) -> Result<Response, PageError> {
    let lang = ui.lang;
    let lp = list_params(&p);
    let scope = auth.scope(Permission::ViewPeople).page(&ui)?;
    let result = async {
        let page = lp.page()?;
        let scope = lp.within(&state, scope).await?;
        let q = HouseholdQuery { q: lp.q.clone(), sort: lp.sort.clone() };
        Ok::<_, ApiError>(state.store.list_households(&scope, &q, page).await?)
    }
    .await;
    let spec = ListSpec {
        title: t(lang, "nav.households"),
        placeholder: t(lang, "search.households"),
        headers: ["household.number", "household.dwelling", "household.tenure", "household.members"]
            .map(|k| t(lang, k))
            .to_vec(),
        export: None,
    };
    list_page(ui, &p, spec, result, |h| Row {
        href: format!("/households/{}", h.id),
        cells: vec![
            h.number,
            h.dwelling_name,
            Tenure::parse(&h.tenure).map(|x| x.label(lang.code())).unwrap_or("").into(),
            h.members.to_string(),
        ],
    })
}

pub struct Section {
    pub heading: String,
    pub fields: Vec<(&'static str, String, String)>,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "detail.html")]
struct DetailPage {
    ui: Ui,
    title: String,
    sections: Vec<Section>,
    /// Where the reveal form posts, when the viewer may reveal.
    reveal: Option<String>,
    reveal_error: Option<String>,
    revealed: bool,
}

fn member_rows(lang: Lang, members: Vec<jiayuan_store::model::Member>) -> Vec<Row> {
    members
        .into_iter()
        .map(|m| Row {
            href: format!("/people/{}", m.person_id),
            cells: vec![
                m.name,
                Relation::parse(&m.relation).map(|r| r.label(lang.code())).unwrap_or("").into(),
                sex_label(lang, &m.sex).into(),
                m.birth_date.to_string(),
                mask_id_str(&m.id_number),
            ],
        })
        .collect()
}

pub async fn person(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).map_err(|_| ApiError::not_found()).page(&ui)?;
    person_page(&state, &auth, ui, id, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct RevealForm {
    reason: Option<String>,
}

/// Shows the person page with the full numbers, after checking the permission and the
/// reason; the reveal is audited.
pub async fn reveal_person(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<RevealForm>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).map_err(|_| ApiError::not_found()).page(&ui)?;
    let scope = auth.scope(Permission::RevealPersonal).page(&ui)?;
    match crate::api::reveal_reason(f.reason.as_deref()) {
        Ok(reason) => {
            let p = state.store.reveal_person(&scope, &auth.audit_ctx(), id, &reason).await.page(&ui)?;
            person_page(&state, &auth, ui, id, Some(Ok((p.id_number, p.phone))), StatusCode::OK).await
        }
        Err(e) => {
            let status = e.status;
            person_page(&state, &auth, ui, id, Some(Err(e.message)), status).await
        }
    }
}

type Revealed = Result<(String, Option<String>), String>;

async fn person_page(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: uuid::Uuid,
    revealed: Option<Revealed>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let lang = ui.lang;
    let scope = auth.scope(Permission::ViewPeople).page(&ui)?;
    let d = state.store.person_detail(&scope, id).await.page(&ui)?;
    let p = &d.person;
    let none = t(lang, "none").to_string();
    let age = chrono::Utc::now().date_naive().years_since(p.birth_date).unwrap_or(0);
    let mut sections = vec![Section {
        heading: String::new(),
        fields: vec![
            (t(lang, "person.sex"), sex_label(lang, &p.sex).into(), String::new()),
            (t(lang, "person.birth"), p.birth_date.to_string(), String::new()),
            (t(lang, "person.age"), age.to_string(), String::new()),
            (t(lang, "person.id"), mask_id_str(&p.id_number), String::new()),
            (
                t(lang, "person.phone"),
                p.phone.as_deref().map(mask_phone_str).unwrap_or_else(|| none.clone()),
                String::new(),
            ),
            (t(lang, "person.tags"), tags_label(lang, &p.tags), String::new()),
            (t(lang, "person.address"), d.address.clone().unwrap_or_else(|| none.clone()), String::new()),
        ],
        headers: vec![],
        rows: vec![],
    }];
    if let Some(h) = &d.household {
        sections.push(Section {
            heading: t(lang, "person.household").into(),
            fields: vec![(t(lang, "household.number"), h.number.clone(), format!("/households/{}", h.id))],
            headers: vec![
                t(lang, "person.name"),
                t(lang, "household.relation"),
                t(lang, "person.sex"),
                t(lang, "person.birth"),
                t(lang, "person.id"),
            ],
            rows: member_rows(lang, d.members.clone()),
        });
    }
    if !d.owns.is_empty() {
        sections.push(Section {
            heading: t(lang, "person.owns").into(),
            fields: d
                .owns
                .iter()
                .map(|o| {
                    (t(lang, "household.dwelling"), format!("{} {}", o.code, o.name), format!("/territories/{}", o.id))
                })
                .collect(),
            headers: vec![],
            rows: vec![],
        });
    }
    if let Some(pm) = &d.party {
        let yn = |b: bool| t(lang, if b { "yes" } else { "no" }).to_string();
        sections.push(Section {
            heading: t(lang, "person.party").into(),
            fields: vec![
                (t(lang, "party.org"), pm.org_name.clone().unwrap_or_else(|| none.clone()), String::new()),
                (t(lang, "party.joined"), pm.joined_on.map(|d| d.to_string()).unwrap_or_default(), String::new()),
                (t(lang, "party.in_service"), yn(pm.in_service), String::new()),
                (t(lang, "party.unit"), pm.work_unit.clone().unwrap_or_default(), String::new()),
                (t(lang, "party.reported"), pm.reported_community.clone().unwrap_or_default(), String::new()),
                (t(lang, "person.serves"), d.serves_households.to_string(), String::new()),
            ],
            headers: vec![],
            rows: vec![],
        });
    }
    let (shown_id, shown_phone, reveal_error) = match revealed {
        Some(Ok((i, ph))) => (Some(i), ph, None),
        Some(Err(m)) => (None, None, Some(m)),
        None => (None, None, None),
    };
    if let Some(i) = &shown_id {
        sections[0].fields[3].1 = i.clone();
        sections[0].fields[4].1 = shown_phone.clone().unwrap_or_else(|| none.clone());
    }
    let can_reveal = auth
        .principal
        .scope(Permission::RevealPersonal)
        .is_ok_and(|s| p.home_path.as_deref().is_some_and(|h| s.covers_path(h)));
    let reveal = (can_reveal && shown_id.is_none()).then(|| format!("/people/{}/reveal", p.id));
    let page = DetailPage {
        title: p.name.clone(),
        sections,
        reveal,
        reveal_error,
        revealed: shown_id.is_some(),
        ui: ui.clone(),
    };
    let res = render(ui, page)?;
    Ok((status, res).into_response())
}

pub async fn household(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let lang = ui.lang;
    let id = crate::api::parse_id(&id).map_err(|_| ApiError::not_found()).page(&ui)?;
    let scope = auth.scope(Permission::ViewPeople).page(&ui)?;
    let d = state.store.household_detail(&scope, id).await.page(&ui)?;
    let h = &d.household;
    let sections = vec![Section {
        heading: String::new(),
        fields: vec![
            (t(lang, "person.address"), d.address.clone(), format!("/territories/{}", h.dwelling_id)),
            (
                t(lang, "household.tenure"),
                Tenure::parse(&h.tenure).map(|x| x.label(lang.code())).unwrap_or("").into(),
                String::new(),
            ),
            (
                t(lang, "household.central"),
                d.central_household.clone().unwrap_or_else(|| t(lang, "none").into()),
                String::new(),
            ),
        ],
        headers: vec![
            t(lang, "person.name"),
            t(lang, "household.relation"),
            t(lang, "person.sex"),
            t(lang, "person.birth"),
            t(lang, "person.id"),
        ],
        rows: member_rows(lang, d.members.clone()),
    }];
    render(
        ui.clone(),
        DetailPage {
            title: format!("{} {}", t(lang, "household.number"), h.number),
            sections,
            reveal: None,
            reveal_error: None,
            revealed: false,
            ui,
        },
    )
}

#[derive(Deserialize)]
pub struct LangParams {
    back: Option<String>,
}

/// Sets the language cookie and returns to the page the user was on (local paths only).
pub async fn set_lang(Path(code): Path<String>, Query(p): Query<LangParams>) -> Response {
    let lang = if code == "en" { "en" } else { "zh" };
    let back = crate::redirect::local_path(p.back.as_deref());
    let cookie = format!("lang={lang}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly");
    ([(header::SET_COOKIE, cookie)], crate::redirect::to(&back)).into_response()
}

pub async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.css"),
    )
        .into_response()
}

pub async fn page_not_found(ui: Ui) -> PageError {
    PageError { ui: Box::new(ui), err: ApiError::not_found() }
}
