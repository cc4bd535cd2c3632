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
    fn a_project_moves_one_step_at_a_time() {
        let mut s = ProjectStatus::Applied;
        let mut seen = vec![s];
        while let Some(n) = s.next() {
            s = n;
            seen.push(s);
        }
        assert_eq!(seen, ProjectStatus::ALL.to_vec());
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
