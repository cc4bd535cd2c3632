//! Community workers through the API and the pages on every backend: a batch announced, an
//! applicant with a bad ID number refused and a good one scored and hired, a grade outside the
//! table refused, the worker fixed to a grid, appraised and promoted (a promotion the rules do
//! not allow refused with its reason), a grid worker brought under management, the report and
//! the table; the pages render and a refused form keeps what was typed.

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
async fn community_workers_through_the_api_and_the_pages() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let sd1 = App::signed_in(state.clone(), "sd1").await;
        let c1 = App::signed_in(state.clone(), "c1").await;
        let admin = App::signed_in(state.clone(), "admin").await;
        let w1 = App::signed_in(state.clone(), "w1").await;

        let (_, grids) = c1.json("/api/v1/my-grids").await;
        let grid = grids[0]["code"].as_str().unwrap().to_string();
        let community = grid[..12].to_string();
        let subdistrict = format!("{}000", &community[..9]);

        let (s, scale) = sd1.json("/api/v1/worker-pay-scale").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(scale["rows"].as_array().unwrap().len(), 36);

        // A batch; a community secretary may not announce one, a worker may not see them.
        let b = json!({"territory": subdistrict, "title": "2026年社区工作者招聘", "announced_on": "2026-03-01", "places": 3, "exam_weight": 40}).to_string();
        let (s, _) = c1.call("POST", "/api/v1/recruitments", Some(&b)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, r) = sd1.call("POST", "/api/v1/recruitments", Some(&b)).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let batch = parse(&r)["id"].as_str().unwrap().to_string();
        let (s, e) = sd1.call("POST", "/api/v1/recruitments", Some(&b)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error(&parse(&e), "title");
        let (s, _) = w1.json("/api/v1/recruitments").await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // Applicants.
        let a = json!({"name": "孙立新", "id_number": "11010519491231002X", "phone": "13912345678", "education": "master", "years_of_service": 4}).to_string();
        let (s, v) = sd1.call("POST", &format!("/api/v1/recruitments/{batch}/applicants"), Some(&a)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let v = parse(&v);
        assert_eq!(v["phone"], json!("139****5678"));
        assert!(!v["id_number"].as_str().unwrap().contains("19491231"), "the ID number is masked: {v}");
        let applicant = v["id"].as_str().unwrap().to_string();
        let bad = json!({"name": "钱多", "id_number": "110105194912310021", "education": "bachelor"}).to_string();
        let (s, e) = sd1.call("POST", &format!("/api/v1/recruitments/{batch}/applicants"), Some(&bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "id_number");
        let (s, e) =
            sd1.call("POST", &format!("/api/v1/applicants/{applicant}/scores"), Some(r#"{"exam_score": "101"}"#)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "exam_score");
        let (s, v) = sd1
            .call(
                "POST",
                &format!("/api/v1/applicants/{applicant}/scores"),
                Some(r#"{"exam_score": "80", "interview_score": "90.5"}"#),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(parse(&v)["total"], json!("86.3"), "80 × 40% + 90.5 × 60%");

        // Hiring: a grade outside the table refused; then on the computed grade.
        let h = json!({"community": community, "post": "staff", "grade": 13, "hired_on": "2026-06-01"}).to_string();
        let (s, e) = sd1.call("POST", &format!("/api/v1/applicants/{applicant}/hire"), Some(&h)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "grade");
        let h = json!({"community": community, "post": "staff", "hired_on": "2026-06-01"}).to_string();
        let (s, w) = sd1.call("POST", &format!("/api/v1/applicants/{applicant}/hire"), Some(&h)).await;
        assert_eq!(s, StatusCode::CREATED, "{w}");
        let w = parse(&w);
        assert_eq!(w["worker"]["grade"], json!(4), "1 + one for four years + two for a master's degree: {w}");
        assert_eq!(w["worker"]["kind"], json!("recruited"));
        let worker = w["worker"]["id"].as_str().unwrap().to_string();
        let (s, _) = sd1.call("POST", &format!("/api/v1/applicants/{applicant}/hire"), Some(&h)).await;
        assert_eq!(s, StatusCode::CONFLICT);

        // The grid post, an appraisal, a promotion the rules refuse and one they allow.
        let g = json!({"grid": grid, "from_on": "2026-06-01"}).to_string();
        let (s, v) = c1.call("POST", &format!("/api/v1/workers/{worker}/grid-post"), Some(&g)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(parse(&v)["worker"]["grid"], json!(grid));
        let ap = json!({"year": 2026, "result": "excellent"}).to_string();
        let (s, _) = c1.call("POST", &format!("/api/v1/workers/{worker}/appraisals"), Some(&ap)).await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, e) = c1.call("POST", &format!("/api/v1/workers/{worker}/appraisals"), Some(&ap)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error(&parse(&e), "year");
        let p = json!({"rule": "seniority", "effective_on": "2026-11-01"}).to_string();
        let (s, e) = sd1.call("POST", &format!("/api/v1/workers/{worker}/promotions"), Some(&p)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "rule");
        let p = json!({"rule": "qualification", "qualification": "social_worker", "effective_on": "2026-11-01"})
            .to_string();
        let (s, v) = sd1.call("POST", &format!("/api/v1/workers/{worker}/promotions"), Some(&p)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let v = parse(&v);
        assert_eq!(v["worker"]["grade"], json!(6));
        assert_eq!(v["promotions"][0]["rule"], json!("qualification"));
        let (s, _) = c1.call("POST", &format!("/api/v1/workers/{worker}/promotions"), Some(&p)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // A grid worker brought under management; the list, the report and the figure.
        let (_, people) = c1.json("/api/v1/people?page_size=1").await;
        let person = people["items"][0]["id"].as_str().unwrap().to_string();
        let nw = json!({"person_id": person, "kind": "grid_worker", "community": community, "post": "staff",
            "education": "college", "hired_on": "2024-01-01"})
        .to_string();
        let (s, v) = sd1.call("POST", "/api/v1/workers", Some(&nw)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, _) = sd1.call("POST", "/api/v1/workers", Some(&nw)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, list) = c1.json("/api/v1/workers").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list["total"], json!(2));
        let (s, e) = c1.json("/api/v1/workers?post=boss").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&e, "post");
        let (_, report) = sd1.json("/api/v1/worker-pay-report").await;
        assert_eq!(report[0]["workers"], json!(2), "{report}");
        let (_, st) = admin.json("/api/v1/stats").await;
        assert_eq!(st["community_workers"], json!(1), "the grid worker is not counted as recruited: {st}");

        // The table: the district only; a table with a gap refused.
        let (s, _) = sd1.call("POST", "/api/v1/worker-pay-scale", Some(&scale.to_string())).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let mut gap = scale.clone();
        gap["rows"].as_array_mut().unwrap().remove(3);
        let (s, e) = admin.call("POST", "/api/v1/worker-pay-scale", Some(&gap.to_string())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "grade");

        // The pages.
        for path in [
            "/workers",
            "/workers/recruitments",
            &format!("/workers/recruitments/{batch}"),
            &format!("/workers/{worker}"),
            "/workers/pay",
        ] {
            let p = sd1.send("GET", path, None).await;
            assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.body);
        }
        let p = c1.send("GET", "/workers", None).await;
        assert!(p.body.contains("孙立新"), "the secretary sees the worker");
        let p = w1.send("GET", "/workers", None).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        // A bad ID number keeps what was typed.
        let r = post_form(
            &sd1,
            &format!("/workers/recruitments/{batch}"),
            &[
                ("action", "apply"),
                ("name", "周雪梅"),
                ("id_number", "37061219950304123"),
                ("phone", "13600001111"),
                ("education", "bachelor"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("周雪梅") && r.body.contains("37061219950304123") && r.body.contains("13600001111"));
        // A promotion refused on the page says why and keeps the choice.
        let r = post_form(
            &sd1,
            &format!("/workers/{worker}"),
            &[("action", "promotion"), ("rule", "seniority"), ("effective_on", "2026-11-20")],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("满3年"), "the reason is shown");
        let r = post_form(
            &c1,
            &format!("/workers/{worker}"),
            &[("action", "appraisal"), ("year", "2025"), ("result", "competent")],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "hired in 2026: {}", r.body);
        let r = post_form(&admin, "/workers/pay", &[("pay.staff.1", "abc")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("abc"), "the typed pay is kept");
        let r = post_form(&admin, "/workers/pay", &[("pay.staff.1", "3700")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, scale) = admin.json("/api/v1/worker-pay-scale").await;
        let first = scale["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["post"] == json!("staff") && r["grade"] == json!(1))
            .unwrap()
            .clone();
        assert_eq!(first["monthly_pay_fen"], json!(370_000));
    }
}
