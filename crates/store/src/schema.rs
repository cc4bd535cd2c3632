//! Migrations, one list for both backends, rendered per dialect.
//!
//! Each migration is DDL with a few type placeholders (`{uuid}`, `{ts}`, `{date}`, `{path}`, `{key}`)
//! that become the native type of each backend: a 16-byte BLOB or `UUID`, ISO text or
//! `TIMESTAMPTZ`, and for materialized paths a byte-ordered collation on PostgreSQL so
//! that `path >= $1 AND path < $2` is an index range there as it is on SQLite.
//! The applied version is kept in `schema_meta`; a database newer than the binary is refused.

use crate::{on_db, Backend, Result, Store, StoreError};

pub const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_foundation.sql"),
    include_str!("../migrations/0002_access.sql"),
    include_str!("../migrations/0003_people_by_name.sql"),
    include_str!("../migrations/0004_calendar.sql"),
    include_str!("../migrations/0005_appeals.sql"),
    include_str!("../migrations/0006_monthly_rollups.sql"),
    include_str!("../migrations/0007_reporter_privacy.sql"),
    include_str!("../migrations/0008_merged_both_ways.sql"),
    include_str!("../migrations/0009_person_name_keys.sql"),
    include_str!("../migrations/0010_owner_votes.sql"),
    include_str!("../migrations/0011_vote_service.sql"),
    include_str!("../migrations/0012_decisions.sql"),
    include_str!("../migrations/0013_vote_images.sql"),
    include_str!("../migrations/0014_councils.sql"),
    include_str!("../migrations/0015_ballot_casters.sql"),
    include_str!("../migrations/0016_decision_processes.sql"),
    include_str!("../migrations/0017_service.sql"),
    include_str!("../migrations/0018_service_rollups.sql"),
    include_str!("../migrations/0019_service_clock.sql"),
    include_str!("../migrations/0020_service_rating_item.sql"),
    include_str!("../migrations/0021_service_tallies.sql"),
    include_str!("../migrations/0022_activities.sql"),
    include_str!("../migrations/0023_volunteers.sql"),
    include_str!("../migrations/0024_life_records.sql"),
    include_str!("../migrations/0025_funds.sql"),
    include_str!("../migrations/0026_grid_rounds.sql"),
    include_str!("../migrations/0027_community_workers.sql"),
    include_str!("../migrations/0028_grid_secretaries.sql"),
    include_str!("../migrations/0029_secretary_programme.sql"),
    include_str!("../migrations/0030_report_indexes.sql"),
    include_str!("../migrations/0031_report_covering_indexes.sql"),
];

/// The schema version this binary writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn render(sql: &str, backend: Backend) -> String {
    let (uuid, ts, date, bytewise, serial, without_rowid) = match backend {
        Backend::Sqlite => ("BLOB", "TEXT", "TEXT", "TEXT", "INTEGER", "WITHOUT ROWID"),
        Backend::Postgres => ("UUID", "TIMESTAMPTZ", "DATE", "TEXT COLLATE \"C\"", "BIGSERIAL", ""),
    };
    // `{path}` and `{key}`: text compared byte by byte, so prefix ranges use the index.
    sql.replace("{uuid}", uuid)
        .replace("{ts}", ts)
        .replace("{date}", date)
        .replace("{path}", bytewise)
        .replace("{key}", bytewise)
        // An auto-numbered key: INTEGER PRIMARY KEY is the rowid on SQLite.
        .replace("{serial}", serial)
        // A table that is all primary key is stored as that key's b-tree on SQLite.
        .replace("{without_rowid}", without_rowid)
}

impl Store {
    /// The health checks a load balancer asks for, each `Ok` or the reason it failed: the
    /// database answers a query, and its schema is the one this binary writes.
    pub async fn health(&self) -> Vec<(&'static str, std::result::Result<(), String>)> {
        let database =
            on_db!(&self.db, |p| sqlx::query_scalar::<_, i64>("SELECT CAST(1 AS BIGINT)").fetch_one(p).await)
                .map(|_| ())
                .map_err(|e| format!("database unreachable: {e}"));
        let schema = match &database {
            Err(_) => Err("not checked: no database".to_string()),
            Ok(()) => match self.schema_version().await {
                Ok(v) if v == SCHEMA_VERSION => Ok(()),
                Ok(v) => Err(format!("schema version {v}, this binary writes {SCHEMA_VERSION}")),
                Err(e) => Err(e.to_string()),
            },
        };
        vec![("database", database), ("schema", schema)]
    }

    /// The schema version recorded in the database; 0 for an empty database.
    pub async fn schema_version(&self) -> Result<i64> {
        let exists: bool = match self.backend() {
            Backend::Sqlite => {
                on_db!(&self.db, |p| sqlx::query_scalar::<_, i64>(
                    "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_meta'"
                )
                .fetch_one(p)
                .await)?
                    > 0
            }
            Backend::Postgres => {
                on_db!(&self.db, |p| {
                    sqlx::query_scalar::<_, i64>("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name='schema_meta'").fetch_one(p).await
                })? > 0
            }
        };
        if !exists {
            return Ok(0);
        }
        let v: Option<String> =
            on_db!(&self.db, |p| sqlx::query_scalar("SELECT value FROM schema_meta WHERE key = 'schema_version'")
                .fetch_optional(p)
                .await)?;
        Ok(v.and_then(|s| s.parse().ok()).unwrap_or(0))
    }

    /// Applies pending migrations, each in its own transaction. Returns how many ran.
    pub async fn migrate(&self) -> Result<usize> {
        let current = self.schema_version().await?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew { found: current, supported: SCHEMA_VERSION });
        }
        let mut ran = 0;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let version = i as i64 + 1;
            let ddl = render(sql, self.backend());
            let mut tx = self.begin().await?;
            // Comments go first, so that a semicolon in one cannot split a statement.
            let ddl: String = ddl.lines().map(|l| l.split("--").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
            for stmt in ddl.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                crate::on_tx!(&mut tx, |c| sqlx::query(stmt).execute(c).await.map(|_| ()))?;
            }
            // Rows a migration derives in Rust rather than in SQL.
            if version == 9 {
                crate::people::backfill_name_keys(&mut tx).await?;
            }
            if version == 17 {
                crate::service::seed_bundled(&mut tx).await?;
            }
            // The rollups (18) and the tallies by place and item (21) are filled once, when
            // both exist.
            if version == 21 {
                Store::rebuild_service_rollups_in(&mut tx).await?;
            }
            if version == 22 {
                crate::life::seed_kinds(&mut tx).await?;
            }
            if version == 19 {
                crate::service::schedule_after_upgrade(&mut tx, chrono::Utc::now()).await?;
            }
            crate::on_tx!(&mut tx, |c| {
                sqlx::query("INSERT INTO schema_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value").bind(version.to_string()).execute(c).await.map(|_| ())
            })?;
            tx.commit().await?;
            ran += 1;
        }
        self.verify_key().await?;
        self.seed_appeal_config().await?;
        Ok(ran)
    }

    /// The key check value stored in the database, if any.
    pub async fn stored_key_check(&self) -> Result<Option<String>> {
        if self.schema_version().await? == 0 {
            return Ok(None);
        }
        Ok(on_db!(&self.db, |p| sqlx::query_scalar("SELECT value FROM schema_meta WHERE key = 'key_check'")
            .fetch_optional(p)
            .await)?)
    }

    /// Records this key's check value in a new database, or refuses a key that is not the
    /// one the database was written with.
    async fn verify_key(&self) -> Result<()> {
        let mine = self.crypto.check_value().to_string();
        match self.stored_key_check().await? {
            Some(v) if v == mine => Ok(()),
            Some(_) => Err(StoreError::WrongKey),
            None => {
                on_db!(&self.db, |p| sqlx::query("INSERT INTO schema_meta (key, value) VALUES ('key_check', $1)")
                    .bind(mine.clone())
                    .execute(p)
                    .await
                    .map(|_| ()))?;
                Ok(())
            }
        }
    }

    /// Refuses to work on a database whose schema is newer than this binary.
    pub async fn check_schema(&self) -> Result<()> {
        let v = self.schema_version().await?;
        if v > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew { found: v, supported: SCHEMA_VERSION });
        }
        if v > 0 {
            self.verify_key().await?;
        }
        Ok(())
    }
}
