//! Community funds through the API and the pages on every backend: the special fund, a
//! receipt and the spending it proves, approval above the amount, a reversal, the public
//! disclosure without sign-in (names masked, no receipts), the XLSX ledger, the district's
//! rules; bad input named and nothing written; a refused form keeps what was typed.

mod common;

use axum::http::StatusCode;
use common::{assert_error, post_form, post_multipart, states, App};
use jiayuan_web::clock::AppClock;
use jiayuan_web::AppState;
use serde_json::{json, Value};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn parse(b: &str) -> Value {
    serde_json::from_str(b).unwrap_or(Value::Null)
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc)
}

async fn community_of(app: &App) -> String {
    let (_, me) = app.json("/api/v1/auth/me").await;
    me["grants"][0]["territory_code"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_account_through_the_api() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let w1 = App::signed_in(state.clone(), "w1").await;
        let c1 = App::signed_in(state.clone(), "c1").await;
        let c2 = App::signed_in(state.clone(), "c2").await;
        let admin = App::signed_in(state.clone(), "admin").await;
        let anon = App::anonymous(state.clone());
        let code = community_of(&c1).await;
        let other = community_of(&c2).await;
        let base = format!("/api/v1/territories/{code}/fund");

        let (s, g) = w1.call("POST", &format!("{base}/special-fund"), Some(r#"{"year": 2026}"#)).await;
        assert_eq!(s, StatusCode::CREATED, "{g}");
        assert_eq!(parse(&g)["balance_after_fen"], json!(30_000_000));
        let (s, e) = w1.call("POST", &format!("{base}/special-fund"), Some(r#"{"year": 2026}"#)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error(&parse(&e), "source");

        // Spending without a receipt, with a receipt of another community, over the balance.
        let spend = |receipt: Option<&str>, fen: i64| {
            json!({"direction": "expense", "purpose": "other", "amount_fen": fen, "occurred_on": "2026-11-20",
                   "summary": "服务站便民药箱补充", "counterparty": "张小明", "counterparty_is_person": true,
                   "receipt_id": receipt})
            .to_string()
        };
        let (s, e) = w1.call("POST", &format!("{base}/entries"), Some(&spend(None, 12_000))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "receipt");
        let r = c2
            .send_bytes("POST", &format!("/api/v1/territories/{other}/fund/receipts"), "image/png", PNG.to_vec())
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let foreign = parse(&r.body)["id"].as_str().unwrap().to_string();
        let (s, e) = w1.call("POST", &format!("{base}/entries"), Some(&spend(Some(&foreign), 12_000))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "receipt");
        let r = w1.send_bytes("POST", &format!("{base}/receipts"), "image/png", b"not an image".to_vec()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_error(&parse(&r.body), "receipt");
        let r = w1.send_bytes("POST", &format!("{base}/receipts"), "image/png", PNG.to_vec()).await;
        let receipt = parse(&r.body)["id"].as_str().unwrap().to_string();
        let (s, e) = w1.call("POST", &format!("{base}/entries"), Some(&spend(Some(&receipt), 40_000_000))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        assert_error(&parse(&e), "amount");
        let (s, spent) = w1.call("POST", &format!("{base}/entries"), Some(&spend(Some(&receipt), 12_000))).await;
        assert_eq!(s, StatusCode::CREATED, "{spent}");
        let spent = parse(&spent);
        assert_eq!((spent["status"].clone(), spent["counterparty"].clone()), (json!("posted"), json!("张**")));
        let id = spent["id"].as_str().unwrap().to_string();
        let r = w1.send("GET", spent["receipt_url"].as_str().unwrap(), None).await;
        assert_eq!((r.status, r.bytes.as_slice()), (StatusCode::OK, PNG));
        let r = anon.send("GET", spent["receipt_url"].as_str().unwrap(), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);

        // Above the approval amount: the secretary decides.
        let r = w1.send_bytes("POST", &format!("{base}/receipts"), "image/png", PNG.to_vec()).await;
        let big = parse(&r.body)["id"].as_str().unwrap().to_string();
        let (_, p) = w1.call("POST", &format!("{base}/entries"), Some(&spend(Some(&big), 800_000))).await;
        let p = parse(&p);
        assert_eq!(p["status"], json!("pending"), "{p}");
        let pid = p["id"].as_str().unwrap().to_string();
        let (s, _) =
            w1.call("POST", &format!("/api/v1/fund-entries/{pid}/decision"), Some(r#"{"approve": true}"#)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, d) = c1
            .call("POST", &format!("/api/v1/fund-entries/{pid}/decision"), Some(r#"{"approve": true, "note": "同意"}"#))
            .await;
        assert_eq!((s, parse(&d)["status"].clone()), (StatusCode::OK, json!("posted")), "{d}");

        // A reversal, and no reversal of it.
        let (s, rev) =
            w1.call("POST", &format!("/api/v1/fund-entries/{id}/reversal"), Some(r#"{"reason": "金额录错"}"#)).await;
        assert_eq!(s, StatusCode::CREATED, "{rev}");
        let rev_id = parse(&rev)["id"].as_str().unwrap().to_string();
        let (s, e) =
            w1.call("POST", &format!("/api/v1/fund-entries/{rev_id}/reversal"), Some(r#"{"reason": "再冲"}"#)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "reverses");
        let (s, e) = w1
            .call(
                "POST",
                "/api/v1/fund-entries/01900000-0000-7000-8000-000000000000/reversal",
                Some(r#"{"reason": "没有"}"#),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_error(&parse(&e), "reverses");
        let (_, acc) = c1.json(&base).await;
        assert_eq!((acc["balance_fen"].clone(), acc["reconciles"].clone()), (json!(29_200_000), json!(true)), "{acc}");

        // The public page: no sign-in, names masked, no receipts.
        let (s, d) = anon.json(&format!("{base}/disclosure?year=2026")).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!((d["income_fen"].clone(), d["spent_fen"].clone()), (json!(30_000_000), json!(800_000)));
        assert!(d["entries"]["items"].as_array().unwrap().iter().all(|e| e["receipt_url"].is_null()));
        assert!(!d.to_string().contains("小明"));
        let (s, e) = anon.json(&format!("{base}/disclosure?year=1999")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&e, "year");
        let (s, _) = anon.json(&format!("{base}/entries")).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // The ledger as a workbook, and the district's rules.
        let r = c1.send("GET", &format!("{base}/ledger.xlsx"), None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.bytes.starts_with(b"PK"), "a zip");
        let r = c2
            .send_bytes(
                "POST",
                &format!("/api/v1/territories/{other}/fund/ledger.xlsx"),
                "application/octet-stream",
                r.bytes.clone(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(parse(&r.body)["rows"], json!(4));
        let r = c2
            .send_bytes(
                "POST",
                &format!("/api/v1/territories/{other}/fund/ledger.xlsx"),
                "application/octet-stream",
                b"nope".to_vec(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let (s, _) =
            c1.call("POST", "/api/v1/fund-rules", Some(r#"{"approval_above_fen": 1, "allow_overdraft": true}"#)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, r) = admin
            .call("POST", "/api/v1/fund-rules", Some(r#"{"approval_above_fen": 100000, "allow_overdraft": false}"#))
            .await;
        assert_eq!((s, parse(&r)["approval_above_fen"].clone()), (StatusCode::OK, json!(100000)), "{r}");
        let (s, _) = admin
            .call("POST", "/api/v1/fund-rules/special-fund", Some(r#"{"year": 2027, "amount_fen": 35000000}"#))
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);

        // The figures.
        let (_, st) = c1.json("/api/v1/stats").await;
        assert_eq!(
            (st["fund_income_fen"].clone(), st["fund_spent_fen"].clone()),
            (json!(30_000_000), json!(800_000)),
            "{st}"
        );
    }
}

#[tokio::test]
async fn the_ledger_pages_keep_what_was_typed() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let w1 = App::signed_in(state.clone(), "w1").await;
        let anon = App::anonymous(state.clone());
        let code = community_of(&w1).await;
        let r = post_form(&w1, &format!("/funds/{code}/special-fund"), &[("year", "2026")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // Spending without a receipt: refused, everything typed still there.
        let fields = [
            ("direction", "expense"),
            ("amount", "120.50"),
            ("occurred_on", "2026-11-20"),
            ("purpose", "other"),
            ("summary", "冬季楼道防滑垫"),
            ("counterparty", "社区便民超市"),
        ];
        let r = post_multipart(&w1, &format!("/funds/{code}/entries"), &fields, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("凭证"), "names the receipt");
        for v in ["120.50", "冬季楼道防滑垫", "社区便民超市", "2026-11-20"] {
            assert!(r.body.contains(v), "keeps {v}");
        }
        // A mistake in the amount with the receipt attached: refused, the receipt kept.
        let mut bad = fields.to_vec();
        bad[1] = ("amount", "12.345");
        let r = post_multipart(&w1, &format!("/funds/{code}/entries"), &bad, Some(("receipt", "image/png", PNG))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        let kept =
            r.body.split("name=\"receipt_id\" value=\"").nth(1).map(|s| s.split('"').next().unwrap_or("").to_string());
        let kept = kept.expect("the receipt uploaded with the refused form is kept");
        assert!(r.body.contains("12.345") && r.body.contains("amount") || r.body.contains("金额"), "names the amount");
        let mut again = fields.to_vec();
        again.push(("receipt_id", &kept));
        let r = post_multipart(&w1, &format!("/funds/{code}/entries"), &again, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = w1.send("GET", &format!("/funds/{code}"), None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("冬季楼道防滑垫") && page.body.contains("¥299,879.50"), "balance shown");

        // The public page, without sign-in, masks nothing that was not a person and prints.
        let p = anon.send("GET", &format!("/disclosure/{code}?year=2026"), None).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("冬季楼道防滑垫") && p.body.contains("为民服务专项经费"));
        assert!(!p.body.contains("/api/v1/fund-receipts/"), "no receipts in public");
        let p = anon.send("GET", "/disclosure/nowhere", None).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);

        // The entry: reversing without a reason keeps the page, with one it posts.
        let list = w1.json(&format!("/api/v1/territories/{code}/fund/entries?direction=expense")).await.1;
        let id = list["items"][0]["id"].as_str().unwrap().to_string();
        let r = post_form(&w1, &format!("/fund-entries/{id}/reverse"), &[("reason", "")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = post_form(&w1, &format!("/fund-entries/{id}/reverse"), &[("reason", "重复记账")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, acc) = w1.json(&format!("/api/v1/territories/{code}/fund")).await;
        assert_eq!((acc["balance_fen"].clone(), acc["reconciles"].clone()), (json!(30_000_000), json!(true)));
        let overview = w1.send("GET", "/funds", None).await;
        assert_eq!(overview.status, StatusCode::OK);
    }
}
