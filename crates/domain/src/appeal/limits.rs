//! Time limits and deadlines. A limit is counted in minutes or hours of wall time, in
//! working hours (the office-hour windows of working days) or in working days, all on
//! China's working-day calendar, in Beijing local time. A deadline that needs a year the
//! calendar has no data for is an error, never a guess.

use crate::calendar::{CalendarError, WorkCalendar};
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitUnit {
    Minutes,
    Hours,
    WorkHours,
    WorkDays,
}

/// An amount of time to respond or to resolve, written `30m`, `2h`, `5wh` or `7wd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeLimit {
    pub amount: u32,
    pub unit: LimitUnit,
}

impl TimeLimit {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit())?;
        let amount: u32 = s[..split].parse().ok()?;
        let unit = match &s[split..] {
            "m" | "min" => LimitUnit::Minutes,
            "h" => LimitUnit::Hours,
            "wh" => LimitUnit::WorkHours,
            "wd" => LimitUnit::WorkDays,
            _ => return None,
        };
        // A zero limit would be due on arrival; over a year is a typing mistake.
        let max = match unit {
            LimitUnit::Minutes => 60 * 24 * 366,
            LimitUnit::Hours => 24 * 366,
            LimitUnit::WorkHours => 8 * 250,
            LimitUnit::WorkDays => 250,
        };
        (amount > 0 && amount <= max).then_some(Self { amount, unit })
    }

    pub fn code(&self) -> String {
        let u = match self.unit {
            LimitUnit::Minutes => "m",
            LimitUnit::Hours => "h",
            LimitUnit::WorkHours => "wh",
            LimitUnit::WorkDays => "wd",
        };
        format!("{}{u}", self.amount)
    }

    pub fn label_zh(&self) -> String {
        match self.unit {
            LimitUnit::Minutes => format!("{}分钟", self.amount),
            LimitUnit::Hours => format!("{}小时", self.amount),
            LimitUnit::WorkHours => format!("{}个工作小时", self.amount),
            LimitUnit::WorkDays => format!("{}个工作日", self.amount),
        }
    }

    pub fn label_en(&self) -> String {
        match self.unit {
            LimitUnit::Minutes => format!("{} min", self.amount),
            LimitUnit::Hours => format!("{} h", self.amount),
            LimitUnit::WorkHours => format!("{} working hours", self.amount),
            LimitUnit::WorkDays => format!("{} working days", self.amount),
        }
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

/// The office-hour windows of a working day, in order and not overlapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeHours {
    windows: Vec<(NaiveTime, NaiveTime)>,
}

impl Default for OfficeHours {
    /// 09:00–12:00 and 13:30–17:30: seven working hours a day.
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        Self { windows: vec![(t(9, 0), t(12, 0)), (t(13, 30), t(17, 30))] }
    }
}

impl OfficeHours {
    /// Reads `09:00-12:00,13:30-17:30`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut windows: Vec<(NaiveTime, NaiveTime)> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (a, b) = part.split_once('-').ok_or_else(|| format!("“{part}”应为 HH:MM-HH:MM"))?;
            let time = |x: &str| {
                NaiveTime::parse_from_str(x.trim(), "%H:%M").map_err(|_| format!("“{x}”不是 HH:MM 时间 (not a time)"))
            };
            let (a, b) = (time(a)?, time(b)?);
            if a >= b {
                return Err(format!("“{part}”结束早于开始 (window ends before it starts)"));
            }
            if windows.last().is_some_and(|(_, end)| *end > a) {
                return Err(format!("“{part}”与前一段重叠或顺序不对 (windows overlap or are out of order)"));
            }
            windows.push((a, b));
        }
        if windows.is_empty() {
            return Err("至少需要一个办公时段 (at least one window)".into());
        }
        Ok(Self { windows })
    }

    pub fn code(&self) -> String {
        let w: Vec<String> =
            self.windows.iter().map(|(a, b)| format!("{}-{}", a.format("%H:%M"), b.format("%H:%M"))).collect();
        w.join(",")
    }

    fn minutes_per_day(&self) -> i64 {
        self.windows.iter().map(|(a, b)| (*b - *a).num_minutes()).sum()
    }
}

/// When a limit that starts at `start` (Beijing local time) runs out.
///
/// - minutes and hours: wall time, day or night, holiday or not;
/// - working hours: only time inside the office-hour windows of working days counts;
/// - working days: by the end (24:00) of the Nth working day after the day of `start`.
pub fn deadline(
    start: NaiveDateTime,
    limit: TimeLimit,
    cal: &WorkCalendar,
    hours: &OfficeHours,
) -> Result<NaiveDateTime, CalendarError> {
    let n = i64::from(limit.amount);
    match limit.unit {
        LimitUnit::Minutes => Ok(start + Duration::minutes(n)),
        LimitUnit::Hours => Ok(start + Duration::hours(n)),
        LimitUnit::WorkDays => {
            let day = cal.add_workdays(start.date(), limit.amount)?;
            let next = day.succ_opt().ok_or(CalendarError::OutOfRange)?;
            Ok(next.and_time(NaiveTime::MIN))
        }
        LimitUnit::WorkHours => add_work_minutes(start, n * 60, cal, hours),
    }
}

/// Walks forward through office windows of working days until `minutes` have passed.
fn add_work_minutes(
    start: NaiveDateTime,
    mut minutes: i64,
    cal: &WorkCalendar,
    hours: &OfficeHours,
) -> Result<NaiveDateTime, CalendarError> {
    let mut day: NaiveDate = start.date();
    let mut from = start.time();
    // Whole working days are skipped in one step; the loop is bounded by the day count.
    let per_day = hours.minutes_per_day().max(1);
    loop {
        if cal.is_workday(day)? {
            for (a, b) in &hours.windows {
                let lo = (*a).max(from);
                if lo >= *b {
                    continue;
                }
                let avail = (*b - lo).num_minutes();
                if minutes <= avail {
                    return Ok(day.and_time(lo) + Duration::minutes(minutes));
                }
                minutes -= avail;
            }
            // Still more than a day left: skip ahead without looking at windows.
            while minutes > per_day {
                day = day.succ_opt().ok_or(CalendarError::OutOfRange)?;
                if cal.is_workday(day)? {
                    minutes -= per_day;
                }
            }
        }
        day = day.succ_opt().ok_or(CalendarError::OutOfRange)?;
        from = NaiveTime::MIN;
    }
}

/// When to warn that a deadline is near: after four fifths of the time from `start` to
/// `due` has passed (for a 7-working-day limit, about a working day and a half before).
pub fn warn_at(start: NaiveDateTime, due: NaiveDateTime) -> NaiveDateTime {
    let span = due - start;
    due - span / 5
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn due(start: &str, limit: &str) -> Result<NaiveDateTime, CalendarError> {
        deadline(at(start), TimeLimit::parse(limit).unwrap(), &WorkCalendar::bundled(), &OfficeHours::default())
    }

    #[test]
    fn limits_parse_and_print() {
        for s in ["30m", "2h", "5wh", "7wd"] {
            assert_eq!(TimeLimit::parse(s).unwrap().code(), s);
        }
        for bad in ["", "h", "0h", "7", "7d", "-1h", "9999wd", "2 h"] {
            assert!(TimeLimit::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(TimeLimit::parse("7wd").unwrap().label_zh(), "7个工作日");
    }

    #[test]
    fn wall_hours_ignore_holidays() {
        // 1 October 2026 is National Day.
        assert_eq!(due("2026-09-30 23:00", "2h").unwrap(), at("2026-10-01 01:00"));
        assert_eq!(due("2026-10-01 10:00", "30m").unwrap(), at("2026-10-01 10:30"));
    }

    #[test]
    fn working_days_skip_the_national_day_week_and_count_the_makeup_saturday() {
        // Filed on Wednesday 30 September 2026: 1–7 October are holidays, Saturday 10 October
        // is a make-up working day. Working days: 8 Oct (1), 9 Oct (2), 10 Oct Sat (3).
        assert_eq!(due("2026-09-30 16:00", "3wd").unwrap(), at("2026-10-11 00:00"));
        // Filed on a holiday: the count starts with the first working day after it.
        assert_eq!(due("2026-10-03 09:00", "1wd").unwrap(), at("2026-10-09 00:00"));
    }

    #[test]
    fn working_days_over_the_spring_festival() {
        // 2026: 15–23 February off, Saturday 14 February and Saturday 28 February worked.
        assert_eq!(due("2026-02-13 10:00", "1wd").unwrap(), at("2026-02-15 00:00"));
        assert_eq!(due("2026-02-14 10:00", "1wd").unwrap(), at("2026-02-25 00:00"));
    }

    #[test]
    fn working_hours_use_the_office_windows() {
        // Friday 27 November 2026 16:00 + 5 working hours: 1.5 h on Friday, then Monday
        // 09:00–12:00 (3 h) and 30 minutes after lunch.
        assert_eq!(due("2026-11-27 16:00", "5wh").unwrap(), at("2026-11-30 14:00"));
        // Filed at lunch: the clock starts at 13:30.
        assert_eq!(due("2026-11-30 12:10", "1wh").unwrap(), at("2026-11-30 14:30"));
        // Filed at night on the eve of National Day: nothing counts until 8 October.
        assert_eq!(due("2026-09-30 20:00", "2wh").unwrap(), at("2026-10-08 11:00"));
        // Exactly the end of a window stays in that window.
        assert_eq!(due("2026-11-30 09:00", "3wh").unwrap(), at("2026-11-30 12:00"));
        // Many working hours: 7 per day, over the make-up Saturday 10 October 2026.
        assert_eq!(due("2026-10-08 09:00", "21wh").unwrap(), at("2026-10-10 17:30"));
    }

    #[test]
    fn a_deadline_in_a_year_without_data_is_an_error() {
        assert_eq!(due("2026-12-30 10:00", "5wd"), Err(CalendarError::NoData(2027)));
        assert_eq!(due("2026-12-31 16:00", "8wh"), Err(CalendarError::NoData(2027)));
        assert!(due("2026-12-31 16:00", "48h").is_ok(), "wall hours need no calendar");
    }

    #[test]
    fn office_hours_parse() {
        let h = OfficeHours::parse("08:30-12:00, 14:00-18:00").unwrap();
        assert_eq!(h.code(), "08:30-12:00,14:00-18:00");
        assert!(OfficeHours::parse("12:00-09:00").is_err());
        assert!(OfficeHours::parse("09:00-12:00,11:00-13:00").is_err());
        assert!(OfficeHours::parse("").is_err());
        assert!(OfficeHours::parse("9-12").is_err());
    }

    #[test]
    fn warnings_come_at_four_fifths() {
        assert_eq!(warn_at(at("2026-11-30 10:00"), at("2026-11-30 15:00")), at("2026-11-30 14:00"));
    }

    proptest! {
        /// A working-hours deadline always falls inside (or at the end of) an office window
        /// of a working day, and is never before the start.
        #[test]
        fn work_hour_deadlines_land_in_office_hours(day in 0i64..300, minute in 0i64..1440, n in 1u32..60) {
            let start = at("2026-01-05 00:00") + Duration::days(day) + Duration::minutes(minute);
            let cal = WorkCalendar::bundled();
            let hours = OfficeHours::default();
            let d = deadline(start, TimeLimit { amount: n, unit: LimitUnit::WorkHours }, &cal, &hours).unwrap();
            prop_assert!(d > start);
            prop_assert!(cal.is_workday(d.date()).unwrap());
            prop_assert!(hours.windows.iter().any(|(a, b)| d.time() > *a && d.time() <= *b));
        }
    }
}
