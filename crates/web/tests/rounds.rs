//! Grid rounds through the API and the pages on every backend: the worker's grid, its round,
//! a visit, a finding filed as an appeal in the same step, a household of another grid
//! refused, helpers, the district's rules; a refused visit form keeps what was typed.

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
async fn a_round_through_the_api_and_the_pages() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let w1 = App::signed_in(state.clone(), "w1").await;
        let c1 = App::signed_in(state.clone(), "c1").await;
        let admin = App::signed_in(state.clone(), "admin").await;
        let r1 = App::signed_in(state.clone(), "r1").await;

        let (s, grids) = w1.json("/api/v1/my-grids").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(grids.as_array().unwrap().len(), 1, "{grids}");
        assert_eq!(grids[0]["mine"], json!(true));
        let mine = grids[0]["code"].as_str().unwrap().to_string();
        let (_, theirs) = c1.json("/api/v1/my-grids").await;
        let other = theirs.as_array().unwrap().iter().find(|g| g["code"] != json!(mine)).unwrap()["code"]
            .as_str()
            .unwrap()
            .to_string();
        let (s, _) = r1.json("/api/v1/my-grids").await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        let (s, round) = w1.json(&format!("/api/v1/grids/{mine}/round")).await;
        assert_eq!(s, StatusCode::OK, "{round}");
        assert_eq!(round["visited"], json!(0));
        let h = round["households"][0]["id"].as_str().unwrap().to_string();
        let (_, their_round) = c1.json(&format!("/api/v1/grids/{other}/round")).await;
        let theirs = their_round["households"][0]["id"].as_str().unwrap().to_string();

        // Outside the grid: refused, naming the household.
        let b = json!({"visits": [{"household_id": theirs}]}).to_string();
        let (s, e) = w1.call("POST", &format!("/api/v1/grids/{mine}/visits"), Some(&b)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "household_id");
        let (s, _) = w1.call("POST", &format!("/api/v1/grids/{other}/visits"), Some(&b)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, e) = w1.call("POST", &format!("/api/v1/grids/{mine}/visits"), Some(r#"{"visits": []}"#)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "visits");

        // A finding filed as an appeal of the household's dwelling.
        let b = json!({"visits": [{"household_id": h, "found": "单元门禁损坏，老人进出不便", "follow_up": "已报物业",
            "appeal_category": "facilities.lift"}]})
        .to_string();
        let (s, v) = w1.call("POST", &format!("/api/v1/grids/{mine}/visits"), Some(&b)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let appeal = parse(&v)[0]["appeal_id"].as_str().unwrap().to_string();
        let (s, a) = w1.json(&format!("/api/v1/appeals/{appeal}")).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        assert_eq!(a["appeal"]["channel"], json!("grid_patrol"), "{a}");
        let (_, round) = w1.json(&format!("/api/v1/grids/{mine}/round")).await;
        assert_eq!(round["visited"], json!(1));

        // Rules: the district's only.
        let (s, _) = c1.call("POST", "/api/v1/grid-visit-rules", Some(r#"{"period_days": 30}"#)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, e) = admin.call("POST", "/api/v1/grid-visit-rules", Some(r#"{"period_days": 400}"#)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "period_days");
        let (s, r) = admin
            .call("POST", "/api/v1/grid-visit-rules", Some(r#"{"period_days": 60, "care": {"living_alone": 5}}"#))
            .await;
        assert_eq!((s, parse(&r)["care"]["living_alone"].clone()), (StatusCode::OK, json!(5)), "{r}");

        // The pages: the worker goes straight to their round; a visit with 转为诉求 but no
        // category keeps what was typed; with one it opens the appeal.
        let p = w1.send("GET", "/rounds", None).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let p = w1.send("GET", &format!("/rounds/{mine}"), None).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains(&format!("/rounds/{mine}/visit?household=")));
        let form = w1.send("GET", &format!("/rounds/{mine}/visit?household={h}"), None).await;
        assert_eq!(form.status, StatusCode::OK);
        let r = post_form(
            &w1,
            &format!("/rounds/{mine}/visit"),
            &[("household", &h), ("found", "楼道灯不亮"), ("to_appeal", "1")],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("楼道灯不亮"), "what was typed is kept");
        let r = post_form(
            &w1,
            &format!("/rounds/{mine}/visit"),
            &[("household", &h), ("found", "楼道灯不亮"), ("to_appeal", "1"), ("category", "facilities.lift")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.headers["location"].to_str().unwrap().starts_with("/appeals/"));
        let r = post_form(&w1, &format!("/rounds/{mine}/visit"), &[("household", &theirs), ("found", "")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = post_form(&w1, &format!("/rounds/{mine}/visit"), &[("household", &h)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);

        // Helpers.
        let (_, people) = c1.json("/api/v1/people?page_size=1").await;
        let person = people["items"][0]["id"].as_str().unwrap().to_string();
        let b = json!({"person_id": person, "kind": "new_employment", "joined_on": "2026-11-01", "note": "外卖骑手"})
            .to_string();
        let (s, hv) = c1.call("POST", &format!("/api/v1/grids/{mine}/helpers"), Some(&b)).await;
        assert_eq!(s, StatusCode::CREATED, "{hv}");
        let (s, e) = c1.call("POST", &format!("/api/v1/grids/{mine}/helpers"), Some(&b)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error(&parse(&e), "person_id");
        let (_, hs) = w1.json(&format!("/api/v1/grids/{mine}/helpers")).await;
        assert_eq!(hs.as_array().unwrap().len(), 1);

        // The figures.
        let (_, st) = c1.json("/api/v1/stats").await;
        assert!(st["grid_visits"].as_i64().unwrap() >= 3, "{st}");
        assert!(st["households_unvisited"].is_i64());
    }
}
