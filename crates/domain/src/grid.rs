//! Grid work (网格): the grid worker's rounds (走访) — every household of the grid visited
//! within a period, special-care households (elderly living alone, disabled, low income) more
//! often by their own frequency — and the people who joined the grid to help (融网入格).

use crate::person::PersonTag;
use crate::FieldError;
use chrono::NaiveDate;

crate::labelled_enum! {
    /// Who joined a grid to help (融网入格).
    HelperKind {
        InServiceMember = "in_service_member" / "在职党员" / "In-service party member",
        Volunteer = "volunteer" / "志愿者" / "Volunteer",
        NewEmployment = "new_employment" / "新就业群体" / "New-employment worker",
    }
}

/// The tags that make a household one of special care (the seed's elderly living alone, the
/// disabled, the low-income), with the bundled visit frequency in days.
pub const CARE_DEFAULTS: &[(PersonTag, i64)] =
    &[(PersonTag::LivingAlone, 7), (PersonTag::Disabled, 14), (PersonTag::LowIncome, 30)];

/// Every household visited within this many days unless the district set another period.
pub const DEFAULT_PERIOD_DAYS: i64 = 90;

/// The most days a frequency may be (a year).
pub const MAX_DAYS: i64 = 366;

/// How often households are to be visited: the period for every household, and a frequency
/// for each special-care tag (data the district sets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRules {
    pub period_days: i64,
    pub care: Vec<(PersonTag, i64)>,
}

impl Default for VisitRules {
    fn default() -> Self {
        VisitRules { period_days: DEFAULT_PERIOD_DAYS, care: CARE_DEFAULTS.to_vec() }
    }
}

impl VisitRules {
    /// Within how many days a household with these tags is to be visited: the shortest of the
    /// period and its special-care frequencies.
    pub fn every_days(&self, tags: &[PersonTag]) -> i64 {
        self.care.iter().filter(|(t, _)| tags.contains(t)).map(|(_, d)| *d).fold(self.period_days, i64::min)
    }

    /// The special-care tags among these.
    pub fn care_tags(&self, tags: &[PersonTag]) -> Vec<PersonTag> {
        self.care.iter().filter(|(t, _)| tags.contains(t)).map(|(t, _)| *t).collect()
    }
}

/// A frequency as someone typed it: 1 to 366 days.
pub fn check_days(field: &str, days: i64) -> Result<i64, FieldError> {
    if (1..=MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(FieldError::new(field, format!("应为1到{MAX_DAYS}天 (1 to {MAX_DAYS} days)")))
    }
}

/// Where a household stands on the round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Due {
    /// Never visited.
    Never,
    /// The visit is this many days late.
    Overdue(i64),
    /// The next visit is due in this many days (0: today).
    In(i64),
}

impl Due {
    /// Whether the household counts as unvisited (never, or late).
    pub fn unvisited(self) -> bool {
        !matches!(self, Due::In(_))
    }

    /// An order for the round: never visited first, then the latest, then the soonest due.
    pub fn urgency(self) -> (u8, i64) {
        match self {
            Due::Never => (0, 0),
            Due::Overdue(d) => (1, -d),
            Due::In(d) => (2, d),
        }
    }
}

/// Where a household stands, given its last visit and how often it is to be visited.
pub fn due(last: Option<NaiveDate>, every_days: i64, today: NaiveDate) -> Due {
    match last {
        None => Due::Never,
        Some(d) => {
            let left = every_days - (today - d).num_days();
            if left < 0 {
                Due::Overdue(-left)
            } else {
                Due::In(left)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn special_care_households_are_visited_more_often() {
        let r = VisitRules::default();
        assert_eq!(r.every_days(&[]), 90);
        assert_eq!(r.every_days(&[PersonTag::Veteran]), 90);
        assert_eq!(r.every_days(&[PersonTag::Elderly, PersonTag::LivingAlone]), 7);
        assert_eq!(r.care_tags(&[PersonTag::Disabled, PersonTag::Child]), vec![PersonTag::Disabled]);
    }

    #[test]
    fn a_visit_is_due_after_its_frequency() {
        assert_eq!(due(None, 7, day(3, 1)), Due::Never);
        assert_eq!(due(Some(day(3, 1)), 7, day(3, 8)), Due::In(0));
        assert_eq!(due(Some(day(3, 1)), 7, day(3, 9)), Due::Overdue(1));
        assert!(Due::Never.unvisited() && Due::Overdue(1).unvisited() && !Due::In(0).unvisited());
        assert!(check_days("days", 0).is_err() && check_days("days", 367).is_err() && check_days("days", 7).is_ok());
    }

    proptest! {
        /// A frequency never exceeds the period, and a household visited today is never due.
        #[test]
        fn frequencies_and_dues_hold(period in 1i64..366, tags in prop::collection::vec(0usize..8, 0..4), offset in 0i64..800) {
            let r = VisitRules { period_days: period, ..Default::default() };
            let tags: Vec<PersonTag> = tags.into_iter().map(|i| PersonTag::ALL[i]).collect();
            let every = r.every_days(&tags);
            prop_assert!(every <= period && every >= 1);
            let today = day(1, 1) + chrono::Duration::days(offset);
            prop_assert!(!due(Some(today), every, today).unvisited());
            // Later visits are never more urgent than earlier ones.
            let earlier = due(Some(today - chrono::Duration::days(every + 1)), every, today);
            prop_assert!(earlier.unvisited());
            prop_assert!(earlier.urgency() < due(Some(today), every, today).urgency());
        }
    }
}
