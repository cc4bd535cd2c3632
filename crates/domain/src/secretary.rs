//! Grid party secretaries (网格党组织书记): filed with the subdistrict (备案管理), reporting to
//! the community's party organisation and to the party members and residents of their grid,
//! and appraised (述职评议) by those they serve, each scorer's score kept. The total of an
//! appraisal is the mean of each kind of scorer's mean, so that forty residents do not outweigh
//! the community's party organisation; the result follows the total.

use crate::worker::Appraisal;
use crate::FieldError;

crate::labelled_enum! {
    /// To whom a secretary reported (述职报告).
    Audience {
        Community = "community" / "向社区党组织报告" / "To the community's party organisation",
        Grid = "grid" / "向网格内党员群众报告" / "To the grid's party members and residents",
    }
}

crate::labelled_enum! {
    /// Who scored an appraisal.
    ScorerKind {
        Subdistrict = "subdistrict" / "街道党工委" / "Subdistrict party working committee",
        CommunityOrg = "community_org" / "社区党组织" / "Community party organisation",
        PartyMembers = "party_members" / "网格党员代表" / "Party members of the grid",
        Residents = "residents" / "网格居民代表" / "Residents of the grid",
    }
}

crate::labelled_enum! {
    /// The community secretaries' development programme (社区党组织书记“全面成长计划”).
    ProgrammeKind {
        Forum = "forum" / "书记论坛(每月)" / "Secretaries' forum (monthly)",
        Salon = "salon" / "书记·思享会(每季度)" / "Secretaries' salon (quarterly)",
        ReportUp = "report_up" / "提级述职(每半年)" / "Report to the level above (half-yearly)",
        Contest = "contest" / "擂台比武(年底)" / "Year-end contest",
    }
}

impl ProgrammeKind {
    /// How many a year the programme holds.
    pub fn per_year(self) -> i64 {
        match self {
            ProgrammeKind::Forum => 12,
            ProgrammeKind::Salon => 4,
            ProgrammeKind::ReportUp => 2,
            ProgrammeKind::Contest => 1,
        }
    }

    /// Whether secretaries are scored at it (提级述职 and 擂台比武 are; forums and salons are
    /// attended).
    pub fn scored(self) -> bool {
        matches!(self, ProgrammeKind::ReportUp | ProgrammeKind::Contest)
    }
}

/// One secretary's year in the programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearLine<K> {
    pub who: K,
    /// Events attended, of those held that they were expected at.
    pub attended: i64,
    pub held: i64,
    /// The mean of the scores received (tenths), if any.
    pub mean_score: Option<i64>,
    pub rank: usize,
}

/// The year's standings: by the mean score received at scored events (none counts lowest),
/// then by attendance; equal secretaries share a rank (1, 2, 2, 4).
/// `rows`: (who, events held, attended, scores received).
pub fn standings<K: Clone + Ord>(rows: &[(K, i64, i64, Vec<i64>)]) -> Vec<YearLine<K>> {
    let mut lines: Vec<YearLine<K>> = rows
        .iter()
        .map(|(who, held, attended, scores)| YearLine {
            who: who.clone(),
            attended: *attended,
            held: *held,
            mean_score: (!scores.is_empty())
                .then(|| (2 * scores.iter().sum::<i64>() + scores.len() as i64) / (2 * scores.len() as i64)),
            rank: 0,
        })
        .collect();
    let key = |l: &YearLine<K>| (std::cmp::Reverse(l.mean_score.unwrap_or(-1)), std::cmp::Reverse(l.attended));
    lines.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.who.cmp(&b.who)));
    for i in 0..lines.len() {
        lines[i].rank = if i > 0 && key(&lines[i]) == key(&lines[i - 1]) { lines[i - 1].rank } else { i + 1 };
    }
    lines
}

/// The most scores one appraisal takes.
pub const MAX_SCORES: usize = 200;

/// An appraisal's total in tenths of a point: each kind of scorer's mean, then the mean of
/// those, rounded half up; `None` without scores.
pub fn appraisal_total(scores: &[(ScorerKind, i64)]) -> Option<i64> {
    let means: Vec<(i64, i64)> = ScorerKind::ALL
        .iter()
        .filter_map(|k| {
            let of: Vec<i64> = scores.iter().filter(|s| s.0 == *k).map(|s| s.1).collect();
            (!of.is_empty()).then(|| (of.iter().sum::<i64>(), of.len() as i64))
        })
        .collect();
    if means.is_empty() {
        return None;
    }
    // Σ(sum_k / n_k) / K in tenths, rounded half up, computed over a common denominator.
    let denominator: i64 = means.iter().map(|m| m.1).product::<i64>() * means.len() as i64;
    let numerator: i64 = means
        .iter()
        .enumerate()
        .map(|(i, m)| m.0 * means.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, o)| o.1).product::<i64>())
        .sum();
    Some((2 * numerator + denominator) / (2 * denominator))
}

/// The result an appraisal's total gives: 优秀 from 90, 称职 from 75, 基本称职 from 60.
pub fn result_of(total_tenths: i64) -> Appraisal {
    match total_tenths {
        t if t >= 900 => Appraisal::Excellent,
        t if t >= 750 => Appraisal::Competent,
        t if t >= 600 => Appraisal::Basic,
        _ => Appraisal::Failed,
    }
}

/// A score as typed (0–100, one decimal), in tenths; the field names the scorer's row.
pub fn score(s: &str, field: &str) -> Result<i64, FieldError> {
    crate::worker::parse_score(s, field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_kind_of_scorer_weighs_the_same() {
        use ScorerKind::*;
        // The community's 90 against forty residents' 60: 75, not 60.7.
        let mut s = vec![(CommunityOrg, 900)];
        s.extend(std::iter::repeat_n((Residents, 600), 40));
        assert_eq!(appraisal_total(&s), Some(750));
        assert_eq!(appraisal_total(&[]), None);
        assert_eq!(appraisal_total(&[(PartyMembers, 855), (PartyMembers, 860)]), Some(858));
        assert_eq!(result_of(900), Appraisal::Excellent);
        assert_eq!(result_of(899), Appraisal::Competent);
        assert_eq!(result_of(599), Appraisal::Failed);
    }

    #[test]
    fn standings_rank_by_score_then_attendance_and_share_ties() {
        let rows = vec![
            ("甲", 10, 9, vec![880, 900]),
            ("乙", 10, 10, vec![890]),
            ("丙", 10, 10, vec![]),
            ("丁", 10, 8, vec![890]),
            ("戊", 10, 8, vec![885, 895]),
        ];
        let s = standings(&rows);
        let order: Vec<(&str, usize)> = s.iter().map(|l| (l.who, l.rank)).collect();
        assert_eq!(order, vec![("乙", 1), ("甲", 2), ("丁", 3), ("戊", 3), ("丙", 5)]);
        assert_eq!(s[1].mean_score, Some(890));
        assert!(ProgrammeKind::Contest.scored() && !ProgrammeKind::Forum.scored());
        assert_eq!(ProgrammeKind::ALL.iter().map(|k| k.per_year()).sum::<i64>(), 19);
    }

    proptest! {
        /// The total lies between the lowest and the highest score.
        #[test]
        fn the_total_is_within_the_scores(scores in proptest::collection::vec((0usize..4, 0i64..=1000), 1..60)) {
            let s: Vec<(ScorerKind, i64)> = scores.iter().map(|(k, v)| (ScorerKind::ALL[*k], *v)).collect();
            let t = appraisal_total(&s).unwrap();
            let lo = s.iter().map(|x| x.1).min().unwrap();
            let hi = s.iter().map(|x| x.1).max().unwrap();
            prop_assert!(t >= lo && t <= hi);
        }
    }
}
