//! Community life's records through the API on every backend: a fair with its stalls and its
//! report, the community calendar without signing in, a venture project from application to
//! evaluation, a golden solution reviewed by the subdistrict and the district and adopted by
//! another community, and the figures they add up to; bad input named, nothing written.

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
async fn fairs_projects_and_solutions_through_the_api() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let c1 = App::signed_in(state.clone(), "c1").await;
        let c2 = App::signed_in(state.clone(), "c2").await;
        let sd1 = App::signed_in(state.clone(), "sd1").await;
        let admin = App::signed_in(state.clone(), "admin").await;
        let anon = App::anonymous(state.clone());
        let (_, me) = c1.json("/api/v1/auth/me").await;
        let community = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let (_, me2) = c2.json("/api/v1/auth/me").await;
        let other = me2["grants"][0]["territory_code"].as_str().unwrap().to_string();

        // A fair that started an hour ago.
        let fair = json!({"kind": "fair", "title": "牟邻集市", "organiser_kind": "community", "organiser_name": "社区党委",
            "territory": community, "starts_at": "2026-11-30T09:00", "ends_at": "2026-11-30T12:00"});
        let (s, a) = c1.call("POST", "/api/v1/activities", Some(&fair.to_string())).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        let id = parse(&a)["id"].as_str().unwrap().to_string();
        for kind in ["policy", "goods", "repair", "health", "legal"] {
            let b = json!({"kind": kind, "provider": "街道便民服务队", "served": 12}).to_string();
            let (s, e) = c1.call("POST", &format!("/api/v1/activities/{id}/stalls"), Some(&b)).await;
            assert_eq!(s, StatusCode::CREATED, "{e}");
        }
        for (b, field) in [
            (json!({"kind": "magic", "provider": "某单位"}), "kind"),
            (json!({"kind": "extra", "provider": "某单位"}), "name"),
            (json!({"kind": "goods", "provider": "某单位", "served": -1}), "served"),
        ] {
            let (s, e) = c1.call("POST", &format!("/api/v1/activities/{id}/stalls"), Some(&b.to_string())).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
            assert_error(&parse(&e), field);
        }
        let (s, stalls) = c1.json(&format!("/api/v1/activities/{id}/stalls")).await;
        assert_eq!((s, stalls.as_array().unwrap().len()), (StatusCode::OK, 5));
        let stall = stalls[0]["id"].as_str().unwrap();
        let (s, st) =
            c1.call("POST", &format!("/api/v1/activities/{id}/stalls/{stall}/served"), Some(r#"{"served": 40}"#)).await;
        assert_eq!((s, parse(&st)["served"].clone()), (StatusCode::OK, json!(40)), "{st}");
        // Another community's secretary sees the public fair but may not report it.
        let report = json!({"report": "六个摊位服务居民四百余人次。", "unnamed_beneficiaries": 420}).to_string();
        let (s, _) = c2.call("POST", &format!("/api/v1/activities/{id}/report"), Some(&report)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, e) = c1
            .call(
                "POST",
                &format!("/api/v1/activities/{id}/report"),
                Some(r#"{"report": "好", "unnamed_beneficiaries": 1}"#),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "report");
        let (s, r) = c1.call("POST", &format!("/api/v1/activities/{id}/report"), Some(&report)).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let r = parse(&r);
        assert_eq!((r["status"].clone(), r["beneficiaries"].clone()), (json!("done"), json!(420)));
        let (s, e) = c1.call("POST", &format!("/api/v1/activities/{id}/status"), Some(r#"{"status": "open"}"#)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "held is final");
        assert_error(&parse(&e), "status");
        // The community calendar, without signing in.
        let (s, cal) = anon.call("GET", &format!("/api/v1/territories/{community}/activities.ics"), None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(cal.starts_with("BEGIN:VCALENDAR\r\n") && cal.contains("SUMMARY:牟邻集市"), "{cal}");
        let (s, _) = anon.call("GET", "/api/v1/territories/NOPE/activities.ics", None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // A venture project: applied by the community, approved by the subdistrict.
        let org = jiayuan_store::on_db!(state.store.raw_db(), |p| sqlx::query_scalar::<_, String>(
            "SELECT code FROM organisations WHERE kind = 'social_organisation' ORDER BY code LIMIT 1"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        let project = json!({"organisation": org, "territory": community, "title": "银龄互助", "budget_fen": 3000000});
        let zero = json!({"organisation": org, "territory": community, "title": "银龄互助", "budget_fen": 0});
        let (s, e) = c1.call("POST", "/api/v1/venture-projects", Some(&zero.to_string())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        assert_error(&parse(&e), "budget_fen");
        let (s, p) = c1.call("POST", "/api/v1/venture-projects", Some(&project.to_string())).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let pid = parse(&p)["id"].as_str().unwrap().to_string();
        let (s, _) = c1.call("POST", "/api/v1/venture-projects", Some(&project.to_string())).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _) =
            c1.call("POST", &format!("/api/v1/venture-projects/{pid}/status"), Some(r#"{"status": "approved"}"#)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "the community does not approve its own");
        let (s, p) = sd1
            .call("POST", &format!("/api/v1/venture-projects/{pid}/status"), Some(r#"{"status": "approved"}"#))
            .await;
        assert_eq!((s, parse(&p)["status"].clone()), (StatusCode::OK, json!("approved")), "{p}");
        let (s, list) = c1.json("/api/v1/venture-projects?status=approved").await;
        assert_eq!((s, list["total"].clone()), (StatusCode::OK, json!(1)));

        // A golden solution: submitted, scored twice, promoted, adopted once by another.
        let sol = json!({"territory": community, "org_name": "社区党委", "title": "小区运动会", "theme": "文体凝聚",
            "problem": "居民缺少交流的机会。", "method": "每年一届小区运动会，楼栋组队。", "results": "参与居民八百人。"});
        let (s, x) = c1.call("POST", "/api/v1/golden-solutions", Some(&sol.to_string())).await;
        assert_eq!(s, StatusCode::CREATED, "{x}");
        let sid = parse(&x)["id"].as_str().unwrap().to_string();
        let (_, rubric) = c1.json("/api/v1/golden-rubric").await;
        let full: serde_json::Map<String, Value> = rubric
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["code"].as_str().unwrap().to_string(), c["max_points"].clone()))
            .collect();
        let review = json!({"scores": full, "comment": "可推广"}).to_string();
        let (s, e) = sd1
            .call("POST", &format!("/api/v1/golden-solutions/{sid}/reviews"), Some(r#"{"scores": {"problem": 99}}"#))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "scores");
        let (s, _) = admin.call("POST", &format!("/api/v1/golden-solutions/{sid}/reviews"), Some(&review)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "the subdistrict first");
        let (s, _) = sd1.call("POST", &format!("/api/v1/golden-solutions/{sid}/reviews"), Some(&review)).await;
        assert_eq!(s, StatusCode::OK);
        let (s, x) = admin.call("POST", &format!("/api/v1/golden-solutions/{sid}/reviews"), Some(&review)).await;
        assert_eq!((s, parse(&x)["status"].clone()), (StatusCode::OK, json!("promoted")), "{x}");
        let (s, lib) = c2.json("/api/v1/golden-solutions?library=true&q=%E8%BF%90%E5%8A%A8").await;
        assert_eq!((s, lib["total"].clone()), (StatusCode::OK, json!(1)), "{lib}");
        let adopt = json!({"territory": other, "note": "明年春季举办"}).to_string();
        let (s, _) = c2.call("POST", &format!("/api/v1/golden-solutions/{sid}/adoptions"), Some(&adopt)).await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, _) = c2.call("POST", &format!("/api/v1/golden-solutions/{sid}/adoptions"), Some(&adopt)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, d) = c2.json(&format!("/api/v1/golden-solutions/{sid}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!((d["reviews"].as_array().unwrap().len(), d["adopted_by"].as_array().unwrap().len()), (2, 1));

        // The figures of the community this year, and in the territory statistics.
        let (s, f) = c1.json(&format!("/api/v1/life-figures?within={community}")).await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(
            (f["activities"].clone(), f["beneficiaries"].clone(), f["golden_solutions"].clone()),
            (json!(1), json!(420), json!(1))
        );
        let (s, e) = c1.json("/api/v1/life-figures?from=2026-12-31&to=2026-01-01").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&e, "from");
        let (s, _) = c1.json(&format!("/api/v1/life-figures?within={other}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "another community's figures are not the caller's");
    }
}

/// The same through the pages: a fair's report and stall with a mistake first (what was typed
/// is kept), a project applied and approved, a solution submitted, scored and adopted, and the
/// dashboard showing what it adds up to.
#[tokio::test]
async fn fairs_projects_and_solutions_through_the_pages() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let c1 = App::signed_in(state.clone(), "c1").await;
        let c2 = App::signed_in(state.clone(), "c2").await;
        let sd1 = App::signed_in(state.clone(), "sd1").await;
        let admin = App::signed_in(state.clone(), "admin").await;
        let (_, me) = c1.json("/api/v1/auth/me").await;
        let community = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let fair = json!({"kind": "fair", "title": "牟邻集市", "organiser_kind": "community", "organiser_name": "社区党委",
            "territory": community, "starts_at": "2026-11-30T09:00", "ends_at": "2026-11-30T12:00"});
        let (_, a) = c1.call("POST", "/api/v1/activities", Some(&fair.to_string())).await;
        let id = parse(&a)["id"].as_str().unwrap().to_string();
        let page = c1.send("GET", &format!("/activities/{id}"), None).await;
        assert!(
            page.body.contains("action=\"/activities/{id}/stalls\"".replace("{id}", &id).as_str()),
            "a fair takes stalls"
        );
        let bad = post_form(
            &c1,
            &format!("/activities/{id}/stalls"),
            &[("kind", "extra"), ("name", ""), ("provider", "老兵志愿服务队"), ("served", "12")],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("老兵志愿服务队") && bad.body.contains("value=\"12\""), "typed input kept");
        let ok = post_form(
            &c1,
            &format!("/activities/{id}/stalls"),
            &[("kind", "extra"), ("name", "磨剪子"), ("provider", "老兵志愿服务队"), ("served", "12")],
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let bad = post_form(
            &c1,
            &format!("/activities/{id}/report"),
            &[("report", "集市很热闹"), ("unnamed_beneficiaries", "很多")],
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("集市很热闹") && bad.body.contains("很多"), "typed report kept");
        let ok = post_form(
            &c1,
            &format!("/activities/{id}/report"),
            &[("report", "集市很热闹"), ("unnamed_beneficiaries", "300")],
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let held = c1.send("GET", &format!("/activities/{id}"), None).await;
        assert!(held.body.contains("磨剪子") && held.body.contains("集市很热闹"));

        // A project: a budget that is not money is refused with the form kept.
        let orgs = state.store.social_organisations().await.unwrap();
        let org = orgs[0].0.clone();
        let mut fields = vec![
            ("organisation", org.as_str()),
            ("territory", community.as_str()),
            ("title", "银龄互助"),
            ("summary", "上门服务"),
            ("budget", "三万"),
        ];
        let bad = post_form(&c1, "/venture-projects", &fields).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("银龄互助") && bad.body.contains("三万"));
        fields[4] = ("budget", "30000");
        assert_eq!(post_form(&c1, "/venture-projects", &fields).await.status, StatusCode::SEE_OTHER);
        let list = sd1.send("GET", "/venture-projects", None).await;
        assert!(list.body.contains("银龄互助") && list.body.contains("¥30,000.00"), "the subdistrict sees it");
        let pid = state
            .store
            .projects_for(
                &state.store.principal_of(&state.store.user_by_name("sd1").await.unwrap()).await.unwrap(),
                &Default::default(),
                jiayuan_store::model::Page::new(None, None).unwrap(),
            )
            .await
            .unwrap()
            .items[0]
            .id;
        let ok = post_form(&sd1, &format!("/venture-projects/{pid}/status"), &[("status", "approved")]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);

        // A golden solution through its pages.
        let fields = [
            ("territory", community.as_str()),
            ("org_name", "社区党委"),
            ("title", "百家宴"),
            ("theme", "邻里互助"),
            ("problem", "邻里互不相识。"),
            ("method", "每季度一次百家宴。"),
            ("results", "x"),
        ];
        let bad = post_form(&c1, "/golden-solutions", &fields).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("每季度一次百家宴。"), "typed kept");
        let mut fields = fields.to_vec();
        fields[6] = ("results", "邻里纠纷下降三成。");
        let ok = post_form(&c1, "/golden-solutions", &fields).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let to = ok.headers["location"].to_str().unwrap().split('?').next().unwrap().to_string();
        let review = sd1.send("GET", &to, None).await;
        assert!(review.body.contains("name=\"score_problem\""), "the subdistrict gets the rubric");
        let scores = [
            ("score_problem", "18"),
            ("score_method", "22"),
            ("score_participation", "18"),
            ("score_results", "22"),
            ("score_replicable", "abc"),
        ];
        let bad = post_form(&sd1, &format!("{to}/review"), &scores).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("value=\"22\""), "typed scores kept");
        let mut scores = scores.to_vec();
        scores[4] = ("score_replicable", "9");
        assert_eq!(post_form(&sd1, &format!("{to}/review"), &scores).await.status, StatusCode::SEE_OTHER);
        assert_eq!(post_form(&admin, &format!("{to}/review"), &scores).await.status, StatusCode::SEE_OTHER);
        let lib = c2.send("GET", "/golden-solutions?theme=%E9%82%BB%E9%87%8C%E4%BA%92%E5%8A%A9", None).await;
        assert!(lib.body.contains("百家宴"), "in the library");
        let (_, me2) = c2.json("/api/v1/auth/me").await;
        let other = me2["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let ok = post_form(&c2, &format!("{to}/adopt"), &[("territory", other.as_str()), ("note", "借鉴")]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);

        // The dashboard of the community this year.
        let dash = c1.send("GET", "/life", None).await;
        assert_eq!(dash.status, StatusCode::OK);
        assert!(dash.body.contains("<svg") && dash.body.contains("邻里集市"), "charts and kinds");
        let bad = c1.send("GET", "/life?year=abc", None).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}
