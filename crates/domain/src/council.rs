//! Councils (议事会) where residents settle their own matters (民事民议、民事民办、民事民决):
//! the kinds the seed names, the seats on them, and the life of a topic from being raised to
//! its outcomes carried out. Pure rules; the store keeps the records.

use crate::TerritoryKind;

crate::labelled_enum! {
    /// The kinds of council in the district, each held at the levels [`CouncilKind::levels`] names.
    CouncilKind {
        BuildingMeeting = "building_meeting" / "一楼见" / "Building meeting (yi lou jian)",
        BuildingCouncil = "building_council" / "楼栋议事团" / "Building council",
        Dumpling = "dumpling" / "饺子议事会" / "Dumpling council",
        Tripartite = "tripartite" / "三方办" / "Tripartite office (branch, owners' committee, property company)",
        EnvironmentProperty = "environment_property" / "环境和物业管理委员会" / "Environment and property management committee",
        PropertyJointMeeting = "property_joint_meeting" / "红心物业党建联席会议" / "Red-heart property joint meeting",
    }
}

impl CouncilKind {
    /// The levels a council of this kind sits at: the building's public space for 一楼见 and
    /// the building council, the compound for 三方办, the community for its committee and the
    /// joint meeting of its compounds; the dumpling council where neighbours gather.
    pub fn levels(self) -> &'static [TerritoryKind] {
        use TerritoryKind as K;
        match self {
            CouncilKind::BuildingMeeting | CouncilKind::BuildingCouncil => &[K::Building],
            CouncilKind::Dumpling => &[K::Building, K::Compound, K::Community],
            CouncilKind::Tripartite => &[K::Compound],
            CouncilKind::EnvironmentProperty | CouncilKind::PropertyJointMeeting => &[K::Community],
        }
    }

    /// Whether a council of this kind may sit at a node of `kind`; the refusal names the levels.
    pub fn check_level(self, kind: TerritoryKind) -> Result<(), String> {
        if self.levels().contains(&kind) {
            return Ok(());
        }
        let names: Vec<&str> = self.levels().iter().map(|k| k.label_zh()).collect();
        Err(format!("“{}”设在{} (a {} sits at: {})", self.label_zh(), names.join("或"), self.as_str(), {
            let en: Vec<&str> = self.levels().iter().map(|k| k.as_str()).collect();
            en.join(", ")
        }))
    }
}

crate::labelled_enum! {
    /// A member's seat on a council.
    Seat {
        BuildingLeader = "building_leader" / "党员楼长" / "Party building leader",
        ResidentRep = "resident_rep" / "居民代表" / "Resident representative",
        PropertySteward = "property_steward" / "物业管家" / "Property steward",
        OwnersCommittee = "owners_committee" / "业主委员会" / "Owners' committee",
        PropertyCompany = "property_company" / "物业服务企业" / "Property company",
        Branch = "branch" / "小区党支部" / "Compound party branch",
        CommunityStaff = "community_staff" / "社区工作人员" / "Community staff",
    }
}

impl Seat {
    /// Whether the person in this seat is a resident sitting as such, whose name public pages
    /// mask.
    pub fn is_resident(self) -> bool {
        matches!(self, Seat::ResidentRep | Seat::BuildingLeader)
    }
}

crate::labelled_enum! {
    /// What a topic is about, for the seed's figures (disputes settled, urgent problems solved
    /// by co-deliberation, property matters).
    TopicKind {
        Dispute = "dispute" / "家庭矛盾与邻里纠纷" / "Family or neighbour dispute",
        Livelihood = "livelihood" / "急难愁盼问题" / "Urgent everyday problem",
        Property = "property" / "物业问题" / "Property matter",
    }
}

crate::labelled_enum! {
    /// Where a topic stands.
    TopicStatus {
        Raised = "raised" / "待议" / "Raised",
        Decided = "decided" / "落实中" / "Being carried out",
        Done = "done" / "已办结" / "Done",
        Dropped = "dropped" / "不予议决" / "Dropped",
    }
}

impl TopicStatus {
    pub fn is_open(self) -> bool {
        matches!(self, TopicStatus::Raised | TopicStatus::Decided)
    }
}

/// A topic's status from its outcomes (each `true` when done): raised until something is
/// decided, being carried out while any outcome is not done, done when every one is. A dropped
/// topic stays dropped.
pub fn topic_status(dropped: bool, outcomes_done: &[bool]) -> TopicStatus {
    if dropped {
        TopicStatus::Dropped
    } else if outcomes_done.is_empty() {
        TopicStatus::Raised
    } else if outcomes_done.iter().all(|d| *d) {
        TopicStatus::Done
    } else {
        TopicStatus::Decided
    }
}

/// Whether an outcome is overdue: not done and past its due time. One done late is not
/// overdue any more, but [`finished_late`] says it was late.
pub fn is_overdue<T: PartialOrd>(due: &T, done_at: Option<&T>, now: &T) -> bool {
    done_at.is_none() && now > due
}

/// Whether an outcome was carried out after its due time.
pub fn finished_late<T: PartialOrd>(due: &T, done_at: Option<&T>) -> bool {
    done_at.is_some_and(|d| d > due)
}

/// The longest an outcome may be given, in working days (about a year).
pub const MAX_DUE_WORKDAYS: u32 = 250;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_kind_sits_at_its_levels() {
        assert!(CouncilKind::BuildingMeeting.check_level(TerritoryKind::Building).is_ok());
        assert!(CouncilKind::Tripartite.check_level(TerritoryKind::Compound).is_ok());
        let e = CouncilKind::Tripartite.check_level(TerritoryKind::Building).unwrap_err();
        assert!(e.contains("小区") && e.contains("compound"), "{e}");
        assert!(CouncilKind::EnvironmentProperty.check_level(TerritoryKind::Compound).is_err());
        for k in CouncilKind::ALL {
            assert!(!k.levels().contains(&TerritoryKind::Dwelling), "{k}");
            assert!(!k.levels().is_empty());
        }
    }

    #[test]
    fn a_topic_is_done_when_every_outcome_is() {
        assert_eq!(topic_status(false, &[]), TopicStatus::Raised);
        assert_eq!(topic_status(false, &[false]), TopicStatus::Decided);
        assert_eq!(topic_status(false, &[true, false]), TopicStatus::Decided);
        assert_eq!(topic_status(false, &[true, true]), TopicStatus::Done);
        assert_eq!(topic_status(true, &[true]), TopicStatus::Dropped);
    }

    #[test]
    fn overdue_only_while_not_done() {
        assert!(!is_overdue(&5, None, &5));
        assert!(is_overdue(&5, None, &6));
        assert!(!is_overdue(&5, Some(&7), &9));
        assert!(finished_late(&5, Some(&7)));
        assert!(!finished_late(&5, Some(&5)));
        assert!(!finished_late(&5, None));
    }

    proptest! {
        #[test]
        fn status_follows_the_outcomes(done in proptest::collection::vec(any::<bool>(), 0..8), dropped in any::<bool>()) {
            let s = topic_status(dropped, &done);
            prop_assert_eq!(s == TopicStatus::Done, !dropped && !done.is_empty() && done.iter().all(|d| *d));
            prop_assert_eq!(s.is_open(), !dropped && (done.is_empty() || done.iter().any(|d| !*d)));
        }

        #[test]
        fn overdue_and_late_never_both(due in 0i64..100, done in proptest::option::of(0i64..100), now in 0i64..100) {
            prop_assert!(!(is_overdue(&due, done.as_ref(), &now) && finished_late(&due, done.as_ref())));
        }
    }
}
