//! Residents and households: lists, one record, revealing a number, and the export form.

use super::*;
use crate::api::{revealed_export, RevealedExportBody};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::i18n::{t, Lang};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiayuan_domain::access::Permission;
use jiayuan_domain::person::{Relation, Tenure};
use jiayuan_domain::phone::mask_phone_str;
use jiayuan_domain::resident_id::mask_id_str;
use jiayuan_store::people::HouseholdQuery;
use serde::Deserialize;

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
        name_cells: 1,
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
        name_cells: 2,
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

/// The columns of [`member_rows`].
fn member_headers(lang: Lang) -> Vec<&'static str> {
    ["person.name", "household.relation", "person.sex", "person.birth", "person.id"].map(|k| t(lang, k)).to_vec()
}

/// The members of a household; linked only for a viewer who may open other residents' pages
/// (a resident sees their household but not their relatives' records).
fn member_rows(lang: Lang, members: Vec<jiayuan_store::model::Member>, link: bool) -> Vec<Row> {
    members
        .into_iter()
        .map(|m| Row {
            href: if link { format!("/people/{}", m.person_id) } else { String::new() },
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
    // Links only where they open: others' records and places need more than one's own record.
    let (link_people, link_places) =
        (auth.principal.can(Permission::ViewPeople), auth.principal.can(Permission::ViewTerritory));
    let place_link = |id: uuid::Uuid| if link_places { format!("/territories/{id}") } else { String::new() };
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
            headers: member_headers(lang),
            rows: member_rows(lang, d.members.clone(), link_people),
        });
    }
    if !d.owns.is_empty() {
        sections.push(Section {
            heading: t(lang, "person.owns").into(),
            fields: d
                .owns
                .iter()
                .map(|o| (t(lang, "household.dwelling"), format!("{} {}", o.code, o.name), place_link(o.id)))
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
    let (link_people, link_places) =
        (auth.principal.can(Permission::ViewPeople), auth.principal.can(Permission::ViewTerritory));
    let d = state.store.household_detail(&scope, id).await.page(&ui)?;
    let h = &d.household;
    let sections = vec![Section {
        heading: String::new(),
        fields: vec![
            (
                t(lang, "person.address"),
                d.address.clone(),
                if link_places { format!("/territories/{}", h.dwelling_id) } else { String::new() },
            ),
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
        headers: member_headers(lang),
        rows: member_rows(lang, d.members.clone(), link_people),
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
