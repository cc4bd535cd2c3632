//! The role × scope matrix: for every role, a user scoped to A reads (and, where the role
//! may, writes) A, and gets 404 for the same thing in a sibling scope B — never 403, so
//! existence does not leak. A role without a permission gets 403 for A and B alike, decided
//! before anything is looked up. Runs on every backend.

mod common;

use axum::http::StatusCode;
use common::{states, App};
use jiayuan_domain::access::{Permission, Role};
use jiayuan_domain::TerritoryKind;
use jiayuan_store::access::Principal;
use jiayuan_store::accounts::NewUser;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::demo::DEMO_USERS;
use jiayuan_store::model::{Page, Territory};
use jiayuan_store::people::{HouseholdQuery, PeopleQuery};
use jiayuan_store::territory::TerritoryQuery;
use jiayuan_store::Store;
use serde_json::Value;

/// What one side (A or B) of the matrix offers: a node, something below it, and records in it.
struct Side {
    node: Territory,
    entrance: Option<Territory>,
    building: Option<Territory>,
    person: String,
    person_id_number: String,
    household: String,
    manager_target: Option<String>,
}

async fn first_of(s: &Store, within: &Territory, kind: TerritoryKind) -> Option<Territory> {
    let scope = jiayuan_store::testing::everything().narrow(within).ok()?;
    let q = TerritoryQuery { kind: Some(kind), ..Default::default() };
    let page = Page::new(Some(1), Some(1)).ok()?;
    s.list_territories(&scope, &q, page).await.ok()?.items.into_iter().next()
}

async fn side(s: &Store, node: Territory, tag: &str) -> Side {
    let scope = jiayuan_store::testing::everything().narrow(&node).unwrap();
    let page = Page::new(Some(1), Some(1)).unwrap();
    let p = s.list_people(&scope, &PeopleQuery::default(), page).await.unwrap().items.remove(0);
    let h = s.list_households(&scope, &HouseholdQuery::default(), page).await.unwrap().items.remove(0);
    let entrance = first_of(s, &node, TerritoryKind::Entrance).await;
    let building = first_of(s, &node, TerritoryKind::Building).await;
    // An account inside this side, for the user-management checks.
    let manager_target = match &building {
        Some(b) => {
            let username = format!("target.{tag}.{}", &b.id.simple().to_string()[..8]);
            let n = NewUser {
                username: username.clone(),
                display_name: "楼长".into(),
                password: "a-long-initial-password".into(),
                role: Role::BuildingLeader,
                scope: b.code.clone(),
                person_id: None,
            };
            s.create_user(&AuditCtx::operator("test"), &Principal::operator(), &n, true).await.unwrap();
            Some(username)
        }
        None => None,
    };
    Side {
        node,
        entrance,
        building,
        person: p.id.to_string(),
        person_id_number: p.id_number,
        household: h.id.to_string(),
        manager_target,
    }
}

/// Another node of the same kind, outside A (and not containing it).
async fn sibling(s: &Store, a: &Territory) -> Option<Territory> {
    let kind = TerritoryKind::parse(&a.kind)?;
    let q = TerritoryQuery { kind: Some(kind), ..Default::default() };
    let all = s
        .list_territories(&jiayuan_store::testing::everything(), &q, Page::new(Some(1), Some(200)).ok()?)
        .await
        .ok()?;
    all.items.into_iter().find(|t| t.id != a.id)
}

struct Check {
    perm: Permission,
    method: &'static str,
    path: String,
    body: Option<String>,
    ok: StatusCode,
}

fn get(perm: Permission, path: String) -> Check {
    Check { perm, method: "GET", path, body: None, ok: StatusCode::OK }
}

fn checks(x: &Side, tag: &str) -> Vec<Check> {
    use Permission::*;
    let n = &x.node.code;
    let mut v = vec![
        get(ViewTerritory, format!("/api/v1/territories/{n}")),
        get(ViewTerritory, format!("/api/v1/territories/{}", x.node.id)),
        get(ViewTerritory, format!("/api/v1/territories/{n}/coverage")),
        get(ViewTerritory, format!("/api/v1/territories?within={n}")),
        get(ViewTerritory, format!("/api/v1/territories?parent={n}")),
        get(ViewTerritory, format!("/api/v1/stats?within={n}")),
        get(ViewTerritory, format!("/territories/{n}")),
        get(ViewOrganisations, format!("/api/v1/organisations?within={n}")),
        get(ViewOrganisations, format!("/api/v1/alliances?within={n}")),
        get(ViewPeople, format!("/api/v1/people?within={n}")),
        get(ViewPeople, format!("/api/v1/households?within={n}")),
        get(ViewPeople, format!("/api/v1/people/export?within={n}")),
        get(ViewPeople, format!("/api/v1/people/{}", x.person)),
        get(ViewPeople, format!("/api/v1/households/{}", x.household)),
        get(ViewPeople, format!("/people/{}", x.person)),
        get(ViewPeople, format!("/households/{}", x.household)),
        get(ViewPeople, format!("/people?within={n}")),
        get(ViewPeople, format!("/people.csv?within={n}")),
        Check {
            perm: RevealPersonal,
            method: "POST",
            path: format!("/api/v1/people/{}/reveal", x.person),
            body: Some(r#"{"reason":"核实低保申请"}"#.into()),
            ok: StatusCode::OK,
        },
        Check {
            perm: RevealPersonal,
            method: "POST",
            path: "/api/v1/people/export".into(),
            body: Some(format!(r#"{{"within":"{n}","reason":"年度核查"}}"#)),
            ok: StatusCode::OK,
        },
    ];
    if let Some(e) = &x.entrance {
        v.push(Check {
            perm: EditTerritory,
            method: "POST",
            path: "/api/v1/territories".into(),
            body: Some(format!(
                r#"{{"parent":"{0}","kind":"dwelling","code":"{0}-99{1}","name":"99{1}室","area_m2":"60.5","dwelling_use":"residential"}}"#,
                e.code, tag
            )),
            ok: StatusCode::CREATED,
        });
    }
    if let Some(t) = &x.manager_target {
        v.push(get(ManageUsers, format!("/api/v1/users/{t}")));
    }
    if let Some(b) = &x.building {
        v.push(Check {
            perm: ManageUsers,
            method: "POST",
            path: "/api/v1/users".into(),
            body: Some(format!(
                r#"{{"username":"new.{tag}","display_name":"新楼长","password":"a-long-initial-password","role":"building_leader","scope":"{}"}}"#,
                b.code
            )),
            ok: StatusCode::CREATED,
        });
    }
    v
}

async fn run(app: &App, c: &Check) -> (StatusCode, String) {
    app.call(c.method, &c.path, c.body.as_deref()).await
}

#[tokio::test]
async fn every_role_reads_its_scope_and_gets_404_for_a_sibling_scope() {
    for (t, state) in states().await {
        let s = &t.store;
        for (i, demo) in DEMO_USERS.iter().enumerate() {
            let user = s.user_by_name(demo.username).await.unwrap();
            let principal = s.principal_of(&user).await.unwrap();
            let grant = &principal.grants[0];
            let app = App::signed_in(state.clone(), demo.username).await;
            let role = demo.role;
            let ctx = format!("{} ({}) on {}", demo.username, role.as_str(), t.name);

            if role == Role::Resident {
                // Self only: their own record and household; anyone else's is not found.
                let me = principal.person_id.unwrap().to_string();
                let (st, v) = app.json("/api/v1/people").await;
                assert_eq!((st, v["total"].as_i64()), (StatusCode::OK, Some(1)), "{ctx}");
                assert_eq!(v["items"][0]["id"], me.as_str());
                assert_eq!(app.json(&format!("/api/v1/people/{me}")).await.0, StatusCode::OK, "{ctx}");
                let (_, hh) = app.json("/api/v1/households").await;
                assert_eq!(hh["total"], 1, "{ctx}");
                let own_hh = hh["items"][0]["id"].as_str().unwrap().to_string();
                assert_eq!(app.json(&format!("/api/v1/households/{own_hh}")).await.0, StatusCode::OK);
                let other = s
                    .list_people(
                        &jiayuan_store::testing::everything(),
                        &PeopleQuery::default(),
                        Page::new(Some(1), Some(5)).unwrap(),
                    )
                    .await
                    .unwrap()
                    .items
                    .into_iter()
                    .find(|p| p.id.to_string() != me)
                    .unwrap();
                assert_eq!(app.json(&format!("/api/v1/people/{}", other.id)).await.0, StatusCode::NOT_FOUND, "{ctx}");
                assert_eq!(app.call("GET", &format!("/people/{}", other.id), None).await.0, StatusCode::NOT_FOUND);
                let (st, found) = app.json(&format!("/api/v1/people?q={}", other.id_number)).await;
                assert_eq!((st, found["total"].as_i64()), (StatusCode::OK, Some(0)), "search stays in scope: {ctx}");
                for path in
                    ["/api/v1/territories", "/api/v1/stats", "/api/v1/organisations", "/api/v1/users", "/api/v1/audit"]
                {
                    assert_eq!(app.json(path).await.0, StatusCode::FORBIDDEN, "{path}: {ctx}");
                }
                continue;
            }

            let a_node = s.territory_by_ref(&grant.territory_code).await.unwrap();
            let a = side(s, a_node.clone(), &format!("a{i}")).await;
            let b = match sibling(s, &a_node).await {
                Some(n) => Some(side(s, n, &format!("b{i}")).await),
                None => {
                    assert_eq!(role, Role::DistrictAdmin, "only the district has no sibling: {ctx}");
                    None
                }
            };

            for c in checks(&a, &format!("a{i}")) {
                let (st, body) = run(&app, &c).await;
                let want = if role.allows(c.perm) { c.ok } else { StatusCode::FORBIDDEN };
                assert_eq!(st, want, "A: {} {} as {ctx}: {}", c.method, c.path, &body[..body.len().min(300)]);
            }
            if let Some(b) = &b {
                for c in checks(b, &format!("b{i}")) {
                    let (st, body) = run(&app, &c).await;
                    let want = if role.allows(c.perm) { StatusCode::NOT_FOUND } else { StatusCode::FORBIDDEN };
                    assert_eq!(st, want, "B: {} {} as {ctx}: {}", c.method, c.path, &body[..body.len().min(300)]);
                }
                if role.allows(Permission::ViewPeople) {
                    // A whole ID number from B finds nothing; one from A finds its person.
                    let (_, none) = app.json(&format!("/api/v1/people?q={}", b.person_id_number)).await;
                    assert_eq!(none["total"], 0, "search leaked B: {ctx}");
                    let (_, one) = app.json(&format!("/api/v1/people?q={}", a.person_id_number)).await;
                    assert_eq!(one["total"], 1, "{ctx}");
                }
                if role.allows(Permission::ViewAudit) {
                    let (st, log) = app.json("/api/v1/audit?page_size=200").await;
                    assert_eq!(st, StatusCode::OK);
                    let items = log["items"].as_array().unwrap();
                    assert!(!items.is_empty(), "{ctx}");
                    assert!(
                        items.iter().all(|e| e["scope_path"].as_str().unwrap().starts_with(&a.node.path)),
                        "audit entries outside A: {ctx}"
                    );
                }
            }
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn anonymous_requests_are_refused_and_sent_to_sign_in() {
    for (t, state) in states().await {
        let app = App::anonymous(state);
        for path in ["/api/v1/people", "/api/v1/territories", "/api/v1/audit", "/api/v1/users", "/api/v1/auth/me"] {
            let (st, v): (StatusCode, Value) = app.json(path).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{path} on {}", t.name);
            assert_eq!(v["error"]["code"], "unauthorized");
        }
        let r = app.send("GET", "/people?q=wang", None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers["location"], "/login?next=%2Fpeople%3Fq%3Dwang");
        assert_eq!(app.call("GET", "/healthz", None).await.0, StatusCode::OK);
        assert_eq!(app.send("GET", "/login", None).await.status, StatusCode::OK);
        let bad = app.send("GET", "/api/v1/people", None).await;
        assert!(bad.headers.contains_key("x-request-id"));
        t.finish().await;
    }
}

/// Issue 10: a resident's own pages link only to what opens for them (their household, not
/// their relatives' records; no places, which they may not browse).
#[tokio::test]
async fn a_residents_pages_link_only_to_what_opens() {
    for (t, state) in common::states().await {
        let r1 = common::App::signed_in(state.clone(), "r1").await;
        // A resident's home: their appeals, and links to their record and to filing.
        let home = r1.send("GET", "/", None).await;
        assert_eq!(home.status, axum::http::StatusCode::OK);
        assert!(home.body.contains("我的诉求") && home.body.contains("href=\"/report\""), "{}", home.body);
        let mut pages = vec!["/".to_string()];
        let mut seen = std::collections::HashSet::new();
        let mut followed = 0;
        while let Some(p) = pages.pop() {
            if !seen.insert(p.clone()) {
                continue;
            }
            let r = r1.send("GET", &p, None).await;
            assert_eq!(r.status, axum::http::StatusCode::OK, "{p} on {}", t.name);
            followed += 1;
            for part in r.body.split("href=\"").skip(1) {
                let href = part.split('"').next().unwrap();
                let pages_of_the_site = ["/people/", "/households/", "/territories", "/appeals", "/report", "/account"];
                if pages_of_the_site.iter().any(|x| href.starts_with(x)) {
                    pages.push(href.to_string());
                }
            }
        }
        assert!(followed >= 4, "home, one's record, household, appeals: {followed}");
        t.finish().await;
    }
}
