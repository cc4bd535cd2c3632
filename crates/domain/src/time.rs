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

#[cfg(test)]
mod tests {
    use super::*;

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
