//! One data layer over SQLite and PostgreSQL.
//!
//! The backend is chosen from the URL scheme. Both pools sit behind [`Db`]; the SQL text is
//! shared (`$1` placeholders work on both) and the `on_db!` / `on_tx!` macros expand one
//! body for each pool type, so the compiler checks every query's bindings against both
//! drivers. Where the dialects differ (column types in DDL), [`schema`] renders per backend.

pub mod access;
pub mod accounts;
pub mod appeals;
pub mod audit;
pub mod batch;
pub mod calendar;
pub mod councils;
pub mod crypto;
pub mod decision_processes;
pub mod decisions;
pub mod demo;
pub mod error;
pub mod grid;
pub mod keys;
pub mod lead;
pub mod ledger;
pub mod life;
pub mod model;
pub mod org;
pub mod owner_votes;
pub mod people;
pub mod report;
pub mod schema;
pub mod screen;
pub mod service;
pub mod stats;
pub mod subtree;
pub mod support;
pub mod territory;
#[cfg(feature = "testing")]
pub mod testing;
pub mod work_report;

pub use error::StoreError;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Runs `$body` with `$c` bound to the pool of whichever backend `$db` is.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$c:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($c) => $body,
            $crate::Db::Postgres($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the transaction's connection.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t, ..) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t, ..) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

pub enum Tx {
    /// A SQLite transaction holds the process's write lock until it ends (see [`Store::begin`]).
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>, tokio::sync::OwnedMutexGuard<()>, stats::WriteMark),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>, stats::WriteMark),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t, ..) => t.commit().await?,
            Tx::Postgres(t, ..) => t.commit().await?,
        }
        Ok(())
    }
}

/// What a store is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Many readers and writers at once: the server and most commands.
    Serve,
    /// One writer filling a new database as fast as it can (the demo). On SQLite: two
    /// connections and no flushing to disk until the end; PostgreSQL is opened as for serving.
    BulkWrite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store: a pool, and the key that opens the personal information in it.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
    pub(crate) crypto: std::sync::Arc<crypto::Crypto>,
    /// Configuration read on every appeal write (categories, rules, calendar, channels).
    pub(crate) cache: std::sync::Arc<appeals::config::ConfigCache>,
    /// SQLite has one writer at a time. Transactions from this process queue here instead of
    /// meeting the database lock, whose busy handler sleeps and makes latency spiky.
    pub(crate) write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// The writer that files appeals in batches (see `appeals::intake`).
    pub(crate) intake: std::sync::Arc<appeals::intake::Intake>,
    /// The writer that takes activity registrations in batches (see `life::queue`).
    pub(crate) registrations: std::sync::Arc<life::RegistrationQueue>,
    /// Failed sign-ins under names with no account (see [`accounts::UnknownLogins`]).
    pub(crate) unknown_logins: std::sync::Arc<accounts::UnknownLogins>,
    /// Figures of the territory pages, kept until the next write (see [`stats::CountCache`]).
    pub(crate) counts: std::sync::Arc<stats::CountCache>,
    /// One rollup fold at a time in this process: a fold reads the unrolled events before its
    /// transaction, so two at once would count them twice (other servers are kept out by
    /// the appeal clock's advisory lock).
    pub(crate) rollup_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Where files that belong with the database (appeal photos) are kept by default.
    media_dir: std::path::PathBuf,
}

impl Store {
    /// Connects to `sqlite://PATH` (created if absent) or `postgres://…`. The key is checked
    /// against the database when migrations run ([`Store::migrate`], [`Store::check_schema`]).
    pub async fn connect(url: &str, crypto: crypto::Crypto) -> Result<Self> {
        Self::connect_for(url, crypto, Workload::Serve).await
    }

    /// [`Store::connect`] tuned for a workload (see [`Workload`]).
    pub async fn connect_for(url: &str, crypto: crypto::Crypto, workload: Workload) -> Result<Self> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Db::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-32000");
            let (max, opts) = match workload {
                // In-memory databases are per-connection: keep exactly one.
                _ if url.contains(":memory:") || url.contains("mode=memory") => (1, opts),
                Workload::Serve => (8, opts),
                // Few connections: every write makes the others drop their page caches when they
                // next read (WAL), and the pool hands queries round them; two beat one and
                // eight in single runs (README; runs vary). Nothing is flushed to disk: a writer stopped half-way,
                // or a power cut soon after, leaves a database to throw away (the demo only
                // writes into an empty one).
                Workload::BulkWrite => (2, opts.synchronous(SqliteSynchronous::Off)),
            };
            let pool = SqlitePoolOptions::new().max_connections(max).min_connections(1).connect_with(opts).await?;
            Db::Sqlite(pool)
        } else {
            return Err(StoreError::invalid(
                "db",
                "数据库地址应以 sqlite:// 或 postgres:// 开头 (URL must start with sqlite:// or postgres://)",
            ));
        };
        Ok(Self {
            db,
            crypto: std::sync::Arc::new(crypto),
            cache: Default::default(),
            write_lock: Default::default(),
            intake: Default::default(),
            registrations: Default::default(),
            unknown_logins: Default::default(),
            counts: Default::default(),
            rollup_lock: Default::default(),
            media_dir: default_media_dir(url),
        })
    }

    /// The same store opened with another key (the CLI probes a new database with a dummy key).
    pub fn with_crypto(self, crypto: crypto::Crypto) -> Self {
        Self { crypto: std::sync::Arc::new(crypto), ..self }
    }

    /// The media folder next to the database: `PATH.media` beside a SQLite file, else
    /// `./jiayuan-media` (PostgreSQL, in-memory SQLite).
    pub fn media_dir(&self) -> &std::path::Path {
        &self.media_dir
    }

    /// Forgets the configuration read so far (categories, rules, settings, channels): after
    /// another process, such as the demo writer, changed it underneath this one.
    pub fn forget_configuration(&self) {
        self.cache.clear();
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &self.db {
            Db::Sqlite(p) => {
                let guard = self.write_lock.clone().lock_owned().await;
                Tx::Sqlite(p.begin().await?, guard, self.counts.mark())
            }
            Db::Postgres(p) => Tx::Postgres(p.begin().await?, self.counts.mark()),
        })
    }

    pub async fn close(&self) {
        on_db!(&self.db, |p| p.close().await)
    }

    /// Gathers the query planner's statistics after a bulk load has grown the tables by orders
    /// of magnitude: SQLite's `ANALYZE` over a sample of each index (a thousand rows, so it
    /// takes milliseconds), PostgreSQL's `ANALYZE`. Without them SQLite chooses indexes by its
    /// guesses — all the district's buildings by kind, say, where one grid's few were asked for.
    pub async fn refresh_statistics(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite(p) => {
                let mut c = p.acquire().await?;
                sqlx::query("PRAGMA analysis_limit = 1000").execute(&mut *c).await?;
                sqlx::query("ANALYZE").execute(&mut *c).await?;
            }
            Db::Postgres(p) => {
                sqlx::query("ANALYZE").execute(p).await?;
            }
        }
        Ok(())
    }
}

/// See [`Store::media_dir`].
pub fn default_media_dir(url: &str) -> std::path::PathBuf {
    match url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        Some(rest) if !rest.starts_with(":memory:") && !rest.contains("mode=memory") => {
            let file = rest.split('?').next().unwrap_or(rest);
            std::path::PathBuf::from(format!("{file}.media"))
        }
        _ => std::path::PathBuf::from("jiayuan-media"),
    }
}

/// A new time-ordered id.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
