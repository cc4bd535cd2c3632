//! Every user-facing string on the pages, in Chinese (default) and English.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

const STRINGS: &[(&str, &str, &str)] = &[
    ("app.name", "家园", "Jiayuan"),
    ("app.tagline", "党建引领城市基层治理", "Party-building-led urban grassroots governance"),
    ("nav.home", "首页", "Home"),
    ("nav.territories", "区域", "Territory"),
    ("nav.people", "居民", "Residents"),
    ("nav.households", "住户", "Households"),
    ("nav.api", "接口文档", "API"),
    ("lang.switch", "English", "中文"),
    ("search", "搜索", "Search"),
    ("search.people", "姓名、拼音、首字母或身份证号", "Name, pinyin, initials or ID number"),
    ("search.households", "户号或户主姓名", "Household number or head's name"),
    ("search.territories", "名称、拼音或编码", "Name, pinyin or code"),
    ("figures", "主要数据", "Figures"),
    ("children", "下级", "Below"),
    ("party", "党组织", "Party organisation"),
    ("grids", "网格", "Grids"),
    ("grid.worker", "专职网格员", "Grid worker"),
    ("grid.secretary", "网格党支部书记", "Grid party secretary"),
    ("grid.filed", "备案日期", "Filed on"),
    ("grid.buildings", "楼栋数", "Buildings"),
    ("map", "网格地图", "Grid map"),
    ("assignments", "一联双包", "Linkage assignments"),
    ("coverage", "覆盖缺口", "Coverage gaps"),
    ("coverage.compounds", "无联系单位的小区", "Compounds without a unit"),
    ("coverage.buildings", "无包楼干部的楼栋", "Buildings without a cadre"),
    ("coverage.households", "未联系党员中心户的住户", "Households without a central household"),
    ("coverage.grids", "未划入网格的楼栋", "Buildings outside any grid"),
    ("coverage.none", "无缺口", "No gaps"),
    ("alliances", "党建联盟", "Party-building alliances"),
    ("organisations", "组织", "Organisations"),
    ("alliance.members", "成员单位", "Members"),
    ("name", "名称", "Name"),
    ("code", "编码", "Code"),
    ("kind", "类型", "Kind"),
    ("leader", "负责人", "Leader"),
    ("members", "党员数", "Members"),
    ("person.name", "姓名", "Name"),
    ("person.sex", "性别", "Sex"),
    ("person.birth", "出生日期", "Birth date"),
    ("person.age", "年龄", "Age"),
    ("person.id", "身份证号", "ID number"),
    ("person.phone", "联系电话", "Phone"),
    ("person.tags", "标签", "Tags"),
    ("person.address", "住址", "Address"),
    ("person.household", "所在户", "Household"),
    ("person.owns", "名下房屋", "Owned dwellings"),
    ("person.party", "党员信息", "Party membership"),
    ("person.serves", "作为党员中心户联系户数", "Households served as central household"),
    ("male", "男", "Male"),
    ("female", "女", "Female"),
    ("household.number", "户号", "Household no."),
    ("household.dwelling", "房屋", "Dwelling"),
    ("household.tenure", "居住方式", "Tenure"),
    ("household.members", "成员", "Members"),
    ("household.relation", "与户主关系", "Relation"),
    ("household.central", "联系党员中心户", "Central household"),
    ("party.org", "所在党组织", "Organisation"),
    ("party.joined", "入党日期", "Joined"),
    ("party.in_service", "在职党员", "In-service member"),
    ("party.unit", "工作单位", "Work unit"),
    ("party.reported", "双报到社区", "Reports to community"),
    ("yes", "是", "Yes"),
    ("no", "否", "No"),
    ("none", "无", "None"),
    ("total", "共", "Total"),
    ("items", "条", "items"),
    ("prev", "上一页", "Previous"),
    ("next", "下一页", "Next"),
    ("page", "第{}页", "Page {}"),
    ("not_found", "没有找到这个页面或记录。", "This page or record does not exist."),
    ("bad_request", "请求有误", "Bad request"),
    ("back", "返回", "Back"),
    ("masked.note", "个人信息已脱敏显示", "Personal information is shown masked"),
    ("no_results", "没有符合条件的记录", "Nothing matches"),
    ("area", "面积(㎡)", "Area (m²)"),
    ("use", "用途", "Use"),
    ("stats.subdistricts", "街道", "Subdistricts"),
    ("stats.communities", "社区", "Communities"),
    ("stats.compounds", "小区", "Compounds"),
    ("stats.buildings", "楼栋", "Buildings"),
    ("stats.dwellings", "房屋", "Dwellings"),
    ("stats.households", "住户", "Households"),
    ("stats.residents", "居民", "Residents"),
    ("stats.compound_branches", "小区党支部", "Compound branches"),
    ("stats.building_groups", "楼栋党小组", "Building party groups"),
    ("stats.central_households", "党员中心户", "Central households"),
    ("stats.party_members", "党员", "Party members"),
    ("stats.social_organisations", "社会组织", "Social organisations"),
    ("stats.service_stations", "小区党群服务站", "Compound service stations"),
    ("stats.grids", "网格", "Grids"),
    ("chart.residents", "下级居民人数", "Residents by sub-area"),
    ("nav.users", "账号管理", "Users"),
    ("nav.audit", "审计日志", "Audit log"),
    ("nav.logout", "退出", "Sign out"),
    ("forbidden", "没有权限", "Not permitted"),
    ("login.title", "登录", "Sign in"),
    ("login.username", "用户名", "Username"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    (
        "login.note",
        "连续输错5次密码，账号将锁定15分钟。",
        "Five wrong passwords in a row lock the account for 15 minutes.",
    ),
    ("account.title", "我的账号", "My account"),
    (
        "account.must_change",
        "这是初始密码，请先设置您自己的新密码。",
        "This is an initial password: set your own before continuing.",
    ),
    ("account.changed", "密码已修改。", "Password changed."),
    ("account.roles", "角色与范围", "Roles and scopes"),
    ("account.password", "修改密码", "Change password"),
    ("account.current", "当前密码", "Current password"),
    ("account.new", "新密码", "New password"),
    ("account.confirm", "再次输入新密码", "New password again"),
    (
        "account.policy",
        "至少10个字符，不能包含用户名，不能是常见密码。",
        "At least 10 characters, not containing the username, not a common password.",
    ),
    ("account.change", "修改密码", "Change password"),
    ("tokens.title", "接口令牌", "API tokens"),
    ("tokens.once", "请立即复制，令牌只显示这一次：", "Copy it now; the token is shown only once:"),
    ("tokens.prefix", "开头", "Starts with"),
    ("tokens.expires", "有效期至", "Expires"),
    ("tokens.never", "长期", "Never"),
    ("tokens.revoked", "已吊销", "Revoked"),
    ("tokens.revoke", "吊销", "Revoke"),
    ("tokens.name", "令牌用途，如“巡查App”", "What it is for"),
    ("tokens.create", "新建令牌", "Create token"),
    ("days", "天", "days"),
    ("users.title", "账号管理", "Users"),
    ("users.display_name", "姓名", "Full name"),
    ("users.state", "状态", "State"),
    ("users.disabled", "已停用", "Disabled"),
    ("users.locked", "已锁定", "Locked"),
    ("users.active", "正常", "Active"),
    ("users.initial", "待改初始密码", "Initial password"),
    ("users.create", "新建账号", "Create account"),
    ("users.initial_password", "初始密码(首次登录须修改)", "Initial password (changed at first sign-in)"),
    ("users.role", "角色", "Role"),
    ("users.scope", "范围", "Scope"),
    ("users.scope_hint", "区域编码，如 370612001001", "Territory code, e.g. 370612001001"),
    ("users.person", "关联居民ID(居民账号必填)", "Resident id (for resident accounts)"),
    ("users.person_hint", "居民记录的ID", "The resident record's id"),
    ("users.created", "创建时间", "Created"),
    ("users.enable", "启用", "Enable"),
    ("users.disable", "停用", "Disable"),
    ("users.revoke", "撤销", "Revoke"),
    ("users.grant", "授予角色", "Grant role"),
    ("users.reset", "重置密码", "Reset password"),
    ("roles.title", "角色权限表", "Roles and permissions"),
    (
        "roles.note",
        "每个角色都绑定一个区域节点，权限只在该节点及其下级范围内有效。",
        "Each role is held over a territory node and applies only within its subtree.",
    ),
    ("audit.title", "审计日志", "Audit log"),
    ("audit.time", "时间", "Time"),
    ("audit.actor", "操作人", "Actor"),
    ("audit.action", "操作", "Action"),
    ("audit.object", "对象", "Object"),
    ("audit.result", "结果", "Result"),
    ("audit.summary", "摘要", "Summary"),
    ("audit.export", "导出CSV", "Export CSV"),
    ("reveal.title", "查看完整身份证号和电话", "Show full ID and phone numbers"),
    ("reveal.reason", "查看事由", "Reason"),
    ("reveal.placeholder", "如：核实低保申请材料", "e.g. verifying an allowance application"),
    ("reveal.button", "查看", "Show"),
    ("reveal.note", "每次查看都会记入审计日志。", "Every reveal is recorded in the audit log."),
    (
        "reveal.shown",
        "以下为完整个人信息，本次查看已记入审计日志。",
        "Full personal information shown; this view is in the audit log.",
    ),
];

pub fn t(lang: Lang, key: &str) -> &'static str {
    STRINGS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| if lang == Lang::En { *en } else { *zh })
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_translated() {
        let mut keys: Vec<_> = STRINGS.iter().map(|s| s.0).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len(), "duplicate translation key");
        assert!(STRINGS.iter().all(|(_, zh, en)| !zh.is_empty() && !en.is_empty()));
        assert_eq!(t(Lang::En, "nav.people"), "Residents");
        assert_eq!(t(Lang::Zh, "nav.people"), "居民");
    }
}
