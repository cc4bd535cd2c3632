//! The query parameters of each list, as the OpenAPI document states them. The handlers parse
//! the shared [`crate::api::ListParams`] (and the like); these types only describe, per
//! operation, which parameters it reads and which values each takes, so that a client (or
//! schemathesis) knows exactly what is accepted. An empty value counts as not given.

#![allow(dead_code)]

use utoipa::IntoParams;

/// `GET /api/v1/territories`
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TerritoryList {
    /// Territory code or id: only that subtree
    within: Option<String>,
    /// Name, pinyin, initials or code
    q: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(-?(code|name))?$")]
    sort: Option<String>,
    /// 1-based page number (default 1)
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]{0,5}|1000000)?$")]
    page: Option<String>,
    /// Rows per page, 1–200 (default 20)
    #[param(value_type = Option<String>, pattern = "^([1-9]|[1-9][0-9]|1[0-9][0-9]|200)?$")]
    page_size: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(district|subdistrict|community|compound|building|entrance|dwelling)?$")]
    kind: Option<String>,
    /// Direct children of this id or code
    parent: Option<String>,
}

/// `GET /api/v1/people`
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleList {
    within: Option<String>,
    /// Chinese fragment, pinyin or initials prefix, or a whole ID number
    q: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(-?(name|birth_date)|address)?$")]
    sort: Option<String>,
    /// 1-based page number (default 1)
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]{0,5}|1000000)?$")]
    page: Option<String>,
    /// Rows per page, 1–200 (default 20)
    #[param(value_type = Option<String>, pattern = "^([1-9]|[1-9][0-9]|1[0-9][0-9]|200)?$")]
    page_size: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(elderly|disabled|veteran|low_income|new_employment|living_alone|child|volunteer)?$")]
    tag: Option<String>,
}

/// `GET /api/v1/people/export`
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleExport {
    within: Option<String>,
    q: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(-?(name|birth_date)|address)?$")]
    sort: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(elderly|disabled|veteran|low_income|new_employment|living_alone|child|volunteer)?$")]
    tag: Option<String>,
}

/// `GET /api/v1/households`
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdList {
    within: Option<String>,
    /// Household number, or the head's name
    q: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(-?address|number)?$")]
    sort: Option<String>,
    /// 1-based page number (default 1)
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]{0,5}|1000000)?$")]
    page: Option<String>,
    /// Rows per page, 1–200 (default 20)
    #[param(value_type = Option<String>, pattern = "^([1-9]|[1-9][0-9]|1[0-9][0-9]|200)?$")]
    page_size: Option<String>,
}

/// `GET /api/v1/organisations`
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationList {
    within: Option<String>,
    q: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(-?(code|name))?$")]
    sort: Option<String>,
    /// 1-based page number (default 1)
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]{0,5}|1000000)?$")]
    page: Option<String>,
    /// Rows per page, 1–200 (default 20)
    #[param(value_type = Option<String>, pattern = "^([1-9]|[1-9][0-9]|1[0-9][0-9]|200)?$")]
    page_size: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(double_reporting_unit|social_organisation|property_company|owners_committee)?$")]
    kind: Option<String>,
}

/// `GET /api/v1/alliances`
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllianceList {
    within: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(regional_governance|social_service|adjacent_community)?$")]
    kind: Option<String>,
}

/// `GET /api/v1/stats`
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Territory code or id: figures of that subtree (default: everything the caller sees)
    within: Option<String>,
    /// First day of a period (with `to`): the figures of things that happen — `owner_votes`,
    /// `property_decisions`, `property_matters_by_branch`, `council_topics`,
    /// `council_topics_done` — count only those of the period
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    from: Option<String>,
    /// Last day of the period, inclusive (with `from`)
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    to: Option<String>,
}

/// `GET /api/v1/audit` and its CSV
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditList {
    /// Username
    actor: Option<String>,
    /// Action code, e.g. `auth.login`
    action: Option<String>,
    /// 1-based page number (default 1)
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]{0,5}|1000000)?$")]
    page: Option<String>,
    /// Rows per page, 1–200 (default 20)
    #[param(value_type = Option<String>, pattern = "^([1-9]|[1-9][0-9]|1[0-9][0-9]|200)?$")]
    page_size: Option<String>,
}

/// `GET /api/v1/audit/export`: the whole log in the caller's scope, filtered
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditExport {
    /// Username
    actor: Option<String>,
    /// Action code, e.g. `auth.login`
    action: Option<String>,
}

/// `GET /api/v1/appeals`
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppealList {
    /// `open`, `closed`, `all` or one status
    #[param(value_type = Option<String>, pattern = "^(open|closed|all|new|accepted|assigned|in_progress|on_hold|resolved|verified|declined|merged)?$")]
    status: Option<String>,
    /// `true`: what my levels handle, down my subtree
    #[param(value_type = Option<String>, pattern = "^(true|false|1|0|on)?$")]
    mine: Option<String>,
    /// `true` (with `mine`): only what is handled at my own nodes or asked of them (my to-dos)
    #[param(value_type = Option<String>, pattern = "^(true|false|1|0|on)?$")]
    here: Option<String>,
    /// `true` (with `mine`): only where help was asked of my nodes
    #[param(value_type = Option<String>, pattern = "^(true|false|1|0|on)?$")]
    helping: Option<String>,
    /// `true`: only warned of the deadline, not yet overdue
    #[param(value_type = Option<String>, pattern = "^(true|false|1|0|on)?$")]
    warned: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(true|false|1|0|on)?$")]
    overdue: Option<String>,
    /// `true`: what I filed
    #[param(value_type = Option<String>, pattern = "^(true|false|1|0|on)?$")]
    reported: Option<String>,
    /// A category code and everything under it
    category: Option<String>,
    /// One urgency
    #[param(value_type = Option<String>, pattern = "^(normal|urgent|emergency)?$")]
    urgency: Option<String>,
    /// The channel it came through
    #[param(value_type = Option<String>, pattern = "^(walk_in|phone|grid_patrol|hotline_12345|web|open311)?$")]
    channel: Option<String>,
    within: Option<String>,
    q: Option<String>,
    /// 1-based page number (default 1)
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]{0,5}|1000000)?$")]
    page: Option<String>,
    /// Rows per page, 1–200 (default 20)
    #[param(value_type = Option<String>, pattern = "^([1-9]|[1-9][0-9]|1[0-9][0-9]|200)?$")]
    page_size: Option<String>,
}

/// `GET /api/v1/appeals/measures`
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeasureQuery {
    within: Option<String>,
    /// First day (default: the first of this month)
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    from: Option<String>,
    /// Last day, inclusive (default: today)
    #[param(value_type = Option<String>, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    to: Option<String>,
    category: Option<String>,
    #[param(value_type = Option<String>, pattern = "^(building|compound|community|subdistrict|district)?$")]
    level: Option<String>,
}
