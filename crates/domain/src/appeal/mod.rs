//! Residents' appeals (诉求): the lifecycle as an explicit state machine, the levels that
//! handle them, time limits on the working-day calendar, routing to the lowest level, the
//! category tree, and the measures. Pure rules; the store applies them.

pub mod category;
pub mod limits;
pub mod measure;
pub mod routing;
pub mod tracking;

use crate::TerritoryKind;

crate::labelled_enum! {
    /// How an appeal reached us.
    Channel {
        WalkIn = "walk_in" / "窗口来访" / "Walk-in",
        Phone = "phone" / "电话" / "Phone",
        GridPatrol = "grid_patrol" / "网格巡查" / "Grid patrol",
        Hotline = "hotline_12345" / "12345热线转办" / "12345 hotline transfer",
        Web = "web" / "网上提交" / "Web form",
        Open311 = "open311" / "Open311接口" / "Open311",
    }
}

crate::labelled_enum! {
    /// How fast the appeal must be handled; each category sets limits for each.
    Urgency {
        Normal = "normal" / "一般" / "Normal",
        Urgent = "urgent" / "紧急" / "Urgent",
        Emergency = "emergency" / "特急" / "Emergency",
    }
}

crate::labelled_enum! {
    /// The levels that handle appeals, lowest first: "problems solved at the building".
    Level {
        Building = "building" / "楼栋党小组" / "Building group",
        Compound = "compound" / "小区党支部" / "Compound branch",
        Community = "community" / "社区" / "Community",
        Subdistrict = "subdistrict" / "街道" / "Subdistrict",
        District = "district" / "区级部门" / "District department",
    }
}

impl Level {
    /// The territory node kind a level sits at.
    pub fn kind(self) -> TerritoryKind {
        match self {
            Level::Building => TerritoryKind::Building,
            Level::Compound => TerritoryKind::Compound,
            Level::Community => TerritoryKind::Community,
            Level::Subdistrict => TerritoryKind::Subdistrict,
            Level::District => TerritoryKind::District,
        }
    }

    pub fn of_kind(kind: TerritoryKind) -> Option<Level> {
        Self::ALL.iter().copied().find(|l| l.kind() == kind)
    }

    /// The next level up, or `None` at the district.
    pub fn above(self) -> Option<Level> {
        let i = Self::ALL.iter().position(|l| *l == self)?;
        Self::ALL.get(i + 1).copied()
    }
}

crate::labelled_enum! {
    Rating {
        Satisfied = "satisfied" / "满意" / "Satisfied",
        BasicallySatisfied = "basically_satisfied" / "基本满意" / "Basically satisfied",
        Unsatisfied = "unsatisfied" / "不满意" / "Unsatisfied",
    }
}

crate::labelled_enum! {
    /// Where an appeal stands.
    Status {
        New = "new" / "待受理" / "Awaiting acceptance",
        Accepted = "accepted" / "已受理" / "Accepted",
        Assigned = "assigned" / "已派单" / "Assigned",
        InProgress = "in_progress" / "办理中" / "In progress",
        OnHold = "on_hold" / "已挂起" / "On hold",
        Resolved = "resolved" / "已办结待核实" / "Resolved, awaiting check",
        Verified = "verified" / "已核实" / "Verified",
        Closed = "closed" / "已结案" / "Closed",
        Declined = "declined" / "不予受理" / "Declined",
        Merged = "merged" / "已合并" / "Merged",
    }
}

/// The five-star scale of 好差评 (非常满意 … 非常不满意) and the three ratings the
/// satisfaction rate counts: four or five stars are satisfied, three basically satisfied,
/// one or two unsatisfied.
pub const STAR_LABELS: [(&str, &str); 5] = [
    ("非常不满意", "Very unsatisfied"),
    ("不满意", "Unsatisfied"),
    ("基本满意", "Basically satisfied"),
    ("满意", "Satisfied"),
    ("非常满意", "Very satisfied"),
];

impl Rating {
    /// The rating that a number of stars (1–5) counts as; `None` outside the scale.
    pub fn from_stars(stars: i64) -> Option<Rating> {
        match stars {
            4 | 5 => Some(Rating::Satisfied),
            3 => Some(Rating::BasicallySatisfied),
            1 | 2 => Some(Rating::Unsatisfied),
            _ => None,
        }
    }
}

/// The five steps a resident follows an appeal by: 已提交 → 已受理 → 办理中 → 已办结 → 已评价.
pub const PROGRESS_STEPS: [(&str, &str); 5] = [
    ("已提交", "Submitted"),
    ("已受理", "Accepted"),
    ("办理中", "In progress"),
    ("已办结", "Resolved"),
    ("已评价", "Rated"),
];

impl Status {
    /// How far along the resident's five steps an appeal in this status is (0–4); `None`
    /// for one that left the steps (declined, merged into another).
    pub fn progress_step(self, rated: bool) -> Option<usize> {
        match self {
            _ if rated => Some(4),
            Status::New => Some(0),
            Status::Accepted => Some(1),
            Status::Assigned | Status::InProgress | Status::OnHold => Some(2),
            Status::Resolved | Status::Verified | Status::Closed => Some(3),
            Status::Declined | Status::Merged => None,
        }
    }

    /// Still someone's work: the clock runs (except on hold) and it sits in a queue.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Verified | Status::Closed | Status::Declined | Status::Merged)
    }

    /// Whether the response and resolution clocks run.
    pub fn clock_runs(self) -> bool {
        self.is_open() && self != Status::OnHold
    }

    /// Open311's two states.
    pub fn open311(self) -> &'static str {
        if matches!(self, Status::Closed | Status::Declined | Status::Merged) {
            "closed"
        } else {
            "open"
        }
    }
}

crate::labelled_enum! {
    /// Everything that can happen to an appeal; each is one timeline event.
    Action {
        Create = "create" / "登记" / "Filed",
        Accept = "accept" / "受理" / "Accept",
        Decline = "decline" / "不予受理" / "Decline",
        Dispatch = "dispatch" / "转派" / "Dispatch to a node",
        Assign = "assign" / "派给办理人" / "Assign to a handler",
        Start = "start" / "开始办理" / "Start work",
        AskHelp = "ask_help" / "请求上级协助" / "Ask the level above for help",
        Escalate = "escalate" / "上报上级" / "Escalate",
        Return = "return" / "退单" / "Return as misrouted",
        Resolve = "resolve" / "办结" / "Resolve",
        Verify = "verify" / "核实通过" / "Verify",
        Rework = "rework" / "核实不通过返工" / "Send back for rework",
        Close = "close" / "结案" / "Close",
        Rate = "rate" / "评价" / "Rate",
        Reopen = "reopen" / "重办" / "Reopen",
        Merge = "merge" / "合并为重复" / "Merge as duplicate",
        RequestHold = "request_hold" / "申请挂起" / "Request a hold",
        RequestExtension = "request_extension" / "申请延期" / "Request an extension",
        Approve = "approve" / "批准申请" / "Approve request",
        Reject = "reject" / "驳回申请" / "Reject request",
        Resume = "resume" / "恢复办理" / "Resume",
        Comment = "comment" / "备注" / "Comment",
        Warn = "warn" / "临期预警" / "Deadline warning",
        Overdue = "overdue" / "超期" / "Overdue",
    }
}

/// Who is acting, as far as the lifecycle cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// Holds the handling permission over the appeal's current handler node.
    Handler,
    /// Holds the handling permission over a node above the handler node.
    Superior,
    /// Holds the handling permission over the appeal's location (e.g. its grid worker).
    LocalStaff,
    /// The person who filed it.
    Reporter,
    /// The server's clock.
    Clock,
}

/// A pending request that needs the level above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pending {
    Hold,
    Extension,
}

/// What the state machine needs to know about an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub status: Status,
    pub rating: Option<Rating>,
    pub pending: Option<Pending>,
    /// False at the district: there is nowhere to escalate to.
    pub has_level_above: bool,
}

/// Why a transition is refused: the action and the reason, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Action {
    /// Actions a person may take through the API (the rest are the system's).
    pub fn is_manual(self) -> bool {
        !matches!(self, Action::Create | Action::Warn | Action::Overdue)
    }

    /// Whether a note (reason, what was done) is required.
    pub fn needs_note(self) -> bool {
        matches!(
            self,
            Action::Decline
                | Action::Return
                | Action::Resolve
                | Action::Rework
                | Action::AskHelp
                | Action::Escalate
                | Action::RequestHold
                | Action::RequestExtension
                | Action::Reject
                | Action::Comment
        )
    }

    /// Which actors may take this action (beyond the state it needs).
    pub fn allowed(self, actor: Actor) -> bool {
        use Actor::*;
        match self {
            Action::Create => true,
            Action::Warn | Action::Overdue => actor == Clock,
            Action::Escalate => matches!(actor, Handler | Superior | Clock),
            Action::Approve | Action::Reject => actor == Superior,
            Action::Verify | Action::Rework => matches!(actor, LocalStaff | Handler | Superior | Reporter),
            Action::Rate => matches!(actor, Reporter | LocalStaff | Handler | Superior),
            Action::Reopen => matches!(actor, Reporter | Handler | Superior),
            Action::Comment => actor != Clock,
            _ => matches!(actor, Handler | Superior),
        }
    }
}

/// The state machine: the status after `action`, or why it cannot happen now.
pub fn next(f: &Facts, action: Action) -> Result<Status, Refused> {
    use Status::*;
    let s = f.status;
    let refuse = || {
        Refused(format!(
            "“{}”状态下不能“{}” (cannot {} an appeal that is {})",
            s.label_zh(),
            action.label_zh(),
            action.as_str(),
            s.as_str()
        ))
    };
    let working = matches!(s, Accepted | Assigned | InProgress);
    let out = match action {
        Action::Create => return Err(refuse()),
        Action::Accept | Action::Decline if s == New => {
            if action == Action::Accept {
                Accepted
            } else {
                Declined
            }
        }
        Action::Dispatch | Action::Return if s == New || working => New,
        Action::Assign if working => Assigned,
        Action::Start if matches!(s, Accepted | Assigned) => InProgress,
        Action::AskHelp if working && f.has_level_above => s,
        Action::Escalate if s.is_open() && f.has_level_above => New,
        Action::Resolve if working => Resolved,
        Action::Verify | Action::Rework if s == Resolved => {
            if action == Action::Verify {
                Verified
            } else {
                InProgress
            }
        }
        Action::Close if s == Verified => Closed,
        Action::Rate if matches!(s, Resolved | Verified | Closed) && f.rating.is_none() => s,
        Action::Reopen if matches!(s, Resolved | Verified | Closed) && f.rating == Some(Rating::Unsatisfied) => {
            InProgress
        }
        Action::Merge if s.is_open() => Merged,
        Action::RequestHold | Action::RequestExtension if working && f.pending.is_none() => s,
        Action::Approve if f.pending == Some(Pending::Hold) && working => OnHold,
        Action::Approve | Action::Reject if f.pending.is_some() && working => s,
        Action::Resume if s == OnHold => InProgress,
        Action::Comment => s,
        Action::Warn | Action::Overdue if s.clock_runs() => s,
        _ => return Err(refuse()),
    };
    Ok(out)
}

/// The actions open to `actor` on an appeal in this state: the buttons on its page.
pub fn open_actions(f: &Facts, actor: Actor) -> Vec<Action> {
    Action::ALL.iter().copied().filter(|a| a.is_manual() && a.allowed(actor) && next(f, *a).is_ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts(status: Status) -> Facts {
        Facts { status, rating: None, pending: None, has_level_above: true }
    }

    #[test]
    fn the_common_path_runs_end_to_end() {
        let mut f = facts(Status::New);
        for (a, want) in [
            (Action::Accept, Status::Accepted),
            (Action::Assign, Status::Assigned),
            (Action::Start, Status::InProgress),
            (Action::Resolve, Status::Resolved),
            (Action::Verify, Status::Verified),
            (Action::Close, Status::Closed),
        ] {
            f.status = next(&f, a).unwrap();
            assert_eq!(f.status, want, "{a}");
        }
        assert_eq!(next(&f, Action::Rate), Ok(Status::Closed));
        f.rating = Some(Rating::Unsatisfied);
        assert!(next(&f, Action::Rate).is_err(), "rated once per round");
        assert_eq!(next(&f, Action::Reopen), Ok(Status::InProgress));
    }

    #[test]
    fn illegal_transitions_are_refused_with_words() {
        let e = next(&facts(Status::New), Action::Resolve).unwrap_err();
        assert!(e.0.contains("待受理") && e.0.contains("resolve"), "{e}");
        assert!(next(&facts(Status::Closed), Action::Accept).is_err());
        assert!(next(&facts(Status::Declined), Action::Escalate).is_err());
        let mut happy = facts(Status::Closed);
        happy.rating = Some(Rating::Satisfied);
        assert!(next(&happy, Action::Reopen).is_err(), "only an unsatisfied rating reopens");
        let mut top = facts(Status::InProgress);
        top.has_level_above = false;
        assert!(next(&top, Action::Escalate).is_err(), "nothing above the district");
        assert!(next(&facts(Status::InProgress), Action::Approve).is_err(), "nothing pending");
    }

    #[test]
    fn holds_and_extensions_need_the_level_above() {
        let mut f = facts(Status::InProgress);
        assert_eq!(next(&f, Action::RequestHold), Ok(Status::InProgress));
        f.pending = Some(Pending::Hold);
        assert!(next(&f, Action::RequestExtension).is_err(), "one request at a time");
        assert!(!Action::Approve.allowed(Actor::Handler));
        assert!(Action::Approve.allowed(Actor::Superior));
        assert_eq!(next(&f, Action::Approve), Ok(Status::OnHold));
        f.pending = Some(Pending::Extension);
        assert_eq!(next(&f, Action::Approve), Ok(Status::InProgress));
        assert_eq!(next(&facts(Status::OnHold), Action::Resume), Ok(Status::InProgress));
    }

    #[test]
    fn the_reporter_rates_but_does_not_handle() {
        let f = facts(Status::Resolved);
        let acts = open_actions(&f, Actor::Reporter);
        assert!(acts.contains(&Action::Rate) && acts.contains(&Action::Verify));
        assert!(!acts.contains(&Action::Close) && !acts.contains(&Action::Resolve));
        assert!(open_actions(&facts(Status::New), Actor::Reporter).iter().all(|a| *a == Action::Comment));
    }

    #[test]
    fn levels_climb_to_the_district() {
        assert_eq!(Level::Building.above(), Some(Level::Compound));
        assert_eq!(Rating::from_stars(5), Some(Rating::Satisfied));
        assert_eq!(Rating::from_stars(4), Some(Rating::Satisfied));
        assert_eq!(Rating::from_stars(3), Some(Rating::BasicallySatisfied));
        assert_eq!(Rating::from_stars(1), Some(Rating::Unsatisfied));
        assert_eq!(Rating::from_stars(0), None);
        assert_eq!(Rating::from_stars(6), None);
        assert_eq!(Status::New.progress_step(false), Some(0));
        assert_eq!(Status::OnHold.progress_step(false), Some(2));
        assert_eq!(Status::Closed.progress_step(false), Some(3));
        assert_eq!(Status::Closed.progress_step(true), Some(4));
        assert_eq!(Status::Merged.progress_step(false), None);
        assert_eq!(Level::Subdistrict.above(), Some(Level::District));
        assert_eq!(Level::District.above(), None);
        assert_eq!(Level::of_kind(TerritoryKind::Compound), Some(Level::Compound));
        assert_eq!(Level::of_kind(TerritoryKind::Dwelling), None);
    }

    proptest! {
        /// Whatever happens, a closed-out appeal (declined, merged) never moves again, and no
        /// action leaves the machine in a state it cannot name.
        #[test]
        fn terminal_states_stay_terminal(actions in proptest::collection::vec(0..Action::ALL.len(), 0..40)) {
            let mut f = facts(Status::New);
            for i in actions {
                let a = Action::ALL[i];
                let before = f.status;
                if let Ok(s) = next(&f, a) {
                    prop_assert!(!matches!(before, Status::Declined | Status::Merged) || a == Action::Comment);
                    f.status = s;
                    match a {
                        Action::Rate => f.rating = Some(Rating::Unsatisfied),
                        Action::Reopen => f.rating = None,
                        Action::RequestHold => f.pending = Some(Pending::Hold),
                        Action::RequestExtension => f.pending = Some(Pending::Extension),
                        Action::Approve | Action::Reject => f.pending = None,
                        _ => {}
                    }
                }
            }
        }
    }
}
