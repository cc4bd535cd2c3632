//! Community funds (社区经费): every community keeps one account whose income comes from the
//! district's special fund (¥300,000 a year by default), 双报到 units, crowdfunding by party
//! members and residents, social organisations and the community's public income, and whose
//! spending serves an activity, a venture project, an appeal or a decision's outcome.
//!
//! The rules, pure: money in integer fen; an entry once posted never changes, a mistake is
//! corrected by a reversing entry that names the one it reverses (and a reversal is never
//! itself reversed); the balance is the sum of the posted entries, always; spending that would
//! take the balance below zero is refused unless the district's rules allow an overdraft;
//! an expense above the approval amount waits for the community secretary.

use crate::money::{format_fen, MAX_FEN};
use crate::FieldError;

crate::labelled_enum! {
    /// Which way money moves.
    Direction {
        Income = "income" / "收入" / "Income",
        Expense = "expense" / "支出" / "Expense",
    }
}

crate::labelled_enum! {
    /// Where income comes from (the seed's five sources).
    Source {
        SpecialFund = "special_fund" / "为民服务专项经费" / "Special fund for serving the people",
        UnitSupport = "unit_support" / "双报到单位支持" / "Support from 双报到 units",
        Crowdfunding = "crowdfunding" / "党员群众众筹" / "Crowdfunding by members and residents",
        SocialOrg = "social_org" / "社会组织投入" / "Social organisations",
        PublicIncome = "public_income" / "社区公共收益" / "The community's public income",
    }
}

crate::labelled_enum! {
    /// What spending serves: a record of one of these kinds, or (for what serves the whole
    /// community, such as supplies for the service station) something described in words.
    Purpose {
        Activity = "activity" / "社区活动" / "An activity",
        Project = "project" / "创投项目" / "A venture project",
        Appeal = "appeal" / "诉求办理" / "An appeal",
        Decision = "decision" / "议事决定落实" / "A decision's outcome",
        Other = "other" / "其他为民服务" / "Other service to residents",
    }
}

crate::labelled_enum! {
    /// Where an entry stands. Only posted entries count in the balance.
    EntryStatus {
        Pending = "pending" / "待书记审批" / "Awaiting the secretary's approval",
        Posted = "posted" / "已入账" / "Posted",
        Rejected = "rejected" / "未批准" / "Not approved",
    }
}

/// The special fund a community receives in a year unless the district set another amount
/// for that year: ¥300,000.
pub const DEFAULT_SPECIAL_FUND_FEN: i64 = 30_000_000;
/// Spending above this waits for the community secretary unless the district set another
/// amount: ¥5,000.
pub const DEFAULT_APPROVAL_ABOVE_FEN: i64 = 500_000;

/// The district's rules for every community's account (data an administrator sets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundRules {
    /// Expenses strictly above this many fen need the community secretary's approval.
    pub approval_above_fen: i64,
    /// Whether spending may take the balance below zero.
    pub allow_overdraft: bool,
}

impl Default for FundRules {
    fn default() -> Self {
        FundRules { approval_above_fen: DEFAULT_APPROVAL_ABOVE_FEN, allow_overdraft: false }
    }
}

impl Purpose {
    /// Whether spending of this purpose names a record (the four kinds) or is described in
    /// words only (`Other`).
    pub fn names_a_record(self) -> bool {
        self != Purpose::Other
    }
}

/// What a posted entry does to the balance: income adds, spending takes away; a reversal
/// carries the original's direction with the amount negated, so it undoes it exactly.
pub fn delta(direction: Direction, amount_fen: i64) -> i64 {
    match direction {
        Direction::Income => amount_fen,
        Direction::Expense => -amount_fen,
    }
}

/// A new (non-reversing) amount: more than nothing, at most `MAX_FEN`.
pub fn check_amount(amount_fen: i64) -> Result<i64, FieldError> {
    if amount_fen <= 0 {
        return Err(FieldError::new("amount", "金额须大于0 (the amount must be more than zero)"));
    }
    if amount_fen > MAX_FEN {
        return Err(FieldError::new("amount", "金额过大 (too large)"));
    }
    Ok(amount_fen)
}

/// Whether a new expense of this amount waits for the community secretary.
pub fn needs_approval(rules: &FundRules, direction: Direction, amount_fen: i64) -> bool {
    direction == Direction::Expense && amount_fen > rules.approval_above_fen
}

/// The balance after posting a new (non-reversing) entry on `balance`, or why it cannot be
/// posted: spending beyond the balance when the rules do not allow an overdraft.
pub fn post(balance: i64, rules: &FundRules, direction: Direction, amount_fen: i64) -> Result<i64, FieldError> {
    let amount = check_amount(amount_fen)?;
    let after = balance + delta(direction, amount);
    if direction == Direction::Expense && after < 0 && !rules.allow_overdraft {
        return Err(FieldError::new(
            "amount",
            format!(
                "余额不足：当前余额¥{}，本笔支出¥{}，经费规则不允许透支 (over the balance; the rules allow no overdraft)",
                format_fen(balance),
                format_fen(amount)
            ),
        ));
    }
    Ok(after)
}

/// What a reversal needs to know about the entry it would reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reversible {
    pub status: EntryStatus,
    /// The entry is itself a reversal.
    pub is_reversal: bool,
    /// Another entry already reverses it.
    pub reversed: bool,
}

/// Whether an entry may be reversed: it is posted, not a reversal, and not reversed yet.
/// A reversal is always allowed by the balance (refusing it would keep a false record; a
/// balance it takes below zero shows as such).
pub fn check_reversal(r: Reversible) -> Result<(), FieldError> {
    if r.is_reversal {
        return Err(FieldError::new(
            "reverses",
            "冲正记录不能再冲正；如需更正，请重新录入正确的记录 (a reversal cannot itself be reversed)",
        ));
    }
    if r.status != EntryStatus::Posted {
        return Err(FieldError::new("reverses", "只有已入账的记录可以冲正 (only a posted entry can be reversed)"));
    }
    if r.reversed {
        return Err(FieldError::new("reverses", "这笔记录已经冲正过 (this entry has already been reversed)"));
    }
    Ok(())
}

/// A community's account as a sequence of posted entries: the model the store keeps in rows
/// (each row holding the balance after it) and the property tests check.
#[derive(Debug, Clone, Default)]
pub struct Account {
    /// (direction, signed amount, reverses) of each posted entry, in order.
    pub entries: Vec<(Direction, i64, Option<usize>)>,
    pub balance: i64,
}

impl Account {
    /// Posts a new entry; returns its number.
    pub fn record(&mut self, rules: &FundRules, direction: Direction, amount_fen: i64) -> Result<usize, FieldError> {
        self.balance = post(self.balance, rules, direction, amount_fen)?;
        self.entries.push((direction, amount_fen, None));
        Ok(self.entries.len() - 1)
    }

    /// Posts the reversal of entry `n`; returns its number.
    pub fn reverse(&mut self, n: usize) -> Result<usize, FieldError> {
        let Some(&(direction, amount, reverses)) = self.entries.get(n) else {
            return Err(FieldError::new("reverses", "没有这笔记录 (no such entry)"));
        };
        check_reversal(Reversible {
            status: EntryStatus::Posted,
            is_reversal: reverses.is_some(),
            reversed: self.entries.iter().any(|e| e.2 == Some(n)),
        })?;
        self.balance += delta(direction, -amount);
        self.entries.push((direction, -amount, Some(n)));
        Ok(self.entries.len() - 1)
    }

    /// The sum of the entries, computed afresh.
    pub fn sum(&self) -> i64 {
        self.entries.iter().map(|(d, a, _)| delta(*d, *a)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NO_OVERDRAFT: FundRules = FundRules { approval_above_fen: 500_000, allow_overdraft: false };

    #[test]
    fn spending_beyond_the_balance_is_refused_unless_allowed() {
        assert_eq!(post(10_000, &NO_OVERDRAFT, Direction::Expense, 10_000), Ok(0));
        let e = post(10_000, &NO_OVERDRAFT, Direction::Expense, 10_001).unwrap_err();
        assert_eq!(e.field, "amount");
        assert!(e.message.contains("余额不足"), "{}", e.message);
        let lenient = FundRules { allow_overdraft: true, ..NO_OVERDRAFT };
        assert_eq!(post(10_000, &lenient, Direction::Expense, 10_001), Ok(-1));
        // Income is never refused for the balance.
        assert_eq!(post(-5, &NO_OVERDRAFT, Direction::Income, 5), Ok(0));
    }

    #[test]
    fn amounts_must_be_positive_and_sane() {
        for bad in [0, -1, MAX_FEN + 1] {
            assert_eq!(check_amount(bad).unwrap_err().field, "amount");
        }
        assert_eq!(check_amount(MAX_FEN), Ok(MAX_FEN));
    }

    #[test]
    fn approval_is_for_expenses_strictly_above_the_amount() {
        let r = FundRules::default();
        assert!(!needs_approval(&r, Direction::Expense, DEFAULT_APPROVAL_ABOVE_FEN));
        assert!(needs_approval(&r, Direction::Expense, DEFAULT_APPROVAL_ABOVE_FEN + 1));
        assert!(!needs_approval(&r, Direction::Income, MAX_FEN));
    }

    #[test]
    fn a_reversal_is_never_reversed_and_an_entry_is_reversed_once() {
        let mut a = Account::default();
        let n = a.record(&NO_OVERDRAFT, Direction::Income, 30_000_000).unwrap();
        let r = a.reverse(n).unwrap();
        assert_eq!(a.balance, 0);
        assert!(a.reverse(r).unwrap_err().message.contains("不能再冲正"));
        assert!(a.reverse(n).unwrap_err().message.contains("已经冲正"));
        assert_eq!(a.reverse(99).unwrap_err().field, "reverses");
        let pending = Reversible { status: EntryStatus::Pending, is_reversal: false, reversed: false };
        assert!(check_reversal(pending).is_err());
    }

    #[derive(Debug, Clone)]
    enum Op {
        In(i64),
        Out(i64),
        Reverse(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (-10i64..5_000_000).prop_map(Op::In),
            (-10i64..5_000_000).prop_map(Op::Out),
            (0usize..40).prop_map(Op::Reverse),
        ]
    }

    proptest! {
        /// Whatever is recorded, refused or reversed, in any order, the balance is the sum of
        /// the posted entries; without an overdraft only a reversal can take it below zero.
        #[test]
        fn the_balance_always_reconciles(ops in prop::collection::vec(op(), 0..60), overdraft in any::<bool>()) {
            let rules = FundRules { allow_overdraft: overdraft, ..NO_OVERDRAFT };
            let mut a = Account::default();
            for o in ops {
                let before = a.balance;
                let outcome = match &o {
                    Op::In(x) => a.record(&rules, Direction::Income, *x).map(|_| ()),
                    Op::Out(x) => a.record(&rules, Direction::Expense, *x).map(|_| ()),
                    Op::Reverse(n) => a.reverse(*n).map(|_| ()),
                };
                if outcome.is_err() {
                    prop_assert_eq!(a.balance, before, "a refusal changes nothing");
                }
                prop_assert_eq!(a.balance, a.sum());
                if let (Op::Out(_), Ok(())) = (&o, &outcome) {
                    prop_assert!(overdraft || a.balance >= 0);
                }
            }
            // Each entry is reversed at most once and no reversal is reversed.
            for (i, e) in a.entries.iter().enumerate() {
                prop_assert!(a.entries.iter().filter(|x| x.2 == Some(i)).count() <= 1);
                if let Some(orig) = e.2 {
                    prop_assert!(a.entries[orig].2.is_none());
                }
            }
        }
    }
}
