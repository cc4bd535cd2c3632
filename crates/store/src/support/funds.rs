//! Each community's fund account (社区经费): income by source, spending tied to what it served
//! with a receipt, approval above the district's amount, reversals instead of edits, and the
//! public disclosure (居务公开). The rules are `jiayuan_domain::fund`; this module keeps the
//! rows so that every posted entry carries the balance after it, computed on the entry
//! posted just before: two writers posting at once cannot both take the same place in the
//! community's sequence (a unique key), so the later one computes again on the new balance.
//!
//! Who: staff keeping the account over the community (`KeepFunds`) record, upload receipts
//! and reverse; the community secretary (`ApproveFunds`) approves what is above the amount;
//! the district (`ManageFunds`) sets the rules and the special fund per year. The disclosure
//! needs no sign-in; it shows no receipt images and masks the names of people.

use crate::access::Principal;
use crate::audit::{self, AuditCtx};
use crate::batch::{exec, fetch_all, fetch_all_tx, fetch_i64, fetch_optional, QueryParts, Value};
use crate::model::{Page, Paged, Territory};
use crate::service::text;
use crate::subtree::Subtree;
use crate::{new_id, Result, Store, StoreError, Tx};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jiayuan_domain::access::Permission;
use jiayuan_domain::fund::{self as rules, Direction, EntryStatus, FundRules, Purpose, Source};
use jiayuan_domain::names::mask_name;
use jiayuan_domain::TerritoryKind;
use serde_json::json;
use uuid::Uuid;

/// How often a posting is tried again after another writer took its place in the sequence.
const POST_ATTEMPTS: usize = 20;

/// An entry as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FundEntry {
    pub id: Uuid,
    pub territory_id: Uuid,
    pub path: String,
    pub seq: Option<i64>,
    pub status: String,
    pub direction: String,
    pub source: String,
    pub purpose: String,
    pub purpose_id: Option<Uuid>,
    pub amount_fen: i64,
    pub balance_after_fen: Option<i64>,
    pub occurred_on: NaiveDate,
    pub summary: String,
    pub counterparty: String,
    pub counterparty_is_person: bool,
    pub receipt_id: Option<Uuid>,
    pub voucher: String,
    pub reverses: Option<Uuid>,
    /// The entry that reverses this one, if any.
    pub reversed_by: Option<Uuid>,
    pub grant_year: Option<i64>,
    pub recorded_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
}

impl FundEntry {
    pub fn direction(&self) -> Direction {
        Direction::parse(&self.direction).unwrap_or(Direction::Expense)
    }
    pub fn status(&self) -> EntryStatus {
        EntryStatus::parse(&self.status).unwrap_or(EntryStatus::Pending)
    }
    pub fn source(&self) -> Option<Source> {
        Source::parse(&self.source)
    }
    pub fn purpose(&self) -> Option<Purpose> {
        Purpose::parse(&self.purpose)
    }
    /// What the entry does to the balance once posted.
    pub fn delta(&self) -> i64 {
        rules::delta(self.direction(), self.amount_fen)
    }
    /// The counterparty as the public page shows it: a person's name masked.
    pub fn public_counterparty(&self) -> String {
        if self.counterparty_is_person {
            mask_name(&self.counterparty)
        } else {
            self.counterparty.clone()
        }
    }
    /// Source or purpose in words.
    pub fn label(&self, lang: &str) -> &'static str {
        match self.direction() {
            Direction::Income => self.source().map(|s| s.label(lang)).unwrap_or(""),
            Direction::Expense => self.purpose().map(|p| p.label(lang)).unwrap_or(""),
        }
    }
}

/// A new entry as a keeper types it.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// The community, by code.
    pub territory: String,
    pub direction: Direction,
    /// Required for income.
    pub source: Option<Source>,
    /// Required for spending.
    pub purpose: Option<Purpose>,
    /// The activity, project, appeal or decision the spending served.
    pub purpose_id: Option<Uuid>,
    pub amount_fen: i64,
    pub occurred_on: NaiveDate,
    pub summary: String,
    pub counterparty: String,
    pub counterparty_is_person: bool,
    /// A receipt uploaded for this community and not used yet: required for spending.
    pub receipt: Option<Uuid>,
    /// The paper voucher's number (a ledger's imported spending carries this instead of an
    /// image).
    pub voucher: String,
}

/// A receipt image's facts (the bytes are kept by the caller under the media folder).
#[derive(Debug, Clone)]
pub struct ReceiptFile {
    pub id: Uuid,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub year: Option<i32>,
    pub direction: Option<Direction>,
    pub status: Option<EntryStatus>,
}

/// A community's account at a glance.
#[derive(Debug, Clone)]
pub struct AccountSummary {
    pub territory: Territory,
    /// The balance after the last posted entry.
    pub balance_fen: i64,
    /// The sum of every posted entry, computed afresh: equal to the balance, always.
    pub sum_fen: i64,
    pub posted: i64,
    pub pending: i64,
}

impl AccountSummary {
    pub fn reconciles(&self) -> bool {
        self.balance_fen == self.sum_fen
    }
}

/// A year of a community's account as the public sees it.
#[derive(Debug, Clone)]
pub struct Disclosure {
    pub territory: Territory,
    pub year: i32,
    pub opening_fen: i64,
    pub income_by_source: Vec<(Source, i64)>,
    pub spending_by_purpose: Vec<(Purpose, i64)>,
    pub income_fen: i64,
    pub spent_fen: i64,
    pub closing_fen: i64,
    /// The year's posted entries, oldest first, one page of them.
    pub entries: Paged<FundEntry>,
}

const ENTRY_COLUMNS: &str =
    "e.id, e.territory_id, e.path, e.seq, e.status, e.direction, e.source, e.purpose, e.purpose_id,
    e.amount_fen, e.balance_after_fen, e.occurred_on, e.summary, e.counterparty, e.counterparty_is_person, e.receipt_id,
    e.voucher, e.reverses, (SELECT r.id FROM fund_entries r WHERE r.reverses = e.id) AS reversed_by, e.grant_year,
    e.recorded_at, e.decided_at, e.decision_note";

/// The row a posting writes (new entries and reversals).
struct Row {
    id: Uuid,
    territory: Territory,
    direction: Direction,
    source: String,
    purpose: String,
    purpose_id: Option<Uuid>,
    amount_fen: i64,
    occurred_on: NaiveDate,
    summary: String,
    counterparty: String,
    counterparty_is_person: bool,
    receipt: Option<Uuid>,
    voucher: String,
    reverses: Option<Uuid>,
    grant_year: Option<i64>,
    recorded_by: Option<Uuid>,
}

/// What posting does.
enum Posting<'a> {
    /// Writes a new row, posted (or pending, when it waits for approval).
    New { row: &'a Row, pending: bool },
    /// Posts a pending row the secretary approved.
    Approve { id: Uuid, territory_id: Uuid, amount_fen: i64, by: Option<Uuid>, note: &'a str },
}

/// Adds posted amounts to a community's tally of the year (in the posting's transaction).
#[allow(clippy::too_many_arguments)]
pub(super) async fn tally(
    tx: &mut Tx,
    territory_id: Uuid,
    day: NaiveDate,
    direction: &str,
    source: &str,
    purpose: &str,
    amount_fen: i64,
    entries: i64,
) -> Result<()> {
    exec(
        tx,
        "INSERT INTO fund_tallies (territory_id, year, direction, source, purpose, amount_fen, entries)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (territory_id, year, direction, source, purpose)
         DO UPDATE SET amount_fen = fund_tallies.amount_fen + excluded.amount_fen, entries = fund_tallies.entries + excluded.entries",
        &[
            territory_id.into(),
            i64::from(day.year()).into(),
            direction.into(),
            source.into(),
            purpose.into(),
            amount_fen.into(),
            entries.into(),
        ],
    )
    .await?;
    Ok(())
}

fn year_span(year: i32) -> Result<(NaiveDate, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1);
    let end = NaiveDate::from_ymd_opt(year + 1, 1, 1);
    match (start, end) {
        (Some(s), Some(e)) if (2000..=2100).contains(&year) => Ok((s, e)),
        _ => Err(StoreError::invalid("year", "年份应在2000到2100之间 (a year from 2000 to 2100)")),
    }
}

impl Store {
    /// The district's fund rules.
    pub async fn fund_rules(&self) -> Result<FundRules> {
        let row: Option<(i64, bool)> =
            fetch_optional(&self.db, "SELECT approval_above_fen, allow_overdraft FROM fund_rules WHERE id = 1", &[])
                .await?;
        Ok(row.map(|(a, o)| FundRules { approval_above_fen: a, allow_overdraft: o }).unwrap_or_default())
    }

    /// Sets the district's fund rules (district administrators).
    pub async fn set_fund_rules(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        r: FundRules,
        now: DateTime<Utc>,
    ) -> Result<FundRules> {
        self.manages_funds(who)?;
        if r.approval_above_fen < 0 || r.approval_above_fen > jiayuan_domain::money::MAX_FEN {
            return Err(StoreError::invalid("approval_above", "审批限额应在0到1亿元之间 (0 to ¥100,000,000)"));
        }
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "UPDATE fund_rules SET approval_above_fen = $1, allow_overdraft = $2, updated_at = $3 WHERE id = 1",
            &[r.approval_above_fen.into(), r.allow_overdraft.into(), now.into()],
        )
        .await?;
        audit::record(
            &mut tx,
            ctx,
            "/",
            "fund.rules",
            Uuid::nil(),
            json!({"approval_above_fen": r.approval_above_fen, "allow_overdraft": r.allow_overdraft}),
        )
        .await?;
        tx.commit().await?;
        Ok(r)
    }

    /// The special fund a community receives in `year`.
    pub async fn special_fund_amount(&self, year: i32) -> Result<i64> {
        let row: Option<(i64,)> = fetch_optional(
            &self.db,
            "SELECT amount_fen FROM fund_special_amounts WHERE year = $1",
            &[i64::from(year).into()],
        )
        .await?;
        Ok(row.map(|r| r.0).unwrap_or(rules::DEFAULT_SPECIAL_FUND_FEN))
    }

    /// Sets the special fund of a year (district administrators).
    pub async fn set_special_fund_amount(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        year: i32,
        amount_fen: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.manages_funds(who)?;
        year_span(year)?;
        rules::check_amount(amount_fen).map_err(StoreError::Invalid)?;
        let mut tx = self.begin().await?;
        exec(&mut tx, "DELETE FROM fund_special_amounts WHERE year = $1", &[i64::from(year).into()]).await?;
        exec(
            &mut tx,
            "INSERT INTO fund_special_amounts (year, amount_fen, updated_at) VALUES ($1, $2, $3)",
            &[i64::from(year).into(), amount_fen.into(), now.into()],
        )
        .await?;
        audit::record(
            &mut tx,
            ctx,
            "/",
            "fund.special_amount",
            Uuid::nil(),
            json!({"year": year, "amount_fen": amount_fen}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn manages_funds(&self, who: &Principal) -> Result<()> {
        // Only the district's administrators hold it, and they hold it over the whole district.
        if who.can(Permission::ManageFunds) {
            Ok(())
        } else {
            Err(StoreError::Forbidden(Permission::ManageFunds))
        }
    }

    /// The community whose account `who` keeps (or approves, or merely sees): 404 when it is
    /// not a community in their scope for `p`.
    async fn fund_community(&self, who: &Principal, code: &str, p: Permission) -> Result<Territory> {
        let scope = who.scope(p).map_err(|_| StoreError::Forbidden(p))?;
        match self.territory_by_code(code).await {
            Ok(t) if scope.covers(&t) && t.kind == TerritoryKind::Community.as_str() => Ok(t),
            _ => Err(StoreError::missing(
                "territory",
                format!("社区“{}”不存在或不在您的范围内 (no such community in your scope)", code.trim()),
            )),
        }
    }

    /// A community for the public pages: any community, by code.
    pub async fn public_community(&self, code: &str) -> Result<Territory> {
        match self.territory_by_code(code).await {
            Ok(t) if t.kind == TerritoryKind::Community.as_str() => Ok(t),
            _ => Err(StoreError::missing("territory", "没有这个社区 (no such community)")),
        }
    }

    /// Keeps a receipt image's facts for a community's account; returns its id.
    pub async fn add_fund_receipt(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        community: &str,
        f: &ReceiptFile,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let t = self.fund_community(who, community, Permission::KeepFunds).await?;
        let mut tx = self.begin().await?;
        exec(
            &mut tx,
            "INSERT INTO fund_receipts (id, territory_id, content_type, size, sha256, uploaded_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                f.id.into(),
                t.id.into(),
                f.content_type.clone().into(),
                f.size.into(),
                f.sha256.clone().into(),
                who.user_id.into(),
                now.into(),
            ],
        )
        .await?;
        audit::record(&mut tx, ctx, &t.path, "fund.receipt", f.id, json!({"size": f.size})).await?;
        tx.commit().await?;
        Ok(f.id)
    }

    /// A receipt's content type, for staff who see the community (404 otherwise).
    pub async fn fund_receipt(&self, who: &Principal, id: Uuid) -> Result<String> {
        let row: Option<(String, String)> = fetch_optional(
            &self.db,
            "SELECT r.content_type, t.path FROM fund_receipts r JOIN territories t ON t.id = r.territory_id WHERE r.id = $1",
            &[id.into()],
        )
        .await?;
        let scope = who.scope(Permission::KeepFunds).or_else(|_| who.scope(Permission::ViewTerritory)).ok();
        match row {
            Some((ct, path)) if scope.is_some_and(|s| s.covers_path(&path)) => Ok(ct),
            _ => Err(StoreError::missing("receipt", "没有这张凭证 (no such receipt)")),
        }
    }

    /// Records an entry: posted at once, or waiting for the secretary when it is spending
    /// above the approval amount.
    pub async fn record_fund_entry(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        e: &NewEntry,
        now: DateTime<Utc>,
    ) -> Result<FundEntry> {
        let t = self.fund_community(who, &e.territory, Permission::KeepFunds).await?;
        let amount = rules::check_amount(e.amount_fen).map_err(StoreError::Invalid)?;
        let summary = text("summary", &e.summary, 2, 200)?;
        let counterparty = text("counterparty", &e.counterparty, 0, 60)?;
        let voucher = text("voucher", &e.voucher, 0, 40)?;
        let today = jiayuan_domain::time::beijing(now).date();
        if e.occurred_on > today {
            return Err(StoreError::invalid("occurred_on", "日期不能晚于今天 (the day cannot be in the future)"));
        }
        if e.occurred_on.year() < 2000 {
            return Err(StoreError::invalid("occurred_on", "日期过早 (before 2000)"));
        }
        let (source, purpose, purpose_id, grant_year) = match e.direction {
            Direction::Income => {
                let Some(s) = e.source else {
                    return Err(StoreError::invalid("source", "请选择收入来源 (choose where the income comes from)"));
                };
                if e.purpose.is_some() || e.purpose_id.is_some() {
                    return Err(StoreError::invalid("purpose", "收入不填用途 (income has no purpose)"));
                }
                let grant = (s == Source::SpecialFund).then(|| i64::from(e.occurred_on.year()));
                (s.as_str().to_string(), String::new(), None, grant)
            }
            Direction::Expense => {
                let Some(p) = e.purpose else {
                    return Err(StoreError::invalid("purpose", "请选择支出用途 (choose what the spending served)"));
                };
                if e.source.is_some() {
                    return Err(StoreError::invalid("source", "支出不填收入来源 (spending has no source)"));
                }
                if e.receipt.is_none() && voucher.is_empty() {
                    return Err(StoreError::invalid("receipt", "支出必须附凭证照片 (spending needs a receipt image)"));
                }
                let id = if p.names_a_record() {
                    let Some(id) = e.purpose_id else {
                        return Err(StoreError::invalid(
                            "purpose_id",
                            format!("请指明支出用于哪一项{} (name the {} it served)", p.label_zh(), p.as_str()),
                        ));
                    };
                    self.purpose_in(p, id, &t.path).await?;
                    Some(id)
                } else {
                    if e.purpose_id.is_some() {
                        return Err(StoreError::invalid(
                            "purpose_id",
                            "“其他”用途不关联记录 (“other” names no record)",
                        ));
                    }
                    None
                };
                (String::new(), p.as_str().to_string(), id, None)
            }
        };
        if let Some(r) = e.receipt {
            self.receipt_free(r, t.id).await?;
        }
        let fund_rules = self.fund_rules().await?;
        let pending = rules::needs_approval(&fund_rules, e.direction, amount);
        let row = Row {
            id: new_id(),
            territory: t,
            direction: e.direction,
            source,
            purpose,
            purpose_id,
            amount_fen: amount,
            occurred_on: e.occurred_on,
            summary,
            counterparty,
            counterparty_is_person: e.counterparty_is_person && !e.counterparty.trim().is_empty(),
            receipt: e.receipt,
            voucher,
            reverses: None,
            grant_year,
            recorded_by: who.user_id,
        };
        self.post(ctx, Posting::New { row: &row, pending }, &fund_rules, now).await?;
        self.fund_entry_row(row.id).await
    }

    /// Grants a community the year's special fund (once a year; the amount is the district's
    /// for that year), dated the first day of the year or today, whichever is later.
    pub async fn grant_special_fund(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        community: &str,
        year: i32,
        now: DateTime<Utc>,
    ) -> Result<FundEntry> {
        let (start, _) = year_span(year)?;
        let today = jiayuan_domain::time::beijing(now).date();
        if start > today {
            return Err(StoreError::invalid("year", "只能拨付今年及以前的专项经费 (not a future year)"));
        }
        let amount = self.special_fund_amount(year).await?;
        let e = NewEntry {
            territory: community.to_string(),
            direction: Direction::Income,
            source: Some(Source::SpecialFund),
            purpose: None,
            purpose_id: None,
            amount_fen: amount,
            occurred_on: if today.year() == year { today } else { start },
            summary: format!("{year}年为民服务专项经费"),
            counterparty: "区委组织部".into(),
            counterparty_is_person: false,
            receipt: None,
            voucher: String::new(),
        };
        self.record_fund_entry(ctx, who, &e, now).await
    }

    /// Approves (posting it on the balance of the moment) or rejects a pending expense.
    pub async fn decide_fund_entry(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        approve: bool,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<FundEntry> {
        let e = self.fund_entry(who, id).await?;
        let scope = who.scope(Permission::ApproveFunds).map_err(|_| StoreError::Forbidden(Permission::ApproveFunds))?;
        if !scope.covers_path(&e.path) {
            return Err(StoreError::Forbidden(Permission::ApproveFunds));
        }
        let note = text("note", note, 0, 200)?;
        if e.status() != EntryStatus::Pending {
            return Err(StoreError::conflict("status", "这笔支出已经审批过 (already decided)"));
        }
        if approve {
            let fund_rules = self.fund_rules().await?;
            self.post(
                ctx,
                Posting::Approve {
                    id,
                    territory_id: e.territory_id,
                    amount_fen: e.amount_fen,
                    by: who.user_id,
                    note: &note,
                },
                &fund_rules,
                now,
            )
            .await?;
        } else {
            let mut tx = self.begin().await?;
            let changed = exec(
                &mut tx,
                "UPDATE fund_entries SET status = 'rejected', decided_by = $1, decided_at = $2, decision_note = $3
                 WHERE id = $4 AND status = 'pending'",
                &[who.user_id.into(), now.into(), note.clone().into(), id.into()],
            )
            .await?;
            if changed == 0 {
                return Err(StoreError::conflict("status", "这笔支出已经审批过 (already decided)"));
            }
            audit::record(&mut tx, ctx, &e.path, "fund.reject", id, json!({"amount_fen": e.amount_fen})).await?;
            tx.commit().await?;
        }
        self.fund_entry_row(id).await
    }

    /// Reverses a posted entry with a reversing entry that names it.
    pub async fn reverse_fund_entry(
        &self,
        ctx: &AuditCtx,
        who: &Principal,
        id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<FundEntry> {
        let e = match self.fund_entry(who, id).await {
            Ok(e) => e,
            Err(StoreError::Missing(_)) => {
                return Err(StoreError::missing("reverses", "没有要冲正的这笔记录 (no such entry to reverse)"))
            }
            Err(other) => return Err(other),
        };
        let scope = who.scope(Permission::KeepFunds).map_err(|_| StoreError::Forbidden(Permission::KeepFunds))?;
        if !scope.covers_path(&e.path) {
            return Err(StoreError::Forbidden(Permission::KeepFunds));
        }
        let reason = text("reason", reason, 2, 200)?;
        rules::check_reversal(rules::Reversible {
            status: e.status(),
            is_reversal: e.reverses.is_some(),
            reversed: e.reversed_by.is_some(),
        })
        .map_err(StoreError::Invalid)?;
        let t = self.territory(e.territory_id).await?;
        let row = Row {
            id: new_id(),
            territory: t,
            direction: e.direction(),
            source: e.source.clone(),
            purpose: e.purpose.clone(),
            purpose_id: e.purpose_id,
            amount_fen: -e.amount_fen,
            occurred_on: jiayuan_domain::time::beijing(now).date(),
            summary: format!("冲正第{}号：{reason}", e.seq.unwrap_or(0)),
            counterparty: e.counterparty.clone(),
            counterparty_is_person: e.counterparty_is_person,
            receipt: None,
            voucher: String::new(),
            reverses: Some(e.id),
            grant_year: None,
            recorded_by: who.user_id,
        };
        let fund_rules = self.fund_rules().await?;
        self.post(ctx, Posting::New { row: &row, pending: false }, &fund_rules, now).await?;
        self.fund_entry_row(row.id).await
    }

    /// Writes a posting in the community's sequence, trying again when another writer took
    /// the place first (PostgreSQL; SQLite's writes are serial already).
    async fn post(&self, ctx: &AuditCtx, p: Posting<'_>, fund_rules: &FundRules, now: DateTime<Utc>) -> Result<()> {
        for _ in 0..POST_ATTEMPTS {
            match self.try_post(ctx, &p, fund_rules, now).await {
                Err(StoreError::Conflict { field, .. }) if field == "seq" => continue,
                other => return other,
            }
        }
        Err(StoreError::conflict("seq", "记账繁忙，请稍后再试 (the account is busy; try again)"))
    }

    async fn try_post(
        &self,
        ctx: &AuditCtx,
        p: &Posting<'_>,
        fund_rules: &FundRules,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let territory_id = match p {
            Posting::New { row, .. } => row.territory.id,
            Posting::Approve { territory_id, .. } => *territory_id,
        };
        let mut tx = self.begin().await?;
        let last: Vec<(i64, i64)> = fetch_all_tx(
            &mut tx,
            "SELECT seq, balance_after_fen FROM fund_entries WHERE territory_id = $1 AND seq IS NOT NULL
             ORDER BY seq DESC LIMIT 1",
            &[territory_id.into()],
        )
        .await?;
        let (seq, balance) = last.first().copied().unwrap_or((0, 0));
        match p {
            Posting::New { row, pending } => {
                if let Some(year) = row.grant_year {
                    // One special fund a year: any grant of the year not reversed stands.
                    let granted: Vec<(Uuid,)> = fetch_all_tx(
                        &mut tx,
                        "SELECT e.id FROM fund_entries e WHERE e.territory_id = $1 AND e.grant_year = $2 AND e.status <> 'rejected'
                           AND NOT EXISTS (SELECT 1 FROM fund_entries r WHERE r.reverses = e.id)",
                        &[territory_id.into(), year.into()],
                    )
                    .await?;
                    if !granted.is_empty() {
                        return Err(StoreError::conflict(
                            "source",
                            format!("{year}年的专项经费已经入账 (this year's special fund is already recorded)"),
                        ));
                    }
                }
                let (status, seq, after) = if *pending {
                    // Asked for now, posted on approval: beyond the balance it is refused at once
                    // (and checked again when approved).
                    rules::post(balance, fund_rules, row.direction, row.amount_fen).map_err(StoreError::Invalid)?;
                    (EntryStatus::Pending, None, None)
                } else if row.reverses.is_some() {
                    (EntryStatus::Posted, Some(seq + 1), Some(balance + rules::delta(row.direction, row.amount_fen)))
                } else {
                    let after =
                        rules::post(balance, fund_rules, row.direction, row.amount_fen).map_err(StoreError::Invalid)?;
                    (EntryStatus::Posted, Some(seq + 1), Some(after))
                };
                exec(
                    &mut tx,
                    "INSERT INTO fund_entries (id, territory_id, path, seq, status, direction, source, purpose, purpose_id,
                       amount_fen, balance_after_fen, occurred_on, summary, counterparty, counterparty_is_person, receipt_id,
                       voucher, reverses, grant_year, recorded_by, recorded_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
                    &[
                        row.id.into(),
                        row.territory.id.into(),
                        row.territory.path.clone().into(),
                        seq.into(),
                        status.as_str().into(),
                        row.direction.as_str().into(),
                        row.source.clone().into(),
                        row.purpose.clone().into(),
                        row.purpose_id.into(),
                        row.amount_fen.into(),
                        after.into(),
                        row.occurred_on.into(),
                        row.summary.clone().into(),
                        row.counterparty.clone().into(),
                        row.counterparty_is_person.into(),
                        row.receipt.into(),
                        row.voucher.clone().into(),
                        row.reverses.into(),
                        row.grant_year.into(),
                        row.recorded_by.into(),
                        now.into(),
                    ],
                )
                .await?;
                if status == EntryStatus::Posted {
                    tally(
                        &mut tx,
                        row.territory.id,
                        row.occurred_on,
                        row.direction.as_str(),
                        &row.source,
                        &row.purpose,
                        row.amount_fen,
                        1,
                    )
                    .await?;
                }
                let action = match (row.reverses, pending) {
                    (Some(_), _) => "fund.reverse",
                    (None, true) => "fund.request",
                    (None, false) => "fund.post",
                };
                audit::record(
                    &mut tx,
                    ctx,
                    &row.territory.path,
                    action,
                    row.id,
                    json!({"direction": row.direction.as_str(), "amount_fen": row.amount_fen, "seq": seq, "reverses": row.reverses}),
                )
                .await?;
            }
            Posting::Approve { id, amount_fen, by, note, .. } => {
                let after =
                    rules::post(balance, fund_rules, Direction::Expense, *amount_fen).map_err(StoreError::Invalid)?;
                let changed = exec(
                    &mut tx,
                    "UPDATE fund_entries SET status = 'posted', seq = $1, balance_after_fen = $2, decided_by = $3,
                       decided_at = $4, decision_note = $5 WHERE id = $6 AND status = 'pending'",
                    &[(seq + 1).into(), after.into(), (*by).into(), now.into(), (*note).into(), (*id).into()],
                )
                .await?;
                if changed == 0 {
                    return Err(StoreError::conflict("status", "这笔支出已经审批过 (already decided)"));
                }
                let rows: Vec<(String, Uuid, NaiveDate, String, String, String)> = fetch_all_tx(
                    &mut tx,
                    "SELECT path, territory_id, occurred_on, direction, source, purpose FROM fund_entries WHERE id = $1",
                    &[(*id).into()],
                )
                .await?;
                let Some((path, territory_id, day, direction, source, purpose)) = rows.into_iter().next() else {
                    return Err(StoreError::NotFound);
                };
                tally(&mut tx, territory_id, day, &direction, &source, &purpose, *amount_fen, 1).await?;
                audit::record(
                    &mut tx,
                    ctx,
                    &path,
                    "fund.approve",
                    *id,
                    json!({"amount_fen": amount_fen, "seq": seq + 1}),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The record spending names exists under the community.
    pub(crate) async fn purpose_in(&self, p: Purpose, id: Uuid, community_path: &str) -> Result<()> {
        let sql = match p {
            Purpose::Activity => "SELECT path FROM activities WHERE id = $1",
            Purpose::Project => "SELECT path FROM venture_projects WHERE id = $1",
            Purpose::Appeal => "SELECT path FROM appeals WHERE id = $1",
            Purpose::Decision => "SELECT compound_path FROM decisions WHERE id = $1",
            Purpose::Other => return Ok(()),
        };
        let row: Option<(String,)> = fetch_optional(&self.db, sql, &[id.into()]).await?;
        match row {
            Some((path,)) if Subtree::of(community_path).covers(&path) => Ok(()),
            _ => Err(StoreError::invalid(
                "purpose_id",
                format!("本社区没有这项{} (no such {} in this community)", p.label_zh(), p.as_str()),
            )),
        }
    }

    /// A receipt uploaded for this community that no entry uses yet.
    async fn receipt_free(&self, receipt: Uuid, territory_id: Uuid) -> Result<()> {
        let row: Option<(Uuid, Option<Uuid>)> = fetch_optional(
            &self.db,
            "SELECT r.territory_id, (SELECT e.id FROM fund_entries e WHERE e.receipt_id = r.id) FROM fund_receipts r WHERE r.id = $1",
            &[receipt.into()],
        )
        .await?;
        match row {
            Some((t, None)) if t == territory_id => Ok(()),
            Some((t, Some(_))) if t == territory_id => {
                Err(StoreError::conflict("receipt", "这张凭证已用于另一笔记录 (the receipt belongs to another entry)"))
            }
            _ => Err(StoreError::invalid("receipt", "没有这张凭证，请先上传 (no such receipt; upload it first)")),
        }
    }

    async fn fund_entry_row(&self, id: Uuid) -> Result<FundEntry> {
        fetch_optional(&self.db, &format!("SELECT {ENTRY_COLUMNS} FROM fund_entries e WHERE e.id = $1"), &[id.into()])
            .await?
            .ok_or_else(|| StoreError::missing("entry", "没有这笔记录 (no such entry)"))
    }

    /// An entry, to staff who see its community (404 otherwise).
    pub async fn fund_entry(&self, who: &Principal, id: Uuid) -> Result<FundEntry> {
        let e = self.fund_entry_row(id).await?;
        let scope = who.scope(Permission::KeepFunds).or_else(|_| who.scope(Permission::ViewTerritory)).ok();
        if !scope.is_some_and(|s| s.covers_path(&e.path)) {
            return Err(StoreError::missing("entry", "没有这笔记录 (no such entry)"));
        }
        Ok(e)
    }

    /// A community's entries, newest first, for staff who see it.
    pub async fn fund_entries(
        &self,
        who: &Principal,
        community: &str,
        f: &EntryFilter,
        page: Page,
    ) -> Result<Paged<FundEntry>> {
        let t = self.fund_community(who, community, Permission::ViewTerritory).await?;
        let mut q = QueryParts::default();
        q.cond_bind("e.territory_id = {}", t.id);
        if let Some(y) = f.year {
            let (s, e) = year_span(y)?;
            q.cond_bind("e.occurred_on >= {}", s);
            q.cond_bind("e.occurred_on < {}", e);
        }
        if let Some(d) = f.direction {
            q.cond_bind("e.direction = {}", d.as_str());
        }
        if let Some(s) = f.status {
            q.cond_bind("e.status = {}", s.as_str());
        }
        let w = q.where_clause();
        let total = fetch_i64(&self.db, &format!("SELECT count(*) FROM fund_entries e {w}"), &q.vals).await?;
        let lim = q.bind(page.limit());
        let off = q.bind(page.offset());
        let items = fetch_all(
            &self.db,
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM fund_entries e {w}
                 ORDER BY e.occurred_on DESC, e.recorded_at DESC, e.id DESC LIMIT {lim} OFFSET {off}"
            ),
            &q.vals,
        )
        .await?;
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }

    /// A community's account at a glance, with the balance checked against the entries.
    pub async fn fund_account(&self, who: &Principal, community: &str) -> Result<AccountSummary> {
        let t = self.fund_community(who, community, Permission::ViewTerritory).await?;
        self.account_summary(t).await
    }

    pub(crate) async fn account_summary(&self, t: Territory) -> Result<AccountSummary> {
        let last: Option<(i64,)> = fetch_optional(
            &self.db,
            "SELECT balance_after_fen FROM fund_entries WHERE territory_id = $1 AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1",
            &[t.id.into()],
        )
        .await?;
        let sums: (i64, i64, i64) = fetch_optional(
            &self.db,
            "SELECT CAST(COALESCE(SUM(CASE WHEN status <> 'posted' THEN 0 WHEN direction = 'income' THEN amount_fen ELSE -amount_fen END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN status = 'posted' THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0) AS BIGINT)
             FROM fund_entries WHERE territory_id = $1",
            &[t.id.into()],
        )
        .await?
        .unwrap_or((0, 0, 0));
        Ok(AccountSummary {
            territory: t,
            balance_fen: last.map(|l| l.0).unwrap_or(0),
            sum_fen: sums.0,
            posted: sums.1,
            pending: sums.2,
        })
    }

    /// A year of a community's account for the public (no sign-in): totals by source and
    /// purpose and the posted entries, oldest first, `page` of them.
    pub async fn fund_disclosure(&self, community: &str, year: i32, page: Page) -> Result<Disclosure> {
        let t = self.public_community(community).await?;
        let (start, end) = year_span(year)?;
        let base: Vec<Value> = vec![t.id.into(), start.into(), end.into()];
        // Totals from the year tallies kept with every posting: a few rows, however many entries.
        let opening = fetch_i64(
            &self.db,
            "SELECT CAST(COALESCE(SUM(CASE WHEN direction = 'income' THEN amount_fen ELSE -amount_fen END), 0) AS BIGINT)
             FROM fund_tallies WHERE territory_id = $1 AND year < $2",
            &[t.id.into(), i64::from(year).into()],
        )
        .await?;
        let groups: Vec<(String, String, String, i64, i64)> = fetch_all(
            &self.db,
            "SELECT direction, source, purpose, amount_fen, entries FROM fund_tallies WHERE territory_id = $1 AND year = $2",
            &[t.id.into(), i64::from(year).into()],
        )
        .await?;
        let income_by_source: Vec<(Source, i64)> = Source::ALL
            .iter()
            .map(|s| (*s, groups.iter().filter(|g| g.0 == "income" && g.1 == s.as_str()).map(|g| g.3).sum()))
            .collect();
        let spending_by_purpose: Vec<(Purpose, i64)> = Purpose::ALL
            .iter()
            .map(|p| (*p, groups.iter().filter(|g| g.0 == "expense" && g.2 == p.as_str()).map(|g| g.3).sum()))
            .collect();
        let income_fen: i64 = income_by_source.iter().map(|x| x.1).sum();
        let spent_fen: i64 = spending_by_purpose.iter().map(|x| x.1).sum();
        let total: i64 = groups.iter().map(|g| g.4).sum();
        let mut vals = base.clone();
        vals.push(page.limit().into());
        vals.push(page.offset().into());
        let items = fetch_all(
            &self.db,
            &format!(
                // The page's ids from the index alone, then their rows: PostgreSQL would
                // otherwise work out every skipped row's columns on a deep page.
                "SELECT {ENTRY_COLUMNS} FROM fund_entries e JOIN (
                   SELECT id FROM fund_entries
                   WHERE territory_id = $1 AND status = 'posted' AND occurred_on >= $2 AND occurred_on < $3
                   ORDER BY occurred_on, seq LIMIT $4 OFFSET $5) page ON page.id = e.id
                 ORDER BY e.occurred_on, e.seq"
            ),
            &vals,
        )
        .await?;
        Ok(Disclosure {
            territory: t,
            year,
            opening_fen: opening,
            income_by_source,
            spending_by_purpose,
            income_fen,
            spent_fen,
            closing_fen: opening + income_fen - spent_fen,
            entries: Paged { items, page: page.page, page_size: page.page_size, total },
        })
    }

    /// Every entry of a community in posting order, then those not posted (the ledger export).
    pub async fn all_fund_entries(&self, who: &Principal, community: &str) -> Result<(Territory, Vec<FundEntry>)> {
        let t = self.fund_community(who, community, Permission::ViewTerritory).await?;
        let items = fetch_all(
            &self.db,
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM fund_entries e WHERE e.territory_id = $1
                 ORDER BY (e.seq IS NULL), e.seq, e.recorded_at, e.id"
            ),
            &[t.id.into()],
        )
        .await?;
        Ok((t, items))
    }
}

/// A community's account on the overview: (code, name, balance, the year's income, the year's
/// spending, spending waiting for approval).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountLine {
    pub code: String,
    pub name: String,
    pub balance_fen: i64,
    pub income_fen: i64,
    pub spent_fen: i64,
    pub pending: i64,
}

impl Store {
    /// Every community in `who`'s view with its account, for a year's figures.
    pub async fn fund_overview(&self, who: &Principal, year: i32) -> Result<Vec<AccountLine>> {
        let scope =
            who.scope(Permission::ViewTerritory).map_err(|_| StoreError::Forbidden(Permission::ViewTerritory))?;
        year_span(year)?;
        let mut out = Vec::new();
        for root in scope.roots() {
            let mut q = QueryParts::default();
            let within = Subtree::of(root).sql(&mut q, "t.path");
            let y = q.bind(i64::from(year));
            let sql = format!(
                "SELECT t.code, t.name,
                   CAST(COALESCE((SELECT f.balance_after_fen FROM fund_entries f WHERE f.territory_id = t.id AND f.seq IS NOT NULL
                     ORDER BY f.seq DESC LIMIT 1), 0) AS BIGINT) AS balance_fen,
                   CAST(COALESCE((SELECT SUM(f.amount_fen) FROM fund_tallies f WHERE f.territory_id = t.id AND f.year = {y}
                     AND f.direction = 'income'), 0) AS BIGINT) AS income_fen,
                   CAST(COALESCE((SELECT SUM(f.amount_fen) FROM fund_tallies f WHERE f.territory_id = t.id AND f.year = {y}
                     AND f.direction = 'expense'), 0) AS BIGINT) AS spent_fen,
                   CAST((SELECT count(*) FROM fund_entries f WHERE f.territory_id = t.id AND f.status = 'pending') AS BIGINT) AS pending
                 FROM territories t WHERE t.kind = 'community' AND {within} ORDER BY t.path"
            );
            out.extend(fetch_all::<AccountLine>(&self.db, &sql, &q.vals).await?);
        }
        Ok(out)
    }
}
