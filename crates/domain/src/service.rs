//! The service system (服务体系): the catalogue of what the one window handles, the hours of
//! the service points, the life of a ticket (办件) under 首问负责, 一次性告知 and 限时办结, and
//! the good-or-bad rating (好差评) with its follow-up. Pure rules; the store keeps the records.
//!
//! Times here are Beijing local (`NaiveDateTime`); the store converts at its edge.

use crate::calendar::{CalendarError, WorkCalendar};
use crate::FieldError;
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

pub mod catalogue;

crate::labelled_enum! {
    /// Which part of the catalogue: the government service items of the desk, or the
    /// community centre's own services.
    CatalogueKind {
        Desk = "desk" / "政务服务事项" / "Government service item",
        Centre = "centre" / "党群服务中心服务" / "Community centre service",
    }
}

crate::labelled_enum! {
    /// Where an item can be done.
    Place {
        Centre = "centre" / "社区党群服务中心" / "Community centre",
        Station = "station" / "小区党群服务站" / "Compound station",
        Online = "online" / "网上办理" / "Online",
    }
}

crate::labelled_enum! {
    /// What form a material is handed in.
    MaterialForm {
        Original = "original" / "原件" / "Original",
        Copy = "copy" / "复印件" / "Copy",
        OriginalAndCopy = "original_and_copy" / "原件及复印件" / "Original and copy",
    }
}

crate::labelled_enum! {
    /// A service point: the community's centre or a compound's station.
    PointKind {
        Centre = "centre" / "社区党群服务中心" / "Community centre",
        Station = "station" / "小区党群服务站" / "Compound station",
    }
}

crate::labelled_enum! {
    /// How a matter reached the desk.
    Channel {
        Window = "window" / "窗口" / "At the window",
        Phone = "phone" / "电话" / "By phone",
        Online = "online" / "网上" / "Online",
        Home = "home" / "上门代办" / "At home (for those who cannot come)",
    }
}

crate::labelled_enum! {
    /// Where a ticket stands.
    TicketStatus {
        Received = "received" / "已收件" / "Received",
        AwaitingMaterials = "awaiting_materials" / "待补正" / "Waiting for materials",
        Accepted = "accepted" / "已受理" / "Accepted",
        InProgress = "in_progress" / "办理中" / "In progress",
        Completed = "completed" / "已办结" / "Completed",
        Refused = "refused" / "不予受理" / "Refused",
    }
}

impl TicketStatus {
    pub fn is_open(self) -> bool {
        !matches!(self, TicketStatus::Completed | TicketStatus::Refused)
    }
}

crate::labelled_enum! {
    /// What staff do to a ticket. Hand-offs are not steps: they change who holds it, not
    /// where it stands.
    TicketStep {
        Notify = "notify" / "一次性告知" / "Tell everything missing at once",
        Supplement = "supplement" / "补正材料" / "Missing materials arrive",
        Accept = "accept" / "受理" / "Accept",
        Start = "start" / "开始办理" / "Start",
        Complete = "complete" / "办结" / "Complete",
        Refuse = "refuse" / "不予受理" / "Refuse",
    }
}

/// The status a step leads to from `from`, or why it cannot be taken.
///
/// Received → (notify → waiting for materials → supplement →) received → accepted →
/// in progress → completed; refused with a reason from anywhere open. A one-time notice is
/// only given before acceptance: once accepted, the materials are complete.
pub fn next_status(from: TicketStatus, step: TicketStep) -> Result<TicketStatus, String> {
    use TicketStatus as S;
    use TicketStep as T;
    let to = match (from, step) {
        (S::Received, T::Notify) => S::AwaitingMaterials,
        (S::AwaitingMaterials, T::Supplement) => S::Received,
        (S::Received, T::Accept) => S::Accepted,
        (S::Accepted, T::Start) => S::InProgress,
        (S::Accepted | S::InProgress, T::Complete) => S::Completed,
        (s, T::Refuse) if s.is_open() => S::Refused,
        _ => {
            return Err(format!(
                "“{}”的办件不能“{}” (a {} ticket cannot {})",
                from.label_zh(),
                step.label_zh(),
                from.as_str(),
                step.as_str()
            ))
        }
    };
    Ok(to)
}

/// The day a ticket is due (by 24:00 of it), `None` while it waits for materials.
///
/// The limit counts working days after the day of reception (the day itself does not count,
/// as for appeals); a wait for materials stops the clock: a wait from day `s` to day `e`
/// takes the working days after `s` up to and including `e` out of the count, so the day
/// the materials arrive starts the clock again like a new reception. A zero limit (办结 on
/// the spot) is due the day it was received, or the day the materials arrived.
pub fn due_day(
    cal: &WorkCalendar,
    received: NaiveDate,
    limit_workdays: u32,
    waits: &[(NaiveDate, Option<NaiveDate>)],
) -> Result<Option<NaiveDate>, CalendarError> {
    if waits.iter().any(|(_, e)| e.is_none()) {
        return Ok(None);
    }
    let stopped = |d: NaiveDate| waits.iter().any(|(s, e)| d > *s && e.is_some_and(|e| d <= e));
    let last_restart = waits.iter().filter_map(|(_, e)| *e).max().map_or(received, |e| e.max(received));
    if limit_workdays == 0 {
        return Ok(Some(last_restart));
    }
    let mut day = received;
    let mut left = limit_workdays;
    // Bounded: every pass moves a day, and a year has ~250 working days.
    for _ in 0..(366 * 3) {
        day = day.succ_opt().ok_or(CalendarError::OutOfRange)?;
        if !stopped(day) && cal.is_workday(day)? {
            left -= 1;
            if left == 0 {
                return Ok(Some(day));
            }
        }
    }
    Err(CalendarError::OutOfRange)
}

/// When a deadline's warning comes: the end of the due day less a fifth of the time since
/// reception, as for appeals.
pub fn due_and_warning(received_at: NaiveDateTime, due: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
    let due_at = due.succ_opt().unwrap_or(due).and_time(NaiveTime::MIN);
    let span = due_at - received_at;
    (due_at, due_at - span / 5)
}

/// Office-hour windows in one day, written `08:30-12:00,13:30-17:30`; empty means none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Windows(Vec<(NaiveTime, NaiveTime)>);

impl Windows {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let mut out: Vec<(NaiveTime, NaiveTime)> = Vec::new();
        for part in s.split([',', '，']).map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || FieldError::new(field, format!("“{part}”应为 HH:MM-HH:MM (a window like 08:30-12:00)"));
            let (a, b) = part.split_once('-').ok_or_else(bad)?;
            let time = |x: &str| NaiveTime::parse_from_str(x.trim(), "%H:%M").map_err(|_| bad());
            let (a, b) = (time(a)?, time(b)?);
            if a >= b {
                return Err(FieldError::new(field, format!("“{part}”结束早于开始 (the window ends before it starts)")));
            }
            if out.last().is_some_and(|(_, end)| *end > a) {
                return Err(FieldError::new(
                    field,
                    format!("“{part}”与前一段重叠或顺序不对 (windows overlap or are out of order)"),
                ));
            }
            out.push((a, b));
        }
        Ok(Self(out))
    }

    pub fn code(&self) -> String {
        let w: Vec<String> =
            self.0.iter().map(|(a, b)| format!("{}-{}", a.format("%H:%M"), b.format("%H:%M"))).collect();
        w.join(",")
    }

    pub fn windows(&self) -> &[(NaiveTime, NaiveTime)] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The window holding `t` (start inclusive, end exclusive).
    fn holding(&self, t: NaiveTime) -> Option<(NaiveTime, NaiveTime)> {
        self.0.iter().copied().find(|(a, b)| *a <= t && t < *b)
    }
}

crate::labelled_enum! {
    /// Why a point is open at some time.
    Opening {
        Regular = "regular" / "正常办公" / "Regular hours",
        Extended = "extended" / "延时服务" / "Extended hours",
        Staggered = "staggered" / "错时服务(周末)" / "Staggered hours (weekends)",
        Duty = "duty" / "节假日值班" / "Holiday duty",
    }
}

impl Opening {
    /// Everything but regular hours is outside them: the seed's "延时错时、节假日值班" work.
    pub fn outside_regular(self) -> bool {
        self != Opening::Regular
    }
}

/// A point's week: regular and extended hours on working days, staggered hours on ordinary
/// weekends (rest days that are not announced holidays). Holidays have only duty shifts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PointHours {
    pub regular: Windows,
    pub extended: Windows,
    pub staggered: Windows,
}

/// One duty shift on the roster, Beijing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

/// The kind of day for opening hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayType {
    Working,
    Weekend,
    Holiday,
}

fn day_type(cal: &WorkCalendar, d: NaiveDate) -> Result<DayType, CalendarError> {
    Ok(if cal.is_workday(d)? {
        DayType::Working
    } else if cal.is_holiday(d)? {
        DayType::Holiday
    } else {
        DayType::Weekend
    })
}

impl PointHours {
    /// The windows of the day with what they are, in time order.
    fn day_windows(
        &self,
        cal: &WorkCalendar,
        d: NaiveDate,
    ) -> Result<Vec<(NaiveTime, NaiveTime, Opening)>, CalendarError> {
        let mut w: Vec<(NaiveTime, NaiveTime, Opening)> = match day_type(cal, d)? {
            DayType::Working => self
                .regular
                .0
                .iter()
                .map(|(a, b)| (*a, *b, Opening::Regular))
                .chain(self.extended.0.iter().map(|(a, b)| (*a, *b, Opening::Extended)))
                .collect(),
            DayType::Weekend => self.staggered.0.iter().map(|(a, b)| (*a, *b, Opening::Staggered)).collect(),
            DayType::Holiday => vec![],
        };
        w.sort_by_key(|x| (x.0, x.1));
        Ok(w)
    }

    /// Whether `t` is inside regular hours of a working day: work done then is not "outside
    /// regular hours".
    pub fn within_regular(&self, cal: &WorkCalendar, t: NaiveDateTime) -> Result<bool, CalendarError> {
        Ok(cal.is_workday(t.date())? && self.regular.holding(t.time()).is_some())
    }
}

/// Whether a point is open at a time, and when it opens next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenState {
    /// Open now: why, and until when (the end of the window or shift holding now).
    pub now: Option<(Opening, NaiveDateTime)>,
    /// When it next opens after now (when closed), within the look-ahead.
    pub next: Option<(NaiveDateTime, Opening)>,
}

/// How many days ahead "next open" looks: long enough to cross the Spring Festival.
pub const LOOK_AHEAD_DAYS: i64 = 14;

/// Whether the point is open at `t` and, when closed, when it opens next. Regular hours win
/// over extended ones, and windows over duty shifts, when both hold `t`. Days beyond the
/// calendar's years end the look-ahead instead of failing it; `t` itself must be covered.
pub fn open_state(
    hours: &PointHours,
    shifts: &[Shift],
    cal: &WorkCalendar,
    t: NaiveDateTime,
) -> Result<OpenState, CalendarError> {
    let today = hours.day_windows(cal, t.date())?;
    if let Some((_, b, o)) = today.iter().find(|(a, b, _)| *a <= t.time() && t.time() < *b) {
        return Ok(OpenState { now: Some((*o, t.date().and_time(*b))), next: None });
    }
    if let Some(s) = shifts.iter().filter(|s| s.start <= t && t < s.end).max_by_key(|s| s.end) {
        return Ok(OpenState { now: Some((Opening::Duty, s.end)), next: None });
    }
    let mut next: Option<(NaiveDateTime, Opening)> = None;
    for k in 0..LOOK_AHEAD_DAYS {
        let d = t.date() + Duration::days(k);
        // Days beyond the calendar's years end the look-ahead.
        let Ok(windows) = hours.day_windows(cal, d) else { break };
        if let Some((a, _, o)) = windows.iter().find(|(a, _, _)| d.and_time(*a) > t) {
            next = Some((d.and_time(*a), *o));
            break;
        }
    }
    if let Some(s) = shifts.iter().filter(|s| s.start > t).min_by_key(|s| s.start) {
        if next.is_none_or(|(at, _)| s.start < at) {
            next = Some((s.start, Opening::Duty));
        }
    }
    Ok(OpenState { now: None, next })
}

/// The bookable slots of a day: every `minutes`-long stretch that fits inside an opening
/// window of that day (regular, extended or staggered; holidays have none), in order.
pub fn slots(
    hours: &PointHours,
    cal: &WorkCalendar,
    day: NaiveDate,
    minutes: u32,
) -> Result<Vec<(NaiveTime, NaiveTime)>, CalendarError> {
    let step = Duration::minutes(i64::from(minutes.max(5)));
    let mut out = Vec::new();
    for (a, b, _) in hours.day_windows(cal, day)? {
        let mut s = a;
        loop {
            let (e, wrapped) = s.overflowing_add_signed(step);
            if wrapped != 0 || e > b {
                break;
            }
            out.push((s, e));
            s = e;
        }
    }
    Ok(out)
}

crate::labelled_enum! {
    /// A booking's state.
    AppointmentStatus {
        Booked = "booked" / "已预约" / "Booked",
        Cancelled = "cancelled" / "已取消" / "Cancelled",
        Attended = "attended" / "已到场" / "Attended",
        NoShow = "no_show" / "未到场(爽约)" / "No-show",
    }
}

crate::labelled_enum! {
    /// The five levels of 政务服务"好差评" (国办发〔2019〕51号), best first.
    Rating {
        VerySatisfied = "very_satisfied" / "非常满意" / "Very satisfied",
        Satisfied = "satisfied" / "满意" / "Satisfied",
        Basic = "basically_satisfied" / "基本满意" / "Basically satisfied",
        Dissatisfied = "dissatisfied" / "不满意" / "Dissatisfied",
        VeryDissatisfied = "very_dissatisfied" / "非常不满意" / "Very dissatisfied",
    }
}

impl Rating {
    /// A bad rating (差评) opens a follow-up.
    pub fn is_bad(self) -> bool {
        matches!(self, Rating::Dissatisfied | Rating::VeryDissatisfied)
    }

    /// 5 for 非常满意 down to 1 for 非常不满意.
    pub fn score(self) -> u8 {
        match self {
            Rating::VerySatisfied => 5,
            Rating::Satisfied => 4,
            Rating::Basic => 3,
            Rating::Dissatisfied => 2,
            Rating::VeryDissatisfied => 1,
        }
    }
}

crate::labelled_enum! {
    /// The follow-up of a bad rating, in this order: revisit the person, verify what
    /// happened, put it right, and tell the person.
    FollowUpStep {
        Revisit = "revisit" / "回访" / "Revisit",
        Verify = "verify" / "核实" / "Verify",
        Rectify = "rectify" / "整改" / "Rectify",
        Feedback = "feedback" / "反馈" / "Feedback",
    }
}

/// The step a follow-up takes next after the steps done, `None` when it is closed. Steps
/// are taken in order; the refusal names the one due.
pub fn next_follow_up(done: &[FollowUpStep]) -> Option<FollowUpStep> {
    FollowUpStep::ALL.get(done.len()).copied()
}

/// Whether `step` may be recorded after `done`; the refusal names the step due.
pub fn check_follow_up(done: &[FollowUpStep], step: FollowUpStep) -> Result<(), String> {
    match next_follow_up(done) {
        None => Err("回访整改已办结 (the follow-up is closed)".into()),
        Some(due) if due == step => Ok(()),
        Some(due) => Err(format!(
            "应先“{}”，不能跳到“{}” (next is {}, not {})",
            due.label_zh(),
            step.label_zh(),
            due.as_str(),
            step.as_str()
        )),
    }
}

/// The default limit of a bad rating's follow-up, in working days (as Dezhou's scheme).
pub const DEFAULT_FOLLOW_UP_WORKDAYS: u32 = 5;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn hours() -> PointHours {
        PointHours {
            regular: Windows::parse("regular", "08:30-12:00,13:30-17:30").unwrap(),
            extended: Windows::parse("extended", "12:00-13:30,17:30-19:00").unwrap(),
            staggered: Windows::parse("staggered", "09:00-12:00").unwrap(),
        }
    }

    #[test]
    fn a_ticket_moves_only_along_its_path() {
        use TicketStatus as S;
        use TicketStep as T;
        assert_eq!(next_status(S::Received, T::Notify), Ok(S::AwaitingMaterials));
        assert_eq!(next_status(S::AwaitingMaterials, T::Supplement), Ok(S::Received));
        assert_eq!(next_status(S::Received, T::Accept), Ok(S::Accepted));
        assert_eq!(next_status(S::Accepted, T::Complete), Ok(S::Completed));
        assert_eq!(next_status(S::InProgress, T::Refuse), Ok(S::Refused));
        assert!(next_status(S::AwaitingMaterials, T::Accept).is_err(), "no acceptance while materials are missing");
        assert!(next_status(S::Accepted, T::Notify).is_err(), "the notice comes before acceptance");
        assert!(next_status(S::Completed, T::Refuse).is_err());
        assert!(next_status(S::Refused, T::Accept).unwrap_err().contains("refused"));
    }

    #[test]
    fn deadlines_cross_holidays_and_make_up_days() {
        let c = WorkCalendar::bundled();
        // Received Wednesday 30 Sep 2026, 5 working days: 8, 9, 10 (Saturday, make-up),
        // 12, 13 October.
        assert_eq!(due_day(&c, d("2026-09-30"), 5, &[]).unwrap(), Some(d("2026-10-13")));
        // Received Friday 13 Feb 2026, 2 days: Saturday 14 (make-up) and 24 (after the festival).
        assert_eq!(due_day(&c, d("2026-02-13"), 2, &[]).unwrap(), Some(d("2026-02-24")));
        assert_eq!(due_day(&c, d("2026-05-06"), 0, &[]).unwrap(), Some(d("2026-05-06")), "on the spot");
        // 15 working days from mid-December run into a year without a calendar.
        assert_eq!(due_day(&c, d("2026-12-15"), 15, &[]), Err(CalendarError::NoData(2027)));
    }

    #[test]
    fn a_wait_for_materials_stops_the_clock() {
        let c = WorkCalendar::bundled();
        // Received Monday 9 Nov 2026 with a 3-day limit: due Thursday 12 Nov.
        assert_eq!(due_day(&c, d("2026-11-09"), 3, &[]).unwrap(), Some(d("2026-11-12")));
        // Told on Tuesday 10 Nov (that day counted), materials back Monday 16 Nov: two more
        // working days after the 16th: 17 and 18.
        let waits = [(d("2026-11-10"), Some(d("2026-11-16")))];
        assert_eq!(due_day(&c, d("2026-11-09"), 3, &waits).unwrap(), Some(d("2026-11-18")));
        assert_eq!(due_day(&c, d("2026-11-09"), 3, &[(d("2026-11-10"), None)]).unwrap(), None, "waiting");
        // An on-the-spot item told on its day is due the day the materials arrive.
        let waits = [(d("2026-11-09"), Some(d("2026-11-11")))];
        assert_eq!(due_day(&c, d("2026-11-09"), 0, &waits).unwrap(), Some(d("2026-11-11")));
    }

    #[test]
    fn open_now_and_next() {
        let c = WorkCalendar::bundled();
        let h = hours();
        // Monday 9 Nov 2026 10:00: regular; 12:30 extended; 18:00 extended; 20:00 closed until
        // 08:30 the next morning.
        let s = open_state(&h, &[], &c, dt("2026-11-09 10:00")).unwrap();
        assert_eq!(s.now, Some((Opening::Regular, dt("2026-11-09 12:00"))));
        assert_eq!(open_state(&h, &[], &c, dt("2026-11-09 12:30")).unwrap().now.unwrap().0, Opening::Extended);
        let s = open_state(&h, &[], &c, dt("2026-11-09 20:00")).unwrap();
        assert_eq!((s.now, s.next), (None, Some((dt("2026-11-10 08:30"), Opening::Regular))));
        // Saturday 7 Nov: weekend hours in the morning.
        assert_eq!(open_state(&h, &[], &c, dt("2026-11-07 10:00")).unwrap().now.unwrap().0, Opening::Staggered);
        // National Day 2026-10-02 (a Friday): no windows; a duty shift opens it.
        let s = open_state(&h, &[], &c, dt("2026-10-02 10:00")).unwrap();
        assert_eq!(s.now, None);
        assert_eq!(s.next, Some((dt("2026-10-08 08:30"), Opening::Regular)), "closed through the holiday");
        let duty = [Shift { start: dt("2026-10-03 09:00"), end: dt("2026-10-03 16:00") }];
        let s = open_state(&h, &duty, &c, dt("2026-10-02 10:00")).unwrap();
        assert_eq!(s.next, Some((dt("2026-10-03 09:00"), Opening::Duty)));
        let s = open_state(&h, &duty, &c, dt("2026-10-03 12:00")).unwrap();
        assert_eq!(s.now, Some((Opening::Duty, dt("2026-10-03 16:00"))));
        // Saturday 10 Oct 2026 is a make-up working day: regular hours, not weekend ones.
        assert_eq!(open_state(&h, &[], &c, dt("2026-10-10 14:00")).unwrap().now.unwrap().0, Opening::Regular);
        // The last days of a calendar year: next open is not looked for beyond the calendar.
        let s = open_state(&h, &[], &c, dt("2026-12-31 20:00")).unwrap();
        assert_eq!(s.next, None);
        assert!(open_state(&h, &[], &c, dt("2027-01-04 10:00")).is_err());
    }

    #[test]
    fn outside_regular_hours() {
        let c = WorkCalendar::bundled();
        let h = hours();
        assert!(h.within_regular(&c, dt("2026-11-09 09:00")).unwrap());
        assert!(!h.within_regular(&c, dt("2026-11-09 18:00")).unwrap(), "extended");
        assert!(!h.within_regular(&c, dt("2026-11-07 10:00")).unwrap(), "weekend");
        assert!(!h.within_regular(&c, dt("2026-10-02 10:00")).unwrap(), "holiday");
        assert!(h.within_regular(&c, dt("2026-10-10 10:00")).unwrap(), "make-up working day");
    }

    #[test]
    fn slots_fit_the_windows() {
        let c = WorkCalendar::bundled();
        let h = hours();
        let s = slots(&h, &c, d("2026-11-09"), 30).unwrap();
        // 08:30-12:00 (7), 12:00-13:30 (3), 13:30-17:30 (8), 17:30-19:00 (3).
        assert_eq!(s.len(), 21);
        assert_eq!(s[0].0, NaiveTime::from_hms_opt(8, 30, 0).unwrap());
        assert_eq!(slots(&h, &c, d("2026-11-07"), 30).unwrap().len(), 6, "Saturday morning");
        assert!(slots(&h, &c, d("2026-10-02"), 30).unwrap().is_empty(), "holiday");
    }

    #[test]
    fn windows_are_checked() {
        assert!(Windows::parse("regular", "08:30-12:00,11:00-13:00").is_err());
        assert!(Windows::parse("regular", "12:00-08:00").is_err());
        assert!(Windows::parse("regular", "8点到12点").unwrap_err().field == "regular");
        assert_eq!(Windows::parse("regular", " 08:30-12:00， 13:30-17:30 ").unwrap().code(), "08:30-12:00,13:30-17:30");
        assert!(Windows::parse("staggered", "").unwrap().is_empty());
    }

    #[test]
    fn follow_up_in_order() {
        use FollowUpStep as F;
        assert_eq!(next_follow_up(&[]), Some(F::Revisit));
        assert!(check_follow_up(&[], F::Rectify).unwrap_err().contains("revisit"));
        assert!(check_follow_up(&[F::Revisit], F::Verify).is_ok());
        assert_eq!(next_follow_up(F::ALL), None);
        assert!(check_follow_up(F::ALL, F::Feedback).is_err());
        assert!(Rating::Dissatisfied.is_bad() && Rating::VeryDissatisfied.is_bad() && !Rating::Basic.is_bad());
        assert_eq!(Rating::ALL.iter().map(|r| r.score()).collect::<Vec<_>>(), vec![5, 4, 3, 2, 1]);
    }

    proptest! {
        /// However the waits fall, the due day is a working day outside every wait, and
        /// exactly `limit` counting working days lie between reception and it.
        #[test]
        fn the_due_day_counts_exactly_the_working_days_outside_waits(
            start in 0i64..2000, limit in 1u32..25,
            waits in proptest::collection::vec((0i64..40, 0i64..15), 0..3),
        ) {
            let c = WorkCalendar::bundled();
            let received = d("2020-01-01") + Duration::days(start);
            let waits: Vec<(NaiveDate, Option<NaiveDate>)> = waits
                .iter()
                .map(|(s, len)| (received + Duration::days(*s), Some(received + Duration::days(s + len))))
                .collect();
            if let Ok(Some(due)) = due_day(&c, received, limit, &waits) {
                let stopped = |x: NaiveDate| waits.iter().any(|(s, e)| x > *s && x <= e.unwrap());
                prop_assert!(c.is_workday(due).unwrap() && !stopped(due));
                let mut n = 0;
                let mut x = received;
                while x < due {
                    x += Duration::days(1);
                    if !stopped(x) && c.is_workday(x).unwrap() { n += 1; }
                }
                prop_assert_eq!(n, limit);
            }
        }

        /// "Next open" is a time the point is open at, and nothing opens in between.
        #[test]
        fn next_open_is_open(minutes in 0i64..(60 * 24 * 300)) {
            let c = WorkCalendar::bundled();
            let h = hours();
            let t = dt("2026-01-05 00:00") + Duration::minutes(minutes);
            let s = open_state(&h, &[], &c, t).unwrap();
            if let Some((at, why)) = s.next {
                prop_assert!(s.now.is_none() && at > t);
                prop_assert_eq!(open_state(&h, &[], &c, at).unwrap().now.map(|n| n.0), Some(why));
                // Half-hourly look between: closed all the way.
                let mut x = t + Duration::minutes(30 - (t.and_utc().timestamp() / 60 % 30));
                while x < at {
                    prop_assert!(open_state(&h, &[], &c, x).unwrap().now.is_none(), "{} open before {}", x, at);
                    x += Duration::minutes(30);
                }
            }
        }
    }
}
