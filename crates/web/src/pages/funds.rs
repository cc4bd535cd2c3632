//! The community fund pages: the overview of every account in view, one community's ledger
//! (recording income and spending with its receipt, the year's special fund, the XLSX ledger
//! both ways), an entry (its receipt, approval, reversal), and the public disclosure page that
//! residents open without signing in and print.

use super::*;
use crate::auth::Auth;
use crate::pages::appeals::{error_text, read_multipart};
use crate::pages::service::{get, Pairs, Typed};
use crate::state::AppState;
use axum::extract::{Form, Multipart, State};
use chrono::{Datelike, NaiveDate};
use jiayuan_domain::access::Permission;
use jiayuan_domain::fund::{Direction, EntryStatus, Purpose, Source};
use jiayuan_domain::money::{format_fen, parse_yuan};
use jiayuan_store::model::Page;
use jiayuan_store::support::{EntryFilter, FundEntry, NewEntry};

fn yuan(fen: i64) -> String {
    format!("¥{}", format_fen(fen))
}

fn this_year(state: &AppState) -> i32 {
    jiayuan_domain::time::beijing(state.clock.now()).date().year()
}

/// The year a page asks for: 2000–2100, this year when not given.
fn year_of(state: &AppState, ui: &Ui, y: &Option<String>) -> Result<i32, PageError> {
    Ok(crate::api::year_param(y).page(ui)?.unwrap_or_else(|| this_year(state)))
}

fn done_text(ui: &Ui, done: &str) -> String {
    match done {
        "recorded" | "requested" | "granted" | "reversed" | "approved" | "rejected" | "imported" => {
            ui.t(&format!("fund.done_{done}")).to_string()
        }
        _ => String::new(),
    }
}

/// An entry on a list.
pub struct EntryLine {
    pub id: String,
    pub seq: String,
    pub day: String,
    pub direction: String,
    pub income: bool,
    pub label: String,
    pub amount: String,
    /// What it did to the balance: `+¥…` or `−¥…` (a reversal of spending adds).
    pub signed: String,
    pub balance: String,
    pub summary: String,
    pub counterparty: String,
    pub status: String,
    pub pending: bool,
    pub reversal: bool,
    pub reversed: bool,
    pub receipt: bool,
}

fn entry_line(ui: &Ui, e: &FundEntry) -> EntryLine {
    let lang = ui.lang.code();
    EntryLine {
        id: e.id.to_string(),
        seq: e.seq.map(|s| s.to_string()).unwrap_or_default(),
        day: e.occurred_on.to_string(),
        direction: e.direction().label(lang).into(),
        income: e.direction() == Direction::Income,
        label: e.label(lang).into(),
        amount: yuan(e.amount_fen),
        signed: if e.delta() >= 0 { format!("+{}", yuan(e.delta())) } else { format!("−{}", yuan(-e.delta())) },
        balance: e.balance_after_fen.map(yuan).unwrap_or_default(),
        summary: e.summary.clone(),
        counterparty: e.public_counterparty(),
        status: e.status().label(lang).into(),
        pending: e.status() == EntryStatus::Pending,
        reversal: e.reverses.is_some(),
        reversed: e.reversed_by.is_some(),
        receipt: e.receipt_id.is_some(),
    }
}

// --- the overview ---------------------------------------------------------------------------

pub struct OverviewLine {
    pub code: String,
    pub name: String,
    pub balance: String,
    pub income: String,
    pub spent: String,
    pub pending: i64,
}

#[derive(Template)]
#[template(path = "funds.html")]
struct FundsPage {
    ui: Ui,
    title: String,
    year: i32,
    lines: Vec<OverviewLine>,
    income: String,
    spent: String,
}

#[derive(Deserialize)]
pub struct YearQuery {
    pub year: Option<String>,
    pub page: Option<String>,
    pub done: Option<String>,
}

/// `/funds`: every community account in view, with the year's income and spending.
pub async fn funds_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let year = year_of(&state, &ui, &q.year)?;
    let rows = state.store.fund_overview(&auth.principal, year).await.page(&ui)?;
    let p = FundsPage {
        title: ui.t("fund.title").into(),
        year,
        income: yuan(rows.iter().map(|r| r.income_fen).sum()),
        spent: yuan(rows.iter().map(|r| r.spent_fen).sum()),
        lines: rows
            .iter()
            .map(|r| OverviewLine {
                code: r.code.clone(),
                name: r.name.clone(),
                balance: yuan(r.balance_fen),
                income: yuan(r.income_fen),
                spent: yuan(r.spent_fen),
                pending: r.pending,
            })
            .collect(),
        ui: ui.clone(),
    };
    render(ui, p)
}

// --- one community's ledger -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "fund.html")]
struct FundPage {
    ui: Ui,
    title: String,
    code: String,
    year: i32,
    done: String,
    error: Option<String>,
    balance: String,
    reconciles: bool,
    sum: String,
    pending: i64,
    approval_above: String,
    overdraft: bool,
    special_fund: String,
    entries: Vec<EntryLine>,
    page: u32,
    pages: u32,
    total: i64,
    can_keep: bool,
    sources: Vec<(&'static str, &'static str)>,
    purposes: Vec<(&'static str, &'static str)>,
    typed: Typed,
    today: String,
    /// A receipt uploaded with a refused entry, kept so it need not be chosen again.
    kept_receipt: String,
}

async fn fund_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    code: &str,
    q: &YearQuery,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let who = &auth.principal;
    let year = year_of(state, &ui, &q.year)?;
    let acc = state.store.fund_account(who, code).await.page(&ui)?;
    let page_no = q.page.as_deref().and_then(|p| p.trim().parse::<u32>().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let page = Page::new(Some(page_no), Some(50)).page(&ui)?;
    let rows = state
        .store
        .fund_entries(who, code, &EntryFilter { year: Some(year), ..Default::default() }, page)
        .await
        .page(&ui)?;
    let rules = state.store.fund_rules().await.page(&ui)?;
    let lang = ui.lang.code();
    let kept_receipt = get(&typed, "receipt_id").to_string();
    let p = FundPage {
        title: format!("{} · {}", acc.territory.name, ui.t("fund.ledger")),
        code: acc.territory.code.clone(),
        year,
        done: done_text(&ui, q.done.as_deref().unwrap_or("")),
        error,
        balance: yuan(acc.balance_fen),
        reconciles: acc.reconciles(),
        sum: yuan(acc.sum_fen),
        pending: acc.pending,
        approval_above: yuan(rules.approval_above_fen),
        overdraft: rules.allow_overdraft,
        special_fund: yuan(state.store.special_fund_amount(year).await.page(&ui)?),
        entries: rows.items.iter().map(|e| entry_line(&ui, e)).collect(),
        page: rows.page,
        pages: (rows.total.max(1) as u32).div_ceil(rows.page_size),
        total: rows.total,
        can_keep: auth.scope(Permission::KeepFunds).is_ok_and(|s| s.covers_path(&acc.territory.path)),
        sources: Source::ALL.iter().map(|s| (s.as_str(), s.label(lang))).collect(),
        purposes: Purpose::ALL.iter().map(|p| (p.as_str(), p.label(lang))).collect(),
        typed: Typed::new(typed),
        today: jiayuan_domain::time::beijing(state.clock.now()).date().to_string(),
        kept_receipt,
        ui: ui.clone(),
    };
    render(ui, p)
}

/// `/funds/{code}`: a community's ledger for a year, and recording in it.
pub async fn fund_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    fund_render(&state, &auth, ui, &code, &q, vec![], None).await
}

async fn back_to_fund(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    code: &str,
    e: ApiError,
    typed: Pairs,
) -> Result<Response, PageError> {
    let status = e.status;
    let page = fund_render(
        state,
        auth,
        ui,
        code,
        &YearQuery { year: None, page: None, done: None },
        typed,
        Some(error_text(&e)),
    )
    .await?;
    Ok((status, page).into_response())
}

/// The entry the form describes (the receipt is read separately).
fn new_entry(code: &str, f: &Pairs) -> Result<NewEntry, ApiError> {
    let direction = Direction::parse_field(get(f, "direction"), "direction")?;
    let pick = |k: &str| Some(get(f, k).trim()).filter(|s| !s.is_empty());
    let (source, purpose) = match direction {
        Direction::Income => (pick("source").map(|s| Source::parse_field(s, "source")).transpose()?, None),
        Direction::Expense => (None, pick("purpose").map(|s| Purpose::parse_field(s, "purpose")).transpose()?),
    };
    let purpose_id = match (direction, purpose) {
        (Direction::Expense, Some(p)) if p.names_a_record() => match pick("purpose_id") {
            // The page lets people paste a record's address too: the id is its last part.
            Some(s) => {
                Some(uuid::Uuid::parse_str(s.trim_end_matches('/').rsplit('/').next().unwrap_or(s)).map_err(|_| {
                    ApiError::invalid("purpose_id", "请填写记录编号或粘贴记录的网址 (a record's id or address)")
                })?)
            }
            None => None,
        },
        _ => None,
    };
    let occurred_on = NaiveDate::parse_from_str(get(f, "occurred_on").trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid("occurred_on", "应为日期，如 2026-12-08 (YYYY-MM-DD)"))?;
    Ok(NewEntry {
        territory: code.to_string(),
        direction,
        source,
        purpose,
        purpose_id,
        amount_fen: parse_yuan("amount", get(f, "amount"))?,
        occurred_on,
        summary: get(f, "summary").into(),
        counterparty: get(f, "counterparty").into(),
        counterparty_is_person: get(f, "person") == "1",
        receipt: None,
        voucher: String::new(),
    })
}

/// `POST /funds/{code}/entries` (multipart, the receipt as `receipt`): records an entry; a
/// refusal shows the page again with everything typed, and a receipt already kept stays.
pub async fn fund_entry_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    m: Multipart,
) -> Result<Response, PageError> {
    let (mut fields, file) = match read_multipart(m).await {
        Ok(x) => x,
        Err(e) => return back_to_fund(&state, &auth, ui, &code, e, vec![]).await,
    };
    let r = async {
        // The receipt is kept first, so that a refusal of anything else never asks for it again.
        let receipt = match (file, get(&fields, "receipt_id").trim()) {
            (Some((ct, bytes)), _) => {
                let id = crate::api::save_fund_receipt(&state, &auth, &code, &ct, &bytes).await?;
                fields.retain(|(k, _)| k != "receipt_id");
                fields.push(("receipt_id".into(), id.to_string()));
                Some(id)
            }
            (None, "") => None,
            (None, kept) => Some(
                uuid::Uuid::parse_str(kept)
                    .map_err(|_| ApiError::invalid("receipt", "凭证无效，请重新上传 (upload it again)"))?,
            ),
        };
        let e = NewEntry { receipt, ..new_entry(&code, &fields)? };
        let saved = state.store.record_fund_entry(&auth.audit_ctx(), &auth.principal, &e, state.clock.now()).await?;
        Ok::<_, ApiError>(saved)
    }
    .await;
    match r {
        Ok(saved) => {
            let done = if saved.status() == EntryStatus::Pending { "requested" } else { "recorded" };
            Ok(crate::redirect::to(&format!("/funds/{}?done={done}", super::code_segment(&code))))
        }
        Err(e) => back_to_fund(&state, &auth, ui, &code, e, fields).await,
    }
}

/// `POST /funds/{code}/special-fund`: records the year's special fund.
pub async fn special_fund_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let year = get(&pairs, "year").trim().parse::<i32>().unwrap_or(0);
    match state.store.grant_special_fund(&auth.audit_ctx(), &auth.principal, &code, year, state.clock.now()).await {
        Ok(_) => Ok(crate::redirect::to(&format!("/funds/{}?done=granted", super::code_segment(&code)))),
        Err(e) => back_to_fund(&state, &auth, ui, &code, e.into(), vec![]).await,
    }
}

/// `POST /funds/{code}/import` (multipart, the workbook as `file`): imports ledger rows, all
/// or none.
pub async fn fund_import_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    m: Multipart,
) -> Result<Response, PageError> {
    let r = async {
        let (_, file) = read_multipart(m).await?;
        let (_, bytes) = file.ok_or_else(|| ApiError::invalid("file", "请选择Excel文件 (choose an XLSX file)"))?;
        Ok::<_, ApiError>(
            state.store.import_fund_sheet(&auth.audit_ctx(), &auth.principal, &code, &bytes, state.clock.now()).await?,
        )
    }
    .await;
    match r {
        Ok(_) => Ok(crate::redirect::to(&format!("/funds/{}?done=imported", super::code_segment(&code)))),
        Err(e) => back_to_fund(&state, &auth, ui, &code, e, vec![]).await,
    }
}

// --- one entry ----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "fund_entry.html")]
struct EntryPage {
    ui: Ui,
    title: String,
    done: String,
    error: Option<String>,
    code: String,
    e: EntryLine,
    receipt_url: String,
    voucher: String,
    purpose_link: String,
    reverses: String,
    reversed_by: String,
    decision_note: String,
    can_keep: bool,
    can_approve: bool,
    typed: Typed,
}

async fn entry_render(
    state: &AppState,
    auth: &Auth,
    ui: Ui,
    id: &str,
    done: &str,
    typed: Pairs,
    error: Option<String>,
) -> Result<Response, PageError> {
    let id = crate::api::parse_id(id).page(&ui)?;
    let e = state.store.fund_entry(&auth.principal, id).await.page(&ui)?;
    let t = state.store.territory(e.territory_id).await.page(&ui)?;
    let covers = |p: Permission| auth.scope(p).is_ok_and(|s| s.covers_path(&e.path));
    let purpose_link = match (e.purpose(), e.purpose_id) {
        (Some(Purpose::Activity), Some(id)) => format!("/activities/{id}"),
        (Some(Purpose::Project), Some(_)) => "/venture-projects".into(),
        (Some(Purpose::Appeal), Some(id)) => format!("/appeals/{id}"),
        (Some(Purpose::Decision), Some(id)) => format!("/decisions/{id}"),
        _ => String::new(),
    };
    let p = EntryPage {
        title: format!("{} · {}", t.name, ui.t("fund.entry")),
        done: done_text(&ui, done),
        error,
        code: t.code.clone(),
        receipt_url: e.receipt_id.map(|r| format!("/api/v1/fund-receipts/{r}")).unwrap_or_default(),
        voucher: e.voucher.clone(),
        purpose_link,
        reverses: e.reverses.map(|r| r.to_string()).unwrap_or_default(),
        reversed_by: e.reversed_by.map(|r| r.to_string()).unwrap_or_default(),
        decision_note: e.decision_note.clone(),
        can_keep: covers(Permission::KeepFunds)
            && e.status() == EntryStatus::Posted
            && e.reverses.is_none()
            && e.reversed_by.is_none(),
        can_approve: covers(Permission::ApproveFunds) && e.status() == EntryStatus::Pending,
        e: entry_line(&ui, &e),
        typed: Typed::new(typed),
        ui: ui.clone(),
    };
    render(ui, p)
}

#[derive(Deserialize)]
pub struct EntryQuery {
    pub done: Option<String>,
}

/// `/fund-entries/{id}`: an entry with its receipt, and reversing or deciding it.
pub async fn fund_entry_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Query(q): Query<EntryQuery>,
) -> Result<Response, PageError> {
    entry_render(&state, &auth, ui, &id, q.done.as_deref().unwrap_or(""), vec![], None).await
}

/// `POST /fund-entries/{id}/reverse`: a reversing entry naming this one.
pub async fn fund_reverse_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let r = async {
        let id = crate::api::parse_id(&id)?;
        Ok::<_, ApiError>(
            state
                .store
                .reverse_fund_entry(&auth.audit_ctx(), &auth.principal, id, get(&pairs, "reason"), state.clock.now())
                .await?,
        )
    }
    .await;
    match r {
        Ok(rev) => Ok(crate::redirect::to(&format!("/fund-entries/{}?done=reversed", rev.id))),
        Err(e) => {
            let status = e.status;
            let page = entry_render(&state, &auth, ui, &id, "", pairs, Some(error_text(&e))).await?;
            Ok((status, page).into_response())
        }
    }
}

/// `POST /fund-entries/{id}/decide`: the secretary approves or refuses spending that waits.
pub async fn fund_decide_form(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let approve = get(&pairs, "approve") == "1";
    let r = async {
        let id = crate::api::parse_id(&id)?;
        Ok::<_, ApiError>(
            state
                .store
                .decide_fund_entry(
                    &auth.audit_ctx(),
                    &auth.principal,
                    id,
                    approve,
                    get(&pairs, "note"),
                    state.clock.now(),
                )
                .await?,
        )
    }
    .await;
    match r {
        Ok(e) => Ok(crate::redirect::to(&format!(
            "/fund-entries/{}?done={}",
            e.id,
            if approve { "approved" } else { "rejected" }
        ))),
        Err(e) => {
            let status = e.status;
            let page = entry_render(&state, &auth, ui, &id, "", pairs, Some(error_text(&e))).await?;
            Ok((status, page).into_response())
        }
    }
}

// --- the public disclosure ------------------------------------------------------------------------

/// A bar of a chart: label, amount, width in percent of the largest.
pub struct FundBar {
    pub label: String,
    pub amount: String,
    pub width: i64,
}

fn bars(items: &[(String, i64)]) -> Vec<FundBar> {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    items
        .iter()
        .map(|(label, a)| FundBar {
            label: label.clone(),
            amount: yuan(*a),
            width: ((*a).max(0) * 100 / max).clamp(0, 100),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "disclosure.html")]
struct DisclosurePage {
    ui: Ui,
    title: String,
    code: String,
    name: String,
    year: i32,
    years: Vec<i32>,
    opening: String,
    income: String,
    spent: String,
    closing: String,
    income_bars: Vec<FundBar>,
    spending_bars: Vec<FundBar>,
    entries: Vec<EntryLine>,
    page: u32,
    pages: u32,
    total: i64,
}

/// `/disclosure/{code}`: a community's accounts for a year as published to residents — no
/// sign-in, no receipts, people's names masked; printable.
pub async fn disclosure_page(
    State(state): State<AppState>,
    ui: Ui,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let year = year_of(&state, &ui, &q.year)?;
    let page_no = q.page.as_deref().and_then(|p| p.trim().parse::<u32>().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let page = Page::new(Some(page_no), Some(100)).page(&ui)?;
    let d = state.store.fund_disclosure(&code, year, page).await.page(&ui)?;
    let lang = ui.lang.code();
    let now = this_year(&state);
    let p = DisclosurePage {
        title: format!("{} · {} {}", d.territory.name, year, ui.t("fund.disclosure")),
        code: d.territory.code.clone(),
        name: d.territory.name.clone(),
        year,
        years: (now - 4..=now).rev().collect(),
        opening: yuan(d.opening_fen),
        income: yuan(d.income_fen),
        spent: yuan(d.spent_fen),
        closing: yuan(d.closing_fen),
        income_bars: bars(&d.income_by_source.iter().map(|(s, a)| (s.label(lang).to_string(), *a)).collect::<Vec<_>>()),
        spending_bars: bars(
            &d.spending_by_purpose.iter().map(|(p, a)| (p.label(lang).to_string(), *a)).collect::<Vec<_>>(),
        ),
        entries: d.entries.items.iter().map(|e| entry_line(&ui, e)).collect(),
        page: d.entries.page,
        pages: (d.entries.total.max(1) as u32).div_ceil(d.entries.page_size),
        total: d.entries.total,
        ui: ui.clone(),
    };
    render(ui, p)
}
