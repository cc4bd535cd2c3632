//! The probe's findings of issue 9, one test each, on every backend: what an attacker or a
//! careless link could do before, and must not do now.

mod common;

use axum::http::StatusCode;
use common::{assert_error, states, App, DEMO_PASSWORD};
use jiayuan_web::AppState;
use serde_json::{json, Value};

fn login_body(user: &str, password: &str) -> Option<(&'static str, String)> {
    Some(("application/json", format!(r#"{{"username":"{user}","password":"{password}"}}"#)))
}

/// Whether a CSV holds a full (unmasked) ID number.
fn has_full_id(csv: &str) -> bool {
    csv.split([',', '\n']).any(|c| c.len() == 18 && c.chars().take(17).all(|d| d.is_ascii_digit()))
}

fn form(pairs: &[(&str, &str)]) -> Option<(&'static str, String)> {
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    Some(("application/x-www-form-urlencoded", body))
}

async fn bl1_building(app: &App) -> String {
    let (_, me) = app.json("/api/v1/auth/me").await;
    me["grants"][0]["territory_code"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_link_never_unmasks_an_export_only_a_post_with_a_reason_does() {
    for (t, state) in states().await {
        let c1 = App::signed_in(state.clone(), "c1").await;
        // The cross-site link of the probe: a GET with reveal=true and a reason.
        for uri in
            ["/people.csv?reveal=true&reason=核实低保材料", "/api/v1/people/export?reveal=true&reason=核实低保材料"]
        {
            let r = c1.send("GET", uri, None).await;
            assert_eq!(r.status, StatusCode::OK, "{uri} on {}", t.name);
            assert!(r.body.contains("***"), "masked: {uri}");
            assert!(!has_full_id(&r.body), "a GET unmasked numbers: {uri} on {}", t.name);
        }
        // A POST with the CSRF token and a reason reveals, and is audited as such.
        let body = json!({"reason": "核实低保申请材料"}).to_string();
        let r = c1.send("POST", "/api/v1/people/export", Some(("application/json", body.clone()))).await;
        assert_eq!(r.status, StatusCode::OK, "{} on {}", r.body, t.name);
        assert!(has_full_id(&r.body), "revealed by POST");
        // Without the CSRF token (a cross-site form) it is refused.
        let forged = App { csrf: None, ..c1.clone() };
        let r = forged.send("POST", "/api/v1/people/export", Some(("application/json", body.clone()))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = forged.send("POST", "/people.csv", form(&[("reason", "核实低保申请材料")])).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Without a reason: 400 naming it.
        let r = c1.send("POST", "/api/v1/people/export", Some(("application/json", "{}".into()))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&r.body).unwrap(), "reason");
        // The page's form: a mistake brings the people page back with the reason as typed and
        // the message beside it; the right reason downloads.
        let csrf = c1.csrf.clone().unwrap();
        let r = c1.send("POST", "/people.csv", form(&[("csrf", &csrf), ("reason", "核实"), ("q", "王")])).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "on {}", t.name);
        assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(r.body.contains("value=\"核实\""), "the typed reason is kept");
        assert!(r.body.contains("id=\"export-error\"") && r.body.contains("4–200"), "the message is shown");
        assert!(r.body.contains("value=\"王\""), "the search is kept");
        let r = c1.send("POST", "/people.csv", form(&[("csrf", &csrf), ("reason", "核实低保申请材料")])).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(has_full_id(&r.body));
        // A role that may not reveal gets 403 from the POST.
        let cs1 = App::signed_in(state.clone(), "cs1").await;
        let r = cs1.send("POST", "/api/v1/people/export", Some(("application/json", body))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let admin = App::signed_in(state.clone(), "admin").await;
        let (_, audit) = admin.json("/api/v1/audit?action=people.export_revealed").await;
        assert_eq!(audit["total"], 2, "two revealed exports audited on {}", t.name);
        t.finish().await;
    }
}

#[tokio::test]
async fn redirects_stay_on_this_site_and_never_fail() {
    for (t, state) in states().await {
        let anon = App::anonymous(state.clone());
        for back in
            ["/%09/evil.example", "%2F%2Fevil.example", "/%0A", "/x%0D%0ASet-Cookie:%20a=b", "https://evil.example"]
        {
            let r = anon.send("GET", &format!("/lang/en?back={back}"), None).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "back={back} on {}", t.name);
            assert_eq!(r.headers["location"], "/", "back={back}");
        }
        let r = anon.send("GET", "/lang/en?back=/people%3Fq%3D1", None).await;
        assert_eq!(r.headers["location"], "/people?q=1", "a local path is kept");

        // Signing in with a next that holds a newline: a session, and a redirect home.
        let login = anon.send("GET", "/login", None).await;
        let pre = login.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        let csrf = pre.split('=').nth(1).unwrap().to_string();
        let with_pre = App { cookie: Some(pre), ..anon.clone() };
        for next in ["/\nevil", "/\r\nSet-Cookie: a=b", "/\t/evil.example", "//evil.example"] {
            let r = with_pre
                .send(
                    "POST",
                    "/login",
                    form(&[("csrf", &csrf), ("username", "c1"), ("password", DEMO_PASSWORD), ("next", next)]),
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "next={next:?} on {}", t.name);
            assert_eq!(r.headers["location"], "/", "next={next:?}");
        }
        // A newline in a path segment that a handler redirects back to.
        let c1 = App::signed_in(state.clone(), "c1").await;
        let csrf = c1.csrf.clone().unwrap();
        let r = c1.send("POST", "/appeals/%0A/act", form(&[("csrf", &csrf), ("action", "comment")])).await;
        assert!(r.status.is_client_error() || r.status == StatusCode::SEE_OTHER, "{} on {}", r.status, t.name);
        if r.status == StatusCode::SEE_OTHER {
            assert!(!r.headers["location"].to_str().unwrap().contains('\n'));
        }
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_creations_of_one_key_give_one_201_and_409s() {
    for (t, state) in states().await {
        let admin = App::signed_in(state.clone(), "admin").await;
        let (_, me) = App::signed_in(state.clone(), "bl1").await.json("/api/v1/auth/me").await;
        let building = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        for round in 0..3 {
            let user = json!({"username": format!("twin{round}"), "display_name": "双胞胎", "password": "a-long-initial-password", "role": "building_leader", "scope": building}).to_string();
            let node = json!({"parent": "370612001001", "kind": "compound", "code": format!("370612001001-8{round}"), "name": "新小区"}).to_string();
            for (uri, body, field) in [("/api/v1/users", &user, "username"), ("/api/v1/territories", &node, "code")] {
                let calls = (0..4).map(|_| {
                    let (app, body) = (admin.clone(), body.clone());
                    tokio::spawn(async move { app.call("POST", uri, Some(&body)).await })
                });
                let mut results = Vec::new();
                for c in calls {
                    results.push(c.await.unwrap());
                }
                let created = results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
                assert_eq!(created, 1, "{uri} round {round} on {}: {results:?}", t.name);
                for (s, b) in results.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
                    assert_eq!(*s, StatusCode::CONFLICT, "{uri} on {}: {b}", t.name);
                    assert_error(&serde_json::from_str(b).unwrap(), field);
                }
            }
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn revoking_signing_out_and_disabling_take_effect_at_once_here() {
    for (t, state) in states().await {
        // A token, used once (so it is cached), revoked, and refused by the same process.
        let w1 = App::signed_in(state.clone(), "w1").await;
        let (_, made) = w1.call("POST", "/api/v1/auth/tokens", Some(r#"{"name":"巡查"}"#)).await;
        let made: Value = serde_json::from_str(&made).unwrap();
        let bearer = format!("Bearer {}", made["token"].as_str().unwrap());
        let anon = App::anonymous(state.clone());
        let header = [("authorization", bearer.as_str())];
        let use_token = || anon.send_with("GET", "/api/v1/auth/me", None, &header);
        assert_eq!(use_token().await.status, StatusCode::OK);
        let id = made["info"]["id"].as_str().unwrap();
        assert_eq!(w1.send("DELETE", &format!("/api/v1/auth/tokens/{id}"), None).await.status, StatusCode::NO_CONTENT);
        assert_eq!(use_token().await.status, StatusCode::UNAUTHORIZED, "revoked token on {}", t.name);

        // A session signed out.
        assert_eq!(w1.send("POST", "/api/v1/auth/logout", None).await.status, StatusCode::NO_CONTENT);
        assert_eq!(w1.json("/api/v1/auth/me").await.0, StatusCode::UNAUTHORIZED);

        // A disabled account, with a session and a token in use.
        let c1 = App::signed_in(state.clone(), "c1").await;
        let (_, made) = c1.call("POST", "/api/v1/auth/tokens", Some(r#"{"name":"x"}"#)).await;
        let token = serde_json::from_str::<Value>(&made).unwrap()["token"].as_str().unwrap().to_string();
        let c1_bearer = format!("Bearer {token}");
        let c1_header = [("authorization", c1_bearer.as_str())];
        let by_token = || anon.send_with("GET", "/api/v1/auth/me", None, &c1_header);
        assert_eq!(by_token().await.status, StatusCode::OK);
        assert_eq!(c1.json("/api/v1/auth/me").await.0, StatusCode::OK);
        let admin = App::signed_in(state.clone(), "admin").await;
        assert_eq!(admin.call("POST", "/api/v1/users/c1/disable", None).await.0, StatusCode::NO_CONTENT);
        assert_eq!(c1.json("/api/v1/auth/me").await.0, StatusCode::UNAUTHORIZED, "session on {}", t.name);
        assert_eq!(by_token().await.status, StatusCode::UNAUTHORIZED, "token of a disabled account");
        t.finish().await;
    }
}

#[tokio::test]
async fn an_unknown_username_answers_like_a_locked_one() {
    for (t, state) in states().await {
        let anon = App::anonymous(state.clone());
        let mut real = Vec::new();
        let mut unknown = Vec::new();
        for _ in 0..6 {
            real.push(anon.send("POST", "/api/v1/auth/login", login_body("pm1", "wrong-password")).await);
            unknown.push(anon.send("POST", "/api/v1/auth/login", login_body("nobody.here", "wrong-password")).await);
        }
        for (i, (a, b)) in real.iter().zip(&unknown).enumerate() {
            assert_eq!(a.status, b.status, "attempt {} on {}: {} vs {}", i + 1, t.name, a.body, b.body);
            let (va, vb): (Value, Value) =
                (serde_json::from_str(&a.body).unwrap(), serde_json::from_str(&b.body).unwrap());
            assert_eq!(va["error"]["code"], vb["error"]["code"]);
            assert_eq!(va["error"]["field"], vb["error"]["field"]);
        }
        assert_eq!(real[5].status, StatusCode::LOCKED);
        t.finish().await;
    }
}

#[tokio::test]
async fn hidden_characters_are_refused_and_wildcards_match_only_themselves() {
    for (t, state) in states().await {
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = bl1_building(&bl1).await;
        let ok = json!({"category": "neighbour.noise", "territory": building, "description": "楼上夜间噪音"});
        let (s, b) = bl1.call("POST", "/api/v1/appeals", Some(&ok.to_string())).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        for (field, text) in [("description", "付款给\u{202E}txt.exe"), ("title", "a\u{0}b"), ("address", "\u{2066}x")]
        {
            let mut body = ok.clone();
            body[field] = json!(text);
            let (s, b) = bl1.call("POST", "/api/v1/appeals", Some(&body.to_string())).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{field} on {}: {b}", t.name);
            assert_error(&serde_json::from_str(&b).unwrap(), field);
        }
        let (s, v) = bl1.json("/api/v1/people?q=%E2%80%AE").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&v, "q");
        // A page form gets a page, not JSON.
        let csrf = bl1.csrf.clone().unwrap();
        let r = bl1.send("POST", "/account/tokens", form(&[("csrf", &csrf), ("name", "x\u{202E}y")])).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/html"));

        let (_, all) = bl1.json("/api/v1/appeals").await;
        assert!(all["total"].as_i64().unwrap() > 0);
        for wild in ["%25", "_", "neighbour%25", "neighbou_.noise"] {
            let (s, v) = bl1.json(&format!("/api/v1/appeals?category={wild}")).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            assert_eq!(v["total"], 0, "category={wild} matched on {}", t.name);
        }
        let (_, v) = bl1.json("/api/v1/appeals?category=neighbour").await;
        assert!(v["total"].as_i64().unwrap() > 0, "a real prefix still matches");
        t.finish().await;
    }
}

#[tokio::test]
async fn every_client_error_has_the_json_shape() {
    for (t, state) in states().await {
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = bl1_building(&bl1).await;
        let body = json!({"category": "neighbour.noise", "territory": building, "description": "噪音"}).to_string();
        let (_, b) = bl1.call("POST", "/api/v1/appeals", Some(&body)).await;
        let id = serde_json::from_str::<Value>(&b).unwrap()["appeal"]["id"].as_str().unwrap().to_string();
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(9 * 1024 * 1024, 0);
        let cases = [
            bl1.send_bytes("POST", &format!("/api/v1/appeals/{id}/photos"), "image/png", big).await,
            bl1.send("PUT", "/api/v1/people", None).await,
            bl1.send("GET", "/api/v1/people?page=x", None).await,
            bl1.send("POST", "/api/v1/appeals", Some(("text/plain", "hello".into()))).await,
            bl1.send("GET", "/api/v1/no-such-thing", None).await,
        ];
        for r in cases {
            assert!(r.status.is_client_error(), "{} on {}", r.status, t.name);
            let v: Value = serde_json::from_str(&r.body)
                .unwrap_or_else(|_| panic!("{} answered without JSON on {}: {}", r.status, t.name, r.body));
            assert!(v["error"]["code"].is_string() && v["error"]["message"].is_string(), "{v}");
            assert!(v["error"].as_object().unwrap().contains_key("field"), "{v}");
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn photos_are_kept_beside_the_database_readable_by_the_server_only() {
    for (t, state) in states().await {
        assert_eq!(state.media_dir, t.store.media_dir(), "the default media folder");
        assert!(!state.media_dir.starts_with("/tmp/jiayuan-media"), "not the shared temp folder");
        if let Some(file) = t.url.strip_prefix("sqlite://") {
            assert_eq!(state.media_dir, std::path::PathBuf::from(format!("{file}.media")));
        }
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = bl1_building(&bl1).await;
        let body = json!({"category": "neighbour.noise", "territory": building, "description": "噪音"}).to_string();
        let (_, b) = bl1.call("POST", "/api/v1/appeals", Some(&body)).await;
        let id = serde_json::from_str::<Value>(&b).unwrap()["appeal"]["id"].as_str().unwrap().to_string();
        let png = b"\x89PNG\r\n\x1a\n0000IHDR".to_vec();
        let r = bl1.send_bytes("POST", &format!("/api/v1/appeals/{id}/photos"), "image/png", png).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let photo_id = serde_json::from_str::<Value>(&r.body).unwrap()["id"].as_str().unwrap().to_string();
        let path = state.media_dir.join("photos").join(photo_id);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "{path:?}");
        assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o077, 0);
        let _ = std::fs::remove_dir_all(&state.media_dir);
        t.finish().await;
    }
}

#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    for (t, state) in states().await {
        let state = AppState {
            trusted_proxies: std::sync::Arc::new(jiayuan_web::proxy::TrustedProxies::parse(&["10.0.0.0/8"]).unwrap()),
            ..state
        };
        let via_proxy = App { peer: Some("10.1.2.3:50000".parse().unwrap()), ..App::anonymous(state.clone()) };
        let stranger = App { peer: Some("198.51.100.7:50000".parse().unwrap()), ..App::anonymous(state.clone()) };
        let xff = [("x-forwarded-for", "203.0.113.9")];
        via_proxy.send_with("POST", "/api/v1/auth/login", login_body("oc1", "wrong-password"), &xff).await;
        stranger.send_with("POST", "/api/v1/auth/login", login_body("so1", "wrong-password"), &xff).await;
        let admin = App::signed_in(state.clone(), "admin").await;
        let (_, v) = admin.json("/api/v1/audit?action=auth.login&page_size=50").await;
        let ip_of = |who: &str| {
            v["items"].as_array().unwrap().iter().find(|e| e["object"] == format!("user:{who}")).unwrap()["ip"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(ip_of("oc1"), "203.0.113.9", "the client behind our proxy on {}", t.name);
        assert_eq!(ip_of("so1"), "198.51.100.7", "a stranger's header is ignored");
        // The throttle counts the real client: twenty failures behind the proxy block that
        // client, not the proxy's other clients.
        for i in 0..20 {
            via_proxy
                .send_with("POST", "/api/v1/auth/login", login_body(&format!("g{i}"), "wrong-password"), &xff)
                .await;
        }
        let r = via_proxy.send_with("POST", "/api/v1/auth/login", login_body("c1", DEMO_PASSWORD), &xff).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        let other = [("x-forwarded-for", "203.0.113.10")];
        let r = via_proxy.send_with("POST", "/api/v1/auth/login", login_body("c1", DEMO_PASSWORD), &other).await;
        assert_eq!(r.status, StatusCode::OK, "another client of the same proxy on {}", t.name);
        t.finish().await;
    }
}

#[tokio::test]
async fn an_anonymous_resident_leaves_no_readable_link_and_only_the_district_unseals_it() {
    for (t, state) in states().await {
        let r1 = App::signed_in(state.clone(), "r1").await;
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = bl1_building(&bl1).await;
        let body = json!({"category": "neighbour.noise", "territory": building, "description": "楼上装修噪音", "anonymous": true});
        let (s, b) = r1.call("POST", "/api/v1/appeals", Some(&body.to_string())).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let filed: Value = serde_json::from_str(&b).unwrap();
        assert!(filed["tracking_code"].is_string(), "the resident follows it by code");
        let id = filed["appeal"]["id"].as_str().unwrap().to_string();
        let number = filed["appeal"]["number"].as_str().unwrap().to_string();

        let admin = App::signed_in(state.clone(), "admin").await;
        let (_, d) = admin.json(&format!("/api/v1/appeals/{id}")).await;
        assert!(d["appeal"]["reporter"].is_null(), "{d}");
        assert!(!d["timeline"].as_array().unwrap().is_empty(), "filing is on the timeline");
        for e in d["timeline"].as_array().unwrap() {
            assert!(!e.to_string().contains("r1"), "the timeline names the filer: {e}");
        }
        // The audit log an ordinary auditor reads: no entry of this filing names r1 or its address.
        let c1 = App::signed_in(state.clone(), "c1").await;
        let (_, audit) = c1.json("/api/v1/audit?page_size=200").await;
        let filing: Vec<&Value> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["action"].as_str().unwrap().starts_with("appeal") && e["object"].to_string().contains(&number)
            })
            .collect();
        assert!(!filing.is_empty(), "the filing is audited on {}", t.name);
        for e in filing {
            assert_eq!(e["actor"], "匿名", "{e}");
            assert_eq!(e["ip"], "-", "{e}");
        }
        let (_, mine) = r1.json("/api/v1/appeals").await;
        assert!(!mine.to_string().contains(&id), "the account is not linked to it");

        // The district opens the seal with a reason; others may not; it is audited.
        let unseal = format!("/api/v1/appeals/{id}/reporter");
        let reason = json!({"reason": "公安机关依法调取"}).to_string();
        assert_eq!(c1.call("POST", &unseal, Some(&reason)).await.0, StatusCode::FORBIDDEN);
        let (s, v) = admin.call("POST", &unseal, Some("{}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&v).unwrap(), "reason");
        let (s, v) = admin.call("POST", &unseal, Some(&reason)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(serde_json::from_str::<Value>(&v).unwrap()["username"], "r1");
        let (_, audit) = admin.json("/api/v1/audit?action=appeal.unseal_reporter").await;
        assert_eq!(audit["total"], 1);
        t.finish().await;
    }
}

#[tokio::test]
async fn property_roles_see_no_reporter_no_sensitive_category_and_act_only_on_property() {
    for (t, state) in states().await {
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let w1 = App::signed_in(state.clone(), "w1").await;
        let building = bl1_building(&bl1).await;
        let file = |category: &str| {
            json!({"category": category, "territory": building, "description": "情况说明", "channel": "walk_in",
                   "reporter_name": "王秀英", "reporter_phone": "13812345678"})
            .to_string()
        };
        let mut ids = std::collections::HashMap::new();
        for c in ["family", "property.repair", "environment.rubbish"] {
            let (s, b) = w1.call("POST", "/api/v1/appeals", Some(&file(c))).await;
            assert_eq!(s, StatusCode::CREATED, "{c}: {b}");
            ids.insert(c, serde_json::from_str::<Value>(&b).unwrap()["appeal"]["id"].as_str().unwrap().to_string());
        }
        // Those who may see residents see the name and the masked phone.
        let (_, d) = w1.json(&format!("/api/v1/appeals/{}", ids["property.repair"])).await;
        assert_eq!(d["appeal"]["reporter"], "王秀英");
        assert_eq!(d["appeal"]["reporter_phone"], "138****5678");
        for who in ["pm1", "oc1"] {
            let app = App::signed_in(state.clone(), who).await;
            let (s, list) = app.json("/api/v1/appeals?page_size=200").await;
            assert_eq!(s, StatusCode::OK, "{who}: {list}");
            let text = list.to_string();
            assert!(!text.contains(&ids["family"]), "{who} sees a family dispute on {}", t.name);
            assert!(text.contains(&ids["property.repair"]), "{who} sees property appeals");
            assert!(!text.contains("王秀英") && !text.contains("5678"), "{who} sees the reporter: {text}");
            let (s, _) = app.json(&format!("/api/v1/appeals/{}", ids["family"])).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
            let (s, d) = app.json(&format!("/api/v1/appeals/{}", ids["environment.rubbish"])).await;
            assert_eq!(s, StatusCode::OK);
            let acts: Vec<&str> = d["actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
            // No action at all, not even a comment: they see it (it is in their area) but it
            // is not theirs to handle. (The property appeal below shows that they can act.)
            assert!(acts.is_empty(), "{who} may not act on a non-property appeal: {acts:?}");
        }
        let pm1 = App::signed_in(state.clone(), "pm1").await;
        let (_, d) = pm1.json(&format!("/api/v1/appeals/{}", ids["property.repair"])).await;
        let acts = d["actions"].to_string();
        assert!(acts.contains("start") || acts.contains("accept") || acts.contains("resolve"), "{acts}");
        let (_, queue) = pm1.json("/api/v1/appeals?mine=true").await;
        assert!(!queue.to_string().contains(&ids["environment.rubbish"]), "not in the property queue");
        t.finish().await;
    }
}

#[tokio::test]
async fn open311_places_points_keeps_words_audits_and_pages_the_public() {
    for (t, state) in states().await {
        let state = AppState {
            open311_public: std::sync::Arc::new(jiayuan_web::throttle::RateLimit::new(
                4,
                std::time::Duration::from_secs(60),
            )),
            ..state
        };
        let c1 = App::signed_in(state.clone(), "c1").await;
        let (_, b) = c1.call("POST", "/api/v1/auth/tokens", Some(r#"{"name":"311"}"#)).await;
        let key = serde_json::from_str::<Value>(&b).unwrap()["token"].as_str().unwrap().to_string();
        let community = "370612001001";
        let square = |x: f64, y: f64, d: f64| json!({"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]});
        // A mapped compound with a mapped building inside it.
        let compound = json!({"parent": community, "kind": "compound", "code": "370612001001-70", "name": "地图小区", "geometry": square(121.50, 37.40, 0.01)});
        let (s, b) = c1.call("POST", "/api/v1/territories", Some(&compound.to_string())).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let building = json!({"parent": "370612001001-70", "kind": "building", "code": "370612001001-70-01", "name": "1号楼", "geometry": square(121.501, 37.401, 0.002)});
        let (s, b) = c1.call("POST", "/api/v1/territories", Some(&building.to_string())).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let building_id = serde_json::from_str::<Value>(&b).unwrap()["id"].as_str().unwrap().to_string();

        let form = "application/x-www-form-urlencoded";
        let post = |extra: &str| {
            let body = format!(
                "api_key={key}&service_code=environment&description=%E8%B7%AF%E7%81%AF%E4%B8%8D%E4%BA%AE&{extra}"
            );
            c1.send("POST", "/open311/v2/requests.json", Some((form, body)))
        };
        let number = |r: &common::Reply| {
            serde_json::from_str::<Value>(&r.body).unwrap()[0]["service_request_id"].as_str().unwrap().to_string()
        };
        // Sydney is not in the district.
        let r = post("lat=-33.87&long=151.21").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{} on {}", r.body, t.name);
        assert!(r.body.contains("outside"), "{}", r.body);
        // A point in the building: placed there; the words are kept, never a reason to refuse.
        let r = post("lat=37.402&long=121.502&address_string=%E5%8C%97%E9%97%A8%E8%B7%AF%E7%81%AF").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let (_, d) = c1.json(&format!("/api/v1/appeals/{}", number(&r))).await;
        assert_eq!(d["appeal"]["territory_id"], building_id.as_str(), "{d}");
        assert_eq!(d["appeal"]["address"], "北门路灯");
        // In the compound but outside the building: the compound.
        let r = post("lat=37.408&long=121.508").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let (_, d) = c1.json(&format!("/api/v1/appeals/{}", number(&r))).await;
        assert!(d["appeal"]["location_path"].as_str().unwrap().ends_with("/70/"), "{d}");
        // address_id wins, and address_string that names no place is kept as words.
        let r = post(&format!(
            "address_id={community}&address_string=%E5%B0%8F%E5%8C%BA%E4%B8%9C%E4%BE%A7%E8%8D%89%E5%9D%AA"
        ))
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let (_, d) = c1.json(&format!("/api/v1/appeals/{}", number(&r))).await;
        assert_eq!(d["appeal"]["address"], "小区东侧草坪");

        // Audited with the key holder, the address and the request id.
        let (_, audit) = c1.json("/api/v1/audit?action=appeal.create&page_size=10").await;
        let e = &audit["items"][0];
        assert_eq!(e["actor"], "c1", "{audit}");
        assert!(!e["ip"].as_str().unwrap().is_empty() && !e["request_id"].as_str().unwrap().is_empty(), "{e}");

        // The public list: pages of at most 50, a few a minute per address. There are more
        // than 50 appeals, so the default page is full.
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let (_, me) = bl1.json("/api/v1/auth/me").await;
        let mine = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        for i in 0..52 {
            let body = json!({"category": "other", "territory": mine, "description": format!("第{i}件")}).to_string();
            assert_eq!(bl1.call("POST", "/api/v1/appeals", Some(&body)).await.0, StatusCode::CREATED);
        }
        let public = App::anonymous(state.clone());
        let (s, e) = public.json("/open311/v2/requests.json?page_size=51").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        let (s, list) = public.json("/open311/v2/requests.json").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 50, "a full default page on {}", t.name);
        for _ in 0..2 {
            public.json("/open311/v2/requests.json").await;
        }
        let (s, e) = public.json("/open311/v2/requests.json").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e} on {}", t.name);
        let (s, _) = public.json(&format!("/open311/v2/requests.json?api_key={key}")).await;
        assert_eq!(s, StatusCode::OK, "a key holder is not throttled");
        t.finish().await;
    }
}

#[tokio::test]
async fn a_merged_duplicate_counts_once_and_party_figures_agree_with_the_panel() {
    for (t, state) in states().await {
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = bl1_building(&bl1).await;
        let body =
            json!({"category": "neighbour.noise", "territory": building, "description": "楼上夜间噪音"}).to_string();
        let mut ids = Vec::new();
        for _ in 0..2 {
            let (s, b) = bl1.call("POST", "/api/v1/appeals", Some(&body)).await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
            let v: Value = serde_json::from_str(&b).unwrap();
            ids.push((
                v["appeal"]["id"].as_str().unwrap().to_string(),
                v["appeal"]["number"].as_str().unwrap().to_string(),
            ));
        }
        let act = |id: &str, body: Value| {
            let (app, uri) = (bl1.clone(), format!("/api/v1/appeals/{id}/actions"));
            async move { app.call("POST", &uri, Some(&body.to_string())).await }
        };
        assert_eq!(act(&ids[0].0, json!({"action": "accept", "version": 1})).await.0, StatusCode::OK);
        let (s, b) = act(&ids[1].0, json!({"action": "merge", "version": 1, "merge_into": ids[0].1})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(
            act(&ids[0].0, json!({"action": "resolve", "version": 2, "note": "已协调"})).await.0,
            StatusCode::OK
        );
        t.store.roll_up_all_appeals().await.unwrap();
        let (s, m) = bl1.json(&format!("/api/v1/appeals/measures?within={building}")).await;
        assert_eq!(s, StatusCode::OK, "{m}");
        assert_eq!(m["totals"]["received"], 1, "the duplicate counts once on {}: {m}", t.name);
        assert_eq!(m["totals"]["responded"], 1);
        assert_eq!(m["rates"][0]["value"].as_f64(), Some(1.0), "{}", m["rates"]);
        assert_eq!(m["rates"][1]["value"].as_f64(), Some(1.0), "{}", m["rates"]);

        // Party members: the territory's figure is the membership of its organisations.
        let admin = App::signed_in(state.clone(), "admin").await;
        for code in ["370612001001", "370612001001-01"] {
            let (s, d) = admin.json(&format!("/api/v1/territories/{code}")).await;
            assert_eq!(s, StatusCode::OK, "{d}");
            let panel = d["party_orgs"].as_array().unwrap().iter().map(|o| o["members"].as_i64().unwrap()).max();
            assert!(panel.is_some_and(|n| n > 0), "{code} has an organisation with members: {}", d["party_orgs"]);
            assert_eq!(Some(d["stats"]["party_members"].as_i64().unwrap()), panel, "{code} on {}", t.name);
        }
        t.finish().await;
    }
}
