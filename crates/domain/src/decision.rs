//! The three-step property decision (支部先议、三方商议、业主大会决议): the compound's party
//! branch proposes, with the branch meeting behind the proposal; the branch, the owners'
//! committee and the property company consult, each agreeing, asking for an amendment or
//! objecting with a reason; and the owners' general assembly resolves by vote.
//!
//! The steps are a state machine over events, pure so that it can be tested exhaustively: an
//! event that does not belong to the stage a proposal is in is refused, so no stage is ever
//! skipped. An amendment or an objection from any party returns the proposal to the branch;
//! only all three agreeing in the same round moves it to the assembly.
//!
//! The stages are configurable as a [`Process`]: which parties consult, and whether the
//! owners' assembly resolves or the consultation settles the matter (a minor matter the
//! compound's rules leave to the three parties). The property template is built in.

crate::labelled_enum! {
    /// Where a proposal stands.
    Stage {
        Branch = "branch" / "支部先议" / "Branch proposes",
        Consultation = "consultation" / "三方商议" / "Tripartite consultation",
        Assembly = "assembly" / "业主大会决议" / "Owners' assembly resolves",
        Passed = "passed" / "决议通过" / "Resolved",
        Rejected = "rejected" / "未获通过" / "Not passed",
        Withdrawn = "withdrawn" / "已撤回" / "Withdrawn",
    }
}

crate::labelled_enum! {
    /// The three parties of the consultation (三方).
    Party {
        Branch = "branch" / "小区党支部" / "Compound party branch",
        OwnersCommittee = "owners_committee" / "业主委员会" / "Owners' committee",
        PropertyCompany = "property_company" / "物业服务企业" / "Property company",
    }
}

crate::labelled_enum! {
    /// A party's answer in a consultation round.
    Answer {
        Agree = "agree" / "同意" / "Agree",
        Amend = "amend" / "建议修改" / "Amend",
        Object = "object" / "反对" / "Object",
    }
}

impl Stage {
    /// Whether the proposal is still being decided.
    pub fn is_open(self) -> bool {
        matches!(self, Stage::Branch | Stage::Consultation | Stage::Assembly)
    }

    /// The three steps in order, for showing where a proposal stands.
    pub const STEPS: [Stage; 3] = [Stage::Branch, Stage::Consultation, Stage::Assembly];
}

/// A decision process: the parties that consult, in order, and whether the owners'
/// assembly resolves after them. The stages are always branch → consultation → (assembly),
/// so none can be skipped; what is configured is who consults and whether the assembly is
/// one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    parties: Vec<Party>,
    assembly: bool,
}

impl Process {
    /// The built-in property template: the three parties consult, the assembly resolves.
    pub fn property() -> Self {
        Process { parties: Party::ALL.to_vec(), assembly: true }
    }

    /// A process with these parties consulting (at least one; each once, kept in the
    /// canonical order), and the assembly resolving or not.
    pub fn new(parties: &[Party], assembly: bool) -> Result<Self, Refusal> {
        let parties: Vec<Party> = Party::ALL.iter().copied().filter(|p| parties.contains(p)).collect();
        if parties.is_empty() {
            return Err(Refusal("商议至少需要一方参加 (at least one party consults)"));
        }
        Ok(Process { parties, assembly })
    }

    pub fn parties(&self) -> &[Party] {
        &self.parties
    }

    pub fn assembly(&self) -> bool {
        self.assembly
    }

    /// The stages a proposal goes through, in order, for showing where it stands.
    pub fn steps(&self) -> Vec<Stage> {
        let mut v = vec![Stage::Branch, Stage::Consultation];
        if self.assembly {
            v.push(Stage::Assembly);
        }
        v
    }
}

/// What happens to a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The branch puts the proposal (first or revised) to the three parties.
    Submit,
    /// One party answers in the current consultation round.
    Answer { party: Party, answer: Answer },
    /// The proposal is put to the owners' general assembly (a vote announced).
    ToAssembly,
    /// The assembly's vote has closed with this result.
    Resolved { passed: bool },
    /// The branch withdraws the proposal.
    Withdraw,
}

/// Where a proposal is: its stage and, in consultation, who has agreed this round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub stage: Stage,
    /// Consultation rounds started so far (1 for the first).
    pub round: u32,
    /// The parties that have agreed in the current round.
    pub agreed: Vec<Party>,
}

impl State {
    /// A new proposal, with the branch, before it is put to the three parties.
    pub fn new() -> Self {
        State { stage: Stage::Branch, round: 0, agreed: Vec::new() }
    }
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

/// Why an event was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub &'static str);

/// The state after `event` in `process`, or why it cannot happen now.
pub fn step(process: &Process, s: &State, event: &Event) -> Result<State, Refusal> {
    use Stage::*;
    match (s.stage, event) {
        (Branch, Event::Submit) => Ok(State { stage: Consultation, round: s.round + 1, agreed: Vec::new() }),
        (Consultation, Event::Answer { party, .. }) if !process.parties.contains(party) => {
            Err(Refusal("这一方不参加此类事项的商议 (this party does not consult on this kind of matter)"))
        }
        (Consultation, Event::Answer { party, answer }) => {
            if s.agreed.contains(party) {
                return Err(Refusal("本轮已答复 (this party has already answered in this round)"));
            }
            match answer {
                Answer::Agree => {
                    let mut agreed = s.agreed.clone();
                    agreed.push(*party);
                    if process.parties.iter().all(|p| agreed.contains(p)) {
                        // All agreed: to the assembly, or settled where no assembly is asked.
                        let stage = if process.assembly { Assembly } else { Passed };
                        Ok(State { stage, round: s.round, agreed })
                    } else {
                        Ok(State { stage: Consultation, round: s.round, agreed })
                    }
                }
                // Any amendment or objection returns the proposal to the branch.
                Answer::Amend | Answer::Object => Ok(State { stage: Branch, round: s.round, agreed: Vec::new() }),
            }
        }
        (Assembly, Event::ToAssembly) => Ok(s.clone()),
        (Assembly, Event::Resolved { passed }) => {
            Ok(State { stage: if *passed { Passed } else { Rejected }, round: s.round, agreed: s.agreed.clone() })
        }
        (Branch | Consultation, Event::Withdraw) => Ok(State { stage: Withdrawn, round: s.round, agreed: Vec::new() }),
        (Branch, _) => {
            Err(Refusal("提案在支部，须先由支部提交三方商议 (the branch must first put it to the three parties)"))
        }
        (Consultation, _) => Err(Refusal("三方商议尚未完成 (the tripartite consultation is not finished)")),
        (Assembly, _) => Err(Refusal("提案已提交业主大会，等待表决结果 (the proposal is before the assembly)")),
        (Passed | Rejected | Withdrawn, _) => Err(Refusal("提案已结束 (the proposal is closed)")),
    }
}

/// Replays events from a new proposal: the state a stored timeline stands at.
pub fn replay<'a>(process: &Process, events: impl IntoIterator<Item = &'a Event>) -> Result<State, (usize, Refusal)> {
    let mut s = State::new();
    for (i, e) in events.into_iter().enumerate() {
        s = step(process, &s, e).map_err(|r| (i, r))?;
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn answer(party: Party, answer: Answer) -> Event {
        Event::Answer { party, answer }
    }

    #[test]
    fn three_agreements_move_the_proposal_to_the_assembly() {
        let s = replay(
            &Process::property(),
            &[
                Event::Submit,
                answer(Party::Branch, Answer::Agree),
                answer(Party::PropertyCompany, Answer::Agree),
                answer(Party::OwnersCommittee, Answer::Agree),
            ],
        )
        .unwrap();
        assert_eq!(s.stage, Stage::Assembly);
        assert_eq!(s.round, 1);
        let done = step(&Process::property(), &s, &Event::Resolved { passed: true }).unwrap();
        assert_eq!(done.stage, Stage::Passed);
        assert_eq!(step(&Process::property(), &s, &Event::Resolved { passed: false }).unwrap().stage, Stage::Rejected);
    }

    #[test]
    fn an_amendment_returns_it_to_the_branch_and_a_new_round_starts_afresh() {
        let s = replay(
            &Process::property(),
            &[Event::Submit, answer(Party::Branch, Answer::Agree), answer(Party::OwnersCommittee, Answer::Amend)],
        )
        .unwrap();
        assert_eq!(s.stage, Stage::Branch);
        let s = step(&Process::property(), &s, &Event::Submit).unwrap();
        assert_eq!(
            (s.stage, s.round, s.agreed.len()),
            (Stage::Consultation, 2, 0),
            "earlier agreement does not carry over"
        );
        let s = step(&Process::property(), &s, &answer(Party::PropertyCompany, Answer::Object)).unwrap();
        assert_eq!(s.stage, Stage::Branch);
    }

    #[test]
    fn no_stage_is_skipped() {
        let fresh = State::new();
        assert!(
            step(&Process::property(), &fresh, &answer(Party::Branch, Answer::Agree)).is_err(),
            "no answers before it is submitted"
        );
        assert!(step(&Process::property(), &fresh, &Event::ToAssembly).is_err(), "not straight to the assembly");
        assert!(step(&Process::property(), &fresh, &Event::Resolved { passed: true }).is_err());
        let consulting = step(&Process::property(), &fresh, &Event::Submit).unwrap();
        assert!(step(&Process::property(), &consulting, &Event::ToAssembly).is_err(), "not before all three agree");
        assert!(step(&Process::property(), &consulting, &Event::Submit).is_err());
        let once = step(&Process::property(), &consulting, &answer(Party::Branch, Answer::Agree)).unwrap();
        assert!(
            step(&Process::property(), &once, &answer(Party::Branch, Answer::Agree)).is_err(),
            "one answer per party per round"
        );
        let closed = State { stage: Stage::Passed, round: 1, agreed: vec![] };
        for e in [Event::Submit, Event::Withdraw, Event::ToAssembly] {
            assert!(step(&Process::property(), &closed, &e).is_err());
        }
    }

    #[test]
    fn a_process_without_the_assembly_is_settled_by_its_parties() {
        let two = Process::new(&[Party::PropertyCompany, Party::Branch, Party::Branch], false).unwrap();
        assert_eq!(two.parties(), &[Party::Branch, Party::PropertyCompany], "each once, in order");
        assert_eq!(two.steps(), vec![Stage::Branch, Stage::Consultation]);
        assert!(Process::new(&[], true).is_err(), "someone must consult");
        let s = step(&two, &State::new(), &Event::Submit).unwrap();
        assert!(
            step(&two, &s, &answer(Party::OwnersCommittee, Answer::Agree)).is_err(),
            "a party not in the process does not answer"
        );
        let s = step(&two, &s, &answer(Party::Branch, Answer::Agree)).unwrap();
        assert_eq!(s.stage, Stage::Consultation);
        let s = step(&two, &s, &answer(Party::PropertyCompany, Answer::Agree)).unwrap();
        assert_eq!(s.stage, Stage::Passed, "settled without an assembly");
        assert!(step(&two, &s, &Event::ToAssembly).is_err());
        assert_eq!(Process::property().steps(), Stage::STEPS.to_vec());
    }

    fn any_event() -> impl Strategy<Value = Event> {
        let party = prop::sample::select(Party::ALL.to_vec());
        let ans = prop::sample::select(Answer::ALL.to_vec());
        prop_oneof![
            Just(Event::Submit),
            (party, ans).prop_map(|(party, answer)| Event::Answer { party, answer }),
            Just(Event::ToAssembly),
            any::<bool>().prop_map(|passed| Event::Resolved { passed }),
            Just(Event::Withdraw),
        ]
    }

    /// The property template, or any configured process.
    fn any_process() -> impl Strategy<Value = Process> {
        prop_oneof![
            Just(Process::property()),
            (prop::collection::vec(prop::sample::select(Party::ALL.to_vec()), 1..4), any::<bool>())
                .prop_map(|(parties, assembly)| Process::new(&parties, assembly).unwrap()),
        ]
    }

    proptest! {
        /// In any configured process (the built-in property template among them), a proposal
        /// is settled, or put to the assembly, only after a round in which every party of that
        /// process agreed; only a process with the assembly ever reaches it, and only the
        /// assembly rejects.
        #[test]
        fn any_process_moves_on_only_when_all_its_parties_agree(
            process in any_process(),
            events in prop::collection::vec(any_event(), 0..40),
        ) {
            let mut s = State::new();
            let mut round_agreed: Vec<Party> = Vec::new();
            for e in &events {
                let before = s.clone();
                if let Ok(next) = step(&process, &s, e) {
                    if next.stage == Stage::Assembly && before.stage != Stage::Assembly {
                        if let Event::Answer { party, .. } = e { round_agreed.push(*party); }
                        prop_assert!(process.parties().iter().all(|p| round_agreed.contains(p)));
                    }
                    if next.stage == Stage::Assembly { prop_assert!(process.assembly()); }
                    if next.stage == Stage::Passed && before.stage == Stage::Consultation {
                        prop_assert!(!process.assembly());
                        if let Event::Answer { party, .. } = e { round_agreed.push(*party); }
                        prop_assert!(process.parties().iter().all(|p| round_agreed.contains(p)));
                    }
                    if next.stage == Stage::Rejected && before.stage != next.stage {
                        prop_assert_eq!(before.stage, Stage::Assembly);
                    }
                    if let Event::Answer { party, answer: Answer::Agree } = e {
                        if next.stage == Stage::Consultation { round_agreed.push(*party); }
                    }
                    if next.stage == Stage::Branch || next.round != before.round { round_agreed.clear(); }
                    s = next;
                }
            }
        }
    }
}
