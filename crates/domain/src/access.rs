//! Who may do what, and where: roles bound to a territory scope, the permission table,
//! which roles may grant which, and the password policy. Pure rules; the store enforces them.

use crate::{FieldError, TerritoryKind};

crate::labelled_enum! {
    /// Roles, most senior first. A role is always held over a territory node and its subtree.
    Role {
        DistrictAdmin = "district_admin" / "区级管理员" / "District administrator",
        SubdistrictOfficer = "subdistrict_officer" / "街道干部" / "Subdistrict officer",
        CommunitySecretary = "community_secretary" / "社区书记" / "Community secretary",
        CommunityWorker = "community_worker" / "社区工作者(网格员)" / "Community worker (grid worker)",
        CompoundSecretary = "compound_secretary" / "小区党支部书记" / "Compound branch secretary",
        BuildingLeader = "building_leader" / "楼栋党小组长" / "Building group leader",
        PropertyStaff = "property_staff" / "物业服务企业人员" / "Property company staff",
        OwnersCommittee = "owners_committee" / "业委会成员" / "Owners' committee member",
        SocialOrgStaff = "social_org_staff" / "社会组织人员" / "Social organisation staff",
        Resident = "resident" / "居民" / "Resident",
    }
}

crate::labelled_enum! {
    /// What a role allows inside its scope.
    Permission {
        ViewTerritory = "view_territory" / "查看区域、网格与统计" / "View territory, grids and figures",
        ViewOrganisations = "view_organisations" / "查看组织与联盟" / "View organisations and alliances",
        ViewPeople = "view_people" / "查看居民与住户(脱敏)" / "View residents and households (masked)",
        ViewSelf = "view_self" / "查看本人与本户信息" / "View own record and household",
        RevealPersonal = "reveal_personal" / "查看完整身份证号与电话(需填写事由并留痕)" / "Reveal full ID and phone numbers (reason required, audited)",
        EditTerritory = "edit_territory" / "新增区域节点" / "Create territory nodes",
        ManageUsers = "manage_users" / "管理账号与授权" / "Manage accounts and roles",
        ViewAudit = "view_audit" / "查看与导出审计日志" / "View and export the audit log",
        ViewAppeals = "view_appeals" / "查看诉求" / "View appeals",
        HandleAppeals = "handle_appeals" / "办理诉求" / "Handle appeals",
        ManageAppeals = "manage_appeals" / "管理诉求分类、分派规则、考核公式与通知" / "Manage appeal categories, routing, formulas and notifications",
        AllAppealCategories = "all_appeal_categories" / "查看与办理各类诉求(含家庭纠纷、养老助残等敏感类别)" / "See and handle appeals of every category, sensitive ones included",
        RunOwnerVotes = "run_owner_votes" / "组织业主大会表决(公告、录入纸质票、计票)" / "Run owners' assembly votes (announce, enter paper ballots, count)",
        RunCouncils = "run_councils" / "组织议事会(设立、议题、会议、落实)" / "Run councils (set up, topics, meetings, follow-through)",
        ServeDesk = "serve_desk" / "窗口办件(收件、一次性告知、受理、办结、咨询登记、预约)" / "Serve at the window (tickets, one-time notices, consultations, bookings)",
        ManageService = "manage_service" / "管理服务事项目录、服务点办公时间与值班表" / "Manage the service catalogue, service points' hours and duty rosters",
        RunActivities = "run_activities" / "组织社区活动(发布、代报名、扫码签到、活动报告)" / "Run community activities (publish, register people, check in at the door, report)",
        ReviewSolutions = "review_solutions" / "评审金方案、管理创投项目" / "Review golden solutions and run venture projects",
        KeepFunds = "keep_funds" / "社区经费记账(收入、支出、冲正、凭证)" / "Keep the community's fund account (income, spending, reversals, receipts)",
        ApproveFunds = "approve_funds" / "审批超过限额的经费支出" / "Approve spending above the approval amount",
        ManageFunds = "manage_funds" / "设定专项经费额度、审批限额与透支规则" / "Set the special fund, the approval amount and the overdraft rule",
        RecordVisits = "record_visits" / "网格走访(入户记录、发现问题转诉求、登记融网入格人员)" / "Grid rounds (visits, findings to appeals, grid helpers)",
        ManageGridWork = "manage_grid_work" / "设定走访周期与重点户走访频次" / "Set the round's period and special-care visit frequencies",
        ManageWorkers = "manage_workers" / "管理社区工作者(档案、定岗网格、年度考核)" / "Manage community workers (records, grid posts, yearly appraisals)",
        RecruitWorkers = "recruit_workers" / "社区工作者招聘与晋级" / "Recruit community workers and promote them",
        SetPayScale = "set_pay_scale" / "设定三岗十八级薪酬表" / "Set the pay table (three posts, eighteen grades)",
        FileGridSecretaries = "file_grid_secretaries" / "网格党组织书记备案" / "File grid party secretaries",
        RunProgramme = "run_programme" / "组织书记队伍建设(书记论坛、思享会、提级述职、擂台比武)" / "Run the secretaries' development programme",
    }
}

use Permission::*;

impl Role {
    /// The permission table: one row per role. Administrators read it on the roles page.
    pub fn permissions(self) -> &'static [Permission] {
        match self {
            Role::DistrictAdmin => &[
                ViewTerritory,
                ViewOrganisations,
                ViewPeople,
                ViewSelf,
                RevealPersonal,
                EditTerritory,
                ManageUsers,
                ViewAudit,
                ViewAppeals,
                HandleAppeals,
                ManageAppeals,
                AllAppealCategories,
                RunOwnerVotes,
                RunCouncils,
                ServeDesk,
                ManageService,
                RunActivities,
                ReviewSolutions,
                KeepFunds,
                ApproveFunds,
                ManageFunds,
                RecordVisits,
                ManageGridWork,
                ManageWorkers,
                RecruitWorkers,
                SetPayScale,
                FileGridSecretaries,
                RunProgramme,
            ],
            Role::SubdistrictOfficer => &[
                ViewTerritory,
                ViewOrganisations,
                ViewPeople,
                ViewSelf,
                RevealPersonal,
                EditTerritory,
                ManageUsers,
                ViewAudit,
                ViewAppeals,
                HandleAppeals,
                AllAppealCategories,
                RunOwnerVotes,
                RunCouncils,
                ServeDesk,
                ManageService,
                RunActivities,
                ReviewSolutions,
                KeepFunds,
                ApproveFunds,
                RecordVisits,
                ManageWorkers,
                RecruitWorkers,
                FileGridSecretaries,
                RunProgramme,
            ],
            Role::CommunitySecretary => &[
                ViewTerritory,
                ViewOrganisations,
                ViewPeople,
                ViewSelf,
                RevealPersonal,
                EditTerritory,
                ManageUsers,
                ViewAudit,
                ViewAppeals,
                HandleAppeals,
                AllAppealCategories,
                RunOwnerVotes,
                RunCouncils,
                ServeDesk,
                ManageService,
                RunActivities,
                KeepFunds,
                ApproveFunds,
                RecordVisits,
                ManageWorkers,
            ],
            Role::CommunityWorker => &[
                ViewTerritory,
                ViewOrganisations,
                ViewPeople,
                ViewSelf,
                RevealPersonal,
                ViewAppeals,
                HandleAppeals,
                AllAppealCategories,
                RunCouncils,
                ServeDesk,
                RunActivities,
                KeepFunds,
                RecordVisits,
            ],
            Role::CompoundSecretary => &[
                ViewTerritory,
                ViewOrganisations,
                ViewPeople,
                ViewSelf,
                ViewAppeals,
                HandleAppeals,
                AllAppealCategories,
                RunOwnerVotes,
                RunCouncils,
                ServeDesk,
                RunActivities,
                RecordVisits,
            ],
            Role::BuildingLeader => {
                &[ViewTerritory, ViewPeople, ViewSelf, ViewAppeals, HandleAppeals, AllAppealCategories, RunCouncils]
            }
            // Property staff and owners' committees see the appeals of their compound except
            // sensitive categories, and property staff act only on property categories.
            Role::PropertyStaff => &[ViewTerritory, ViewOrganisations, ViewSelf, ViewAppeals, HandleAppeals],
            Role::OwnersCommittee => &[ViewTerritory, ViewOrganisations, ViewSelf, ViewAppeals, RunOwnerVotes],
            Role::SocialOrgStaff => &[ViewTerritory, ViewOrganisations, ViewSelf, RunActivities],
            Role::Resident => &[ViewSelf],
        }
    }

    pub fn allows(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }

    /// The kinds of territory node this role may be held over.
    pub fn scope_kinds(self) -> &'static [TerritoryKind] {
        use TerritoryKind as K;
        match self {
            Role::DistrictAdmin => &[K::District],
            Role::SubdistrictOfficer => &[K::Subdistrict],
            Role::CommunitySecretary | Role::CommunityWorker | Role::SocialOrgStaff => &[K::Community],
            Role::CompoundSecretary | Role::PropertyStaff | Role::OwnersCommittee => &[K::Compound],
            Role::BuildingLeader => &[K::Building],
            Role::Resident => &[K::Dwelling],
        }
    }

    /// Whether a holder of this role on a node makes that node a level that takes appeals
    /// (the party line: building group, compound branch, community, subdistrict, district).
    /// Property staff may act on their compound's appeals but do not make it a handling level.
    pub fn staffs_appeal_level(self) -> bool {
        matches!(
            self,
            Role::DistrictAdmin
                | Role::SubdistrictOfficer
                | Role::CommunitySecretary
                | Role::CommunityWorker
                | Role::CompoundSecretary
                | Role::BuildingLeader
        )
    }

    /// Seniority: 0 is the most senior.
    pub fn rank(self) -> usize {
        Self::ALL.iter().position(|r| *r == self).unwrap_or(usize::MAX)
    }

    /// Whether a holder of `self` may grant `other` (inside the holder's own scope, which the
    /// store checks). District administrators grant anything; other managers grant only
    /// roles junior to their own.
    pub fn may_grant(self, other: Role) -> bool {
        self.allows(ManageUsers) && (self == Role::DistrictAdmin || other.rank() > self.rank())
    }

    /// Checks that `kind` is a node this role can be held over.
    pub fn check_scope_kind(self, kind: TerritoryKind) -> Result<(), FieldError> {
        if self.scope_kinds().contains(&kind) {
            return Ok(());
        }
        let want: Vec<&str> = self.scope_kinds().iter().map(|k| k.label_zh()).collect();
        Err(FieldError::new(
            "scope",
            format!(
                "角色“{}”只能授予在{}一级，不能授予在{} (wrong scope level)",
                self.label_zh(),
                want.join("/"),
                kind.label_zh()
            ),
        ))
    }
}

/// The most common passwords and the obvious local ones; a password on this list is refused
/// whatever its length.
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "1234567890a",
    "0123456789",
    "9876543210",
    "1111111111",
    "0000000000",
    "1q2w3e4r5t",
    "qwertyuiop",
    "qwertyuiop123",
    "1qaz2wsx3edc",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "p@ssw0rd123",
    "iloveyou123",
    "abcdefghij",
    "abc1234567",
    "abcd123456",
    "a123456789",
    "qwerty1234",
    "qwerty12345",
    "admin12345",
    "admin123456",
    "administrator",
    "woaini1314",
    "woaini520",
    "5201314520",
    "1314520520",
    "wodemima123",
    "zhang123456",
    "wang123456",
    "li123456789",
    "jiayuan123",
    "jiayuan2026",
    "jiayuan-demo",
    "changeme123",
    "letmein1234",
    "welcome123",
    "football123",
    "sunshine123",
    "princess123",
    "dragon12345",
    "monkey12345",
    "baseball123",
    "superman123",
    "shanghai123",
    "beijing2008",
];

/// The password policy: at least 10 characters, not the username, not a common password.
/// Returns the reason a password is refused.
pub fn check_password(username: &str, password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(FieldError::new("password", format!("密码至少10个字符，现在只有{n}个 (at least 10 characters)")));
    }
    if n > 256 {
        return Err(FieldError::new("password", "密码不能超过256个字符 (at most 256 characters)"));
    }
    let lower = password.to_lowercase();
    if lower == username.trim().to_lowercase() || lower.contains(&username.trim().to_lowercase()) && username.len() >= 4
    {
        return Err(FieldError::new("password", "密码不能是用户名或包含用户名 (must not contain the username)"));
    }
    if COMMON_PASSWORDS.contains(&lower.as_str()) || password.chars().all(|c| c == password.chars().next().unwrap_or(c))
    {
        return Err(FieldError::new("password", "这是常见密码，请换一个 (this password is too common)"));
    }
    Ok(())
}

/// A username: 3–32 characters of lower-case letters, digits, `.`, `_` and `-`, starting
/// with a letter or digit.
pub fn check_username(name: &str) -> Result<String, FieldError> {
    let n = name.trim().to_lowercase();
    let ok = (3..=32).contains(&n.len())
        && n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(n)
    } else {
        Err(FieldError::new(
            "username",
            "用户名为3–32位小写字母、数字、点、下划线或连字符 (3–32 of a–z, 0–9, . _ -, starting with a letter or digit)",
        ))
    }
}

/// The demo password. Only demo databases have accounts that use it; the policy refuses it
/// everywhere else.
pub const DEMO_PASSWORD: &str = "jiayuan-demo";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_table_is_ordered_by_seniority() {
        assert!(Role::DistrictAdmin.may_grant(Role::DistrictAdmin));
        assert!(Role::SubdistrictOfficer.may_grant(Role::CommunitySecretary));
        assert!(!Role::SubdistrictOfficer.may_grant(Role::SubdistrictOfficer));
        assert!(!Role::CommunitySecretary.may_grant(Role::SubdistrictOfficer));
        assert!(!Role::CommunityWorker.may_grant(Role::Resident), "workers do not manage users");
        assert!(Role::Resident.allows(ViewSelf) && !Role::Resident.allows(ViewPeople));
        for r in Role::ALL {
            assert!(!r.scope_kinds().is_empty());
            assert!(r.allows(ViewSelf), "everyone sees their own record");
        }
    }

    #[test]
    fn scope_levels() {
        assert!(Role::CommunitySecretary.check_scope_kind(TerritoryKind::Community).is_ok());
        let e = Role::CommunitySecretary.check_scope_kind(TerritoryKind::Building).unwrap_err();
        assert_eq!(e.field, "scope");
    }

    #[test]
    fn password_policy() {
        assert!(check_password("wang", "short").is_err());
        assert!(check_password("wangfang", "wangfang12345").is_err(), "contains the username");
        assert!(check_password("admin", "1234567890").is_err(), "common");
        assert!(check_password("admin", "aaaaaaaaaaaa").is_err(), "one character repeated");
        assert!(check_password("admin", DEMO_PASSWORD).is_err(), "the demo password is refused");
        assert!(check_password("admin", "楼道灯坏了三天没人修").is_ok(), "ten Chinese characters are ten characters");
        assert_eq!(check_password("x", "short").unwrap_err().field, "password");
    }

    #[test]
    fn usernames() {
        assert_eq!(check_username(" Wang.Fang ").unwrap(), "wang.fang");
        assert!(check_username("ab").is_err());
        assert!(check_username("-abc").is_err());
        assert!(check_username("王芳").is_err());
    }

    proptest! {
        #[test]
        fn short_passwords_never_pass(p in ".{0,9}") {
            prop_assert!(check_password("someone", &p).is_err());
        }

        #[test]
        fn a_password_containing_the_username_never_passes(u in "[a-z]{4,10}", pre in "[A-Z0-9]{0,6}", post in "[#0-9]{6,10}") {
            let pw = format!("{pre}{u}{post}");
            prop_assert!(check_password(&u, &pw).is_err());
        }
    }
}
