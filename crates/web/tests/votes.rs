//! Owners' assembly votes through the API on every backend: announced by staff who run
//! votes, seen by them and by the owners in the electorate only, a ballot cast once (409 the
//! second time, a correction a new version), bad input named.

mod common;

use axum::http::StatusCode;
use common::{assert_error, states, App};
use serde_json::json;

#[tokio::test]
async fn an_owner_votes_through_the_api_and_the_count_follows() {
    for (t, state) in states().await {
        let c1 = App::signed_in(state.clone(), "c1").await;
        let r1 = App::signed_in(state.clone(), "r1").await;
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        // r1's compound: their dwelling's path, three levels up.
        let me = t.store.principal_of(&t.store.user_by_name("r1").await.unwrap()).await.unwrap();
        let dwelling = t.store.territory_by_code(&me.grants[0].territory_code).await.unwrap();
        let compound_path = jiayuan_store::appeals::path_prefixes(&dwelling.path)[3].clone();
        let compound = t.store.territory_code_at(&compound_path).await.unwrap();
        let at = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
        let body = |notice: i64, matter: u32| {
            json!({"compound": compound, "title": "关于续聘物业的表决", "matters": [{"matter": matter, "title": "续聘现物业服务企业"}],
                   "assembly_at": at(16), "closes_at": at(20), "notice_days": notice})
            .to_string()
        };
        let (s, e) = c1.call("POST", "/api/v1/votes", Some(&body(10, 4))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&e).unwrap(), "notice_days");
        let (s, e) = c1.call("POST", "/api/v1/votes", Some(&body(15, 10))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&e).unwrap(), "matters");
        let (s, _) = r1.call("POST", "/api/v1/votes", Some(&body(15, 4))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a resident runs no vote");

        let (s, v) = c1.call("POST", "/api/v1/votes", Some(&body(15, 4))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let v: serde_json::Value = serde_json::from_str(&v).unwrap();
        let id = v["id"].as_str().unwrap().to_string();
        assert_eq!(v["matters"][0]["tally"]["threshold"], "half");
        assert_eq!(v["matters"][0]["tally"]["participating"]["headcount"], 0);

        // Seen by the owners in the electorate, not by others.
        let (s, _) = bl1.json(&format!("/api/v1/votes/{id}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, mine) = r1.json(&format!("/api/v1/votes/{id}")).await;
        assert_eq!(s, StatusCode::OK, "r1 owns their home: {mine}");

        let ballot = |choice: &str, correction: bool| {
            json!({"matter": 1, "choice": choice, "correction": correction}).to_string()
        };
        let (s, b) = r1.call("POST", &format!("/api/v1/votes/{id}/ballots"), Some(&ballot("agree", false))).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, e) = r1.call("POST", &format!("/api/v1/votes/{id}/ballots"), Some(&ballot("oppose", false))).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert_error(&serde_json::from_str(&e).unwrap(), "ballot");
        let (s, b) = r1.call("POST", &format!("/api/v1/votes/{id}/ballots"), Some(&ballot("oppose", true))).await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&b).unwrap()["version"], 2);
        let (s, e) = r1.call("POST", &format!("/api/v1/votes/{id}/ballots"), Some(&ballot("maybe", false))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&e).unwrap(), "choice");
        // A paper ballot for someone outside the electorate.
        let paper = json!({"matter": 1, "choice": "agree", "voter": "nobody"}).to_string();
        let (s, e) = c1.call("POST", &format!("/api/v1/votes/{id}/ballots"), Some(&paper)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&e).unwrap(), "voter");

        // How an owner was served: staff only, once, with a proof.
        let me_id = me.person_id.unwrap().to_string();
        let served = json!({"voter": me_id, "how": "in_person", "served_at": chrono::Utc::now().to_rfc3339(), "proof": "签收单第3页"}).to_string();
        let (s, _) = r1.call("POST", &format!("/api/v1/votes/{id}/service"), Some(&served)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, e) = c1.call("POST", &format!("/api/v1/votes/{id}/service"), Some(&served)).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{e}");
        let (s, _) = c1.call("POST", &format!("/api/v1/votes/{id}/service"), Some(&served)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let odd = json!({"voter": me_id, "how": "pigeon", "served_at": "now", "proof": "x"}).to_string();
        let (s, e) = c1.call("POST", &format!("/api/v1/votes/{id}/service"), Some(&odd)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&e).unwrap(), "how");

        let (_, v) = c1.json(&format!("/api/v1/votes/{id}")).await;
        let tally = &v["matters"][0]["tally"];
        assert_eq!(tally["participating"]["headcount"], 1, "{v}");
        assert_eq!(tally["oppose"]["headcount"], 1, "the correction counts");
        assert_eq!(tally["quorum_met"], false);
        let (s, _) = c1.json("/api/v1/votes/not-a-uuid").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        t.finish().await;
    }
}
