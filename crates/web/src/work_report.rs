//! The work report's documents: the JSON object of `jiayuan report --format json` (its keys
//! are the figures' keys, documented in the README), Markdown, and a Word document laid out
//! as a Chinese official document (GB/T 9704: A4, 37/35/28/26 mm margins, the title in 小标宋
//! 二号, the text in 仿宋 三号 with first-line indents, headings in 黑体 and 楷体).
//! The page and the printable HTML are the console's template (`work_report.html`).

use chrono::{DateTime, Utc};
use docx_rs::{
    AlignmentType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts, SpecialIndentType, Table,
    TableCell, TableRow, WidthType,
};
use jiayuan_domain::work_report::{self as wr, Section, Unit};
use jiayuan_store::work_report::{FigureValue, WorkReport};
use serde_json::{json, Map, Value};

/// A figure's value for JSON: an integer, or a rate as a percentage with one decimal.
fn value_json(unit: Unit, v: Option<i64>) -> Value {
    match (unit, v) {
        (_, None) => Value::Null,
        (Unit::Rate, Some(n)) => json!((n as f64) / 10.0),
        (_, Some(n)) => json!(n),
    }
}

/// The one JSON object of `--format json`: `territory`, `territory_name`, `year`, every
/// figure's key with this year's value, and `last_year` with last year's.
pub fn to_json(r: &WorkReport) -> Value {
    let mut m = Map::new();
    m.insert("territory".into(), json!(r.territory.code));
    m.insert("territory_name".into(), json!(r.territory.name));
    m.insert("year".into(), json!(r.year));
    let mut last = Map::new();
    for f in &r.figures {
        m.insert(f.figure.key.into(), value_json(f.figure.unit, f.value));
        last.insert(f.figure.key.into(), value_json(f.figure.unit, f.last_year));
    }
    m.insert(
        "settled_at_building_or_compound_percent".into(),
        r.settled_low_permille.map_or(Value::Null, |p| json!(p as f64 / 10.0)),
    );
    m.insert("last_year".into(), Value::Object(last));
    Value::Object(m)
}

/// A value as people read it, `—` when there is none.
pub fn show_value(f: &FigureValue, v: Option<i64>) -> String {
    v.map_or_else(|| "—".to_string(), |n| wr::show(n, f.figure.unit))
}

/// This year against last, in words.
pub fn show_change(f: &FigureValue, lang: &str) -> String {
    f.change.map_or_else(|| "—".to_string(), |c| wr::show_change(c, f.figure.unit, lang))
}

/// The report's title: `牟平区2026年党建引领城市基层治理工作报告`.
pub fn title(r: &WorkReport, lang: &str) -> String {
    if lang == "en" {
        format!("{}: party-led urban grassroots governance in {}", r.territory.name, r.year)
    } else {
        format!("{}{}年党建引领城市基层治理工作报告", r.territory.name, r.year)
    }
}

const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn heading(i: usize, s: Section, lang: &str) -> String {
    if lang == "en" {
        format!("{}. {}", i + 1, s.label_en())
    } else {
        format!("{}、{}", NUMERALS.get(i).copied().unwrap_or("十"), s.label_zh())
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The report in Markdown (Chinese, or English with `lang = "en"`).
pub fn to_markdown(r: &WorkReport, generated: DateTime<Utc>, lang: &str) -> String {
    let en = lang == "en";
    let mut out = format!("# {}\n\n", title(r, lang));
    out.push_str(&if en {
        format!(
            "Drawn from the system's records for {} ({}) on {}. Each figure is compared with {}.\n\n",
            r.territory.name,
            r.territory.code,
            jiayuan_domain::time::beijing(generated).format("%Y-%m-%d %H:%M"),
            r.year - 1
        )
    } else {
        format!(
            "本报告由系统记录生成：{}（{}），生成时间{}（北京时间），各项数字与{}年比较。\n\n",
            r.territory.name,
            r.territory.code,
            jiayuan_domain::time::beijing(generated).format("%Y-%m-%d %H:%M"),
            r.year - 1
        )
    });
    for (i, s) in Section::ALL.iter().enumerate() {
        out.push_str(&format!("## {}\n\n", heading(i, *s, lang)));
        out.push_str(if en {
            "| Figure | This year | Last year | Change | Seed | What is counted |\n|---|---:|---:|---:|---:|---|\n"
        } else {
            "| 指标 | 本年 | 上年 | 增减 | 报告原数 | 统计口径 |\n|---|---:|---:|---:|---:|---|\n"
        });
        for f in r.figures.iter().filter(|f| f.figure.section == *s) {
            let seed = f.figure.seed.map_or_else(String::new, |x| x.label(f.figure.unit));
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                md_cell(f.figure.name(lang)),
                show_value(f, f.value),
                show_value(f, f.last_year),
                show_change(f, lang),
                seed,
                md_cell(f.figure.definition(lang))
            ));
        }
        out.push('\n');
        // The same sentences as the printable document's, as a list under the table.
        let notes = notes(r, *s, lang);
        for n in &notes {
            out.push_str(&format!("- {n}\n"));
        }
        if !notes.is_empty() {
            out.push('\n');
        }
    }
    out
}

type DocRow = (String, String, String, String, String, String);

#[derive(askama::Template)]
#[template(path = "work_report_document.html")]
struct Document {
    lang: &'static str,
    title: String,
    sub: String,
    head: [&'static str; 5],
    sections: Vec<(String, Vec<DocRow>, Vec<String>)>,
}

/// The notes under a section: the rates' formulas, the share settled low, the categories,
/// the golden solutions and the councils, each a sentence.
fn notes(r: &WorkReport, s: Section, lang: &str) -> Vec<String> {
    let en = lang == "en";
    let mut out = Vec::new();
    match s {
        Section::Appeals => {
            for fm in &r.formulas {
                let name = wr::figure(fm.key).map_or(fm.key, |f| f.name(lang));
                out.push(format!("{name} = {}", if en { &fm.formula } else { &fm.formula_zh }));
            }
            if let Some(p) = r.settled_low_permille {
                out.push(if en {
                    format!("Settled at building or compound level: {:.1}% of the appeals resolved.", p as f64 / 10.0)
                } else {
                    format!("在楼栋、小区一级办结的诉求占办结总数的{:.1}%。", p as f64 / 10.0)
                });
            }
            if !r.top_categories.is_empty() {
                let list: Vec<String> = r
                    .top_categories
                    .iter()
                    .map(|c| format!("{} {}", if en { &c.name_en } else { &c.name }, wr::thousands(c.count)))
                    .collect();
                out.push(if en {
                    format!("Most frequent categories: {}.", list.join(", "))
                } else {
                    format!("诉求较多的类别：{}。", list.join("、"))
                });
            }
        }
        Section::Grid if !r.notable_solutions.is_empty() => {
            let list: Vec<String> =
                r.notable_solutions.iter().map(|g| format!("“{}”({})", g.title, g.org_name)).collect();
            out.push(if en {
                format!("Notable golden solutions: {}.", list.join(", "))
            } else {
                format!("重点金方案：{}。", list.join("、"))
            });
        }
        Section::SelfGovernance if !r.notable_councils.is_empty() => {
            let list: Vec<String> =
                r.notable_councils.iter().map(|c| format!("{} {}", c.name, wr::thousands(c.count))).collect();
            out.push(if en {
                format!("Councils that settled the most topics: {}.", list.join(", "))
            } else {
                format!("议题办结较多的议事会：{}。", list.join("、"))
            });
        }
        _ => {}
    }
    out
}

/// The report as one printable HTML document (A4, the official document's type), in Chinese
/// or English.
pub fn to_html(r: &WorkReport, generated: DateTime<Utc>, lang: &str) -> anyhow::Result<String> {
    use askama::Template;
    let en = lang == "en";
    let when = jiayuan_domain::time::beijing(generated).format("%Y-%m-%d %H:%M").to_string();
    let doc = Document {
        lang: if en { "en" } else { "zh-CN" },
        title: title(r, lang),
        sub: if en {
            format!(
                "Drawn from records on {when} · {} ({}) · compared with {}",
                r.territory.name,
                r.territory.code,
                r.year - 1
            )
        } else {
            format!("由系统记录生成于{when} · {}（{}）· 与{}年比较", r.territory.name, r.territory.code, r.year - 1)
        },
        head: if en {
            ["Figure", "This year", "Last year", "Change", "Seed"]
        } else {
            ["指标", "本年", "上年", "增减", "报告原数"]
        },
        sections: Section::ALL
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let rows = r
                    .figures
                    .iter()
                    .filter(|f| f.figure.section == *s)
                    .map(|f| {
                        (
                            f.figure.name(lang).to_string(),
                            f.figure.definition(lang).to_string(),
                            show_value(f, f.value),
                            show_value(f, f.last_year),
                            show_change(f, lang),
                            f.figure.seed.map_or_else(String::new, |x| x.label(f.figure.unit)),
                        )
                    })
                    .collect();
                (heading(i, *s, lang), rows, notes(r, *s, lang))
            })
            .collect(),
    };
    Ok(doc.render()?)
}

// GB/T 9704 in Word's units: twips (1/20 pt, 1 mm ≈ 56.7) and half-points for type.
const MM: f64 = 56.692;
const TITLE_SIZE: usize = 44; // 二号, 22 pt
const TEXT_SIZE: usize = 32; // 三号, 16 pt
const TABLE_SIZE: usize = 24; // 小四, 12 pt
/// A fixed line of 28.95 pt, so that a page holds 22 lines.
const LINE: i32 = 579;

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new()
        .add_text(text)
        .size(size)
        .fonts(RunFonts::new().east_asia(font).ascii("Times New Roman").hi_ansi("Times New Roman"))
}

fn body(text: &str, font: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, font, TEXT_SIZE))
        .indent(None, Some(SpecialIndentType::FirstLine(TEXT_SIZE as i32 * 20)), None, None)
        .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Exact).line(LINE))
}

fn cell(text: &str, bold: bool) -> TableCell {
    let r = run(text, "仿宋_GB2312", TABLE_SIZE);
    TableCell::new().add_paragraph(Paragraph::new().add_run(if bold { r.bold() } else { r }))
}

/// The report as a Word document (.docx bytes), in Chinese.
pub fn to_docx(r: &WorkReport, generated: DateTime<Utc>) -> anyhow::Result<Vec<u8>> {
    let mm = |v: f64| (v * MM).round() as i32;
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin::new().top(mm(37.0)).bottom(mm(35.0)).left(mm(28.0)).right(mm(26.0)))
        .default_fonts(RunFonts::new().east_asia("仿宋_GB2312").ascii("Times New Roman"))
        .default_size(TEXT_SIZE)
        .add_paragraph(
            Paragraph::new()
                .add_run(run(&title(r, "zh"), "方正小标宋简体", TITLE_SIZE))
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Exact).line(LINE * 2)),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(run(
                    &format!(
                        "（由系统记录生成　{}　区划代码{}）",
                        jiayuan_domain::time::beijing(generated).format("%Y年%-m月%-d日"),
                        r.territory.code
                    ),
                    "楷体_GB2312",
                    TEXT_SIZE,
                ))
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Exact).line(LINE)),
        );
    for (i, s) in Section::ALL.iter().enumerate() {
        doc = doc.add_paragraph(body(&heading(i, *s, "zh"), "黑体"));
        let figures: Vec<&FigureValue> = r.figures.iter().filter(|f| f.figure.section == *s).collect();
        // The figures in a sentence each, as a report reads; the table below carries the detail.
        let sentences: Vec<String> = figures
            .iter()
            .map(|f| {
                let last = show_value(f, f.last_year);
                format!("{}{}（上年{}，{}）", f.figure.name_zh, show_value(f, f.value), last, show_change(f, "zh"))
            })
            .collect();
        doc = doc.add_paragraph(body(&format!("{}。", sentences.join("；")), "仿宋_GB2312"));
        if *s == Section::Appeals {
            for fm in &r.formulas {
                let name = wr::figure(fm.key).map_or(fm.key, |f| f.name_zh);
                doc = doc.add_paragraph(body(&format!("{name}：{}。", fm.formula_zh), "仿宋_GB2312"));
            }
            if let Some(p) = r.settled_low_permille {
                doc = doc.add_paragraph(body(
                    &format!("在楼栋、小区一级办结的诉求占办结总数的{:.1}%。", p as f64 / 10.0),
                    "仿宋_GB2312",
                ));
            }
            if !r.top_categories.is_empty() {
                let list: Vec<String> =
                    r.top_categories.iter().map(|c| format!("{}{}件", c.name, wr::thousands(c.count))).collect();
                doc = doc.add_paragraph(body(&format!("诉求较多的类别：{}。", list.join("、")), "仿宋_GB2312"));
            }
        }
        if *s == Section::Grid && !r.notable_solutions.is_empty() {
            let list: Vec<String> =
                r.notable_solutions.iter().map(|g| format!("“{}”（{}）", g.title, g.org_name)).collect();
            doc = doc.add_paragraph(body(&format!("重点金方案：{}。", list.join("、")), "仿宋_GB2312"));
        }
        if *s == Section::SelfGovernance && !r.notable_councils.is_empty() {
            let list: Vec<String> = r
                .notable_councils
                .iter()
                .map(|c| format!("{}（办结议题{}个）", c.name, wr::thousands(c.count)))
                .collect();
            doc = doc.add_paragraph(body(&format!("议题办结较多的议事会：{}。", list.join("、")), "仿宋_GB2312"));
        }
        let mut rows = vec![TableRow::new(vec![
            cell("指标", true),
            cell("本年", true),
            cell("上年", true),
            cell("增减", true),
            cell("统计口径", true),
        ])];
        for f in &figures {
            rows.push(TableRow::new(vec![
                cell(f.figure.name_zh, false),
                cell(&show_value(f, f.value), false),
                cell(&show_value(f, f.last_year), false),
                cell(&show_change(f, "zh"), false),
                cell(f.figure.definition_zh, false),
            ]));
        }
        doc = doc.add_table(Table::new(rows).width(5000, WidthType::Pct).set_grid(vec![1900, 1100, 1100, 1300, 3700]));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out)?;
    Ok(out.into_inner())
}
