//! Reading a ledger file: CSV or XLSX to rows keyed by canonical column names.

use super::*;

/// A parsed file: header names mapped to canonical column names, and the data rows.
pub(super) struct Sheet {
    pub(super) rows: Vec<(usize, HashMap<&'static str, String>)>,
}

impl Sheet {
    pub(super) fn read(kind: LedgerKind, path: &Path) -> Result<Self> {
        let table = read_table(path)?;
        let mut it = table.into_iter().enumerate();
        let Some((_, header)) = it.next() else {
            return Err(StoreError::Ledger(vec![RowError {
                row: 1,
                column: "-".into(),
                message: "文件为空，缺少表头 (empty file, no header row)".into(),
            }]));
        };
        let cols = kind.columns();
        let mut map: Vec<Option<&'static str>> = Vec::new();
        let mut errors = Vec::new();
        for h in &header {
            let h = h.trim().trim_start_matches('\u{feff}').trim_end_matches('*');
            let found = cols.iter().find(|(zh, en, _)| *zh == h || en.eq_ignore_ascii_case(h)).map(|c| c.1);
            if found.is_none() && !h.is_empty() {
                errors.push(RowError {
                    row: 1,
                    column: h.to_string(),
                    message: format!(
                        "未知列 (unknown column); 可用列: {}",
                        cols.iter().map(|c| c.0).collect::<Vec<_>>().join("、")
                    ),
                });
            }
            map.push(found);
        }
        for (zh, en, required) in cols {
            if *required && !map.contains(&Some(*en)) {
                errors.push(RowError {
                    row: 1,
                    column: zh.to_string(),
                    message: format!("缺少必填列“{zh}” (required column {en} missing)"),
                });
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Ledger(errors));
        }
        let mut rows = Vec::new();
        for (i, cells) in it {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut row = HashMap::new();
            for (j, cell) in cells.into_iter().enumerate() {
                if let Some(Some(col)) = map.get(j) {
                    row.insert(*col, cell.trim().to_string());
                }
            }
            rows.push((i + 1, row));
        }
        Ok(Self { rows })
    }
}

/// A CSV or XLSX file's cells as text, row by row (the first sheet of a workbook).
pub fn read_table(path: &Path) -> Result<Vec<Vec<String>>> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "csv" => read_csv(path),
        "xlsx" | "xlsm" | "xls" | "ods" => read_xlsx(path),
        _ => Err(StoreError::invalid("file", "文件应为 .csv 或 .xlsx (file must be .csv or .xlsx)")),
    }
}

fn read_csv(path: &Path) -> Result<Vec<Vec<String>>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| StoreError::invalid("file", format!("无法读取CSV (cannot read CSV): {e}")))?;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| StoreError::invalid("file", format!("CSV格式错误 (malformed CSV): {e}")))?;
        // Exports quote cells that would start a formula; this takes the quote off.
        out.push(rec.iter().map(|c| jiayuan_domain::spreadsheet::restore(c).into_owned()).collect());
    }
    Ok(out)
}

fn read_xlsx(path: &Path) -> Result<Vec<Vec<String>>> {
    use calamine::{open_workbook_auto, Reader};
    let mut wb = open_workbook_auto(path)
        .map_err(|e| StoreError::invalid("file", format!("无法读取Excel文件 (cannot read workbook): {e}")))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| StoreError::invalid("file", "工作簿没有工作表 (workbook has no sheet)"))?
        .map_err(|e| StoreError::invalid("file", format!("无法读取工作表 (cannot read sheet): {e}")))?;
    Ok(range_text(&range))
}

/// An XLSX workbook sent as bytes (an upload): its first sheet's cells as text.
pub fn read_xlsx_bytes(bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    use calamine::{Reader, Xlsx};
    let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| {
        StoreError::invalid("file", format!("不是可读取的Excel(.xlsx)文件 (not a readable XLSX workbook): {e}"))
    })?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| StoreError::invalid("file", "工作簿没有工作表 (workbook has no sheet)"))?
        .map_err(|e| StoreError::invalid("file", format!("无法读取工作表 (cannot read sheet): {e}")))?;
    Ok(range_text(&range))
}

fn range_text(range: &calamine::Range<calamine::Data>) -> Vec<Vec<String>> {
    use calamine::Data;
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Int(i) => i.to_string(),
                    // Whole numbers print without ".0"; a long one (an ID typed as a number)
                    // has lost digits already and will fail validation with a clear message.
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    Data::Float(f) => format!("{f}"),
                    Data::Bool(b) => {
                        if *b {
                            "是".into()
                        } else {
                            "否".into()
                        }
                    }
                    // Excel's serial day 0 is 1899-12-30.
                    Data::DateTime(d) => NaiveDate::from_ymd_opt(1899, 12, 30)
                        .and_then(|base| base.checked_add_signed(chrono::Duration::days(d.as_f64().floor() as i64)))
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                    Data::Error(e) => format!("#ERR {e:?}"),
                })
                .collect()
        })
        .collect()
}
