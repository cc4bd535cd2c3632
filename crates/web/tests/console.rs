//! The staff console (issue 10): the workbench per role, "my to-dos" as my own level's work,
//! rate targets, the scope switch, and the territory page's tabs with totals and whole lists.

mod common;

use axum::http::StatusCode;
use common::{apps, states, App};
use jiayuan_store::audit::AuditCtx;
use serde_json::{json, Value};

async fn building_of(app: &App) -> String {
    let (_, me) = app.json("/api/v1/auth/me").await;
    me["grants"][0]["territory_code"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn my_to_dos_are_my_levels_work_and_the_workbench_counts_them() {
    for (t, state) in states().await {
        let r1 = App::signed_in(state.clone(), "r1").await;
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let c1 = App::signed_in(state.clone(), "c1").await;
        let building = building_of(&bl1).await;
        let body = json!({"category": "neighbour.noise", "territory": building, "description": "楼上夜间噪音"});
        let (s, b) = r1.call("POST", "/api/v1/appeals", Some(&body.to_string())).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let filed: Value = serde_json::from_str(&b).unwrap();
        let number = filed["appeal"]["number"].as_str().unwrap().to_string();
        assert_eq!(filed["appeal"]["handler_level"], "building");

        // The building group's to-do; for the community secretary it is work below, not theirs.
        let has = |v: &Value| v["items"].as_array().unwrap().iter().any(|a| a["number"] == number.as_str());
        let (_, q) = bl1.json("/api/v1/appeals?mine=true&here=true&status=open").await;
        assert!(has(&q), "{q}");
        let (_, q) = c1.json("/api/v1/appeals?mine=true&here=true&status=open").await;
        assert!(!has(&q), "c1's own to-dos hold only the community's: {q}");
        let (_, q) = c1.json("/api/v1/appeals?mine=true&status=open").await;
        assert!(has(&q), "but c1 oversees it below: {q}");
        let (s, e) = c1.json("/api/v1/appeals?mine=true&here=perhaps").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        common::assert_error(&e, "here");

        let todo = c1.send("GET", "/appeals?tab=todo", None).await;
        assert!(!todo.body.contains(&format!("#{number}<")), "not in c1's 我的待办");
        let below = c1.send("GET", "/appeals?tab=below", None).await;
        assert!(below.body.contains(&format!("#{number}<")), "in c1's 辖区在办");
        assert!(below.body.contains("<b>还剩 "), "lists say how long is left: {}", below.body);

        // bl1's workbench: one to-do, with the time left in words, and the latest step.
        let home = bl1.send("GET", "/", None).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("工作台") && home.body.contains(&format!("#{number}</b>")), "{}", home.body);
        assert!(home.body.contains("还剩"), "a countdown to the deadline");
        assert!(home.body.contains("共 1 条"), "{}", home.body);
        // c1's: nothing of their own, this month's rates against the default targets.
        let home = c1.send("GET", "/", None).await;
        assert!(home.body.contains("待办已清空"), "{}", home.body);
        assert!(home.body.contains("本月三率") && home.body.contains("目标 95%"), "{}", home.body);
        assert!(home.body.contains("已办结 ÷ 受理"), "formulas in words, no 0×: {}", home.body);
        assert!(home.body.contains(&format!("#{number} ")), "the filing is among the latest steps");

        // A target set by the operator colours the rates against it; a bad one is refused.
        let ctx = AuditCtx::operator("test");
        t.store.set_appeal_setting(&ctx, "target.response_rate", "80").await.unwrap();
        let err = t.store.set_appeal_setting(&ctx, "target.satisfaction_rate", "120").await.unwrap_err();
        assert!(err.to_string().contains("0 到 100"), "{err}");
        let home = c1.send("GET", "/", None).await;
        assert!(home.body.contains("目标 80%"), "{}", home.body);

        // A resident's home: their appeal and how far it has come.
        let home = r1.send("GET", "/", None).await;
        assert!(home.body.contains("class=\"stepper\"") && home.body.contains("aria-current=\"step\">已提交"));
        t.finish().await;
    }
}

#[tokio::test]
async fn an_account_with_several_grants_switches_where_its_pages_start() {
    for (t, state) in states().await {
        let admin = App::signed_in(state.clone(), "admin").await;
        let building = building_of(&App::signed_in(state.clone(), "bl1").await).await;
        let body = json!({"role": "building_leader", "scope": building}).to_string();
        let (s, b) = admin.call("POST", "/api/v1/users/c1/grants", Some(&body)).await;
        assert!(s.is_success(), "{b}");
        // Signed in again, so the session holds both grants.
        let c1 = App::signed_in(state.clone(), "c1").await;
        let (_, me) = c1.json("/api/v1/auth/me").await;
        let grants = me["grants"].as_array().unwrap();
        assert_eq!(grants.len(), 2, "{me}");
        let second = grants.iter().find(|g| g["role"] == "building_leader").unwrap()["id"].as_str().unwrap();

        let home = c1.send("GET", "/", None).await;
        assert!(home.body.contains("name=\"grant\""), "a switch for two grants");
        assert!(home.body.contains("selected translate=\"no\">社区书记"), "the most senior grant first");

        let form = format!("grant={second}&back=%2Fappeals");
        let r = c1.send("POST", "/account/scope", Some(("application/x-www-form-urlencoded", form))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers["location"], "/appeals");
        let cookie = r.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        let home = c1.send_with("GET", "/", None, &[("cookie", &cookie)]).await;
        assert!(home.body.contains("selected translate=\"no\">楼栋党小组长"), "{}", home.body);

        // Someone else's grant, or an address off the site, goes nowhere.
        let form = "grant=00000000-0000-0000-0000-000000000000&back=%2F".to_string();
        let r = c1.send("POST", "/account/scope", Some(("application/x-www-form-urlencoded", form))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("grant"), "{}", r.body);
        let form = format!("grant={second}&back=https%3A%2F%2Fevil.example");
        let r = c1.send("POST", "/account/scope", Some(("application/x-www-form-urlencoded", form))).await;
        assert_eq!(r.headers["location"], "/");
        t.finish().await;
    }
}

#[tokio::test]
async fn territory_pages_are_tabs_and_no_list_is_cut_silently() {
    for (t, state) in states().await {
        let admin = App::signed_in(state.clone(), "admin").await;
        let (_, d) = admin.json("/api/v1/territories?kind=district").await;
        let district = d["items"][0]["id"].as_str().unwrap().to_string();
        let page = admin.send("GET", &format!("/territories/{district}"), None).await;
        assert_eq!(page.status, StatusCode::OK);
        for tab in ["概况", "组织", "网格", "诉求", "居民"] {
            assert!(page.body.contains(&format!(">{tab}</a>")), "tab {tab}");
        }
        assert!(!page.body.contains("覆盖缺口"), "only the tab shown is read");

        // The organisations tab names each gap's total; the whole list pages with its total.
        let orgs = admin.send("GET", &format!("/territories/{district}?tab=orgs"), None).await;
        assert!(orgs.body.contains("覆盖缺口"));
        let (_, cov) = admin.json(&format!("/api/v1/territories/{district}")).await;
        let gaps = cov["coverage"]["households_without_central_household"].as_i64().unwrap();
        assert!(gaps > 10, "the small demo has more gaps than a panel shows: {gaps}");
        assert!(orgs.body.contains(&format!("查看全部 ({gaps})")), "{}", orgs.body);
        let whole = admin.send("GET", &format!("/territories/{district}?tab=orgs&gap=households"), None).await;
        assert_eq!(whole.status, StatusCode::OK);
        assert!(whole.body.contains(&format!("共 {gaps} 条")), "{}", whole.body);
        assert!(whole.body.contains("href=\"/households/"), "each gap links to its record");
        let bad = admin.send("GET", &format!("/territories/{district}?tab=orgs&page=x"), None).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);

        // The appeals tab lists what is filed below, with the status as a chip.
        let r1 = App::signed_in(state.clone(), "r1").await;
        let building = building_of(&App::signed_in(state.clone(), "bl1").await).await;
        let body = json!({"category": "neighbour.noise", "territory": building, "description": "楼道堆物"});
        let (s, _) = r1.call("POST", "/api/v1/appeals", Some(&body.to_string())).await;
        assert_eq!(s, StatusCode::CREATED);
        let ap = admin.send("GET", &format!("/territories/{district}?tab=appeals"), None).await;
        assert!(ap.body.contains("楼道堆物") && ap.body.contains("class=\"chip open\""), "{}", ap.body);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_appeal_page_offers_pickers_and_links_a_merge_both_ways() {
    for (t, state) in states().await {
        let r1 = App::signed_in(state.clone(), "r1").await;
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = building_of(&bl1).await;
        let mut numbers = Vec::new();
        let mut ids = Vec::new();
        for text in ["电梯停运三天", "电梯又停了"] {
            let body = json!({"category": "neighbour.noise", "territory": building, "description": text});
            let (s, b) = r1.call("POST", "/api/v1/appeals", Some(&body.to_string())).await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
            let v: Value = serde_json::from_str(&b).unwrap();
            numbers.push(v["appeal"]["number"].as_str().unwrap().to_string());
            ids.push(v["appeal"]["id"].as_str().unwrap().to_string());
        }
        let (first, second) = (&ids[0], &ids[1]);
        // The later one offers the earlier as a likely duplicate to merge into, by number.
        let page = bl1.send("GET", &format!("/appeals/{second}"), None).await;
        assert!(page.body.contains(&format!("<option value=\"{}\" translate=\"no\">", numbers[0])), "{}", page.body);
        assert!(page.body.contains("<details class=\"more\">"), "the rest under 更多");
        // Accepted, the page offers the handlers here by name, not a typed username.
        let form = "application/x-www-form-urlencoded";
        let r =
            bl1.send("POST", &format!("/appeals/{first}/act"), Some((form, "action=accept&version=1".into()))).await;
        assert!(r.headers["location"].to_str().unwrap().contains("done=accept"));
        let page = bl1.send("GET", r.headers["location"].to_str().unwrap(), None).await;
        assert!(page.body.contains("已完成：受理"), "{}", page.body);
        assert!(page.body.contains("<select name=\"assignee\" required>"), "{}", page.body);
        assert!(page.body.contains("<option value=\"bl1\" translate=\"no\">"), "{}", page.body);

        let body = format!("action=merge&version=1&merge_into={}&note=%E9%87%8D%E5%A4%8D", numbers[0]);
        let r = bl1.send("POST", &format!("/appeals/{second}/act"), Some((form, body))).await;
        assert!(r.headers["location"].to_str().unwrap().contains("done=merge"), "{:?}", r.headers["location"]);
        let merged = bl1.send("GET", &format!("/appeals/{second}"), None).await;
        assert!(merged.body.contains(&format!("已合并到 <a href=\"/appeals/{first}\">")), "{}", merged.body);
        let target = bl1.send("GET", &format!("/appeals/{first}"), None).await;
        assert!(target.body.contains(&format!("<a href=\"/appeals/{second}\">#{}", numbers[1])), "{}", target.body);
        // In English the page speaks English: status, actions, category.
        let en = bl1.send_with("GET", &format!("/appeals/{first}"), None, &[("cookie", "lang=en")]).await;
        assert!(en.body.contains(">Accepted<") && en.body.contains("Duplicates merged into this one"), "{}", en.body);
        assert!(en.body.contains(">Noise<") && !en.body.contains("噪音扰民"), "category in English: {}", en.body);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_dashboard_names_its_period_ranks_the_parts_below_and_drills_down() {
    for (t, state) in states().await {
        let admin = App::signed_in(state.clone(), "admin").await;
        let c1 = App::signed_in(state.clone(), "c1").await;
        let page = admin.send("GET", "/appeals/dashboard?period=quarter", None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("本季 (") && page.body.contains("value=\"quarter\" checked"), "{}", page.body);
        assert!(page.body.contains("下级排名"), "subdistricts ranked");
        // Each ranked part links down to its own dashboard, keeping the period.
        let link = page.body.split("<td><a href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&#38;", "&");
        assert!(link.starts_with("/appeals/dashboard?period=quarter&within="), "{link}");
        let down = admin.send("GET", &link, None).await;
        assert_eq!(down.status, StatusCode::OK);
        assert!(down.body.contains("class=\"crumbs\""), "the way back up");
        // A custom period without a start is refused in words, and the page still shows.
        let bad = admin.send("GET", "/appeals/dashboard?period=custom&to=2026-11-01", None).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("role=\"alert\"") && bad.body.contains("from"), "{}", bad.body);
        let bad = admin.send("GET", "/appeals/dashboard?level=moon", None).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        // Formulas in words; the operator's calendar instruction only for administrators.
        let mine = c1.send("GET", "/appeals/dashboard", None).await;
        assert!(mine.body.contains("已办结 ÷ 受理") && !mine.body.contains("0×"), "{}", mine.body);
        assert!(!mine.body.contains("calendar import"), "no operator instruction for a secretary");
        assert!(mine.body.contains("本月 ("), "{}", mine.body);
        let other = c1.send("GET", "/appeals/dashboard?within=370612002", None).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "another subdistrict is not c1's");
        t.finish().await;
    }
}

#[tokio::test]
async fn the_demo_has_a_map_of_compounds_buildings_grids_and_appeals_that_zooms() {
    for (t, state) in states().await {
        let c1 = App::signed_in(state.clone(), "c1").await;
        let r1 = App::signed_in(state.clone(), "r1").await;
        let building = building_of(&App::signed_in(state.clone(), "bl1").await).await;
        let body = json!({"category": "neighbour.noise", "territory": building, "description": "广场舞音响太吵"});
        let (s, b) = r1.call("POST", "/api/v1/appeals", Some(&body.to_string())).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let community = &building[..12];
        let (_, node) = c1.json(&format!("/api/v1/territories/{community}")).await;
        let id = node["territory"]["id"].as_str().unwrap().to_string();

        // Around the district's real place: 121.6° E, 37.39° N.
        let v = node["territory"]["geometry"].clone();
        assert!(v.is_object(), "the community has a shape: {node}");
        let (lon, lat) = (v["coordinates"][0][0][0].as_f64().unwrap(), v["coordinates"][0][0][1].as_f64().unwrap());
        assert!((121.5..121.7).contains(&lon) && (37.3..37.5).contains(&lat), "{lon},{lat}");

        let map = c1.send("GET", &format!("/territories/{id}?tab=grids"), None).await;
        assert_eq!(map.status, StatusCode::OK);
        let svg = map.body.split("<svg class=\"map\"").nth(1).expect("a map").split("</svg>").next().unwrap();
        assert!(svg.contains("fill=\"#d0d7de\""), "building footprints");
        assert!(svg.contains("stroke-dasharray"), "grid boundaries");
        assert!(svg.contains("?tab=grids\">"), "compounds and buildings link to their own maps");
        assert!(svg.contains("class=\"pin\"") && svg.contains("广场舞音响太吵"), "the open appeal as a pin");
        assert!(svg.contains("viewBox=\"0.0 0.0 600.0 400.0\""), "{svg}");
        // Zoom by a link; nonsense in the query shows the whole map.
        let zoomed = c1.send("GET", &format!("/territories/{id}?tab=grids&zoom=2&x=300&y=200"), None).await;
        assert!(zoomed.body.contains("viewBox=\"150.0 100.0 300.0 200.0\""), "{}", zoomed.body);
        let odd = c1.send("GET", &format!("/territories/{id}?tab=grids&zoom=abc&x=NaN"), None).await;
        assert_eq!(odd.status, StatusCode::OK);
        assert!(odd.body.contains("viewBox=\"0.0 0.0 600.0 400.0\""));

        // A point in the middle of a building is placed in it, found from the top down.
        let (_, shape) = c1.json(&format!("/api/v1/territories/{building}")).await;
        let ring = shape["territory"]["geometry"]["coordinates"][0].as_array().unwrap().clone();
        let n = (ring.len() - 1) as f64;
        let mid = |i: usize| ring[..ring.len() - 1].iter().map(|p| p[i].as_f64().unwrap()).sum::<f64>() / n;
        match t.store.place_point(mid(0), mid(1)).await.unwrap() {
            jiayuan_store::territory::Placement::Node(code) => assert_eq!(code, building),
            _ => panic!("the building's middle is not placed in it"),
        }

        // A compound's map is its buildings; the appeal page shows where the appeal is.
        let compound = svg.split("<a href=\"/territories/").nth(1).unwrap().split('?').next().unwrap();
        let cmap = c1.send("GET", &format!("/territories/{compound}?tab=grids"), None).await;
        assert!(cmap.body.contains("fill=\"#d0d7de\""), "{}", cmap.body);
        let number = serde_json::from_str::<Value>(&b).unwrap()["appeal"]["id"].as_str().unwrap().to_string();
        let page = c1.send("GET", &format!("/appeals/{number}"), None).await;
        assert!(page.body.contains("<svg class=\"map\"") && page.body.contains("<circle"), "{}", page.body);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_style_sheet_has_its_hash_in_its_name_is_cached_long_and_sent_compressed() {
    for (t, state) in states().await {
        let anon = App::anonymous(state.clone());
        let page = anon.send("GET", "/report", None).await;
        let href = page.body.split("rel=\"stylesheet\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        assert!(href.starts_with("/static/app.") && href.len() > "/static/app..css".len() + 8, "{href}");
        let r = anon.send_with("GET", &href, None, &[("accept-encoding", "br, gzip;q=0.9")]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers["content-encoding"], "gzip");
        assert!(r.headers["cache-control"].to_str().unwrap().contains("immutable"));
        let plain = anon.send("GET", &href, None).await;
        assert!(plain.body.contains("nav.side") && !plain.headers.contains_key("content-encoding"));
        assert!(!r.body.contains("nav.side"), "the compressed form is not the plain text");
        let missing = anon.send("GET", "/static/other.css", None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.body.contains("\"error\""), "the JSON error shape");
        t.finish().await;
    }
}

#[tokio::test]
async fn grants_pick_their_territory_by_walking_down_or_searching_never_by_typed_code() {
    for (t, state) in states().await {
        let c1 = App::signed_in(state.clone(), "c1").await;
        let community = "370612001001";
        // The top of c1's scope is their community, offered as a link that chooses it.
        let page = c1.send("GET", "/admin/users", None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&format!("href=\"/admin/users?at={community}\"")), "{}", page.body);
        assert!(page.body.contains("name=\"scope\" value=\"\""), "nothing chosen yet");
        assert!(!page.body.contains("name=\"scope\" placeholder"), "no typed code");

        // Choosing it lists what is below, and the form carries the choice.
        let page = c1.send("GET", &format!("/admin/users?at={community}"), None).await;
        assert!(page.body.contains(&format!("name=\"scope\" value=\"{community}\"")), "{}", page.body);
        let (_, list) = c1.json(&format!("/api/v1/territories?parent={community}&page_size=1")).await;
        let compound = list["items"][0].clone();
        let (code, name) = (compound["code"].as_str().unwrap(), compound["name"].as_str().unwrap());
        assert!(page.body.contains(&format!("href=\"/admin/users?at={code}\"")), "{}", page.body);

        // A search by name finds it, and choosing it shows the way down.
        let q: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
        let found = c1.send("GET", &format!("/admin/users?pq={q}"), None).await;
        assert!(found.body.contains(&format!("href=\"/admin/users?at={code}\"")), "{}", found.body);
        let chosen = c1.send("GET", &format!("/admin/users?at={code}"), None).await;
        assert!(chosen.body.contains(&format!("href=\"/admin/users?at={community}\"")), "the trail leads back up");
        let none = c1.send("GET", "/admin/users?pq=%E6%B2%A1%E6%9C%89%E8%BF%99%E4%B8%AA", None).await;
        assert!(none.body.contains("没有找到"), "{}", none.body);

        // Outside the scope: said, and nothing chosen.
        let outside = c1.send("GET", "/admin/users?at=370612001002", None).await;
        assert_eq!(outside.status, StatusCode::OK);
        assert!(outside.body.contains("不在您的管辖范围内"), "{}", outside.body);
        assert!(outside.body.contains("name=\"scope\" value=\"\""));

        // A grant with the picked place; a refused one keeps the pick beside the message.
        let admin = App::signed_in(state.clone(), "admin").await;
        let page = admin.send("GET", &format!("/admin/users/w1?at={code}"), None).await;
        assert!(page.body.contains(&format!("name=\"scope\" value=\"{code}\"")), "{}", page.body);
        let form = format!("role=building_leader&scope={code}");
        let r = admin.send("POST", "/admin/users/w1/grants", Some(("application/x-www-form-urlencoded", form))).await;
        assert!(r.status.is_client_error(), "a building leader is granted a building: {}", r.status);
        assert!(r.body.contains(&format!("name=\"scope\" value=\"{code}\"")), "the pick is kept");
        let form = format!("role=property_staff&scope={code}");
        let r = admin.send("POST", "/admin/users/w1/grants", Some(("application/x-www-form-urlencoded", form))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, w1) = admin.json("/api/v1/users/w1").await;
        let grants = w1["grants"].as_array().unwrap();
        assert!(grants.iter().any(|g| g["territory_code"] == code && g["role"] == "property_staff"), "{w1}");
        t.finish().await;
    }
}

#[tokio::test]
async fn the_appeal_list_filters_by_category_and_shows_the_filter_chosen() {
    for (t, state) in states().await {
        let r1 = App::signed_in(state.clone(), "r1").await;
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = building_of(&bl1).await;
        for (category, text) in [("neighbour.noise", "夜里楼上装修噪音"), ("property.repair", "单元门禁坏了")]
        {
            let body = json!({"category": category, "territory": building, "description": text});
            let (s, b) = r1.call("POST", "/api/v1/appeals", Some(&body.to_string())).await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
        }
        let all = r1.send("GET", "/appeals?tab=reported", None).await;
        assert!(all.body.contains("夜里楼上装修噪音") && all.body.contains("单元门禁坏了"), "{}", all.body);
        assert!(all.body.contains("name=\"category\""), "a category filter");
        // The parent category takes in the ones below it.
        let noise = r1.send("GET", "/appeals?tab=reported&category=neighbour", None).await;
        assert!(noise.body.contains("夜里楼上装修噪音") && !noise.body.contains("单元门禁坏了"), "{}", noise.body);
        assert!(noise.body.contains("value=\"neighbour\" selected"), "the filter is shown as chosen");
        let repair = r1.send("GET", "/appeals?tab=reported&category=property.repair", None).await;
        assert!(!repair.body.contains("夜里楼上装修噪音") && repair.body.contains("单元门禁坏了"));
        // An unknown category is left out, as on the dashboard.
        let unknown = r1.send("GET", "/appeals?tab=reported&category=moon", None).await;
        assert_eq!(unknown.status, StatusCode::OK);
        assert!(unknown.body.contains("单元门禁坏了"));
        t.finish().await;
    }
}

#[tokio::test]
async fn an_appeal_list_exports_what_it_holds_as_csv_audited_and_formula_safe() {
    for (t, state) in states().await {
        let r1 = App::signed_in(state.clone(), "r1").await;
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = building_of(&bl1).await;
        for (category, text) in [("neighbour.noise", "=HYPERLINK(\"x\")楼上噪音"), ("property.repair", "单元门禁坏了")]
        {
            let body = json!({"category": category, "territory": building, "description": text});
            let (s, b) = r1.call("POST", "/api/v1/appeals", Some(&body.to_string())).await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
        }
        let page = r1.send("GET", "/appeals?tab=reported&category=property", None).await;
        assert!(page.body.contains("href=\"/appeals.csv?reported=true&#38;category=property\""), "{}", page.body);

        let csv = r1.send("GET", "/appeals.csv?reported=true&category=property", None).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert!(csv.body.starts_with('\u{feff}'), "a BOM for Excel");
        assert!(csv.body.contains("单元门禁坏了") && !csv.body.contains("楼上噪音"), "{}", csv.body);
        assert_eq!(csv.body.lines().count(), 2, "a header and one row: {}", csv.body);

        let all = r1.send("GET", "/api/v1/appeals/export?reported=true", None).await;
        assert!(all.body.contains("单元门禁坏了"), "{}", all.body);
        let noise = all.body.lines().find(|l| l.contains("楼上噪音")).unwrap();
        assert!(
            noise.contains(",'=HYPERLINK") || noise.contains(",\"'=HYPERLINK"),
            "no formula reaches a cell: {noise}"
        );
        assert!(!all.body.contains("138"), "no reporter's phone");

        let (s, e) = r1.json("/api/v1/appeals/export?mine=perhaps").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        common::assert_error(&e, "mine");
        let anon = App::anonymous(state.clone());
        let (s, _) = anon.json("/api/v1/appeals/export").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        let admin = App::signed_in(state.clone(), "admin").await;
        let (_, audit) = admin.json("/api/v1/audit?action=appeals.export").await;
        assert_eq!(audit["total"], 2, "each export is audited: {audit}");
        t.finish().await;
    }
}

#[tokio::test]
async fn the_appeal_list_filters_by_status_urgency_and_channel_and_the_api_names_a_bad_one() {
    for (t, state) in states().await {
        let r1 = App::signed_in(state.clone(), "r1").await;
        let c1 = App::signed_in(state.clone(), "c1").await;
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = building_of(&bl1).await;
        for (urgency, text) in [("normal", "楼道灯不亮了"), ("urgent", "水管爆裂漏水")] {
            let body =
                json!({"category": "property.repair", "territory": building, "description": text, "urgency": urgency});
            let (s, b) = r1.call("POST", "/api/v1/appeals", Some(&body.to_string())).await;
            assert_eq!(s, StatusCode::CREATED, "{b}");
        }
        let walk_in = json!({"category": "property.repair", "territory": building, "description": "来访反映电梯异响",
            "channel": "walk_in", "reporter_name": "王大爷"});
        let (s, b) = c1.call("POST", "/api/v1/appeals", Some(&walk_in.to_string())).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");

        let all = c1.send("GET", "/appeals?tab=all", None).await;
        for name in ["status", "urgency", "channel"] {
            assert!(all.body.contains(&format!("name=\"{name}\"")), "a {name} filter on 全部");
        }
        let todo = c1.send("GET", "/appeals?tab=todo", None).await;
        assert!(!todo.body.contains("name=\"status\""), "the to-do tab fixes the status");

        let urgent = c1.send("GET", "/appeals?tab=all&urgency=urgent", None).await;
        assert!(urgent.body.contains("水管爆裂漏水") && !urgent.body.contains("楼道灯不亮了"), "{}", urgent.body);
        assert!(urgent.body.contains("value=\"urgent\" selected"), "shown as chosen");
        assert!(urgent.body.contains("/appeals.csv?urgency=urgent"), "the export takes the filter");
        let walked = c1.send("GET", "/appeals?tab=all&channel=walk_in", None).await;
        assert!(walked.body.contains("来访反映电梯异响") && !walked.body.contains("水管爆裂漏水"));
        let new = c1.send("GET", "/appeals?tab=all&status=new", None).await;
        assert!(new.body.contains("来访反映电梯异响") && new.body.contains("楼道灯不亮了"));
        let closed = c1.send("GET", "/appeals?tab=all&status=closed", None).await;
        assert!(!closed.body.contains("楼道灯不亮了"), "nothing here is finished");
        // Nonsense in the address is left out on the page ...
        let odd = c1.send("GET", "/appeals?tab=all&urgency=soon&channel=pigeon&status=lost", None).await;
        assert_eq!(odd.status, StatusCode::OK);
        assert!(odd.body.contains("楼道灯不亮了") && odd.body.contains("来访反映电梯异响"));
        // ... and named in the API.
        let (s, e) = c1.json("/api/v1/appeals?urgency=soon").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(e["error"]["field"], "urgency", "{e}");
        let (s, e) = c1.json("/api/v1/appeals?channel=pigeon").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(e["error"]["field"], "channel", "{e}");
        // Blank space is not "not given" for a yes/no parameter.
        let (s, e) = c1.json("/api/v1/appeals?reported=%0D").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(e["error"]["field"], "reported", "{e}");
        let (s, page) = c1.json("/api/v1/appeals?channel=walk_in").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["total"], 1, "{page}");
        let csv = c1.send("GET", "/api/v1/appeals/export?urgency=urgent", None).await;
        assert!(csv.body.contains("水管爆裂漏水") && !csv.body.contains("楼道灯不亮了"), "{}", csv.body);
        t.finish().await;
    }
}

#[tokio::test]
async fn an_operators_tile_source_lies_under_the_maps_and_only_then_may_pages_load_images_from_it() {
    for (t, state) in states().await {
        let plain = App::signed_in(state.clone(), "c1").await;
        let building = building_of(&App::signed_in(state.clone(), "bl1").await).await;
        let (_, node) = plain.json(&format!("/api/v1/territories/{}", &building[..12])).await;
        let grids = format!("/territories/{}?tab=grids", node["territory"]["id"].as_str().unwrap());
        let before = plain.send("GET", &grids, None).await;
        assert!(!before.body.contains("<image"), "no source, no tiles");
        let csp = before.headers["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("img-src 'self' data:;"), "{csp}");

        let source = jiayuan_domain::tiles::TileSource::parse(
            "https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=vec&TILEMATRIXSET=w&TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}&tk=KEY",
            false,
            "© 天地图",
        )
        .unwrap();
        let tiled = jiayuan_web::AppState { map_tiles: Some(std::sync::Arc::new(source)), ..state.clone() };
        let c1 = App::signed_in(tiled, "c1").await;
        let page = c1.send("GET", &grids, None).await;
        assert_eq!(page.status, StatusCode::OK);
        let svg = page.body.split("<svg class=\"map\"").nth(1).expect("a map").split("</svg>").next().unwrap();
        assert!(svg.contains("<image href=\"https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&amp;"), "{svg}");
        assert!(svg.contains("&amp;tk=KEY\""), "the operator's key is in the template");
        assert!(svg.contains(">© 天地图</text>"), "the source is named on the map");
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("img-src 'self' data: https://t0.tianditu.gov.cn;"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "nothing else widens: {csp}");
        t.finish().await;
    }
}

#[tokio::test]
async fn a_resident_account_is_linked_by_choosing_a_resident_of_the_place_not_by_typing_an_id() {
    for (t, state) in states().await {
        let c1 = App::signed_in(state.clone(), "c1").await;
        let bl1 = App::signed_in(state.clone(), "bl1").await;
        let building = building_of(&bl1).await;
        // At the community, no list of residents: a hint to choose a building first.
        let page = c1.send("GET", "/admin/users?at=370612001001", None).await;
        assert!(!page.body.contains("name=\"person_id\""), "no typed id");
        assert!(page.body.contains("先在上面选到楼栋或住户"), "{}", page.body);
        // At a building, its residents by name.
        let page = c1.send("GET", &format!("/admin/users?at={building}"), None).await;
        let select = page.body.split("<select name=\"person_id\">").nth(1).expect("a list of residents");
        let select = select.split("</select>").next().unwrap();
        // A dwelling of it with someone living there.
        let (_, dwellings) =
            c1.json(&format!("/api/v1/territories?within={building}&kind=dwelling&page_size=50")).await;
        let mut home = None;
        for d in dwellings["items"].as_array().unwrap() {
            let code = d["code"].as_str().unwrap().to_string();
            let (_, people) = c1.json(&format!("/api/v1/people?within={code}&page_size=1")).await;
            if people["total"].as_i64() > Some(0) {
                home = Some((code, people["items"][0].clone()));
                break;
            }
        }
        let (dwelling, person) = home.expect("someone lives in the building");
        let id = person["id"].as_str().unwrap();
        assert!(select.contains(&format!("<option value=\"{id}\"")), "{select}");
        assert!(select.contains(person["name"].as_str().unwrap()), "by name");
        assert!(!select.contains(person["id_number"].as_str().unwrap_or("no id number")), "no ID number");

        // Made with the choice; a refused one keeps it chosen.
        let form = |user: &str| {
            format!("username={user}&display_name=%E5%B1%85%E6%B0%91&password=a-long-password-1&role=resident&scope={dwelling}&person_id={id}")
        };
        let bad = c1.send("POST", "/admin/users", Some(("application/x-www-form-urlencoded", form("x")))).await;
        assert!(bad.status.is_client_error(), "a one-letter username: {}", bad.status);
        assert!(bad.body.contains(&format!("<option value=\"{id}\" selected")), "{}", bad.body);
        let made =
            c1.send("POST", "/admin/users", Some(("application/x-www-form-urlencoded", form("resident-new")))).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let u = t.store.user_by_name("resident-new").await.unwrap();
        assert_eq!(u.person_id.map(|p| p.to_string()).as_deref(), Some(id));
        t.finish().await;
    }
}

/// The appeal list's breadcrumbs name the tab that is open, not the navigation entry's label.
#[tokio::test]
async fn the_appeal_list_crumbs_name_the_open_tab() {
    for (t, app) in apps().await {
        for tab in ["todo", "all", "overdue"] {
            let page = app.send("GET", &format!("/appeals?tab={tab}"), None).await;
            let tabs = page.body.split("<nav class=\"tabs\">").nth(1).unwrap_or_default();
            let on = tabs.split("aria-current=\"page\">").nth(1).and_then(|r| r.split('<').next()).unwrap_or_default();
            assert!(!on.is_empty(), "{tab}: a tab is marked");
            let crumbs = page
                .body
                .split("<nav class=\"crumbs\"")
                .nth(1)
                .and_then(|c| c.split("</nav>").next())
                .unwrap_or_default();
            assert!(crumbs.contains(&format!("<span>{on}</span>")), "{tab}: {crumbs}");
        }
        t.finish().await;
    }
}
