//! Fresh databases for tests: SQLite always, PostgreSQL when `JIAYUAN_TEST_DATABASE_URL`
//! is set. Each call makes new, empty, migrated databases; a skipped backend says so loudly.

use crate::crypto::Crypto;
use crate::{on_db, Store};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub struct TestDb {
    pub name: &'static str,
    pub store: Store,
    pub url: String,
    cleanup: Option<(String, String)>,
}

/// A test that fails (panics) never reaches [`TestDb::finish`]: its database is dropped here
/// instead, on a thread of its own since `Drop` cannot wait for async work.
impl Drop for TestDb {
    fn drop(&mut self) {
        let (url, cleanup) = (self.url.clone(), self.cleanup.take());
        if let Some(path) = url.strip_prefix("sqlite://") {
            remove_sqlite(path);
        }
        if let Some((admin_url, dbname)) = cleanup {
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                rt.block_on(drop_database(&admin_url, &dbname));
            })
            .join();
        }
    }
}

fn remove_sqlite(path: &str) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let _ = std::fs::remove_dir_all(format!("{path}.media"));
}

async fn drop_database(admin_url: &str, dbname: &str) {
    if let Ok(admin) = Store::connect(admin_url, Crypto::for_tests()).await {
        let _ = on_db!(&admin.db, |p| sqlx::query(&format!("DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"))
            .execute(p)
            .await
            .map(|_| ()));
        admin.close().await;
    }
}

impl TestDb {
    /// Closes the pool and drops the database (PostgreSQL) or file (SQLite).
    pub async fn finish(mut self) {
        self.store.close().await;
        if let Some((admin_url, dbname)) = self.cleanup.take() {
            drop_database(&admin_url, &dbname).await;
        }
        // SQLite files go in `drop`.
    }
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        uuid::Uuid::now_v7().simple()
    )
}

pub async fn sqlite() -> TestDb {
    let path = std::env::temp_dir().join(format!("{}.db", unique("jiayuan_test")));
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url, Crypto::for_tests()).await.expect("open sqlite");
    store.migrate().await.expect("migrate sqlite");
    TestDb { name: "sqlite", store, url, cleanup: None }
}

/// A fresh PostgreSQL database, or `None` (with a loud note) when none is configured.
pub async fn postgres() -> Option<TestDb> {
    let Ok(base) = std::env::var("JIAYUAN_TEST_DATABASE_URL") else {
        eprintln!("!!! PostgreSQL backend SKIPPED: JIAYUAN_TEST_DATABASE_URL is not set");
        return None;
    };
    let admin = Store::connect(&base, Crypto::for_tests()).await.expect("connect to JIAYUAN_TEST_DATABASE_URL");
    let dbname = unique("jy").to_lowercase();
    on_db!(&admin.db, |p| sqlx::query(&format!("CREATE DATABASE {dbname}")).execute(p).await.map(|_| ()))
        .expect("create test database");
    admin.close().await;
    let (prefix, _) = base.rsplit_once('/').expect("database URL has a path");
    let url = format!("{prefix}/{dbname}");
    let store = Store::connect(&url, Crypto::for_tests()).await.expect("connect to test database");
    store.migrate().await.expect("migrate postgres");
    Some(TestDb { name: "postgres", store, url, cleanup: Some((base, dbname)) })
}

/// Every backend this run can reach.
pub async fn all() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

/// Handles that only tests may hold: the raw pool to tamper with, the writer to block.
impl Store {
    /// The pool itself, for tests that corrupt or inspect rows behind the store's back.
    pub fn raw_db(&self) -> &crate::Db {
        &self.db
    }

    /// Holds SQLite's single-writer lock (so filings queue) until the guard drops; `None` on
    /// PostgreSQL, which has no such lock.
    pub async fn hold_writer(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.db {
            crate::Db::Sqlite(_) => Some(self.write_lock.clone().lock_owned().await),
            crate::Db::Postgres(_) => None,
        }
    }

    /// Shrinks the intake queue so a test can fill it.
    pub fn set_intake_capacity(&self, n: usize) {
        self.intake.set_capacity(n);
    }

    /// An appeal read without any scope.
    pub async fn appeal_row_for_tests(&self, id: uuid::Uuid) -> crate::appeals::AppealRow {
        self.appeal_row(id).await.expect("appeal exists")
    }
}

/// The operator's scope over the whole database, for tests that read around any grant.
pub fn everything() -> crate::access::Scope {
    crate::access::Scope::everything()
}
