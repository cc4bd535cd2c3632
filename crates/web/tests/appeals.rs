//! The appeals API end to end on every backend: filing, the queue, actions with versions,
//! photos, measures and the test clock.

mod common;

use axum::http::StatusCode;
use chrono::DateTime;
use common::{assert_error, states, App};
use jiayuan_web::clock::AppClock;
use jiayuan_web::AppState;
use serde_json::{json, Value};

async fn bl1_building(app: &App) -> String {
    let (_, me) = app.json("/api/v1/auth/me").await;
    me["grants"][0]["territory_code"].as_str().unwrap().to_string()
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn a_resident_files_the_building_group_handles_and_the_resident_rates() {
    for (t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let media = std::env::temp_dir().join(format!("jy-media-{}", uuid::Uuid::now_v7()));
        let state = AppState { clock: clock.clone(), media_dir: media.clone(), ..state };
        let r1 = App::signed_in(state.clone(), "r1").await;
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let c2 = App::signed_in(state.clone(), "c2").await;
        let admin = App::signed_in(state.clone(), "admin").await;
        let building = bl1_building(&bl1).await;

        let (s, cats) = r1.json("/api/v1/appeal-categories").await;
        assert_eq!(s, StatusCode::OK);
        assert!(cats["categories"].as_array().unwrap().iter().any(|c| c["code"] == "neighbour.noise"));

        let body =
            json!({"category": "neighbour.noise", "territory": building, "description": "楼上夜间噪音"}).to_string();
        let (s, b) = r1.call("POST", "/api/v1/appeals", Some(&body)).await;
        assert_eq!(s, StatusCode::CREATED, "{} {b}", t.name);
        let filed: Value = serde_json::from_str(&b).unwrap();
        let id = filed["appeal"]["id"].as_str().unwrap().to_string();
        assert_eq!(filed["appeal"]["handler_level"], "building");
        assert_eq!(filed["appeal"]["created_at"], "2026-11-30T10:00:00+08:00");
        assert!(filed["appeal"]["number"].is_string());

        // Bad input names the field.
        for (bad, field, status) in [
            (json!({"category": "nope", "territory": building, "description": "x"}), "category", 400),
            (json!({"category": "neighbour", "territory": "000", "description": "x"}), "territory", 400),
            (json!({"category": "neighbour", "territory": building, "description": ""}), "description", 400),
            (
                json!({"category": "neighbour", "territory": building, "description": "x", "urgency": "soon"}),
                "urgency",
                400,
            ),
            (
                json!({"category": "neighbour", "territory": building, "description": "x", "lat": 91.0, "long": 1.0}),
                "lat",
                400,
            ),
        ] {
            let (s, b) = r1.call("POST", "/api/v1/appeals", Some(&bad.to_string())).await;
            assert_eq!(s.as_u16(), status, "{bad} {b}");
            assert_error(&serde_json::from_str(&b).unwrap(), field);
        }

        // The building group leader's queue has it; another community does not see it.
        let (_, q) = bl1.json("/api/v1/appeals?mine=true&status=open").await;
        assert!(q["items"].as_array().unwrap().iter().any(|a| a["id"] == id.as_str()), "{q}");
        let (s, _) = c2.json(&format!("/api/v1/appeals/{id}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, d) = bl1.json(&format!("/api/v1/appeals/{id}")).await;
        assert!(d["actions"].as_array().unwrap().contains(&json!("accept")), "{d}");

        // Illegal transition and stale version: 409 naming the field.
        let (s, b) =
            bl1.call("POST", &format!("/api/v1/appeals/{id}/actions"), Some(r#"{"action":"close","version":1}"#)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        assert_error(&serde_json::from_str(&b).unwrap(), "action");
        let (s, b) = bl1
            .call("POST", &format!("/api/v1/appeals/{id}/actions"), Some(r#"{"action":"accept","version":1.0}"#))
            .await;
        assert_eq!(s, StatusCode::OK, "a whole number written as 1.0 is one: {b}");
        let (s, b) =
            bl1.call("POST", &format!("/api/v1/appeals/{id}/actions"), Some(r#"{"action":"start","version":1}"#)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error(&serde_json::from_str(&b).unwrap(), "version");
        let (s, b) =
            bl1.call("POST", &format!("/api/v1/appeals/{id}/actions"), Some(r#"{"action":"fly","version":2}"#)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&b).unwrap(), "action");
        let (s, _) =
            r1.call("POST", &format!("/api/v1/appeals/{id}/actions"), Some(r#"{"action":"start","version":2}"#)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "the reporter does not handle");

        // Photos: an image is kept and served to those who may see the appeal; other bytes are refused.
        let png = b"\x89PNG\r\n\x1a\n0000IHDR".to_vec();
        let r = bl1
            .send(
                "POST",
                &format!("/api/v1/appeals/{id}/photos"),
                Some(("image/png", String::from_utf8_lossy(&png).to_string())),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "lossy bytes are not a PNG any more: {}", r.body);
        let r =
            bl1.send("POST", &format!("/api/v1/appeals/{id}/photos"), Some(("image/png", "not an image".into()))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&r.body).unwrap(), "photo");
        let r = bl1.send_bytes("POST", &format!("/api/v1/appeals/{id}/photos"), "image/png", png.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let photo: Value = serde_json::from_str(&r.body).unwrap();
        let url = photo["url"].as_str().unwrap().to_string();
        let got = r1.send("GET", &url, None).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.headers["content-type"], "image/png");
        assert_eq!(c2.send("GET", &url, None).await.status, StatusCode::NOT_FOUND);

        // Resolve, the reporter rates.
        let (s, b) = bl1
            .call(
                "POST",
                &format!("/api/v1/appeals/{id}/actions"),
                Some(r#"{"action":"resolve","version":2,"note":"已协调"}"#),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, b) = r1
            .call(
                "POST",
                &format!("/api/v1/appeals/{id}/actions"),
                Some(r#"{"action":"rate","version":3,"rating":"satisfied"}"#),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let d: Value = serde_json::from_str(&b).unwrap();
        assert_eq!(d["appeal"]["rating"], "satisfied");

        // The test clock: an unaccepted appeal goes overdue and escalates.
        let (_, b) = r1.call("POST", "/api/v1/appeals", Some(&body)).await;
        let second: Value = serde_json::from_str(&b).unwrap();
        let sid = second["appeal"]["id"].as_str().unwrap().to_string();
        let (s, _) = bl1.call("POST", "/api/v1/clock", Some(r#"{"now":"2026-12-02T10:00:00+08:00"}"#)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "only administrators set the clock");
        let (s, b) = admin.call("POST", "/api/v1/clock", Some(r#"{"now":"2026-12-02"}"#)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        let (s, b) = admin.call("POST", "/api/v1/clock", Some(r#"{"now":"2026-12-02T10:00:00+08:00"}"#)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (_, d) = admin.json(&format!("/api/v1/appeals/{sid}")).await;
        assert_eq!(d["appeal"]["handler_level"], "compound", "{d}");
        assert_eq!(d["appeal"]["overdue"], true);

        // Measures over the period, with the formula beside each rate.
        let (s, m) = admin.json("/api/v1/appeals/measures?from=2026-11-01&to=2026-12-31").await;
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(m["totals"]["received"], 2, "{m}");
        assert_eq!(m["totals"]["settled_building"], 1);
        assert!(m["rates"][2]["formula_zh"].as_str().unwrap().contains("满意"));
        let (s, b) = admin.call("GET", "/api/v1/appeals/measures?from=2026-13-01", None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&b).unwrap(), "from");
        let (s, b) = c2.call("GET", &format!("/api/v1/appeals/measures?within={building}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
        let _ = std::fs::remove_dir_all(media);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_wall_clock_cannot_be_set() {
    for (t, state) in states().await {
        let admin = App::signed_in(state, "admin").await;
        let (s, b) = admin.call("POST", "/api/v1/clock", Some(r#"{"now":"2026-12-02T10:00:00+08:00"}"#)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{b}");
        t.finish().await;
    }
}

#[tokio::test]
async fn open311_georeport_v2() {
    for (t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock, ..state };
        let c1 = App::signed_in(state.clone(), "c1").await;
        let public = App::anonymous(state.clone());
        let (s, b) = c1.call("POST", "/api/v1/auth/tokens", Some(r#"{"name":"open311 client"}"#)).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let key = serde_json::from_str::<Value>(&b).unwrap()["token"].as_str().unwrap().to_string();
        let (_, me) = c1.json("/api/v1/auth/me").await;
        let community = me["grants"][0]["territory_code"].as_str().unwrap().to_string();

        // Discovery in both formats.
        let (s, d) = public.json("/open311/v2/discovery.json").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(d["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
        let x = public.send("GET", "/open311/v2/discovery.xml", None).await;
        assert_eq!(x.headers["content-type"], "text/xml; charset=utf-8");
        assert!(x.body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><discovery>"), "{}", x.body);
        assert!(x.body.contains("<formats><format>application/json</format>"), "{}", x.body);
        // Services: an array with string codes; a definition is an object.
        let (_, sv) = public.json("/open311/v2/services.json").await;
        let noise = sv.as_array().unwrap().iter().find(|s| s["service_code"] == "neighbour.noise").unwrap();
        assert_eq!((noise["metadata"].clone(), noise["type"].clone()), (json!(false), json!("realtime")));
        let (s, def) = public.json("/open311/v2/services/neighbour.noise.json").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(def, json!({"service_code": "neighbour.noise", "attributes": []}));
        let (s, e) = public.json("/open311/v2/services/nope.json").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(e[0]["code"], 404);
        assert_eq!(public.send("GET", "/open311/v2/services.html", None).await.status, StatusCode::NOT_FOUND);

        // POST: form-encoded, api_key required, a location required.
        let form = "application/x-www-form-urlencoded; charset=utf-8";
        let post = |body: String| public.send("POST", "/open311/v2/requests.json", Some((form, body)));
        let r = post(format!("service_code=neighbour.noise&address_id={community}&description=x")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = post(format!("api_key=bad&service_code=neighbour.noise&address_id={community}")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post(format!("api_key={key}&service_code=neighbour.noise")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "no location");
        let r = post(format!("api_key={key}&service_code=zzz&address_id={community}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = post(format!("api_key={key}&service_code=neighbour.noise&address_id={community}&attribute[X]=1")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = post(format!(
            "api_key={key}&service_code=neighbour.noise&lat=37.4&long=121.6&description=%E5%A4%9C%E9%97%B4%E5%99%AA%E9%9F%B3&first_name=%E4%B8%89&last_name=%E5%BC%A0"
        ))
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let created: Value = serde_json::from_str(&r.body).unwrap();
        let id = created[0]["service_request_id"].as_str().expect("a string id").to_string();
        assert!(created[0].get("token").is_none());
        // The key may come in the query too.
        let r = public
            .send(
                "POST",
                &format!("/open311/v2/requests.xml?api_key={key}"),
                Some((form, format!("service_code=other&address_id={community}"))),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("<service_requests><request>") && r.body.contains("<service_request_id>"),
            "{}",
            r.body
        );

        // GET: public fields without a key, everything in scope with it.
        let (s, list) = public.json("/open311/v2/requests.json").await;
        assert_eq!(s, StatusCode::OK);
        let mine = list.as_array().unwrap().iter().find(|r| r["service_request_id"] == id.as_str()).expect("listed");
        assert_eq!(mine["status"], "open");
        assert!(mine["description"].is_null(), "no description without a key");
        assert!(mine["requested_datetime"].as_str().unwrap().ends_with("+08:00"));
        let (_, one) = public.json(&format!("/open311/v2/requests/{id}.json?api_key={key}&extensions=true")).await;
        assert_eq!(one.as_array().unwrap().len(), 1);
        assert_eq!(one[0]["description"], "夜间噪音");
        assert_eq!(one[0]["extended_attributes"]["status_detail"], "new");
        let (s, _) = public.json("/open311/v2/requests/999999.json").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, f) = public.json(&format!("/open311/v2/requests.json?service_request_id={id}&status=closed")).await;
        assert_eq!(f.as_array().unwrap().len(), 1, "service_request_id overrides the other filters");
        let (_, closed) = public.json("/open311/v2/requests.json?status=closed").await;
        assert!(closed.as_array().unwrap().is_empty());
        let (s, e) = public.json("/open311/v2/requests.json?start_date=2026-11-01T00:00:00").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "a time without a zone");
        assert_eq!(e[0]["code"], 400);
        let (s, _) = public
            .json("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-11-01T00:00:00Z")
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "more than 90 days");
        let (s, _) = public
            .json("/open311/v2/requests.json?start_date=2026-11-01T00:00:00Z&end_date=2026-12-01T00:00:00%2B08:00")
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = public.json("/open311/v2/tokens/abc.json").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        t.finish().await;
    }
}

fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "jiayuanboundary7";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn appeal_pages_file_act_and_refuse_with_messages() {
    for (t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock, ..state };
        let r1 = App::signed_in(state.clone(), "r1").await;
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = bl1_building(&bl1).await;
        assert_eq!(r1.send("GET", "/report", None).await.status, StatusCode::OK);
        let csrf = r1.csrf.clone().unwrap();
        let (ct, body) =
            multipart(&[("territory", &building), ("category", "neighbour.noise"), ("description", "噪音")]);
        let r = r1.send_bytes("POST", &format!("/report?csrf={csrf}"), &ct, body.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", t.name);
        assert!(r.body.contains("已提交"), "{}", r.body);
        // Without the token in the query the upload is refused.
        let mut no_token = r1.clone();
        no_token.csrf = None;
        assert_eq!(no_token.send_bytes("POST", "/report", &ct, body).await.status, StatusCode::FORBIDDEN);
        let (ct, body) = multipart(&[("territory", &building), ("category", "nope"), ("description", "噪音")]);
        let r = r1.send_bytes("POST", &format!("/report?csrf={csrf}"), &ct, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("role=\"alert\"") && r.body.contains("category"), "{}", r.body);

        let q = bl1.send("GET", "/appeals", None).await;
        assert_eq!(q.status, StatusCode::OK);
        let queue = q.body.split("<ul class=\"queue\">").nth(1).expect("a queue list");
        let id = queue.split("href=\"/appeals/").nth(1).unwrap().split('"').next().unwrap().to_string();
        let page = bl1.send("GET", &format!("/appeals/{id}"), None).await;
        assert!(page.body.contains("<button>受理</button>"), "accept is a primary button: {}", page.body);
        assert!(!page.body.contains("name=\"rating\""), "staff never see the rating form");
        assert!(page.body.contains("还剩"), "a countdown to the acceptance deadline");
        // Times read as people read them: Beijing time to the minute, no offset, no UTC.
        assert!(!page.body.contains("+08:00") && !page.body.contains(" UTC"), "{}", page.body);
        assert!(page.body.contains("<time>2026-11-30 10:00</time>"), "the filing event at 10:00: {}", page.body);
        let form = "application/x-www-form-urlencoded";
        let r = bl1.send("POST", &format!("/appeals/{id}/act"), Some((form, "action=accept&version=7".into()))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.headers["location"].to_str().unwrap().contains("error=version"), "{:?}", r.headers["location"]);
        let r = bl1.send("POST", &format!("/appeals/{id}/act"), Some((form, "action=accept&version=1".into()))).await;
        assert!(r.headers["location"].to_str().unwrap().contains("done="));
        let so1 = App::signed_in(state.clone(), "so1").await;
        assert_eq!(so1.send("GET", "/appeals/dashboard", None).await.status, StatusCode::FORBIDDEN);
        let oc1 = App::signed_in(state.clone(), "oc1").await;
        assert_eq!(oc1.send("GET", "/appeals/dashboard", None).await.status, StatusCode::OK);
        assert_eq!(r1.send("GET", "/report/track?code=nothing", None).await.status, StatusCode::OK);
        t.finish().await;
    }
}

/// Issue 10's first finding: a refused report gave back an empty form and internal field
/// names. Now every input comes back, the message stands beside its field in words, and the
/// corrected form files without retyping anything else.
#[tokio::test]
async fn a_refused_report_keeps_what_was_typed_and_names_the_field_in_words() {
    for (t, state) in states().await {
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = bl1_building(&bl1).await;
        let community = building[..12].to_string();
        let mut anon = App::anonymous(state.clone());
        let page = anon.send("GET", &format!("/report?community={community}"), None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.name);
        // Nothing is chosen for the resident: the place and the kind start at 请选择.
        let form = page.body.split("enctype=\"multipart/form-data\"").nth(1).expect("the report form");
        assert_eq!(form.matches("<option value=\"\">请选择</option>").count(), 2, "{form}");
        let urgency_select = form.split("name=\"urgency\"").nth(1).unwrap().split("</select>").next().unwrap();
        let chosen = form.matches(" selected>").count() - urgency_select.matches(" selected>").count();
        assert_eq!(chosen, 0, "no place or kind preselected: {form}");
        let cookie = page.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        anon.cookie = Some(cookie);
        let csrf = page.body.split("/report?csrf=").nth(1).unwrap().split('"').next().unwrap().to_string();
        let typed = [
            ("community", community.as_str()),
            ("territory", building.as_str()),
            ("category", "neighbour.noise"),
            ("urgency", "urgent"),
            ("description", "楼上每晚十一点后装修 <噪音>"),
            ("address", "2单元 5楼"),
            ("name", "王女士"),
            ("phone", "1381234"),
        ];
        let (ct, body) = multipart(&typed);
        let r = anon.send_bytes("POST", &format!("/report?csrf={csrf}"), &ct, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        // Every input is back, escaped.
        assert!(r.body.contains("楼上每晚十一点后装修 &#60;噪音&#62;</textarea>"), "{}", r.body);
        for v in ["value=\"2单元 5楼\"", "value=\"王女士\"", "value=\"1381234\""] {
            assert!(r.body.contains(v), "{v} kept: {}", r.body);
        }
        assert!(r.body.contains(&format!("<option value=\"{building}\" selected>")), "place kept");
        assert!(r.body.contains("<option value=\"neighbour.noise\" selected>"), "category kept");
        assert!(r.body.contains("<option value=\"urgent\" selected>"), "urgency kept");
        // The message is beside the phone field, in words, without the API's field name.
        let beside = r.body.split("name=\"phone\"").nth(1).unwrap().split("</label>").next().unwrap();
        assert!(beside.contains("class=\"field-error\""), "{beside}");
        assert!(!r.body.contains("reporter_phone"), "no internal field name: {}", r.body);
        // Corrected: only the phone changes, and the report is filed.
        let fixed: Vec<(&str, &str)> =
            typed.iter().map(|(k, v)| if *k == "phone" { (*k, "13812345678") } else { (*k, *v) }).collect();
        let (ct, body) = multipart(&fixed);
        let r = anon.send_bytes("POST", &format!("/report?csrf={csrf}"), &ct, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("已提交"), "{}", r.body);
        assert!(!r.body.contains("楼上每晚十一点后装修"), "a filed report leaves an empty form");
        t.finish().await;
    }
}

/// Issue 10: a short tracking code, found however it is typed; the reporter sees their own
/// text and rating; a rating chosen from 请选择 and answered by a redirect that carries no
/// token; wrong codes from one address are limited.
#[tokio::test]
async fn a_short_tracking_code_follows_a_report_to_its_rating() {
    for (t, state) in states().await {
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = bl1_building(&bl1).await;
        let mut anon = App::anonymous(state.clone());
        let page = anon.send("GET", &format!("/report?community={}", &building[..12]), None).await;
        anon.cookie = Some(page.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string());
        let csrf = page.body.split("/report?csrf=").nth(1).unwrap().split('"').next().unwrap().to_string();
        let (ct, body) = multipart(&[
            ("territory", &building),
            ("category", "neighbour.noise"),
            ("description", "垃圾桶满了两天"),
            ("anonymous", "1"),
        ]);
        let r = anon.send_bytes("POST", &format!("/report?csrf={csrf}"), &ct, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let code = r.body.split("<code>").nth(1).unwrap().split("</code>").next().unwrap().to_string();
        assert_eq!(code.len(), 8, "{code}");
        assert!(code.bytes().all(|c| jiayuan_domain::appeal::tracking::ALPHABET.contains(&c)), "{code}");
        // Typed loosely: lower case, a dash, spaces.
        let loose = format!("{}-{}", code[..4].to_lowercase(), &code[4..]);
        let p = anon.send("GET", &format!("/report/track?code={loose}"), None).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("垃圾桶满了两天"), "the reporter's own text: {}", p.body);
        assert!(p.body.contains(&format!("name=\"code\" value=\"{code}\"")), "the code as written");
        assert!(!p.body.contains("name=\"stars\""), "nothing to rate yet");
        assert!(p.body.contains("aria-current=\"step\">已提交"), "the stepper at its first step");
        assert!(p.body.contains("class=\"qr\""), "a QR code of the tracking link");
        // Staff handle it; the reporter rates, choosing from 请选择.
        let number: String = p.body.split("<dd>").nth(1).unwrap().split("</dd>").next().unwrap().to_string();
        let (_, d) = bl1.json(&format!("/api/v1/appeals/{number}")).await;
        let id = d["appeal"]["id"].as_str().unwrap().to_string();
        for (action, version) in [("accept", 1), ("resolve", 2)] {
            let body = format!(r#"{{"action":"{action}","version":{version},"note":"已清运"}}"#);
            let (s, b) = bl1.call("POST", &format!("/api/v1/appeals/{id}/actions"), Some(&body)).await;
            assert_eq!(s, StatusCode::OK, "{action}: {b}");
        }
        let p = anon.send("GET", &format!("/report/track?code={code}"), None).await;
        let stars = p.body.split("class=\"stars\"").nth(1).expect("a rating form").split("</fieldset>").next().unwrap();
        assert_eq!(stars.matches("name=\"stars\"").count(), 5, "{stars}");
        assert!(!stars.contains("checked"), "nothing preselected: {stars}");
        assert!(p.body.contains("aria-current=\"step\">已办结"), "{}", p.body);
        let pre = anon.cookie.as_ref().unwrap().split('=').nth(1).unwrap().to_string();
        // Stars out of the scale are refused naming them; four stars and a comment count.
        let form = format!("csrf={pre}&code={code}&action=rate&version=3&stars=9");
        let r = anon.send("POST", "/report/track", Some(("application/x-www-form-urlencoded", form))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        let form = format!("csrf={pre}&code={code}&action=rate&version=3&stars=4&note=%E5%BE%88%E5%8F%8A%E6%97%B6");
        let r = anon.send("POST", "/report/track", Some(("application/x-www-form-urlencoded", form))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let to = r.headers["location"].to_str().unwrap().to_string();
        assert_eq!(to, format!("/report/track?code={code}&done=1"), "no token in the address");
        let p = anon.send("GET", &to, None).await;
        assert!(p.body.contains("★★★★☆</span> 满意 · <span translate=\"no\">很及时</span>"), "{}", p.body);
        assert!(
            p.body.contains("aria-current=\"step\">已评价") || p.body.contains("class=\"done\">已评价"),
            "{}",
            p.body
        );
        let (_, d) = bl1.json(&format!("/api/v1/appeals/{id}")).await;
        assert_eq!(d["appeal"]["rating"], "satisfied", "four stars count as satisfied");
        // Wrong codes from one address run out.
        let mut last = StatusCode::OK;
        for i in 0..25 {
            last = anon.send("GET", &format!("/report/track?code=2222222{}", i % 8 + 2), None).await.status;
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "{}", t.name);
        t.finish().await;
    }
}

/// Issue 10: staff file for a walk-in or phone caller on /report, with the caller's name,
/// phone and the channel; residents see no such fields.
#[tokio::test]
async fn staff_file_for_a_caller_on_the_report_page() {
    for (t, state) in states().await {
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = bl1_building(&bl1).await;
        let community = &building[..12];
        let r1 = App::signed_in(state.clone(), "r1").await;
        let page = r1.send("GET", &format!("/report?community={community}"), None).await;
        assert!(!page.body.contains("name=\"channel\""), "a resident files for themselves");
        let page = bl1.send("GET", &format!("/report?community={community}"), None).await;
        assert!(page.body.contains("name=\"channel\"") && page.body.contains("name=\"phone\""), "{}", page.body);
        let csrf = bl1.csrf.clone().unwrap();
        let fields = [
            ("community", community),
            ("territory", building.as_str()),
            ("category", "neighbour.noise"),
            ("description", "来电反映楼上噪音"),
            ("channel", "phone"),
            ("name", "赵大爷"),
            ("phone", "13912345678"),
        ];
        let (ct, body) = multipart(&fields);
        let r = bl1.send_bytes("POST", &format!("/report?csrf={csrf}"), &ct, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let number = r.body.split("class=\"number\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        let (_, d) = bl1.json(&format!("/api/v1/appeals/{number}")).await;
        assert_eq!(d["appeal"]["channel"], "phone", "{d}");
        assert_eq!(d["appeal"]["reporter"], "赵大爷", "{d}");
        t.finish().await;
    }
}

/// Issue 10: the place is picked on the community's map: every compound and building a link
/// that chooses it (the script does the same without leaving the page), the place chosen
/// highlighted with its compound filling the view, kept when the form comes back with a
/// mistake; a place of another community, or nonsense, chooses nothing.
#[tokio::test]
async fn the_report_page_picks_the_place_on_the_map() {
    for (t, state) in states().await {
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = bl1_building(&bl1).await;
        let community = &building[..12];
        let mut anon = App::anonymous(state.clone());
        let page = anon.send("GET", &format!("/report?community={community}"), None).await;
        assert_eq!(page.status, StatusCode::OK);
        let svg = page.body.split("<div class=\"pickmap\"").nth(1).expect("a map").split("</svg>").next().unwrap();
        let pick = format!("href=\"/report?community={community}&amp;place={building}#place\"");
        assert!(svg.contains(&pick), "the building is a link that chooses it: {svg}");
        assert!(!svg.contains("#f9ab00"), "nothing chosen yet");
        assert!(page.body.contains("viewBox=\"0.0 0.0 600.0 400.0\""), "the whole community");
        assert!(page.body.contains("name=\"territory\" id=\"place\""));
        let script = page.body.split("<script src=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        assert!(script.starts_with("/static/pick.") && script.ends_with(".js"), "{script}");
        let js = anon.send("GET", &script, None).await;
        assert_eq!(js.status, StatusCode::OK);
        assert!(js.headers["content-type"].to_str().unwrap().starts_with("text/javascript"));
        assert!(js.body.contains("data-compound"), "{}", js.body);

        // Without the script the link reloads the page with the place chosen and zoomed to.
        let chosen = anon.send("GET", &format!("/report?community={community}&place={building}"), None).await;
        assert!(chosen.body.contains(&format!("<option value=\"{building}\" selected>")), "{}", chosen.body);
        assert!(chosen.body.contains("#f9ab00"), "highlighted on the map");
        assert!(!chosen.body.contains("viewBox=\"0.0 0.0 600.0 400.0\""), "its compound fills the view");
        assert!(chosen.body.contains("<div class=\"pickmap zoomed\""), "with a way back to the whole community");
        let compound = &building[..15];
        let whole_compound = anon.send("GET", &format!("/report?community={community}&place={compound}"), None).await;
        assert!(whole_compound.body.contains(&format!("value=\"{compound}\" data-compound selected")));

        // Another community's place, or nonsense, chooses nothing.
        for odd in ["370612001002001001", "%3Cb%3E", ""] {
            let p = anon.send("GET", &format!("/report?community={community}&place={odd}"), None).await;
            assert_eq!(p.status, StatusCode::OK);
            assert!(!p.body.contains("#f9ab00"), "{odd}");
        }

        // A mistake in the form keeps the place, on the map too.
        anon.cookie = Some(page.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string());
        let csrf = page.body.split("/report?csrf=").nth(1).unwrap().split('"').next().unwrap().to_string();
        let (ct, body) = multipart(&[
            ("community", community),
            ("territory", &building),
            ("category", "neighbour.noise"),
            ("description", "楼下烧烤油烟大"),
            ("phone", "12"),
        ]);
        let r = anon.send_bytes("POST", &format!("/report?csrf={csrf}"), &ct, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains(&format!("<option value=\"{building}\" selected>")));
        assert!(r.body.contains("#f9ab00") && r.body.contains("楼下烧烤油烟大"));
        t.finish().await;
    }
}
