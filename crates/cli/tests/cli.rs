//! The `jiayuan` binary as an operator uses it: exit codes, messages, JSON, ledgers.

use jiayuan_store::testing;
use std::process::{Command, Output};

/// The key the test stores use (`Crypto::for_tests`: 32 bytes of 7).
const TEST_KEY: &str = "0707070707070707070707070707070707070707070707070707070707070707";

fn jiayuan(db: &str, args: &[&str]) -> Output {
    jiayuan_with(db, args, &[("JIAYUAN_KEY", TEST_KEY)])
}

fn jiayuan_with(db: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jiayuan"));
    c.arg("--db").arg(db).args(args).env("RUST_LOG", "error").env_remove("JIAYUAN_KEY").env_remove("JIAYUAN_KEY_FILE");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run jiayuan")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("jiayuan_cli_{}_{}", std::process::id(), uuid_like()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

#[tokio::test]
async fn demo_stats_export_import_and_errors() {
    for t in testing::all().await {
        let db = t.url.clone();
        let o = jiayuan(&db, &["demo", "--scale", "small", "--seed", "4"]);
        assert!(o.status.success(), "{}", text(&o));
        let o = jiayuan(&db, &["stats", "--json"]);
        assert!(o.status.success(), "{}", text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stats --json prints one JSON object");
        for key in [
            "subdistricts",
            "communities",
            "compounds",
            "buildings",
            "dwellings",
            "households",
            "residents",
            "compound_branches",
            "building_groups",
            "central_households",
            "party_members",
            "social_organisations",
            "service_stations",
            "owner_votes",
            "property_decisions",
            "property_matters_by_branch",
            "council_topics",
            "council_topics_done",
            "service_tickets",
            "matters_outside_hours",
            "consultations",
            "consultations_outside_hours",
            "activities",
            "beneficiaries",
            "volunteer_hours",
            "venture_projects",
            "golden_solutions",
            "training_sessions",
            "trainees",
            "fund_income_fen",
            "fund_spent_fen",
            "grid_visits",
            "households_unvisited",
        ] {
            assert!(v[key].is_i64(), "stats --json lacks {key}");
        }
        assert_eq!(v["compound_branches"], 9);
        // The catalogue the seed describes: 4 categories with 43 items at the stations, 61
        // services under 5 areas in the centres.
        assert_eq!(
            (
                v["service_categories"].clone(),
                v["service_items"].clone(),
                v["centre_service_areas"].clone(),
                v["centre_services"].clone()
            ),
            (4.into(), 43.into(), 5.into(), 61.into())
        );
        // By period: what stands is the same, what happened is counted in the period; one end
        // alone is refused with a non-zero exit.
        let y = jiayuan(&db, &["stats", "--year", "2020", "--json"]);
        assert!(y.status.success(), "{}", String::from_utf8_lossy(&y.stderr));
        let yv: serde_json::Value = serde_json::from_slice(&y.stdout).unwrap();
        assert_eq!((yv["compound_branches"].clone(), yv["council_topics"].clone()), (9.into(), 0.into()));
        assert!(!jiayuan(&db, &["stats", "--from", "2020-01-01"]).status.success());
        assert!(!jiayuan(&db, &["stats", "--from", "2020-05-01", "--to", "2020-01-01"]).status.success());
        let o = jiayuan(&db, &["stats", "--territory", "370612001001", "--json"]);
        let sub: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(sub["communities"], 1);
        assert!(sub["residents"].as_i64().unwrap() < v["residents"].as_i64().unwrap());

        // A second demo into the same database is refused.
        let o = jiayuan(&db, &["demo", "--scale", "small"]);
        assert!(!o.status.success());
        assert!(text(&o).contains("not empty"), "{}", text(&o));

        // Export, then import the same file: nothing changes.
        let d = dir();
        let f = d.join("people.xlsx");
        let o = jiayuan(&db, &["export", "people", f.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        let o = jiayuan(&db, &["import", "people", f.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&o).contains(" 0 created, 0 updated"), "{}", text(&o));

        // The service catalogue round-trips through Excel: the same file changes nothing, an
        // edited limit makes a new version of that item only, a broken cell names its row.
        let cat = d.join("service-items.xlsx");
        let o = jiayuan(&db, &["export", "service-items", cat.to_str().unwrap()]);
        assert!(o.status.success() && text(&o).contains("104 service items"), "{}", text(&o));
        let o = jiayuan(&db, &["import", "service-items", cat.to_str().unwrap()]);
        assert!(o.status.success() && text(&o).contains("0 new or changed"), "{}", text(&o));
        let csv = d.join("service-items.csv");
        assert!(jiayuan(&db, &["export", "service-items", csv.to_str().unwrap()]).status.success());
        let body = std::fs::read_to_string(&csv).unwrap();
        let edited =
            body.replacen("老年人优待证（老年证）办理,区民政局,5,", "老年人优待证（老年证）办理,区民政局,3,", 1);
        assert_ne!(body, edited, "the senior card's row is in the export");
        std::fs::write(&csv, &edited).unwrap();
        let o = jiayuan(&db, &["import", "service-items", csv.to_str().unwrap()]);
        assert!(o.status.success() && text(&o).contains("1 new or changed"), "{}", text(&o));
        std::fs::write(&csv, edited.replacen(",区民政局,3,", ",区民政局,三天,", 1)).unwrap();
        let o = jiayuan(&db, &["import", "service-items", csv.to_str().unwrap()]);
        assert!(!o.status.success() && text(&o).contains("办结时限"), "{}", text(&o));

        // Bad input: non-zero exit and a message naming the problem.
        let bad = d.join("bad.csv");
        std::fs::write(&bad, "姓名,身份证号\n张三,110105194912310021\n").unwrap();
        for (args, needle) in [
            (vec!["import", "people", bad.to_str().unwrap()], "第2行"),
            (vec!["import", "pets", bad.to_str().unwrap()], "KIND"),
            (vec!["stats", "--territory", "999"], "--territory"),
            (vec!["demo", "--scale", "huge"], "--scale"),
            (vec!["export", "people", d.join("x.pdf").to_str().unwrap()], "xlsx"),
        ] {
            let o = jiayuan(&db, &args);
            assert!(!o.status.success(), "{args:?} should fail");
            assert!(text(&o).contains(needle), "{args:?}: {}", text(&o));
        }
        let _ = std::fs::remove_dir_all(&d);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_key_is_made_for_a_new_database_and_required_afterwards() {
    let d = dir();
    let db = format!("sqlite://{}", d.join("k.db").display());
    let o = jiayuan_with(&db, &["demo", "--scale", "small"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("k.db.key"), "announces the new key file: {}", text(&o));
    let key = std::fs::read_to_string(d.join("k.db.key")).unwrap();
    assert_eq!(key.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(d.join("k.db.key")).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The raw file holds no ID number in clear.
    let o = jiayuan_with(&db, &["export", "people", d.join("p.csv").to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let csv = std::fs::read_to_string(d.join("p.csv")).unwrap();
    let some_id = csv.lines().nth(1).unwrap().split(',').nth(1).unwrap().to_string();
    assert_eq!(some_id.len(), 18);
    let raw = std::fs::read(d.join("k.db")).unwrap();
    let wal = std::fs::read(d.join("k.db-wal")).unwrap_or_default();
    let contains = |hay: &[u8]| hay.windows(18).any(|w| w == some_id.as_bytes());
    assert!(!contains(&raw) && !contains(&wal), "ID number stored in clear");
    // Another key, or no key file, is refused.
    let o = jiayuan_with(&db, &["stats"], &[("JIAYUAN_KEY", TEST_KEY)]);
    assert!(!o.status.success());
    assert!(text(&o).contains("another key"), "{}", text(&o));
    std::fs::rename(d.join("k.db.key"), d.join("elsewhere.key")).unwrap();
    let o = jiayuan_with(&db, &["stats"], &[]);
    assert!(!o.status.success());
    assert!(text(&o).contains("key file not found"), "{}", text(&o));
    assert!(!d.join("k.db.key").exists(), "no new key made for a database that has one");
    let o = jiayuan_with(&db, &["--key-file", d.join("elsewhere.key").to_str().unwrap(), "stats"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_unknown_database_scheme_is_an_error() {
    let o = jiayuan("mysql://localhost/x", &["migrate"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("sqlite://"), "{}", text(&o));
}

#[test]
fn a_tile_source_without_its_placeholders_stops_serve_before_it_listens() {
    let d = dir();
    let db = format!("sqlite://{}", d.join("tiles.db").display());
    for (template, says) in
        [("https://tiles.example.cn/{z}/{x}.png", "{TileMatrix}"), ("tiles/{z}/{x}/{y}", "https://")]
    {
        let o = jiayuan(&db, &["serve", "--addr", "127.0.0.1:0", "--map-tiles", template]);
        assert!(!o.status.success());
        let out = text(&o);
        assert!(out.contains("--map-tiles") && out.contains(says), "{out}");
        assert!(!out.contains("serving on"), "{out}");
    }
    let o = jiayuan(&db, &["serve", "--map-tiles-gcj02"]);
    assert!(!o.status.success(), "GCJ-02 without a source is a mistake");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_paper_vote_is_tallied_from_a_sheet_and_a_bad_sheet_counts_nothing() {
    let d = dir();
    std::fs::create_dir_all(&d).unwrap();
    let sheet = d.join("paper.csv");
    std::fs::write(
        &sheet,
        "part_id,owner_id,area,kind,delivered,choice\n\
         1-101,O1,89.45,residential,yes,agree\n\
         1-102,O2,89.45,residential,yes,agree\n\
         1-201,O3,92.10,residential,yes,oppose\n\
         1-202,O1,92.10,residential,yes,agree\n\
         2-101,O4,120.00,residential,yes,abstain\n\
         2-102,O5,120.00,residential,yes,\n\
         S-01,O6,210.30,commercial,yes,agree\n\
         2-201,DEV,120.00,developer,no,\n\
         P-001,O2,12.50,parking,yes,agree\n",
    )
    .unwrap();
    let db = "sqlite:///nonexistent/never-opened.db";
    let path = sheet.to_str().unwrap();
    let o = jiayuan(db, &["vote", "tally", path, "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["matter"], 1);
    assert_eq!(v["threshold"], "half");
    assert_eq!(v["total"]["area"], "933.40", "parking left out: {v}");
    assert_eq!(v["total"]["headcount"], 7, "O1 once, the developer once");
    assert_eq!(v["participating"]["area"], "693.40");
    assert_eq!(v["agree"]["headcount"], 3);
    assert_eq!((v["quorum_met"].as_bool(), v["passed"].as_bool()), (Some(true), Some(true)));
    // Matter 6 needs 3/4; parking counted; each part a head.
    let o = jiayuan(
        db,
        &[
            "vote",
            "tally",
            path,
            "--json",
            "--matter",
            "6",
            "--count-parking",
            "true",
            "--multi-part-owner-once",
            "false",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["threshold"], "three_quarters");
    assert_eq!(v["total"]["area"], "945.90");
    assert_eq!(v["total"]["headcount"], 9);
    assert_eq!(v["passed"], false);
    // In words, with the arithmetic.
    let o = jiayuan(db, &["vote", "tally", path]);
    assert!(text(&o).contains("693.40×3 = 2080.20 ≥ 933.40×2 = 1866.80"), "{}", text(&o));
    // A bad sheet: every bad row named, nothing counted, a failure.
    let bad = d.join("bad.csv");
    std::fs::write(
        &bad,
        "part_id,owner_id,area,kind,delivered,choice\n1,a,89.456,house,yes,agree\n2,b,80,residential,maybe,perhaps\n",
    )
    .unwrap();
    let o = jiayuan(db, &["vote", "tally", bad.to_str().unwrap(), "--json"]);
    assert!(!o.status.success());
    let out = text(&o);
    for needle in ["row 2 [area]", "row 2 [kind]", "row 3 [delivered]", "row 3 [choice]"] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    assert!(!out.contains("\"passed\""), "nothing counted: {out}");
    let o = jiayuan(db, &["vote", "tally", path, "--matter", "10"]);
    assert!(!o.status.success());
    let _ = std::fs::remove_dir_all(&d);
}

#[tokio::test]
async fn a_stored_vote_is_counted_again_from_the_command_line_as_the_system_counts_it() {
    use jiayuan_domain::vote::{Choice, Matter, Rules};
    use jiayuan_store::owner_votes::NewVote;
    let d = dir();
    std::fs::create_dir_all(&d).unwrap();
    let db = format!("sqlite://{}", d.join("v.db").display());
    assert!(jiayuan(&db, &["demo", "--scale", "small"]).status.success());
    let key = jiayuan_store::crypto::parse_key(TEST_KEY).unwrap();
    let store = jiayuan_store::Store::connect(&db, jiayuan_store::crypto::Crypto::new(&key)).await.unwrap();
    let ctx = jiayuan_store::audit::AuditCtx::operator("test");
    let c1 = store.principal_of(&store.user_by_name("c1").await.unwrap()).await.unwrap();
    let bl1 = store.principal_of(&store.user_by_name("bl1").await.unwrap()).await.unwrap();
    let building = store.territory_by_code(&bl1.grants[0].territory_code).await.unwrap();
    let compound = store.territory(building.parent_id.unwrap()).await.unwrap().code;
    let now = chrono::Utc::now();
    let new = NewVote {
        compound,
        title: "关于更换物业的表决".into(),
        matters: vec![(Matter::Manager, "更换物业服务企业".into())],
        assembly_at: now + chrono::Duration::days(16),
        closes_at: now + chrono::Duration::days(20),
        notice_days: 15,
        rules: Rules::default(),
    };
    let v = store.announce_owner_vote(&ctx, &c1, &new, now).await.unwrap();
    let voters = store.owner_vote_voters(v.id).await.unwrap();
    for (voter, _, _) in voters.iter().take(3) {
        store.cast_owner_ballot(&ctx, &c1, v.id, 1, Choice::Agree, Some(voter), false, now).await.unwrap();
    }
    let counted = store.tally_owner_vote(v.id).await.unwrap();
    drop(store);

    let id = v.id.to_string();
    let o = jiayuan(&db, &["vote", "recount", &id, "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let m = &j["matters"][0];
    let t = &counted[0].2;
    assert_eq!(m["agree"]["headcount"], t.agree.headcount);
    assert_eq!(m["agree"]["headcount"], 3);
    assert_eq!(m["total"]["area"], t.total.area.to_string());
    assert_eq!(m["passed"], t.passed);
    let o = jiayuan(&db, &["vote", "recount", &id]);
    assert!(text(&o).contains("更换物业服务企业") && text(&o).contains("参与门槛 quorum"), "{}", text(&o));
    let o = jiayuan(&db, &["vote", "recount", "not-an-id"]);
    assert!(!o.status.success());
    let o = jiayuan(&db, &["vote", "recount", "01a00000-0000-7000-8000-000000000000"]);
    assert!(!o.status.success() && text(&o).contains("no such vote"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&d);
}

fn jiayuan_stdin(db: &str, args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_jiayuan"));
    c.arg("--db").arg(db).args(args).env("RUST_LOG", "error").env_remove("JIAYUAN_KEY").env_remove("JIAYUAN_KEY_FILE");
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("run jiayuan");
    // A command that refuses before reading its input closes the pipe first: not an error here.
    if let Err(e) = child.stdin.take().unwrap().write_all(input.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "writing the input: {e}");
    }
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn accounts_tokens_and_the_audit_chain_from_the_command_line() {
    for t in testing::all().await {
        let db = t.url.clone();
        let key = [("JIAYUAN_KEY", TEST_KEY)];
        // The first administrator comes from the CLI, with a password from standard input.
        let o = jiayuan(&db, &["migrate"]);
        assert!(o.status.success(), "{}", text(&o));
        let o = jiayuan_stdin(
            &db,
            &["user", "create", "chief", "--name", "区管理员", "--role", "district_admin", "--scope", "nowhere"],
            &key,
            "a-strong-first-password\n",
        );
        assert!(!o.status.success(), "an unknown scope is refused");
        assert!(text(&o).contains("scope"), "{}", text(&o));
        let o = jiayuan(&db, &["demo", "--scale", "small", "--seed", "2"]);
        assert!(o.status.success(), "{}", text(&o));
        let o = jiayuan_stdin(
            &db,
            &["user", "create", "chief", "--name", "区管理员", "--role", "district_admin", "--scope", "370612000000"],
            &key,
            "short\n",
        );
        assert!(!o.status.success());
        assert!(text(&o).contains("password"), "policy names the field: {}", text(&o));
        let o = jiayuan_stdin(
            &db,
            &["user", "create", "chief", "--name", "区管理员", "--role", "district_admin", "--scope", "370612000000"],
            &key,
            "a-strong-first-password\n",
        );
        assert!(o.status.success(), "{}", text(&o));
        let o = jiayuan_stdin(
            &db,
            &["user", "create", "chief", "--name", "x", "--role", "mayor", "--scope", "370612000000"],
            &key,
            "a-strong-first-password\n",
        );
        assert!(!o.status.success() && text(&o).contains("--role"), "{}", text(&o));
        let o = jiayuan(&db, &["user", "list"]);
        let list = text(&o);
        assert!(list.contains("chief") && list.contains("initial-password") && list.contains("c1"), "{list}");
        let o = jiayuan(&db, &["user", "disable", "c2"]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(text(&jiayuan(&db, &["user", "list"])).lines().any(|l| l.starts_with("c2") && l.contains("disabled")));
        assert!(!jiayuan(&db, &["user", "disable", "ghost"]).status.success());
        let o = jiayuan_stdin(&db, &["user", "passwd", "w1"], &key, "reset-by-operator-1\n");
        assert!(o.status.success(), "{}", text(&o));

        // A token, printed once, that the store accepts.
        let o = jiayuan(&db, &["token", "create", "--user", "w1", "--expires", "30d"]);
        assert!(o.status.success(), "{}", text(&o));
        let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
        assert!(token.starts_with("jyt_"), "{token}");
        assert_eq!(t.store.token_principal(&token).await.unwrap().unwrap().username, "w1");
        assert!(!jiayuan(&db, &["token", "create", "--user", "w1", "--expires", "soon"]).status.success());

        // The chain verifies; a tampered row makes verify fail with a non-zero exit.
        let o = jiayuan(&db, &["audit", "verify"]);
        assert!(o.status.success(), "{}", text(&o));
        let d = dir();
        let csv = d.join("audit.csv");
        let o = jiayuan(&db, &["audit", "export", csv.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(std::fs::read_to_string(&csv).unwrap().contains("user.create"));
        jiayuan_store::on_db!(t.store.raw_db(), |p| sqlx::query(
            "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2"
        )
        .execute(p)
        .await
        .map(|_| ()))
        .unwrap();
        let o = jiayuan(&db, &["audit", "verify"]);
        assert!(!o.status.success(), "tampering must fail verify");
        assert!(text(&o).contains("entry 2"), "{}", text(&o));
        std::fs::remove_dir_all(d).ok();
        t.finish().await;
    }
}

#[tokio::test]
async fn keys_rotate_replaces_the_key_file_and_the_old_key_stops_working() {
    let d = dir();
    let db = format!("sqlite://{}", d.join("k.db").display());
    let key_file = d.join("k.db.key");
    let o = jiayuan_with(&db, &["demo", "--scale", "small"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let old = std::fs::read_to_string(&key_file).unwrap();
    let before = jiayuan_with(&db, &["stats", "--json"], &[]);
    let o = jiayuan_with(&db, &["keys", "rotate"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let new = std::fs::read_to_string(&key_file).unwrap();
    assert_ne!(old.trim(), new.trim());
    let after = jiayuan_with(&db, &["stats", "--json"], &[]);
    assert!(after.status.success(), "{}", text(&after));
    assert_eq!(before.stdout, after.stdout);
    let refused = jiayuan_with(&db, &["stats"], &[("JIAYUAN_KEY", old.trim())]);
    assert!(!refused.status.success(), "the old key no longer opens the database");
    assert!(jiayuan_with(&db, &["audit", "verify"], &[]).status.success());
    std::fs::remove_dir_all(d).ok();
}

#[tokio::test]
async fn the_working_day_calendar_from_the_command_line() {
    // Without a database: the bundled years, and no database file is created.
    let d = dir();
    let nodb = format!("sqlite://{}", d.join("none.db").display());
    let out = |o: &Output| String::from_utf8_lossy(&o.stdout).trim().to_string();
    for (date, want) in [
        ("2026-10-01", "false"),
        ("2026-10-08", "true"),
        ("2026-10-10", "true"),
        ("2026-10-11", "false"),
        ("2020-02-01", "false"),
    ] {
        let o = jiayuan(&nodb, &["calendar", "is-workday", date]);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(out(&o), want, "{date}");
    }
    assert!(!d.join("none.db").exists(), "reading the calendar creates no database");
    let o = jiayuan(&nodb, &["calendar", "add-workdays", "2026-09-30", "1"]);
    assert_eq!(out(&o), "2026-10-08");
    let o = jiayuan(&nodb, &["calendar", "add-workdays", "2026-02-13", "2"]);
    assert_eq!(out(&o), "2026-02-24");
    let o = jiayuan(&nodb, &["calendar", "is-workday", "2027-01-04"]);
    assert!(!o.status.success() && text(&o).contains("2027"), "no data for 2027 is an error: {}", text(&o));
    let o = jiayuan(&nodb, &["calendar", "add-workdays", "2026-12-20", "10"]);
    assert!(!o.status.success() && text(&o).contains("2027"), "{}", text(&o));
    let o = jiayuan(&nodb, &["calendar", "is-workday", "2026-13-01"]);
    assert!(!o.status.success() && text(&o).contains("DATE"), "{}", text(&o));
    let o = jiayuan(&nodb, &["calendar", "add-workdays", "2026-10-01", "-1"]);
    assert!(!o.status.success() && text(&o).contains("N"), "{}", text(&o));

    // Importing a year into each backend extends that database's calendar.
    let year = d.join("2027.txt");
    std::fs::write(
        &year,
        "year 2027\n2027-01-01 holiday 元旦\n2027-02-06..2027-02-12 holiday 春节\n2027-02-14 workday 春节调休\n",
    )
    .unwrap();
    let bad = d.join("bad.txt");
    std::fs::write(&bad, "year 2027\n2027-02-10 workday\n").unwrap();
    for t in testing::all().await {
        let db = t.url.clone();
        let o = jiayuan(&db, &["calendar", "import", bad.to_str().unwrap()]);
        assert!(!o.status.success() && text(&o).contains("line 2"), "{}", text(&o));
        let o = jiayuan(&db, &["calendar", "import", year.to_str().unwrap()]);
        assert!(o.status.success(), "{} on {}", text(&o), t.name);
        assert_eq!(out(&jiayuan(&db, &["calendar", "is-workday", "2027-01-01"])), "false", "{}", t.name);
        assert_eq!(out(&jiayuan(&db, &["calendar", "is-workday", "2027-02-14"])), "true");
        assert_eq!(out(&jiayuan(&db, &["calendar", "add-workdays", "2027-02-05", "1"])), "2027-02-14");
        assert_eq!(out(&jiayuan(&db, &["calendar", "years"])), "2020 2021 2022 2023 2024 2025 2026 2027");
        // Importing the year again replaces it rather than adding to it.
        std::fs::write(&year, "year 2027\n2027-01-01 holiday 元旦\n").unwrap();
        assert!(jiayuan(&db, &["calendar", "import", year.to_str().unwrap()]).status.success());
        assert_eq!(out(&jiayuan(&db, &["calendar", "is-workday", "2027-02-08"])), "true", "{}", t.name);
        std::fs::write(
            &year,
            "year 2027\n2027-01-01 holiday 元旦\n2027-02-06..2027-02-12 holiday 春节\n2027-02-14 workday 春节调休\n",
        )
        .unwrap();
        assert!(jiayuan(&db, &["audit", "verify"]).status.success());
        t.finish().await;
    }
    std::fs::remove_dir_all(d).ok();
}
