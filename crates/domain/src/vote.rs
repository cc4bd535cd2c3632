//! Owners' general assembly votes (业主大会表决), counted by Civil Code art. 278 and the
//! judicial interpretation on building-unit ownership (法释〔2009〕7号): a vote stands when
//! owners holding at least 2/3 of the exclusive-part area and at least 2/3 of the headcount
//! take part; matters 6–8 then need at least 3/4 of the participating area and owners, every
//! other matter more than half of both. Area is kept in 0.01 m² and every comparison is made
//! by cross-multiplying integers: no float ever decides a vote.
//!
//! What counts as one owner, whether parking spaces are exclusive parts, and whether served
//! non-voters follow the majority are the compound's own rules ([`Rules`]), never assumed.

use crate::Area;
use std::collections::{HashMap, HashSet};

crate::labelled_enum! {
    /// The nine matters of Civil Code art. 278, numbered as the article numbers them.
    Matter {
        Procedures = "procedures" / "制定和修改业主大会议事规则" / "Rules of procedure of the assembly",
        ManagementRules = "management_rules" / "制定和修改管理规约" / "Management rules",
        Committee = "committee" / "选举业主委员会或者更换业主委员会成员" / "Electing or replacing the owners' committee",
        Manager = "manager" / "选聘和解聘物业服务企业或者其他管理人" / "Hiring or dismissing the property company or manager",
        UseFunds = "use_funds" / "使用建筑物及其附属设施的维修资金" / "Using the maintenance funds",
        RaiseFunds = "raise_funds" / "筹集建筑物及其附属设施的维修资金" / "Raising maintenance funds",
        Rebuild = "rebuild" / "改建、重建建筑物及其附属设施" / "Rebuilding or reconstructing buildings",
        CommonUse = "common_use" / "改变共有部分的用途或者利用共有部分从事经营活动" / "Changing the use of common parts or running a business on them",
        Other = "other" / "有关共有和共同管理权利的其他重大事项" / "Other major matters of common property and joint management",
    }
}

/// How much of the participants must agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// More than half of the participating area and of the participating owners (过半数).
    Half,
    /// At least three quarters of both (四分之三以上).
    ThreeQuarters,
}

impl Threshold {
    pub fn as_str(self) -> &'static str {
        match self {
            Threshold::Half => "half",
            Threshold::ThreeQuarters => "three_quarters",
        }
    }

    /// The rule in words, both languages.
    pub fn words(self) -> &'static str {
        match self {
            Threshold::Half => "同意的面积和人数均超过参与表决的一半 (more than half of participating area and owners)",
            Threshold::ThreeQuarters => {
                "同意的面积和人数均达到参与表决的四分之三以上 (at least 3/4 of participating area and owners)"
            }
        }
    }
}

impl Matter {
    /// The matter by its number in art. 278 (1–9).
    pub fn from_number(n: u32) -> Option<Matter> {
        Matter::ALL.get((n as usize).checked_sub(1)?).copied()
    }

    pub fn number(self) -> u32 {
        Matter::ALL.iter().position(|m| *m == self).map(|i| i as u32 + 1).unwrap_or(0)
    }

    /// Matters 6–8 (raising funds, rebuilding, changing the use of common parts) need 3/4.
    pub fn threshold(self) -> Threshold {
        match self {
            Matter::RaiseFunds | Matter::Rebuild | Matter::CommonUse => Threshold::ThreeQuarters,
            _ => Threshold::Half,
        }
    }
}

crate::labelled_enum! {
    /// An owner's answer on one matter.
    Choice {
        Agree = "agree" / "同意" / "Agree",
        Oppose = "oppose" / "反对" / "Oppose",
        Abstain = "abstain" / "弃权" / "Abstain",
    }
}

crate::labelled_enum! {
    /// How an owner was served the ballot.
    Service {
        InPerson = "in_person" / "当面送达" / "In person",
        Mail = "mail" / "邮寄送达" / "By post",
        Electronic = "electronic" / "电子送达" / "Electronically",
        Left = "left_at_home" / "留置送达" / "Left at the home",
    }
}

crate::labelled_enum! {
    /// What an exclusive part is.
    PartKind {
        Residential = "residential" / "住宅" / "Residential",
        Commercial = "commercial" / "商业" / "Commercial",
        Parking = "parking" / "车位" / "Parking space",
        Developer = "developer" / "开发商未售" / "Developer-held, unsold",
    }
}

/// The compound's counting rules (its rules version decides each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// One buyer owning several parts counts as one owner.
    pub multi_part_owner_once: bool,
    /// The developer's unsold parts and sold parts not yet delivered count as one owner together.
    pub developer_as_one: bool,
    /// Parking spaces are exclusive parts that count (area and headcount).
    pub count_parking: bool,
    /// Owners provably served the ballot who did not vote follow the majority (沉默票).
    pub silent_follows_majority: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            multi_part_owner_once: true,
            developer_as_one: true,
            count_parking: false,
            silent_follows_majority: false,
        }
    }
}

/// One exclusive part in the frozen electorate, with the ballot cast for it (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartVote {
    pub part: String,
    /// Who casts this part's ballot (for a co-owned part, the co-owner named to).
    pub owner: String,
    pub area: Area,
    pub kind: PartKind,
    pub delivered: bool,
    pub choice: Option<Choice>,
    /// The ballot was provably served on the owner (a service record with proof).
    pub served: bool,
}

/// Area and headcount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    pub area: Area,
    pub headcount: i64,
}

impl Count {
    fn add(&mut self, area: Area, heads: i64) {
        self.area = Area(self.area.0 + area.0);
        self.headcount += heads;
    }
}

/// The count of one matter, with every number the result rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub matter: Matter,
    pub threshold: Threshold,
    pub rules: Rules,
    pub total: Count,
    /// Who took part (with the silent votes, when they follow the majority).
    pub participating: Count,
    pub agree: Count,
    pub oppose: Count,
    pub abstain: Count,
    /// Served non-voters counted with the majority, and which side that was.
    pub silent: Count,
    pub silent_side: Option<Choice>,
    pub quorum_met: bool,
    pub passed: bool,
}

/// Why a set of parts cannot be counted: the part, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteProblem {
    pub part: String,
    pub message: String,
}

/// Who counts as one head: a part, an owner, or the developer with its unsold and
/// undelivered parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Voter {
    Part(String),
    Owner(String),
    Developer,
}

fn voter_of(p: &PartVote, rules: &Rules) -> Voter {
    if rules.developer_as_one && (p.kind == PartKind::Developer || !p.delivered) {
        Voter::Developer
    } else if rules.multi_part_owner_once {
        Voter::Owner(p.owner.clone())
    } else {
        Voter::Part(p.part.clone())
    }
}

/// `a/b ≥ n/d`, in integers.
fn at_least(a: i64, b: i64, n: i64, d: i64) -> bool {
    (a as i128) * (d as i128) >= (b as i128) * (n as i128)
}

/// Counts one matter. Every part appears once; one owner gives one answer for all their
/// parts, and the developer one answer for all it holds. Parking spaces are left out unless
/// the rules count them.
pub fn tally(matter: Matter, rules: Rules, parts: &[PartVote]) -> Result<Tally, Vec<VoteProblem>> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut owner_choice: HashMap<&str, (Option<Choice>, &str)> = HashMap::new();
    for p in parts {
        if !seen.insert(p.part.as_str()) {
            problems
                .push(VoteProblem { part: p.part.clone(), message: "房屋重复 (the part appears twice)".into() });
        }
        if p.area.0 <= 0 {
            problems.push(VoteProblem {
                part: p.part.clone(),
                message: "面积应大于0 (the area must be above zero)".into(),
            });
        }
        match owner_choice.get(p.owner.as_str()) {
            Some((c, first)) if *c != p.choice => problems.push(VoteProblem {
                part: p.part.clone(),
                message: format!(
                    "业主{}在房屋{}与本房屋的表决意见不同 (one owner, different answers on parts {} and {})",
                    p.owner, first, first, p.part
                ),
            }),
            Some(_) => {}
            None => {
                owner_choice.insert(&p.owner, (p.choice, &p.part));
            }
        }
    }
    // One voice per head: the developer answers once for everything it holds.
    let mut voters: HashMap<Voter, (Area, Option<Choice>, bool, String)> = HashMap::new();
    for p in parts.iter().filter(|p| rules.count_parking || p.kind != PartKind::Parking) {
        let v = voter_of(p, &rules);
        match voters.get_mut(&v) {
            Some((area, choice, served, first)) => {
                if *choice != p.choice && p.choice.is_some() && choice.is_some() {
                    problems.push(VoteProblem {
                        part: p.part.clone(),
                        message: format!(
                            "开发商持有的房屋只能有一个表决意见，与房屋{first}不同 (the developer answers once for all its parts)"
                        ),
                    });
                }
                *area = Area(area.0 + p.area.0);
                *choice = choice.or(p.choice);
                *served |= p.served;
            }
            None => {
                voters.insert(v, (p.area, p.choice, p.served, p.part.clone()));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut t = Tally {
        matter,
        threshold: matter.threshold(),
        rules,
        total: Count::default(),
        participating: Count::default(),
        agree: Count::default(),
        oppose: Count::default(),
        abstain: Count::default(),
        silent: Count::default(),
        silent_side: None,
        quorum_met: false,
        passed: false,
    };
    for (area, choice, _, _) in voters.values() {
        t.total.add(*area, 1);
        match choice {
            Some(Choice::Agree) => t.agree.add(*area, 1),
            Some(Choice::Oppose) => t.oppose.add(*area, 1),
            Some(Choice::Abstain) => t.abstain.add(*area, 1),
            None => continue,
        }
        t.participating.add(*area, 1);
    }
    if rules.silent_follows_majority {
        // The majority is the answer holding more than half of both the area and the heads
        // of those who answered; without one, silent votes follow no one.
        let voted = t.participating;
        t.silent_side = [(Choice::Agree, t.agree), (Choice::Oppose, t.oppose), (Choice::Abstain, t.abstain)]
            .into_iter()
            .find(|(_, c)| c.area.0 * 2 > voted.area.0 && c.headcount * 2 > voted.headcount)
            .map(|(side, _)| side);
        if let Some(side) = t.silent_side {
            for (area, choice, served, _) in voters.values() {
                if choice.is_none() && *served {
                    t.silent.add(*area, 1);
                }
            }
            let s = t.silent;
            match side {
                Choice::Agree => t.agree.add(s.area, s.headcount),
                Choice::Oppose => t.oppose.add(s.area, s.headcount),
                Choice::Abstain => t.abstain.add(s.area, s.headcount),
            }
            t.participating.add(s.area, s.headcount);
        }
    }
    let (p, all) = (t.participating, t.total);
    t.quorum_met =
        all.headcount > 0 && at_least(p.area.0, all.area.0, 2, 3) && at_least(p.headcount, all.headcount, 2, 3);
    let agreed = match t.threshold {
        Threshold::Half => t.agree.area.0 * 2 > p.area.0 && t.agree.headcount * 2 > p.headcount,
        Threshold::ThreeQuarters => {
            at_least(t.agree.area.0, p.area.0, 3, 4) && at_least(t.agree.headcount, p.headcount, 3, 4)
        }
    };
    t.passed = t.quorum_met && agreed;
    Ok(t)
}

/// A paper-vote sheet's row problem: the row as a spreadsheet numbers it (header = 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// The columns of a paper-vote sheet, English and Chinese names.
pub const PAPER_COLUMNS: [(&str, &str); 6] = [
    ("part_id", "房屋编号"),
    ("owner_id", "业主编号"),
    ("area", "面积"),
    ("kind", "类型"),
    ("delivered", "已交付"),
    ("choice", "表决意见"),
];

fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "是" => Some(true),
        "no" | "n" | "false" | "0" | "否" => Some(false),
        _ => None,
    }
}

/// Who casts a part's ballot among its owners (`(owner, share)`, in any order): the co-owner
/// the owners named, while they still own the part; otherwise the one with the largest
/// share, the lowest-ordered owner among equal shares, so that the choice never depends on
/// the order the register lists them in. `None` only for a part without owners (the
/// developer's).
pub fn ballot_caster<'a, P: Ord>(owners: &'a [(P, i64)], named: Option<&P>) -> Option<&'a P> {
    if let Some(n) = named {
        if let Some((p, _)) = owners.iter().find(|(p, _)| p == n) {
            return Some(p);
        }
    }
    owners.iter().max_by(|(a, sa), (b, sb)| sa.cmp(sb).then_with(|| b.cmp(a))).map(|(p, _)| p)
}

/// Reads a paper-vote sheet (header row first) into parts. Every bad row is reported, and
/// then nothing is counted. On paper every owner in the sheet is taken as served (the sheet
/// is the compound's own record of who was asked).
pub fn paper_sheet(table: &[Vec<String>]) -> Result<Vec<PartVote>, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let Some(header) = table.first() else {
        return Err(vec![RowProblem {
            row: 1, column: "-".into(), message: "文件为空 (the file is empty)".into()
        }]);
    };
    let mut at = [usize::MAX; 6];
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        match PAPER_COLUMNS.iter().position(|(en, zh)| h.eq_ignore_ascii_case(en) || h == *zh) {
            Some(c) => at[c] = i,
            None if h.is_empty() => {}
            None => problems.push(RowProblem {
                row: 1,
                column: h.to_string(),
                message: "未知列 (unknown column): part_id, owner_id, area, kind, delivered, choice".into(),
            }),
        }
    }
    for (c, (en, _)) in PAPER_COLUMNS.iter().enumerate() {
        if at[c] == usize::MAX && *en != "choice" {
            problems
                .push(RowProblem { row: 1, column: en.to_string(), message: "缺少此列 (column missing)".into() });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut parts = Vec::new();
    for (i, row) in table.iter().enumerate().skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let n = i + 1;
        let cell = |c: usize| row.get(at[c]).map(|s| s.trim()).unwrap_or("");
        let mut bad = |column: &str, message: String| {
            problems.push(RowProblem { row: n, column: column.to_string(), message });
        };
        let (part, owner) = (cell(0), cell(1));
        if part.is_empty() {
            bad("part_id", "不能为空 (required)".into());
        }
        if owner.is_empty() {
            bad("owner_id", "不能为空 (required)".into());
        }
        let area = Area::parse(cell(2)).map_err(|e| bad("area", e.message.to_string())).ok();
        let kind = PartKind::parse(cell(3));
        if kind.is_none() {
            bad("kind", format!("“{}”应为 residential、commercial、parking 或 developer", cell(3)));
        }
        let delivered = yes_no(cell(4));
        if delivered.is_none() {
            bad("delivered", format!("“{}”应为 yes 或 no", cell(4)));
        }
        let choice = match cell(5) {
            "" => Some(None),
            c => match Choice::parse(c).or_else(|| Choice::ALL.iter().copied().find(|x| x.label_zh() == c)) {
                Some(x) => Some(Some(x)),
                None => {
                    bad("choice", format!("“{c}”应为 agree、oppose、abstain 或留空"));
                    None
                }
            },
        };
        if let (Some(area), Some(kind), Some(delivered), Some(choice)) = (area, kind, delivered, choice) {
            parts.push((
                n,
                PartVote { part: part.into(), owner: owner.into(), area, kind, delivered, choice, served: true },
            ));
        }
    }
    // Checks across rows: a part twice, one owner with different answers.
    let mut first_row: HashMap<&str, usize> = HashMap::new();
    let mut owner_answer: HashMap<&str, (Option<Choice>, usize)> = HashMap::new();
    for (n, p) in &parts {
        if let Some(r) = first_row.insert(&p.part, *n) {
            problems.push(RowProblem {
                row: *n,
                column: "part_id".into(),
                message: format!("与第{r}行重复 (same part as row {r})"),
            });
        }
        match owner_answer.get(p.owner.as_str()) {
            Some((c, r)) if *c != p.choice => problems.push(RowProblem {
                row: *n,
                column: "choice".into(),
                message: format!("同一业主在第{r}行的表决意见不同 (the same owner answered differently on row {r})"),
            }),
            Some(_) => {}
            None => {
                owner_answer.insert(&p.owner, (p.choice, *n));
            }
        }
    }
    if problems.is_empty() {
        Ok(parts.into_iter().map(|(_, p)| p).collect())
    } else {
        problems.sort_by_key(|p| p.row);
        Err(problems)
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "是 yes"
    } else {
        "否 no"
    }
}

fn tick(b: bool) -> &'static str {
    if b {
        "✓"
    } else {
        "✗"
    }
}

/// `a × n` as an area, for showing the cross-multiplied comparisons.
fn times(a: Area, n: i64) -> Area {
    Area(a.0 * n)
}

/// The count with every number and the rule that applied, one line each, in both languages:
/// what the command line prints and the vote pages show.
pub fn explain(t: &Tally) -> Vec<String> {
    let (p, all, ag) = (t.participating, t.total, t.agree);
    let mut s = Vec::new();
    s.push(format!("表决事项 matter {}: {} ({})", t.matter.number(), t.matter.label_zh(), t.matter.label_en()));
    s.push(format!(
        "规则 rules: 一人多户计一人 owner once {}; 开发商计一人 developer as one {}; 车位计入 parking {}; 沉默票随多数 silent follow majority {}",
        yes(t.rules.multi_part_owner_once),
        yes(t.rules.developer_as_one),
        yes(t.rules.count_parking),
        yes(t.rules.silent_follows_majority)
    ));
    s.push(format!("专有部分 total: {} m², {} 人 owners", all.area, all.headcount));
    s.push(format!(
        "参与表决 participating: {} m², {} 人 (同意 agree {} m² / {}; 反对 oppose {} m² / {}; 弃权 abstain {} m² / {})",
        p.area,
        p.headcount,
        ag.area,
        ag.headcount,
        t.oppose.area,
        t.oppose.headcount,
        t.abstain.area,
        t.abstain.headcount
    ));
    if t.rules.silent_follows_majority {
        match t.silent_side {
            Some(side) => s.push(format!(
                "沉默票 silent: {} m², {} 人 计入 counted as {} ({})",
                t.silent.area,
                t.silent.headcount,
                side.label_zh(),
                side.as_str()
            )),
            None => s.push(
                "沉默票 silent: 已表决者中无过半意见，不计入 (no majority among those who answered; not counted)"
                    .into(),
            ),
        }
    }
    s.push(format!(
        "参与门槛 quorum (≥ 2/3 of area and of owners): 面积 area {}×3 = {} ≥ {}×2 = {} {}; 人数 owners {}×3 = {} ≥ {}×2 = {} {}",
        p.area,
        times(p.area, 3),
        all.area,
        times(all.area, 2),
        tick(p.area.0 * 3 >= all.area.0 * 2),
        p.headcount,
        p.headcount * 3,
        all.headcount,
        all.headcount * 2,
        tick(p.headcount * 3 >= all.headcount * 2),
    ));
    let (n, d, op) = match t.threshold {
        Threshold::Half => (2, 1, ">"),
        Threshold::ThreeQuarters => (4, 3, "≥"),
    };
    let area_ok = match t.threshold {
        Threshold::Half => ag.area.0 * 2 > p.area.0,
        Threshold::ThreeQuarters => ag.area.0 * 4 >= p.area.0 * 3,
    };
    let heads_ok = match t.threshold {
        Threshold::Half => ag.headcount * 2 > p.headcount,
        Threshold::ThreeQuarters => ag.headcount * 4 >= p.headcount * 3,
    };
    s.push(format!(
        "同意门槛 agreement ({}): 面积 area {}×{n} = {} {op} {}×{d} = {} {}; 人数 owners {}×{n} = {} {op} {}×{d} = {} {}",
        t.threshold.words(),
        ag.area,
        times(ag.area, n),
        p.area,
        times(p.area, d),
        tick(area_ok),
        ag.headcount,
        ag.headcount * n,
        p.headcount,
        p.headcount * d,
        tick(heads_ok),
    ));
    s.push(format!(
        "结果 result: {}",
        if t.passed {
            "通过 passed"
        } else if !t.quorum_met {
            "未通过：参与不足三分之二 not passed: fewer than 2/3 took part"
        } else {
            "未通过 not passed"
        }
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn part(id: &str, owner: &str, m2: i64, choice: Option<Choice>) -> PartVote {
        PartVote {
            part: id.into(),
            owner: owner.into(),
            area: Area(m2 * 100),
            kind: PartKind::Residential,
            delivered: true,
            choice,
            served: true,
        }
    }

    /// `n` owners of one part each, 100 m² apiece, the first `agree` agreeing, the next
    /// `oppose` opposing, the rest silent.
    fn owners(n: usize, agree: usize, oppose: usize) -> Vec<PartVote> {
        (0..n)
            .map(|i| {
                let c = if i < agree {
                    Some(Choice::Agree)
                } else if i < agree + oppose {
                    Some(Choice::Oppose)
                } else {
                    None
                };
                part(&format!("p{i}"), &format!("o{i}"), 100, c)
            })
            .collect()
    }

    const A: Option<Choice> = Some(Choice::Agree);
    const O: Option<Choice> = Some(Choice::Oppose);

    #[test]
    fn matters_and_their_thresholds() {
        assert_eq!(Matter::from_number(6), Some(Matter::RaiseFunds));
        assert_eq!(Matter::from_number(0), None);
        assert_eq!(Matter::from_number(10), None);
        for n in 1..=9 {
            let m = Matter::from_number(n).unwrap();
            assert_eq!(m.number(), n);
            let three = matches!(n, 6..=8);
            assert_eq!(m.threshold() == Threshold::ThreeQuarters, three, "matter {n}");
        }
    }

    #[test]
    fn exactly_two_thirds_take_part_is_a_quorum_one_less_is_not() {
        // 9 owners, 6 take part: exactly 2/3 of heads and of area.
        let t = tally(Matter::Other, Rules::default(), &owners(9, 6, 0)).unwrap();
        assert!(t.quorum_met && t.passed);
        assert_eq!((t.participating.headcount, t.total.headcount), (6, 9));
        // Five of nine is short of 2/3.
        let t = tally(Matter::Other, Rules::default(), &owners(9, 5, 0)).unwrap();
        assert!(!t.quorum_met && !t.passed);
        // Heads enough, area short by 0.01 m²: 6 of 9 owners but one part is smaller.
        let mut v = owners(9, 6, 0);
        v[0].area = Area(v[0].area.0 - 1);
        let t = tally(Matter::Other, Rules::default(), &v).unwrap();
        assert!(!t.quorum_met, "{t:?}");
        // Area enough, heads short: 5 of 9 owners holding most of the area.
        let mut v = owners(9, 5, 0);
        v[0].area = Area(100_000);
        let t = tally(Matter::Other, Rules::default(), &v).unwrap();
        assert!(!t.quorum_met);
    }

    #[test]
    fn exactly_half_agreeing_is_not_more_than_half() {
        // 8 take part of 8: 4 agree, 4 oppose.
        let t = tally(Matter::Manager, Rules::default(), &owners(8, 4, 4)).unwrap();
        assert!(t.quorum_met && !t.passed);
        let t = tally(Matter::Manager, Rules::default(), &owners(8, 5, 3)).unwrap();
        assert!(t.passed);
        // More than half the heads but exactly half the area.
        let mut v = owners(8, 5, 3);
        for p in v.iter_mut() {
            p.area = if p.choice == A { Area(600) } else { Area(1000) };
        }
        // agree 5×6 = 30 m², oppose 3×10 = 30 m²
        let t = tally(Matter::Manager, Rules::default(), &v).unwrap();
        assert_eq!(t.agree.area, t.oppose.area);
        assert!(!t.passed);
        // Abstaining takes part and does not agree.
        let mut v = owners(8, 4, 0);
        for p in v.iter_mut().skip(4) {
            p.choice = Some(Choice::Abstain);
        }
        let t = tally(Matter::Manager, Rules::default(), &v).unwrap();
        assert!(t.quorum_met && !t.passed);
        assert_eq!(t.abstain.headcount, 4);
    }

    #[test]
    fn exactly_three_quarters_passes_the_three_quarter_matters() {
        // 8 of 8 take part, 6 agree: exactly 3/4.
        let t = tally(Matter::RaiseFunds, Rules::default(), &owners(8, 6, 2)).unwrap();
        assert!(t.passed, "{t:?}");
        // 0.01 m² less agreeing area and it fails.
        let mut v = owners(8, 6, 2);
        v[0].area = Area(v[0].area.0 - 1);
        v[7].area = Area(v[7].area.0 + 1);
        assert!(!tally(Matter::Rebuild, Rules::default(), &v).unwrap().passed);
        // 5 of 8 would pass a half-matter, not a 3/4 one.
        assert!(!tally(Matter::CommonUse, Rules::default(), &owners(8, 5, 3)).unwrap().passed);
        assert!(tally(Matter::UseFunds, Rules::default(), &owners(8, 5, 3)).unwrap().passed);
    }

    #[test]
    fn an_owner_of_several_parts_counts_once_or_per_part_as_the_rules_say() {
        let v = vec![part("1", "a", 100, A), part("2", "a", 100, A), part("3", "a", 100, A), part("4", "b", 100, O)];
        let once = tally(Matter::Other, Rules::default(), &v).unwrap();
        assert_eq!((once.total.headcount, once.agree.headcount, once.agree.area), (2, 1, Area(30_000)));
        assert!(!once.passed, "one of two heads is not more than half");
        let per_part = Rules { multi_part_owner_once: false, ..Rules::default() };
        let each = tally(Matter::Other, per_part, &v).unwrap();
        assert_eq!((each.total.headcount, each.agree.headcount), (4, 3));
        assert!(each.passed);
        // Different answers on one owner's parts: refused, naming the part.
        let bad = vec![part("1", "a", 100, A), part("2", "a", 100, O)];
        let e = tally(Matter::Other, Rules::default(), &bad).unwrap_err();
        assert_eq!(e[0].part, "2");
    }

    #[test]
    fn developer_held_and_undelivered_parts_are_one_owner_unless_switched_off() {
        let mut v = owners(4, 3, 0);
        let dev = |id: &str, owner: &str, kind, delivered| PartVote {
            part: id.into(),
            owner: owner.into(),
            area: Area(10_000),
            kind,
            delivered,
            choice: O,
            served: true,
        };
        v.push(dev("d1", "dev", PartKind::Developer, false));
        v.push(dev("d2", "dev", PartKind::Developer, false));
        v.push(dev("u1", "buyer", PartKind::Residential, false));
        let t = tally(Matter::Other, Rules::default(), &v).unwrap();
        assert_eq!(t.total.headcount, 5, "four owners and the developer");
        assert_eq!(t.oppose.headcount, 1);
        assert_eq!(t.oppose.area, Area(30_000));
        let apart = Rules { developer_as_one: false, ..Rules::default() };
        let t = tally(Matter::Other, apart, &v).unwrap();
        assert_eq!(t.total.headcount, 6, "the developer once (owner rule) and the buyer");
        let apart_parts = Rules { developer_as_one: false, multi_part_owner_once: false, ..Rules::default() };
        assert_eq!(tally(Matter::Other, apart_parts, &v).unwrap().total.headcount, 7);
    }

    #[test]
    fn parking_counts_only_when_the_rules_say() {
        let mut v = owners(3, 2, 0);
        v.push(PartVote { kind: PartKind::Parking, ..part("c1", "c", 12, O) });
        let t = tally(Matter::Other, Rules::default(), &v).unwrap();
        assert_eq!((t.total.headcount, t.total.area), (3, Area(30_000)));
        let with = Rules { count_parking: true, ..Rules::default() };
        let t = tally(Matter::Other, with, &v).unwrap();
        assert_eq!((t.total.headcount, t.total.area), (4, Area(31_200)));
        assert_eq!(t.oppose.headcount, 1);
    }

    #[test]
    fn silent_votes_follow_the_majority_only_when_on_and_only_if_served() {
        // 9 owners: 4 agree, 1 opposes, 4 silent: no quorum (5 of 9).
        let mut v = owners(9, 4, 1);
        let off = tally(Matter::Other, Rules::default(), &v).unwrap();
        assert!(!off.quorum_met && off.silent_side.is_none());
        let on = Rules { silent_follows_majority: true, ..Rules::default() };
        let t = tally(Matter::Other, on, &v).unwrap();
        assert_eq!(t.silent_side, Some(Choice::Agree));
        assert_eq!(t.silent.headcount, 4);
        assert!(t.quorum_met && t.passed);
        assert_eq!(t.agree.headcount, 8);
        // Not served: not counted.
        for p in v.iter_mut().skip(5) {
            p.served = false;
        }
        let t = tally(Matter::Other, on, &v).unwrap();
        assert_eq!(t.silent.headcount, 0);
        assert!(!t.quorum_met);
        // No majority among those who answered: silent votes follow no one.
        let tie = owners(8, 2, 2);
        let t = tally(Matter::Other, on, &tie).unwrap();
        assert_eq!((t.silent_side, t.silent.headcount), (None, 0));
    }

    #[test]
    fn co_owned_parts_count_once_by_whoever_casts_their_ballot() {
        // Parts 1 and 2 are co-owned by a and b: a casts for 1, b for 2. Two parts, two heads.
        let v = vec![part("1", "a", 90, A), part("2", "b", 90, A), part("3", "c", 90, O)];
        let t = tally(Matter::Other, Rules::default(), &v).unwrap();
        assert_eq!((t.total.headcount, t.agree.headcount), (3, 2));
        assert!(t.passed);
    }

    #[test]
    fn nobody_is_no_quorum_and_bad_parts_are_named() {
        assert!(!tally(Matter::Other, Rules::default(), &[]).unwrap().quorum_met);
        let v = vec![part("1", "a", 0, A), part("1", "b", 90, A)];
        let e = tally(Matter::Other, Rules::default(), &v).unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
    }

    fn sheet(rows: &[&str]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.split(',').map(str::to_string).collect()).collect()
    }

    #[test]
    fn a_paper_sheet_is_read_or_every_bad_row_reported() {
        let ok = sheet(&[
            "part_id,owner_id,area,kind,delivered,choice",
            "1-101,o1,89.45,residential,yes,agree",
            "1-102,o2,89.45,residential,yes,",
            "D-1,dev,120.00,developer,no,oppose",
            "",
        ]);
        let parts = paper_sheet(&ok).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].area, Area(8945));
        assert_eq!(parts[1].choice, None);
        let zh = sheet(&["房屋编号,业主编号,面积,类型,已交付,表决意见", "1,o1,50,residential,是,同意"]);
        assert_eq!(paper_sheet(&zh).unwrap()[0].choice, A);
        let bad = sheet(&[
            "part_id,owner_id,area,kind,delivered,choice",
            "1-101,o1,89.456,residential,yes,agree",
            "1-102,o1,80,house,maybe,oppose",
            "1-101,o3,80,residential,yes,yes please",
        ]);
        let e = paper_sheet(&bad).unwrap_err();
        let cols: Vec<(usize, &str)> = e.iter().map(|p| (p.row, p.column.as_str())).collect();
        assert_eq!(cols, vec![(2, "area"), (3, "kind"), (3, "delivered"), (4, "choice")], "{e:?}");
        let clash = sheet(&[
            "part_id,owner_id,area,kind,delivered,choice",
            "1,o1,80,residential,yes,agree",
            "2,o1,80,residential,yes,oppose",
            "1,o2,80,residential,yes,agree",
        ]);
        let e = paper_sheet(&clash).unwrap_err();
        assert_eq!(e.iter().map(|p| p.row).collect::<Vec<_>>(), vec![3, 4], "{e:?}");
        assert!(paper_sheet(&sheet(&["part_id,owner,area"])).is_err());
        assert!(paper_sheet(&[]).is_err());
    }

    /// Parts of up to 12 owners and the developer; each owner (and the developer) gives one
    /// answer on all their parts, as ballots do.
    fn arb_parts() -> impl Strategy<Value = Vec<PartVote>> {
        prop::collection::vec((1i64..20_000, 0usize..12, 0u8..4, 0u8..4, any::<bool>()), 0..60).prop_map(|rows| {
            let mut answer: HashMap<String, Option<Choice>> = HashMap::new();
            rows.into_iter()
                .enumerate()
                .map(|(i, (area, owner, kind, c, served))| {
                    let kind = [PartKind::Residential, PartKind::Commercial, PartKind::Parking, PartKind::Developer]
                        [kind as usize];
                    let owner = if kind == PartKind::Developer { "dev".to_string() } else { format!("o{owner}") };
                    let choice = *answer.entry(owner.clone()).or_insert(match c {
                        0 => Some(Choice::Agree),
                        1 => Some(Choice::Oppose),
                        2 => Some(Choice::Abstain),
                        _ => None,
                    });
                    PartVote {
                        part: format!("p{i}"),
                        owner,
                        area: Area(area),
                        kind,
                        delivered: kind != PartKind::Developer,
                        choice,
                        served,
                    }
                })
                .collect()
        })
    }

    fn arb_rules() -> impl Strategy<Value = Rules> {
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(a, b, c, d)| Rules {
            multi_part_owner_once: a,
            developer_as_one: b,
            count_parking: c,
            silent_follows_majority: d,
        })
    }

    #[test]
    fn the_named_co_owner_casts_while_they_own_the_part() {
        let owners = [("wang", 5000), ("li", 3000), ("zhao", 2000)];
        assert_eq!(ballot_caster(&owners, None), Some(&"wang"), "the largest share by default");
        assert_eq!(ballot_caster(&owners, Some(&"zhao")), Some(&"zhao"), "the one named");
        assert_eq!(ballot_caster(&owners, Some(&"sun")), Some(&"wang"), "a name no longer an owner is passed over");
        assert_eq!(ballot_caster(&[("b", 5000), ("a", 5000)], None), Some(&"a"), "equal shares: the lower id");
        assert_eq!(ballot_caster::<&str>(&[], None), None, "no owners: the developer's");
    }

    proptest! {
        #[test]
        fn the_caster_is_an_owner_whatever_the_order(owners in proptest::collection::vec((0u8..8, 1i64..10_000), 1..6), named in proptest::option::of(0u8..10), seed in any::<u64>()) {
            let c = ballot_caster(&owners, named.as_ref()).copied();
            prop_assert!(c.is_some_and(|c| owners.iter().any(|(p, _)| *p == c)));
            if let Some(n) = named.filter(|n| owners.iter().any(|(p, _)| p == n)) {
                prop_assert_eq!(c, Some(n));
            }
            let mut shuffled = owners.clone();
            shuffled.rotate_left(seed as usize % owners.len());
            prop_assert_eq!(ballot_caster(&shuffled, named.as_ref()).copied(), c);
        }

        #[test]
        fn the_count_does_not_depend_on_the_order_of_the_rows(parts in arb_parts(), rules in arb_rules(), seed in any::<u64>()) {
            let mut shuffled = parts.clone();
            let n = shuffled.len();
            for i in (1..n).rev() {
                shuffled.swap(i, (seed as usize ^ i.wrapping_mul(2_654_435_761)) % (i + 1));
            }
            prop_assert_eq!(tally(Matter::Other, rules, &parts), tally(Matter::Other, rules, &shuffled));
        }

        #[test]
        fn the_parts_add_up(parts in arb_parts(), rules in arb_rules()) {
            let t = tally(Matter::Manager, rules, &parts).unwrap();
            prop_assert_eq!(t.participating.headcount, t.agree.headcount + t.oppose.headcount + t.abstain.headcount);
            prop_assert_eq!(t.participating.area.0, t.agree.area.0 + t.oppose.area.0 + t.abstain.area.0);
            prop_assert!(t.participating.headcount <= t.total.headcount && t.participating.area <= t.total.area);
            prop_assert!(!t.passed || t.quorum_met);
        }

        #[test]
        fn one_more_owner_agreeing_never_turns_a_pass_into_a_fail(parts in arb_parts(), matter in 1u32..=9) {
            let matter = Matter::from_number(matter).unwrap();
            let rules = Rules { multi_part_owner_once: false, ..Rules::default() };
            let before = tally(matter, rules, &parts).unwrap();
            if let Some(i) = parts.iter().position(|p| p.choice.is_none() && p.kind != PartKind::Parking) {
                let mut more = parts.clone();
                let owner = more[i].owner.clone();
                for p in more.iter_mut().filter(|p| p.owner == owner) {
                    p.choice = Some(Choice::Agree);
                }
                let after = tally(matter, rules, &more).unwrap();
                prop_assert!(!before.passed || after.passed, "{:?} -> {:?}", before, after);
            }
        }

        #[test]
        fn the_three_quarter_rule_is_never_easier_than_the_half_rule(parts in arb_parts(), rules in arb_rules()) {
            let half = tally(Matter::Other, rules, &parts).unwrap();
            let three = tally(Matter::RaiseFunds, rules, &parts).unwrap();
            prop_assert!(!three.passed || half.passed);
        }
    }
}
