//! Integrity signals of self-assessment data (数据质量疑点) and the importance of each item.
//!
//! The monthly self-assessments are run by the enterprises and counties themselves, and can be
//! inflated. Per submitter and period these checks say where the data *needs checking*, never
//! that it is false:
//! - no unfavourable answer at all over a large n;
//! - a high share of responses with identical answers (straight-lining);
//! - phone numbers repeated on several responses, or across submitters;
//! - survey dates bunched on one or two days;
//! - the same number of responses month after month;
//! - (quarters) users who are in both a monthly self-assessment and the city's call-back
//!   (matched by name + phone + enterprise): how often their answers agree.
//!
//! The importance of an item is its correlation with overall satisfaction over the period's
//! responses: an important item with a low score is where to improve first (优先改进区).

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use crate::results::AnswersError;
pub use crate::results::{Check, Importance, Signal};
use crate::scheme::Scheme;
use crate::score::{AnswerTable, AnswerValue};
use crate::store::CheckedRow;

fn hash(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

#[derive(Default)]
struct Acc {
    n: u64,
    answered: u64,
    unfavourable: u64,
    vectors: HashMap<u64, u32>,
    phones: Vec<u64>,
    dates: HashMap<String, u32>,
}

/// Sums for a correlation.
#[derive(Default, Clone, Copy)]
struct Pairs {
    n: f64,
    x: f64,
    y: f64,
    xx: f64,
    yy: f64,
    xy: f64,
}

impl Pairs {
    fn add(&mut self, x: f64, y: f64) {
        self.n += 1.0;
        self.x += x;
        self.y += y;
        self.xx += x * x;
        self.yy += y * y;
        self.xy += x * y;
    }

    fn r(&self) -> Option<f64> {
        let cov = self.n * self.xy - self.x * self.y;
        let vx = self.n * self.xx - self.x * self.x;
        let vy = self.n * self.yy - self.y * self.y;
        (vx > 1e-9 && vy > 1e-9).then(|| cov / (vx * vy).sqrt())
    }
}

/// Goes over a period's responses once and gives the signals and the importance.
pub struct Checker<'a> {
    scheme: &'a Scheme,
    table: AnswerTable,
    overall: Option<usize>,
    by: BTreeMap<String, Acc>,
    pairs: Vec<Pairs>,
    values: Vec<Option<AnswerValue>>,
    /// A response's phone and enterprise, the key its phone is counted under.
    key: String,
}

impl<'a> Checker<'a> {
    pub fn new(scheme: &'a Scheme) -> Checker<'a> {
        Checker {
            scheme,
            table: AnswerTable::new(scheme),
            overall: scheme.items.iter().position(|i| i.overall),
            by: BTreeMap::new(),
            pairs: vec![Pairs::default(); scheme.items.len()],
            values: vec![None; scheme.items.len()],
            key: String::new(),
        }
    }

    pub fn add(&mut self, r: &CheckedRow<'_>) -> Result<(), AnswersError> {
        self.table.read(r.answers, &mut self.values)?;
        // Looked up before a key is made: one per submitter, not per response.
        if !self.by.contains_key(r.submitter) {
            self.by.insert(r.submitter.to_string(), Acc::default());
        }
        let Some(acc) = self.by.get_mut(r.submitter) else {
            return Ok(());
        };
        acc.n += 1;
        for v in self.values.iter().flatten() {
            acc.answered += 1;
            acc.unfavourable += u64::from(v.unfavourable);
        }
        *acc.vectors.entry(hash(r.answers)).or_default() += 1;
        // A household may answer for its water and its gas enterprise: a phone repeats when it
        // is on another response about the same enterprise.
        let key = &mut self.key;
        key.clear();
        key.extend(r.phone.chars().filter(char::is_ascii_digit));
        if !key.is_empty() {
            key.push('|');
            key.push_str(r.enterprise);
            acc.phones.push(hash(key));
        }
        if let Some(d) = r.survey_date {
            match acc.dates.get_mut(d) {
                Some(n) => *n += 1,
                None => {
                    acc.dates.insert(d.to_string(), 1);
                }
            }
        }
        if let Some(o) = self.overall.and_then(|o| self.values[o]) {
            for (i, v) in self.values.iter().enumerate() {
                if let Some(v) = v
                    && Some(i) != self.overall
                {
                    self.pairs[i].add(v.score, o.score);
                }
            }
        }
        Ok(())
    }

    /// The signals of every submitter seen; `previous_counts` are the responses per
    /// submitter of the months before, latest first (for 问卷数逐月相同).
    pub fn signals(&self, previous_counts: &[BTreeMap<String, i64>]) -> Vec<Signal> {
        let t = &self.scheme.integrity;
        // Phones on more than one response, counting every submitter.
        let mut seen: HashMap<u64, u32> = HashMap::new();
        for acc in self.by.values() {
            for p in &acc.phones {
                *seen.entry(*p).or_default() += 1;
            }
        }
        let mut out = Vec::new();
        for (code, acc) in &self.by {
            let n = acc.n;
            let enough = n >= u64::from(t.min_n);
            let pct = |k: u64| if n > 0 { k as f64 * 100.0 / n as f64 } else { 0.0 };
            let unfavourable = if acc.answered > 0 {
                acc.unfavourable as f64 * 100.0 / acc.answered as f64
            } else {
                0.0
            };
            let identical: u64 = acc.vectors.values().filter(|c| **c > 1).map(|c| u64::from(*c)).sum();
            let repeated = acc.phones.iter().filter(|p| seen[p] > 1).count() as u64;
            let mut days: Vec<u32> = acc.dates.values().copied().collect();
            days.sort_unstable_by(|a, b| b.cmp(a));
            let bunched: u64 = days.iter().take(2).map(|d| u64::from(*d)).sum();
            let mut same = 1u32;
            for counts in previous_counts {
                if counts.get(code).is_some_and(|c| *c as u64 == n) {
                    same += 1;
                } else {
                    break;
                }
            }
            let mut push = |check, value: f64, threshold: f64, flagged: bool| {
                out.push(Signal {
                    submitter: code.clone(),
                    name: String::new(),
                    check,
                    n,
                    value,
                    threshold,
                    flagged,
                })
            };
            push(
                Check::NoUnfavourable,
                unfavourable,
                0.0,
                enough && acc.unfavourable == 0,
            );
            let v = pct(identical);
            push(
                Check::StraightLining,
                v,
                t.straight_lining,
                enough && v >= t.straight_lining,
            );
            let v = pct(repeated);
            push(
                Check::RepeatedPhone,
                v,
                t.repeated_phone,
                enough && v >= t.repeated_phone,
            );
            let v = pct(bunched);
            push(
                Check::BunchedDates,
                v,
                t.bunched_dates,
                enough && !acc.dates.is_empty() && v >= t.bunched_dates,
            );
            push(
                Check::SameN,
                f64::from(same),
                f64::from(t.same_n_months),
                enough && same >= t.same_n_months,
            );
        }
        out
    }

    /// Each item's importance against overall satisfaction, with the city's scores; the
    /// important items below the action threshold are marked.
    pub fn importance(&self, scores: &[(String, Option<f64>)]) -> Vec<Importance> {
        let min = f64::from(self.scheme.integrity.importance_min_n);
        let mut out: Vec<Importance> = (self.scheme.items.iter().enumerate())
            .filter(|(i, _)| Some(*i) != self.overall)
            .map(|(i, item)| Importance {
                id: item.id.clone(),
                name: item.name.clone(),
                importance: (self.pairs[i].n >= min).then(|| self.pairs[i].r()).flatten(),
                pairs: self.pairs[i].n as u64,
                score: scores.iter().find(|(id, _)| *id == item.id).and_then(|(_, s)| *s),
                priority: false,
            })
            .collect();
        let mut known: Vec<f64> = out.iter().filter_map(|i| i.importance).collect();
        known.sort_by(f64::total_cmp);
        if let Some(median) = known.get(known.len().saturating_sub(1) / 2).copied() {
            let action = self.scheme.thresholds.action;
            for i in &mut out {
                i.priority = i.importance.is_some_and(|m| m >= median) && i.score.is_some_and(|s| s < action);
            }
        }
        out
    }
}

/// A user as the call-back and the self-assessments are matched on: name, phone, enterprise.
pub type UserKey = (String, String, String);

/// A response kept for matching with the call-back: who reported it, its user, its answers.
#[derive(Debug, Clone)]
pub struct Kept {
    pub submitter: String,
    pub user: UserKey,
    pub answers: String,
}

impl Kept {
    pub fn of(r: &CheckedRow<'_>) -> Kept {
        Kept {
            submitter: r.submitter.to_string(),
            user: (r.user_name.to_string(), r.phone.to_string(), r.enterprise.to_string()),
            answers: r.answers.to_string(),
        }
    }
}

/// The quarter's call-back against the monthly self-assessments: for each monthly submitter,
/// the users it reported who were also called back (name + phone + enterprise), and the share
/// of their item answers that agree (both answered, 不适用 left out).
pub fn callback_agreement(scheme: &Scheme, monthly: &[Kept], callback: &[Kept]) -> Result<Vec<Signal>, AnswersError> {
    let table = AnswerTable::new(scheme);
    let t = &scheme.integrity;
    // Per item: favourable or not (a 满意 months before a 非常满意 is no disagreement).
    let mut called: HashMap<&UserKey, Vec<Option<bool>>> = HashMap::new();
    for c in callback {
        let mut v = vec![None; scheme.items.len()];
        table.each(&c.answers, |i, _, value| v[i] = value.map(|x| x.unfavourable))?;
        called.insert(&c.user, v);
    }
    // Per submitter: the users matched, the answers compared and those that agree.
    type Matched<'k> = (HashSet<&'k UserKey>, u64, u64);
    let mut by: BTreeMap<String, Matched<'_>> = BTreeMap::new();
    for m in monthly {
        let Some(back) = called.get(&m.user) else { continue };
        let e = by.entry(m.submitter.clone()).or_default();
        // A user surveyed in several months counts once (the first month).
        if !e.0.insert(&m.user) {
            continue;
        }
        table.each(&m.answers, |i, _, value| {
            if let (Some(v), Some(b)) = (value, back[i]) {
                e.1 += 1;
                e.2 += u64::from(v.unfavourable == b);
            }
        })?;
    }
    Ok(by
        .into_iter()
        .map(|(submitter, (users, compared, agreed))| {
            let value = if compared > 0 {
                agreed as f64 * 100.0 / compared as f64
            } else {
                0.0
            };
            let n = users.len() as u64;
            Signal {
                submitter,
                name: String::new(),
                check: Check::CallbackAgreement,
                n,
                value,
                threshold: t.callback_agreement,
                flagged: n >= u64::from(t.callback_min_users) && compared > 0 && value < t.callback_agreement,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(good: bool, q12: &str) -> String {
        // Q1–Q11 yes/no (Q8, Q10, Q11 negative), Q12 and D1–D4 five-level.
        let mut parts = Vec::new();
        for q in 1..=11 {
            let fav = if [8, 10, 11].contains(&q) { "否" } else { "是" };
            let bad = if fav == "是" { "否" } else { "是" };
            parts.push(format!("\"Q{q}\":\"{}\"", if good { fav } else { bad }));
        }
        parts.push(format!("\"Q12\":\"{q12}\""));
        for d in 1..=4 {
            parts.push(format!("\"D{d}\":\"满意\""));
        }
        format!("{{{}}}", parts.join(","))
    }

    #[test]
    fn an_inflated_return_is_flagged_and_an_honest_one_is_not() {
        let scheme = Scheme::builtin();
        let mut c = Checker::new(&scheme);
        let perfect = answers(true, "非常满意");
        for i in 0..40 {
            c.add(&CheckedRow {
                submitter: "FAKE",
                user_name: "x",
                phone: if i % 5 == 0 { "13800000000" } else { "" },
                survey_date: Some("2026-10-08"),
                enterprise: "GS01",
                answers: &perfect,
            })
            .unwrap();
        }
        let grades = ["非常满意", "满意", "一般", "不满意"];
        for i in 0..40u32 {
            // Varied answers, as real respondents give them.
            let mut parts = Vec::new();
            for q in 1..=11u32 {
                let fav = if [8, 10, 11].contains(&q) { "否" } else { "是" };
                let bad = if fav == "是" { "否" } else { "是" };
                parts.push(format!(
                    "\"Q{q}\":\"{}\"",
                    if (i * 7 + q * 3) % 5 != 0 { fav } else { bad }
                ));
            }
            parts.push(format!("\"Q12\":\"{}\"", grades[(i % 4) as usize]));
            for d in 1..=4u32 {
                parts.push(format!("\"D{d}\":\"{}\"", grades[((i / 3 + d) % 4) as usize]));
            }
            let a = format!("{{{}}}", parts.join(","));
            let phone = format!("139{i:08}");
            let date = format!("2026-10-{:02}", 1 + i % 28);
            c.add(&CheckedRow {
                submitter: "HONEST",
                user_name: "y",
                phone: &phone,
                survey_date: Some(&date),
                enterprise: "GS01",
                answers: &a,
            })
            .unwrap();
        }
        let previous = vec![
            BTreeMap::from([("FAKE".to_string(), 40)]),
            BTreeMap::from([("FAKE".to_string(), 40)]),
        ];
        let signals = c.signals(&previous);
        let flagged = |who: &str, check: Check| {
            signals
                .iter()
                .find(|s| s.submitter == who && s.check == check)
                .unwrap()
                .flagged
        };
        for check in [
            Check::NoUnfavourable,
            Check::StraightLining,
            Check::RepeatedPhone,
            Check::BunchedDates,
            Check::SameN,
        ] {
            assert!(flagged("FAKE", check), "{check:?}");
            assert!(!flagged("HONEST", check), "{check:?}");
        }
        // By hand: all 40 identical → 100%; 8 rows share one phone → 20%; one day → 100%.
        let value = |check: Check| {
            signals
                .iter()
                .find(|s| s.submitter == "FAKE" && s.check == check)
                .unwrap()
                .value
        };
        assert_eq!(value(Check::StraightLining), 100.0);
        assert_eq!(value(Check::RepeatedPhone), 20.0);
        assert_eq!(value(Check::BunchedDates), 100.0);
        assert_eq!(value(Check::SameN), 3.0);
    }

    #[test]
    fn call_back_agreement_by_hand() {
        let scheme = Scheme::builtin();
        let mut t = scheme.clone();
        t.integrity.callback_min_users = 2;
        // Two users called back; the unit reported both with all 16 answers favourable. The
        // call-back: user A agrees on all 16; user B answered Q1–Q11 unfavourably (11 differ).
        let good = answers(true, "满意");
        let bad = answers(false, "满意");
        let kept = |submitter: &str, name: &str, phone: &str, answers: &String| Kept {
            submitter: submitter.into(),
            user: (name.into(), phone.into(), "GS01".into()),
            answers: answers.clone(),
        };
        let monthly = vec![
            kept("JL", "甲", "1", &good),
            kept("JL", "乙", "2", &good),
            kept("JL", "丙", "3", &good),
        ];
        let callback = vec![kept("SZJJ", "甲", "1", &good), kept("SZJJ", "乙", "2", &bad)];
        let s = callback_agreement(&t, &monthly, &callback).unwrap();
        assert_eq!(s.len(), 1);
        // 32 answers compared, 16 + 5 agree (Q12, D1–D4 of user B): 21 / 32 = 65.625%.
        assert_eq!(s[0].n, 2);
        assert!((s[0].value - 65.625).abs() < 1e-9, "{}", s[0].value);
        assert!(s[0].flagged);
    }

    #[test]
    fn the_item_that_drives_overall_satisfaction_is_the_most_important() {
        let scheme = Scheme::builtin();
        let mut c = Checker::new(&scheme);
        // Q3 follows Q12 exactly; the other yes/no items are independent of it.
        for i in 0..60u32 {
            let happy = i % 2 == 0;
            let mut parts = Vec::new();
            for q in 1..=11 {
                let fav = if [8, 10, 11].contains(&q) { "否" } else { "是" };
                let bad = if fav == "是" { "否" } else { "是" };
                let good = if q == 3 { happy } else { (i / 2 + q) % 3 != 0 };
                parts.push(format!("\"Q{q}\":\"{}\"", if good { fav } else { bad }));
            }
            parts.push(format!("\"Q12\":\"{}\"", if happy { "非常满意" } else { "不满意" }));
            let a = format!("{{{}}}", parts.join(","));
            c.add(&CheckedRow {
                submitter: "X",
                user_name: "u",
                phone: "",
                survey_date: None,
                enterprise: "GS01",
                answers: &a,
            })
            .unwrap();
        }
        let scores: Vec<(String, Option<f64>)> = scheme.items.iter().map(|i| (i.id.clone(), Some(70.0))).collect();
        let mut imp = c.importance(&scores);
        imp.sort_by(|a, b| b.importance.unwrap_or(-2.0).total_cmp(&a.importance.unwrap_or(-2.0)));
        assert_eq!(imp[0].id, "Q3");
        assert!((imp[0].importance.unwrap() - 1.0).abs() < 1e-9);
        assert!(imp[0].priority, "important and below the threshold");
    }
}
