//! Community life's pages: the activities people can join (phone-first), one activity with
//! its places and waiting list, the resident's own check-in code as a QR code, and for staff
//! the publishing form, who registered, and the door where codes are checked in.

use super::*;
use crate::auth::Auth;
use crate::pages::appeals::error_text;
use crate::pages::votes::local_time;
use crate::shell::qr_svg;
use crate::state::AppState;
use axum::extract::{Form, State};
use jiayuan_domain::access::Permission;
use jiayuan_domain::life::{OrganiserKind, RegistrationStatus};
use jiayuan_domain::time::{beijing, display, from_beijing};
use jiayuan_store::life::{runs_at, Activity, ActivityFilter, NewActivity, Registration};

use crate::pages::service::{get, Pairs};

/// An activity as a card or a heading shows it.
pub struct ActivityCard {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub when: String,
    pub place: String,
    pub organiser: String,
    /// "余 3 / 共 20", "候补 4", or "不限名额"
    pub places: String,
    pub full: bool,
    pub status: String,
}

fn card(ui: &Ui, a: &Activity) -> ActivityCard {
    let until = if beijing(a.starts_at).date() == beijing(a.ends_at).date() {
        beijing(a.ends_at).format("%H:%M").to_string()
    } else {
        display(a.ends_at)
    };
    let places = match a.places_left() {
        None => ui.t("life.no_limit").to_string(),
        Some(left) => {
            let mut s = format!("{} {left} / {} {}", ui.t("life.left"), ui.t("life.of"), a.capacity);
            if a.waiting > 0 {
                s.push_str(&format!(" · {} {}", ui.t("life.waiting"), a.waiting));
            }
            s
        }
    };
    ActivityCard {
        id: a.id.to_string(),
        title: a.title.clone(),
        kind: a.kind_name.clone(),
        when: format!("{} – {until}", display(a.starts_at)),
        place: if a.place.is_empty() {
            a.territory_name.clone()
        } else {
            format!("{} · {}", a.territory_name, a.place)
        },
        organiser: a.organiser_name.clone(),
        places,
        full: a.places_left() == Some(0),
        status: a.status.label(ui.lang.code()).to_string(),
    }
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ListPage {
    ui: Ui,
    title: String,
    cards: Vec<ActivityCard>,
    pager: String,
    /// The publishing form, for staff who run activities.
    can_publish: bool,
    kinds: Vec<(String, String)>,
    organiser_kinds: Vec<(&'static str, &'static str)>,
    typed: Typed,
    default_territory: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub page: Option<String>,
}

async fn list_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    page: Option<String>,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let lp = crate::api::ListParams { page, page_size: Some("20".into()), ..Default::default() };
    let page = lp.page().page(&ui)?;
    let today = beijing(state.clock.now()).date();
    let f = ActivityFilter {
        from: Some(from_beijing(today.and_hms_opt(0, 0, 0).unwrap_or_default())),
        ..Default::default()
    };
    let rows = state.store.activities_for(&auth.principal, &f, page).await.page(&ui)?;
    let can_publish = auth.principal.can(Permission::RunActivities);
    let kinds = if can_publish {
        let en = ui.lang == crate::i18n::Lang::En;
        state
            .store
            .activity_kinds()
            .await
            .page(&ui)?
            .into_iter()
            .map(|k| (k.code, if en && !k.name_en.is_empty() { k.name_en } else { k.name }))
            .collect()
    } else {
        vec![]
    };
    let default_territory = auth
        .principal
        .grants
        .iter()
        .find(|g| g.role.allows(Permission::RunActivities))
        .map(|g| g.territory_code.clone())
        .unwrap_or_default();
    let p = ListPage {
        title: ui.t("life.activities").into(),
        cards: rows.items.iter().map(|a| card(&ui, a)).collect(),
        pager: pager(&ui, rows.page, rows.page_size, rows.total),
        can_publish,
        kinds,
        organiser_kinds: OrganiserKind::ALL.iter().map(|k| (k.as_str(), k.label(ui.lang.code()))).collect(),
        typed: Typed::new(typed),
        default_territory,
        error,
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/activities`: what is coming up, soonest first; staff also publish here.
pub async fn activities_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list_render(&state, &auth, ui, q.page, vec![], None).await
}

/// `POST /activities`: publishes an activity; a refusal keeps everything typed.
pub async fn activities_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let result = async {
        let capacity = match get(&pairs, "capacity").trim() {
            "" => 0,
            n => n.parse::<u32>().map_err(|_| ApiError::invalid("capacity", "名额应为整数 (a whole number)"))?,
        };
        let weeks = match get(&pairs, "weeks").trim() {
            "" => 1,
            n => n.parse::<u32>().map_err(|_| ApiError::invalid("weeks", "周数应为整数 (a whole number)"))?,
        };
        let na = NewActivity {
            kind: get(&pairs, "kind").into(),
            title: get(&pairs, "title").into(),
            description: get(&pairs, "description").into(),
            organiser_kind: OrganiserKind::parse_field(get(&pairs, "organiser_kind"), "organiser_kind")?,
            organiser_name: get(&pairs, "organiser_name").into(),
            territory: get(&pairs, "territory").into(),
            place: get(&pairs, "place").into(),
            starts_at: local_time("starts_at", get(&pairs, "starts_at"))?,
            ends_at: local_time("ends_at", get(&pairs, "ends_at"))?,
            capacity,
            public: pairs.iter().any(|(k, _)| k == "public"),
            weeks,
            project: match get(&pairs, "project").trim() {
                "" => None,
                p => Some(
                    uuid::Uuid::parse_str(p)
                        .map_err(|_| ApiError::invalid("project", "不是有效的项目 (not a project)"))?,
                ),
            },
        };
        Ok::<_, ApiError>(
            state.store.create_activity(&auth.audit_ctx(), &auth.principal, &na, state.clock.now()).await?,
        )
    }
    .await;
    match result {
        Ok(a) => Ok(crate::redirect::to(&format!("/activities/{}?done=published", a.id))),
        Err(e) => {
            let page = list_render(&state, &auth, ui, None, pairs, Some(error_text(&e))).await?;
            Ok((e.status, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "activity.html")]
struct DetailPage {
    ui: Ui,
    title: String,
    a: ActivityCard,
    description: String,
    report: String,
    /// The signed-in resident's registration: (id, status label, waiting place, code QR, code text)
    mine: Option<(String, String, Option<i64>, String, String)>,
    can_register: bool,
    done: String,
    error: Option<String>,
    /// For staff who run activities there: who registered, and the door.
    staff: bool,
    /// (name, status label, detail)
    registrations: Vec<(String, String, String)>,
    checked_in: i64,
    beneficiaries: i64,
    unnamed: i64,
    /// What staff may move the activity to: (status code, button label)
    actions: Vec<(String, String)>,
    /// Staff, once it has started and unless called off: the report form.
    can_report: bool,
    is_fair: bool,
    /// A fair's stalls: (label, provider, served)
    stalls: Vec<(String, String, i64)>,
    stall_kinds: Vec<(String, String)>,
    photos: Vec<String>,
    project: Option<String>,
    /// What a refused form had in it.
    typed: crate::pages::service::Typed,
}

#[derive(Deserialize)]
pub struct DetailQuery {
    pub done: Option<String>,
}

async fn detail_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: uuid::Uuid,
    done: &str,
    typed: crate::pages::service::Typed,
    error: Option<String>,
) -> Result<Response, PageError> {
    let a = state.store.activity_for(&auth.principal, id).await.page(&ui)?;
    let staff = runs_at(&auth.principal, &a.path);
    let mine: Option<Registration> = match auth.principal.person_id {
        Some(_) => state
            .store
            .my_registrations(&auth.principal)
            .await
            .page(&ui)?
            .into_iter()
            .map(|(r, _)| r)
            .find(|r| r.activity_id == a.id && r.status != RegistrationStatus::Cancelled),
        None => None,
    };
    let now = state.clock.now();
    let can_register = auth.principal.person_id.is_some()
        && mine.is_none()
        && a.status == jiayuan_domain::life::ActivityStatus::Open
        && a.starts_at > now;
    let mine = mine.map(|r| {
        let code = state.store.check_in_code(&r);
        let qr =
            if r.status == RegistrationStatus::Registered { qr_svg(&code, ui.t("life.code")) } else { String::new() };
        (r.id.to_string(), r.status.label(ui.lang.code()).to_string(), r.waiting_place, qr, code)
    });
    let registrations = if staff {
        state
            .store
            .registrations(&auth.principal, a.id)
            .await
            .page(&ui)?
            .into_iter()
            .map(|r| {
                let detail = match (r.checked_in_at, r.waiting_place) {
                    (Some(t), _) => format!("{} {}", ui.t("life.checked_in_at"), display(t)),
                    (None, Some(n)) => format!("{} {n}", ui.t("life.waiting_no")),
                    _ => String::new(),
                };
                (r.person_name, r.status.label(ui.lang.code()).to_string(), detail)
            })
            .collect()
    } else {
        vec![]
    };
    let started = now >= a.starts_at;
    let actions = if staff {
        use jiayuan_domain::life::ActivityStatus as S;
        [S::Open, S::Closed, S::Cancelled]
            .into_iter()
            .filter(|to| *to != a.status && a.status.may_become(*to, started).is_ok())
            .map(|to| (to.as_str().to_string(), ui.t(&format!("life.to_{}", to.as_str())).to_string()))
            .collect()
    } else {
        vec![]
    };
    let is_fair = a.kind == "fair";
    let stalls = if is_fair {
        state
            .store
            .stalls(a.id)
            .await
            .page(&ui)?
            .into_iter()
            .map(|s| (s.label(), s.provider.clone(), s.served))
            .collect()
    } else {
        vec![]
    };
    let photos = state
        .store
        .activity_photos(a.id)
        .await
        .page(&ui)?
        .into_iter()
        .map(|p| format!("/activities/{}/photos/{p}", a.id))
        .collect();
    let project = match a.project_id {
        Some(pid) => state.store.project(pid).await.ok().map(|p| format!("{} · {}", p.organisation_name, p.title)),
        None => None,
    };
    let p = DetailPage {
        title: a.title.clone(),
        a: card(&ui, &a),
        description: a.description.clone(),
        report: a.report.clone(),
        mine,
        can_register,
        done: match done {
            "published" | "registered" | "cancelled" | "checked_in" | "status" | "reported" | "stall" | "photo" => {
                ui.t(&format!("life.done_{done}")).to_string()
            }
            _ => String::new(),
        },
        error,
        staff,
        registrations,
        checked_in: a.checked_in,
        beneficiaries: a.beneficiaries(),
        unnamed: a.unnamed_beneficiaries,
        actions,
        can_report: staff && started && a.status != jiayuan_domain::life::ActivityStatus::Cancelled,
        is_fair,
        stalls,
        stall_kinds: jiayuan_domain::life::StallKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), k.label(ui.lang.code()).to_string()))
            .collect(),
        photos,
        project,
        typed,
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/activities/{id}`: one activity, with the resident's registration and code, and for
/// staff who registered and the door.
pub async fn activity_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    detail_render(&state, &auth, ui, id, q.done.as_deref().unwrap_or(""), Default::default(), None).await
}

async fn back(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: uuid::Uuid,
    result: Result<&str, ApiError>,
    typed: Pairs,
) -> Result<Response, PageError> {
    match result {
        Ok(done) => Ok(crate::redirect::to(&format!("/activities/{id}?done={done}"))),
        Err(e) => {
            let typed = crate::pages::service::Typed::new(typed);
            let page = detail_render(state, auth, ui, id, "", typed, Some(error_text(&e))).await?;
            Ok((e.status, page).into_response())
        }
    }
}

/// `POST /activities/{id}/register`: the signed-in resident registers.
pub async fn activity_register_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let r = state.store.register(&auth.audit_ctx(), &auth.principal, id, None, state.clock.now()).await;
    back(&state, &auth, ui, id, r.map(|_| "registered").map_err(ApiError::from), vec![]).await
}

/// `POST /activities/{id}/cancel`: the signed-in resident cancels their registration.
pub async fn activity_cancel_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let result = async {
        let reg = crate::api::parse_id(get(&pairs, "registration"))?;
        state.store.cancel_registration(&auth.audit_ctx(), &auth.principal, reg, state.clock.now()).await?;
        Ok::<_, ApiError>("cancelled")
    }
    .await;
    back(&state, &auth, ui, id, result, vec![]).await
}

/// `POST /activities/{id}/check-in`: the door checks a code in; a refusal keeps the code.
pub async fn activity_check_in_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let code = get(&pairs, "code");
    let r = state.store.check_in(&auth.audit_ctx(), &auth.principal, id, code, state.clock.now()).await;
    back(&state, &auth, ui, id, r.map(|_| "checked_in").map_err(ApiError::from), pairs).await
}

/// `POST /activities/{id}/status`: registration closed or reopened, or the activity called off.
pub async fn activity_status_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let result = async {
        let to = jiayuan_domain::life::ActivityStatus::parse_field(get(&pairs, "status"), "status")?;
        state.store.set_activity_status(&auth.audit_ctx(), &auth.principal, id, to, state.clock.now()).await?;
        Ok::<_, ApiError>("status")
    }
    .await;
    back(&state, &auth, ui, id, result, pairs).await
}

/// A count typed into a form: blank is 0.
fn typed_count(pairs: &Pairs, field: &str) -> Result<u32, ApiError> {
    match get(pairs, field).trim() {
        "" => Ok(0),
        n => n
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= jiayuan_store::life::MAX_SERVED)
            .ok_or_else(|| ApiError::invalid(field, "应为0到1000000的整数 (a whole number, 0–1000000)")),
    }
}

/// `POST /activities/{id}/report`: the report afterwards and the people served without names.
pub async fn activity_report_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let result = async {
        let unnamed = typed_count(&pairs, "unnamed_beneficiaries")?;
        let report = get(&pairs, "report");
        state.store.report_activity(&auth.audit_ctx(), &auth.principal, id, report, unnamed, state.clock.now()).await?;
        Ok::<_, ApiError>("reported")
    }
    .await;
    back(&state, &auth, ui, id, result, pairs).await
}

/// `POST /activities/{id}/stalls`: a stall of a fair.
pub async fn activity_stall_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let result = async {
        let s = jiayuan_store::life::NewStall {
            kind: jiayuan_domain::life::StallKind::parse_field(get(&pairs, "kind"), "kind")?,
            name: get(&pairs, "name").into(),
            provider: get(&pairs, "provider").into(),
            served: typed_count(&pairs, "served")?,
        };
        state.store.add_stall(&auth.audit_ctx(), &auth.principal, id, &s, state.clock.now()).await?;
        Ok::<_, ApiError>("stall")
    }
    .await;
    back(&state, &auth, ui, id, result, pairs).await
}

/// `POST /activities/{id}/photos`: a photo of the activity (multipart, `photo`).
pub async fn activity_photo_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    m: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(&id).page(&ui)?;
    let result = async {
        let (_, file) = crate::pages::appeals::read_multipart(m).await?;
        let Some((ct, bytes)) = file else {
            return Err(ApiError::invalid("photo", "请选择照片 (choose a photo)"));
        };
        crate::api::save_activity_photo(&state, &auth, id, &ct, &bytes).await?;
        Ok("photo")
    }
    .await;
    back(&state, &auth, ui, id, result, vec![]).await
}

/// `/activities/{id}/photos/{photo}`: an activity's photo, to whoever may see the activity.
pub async fn activity_photo(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path((id, photo)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (id, photo) = (crate::api::parse_id(&id).page(&ui)?, crate::api::parse_id(&photo).page(&ui)?);
    let content_type = state.store.activity_photo(&auth.principal, id, photo).await.page(&ui)?;
    let bytes = crate::media::read(&state, "activities", photo).await.page(&ui)?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (axum::http::header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}
