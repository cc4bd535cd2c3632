//! Ledger import and export: round trips, idempotence, and bad files that write nothing.

use jiayuan_store::demo::Scale;
use jiayuan_store::ledger::LedgerKind;
use jiayuan_store::territory::Subtree;
use jiayuan_store::{testing, StoreError};
use std::path::PathBuf;

/// Import order that satisfies every reference.
const ORDER: [LedgerKind; 6] = [
    LedgerKind::Territories,
    LedgerKind::Households,
    LedgerKind::People,
    LedgerKind::Organisations,
    LedgerKind::PartyMembers,
    LedgerKind::Assignments,
];

fn tmp(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("jiayuan_ledger_{}_{}", std::process::id(), uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[tokio::test]
async fn export_imports_back_to_the_same_data_and_twice_changes_nothing() {
    for ext in ["csv", "xlsx"] {
        for source in testing::all().await {
            source.store.generate_demo(Scale::Small, 11, &|_, _| {}).await.unwrap();
            let target = testing::all().await.into_iter().find(|t| t.name == source.name).unwrap();
            let mut files = Vec::new();
            for kind in ORDER {
                let f = tmp(&format!("{}.{ext}", kind.as_str()));
                let n = source.store.export_ledger(kind, &f, &Subtree::all()).await.unwrap();
                assert!(n > 0, "{} exported nothing", kind.as_str());
                files.push((kind, f));
            }
            for (kind, f) in &files {
                let r = target
                    .store
                    .import_ledger(*kind, f, &|_, _| {})
                    .await
                    .unwrap_or_else(|e| panic!("import {} ({ext}, {}): {e:?}", kind.as_str(), source.name));
                assert_eq!(r.created, r.rows, "{} {ext}: every row new", kind.as_str());
            }
            for kind in ORDER {
                let a = source.store.ledger_rows(kind, &Subtree::all()).await.unwrap();
                let b = target.store.ledger_rows(kind, &Subtree::all()).await.unwrap();
                assert_eq!(a.len(), b.len(), "{} row count after round trip ({ext}, {})", kind.as_str(), source.name);
                if let Some(i) = (0..a.len()).find(|i| a[*i] != b[*i]) {
                    panic!(
                        "{} differs after round trip ({ext}, {}) at row {i}:\n  {:?}\n  {:?}",
                        kind.as_str(),
                        source.name,
                        a[i],
                        b[i]
                    );
                }
            }
            let before = target.store.stats(&jiayuan_store::testing::everything()).await.unwrap();
            for (kind, f) in &files {
                let r = target.store.import_ledger(*kind, f, &|_, _| {}).await.unwrap();
                assert_eq!(
                    (r.created, r.updated, r.unchanged),
                    (0, 0, r.rows),
                    "second import of {} changed something",
                    kind.as_str()
                );
            }
            assert_eq!(target.store.stats(&jiayuan_store::testing::everything()).await.unwrap(), before);
            source.finish().await;
            target.finish().await;
        }
    }
}

#[tokio::test]
async fn a_bad_people_file_writes_nothing_and_names_every_bad_row() {
    for t in testing::all().await {
        t.store.generate_demo(Scale::Small, 5, &|_, _| {}).await.unwrap();
        let before = t.store.stats(&jiayuan_store::testing::everything()).await.unwrap();
        let f = tmp("people.csv");
        let valid =
            jiayuan_domain::ResidentId::compose(370612, chrono::NaiveDate::from_ymd_opt(1975, 5, 6).unwrap(), 2)
                .unwrap();
        let valid = valid.as_str();
        std::fs::write(
            &f,
            format!(
                "姓名,身份证号,联系电话,标签,户号\n\
             张三,11010519491231002X,13800138000,老年人,\n\
             李四,110105194912310021,,,\n\
             王五,11010519491231002X,,,\n\
             ,370612198001010011,,,\n\
             赵六,{valid},12345,外星人,NO-SUCH-HH\n"
            ),
        )
        .unwrap();
        let err = t.store.import_ledger(LedgerKind::People, &f, &|_, _| {}).await.unwrap_err();
        let StoreError::Ledger(rows) = err else { panic!("expected a ledger report, got {err:?}") };
        let has = |row: usize, col: &str| rows.iter().any(|r| r.row == row && r.column == col);
        assert!(has(3, "身份证号"), "bad check digit: {rows:?}");
        assert!(has(4, "身份证号"), "duplicate in file: {rows:?}");
        assert!(has(5, "姓名"), "missing name: {rows:?}");
        assert!(has(6, "联系电话") && has(6, "标签") && has(6, "户号"), "{rows:?}");
        assert!(!rows.iter().any(|r| r.row == 2), "row 2 is good: {rows:?}");
        assert_eq!(
            t.store.stats(&jiayuan_store::testing::everything()).await.unwrap(),
            before,
            "nothing written on {}",
            t.name
        );

        let g = tmp("people.csv");
        std::fs::write(&g, "姓名,工资\n张三,100\n").unwrap();
        let StoreError::Ledger(rows) = t.store.import_ledger(LedgerKind::People, &g, &|_, _| {}).await.unwrap_err()
        else {
            panic!()
        };
        assert!(rows.iter().any(|r| r.column == "工资"), "unknown column named");
        assert!(rows.iter().any(|r| r.column == "身份证号"), "missing required column named");
        let h = tmp("people.txt");
        std::fs::write(&h, "x").unwrap();
        assert!(
            matches!(t.store.import_ledger(LedgerKind::People, &h, &|_, _| {}).await, Err(StoreError::Invalid(e)) if e.field == "file")
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_bad_territory_row_rejects_the_whole_file() {
    for t in testing::all().await {
        let f = tmp("territories.csv");
        std::fs::write(
            &f,
            "编码,名称,类型,上级编码,建筑面积\n\
             370612000000,牟平区,区,,\n\
             370612001000,宁海街道,街道,370612000000,\n\
             370612001001,正阳社区,社区,370612001000,\n\
             370612001001-01,幸福小区,小区,370612001001,\n\
             370612001001-01-01,1号楼,楼栋,370612001001-01,\n\
             370612001001-01-01-1,1单元,单元,370612001001-01-01,\n\
             370612001001-01-01-1-0101,0101室,户,370612001001-01-01-1,89.456\n\
             370612002001,错社区,社区,370612001000,\n",
        )
        .unwrap();
        let StoreError::Ledger(rows) =
            t.store.import_ledger(LedgerKind::Territories, &f, &|_, _| {}).await.unwrap_err()
        else {
            panic!()
        };
        assert!(rows.iter().any(|r| r.row == 8 && r.column == "建筑面积"), "{rows:?}");
        assert!(rows.iter().any(|r| r.row == 9 && r.column == "编码"), "{rows:?}");
        assert!(t.store.is_empty().await.unwrap(), "nothing written on {}", t.name);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_household_moved_to_another_community_takes_its_members_along() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 9, &|_, _| {}).await.unwrap();
        let all = s.ledger_rows(LedgerKind::Households, &Subtree::all()).await.unwrap();
        let from = all.iter().find(|r| r[1].starts_with("370612001001-")).unwrap().clone();
        // A dwelling of community 002 that no household lives in yet.
        let used: std::collections::HashSet<&String> = all.iter().map(|r| &r[1]).collect();
        let territories = s.ledger_rows(LedgerKind::Territories, &Subtree::all()).await.unwrap();
        let target = territories
            .iter()
            .find(|r| r[2] == "户" && r[0].starts_with("370612001002-") && !used.contains(&r[0]))
            .unwrap();
        let f = tmp("households.csv");
        std::fs::write(&f, format!("户号,房屋编码,居住方式\n{},{},{}\n", from[0], target[0], from[2])).unwrap();
        let r = s.import_ledger(LedgerKind::Households, &f, &|_, _| {}).await.unwrap();
        assert_eq!(r.updated, 1, "{}", t.name);
        let people = s.ledger_rows(LedgerKind::People, &Subtree::all()).await.unwrap();
        let members: Vec<_> = people.iter().filter(|p| p[6] == from[0]).collect();
        assert!(!members.is_empty());
        let community = s.territory_by_code("370612001002").await.unwrap();
        let moved: i64 = jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM household_members m JOIN households h ON h.id = m.household_id WHERE h.number = $1 AND m.community_id = $2"
        )
        .bind(from[0].clone())
        .bind(community.id)
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(moved as usize, members.len(), "members' community follows the household on {}", t.name);
        // And their names are found in the new community, no longer in the old one.
        let old_community = s.territory_by_code("370612001001").await.unwrap();
        let in_scope = |c: &jiayuan_store::model::Territory, name: &str| {
            let scope = testing::everything().narrow(c).unwrap();
            let q = jiayuan_store::people::PeopleQuery { q: Some(name.to_string()), ..Default::default() };
            async move {
                let page = jiayuan_store::model::Page::new(Some(1), Some(100)).unwrap();
                s.list_people(&scope, &q, page)
                    .await
                    .unwrap()
                    .items
                    .into_iter()
                    .map(|p| p.id_number)
                    .collect::<Vec<_>>()
            }
        };
        for m in &members {
            assert!(
                in_scope(&community, &m[0]).await.contains(&m[1]),
                "{} found in the new community on {}",
                m[0],
                t.name
            );
            assert!(!in_scope(&old_community, &m[0]).await.contains(&m[1]), "{} gone from the old on {}", m[0], t.name);
        }
        // The community is part of the key: a member row pointing at a household of another community is refused.
        let wrong = jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query(
            "UPDATE household_members SET community_id = (SELECT id FROM territories WHERE code = '370612001003') \
             WHERE household_id = (SELECT id FROM households WHERE number = $1)"
        )
        .bind(from[0].clone())
        .execute(p)
        .await
        .map(|_| ()));
        assert!(wrong.is_err(), "foreign key with community must refuse a mismatch on {}", t.name);
        t.finish().await;
    }
}

#[tokio::test]
async fn cells_that_look_like_formulas_are_quoted_on_export_and_read_back_unchanged() {
    for t in testing::all().await {
        t.store.generate_demo(Scale::Small, 5, &|_, _| {}).await.unwrap();
        let names = ["=HYPERLINK(\"http://evil.example\",\"点击\")", "+86小区", "-1号院", "@SUM(A1)", "'=已引用"];
        let src = tmp("formulas.csv");
        let mut text = String::from("编码,名称,类型,上级编码\n");
        for (i, n) in names.iter().enumerate() {
            // As a spreadsheet saves text that starts like a formula: behind an apostrophe.
            let cell = jiayuan_domain::spreadsheet::neutralise(n).replace('"', "\"\"");
            text.push_str(&format!("370612001001-9{i},\"{cell}\",compound,370612001001\n"));
        }
        std::fs::write(&src, text).unwrap();
        let r = t.store.import_ledger(LedgerKind::Territories, &src, &|_, _| {}).await.unwrap();
        assert_eq!(r.created, names.len(), "on {}", t.name);
        for ext in ["csv", "xlsx"] {
            let out = tmp(&format!("territories.{ext}"));
            t.store.export_ledger(LedgerKind::Territories, &out, &Subtree::all()).await.unwrap();
            if ext == "csv" {
                let written = std::fs::read_to_string(&out).unwrap();
                let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(written.as_bytes());
                for rec in reader.records().map(Result::unwrap).filter(|r| r[0].starts_with("370612001001-9")) {
                    let cell = &rec[1];
                    assert!(
                        !jiayuan_domain::spreadsheet::starts_formula(cell),
                        "{cell} would run as a formula ({})",
                        t.name
                    );
                }
                assert!(written.contains("'=HYPERLINK"), "quoted on export");
                assert!(written.contains("''=已引用"), "a quote that was typed is kept");
            }
            // Importing the export changes nothing: every name comes back as it was typed.
            let again = t.store.import_ledger(LedgerKind::Territories, &out, &|_, _| {}).await.unwrap();
            assert_eq!((again.created, again.updated), (0, 0), "{ext} round trip on {}", t.name);
        }
        let rows = t.store.ledger_rows(LedgerKind::Territories, &Subtree::all()).await.unwrap();
        for n in names {
            assert!(rows.iter().any(|r| r.iter().any(|c| c == n)), "{n} kept verbatim on {}", t.name);
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn a_resident_renamed_by_import_is_found_by_the_new_name_only() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 5, &|_, _| {}).await.unwrap();
        let f = tmp("people.csv");
        s.export_ledger(LedgerKind::People, &f, &Subtree::all()).await.unwrap();
        let text = std::fs::read_to_string(&f).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let old_name = lines[1].split(',').next().unwrap().trim_start_matches('\u{feff}').to_string();
        let id_number = lines[1].split(',').nth(1).unwrap().to_string();
        lines[1] = lines[1].replacen(&old_name, "欧阳测试", 1);
        std::fs::write(&f, lines.join("\n")).unwrap();
        let r = s.import_ledger(LedgerKind::People, &f, &|_, _| {}).await.unwrap();
        assert_eq!(r.updated, 1, "{}", t.name);
        let id_number = &id_number;
        let find = |q: &str| {
            let q = jiayuan_store::people::PeopleQuery { q: Some(q.to_string()), ..Default::default() };
            async move {
                let page = jiayuan_store::model::Page::new(Some(1), Some(100)).unwrap();
                let found = s.list_people(&testing::everything(), &q, page).await.unwrap();
                found.items.into_iter().any(|p| p.id_number == *id_number)
            }
        };
        for q in ["欧阳测试", "欧阳", "测", "ouyangce", "oyc"] {
            assert!(find(q).await, "found by {q} on {}", t.name);
        }
        assert!(!find(&old_name).await, "not by the old name {old_name} on {}", t.name);
        t.finish().await;
    }
}
