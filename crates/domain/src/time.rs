//! Times as people in the district read them: Beijing time (UTC+8 all year, no daylight
//! saving). The database keeps UTC; every answer and page shows Beijing time through these,
//! the one formatter of the program.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};

/// The wall-clock time in Beijing.
pub fn beijing(t: DateTime<Utc>) -> NaiveDateTime {
    (t + Duration::hours(8)).naive_utc()
}

/// The instant of a Beijing wall-clock time.
pub fn from_beijing(n: NaiveDateTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&(n - Duration::hours(8)))
}

/// For machines (API, exports, notifications): `2026-12-02T06:09:05+08:00`.
pub fn iso(t: DateTime<Utc>) -> String {
    beijing(t).format("%Y-%m-%dT%H:%M:%S+08:00").to_string()
}

/// For people (pages): `2026-12-02 06:09`.
pub fn display(t: DateTime<Utc>) -> String {
    beijing(t).format("%Y-%m-%d %H:%M").to_string()
}

/// A reporting period by its preset: this month, this quarter or this year, up to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month,
    Quarter,
    Year,
}

impl Period {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "month" => Some(Period::Month),
            "quarter" => Some(Period::Quarter),
            "year" => Some(Period::Year),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
        }
    }

    /// The first day of the period that holds `today`, and `today` (both inclusive).
    pub fn bounds(self, today: chrono::NaiveDate) -> (chrono::NaiveDate, chrono::NaiveDate) {
        use chrono::Datelike;
        let month = match self {
            Period::Month => today.month(),
            Period::Quarter => (today.month() - 1) / 3 * 3 + 1,
            Period::Year => 1,
        };
        (chrono::NaiveDate::from_ymd_opt(today.year(), month, 1).unwrap_or(today), today)
    }
}

/// A deadline as people weigh it: "还剩 3 小时" / "3 hours left", or "超期 2 天" /
/// "2 days overdue". Minutes under an hour, hours under two days, else days.
pub fn countdown(now: DateTime<Utc>, due: DateTime<Utc>, lang: &str) -> String {
    let late = due < now;
    let d = if late { now - due } else { due - now };
    let (n, zh, en) = if d < Duration::hours(1) {
        (d.num_minutes().max(1), "分钟", "minute")
    } else if d < Duration::hours(48) {
        (d.num_hours(), "小时", "hour")
    } else {
        (d.num_days(), "天", "day")
    };
    let plural = if n == 1 { "" } else { "s" };
    match (lang, late) {
        ("en", true) => format!("{n} {en}{plural} overdue"),
        ("en", false) => format!("{n} {en}{plural} left"),
        (_, true) => format!("超期 {n} {zh}"),
        (_, false) => format!("还剩 {n} {zh}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_on_their_first_day_and_end_today() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(Period::Month.bounds(d(2026, 12, 1)), (d(2026, 12, 1), d(2026, 12, 1)));
        assert_eq!(Period::Quarter.bounds(d(2026, 12, 1)), (d(2026, 10, 1), d(2026, 12, 1)));
        assert_eq!(Period::Quarter.bounds(d(2026, 3, 31)), (d(2026, 1, 1), d(2026, 3, 31)));
        assert_eq!(Period::Year.bounds(d(2026, 8, 9)), (d(2026, 1, 1), d(2026, 8, 9)));
        assert_eq!(Period::parse("quarter"), Some(Period::Quarter));
        assert_eq!(Period::parse("week"), None);
    }

    #[test]
    fn deadlines_read_as_time_left_or_overdue() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        assert_eq!(countdown(now, now + Duration::minutes(20), "zh"), "还剩 20 分钟");
        assert_eq!(countdown(now, now + Duration::seconds(10), "zh"), "还剩 1 分钟");
        assert_eq!(countdown(now, now + Duration::hours(3), "zh"), "还剩 3 小时");
        assert_eq!(countdown(now, now + Duration::hours(47), "en"), "47 hours left");
        assert_eq!(countdown(now, now - Duration::days(2), "zh"), "超期 2 天");
        assert_eq!(countdown(now, now - Duration::hours(1), "en"), "1 hour overdue");
    }

    #[test]
    fn beijing_is_eight_hours_ahead_all_year() {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 22, 9, 5).unwrap();
        assert_eq!(iso(t), "2026-12-02T06:09:05+08:00");
        assert_eq!(display(t), "2026-12-02 06:09");
        assert_eq!(from_beijing(beijing(t)), t);
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
        assert_eq!(iso(summer), "2026-07-01T08:00:00+08:00");
        assert_eq!(DateTime::parse_from_rfc3339(&iso(t)).unwrap(), t);
    }
}
