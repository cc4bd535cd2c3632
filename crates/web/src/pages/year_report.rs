//! The work report page (`/reports/{code}/{year}`) and its drill-downs
//! (`/reports/{code}/{year}/{figure}`): every figure links to the records behind it, built from
//! the same definition, so the list adds up to the figure.

use super::*;
use crate::auth::Auth;
use crate::state::AppState;
use crate::work_report as doc;
use axum::extract::{Path, State};
use chrono::Datelike;
use jiayuan_domain::access::Permission;
use jiayuan_domain::work_report::{self as wr, Section, Unit};
use jiayuan_store::work_report::{FigureRecords, RecordKind, WorkReport, YEARS};

/// One row of a section's table.
pub struct FigureRow {
    pub key: &'static str,
    pub name: &'static str,
    pub definition: &'static str,
    pub value: String,
    pub last: String,
    pub change: String,
    /// The seed's figure as it writes it, and whether this one meets it (district only).
    pub seed: String,
    pub meets: Option<bool>,
    /// Where the number leads: the records behind it, or the dashboard for a rate.
    pub href: String,
    pub last_href: String,
    /// Bar lengths (0–100) of this year and last, for the chart beside the numbers.
    pub bar: u32,
    pub last_bar: u32,
}

pub struct SectionView {
    pub key: &'static str,
    pub heading: String,
    pub rows: Vec<FigureRow>,
}

#[derive(Template)]
#[template(path = "work_report.html")]
struct ReportPage {
    ui: Ui,
    title: String,
    /// The heading after the place's name (which is not translated).
    title_rest: String,
    code: String,
    year: i32,
    last_year: i32,
    place: String,
    generated: String,
    sections: Vec<SectionView>,
    formulas: Vec<(String, String)>,
    settled_low: Option<String>,
    settled: Vec<(String, String, u32)>,
    top_categories: Vec<(String, String)>,
    councils: Vec<(String, String)>,
    solutions: Vec<(String, String, String)>,
    years: Vec<(i32, bool)>,
    is_district: bool,
}

fn dashboard_href(code: &str, year: i32) -> String {
    format!("/appeals/dashboard?period=custom&from={year}-01-01&to={year}-12-31&within={code}")
}

fn figure_href(code: &str, year: i32, key: &str) -> String {
    format!("/reports/{code}/{year}/{key}")
}

#[derive(Deserialize, Default)]
pub struct YearReportParams {
    /// `docx`, `md` or `json` downloads the report; nothing shows the page.
    pub format: Option<String>,
    pub page: Option<String>,
}

fn parse_year(s: &str) -> Result<i32, ApiError> {
    s.trim().parse::<i32>().ok().filter(|y| YEARS.contains(y)).ok_or_else(|| {
        ApiError::invalid("year", format!("年份“{}”应为2000到2100之间的四位数 (a year from 2000 to 2100)", s.trim()))
    })
}

/// `/reports`: the report of the top of the account's scope for this year.
pub async fn year_reports_home(auth: Auth, State(state): State<AppState>, ui: Ui) -> Result<Response, PageError> {
    let scope = auth
        .principal
        .scope(Permission::ViewTerritory)
        .map_err(|_| ApiError::forbidden(Permission::ViewTerritory))
        .page(&ui)?;
    let year = jiayuan_domain::time::beijing(state.clock.now()).year();
    let root = scope.roots().first().map(|p| p.to_string()).unwrap_or_default();
    // A grant below the community (a compound, a building) reports on its community.
    let code = state.store.report_root(&root).await.page(&ui)?;
    Ok(crate::redirect::to(&format!("/reports/{}/{year}", code_segment(&code))))
}

/// `/reports/{code}/{year}`: the page, or the report as a document with `?format=`.
pub async fn year_report_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path((code, year)): Path<(String, String)>,
    Query(q): Query<YearReportParams>,
) -> Result<Response, PageError> {
    let year = parse_year(&year).page(&ui)?;
    let report = state.store.work_report(&auth.principal, &code, year).await.page(&ui)?;
    let now = state.clock.now();
    let lang = ui.lang.code();
    let file = format!("report-{}-{year}", report.territory.code);
    match q.format.as_deref().map(str::trim).unwrap_or("") {
        "" | "html" => {}
        "docx" => {
            let bytes = doc::to_docx(&report, now).map_err(internal).page(&ui)?;
            return Ok(download(
                bytes,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                &format!("{file}.docx"),
            ));
        }
        "md" => {
            return Ok(download(
                doc::to_markdown(&report, now, lang).into_bytes(),
                "text/markdown; charset=utf-8",
                &format!("{file}.md"),
            ));
        }
        "json" => {
            let body = serde_json::to_vec_pretty(&doc::to_json(&report)).map_err(internal).page(&ui)?;
            return Ok(download(body, "application/json", &format!("{file}.json")));
        }
        other => {
            return Err(ApiError::invalid("format", format!("“{other}”不是可选格式: docx、md、json (not a format)")))
                .page(&ui);
        }
    }
    let page = page_of(&ui, &report, now);
    render(ui, page)
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "report document failed");
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "internal",
        message: "报告文档生成失败 (the document could not be made)".into(),
        field: None,
    }
}

fn download(bytes: Vec<u8>, content_type: &str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response()
}

fn page_of(ui: &Ui, r: &WorkReport, now: chrono::DateTime<chrono::Utc>) -> ReportPage {
    let lang = ui.lang.code();
    let code = r.territory.code.clone();
    let sections = Section::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let figures: Vec<_> = r.figures.iter().filter(|f| f.figure.section == *s).collect();
            let rows = figures
                .iter()
                .map(|f| {
                    let (v, l) = (f.value.unwrap_or(0).max(0), f.last_year.unwrap_or(0).max(0));
                    let most = v.max(l).max(1);
                    let (href, last_href) = if f.figure.unit == Unit::Rate {
                        (dashboard_href(&code, r.year), dashboard_href(&code, r.year - 1))
                    } else {
                        (figure_href(&code, r.year, f.figure.key), figure_href(&code, r.year - 1, f.figure.key))
                    };
                    FigureRow {
                        key: f.figure.key,
                        name: f.figure.name(lang),
                        definition: f.figure.definition(lang),
                        value: doc::show_value(f, f.value),
                        last: doc::show_value(f, f.last_year),
                        change: doc::show_change(f, lang),
                        seed: f.figure.seed.map_or_else(String::new, |s| s.label(f.figure.unit)),
                        meets: f.meets_seed,
                        href,
                        last_href,
                        bar: (v * 100 / most) as u32,
                        last_bar: (l * 100 / most) as u32,
                    }
                })
                .collect();
            SectionView {
                key: s.as_str(),
                heading: if lang == "en" {
                    format!("{}. {}", i + 1, s.label_en())
                } else {
                    format!(
                        "{}、{}",
                        ["一", "二", "三", "四", "五", "六", "七"].get(i).copied().unwrap_or(""),
                        s.label_zh()
                    )
                },
                rows,
            }
        })
        .collect();
    let settled_total: i64 = r.settled_by_level.iter().map(|x| x.1).sum();
    let settled = r
        .settled_by_level
        .iter()
        .map(|(l, n)| {
            let pct = if settled_total > 0 { (*n * 1000 / settled_total) as u32 } else { 0 };
            (l.label(lang).to_string(), thousands(*n), pct / 10)
        })
        .collect();
    ReportPage {
        title: doc::title(r, lang),
        title_rest: if lang == "en" {
            format!(": party-led urban grassroots governance in {}", r.year)
        } else {
            format!("{}年党建引领城市基层治理工作报告", r.year)
        },
        code: code.clone(),
        year: r.year,
        last_year: r.year - 1,
        place: r.territory.name.clone(),
        generated: jiayuan_domain::time::display(now),
        sections,
        formulas: r
            .formulas
            .iter()
            .map(|f| {
                let name = wr::figure(f.key).map_or(f.key, |x| x.name(lang)).to_string();
                (name, if lang == "en" { f.formula.clone() } else { f.formula_zh.clone() })
            })
            .collect(),
        settled_low: r.settled_low_permille.map(|p| format!("{:.1}%", p as f64 / 10.0)),
        settled,
        top_categories: r
            .top_categories
            .iter()
            .map(|c| (if lang == "en" { c.name_en.clone() } else { c.name.clone() }, thousands(c.count)))
            .collect(),
        councils: r.notable_councils.iter().map(|c| (c.name.clone(), thousands(c.count))).collect(),
        solutions: r
            .notable_solutions
            .iter()
            .map(|s| (format!("/golden-solutions/{}", s.id), s.title.clone(), s.org_name.clone()))
            .collect(),
        years: ((r.year - 2)..=(r.year + 1)).filter(|y| YEARS.contains(y)).map(|y| (y, y == r.year)).collect(),
        is_district: r.territory.kind == "district",
        ui: ui.clone(),
    }
}

/// One record of a drill-down, as the page shows it.
pub struct RecordRow {
    pub href: String,
    pub title: String,
    pub code: String,
    pub place: String,
    pub when: String,
    pub weight: String,
}

#[derive(Template)]
#[template(path = "work_report_figure.html")]
struct FigurePage {
    ui: Ui,
    title: String,
    figure_name: String,
    place: String,
    year: i32,
    definition: String,
    report_href: String,
    total: String,
    total_records: String,
    weighted: bool,
    rows: Vec<RecordRow>,
    pager: String,
}

pub const DRILL_PAGE_SIZE: i64 = 50;

/// Where a record behind a figure is seen.
pub fn record_href(kind: RecordKind, id: Option<uuid::Uuid>) -> String {
    let Some(id) = id else {
        return "/service/catalogue".into();
    };
    match kind {
        RecordKind::Appeal => format!("/appeals/{id}"),
        RecordKind::Activity => format!("/activities/{id}"),
        RecordKind::Topic => format!("/topics/{id}"),
        RecordKind::Decision => format!("/decisions/{id}"),
        RecordKind::Solution => format!("/golden-solutions/{id}"),
        RecordKind::Project => "/venture-projects".into(),
        RecordKind::Ticket => format!("/service/tickets/{id}"),
        RecordKind::Consultation => "/service/consultations".into(),
        RecordKind::Territory => format!("/territories/{id}"),
        RecordKind::Organisation => "/org-adoptions".into(),
        RecordKind::Worker => format!("/workers/{id}"),
        RecordKind::CatalogueEntry => "/service/catalogue".into(),
        RecordKind::FundEntry => format!("/fund-entries/{id}"),
    }
}

/// A record's code as people read it: the label of a kind, status, channel or post; numbers
/// and catalogue codes as they are.
fn code_label(kind: RecordKind, code: &str, lang: &str) -> String {
    use jiayuan_domain as d;
    let label = match kind {
        RecordKind::Topic => d::council::TopicKind::parse(code).map(|k| k.label(lang)),
        RecordKind::Project => d::life::ProjectStatus::parse(code).map(|k| k.label(lang)),
        RecordKind::Consultation => d::service::Channel::parse(code).map(|k| k.label(lang)),
        RecordKind::Worker => d::worker::Post::parse(code).map(|k| k.label(lang)),
        RecordKind::Decision => d::decision::Stage::parse(code).map(|k| k.label(lang)),
        _ => None,
    };
    label.map_or_else(|| code.to_string(), str::to_string)
}

/// `/reports/{code}/{year}/{figure}`: the records behind one figure.
pub async fn year_report_figure_page(
    auth: Auth,
    State(state): State<AppState>,
    ui: Ui,
    Path((code, year, key)): Path<(String, String, String)>,
    Query(q): Query<YearReportParams>,
) -> Result<Response, PageError> {
    let year = parse_year(&year).page(&ui)?;
    let page = q.page.as_deref().and_then(|p| p.trim().parse::<u32>().ok()).unwrap_or(1).max(1);
    if let Some(f) = wr::figure(key.trim()) {
        if f.unit == Unit::Rate {
            return Ok(crate::redirect::to(&dashboard_href(&code_segment(&code), year)));
        }
    }
    let recs: FigureRecords = state
        .store
        .figure_records(&auth.principal, &code, year, key.trim(), i64::from(page), DRILL_PAGE_SIZE)
        .await
        .page(&ui)?;
    let lang = ui.lang.code();
    let weighted = recs.total_weight != recs.total_records;
    let rows = recs
        .records
        .iter()
        .map(|r| RecordRow {
            href: record_href(r.kind, r.id),
            title: r.title.clone(),
            code: code_label(r.kind, &r.code, lang),
            place: r.place.clone(),
            when: match (r.at, r.day) {
                (Some(t), _) => jiayuan_domain::time::display(t),
                (None, Some(d)) => d.to_string(),
                _ => String::new(),
            },
            weight: if recs.figure.unit == Unit::Fen { wr::show(r.weight, Unit::Fen) } else { thousands(r.weight) },
        })
        .collect();
    let p = FigurePage {
        title: format!("{} · {} {}", recs.figure.name(lang), recs.territory.name, recs.year),
        figure_name: recs.figure.name(lang).to_string(),
        place: recs.territory.name.clone(),
        year: recs.year,
        definition: recs.figure.definition(lang).to_string(),
        report_href: format!("/reports/{}/{}", recs.territory.code, recs.year),
        total: wr::show(recs.total_weight, if recs.figure.unit == Unit::Fen { Unit::Fen } else { Unit::Count }),
        total_records: thousands(recs.total_records),
        weighted,
        rows,
        pager: pager(&ui, page, DRILL_PAGE_SIZE as u32, recs.total_records),
        ui: ui.clone(),
    };
    render(ui, p)
}
