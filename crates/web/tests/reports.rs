//! The work report through the API and the pages on every backend: the JSON object with its
//! documented keys, a figure followed to its records (which add up to it), the Word document,
//! the Markdown download, and bad requests answered with the field at fault.

mod common;

use axum::http::StatusCode;
use common::{assert_error, states, App};

#[tokio::test]
async fn the_year_report_through_the_api_and_the_pages() {
    for (t, state) in states().await {
        t.store.generate_demo_life(jiayuan_store::demo::Scale::Small, 3, 1).await.unwrap();
        let admin = App::signed_in(state.clone(), "admin").await;
        let c1 = App::signed_in(state.clone(), "c1").await;
        let r1 = App::signed_in(state.clone(), "r1").await;

        let (s, defs) = admin.json("/api/v1/report-figures").await;
        assert_eq!(s, StatusCode::OK);
        let keys: Vec<String> =
            defs.as_array().unwrap().iter().map(|d| d["key"].as_str().unwrap().to_string()).collect();
        let (s, r) = admin.json("/api/v1/reports/370612000000/2026").await;
        assert_eq!(s, StatusCode::OK, "{r}");
        for k in &keys {
            assert!(r.get(k).is_some(), "the report has {k}: {r}");
            assert!(r["last_year"].get(k).is_some(), "last year has {k}");
        }
        assert_eq!(r["territory"], "370612000000");
        assert_eq!(r["service_items"], 43);
        let events = r["cultural_events"].as_i64().unwrap();
        assert!(events > 0, "{r}");

        // A figure's records add up to it.
        let (s, recs) = admin.json("/api/v1/reports/370612000000/2026/figures/cultural_events?page_size=200").await;
        assert_eq!(s, StatusCode::OK, "{recs}");
        assert_eq!(recs["total"].as_i64(), Some(events));
        let sum: i64 = recs["records"].as_array().unwrap().iter().map(|x| x["weight"].as_i64().unwrap()).sum();
        assert_eq!(sum, events);

        // Bad requests name their field.
        let (s, e) = admin.json("/api/v1/reports/370612000000/1999").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&e, "year");
        let (s, e) = admin.json("/api/v1/reports/370612000000/2026/figures/nope").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_error(&e, "figure");
        let (s, e) = admin.json("/api/v1/reports/999999999999/2026").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_error(&e, "code");
        let (s, _) = r1.json("/api/v1/reports/370612000000/2026").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // A community secretary sees their community's report, not the district's.
        let (s, _) = c1.json("/api/v1/reports/370612000000/2026").await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The page: every figure links to its records; the drill-down shows the same total.
        let page = admin.send("GET", "/reports/370612000000/2026", None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("工作报告") && page.body.contains("小区党支部"), "{}", page.body);
        assert!(page.body.contains("href=\"/reports/370612000000/2026/cultural_events\""));
        let drill = admin.send("GET", "/reports/370612000000/2026/cultural_events", None).await;
        assert_eq!(drill.status, StatusCode::OK);
        assert!(drill.body.contains(&format!("data-total>{events}<")), "{}", drill.body);
        assert!(drill.body.contains("/reports/370612000000/2026\""), "a way back to the report");
        // The rates lead to the dashboard for the year.
        let rate = admin.send("GET", "/reports/370612000000/2026/response_rate", None).await;
        assert_eq!(rate.status, StatusCode::SEE_OTHER);
        assert!(rate.headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/appeals/dashboard?period=custom&from=2026-01-01"));
        // /reports starts where the account's pages start.
        let home = c1.send("GET", "/reports", None).await;
        assert_eq!(home.status, StatusCode::SEE_OTHER);
        assert!(home.headers["location"].to_str().unwrap().starts_with("/reports/370612"));

        // The Word document opens as a zip holding the figures; Markdown and JSON download.
        let d = admin.send("GET", "/reports/370612000000/2026?format=docx", None).await;
        assert_eq!(d.status, StatusCode::OK);
        assert!(d.headers["content-disposition"].to_str().unwrap().contains("report-370612000000-2026.docx"));
        assert_eq!(&d.bytes[..2], b"PK");
        let text = docx_text(&d.bytes);
        assert!(text.contains("小区党支部") && text.contains("牟平区2026年"), "{text}");
        let md = admin.send("GET", "/reports/370612000000/2026?format=md", None).await;
        assert!(md.body.starts_with("# 牟平区2026年"));
        let bad = admin.send("GET", "/reports/370612000000/2026?format=pdf", None).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let bad = admin.send("GET", "/reports/370612000000/twenty", None).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}

/// The text of `word/document.xml` in a .docx (a zip), tags dropped.
fn docx_text(bytes: &[u8]) -> String {
    let xml = unzip_entry(bytes, "word/document.xml").expect("word/document.xml in the docx");
    let mut out = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// One entry of a zip archive, read through its local headers (stored or deflated).
fn unzip_entry(bytes: &[u8], name: &str) -> Option<String> {
    let mut i = 0;
    while i + 30 <= bytes.len() && bytes[i..i + 4] == [0x50, 0x4b, 0x03, 0x04] {
        let u16at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]) as usize;
        let u32at = |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]) as usize;
        let (method, size, name_len, extra_len) = (u16at(i + 8), u32at(i + 18), u16at(i + 26), u16at(i + 28));
        let entry = std::str::from_utf8(&bytes[i + 30..i + 30 + name_len]).ok()?;
        let start = i + 30 + name_len + extra_len;
        if entry == name {
            let data = &bytes[start..start + size];
            return match method {
                0 => String::from_utf8(data.to_vec()).ok(),
                8 => {
                    use std::io::Read;
                    let mut s = String::new();
                    flate2::read::DeflateDecoder::new(data).read_to_string(&mut s).ok()?;
                    Some(s)
                }
                _ => None,
            };
        }
        i = start + size;
    }
    None
}
