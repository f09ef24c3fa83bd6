//! Row errors (SPEC §6): each in a file that also has valid rows. The file is archived,
//! the valid rows stored, and the issue names the cell, the value and what was expected.

use std::process::Output;

use crate::support::*;

const SHEET: &str = "调查问卷";

// Columns of the standard header (0-based) and their letters.
const DATE: usize = 1; // B
const METHOD: usize = 2; // C
const USER: usize = 3; // D
const USER_TYPE: usize = 4; // E
const USAGE: usize = 6; // G
const PHONE: usize = 7; // H
const UTILITY: usize = 8; // I
const ENTERPRISE: usize = 9; // J
const COUNTY: usize = 10; // K
fn q(n: usize) -> usize {
    10 + n // Q1 is L
}

#[derive(Debug, Clone, PartialEq)]
struct Issue {
    row_no: i64,
    cell: String,
    value: String,
    problem: String,
}

fn issues(env: &Env) -> Vec<Issue> {
    let db = env.db();
    let mut st = db
        .prepare("SELECT row_no, cell, value, problem FROM row_issue ORDER BY row_no, id")
        .unwrap();
    st.query_map([], |r| {
        Ok(Issue {
            row_no: r.get(0)?,
            cell: r.get(1)?,
            value: r.get(2)?,
            problem: r.get(3)?,
        })
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn stored_rows(env: &Env) -> Vec<i64> {
    let db = env.db();
    let mut st = db.prepare("SELECT row_no FROM response ORDER BY row_no").unwrap();
    st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

fn show(o: &Output) -> String {
    format!("exit {}\n--- stdout\n{}\n--- stderr\n{}", code(o), stdout(o), stderr(o))
}

/// `monthly(3)` (data in sheet rows 6, 7, 8) with row 7 changed by `bad`, ingested by `run`.
fn run_with_bad_row7(bad: impl FnOnce(&mut Vec<C>)) -> Env {
    let env = Env::new();
    let mut rows = monthly(3);
    bad(&mut rows[6]);
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    env
}

/// The file is archived with rows 6 and 8 stored and exactly one issue for row 7.
fn assert_one_issue(env: &Env, cell: &str, value: &str, expected: &[&str]) -> Issue {
    assert_eq!(env.files("archive"), ["2026-10/a.xlsx"]);
    // The file is accepted; its bad row goes back to the unit in its feedback workbook.
    assert!(env.files("rejected").is_empty(), "{:?}", env.files("rejected"));
    let (guide, reasons) = feedback_workbook(env, "2026-10", "2026年10月", "竟陵街道");
    assert!(guide.contains("放回收件箱"), "{guide}");
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0].0, 6, "sheet row 7: {reasons:?} ({cell})");
    assert!(env.files("inbox").is_empty());
    assert_eq!(stored_rows(env), [6, 8]);
    let (status, accepted, rejected): (String, i64, i64) = env
        .db()
        .query_row("SELECT status, rows_accepted, rows_rejected FROM submission", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((status.as_str(), accepted, rejected), ("accepted", 2, 1));
    let all = issues(env);
    assert_eq!(all.len(), 1, "{all:#?}");
    let i = all[0].clone();
    assert_eq!(i.row_no, 7);
    assert_eq!(i.cell, format!("{SHEET}!{cell}"));
    assert_eq!(i.value, value);
    for e in expected {
        assert!(i.problem.contains(e), "problem {:?} should contain {e:?}", i.problem);
    }
    i
}

#[test]
fn missing_user_name() {
    let env = run_with_bad_row7(|r| r[USER] = C::Blank);
    assert_one_issue(&env, "D7", "", &["缺少", "用户名称"]);
}

#[test]
fn missing_phone_value() {
    let env = run_with_bad_row7(|r| r[PHONE] = C::Blank);
    assert_one_issue(&env, "H7", "", &["缺少", "联系电话"]);
}

#[test]
fn invalid_phone() {
    let env = run_with_bad_row7(|r| r[PHONE] = s("张三"));
    assert_one_issue(&env, "H7", "张三", &["联系电话", "11 位手机号"]);
}

#[test]
fn unknown_user_type_lists_allowed_codes() {
    let env = run_with_bad_row7(|r| r[USER_TYPE] = s("个体户"));
    assert_one_issue(
        &env,
        "E7",
        "个体户",
        &["用户类型", "企事业单位", "工商业用户", "工矿企业", "居民用户", "其他"],
    );
}

#[test]
fn unknown_survey_method() {
    let env = run_with_bad_row7(|r| r[METHOD] = s("微信群"));
    assert_one_issue(&env, "C7", "微信群", &["调查方式", "问卷", "电话回访", "现场"]);
}

#[test]
fn unknown_enterprise_suggests_the_closest() {
    let env = run_with_bad_row7(|r| r[ENTERPRISE] = s("天门市第一供水有线公司"));
    assert_one_issue(
        &env,
        "J7",
        "天门市第一供水有线公司",
        &["服务企业", "您是否指“天门市第一供水有限公司”"],
    );
}

#[test]
fn utility_does_not_match_the_enterprise() {
    let env = run_with_bad_row7(|r| r[UTILITY] = s("供气"));
    assert_one_issue(&env, "I7", "供气", &["服务类别", "天门市第一供水有限公司", "供水"]);
}

#[test]
fn unknown_county() {
    let env = run_with_bad_row7(|r| r[COUNTY] = s("竟陵街到"));
    assert_one_issue(&env, "K7", "竟陵街到", &["所属县市", "您是否指“竟陵街道”"]);
}

#[test]
fn missing_enterprise_in_a_county_return() {
    let env = run_with_bad_row7(|r| r[ENTERPRISE] = C::Blank);
    assert_one_issue(&env, "J7", "", &["缺少", "服务企业"]);
}

#[test]
fn missing_survey_date() {
    let env = run_with_bad_row7(|r| r[DATE] = C::Blank);
    assert_one_issue(&env, "B7", "", &["缺少", "调查日期"]);
}

#[test]
fn monthly_usage_not_a_number() {
    let env = run_with_bad_row7(|r| r[USAGE] = s("很多"));
    assert_one_issue(&env, "G7", "很多", &["月均用量", "数字"]);
}

#[test]
fn survey_date_outside_the_period() {
    let env = run_with_bad_row7(|r| r[DATE] = s("2026-11-05"));
    assert_one_issue(&env, "B7", "2026-11-05", &["不在所属期", "2026-10-01", "2026-10-31"]);
}

#[test]
fn survey_date_as_excel_date_outside_the_period() {
    let env = run_with_bad_row7(|r| r[DATE] = C::D(2026, 9, 30));
    assert_one_issue(&env, "B7", "2026-09-30", &["不在所属期", "2026-10-01", "2026-10-31"]);
}

#[test]
fn unparseable_survey_date() {
    let env = run_with_bad_row7(|r| r[DATE] = s("十月五日"));
    assert_one_issue(&env, "B7", "十月五日", &["调查日期", "2026-10-05"]);
}

#[test]
fn bad_yes_no_answer() {
    let env = run_with_bad_row7(|r| r[q(3)] = s("满意"));
    assert_one_issue(&env, "N7", "满意", &["Q3", "是 或 否"]);
}

#[test]
fn bad_grade_answer() {
    let env = run_with_bad_row7(|r| r[q(12)] = s("很好"));
    assert_one_issue(&env, "W7", "很好", &["Q12", "非常满意", "不满意", "非常不满意"]);
}

#[test]
fn formula_error_value() {
    let env = run_with_bad_row7(|r| r[PHONE] = C::Err("#N/A"));
    assert_one_issue(&env, "H7", "#N/A", &["公式错误", "#N/A"]);
}

#[test]
fn formula_error_in_an_answer_column() {
    let env = run_with_bad_row7(|r| r[q(1)] = C::Err("#N/A"));
    assert_one_issue(&env, "L7", "#N/A", &["公式错误", "#N/A"]);
}

#[test]
fn all_answers_blank() {
    let env = run_with_bad_row7(|r| {
        for cell in &mut r[q(1)..q(1) + 16] {
            *cell = C::Blank;
        }
    });
    assert_one_issue(&env, "第7行", "", &["均未填写或均为“不适用”"]);
}

#[test]
fn duplicate_respondent_in_the_same_file() {
    let env = Env::new();
    let mut rows = monthly(3);
    let mut again = row(1, "2026-10-20", "第一供水公司"); // same user, phone, enterprise (by alias)
    again[0] = C::N(3.0);
    rows[7] = again;
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    assert_eq!(env.files("archive"), ["2026-10/a.xlsx"]);
    assert_eq!(stored_rows(&env), [6, 7]);
    let all = issues(&env);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].row_no, 8);
    assert_eq!(all[0].cell, "调查问卷!D8");
    assert_eq!(all[0].value, "测试用户1有限公司");
    assert!(all[0].problem.contains("与第 6 行重复"), "{}", all[0].problem);
}

#[test]
fn duplicate_respondent_written_differently() {
    let env = Env::new();
    let mut rows = monthly(3);
    // Row 8 is row 6's respondent: the name with stray spaces, the phone as a number.
    rows[7][USER] = s(" 测试用户1有限公司　");
    rows[7][PHONE] = C::N(13800000001.0);
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    assert_eq!(stored_rows(&env), [6, 7]);
    let all = issues(&env);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].cell, "调查问卷!D8");
    assert!(all[0].problem.contains("与第 6 行重复"), "{}", all[0].problem);
}

#[test]
fn duplicate_respondent_across_submitters() {
    let env = Env::new();
    write_xlsx(&env.inbox("a_竟陵.xlsx"), SHEET, &monthly(2));
    let mut rows = meta("岳口镇", "月度自评", "2026-10");
    rows.push(header());
    rows.push(row(1, "2026-10-12", "天门市第一供水有限公司")); // row 6: already reported by 竟陵街道
    rows.push(row(7, "2026-10-12", "天门市第一供水有限公司")); // row 7: new
    write_xlsx(&env.inbox("b_岳口.xlsx"), SHEET, &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    assert_eq!(env.files("archive"), ["2026-10/a_竟陵.xlsx", "2026-10/b_岳口.xlsx"]);
    let per_submitter = |code: &str| {
        env.count(&format!(
            "SELECT count(*) FROM response r JOIN submission s ON s.id = r.submission_id
             WHERE s.submitter_code = '{code}' AND s.status = 'accepted'"
        ))
    };
    assert_eq!(per_submitter("JL"), 2, "the first file's rows are kept");
    assert_eq!(per_submitter("YK"), 1);
    let all = issues(&env);
    assert_eq!(all.len(), 1, "{all:#?}");
    let i = &all[0];
    assert_eq!(i.row_no, 6);
    assert_eq!(i.cell, "调查问卷!D6");
    assert_eq!(i.value, "测试用户1有限公司");
    assert!(
        i.problem.contains("竟陵街道") && i.problem.contains("a_竟陵.xlsx"),
        "{}",
        i.problem
    );
    let flagged_submitter: String = env
        .db()
        .query_row(
            "SELECT s.submitter_code FROM row_issue i JOIN submission s ON s.id = i.submission_id",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(flagged_submitter, "YK");
}

#[test]
fn duplicate_respondent_across_submitters_in_a_later_run() {
    let env = Env::new();
    write_xlsx(&env.inbox("a_竟陵.xlsx"), SHEET, &monthly(2));
    assert_eq!(code(&env.run(&["run"])), 0);
    let mut rows = meta("岳口镇", "月度自评", "2026-10");
    rows.push(header());
    rows.push(row(2, "2026-10-12", "天门市第一供水有限公司")); // row 6: already reported
    rows.push(row(7, "2026-10-12", "天门市第一供水有限公司"));
    write_xlsx(&env.inbox("b_岳口.xlsx"), SHEET, &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    assert_eq!(env.count("SELECT count(*) FROM response"), 3);
    let all = issues(&env);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].cell, "调查问卷!D6");
    assert!(
        all[0].problem.contains("第 7 行"),
        "names the first file's row: {}",
        all[0].problem
    );
}

#[test]

fn a_row_with_two_problems_is_one_rejected_row() {
    let env = run_with_bad_row7(|r| {
        r[PHONE] = s("张三");
        r[q(3)] = s("满意");
    });
    assert_eq!(stored_rows(&env), [6, 8]);
    let cells: Vec<String> = issues(&env).into_iter().map(|i| i.cell).collect();
    assert_eq!(cells, ["调查问卷!H7", "调查问卷!N7"]);
    let (accepted, rejected): (i64, i64) = env
        .db()
        .query_row("SELECT rows_accepted, rows_rejected FROM submission", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((accepted, rejected), (2, 1), "rows_rejected counts rows, not issues");
}

#[test]
fn every_row_invalid_rejects_the_file() {
    let env = Env::new();
    let mut rows = monthly(2);
    rows[5][PHONE] = s("张三");
    rows[6][USER_TYPE] = s("个体户");
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    assert!(env.files("archive").is_empty(), "{:?}", env.files("archive"));
    assert_eq!(env.files("rejected"), ["a.xlsx", "a.xlsx.错误说明.txt"]);
    assert_eq!(env.count("SELECT count(*) FROM response"), 0);
    assert_eq!(
        env.count("SELECT count(*) FROM submission WHERE status = 'rejected'"),
        1
    );
    let text = env.explanation("a.xlsx");
    for want in [
        "a.xlsx",
        "没有一行有效数据",
        "调查问卷!H6",
        "张三",
        "调查问卷!E7",
        "个体户",
    ] {
        assert!(text.contains(want), "explanation should contain {want:?}:\n{text}");
    }
}

#[test]
fn check_prints_row_errors_and_stores_nothing() {
    let env = Env::new();
    let mut rows = monthly(3);
    rows[6][PHONE] = s("张三");
    rows[7][q(12)] = s("很好");
    let file = env.inbox("a.xlsx");
    write_xlsx(&file, SHEET, &rows);
    let before = sha256(&file);
    let o = env.run(&["check", file.to_str().unwrap()]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    let out = stdout(&o);
    for want in ["调查问卷!H7", "张三", "调查问卷!W8", "很好"] {
        assert!(out.contains(want), "check output should contain {want:?}:\n{out}");
    }
    assert_eq!(env.files("inbox"), ["a.xlsx"], "the file is not moved");
    assert_eq!(sha256(&file), before);
    assert!(env.files("archive").is_empty() && env.files("rejected").is_empty());
    let db = env.path("data/utility-eval.sqlite");
    if db.exists() {
        assert_eq!(env.count("SELECT count(*) FROM submission"), 0);
        assert_eq!(env.count("SELECT count(*) FROM response"), 0);
    }
}

#[test]
fn check_of_a_clean_file_exits_0() {
    let env = Env::new();
    let file = env.inbox("a.xlsx");
    write_xlsx(&file, SHEET, &monthly(2));
    let o = env.run(&["check", file.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert_eq!(env.files("inbox"), ["a.xlsx"]);
}
