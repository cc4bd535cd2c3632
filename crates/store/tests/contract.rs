//! The store's contract: the same behaviour on SQLite and PostgreSQL.

use jiayuan_domain::TerritoryKind;
use jiayuan_store::demo::Scale;
use jiayuan_store::model::Page;
use jiayuan_store::people::PeopleQuery;
use jiayuan_store::territory::{NewTerritory, TerritoryQuery};
use jiayuan_store::{testing, StoreError};

#[tokio::test]
async fn migrations_are_idempotent_and_refuse_newer_schema() {
    for t in testing::all().await {
        let s = &t.store;
        assert_eq!(s.migrate().await.unwrap(), 0, "{}", t.name);
        assert_eq!(s.schema_version().await.unwrap(), jiayuan_store::schema::SCHEMA_VERSION);
        jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query(
            "UPDATE schema_meta SET value = '999' WHERE key = 'schema_version'"
        )
        .execute(p)
        .await
        .map(|_| ()))
        .unwrap();
        assert!(matches!(s.migrate().await, Err(StoreError::SchemaTooNew { found: 999, .. })), "{}", t.name);
        assert!(s.check_schema().await.is_err());
        t.finish().await;
    }
}

#[tokio::test]
async fn small_demo_is_deterministic_and_counts_add_up() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 7, &|_, _| {}).await.unwrap();
        let st = s.stats(&jiayuan_store::testing::everything()).await.unwrap();
        assert_eq!(st.subdistricts, 2, "{}", t.name);
        assert_eq!(st.communities, 3);
        assert_eq!(st.compounds, 9);
        assert_eq!(st.compound_branches, 9);
        assert_eq!(st.buildings, 30);
        assert_eq!(st.building_groups, 30);
        assert_eq!(st.central_households, 24);
        assert_eq!(st.social_organisations, 3);
        assert_eq!(st.service_stations, 3);
        assert!(st.households > 100 && st.residents > st.households, "{st:?}");
        // A second run into an occupied database is refused, nothing written.
        assert!(s.generate_demo(Scale::Small, 7, &|_, _| {}).await.is_err());
        assert_eq!(s.stats(&jiayuan_store::testing::everything()).await.unwrap(), st);

        // Same seed, same data: compare with a second database.
        let other = testing::sqlite().await;
        other.store.generate_demo(Scale::Small, 7, &|_, _| {}).await.unwrap();
        let a = s
            .list_people(
                &jiayuan_store::testing::everything(),
                &PeopleQuery { sort: Some("name".into()), ..Default::default() },
                Page::new(Some(1), Some(50)).unwrap(),
            )
            .await
            .unwrap();
        let b = other
            .store
            .list_people(
                &jiayuan_store::testing::everything(),
                &PeopleQuery { sort: Some("name".into()), ..Default::default() },
                Page::new(Some(1), Some(50)).unwrap(),
            )
            .await
            .unwrap();
        let key = |p: &jiayuan_store::model::Person| (p.id, p.name.clone(), p.id_number.clone());
        assert_eq!(a.items.iter().map(key).collect::<Vec<_>>(), b.items.iter().map(key).collect::<Vec<_>>());
        other.finish().await;
        t.finish().await;
    }
}

#[tokio::test]
async fn subtree_lists_search_and_sort() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let community = s.territory_by_code("370612001002").await.unwrap();
        let within = jiayuan_store::testing::everything().narrow(&community).unwrap();
        let page = Page::new(Some(1), Some(200)).unwrap();
        let buildings = s
            .list_territories(
                &within,
                &TerritoryQuery { kind: Some(TerritoryKind::Building), ..Default::default() },
                page,
            )
            .await
            .unwrap();
        assert!(buildings.total > 0);
        assert!(
            buildings.items.iter().all(|b| b.path.starts_with(&community.path) && b.kind == "building"),
            "{}",
            t.name
        );
        let all_buildings = s
            .list_territories(
                &jiayuan_store::testing::everything(),
                &TerritoryQuery { kind: Some(TerritoryKind::Building), ..Default::default() },
                page,
            )
            .await
            .unwrap();
        assert!(all_buildings.total > buildings.total);

        let people = s
            .list_people(&within, &PeopleQuery { sort: Some("name".into()), ..Default::default() }, page)
            .await
            .unwrap();
        assert!(!people.items.is_empty(), "the community has residents");
        assert!(people.items.iter().all(|p| p.home_path.as_deref().unwrap().starts_with(&community.path)));
        let keys: Vec<_> = people.items.iter().map(|p| p.name_pinyin.clone()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "pinyin order on {}", t.name);

        // Search by Chinese fragment, by pinyin, by initials and by whole ID number.
        let someone = &people.items[0];
        let (py, ini) = jiayuan_domain::names::search_keys(&someone.name);
        for q in [someone.name.clone(), py, ini, someone.id_number.clone()] {
            let found = s
                .list_people(
                    &jiayuan_store::testing::everything(),
                    &PeopleQuery { q: Some(q.clone()), ..Default::default() },
                    page,
                )
                .await
                .unwrap();
            assert!(found.items.iter().any(|p| p.id == someone.id), "search {q} on {}", t.name);
        }
        let bad = s
            .list_people(
                &jiayuan_store::testing::everything(),
                &PeopleQuery { sort: Some("salary".into()), ..Default::default() },
                page,
            )
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(e)) if e.field == "sort"));
        // At rest the ID and phone columns hold ciphertext only.
        let (stored_id, stored_phone): (String, Option<String>) =
            jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_as("SELECT id_number, phone FROM people WHERE id = $1")
                .bind(someone.id)
                .fetch_one(p)
                .await)
            .unwrap();
        assert!(!stored_id.contains(&someone.id_number[..10]), "ID number in clear on {}", t.name);
        if let (Some(sp), Some(pp)) = (stored_phone, someone.phone.as_ref()) {
            assert!(!sp.contains(pp.as_str()), "phone in clear on {}", t.name);
        }
        let d = s.person_detail(&jiayuan_store::testing::everything(), someone.id).await.unwrap();
        assert!(d.household.is_some() && !d.members.is_empty());
        assert!(d.address.unwrap().contains("号楼"));
        t.finish().await;
    }
}

#[tokio::test]
async fn territory_creation_validates_codes() {
    for t in testing::all().await {
        let s = &t.store;
        let d = s
            .create_territory(
                &jiayuan_store::testing::everything(),
                &jiayuan_store::audit::AuditCtx::operator("test"),
                &NewTerritory {
                    kind: "district".into(),
                    code: "370612000000".into(),
                    name: "牟平区".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(d.path, "/370612/");
        let sd = s
            .create_territory(
                &jiayuan_store::testing::everything(),
                &jiayuan_store::audit::AuditCtx::operator("test"),
                &NewTerritory {
                    parent_code: Some("370612000000".into()),
                    kind: "subdistrict".into(),
                    code: "370612001000".into(),
                    name: "宁海街道".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(sd.path, "/370612/001/");
        let bad = s
            .create_territory(
                &jiayuan_store::testing::everything(),
                &jiayuan_store::audit::AuditCtx::operator("test"),
                &NewTerritory {
                    parent_code: Some("370612000000".into()),
                    kind: "community".into(),
                    code: "370612001001".into(),
                    name: "x".into(),
                    ..Default::default()
                },
            )
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(e)) if e.field == "code"));
        let dup = s
            .create_territory(
                &jiayuan_store::testing::everything(),
                &jiayuan_store::audit::AuditCtx::operator("test"),
                &NewTerritory {
                    parent_code: Some("370612000000".into()),
                    kind: "subdistrict".into(),
                    code: "370612001000".into(),
                    name: "重复".into(),
                    ..Default::default()
                },
            )
            .await;
        assert!(matches!(dup, Err(StoreError::Conflict { .. })));
        let ghost = s
            .create_territory(
                &jiayuan_store::testing::everything(),
                &jiayuan_store::audit::AuditCtx::operator("test"),
                &NewTerritory {
                    parent_code: Some("999".into()),
                    kind: "subdistrict".into(),
                    code: "370612002000".into(),
                    name: "x".into(),
                    ..Default::default()
                },
            )
            .await;
        assert!(matches!(ghost, Err(StoreError::Missing(e)) if e.field == "parent"));
        t.finish().await;
    }
}

/// A test that fails before `finish` still leaves no database behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_database_is_dropped_even_without_finish() {
    for t in jiayuan_store::testing::all().await {
        let (name, url) = (t.name, t.url.clone());
        drop(t); // as a panic would
        if let Some(path) = url.strip_prefix("sqlite://") {
            assert!(!std::path::Path::new(path).exists(), "{path} left behind");
        } else {
            let dbname = url.rsplit('/').next().unwrap().to_string();
            let base = std::env::var("JIAYUAN_TEST_DATABASE_URL").unwrap();
            let admin = jiayuan_store::Store::connect(&base, jiayuan_store::crypto::Crypto::for_tests()).await.unwrap();
            let jiayuan_store::Db::Postgres(pool) = admin.raw_db() else { unreachable!() };
            let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
                .bind(&dbname)
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(left, 0, "{dbname} left behind on {name}");
            admin.close().await;
        }
    }
}

/// The name search reads `person_name_keys`; whatever is asked, in whatever scope, it must
/// answer what reading every resident would: the same total and the same page in name order.
#[tokio::test]
async fn name_search_by_keys_answers_what_a_full_scan_would() {
    use jiayuan_domain::names::search_keys;
    use jiayuan_domain::person::PersonTag;
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 3, &|_, _| {}).await.unwrap();
        let all = s.people_for_export(&testing::everything(), &PeopleQuery::default()).await.unwrap();
        let community = s.territory_by_code("370612001002").await.unwrap();
        let scopes =
            [("district", testing::everything()), ("community", testing::everything().narrow(&community).unwrap())];
        // Queries from the residents themselves: characters, pairs, whole names, pinyin and
        // initials prefixes, in upper case and with spaces; and a few that match nothing.
        let mut queries: Vec<String> =
            vec!["王".into(), "w".into(), "wang".into(), "zh".into(), "  ".into(), "-".into(), "王王王".into()];
        for p in all.iter().step_by(41) {
            let chars: Vec<char> = p.name.chars().collect();
            let (py, ini) = search_keys(&p.name);
            queries.push(chars[0].to_string());
            queries.push(chars[chars.len() - 1].to_string());
            queries.push(chars[chars.len().saturating_sub(2)..].iter().collect());
            queries.push(p.name.clone());
            queries.push(format!(" {} ", py[..3.min(py.len())].to_uppercase()));
            queries.push(py.clone());
            queries.push(ini.clone());
            queries.push(ini[..1].to_string());
        }
        let page = Page::new(Some(1), Some(50)).unwrap();
        for (scope_name, scope) in &scopes {
            for q in &queries {
                for tag in [None, Some(PersonTag::Elderly)] {
                    let text: String = q.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
                    let compact: String = text.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                    let mut expected: Vec<_> = all
                        .iter()
                        .filter(|p| scope.covers_path(p.home_path.as_deref().unwrap_or("")))
                        .filter(|p| tag.is_none_or(|t| p.tags.split(',').any(|x| x == t.as_str())))
                        .filter(|p| {
                            if text.is_empty() {
                                true
                            } else if text.is_ascii() {
                                let (py, ini) = search_keys(&p.name);
                                !compact.is_empty() && (py.starts_with(&compact) || ini.starts_with(&compact))
                            } else {
                                p.name.to_lowercase().contains(&text)
                            }
                        })
                        .collect();
                    expected.sort_by(|a, b| (&a.name_pinyin, a.id).cmp(&(&b.name_pinyin, b.id)));
                    let f = PeopleQuery { q: Some(q.clone()), tag, ..Default::default() };
                    let got = s.list_people(scope, &f, page).await.unwrap();
                    let want: Vec<_> = expected.iter().take(50).map(|p| p.id).collect();
                    let ids: Vec<_> = got.items.iter().map(|p| p.id).collect();
                    assert_eq!(
                        got.total as usize,
                        expected.len(),
                        "total of {q:?} {tag:?} in the {scope_name} on {}",
                        t.name
                    );
                    assert_eq!(ids, want, "page of {q:?} {tag:?} in the {scope_name} on {}", t.name);
                    // The export and the other sorts read the same keys.
                    let exported = s.people_for_export(scope, &f).await.unwrap();
                    assert_eq!(exported.len(), expected.len(), "export of {q:?} in the {scope_name} on {}", t.name);
                }
            }
        }
        // Backwards, and a later page.
        let f = PeopleQuery { q: Some("w".into()), sort: Some("-name".into()), ..Default::default() };
        let second = s.list_people(&testing::everything(), &f, Page::new(Some(2), Some(5)).unwrap()).await.unwrap();
        let mut w: Vec<_> = all.iter().filter(|p| search_keys(&p.name).0.starts_with('w')).collect();
        w.sort_by(|a, b| (&b.name_pinyin, a.id).cmp(&(&a.name_pinyin, b.id)));
        let want: Vec<_> = w.iter().skip(5).take(5).map(|p| p.id).collect();
        assert_eq!(second.items.iter().map(|p| p.id).collect::<Vec<_>>(), want, "second page backwards on {}", t.name);
        t.finish().await;
    }
}

/// A database written before the name keys existed gets them when it is migrated.
#[tokio::test]
async fn migrating_an_older_database_fills_the_name_keys() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 2, &|_, _| {}).await.unwrap();
        let count = || async {
            jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_scalar::<_, i64>("SELECT count(*) FROM person_name_keys")
                .fetch_one(p)
                .await)
            .unwrap()
        };
        let written = count().await;
        assert!(written > 0, "{}", t.name);
        // Back to schema 8: the tables and indexes of migrations 9 and later gone, as they were.
        for stmt in [
            "DROP INDEX appeals_open_handler",
            "DROP INDEX appeals_resolved",
            "DROP INDEX council_topics_done",
            "DROP TABLE programme_attendance",
            "DROP TABLE programme_events",
            "DROP TABLE grid_secretary_scores",
            "DROP TABLE grid_secretary_reviews",
            "DROP TABLE grid_secretary_reports",
            "DROP TABLE grid_secretary_filings",
            "DROP TABLE worker_promotions",
            "DROP TABLE worker_appraisals",
            "DROP TABLE worker_grid_posts",
            "DROP TABLE community_workers",
            "DROP TABLE worker_applicants",
            "DROP TABLE worker_recruitments",
            "DROP TABLE worker_pay_grades",
            "DROP TABLE grid_helpers",
            "DROP TABLE grid_visits",
            "DROP TABLE grid_visit_rules",
            "DROP TABLE fund_tallies",
            "DROP TABLE fund_entries",
            "DROP TABLE fund_receipts",
            "DROP TABLE fund_special_amounts",
            "DROP TABLE fund_rules",
            "DROP TABLE golden_adoptions",
            "DROP TABLE golden_reviews",
            "DROP TABLE golden_solutions",
            "DROP TABLE golden_rubric",
            "DROP TABLE org_adoptions",
            "DROP TABLE activity_photos",
            "DROP TABLE activity_stalls",
            "DROP TABLE volunteer_records",
            "DROP TABLE volunteer_members",
            "DROP TABLE volunteer_teams",
            "DROP TABLE activity_registrations",
            "DROP TABLE activities",
            "DROP TABLE venture_projects",
            "DROP TABLE activity_kinds",
            "DROP TABLE service_point_tallies",
            "DROP TABLE service_item_tallies",
            "DROP TABLE service_rollups",
            "DROP TABLE service_follow_ups",
            "DROP TABLE service_ratings",
            "DROP TABLE service_appointments",
            "DROP TABLE service_slots",
            "DROP TABLE service_consultations",
            "DROP TABLE service_notices",
            "DROP TABLE service_ticket_events",
            "DROP TABLE service_ticket_materials",
            "DROP TABLE service_tickets",
            "DROP TABLE service_duty_shifts",
            "DROP TABLE service_point_exclusions",
            "DROP TABLE service_points",
            "DROP TABLE service_item_versions",
            "DROP TABLE service_items",
            "DROP TABLE service_categories",
            "DROP TABLE decision_processes",
            "DROP TABLE owner_vote_co_owners",
            "DROP TABLE ballot_casters",
            "DROP TABLE council_progress",
            "DROP TABLE council_outcomes",
            "DROP TABLE council_meeting_photos",
            "DROP TABLE council_meeting_topics",
            "DROP TABLE council_attendance",
            "DROP TABLE council_meetings",
            "DROP TABLE council_topics",
            "DROP TABLE council_members",
            "DROP TABLE councils",
            "DROP TABLE owner_vote_images",
            "DROP TABLE decision_events",
            "DROP TABLE decisions",
            "DROP TABLE owner_vote_service",
            "DROP TABLE owner_vote_ballots",
            "DROP TABLE owner_vote_parts",
            "DROP TABLE owner_vote_matters",
            "DROP TABLE owner_votes",
            "DROP TABLE person_name_keys",
            "UPDATE schema_meta SET value = '8' WHERE key = 'schema_version'",
        ] {
            jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query(stmt).execute(p).await.map(|_| ())).unwrap();
        }
        assert_eq!(s.migrate().await.unwrap(), (jiayuan_store::schema::SCHEMA_VERSION - 8) as usize);
        assert_eq!(count().await, written, "the same keys as the demo wrote on {}", t.name);
        t.finish().await;
    }
}

/// The figures are kept between pages, but never past a write of this process: a failed
/// write, a committed one, and a count that a write overtook all leave no stale figure.
#[tokio::test]
async fn kept_figures_follow_every_write() {
    for t in testing::all().await {
        let s = &t.store;
        let all = testing::everything();
        let ctx = jiayuan_store::audit::AuditCtx::operator("test");
        let district = NewTerritory {
            kind: "district".into(),
            code: "370612000000".into(),
            name: "牟平区".into(),
            ..Default::default()
        };
        s.create_territory(&all, &ctx, &district).await.unwrap();
        let before = s.stats(&all).await.unwrap();
        assert_eq!(s.stats(&all).await.unwrap(), before, "read twice, the same on {}", t.name);
        // A refused write changes nothing, and the figures say so.
        assert!(s.create_territory(&all, &ctx, &district).await.is_err());
        assert_eq!(s.stats(&all).await.unwrap(), before);
        let sub = |code: &str| NewTerritory {
            parent_code: Some("370612000000".into()),
            kind: "subdistrict".into(),
            code: code.into(),
            name: format!("街道{code}"),
            ..Default::default()
        };
        s.create_territory(&all, &ctx, &sub("370612001000")).await.unwrap();
        assert_eq!(s.stats(&all).await.unwrap().subdistricts, before.subdistricts + 1, "after a write on {}", t.name);
        // Counting while another write commits: the next read counts again.
        let second = sub("370612002000");
        let (counted, created) = tokio::join!(s.stats(&all), s.create_territory(&all, &ctx, &second));
        counted.unwrap();
        created.unwrap();
        assert_eq!(
            s.stats(&all).await.unwrap().subdistricts,
            before.subdistricts + 2,
            "after a concurrent write on {}",
            t.name
        );
        t.finish().await;
    }
}
