//! The API and pages, in-process, on every backend the run can reach.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{apps, assert_error, App};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

#[tokio::test]
async fn people_list_is_paginated_filtered_and_masked() {
    for (t, app) in apps().await {
        let (s, v) = app.json("/api/v1/people?page_size=5&sort=name").await;
        assert_eq!(s, StatusCode::OK, "{}", t.name);
        assert_eq!(v["items"].as_array().unwrap().len(), 5);
        assert!(v["total"].as_i64().unwrap() > 5);
        for p in v["items"].as_array().unwrap() {
            let id = p["id_number"].as_str().unwrap();
            assert_eq!(id.len(), 18);
            assert_eq!(&id[3..14], "***********", "ID must be masked: {id}");
            if let Some(ph) = p["phone"].as_str() {
                assert_eq!(&ph[3..7], "****", "phone must be masked: {ph}");
            }
        }
        // Subtree filter: people of one community only.
        let (_, c) = app.json("/api/v1/people?within=370612001001&page_size=200").await;
        let (_, all) = app.json("/api/v1/people?page_size=1").await;
        assert!(c["total"].as_i64().unwrap() < all["total"].as_i64().unwrap());
        // Tag filter returns only tagged people.
        let (_, e) = app.json("/api/v1/people?tag=elderly&page_size=50").await;
        assert!(!e["items"].as_array().unwrap().is_empty(), "the demo has elderly residents");
        assert!(e["items"].as_array().unwrap().iter().all(|p| p["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "elderly")));
        // Detail.
        let id = v["items"][0]["id"].as_str().unwrap();
        let (s, d) = app.json(&format!("/api/v1/people/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(d["person"]["id"], id);
        assert!(d["address"].as_str().unwrap().contains("号楼"));
        assert!(!d["members"].as_array().unwrap().is_empty());
        t.finish().await;
    }
}

#[tokio::test]
async fn bad_input_is_named() {
    for (t, app) in apps().await {
        for (uri, field) in [
            ("/api/v1/people?page=0", "page"),
            ("/api/v1/people?page=abc", "page"),
            ("/api/v1/people?page_size=1000", "page_size"),
            ("/api/v1/people?sort=salary", "sort"),
            ("/api/v1/people?tag=alien", "tag"),
            ("/api/v1/territories?kind=planet", "kind"),
            ("/api/v1/people?page=1000001", "page"),
        ] {
            let (s, v) = app.json(uri).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{uri} on {}", t.name);
            assert_error(&v, field);
        }
        // A path id that is not an id names nothing: 404, like an id that does not exist.
        let (s, _) = app.json("/api/v1/people/not-a-uuid").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // An empty parameter is one not given.
        let (s, _) = app.json("/api/v1/people?page=&sort=&tag=").await;
        assert_eq!(s, StatusCode::OK);
        let (s, v) = app.json("/api/v1/people?within=999").await;
        assert_eq!(s, StatusCode::NOT_FOUND, "an unknown subtree looks like one outside the scope");
        assert_error(&v, "within");
        let (s, v) = app.json("/api/v1/people/01a193cf-5181-7d20-96e7-a17a37c18e9f").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(v["error"]["code"], "not_found");
        let (s, _) = app.json("/api/v1/nowhere").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        t.finish().await;
    }
}

#[tokio::test]
async fn territories_tree_detail_and_creation() {
    for (t, app) in apps().await {
        let (s, v) = app.json("/api/v1/territories?kind=building&within=370612001000&sort=code&page_size=10").await;
        assert_eq!(s, StatusCode::OK);
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), 10);
        assert!(items.iter().all(|b| b["kind"] == "building" && b["code"].as_str().unwrap().starts_with("370612001")));
        let codes: Vec<&str> = items.iter().map(|b| b["path"].as_str().unwrap()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);

        let (s, d) = app.json("/api/v1/territories/370612001001").await;
        assert_eq!(s, StatusCode::OK, "{}", t.name);
        assert_eq!(d["territory"]["kind"], "community");
        assert_eq!(d["ancestors"].as_array().unwrap().len(), 2);
        assert!(d["stats"]["compounds"].as_i64().unwrap() > 0);
        assert!(!d["party_orgs"].as_array().unwrap().is_empty());
        assert!(!d["grids"].as_array().unwrap().is_empty());
        assert!(d["grids"][0]["geometry"]["type"] == "Polygon");
        assert!(d["coverage"]["households_without_central_household"].is_i64());

        // Pinyin search on names.
        let (_, found) = app.json("/api/v1/territories?q=ninghai").await;
        assert!(found["items"].as_array().unwrap().iter().any(|x| x["name"] == "宁海街道"));

        // Creation: good, then the same code again, then a bad code.
        let body = r#"{"parent":"370612001001-01-01-1","kind":"dwelling","code":"370612001001-01-01-1-9901","name":"9901室","area_m2":"88.25","dwelling_use":"residential"}"#;
        let (s, b) = app.call("POST", "/api/v1/territories", Some(body)).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let created: Value = serde_json::from_str(&b).unwrap();
        assert_eq!(created["area_m2"], "88.25");
        let (s, b) = app.call("POST", "/api/v1/territories", Some(body)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        let (s, b) = app
            .call(
                "POST",
                "/api/v1/territories",
                Some(r#"{"parent":"370612001001","kind":"compound","code":"370612001002-77","name":"x"}"#),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&b).unwrap(), "code");
        let (s, b) = app.call("POST", "/api/v1/territories", Some(r#"{"parent":"370612001001","kind":"compound","code":"370612001001-77","name":"x","geometry":{"type":"Point","coordinates":[1,2]}}"#)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&b).unwrap(), "geometry");
        let (s, b) = app.call("POST", "/api/v1/territories", Some("{not json")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&b).unwrap(), "body");
        t.finish().await;
    }
}

#[tokio::test]
async fn stats_households_openapi_and_health() {
    for (t, app) in apps().await {
        let (s, st) = app.json("/api/v1/stats").await;
        assert_eq!(s, StatusCode::OK);
        for key in [
            "subdistricts",
            "communities",
            "compounds",
            "buildings",
            "dwellings",
            "households",
            "residents",
            "compound_branches",
            "building_groups",
            "central_households",
            "party_members",
            "social_organisations",
            "service_stations",
            "owner_votes",
            "property_decisions",
            "property_matters_by_branch",
            "council_topics",
            "council_topics_done",
            "service_categories",
            "service_items",
            "centre_services",
            "service_tickets",
            "matters_outside_hours",
            "consultations_outside_hours",
            "activities",
            "beneficiaries",
            "volunteer_hours",
            "venture_projects",
            "golden_solutions",
            "training_sessions",
            "trainees",
            "fund_income_fen",
            "fund_spent_fen",
            "grid_visits",
            "households_unvisited",
        ] {
            assert!(st[key].is_i64(), "missing {key}");
        }
        assert_eq!((st["service_categories"].clone(), st["service_items"].clone()), (4.into(), 43.into()));
        let (_, h) = app.json("/api/v1/households?page_size=3").await;
        let hid = h["items"][0]["id"].as_str().unwrap();
        let (s, hd) = app.json(&format!("/api/v1/households/{hid}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(hd["members"].as_array().unwrap().iter().any(|m| m["relation"] == "head"));
        let (s, doc) = app.json("/api/v1/openapi.json").await;
        assert_eq!(s, StatusCode::OK);
        for path in ["/api/v1/territories", "/api/v1/people", "/api/v1/people/{id}", "/api/v1/households"] {
            assert!(doc["paths"][path].is_object(), "openapi lacks {path}");
        }
        let (s, health) = app.json("/healthz").await;
        assert_eq!(s, StatusCode::OK, "{health}");
        assert_eq!(health["status"], "ok");
        assert_eq!(health["checks"]["database"], "ok");
        // With the database gone, the check that failed is named.
        let down = jiayuan_web::AppState::new(t.store.clone());
        down.store.close().await;
        let (s, health) = App::anonymous(down).json("/healthz").await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{health}");
        assert_eq!(health["failed"][0], "database");
        t.finish().await;
    }
}

#[tokio::test]
async fn organisations_and_alliances() {
    for (t, app) in apps().await {
        let (s, v) = app.json("/api/v1/organisations?kind=social_organisation&page_size=50").await;
        assert_eq!(s, StatusCode::OK, "{}", t.name);
        assert_eq!(v["total"], 3, "small demo has 3 social organisations");
        assert!(v["items"].as_array().unwrap().iter().all(|o| o["kind"] == "social_organisation"));
        let phone = v["items"][0]["contact_phone"].as_str().unwrap();
        assert_eq!(&phone[3..7], "****", "contact phone masked");
        // The community of some owners' committee: the filter keeps it and only its kind.
        let (_, any) = app.json("/api/v1/organisations?kind=owners_committee&page_size=1").await;
        let community =
            any["items"][0]["territory_code"].as_str().expect("the demo has an owners' committee")[..12].to_string();
        let (_, owners) =
            app.json(&format!("/api/v1/organisations?kind=owners_committee&within={community}&page_size=50")).await;
        let owners = owners["items"].as_array().unwrap();
        assert!(!owners.is_empty(), "{community} has an owners' committee");
        assert!(owners.iter().all(|o| o["territory_code"].as_str().unwrap().starts_with(&format!("{community}-"))));
        let (s, a) = app.json("/api/v1/alliances").await;
        assert_eq!(s, StatusCode::OK);
        let kinds: Vec<&str> = a.as_array().unwrap().iter().map(|x| x["kind"].as_str().unwrap()).collect();
        for k in ["regional_governance", "social_service", "adjacent_community"] {
            assert!(kinds.contains(&k), "no {k} alliance in {kinds:?}");
        }
        assert!(!a.as_array().unwrap().is_empty());
        assert!(a.as_array().unwrap().iter().all(|x| !x["members"].as_array().unwrap().is_empty()));
        let (_, local) = app.json("/api/v1/alliances?within=370612001002").await;
        assert!(!local.as_array().unwrap().is_empty(), "the community has its own alliance");
        assert!(local.as_array().unwrap().iter().all(|x| x["territory_code"] == "370612001002"));
        let (s, e) = app.json("/api/v1/alliances?kind=friendship").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&e, "kind");
        let (s, e) = app.json("/api/v1/organisations?sort=size").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&e, "sort");
        t.finish().await;
    }
}

#[tokio::test]
async fn pages_render_in_chinese_and_english_and_never_show_full_ids() {
    for (t, app) in apps().await {
        let (_, v) = app.json("/api/v1/people?page_size=1").await;
        let id = v["items"][0]["id"].as_str().unwrap();
        let everything = jiayuan_store::testing::everything();
        let full = t.store.person_detail(&everything, id.parse().unwrap()).await.unwrap().person.id_number;
        let (s, html) = app.call("GET", &format!("/people/{id}"), None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("身份证号"));
        assert!(!html.contains(&full), "full ID number leaked into the page");
        let (s, html) = app.call("GET", "/territories/370612001001?tab=grids", None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("<svg class=\"map\""), "grid map missing");
        let (s, html) = app.call("GET", "/territories/370612001001?tab=orgs", None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("覆盖缺口"));
        let cookie = format!("lang=en; {}", app.cookie.clone().unwrap());
        let req = Request::builder().uri("/people?q=wang").header("cookie", cookie).body(Body::empty()).unwrap();
        let res = app.router.clone().oneshot(req).await.unwrap();
        let html = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).to_string();
        assert!(html.contains("Residents") && html.contains("ID number"));
        let (s, html) = app.call("GET", "/people?page=abc", None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(html.contains("role=\"alert\""), "a bad page number shows a message");
        let (s, html) = app.call("GET", "/people/00000000-0000-0000-0000-000000000000", None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(html.contains("没有找到"));
        t.finish().await;
    }
}

/// The router's operations and the OpenAPI document's are the same set: a new route without
/// documentation (or documentation of a route that is gone) fails here.
#[test]
fn every_operation_is_documented_and_every_documented_one_exists() {
    let doc = jiayuan_web::openapi::document();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                documented.push((method.to_string(), path.clone()));
            }
        }
    }
    let mut routed: Vec<(String, String)> =
        jiayuan_web::API_ROUTES.iter().map(|(m, p)| (m.to_string(), format!("/api/v1{p}"))).collect();
    routed.push(("get".into(), "/healthz".into()));
    documented.sort();
    routed.sort();
    let missing: Vec<_> = routed.iter().filter(|r| !documented.contains(r)).collect();
    let stale: Vec<_> = documented.iter().filter(|d| !routed.contains(d)).collect();
    assert!(missing.is_empty(), "routes without documentation: {missing:?}");
    assert!(stale.is_empty(), "documented but not routed: {stale:?}");
    assert!(routed.len() >= 45, "{}", routed.len());
    // Both ways to sign in are described, and every signed-in operation says 401.
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["cookie"]["in"], "cookie");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|k| k.starts_with('2')), "{method} {path} has no success answer");
            if !["/healthz", "/api/v1/openapi.json", "/api/v1/auth/login"].contains(&path.as_str()) {
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            }
        }
    }
}
