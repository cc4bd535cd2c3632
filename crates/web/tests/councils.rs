//! Councils through the API and the pages on every backend: a building leader sets up a
//! building meeting (一楼见), seats members, a resident's appeal is referred to it, a meeting
//! discusses it, its outcome is carried out and the appeal is resolved with the text; the
//! resident reads it all with residents' names masked. Refused forms keep what was typed.

mod common;

use axum::http::StatusCode;
use common::{assert_error, post_form, post_multipart, states, App};
use serde_json::{json, Value};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn parse(b: &str) -> Value {
    serde_json::from_str(b).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_council_settles_a_referred_appeal_through_api_and_pages() {
    for (_t, state) in states().await {
        let [bl1, r1, c2, pm1] = ["bl1", "r1", "c2", "pm1"].map(|u| (state.clone(), u));
        let (bl1, r1, c2, pm1) = (
            App::signed_in(bl1.0, bl1.1).await,
            App::signed_in(r1.0, r1.1).await,
            App::signed_in(c2.0, c2.1).await,
            App::signed_in(pm1.0, pm1.1).await,
        );
        let (_, me) = bl1.json("/api/v1/auth/me").await;
        let building = me["grants"][0]["territory_code"].as_str().unwrap().to_string();

        // The page refuses a council at a level its kind does not sit at, keeping the name.
        let typed = [("kind", "tripartite"), ("node", building.as_str()), ("name", "3号楼一楼见")];
        let r = post_form(&bl1, "/councils", &typed).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("kind:") && r.body.contains(r#"value="3号楼一楼见""#), "{}", r.body);
        let r = post_form(&bl1, "/councils", &[("kind", "building_meeting"), typed[1], typed[2]]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = r.headers["location"].to_str().unwrap().to_string();
        let id = page.trim_start_matches("/councils/").to_string();
        let api = format!("/api/v1/councils/{id}");
        let (s, e) = bl1
            .call(
                "POST",
                "/api/v1/councils",
                Some(&json!({"node": building, "kind": "building_meeting", "name": "3号楼一楼见"}).to_string()),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert_error(&parse(&e), "name");

        // Members through the API; a bad date names its field.
        let member = |name: &str, seat: &str, user: Option<&str>| {
            json!({"name": name, "seat": seat, "username": user, "term_from": "2026-01-01", "term_to": "2028-12-31"})
                .to_string()
        };
        let (s, e) = bl1
            .call("POST", &format!("{api}/members"), Some(&json!({"name": "李秀英", "seat": "resident_rep", "term_from": "2026-13-01", "term_to": "2028-12-31"}).to_string()))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "term_from");
        for (n, seat, user) in [
            ("王建国", "building_leader", Some("bl1")),
            ("李秀英", "resident_rep", None),
            ("周管家", "property_steward", None),
        ] {
            let (s, b) = bl1.call("POST", &format!("{api}/members"), Some(&member(n, seat, user))).await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
        }
        let (_, c) = bl1.json(&api).await;
        assert_eq!(c["members"].as_array().unwrap().len(), 3);
        assert!(c["runs"].as_bool().unwrap());

        // The resident sees the council over their home, the representative's name masked;
        // a worker of a sibling community does not see it at all.
        let (s, rc) = r1.json(&api).await;
        assert_eq!(s, StatusCode::OK, "{rc}");
        let names: Vec<&str> = rc["members"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"李**") && !names.contains(&"李秀英"), "{names:?}");
        assert!(!rc["runs"].as_bool().unwrap());
        assert_eq!(c2.json(&api).await.0, StatusCode::NOT_FOUND);
        let (_, list) = r1.json("/api/v1/councils").await;
        assert!(list.as_array().unwrap().iter().any(|x| x["id"] == id.as_str()));

        // The resident files an appeal; the building group accepts and refers it.
        let (s, b) = r1
            .call("POST", "/api/v1/appeals", Some(&json!({"category": "neighbour.noise", "territory": building, "description": "楼上每晚十二点后装修噪音"}).to_string()))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let appeal = parse(&b);
        let number = appeal["appeal"]["id"].as_str().unwrap().to_string();
        let refer = json!({"council": id}).to_string();
        let (s, e) = bl1.call("POST", &format!("/api/v1/appeals/{number}/referral"), Some(&refer)).await;
        assert_eq!(s, StatusCode::CONFLICT, "accept first: {e}");
        assert_error(&parse(&e), "appeal");
        let version = appeal["appeal"]["version"].as_i64().unwrap();
        let (s, b) = bl1
            .call(
                "POST",
                &format!("/api/v1/appeals/{number}/actions"),
                Some(&json!({"action": "accept", "version": version}).to_string()),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        // The appeal page offers the council to refer it to.
        let ap = bl1.send("GET", &format!("/appeals/{number}"), None).await;
        assert!(ap.body.contains(&format!("value=\"{id}\"")), "the referral form lists the council");
        let r = post_form(&bl1, &format!("/appeals/{number}/referral"), &[("council", &id), ("title", "")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let topic_page = r.headers["location"].to_str().unwrap().split('?').next().unwrap().to_string();
        let topic_id = topic_page.trim_start_matches("/topics/").to_string();
        let ap = bl1.send("GET", &format!("/appeals/{number}"), None).await;
        assert!(ap.body.contains(&format!("/topics/{topic_id}")), "the appeal page links the topic");
        let (s, _) = bl1.call("POST", &format!("/api/v1/appeals/{number}/referral"), Some(&refer)).await;
        assert_eq!(s, StatusCode::CONFLICT, "one council at a time");

        // A topic raised on the page by the member themselves; a missing title keeps the text.
        let r = post_form(
            &bl1,
            &format!("{page}/topics"),
            &[("kind", "livelihood"), ("title", ""), ("body", "楼道堆物影响通行")],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("title:") && r.body.contains("楼道堆物影响通行"), "{}", r.body);
        let r = post_form(
            &bl1,
            &format!("{page}/topics"),
            &[("kind", "livelihood"), ("title", "楼道堆物清理"), ("body", "楼道堆物影响通行")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let own_topic = r.headers["location"]
            .to_str()
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .trim_start_matches("/topics/")
            .to_string();

        // A meeting on the page: without members ticked it is refused with the minutes kept.
        let members: Vec<String> =
            c["members"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
        let held = jiayuan_domain::time::beijing(state.clock.now() - chrono::Duration::hours(1))
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        let base = vec![
            ("held_at", held.as_str()),
            ("place", "3号楼一楼大厅"),
            ("agenda", "夜间装修噪音；楼道堆物"),
            ("minutes", "到会3人，群众6人列席，议定装修限时。"),
            ("guests", "6"),
            ("topics", topic_id.as_str()),
            ("topics", own_topic.as_str()),
        ];
        let r = post_form(&bl1, &format!("{page}/meetings"), &base).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("attendees:") && r.body.contains("到会3人，群众6人列席"), "{}", r.body);
        assert!(r.body.contains(&format!(r#"value="{topic_id}" checked"#)), "ticked topics stay ticked");
        let mut full = base.clone();
        for m in &members {
            full.push(("attendees", m.as_str()));
        }
        let r = post_form(&bl1, &format!("{page}/meetings"), &full).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let meeting_page = r.headers["location"].to_str().unwrap().split('?').next().unwrap().to_string();
        let meeting_id = meeting_page.trim_start_matches("/council-meetings/").to_string();
        // A photo of the meeting, checked by its bytes; residents of the building see it.
        let bad = bl1
            .send_bytes(
                "POST",
                &format!("/api/v1/council-meetings/{meeting_id}/photos"),
                "image/png",
                b"not a png".to_vec(),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let r = post_multipart(
            &bl1,
            &format!("{meeting_page}/photos?csrf={}", bl1.csrf.clone().unwrap()),
            &[],
            Some(("photo", "image/png", PNG)),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, m) = r1.json(&format!("/api/v1/council-meetings/{meeting_id}")).await;
        assert_eq!(m["attendees"].as_array().unwrap().len(), 3);
        let photo = m["photos"][0].as_str().unwrap().to_string();
        assert_eq!(r1.send("GET", &photo, None).await.status, StatusCode::OK);
        assert_eq!(c2.send("GET", &photo, None).await.status, StatusCode::NOT_FOUND);
        let mp = r1.send("GET", &meeting_page, None).await;
        assert!(mp.body.contains("到会3人") && mp.body.contains("李**") && !mp.body.contains("李秀英"));

        // The outcome: decided through the API (a bad due refused), carried by the branch.
        let t_api = format!("/api/v1/topics/{topic_id}");
        let (s, e) =
            bl1.call("POST", &format!("{t_api}/outcomes"), Some(r#"{"decision":"装修限时","due_workdays":0}"#)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "due_workdays");
        let (s, e) =
            pm1.call("POST", &format!("{t_api}/outcomes"), Some(r#"{"decision":"装修限时","due_workdays":3}"#)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        let body = json!({"decision": "装修时间限于8:00至20:00，楼长巡查", "meeting": meeting_id, "due_workdays": 3})
            .to_string();
        let (s, t) = bl1.call("POST", &format!("{t_api}/outcomes"), Some(&body)).await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        let t = parse(&t);
        assert_eq!(t["status"], "decided");
        assert!(t["outcomes"][0]["carrier_is_branch"].as_bool().unwrap());
        let outcome = t["outcomes"][0]["id"].as_str().unwrap().to_string();

        // Progress on the page; the last, marked done, resolves the appeal with its text.
        let r = post_form(&bl1, &format!("{topic_page}/progress"), &[("outcome", &outcome), ("note", "")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r =
            post_form(&bl1, &format!("{topic_page}/progress"), &[("outcome", &outcome), ("note", "已张贴告示")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = post_form(
            &bl1,
            &format!("{topic_page}/progress"),
            &[("outcome", &outcome), ("note", "连续三晚巡查无噪音"), ("done", "1")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, t) = bl1.json(&t_api).await;
        assert_eq!(t["status"], "done");
        assert_eq!(t["outcomes"][0]["progress"].as_array().unwrap().len(), 2);
        let (_, a) = r1.json(&format!("/api/v1/appeals/{number}")).await;
        assert_eq!(a["appeal"]["status"], "resolved", "{a}");
        let last = a["timeline"].as_array().unwrap().last().unwrap().clone();
        assert!(last["note"].as_str().unwrap().contains("连续三晚巡查无噪音"), "{last}");

        // The resident reads the topic: no appeal number, the text of their appeal not shown.
        let (_, rt) = r1.json(&t_api).await;
        assert!(rt["appeal_number"].is_null() && rt["from_appeal"].as_bool().unwrap());
        assert_eq!(rt["body"], "");
        let tp = r1.send("GET", &topic_page, None).await;
        assert!(tp.body.contains("连续三晚巡查无噪音") && !tp.body.contains("/progress"), "read-only for residents");
        let (s, _) =
            r1.call("POST", &format!("/api/v1/council-outcomes/{outcome}/progress"), Some(r#"{"note":"x"}"#)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, topics) = r1.json(&format!("/api/v1/topics?council={id}")).await;
        assert_eq!(topics.as_array().unwrap().len(), 2);
        let (s, _) = r1.call("GET", "/api/v1/topics?status=", None).await;
        assert_eq!(s, StatusCode::OK, "an empty parameter counts as not given, as everywhere in the API");
        let (s, e) = r1.call("GET", "/api/v1/topics?status=nope", None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "status");

        // The document names the council's member shape apart from a household's (one name
        // for both made the household answers fail their schema).
        let (_, doc) = bl1.json("/api/v1/openapi.json").await;
        assert!(doc["components"]["schemas"]["CouncilMemberView"]["properties"]["seat"].is_object());
        assert!(doc["components"]["schemas"]["MemberView"]["properties"]["person_id"].is_object());

        // The pages: the list, the council, in Chinese with the nav entry.
        let list = bl1.send("GET", "/councils", None).await;
        assert!(list.body.contains("3号楼一楼见") && list.body.contains("议事会"));
        let cp = r1.send("GET", &page, None).await;
        assert!(cp.body.contains("楼道堆物清理") && !cp.body.contains("/meetings\""), "{}", cp.status);
        let (_, st) = bl1.json("/api/v1/stats").await;
        assert!(
            st["council_topics"].as_i64().unwrap() >= 2 && st["council_topics_done"].as_i64().unwrap() >= 1,
            "{st}"
        );
        // The appeals dashboard shows the same place's council figures for its period.
        let c1 = App::signed_in(state.clone(), "c1").await;
        let today = chrono::Utc::now().date_naive();
        let (from, to) = (today - chrono::Duration::days(3), today + chrono::Duration::days(1));
        let (_, st) = c1.json(&format!("/api/v1/stats?from={from}&to={to}")).await;
        let topics = st["council_topics"].as_i64().unwrap();
        assert!(topics >= 2, "{st}");
        let dash = c1.send("GET", &format!("/appeals/dashboard?period=custom&from={from}&to={to}"), None).await;
        assert_eq!(dash.status, StatusCode::OK);
        let card = dash.body.split("id=\"governance-h\"").nth(1).expect("the self-governance card");
        assert!(card.contains(&format!("<b>{topics}</b><span>议事会议题</span>")), "{card}");
    }
}
