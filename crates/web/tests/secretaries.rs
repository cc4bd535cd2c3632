//! Grid party secretaries through the API and the pages on every backend: filed by the
//! subdistrict (a community secretary refused), a report, an appraisal with its scores and the
//! total the rules give; on the page, scores typed as on the paper tally, a bad line refused
//! with what was typed kept.

mod common;

use axum::http::StatusCode;
use common::{assert_error, post_form, states, App};
use jiayuan_web::clock::AppClock;
use jiayuan_web::AppState;
use serde_json::{json, Value};

fn parse(b: &str) -> Value {
    serde_json::from_str(b).unwrap_or(Value::Null)
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn grid_secretaries_through_the_api_and_the_pages() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let sd1 = App::signed_in(state.clone(), "sd1").await;
        let c1 = App::signed_in(state.clone(), "c1").await;
        let r1 = App::signed_in(state.clone(), "r1").await;
        let (_, grids) = c1.json("/api/v1/my-grids").await;
        let grid = grids[0]["code"].as_str().unwrap().to_string();
        let (_, people) = c1.json("/api/v1/people?page_size=1").await;
        let person = people["items"][0]["id"].as_str().unwrap().to_string();

        let f = json!({"person_id": person, "filed_on": "2026-01-10", "from_on": "2026-01-01"}).to_string();
        let (s, _) = c1.call("POST", &format!("/api/v1/grids/{grid}/secretary"), Some(&f)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, rec) = sd1.call("POST", &format!("/api/v1/grids/{grid}/secretary"), Some(&f)).await;
        assert_eq!(s, StatusCode::CREATED, "{rec}");
        let filing = parse(&rec)["filings"][0]["id"].as_str().unwrap().to_string();
        let (s, e) = sd1.call("POST", &format!("/api/v1/grids/{grid}/secretary"), Some(&f)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error(&parse(&e), "from_on");
        let (_, all) = c1.json("/api/v1/grid-secretaries").await;
        assert!(all.as_array().unwrap().iter().any(|f| f["grid"] == json!(grid)), "{all}");

        let r = json!({"audience": "community", "held_on": "2026-07-01", "title": "上半年述职", "attendees": 12})
            .to_string();
        let (s, v) = c1.call("POST", &format!("/api/v1/grid-secretary-filings/{filing}/reports"), Some(&r)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, _) = r1.call("POST", &format!("/api/v1/grid-secretary-filings/{filing}/reports"), Some(&r)).await;
        assert!(s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND, "{s}");

        let review = json!({"year": 2026, "held_on": "2026-11-20", "scores": [
            {"scorer_kind": "community_org", "scorer": "社区党委", "score": "92"},
            {"scorer_kind": "residents", "scorer": "居民代表1", "score": "80"},
            {"scorer_kind": "residents", "scorer": "居民代表2", "score": "85.5"}]})
        .to_string();
        let (s, v) = c1.call("POST", &format!("/api/v1/grid-secretary-filings/{filing}/reviews"), Some(&review)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let v = parse(&v);
        assert_eq!((v["total"].clone(), v["result"].clone()), (json!("87.4"), json!("competent")), "{v}");
        assert_eq!(v["scores"].as_array().unwrap().len(), 3);
        let (s, e) = c1.call("POST", &format!("/api/v1/grid-secretary-filings/{filing}/reviews"), Some(&review)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error(&parse(&e), "year");
        let bad = json!({"year": 2026, "held_on": "2026-11-20", "scores": [{"scorer_kind": "residents", "scorer": "甲", "score": "120"}]}).to_string();
        let (s, e) = c1.call("POST", &format!("/api/v1/grid-secretary-filings/{filing}/reviews"), Some(&bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "scores[0]");

        // The pages.
        let p = c1.send("GET", "/grid-secretaries", None).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains(&format!("/grid-secretaries/{grid}")));
        let p = c1.send("GET", &format!("/grid-secretaries/{grid}"), None).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("87.4") && p.body.contains("上半年述职"), "{}", p.body);
        let r = post_form(
            &c1,
            &format!("/grid-secretaries/{grid}"),
            &[
                ("action", "review"),
                ("filing", &filing),
                ("year", "2026"),
                ("review_on", "2026-11-25"),
                ("scores.party_members", "王芳 92\n李强九十"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("李强九十"), "what was typed is kept");
        let r = post_form(
            &c1,
            &format!("/grid-secretaries/{grid}"),
            &[
                ("action", "report"),
                ("filing", &filing),
                ("audience", "grid"),
                ("held_on", "2026-11-01"),
                ("title", "网格工作报告"),
                ("attendees", "30"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, rec) = c1.json(&format!("/api/v1/grids/{grid}/secretary")).await;
        assert_eq!(rec["reports"].as_array().unwrap().len(), 2, "{rec}");
    }
}

#[tokio::test]
async fn the_programme_through_the_api_and_the_pages() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let admin = App::signed_in(state.clone(), "admin").await;
        let sd1 = App::signed_in(state.clone(), "sd1").await;
        let c1 = App::signed_in(state.clone(), "c1").await;
        let (_, grids) = c1.json("/api/v1/my-grids").await;
        let community = grids[0]["code"].as_str().unwrap()[..12].to_string();
        let subdistrict = format!("{}000", &community[..9]);
        let district = format!("{}000000", &community[..6]);
        let (_, people) = c1.json("/api/v1/people?page_size=1").await;
        let person = people["items"][0]["id"].as_str().unwrap().to_string();
        let nw = json!({"person_id": person, "kind": "elected", "community": community, "post": "principal",
            "education": "bachelor", "hired_on": "2021-05-01"})
        .to_string();
        let (s, w) = sd1.call("POST", "/api/v1/workers", Some(&nw)).await;
        assert_eq!(s, StatusCode::CREATED, "{w}");
        let worker = parse(&w)["worker"]["id"].as_str().unwrap().to_string();

        let e = json!({"territory": district, "kind": "contest", "held_on": "2026-11-20", "title": "2026年擂台比武"})
            .to_string();
        let (s, _) = c1.call("POST", "/api/v1/programme-events", Some(&e)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = admin.call("POST", "/api/v1/programme-events", Some(&e)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let event = parse(&v)["id"].as_str().unwrap().to_string();
        let (s, _) = admin.call("POST", "/api/v1/programme-events", Some(&e)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, d) = c1.json(&format!("/api/v1/programme-events/{event}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(d["roster"].as_array().unwrap().len(), 1, "{d}");
        let bad = json!({"lines": [{"worker_id": worker, "attended": true, "score": "101"}]}).to_string();
        let (s, e) = admin.call("POST", &format!("/api/v1/programme-events/{event}/attendance"), Some(&bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "lines[0]");
        let ok = json!({"lines": [{"worker_id": worker, "attended": true, "score": "91.5"}]}).to_string();
        let (s, v) = admin.call("POST", &format!("/api/v1/programme-events/{event}/attendance"), Some(&ok)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, st) = sd1.json(&format!("/api/v1/programme-standings?within={subdistrict}&year=2026")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!((st[0]["rank"].clone(), st[0]["mean_score"].clone()), (json!(1), json!("91.5")), "{st}");

        // The pages: a score on the page typed wrong keeps what was typed.
        for path in [
            "/programme",
            &format!("/programme/{event}"),
            &format!("/programme/standings?within={subdistrict}"),
            &format!("/workers/{worker}"),
        ] {
            let p = sd1.send("GET", path, None).await;
            assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.body);
        }
        let p = sd1.send("GET", &format!("/workers/{worker}"), None).await;
        assert!(p.body.contains("2026年擂台比武") && p.body.contains("91.5"), "the secretary's record");
        let r = post_form(
            &admin,
            &format!("/programme/{event}"),
            &[("worker", &worker), (&format!("at.{worker}"), "1"), (&format!("score.{worker}"), "九十")],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("九十"), "what was typed is kept");
        let r = post_form(
            &admin,
            &format!("/programme/{event}"),
            &[("worker", &worker), (&format!("at.{worker}"), "1"), (&format!("score.{worker}"), "88")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
}
