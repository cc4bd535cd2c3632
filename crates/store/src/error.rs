use jiayuan_domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The principal lacks the permission altogether (decided before any object is read).
    #[error("没有“{}”权限 (not permitted)", .0.label_zh())]
    Forbidden(jiayuan_domain::access::Permission),
    /// A record named in the request (not in the path) does not exist, or is outside the
    /// caller's scope, which must look the same.
    #[error("{0}")]
    Missing(FieldError),
    #[error("{0}")]
    Invalid(FieldError),
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// Too much waiting already: try again shortly (503 with `Retry-After`).
    #[error("{0}")]
    Busy(String),
    #[error("数据库结构版本 {found} 比本程序支持的 {supported} 新，请升级程序 (database schema {found} is newer than this binary's {supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("密钥与数据库不符：此库的个人信息由另一把密钥加密 (this database was encrypted with another key)")]
    WrongKey,
    #[error("{0}")]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error("ledger has {} bad row(s)", .0.len())]
    Ledger(Vec<RowError>),
    #[error("database: {0}")]
    Db(sqlx::Error),
    #[error("{0}")]
    Other(#[from] anyhow::Error),
}

impl StoreError {
    pub fn missing(field: &str, message: impl Into<String>) -> Self {
        StoreError::Missing(FieldError::new(field, message))
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        StoreError::Invalid(FieldError::new(field, message))
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        StoreError::Conflict { field: field.into(), message: message.into() }
    }
}

/// A unique key that another writer took first answers like the check before it would have:
/// a conflict naming the field. Without this, two simultaneous creations of the same key give
/// one success and one database error.
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                let column = unique_column(db.as_ref());
                let field = field_of_column(&column);
                return StoreError::Conflict {
                    message: format!("“{field}”已存在 (already exists)"),
                    field: field.to_string(),
                };
            }
        }
        StoreError::Db(e)
    }
}

/// The column a unique violation is about: SQLite says `UNIQUE constraint failed: t.col`,
/// PostgreSQL `Key (col)=(value) already exists.` in its detail (the value is not kept).
fn unique_column(db: &dyn sqlx::error::DatabaseError) -> String {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        if let Some(cols) = pg.detail().and_then(|d| d.strip_prefix("Key (")).and_then(|d| d.split(")=").next()) {
            return cols.rsplit(',').next().unwrap_or(cols).trim().to_string();
        }
        return pg.constraint().unwrap_or("key").to_string();
    }
    let msg = db.message();
    msg.rsplit(", ")
        .next()
        .and_then(|last| last.rsplit(':').next())
        .map(|c| c.trim().rsplit('.').next().unwrap_or(c).to_string())
        .unwrap_or_else(|| "key".into())
}

/// The request field a unique column stands for (a keyed hash stands for the number).
fn field_of_column(column: &str) -> &str {
    match column {
        "id_hash" | "id_number_hash" => "id_number",
        "username_lower" => "username",
        other => other,
    }
}

impl From<FieldError> for StoreError {
    fn from(e: FieldError) -> Self {
        StoreError::Invalid(e)
    }
}

/// One problem in one row of a ledger file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RowError {
    /// Row number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// Turns a unique key's conflict into one that names the field and says what it means to the
/// person who tried (`.map_err(conflict_as("ballot", "已投过票 …"))`); other errors pass.
pub(crate) fn conflict_as(field: &'static str, message: impl Into<String>) -> impl Fn(StoreError) -> StoreError {
    let message = message.into();
    move |e| match e {
        StoreError::Conflict { .. } => StoreError::Conflict { field: field.into(), message: message.clone() },
        e => e,
    }
}
