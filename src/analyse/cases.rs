//! Which responses are complaint cases (差评件, SPEC §11), and what they complain of: an
//! unfavourable grade (不满意, 非常不满意) on a five-level item, or the unfavourable answer on a
//! red-line item.

use crate::scheme::{ItemKind, Scheme};

/// The unfavourable answers of one response's `answers` (item id → canonical answer), in
/// scheme order, as `Q12 报装服务总体满意度:不满意`; empty when it is no case.
pub fn aspects(scheme: &Scheme, answers: &[(String, String)]) -> Vec<String> {
    let answer = |id: &str| answers.iter().find(|(i, _)| i == id).map(|(_, a)| a.as_str());
    let unfavourable_grade = |a: &str| scheme.grades.iter().any(|g| g.unfavourable && g.label == a);
    scheme
        .items
        .iter()
        .filter_map(|item| {
            let a = answer(&item.id)?;
            let bad = match item.kind {
                ItemKind::FiveLevel => unfavourable_grade(a),
                ItemKind::YesNo => {
                    item.red_line
                        && item
                            .favourable
                            .as_deref()
                            .is_some_and(|f| f != a && (a == "是" || a == "否"))
                }
            };
            bad.then(|| format!("{} {}:{a}", item.id, item.name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn unfavourable_grades_and_red_line_answers_make_a_case_and_nothing_else_does() {
        let s = Scheme::builtin();
        // Q10 (违规收费) and Q11 (推诿) are red lines whose favourable answer is 否.
        assert_eq!(
            aspects(
                &s,
                &answers(&[
                    ("Q1", "否"),
                    ("Q10", "是"),
                    ("Q11", "否"),
                    ("Q12", "不满意"),
                    ("D1", "一般")
                ])
            ),
            ["Q10 违规收取其他费用:是", "Q12 报装服务总体满意度:不满意"]
        );
        // 否 on Q1 is unfavourable but not a red line; 一般 is no complaint; 不适用 is no answer.
        assert!(aspects(&s, &answers(&[("Q1", "否"), ("D2", "一般"), ("Q10", "不适用")])).is_empty());
        assert_eq!(
            aspects(&s, &answers(&[("D4", "非常不满意")])),
            ["D4 意见与投诉处理评价:非常不满意"]
        );
    }
}
