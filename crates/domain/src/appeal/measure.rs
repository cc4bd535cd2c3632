//! The measures of appeal handling: counters kept as rollups, and the rates computed from
//! them by formulas that each city sets (and that are shown beside every figure).

use super::Level;
use std::fmt;

crate::labelled_enum! {
    /// What the rollups count, per territory, day, category and handling level.
    Counter {
        Received = "received" / "受理诉求" / "received",
        Responded = "responded" / "已响应" / "responded",
        RespondedOnTime = "responded_on_time" / "按时响应" / "responded on time",
        Resolved = "resolved" / "已办结" / "resolved",
        ResolvedOnTime = "resolved_on_time" / "按时办结" / "resolved on time",
        Rated = "rated" / "已评价" / "rated",
        Satisfied = "satisfied" / "满意" / "satisfied",
        BasicallySatisfied = "basically_satisfied" / "基本满意" / "basically satisfied",
        Unsatisfied = "unsatisfied" / "不满意" / "unsatisfied",
        Overdue = "overdue" / "超期" / "overdue",
        Escalated = "escalated" / "上报上级" / "escalated",
        Returned = "returned" / "退单" / "returned",
        Declined = "declined" / "不予受理" / "declined",
        Reopened = "reopened" / "重办" / "reopened",
        SettledBuilding = "settled_building" / "楼栋办结" / "settled at building",
        SettledCompound = "settled_compound" / "小区办结" / "settled at compound",
        SettledCommunity = "settled_community" / "社区办结" / "settled at community",
        SettledSubdistrict = "settled_subdistrict" / "街道办结" / "settled at subdistrict",
        SettledDistrict = "settled_district" / "区级办结" / "settled at district",
        HandlingMinutes = "handling_minutes" / "办理总时长(分钟)" / "handling minutes",
    }
}

impl Counter {
    pub fn settled_at(level: Level) -> Counter {
        match level {
            Level::Building => Counter::SettledBuilding,
            Level::Compound => Counter::SettledCompound,
            Level::Community => Counter::SettledCommunity,
            Level::Subdistrict => Counter::SettledSubdistrict,
            Level::District => Counter::SettledDistrict,
        }
    }

    pub fn index(self) -> usize {
        Self::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// One value per counter, in [`Counter::ALL`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts(pub [i64; Counter::ALL.len()]);

impl Counts {
    pub fn get(&self, c: Counter) -> i64 {
        self.0[c.index()]
    }

    pub fn add(&mut self, c: Counter, n: i64) {
        self.0[c.index()] += n;
    }

    pub fn merge(&mut self, o: &Counts) {
        for (a, b) in self.0.iter_mut().zip(o.0.iter()) {
            *a += b;
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|v| *v == 0)
    }

    pub fn negated(&self) -> Counts {
        Counts(self.0.map(|v| -v))
    }

    /// `received=1;responded=1`: the non-zero counters, as an event row stores its deltas.
    pub fn encode(&self) -> String {
        let parts: Vec<String> = Counter::ALL
            .iter()
            .filter(|c| self.get(**c) != 0)
            .map(|c| format!("{}={}", c.as_str(), self.get(*c)))
            .collect();
        parts.join(";")
    }

    /// Reads [`Counts::encode`]; unknown names are skipped (a newer binary's counters).
    pub fn decode(s: &str) -> Counts {
        let mut out = Counts::default();
        for part in s.split(';') {
            if let Some((k, v)) = part.split_once('=') {
                if let (Some(c), Ok(n)) = (Counter::ALL.iter().find(|c| c.as_str() == k), v.parse::<i64>()) {
                    out.add(*c, n);
                }
            }
        }
        out
    }
}

/// A rate: a weighted sum of counters over another, e.g.
/// `(satisfied + 0.8*basically_satisfied) / rated`.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    pub numerator: Vec<(f64, Counter)>,
    pub denominator: Vec<(f64, Counter)>,
}

fn parse_sum(s: &str) -> Result<Vec<(f64, Counter)>, String> {
    let s = s.trim();
    let s = s.strip_prefix('(').and_then(|x| x.strip_suffix(')')).unwrap_or(s);
    let mut terms = Vec::new();
    for t in s.split('+').map(str::trim) {
        let (w, name) = match t.split_once('*') {
            Some((w, n)) => {
                let w: f64 =
                    w.trim().parse().map_err(|_| format!("“{}”不是数字 (weight is not a number)", w.trim()))?;
                if !(0.0..=100.0).contains(&w) {
                    return Err(format!("权重“{w}”应在0到100之间 (weight out of range)"));
                }
                (w, n.trim())
            }
            None => (1.0, t),
        };
        let c = Counter::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == name)
            .ok_or_else(|| format!("“{name}”不是计数项 (unknown counter; known: {})", counter_names()))?;
        terms.push((w, c));
    }
    Ok(terms)
}

fn counter_names() -> String {
    Counter::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
}

impl Formula {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (n, d) = s.split_once('/').ok_or("公式应为 分子 / 分母 (formula must be numerator / denominator)")?;
        Ok(Self { numerator: parse_sum(n)?, denominator: parse_sum(d)? })
    }

    /// The value as a fraction, or `None` when the denominator is zero (shown as "—").
    pub fn eval(&self, c: &Counts) -> Option<f64> {
        let sum = |t: &[(f64, Counter)]| t.iter().map(|(w, k)| w * c.get(*k) as f64).sum::<f64>();
        let d = sum(&self.denominator);
        (d > 0.0).then(|| sum(&self.numerator) / d)
    }

    fn side(t: &[(f64, Counter)], lang: &str) -> String {
        // A counter weighted 0 counts for nothing: in words it is left out.
        let parts: Vec<String> = t
            .iter()
            .filter(|(w, _)| *w != 0.0)
            .map(|(w, k)| {
                let name = k.label(lang);
                if *w == 1.0 {
                    name.to_string()
                } else {
                    format!("{w}×{name}")
                }
            })
            .collect();
        if parts.len() > 1 {
            format!("({})", parts.join(" + "))
        } else {
            parts.join("")
        }
    }

    /// The formula in words, for beside the figure.
    pub fn describe(&self, lang: &str) -> String {
        format!("{} ÷ {}", Self::side(&self.numerator, lang), Self::side(&self.denominator, lang))
    }
}

impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |t: &[(f64, Counter)]| {
            let p: Vec<String> = t
                .iter()
                .map(|(w, k)| if *w == 1.0 { k.as_str().to_string() } else { format!("{w}*{}", k.as_str()) })
                .collect();
            if p.len() > 1 {
                format!("({})", p.join(" + "))
            } else {
                p.join("")
            }
        };
        write!(f, "{} / {}", side(&self.numerator), side(&self.denominator))
    }
}

crate::labelled_enum! {
    /// The three rates (三率) and their defaults.
    Rate {
        Response = "response_rate" / "响应率" / "Response rate",
        Resolution = "resolution_rate" / "解决率" / "Resolution rate",
        Satisfaction = "satisfaction_rate" / "满意率" / "Satisfaction rate",
    }
}

/// How a rate stands against its target: met (green), within [`NEAR_TARGET`] below it
/// (amber), or further below (red).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Met,
    Near,
    Missed,
}

impl Standing {
    /// The CSS class the pages colour it with.
    pub fn class(self) -> &'static str {
        match self {
            Standing::Met => "met",
            Standing::Near => "near",
            Standing::Missed => "missed",
        }
    }
}

/// Amber is this many percentage points below the target.
pub const NEAR_TARGET: f64 = 5.0;

/// How `value` (a fraction, 0.0–1.0) stands against `target_percent` (0–100).
pub fn standing(value: f64, target_percent: f64) -> Standing {
    let v = value * 100.0;
    // Rounded to the tenth shown on the page, so that "95.0%" against 95 is met.
    let v = (v * 10.0).round() / 10.0;
    if v >= target_percent {
        Standing::Met
    } else if v >= target_percent - NEAR_TARGET {
        Standing::Near
    } else {
        Standing::Missed
    }
}

/// A target as typed: a percentage from 0 to 100 (`95`, `92.5`, `95%`).
pub fn parse_target(s: &str) -> Result<f64, String> {
    let t = s.trim().trim_end_matches('%').trim();
    match t.parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
        Ok(_) => Err("目标应在 0 到 100 之间 (a target is a percentage from 0 to 100)".into()),
        Err(_) => Err(format!("“{s}”不是百分数 (not a percentage)")),
    }
}

impl Rate {
    /// The default target, in percent, until a deployment sets its own.
    pub fn default_target(self) -> f64 {
        match self {
            Rate::Response => 95.0,
            Rate::Resolution => 90.0,
            Rate::Satisfaction => 90.0,
        }
    }

    /// Defaults in the style of Beijing's 接诉即办 assessment; each deployment may change them.
    pub fn default_formula(self) -> &'static str {
        match self {
            Rate::Response => "responded_on_time / received",
            Rate::Resolution => "resolved / (received + 0*declined)",
            Rate::Satisfaction => "(satisfied + basically_satisfied) / rated",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_parse_evaluate_and_describe() {
        let f = Formula::parse("(satisfied + 0.8*basically_satisfied) / rated").unwrap();
        let mut c = Counts::default();
        assert_eq!(f.eval(&c), None, "nothing rated: no figure");
        c.add(Counter::Satisfied, 6);
        c.add(Counter::BasicallySatisfied, 2);
        c.add(Counter::Rated, 10);
        assert!((f.eval(&c).unwrap() - 0.76).abs() < 1e-9);
        assert_eq!(f.describe("zh"), "(满意 + 0.8×基本满意) ÷ 已评价");
        assert_eq!(f.to_string(), "(satisfied + 0.8*basically_satisfied) / rated");
        assert_eq!(Formula::parse(&f.to_string()).unwrap(), f);
        for r in Rate::ALL {
            assert!(Formula::parse(r.default_formula()).is_ok(), "{r}");
        }
    }

    #[test]
    fn zero_weighted_counters_are_left_out_of_the_words() {
        let f = Formula::parse(Rate::Resolution.default_formula()).unwrap();
        assert_eq!(f.describe("zh"), "已办结 ÷ 受理诉求");
        assert!(!f.describe("en").contains('0'));
    }

    #[test]
    fn rates_stand_green_amber_or_red_against_their_target() {
        assert_eq!(standing(0.95, 95.0), Standing::Met);
        assert_eq!(standing(0.9499, 95.0), Standing::Met, "shown as 95.0%: met");
        assert_eq!(standing(0.94, 95.0), Standing::Near);
        assert_eq!(standing(0.90, 95.0), Standing::Near);
        assert_eq!(standing(0.899, 95.0), Standing::Missed);
        assert_eq!(standing(0.0, 0.0), Standing::Met);
        assert_eq!(parse_target("92.5%").unwrap(), 92.5);
        assert!(parse_target("101").unwrap_err().contains("0 到 100"));
        assert!(parse_target("high").unwrap_err().contains("not a percentage"));
    }

    proptest::proptest! {
        #[test]
        fn a_higher_rate_never_stands_worse(a in 0.0f64..=1.0, b in 0.0f64..=1.0, t in 0.0f64..=100.0) {
            let rank = |s: Standing| match s { Standing::Met => 2, Standing::Near => 1, Standing::Missed => 0 };
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            proptest::prop_assert!(rank(standing(hi, t)) >= rank(standing(lo, t)));
        }
    }

    #[test]
    fn bad_formulas_say_why() {
        assert!(Formula::parse("satisfied").unwrap_err().contains("numerator / denominator"));
        assert!(Formula::parse("happy / rated").unwrap_err().contains("unknown counter"));
        assert!(Formula::parse("x*satisfied / rated").unwrap_err().contains("not a number"));
        assert!(Formula::parse("-1*satisfied / rated").unwrap_err().contains("range"));
    }

    #[test]
    fn counts_add_up() {
        let mut a = Counts::default();
        a.add(Counter::settled_at(Level::Building), 2);
        let mut b = Counts::default();
        b.add(Counter::SettledBuilding, 3);
        a.merge(&b);
        assert_eq!(a.get(Counter::SettledBuilding), 5);
        assert!(!a.is_zero() && Counts::default().is_zero());
        a.add(Counter::HandlingMinutes, -7);
        assert_eq!(a.encode(), "settled_building=5;handling_minutes=-7");
        assert_eq!(Counts::decode(&a.encode()), a);
        assert_eq!(Counts::decode("nope=1;received=x;received=2").get(Counter::Received), 2);
    }
}
