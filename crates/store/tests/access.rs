//! Accounts, sign-in, scopes, the audit chain and key rotation, on every backend.

use jiayuan_domain::access::{Role, DEMO_PASSWORD};
use jiayuan_store::access::Principal;
use jiayuan_store::accounts::{LoginError, NewUser};
use jiayuan_store::audit::AuditCtx;
use jiayuan_store::crypto::Crypto;
use jiayuan_store::demo::Scale;
use jiayuan_store::model::Page;
use jiayuan_store::people::PeopleQuery;
use jiayuan_store::{on_db, testing, StoreError};

fn ctx() -> AuditCtx {
    AuditCtx::operator("test")
}

async fn sql(s: &jiayuan_store::Store, q: &str) {
    on_db!(s.raw_db(), |p| sqlx::query(q).execute(p).await.map(|_| ())).unwrap();
}

#[tokio::test]
async fn demo_users_sign_in_and_lock_after_five_failures() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let ok = s.login("c1", DEMO_PASSWORD, "127.0.0.1", "r1").await.unwrap().expect("c1 signs in");
        assert_eq!(ok.session.principal.primary_role(), Some(Role::CommunitySecretary));
        assert!(s.session(&ok.token).await.unwrap().is_some());
        assert!(s.session("jys_forged").await.unwrap().is_none());

        // Unknown user and wrong password look the same.
        assert_eq!(
            s.login("nobody", "whatever-1234", "ip", "r").await.unwrap().unwrap_err(),
            LoginError::BadCredentials
        );
        for i in 1..=4 {
            let e = s.login("w1", "wrong-password", "ip", "r").await.unwrap().unwrap_err();
            assert_eq!(e, LoginError::BadCredentials, "failure {i} on {}", t.name);
        }
        let fifth = s.login("w1", "wrong-password", "ip", "r").await.unwrap().unwrap_err();
        assert!(matches!(fifth, LoginError::Locked { .. }), "locked at the fifth on {}", t.name);
        let right = s.login("w1", DEMO_PASSWORD, "ip", "r").await.unwrap().unwrap_err();
        assert!(matches!(right, LoginError::Locked { .. }), "the right password waits out the lock");

        // Disabling ends sessions.
        let c1 = s.user_by_name("c1").await.unwrap();
        s.set_disabled(&ctx(), &c1, true).await.unwrap();
        assert!(s.session(&ok.token).await.unwrap().is_none());
        assert_eq!(s.login("c1", DEMO_PASSWORD, "ip", "r").await.unwrap().unwrap_err(), LoginError::Disabled);
        assert!(s.verify_audit().await.unwrap().ok());
        t.finish().await;
    }
}

#[tokio::test]
async fn scopes_hide_siblings_and_grants_stay_inside_the_granter() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let c1 = s.principal_of(&s.user_by_name("c1").await.unwrap()).await.unwrap();
        let c2 = s.principal_of(&s.user_by_name("c2").await.unwrap()).await.unwrap();
        let r1 = s.principal_of(&s.user_by_name("r1").await.unwrap()).await.unwrap();
        let c1_scope = c1.scope(jiayuan_domain::access::Permission::ViewPeople).unwrap();
        let c2_scope = c2.scope(jiayuan_domain::access::Permission::ViewPeople).unwrap();
        let page = Page::new(Some(1), Some(5)).unwrap();
        let mine = s.list_people(&c1_scope, &PeopleQuery::default(), page).await.unwrap();
        assert!(mine.total > 0);
        let someone = mine.items[0].id;
        assert!(s.person_detail(&c1_scope, someone).await.is_ok());
        assert!(matches!(s.person_detail(&c2_scope, someone).await, Err(StoreError::NotFound)), "{}", t.name);
        let all = s.list_people(&jiayuan_store::testing::everything(), &PeopleQuery::default(), page).await.unwrap();
        assert!(all.total > mine.total);

        // A resident sees exactly themselves.
        let r_scope = r1.scope(jiayuan_domain::access::Permission::ViewPeople).unwrap();
        let me = s.list_people(&r_scope, &PeopleQuery::default(), page).await.unwrap();
        assert_eq!(me.total, 1);
        assert_eq!(Some(me.items[0].id), r1.person_id);
        assert!(r1.scope(jiayuan_domain::access::Permission::ViewTerritory).is_err());

        // c1 may create a worker in its own community, not in c2's, and not a senior role.
        let c1_community = c1.grants[0].territory_code.clone();
        let c2_community = c2.grants[0].territory_code.clone();
        let worker = |scope: &str, role: Role| NewUser {
            username: "wang.new".into(),
            display_name: "王新".into(),
            password: "a-long-enough-password".into(),
            role,
            scope: scope.into(),
            person_id: None,
        };
        let e = s.create_user(&ctx(), &c1, &worker(&c2_community, Role::CommunityWorker), true).await.unwrap_err();
        assert!(matches!(&e, StoreError::Missing(f) if f.field == "scope"), "{e:?}");
        let e = s.create_user(&ctx(), &c1, &worker(&c1_community, Role::SubdistrictOfficer), true).await.unwrap_err();
        assert!(matches!(&e, StoreError::Invalid(f) if f.field == "role"), "{e:?}");
        let mut weak = worker(&c1_community, Role::CommunityWorker);
        weak.password = "1234567890".into();
        assert!(
            matches!(s.create_user(&ctx(), &c1, &weak, true).await, Err(StoreError::Invalid(f)) if f.field == "password")
        );
        let u = s.create_user(&ctx(), &c1, &worker(&c1_community, Role::CommunityWorker), true).await.unwrap();
        assert!(u.must_change_password);
        assert!(matches!(
            s.create_user(&ctx(), &c1, &worker(&c1_community, Role::CommunityWorker), true).await,
            Err(StoreError::Conflict { .. })
        ));
        assert!(s.managed_user(&c1, "wang.new").await.is_ok());
        assert!(matches!(s.managed_user(&c2, "wang.new").await, Err(StoreError::NotFound)));
        assert!(s.list_users(&c1).await.unwrap().iter().any(|u| u.user.username == "wang.new"));

        // Grants: inside the granter's scope, once, and revocable.
        let compound_in = |community: &str| format!("{community}-01");
        let w = s.user_by_name("wang.new").await.unwrap();
        s.grant_role(&ctx(), &c1, &w, Role::CompoundSecretary, &compound_in(&c1_community)).await.unwrap();
        let again = s.grant_role(&ctx(), &c1, &w, Role::CompoundSecretary, &compound_in(&c1_community)).await;
        assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?} on {}", t.name);
        let outside = s.grant_role(&ctx(), &c1, &w, Role::CompoundSecretary, &compound_in(&c2_community)).await;
        assert!(matches!(outside, Err(StoreError::Missing(ref f)) if f.field == "scope"), "{outside:?}");
        let wrong_level = s.grant_role(&ctx(), &c1, &w, Role::CompoundSecretary, &c1_community).await;
        assert!(matches!(wrong_level, Err(StoreError::Invalid(ref f)) if f.field == "scope"), "{wrong_level:?}");
        let grants = s.grants_of(w.id).await.unwrap();
        assert_eq!(grants.len(), 2);
        let g = grants.iter().find(|g| g.role == Role::CompoundSecretary).unwrap();
        assert!(matches!(s.revoke_grant(&ctx(), &c2, &w, g.id).await, Err(StoreError::NotFound)), "c2 cannot touch it");
        s.revoke_grant(&ctx(), &c1, &w, g.id).await.unwrap();
        assert_eq!(s.grants_of(w.id).await.unwrap().len(), 1);
        assert!(s.verify_audit().await.unwrap().ok());
        assert!(!s.list_users(&c2).await.unwrap().iter().any(|u| u.user.username == "wang.new"));
        t.finish().await;
    }
}

#[tokio::test]
async fn audit_verify_catches_edits_insertions_and_deletions() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        for _ in 0..3 {
            let _ = s.login("sd1", "not-the-password", "10.0.0.1", "req").await.unwrap();
        }
        let _ = s.login("sd1", DEMO_PASSWORD, "10.0.0.1", "req").await.unwrap();
        let good = s.verify_audit().await.unwrap();
        assert!(good.ok(), "{:?}", good.problems);
        assert!(good.entries >= 5);

        // Edit one entry's result.
        let (was,): (String,) =
            on_db!(s.raw_db(), |p| sqlx::query_as("SELECT result FROM audit_log WHERE seq = 2").fetch_one(p).await)
                .unwrap();
        sql(s, "UPDATE audit_log SET result = 'edited' WHERE seq = 2").await;
        let r = s.verify_audit().await.unwrap();
        assert!(!r.ok() && r.problems[0].contains("entry 2"), "{:?} on {}", r.problems, t.name);
        sql(s, &format!("UPDATE audit_log SET result = '{was}' WHERE seq = 2")).await;
        assert!(s.verify_audit().await.unwrap().ok(), "restored on {}", t.name);

        // Delete one in the middle, then the last one.
        let backup: (String,) =
            on_db!(s.raw_db(), |p| sqlx::query_as("SELECT hash FROM audit_log WHERE seq = 3").fetch_one(p).await)
                .unwrap();
        sql(s, "DELETE FROM audit_log WHERE seq = 3").await;
        assert!(!s.verify_audit().await.unwrap().ok());
        let last = good.head_seq;
        sql(s, &format!("DELETE FROM audit_log WHERE seq >= 3 AND seq <= {last}")).await;
        let r = s.verify_audit().await.unwrap();
        assert!(r.problems.iter().any(|p| p.contains("head")), "truncation caught on {}: {:?}", t.name, r.problems);

        // An inserted entry with a made-up hash.
        sql(s, &format!("INSERT INTO audit_log SELECT seq + 1000, at, actor, role, scope_path, action, object, summary, result, ip, request_id, prev_hash, '{}' FROM audit_log WHERE seq = 1", backup.0)).await;
        assert!(!s.verify_audit().await.unwrap().ok());
        t.finish().await;
    }
}

#[tokio::test]
async fn tokens_expire_and_revoke_and_passwords_change() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let w1 = s.user_by_name("w1").await.unwrap();
        let (token, info) = s
            .create_token(&ctx(), &w1, "巡查App", Some(chrono::Utc::now() + chrono::Duration::days(30)))
            .await
            .unwrap();
        assert_eq!(s.token_principal(&token).await.unwrap().unwrap().username, "w1");
        let past = s.create_token(&ctx(), &w1, "old", Some(chrono::Utc::now() - chrono::Duration::days(1))).await;
        assert!(matches!(past, Err(StoreError::Invalid(f)) if f.field == "expires"));
        s.revoke_token(&ctx(), &w1, info.id).await.unwrap();
        assert!(s.token_principal(&token).await.unwrap().is_none(), "revoked on {}", t.name);
        let c1 = s.user_by_name("c1").await.unwrap();
        assert!(matches!(s.revoke_token(&ctx(), &c1, info.id).await, Err(StoreError::NotFound)), "not another's token");

        // A reset forces a change; the user's own change clears it.
        s.set_password(&ctx(), &w1, "reset-by-the-secretary", true).await.unwrap();
        let ok = s.login("w1", "reset-by-the-secretary", "ip", "r").await.unwrap().unwrap();
        assert!(ok.session.principal.must_change_password);
        let w1 = s.user_by_name("w1").await.unwrap();
        assert!(
            matches!(s.set_password(&ctx(), &w1, "reset-by-the-secretary", false).await, Err(StoreError::Invalid(_))),
            "must differ"
        );
        s.set_password(&ctx(), &w1, "my-own-new-password", false).await.unwrap();
        assert!(!s.user_by_name("w1").await.unwrap().must_change_password);
        assert!(s.verify_audit().await.unwrap().ok());
        t.finish().await;
    }
}

#[tokio::test]
async fn key_rotation_re_encrypts_everything() {
    for t in testing::all().await {
        let s = &t.store;
        s.generate_demo(Scale::Small, 1, &|_, _| {}).await.unwrap();
        let page = Page::new(Some(1), Some(3)).unwrap();
        let before = s.list_people(&jiayuan_store::testing::everything(), &PeopleQuery::default(), page).await.unwrap();
        let new = Crypto::new(&[9u8; 32]);
        let report = s.rotate_key(&new, &|_, _| {}).await.unwrap();
        assert!(report.people > 0);
        // The old key is now refused; the new one reads the same people, and finds them by ID.
        assert!(matches!(s.check_schema().await, Err(StoreError::WrongKey)), "{}", t.name);
        let reopened = jiayuan_store::Store::connect(&t.url, new).await.unwrap();
        reopened.check_schema().await.unwrap();
        let after =
            reopened.list_people(&jiayuan_store::testing::everything(), &PeopleQuery::default(), page).await.unwrap();
        assert_eq!(
            before.items.iter().map(|p| &p.id_number).collect::<Vec<_>>(),
            after.items.iter().map(|p| &p.id_number).collect::<Vec<_>>()
        );
        let q = PeopleQuery { q: Some(before.items[0].id_number.clone()), ..Default::default() };
        assert_eq!(reopened.list_people(&jiayuan_store::testing::everything(), &q, page).await.unwrap().total, 1);
        assert!(reopened.verify_audit().await.unwrap().ok());
        reopened.close().await;
        t.finish().await;
    }
}

#[test]
fn the_operator_sees_everything() {
    assert!(Principal::operator().scope(jiayuan_domain::access::Permission::ViewPeople).unwrap().is_everything());
}
