//! Cell normalisation: every written form SPEC §6 accepts for answers, dates and phone
//! numbers becomes one canonical value. Pure functions over [`Value`]; a failure returns
//! `None`, and the caller says what was expected.

use chrono::{Days, NaiveDate};

use super::Value;
use crate::scheme::{Grade, ItemKind};
use crate::text::{clean_value, match_key};

/// The canonical answer of a not-applicable item; excluded from scores like a blank.
pub const NOT_APPLICABLE: &str = "不适用";

fn is_not_applicable(key: &str) -> bool {
    matches!(key, "不适用" | "/" | "-" | "—" | "N/A" | "NA" | "不涉及" | "无此项")
}

/// An answer as typed, compared without width, spaces, case or trailing punctuation
/// (`非常满意。`, `是!`).
fn answer_key(s: &str) -> String {
    let mut key = match_key(s);
    while key.ends_with(['。', '.', ',', ',', '!', '!', ';', ';', '、', '~', '～', '…']) {
        key.pop();
    }
    key
}

/// A yes/no answer: 是/否/Y/N/√/×/1/0 (any width), and the unambiguous forms clerks type
/// (是的, 对, 有/没有 …). `Some(None)` is a blank cell.
pub fn yes_no(v: &Value) -> Option<Option<&'static str>> {
    let key = match v {
        Value::Bool(b) => return Some(Some(if *b { "是" } else { "否" })),
        Value::Number(n) if *n == 1.0 => return Some(Some("是")),
        Value::Number(n) if *n == 0.0 => return Some(Some("否")),
        Value::Text(s) => match s.trim() {
            "是" => return Some(Some("是")),
            "否" => return Some(Some("否")),
            _ => answer_key(s),
        },
        _ => return None,
    };
    match key.as_str() {
        "" => Some(None),
        "是" | "Y" | "YES" | "√" | "✓" | "✔" | "1" | "对" | "有" | "是的" | "对的" | "有的" => {
            Some(Some("是"))
        }
        "否" | "N" | "NO" | "×" | "✗" | "✘" | "X" | "0" | "不是" | "没有" | "不" | "不对" | "无" | "不是的" => {
            Some(Some("否"))
        }
        k if is_not_applicable(k) => Some(Some(NOT_APPLICABLE)),
        _ => None,
    }
}

/// A five-level rating: its label, a letter A–E, a digit 5–1, or `A.非常满意`.
/// Returns the grade's label; `Some(None)` is a blank cell.
pub fn grade<'g>(v: &Value, grades: &'g [Grade]) -> Option<Option<&'g str>> {
    if let Value::Text(s) = v
        && let Some(g) = grades.iter().find(|g| g.label == s.trim())
    {
        return Some(Some(&g.label));
    }
    let key = match v {
        Value::Number(n) if n.fract() == 0.0 => format!("{n}"),
        Value::Text(s) => answer_key(s),
        _ => return None,
    };
    if key.is_empty() {
        return Some(None);
    }
    if is_not_applicable(&key) {
        return Some(Some(NOT_APPLICABLE));
    }
    let find = |k: &str| {
        grades
            .iter()
            .find(|g| match_key(&g.label) == k || g.codes.iter().any(|c| match_key(c) == k))
            .map(|g| g.label.as_str())
    };
    if let Some(label) = find(&key) {
        return Some(Some(label));
    }
    // `A.非常满意`, `B、满意`, `A非常满意`: the letter and the label must agree.
    let mut chars = key.chars();
    let letter = chars.next()?;
    if letter.is_ascii_alphabetic() {
        let rest = chars.as_str().trim_start_matches(['.', '、', ':', ' ']);
        let by_letter = find(&letter.to_string())?;
        if rest.is_empty() || find(rest) == Some(by_letter) {
            return Some(Some(by_letter));
        }
    }
    None
}

/// An answer an online platform's export gives as its option's number, read in the order
/// the questionnaire lists the options: a yes/no item 1 是, 2 否, 3 不适用; a five-level item
/// the scheme's grades from the first (1 非常满意 … 5 非常不满意). `None` for a number of no
/// option.
pub fn option(kind: ItemKind, number: u32, grades: &[Grade]) -> Option<Option<&str>> {
    let k = (number as usize).checked_sub(1)?;
    match kind {
        ItemKind::YesNo => ["是", "否", NOT_APPLICABLE].get(k).map(|a| Some(*a)),
        ItemKind::FiveLevel => grades.get(k).map(|g| Some(g.label.as_str())),
    }
}

/// A survey date: an Excel date, an Excel serial number, `2026-10-05`, `2026/10/5`,
/// `2026.10.5`, `2026年10月5日`, `20261005`.
pub fn date(v: &Value) -> Option<NaiveDate> {
    match v {
        Value::Date(dt) => Some(dt.date()),
        Value::Number(n) if n.fract() == 0.0 && (19000101.0..=21001231.0).contains(n) => compact_date(&format!("{n}")),
        Value::Number(n) if (1.0..2_958_466.0).contains(n) => excel_serial_date(*n),
        Value::Text(s) => text_date(&clean_value(s)),
        _ => None,
    }
}

/// Days since 1899-12-30 (Excel's 1900 date system, past its 1900-02-29 bug).
pub fn excel_serial_date(n: f64) -> Option<NaiveDate> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_days(Days::new(n.floor() as u64))
}

fn compact_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    NaiveDate::from_ymd_opt(s[..4].parse().ok()?, s[4..6].parse().ok()?, s[6..].parse().ok()?)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn text_date(s: &str) -> Option<NaiveDate> {
    let s = s.split(['T', ' ']).next().unwrap_or(s); // drop a time part
    if let Some(d) = compact_date(s) {
        return Some(d);
    }
    let parts: Vec<&str> = s
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?),
        // 腾讯问卷's `05-Sep-2026 14:23:11`.
        [d, m, y] if y.len() == 4 && m.len() == 3 => {
            let month = MONTHS.iter().position(|name| name.eq_ignore_ascii_case(m))? as u32 + 1;
            NaiveDate::from_ymd_opt(y.parse().ok()?, month, d.parse().ok()?)
        }
        _ => None,
    }
}

/// A phone number reduced to its digits (`0728-5221234` → `07285221234`, `+86 138…` → `138…`).
pub fn phone(v: &Value) -> Option<String> {
    let s = match v {
        Value::Number(n) if n.fract() == 0.0 && *n > 0.0 => format!("{n}"),
        Value::Text(s) => clean_value(s),
        _ => return None,
    };
    let mut digits = String::with_capacity(s.len());
    digits.extend(s.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '—')));
    let digits = match digits.strip_prefix("+86") {
        Some(rest) => rest.to_string(),
        None => digits,
    };
    let ok = digits.chars().all(|c| c.is_ascii_digit()) && (7..=12).contains(&digits.len());
    ok.then_some(digits)
}

/// A number typed as a number or as text (`1,200`, `１２００`, `1200吨`).
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::Text(s) => {
            let s = clean_value(s).replace(',', "");
            let end = s
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                .unwrap_or(s.len());
            s[..end].parse().ok()
        }
        _ => None,
    }
}

/// A coded value matched against its allowed codes and their synonyms.
pub fn code<'c>(v: &Value, codes: &[(&'c str, &[&str])]) -> Option<&'c str> {
    let Value::Text(s) = v else { return None };
    if let Some((c, _)) = codes.iter().find(|(c, _)| *c == s.trim()) {
        return Some(c);
    }
    let key = match_key(s);
    codes
        .iter()
        .find(|(c, syn)| match_key(c) == key || syn.iter().any(|s| match_key(s) == key))
        .map(|(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tencent_dates_and_option_numbers() {
        let d = |t: &str| date(&Value::Text(t.into()));
        assert_eq!(d("05-Sep-2026 14:23:11"), NaiveDate::from_ymd_opt(2026, 9, 5));
        assert_eq!(d("2026/9/5 14:23:11"), NaiveDate::from_ymd_opt(2026, 9, 5));
        assert_eq!(d("05-Sept-2026"), None);
        let grades = crate::scheme::Scheme::builtin().grades;
        assert_eq!(option(ItemKind::FiveLevel, 1, &grades), Some(Some("非常满意")));
        assert_eq!(option(ItemKind::FiveLevel, 5, &grades), Some(Some("非常不满意")));
        assert_eq!(option(ItemKind::FiveLevel, 6, &grades), None);
        assert_eq!(option(ItemKind::YesNo, 2, &grades), Some(Some("否")));
        assert_eq!(option(ItemKind::YesNo, 0, &grades), None);
    }
    use crate::scheme::Scheme;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn yes_no_forms() {
        for s in ["是", "Y", "y", "yes", "√", "1", "Ｙ", " 是 "] {
            assert_eq!(yes_no(&t(s)), Some(Some("是")), "{s}");
        }
        for s in ["否", "N", "no", "×", "0", "Ｎ"] {
            assert_eq!(yes_no(&t(s)), Some(Some("否")), "{s}");
        }
        assert_eq!(yes_no(&Value::Number(1.0)), Some(Some("是")));
        assert_eq!(yes_no(&Value::Number(0.0)), Some(Some("否")));
        assert_eq!(yes_no(&Value::Bool(false)), Some(Some("否")));
        assert_eq!(yes_no(&t("不适用")), Some(Some(NOT_APPLICABLE)));
        assert_eq!(yes_no(&t("")), Some(None));
        assert_eq!(yes_no(&t("满意")), None);
        assert_eq!(yes_no(&Value::Number(2.0)), None);
        // What clerks type: unambiguous words and trailing punctuation.
        for s in ["是的", "对", "对的", "有", "是。", "是 ", "是!"] {
            assert_eq!(yes_no(&t(s)), Some(Some("是")), "{s}");
        }
        for s in ["没有", "不是", "不对", "否。", "无"] {
            assert_eq!(yes_no(&t(s)), Some(Some("否")), "{s}");
        }
        assert_eq!(yes_no(&t("可能")), None);
    }

    #[test]
    fn grade_spellings_clerks_type() {
        let s = Scheme::builtin();
        let g = |v: &str| grade(&t(v), &s.grades);
        assert_eq!(g("非常满意。"), Some(Some("非常满意")));
        assert_eq!(g("满意 "), Some(Some("满意")));
        assert_eq!(g("比较满意"), Some(Some("满意")));
        assert_eq!(g("不太满意"), Some(Some("不满意")));
        // Ambiguous: neither 满意 nor 一般 for sure.
        assert_eq!(g("基本满意"), None);
        assert_eq!(g("满意吧"), None);
    }

    #[test]
    fn grade_forms() {
        let s = Scheme::builtin();
        let g = |v: Value| grade(&v, &s.grades);
        assert_eq!(g(t("非常满意")), Some(Some("非常满意")));
        assert_eq!(g(t("A")), Some(Some("非常满意")));
        assert_eq!(g(t("ａ")), Some(Some("非常满意")));
        assert_eq!(g(t("B.满意")), Some(Some("满意")));
        assert_eq!(g(t("C、一般")), Some(Some("一般")));
        assert_eq!(g(t("D")), Some(Some("不满意")));
        assert_eq!(g(t("E")), Some(Some("非常不满意")));
        assert_eq!(g(Value::Number(5.0)), Some(Some("非常满意")));
        assert_eq!(g(Value::Number(1.0)), Some(Some("非常不满意")));
        assert_eq!(g(t("３")), Some(Some("一般")));
        assert_eq!(g(t("")), Some(None));
        assert_eq!(g(t("不适用")), Some(Some(NOT_APPLICABLE)));
        assert_eq!(g(t("A.不满意")), None, "letter and label disagree");
        assert_eq!(g(t("F")), None);
        assert_eq!(g(Value::Number(6.0)), None);
        assert_eq!(g(t("是")), None);
    }

    #[test]
    fn date_forms() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 5);
        for s in [
            "2026-10-05",
            "2026/10/5",
            "2026.10.5",
            "2026年10月5日",
            "20261005",
            "２０２６－１０－０５",
            "2026-10-05 00:00:00",
        ] {
            assert_eq!(date(&t(s)), d, "{s}");
        }
        assert_eq!(date(&Value::Number(20261005.0)), d);
        // 46300 days after 1899-12-30 is 2026-10-05 (checked against Excel's DATE(2026,10,5)).
        assert_eq!(date(&Value::Number(46300.0)), d);
        assert_eq!(date(&t("2026-02-30")), None);
        assert_eq!(date(&t("十月五日")), None);
        assert_eq!(date(&Value::Number(-3.0)), None);
    }

    #[test]
    fn phone_forms() {
        assert_eq!(phone(&t("138 0013 8000")).as_deref(), Some("13800138000"));
        assert_eq!(phone(&Value::Number(13800138000.0)).as_deref(), Some("13800138000"));
        assert_eq!(phone(&t("0728-5221234")).as_deref(), Some("07285221234"));
        assert_eq!(phone(&t("+86 13800138000")).as_deref(), Some("13800138000"));
        assert_eq!(phone(&t("１３８００１３８０００")).as_deref(), Some("13800138000"));
        assert_eq!(phone(&t("张三")), None);
        assert_eq!(phone(&t("123")), None);
    }

    #[test]
    fn numbers_and_codes() {
        assert_eq!(number(&t("1,200吨")), Some(1200.0));
        assert_eq!(number(&Value::Number(3.5)), Some(3.5));
        assert_eq!(number(&t("很多")), None);
        let codes: [(&str, &[&str]); 2] = [("问卷", &["问卷调查"]), ("电话回访", &["电话"])];
        assert_eq!(code(&t("电话"), &codes), Some("电话回访"));
        assert_eq!(code(&t(" 问卷调查 "), &codes), Some("问卷"));
        assert_eq!(code(&t("上门"), &codes), None);
    }
}
