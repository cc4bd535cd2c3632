//! An appeal as stored: one column list, rows decoded strictly (a corrupt status or level
//! is an error), and the reads of one appeal, its timeline and its reporter.

use super::*;

pub const APPEAL_COLS: &str = "a.id, a.number, a.version, a.status, a.is_open, a.channel, a.category_code, a.category_version, a.urgency, a.territory_id, a.path, a.handler_level, a.handler_id, a.handler_path, a.department, a.assignee_id, a.helper_path, a.pending, a.pending_limit, a.reporter_person_id, a.reporter_user_id, a.reporter_name, a.reporter_phone_enc, a.anonymous, a.title, a.description, a.address, a.lat_e6, a.lng_e6, a.created_at, a.updated_at, a.responded_at, a.response_due_at, a.resolve_due_at, a.warn_at, a.warned, a.next_check_at, a.overdue, a.overdue_count, a.escalations, a.hold_since, a.resolved_at, a.closed_at, a.rating, a.rated_at, a.merged_into, a.sensitive";

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AppealRow {
    pub id: Uuid,
    pub number: i64,
    pub version: i64,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub is_open: bool,
    pub channel: String,
    pub category_code: String,
    pub category_version: i64,
    pub urgency: String,
    pub territory_id: Uuid,
    pub path: String,
    #[sqlx(try_from = "String")]
    pub handler_level: Level,
    pub handler_id: Uuid,
    pub handler_path: String,
    pub department: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub helper_path: Option<String>,
    pub pending: Option<String>,
    pub pending_limit: Option<String>,
    pub reporter_person_id: Option<Uuid>,
    pub reporter_user_id: Option<Uuid>,
    pub reporter_name: Option<String>,
    #[serde(skip)]
    pub reporter_phone_enc: Option<String>,
    pub anonymous: bool,
    pub title: String,
    pub description: String,
    pub address: Option<String>,
    pub lat_e6: Option<i64>,
    pub lng_e6: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub response_due_at: DateTime<Utc>,
    pub resolve_due_at: DateTime<Utc>,
    pub warn_at: DateTime<Utc>,
    pub warned: bool,
    pub next_check_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub overdue_count: i64,
    pub escalations: i64,
    pub hold_since: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub rating: Option<String>,
    pub rated_at: Option<DateTime<Utc>>,
    pub merged_into: Option<Uuid>,
    /// The category was sensitive when filed: hidden from property staff and committees.
    pub sensitive: bool,
}

impl AppealRow {
    pub fn status(&self) -> Status {
        self.status
    }

    pub fn level(&self) -> Level {
        self.handler_level
    }

    /// The deadline the clock is watching now: acceptance while new, else resolution.
    pub fn current_due(&self) -> DateTime<Utc> {
        if self.status() == Status::New {
            self.response_due_at
        } else {
            self.resolve_due_at
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EventRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_name: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub level: String,
    pub note: String,
    pub data: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PhotoRow {
    pub id: Uuid,
    pub appeal_id: Uuid,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// The reporter's phone, masked, for a viewer who may see the residents where the appeal
    /// is; `None` for anyone else. Decrypted here, so the number never leaves the store whole.
    pub fn reporter_phone_masked(&self, who: &Viewer, a: &AppealRow) -> Option<String> {
        if a.anonymous || !who.people.as_ref().is_some_and(|s| s.covers_path(&a.path)) {
            return None;
        }
        let phone = self.crypto.decrypt_opt(a.reporter_phone_enc.as_deref()).ok().flatten()?;
        Some(jiayuan_domain::phone::mask_phone_str(&phone))
    }

    /// Unscoped read, for the store's own use after a check.
    pub(crate) async fn appeal_row(&self, id: Uuid) -> Result<AppealRow> {
        let sql = format!("SELECT {APPEAL_COLS} FROM appeals a WHERE a.id = $1");
        fetch_optional(&self.db, &sql, &[id.into()]).await?.ok_or(StoreError::NotFound)
    }

    /// An appeal by id or number, if the viewer may see it (else not found).
    pub async fn appeal(&self, who: &Viewer, r: &str) -> Result<AppealRow> {
        let r = r.trim();
        let sql = match Uuid::parse_str(r) {
            Ok(_) => format!("SELECT {APPEAL_COLS} FROM appeals a WHERE a.id = $1"),
            Err(_) => format!("SELECT {APPEAL_COLS} FROM appeals a WHERE a.number = $1"),
        };
        let v: Value = match Uuid::parse_str(r) {
            Ok(id) => id.into(),
            Err(_) => r.parse::<i64>().map_err(|_| StoreError::NotFound)?.into(),
        };
        let a: AppealRow = fetch_optional(&self.db, &sql, &[v]).await?.ok_or(StoreError::NotFound)?;
        if who.can_see(&a) {
            Ok(a)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// An appeal by the tracking code given to a reporter without an account.
    pub async fn appeal_by_tracking_code(&self, code: &str) -> Result<AppealRow> {
        let sql = format!("SELECT {APPEAL_COLS} FROM appeals a WHERE a.track_hash = $1");
        // A short code as typed (any case, spaces, dashes), or a long one of the earlier format.
        let code = jiayuan_domain::appeal::tracking::normalise(code).unwrap_or_else(|| code.trim().to_string());
        fetch_optional(&self.db, &sql, &[crate::accounts::token_hash(&code).into()]).await?.ok_or(StoreError::NotFound)
    }

    pub async fn appeal_timeline(&self, a: &AppealRow) -> Result<Vec<EventRow>> {
        fetch_all(
            &self.db,
            "SELECT seq, at, action, actor_name, from_status, to_status, level, note, data FROM appeal_events WHERE appeal_id = $1 ORDER BY seq",
            &[a.id.into()],
        )
        .await
    }
}
