//! Community life through the API on every backend: a community publishes an activity with
//! one place; a resident takes it and gets a check-in code, a neighbour registered by staff
//! waits and moves up when the resident cancels; the door checks the neighbour in once and
//! refuses a made-up code; bad input is named and nothing is written.

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
async fn an_activity_with_a_waiting_list_and_a_door_through_the_api() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let (c1, r1, anon) = (
            App::signed_in(state.clone(), "c1").await,
            App::signed_in(state.clone(), "r1").await,
            App::anonymous(state.clone()),
        );
        let (_, me) = c1.json("/api/v1/auth/me").await;
        let community = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let (s, kinds) = r1.json("/api/v1/activity-kinds").await;
        assert_eq!(s, StatusCode::OK);
        assert!(kinds.as_array().unwrap().iter().any(|k| k["code"] == "steward_training" && k["training"] == true));

        let body = |kind: &str, starts: &str, organiser: &str| {
            json!({"kind": kind, "title": "百家宴", "organiser_kind": organiser, "organiser_name": "社区党委",
                   "territory": community, "place": "中心广场", "starts_at": starts, "ends_at": "2026-12-05T12:00",
                   "capacity": 1})
            .to_string()
        };
        let count = || async {
            state
                .store
                .activities(&Default::default(), jiayuan_store::model::Page::new(None, None).unwrap())
                .await
                .unwrap()
                .total
        };
        let before = count().await;
        for (b, field) in [
            (body("moon", "2026-12-05T10:00", "community"), "kind"),
            (body("banquet", "5 December", "community"), "starts_at"),
            (body("banquet", "2026-12-05T10:00", "club"), "organiser_kind"),
            (body("banquet", "2026-12-05T13:00", "community"), "ends_at"),
        ] {
            let (s, e) = c1.call("POST", "/api/v1/activities", Some(&b)).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
            assert_error(&parse(&e), field);
        }
        // Residents do not publish; nothing was written by any refusal.
        let (s, _) =
            r1.call("POST", "/api/v1/activities", Some(&body("banquet", "2026-12-05T10:00", "community"))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(count().await, before);
        let (s, a) =
            c1.call("POST", "/api/v1/activities", Some(&body("banquet", "2026-12-05T10:00", "community"))).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        let a = parse(&a);
        let id = a["id"].as_str().unwrap().to_string();
        assert_eq!((a["places_left"].clone(), a["status"].clone()), (json!(1), json!("open")));

        // Everyone signed in sees it; nobody anonymous.
        let (s, list) = r1.json("/api/v1/activities?from=2026-12-01&to=2026-12-31").await;
        assert_eq!(s, StatusCode::OK);
        assert!(list["items"].as_array().unwrap().iter().any(|x| x["id"] == id.as_str()));
        let (s, e) = r1.json("/api/v1/activities?from=tomorrow").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&e, "from");
        assert_eq!(anon.json("/api/v1/activities").await.0, StatusCode::UNAUTHORIZED);

        // The resident takes the place and gets a code; a neighbour registered by staff waits.
        let (s, mine) = r1.call("POST", &format!("/api/v1/activities/{id}/registrations"), Some("{}")).await;
        assert_eq!(s, StatusCode::CREATED, "{mine}");
        let mine = parse(&mine);
        assert_eq!(mine["status"], "registered");
        assert!(mine["check_in_code"].as_str().is_some_and(|c| c.contains('.')));
        let (s, again) = r1.call("POST", &format!("/api/v1/activities/{id}/registrations"), Some("{}")).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error(&parse(&again), "activity");
        let (_, people) = c1.json(&format!("/api/v1/people?within={community}&page_size=5")).await;
        let r1_person = state.store.user_by_name("r1").await.unwrap().person_id.unwrap().to_string();
        let neighbour = people["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .find(|p| *p != r1_person)
            .unwrap();
        let (s, theirs) = c1
            .call(
                "POST",
                &format!("/api/v1/activities/{id}/registrations"),
                Some(&json!({"person_id": neighbour}).to_string()),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{theirs}");
        let theirs = parse(&theirs);
        assert_eq!((theirs["status"].clone(), theirs["waiting_place"].clone()), (json!("waitlisted"), json!(1)));
        assert_eq!(theirs["check_in_code"], Value::Null, "staff do not get a person's code");
        let (_, regs) = c1.json(&format!("/api/v1/activities/{id}/registrations")).await;
        assert_eq!(regs.as_array().unwrap().len(), 2);
        assert_eq!(r1.json(&format!("/api/v1/activities/{id}/registrations")).await.0, StatusCode::FORBIDDEN);

        // The resident cancels: the neighbour moves up.
        let mine_id = mine["id"].as_str().unwrap();
        let (s, c) = r1.call("POST", &format!("/api/v1/registrations/{mine_id}/cancel"), None).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        let c = parse(&c);
        assert_eq!(c["cancelled"]["status"], "cancelled");
        assert_eq!(c["moved_up"]["id"], theirs["id"]);
        assert_eq!(c["moved_up"]["status"], "registered");
        let (s, _) = r1.call("POST", &format!("/api/v1/registrations/{mine_id}/cancel"), None).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (_, my) = r1.json("/api/v1/registrations").await;
        assert_eq!(my[0]["status"], "cancelled");

        // At the door (half an hour before the start): the neighbour's code once; a made-up
        // code and a resident at the door refused.
        clock.set(at("2026-12-05T09:30:00+08:00"));
        let op = state.store.principal_of(&state.store.user_by_name("c1").await.unwrap()).await.unwrap();
        let reg = state.store.registration_for(&op, theirs["id"].as_str().unwrap().parse().unwrap()).await.unwrap();
        let code = state.store.check_in_code(&reg);
        let door = format!("/api/v1/activities/{id}/check-ins");
        let (s, e) = c1.call("POST", &door, Some(&json!({"code": "not-a-code"}).to_string())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "code");
        let (s, _) = r1.call("POST", &door, Some(&json!({"code": code}).to_string())).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, done) = c1.call("POST", &door, Some(&json!({"code": code}).to_string())).await;
        assert_eq!(s, StatusCode::OK, "{done}");
        assert_eq!(parse(&done)["activity"]["checked_in"], 1);
        let (s, e) = c1.call("POST", &door, Some(&json!({"code": code}).to_string())).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error(&parse(&e), "code");
    }
}

/// The pages: staff publish with a mistake first (everything typed comes back), a resident
/// registers from the phone page and sees their code, the door checks it in once.
#[tokio::test]
async fn an_activity_through_the_pages() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let (c1, r1) = (App::signed_in(state.clone(), "c1").await, App::signed_in(state.clone(), "r1").await);
        let page = c1.send("GET", "/activities", None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("name=\"starts_at\""), "staff see the publishing form");
        let (_, me) = c1.json("/api/v1/auth/me").await;
        let community = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let mut fields = vec![
            ("kind", "banquet"),
            ("title", "邻里百家宴"),
            ("description", "一起包饺子"),
            ("organiser_kind", "community"),
            ("organiser_name", "社区党委"),
            ("territory", community.as_str()),
            ("place", "中心广场"),
            ("starts_at", "2026-12-05T10:00"),
            ("ends_at", "2026-12-05T09:00"),
            ("capacity", "30"),
            ("weeks", "1"),
            ("public", "on"),
        ];
        let refused = post_form(&c1, "/activities", &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        for kept in ["邻里百家宴", "一起包饺子", "中心广场", "2026-12-05T09:00", "value=\"30\""] {
            assert!(refused.body.contains(kept), "{kept} kept");
        }
        fields[8] = ("ends_at", "2026-12-05T12:00");
        let done = post_form(&c1, "/activities", &fields).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let to = done.headers["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("/activities/") && to.ends_with("?done=published"), "{to}");
        let id = to.trim_start_matches("/activities/").split('?').next().unwrap().to_string();

        // The resident registers from the list's page and sees a QR code.
        let list = r1.send("GET", "/activities", None).await;
        assert!(list.body.contains(&format!("/activities/{id}")));
        assert!(!list.body.contains("name=\"starts_at\""), "residents do not publish");
        let reg = post_form(&r1, &format!("/activities/{id}/register"), &[]).await;
        assert_eq!(reg.status, StatusCode::SEE_OTHER);
        let mine = r1.send("GET", &format!("/activities/{id}"), None).await;
        assert!(mine.body.contains("<svg") && mine.body.contains("check-in-code"), "the code is shown");
        let code = mine.body.split("<code class=\"check-in-code\">").nth(1).unwrap().split('<').next().unwrap();
        let again = post_form(&r1, &format!("/activities/{id}/register"), &[]).await;
        assert_eq!(again.status, StatusCode::CONFLICT);

        // The door: a wrong code keeps what was typed; the right one checks in.
        clock.set(at("2026-12-05T09:45:00+08:00"));
        let door = format!("/activities/{id}/check-in");
        let wrong = post_form(&c1, &door, &[("code", "abc.def")]).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        assert!(wrong.body.contains("value=\"abc.def\""));
        let ok = post_form(&c1, &door, &[("code", code)]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let staff_view = c1.send("GET", &format!("/activities/{id}?done=checked_in"), None).await;
        assert!(staff_view.body.contains("签到成功"));
        let twice = post_form(&c1, &door, &[("code", code)]).await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
    }
}

/// Volunteers through the API: a team, a member, the resident's own hours awaiting the
/// organiser, refused to the volunteer, confirmed by the secretary, on the certificate.
#[tokio::test]
async fn volunteer_hours_through_the_api() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let (c1, r1, c2) = (
            App::signed_in(state.clone(), "c1").await,
            App::signed_in(state.clone(), "r1").await,
            App::signed_in(state.clone(), "c2").await,
        );
        let (_, me) = c1.json("/api/v1/auth/me").await;
        let community = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let (_, r1me) = r1.json("/api/v1/auth/me").await;
        let person = r1me["person_id"].as_str().unwrap().to_string();
        let team_body = json!({"name": "家事我办", "territory": community}).to_string();
        let (s, team) = c1.call("POST", "/api/v1/volunteer-teams", Some(&team_body)).await;
        assert_eq!(s, StatusCode::CREATED, "{team}");
        let team = parse(&team);
        let tid = team["id"].as_str().unwrap();
        let (s, e) = c1.call("POST", "/api/v1/volunteer-teams", Some(&team_body)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error(&parse(&e), "name");
        let member = json!({"person_id": person}).to_string();
        let (s, _) = r1.call("POST", &format!("/api/v1/volunteer-teams/{tid}/members"), Some(&member)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "a resident does not enrol people");
        let (s, m) = c1.call("POST", &format!("/api/v1/volunteer-teams/{tid}/members"), Some(&member)).await;
        assert_eq!(s, StatusCode::CREATED, "{m}");

        // The resident writes down 1.5 hours; bad hours and a future time are named.
        let rec = |hours: &str, when: &str| {
            json!({"team": tid, "content": "陪伴独居老人", "place": "3号楼", "served_at": when, "hours": hours})
                .to_string()
        };
        for (b, field) in [(rec("lots", "2026-11-29T09:00"), "hours"), (rec("1.5", "2026-12-29T09:00"), "served_at")] {
            let (s, e) = r1.call("POST", "/api/v1/volunteer-records", Some(&b)).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
            assert_error(&parse(&e), field);
        }
        let (s, r) = r1.call("POST", "/api/v1/volunteer-records", Some(&rec("1.5", "2026-11-29T09:00"))).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let r = parse(&r);
        assert_eq!((r["status"].clone(), r["hours"].clone()), (json!("recorded"), json!("1.5")));
        let rid = r["id"].as_str().unwrap();
        let decide = |status: &str| json!({"status": status}).to_string();
        let (s, _) =
            r1.call("POST", &format!("/api/v1/volunteer-records/{rid}/decision"), Some(&decide("confirmed"))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "not by the volunteer");
        let (s, _) =
            c2.call("POST", &format!("/api/v1/volunteer-records/{rid}/decision"), Some(&decide("confirmed"))).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "not by another community");
        let cert = format!("/api/v1/people/{person}/volunteer-certificate");
        let (_, c) = r1.json(&cert).await;
        assert_eq!(c["total_hours"], "0", "unconfirmed hours do not count");
        let (s, d) =
            c1.call("POST", &format!("/api/v1/volunteer-records/{rid}/decision"), Some(&decide("confirmed"))).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        let (s, _) =
            c1.call("POST", &format!("/api/v1/volunteer-records/{rid}/decision"), Some(&decide("rejected"))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "turning down needs a reason (checked before the state)");
        let (_, c) = r1.json(&cert).await;
        assert_eq!((c["total_hours"].clone(), c["records"].as_array().unwrap().len()), (json!("1.5"), 1));
        assert!(c["id_number"].as_str().unwrap().contains('*'));
        let (_, list) = c1.json(&format!("/api/v1/volunteer-records?team={tid}&status=confirmed")).await;
        assert_eq!(list["total"], 1);
        let (s, e) = c1.json("/api/v1/volunteer-records?team=nope").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&e, "team");
        let (_, teams) = r1.json(&format!("/api/v1/volunteer-teams?within={community}")).await;
        assert_eq!(teams[0]["confirmed_hours"], "1.5");
    }
}

/// Volunteers through the pages: the secretary sets up a team and enrols the resident found by
/// name; the resident writes down their hours (a mistake first: kept); the secretary confirms;
/// the certificate shows them.
#[tokio::test]
async fn volunteer_hours_through_the_pages() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let (c1, r1) = (App::signed_in(state.clone(), "c1").await, App::signed_in(state.clone(), "r1").await);
        let (_, me) = c1.json("/api/v1/auth/me").await;
        let community = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let made = post_form(&c1, "/volunteers/teams", &[("name", "家事我办"), ("territory", &community)]).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let team = made.headers["location"].to_str().unwrap().split('?').next().unwrap().to_string();
        let twice = post_form(&c1, "/volunteers/teams", &[("name", "家事我办"), ("territory", &community)]).await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert!(twice.body.contains("value=\"家事我办\""), "the name typed is kept");
        // Find the resident by name and enrol them.
        let (_, r1me) = r1.json("/api/v1/auth/me").await;
        let person = r1me["person_id"].as_str().unwrap().to_string();
        let (name, id_number) = person_of(&state, &person).await;
        let found = c1
            .send(
                "GET",
                &format!("{team}?who={}", form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()),
                None,
            )
            .await;
        assert!(found.body.contains(&format!("value=\"{person}\"")), "the resident is found by name");
        let enrolled = post_form(&c1, &format!("{team}/members"), &[("person_id", &person)]).await;
        assert_eq!(enrolled.status, StatusCode::SEE_OTHER, "{}", enrolled.body);
        // The resident's own record: bad hours first.
        let tid = team.trim_start_matches("/volunteers/teams/");
        let mut fields = vec![
            ("team", tid),
            ("content", "陪伴独居老人聊天"),
            ("place", "3号楼"),
            ("served_at", "2026-11-29T09:00"),
            ("hours", "two"),
        ];
        let bad = post_form(&r1, "/volunteers/records", &fields).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("陪伴独居老人聊天") && bad.body.contains("value=\"two\""));
        fields[4] = ("hours", "2");
        let ok = post_form(&r1, "/volunteers/records", &fields).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        // The secretary sees it waiting and confirms it.
        let page = c1.send("GET", "/volunteers", None).await;
        let rid = page.body.split("/volunteers/records/").nth(1).unwrap().split('/').next().unwrap().to_string();
        let done = post_form(&c1, &format!("/volunteers/records/{rid}/decision"), &[("status", "confirmed")]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let cert = r1.send("GET", &format!("/volunteers/certificate/{person}"), None).await;
        assert_eq!(cert.status, StatusCode::OK);
        assert!(cert.body.contains("<strong>2</strong>") && cert.body.contains("陪伴独居老人聊天"), "{}", cert.body);
        assert!(!cert.body.contains(&id_number), "the ID number is masked");
    }
}

async fn person_of(state: &AppState, person: &str) -> (String, String) {
    let op = jiayuan_store::access::Principal::operator();
    let scope = op.scope(jiayuan_domain::access::Permission::ViewPeople).unwrap();
    let d = state.store.person_detail(&scope, person.parse().unwrap()).await.unwrap();
    (d.person.name, d.person.id_number)
}
