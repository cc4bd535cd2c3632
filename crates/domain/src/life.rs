//! Community life (社区生活): activities people register for and check in to, with a waiting
//! list that moves up when someone cancels; the kinds of activity and of fair stall; the life
//! of a venture project. Pure rules; the store keeps the records and the concurrency.
//!
//! Times here are instants (`DateTime<Utc>`); pages show them in Beijing time.

use crate::FieldError;
use chrono::{DateTime, Duration, Utc};

/// The kinds of activity a district starts with (code, Chinese, English). Kinds are data: an
/// administrator adds more; these are the seed's.
pub const BUNDLED_KINDS: &[(&str, &str, &str)] = &[
    ("culture", "文化活动", "Cultural event"),
    ("fitness", "文体健身", "Fitness and sports"),
    ("fair", "邻里集市", "Neighbourhood fair"),
    ("banquet", "百家宴", "Neighbourhood banquet"),
    ("sports_day", "小区运动会", "Compound sports day"),
    ("steward_training", "红心物业大讲堂", "Steward training"),
    ("health_day", "健康服务日", "Health service day"),
    ("secretary_forum", "书记论坛", "Secretaries' forum"),
    ("salon", "思享会", "Ideas salon"),
    ("volunteering", "志愿服务", "Volunteering"),
];

crate::labelled_enum! {
    /// Who organises an activity.
    OrganiserKind {
        PartyOrg = "party_org" / "党组织" / "Party organisation",
        SocialOrg = "social_org" / "社会组织" / "Social organisation",
        Community = "community" / "社区" / "Community",
        Alliance = "alliance" / "联盟" / "Alliance",
        Unit = "unit" / "双报到单位" / "Double-reporting unit",
    }
}

crate::labelled_enum! {
    /// Where an activity stands.
    ActivityStatus {
        Open = "open" / "报名中" / "Open for registration",
        Closed = "closed" / "报名截止" / "Registration closed",
        Cancelled = "cancelled" / "已取消" / "Cancelled",
        Done = "done" / "已结束" / "Held",
    }
}

impl ActivityStatus {
    /// Whether an activity may move from `self` to `to`; `started` says whether its start
    /// time has come (only then can it be reported as held). Cancelled and held are final.
    pub fn may_become(self, to: ActivityStatus, started: bool) -> Result<(), FieldError> {
        use ActivityStatus::*;
        let ok = match (self, to) {
            (Open, Closed) | (Closed, Open) => true,
            (Open | Closed, Cancelled) => true,
            (Open | Closed | Done, Done) => started,
            _ => false,
        };
        if ok {
            return Ok(());
        }
        let why = if to == Done && !started {
            "活动尚未开始，不能登记为已结束 (it has not started yet)".to_string()
        } else {
            format!(
                "活动“{}”不能改为“{}” (cannot go from {} to {})",
                self.label_zh(),
                to.label_zh(),
                self.as_str(),
                to.as_str()
            )
        };
        Err(FieldError::new("status", why))
    }
}

crate::labelled_enum! {
    /// A person's place in an activity.
    RegistrationStatus {
        Registered = "registered" / "已报名" / "Registered",
        Waitlisted = "waitlisted" / "候补中" / "On the waiting list",
        Cancelled = "cancelled" / "已取消" / "Cancelled",
    }
}

crate::labelled_enum! {
    /// The stalls of a fair: the five that every 牟邻集市 has, and the extras (the "N").
    StallKind {
        Policy = "policy" / "政策宣传" / "Policy information",
        Goods = "goods" / "放心商品" / "Trusted goods",
        Repair = "repair" / "便民维修" / "Repairs",
        Health = "health" / "健康义诊" / "Health",
        Legal = "legal" / "法律援助" / "Legal aid",
        Extra = "extra" / "特色服务" / "Other (N)",
    }
}

impl StallKind {
    /// The five stalls of "5+N".
    pub const FIVE: [StallKind; 5] =
        [StallKind::Policy, StallKind::Goods, StallKind::Repair, StallKind::Health, StallKind::Legal];
}

/// The most people one activity takes.
pub const MAX_CAPACITY: u32 = 100_000;

/// What a registration becomes: a place while any is left, else the waiting list. Never
/// more places than the capacity; 0 means "no registration limit".
pub fn admission(capacity: u32, registered: u32) -> RegistrationStatus {
    if capacity == 0 || registered < capacity {
        RegistrationStatus::Registered
    } else {
        RegistrationStatus::Waitlisted
    }
}

/// How early the door opens for check-in before an activity starts.
pub const CHECK_IN_EARLY: Duration = Duration::minutes(60);

/// Whether people can check in at `now`: from an hour before the start until the end.
pub fn check_in_open(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), FieldError> {
    if now < starts_at - CHECK_IN_EARLY {
        return Err(FieldError::new(
            "code",
            "签到尚未开始，活动开始前一小时开放 (check-in opens an hour before the start)",
        ));
    }
    if now > ends_at {
        return Err(FieldError::new("code", "活动已结束，不能再签到 (the activity is over)"));
    }
    Ok(())
}

/// Checks an activity's times: the end after the start, and no longer than a week.
pub fn check_times(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<(), FieldError> {
    if ends_at <= starts_at {
        return Err(FieldError::new("ends_at", "结束时间应晚于开始时间 (the end must be after the start)"));
    }
    if ends_at - starts_at > Duration::days(7) {
        return Err(FieldError::new("ends_at", "一次活动不超过7天 (one activity lasts at most seven days)"));
    }
    Ok(())
}

crate::labelled_enum! {
    /// A venture project (创投项目) from application to evaluation, in this order.
    ProjectStatus {
        Applied = "applied" / "已申报" / "Applied",
        Approved = "approved" / "已立项" / "Approved",
        Running = "running" / "实施中" / "Running",
        Closed = "closed" / "已结项" / "Closed",
        Evaluated = "evaluated" / "已评估" / "Evaluated",
    }
}

impl ProjectStatus {
    /// The one status a project may move to next, if any.
    pub fn next(self) -> Option<ProjectStatus> {
        match self {
            ProjectStatus::Applied => Some(ProjectStatus::Approved),
            ProjectStatus::Approved => Some(ProjectStatus::Running),
            ProjectStatus::Running => Some(ProjectStatus::Closed),
            ProjectStatus::Closed => Some(ProjectStatus::Evaluated),
            ProjectStatus::Evaluated => None,
        }
    }
}

crate::labelled_enum! {
    /// A volunteer service record: written, then confirmed (or turned down) by the organiser.
    /// Only confirmed hours count (谁组织谁记录，谁记录谁证明).
    RecordStatus {
        Recorded = "recorded" / "待确认" / "Awaiting confirmation",
        Confirmed = "confirmed" / "已确认" / "Confirmed",
        Rejected = "rejected" / "未通过" / "Turned down",
    }
}

/// The most one service record counts: one day.
pub const MAX_RECORD_MINUTES: u32 = 24 * 60;

crate::labelled_enum! {
    /// A golden solution (金方案) from submission to the library: scored by the subdistrict,
    /// then by the district, whose score decides whether it is promoted.
    GoldenStatus {
        Submitted = "submitted" / "待街道评审" / "Awaiting the subdistrict's review",
        Reviewed = "reviewed" / "待区级评审" / "Awaiting the district's review",
        Promoted = "promoted" / "已入库推广" / "Promoted to the library",
        Declined = "declined" / "未入库" / "Not promoted",
    }
}

crate::labelled_enum! {
    /// Who reviews a golden solution.
    ReviewLevel {
        Subdistrict = "subdistrict" / "街道评审" / "Subdistrict review",
        District = "district" / "区级评审" / "District review",
    }
}

impl GoldenStatus {
    /// The review a solution in this status waits for, if any.
    pub fn awaits(self) -> Option<ReviewLevel> {
        match self {
            GoldenStatus::Submitted => Some(ReviewLevel::Subdistrict),
            GoldenStatus::Reviewed => Some(ReviewLevel::District),
            GoldenStatus::Promoted | GoldenStatus::Declined => None,
        }
    }
}

/// The share of the rubric's points (in per cent) a district review must give for the
/// solution to be promoted to the library.
pub const PROMOTE_PERCENT: i64 = 60;

/// One criterion of the rubric: its code and the most points it gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub code: String,
    pub max_points: i64,
}

/// Checks a review's scores against the rubric (every criterion scored, each between 0 and
/// its most, nothing else) and gives the total.
pub fn rubric_total(rubric: &[Criterion], scores: &[(String, i64)]) -> Result<i64, FieldError> {
    for (code, _) in scores {
        if !rubric.iter().any(|c| &c.code == code) {
            return Err(FieldError::new("scores", format!("评分细则中没有“{code}” (no such criterion)")));
        }
    }
    let mut total = 0;
    for c in rubric {
        let given: Vec<i64> = scores.iter().filter(|(k, _)| *k == c.code).map(|(_, v)| *v).collect();
        match given.as_slice() {
            [v] if (0..=c.max_points).contains(v) => total += v,
            [_] => {
                return Err(FieldError::new(
                    "scores",
                    format!("“{}”应在0到{}分之间 (0 to {} points)", c.code, c.max_points, c.max_points),
                ))
            }
            [] => return Err(FieldError::new("scores", format!("“{}”未评分 (not scored)", c.code))),
            _ => return Err(FieldError::new("scores", format!("“{}”评了两次 (scored twice)", c.code))),
        }
    }
    Ok(total)
}

/// Whether a district review's total promotes the solution: at least [`PROMOTE_PERCENT`] of
/// the rubric's points.
pub fn promotes(rubric: &[Criterion], total: i64) -> bool {
    let most: i64 = rubric.iter().map(|c| c.max_points).sum();
    most > 0 && total * 100 >= PROMOTE_PERCENT * most
}

/// Hours as people type them ("2", "1.5", "0.25", "2小时", "2 h") into whole minutes: more than
/// none, at most a day, to the minute.
pub fn parse_hours(field: &str, s: &str) -> Result<u32, FieldError> {
    let t = s.trim().trim_end_matches("小时").trim_end_matches('h').trim();
    let bad =
        || FieldError::new(field, format!("“{}”不是时长，应填小时数，如 2 或 1.5 (hours, such as 2 or 1.5)", s.trim()));
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    if whole.len() > 3 || frac.len() > 4 {
        return Err(bad());
    }
    let whole: u32 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    // The fraction in ten-thousandths of an hour, then to the nearest minute.
    let mut f = frac.to_string();
    while f.len() < 4 {
        f.push('0');
    }
    let tenths: u32 = f.parse().map_err(|_| bad())?;
    let minutes = whole * 60 + (tenths * 60 + 5_000) / 10_000;
    if minutes == 0 {
        return Err(FieldError::new(field, "时长应大于0 (more than none)"));
    }
    if minutes > MAX_RECORD_MINUTES {
        return Err(FieldError::new(field, "一条记录最多24小时 (at most 24 hours in one record)"));
    }
    Ok(minutes)
}

/// Minutes as hours for people: "2", "1.5", "0.25", "1.33" (two decimals at most).
pub fn format_hours(minutes: i64) -> String {
    let hundredths = (minutes * 100 + 30) / 60;
    let (h, c) = (hundredths / 100, hundredths % 100);
    match c {
        0 => h.to_string(),
        c if c % 10 == 0 => format!("{h}.{}", c / 10),
        c => format!("{h}.{c:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn places_then_the_waiting_list() {
        assert_eq!(admission(2, 0), RegistrationStatus::Registered);
        assert_eq!(admission(2, 1), RegistrationStatus::Registered);
        assert_eq!(admission(2, 2), RegistrationStatus::Waitlisted);
        assert_eq!(admission(0, 5_000), RegistrationStatus::Registered, "0 is no limit");
    }

    proptest! {
        /// However registrations and cancellations interleave, following `admission` and
        /// moving the first waiting person up on each cancellation never gives more places
        /// than the capacity, and never leaves a place empty while someone waits.
        #[test]
        fn the_waiting_list_never_overbooks_or_idles(cap in 1u32..20, ops in proptest::collection::vec(any::<bool>(), 0..200)) {
            let (mut registered, mut waiting) = (0u32, 0u32);
            for register in ops {
                if register {
                    match admission(cap, registered) {
                        RegistrationStatus::Registered => registered += 1,
                        _ => waiting += 1,
                    }
                } else if registered > 0 {
                    registered -= 1;
                    if waiting > 0 {
                        waiting -= 1;
                        registered += 1;
                    }
                }
                prop_assert!(registered <= cap);
                prop_assert!(waiting == 0 || registered == cap);
            }
        }
    }

    #[test]
    fn the_door_opens_an_hour_before_and_closes_at_the_end() {
        let s = Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0).unwrap();
        let e = s + Duration::hours(2);
        assert!(check_in_open(s, e, s - Duration::minutes(61)).is_err());
        assert!(check_in_open(s, e, s - Duration::minutes(60)).is_ok());
        assert!(check_in_open(s, e, e).is_ok());
        assert_eq!(check_in_open(s, e, e + Duration::seconds(1)).unwrap_err().field, "code");
        assert_eq!(check_times(s, s).unwrap_err().field, "ends_at");
        assert!(check_times(s, e).is_ok());
    }

    #[test]
    fn an_activity_ends_once() {
        use ActivityStatus::*;
        assert!(Open.may_become(Closed, false).is_ok());
        assert!(Closed.may_become(Open, false).is_ok());
        assert!(Open.may_become(Cancelled, false).is_ok());
        assert!(Open.may_become(Done, false).is_err(), "not before it starts");
        assert!(Open.may_become(Done, true).is_ok());
        assert!(Done.may_become(Done, true).is_ok(), "the report may be amended");
        for to in [Open, Closed, Cancelled] {
            assert_eq!(Done.may_become(to, true).unwrap_err().field, "status");
            assert!(Cancelled.may_become(to, true).is_err());
        }
        assert!(Cancelled.may_become(Done, true).is_err());
    }

    #[test]
    fn a_project_moves_one_step_at_a_time() {
        let mut s = ProjectStatus::Applied;
        let mut seen = vec![s];
        while let Some(n) = s.next() {
            s = n;
            seen.push(s);
        }
        assert_eq!(seen, ProjectStatus::ALL.to_vec());
    }

    fn rubric() -> Vec<Criterion> {
        vec![Criterion { code: "a".into(), max_points: 40 }, Criterion { code: "b".into(), max_points: 60 }]
    }

    #[test]
    fn a_review_scores_every_criterion_within_its_points() {
        let r = rubric();
        assert_eq!(rubric_total(&r, &[("a".into(), 30), ("b".into(), 45)]), Ok(75));
        for bad in [
            vec![("a".to_string(), 30)],
            vec![("a".into(), 41), ("b".into(), 1)],
            vec![("a".into(), -1), ("b".into(), 1)],
            vec![("a".into(), 1), ("b".into(), 1), ("c".into(), 1)],
            vec![("a".into(), 1), ("a".into(), 1), ("b".into(), 1)],
        ] {
            assert_eq!(rubric_total(&r, &bad).unwrap_err().field, "scores", "{bad:?}");
        }
        assert!(promotes(&r, 60));
        assert!(!promotes(&r, 59));
        assert!(!promotes(&[], 0));
        assert_eq!(GoldenStatus::Submitted.awaits(), Some(ReviewLevel::Subdistrict));
        assert_eq!(GoldenStatus::Promoted.awaits(), None);
    }

    proptest! {
        /// A valid review's total never exceeds the rubric's points, and all the points promote.
        #[test]
        fn totals_stay_within_the_rubric(maxes in proptest::collection::vec(1i64..50, 1..8), seed in any::<u64>()) {
            let r: Vec<Criterion> = maxes.iter().enumerate().map(|(i, m)| Criterion { code: format!("c{i}"), max_points: *m }).collect();
            let scores: Vec<(String, i64)> = r.iter().enumerate().map(|(i, c)| (c.code.clone(), ((seed >> (i * 3)) % (c.max_points as u64 + 1)) as i64)).collect();
            let total = rubric_total(&r, &scores).unwrap();
            prop_assert!(total <= maxes.iter().sum::<i64>());
            prop_assert!(promotes(&r, maxes.iter().sum()));
        }
    }

    #[test]
    fn hours_as_typed() {
        assert_eq!(parse_hours("hours", "2"), Ok(120));
        assert_eq!(parse_hours("hours", "1.5"), Ok(90));
        assert_eq!(parse_hours("hours", " 0.25 "), Ok(15));
        assert_eq!(parse_hours("hours", "2小时"), Ok(120));
        assert_eq!(parse_hours("hours", ".5"), Ok(30));
        assert_eq!(parse_hours("hours", "24"), Ok(1440));
        for bad in ["", "0", "0.001", "25", "two", "1,5", "-1", "1.2.3", "."] {
            assert_eq!(parse_hours("hours", bad).unwrap_err().field, "hours", "{bad}");
        }
        assert_eq!(format_hours(90), "1.5");
        assert_eq!(format_hours(15), "0.25");
        assert_eq!(format_hours(120), "2");
        assert_eq!(format_hours(80), "1.33");
    }

    proptest! {
        /// Every whole number of minutes a record can hold reads back from its hours to
        /// within a minute, and quarter hours exactly.
        #[test]
        fn hours_round_trip(m in 1u32..=1440) {
            let back = parse_hours("hours", &format_hours(i64::from(m))).unwrap();
            prop_assert!(back.abs_diff(m) <= 1, "{m} -> {} -> {back}", format_hours(i64::from(m)));
            if m % 15 == 0 {
                prop_assert_eq!(back, m);
            }
        }
    }
}
