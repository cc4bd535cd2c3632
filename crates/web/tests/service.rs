//! The service system through the API on every backend: the public catalogue and points, a
//! ticket with two missing materials told in one notice (and its PDF), completed after they
//! arrive, rated 不满意 by the resident and followed up to closed; an appointment booked
//! and a full slot refused; the roster's iCalendar feed; bad input named, nothing written.

mod common;

use axum::http::StatusCode;
use common::{assert_error, states, App};
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
async fn a_ticket_an_appointment_and_a_rating_through_the_api() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        // Monday 30 November 2026, 10:00 in Beijing.
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let [w1, r1, c2, anon] = ["w1", "r1", "c2", ""].map(|u| (state.clone(), u));
        let (w1, r1, c2, anon) = (
            App::signed_in(w1.0, w1.1).await,
            App::signed_in(r1.0, r1.1).await,
            App::signed_in(c2.0, c2.1).await,
            App::anonymous(anon.0),
        );
        let (_, me) = w1.json("/api/v1/auth/me").await;
        let community = me["grants"][0]["territory_code"].as_str().unwrap().to_string();
        let r1_person = state.store.user_by_name("r1").await.unwrap().person_id.map(|p| p.to_string());

        // The catalogue and the points are public.
        let (s, items) = anon.json("/api/v1/service-items").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(items.as_array().unwrap().len(), 43);
        let (_, centre) = anon.json("/api/v1/service-items?kind=centre").await;
        assert_eq!(centre.as_array().unwrap().len(), 61);
        let (_, social) = anon.json("/api/v1/service-items?category=SB").await;
        assert_eq!(social.as_array().unwrap().len(), 12);
        let (s, e) = anon.json("/api/v1/service-items?kind=moon").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&e, "kind");
        let (_, cats) = anon.json("/api/v1/service-categories").await;
        assert_eq!(cats.as_array().unwrap().iter().filter(|c| c["kind"] == "desk").count(), 4);
        let (s, points) = anon.json(&format!("/api/v1/service-points?within={community}")).await;
        assert_eq!(s, StatusCode::OK);
        let centre_point = points.as_array().unwrap().iter().find(|p| p["kind"] == "centre").unwrap().clone();
        assert_eq!(
            (centre_point["open_now"].clone(), centre_point["open_as"].clone()),
            (json!(true), json!("regular"))
        );
        let (_, night) = anon.json(&format!("/api/v1/service-points?within={community}&at=2026-11-30T21:00")).await;
        let c = night.as_array().unwrap().iter().find(|p| p["kind"] == "centre").unwrap();
        assert_eq!((c["open_now"].clone(), c["next_open"].clone()), (json!(false), json!("2026-12-01T08:30")));
        let point = centre_point["code"].as_str().unwrap().to_string();

        // A ticket with both materials of the senior card missing; bad input first.
        let body = |item: &str, provided: Value| {
            json!({"point": point, "item": item, "channel": "window", "applicant_name": "王秀英",
                   "applicant_phone": "13912345678", "provided": provided, "person_id": r1_person})
            .to_string()
        };
        for (item, provided, field, status) in [
            ("XX99", json!([]), "item", StatusCode::NOT_FOUND),
            ("MZ01", json!(["户口簿"]), "provided", StatusCode::BAD_REQUEST),
        ] {
            let (s, e) = w1.call("POST", "/api/v1/service-tickets", Some(&body(item, provided))).await;
            assert_eq!(s, status, "{e}");
            assert_error(&parse(&e), field);
        }
        let (s, e) = w1
            .call(
                "POST",
                "/api/v1/service-tickets",
                Some(&json!({"point": point, "item": "MZ01", "channel": "fax"}).to_string()),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "channel");
        let (s, e) = c2.call("POST", "/api/v1/service-tickets", Some(&body("MZ01", json!([])))).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "another community's secretary: {e}");
        let (_, list) = w1.json("/api/v1/service-tickets").await;
        assert_eq!(list["total"], 0, "nothing half-written");

        let (s, k) = w1.call("POST", "/api/v1/service-tickets", Some(&body("MZ01", json!([])))).await;
        assert_eq!(s, StatusCode::CREATED, "{k}");
        let k = parse(&k);
        let id = k["id"].as_str().unwrap().to_string();
        assert_eq!((k["status"].clone(), k["applicant_phone"].clone()), (json!("received"), json!("139****5678")));
        assert_eq!(k["due_at"], "2026-12-08T00:00:00+08:00");
        let step = |s: &str, extra: Value| {
            let mut b = json!({"step": s});
            b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            b.to_string()
        };
        let (s, e) =
            w1.call("POST", &format!("/api/v1/service-tickets/{id}/steps"), Some(&step("accept", json!({})))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "materials");
        let (s, k) =
            w1.call("POST", &format!("/api/v1/service-tickets/{id}/steps"), Some(&step("notify", json!({})))).await;
        assert_eq!(s, StatusCode::OK, "{k}");
        let k = parse(&k);
        assert_eq!(k["notices"][0]["missing"], json!(["居民身份证", "近期免冠一寸照片"]), "one notice lists both");
        assert_eq!(k["due_at"], Value::Null);
        let pdf = w1.send("GET", &format!("/api/v1/service-tickets/{id}/notice.pdf"), None).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(pdf.headers["content-type"], "application/pdf");
        assert!(pdf.bytes.starts_with(b"%PDF-") && pdf.bytes.len() > 1000);
        // The material names are in the PDF as UCS-2 codes (written as a hex string).
        let hex: String = "免冠".encode_utf16().map(|u| format!("{u:04X}")).collect();
        assert!(pdf.body.to_uppercase().contains(&hex), "{hex} not in the notice");
        let (s, _) = c2.call("GET", &format!("/api/v1/service-tickets/{id}/notice.pdf"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The materials arrive on Thursday; the clock ran 1 working day before the notice.
        clock.set(at("2026-12-03T15:00:00+08:00"));
        let (s, k) =
            w1.call("POST", &format!("/api/v1/service-tickets/{id}/steps"), Some(&step("supplement", json!({})))).await;
        assert_eq!(s, StatusCode::OK, "{k}");
        assert_eq!(parse(&k)["due_at"], "2026-12-11T00:00:00+08:00");
        let (s, e) = w1
            .call(
                "POST",
                &format!("/api/v1/service-tickets/{id}/hand-off"),
                Some(&json!({"to": "c2", "reason": "请协助"}).to_string()),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "to");
        for st in ["accept", "complete"] {
            let (s, k) =
                w1.call("POST", &format!("/api/v1/service-tickets/{id}/steps"), Some(&step(st, json!({})))).await;
            assert_eq!(s, StatusCode::OK, "{st}: {k}");
        }

        // The resident sees their ticket and rates it 不满意, once.
        let (s, mine) = r1.json("/api/v1/service-tickets").await;
        assert_eq!((s, mine["total"].clone()), (StatusCode::OK, json!(1)));
        let rate = json!({"ticket_id": id, "level": "dissatisfied", "comment": "排队太久"}).to_string();
        let (s, r) = r1.call("POST", "/api/v1/service-ratings", Some(&rate)).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let r = parse(&r);
        assert_eq!(
            (r["next_step"].clone(), r["follow_up_due"].clone()),
            (json!("revisit"), json!("2026-12-11T00:00:00+08:00"))
        );
        let (s, e) = r1.call("POST", "/api/v1/service-ratings", Some(&rate)).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error(&parse(&e), "rating");
        let rid = r["id"].as_str().unwrap();
        let (s, e) = w1
            .call(
                "POST",
                &format!("/api/v1/service-ratings/{rid}/follow-ups"),
                Some(&json!({"step": "feedback", "note": "已反馈"}).to_string()),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error(&parse(&e), "step");
        for (st, note) in
            [("revisit", "电话回访"), ("verify", "核实属实"), ("rectify", "增开窗口"), ("feedback", "已告知")]
        {
            let (s, r) = w1
                .call(
                    "POST",
                    &format!("/api/v1/service-ratings/{rid}/follow-ups"),
                    Some(&json!({"step": st, "note": note}).to_string()),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{st}: {r}");
        }
        let (_, k) = w1.json(&format!("/api/v1/service-tickets/{id}")).await;
        assert!(k["rating"]["follow_up_closed_at"].is_string());
        let (s, f) = w1.json("/api/v1/service-figures?from=2026-11-01&to=2026-12-31").await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!((f["figures"]["tickets_completed"].clone(), f["revisit_rate"].clone()), (json!(1), json!(100.0)));

        // An appointment at the centre; a slot taken by its capacity is refused.
        let hours = json!({"regular_hours": "08:30-12:00,13:30-17:30", "extended_hours": "", "staggered_hours": "",
                           "slot_minutes": 30, "slot_capacity": 1});
        let (s, e) = c2.call("POST", &format!("/api/v1/service-points/{point}/hours"), Some(&hours.to_string())).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        let c1 = App::signed_in(state.clone(), "c1").await;
        let (s, e) = c1.call("POST", &format!("/api/v1/service-points/{point}/hours"), Some(&hours.to_string())).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        let book = json!({"point": point, "item": "MZ01", "starts_at": "2026-12-04T09:00"}).to_string();
        let (s, b) = r1.call("POST", "/api/v1/appointments", Some(&book)).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, e) = c1
            .call(
                "POST",
                "/api/v1/appointments",
                Some(
                    &json!({"point": point, "item": "MZ01", "starts_at": "2026-12-04T09:00", "person_id": null})
                        .to_string(),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        let (_, slots) = anon.json(&format!("/api/v1/service-points/{point}/slots?day=2026-12-04")).await;
        let nine = slots.as_array().unwrap().iter().find(|x| x["starts_at"] == "2026-12-04T09:00").unwrap();
        assert_eq!(nine["left"], 0);
        let (s, e) = r1
            .call(
                "POST",
                "/api/v1/appointments",
                Some(&json!({"point": point, "item": "MZ01", "starts_at": "2026-12-04T20:00"}).to_string()),
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "starts_at");
        let (_, day) = c1.json(&format!("/api/v1/service-points/{point}/bookings?day=2026-12-04")).await;
        assert_eq!(day.as_array().unwrap().len(), 1);

        // The duty roster as a feed a phone calendar subscribes to, without signing in.
        let shift =
            json!({"starts_at": "2026-12-05T09:00", "ends_at": "2026-12-05T12:00", "staff": "w1", "note": "周六值班"});
        let (s, e) = c1.call("POST", &format!("/api/v1/service-points/{point}/roster"), Some(&shift.to_string())).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        let feed = anon.send("GET", &format!("/api/v1/service-points/{point}/roster.ics"), None).await;
        assert_eq!(feed.status, StatusCode::OK);
        assert!(feed.headers["content-type"].to_str().unwrap().starts_with("text/calendar"));
        let text = feed.body.clone();
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.contains("DTSTART:20261205T010000Z"), "{text}");
        let bad = json!({"starts_at": "2026-12-05 09:00", "ends_at": "2026-12-05T12:00", "staff": "w1"});
        let (s, e) = c1.call("POST", &format!("/api/v1/service-points/{point}/roster"), Some(&bad.to_string())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&parse(&e), "starts_at");
    }
}

#[tokio::test]
async fn service_pages_keep_what_was_typed_when_refused() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let w1 = App::signed_in(state.clone(), "w1").await;
        let c1 = App::signed_in(state.clone(), "c1").await;
        let anon = App::anonymous(state.clone());
        let (_, me) = w1.json("/api/v1/auth/me").await;
        let point = me["grants"][0]["territory_code"].as_str().unwrap().to_string();

        // Public pages answer without signing in; the desk does not.
        for path in [
            "/service/catalogue",
            "/service/catalogue?kind=centre",
            "/service/points",
            &format!("/service/points/{point}"),
        ] {
            let r = anon.send("GET", path, None).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
        }
        let r = anon.send("GET", "/service", None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "the desk needs a sign-in");

        // A bad phone: 400, the name, the ticked material and the note kept.
        let typed = [
            ("point", point.as_str()),
            ("item", "MZ01"),
            ("channel", "window"),
            ("provided", "居民身份证"),
            ("applicant_name", "王秀英"),
            ("applicant_phone", "12345"),
            ("note", "家属代办"),
        ];
        let r = common::post_form(&w1, "/service/tickets", &typed).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("applicant_phone"), "{}", r.body);
        assert!(r.body.contains(r#"value="王秀英""#) && r.body.contains("家属代办"), "typed kept");
        assert!(r.body.contains(r#"value="居民身份证" checked"#), "ticked kept");
        let (_, list) = w1.json("/api/v1/service-tickets").await;
        assert_eq!(list["total"], 0, "nothing written");

        // Bad hours: 400 naming the field, what was typed stays in the form.
        let r = common::post_form(
            &c1,
            &format!("/service/points/{point}/hours"),
            &[
                ("regular", "8点到12点"),
                ("extended", "17:30-19:00"),
                ("staggered", ""),
                ("slot_minutes", "30"),
                ("slot_capacity", "2"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("regular:") && r.body.contains(r#"value="8点到12点""#), "{}", r.body);
        // A grid worker who does not manage the point: 403 on the page.
        let r = common::post_form(
            &w1,
            &format!("/service/points/{point}/roster"),
            &[("starts_at", "2026-12-05T09:00"), ("ends_at", "2026-12-05T12:00"), ("staff", "w1")],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // A shift ending before it starts: refused, the times kept.
        let r = common::post_form(
            &c1,
            &format!("/service/points/{point}/roster"),
            &[("starts_at", "2026-12-05T12:00"), ("ends_at", "2026-12-05T09:00"), ("staff", "w1"), ("note", "周六")],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains(r#"value="2026-12-05T12:00""#) && r.body.contains(r#"value="周六""#), "{}", r.body);
    }
}

#[tokio::test]
async fn the_desk_pages_pick_a_resident_rate_a_consultation_and_edit_the_catalogue() {
    for (_t, state) in states().await {
        let clock = AppClock::settable();
        clock.set(at("2026-11-30T10:00:00+08:00"));
        let state = AppState { clock: clock.clone(), ..state };
        let w1 = App::signed_in(state.clone(), "w1").await;
        let c1 = App::signed_in(state.clone(), "c1").await;
        let admin = App::signed_in(state.clone(), "admin").await;
        let (_, me) = w1.json("/api/v1/auth/me").await;
        let point = me["grants"][0]["territory_code"].as_str().unwrap().to_string();

        // The applicant picker finds a registered resident by name, ID masked, and the
        // ticket is received for that person.
        let (s, people) = w1.json("/api/v1/people?page_size=1").await;
        assert_eq!(s, StatusCode::OK);
        let person = people["items"][0].clone();
        let (pid, name) = (person["id"].as_str().unwrap().to_string(), person["name"].as_str().unwrap().to_string());
        let who: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
        let r = w1.send("GET", &format!("/service/tickets/new?point={point}&item=MZ01&who={who}"), None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains(&format!(r#"value="{pid}""#)), "the resident is offered: {}", r.body);
        assert!(r.body.contains("****"), "the ID number is masked");
        let base = [("point", point.as_str()), ("item", "MZ01"), ("channel", "window"), ("who", name.as_str())];
        let mut bad = base.to_vec();
        bad.push(("person_id", "not-a-person"));
        let r = common::post_form(&w1, "/service/tickets", &bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("person_id"), "{}", r.body);
        assert!(r.body.contains(&format!(r#"value="{name}""#)), "the search is kept");
        let mut good = base.to_vec();
        good.push(("person_id", pid.as_str()));
        let r = common::post_form(&w1, "/service/tickets", &good).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, list) = w1.json("/api/v1/service-tickets").await;
        let ticket = list["items"][0]["id"].as_str().unwrap().to_string();
        let (_, ticket) = w1.json(&format!("/api/v1/service-tickets/{ticket}")).await;
        assert_eq!(ticket["person_id"], json!(pid), "{ticket}");
        assert_eq!(ticket["applicant_name"], json!(name));

        // A consultation is logged, then rated from the desk: a bad level is refused with
        // the comment kept; a good one shows as a chip; a second rating is a conflict.
        let r = common::post_form(
            &w1,
            "/service/consultations",
            &[
                ("point", &point),
                ("channel", "phone"),
                ("topic", "低保怎么申请"),
                ("answer", "带身份证户口本来中心"),
                ("person_name", "张大爷"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, consultations) = w1.json("/api/v1/consultations").await;
        let cid = consultations[0]["id"].as_str().unwrap().to_string();
        let rate = format!("/service/consultations/{cid}/rate");
        let r = common::post_form(&w1, &rate, &[("consultation", &cid), ("level", "moon"), ("comment", "讲得很清楚")])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("level") && r.body.contains(r#"value="讲得很清楚""#), "{}", r.body);
        let (_, ratings) = w1.json("/api/v1/service-ratings").await;
        let before = ratings.as_array().map_or(0, Vec::len);
        let fields = [("consultation", cid.as_str()), ("level", "very_satisfied"), ("comment", "讲得很清楚")];
        let r = common::post_form(&w1, &rate, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = w1.send("GET", "/service", None).await;
        assert!(!r.body.contains(&format!(r#"action="{rate}""#)), "rated: no form any more");
        let r = common::post_form(&w1, &rate, &fields).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        let (_, ratings) = w1.json("/api/v1/service-ratings").await;
        assert_eq!(ratings.as_array().map_or(0, Vec::len), before + 1, "one rating written");

        // A consultation rated 不满意 is followed up from the desk: out of order is refused
        // with the note kept, the four steps in order close it.
        let r = common::post_form(
            &w1,
            "/service/consultations",
            &[
                ("point", &point),
                ("channel", "window"),
                ("topic", "养老补贴"),
                ("answer", "请下周再来"),
                ("person_name", "李阿姨"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, consultations) = w1.json("/api/v1/consultations").await;
        let bad_one = consultations[0]["id"].as_str().unwrap().to_string();
        assert_ne!(bad_one, cid);
        let rated = [("consultation", bad_one.as_str()), ("level", "dissatisfied"), ("comment", "没说清楚要什么材料")];
        let r = common::post_form(&w1, &format!("/service/consultations/{bad_one}/rate"), &rated).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let follow = format!("/service/consultations/{bad_one}/follow-up");
        let r = w1.send("GET", "/service", None).await;
        assert!(
            r.body.contains(&format!(r#"action="{follow}""#)) && r.body.contains("没说清楚要什么材料"),
            "{}",
            r.body
        );
        let r = common::post_form(&w1, &follow, &[("follow", &bad_one), ("step", "verify"), ("note", "电话核实情况")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("step") && r.body.contains("电话核实情况"), "the note is kept");
        for step in ["revisit", "verify", "rectify", "feedback"] {
            let r = common::post_form(&w1, &follow, &[("follow", &bad_one), ("step", step), ("note", "已处理")]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{step}: {}", r.body);
        }
        let r = w1.send("GET", "/service", None).await;
        assert!(!r.body.contains(&format!(r#"action="{follow}""#)), "closed: off the list");

        // Those who manage the point switch an item off on its page; others may not.
        let items_of = |app: &App, point: String| {
            let app = app.clone();
            async move {
                let (_, items) = app.json(&format!("/api/v1/service-items?point={point}")).await;
                items.as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_string()).collect::<Vec<_>>()
            }
        };
        let offered = items_of(&c1, point.clone()).await;
        assert!(offered.contains(&"MZ01".to_string()));
        let r = c1.send("GET", &format!("/service/points/{point}"), None).await;
        assert!(r.body.contains(r#"name="offered" value="MZ01" checked"#), "{}", r.body);
        let keep: Vec<(&str, &str)> =
            offered.iter().filter(|c| *c != "MZ01").map(|c| ("offered", c.as_str())).collect();
        let mut bad = keep.clone();
        bad.extend([("offered", "ZZ99"), ("offer_form", "1")]);
        let r = common::post_form(&c1, &format!("/service/points/{point}/items"), &bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("offered") && r.body.contains("ZZ99"), "{}", r.body);
        assert!(!r.body.contains(r#"name="offered" value="MZ01" checked"#), "the ticks sent are kept");
        assert_eq!(items_of(&c1, point.clone()).await.len(), offered.len(), "nothing written");
        let r = common::post_form(&w1, &format!("/service/points/{point}/items"), &keep).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = common::post_form(&c1, &format!("/service/points/{point}/items"), &keep).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let now_offered = items_of(&c1, point.clone()).await;
        assert_eq!(now_offered.len(), offered.len() - 1);
        assert!(!now_offered.contains(&"MZ01".to_string()));
        let r = w1.send("GET", &format!("/service/tickets/new?point={point}"), None).await;
        assert!(!r.body.contains(r#"value="MZ01""#), "no longer received here");

        // The catalogue is edited by the district only.
        let r = c1.send("GET", "/service/catalogue/MZ01/edit", None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = admin.send("GET", "/service/catalogue", None).await;
        assert!(r.body.contains("/service/catalogue/MZ01/edit"), "the district sees edit links");
        let r = admin.send("GET", "/service/catalogue/MZ01/edit", None).await;
        assert_eq!(r.status, StatusCode::OK);
        let (_, item) = admin.json("/api/v1/service-items/MZ01").await;
        let version = item["version"].as_i64().unwrap();
        let edit = |fee: &'static str, materials: &'static str| {
            vec![
                ("editing", "MZ01"),
                ("category", "MZ"),
                ("name", "最低生活保障申请"),
                ("department", "区民政局"),
                ("limit_workdays", "20"),
                ("legal_basis", "《社会救助暂行办法》"),
                ("fee", fee),
                ("places", "centre"),
                ("materials", materials),
            ]
        };
        let r = common::post_form(&admin, "/service/catalogue", &edit("十元", "居民身份证|original|1")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("fee") && r.body.contains(r#"value="十元""#), "{}", r.body);
        assert!(r.body.contains("《社会救助暂行办法》"), "typed kept");
        let r = common::post_form(&admin, "/service/catalogue", &edit("0", "居民身份证|sideways|1")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("materials") && r.body.contains("sideways"), "{}", r.body);
        let (_, same) = admin.json("/api/v1/service-items/MZ01").await;
        assert_eq!(same["version"].as_i64(), Some(version), "nothing written");
        let r =
            common::post_form(&admin, "/service/catalogue", &edit("0", "居民身份证|original|1\n户口簿|copy|2")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, saved) = admin.json("/api/v1/service-items/MZ01").await;
        assert_eq!(saved["version"].as_i64(), Some(version + 1));
        assert_eq!(saved["materials"].as_array().map(Vec::len), Some(2));
        // A new item under a code that exists: 409 naming the code.
        let mut new = edit("0", "居民身份证|original|1");
        new[0] = ("editing", "");
        new.push(("code", "MZ01"));
        let r = common::post_form(&admin, "/service/catalogue", &new).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("code"), "{}", r.body);
    }
}
