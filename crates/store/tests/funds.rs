//! Community funds on every backend: income by source, spending with a receipt tied to what it
//! served, approval above the amount, reversals that name the entry, the balance that always
//! equals the sum of the entries (also under writers posting at once), the public disclosure,
//! the ledger's XLSX export and import, and the figures.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jiayuan_domain::fund::{Direction, EntryStatus, FundRules, Purpose, Source};
use jiayuan_store::access::Principal;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::demo::Scale;
use jiayuan_store::model::Page;
use jiayuan_store::subtree::Subtree;
use jiayuan_store::support::{EntryFilter, NewEntry, ReceiptFile};
use jiayuan_store::{new_id, testing, Store, StoreError};

fn ctx() -> AuditCtx {
    AuditCtx::operator("test")
}

async fn principal(s: &Store, name: &str) -> Principal {
    s.principal_of(&s.user_by_name(name).await.unwrap()).await.unwrap()
}

/// Monday 30 November 2026, 10:00 in Beijing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap()
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn field_of(e: StoreError) -> String {
    match e {
        StoreError::Invalid(f) | StoreError::Missing(f) => f.field,
        StoreError::Conflict { field, .. } => format!("409 {field}"),
        StoreError::Forbidden(_) => "403".into(),
        StoreError::NotFound => "404".into(),
        StoreError::Ledger(rows) => {
            format!("ledger {}", rows.iter().map(|r| format!("{}:{}", r.row, r.column)).collect::<Vec<_>>().join(","))
        }
        e => format!("{e:?}"),
    }
}

fn income(code: &str, source: Source, fen: i64) -> NewEntry {
    NewEntry {
        territory: code.into(),
        direction: Direction::Income,
        source: Some(source),
        purpose: None,
        purpose_id: None,
        amount_fen: fen,
        occurred_on: day(3, 1),
        summary: "共建单位支持社区活动".into(),
        counterparty: "区供电公司".into(),
        counterparty_is_person: false,
        receipt: None,
        voucher: String::new(),
    }
}

fn expense(code: &str, fen: i64, receipt: Option<uuid::Uuid>) -> NewEntry {
    NewEntry {
        territory: code.into(),
        direction: Direction::Expense,
        source: None,
        purpose: Some(Purpose::Other),
        purpose_id: None,
        amount_fen: fen,
        occurred_on: day(4, 2),
        summary: "服务站便民药箱补充".into(),
        counterparty: "张小明".into(),
        counterparty_is_person: true,
        receipt,
        voucher: String::new(),
    }
}

async fn receipt(s: &Store, who: &Principal, code: &str) -> uuid::Uuid {
    let f = ReceiptFile { id: new_id(), content_type: "image/png".into(), size: 10, sha256: "00".into() };
    s.add_fund_receipt(&ctx(), who, code, &f, now()).await.unwrap()
}

#[tokio::test]
async fn an_account_kept_corrected_and_disclosed() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let w1 = principal(s, "w1").await;
        let c1 = principal(s, "c1").await;
        let c2 = principal(s, "c2").await;
        let code = c1.grants[0].territory_code.clone();
        let other = c2.grants[0].territory_code.clone();

        // The special fund, once a year.
        let grant = s.grant_special_fund(&ctx(), &w1, &code, 2026, now()).await.unwrap();
        assert_eq!((grant.amount_fen, grant.balance_after_fen, grant.seq), (30_000_000, Some(30_000_000), Some(1)));
        assert_eq!(field_of(s.grant_special_fund(&ctx(), &w1, &code, 2026, now()).await.unwrap_err()), "409 source");
        s.record_fund_entry(&ctx(), &w1, &income(&code, Source::UnitSupport, 50_000), now()).await.unwrap();

        // Spending needs a receipt of this community, used once.
        assert_eq!(
            field_of(s.record_fund_entry(&ctx(), &w1, &expense(&code, 12_000, None), now()).await.unwrap_err()),
            "receipt"
        );
        let foreign = receipt(s, &c2, &other).await;
        assert_eq!(
            field_of(
                s.record_fund_entry(&ctx(), &w1, &expense(&code, 12_000, Some(foreign)), now()).await.unwrap_err()
            ),
            "receipt"
        );
        let r = receipt(s, &w1, &code).await;
        let spent = s.record_fund_entry(&ctx(), &w1, &expense(&code, 12_000, Some(r)), now()).await.unwrap();
        assert_eq!((spent.status(), spent.balance_after_fen), (EntryStatus::Posted, Some(30_038_000)));
        assert_eq!(
            field_of(s.record_fund_entry(&ctx(), &w1, &expense(&code, 12_000, Some(r)), now()).await.unwrap_err()),
            "409 receipt"
        );
        // A named purpose must be a record of this community.
        let mut e = expense(&code, 100, Some(receipt(s, &w1, &code).await));
        e.purpose = Some(Purpose::Activity);
        assert_eq!(field_of(s.record_fund_entry(&ctx(), &w1, &e, now()).await.unwrap_err()), "purpose_id");
        e.purpose_id = Some(new_id());
        assert_eq!(field_of(s.record_fund_entry(&ctx(), &w1, &e, now()).await.unwrap_err()), "purpose_id");
        // Other people's communities are not there.
        assert_eq!(
            field_of(
                s.record_fund_entry(&ctx(), &w1, &income(&other, Source::Crowdfunding, 1), now()).await.unwrap_err()
            ),
            "territory"
        );

        // Over the balance: refused, nothing written.
        let before = s.fund_account(&c1, &code).await.unwrap();
        let big = expense(&code, 40_000_000, Some(receipt(s, &w1, &code).await));
        assert_eq!(field_of(s.record_fund_entry(&ctx(), &c1, &big, now()).await.unwrap_err()), "amount");
        let after = s.fund_account(&c1, &code).await.unwrap();
        assert_eq!((after.balance_fen, after.posted), (before.balance_fen, before.posted));

        // Above the approval amount: waits for the secretary; a worker may not approve.
        let mut e = expense(&code, 800_000, Some(receipt(s, &w1, &code).await));
        e.purpose = Some(Purpose::Other);
        let pending = s.record_fund_entry(&ctx(), &w1, &e, now()).await.unwrap();
        assert_eq!((pending.status(), pending.seq), (EntryStatus::Pending, None));
        assert_eq!(s.fund_account(&c1, &code).await.unwrap().pending, 1);
        assert_eq!(field_of(s.decide_fund_entry(&ctx(), &w1, pending.id, true, "", now()).await.unwrap_err()), "403");
        let approved = s.decide_fund_entry(&ctx(), &c1, pending.id, true, "同意", now()).await.unwrap();
        assert_eq!(
            (approved.status(), approved.seq, approved.balance_after_fen),
            (EntryStatus::Posted, Some(4), Some(29_238_000))
        );
        assert_eq!(
            field_of(s.decide_fund_entry(&ctx(), &c1, pending.id, true, "", now()).await.unwrap_err()),
            "409 status"
        );

        // A reversal names the entry; it is never reversed itself, and an entry is reversed once.
        let rev = s.reverse_fund_entry(&ctx(), &w1, spent.id, "金额录错", now()).await.unwrap();
        assert_eq!((rev.reverses, rev.amount_fen, rev.balance_after_fen), (Some(spent.id), -12_000, Some(29_250_000)));
        assert_eq!(field_of(s.reverse_fund_entry(&ctx(), &w1, rev.id, "再冲", now()).await.unwrap_err()), "reverses");
        assert_eq!(field_of(s.reverse_fund_entry(&ctx(), &w1, spent.id, "再冲", now()).await.unwrap_err()), "reverses");
        assert_eq!(field_of(s.reverse_fund_entry(&ctx(), &w1, new_id(), "没有", now()).await.unwrap_err()), "reverses");
        let acc = s.fund_account(&c1, &code).await.unwrap();
        assert!(acc.reconciles(), "{} vs {} on {}", acc.balance_fen, acc.sum_fen, t.name);
        assert_eq!(acc.balance_fen, 29_250_000);

        // The public page: by source and purpose, names of people masked.
        let d = s.fund_disclosure(&code, 2026, Page::new(Some(1), Some(100)).unwrap()).await.unwrap();
        assert_eq!((d.opening_fen, d.income_fen, d.spent_fen, d.closing_fen), (0, 30_050_000, 800_000, 29_250_000));
        assert_eq!(d.entries.total, 5);
        let masked: Vec<String> = d.entries.items.iter().map(|e| e.public_counterparty()).collect();
        assert!(masked.contains(&"张**".to_string()), "{masked:?}");
        assert!(!masked.iter().any(|m| m.contains("小明")));
        let listed = s
            .fund_entries(
                &c1,
                &code,
                &EntryFilter { year: Some(2026), ..Default::default() },
                Page::new(None, None).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(listed.total, 5, "the refused one never written: {}", t.name);

        // The figures: spending net of its reversal.
        let within = Subtree::of(&c1.grants[0].path);
        let from = Utc.with_ymd_and_hms(2025, 12, 31, 16, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2026, 12, 31, 16, 0, 0).unwrap();
        let f = s.support_figures(&within, from, to).await.unwrap();
        assert_eq!((f.fund_income_fen, f.fund_spent_fen), (30_050_000, 800_000));
        t.finish().await;
    }
}

#[tokio::test]
async fn rules_are_the_districts_and_an_overdraft_only_when_allowed() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let w1 = principal(s, "w1").await;
        let c1 = principal(s, "c1").await;
        let admin = principal(s, "admin").await;
        let code = c1.grants[0].territory_code.clone();
        assert_eq!(field_of(s.set_fund_rules(&ctx(), &c1, FundRules::default(), now()).await.unwrap_err()), "403");
        s.set_fund_rules(&ctx(), &admin, FundRules { approval_above_fen: 1_000_000, allow_overdraft: true }, now())
            .await
            .unwrap();
        s.set_special_fund_amount(&ctx(), &admin, 2026, 40_000_000, now()).await.unwrap();
        assert_eq!(s.special_fund_amount(2026).await.unwrap(), 40_000_000);
        assert_eq!(s.special_fund_amount(2025).await.unwrap(), 30_000_000);
        let e = expense(&code, 900_000, Some(receipt(s, &w1, &code).await));
        let posted = s.record_fund_entry(&ctx(), &w1, &e, now()).await.unwrap();
        assert_eq!((posted.status(), posted.balance_after_fen), (EntryStatus::Posted, Some(-900_000)));
        let g = s.grant_special_fund(&ctx(), &w1, &code, 2026, now()).await.unwrap();
        assert_eq!(g.balance_after_fen, Some(39_100_000));
        // A reversed grant may be granted again.
        s.reverse_fund_entry(&ctx(), &w1, g.id, "拨错年度", now()).await.unwrap();
        s.grant_special_fund(&ctx(), &w1, &code, 2026, now()).await.unwrap();
        assert!(s.fund_account(&c1, &code).await.unwrap().reconciles());
        t.finish().await;
    }
}

/// Ten keepers spend from one account at once: each posting is computed on the one before, so
/// the balance never goes below zero and always equals the sum of the entries.
#[tokio::test]
async fn writers_at_once_never_overdraw_and_the_balance_reconciles() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let w1 = principal(s, "w1").await;
        let code = w1.grants[0].territory_code.clone();
        s.record_fund_entry(&ctx(), &w1, &income(&code, Source::Crowdfunding, 350_000), now()).await.unwrap();
        let mut receipts = Vec::new();
        for _ in 0..10 {
            receipts.push(receipt(s, &w1, &code).await);
        }
        let tasks: Vec<_> = receipts
            .into_iter()
            .map(|r| {
                let (s, w1, code) = (s.clone(), w1.clone(), code.clone());
                tokio::spawn(
                    async move { s.record_fund_entry(&ctx(), &w1, &expense(&code, 100_000, Some(r)), now()).await },
                )
            })
            .collect();
        let mut ok = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => assert_eq!(field_of(e), "amount"),
            }
        }
        assert_eq!(ok, 3, "¥3,500 pays three of ten ¥1,000 on {}", t.name);
        let acc = s.fund_account(&w1, &code).await.unwrap();
        assert!(acc.reconciles());
        assert_eq!((acc.balance_fen, acc.posted), (50_000, 4));
        t.finish().await;
    }
}

#[tokio::test]
async fn the_ledger_goes_out_to_excel_and_comes_back_whole_or_not_at_all() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let c1 = principal(s, "c1").await;
        let c2 = principal(s, "c2").await;
        let code = c1.grants[0].territory_code.clone();
        let other = c2.grants[0].territory_code.clone();
        s.grant_special_fund(&ctx(), &c1, &code, 2026, now()).await.unwrap();
        let mut tricky = income(&code, Source::Crowdfunding, 2_000);
        tricky.summary = "=HYPERLINK(\"x\")众筹".into();
        s.record_fund_entry(&ctx(), &c1, &tricky, now()).await.unwrap();
        let r = receipt(s, &c1, &code).await;
        let spent = s.record_fund_entry(&ctx(), &c1, &expense(&code, 12_000, Some(r)), now()).await.unwrap();
        s.reverse_fund_entry(&ctx(), &c1, spent.id, "录错", now()).await.unwrap();
        let xlsx = s.fund_sheet_xlsx(&c1, &code).await.unwrap();

        // Into another community: the same entries, the same balance.
        let got = s.import_fund_sheet(&ctx(), &c2, &other, &xlsx, now()).await.unwrap();
        assert_eq!(got.rows, 4);
        let a = s.fund_account(&c1, &code).await.unwrap();
        let b = s.fund_account(&c2, &other).await.unwrap();
        assert_eq!((a.balance_fen, a.posted), (b.balance_fen, b.posted));
        assert!(b.reconciles());
        let back = s.fund_entries(&c2, &other, &EntryFilter::default(), Page::new(None, None).unwrap()).await.unwrap();
        assert!(back.items.iter().any(|e| e.summary == "=HYPERLINK(\"x\")众筹"), "text kept as text");
        assert!(back.items.iter().any(|e| e.reverses.is_some()));
        // Again: the year's special fund is there already, and nothing more is written.
        assert_eq!(field_of(s.import_fund_sheet(&ctx(), &c2, &other, &xlsx, now()).await.unwrap_err()), "409 source");
        assert_eq!(s.fund_account(&c2, &other).await.unwrap().posted, 4);
        // Not a workbook.
        assert_eq!(
            field_of(s.import_fund_sheet(&ctx(), &c2, &other, b"not a workbook", now()).await.unwrap_err()),
            "file"
        );
        t.finish().await;
    }
}
