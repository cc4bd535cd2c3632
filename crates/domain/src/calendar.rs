//! China's working-day calendar: weekends rest except announced make-up working days (调休),
//! announced holidays rest. The rules are data, a year at a time; a date in a year the
//! calendar has no data for is an error, never a guess.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The years 2020–2026 as announced by the State Council, bundled with the program.
pub const BUNDLED: &str = include_str!("../data/cn-workdays.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DayKind {
    Holiday,
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// No calendar data for this year.
    NoData(i32),
    /// A line of a calendar file that cannot be read.
    Parse { line: usize, message: String },
    /// A result beyond the representable dates.
    OutOfRange,
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalendarError::NoData(y) => write!(
                f,
                "没有{y}年的工作日历，请先导入 (no working-day calendar for {y}: import it with `jiayuan calendar import`)"
            ),
            CalendarError::Parse { line, message } => write!(f, "第{line}行 line {line}: {message}"),
            CalendarError::OutOfRange => f.write_str("日期超出范围 (date out of range)"),
        }
    }
}

impl std::error::Error for CalendarError {}

/// One announced day: a holiday, or a weekend day worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    years: BTreeSet<i32>,
    days: BTreeMap<NaiveDate, (DayKind, String)>,
}

fn parse_date(s: &str, line: usize) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| CalendarError::Parse { line, message: format!("“{s}”不是 YYYY-MM-DD 日期 (not a date)") })
}

impl WorkCalendar {
    /// The bundled calendar (2020–2026).
    pub fn bundled() -> Self {
        Self::parse(BUNDLED).unwrap_or_default()
    }

    /// Reads the text format of `data/cn-workdays.txt`. Every rule must fall in a year the
    /// text declares with `year YYYY`, and a day cannot be both a holiday and a workday.
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let mut cal = WorkCalendar::default();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.split('#').next().unwrap_or("").trim();
            if l.is_empty() {
                continue;
            }
            let mut parts = l.split_whitespace();
            let first = parts.next().unwrap_or("");
            if first == "year" {
                let y = parts.next().and_then(|y| y.parse::<i32>().ok()).filter(|y| (1990..=2200).contains(y));
                match y {
                    Some(y) => {
                        cal.years.insert(y);
                    }
                    None => {
                        return Err(CalendarError::Parse {
                            line, message: "year 后应为四位年份 (year YYYY)".into()
                        })
                    }
                }
                continue;
            }
            let kind = match parts.next() {
                Some("holiday") | Some("休") | Some("放假") => DayKind::Holiday,
                Some("workday") | Some("班") | Some("上班") => DayKind::Workday,
                other => {
                    return Err(CalendarError::Parse {
                        line,
                        message: format!("“{}”应为 holiday 或 workday", other.unwrap_or("")),
                    })
                }
            };
            let name = parts.collect::<Vec<_>>().join(" ");
            let (from, to) = match first.split_once("..") {
                Some((a, b)) => (parse_date(a, line)?, parse_date(b, line)?),
                None => {
                    let d = parse_date(first, line)?;
                    (d, d)
                }
            };
            if to < from || (to - from).num_days() > 31 {
                return Err(CalendarError::Parse { line, message: "日期范围有误 (bad date range)".into() });
            }
            let mut d = from;
            while d <= to {
                if kind == DayKind::Workday && !is_weekend(d) {
                    return Err(CalendarError::Parse {
                        line,
                        message: format!("{d} 不是周末，不必调休上班 (a make-up workday must be a weekend day)"),
                    });
                }
                if let Some((k, _)) = cal.days.get(&d) {
                    if *k != kind {
                        return Err(CalendarError::Parse {
                            line,
                            message: format!("{d} 既是假日又是工作日 (both holiday and workday)"),
                        });
                    }
                }
                cal.days.insert(d, (kind, name.clone()));
                d += Duration::days(1);
            }
        }
        for d in cal.days.keys() {
            if !cal.years.contains(&d.year()) {
                return Err(CalendarError::Parse {
                    line: 0,
                    message: format!(
                        "{d} 所在的 {} 年没有 `year {}` 声明 (its year is not declared)",
                        d.year(),
                        d.year()
                    ),
                });
            }
        }
        Ok(cal)
    }

    /// Adds (or replaces) the years of `other`.
    pub fn merge(&mut self, other: &WorkCalendar) {
        for y in &other.years {
            self.days.retain(|d, _| d.year() != *y);
            self.years.insert(*y);
        }
        for (d, v) in &other.days {
            self.days.insert(*d, v.clone());
        }
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// The announced days of the calendar, in date order.
    pub fn special_days(&self) -> Vec<SpecialDay> {
        self.days.iter().map(|(d, (k, n))| SpecialDay { date: *d, kind: *k, name: n.clone() }).collect()
    }

    pub fn from_parts(years: impl IntoIterator<Item = i32>, days: impl IntoIterator<Item = SpecialDay>) -> Self {
        Self {
            years: years.into_iter().collect(),
            days: days.into_iter().map(|s| (s.date, (s.kind, s.name))).collect(),
        }
    }

    pub fn is_workday(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        if !self.years.contains(&d.year()) {
            return Err(CalendarError::NoData(d.year()));
        }
        Ok(match self.days.get(&d) {
            Some((DayKind::Holiday, _)) => false,
            Some((DayKind::Workday, _)) => true,
            None => !is_weekend(d),
        })
    }

    /// Whether `d` is an announced public holiday (not an ordinary weekend).
    pub fn is_holiday(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        if !self.years.contains(&d.year()) {
            return Err(CalendarError::NoData(d.year()));
        }
        Ok(matches!(self.days.get(&d), Some((DayKind::Holiday, _))))
    }

    /// The date `n` working days after `d` (`d` itself does not count; `n = 0` gives `d`).
    pub fn add_workdays(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().ok_or(CalendarError::OutOfRange)?;
            if self.is_workday(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_bundled_years_parse() {
        let c = WorkCalendar::parse(BUNDLED).expect("bundled calendar parses");
        assert_eq!(c.years().collect::<Vec<_>>(), (2020..=2026).collect::<Vec<_>>());
    }

    #[test]
    fn holidays_and_make_up_days() {
        let c = WorkCalendar::bundled();
        assert!(!c.is_workday(d("2026-10-01")).unwrap(), "National Day");
        assert!(!c.is_workday(d("2026-10-07")).unwrap());
        assert!(c.is_workday(d("2026-10-08")).unwrap(), "the Thursday after");
        assert!(c.is_workday(d("2026-10-10")).unwrap(), "Saturday make-up day");
        assert!(!c.is_workday(d("2026-10-11")).unwrap(), "ordinary Sunday");
        assert!(c.is_workday(d("2026-09-20")).unwrap(), "Sunday make-up day");
        assert!(!c.is_workday(d("2026-02-23")).unwrap(), "last day of the 9-day Spring Festival");
        assert!(c.is_workday(d("2026-02-14")).unwrap() && c.is_workday(d("2026-02-28")).unwrap());
        assert!(!c.is_workday(d("2020-02-01")).unwrap(), "2020's extension cancelled this make-up day");
        assert!(!c.is_workday(d("2022-12-31")).unwrap());
        assert_eq!(c.is_workday(d("2027-01-04")), Err(CalendarError::NoData(2027)));
        assert_eq!(c.is_workday(d("2019-12-31")), Err(CalendarError::NoData(2019)));
    }

    #[test]
    fn adding_working_days_across_holidays() {
        let c = WorkCalendar::bundled();
        // Wednesday 30 Sep 2026 + 1: the holiday runs to 7 Oct, and 8 Oct is a Thursday.
        assert_eq!(c.add_workdays(d("2026-09-30"), 1).unwrap(), d("2026-10-08"));
        // From Friday 9 Oct: Saturday 10 Oct is a make-up working day.
        assert_eq!(c.add_workdays(d("2026-10-09"), 1).unwrap(), d("2026-10-10"));
        assert_eq!(c.add_workdays(d("2026-10-09"), 2).unwrap(), d("2026-10-12"));
        // Friday 13 Feb 2026 + 1 is the make-up Saturday; + 2 skips the Spring Festival.
        assert_eq!(c.add_workdays(d("2026-02-13"), 1).unwrap(), d("2026-02-14"));
        assert_eq!(c.add_workdays(d("2026-02-13"), 2).unwrap(), d("2026-02-24"));
        assert_eq!(c.add_workdays(d("2026-05-06"), 0).unwrap(), d("2026-05-06"));
        // Fifteen working days from 15 Dec 2026 run into 2027, which has no data yet.
        assert_eq!(c.add_workdays(d("2026-12-15"), 15), Err(CalendarError::NoData(2027)));
    }

    #[test]
    fn bad_files_name_the_line() {
        let e = WorkCalendar::parse("year 2027\n2027-02-30 holiday 春节\n").unwrap_err();
        assert!(matches!(e, CalendarError::Parse { line: 2, .. }), "{e}");
        let e = WorkCalendar::parse("year 2027\n2027-02-08 workday\n").unwrap_err();
        assert!(matches!(e, CalendarError::Parse { line: 2, .. }), "a Monday cannot be a make-up day: {e}");
        let e = WorkCalendar::parse("2027-01-01 holiday 元旦\n").unwrap_err();
        assert!(e.to_string().contains("2027"), "undeclared year: {e}");
        let e = WorkCalendar::parse("year 2027\n2027-01-01 vacation\n").unwrap_err();
        assert!(matches!(e, CalendarError::Parse { line: 2, .. }));
    }

    #[test]
    fn an_imported_year_extends_the_calendar() {
        let mut c = WorkCalendar::bundled();
        let y2027 = WorkCalendar::parse("year 2027\n2027-01-01 holiday 元旦\n").unwrap();
        c.merge(&y2027);
        assert!(!c.is_workday(d("2027-01-01")).unwrap());
        assert!(c.is_workday(d("2027-01-04")).unwrap());
        assert!(!c.is_workday(d("2026-10-01")).unwrap(), "older years kept");
    }

    proptest! {
        #[test]
        fn adding_lands_on_a_working_day_and_counts_exactly(days in 0i64..2300, n in 1u32..40) {
            let c = WorkCalendar::bundled();
            let start = d("2020-01-01") + Duration::days(days);
            if let Ok(end) = c.add_workdays(start, n) {
                prop_assert!(c.is_workday(end).unwrap());
                let mut count = 0;
                let mut x = start;
                while x < end {
                    x += Duration::days(1);
                    if c.is_workday(x).unwrap() { count += 1; }
                }
                prop_assert_eq!(count, n);
            }
        }
    }
}
