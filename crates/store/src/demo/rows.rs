//! The rows a demo accumulates before they are written in batches.

use crate::batch::{insert_rows, Value};
use crate::people::HOUSEHOLD_INSERT_COLS;
use crate::territory::TERRITORY_INSERT_COLS;
use crate::Result;
use uuid::Uuid;

#[derive(Default)]
pub(super) struct Rows {
    pub(super) territories: Vec<Vec<Value>>,
    pub(super) people: crate::people::PeopleBatch,
    pub(super) households: Vec<Vec<Value>>,
    pub(super) members: Vec<Vec<Value>>,
    pub(super) owners: Vec<Vec<Value>>,
    pub(super) party_orgs: Vec<Vec<Value>>,
    pub(super) party_members: Vec<Vec<Value>>,
    pub(super) central: Vec<Vec<Value>>,
    pub(super) grids: Vec<Vec<Value>>,
    pub(super) organisations: Vec<Vec<Value>>,
    pub(super) stations: Vec<Vec<Value>>,
    pub(super) assignments: Vec<Vec<Value>>,
    pub(super) alliances: Vec<Vec<Value>>,
    pub(super) alliance_members: Vec<(Uuid, Uuid)>,
}

pub(super) const MEMBER_COLS: &[&str] = &["household_id", "person_id", "community_id", "relation"];
pub(super) const OWNER_COLS: &[&str] = &["dwelling_id", "person_id", "community_id", "share_bp"];
pub(super) const PARTY_ORG_COLS: &[&str] =
    &["id", "community_id", "territory_id", "kind", "name", "leader_id", "path", "created_at"];
pub(super) const PARTY_MEMBER_COLS: &[&str] = &[
    "person_id",
    "community_id",
    "org_id",
    "joined_on",
    "in_service",
    "work_unit",
    "reported_community_id",
    "reported_on",
    "path",
    "created_at",
];
pub(super) const CENTRAL_COLS: &[&str] = &["id", "community_id", "household_id", "member_id", "path", "created_at"];
pub(super) const GRID_COLS: &[&str] = &[
    "id",
    "community_id",
    "code",
    "name",
    "merged_types",
    "worker_id",
    "secretary_id",
    "secretary_filed_on",
    "geometry",
    "path",
    "created_at",
];
pub(super) const ORG_COLS: &[&str] = &[
    "id",
    "kind",
    "code",
    "name",
    "name_pinyin",
    "territory_id",
    "contact_name",
    "contact_phone",
    "path",
    "created_at",
    "updated_at",
];
pub(super) const STATION_COLS: &[&str] = &["id", "community_id", "territory_id", "name", "hours", "path", "created_at"];
pub(super) const ASSIGNMENT_COLS: &[&str] = &[
    "id",
    "community_id",
    "kind",
    "organisation_id",
    "person_id",
    "territory_id",
    "household_id",
    "target_path",
    "created_at",
];

/// Lower-left corner of community `i`'s cell on the demo map (around 牟平, 121.6°E 37.38°N).
pub(super) fn cell(i: usize) -> (f64, f64) {
    (121.56 + (i % 6) as f64 * 0.01, 37.36 + (i / 6) as f64 * 0.01)
}

pub(super) async fn flush(tx: &mut crate::Tx, r: &mut Rows) -> Result<()> {
    insert_rows(tx, "territories", TERRITORY_INSERT_COLS, &std::mem::take(&mut r.territories), "").await?;
    std::mem::take(&mut r.people).write(tx).await?;
    insert_rows(tx, "households", HOUSEHOLD_INSERT_COLS, &std::mem::take(&mut r.households), "").await?;
    insert_rows(tx, "household_members", MEMBER_COLS, &std::mem::take(&mut r.members), "").await?;
    insert_rows(tx, "owners", OWNER_COLS, &std::mem::take(&mut r.owners), "").await?;
    insert_rows(tx, "party_orgs", PARTY_ORG_COLS, &std::mem::take(&mut r.party_orgs), "").await?;
    insert_rows(tx, "party_members", PARTY_MEMBER_COLS, &std::mem::take(&mut r.party_members), "").await?;
    insert_rows(tx, "central_households", CENTRAL_COLS, &std::mem::take(&mut r.central), "").await?;
    insert_rows(tx, "grids", GRID_COLS, &std::mem::take(&mut r.grids), "").await?;
    insert_rows(tx, "organisations", ORG_COLS, &std::mem::take(&mut r.organisations), "").await?;
    insert_rows(tx, "service_stations", STATION_COLS, &std::mem::take(&mut r.stations), "").await?;
    insert_rows(tx, "assignments", ASSIGNMENT_COLS, &std::mem::take(&mut r.assignments), "").await?;
    insert_rows(
        tx,
        "alliances",
        &["id", "kind", "code", "name", "territory_id", "path", "created_at"],
        &std::mem::take(&mut r.alliances),
        "",
    )
    .await?;
    let members: Vec<Vec<Value>> =
        std::mem::take(&mut r.alliance_members).into_iter().map(|(a, o)| vec![a.into(), o.into()]).collect();
    insert_rows(tx, "alliance_members", &["alliance_id", "organisation_id"], &members, "").await?;
    Ok(())
}
