//! Owners' assembly votes through the API on every backend: announced by staff who run
//! votes, seen by them and by the owners in the electorate only, a ballot cast once (409 the
//! second time, a correction a new version), bad input named.

mod common;

use axum::http::StatusCode;
use common::{assert_error, post_form, post_multipart, states, App};
use serde_json::json;

/// r1's principal and their compound: (path, code), as the vote tests set up.
async fn r1_compound(s: &jiayuan_store::Store) -> (jiayuan_store::access::Principal, String, String) {
    let me = s.principal_of(&s.user_by_name("r1").await.unwrap()).await.unwrap();
    let home = s.territory_by_code(&me.grants[0].territory_code).await.unwrap();
    let path = jiayuan_store::appeals::path_prefixes(&home.path)[3].clone();
    let code = s.territory_code_at(&path).await.unwrap();
    (me, path, code)
}

#[tokio::test]
async fn an_owner_votes_through_the_api_and_the_count_follows() {
    for (t, state) in states().await {
        let c1 = App::signed_in(state.clone(), "c1").await;
        let r1 = App::signed_in(state.clone(), "r1").await;
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        // r1's compound: their dwelling's path, three levels up.
        let (me, _, compound) = r1_compound(&t.store).await;
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
        assert!(mine["matters"][0]["tally"].is_null(), "no running count for an owner: {mine}");

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

        // The lists: the vote is in both; its electorate only for staff, owners unnamed.
        for app in [&c1, &r1] {
            let (s, list) = app.json("/api/v1/votes").await;
            assert_eq!(s, StatusCode::OK);
            assert!(list.as_array().unwrap().iter().any(|v| v["id"] == id.as_str()), "{list}");
        }
        let (s, _) = bl1.json("/api/v1/votes").await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = r1.json(&format!("/api/v1/votes/{id}/parts")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, parts) = c1.json(&format!("/api/v1/votes/{id}/parts")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!parts.to_string().contains(&me_id), "no owner is named");
        let parts = parts.as_array().unwrap().clone();
        assert!(parts.iter().any(|p| p["voted"] == true), "r1's part has voted");
        // A paper ballot by the part it names.
        let unvoted = parts.iter().find(|p| p["voted"] == false && p["kind"] == "residential").unwrap();
        let by_part = json!({"matter": 1, "choice": "agree", "part": unvoted["part"]}).to_string();
        let (s, b) = c1.call("POST", &format!("/api/v1/votes/{id}/ballots"), Some(&by_part)).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let (s, _) = r1.call("POST", &format!("/api/v1/votes/{id}/ballots"), Some(&by_part)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "an owner names no part");
        let both = json!({"matter": 1, "choice": "agree", "part": unvoted["part"], "voter": me_id}).to_string();
        let (s, e) = c1.call("POST", &format!("/api/v1/votes/{id}/ballots"), Some(&both)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&e).unwrap(), "part");
        let nowhere = json!({"matter": 1, "choice": "agree", "part": "99-9-9999"}).to_string();
        let (s, e) = c1.call("POST", &format!("/api/v1/votes/{id}/ballots"), Some(&nowhere)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error(&serde_json::from_str(&e).unwrap(), "part");
        t.finish().await;
    }
}

/// The smallest PNG: what a phone's scan looks like to the sniffer.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test]
async fn a_vote_runs_on_the_pages_from_notice_to_result() {
    for (t, state) in states().await {
        let clock = jiayuan_web::clock::AppClock::settable();
        let start = chrono::Utc::now();
        clock.set(start);
        let state = jiayuan_web::AppState { clock: clock.clone(), ..state };
        let c1 = App::signed_in(state.clone(), "c1").await;
        let r1 = App::signed_in(state.clone(), "r1").await;
        let (me, _, compound) = r1_compound(&t.store).await;
        let local = |days: i64| {
            jiayuan_domain::time::beijing(start + chrono::Duration::days(days)).format("%Y-%m-%dT%H:%M").to_string()
        };

        // Refused: too little notice. The form comes back with everything typed.
        let (assembly, closes) = (local(10), local(20));
        let mut typed = vec![
            ("compound", compound.as_str()),
            ("sent", "1"),
            ("title", "关于更换电梯的表决"),
            ("matter_1", "5"),
            ("ask_1", "使用维修资金更换3号楼电梯"),
            ("matter_2", "8"),
            ("ask_2", "利用地面车位收取停车费"),
            ("assembly_at", &assembly),
            ("closes_at", &closes),
            ("notice_days", "15"),
            ("count_parking", "1"),
        ];
        let r = post_form(&c1, "/votes", &typed).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("assembly_at"), "the field is named");
        for kept in ["关于更换电梯的表决", "使用维修资金更换3号楼电梯", "利用地面车位收取停车费", &assembly]
        {
            assert!(r.body.contains(kept), "kept {kept}");
        }
        assert!(r.body.contains(r#"name="count_parking" value="1" checked"#), "a ticked box stays ticked");
        assert!(
            !r.body.contains(r#"name="multi_part_owner_once" value="1" checked"#),
            "an unticked box stays unticked"
        );

        let assembly = local(16);
        typed[7] = ("assembly_at", &assembly);
        let r = post_form(&c1, "/votes", &typed).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let at = r.headers["location"].to_str().unwrap().to_string();
        let id = at.trim_start_matches("/votes/").to_string();
        let r = r1.send("GET", "/votes", None).await;
        assert!(r.body.contains(&at), "the owner finds the vote in their list");

        // The owner's ballot page: no count while open; a ballot on both matters.
        let page = r1.send("GET", &at, None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(r#"name="m1""#) && page.body.contains(r#"name="m2""#));
        assert!(
            !page.body.contains("votes.count_live") && !page.body.contains("实时计票"),
            "owners see no running count"
        );
        let r = post_form(&r1, &format!("{at}/ballot"), &[("m1", "agree"), ("m2", "maybe")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "a bad choice refuses the whole paper");
        assert!(r.body.contains(r#"value="agree" checked"#), "what was chosen is kept");
        let r = post_form(&r1, &format!("{at}/ballot"), &[("m1", "agree"), ("m2", "oppose")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = r1.send("GET", &format!("{at}?done=ballot"), None).await;
        assert!(page.body.contains("选票已提交") && page.body.contains("更正选票"));
        // A second ballot without correcting is refused; a correction of one matter is taken.
        let r = post_form(&r1, &format!("{at}/ballot"), &[("m1", "oppose")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r =
            post_form(&r1, &format!("{at}/ballot"), &[("m1", "agree"), ("m2", "abstain"), ("correction", "1")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mine =
            t.store.owner_vote_ballots_of(id.parse().unwrap(), &me.person_id.unwrap().to_string()).await.unwrap();
        assert_eq!(
            mine.iter().map(|b| (b.seq, b.choice.as_str(), b.version)).collect::<Vec<_>>(),
            vec![(1, "agree", 1), (2, "abstain", 2)]
        );

        // Staff: the running count and turnout by building; a paper ballot by part code.
        let page = c1.send("GET", &at, None).await;
        assert!(page.body.contains("实时计票") && page.body.contains("各楼栋参与情况"), "staff see the count live");
        let parts = t.store.owner_vote_voters(id.parse().unwrap()).await.unwrap();
        let other = parts.iter().find(|(v, _, _)| *v != me.person_id.unwrap().to_string() && v != "developer").unwrap();
        let part = t.store.owner_vote_parts_of(id.parse().unwrap(), &other.0).await.unwrap()[0].0.clone();
        let short = part.strip_prefix(&format!("{compound}-")).unwrap().to_string();
        let r = post_multipart(&c1, &format!("{at}/paper"), &[("part", "no-such-part"), ("m1", "oppose")], None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("part:") && r.body.contains(r#"value="no-such-part""#), "the part is named and kept");
        // A scan that is no image refuses the whole paper: no ballot either.
        let paper = [("part", short.as_str()), ("m1", "oppose"), ("m2", "oppose")];
        let r = post_multipart(&c1, &format!("{at}/paper"), &paper, Some(("scan", "image/png", b"not an image"))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("scan:"));
        assert!(
            t.store.owner_vote_ballots_of(id.parse().unwrap(), &other.0).await.unwrap().is_empty(),
            "nothing written"
        );
        let r = post_multipart(&c1, &format!("{at}/paper"), &paper, Some(("scan", "image/png", PNG))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let images = t.store.vote_images(id.parse().unwrap()).await.unwrap();
        assert_eq!(images.len(), 1);
        assert_eq!((images[0].kind.as_str(), images[0].voter.as_str()), ("paper", other.0.as_str()));
        let img = c1.send("GET", &format!("{at}/images/{}", images[0].id), None).await;
        assert_eq!(img.status, StatusCode::OK);
        assert_eq!(img.headers["content-type"], "image/png");
        assert_eq!(
            r1.send("GET", &format!("{at}/images/{}", images[0].id), None).await.status,
            StatusCode::NOT_FOUND,
            "staff only"
        );
        let r = post_multipart(&r1, &format!("{at}/paper"), &[("part", &short), ("m1", "agree")], None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "an owner enters no paper ballot");
        // Service: recorded once.
        clock.set(start + chrono::Duration::hours(1));
        let served =
            jiayuan_domain::time::beijing(start + chrono::Duration::minutes(30)).format("%Y-%m-%dT%H:%M").to_string();
        let service =
            [("part", short.as_str()), ("how", "in_person"), ("served_at", &served), ("proof", "签收单第1页")];
        let r = post_multipart(&c1, &format!("{at}/service"), &service, Some(("proof_photo", "image/png", PNG))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.store.vote_images(id.parse().unwrap()).await.unwrap().len(), 2, "the proof photo is kept");
        let r = post_multipart(&c1, &format!("{at}/service"), &service, None).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("签收单第1页"), "what was typed is kept");

        // The public notice: no sign-in, no result while open; the result with its numbers
        // once closed, and no ballot after.
        let anon = App::anonymous(state.clone());
        let notice = anon.send("GET", &format!("{at}/notice"), None).await;
        assert_eq!(notice.status, StatusCode::OK);
        assert!(notice.body.contains("业主大会表决公告") && !notice.body.contains("专有部分总计"));
        clock.set(start + chrono::Duration::days(21));
        let notice = anon.send("GET", &format!("{at}/notice"), None).await;
        assert!(notice.body.contains("表决结果公告") && notice.body.contains("专有部分总计"), "{}", notice.body);
        assert!(notice.body.contains("参与门槛 quorum"), "the arithmetic is shown");
        assert!(!notice.body.contains(&other.0), "no owner is named");
        let r = post_form(&r1, &format!("{at}/ballot"), &[("m1", "oppose"), ("correction", "1")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "closed");
        assert!(r.body.contains("表决已截止"));
        let page = r1.send("GET", &at, None).await;
        assert!(
            page.body.contains("表决结果") && !page.body.contains(r#"name="m1""#),
            "after the close the owner sees the result"
        );
        t.finish().await;
    }
}

/// Co-owners name who casts their dwelling's ballot: on the API and on the dwelling's page
/// (a refusal said on the page), and the other co-owner's vote page says who answers for them.
#[tokio::test]
async fn co_owners_name_their_voter_on_the_api_and_the_dwelling_page() {
    for (t, state) in states().await {
        let s = &t.store;
        let c1 = App::signed_in(state.clone(), "c1").await;
        let r1 = App::signed_in(state.clone(), "r1").await;
        let (_, compound_path, compound) = r1_compound(s).await;
        let shared: Vec<uuid::Uuid> = jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_scalar::<_, uuid::Uuid>(
            "SELECT o.dwelling_id FROM owners o JOIN territories t ON t.id = o.dwelling_id WHERE t.path LIKE $1
             GROUP BY o.dwelling_id HAVING count(*) = 2 ORDER BY o.dwelling_id"
        )
        .bind(format!("{compound_path}%"))
        .fetch_all(p)
        .await)
        .unwrap();
        let part = s.territory(shared[0]).await.unwrap();

        let (st, owners) = c1.json(&format!("/api/v1/territories/{}/owners", part.code)).await;
        assert_eq!(st, StatusCode::OK, "{owners}");
        let owners = owners.as_array().unwrap().clone();
        assert_eq!(owners.len(), 2);
        let caster = owners.iter().find(|o| o["casts"] == true).unwrap()["person_id"].as_str().unwrap().to_string();
        let other = owners.iter().find(|o| o["casts"] == false).unwrap()["person_id"].as_str().unwrap().to_string();

        // Bad input named; a resident names nobody.
        let url = format!("/api/v1/territories/{}/ballot-caster", part.code);
        let (st, e) = c1.call("POST", &url, Some(r#"{"person_id":"01a00000-0000-7000-8000-000000000000"}"#)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
        assert_error(&serde_json::from_str(&e).unwrap(), "person_id");
        let (st, _) = c1.call("POST", &url, Some(r#"{"person_id":"nobody"}"#)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        let (st, _) = r1.call("POST", &url, Some(&json!({ "person_id": other }).to_string())).await;
        assert!(st == StatusCode::FORBIDDEN || st == StatusCode::NOT_FOUND, "{st}");

        // On the dwelling's page: the owners, a button for the other; a refusal said there.
        let page = format!("/territories/{}", part.id);
        let r = c1.send("GET", &page, None).await;
        assert!(r.body.contains("改由此人投票") && r.body.contains(&other), "{}", r.body);
        let r =
            post_form(&c1, &format!("{page}/ballot-caster"), &[("person_id", "01a00000-0000-7000-8000-000000000000")])
                .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("不是这处房屋的业主") && r.body.contains("role=\"alert\""), "{}", r.body);
        let r = post_form(&c1, &format!("{page}/ballot-caster"), &[("person_id", &other)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = c1.send("GET", &format!("{page}?done=caster"), None).await;
        assert!(r.body.contains("已记录共有人推举的投票人"), "{}", r.body);
        let (_, owners) = c1.json(&format!("/api/v1/territories/{}/owners", part.code)).await;
        let named = owners.as_array().unwrap().iter().find(|o| o["casts"] == true).unwrap().clone();
        assert_eq!((named["person_id"].as_str().unwrap(), &named["named"]), (other.as_str(), &json!(true)));

        // A vote now: the first owner sees it and who answers for the dwelling, and casts nothing.
        let at = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
        let body = json!({"compound": compound, "title": "关于续聘物业的表决", "matters": [{"matter": 4, "title": "续聘现物业服务企业"}],
                          "assembly_at": at(16), "closes_at": at(20), "notice_days": 15});
        let (st, v) = c1.call("POST", "/api/v1/votes", Some(&body.to_string())).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let id = serde_json::from_str::<serde_json::Value>(&v).unwrap()["id"].as_str().unwrap().to_string();
        let by = s.principal_of(&s.user_by_name("c1").await.unwrap()).await.unwrap();
        let account = jiayuan_store::accounts::NewUser {
            username: "coowner1".into(),
            display_name: "共有人".into(),
            password: "Gongyou-Zhuhu-2026".into(),
            role: jiayuan_domain::access::Role::Resident,
            scope: part.code.clone(),
            person_id: Some(caster.parse().unwrap()),
        };
        s.create_user(&jiayuan_store::audit::AuditCtx::operator("test"), &by, &account, false).await.unwrap();
        let co = App::signed_in_with(state.clone(), "coowner1", "Gongyou-Zhuhu-2026").await;
        let (st, mine) = co.json(&format!("/api/v1/votes/{id}")).await;
        assert_eq!(st, StatusCode::OK, "{mine}");
        assert_eq!(mine["cast_for_me"][0]["part"], part.code.as_str(), "{mine}");
        assert!(mine["cast_for_me"][0]["caster"].as_str().unwrap().contains('*'), "masked: {mine}");
        let r = co.send("GET", &format!("/votes/{id}"), None).await;
        assert!(r.body.contains("共有房屋的投票") && !r.body.contains("ballot-form"), "{}", r.body);
        let (st, e) =
            co.call("POST", &format!("/api/v1/votes/{id}/ballots"), Some(r#"{"matter":1,"choice":"agree"}"#)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
        assert_error(&serde_json::from_str(&e).unwrap(), "voter");
    }
}

/// A vote's images through the API: staff who run it keep a scan or a proof for the voter
/// of a part (bad input named, nothing kept), list them and read one; others find nothing.
#[tokio::test]
async fn a_votes_images_through_the_api() {
    for (t, state) in states().await {
        let c1 = App::signed_in(state.clone(), "c1").await;
        let r1 = App::signed_in(state.clone(), "r1").await;
        let (_, _, compound) = r1_compound(&t.store).await;
        let at = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
        let body = json!({"compound": compound, "title": "关于续聘物业的表决", "matters": [{"matter": 4, "title": "续聘"}],
                          "assembly_at": at(16), "closes_at": at(20), "notice_days": 15});
        let (s, v) = c1.call("POST", "/api/v1/votes", Some(&body.to_string())).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = serde_json::from_str::<serde_json::Value>(&v).unwrap()["id"].as_str().unwrap().to_string();
        let (_, parts) = c1.json(&format!("/api/v1/votes/{id}/parts")).await;
        let part = parts[0]["part"].as_str().unwrap().to_string();
        let url = |part: &str, kind: &str| format!("/api/v1/votes/{id}/images?part={part}&kind={kind}");

        for (uri, ct, bytes, field) in [
            (url(&part, "selfie"), "image/png", PNG.to_vec(), "kind"),
            (url(&part, "paper"), "image/png", b"not an image".to_vec(), "image"),
            (url("NO-SUCH-PART", "paper"), "image/png", PNG.to_vec(), "part"),
        ] {
            let r = c1.send_bytes("POST", &uri, ct, bytes).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}: {}", r.body);
            assert_error(&serde_json::from_str(&r.body).unwrap(), field);
        }
        let (_, none) = c1.json(&format!("/api/v1/votes/{id}/images")).await;
        assert_eq!(none.as_array().unwrap().len(), 0, "nothing kept from refused requests");
        let r = r1.send_bytes("POST", &url(&part, "paper"), "image/png", PNG.to_vec()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "an owner keeps no image: {}", r.body);

        let r = c1.send_bytes("POST", &url(&part, "paper"), "image/png", PNG.to_vec()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let kept: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!((kept["kind"].as_str(), kept["content_type"].as_str()), (Some("paper"), Some("image/png")));
        let (_, list) = c1.json(&format!("/api/v1/votes/{id}/images")).await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        let img = c1.send("GET", &format!("/api/v1/votes/{id}/images/{}", kept["id"].as_str().unwrap()), None).await;
        assert_eq!(img.status, StatusCode::OK);
        assert_eq!(img.headers["content-type"], "image/png");
        let (s, _) = r1.json(&format!("/api/v1/votes/{id}/images")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}
