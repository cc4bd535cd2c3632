//! Party organisations, other organisations, alliances and 一联双包 assignments.

crate::labelled_enum! {
    /// Levels of the four-level system (四级治理体系) and the community organisation's forms.
    PartyOrgKind {
        CommunityCommittee = "community_committee" / "社区党委" / "Community Party Committee",
        CommunityGeneralBranch = "community_general_branch" / "社区党总支" / "Community General Branch",
        CommunityBranch = "community_branch" / "社区党支部" / "Community Branch",
        CompoundBranch = "compound_branch" / "小区(网格)党支部" / "Compound (Grid) Branch",
        BuildingGroup = "building_group" / "楼栋党小组" / "Building Party Group",
    }
}

impl PartyOrgKind {
    /// The territory kind an organisation of this kind is attached to.
    pub fn territory_kind(self) -> crate::TerritoryKind {
        match self {
            Self::CommunityCommittee | Self::CommunityGeneralBranch | Self::CommunityBranch => {
                crate::TerritoryKind::Community
            }
            Self::CompoundBranch => crate::TerritoryKind::Compound,
            Self::BuildingGroup => crate::TerritoryKind::Building,
        }
    }
}

crate::labelled_enum! {
    OrgKind {
        DoubleReportingUnit = "double_reporting_unit" / "双报到单位" / "Double-reporting unit",
        SocialOrganisation = "social_organisation" / "社会组织" / "Social organisation",
        PropertyCompany = "property_company" / "物业服务企业" / "Property company",
        OwnersCommittee = "owners_committee" / "业主委员会" / "Owners' committee",
    }
}

crate::labelled_enum! {
    /// The three kinds of party-building alliance (党建联盟).
    AllianceKind {
        RegionalGovernance = "regional_governance" / "区域治理型" / "Regional governance",
        SocialService = "social_service" / "社会服务型" / "Social service",
        AdjacentCommunity = "adjacent_community" / "社区毗邻型" / "Adjacent communities",
    }
}

crate::labelled_enum! {
    /// 一联双包: a unit links a compound, a cadre takes a building, a party member takes households.
    AssignmentKind {
        UnitCompound = "unit_compound" / "单位联小区" / "Unit links compound",
        CadreBuilding = "cadre_building" / "干部包楼栋" / "Cadre takes building",
        MemberHousehold = "member_household" / "党员包住户" / "Member takes household",
    }
}

crate::labelled_enum! {
    GridType {
        Merged = "merged" / "多网合一网格" / "Merged grid",
        PublicSecurity = "public_security" / "综治网格" / "Public security grid",
        UrbanManagement = "urban_management" / "城管网格" / "Urban management grid",
        PartyBuilding = "party_building" / "党建网格" / "Party building grid",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_code_and_labels() {
        assert_eq!(OrgKind::parse("社会组织"), Some(OrgKind::SocialOrganisation));
        assert_eq!(OrgKind::parse("property_company"), Some(OrgKind::PropertyCompany));
        assert_eq!(AllianceKind::parse("Social service"), Some(AllianceKind::SocialService));
        let e = AllianceKind::parse_field("其他", "kind").unwrap_err();
        assert_eq!(e.field, "kind");
        assert!(e.message.contains("区域治理型"));
    }
}
