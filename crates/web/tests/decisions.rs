//! Property decisions through the API and the pages on every backend: the branch proposes,
//! the three parties answer, the proposal goes to the assembly with its vote, and the closed
//! vote's count resolves it; refusals name the field and keep what was typed.

mod common;

use axum::http::StatusCode;
use common::{assert_error, post_form, states, App};
use serde_json::json;

#[tokio::test]
async fn a_decision_from_the_branch_through_the_three_parties_to_the_assembly() {
    for (t, state) in states().await {
        let clock = jiayuan_web::clock::AppClock::settable();
        let start = chrono::Utc::now();
        clock.set(start);
        let state = jiayuan_web::AppState { clock: clock.clone(), ..state };
        let [cs1, oc1, pm1, c1, c2] = ["cs1", "oc1", "pm1", "c1", "c2"].map(|u| (state.clone(), u));
        let (cs1, oc1, pm1, c1, c2) = (
            App::signed_in(cs1.0, cs1.1).await,
            App::signed_in(oc1.0, oc1.1).await,
            App::signed_in(pm1.0, pm1.1).await,
            App::signed_in(c1.0, c1.1).await,
            App::signed_in(c2.0, c2.1).await,
        );
        let (_, me) = cs1.json("/api/v1/auth/me").await;
        let compound = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let local = |days: i64| {
            jiayuan_domain::time::beijing(start + chrono::Duration::days(days)).format("%Y-%m-%dT%H:%M").to_string()
        };

        // The page refuses a meeting not yet held and keeps everything typed.
        let tomorrow = local(1);
        let typed = [
            ("compound", compound.as_str()),
            ("title", "更换3号楼电梯"),
            ("body", "使用维修资金更换3号楼两部电梯"),
            ("branch_meeting_at", tomorrow.as_str()),
            ("branch_meeting", "支部委员5人到会，一致同意"),
        ];
        let r = post_form(&cs1, "/decisions", &typed).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.body.contains("branch_meeting_at")
                && r.body.contains("使用维修资金更换3号楼两部电梯")
                && r.body.contains("支部委员5人到会")
        );
        let yesterday = local(-1);
        let mut ok = typed;
        ok[3] = ("branch_meeting_at", &yesterday);
        let r = post_form(&cs1, "/decisions", &ok).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let at = r.headers["location"].to_str().unwrap().to_string();
        let id = at.trim_start_matches("/decisions/").to_string();
        let api = format!("/api/v1/decisions/{id}");

        // Seen on the board of the community, not of a sibling.
        let (_, board) = c1.json("/api/v1/decisions").await;
        assert!(board.as_array().unwrap().iter().any(|c| c["id"] == id.as_str() && c["stage"] == "consultation"));
        let (_, other) = c2.json("/api/v1/decisions").await;
        assert!(other.as_array().unwrap().is_empty());
        assert_eq!(c2.json(&api).await.0, StatusCode::NOT_FOUND);
        let page = c1.send("GET", "/decisions", None).await;
        assert!(page.body.contains("更换3号楼电梯"));

        // Answers: someone of no party is refused; an objection needs a reason.
        let (s, e) = c1.call("POST", &format!("{api}/answers"), Some(r#"{"answer":"agree"}"#)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&e).unwrap(), "party");
        let r = post_form(&oc1, &format!("{at}/answer"), &[("answer", "object"), ("reason", "")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("reason:") && r.body.contains(r#"value="object" checked"#));
        let r = post_form(&oc1, &format!("{at}/answer"), &[("answer", "amend"), ("reason", "请先公示三家报价")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let (_, d) = cs1.json(&api).await;
        assert_eq!(d["stage"], "branch");
        let (s, _) = pm1.call("POST", &format!("{api}/answers"), Some(r#"{"answer":"agree"}"#)).await;
        assert_eq!(s, StatusCode::CONFLICT, "nothing to answer while it is with the branch");
        let (s, d) = cs1
            .call(
                "POST",
                &format!("{api}/revise"),
                Some(r#"{"body":"三家报价已公示，选定价格最低者","note":"按业委会意见修改"}"#),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        for app in [&cs1, &oc1, &pm1] {
            let (s, d) = app.call("POST", &format!("{api}/answers"), Some(r#"{"answer":"agree"}"#)).await;
            assert_eq!(s, StatusCode::OK, "{d}");
        }
        let (_, d) = c1.json(&api).await;
        assert_eq!(d["stage"], "assembly");
        assert_eq!(d["round"], 2);

        // To the assembly from the page: too little notice keeps the form; then the vote.
        let soon = local(5);
        let closes = local(20);
        let vote_form = |assembly: &str| {
            vec![
                ("sent".to_string(), "1".to_string()),
                ("title".into(), "更换3号楼电梯".into()),
                ("matter_1".into(), "5".into()),
                ("ask_1".into(), "使用维修资金更换3号楼电梯".into()),
                ("assembly_at".into(), assembly.to_string()),
                ("closes_at".into(), closes.clone()),
                ("multi_part_owner_once".into(), "1".into()),
                ("developer_as_one".into(), "1".into()),
            ]
        };
        let f = vote_form(&soon);
        let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = post_form(&cs1, &format!("{at}/assembly"), &fields).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("assembly_at") && r.body.contains("使用维修资金更换3号楼电梯"));
        let later = local(16);
        let f = vote_form(&later);
        let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = post_form(&cs1, &format!("{at}/assembly"), &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, d) = c1.json(&api).await;
        let vote = d["vote_id"].as_str().unwrap().to_string();

        // Every part agrees on paper; after the close the result is recorded.
        let (_, parts) = c1.json(&format!("/api/v1/votes/{vote}/parts")).await;
        for p in parts.as_array().unwrap() {
            let b = json!({"matter": 1, "choice": "agree", "part": p["part"]}).to_string();
            let (s, e) = c1.call("POST", &format!("/api/v1/votes/{vote}/ballots"), Some(&b)).await;
            assert!(s == StatusCode::CREATED || s == StatusCode::CONFLICT, "{e}");
        }
        let (s, _) = cs1.call("POST", &format!("{api}/settle"), None).await;
        assert_eq!(s, StatusCode::CONFLICT, "not before the close");
        clock.set(start + chrono::Duration::days(21));
        let r = post_form(&cs1, &format!("{at}/settle"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, d) = c1.json(&api).await;
        assert_eq!(d["stage"], "passed", "{d}");
        let page = c1.send("GET", &at, None).await;
        assert!(page.body.contains("决议通过") && page.body.contains("登记表决结果"));
        t.finish().await;
    }
}

/// A process defined by the administrator, without the assembly: chosen on the proposal
/// page (a refusal keeps the choice), answered only by its own parties, settled by them.
#[tokio::test]
async fn a_configured_process_is_chosen_on_the_page_and_settled_by_its_parties() {
    for (_t, state) in states().await {
        let [admin, cs1, oc1, pm1] = ["admin", "cs1", "oc1", "pm1"].map(|u| (state.clone(), u));
        let (admin, cs1, oc1, pm1) = (
            App::signed_in(admin.0, admin.1).await,
            App::signed_in(cs1.0, cs1.1).await,
            App::signed_in(oc1.0, oc1.1).await,
            App::signed_in(pm1.0, pm1.1).await,
        );
        let body = |key: &str, parties: serde_json::Value| {
            json!({"key": key, "name": "小额维修：支部与物业商定", "parties": parties, "assembly": false}).to_string()
        };
        let (s, e) = admin.call("POST", "/api/v1/decision-processes", Some(&body("Minor", json!(["branch"])))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&e).unwrap(), "key");
        let (s, e) = admin.call("POST", "/api/v1/decision-processes", Some(&body("minor", json!(["landlord"])))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&e).unwrap(), "parties");
        let (s, _) = cs1.call("POST", "/api/v1/decision-processes", Some(&body("minor", json!(["branch"])))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let two = json!(["property_company", "branch"]);
        let (s, p) = admin.call("POST", "/api/v1/decision-processes", Some(&body("minor", two.clone()))).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let p: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(p["stages"], json!(["branch", "consultation"]));
        let (s, _) = admin.call("POST", "/api/v1/decision-processes", Some(&body("minor", two))).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (_, all) = cs1.json("/api/v1/decision-processes").await;
        assert_eq!(all.as_array().unwrap().len(), 2);

        // The page offers both; a refused proposal keeps the process chosen.
        let page = cs1.send("GET", "/decisions/new", None).await;
        assert!(page.body.contains("value=\"minor\"") && page.body.contains("小额维修"), "{}", page.body);
        let (_, me) = cs1.json("/api/v1/auth/me").await;
        let compound = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let yesterday = jiayuan_domain::time::beijing(chrono::Utc::now() - chrono::Duration::days(1))
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        let mut fields = vec![
            ("compound", compound.as_str()),
            ("process", "minor"),
            ("title", ""),
            ("body", "更换1单元门禁"),
            ("branch_meeting_at", yesterday.as_str()),
            ("branch_meeting", "支部会议同意"),
        ];
        let r = post_form(&cs1, "/decisions", &fields).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains(r#"value="minor" checked"#), "the choice kept");
        fields[2] = ("title", "单元门禁维修");
        let r = post_form(&cs1, "/decisions", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let at = r.headers["location"].to_str().unwrap().to_string();
        let id = at.trim_start_matches("/decisions/").to_string();
        let (_, d) = cs1.json(&format!("/api/v1/decisions/{id}")).await;
        assert_eq!(d["process"]["key"], "minor");

        // The owners' committee is no party here; the two parties' agreement settles it.
        let page = oc1.send("GET", &at, None).await;
        assert!(!page.body.contains(&format!("{at}/answer\"")), "no answer form for a non-party");
        let r = post_form(&oc1, &format!("{at}/answer"), &[("answer", "agree"), ("reason", "")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("不参加"), "{}", r.body);
        let page = pm1.send("GET", &at, None).await;
        assert!(page.body.contains(&format!("{at}/answer\"")), "the property company answers here");
        for who in [&cs1, &pm1] {
            let r = post_form(who, &format!("{at}/answer"), &[("answer", "agree"), ("reason", "")]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let (_, d) = cs1.json(&format!("/api/v1/decisions/{id}")).await;
        assert_eq!(d["stage"], "passed", "{d}");
        let page = cs1.send("GET", &at, None).await;
        assert!(page.body.contains("小额维修：支部与物业商定"));
    }
}

/// The processes page: everyone on the board reads it; the administrator defines one there,
/// a refusal naming the field and keeping what was typed and ticked.
#[tokio::test]
async fn the_processes_page_lists_and_defines() {
    for (_t, state) in states().await {
        let admin = App::signed_in(state.clone(), "admin").await;
        let cs1 = App::signed_in(state.clone(), "cs1").await;
        let r = cs1.send("GET", "/decisions/processes", None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("<code>property</code>") && !r.body.contains("action=\"/decisions/processes\""));
        let r = admin.send("GET", "/decisions/processes", None).await;
        assert!(r.body.contains("action=\"/decisions/processes\""));
        let typed = [("key", "Bad Key"), ("name", "小额维修"), ("parties", "branch"), ("parties", "property_company")];
        let r = post_form(&admin, "/decisions/processes", &typed).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.body.contains("key:") && r.body.contains("value=\"Bad Key\"") && r.body.contains("value=\"小额维修\"")
        );
        assert!(r.body.contains(r#"value="property_company" checked"#));
        assert!(!r.body.contains(r#"value="owners_committee" checked"#), "an unticked party stays unticked");
        assert!(!r.body.contains(r#"name="assembly" value="1" checked"#), "the assembly box stays as it was");
        let r =
            post_form(&cs1, "/decisions/processes", &[("key", "minor"), ("name", "x"), ("parties", "branch")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let ok = [("key", "minor"), ("name", "小额维修"), ("parties", "branch"), ("parties", "property_company")];
        let r = post_form(&admin, "/decisions/processes", &ok).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = admin.send("GET", "/decisions/processes?done=defined", None).await;
        assert!(r.body.contains("<code>minor</code>") && r.body.contains("role=\"status\""));
        let (_, all) = cs1.json("/api/v1/decision-processes").await;
        let minor = all.as_array().unwrap().iter().find(|p| p["key"] == "minor").unwrap().clone();
        assert_eq!(
            (minor["assembly"].clone(), minor["parties"].clone()),
            (json!(false), json!(["branch", "property_company"]))
        );
    }
}
