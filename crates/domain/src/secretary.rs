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
