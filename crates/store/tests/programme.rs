//! The secretaries' development programme on every backend: events held by the district (a
//! community secretary may not; the same kind on the same day 409), attendance and scores
//! recorded (a score at a forum, for one absent, or for someone not on a head's post refused
//! with nothing written), the standings and a secretary's record.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jiayuan_domain::secretary::ProgrammeKind;
use jiayuan_domain::worker::{Education, Post, WorkerKind};
use jiayuan_store::access::Principal;
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::demo::Scale;
use jiayuan_store::support::{NewProgrammeEvent, NewWorker, Presence};
use jiayuan_store::{testing, Store, StoreError};

fn ctx() -> AuditCtx {
    AuditCtx::operator("test")
}

async fn principal(s: &Store, name: &str) -> Principal {
    s.principal_of(&s.user_by_name(name).await.unwrap()).await.unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn field_of(e: StoreError) -> String {
    match e {
        StoreError::Invalid(f) | StoreError::Missing(f) => f.field,
        StoreError::Conflict { field, .. } => format!("409 {field}"),
        StoreError::Forbidden(_) => "403".into(),
        e => format!("{e:?}"),
    }
}

#[tokio::test]
async fn the_secretaries_programme() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let (admin, sd1, c1) = (principal(s, "admin").await, principal(s, "sd1").await, principal(s, "c1").await);
        let grids = s.my_grids(&c1).await.unwrap();
        let community = s.territory(grids[0].community_id).await.unwrap();
        let subdistrict = s.territory(community.parent_id.unwrap()).await.unwrap();
        let district = s.territory(subdistrict.parent_id.unwrap()).await.unwrap();
        let people: Vec<uuid::Uuid> = {
            let sql = format!("SELECT id FROM people WHERE home_path LIKE '{}%' ORDER BY id LIMIT 3", community.path);
            jiayuan_store::on_db!(s.raw_db(), |p| sqlx::query_scalar::<_, uuid::Uuid>(&sql).fetch_all(p).await).unwrap()
        };
        let mut workers = Vec::new();
        for (i, p) in people.iter().enumerate() {
            let w = NewWorker {
                person: *p,
                kind: WorkerKind::Elected,
                community: community.code.clone(),
                post: if i < 2 { Post::Principal } else { Post::Staff },
                grade: None,
                education: Education::Bachelor,
                qualification: None,
                years_of_service: 9,
                hired_on: day(2020, 1, 1),
            };
            workers.push(s.register_worker(&ctx(), &sd1, &w, now()).await.unwrap().worker.id);
        }
        let event = |kind, on| NewProgrammeEvent {
            territory: district.code.clone(),
            kind,
            held_on: on,
            title: "擂台比武".into(),
            note: String::new(),
        };
        assert_eq!(
            field_of(
                s.create_programme_event(&ctx(), &c1, &event(ProgrammeKind::Forum, day(2026, 3, 15)), now())
                    .await
                    .unwrap_err()
            ),
            "403"
        );
        let forum = s
            .create_programme_event(&ctx(), &admin, &event(ProgrammeKind::Forum, day(2026, 3, 15)), now())
            .await
            .unwrap();
        let again =
            s.create_programme_event(&ctx(), &admin, &event(ProgrammeKind::Forum, day(2026, 3, 15)), now()).await;
        assert_eq!(field_of(again.unwrap_err()), "409 held_on");
        let contest = s
            .create_programme_event(&ctx(), &admin, &event(ProgrammeKind::Contest, day(2026, 11, 20)), now())
            .await
            .unwrap();

        // The roster: the two on a head's post.
        let (_, roster) = s.programme_event(&c1, forum.id).await.unwrap();
        assert_eq!(roster.len(), 2);
        let p = |w, attended, score| Presence { worker: w, attended, score };
        let e =
            s.record_programme(&ctx(), &admin, forum.id, &[p(workers[0], true, Some(900))], now()).await.unwrap_err();
        assert_eq!(field_of(e), "lines[0]", "a forum is not scored");
        let e = s
            .record_programme(
                &ctx(),
                &admin,
                contest.id,
                &[p(workers[0], true, Some(900)), p(workers[2], true, None)],
                now(),
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(e), "lines[1]", "not on a head's post");
        let e = s
            .record_programme(&ctx(), &admin, contest.id, &[p(workers[1], false, Some(800))], now())
            .await
            .unwrap_err();
        assert_eq!(field_of(e), "lines[0]", "absent, so no score");
        let e =
            s.record_programme(&ctx(), &c1, contest.id, &[p(workers[1], true, Some(800))], now()).await.unwrap_err();
        assert_eq!(field_of(e), "403");
        let (_, r) = s.programme_event(&admin, contest.id).await.unwrap();
        assert!(r.iter().all(|l| l.attended.is_none()), "nothing half-written");

        s.record_programme(&ctx(), &admin, forum.id, &[p(workers[0], true, None), p(workers[1], false, None)], now())
            .await
            .unwrap();
        s.record_programme(
            &ctx(),
            &admin,
            contest.id,
            &[p(workers[0], true, Some(855)), p(workers[1], true, Some(920))],
            now(),
        )
        .await
        .unwrap();
        // Recorded again: replaced, not added.
        let (e, r) =
            s.record_programme(&ctx(), &admin, contest.id, &[p(workers[1], true, Some(930))], now()).await.unwrap();
        assert_eq!(e.attended, 2);
        assert_eq!(r.iter().find(|l| l.worker_id == workers[1]).unwrap().score, Some(930));

        let st = s.programme_standings(&sd1, &subdistrict.code, 2026).await.unwrap();
        assert_eq!(st.len(), 2);
        assert_eq!((st[0].line.who, st[0].line.rank, st[0].line.mean_score), (workers[1], 1, Some(930)));
        assert_eq!((st[1].line.attended, st[1].line.held), (2, 2));
        assert_eq!(
            s.programme_events(&c1, 2026).await.unwrap().len(),
            2,
            "the district's events concern the community"
        );
        let rec = s.programme_record(&c1, workers[0], 2026).await.unwrap();
        assert_eq!(rec.len(), 2);
        assert!(rec.iter().any(|(e, attended, score)| e.id == contest.id && *attended && *score == Some(855)));
        t.finish().await;
    }
}
