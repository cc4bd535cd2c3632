//! Rows as the store returns them: complete, unmasked. Masking happens at the output edge.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Territory {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub community_id: Option<Uuid>,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub name_pinyin: String,
    pub path: String,
    pub depth: i32,
    pub geometry: Option<String>,
    pub area_centi: Option<i64>,
    pub dwelling_use: Option<String>,
    pub grid_id: Option<Uuid>,
}

pub const TERRITORY_COLS: &str = "t.id, t.parent_id, t.community_id, t.kind, t.code, t.name, t.name_pinyin, t.path, t.depth, t.geometry, t.area_centi, t.dwelling_use, t.grid_id";

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Person {
    pub id: Uuid,
    pub community_id: Option<Uuid>,
    pub name: String,
    pub name_pinyin: String,
    pub id_number: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub phone: Option<String>,
    pub tags: String,
    pub home_path: Option<String>,
}

pub const PERSON_COLS: &str =
    "p.id, p.community_id, p.name, p.name_pinyin, p.id_number, p.birth_date, p.sex, p.phone, p.tags, p.home_path";

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Household {
    pub id: Uuid,
    pub community_id: Uuid,
    pub number: String,
    pub dwelling_id: Uuid,
    pub tenure: String,
    pub central_household_id: Option<Uuid>,
    pub path: String,
    pub dwelling_code: String,
    pub dwelling_name: String,
    pub members: i64,
}

pub const HOUSEHOLD_COLS: &str = "h.id, h.community_id, h.number, h.dwelling_id, h.tenure, h.central_household_id, h.path, d.code AS dwelling_code, d.name AS dwelling_name, (SELECT count(*) FROM household_members m WHERE m.household_id = h.id) AS members";

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Member {
    pub person_id: Uuid,
    pub name: String,
    pub relation: String,
    pub id_number: String,
    pub birth_date: NaiveDate,
    pub sex: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Grid {
    pub id: Uuid,
    pub community_id: Uuid,
    pub code: String,
    pub name: String,
    pub merged_types: String,
    pub worker_name: Option<String>,
    pub secretary_name: Option<String>,
    pub secretary_filed_on: Option<NaiveDate>,
    pub geometry: Option<String>,
    pub buildings: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PartyOrg {
    pub id: Uuid,
    pub territory_id: Uuid,
    pub kind: String,
    pub name: String,
    pub leader_name: Option<String>,
    pub members: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Organisation {
    pub id: Uuid,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub territory_code: Option<String>,
    pub territory_name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Assignment {
    pub id: Uuid,
    pub kind: String,
    pub assignee: String,
    pub target: String,
    pub target_code: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PartyMembership {
    pub org_name: Option<String>,
    pub org_kind: Option<String>,
    pub joined_on: Option<NaiveDate>,
    pub in_service: bool,
    pub work_unit: Option<String>,
    pub reported_community: Option<String>,
}

/// A page request: 1-based page number and a bounded size.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub page: u32,
    pub page_size: u32,
}

impl Page {
    pub const MAX_SIZE: u32 = 200;
    /// The last page number accepted (a million pages of the largest size is far beyond any list).
    pub const MAX_PAGE: u32 = 1_000_000;

    pub fn new(page: Option<u32>, page_size: Option<u32>) -> Result<Self, jiayuan_domain::FieldError> {
        let page = page.unwrap_or(1);
        let page_size = page_size.unwrap_or(20);
        if page == 0 || page > Self::MAX_PAGE {
            return Err(jiayuan_domain::FieldError::new(
                "page",
                format!("页码应在1到{}之间 (1 to {})", Self::MAX_PAGE, Self::MAX_PAGE),
            ));
        }
        if page_size == 0 || page_size > Self::MAX_SIZE {
            return Err(jiayuan_domain::FieldError::new(
                "page_size",
                format!("每页条数应在1到{}之间 (1 to {})", Self::MAX_SIZE, Self::MAX_SIZE),
            ));
        }
        Ok(Self { page, page_size })
    }

    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.page_size)
    }

    pub fn limit(self) -> i64 {
        i64::from(self.page_size)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
}
