//! The district screen's board on every backend, over the small demo with its living year:
//! today's and this month's figures are the dashboard's (the same rollups), the places below
//! add up to the whole, each grid counts the open appeals on it, the rankings are in order,
//! the latest events are the newest in the place; the same seed draws the same board on both
//! backends; an account sees only its own places, and a compound is not a screen.

use chrono::Duration;
use jiayuan_domain::appeal::measure::{Counter, Rate};
use jiayuan_store::access::Principal;
use jiayuan_store::appeals::rollup::MeasureQuery;
use jiayuan_store::appeals::Viewer;
use jiayuan_store::demo::{demo_epoch, Scale};
use jiayuan_store::screen::{rank, Board};
use jiayuan_store::{testing, Store, StoreError};

async fn principal(s: &Store, name: &str) -> Principal {
    s.principal_of(&s.user_by_name(name).await.unwrap()).await.unwrap()
}

/// The board without what differs between backends by construction (event sequence numbers).
fn comparable(b: &Board) -> String {
    let mut b = b.clone();
    b.seq = 0;
    for e in &mut b.events {
        e.seq = 0;
    }
    serde_json::to_string(&b).unwrap()
}

#[tokio::test]
async fn the_board_agrees_with_the_dashboard_and_adds_up() {
    let mut boards = Vec::new();
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 7, &|_, _| {}).await.unwrap();
        s.generate_demo_history(Scale::Small, 7, &|_, _| {}).await.unwrap();
        s.roll_up_all_appeals().await.unwrap();
        let op = Principal::operator();
        // 22:00 in Beijing on the last day of the demo's year.
        let now = demo_epoch() - Duration::hours(10);
        let place = s.screen_place(&op, "370612000000").await.unwrap();
        let b = s.screen_board(&place, now).await.unwrap();
        assert_eq!(b.day.to_string(), "2026-10-31");
        assert_eq!(b.month_from.to_string(), "2026-10-01");
        assert!(b.month.received > 0 && b.month.resolved > 0, "{:?}", b.month);

        // Today and this month are the dashboard's figures of the same days.
        let viewer = Viewer::of(&op);
        for (figures, from) in [(&b.today, b.day), (&b.month, b.month_from)] {
            let m = s
                .appeal_measures(
                    &viewer,
                    &MeasureQuery {
                        within: Some(b.code.clone()),
                        from,
                        to: b.day.succ_opt().unwrap(),
                        category: None,
                        level: None,
                    },
                )
                .await
                .unwrap();
            assert_eq!(figures.received, m.totals.get(Counter::Received));
            assert_eq!(figures.resolved, m.totals.get(Counter::Resolved));
            assert_eq!(figures.escalated, m.totals.get(Counter::Escalated));
            assert_eq!(figures.overdue, m.totals.get(Counter::Overdue));
            for r in &m.rates {
                assert_eq!(figures.rate(r.rate), r.value, "{:?} from {from}", r.rate);
            }
        }
        assert!(b.month.rate(Rate::Resolution).is_some());

        // The places below add up to the whole; the rankings are in order.
        assert_eq!(b.rankings.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(), ["subdistrict", "community"]);
        for r in &b.rankings {
            assert!(!r.places.is_empty());
            assert_eq!(r.places.iter().map(|p| p.month.received).sum::<i64>(), b.month.received, "{}", r.kind);
            assert_eq!(r.places.iter().map(|p| p.open).sum::<i64>(), b.open_now, "{}", r.kind);
            assert_eq!(r.places.iter().map(|p| p.overdue_now).sum::<i64>(), b.overdue_now, "{}", r.kind);
            let mut sorted = r.places.clone();
            rank(&mut sorted);
            assert_eq!(sorted, r.places);
        }
        assert!(b.open_now >= b.overdue_now);
        // Every grid is drawn, and the grids hold the open appeals in compounds.
        assert!(!b.grids.is_empty() && b.grids.iter().all(|g| g.geometry.is_some()));
        assert!(b.grids.iter().all(|g| g.open >= g.overdue));
        assert!(b.grids.iter().map(|g| g.open).sum::<i64>() <= b.open_now);

        // The newest events first, all of them in the place.
        assert!(!b.events.is_empty() && b.events.len() <= 15);
        assert!(b.events.windows(2).all(|w| w[0].seq > w[1].seq));
        assert_eq!(b.events[0].seq, b.seq);

        // A community's board: its compounds ranked, its figures part of the district's.
        let c1 = principal(s, "c1").await;
        let community = s.report_root(&c1.grants[0].path).await.unwrap();
        let cb = s.screen_board(&s.screen_place(&c1, &community).await.unwrap(), now).await.unwrap();
        assert_eq!(cb.rankings.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(), ["compound"]);
        let in_district = b.rankings[1].places.iter().find(|p| p.code == community).unwrap();
        assert_eq!(cb.month, in_district.month);
        assert_eq!(cb.open_now, in_district.open);
        assert!(cb.events.iter().all(|e| e.seq <= b.seq));

        // Access: the community's account sees nothing above it, a resident no board at all,
        // and a compound is not a screen.
        assert!(matches!(
            s.screen_place(&c1, "370612000000").await,
            Err(StoreError::Forbidden(_) | StoreError::NotFound)
        ));
        let r1 = principal(s, "r1").await;
        assert!(matches!(s.screen_place(&r1, &community).await, Err(StoreError::Forbidden(_))));
        let compound = &cb.rankings[0].places[0].code;
        match s.screen_place(&op, compound).await {
            Err(StoreError::Invalid(f)) => assert_eq!(f.field, "within"),
            other => panic!("a compound's screen: {other:?}"),
        }
        boards.push((t.name, comparable(&b)));
        t.finish().await;
    }
    for w in boards.windows(2) {
        assert_eq!(w[0].1, w[1].1, "{} and {} draw different boards", w[0].0, w[1].0);
    }
}
