//! The defences: CSRF, lockout, throttling, tokens, forced password change, cookies,
//! headers and size limits. On every backend.

mod common;

use axum::http::StatusCode;
use common::{states, App, DEMO_PASSWORD};
use serde_json::Value;

fn login_body(user: &str, password: &str) -> Option<(&'static str, String)> {
    Some(("application/json", format!(r#"{{"username":"{user}","password":"{password}"}}"#)))
}

#[tokio::test]
async fn state_changes_need_the_csrf_token_unless_a_bearer_token_is_used() {
    for (t, state) in states().await {
        let app = App::signed_in(state.clone(), "c1").await;
        let body = Some(("application/json", r#"{"name":"巡查App"}"#.to_string()));
        let no_token = App { csrf: None, ..app.clone() };
        let r = no_token.send("POST", "/api/v1/auth/tokens", body.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{} on {}", r.body, t.name);
        assert!(r.body.contains("\"csrf\""));
        let wrong = App { csrf: Some("csrf_forged".into()), ..app.clone() };
        assert_eq!(wrong.send("POST", "/api/v1/auth/tokens", body.clone()).await.status, StatusCode::FORBIDDEN);
        let r = app.send("POST", "/api/v1/auth/tokens", body.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let made: Value = serde_json::from_str(&r.body).unwrap();
        let token = made["token"].as_str().unwrap().to_string();

        // A form post carries the token in a field.
        let form = format!("csrf={}&name=form-token&expires=30d", app.csrf.clone().unwrap());
        let r = no_token.send("POST", "/account/tokens", Some(("application/x-www-form-urlencoded", form))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", &r.body[..r.body.len().min(200)]);
        assert!(r.body.contains("jyt_"), "the new token is shown once");

        // The bearer token works without cookie or CSRF, and stops when revoked.
        let bearer = App::anonymous(state.clone());
        let auth = format!("Bearer {token}");
        let r = bearer.send_with("GET", "/api/v1/people?page_size=1", None, &[("authorization", &auth)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let id = made["info"]["id"].as_str().unwrap();
        let r =
            bearer.send_with("DELETE", &format!("/api/v1/auth/tokens/{id}"), None, &[("authorization", &auth)]).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let fresh = App::anonymous(jiayuan_web::AppState::new(t.store.clone()));
        let r = fresh.send_with("GET", "/api/v1/people", None, &[("authorization", &auth)]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "revoked token refused");

        // The login form needs its pre-session token too.
        let anon = App::anonymous(state.clone());
        let r = anon
            .send(
                "POST",
                "/login",
                Some(("application/x-www-form-urlencoded", "username=c1&password=jiayuan-demo".into())),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // Sign-out ends the session.
        assert_eq!(app.send("POST", "/api/v1/auth/logout", None).await.status, StatusCode::NO_CONTENT);
        assert_eq!(app.json("/api/v1/people").await.0, StatusCode::UNAUTHORIZED);
        t.finish().await;
    }
}

#[tokio::test]
async fn lockout_after_five_failures_and_throttling_by_address() {
    for (t, state) in states().await {
        let anon = App::anonymous(state.clone());
        for _ in 0..4 {
            let r = anon.send("POST", "/api/v1/auth/login", login_body("pm1", "wrong-password")).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        }
        let r = anon.send("POST", "/api/v1/auth/login", login_body("pm1", "wrong-password")).await;
        assert_eq!(r.status, StatusCode::LOCKED, "{} on {}", r.body, t.name);
        let r = anon.send("POST", "/api/v1/auth/login", login_body("pm1", DEMO_PASSWORD)).await;
        assert_eq!(r.status, StatusCode::LOCKED, "the right password waits out the lock");
        // An unknown user fails the same way as a wrong password.
        let r = anon.send("POST", "/api/v1/auth/login", login_body("nobody", "whatever-it-is")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["error"]["code"], "bad_credentials");
        // Twenty failures from one address, whatever the usernames, and it must wait.
        for i in 0..20 {
            let _ = anon.send("POST", "/api/v1/auth/login", login_body(&format!("guess{i}"), "whatever-it-is")).await;
        }
        let r = anon.send("POST", "/api/v1/auth/login", login_body("c1", DEMO_PASSWORD)).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        // Bad bodies name the problem.
        let r = App::anonymous(jiayuan_web::AppState::new(t.store.clone()))
            .send("POST", "/api/v1/auth/login", Some(("application/json", "{}".into())))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_new_account_must_change_its_initial_password_first() {
    for (t, state) in states().await {
        let admin = App::signed_in(state.clone(), "c1").await;
        let body = r#"{"username":"li.wang","display_name":"李旺","password":"initial-pass-2026","role":"community_worker","scope":"370612001001"}"#;
        let (s, b) = admin.call("POST", "/api/v1/users", Some(body)).await;
        assert_eq!(s, StatusCode::CREATED, "{b} on {}", t.name);
        let anon = App::anonymous(state.clone());
        let r = anon.send("POST", "/api/v1/auth/login", login_body("li.wang", "initial-pass-2026")).await;
        assert_eq!(r.status, StatusCode::OK);
        let me: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(me["must_change_password"], true);
        let cookie = r.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        let user = App { cookie: Some(cookie), csrf: me["csrf_token"].as_str().map(str::to_string), ..anon };
        let (s, v) = user.json("/api/v1/people").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(v["error"]["code"], "password_change_required");
        let (s, _) = user
            .call(
                "POST",
                "/api/v1/auth/password",
                Some(r#"{"current_password":"wrong","new_password":"my-own-password-1"}"#),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, b) = user
            .call(
                "POST",
                "/api/v1/auth/password",
                Some(r#"{"current_password":"initial-pass-2026","new_password":"li.wang-password"}"#),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "contains the username: {b}");
        let (s, b) = user
            .call(
                "POST",
                "/api/v1/auth/password",
                Some(r#"{"current_password":"initial-pass-2026","new_password":"my-own-password-1"}"#),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
        assert_eq!(user.json("/api/v1/people?page_size=1").await.0, StatusCode::OK);
        t.finish().await;
    }
}

#[tokio::test]
async fn cookies_headers_and_limits() {
    for (t, state) in states().await {
        let anon = App::anonymous(state.clone());
        let r = anon.send("POST", "/api/v1/auth/login", login_body("admin", DEMO_PASSWORD)).await;
        let cookie = r.headers["set-cookie"].to_str().unwrap().to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"),
            "{cookie}"
        );
        // Behind a trusted proxy that says the request came over TLS, the cookie is Secure.
        let behind = jiayuan_web::AppState {
            trusted_proxies: std::sync::Arc::new(jiayuan_web::proxy::TrustedProxies::parse(&["10.0.0.0/8"]).unwrap()),
            ..state.clone()
        };
        let via_proxy = App { peer: Some("10.0.0.2:40000".parse().unwrap()), ..App::anonymous(behind) };
        let r = via_proxy
            .send_with(
                "POST",
                "/api/v1/auth/login",
                login_body("admin", DEMO_PASSWORD),
                &[("x-forwarded-proto", "https")],
            )
            .await;
        assert!(r.headers["set-cookie"].to_str().unwrap().contains("; Secure"), "Secure behind TLS");
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline")
        );
        assert_eq!(r.headers["x-content-type-options"], "nosniff");
        assert!(r.headers.contains_key("referrer-policy"));
        assert!(r.headers.contains_key("x-request-id"));
        let admin = App::signed_in(state.clone(), "admin").await;
        let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
        let r = admin.send("POST", "/api/v1/auth/tokens", Some(("application/json", big))).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{} on {}", &r.body[..r.body.len().min(100)], t.name);
        assert!(!r.body.to_lowercase().contains("sqlx"));
        t.finish().await;
    }
}
