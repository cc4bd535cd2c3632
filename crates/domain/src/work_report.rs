//! The district's work report (工作报告): every figure of the seed's report, defined once, here,
//! so that the report, its drill-downs, `jiayuan report --format json` and the page beside the
//! figure all say the same thing about what is counted.
//!
//! A figure either *stands* (what exists when the report is drawn: branches, stations, the
//! catalogue) or *happened* in the year (settled, held, answered between 1 January and
//! 31 December, Beijing time). The seed's own figure is kept with it — exact ("219") or a
//! floor ("2100+", written 余/多 in the seed) — so the demo district can be checked against it.

use serde::Serialize;

crate::labelled_enum! {
    /// The six systems of the seed, in the report's order, and the appeals' rates before them.
    Section {
        Appeals = "appeals" / "诉求办理" / "Residents' appeals",
        Organisation = "organisation" / "组织体系" / "Organisation",
        Grid = "grid" / "网格体系" / "Grid",
        Property = "property" / "物业体系" / "Property",
        Service = "service" / "服务体系" / "Service",
        SelfGovernance = "self_governance" / "自治体系" / "Self-governance",
        Support = "support" / "保障体系" / "Support",
    }
}

/// What a figure's number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A count of records (or of people, for beneficiaries and trainees).
    Count,
    /// Money in integer fen.
    Fen,
    /// A percentage with one decimal, from the appeals' configured formula.
    Rate,
}

/// Whether a figure is what stands when the report is drawn or what happened in its year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    Standing,
    Year,
}

/// The seed's own figure: exact, or a floor ("2100余件").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum SeedFigure {
    Exact(i64),
    AtLeast(i64),
}

impl SeedFigure {
    /// Whether `value` reproduces the seed's figure.
    pub fn met_by(self, value: i64) -> bool {
        match self {
            SeedFigure::Exact(n) => value == n,
            SeedFigure::AtLeast(n) => value >= n,
        }
    }

    /// As the seed writes it: `219`, `2100+`, `¥300,000` for fen.
    pub fn label(self, unit: Unit) -> String {
        let (n, plus) = match self {
            SeedFigure::Exact(n) => (n, ""),
            SeedFigure::AtLeast(n) => (n, "+"),
        };
        format!("{}{plus}", show(n, unit))
    }
}

/// One figure of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Figure {
    /// The stable key of `--format json` (documented in the README).
    pub key: &'static str,
    pub section: Section,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// What is counted, shown beside the figure.
    pub definition_zh: &'static str,
    pub definition_en: &'static str,
    pub unit: Unit,
    pub span: Span,
    pub seed: Option<SeedFigure>,
}

impl Figure {
    pub fn name(&self, lang: &str) -> &'static str {
        if lang == "en" {
            self.name_en
        } else {
            self.name_zh
        }
    }

    pub fn definition(&self, lang: &str) -> &'static str {
        if lang == "en" {
            self.definition_en
        } else {
            self.definition_zh
        }
    }
}

/// Activity kinds counted as cultural and sports events (文艺进万家, 全民健身).
pub const CULTURAL_KINDS: &[&str] = &["culture", "fitness", "sports_day"];
/// Appeal categories (with those below them) of family and neighbour disputes.
pub const DISPUTE_CATEGORIES: &[&str] = &["family", "neighbour"];
/// Appeal categories (with those below them) of property matters.
pub const PROPERTY_CATEGORIES: &[&str] = &["property"];

macro_rules! fig {
    ($key:literal, $sec:ident, $zh:literal, $en:literal, $unit:ident, $span:ident, $seed:expr, $dzh:literal, $den:literal) => {
        Figure {
            key: $key,
            section: Section::$sec,
            name_zh: $zh,
            name_en: $en,
            definition_zh: $dzh,
            definition_en: $den,
            unit: Unit::$unit,
            span: Span::$span,
            seed: $seed,
        }
    };
}

use SeedFigure::{AtLeast, Exact};

/// Every figure, in the report's order.
pub const FIGURES: &[Figure] = &[
    fig!("response_rate", Appeals, "响应率", "Response rate", Rate, Year, None,
        "当年诉求的响应率，按系统设置的考核公式计算(公式见下)",
        "The year's response rate, by the configured formula (shown below)"),
    fig!("resolution_rate", Appeals, "解决率", "Resolution rate", Rate, Year, None,
        "当年诉求的解决率，按系统设置的考核公式计算(公式见下)",
        "The year's resolution rate, by the configured formula (shown below)"),
    fig!("satisfaction_rate", Appeals, "满意率", "Satisfaction rate", Rate, Year, None,
        "当年诉求的满意率，按系统设置的考核公式计算(公式见下)",
        "The year's satisfaction rate, by the configured formula (shown below)"),
    fig!("appeals_received", Appeals, "受理诉求", "Appeals received", Count, Year, None,
        "当年登记的诉求(合并进其他诉求的不计)",
        "Appeals filed in the year (those merged into another not counted)"),
    fig!("compound_branches", Organisation, "小区党支部", "Compound party branches", Count, Standing, Some(Exact(219)),
        "报告生成时辖区内的小区党支部",
        "Compound party branches in the territory when the report is drawn"),
    fig!("building_groups", Organisation, "楼栋党小组长", "Building group leaders", Count, Standing, Some(Exact(2026)),
        "报告生成时辖区内的楼栋党小组(每组一名组长)",
        "Building party groups in the territory when the report is drawn (one leader each)"),
    fig!("central_households", Organisation, "党员中心户", "Party central households", Count, Standing, Some(Exact(3886)),
        "报告生成时辖区内的党员中心户",
        "Party central households in the territory when the report is drawn"),
    fig!("social_organisations", Grid, "包社区、联网格的社会组织", "Social organisations adopting communities", Count, Standing, Some(Exact(27)),
        "登记在辖区内的社会组织",
        "Social organisations registered in the territory"),
    fig!("venture_projects", Grid, "创投项目", "Venture projects", Count, Year, Some(AtLeast(60)),
        "当年申报并获批的创投项目(此后无论进展如何)",
        "Venture projects applied for in the year and approved (whatever became of them since)"),
    fig!("social_org_activities", Grid, "社会组织开展活动", "Social organisations' activities", Count, Year, Some(AtLeast(100)),
        "当年举办(已结束)、由社会组织主办的活动",
        "Activities organised by a social organisation and held in the year"),
    fig!("beneficiaries", Grid, "受益群众(人次)", "Beneficiaries (attendances)", Count, Year, Some(AtLeast(20000)),
        "上述社会组织活动的签到人数加报告中登记的不记名受益人数",
        "People checked in to those social organisations' activities, plus those counted without names in their reports"),
    fig!("golden_solutions", Grid, "治理服务“金方案”", "Golden solutions", Count, Year, Some(AtLeast(50)),
        "当年征集提交的金方案",
        "Golden solutions submitted in the year"),
    fig!("disputes_settled", Grid, "化解家庭矛盾、邻里纠纷", "Family and neighbour disputes settled", Count, Year, Some(AtLeast(2100)),
        "当年办结(已解决)的家庭纠纷、邻里纠纷类诉求，加当年办结的议事会“家庭矛盾与邻里纠纷”议题(由诉求转来的只按诉求计一次)",
        "Appeals of the family and neighbour dispute categories resolved in the year, plus councils' dispute topics done in the year (one referred from an appeal counted once, as the appeal)"),
    fig!("property_matters_by_branch", Property, "小区党支部主导解决物业问题", "Property matters settled under a compound branch's lead", Count, Year, Some(AtLeast(210)),
        "当年由小区党支部承办办结的物业类诉求，加业主大会当年通过的物业决策，加由小区党支部落实办结的议事会物业议题(由诉求转来的只按诉求计一次)",
        "Property appeals resolved in the year while a compound branch held them, property decisions the owners' assembly passed in the year, and councils' property topics carried out by a compound branch in the year (one referred from an appeal counted once)"),
    fig!("training_sessions", Property, "培训交流活动", "Training sessions", Count, Year, Some(AtLeast(30)),
        "当年举办(已结束)的培训类活动(红心物业大讲堂等)",
        "Activities of the training kinds (steward training) held in the year"),
    fig!("trainees", Property, "培训“红心管家”(人次)", "Stewards trained (attendances)", Count, Year, Some(AtLeast(600)),
        "上述培训的签到人数加不记名人数",
        "People checked in to those sessions, plus those counted without names"),
    fig!("consultations_outside_hours", Service, "延时服务解答咨询(人次)", "Consultations answered outside regular hours", Count, Year, Some(Exact(265)),
        "当年在工作时间以外(延时、错时、节假日值班)解答的咨询",
        "Consultations answered in the year outside regular hours (extended, staggered and holiday hours)"),
    fig!("matters_outside_hours", Service, "延时服务办理事务", "Matters handled outside regular hours", Count, Year, Some(Exact(354)),
        "当年在工作时间以外受理的办件",
        "Service tickets received in the year outside regular hours"),
    fig!("service_categories", Service, "下沉政务服务大类", "Service categories at the stations", Count, Standing, Some(Exact(4)),
        "全区政务服务事项目录中的大类",
        "Categories of the district's desk service catalogue"),
    fig!("service_items", Service, "下沉政务服务事项", "Service items at the stations", Count, Standing, Some(Exact(43)),
        "全区政务服务事项目录中的事项",
        "Items of the district's desk service catalogue"),
    fig!("cultural_events", Service, "文体活动(场次)", "Cultural and sports events", Count, Year, Some(AtLeast(500)),
        "当年举办(已结束)的文化活动、文体健身和小区运动会",
        "Cultural events, fitness and sports events and compound sports days held in the year"),
    fig!("problems_co_deliberated", SelfGovernance, "共商共议共解急难愁盼问题", "Urgent problems settled by co-deliberation", Count, Year, Some(AtLeast(1200)),
        "当年办结的议事会议题(各类：纠纷、急难愁盼、物业)",
        "Council topics of every kind (disputes, everyday problems, property) done in the year"),
    fig!("property_disputes_settled", SelfGovernance, "协商解决物业矛盾纠纷和痛点难点", "Property disputes and concerns settled", Count, Year, Some(AtLeast(500)),
        "当年办结(已解决)的物业类诉求，加当年办结的议事会物业议题，加业主大会当年通过的物业决策(由诉求转来的议题只按诉求计一次)",
        "Property appeals resolved in the year, councils' property topics done in the year and property decisions the owners' assembly passed in the year (a topic referred from an appeal counted once, as the appeal)"),
    fig!("centre_services", Support, "党群服务中心整合服务", "Services integrated in the community centres", Count, Standing, Some(Exact(61)),
        "全区党群服务中心服务目录中的服务项目",
        "Services of the district's community-centre catalogue"),
    fig!("service_stations", Support, "小区党群服务站", "Compound service stations", Count, Standing, Some(Exact(32)),
        "报告生成时辖区内的小区党群服务站",
        "Compound party-and-people service stations in the territory when the report is drawn"),
    fig!("community_workers", Support, "公开招聘社区工作者", "Community workers recruited openly", Count, Standing, Some(Exact(272)),
        "到该年年底为止经公开招聘录用的社区工作者(已离职的仍计入)",
        "Community workers hired through open recruitment up to the end of the year (those who left since still count)"),
    fig!("special_fund_per_community_fen", Support, "每个社区专项经费", "Special fund per community", Fen, Year, Some(Exact(30_000_000)),
        "该年每个社区党组织服务群众专项经费的标准(分)",
        "The year's special fund for each community's party organisation, in fen"),
];

/// The figure with this key.
pub fn figure(key: &str) -> Option<&'static Figure> {
    FIGURES.iter().find(|f| f.key == key)
}

/// The figures of a section, in order.
pub fn section_figures(s: Section) -> impl Iterator<Item = &'static Figure> {
    FIGURES.iter().filter(move |f| f.section == s)
}

/// A figure's value as people read it: thousands separated; fen as yuan; a rate as a percentage.
pub fn show(n: i64, unit: Unit) -> String {
    match unit {
        Unit::Count => thousands(n),
        Unit::Fen => format!("¥{}", crate::money::format_fen(n)),
        Unit::Rate => format!("{:.1}%", n as f64 / 10.0),
    }
}

/// `12345` → `12,345`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The change from last year's value to this year's: the difference, and the percentage when
/// last year's was not zero. Rates are in tenths of a percent, so their difference is in
/// percentage points (tenths).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    pub delta: i64,
    pub percent: Option<f64>,
}

pub fn change(this: i64, last: i64) -> Change {
    let delta = this - last;
    let percent = (last != 0).then(|| (delta as f64 / last as f64 * 1000.0).round() / 10.0);
    Change { delta, percent }
}

/// A change in words: `+12 (+3.5%)`, `-4`, `持平 (unchanged)`.
pub fn show_change(c: Change, unit: Unit, lang: &str) -> String {
    if c.delta == 0 {
        return if lang == "en" { "unchanged".into() } else { "持平".into() };
    }
    let sign = if c.delta > 0 { "+" } else { "-" };
    let abs = match unit {
        Unit::Rate => {
            format!("{:.1}{}", c.delta.unsigned_abs() as f64 / 10.0, if lang == "en" { " pts" } else { "个百分点" })
        }
        _ => show(c.delta.abs(), unit),
    };
    match (unit, c.percent) {
        (Unit::Rate, _) | (_, None) => format!("{sign}{abs}"),
        (_, Some(p)) => format!("{sign}{abs} ({p:+.1}%)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_are_unique_and_cover_the_issue() {
        let mut keys: Vec<&str> = FIGURES.iter().map(|f| f.key).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate keys");
        for k in [
            "compound_branches",
            "building_groups",
            "central_households",
            "social_organisations",
            "venture_projects",
            "social_org_activities",
            "beneficiaries",
            "golden_solutions",
            "disputes_settled",
            "property_matters_by_branch",
            "training_sessions",
            "trainees",
            "consultations_outside_hours",
            "matters_outside_hours",
            "service_categories",
            "service_items",
            "cultural_events",
            "problems_co_deliberated",
            "property_disputes_settled",
            "centre_services",
            "service_stations",
            "community_workers",
            "special_fund_per_community_fen",
            "response_rate",
            "resolution_rate",
            "satisfaction_rate",
        ] {
            assert!(figure(k).is_some(), "{k} is defined");
        }
        for f in FIGURES {
            assert!(!f.definition_zh.is_empty() && !f.definition_en.is_empty(), "{} has definitions", f.key);
            assert!(!f.definition_en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{} English", f.key);
            assert_eq!(
                f.unit == Unit::Rate,
                f.seed.is_none() && f.section == Section::Appeals && f.key.ends_with("_rate")
            );
        }
        // Every section has figures, so the report has no empty chapter.
        for s in Section::ALL {
            assert!(section_figures(*s).next().is_some(), "{s:?}");
        }
    }

    #[test]
    fn seed_figures_read_as_the_seed_writes_them() {
        assert_eq!(SeedFigure::AtLeast(2100).label(Unit::Count), "2,100+");
        assert_eq!(SeedFigure::Exact(219).label(Unit::Count), "219");
        assert_eq!(SeedFigure::Exact(30_000_000).label(Unit::Fen), "¥300,000.00");
        assert!(SeedFigure::AtLeast(2100).met_by(2100) && !SeedFigure::AtLeast(2100).met_by(2099));
        assert!(SeedFigure::Exact(265).met_by(265) && !SeedFigure::Exact(265).met_by(266));
    }

    #[test]
    fn changes_in_words() {
        assert_eq!(show_change(change(120, 100), Unit::Count, "zh"), "+20 (+20.0%)");
        assert_eq!(show_change(change(90, 100), Unit::Count, "en"), "-10 (-10.0%)");
        assert_eq!(show_change(change(5, 0), Unit::Count, "zh"), "+5");
        assert_eq!(show_change(change(7, 7), Unit::Count, "en"), "unchanged");
        assert_eq!(show_change(change(955, 930), Unit::Rate, "zh"), "+2.5个百分点");
        assert_eq!(thousands(-1234567), "-1,234,567");
    }

    proptest! {
        #[test]
        fn thousands_reads_back(n in -10_000_000_000i64..10_000_000_000) {
            prop_assert_eq!(thousands(n).replace(',', "").parse::<i64>().unwrap(), n);
        }

        #[test]
        fn a_change_adds_up(this in 0i64..1_000_000, last in 0i64..1_000_000) {
            let c = change(this, last);
            prop_assert_eq!(last + c.delta, this);
            if let Some(p) = c.percent { prop_assert!((p - (this - last) as f64 * 100.0 / last as f64).abs() <= 0.05); }
        }
    }
}
