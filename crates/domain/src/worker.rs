//! Community workers (社区工作者) and the 三岗十八级 pay scheme: three post kinds on a table of
//! eighteen grades, each grade with its monthly pay and what it takes to move up (years in the
//! grade and yearly appraisals passed); the starting grade from years of service and education;
//! promotions by seniority, by a social-work qualification, or by a change of post, each
//! checked here and naming the rule that allowed it. The table differs by city: it is data an
//! administrator sets, and [`PayScale::default_table`] is only where a new district starts.

use crate::FieldError;
use chrono::{Datelike, NaiveDate};

crate::labelled_enum! {
    /// The three post kinds (三岗).
    Post {
        Principal = "principal" / "社区正职" / "Community head (secretary, director)",
        Deputy = "deputy" / "社区副职" / "Deputy head",
        Staff = "staff" / "其他社区工作者" / "Community worker",
    }
}

crate::labelled_enum! {
    /// How a worker came to community worker management.
    WorkerKind {
        Recruited = "recruited" / "公开招聘" / "Recruited openly",
        GridWorker = "grid_worker" / "网格员纳入管理" / "Grid worker brought under management",
        Elected = "elected" / "选任" / "Elected",
    }
}

crate::labelled_enum! {
    /// A yearly appraisal's result (年度考核).
    Appraisal {
        Excellent = "excellent" / "优秀" / "Excellent",
        Competent = "competent" / "称职" / "Competent",
        Basic = "basic" / "基本称职" / "Basically competent",
        Failed = "failed" / "不称职" / "Not competent",
    }
}

crate::labelled_enum! {
    /// Education, which places the starting grade.
    Education {
        Secondary = "secondary" / "高中及以下" / "Secondary or below",
        College = "college" / "大专" / "College",
        Bachelor = "bachelor" / "本科" / "Bachelor",
        Master = "master" / "硕士及以上" / "Master or above",
    }
}

crate::labelled_enum! {
    /// The social-work qualifications that give extra grades.
    Qualification {
        Assistant = "assistant_social_worker" / "助理社会工作师" / "Assistant social worker",
        SocialWorker = "social_worker" / "社会工作师" / "Social worker",
        Senior = "senior_social_worker" / "高级社会工作师" / "Senior social worker",
    }
}

crate::labelled_enum! {
    /// The rule a promotion was made under.
    PromotionRule {
        Seniority = "seniority" / "任职年限晋级" / "Years in the grade",
        Qualification = "qualification" / "取得职业资格晋级" / "Qualification gained",
        PostChange = "post_change" / "岗位变动定级" / "Change of post",
    }
}

/// The most grades the table has (十八级).
pub const MAX_GRADE: i64 = 18;

impl Post {
    /// The grades a post kind spans in the bundled table (正职 7–18, 副职 4–15, 其他 1–12).
    pub fn default_range(self) -> (i64, i64) {
        match self {
            Post::Principal => (7, 18),
            Post::Deputy => (4, 15),
            Post::Staff => (1, 12),
        }
    }
}

impl Appraisal {
    /// Whether the year counts towards moving up (称职 or better).
    pub fn passed(self) -> bool {
        matches!(self, Appraisal::Excellent | Appraisal::Competent)
    }
}

impl Education {
    /// Grades above the post's first that education gives at hiring.
    pub fn steps(self) -> i64 {
        match self {
            Education::Secondary | Education::College => 0,
            Education::Bachelor => 1,
            Education::Master => 2,
        }
    }
}

impl Qualification {
    /// Grades above the post's first that the qualification is worth (the highest one held counts).
    pub fn steps(self) -> i64 {
        match self {
            Qualification::Assistant => 1,
            Qualification::SocialWorker => 2,
            Qualification::Senior => 3,
        }
    }
}

/// One row of the table: a post kind's grade, its monthly pay, and what moving up from it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeRow {
    pub post: Post,
    pub grade: i64,
    pub monthly_pay_fen: i64,
    /// Full years in this grade before moving up by seniority.
    pub years_to_next: i64,
    /// Yearly appraisals passed (称职 or better) since reaching this grade, needed to move up.
    pub passes_to_next: i64,
}

/// The 三岗十八级 table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayScale {
    pub rows: Vec<GradeRow>,
}

impl PayScale {
    /// Where a new district starts: each post kind on its usual grades; pay ¥3,600 at grade 1
    /// plus ¥180 a grade, with ¥600 (正职) or ¥300 (副职) for the post; one grade every three
    /// years with three yearly appraisals passed.
    pub fn default_table() -> PayScale {
        let mut rows = Vec::new();
        for post in Post::ALL.iter().copied() {
            let (lo, hi) = post.default_range();
            let allowance = match post {
                Post::Principal => 60_000,
                Post::Deputy => 30_000,
                Post::Staff => 0,
            };
            for grade in lo..=hi {
                rows.push(GradeRow {
                    post,
                    grade,
                    monthly_pay_fen: 360_000 + 18_000 * (grade - 1) + allowance,
                    years_to_next: 3,
                    passes_to_next: 3,
                });
            }
        }
        PayScale { rows }
    }

    pub fn row(&self, post: Post, grade: i64) -> Option<&GradeRow> {
        self.rows.iter().find(|r| r.post == post && r.grade == grade)
    }

    /// The first and last grade of a post kind.
    pub fn range(&self, post: Post) -> Option<(i64, i64)> {
        let grades = self.rows.iter().filter(|r| r.post == post).map(|r| r.grade);
        Some((grades.clone().min()?, grades.max()?))
    }

    /// A grade of the table, or an error naming `field` and the post's grades.
    pub fn grade(&self, post: Post, grade: i64, field: &str) -> Result<&GradeRow, FieldError> {
        self.row(post, grade).ok_or_else(|| {
            let span = self.range(post).map(|(a, b)| format!("{a}–{b}")).unwrap_or_else(|| "—".into());
            FieldError::new(
                field,
                format!(
                    "{}没有第{grade}级，可选 {span} 级 (grade {grade} is outside the table for {}: {span})",
                    post.label_zh(),
                    post.label_en()
                ),
            )
        })
    }

    /// A table as an administrator sent it: every post kind present on consecutive grades
    /// within 1–18, pay positive and never lower on a higher grade of the same post, the
    /// conditions between 0 and 10.
    pub fn check(&self) -> Result<(), FieldError> {
        for post in Post::ALL.iter().copied() {
            let mut rows: Vec<&GradeRow> = self.rows.iter().filter(|r| r.post == post).collect();
            if rows.is_empty() {
                return Err(FieldError::new(
                    "rows",
                    format!("缺少{}的级别 (no grades for {})", post.label_zh(), post.as_str()),
                ));
            }
            rows.sort_by_key(|r| r.grade);
            for (i, r) in rows.iter().enumerate() {
                if !(1..=MAX_GRADE).contains(&r.grade) {
                    return Err(FieldError::new("grade", format!("级别应在1到{MAX_GRADE}之间 (grades are 1–18)")));
                }
                if i > 0 && r.grade != rows[i - 1].grade + 1 {
                    return Err(FieldError::new(
                        "grade",
                        format!(
                            "{}的级别应连续，第{}级重复或缺少中间级 (grades of a post are consecutive)",
                            post.label_zh(),
                            r.grade
                        ),
                    ));
                }
                if r.monthly_pay_fen <= 0 || r.monthly_pay_fen > 10_000_000 {
                    return Err(FieldError::new(
                        "monthly_pay_fen",
                        "月薪应大于0且不超过10万元 (positive, at most ¥100,000)",
                    ));
                }
                if i > 0 && r.monthly_pay_fen < rows[i - 1].monthly_pay_fen {
                    return Err(FieldError::new(
                        "monthly_pay_fen",
                        format!(
                            "{}第{}级的月薪低于下一级 (pay falls from grade {} to {})",
                            post.label_zh(),
                            r.grade,
                            r.grade - 1,
                            r.grade
                        ),
                    ));
                }
                if !(0..=10).contains(&r.years_to_next) || !(0..=10).contains(&r.passes_to_next) {
                    return Err(FieldError::new("years_to_next", "晋级所需年限与考核次数应在0到10之间 (0–10)"));
                }
            }
        }
        Ok(())
    }

    /// The grade a new worker starts on: the post's first, one more for every three full
    /// years of service, and the steps of education and of the highest qualification held,
    /// never beyond the post's last.
    pub fn starting_grade(
        &self,
        post: Post,
        years_of_service: i64,
        education: Education,
        qualification: Option<Qualification>,
    ) -> Result<i64, FieldError> {
        let (lo, hi) = self.range(post).ok_or_else(|| FieldError::new("post", "表中没有这一岗位 (no such post)"))?;
        if !(0..=60).contains(&years_of_service) {
            return Err(FieldError::new("years_of_service", "工作年限应在0到60之间 (0–60)"));
        }
        let steps = years_of_service / 3 + education.steps() + qualification.map_or(0, Qualification::steps);
        Ok((lo + steps).min(hi))
    }
}

/// Where a worker stands when a promotion is asked for.
#[derive(Debug, Clone)]
pub struct Standing<'a> {
    pub post: Post,
    pub grade: i64,
    /// The day the worker reached the grade.
    pub grade_since: NaiveDate,
    /// Yearly appraisals, any order: (year, result).
    pub appraisals: &'a [(i32, Appraisal)],
    /// The highest qualification already counted.
    pub qualification: Option<Qualification>,
}

/// What is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// One grade up after the years and appraisals the grade's row asks for.
    Seniority,
    /// The extra grades of a newly gained qualification.
    Qualification(Qualification),
    /// A new post kind: the grade kept if the new post has it, else its nearest.
    PostChange(Post),
}

/// A promotion the rules allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub post: Post,
    pub grade: i64,
    pub rule: PromotionRule,
    /// Why it was allowed, in words for the record.
    pub reason: String,
}

/// Full years from `since` to `on`.
pub fn full_years(since: NaiveDate, on: NaiveDate) -> i64 {
    let mut y = i64::from(on.year() - since.year());
    if (on.month(), on.day()) < (since.month(), since.day()) {
        y -= 1;
    }
    y.max(0)
}

/// Checks a promotion against the table: the years and passed appraisals since the grade
/// (seniority), a qualification higher than any counted (qualification), another post kind
/// (post change). No promotion follows a failed appraisal of the last year appraised, except
/// a change of post, which is an appointment. The error names the reason.
pub fn check_promotion(scale: &PayScale, s: &Standing<'_>, ask: Ask, on: NaiveDate) -> Result<Promotion, FieldError> {
    let row = scale.grade(s.post, s.grade, "grade")?;
    let (_, top) = scale.range(s.post).unwrap_or((s.grade, s.grade));
    let latest = s.appraisals.iter().max_by_key(|a| a.0);
    let failed_last = latest.is_some_and(|a| a.1 == Appraisal::Failed);
    if on < s.grade_since {
        return Err(FieldError::new("on", "晋级日期早于定级日期 (before the grade was reached)"));
    }
    match ask {
        Ask::Seniority | Ask::Qualification(_) if failed_last => Err(FieldError::new(
            "rule",
            format!(
                "{}年度考核不称职，不能晋级 (no promotion after a failed yearly appraisal)",
                latest.map(|a| a.0).unwrap_or_default()
            ),
        )),
        Ask::Seniority | Ask::Qualification(_) if s.grade >= top => Err(FieldError::new(
            "rule",
            format!("已是{}的最高级（第{top}级）(already at the post's top grade)", s.post.label_zh()),
        )),
        Ask::Seniority => {
            let years = full_years(s.grade_since, on);
            // Appraisals of the years after the one the grade was reached in, up to `on`.
            let passes =
                s.appraisals.iter().filter(|a| a.0 > s.grade_since.year() && a.0 <= on.year() && a.1.passed()).count()
                    as i64;
            if years < row.years_to_next {
                return Err(FieldError::new(
                    "rule",
                    format!(
                        "任现级{years}年，满{}年方可晋级 ({years} of {} years in the grade)",
                        row.years_to_next, row.years_to_next
                    ),
                ));
            }
            if passes < row.passes_to_next {
                return Err(FieldError::new(
                    "rule",
                    format!(
                        "任现级以来年度考核称职以上{passes}次，需{}次 ({passes} of {} appraisals passed)",
                        row.passes_to_next, row.passes_to_next
                    ),
                ));
            }
            Ok(Promotion {
                post: s.post,
                grade: s.grade + 1,
                rule: PromotionRule::Seniority,
                reason: format!("任第{}级满{years}年，考核称职以上{passes}次", s.grade),
            })
        }
        Ask::Qualification(q) => {
            let held = s.qualification.map_or(0, Qualification::steps);
            if q.steps() <= held {
                return Err(FieldError::new(
                    "qualification",
                    format!("已按同级或更高的资格定级，{}不再加级 (a qualification already counted)", q.label_zh()),
                ));
            }
            let grade = (s.grade + q.steps() - held).min(top);
            Ok(Promotion {
                post: s.post,
                grade,
                rule: PromotionRule::Qualification,
                reason: format!("取得{}，加{}级", q.label_zh(), grade - s.grade),
            })
        }
        Ask::PostChange(post) => {
            if post == s.post {
                return Err(FieldError::new("post", "岗位未变 (the post is the same)"));
            }
            let (lo, hi) =
                scale.range(post).ok_or_else(|| FieldError::new("post", "表中没有这一岗位 (no such post)"))?;
            let grade = s.grade.clamp(lo, hi);
            Ok(Promotion {
                post,
                grade,
                rule: PromotionRule::PostChange,
                reason: format!("由{}转任{}，定第{grade}级", s.post.label_zh(), post.label_zh()),
            })
        }
    }
}

/// A recruitment score as typed (0–100, one decimal), kept in tenths.
pub fn parse_score(s: &str, field: &str) -> Result<i64, FieldError> {
    let t = s.trim();
    let bad = || FieldError::new(field, format!("“{t}”不是0到100之间的分数，最多一位小数 (0–100, one decimal)"));
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || frac.len() > 1 {
        return Err(bad());
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let w: i64 = whole.parse().map_err(|_| bad())?;
    let f: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| bad())? };
    let tenths = w.checked_mul(10).and_then(|x| x.checked_add(f)).ok_or_else(bad)?;
    if tenths > 1000 {
        return Err(bad());
    }
    Ok(tenths)
}

/// Tenths of a point as shown: `86.5`.
pub fn show_score(tenths: i64) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// An applicant's total in tenths: the exam weighted by `exam_weight` percent, the interview
/// by the rest, rounded half up.
pub fn total_score(exam: i64, interview: i64, exam_weight: i64) -> i64 {
    (exam * exam_weight + interview * (100 - exam_weight) + 50) / 100
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_bundled_table_checks_and_spans_each_post() {
        let t = PayScale::default_table();
        t.check().unwrap();
        assert_eq!(t.rows.len(), 36);
        assert_eq!(t.range(Post::Principal), Some((7, 18)));
        assert_eq!(t.range(Post::Deputy), Some((4, 15)));
        assert_eq!(t.range(Post::Staff), Some((1, 12)));
        assert_eq!(t.row(Post::Staff, 1).unwrap().monthly_pay_fen, 360_000);
        assert!(t.grade(Post::Staff, 13, "grade").unwrap_err().message.contains("1–12"));
    }

    #[test]
    fn a_table_with_a_gap_or_falling_pay_is_refused() {
        let mut t = PayScale::default_table();
        t.rows.retain(|r| !(r.post == Post::Staff && r.grade == 5));
        assert_eq!(t.check().unwrap_err().field, "grade");
        let mut t = PayScale::default_table();
        t.rows.iter_mut().find(|r| r.post == Post::Deputy && r.grade == 9).unwrap().monthly_pay_fen = 1;
        assert_eq!(t.check().unwrap_err().field, "monthly_pay_fen");
        let mut t = PayScale::default_table();
        t.rows.retain(|r| r.post != Post::Principal);
        assert_eq!(t.check().unwrap_err().field, "rows");
    }

    #[test]
    fn the_starting_grade_counts_years_education_and_qualification() {
        let t = PayScale::default_table();
        assert_eq!(t.starting_grade(Post::Staff, 0, Education::College, None).unwrap(), 1);
        assert_eq!(t.starting_grade(Post::Staff, 7, Education::Bachelor, None).unwrap(), 4);
        assert_eq!(t.starting_grade(Post::Staff, 7, Education::Master, Some(Qualification::SocialWorker)).unwrap(), 7);
        assert_eq!(t.starting_grade(Post::Deputy, 60, Education::Master, Some(Qualification::Senior)).unwrap(), 15);
        assert!(t.starting_grade(Post::Staff, -1, Education::College, None).is_err());
    }

    #[test]
    fn seniority_needs_the_years_and_the_appraisals() {
        let t = PayScale::default_table();
        let good = [(2023, Appraisal::Competent), (2024, Appraisal::Excellent), (2025, Appraisal::Competent)];
        let s = Standing {
            post: Post::Staff,
            grade: 3,
            grade_since: d(2022, 7, 1),
            appraisals: &good,
            qualification: None,
        };
        let p = check_promotion(&t, &s, Ask::Seniority, d(2025, 7, 1)).unwrap();
        assert_eq!((p.grade, p.rule), (4, PromotionRule::Seniority));
        // A day short of three years.
        let e = check_promotion(&t, &s, Ask::Seniority, d(2025, 6, 30)).unwrap_err();
        assert!(e.message.contains("满3年"), "{}", e.message);
        // Two passes only.
        let two = [(2023, Appraisal::Competent), (2024, Appraisal::Basic), (2025, Appraisal::Competent)];
        let s2 = Standing { appraisals: &two, ..s.clone() };
        assert!(check_promotion(&t, &s2, Ask::Seniority, d(2025, 7, 1)).unwrap_err().message.contains("2次"));
        // The last year failed.
        let failed = [(2023, Appraisal::Competent), (2024, Appraisal::Excellent), (2025, Appraisal::Failed)];
        let s3 = Standing { appraisals: &failed, ..s.clone() };
        assert!(check_promotion(&t, &s3, Ask::Seniority, d(2026, 7, 1)).unwrap_err().message.contains("不称职"));
    }

    #[test]
    fn qualifications_count_once_and_stop_at_the_top() {
        let t = PayScale::default_table();
        let s = Standing {
            post: Post::Staff,
            grade: 11,
            grade_since: d(2025, 1, 1),
            appraisals: &[],
            qualification: Some(Qualification::Assistant),
        };
        let p = check_promotion(&t, &s, Ask::Qualification(Qualification::Senior), d(2026, 1, 1)).unwrap();
        assert_eq!(p.grade, 12);
        assert!(check_promotion(&t, &s, Ask::Qualification(Qualification::Assistant), d(2026, 1, 1)).is_err());
        let top = Standing { grade: 12, ..s };
        assert!(check_promotion(&t, &top, Ask::Qualification(Qualification::Senior), d(2026, 1, 1))
            .unwrap_err()
            .message
            .contains("最高级"));
    }

    #[test]
    fn a_change_of_post_keeps_the_grade_within_the_new_post() {
        let t = PayScale::default_table();
        let s =
            Standing { post: Post::Staff, grade: 5, grade_since: d(2025, 1, 1), appraisals: &[], qualification: None };
        let p = check_promotion(&t, &s, Ask::PostChange(Post::Principal), d(2026, 1, 1)).unwrap();
        assert_eq!((p.post, p.grade), (Post::Principal, 7));
        assert!(check_promotion(&t, &s, Ask::PostChange(Post::Staff), d(2026, 1, 1)).is_err());
    }

    #[test]
    fn scores_are_kept_in_tenths() {
        assert_eq!(parse_score("86.5", "exam").unwrap(), 865);
        assert_eq!(parse_score("100", "exam").unwrap(), 1000);
        assert!(parse_score("100.1", "exam").is_err());
        assert!(parse_score("8.55", "exam").is_err());
        assert!(parse_score("-1", "exam").is_err());
        assert!(parse_score("abc", "exam").is_err());
        assert_eq!(show_score(865), "86.5");
        assert_eq!(total_score(800, 900, 60), 840);
    }

    proptest! {
        /// Whatever is asked, an allowed promotion lands on a grade of the table, and by
        /// seniority or qualification never lower than where the worker stood.
        #[test]
        fn an_allowed_promotion_stays_in_the_table(
            post in 0usize..3, to in 0usize..3, grade in 1i64..=18, years in 0i64..12,
            results in proptest::collection::vec(0usize..4, 0..8), ask in 0usize..5,
        ) {
            let t = PayScale::default_table();
            let post = Post::ALL[post];
            let since = d(2015, 3, 1);
            let appraisals: Vec<(i32, Appraisal)> =
                results.iter().enumerate().map(|(i, r)| (2016 + i as i32, Appraisal::ALL[*r])).collect();
            let s = Standing { post, grade, grade_since: since, appraisals: &appraisals, qualification: None };
            let ask = match ask {
                0 => Ask::Seniority,
                1 => Ask::Qualification(Qualification::Assistant),
                2 => Ask::Qualification(Qualification::Senior),
                _ => Ask::PostChange(Post::ALL[to]),
            };
            let on = d(2015 + years as i32, 3, 1);
            if let Ok(p) = check_promotion(&t, &s, ask, on) {
                prop_assert!(t.row(p.post, p.grade).is_some());
                if !matches!(ask, Ask::PostChange(_)) {
                    prop_assert!(p.grade > grade);
                    prop_assert_eq!(p.post, post);
                }
            }
        }
    }
}
