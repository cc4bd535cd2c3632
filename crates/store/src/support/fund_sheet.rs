//! A community's fund ledger as a spreadsheet (XLSX), the way it is kept in Excel today:
//! exported whole, and imported all or nothing — every row is checked (and the balance run
//! through in order) before the first is written, and the rows are written in one
//! transaction. Imported spending carries its paper voucher's number instead of an image,
//! and spending above the approval amount needs an importer who may approve it.
//!
//! Columns (Chinese header, or the English in brackets): 编号 (no), 日期 (date), 收支
//! (direction), 来源或用途 (kind), 关联记录 (record), 金额（元） (amount), 余额（元）
//! (balance, export only), 摘要 (summary), 对方 (counterparty), 对方为个人 (person), 凭证号
//! (voucher), 冲正编号 (reverses: the 编号 of an earlier row), 状态 (status, export only).

use super::funds::FundEntry;
use crate::access::Principal;
use crate::audit::{self, AuditCtx, AuditEvent};
use crate::batch::{exec, fetch_all, fetch_all_tx, Value};
use crate::error::RowError;
use crate::{new_id, Result, Store, StoreError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::fund::{self as rules, Account, Direction, Purpose, Source};
use jiayuan_domain::money::{format_fen, parse_yuan};
use jiayuan_domain::spreadsheet::starts_formula;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// The sheet's header, in order.
pub const FUND_SHEET_HEADERS: &[&str] = &[
    "编号",
    "日期",
    "收支",
    "来源或用途",
    "关联记录",
    "金额（元）",
    "余额（元）",
    "摘要",
    "对方",
    "对方为个人",
    "凭证号",
    "冲正编号",
    "状态",
];

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FundImport {
    pub rows: usize,
    pub income_fen: i64,
    pub spent_fen: i64,
}

/// The canonical column a header names.
fn column(h: &str) -> Option<&'static str> {
    let h = h.trim().trim_start_matches('\u{feff}').trim_end_matches('*');
    let known: &[(&str, &str, &str)] = &[
        ("编号", "no", "no"),
        ("日期", "date", "date"),
        ("收支", "direction", "direction"),
        ("来源或用途", "kind", "kind"),
        ("关联记录", "record", "record"),
        ("金额（元）", "amount", "amount"),
        ("金额(元)", "amount", "amount"),
        ("余额（元）", "balance", "balance"),
        ("余额(元)", "balance", "balance"),
        ("摘要", "summary", "summary"),
        ("对方", "counterparty", "counterparty"),
        ("对方为个人", "person", "person"),
        ("凭证号", "voucher", "voucher"),
        ("冲正编号", "reverses", "reverses"),
        ("状态", "status", "status"),
    ];
    known.iter().find(|(zh, en, _)| *zh == h || en.eq_ignore_ascii_case(h)).map(|k| k.2)
}

/// One row checked.
struct Parsed {
    direction: Direction,
    source: String,
    purpose: String,
    purpose_id: Option<Uuid>,
    amount_fen: i64,
    occurred_on: NaiveDate,
    summary: String,
    counterparty: String,
    person: bool,
    voucher: String,
    /// Index (in `parsed`) of the row it reverses.
    reverses: Option<usize>,
}

impl Store {
    /// The whole ledger of a community as an XLSX workbook.
    pub async fn fund_sheet_xlsx(&self, who: &Principal, community: &str) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let (t, entries) = self.all_fund_entries(who, community).await?;
        let seq_of: HashMap<Uuid, i64> = entries.iter().filter_map(|e| e.seq.map(|s| (e.id, s))).collect();
        let err = |e: rust_xlsxwriter::XlsxError| {
            StoreError::invalid("file", format!("无法写入Excel (cannot write XLSX): {e}"))
        };
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(format!("{}经费台账", t.name).chars().take(31).collect::<String>()).map_err(err)?;
        let bold = Format::new().set_bold();
        let quoted = Format::new().set_quote_prefix();
        for (j, h) in FUND_SHEET_HEADERS.iter().enumerate() {
            ws.write_string_with_format(0, j as u16, *h, &bold).map_err(err)?;
            ws.set_column_width(j as u16, if *h == "摘要" { 40.0 } else { 14.0 }).map_err(err)?;
        }
        for (i, e) in entries.iter().enumerate() {
            let row = (i + 1) as u32;
            let cells = entry_cells(e, &seq_of);
            for (j, v) in cells.iter().enumerate() {
                if v.is_empty() {
                    continue;
                }
                // Whatever a person typed stays text, never a formula.
                if starts_formula(v) {
                    ws.write_string_with_format(row, j as u16, v, &quoted).map_err(err)?;
                } else {
                    ws.write_string(row, j as u16, v).map_err(err)?;
                }
            }
        }
        wb.save_to_buffer().map_err(err)
    }

    /// Imports ledger rows (an XLSX workbook's first sheet) into a community's account: all of
    /// them or, when any row is wrong, none, with every wrong cell named.
    pub async fn import_fund_sheet(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        community: &str,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<FundImport> {
        let t = self.fund_community_to_keep(who, community).await?;
        let table = crate::ledger::read_xlsx_bytes(bytes)?;
        let fund_rules = self.fund_rules().await?;
        let today = jiayuan_domain::time::beijing(now).date();
        let mut it = table.into_iter().enumerate();
        let Some((_, header)) = it.next() else {
            return Err(StoreError::Ledger(vec![RowError {
                row: 1,
                column: "-".into(),
                message: "文件为空，缺少表头 (empty file, no header row)".into(),
            }]));
        };
        let map: Vec<Option<&'static str>> = header.iter().map(|h| column(h)).collect();
        let mut errors = Vec::new();
        for (zh, c) in [
            ("日期", "date"),
            ("收支", "direction"),
            ("来源或用途", "kind"),
            ("金额（元）", "amount"),
            ("摘要", "summary"),
        ] {
            if !map.contains(&Some(c)) {
                errors.push(RowError {
                    row: 1,
                    column: zh.into(),
                    message: format!("缺少必填列“{zh}” (required column {c} missing)"),
                });
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Ledger(errors));
        }
        let mut parsed: Vec<Parsed> = Vec::new();
        let mut numbers: HashMap<String, usize> = HashMap::new();
        let mut sheet_rows: Vec<usize> = Vec::new();
        let mut grants: Vec<i64> = Vec::new();
        for (i, cells) in it {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let row_no = i + 1;
            let cell = |c: &str| -> String {
                map.iter()
                    .position(|m| *m == Some(c))
                    .and_then(|j| cells.get(j))
                    .map(|v| v.trim().to_string())
                    .unwrap_or_default()
            };
            // An exported ledger lists spending that waits or was not approved: not entries.
            if matches!(
                rules::EntryStatus::parse(&cell("status")),
                Some(rules::EntryStatus::Pending | rules::EntryStatus::Rejected)
            ) {
                continue;
            }
            let mut bad =
                |column: &str, message: String| errors.push(RowError { row: row_no, column: column.into(), message });
            let Some(direction) = Direction::parse(&cell("direction")) else {
                bad("收支", "应为“收入”或“支出” (income or expense)".into());
                continue;
            };
            let occurred_on = match NaiveDate::parse_from_str(&cell("date"), "%Y-%m-%d") {
                Ok(d) if d <= today && d.year() >= 2000 => d,
                _ => {
                    bad("日期", "应为今天或以前的日期，如 2026-03-15 (a day up to today, e.g. 2026-03-15)".into());
                    continue;
                }
            };
            let kind = cell("kind");
            let (source, purpose) = match direction {
                Direction::Income => match Source::parse(&kind) {
                    Some(s) => (s.as_str().to_string(), String::new()),
                    None => {
                        bad(
                            "来源或用途",
                            format!(
                                "收入来源应为：{}",
                                Source::ALL.iter().map(|s| s.label_zh()).collect::<Vec<_>>().join("、")
                            ),
                        );
                        continue;
                    }
                },
                Direction::Expense => match Purpose::parse(&kind) {
                    Some(p) => (String::new(), p.as_str().to_string()),
                    None => {
                        bad(
                            "来源或用途",
                            format!(
                                "支出用途应为：{}",
                                Purpose::ALL.iter().map(|p| p.label_zh()).collect::<Vec<_>>().join("、")
                            ),
                        );
                        continue;
                    }
                },
            };
            let signed = cell("amount");
            let (negative, unsigned) = match signed.strip_prefix('-') {
                Some(rest) => (true, rest.to_string()),
                None => (false, signed.clone()),
            };
            let amount = match parse_yuan("amount", &unsigned)
                .map_err(|e| e.message)
                .and_then(|a| rules::check_amount(a).map_err(|e| e.message))
            {
                Ok(a) => {
                    if negative {
                        -a
                    } else {
                        a
                    }
                }
                Err(m) => {
                    bad("金额（元）", m);
                    continue;
                }
            };
            let summary = cell("summary");
            let n = summary.chars().count();
            if !(2..=200).contains(&n) || jiayuan_domain::text::check("summary", &summary).is_err() {
                bad("摘要", "应为2到200个字 (2–200 characters)".into());
                continue;
            }
            let counterparty = cell("counterparty");
            if counterparty.chars().count() > 60 {
                bad("对方", "最多60个字 (at most 60 characters)".into());
                continue;
            }
            let voucher = cell("voucher");
            if voucher.chars().count() > 40 {
                bad("凭证号", "最多40个字 (at most 40 characters)".into());
                continue;
            }
            let person = matches!(cell("person").as_str(), "是" | "yes" | "Yes" | "true" | "1");
            let reverses = match cell("reverses").as_str() {
                "" => None,
                n => match numbers.get(n) {
                    Some(&k) => Some(k),
                    None => {
                        bad("冲正编号", format!("表中前面没有编号为“{n}”的记录 (no earlier row numbered {n})"));
                        continue;
                    }
                },
            };
            if (amount < 0) != reverses.is_some() {
                bad("金额（元）", "只有冲正记录的金额为负 (only a reversal has a negative amount)".into());
                continue;
            }
            let record = cell("record");
            let purpose_id = match (direction, Purpose::parse(&kind)) {
                (Direction::Expense, Some(p)) if p.names_a_record() => match Uuid::parse_str(&record) {
                    Ok(id) => match self.purpose_in(p, id, &t.path).await {
                        Ok(()) => Some(id),
                        Err(_) => {
                            bad("关联记录", format!("本社区没有这项{} (no such {} here)", p.label_zh(), p.as_str()));
                            continue;
                        }
                    },
                    Err(_) => {
                        bad("关联记录", format!("{}须写明记录编号 (the record's id)", p.label_zh()));
                        continue;
                    }
                },
                _ => None,
            };
            if direction == Direction::Expense && reverses.is_none() {
                if voucher.is_empty() {
                    bad("凭证号", "支出须写明凭证号 (spending needs its voucher number)".into());
                    continue;
                }
                if rules::needs_approval(&fund_rules, direction, amount) && !self.may_approve_at(who, &t.path) {
                    bad(
                        "金额（元）",
                        "超过审批限额的支出须由社区书记导入 (above the approval amount: the secretary imports it)"
                            .into(),
                    );
                    continue;
                }
            }
            if source == Source::SpecialFund.as_str() && reverses.is_none() {
                let y = i64::from(occurred_on.year());
                if grants.contains(&y) {
                    bad("来源或用途", format!("{y}年的专项经费在表中出现两次 (the year's special fund twice)"));
                    continue;
                }
                grants.push(y);
            }
            let no = cell("no");
            if !no.is_empty() && numbers.insert(no.clone(), parsed.len()).is_some() {
                bad("编号", format!("编号“{no}”重复 (number used twice)"));
                continue;
            }
            sheet_rows.push(row_no);
            parsed.push(Parsed {
                direction,
                source,
                purpose,
                purpose_id,
                amount_fen: amount,
                occurred_on,
                summary,
                counterparty,
                person,
                voucher,
                reverses,
            });
        }
        if !errors.is_empty() {
            return Err(StoreError::Ledger(errors));
        }
        if parsed.is_empty() {
            return Err(StoreError::invalid("file", "表中没有记录 (no rows)"));
        }
        for attempt in 0.. {
            match self.write_import(ctx, who, &t, &parsed, &sheet_rows, &grants, &fund_rules, now).await {
                Err(StoreError::Conflict { field, .. }) if field == "seq" && attempt < 20 => continue,
                other => return other,
            }
        }
        unreachable!("the loop returns")
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_import(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        t: &crate::model::Territory,
        parsed: &[Parsed],
        sheet_rows: &[usize],
        grants: &[i64],
        fund_rules: &rules::FundRules,
        now: DateTime<Utc>,
    ) -> Result<FundImport> {
        let mut tx = self.begin().await?;
        let last: Vec<(i64, i64)> = fetch_all_tx(
            &mut tx,
            "SELECT seq, balance_after_fen FROM fund_entries WHERE territory_id = $1 AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1",
            &[t.id.into()],
        )
        .await?;
        let (mut seq, balance) = last.first().copied().unwrap_or((0, 0));
        if !grants.is_empty() {
            let existing: Vec<(i64,)> = fetch_all_tx(
                &mut tx,
                "SELECT e.grant_year FROM fund_entries e WHERE e.territory_id = $1 AND e.grant_year IS NOT NULL AND e.status <> 'rejected'
                   AND NOT EXISTS (SELECT 1 FROM fund_entries r WHERE r.reverses = e.id)",
                &[t.id.into()],
            )
            .await?;
            if let Some((y,)) = existing.iter().find(|(y,)| grants.contains(y)) {
                return Err(StoreError::conflict(
                    "source",
                    format!("{y}年的专项经费已经入账 (this year's special fund is already recorded)"),
                ));
            }
        }
        // The balance run through in the sheet's order, by the same rules as one at a time.
        let mut account = Account { entries: Vec::new(), balance };
        let mut index_of: Vec<usize> = Vec::new();
        let mut ids: Vec<Uuid> = Vec::new();
        let mut out = FundImport::default();
        for (k, p) in parsed.iter().enumerate() {
            let posted = match p.reverses {
                Some(orig) => account.reverse(index_of[orig]),
                None => account.record(fund_rules, p.direction, p.amount_fen),
            };
            let n = posted.map_err(|e| {
                StoreError::Ledger(vec![RowError {
                    row: sheet_rows[k],
                    column: "金额（元）".into(),
                    message: e.message,
                }])
            })?;
            index_of.push(n);
            let id = new_id();
            ids.push(id);
            seq += 1;
            match p.direction {
                Direction::Income => out.income_fen += p.amount_fen,
                Direction::Expense => out.spent_fen += p.amount_fen,
            }
            let grant_year = (p.source == Source::SpecialFund.as_str() && p.reverses.is_none())
                .then(|| i64::from(p.occurred_on.year()));
            let vals: Vec<Value> = vec![
                id.into(),
                t.id.into(),
                t.path.clone().into(),
                seq.into(),
                p.direction.as_str().into(),
                p.source.clone().into(),
                p.purpose.clone().into(),
                p.purpose_id.into(),
                p.amount_fen.into(),
                account.balance.into(),
                p.occurred_on.into(),
                p.summary.clone().into(),
                p.counterparty.clone().into(),
                (p.person && !p.counterparty.is_empty()).into(),
                p.voucher.clone().into(),
                p.reverses.map(|o| ids[o]).into(),
                grant_year.into(),
                who.user_id.into(),
                now.into(),
            ];
            exec(
                &mut tx,
                "INSERT INTO fund_entries (id, territory_id, path, seq, status, direction, source, purpose, purpose_id,
                   amount_fen, balance_after_fen, occurred_on, summary, counterparty, counterparty_is_person, voucher,
                   reverses, grant_year, recorded_by, recorded_at)
                 VALUES ($1, $2, $3, $4, 'posted', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
                &vals,
            )
            .await?;
        }
        // The year tallies, one upsert per group.
        let mut groups: HashMap<(i32, &str, &str, &str), (i64, i64)> = HashMap::new();
        for p in parsed {
            let g = groups.entry((p.occurred_on.year(), p.direction.as_str(), &p.source, &p.purpose)).or_default();
            g.0 += p.amount_fen;
            g.1 += 1;
        }
        for ((year, direction, source, purpose), (amount, n)) in groups {
            let day = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
            super::funds::tally(&mut tx, t.id, day, direction, source, purpose, amount, n).await?;
        }
        out.rows = parsed.len();
        audit::append(
            &mut tx,
            ctx,
            AuditEvent {
                scope_path: &t.path,
                action: "fund.import",
                object: t.id.to_string(),
                summary: json!({"rows": out.rows, "income_fen": out.income_fen, "spent_fen": out.spent_fen}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The community whose account `who` keeps.
    async fn fund_community_to_keep(&self, who: &Principal, code: &str) -> Result<crate::model::Territory> {
        let scope = who.scope(Permission::KeepFunds).map_err(|_| StoreError::Forbidden(Permission::KeepFunds))?;
        let t = self.public_community(code).await?;
        if !scope.covers(&t) {
            return Err(StoreError::missing(
                "territory",
                "社区不存在或不在您的范围内 (no such community in your scope)",
            ));
        }
        Ok(t)
    }

    fn may_approve_at(&self, who: &Principal, path: &str) -> bool {
        who.scope(Permission::ApproveFunds).is_ok_and(|s| s.covers_path(path))
    }

    /// Receipts' ids of a community in use, for tests and the ledger page.
    pub async fn fund_receipts_of(&self, community: Uuid) -> Result<Vec<Uuid>> {
        let rows: Vec<(Uuid,)> = fetch_all(
            &self.db,
            "SELECT id FROM fund_receipts WHERE territory_id = $1 ORDER BY created_at",
            &[community.into()],
        )
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

/// One entry as the sheet's cells.
fn entry_cells(e: &FundEntry, seq_of: &HashMap<Uuid, i64>) -> Vec<String> {
    vec![
        e.seq.map(|s| s.to_string()).unwrap_or_default(),
        e.occurred_on.format("%Y-%m-%d").to_string(),
        e.direction().label_zh().to_string(),
        e.label("zh").to_string(),
        e.purpose_id.map(|i| i.to_string()).unwrap_or_default(),
        format_fen(e.amount_fen).replace(',', ""),
        e.balance_after_fen.map(|b| format_fen(b).replace(',', "")).unwrap_or_default(),
        e.summary.clone(),
        e.counterparty.clone(),
        if e.counterparty_is_person { "是".into() } else { String::new() },
        if e.voucher.is_empty() {
            e.receipt_id.map(|r| format!("图片{}", &r.to_string()[..8])).unwrap_or_default()
        } else {
            e.voucher.clone()
        },
        e.reverses.and_then(|r| seq_of.get(&r)).map(|s| s.to_string()).unwrap_or_default(),
        e.status().label_zh().to_string(),
    ]
}
