//! What leaves the server: masked, documented shapes built from store rows.
//! Nothing here can carry a full ID number or phone number.

use jiayuan_domain::phone::mask_phone_str;
use jiayuan_domain::resident_id::mask_id_str;
use jiayuan_store::model;
use jiayuan_store::people::{HouseholdDetail, PersonDetail};
use jiayuan_store::stats::Stats;
use jiayuan_store::territory::{Coverage, Gap};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub page_size: u32,
    pub total: i64,
}

impl<T> Paged<T> {
    pub fn map<S>(p: model::Paged<S>, f: impl Fn(S) -> T) -> Self {
        Self { items: p.items.into_iter().map(f).collect(), page: p.page, page_size: p.page_size, total: p.total }
    }
}

#[derive(Serialize, ToSchema, Clone)]
pub struct TerritoryView {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    /// district, subdistrict, community, compound, building, entrance or dwelling
    pub kind: String,
    pub code: String,
    pub name: String,
    pub path: String,
    /// GeoJSON Polygon or MultiPolygon, when drawn
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<serde_json::Value>,
    /// Exclusive area of a dwelling in m², two decimals
    pub area_m2: Option<String>,
    pub dwelling_use: Option<String>,
}

impl From<model::Territory> for TerritoryView {
    fn from(t: model::Territory) -> Self {
        Self {
            id: t.id,
            parent_id: t.parent_id,
            kind: t.kind,
            code: t.code,
            name: t.name,
            path: t.path,
            geometry: t.geometry.and_then(|g| serde_json::from_str(&g).ok()),
            area_m2: t.area_centi.map(|a| jiayuan_domain::Area(a).to_string()),
            dwelling_use: t.dwelling_use,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PersonView {
    pub id: Uuid,
    pub name: String,
    /// Masked: `110***********1234`
    pub id_number: String,
    pub birth_date: String,
    pub sex: String,
    /// Masked: `138****1234`
    pub phone: Option<String>,
    pub tags: Vec<String>,
}

impl From<model::Person> for PersonView {
    fn from(p: model::Person) -> Self {
        Self {
            id: p.id,
            name: p.name,
            id_number: mask_id_str(&p.id_number),
            birth_date: p.birth_date.to_string(),
            sex: p.sex,
            phone: p.phone.as_deref().map(mask_phone_str),
            tags: p.tags.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub person_id: Uuid,
    pub name: String,
    pub relation: String,
    pub id_number: String,
    pub birth_date: String,
    pub sex: String,
}

impl From<model::Member> for MemberView {
    fn from(m: model::Member) -> Self {
        Self {
            person_id: m.person_id,
            name: m.name,
            relation: m.relation,
            id_number: mask_id_str(&m.id_number),
            birth_date: m.birth_date.to_string(),
            sex: m.sex,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdView {
    pub id: Uuid,
    pub number: String,
    pub dwelling_id: Uuid,
    pub dwelling_code: String,
    /// owner or tenant
    pub tenure: String,
    pub members: i64,
    pub central_household_id: Option<Uuid>,
}

impl From<model::Household> for HouseholdView {
    fn from(h: model::Household) -> Self {
        Self {
            id: h.id,
            number: h.number,
            dwelling_id: h.dwelling_id,
            dwelling_code: h.dwelling_code,
            tenure: h.tenure,
            members: h.members,
            central_household_id: h.central_household_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PartyView {
    pub org_name: Option<String>,
    pub org_kind: Option<String>,
    pub joined_on: Option<String>,
    pub in_service: bool,
    pub work_unit: Option<String>,
    pub reported_community: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonDetailView {
    pub person: PersonView,
    pub address: Option<String>,
    pub household: Option<HouseholdView>,
    pub members: Vec<MemberView>,
    pub owns: Vec<TerritoryView>,
    pub party: Option<PartyView>,
    pub serves_households: i64,
}

impl From<PersonDetail> for PersonDetailView {
    fn from(d: PersonDetail) -> Self {
        Self {
            person: d.person.into(),
            address: d.address,
            household: d.household.map(Into::into),
            members: d.members.into_iter().map(Into::into).collect(),
            owns: d.owns.into_iter().map(Into::into).collect(),
            party: d.party.map(|p| PartyView {
                org_name: p.org_name,
                org_kind: p.org_kind,
                joined_on: p.joined_on.map(|d| d.to_string()),
                in_service: p.in_service,
                work_unit: p.work_unit,
                reported_community: p.reported_community,
            }),
            serves_households: d.serves_households,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdDetailView {
    pub household: HouseholdView,
    pub address: String,
    pub members: Vec<MemberView>,
    /// The central household's member name
    pub central_household: Option<String>,
}

impl From<HouseholdDetail> for HouseholdDetailView {
    fn from(d: HouseholdDetail) -> Self {
        Self {
            household: d.household.into(),
            address: d.address,
            members: d.members.into_iter().map(Into::into).collect(),
            central_household: d.central_household,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StatsView {
    pub subdistricts: i64,
    pub communities: i64,
    pub compounds: i64,
    pub buildings: i64,
    pub dwellings: i64,
    pub households: i64,
    pub residents: i64,
    pub compound_branches: i64,
    pub building_groups: i64,
    pub central_households: i64,
    pub party_members: i64,
    pub social_organisations: i64,
    pub service_stations: i64,
    pub grids: i64,
    pub organisations: i64,
    pub assignments: i64,
    /// Owners' assembly votes announced on compounds here
    pub owner_votes: i64,
    /// Property decisions proposed by compound branches here (any stage)
    pub property_decisions: i64,
    /// Property appeals resolved while a compound branch held them, property decisions the
    /// owners' assembly passed, and councils' property topics a compound branch carried out
    pub property_matters_by_branch: i64,
    /// Topics raised in or referred to the councils here
    pub council_topics: i64,
    /// Council topics whose every outcome has been carried out
    pub council_topics_done: i64,
    /// Desk categories of the service catalogue, district-wide
    pub service_categories: i64,
    /// Government service items handled at the desk, district-wide
    pub service_items: i64,
    /// Function areas of the community centres, district-wide
    pub centre_service_areas: i64,
    /// Services integrated in the community centres, district-wide
    pub centre_services: i64,
    /// Tickets received at the service points here
    pub service_tickets: i64,
    /// Tickets received outside regular hours (extended, weekend or holiday duty)
    pub matters_outside_hours: i64,
    /// Consultations answered at the service points here
    pub consultations: i64,
    /// Consultations answered outside regular hours
    pub consultations_outside_hours: i64,
    /// Activities held here (not called off)
    pub activities: i64,
    /// People those activities served: checked in, and counted without names
    pub beneficiaries: i64,
    /// Confirmed volunteer service, in whole hours
    pub volunteer_hours: i64,
    /// Venture projects approved
    pub venture_projects: i64,
    /// Golden solutions submitted
    pub golden_solutions: i64,
    /// Training sessions held (activities of a training kind)
    pub training_sessions: i64,
    /// People those sessions served
    pub trainees: i64,
    /// Community funds: posted income, net of reversals, in fen
    pub fund_income_fen: i64,
    /// Community funds: posted spending, net of reversals, in fen
    pub fund_spent_fen: i64,
    /// Community workers recruited openly (公开招聘), hired in the period
    pub community_workers: i64,
    /// Grid rounds: visits made
    pub grid_visits: i64,
    /// Households not visited within the district's period
    pub households_unvisited: i64,
}

impl From<Stats> for StatsView {
    fn from(s: Stats) -> Self {
        Self {
            subdistricts: s.subdistricts,
            communities: s.communities,
            compounds: s.compounds,
            buildings: s.buildings,
            dwellings: s.dwellings,
            households: s.households,
            residents: s.residents,
            compound_branches: s.compound_branches,
            building_groups: s.building_groups,
            central_households: s.central_households,
            party_members: s.party_members,
            social_organisations: s.social_organisations,
            service_stations: s.service_stations,
            grids: s.grids,
            organisations: s.organisations,
            assignments: s.assignments,
            owner_votes: s.owner_votes,
            property_decisions: s.property_decisions,
            property_matters_by_branch: s.property_matters_by_branch,
            council_topics: s.council_topics,
            council_topics_done: s.council_topics_done,
            service_categories: s.service_categories,
            service_items: s.service_items,
            centre_service_areas: s.centre_service_areas,
            centre_services: s.centre_services,
            service_tickets: s.service_tickets,
            matters_outside_hours: s.matters_outside_hours,
            consultations: s.consultations,
            consultations_outside_hours: s.consultations_outside_hours,
            activities: s.activities,
            beneficiaries: s.beneficiaries,
            volunteer_hours: s.volunteer_hours,
            venture_projects: s.venture_projects,
            golden_solutions: s.golden_solutions,
            training_sessions: s.training_sessions,
            trainees: s.trainees,
            fund_income_fen: s.fund_income_fen,
            fund_spent_fen: s.fund_spent_fen,
            community_workers: s.community_workers,
            grid_visits: s.grid_visits,
            households_unvisited: s.households_unvisited,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GapView {
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CoverageView {
    pub compounds_without_unit: i64,
    pub buildings_without_cadre: i64,
    pub households_without_central_household: i64,
    pub buildings_without_grid: i64,
    pub compounds: Vec<GapView>,
    pub buildings: Vec<GapView>,
    pub households: Vec<GapView>,
}

impl From<Coverage> for CoverageView {
    fn from(c: Coverage) -> Self {
        let g = |v: Vec<Gap>| v.into_iter().map(|g| GapView { code: g.code, name: g.name }).collect();
        Self {
            compounds_without_unit: c.compounds_without_unit,
            buildings_without_cadre: c.buildings_without_cadre,
            households_without_central_household: c.households_without_central_household,
            buildings_without_grid: c.buildings_without_grid,
            compounds: g(c.compounds),
            buildings: g(c.buildings),
            households: g(c.households),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GridView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub merged_types: Vec<String>,
    /// Names on grids are those of public post-holders, shown in full.
    pub worker_name: Option<String>,
    pub secretary_name: Option<String>,
    pub secretary_filed_on: Option<String>,
    pub buildings: i64,
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<serde_json::Value>,
}

impl From<model::Grid> for GridView {
    fn from(g: model::Grid) -> Self {
        Self {
            id: g.id,
            code: g.code,
            name: g.name,
            merged_types: g.merged_types.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
            worker_name: g.worker_name,
            secretary_name: g.secretary_name,
            secretary_filed_on: g.secretary_filed_on.map(|d| d.to_string()),
            buildings: g.buildings,
            geometry: g.geometry.and_then(|s| serde_json::from_str(&s).ok()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PartyOrgView {
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub leader_name: Option<String>,
    pub members: i64,
}

impl From<model::PartyOrg> for PartyOrgView {
    fn from(o: model::PartyOrg) -> Self {
        Self { id: o.id, kind: o.kind, name: o.name, leader_name: o.leader_name, members: o.members }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentView {
    pub id: Uuid,
    pub kind: String,
    pub assignee: String,
    pub target: String,
    pub target_code: Option<String>,
}

impl From<model::Assignment> for AssignmentView {
    fn from(a: model::Assignment) -> Self {
        Self { id: a.id, kind: a.kind, assignee: a.assignee, target: a.target, target_code: a.target_code }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TerritoryDetailView {
    pub territory: TerritoryView,
    pub ancestors: Vec<TerritoryView>,
    pub stats: StatsView,
    pub party_orgs: Vec<PartyOrgView>,
    pub grids: Vec<GridView>,
    pub assignments: Vec<AssignmentView>,
    pub coverage: CoverageView,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: Uuid,
    /// double_reporting_unit, social_organisation, property_company or owners_committee
    pub kind: String,
    pub code: String,
    pub name: String,
    pub territory_code: Option<String>,
    pub territory_name: Option<String>,
    pub contact_name: Option<String>,
    /// Masked: `138****1234`
    pub contact_phone: Option<String>,
}

impl From<model::Organisation> for OrganisationView {
    fn from(o: model::Organisation) -> Self {
        Self {
            id: o.id,
            kind: o.kind,
            code: o.code,
            name: o.name,
            territory_code: o.territory_code,
            territory_name: o.territory_name,
            contact_name: o.contact_name,
            contact_phone: o.contact_phone.as_deref().map(mask_phone_str),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AllianceView {
    pub id: Uuid,
    /// regional_governance, social_service or adjacent_community
    pub kind: String,
    pub code: String,
    pub name: String,
    /// The node that leads it
    pub territory_code: String,
    pub territory_name: String,
    pub members: Vec<OrganisationView>,
}

impl AllianceView {
    pub fn new(a: jiayuan_store::org::Alliance, members: Vec<model::Organisation>) -> Self {
        Self {
            id: a.id,
            kind: a.kind,
            code: a.code,
            name: a.name,
            territory_code: a.territory_code,
            territory_name: a.territory_name,
            members: members.into_iter().map(Into::into).collect(),
        }
    }
}
