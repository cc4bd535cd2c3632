//! iCalendar (RFC 5545) feeds: CRLF line ends, lines folded at 75 octets (never inside a
//! character), text escaped, times in UTC so that no time zone component is needed. Used by
//! the service points' duty rosters and the communities' activity calendars.

use chrono::{DateTime, Utc};

/// One event of a feed.
#[derive(Debug, Clone)]
pub struct Event {
    /// Stable across fetches, so a calendar updates the event instead of adding another.
    pub uid: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: String,
    pub location: String,
    pub description: String,
    /// `CANCELLED` marks a called-off event; empty: confirmed.
    pub cancelled: bool,
}

/// A whole calendar named `name` holding `events`, stamped at `now`.
pub fn calendar(name: &str, product: &str, events: &[Event], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let mut line = |s: String| fold(&mut out, &s);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line(format!("PRODID:-//Jiayuan//{product}//ZH"));
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    line("X-WR-TIMEZONE:Asia/Shanghai".into());
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}@jiayuan", e.uid));
        line(format!("DTSTAMP:{stamp}"));
        line(format!("DTSTART:{}", e.starts_at.format("%Y%m%dT%H%M%SZ")));
        line(format!("DTEND:{}", e.ends_at.format("%Y%m%dT%H%M%SZ")));
        line(format!("SUMMARY:{}", escape(&e.summary)));
        if !e.location.is_empty() {
            line(format!("LOCATION:{}", escape(&e.location)));
        }
        if !e.description.is_empty() {
            line(format!("DESCRIPTION:{}", escape(&e.description)));
        }
        if e.cancelled {
            line("STATUS:CANCELLED".into());
        }
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
        .replace('\r', "")
}

/// Appends `s` as content lines of at most 75 octets, continuation lines starting with a space.
fn fold(out: &mut String, s: &str) {
    let mut used = 0;
    for ch in s.chars() {
        let n = ch.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(ch);
        used += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn an_event_with_text_to_escape() {
        let t = Utc.with_ymd_and_hms(2026, 12, 8, 1, 30, 0).unwrap();
        let e = Event {
            uid: "x".into(),
            starts_at: t,
            ends_at: t,
            summary: "集市; 5,N".into(),
            location: String::new(),
            description: "a\nb".into(),
            cancelled: true,
        };
        let c = calendar("牟邻", "Test", &[e], t);
        assert!(c.contains("SUMMARY:集市\\; 5\\,N\r\n"));
        assert!(c.contains("DESCRIPTION:a\\nb\r\n"));
        assert!(c.contains("DTSTART:20261208T013000Z\r\n"));
        assert!(c.contains("STATUS:CANCELLED\r\n"));
        assert!(!c.contains("LOCATION"));
    }

    proptest! {
        /// However long the text, no line is over 75 octets and unfolding gives it back.
        #[test]
        fn lines_fold_within_75_octets(s in "\\PC{0,200}") {
            let mut out = String::new();
            fold(&mut out, &s);
            for l in out.split("\r\n") {
                prop_assert!(l.len() <= 75);
            }
            prop_assert_eq!(out.trim_end_matches("\r\n").replace("\r\n ", ""), s);
        }
    }
}
