//! The work report on every backend, over the demo with its living year: each counted figure
//! equals what the records behind it add up to (the drill-down, page by page), for the district
//! and a community, this year and last; standing figures agree with `stats`; the desks' figures
//! outside regular hours are exactly the (scaled) seed's; the same seed gives the same report
//! on both backends; bad requests name their field.

use jiayuan_domain::work_report::{Unit, FIGURES};
use jiayuan_store::access::Principal;
use jiayuan_store::demo::Scale;
use jiayuan_store::{testing, Store, StoreError};

/// A figure's key, this year's value and last year's.
type Figures = (&'static str, Option<i64>, Option<i64>);

async fn principal(s: &Store, name: &str) -> Principal {
    s.principal_of(&s.user_by_name(name).await.unwrap()).await.unwrap()
}

fn field_of(e: StoreError) -> String {
    match e {
        StoreError::Invalid(f) | StoreError::Missing(f) => f.field,
        StoreError::Forbidden(_) => "403".into(),
        StoreError::NotFound => "404".into(),
        e => format!("{e:?}"),
    }
}

#[tokio::test]
async fn every_figure_is_the_sum_of_its_records() {
    let mut reports: Vec<(String, Vec<Figures>)> = Vec::new();
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 7, &|_, _| {}).await.unwrap();
        s.generate_demo_councils().await.unwrap();
        s.generate_demo_life(Scale::Small, 7, 1).await.unwrap();
        s.generate_demo_funds(Scale::Small, 7).await.unwrap();
        s.generate_demo_workers(Scale::Small, 7).await.unwrap();
        let year = s.generate_demo_history(Scale::Small, 7, &|_, _| {}).await.unwrap();
        assert!(year.appeals > 400 && year.topics > 100 && year.tickets > 0 && year.consultations > 0, "{year:?}");
        // Property decisions put to the owners' assembly with their ballots, appointments kept.
        assert!(
            year.decisions >= 2 && year.decisions_passed >= 1 && year.ballots > 20 && year.bookings > 20,
            "{year:?}"
        );
        s.roll_up_all_appeals().await.unwrap();
        let op = Principal::operator();
        let c1 = principal(s, "c1").await;
        let community = s.report_root(&c1.grants[0].path).await.unwrap();
        for (who, code) in [(&op, "370612000000"), (&c1, community.as_str())] {
            for year in [2025, 2026] {
                let r = s.work_report(who, code, year).await.unwrap();
                assert_eq!(r.figures.len(), FIGURES.len());
                let mut nonzero = 0;
                for f in &r.figures {
                    if f.figure.unit == Unit::Rate || f.figure.key == "special_fund_per_community_fen" {
                        continue;
                    }
                    let value = f.value.unwrap();
                    nonzero += usize::from(value > 0);
                    // Page through the records behind it: they add up to the figure.
                    let (mut sum, mut seen, mut page) = (0i64, 0i64, 1);
                    loop {
                        let recs = s.figure_records(who, code, year, f.figure.key, page, 200).await.unwrap();
                        assert_eq!(recs.total_weight, value, "{} {code} {year}", f.figure.key);
                        sum += recs.records.iter().map(|x| x.weight).sum::<i64>();
                        seen += recs.records.len() as i64;
                        if recs.records.is_empty() || seen >= recs.total_records {
                            assert_eq!(seen, recs.total_records, "{}", f.figure.key);
                            break;
                        }
                        page += 1;
                    }
                    assert_eq!(sum, value, "{} {code} {year}: the records add up to the figure", f.figure.key);
                    // Last year's value in this report is that year's own.
                    if year == 2026 {
                        let last = s.work_report(who, code, 2025).await.unwrap();
                        assert_eq!(last.get(f.figure.key).unwrap().value, f.last_year, "{}", f.figure.key);
                    }
                }
                if year == 2026 {
                    assert!(nonzero >= 12, "the demo's records show in most figures: {nonzero}");
                }
            }
        }
        // The desks outside regular hours: exactly the seed's figures, a tenth of them here.
        let r = s.work_report(&op, "370612000000", 2026).await.unwrap();
        let tenth = |n: usize| Some(n.div_ceil(10) as i64);
        assert_eq!(
            r.get("consultations_outside_hours").unwrap().value,
            tenth(jiayuan_store::demo::CONSULTATIONS_OUTSIDE_HOURS)
        );
        assert_eq!(r.get("matters_outside_hours").unwrap().value, tenth(jiayuan_store::demo::MATTERS_OUTSIDE_HOURS));
        // Appeals handled at their levels: none left unanswered at the district by the clock.
        let stuck = jiayuan_store::batch::fetch_i64(
            s.raw_db(),
            "SELECT count(*) FROM appeals WHERE status = 'new' AND handler_level = 'district'",
            &[],
        )
        .await
        .unwrap();
        assert!(stuck <= 2, "{stuck} appeals left new at the district");
        reports.push((t.name.to_string(), r.figures.iter().map(|f| (f.figure.key, f.value, f.last_year)).collect()));
        // Standing figures agree with the territory statistics.
        let everything = op.scope(jiayuan_domain::access::Permission::ViewTerritory).unwrap();
        let st = s.stats(&everything).await.unwrap();
        let r = s.work_report(&op, "370612000000", 2026).await.unwrap();
        for (key, n) in [
            ("compound_branches", st.compound_branches),
            ("building_groups", st.building_groups),
            ("central_households", st.central_households),
            ("social_organisations", st.social_organisations),
            ("service_stations", st.service_stations),
            ("service_items", st.service_items),
            ("centre_services", st.centre_services),
        ] {
            assert_eq!(r.get(key).unwrap().value, Some(n), "{key}");
        }
        // The district is checked against the seed; a community is not.
        assert!(r.get("service_items").unwrap().meets_seed == Some(true));
        let rc = s.work_report(&c1, &community, 2026).await.unwrap();
        assert!(rc.figures.iter().all(|f| f.meets_seed.is_none()));

        // Bad requests.
        assert_eq!(field_of(s.work_report(&op, "370612000000", 1999).await.unwrap_err()), "year");
        assert_eq!(field_of(s.figure_records(&op, "370612000000", 2026, "nope", 1, 20).await.unwrap_err()), "figure");
        assert_eq!(
            field_of(s.figure_records(&op, "370612000000", 2026, "response_rate", 1, 20).await.unwrap_err()),
            "figure"
        );
        let compound = format!("{community}-01");
        assert_eq!(field_of(s.work_report(&op, &compound, 2026).await.unwrap_err()), "territory");
        // Another subdistrict's community is as good as missing to c1; a resident sees none.
        let c2 = principal(s, "c2").await;
        let other = s.report_root(&c2.grants[0].path).await.unwrap();
        if other != community {
            assert_eq!(field_of(s.work_report(&c1, &other, 2026).await.unwrap_err()), "404");
        }
        let r1 = principal(s, "r1").await;
        assert_eq!(field_of(s.work_report(&r1, &community, 2026).await.unwrap_err()), "403");
    }
    // The same seed, the same year on every backend.
    for w in reports.windows(2) {
        assert_eq!(w[0].1, w[1].1, "{} and {} differ", w[0].0, w[1].0);
    }
}

/// The benchmark's generated appeals (`appeals bench-rollups --write-appeals`) are rows the
/// report and the dashboard count alike: the rows and the rollups they fold into agree, the
/// numbers follow the existing appeals and the counter moves past them.
#[tokio::test]
async fn the_benchmarks_appeals_are_counted_like_filed_ones() {
    use jiayuan_store::appeals::rollup::MeasureQuery;
    use jiayuan_store::appeals::Viewer;
    use jiayuan_store::batch::fetch_i64;
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 7, &|_, _| {}).await.unwrap();
        let before = fetch_i64(s.raw_db(), "SELECT COALESCE(max(number), 0) FROM appeals", &[]).await.unwrap();
        let from = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        // Rollups only: no rows; a second time over the same days adds to the rows there.
        let received = |from: chrono::NaiveDate, days: i64| async move {
            let q = MeasureQuery {
                within: Some("370612000000".into()),
                from,
                to: from + chrono::Duration::days(days),
                category: None,
                level: None,
            };
            let m = s.appeal_measures(&Viewer::of(&Principal::operator()), &q).await.unwrap();
            m.totals.get(jiayuan_domain::appeal::measure::Counter::Received)
        };
        let r = s.generate_bench_appeals(500, from, 10, 3, false).await.unwrap();
        assert_eq!((r.appeals, r.written), (500, 0));
        let once = received(from, 10).await;
        assert!(once >= 490, "{once}");
        s.generate_bench_appeals(500, from, 10, 3, false).await.unwrap();
        assert_eq!(received(from, 10).await, 2 * once, "{}", t.name);
        assert_eq!(fetch_i64(s.raw_db(), "SELECT count(*) FROM appeals", &[]).await.unwrap(), before, "{}", t.name);
        // Into a fresh month, with the rows.
        let from = chrono::NaiveDate::from_ymd_opt(2023, 3, 1).unwrap();
        let r = s.generate_bench_appeals(3_000, from, 30, 4, true).await.unwrap();
        assert_eq!((r.appeals, r.written), (3_000, 3_000));
        assert!(r.rows > 0);
        let count = |sql: &'static str| async move { fetch_i64(s.raw_db(), sql, &[]).await.unwrap() };
        assert_eq!(count("SELECT count(*) FROM appeals WHERE number > 0").await, before + 3_000);
        assert_eq!(count("SELECT count(DISTINCT number) FROM appeals").await, before + 3_000);
        let merged = count("SELECT count(*) FROM appeals WHERE status = 'merged'").await;
        assert!(merged > 0 && merged < 100, "{merged} merged");
        assert_eq!(count("SELECT count(*) FROM appeals WHERE status = 'merged' AND merged_into IS NULL").await, 0);
        let resolved = count("SELECT count(*) FROM appeals WHERE resolved_at IS NOT NULL AND status <> 'merged'").await;
        // The rollups of March 2023 count exactly the rows filed in it, merged ones taken back.
        let m = s
            .appeal_measures(
                &Viewer::of(&Principal::operator()),
                &MeasureQuery {
                    within: Some("370612000000".into()),
                    from,
                    to: chrono::NaiveDate::from_ymd_opt(2023, 4, 1).unwrap(),
                    category: None,
                    level: None,
                },
            )
            .await
            .unwrap();
        use jiayuan_domain::appeal::measure::Counter;
        assert_eq!(m.totals.get(Counter::Received), 3_000 - merged, "{}", t.name);
        assert_eq!(m.totals.get(Counter::Resolved), resolved, "{}", t.name);
        // The report of 2023 counts the same rows.
        let rep = s.work_report(&Principal::operator(), "370612000000", 2023).await.unwrap();
        assert_eq!(rep.get("appeals_received").unwrap().value, Some(3_000 - merged));
        // A filing after them takes the next number.
        let last = count("SELECT max(number) FROM appeals").await;
        let counter = count("SELECT value FROM counters WHERE name = 'appeal'").await;
        assert_eq!(counter, last, "{}", t.name);
    }
}
