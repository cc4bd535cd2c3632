//! Multi-row inserts for bulk work (demo generation, ledger import).
//!
//! One statement carries many rows; the row count per statement keeps the bind count
//! under both backends' limits. Nulls are typed so PostgreSQL accepts them.

use crate::{on_tx, Result, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Value {
    Uuid(Option<Uuid>),
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    Date(Option<NaiveDate>),
    Ts(Option<DateTime<Utc>>),
}

impl From<Uuid> for Value {
    fn from(v: Uuid) -> Self {
        Value::Uuid(Some(v))
    }
}
impl From<Option<Uuid>> for Value {
    fn from(v: Option<Uuid>) -> Self {
        Value::Uuid(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_string()))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(Some(v))
    }
}
impl From<Option<bool>> for Value {
    fn from(v: Option<bool>) -> Self {
        Value::Bool(v)
    }
}
impl From<NaiveDate> for Value {
    fn from(v: NaiveDate) -> Self {
        Value::Date(Some(v))
    }
}
impl From<Option<NaiveDate>> for Value {
    fn from(v: Option<NaiveDate>) -> Self {
        Value::Date(v)
    }
}
impl From<DateTime<Utc>> for Value {
    fn from(v: DateTime<Utc>) -> Self {
        Value::Ts(Some(v))
    }
}
impl From<Option<DateTime<Utc>>> for Value {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        Value::Ts(v)
    }
}

/// Binds a slice of values to a query, on whichever backend the query is for.
macro_rules! bind_all {
    ($q:expr, $vals:expr) => {{
        let mut q = $q;
        for v in $vals {
            q = match v {
                Value::Uuid(x) => q.bind(*x),
                Value::Text(x) => q.bind(x.clone()),
                Value::Int(x) => q.bind(*x),
                Value::Bool(x) => q.bind(*x),
                Value::Date(x) => q.bind(*x),
                Value::Ts(x) => q.bind(*x),
            };
        }
        q
    }};
}

/// Executes one statement with bound values inside a transaction.
pub async fn exec(tx: &mut Tx, sql: &str, vals: &[Value]) -> Result<u64> {
    let n = on_tx!(tx, |c| bind_all!(sqlx::query(sql), vals).execute(c).await?.rows_affected());
    Ok(n)
}

/// Inserts `rows` into `table` in statements of up to a few hundred rows.
/// `suffix` is appended to each statement (e.g. an `ON CONFLICT` clause).
pub async fn insert_rows(tx: &mut Tx, table: &str, columns: &[&str], rows: &[Vec<Value>], suffix: &str) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let per_stmt = (30_000 / columns.len()).clamp(1, 500);
    // SQLite resolves a `$n` parameter's name by a linear scan, which makes binding a
    // many-row statement quadratic; anonymous `?` parameters bind by position.
    let anonymous = matches!(tx, Tx::Sqlite(..));
    // Statements come in a few fixed sizes (the full size, then 256, 64, 16, 4, 1 rows), so
    // that a small batch reuses a prepared statement instead of preparing a new text.
    let mut rest = rows;
    while !rest.is_empty() {
        let n =
            [per_stmt, 256, 64, 16, 4, 1].into_iter().filter(|k| *k <= per_stmt && *k <= rest.len()).max().unwrap_or(1);
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut k = 0;
        for (i, row) in chunk.iter().enumerate() {
            debug_assert_eq!(row.len(), columns.len());
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for j in 0..row.len() {
                if j > 0 {
                    sql.push(',');
                }
                k += 1;
                if anonymous {
                    sql.push('?');
                } else {
                    sql.push('$');
                    sql.push_str(&k.to_string());
                }
            }
            sql.push(')');
        }
        sql.push(' ');
        sql.push_str(suffix);
        exec(tx, &sql, &chunk.iter().flatten().cloned().collect::<Vec<_>>()).await?;
    }
    Ok(())
}

/// Collects conditions and their bound values for a query built at run time.
/// Only conditions that apply are added, so each backend plans the query it runs.
#[derive(Default, Debug, Clone)]
pub struct QueryParts {
    pub conds: Vec<String>,
    pub vals: Vec<Value>,
}

impl QueryParts {
    /// Binds a value and returns its placeholder (`$n`).
    pub fn bind(&mut self, v: impl Into<Value>) -> String {
        self.vals.push(v.into());
        format!("${}", self.vals.len())
    }

    pub fn cond(&mut self, c: String) {
        self.conds.push(c);
    }

    /// Adds a condition with one bound value: `{}` in `template` becomes its placeholder.
    pub fn cond_bind(&mut self, template: &str, v: impl Into<Value>) {
        let ph = self.bind(v);
        self.conds.push(template.replacen("{}", &ph, 1));
    }

    pub fn where_clause(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conds.join(" AND "))
        }
    }
}

pub async fn fetch_all<T>(db: &crate::Db, sql: &str, vals: &[Value]) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    Ok(crate::on_db!(db, |p| bind_all!(sqlx::query_as::<_, T>(sql), vals).fetch_all(p).await?))
}

pub async fn fetch_optional<T>(db: &crate::Db, sql: &str, vals: &[Value]) -> Result<Option<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    Ok(crate::on_db!(db, |p| bind_all!(sqlx::query_as::<_, T>(sql), vals).fetch_optional(p).await?))
}

pub async fn fetch_i64(db: &crate::Db, sql: &str, vals: &[Value]) -> Result<i64> {
    Ok(crate::on_db!(db, |p| bind_all!(sqlx::query_scalar::<_, i64>(sql), vals).fetch_one(p).await?))
}

/// Rows of `n_text` text columns followed by integer columns (NULL read as 0): for
/// aggregates whose width is decided at run time.
pub async fn fetch_text_ints(
    db: &crate::Db,
    sql: &str,
    vals: &[Value],
    n_text: usize,
) -> Result<Vec<(Vec<String>, Vec<i64>)>> {
    crate::on_db!(db, |p| {
        use sqlx::Row;
        let rows = bind_all!(sqlx::query(sql), vals).fetch_all(p).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut t = Vec::with_capacity(n_text);
            for i in 0..n_text {
                t.push(r.try_get::<String, _>(i)?);
            }
            let mut n = Vec::with_capacity(r.len().saturating_sub(n_text));
            for i in n_text..r.len() {
                n.push(r.try_get::<Option<i64>, _>(i)?.unwrap_or(0));
            }
            out.push((t, n));
        }
        Ok(out)
    })
}

/// Like [`fetch_all`], inside a transaction.
pub async fn fetch_all_tx<T>(tx: &mut Tx, sql: &str, vals: &[Value]) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    Ok(on_tx!(tx, |c| bind_all!(sqlx::query_as::<_, T>(sql), vals).fetch_all(c).await?))
}
