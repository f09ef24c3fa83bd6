//! Every accepted variant of a return (SPEC §6): each is ingested by `run` and the stored
//! submission and a specific row are read back from the database.

use std::path::Path;
use std::process::Output;

use serde_json::{Value as Json, json};

use crate::support::*;

const SHEET: &str = "调查问卷";
const MONTH_ROW1: u32 = 6; // 1-based sheet row of the first data row of `monthly()`

/// The one submission of the deployment.
#[derive(Debug, PartialEq)]
struct Sub {
    submitter: String,
    kind: String,
    period: String,
    status: String,
    rows_accepted: i64,
    rows_rejected: i64,
}

fn only_submission(env: &Env) -> Sub {
    assert_eq!(
        env.count("SELECT count(*) FROM submission"),
        1,
        "exactly one submission"
    );
    env.db()
        .query_row(
            "SELECT submitter_code, kind, period, status, rows_accepted, rows_rejected FROM submission",
            [],
            |r| {
                Ok(Sub {
                    submitter: r.get(0)?,
                    kind: r.get(1)?,
                    period: r.get(2)?,
                    status: r.get(3)?,
                    rows_accepted: r.get(4)?,
                    rows_rejected: r.get(5)?,
                })
            },
        )
        .unwrap()
}

/// A stored response, read back by its sheet row.
#[derive(Debug)]
struct Resp {
    user_name: String,
    phone: Option<String>,
    enterprise: String,
    county: String,
    survey_date: Option<String>,
    method: Option<String>,
    user_type: Option<String>,
    answers: Json,
}

fn response(env: &Env, row_no: u32) -> Resp {
    env.db()
        .query_row(
            "SELECT user_name, phone, enterprise, county, survey_date, method, user_type, answers
             FROM response WHERE row_no = ?1",
            [row_no],
            |r| {
                let answers: String = r.get(7)?;
                Ok(Resp {
                    user_name: r.get(0)?,
                    phone: r.get(1)?,
                    enterprise: r.get(2)?,
                    county: r.get(3)?,
                    survey_date: r.get(4)?,
                    method: r.get(5)?,
                    user_type: r.get(6)?,
                    answers: serde_json::from_str(&answers).unwrap(),
                })
            },
        )
        .unwrap_or_else(|e| panic!("no response stored for row {row_no}: {e}"))
}

fn show(o: &Output) -> String {
    format!("exit {}\n--- stdout\n{}\n--- stderr\n{}", code(o), stdout(o), stderr(o))
}

/// Runs `run` and asserts it ended with exit 0, no row issue and one accepted submission.
fn run_clean(env: &Env) -> Sub {
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert_eq!(env.count("SELECT count(*) FROM row_issue"), 0, "no row issue");
    assert!(
        env.files("rejected").is_empty(),
        "nothing rejected: {:?}",
        env.files("rejected")
    );
    assert!(env.files("inbox").is_empty(), "inbox emptied: {:?}", env.files("inbox"));
    let sub = only_submission(env);
    assert_eq!(sub.status, "accepted");
    assert_eq!(sub.rows_rejected, 0);
    sub
}

fn sub(submitter: &str, kind: &str, period: &str, rows: i64) -> Sub {
    Sub {
        submitter: submitter.into(),
        kind: kind.into(),
        period: period.into(),
        status: "accepted".into(),
        rows_accepted: rows,
        rows_rejected: 0,
    }
}

/// The answers of `row()`: Q8, Q10, Q11 (negative items) 否, the others 是, grades 满意.
fn standard_answers() -> Json {
    json!({
        "Q1": "是", "Q2": "是", "Q3": "是", "Q4": "是", "Q5": "是", "Q6": "是", "Q7": "是",
        "Q8": "否", "Q9": "是", "Q10": "否", "Q11": "否",
        "Q12": "满意", "D1": "满意", "D2": "满意", "D3": "满意", "D4": "满意"
    })
}

/// Asserts the stored row written by `row(n, …)` about GS01.
fn assert_standard_row(env: &Env, row_no: u32, n: u32, date: &str) {
    let r = response(env, row_no);
    assert_eq!(r.user_name, format!("测试用户{n}有限公司"));
    assert_eq!(r.phone.as_deref(), Some(format!("138{n:08}").as_str()));
    assert_eq!(r.enterprise, "GS01");
    assert_eq!(r.county, "竟陵街道");
    assert_eq!(r.survey_date.as_deref(), Some(date));
    assert_eq!(r.method.as_deref(), Some("问卷"));
    assert_eq!(r.user_type.as_deref(), Some("工商业用户"));
    assert_eq!(r.answers, standard_answers());
}

fn data_rows(n: u32, date: &str) -> Vec<Vec<C>> {
    (1..=n).map(|i| row(i, date, "天门市第一供水有限公司")).collect()
}

// ---------------------------------------------------------------- metadata

#[test]
fn metadata_as_label_value_cells() {
    let env = Env::new();
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &monthly(3));
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 3));
    assert_eq!(env.count("SELECT count(*) FROM response"), 3);
    assert_standard_row(&env, MONTH_ROW1 + 1, 2, "2026-10-05");
    assert_eq!(env.files("archive"), ["2026-10/a.xlsx"]);
}

#[test]
fn metadata_as_label_colon_value_in_one_cell() {
    let env = Env::new();
    let mut rows = vec![
        vec![s("填报单位：竟陵街道")],
        vec![s("报表类型：月度自评"), C::Blank, s("所属期:2026-10")],
        vec![],
        header(),
    ];
    rows.extend(data_rows(2, "2026-10-05"));
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 2));
    assert_standard_row(&env, 5, 1, "2026-10-05");
}

#[test]
fn metadata_pairs_side_by_side_in_one_row() {
    let env = Env::new();
    let mut rows = vec![
        vec![s("天门市供水供气企业服务满意度调查表")],
        vec![
            s("填报单位："),
            s("岳口镇"),
            C::Blank,
            s("报表类型"),
            s("月报"),
            C::Blank,
            s("所属期"),
            s("2026年10月"),
        ],
        vec![],
        header(),
    ];
    rows.extend(data_rows(2, "2026-10-31"));
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("YK", "monthly", "2026-10", 2));
    assert_standard_row(&env, 5, 1, "2026-10-31");
}

#[test]
fn metadata_from_folder_and_file_name() {
    let env = Env::new();
    let mut rows = vec![header()];
    rows.extend(data_rows(2, "2026-10-05"));
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 2));
    assert_standard_row(&env, 3, 2, "2026-10-05");
    assert_eq!(env.files("archive"), ["2026-10/竟陵街道_月度自评_2026-10.xlsx"]);
}

#[test]
fn metadata_from_file_name_only() {
    let env = Env::new();
    let mut rows = vec![header()];
    for i in 1..=2 {
        let mut r = row(i, "2026-10-05", "天门市岳口供水有限公司");
        r[10] = s("岳口镇");
        rows.push(r);
    }
    write_xlsx(&env.inbox("岳口镇_月报_202610.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("YK", "monthly", "2026-10", 2));
    let r = response(&env, 2);
    assert_eq!(r.user_name, "测试用户1有限公司");
    assert_eq!(r.enterprise, "GS02");
    assert_eq!(r.county, "岳口镇");
    assert_eq!(r.survey_date.as_deref(), Some("2026-10-05"));
    assert_eq!(r.answers, standard_answers());
    assert_eq!(env.files("archive"), ["2026-10/岳口镇_月报_202610.xlsx"]);
}

#[test]
fn submitter_by_alias_and_by_code() {
    for (typed, code) in [
        ("竟陵街道办事处", "JL"),
        ("JL", "JL"),
        ("市住建局", "SZJJ"),
        ("第一供水公司", "GS01"),
    ] {
        let env = Env::new();
        let kind = if code == "SZJJ" { "季度抽查" } else { "月度自评" };
        let period = if code == "SZJJ" { "2026Q4" } else { "2026-10" };
        let mut rows = meta(typed, kind, period);
        rows.push(header());
        rows.extend(data_rows(2, "2026-10-05"));
        write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
        let want_kind = if code == "SZJJ" { "quarterly" } else { "monthly" };
        assert_eq!(run_clean(&env), sub(code, want_kind, period, 2), "{typed}");
        assert_standard_row(&env, MONTH_ROW1, 1, "2026-10-05");
    }
}

#[test]
fn data_on_a_second_sheet_after_instructions() {
    let env = Env::new();
    let notes: Vec<Vec<C>> = vec![
        vec![s("填表说明")],
        vec![s("1. 用户名称填写单位全称;联系电话填写手机号。")],
        vec![s("2. Q1–Q11 填 是 或 否,Q12 填 非常满意…非常不满意。")],
    ];
    let data = monthly(2);
    write_xlsx_sheets(&env.inbox("a.xlsx"), &[("填表说明", &notes), (SHEET, &data)]);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 2));
    assert_standard_row(&env, MONTH_ROW1 + 1, 2, "2026-10-05");
}

// ---------------------------------------------------------------- 所属期

fn monthly_with_period(period: C) -> Env {
    let env = Env::new();
    let mut rows = monthly(2);
    rows[2][1] = period;
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    env
}

fn assert_month_period(period: C) {
    let env = monthly_with_period(period.clone());
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 2), "所属期 {period:?}");
    assert_standard_row(&env, MONTH_ROW1, 1, "2026-10-05");
    assert_eq!(env.files("archive"), ["2026-10/a.xlsx"]);
}

#[test]
fn period_2026_dash_10() {
    assert_month_period(s("2026-10"));
}

#[test]
fn period_2026_nian_10_yue() {
    assert_month_period(s("2026年10月"));
}

#[test]
fn period_2026_nian_10_yuefen() {
    assert_month_period(s("2026年10月份"));
}

#[test]
fn period_202610() {
    assert_month_period(s("202610"));
}

#[test]
fn period_2026_dot_10() {
    assert_month_period(s("2026.10"));
}

#[test]
fn period_as_excel_date_cell() {
    assert_month_period(C::D(2026, 10, 1));
}

#[test]
fn period_202610_typed_as_a_number() {
    assert_month_period(C::N(202610.0));
}

/// A quarterly sampled return by the city bureau, surveyed across the quarter.
fn assert_quarter(kind: &str, period: &str) {
    let env = Env::new();
    let mut rows = meta("天门市住房和城乡建设局", kind, period);
    rows.push(header());
    // Across the quarter's months, none later than the day this was written (a later date is
    // flagged as lying in the future).
    for (i, date) in [(1, "2026-10-01"), (2, "2026-11-15"), (3, "2026-11-27")] {
        let mut r = row(i, date, "天门市第一供水有限公司");
        r[2] = s("电话回访");
        rows.push(r);
    }
    write_xlsx(&env.inbox("q.xlsx"), SHEET, &rows);
    assert_eq!(
        run_clean(&env),
        sub("SZJJ", "quarterly", "2026Q4", 3),
        "{kind} {period}"
    );
    let name: String = env
        .db()
        .query_row("SELECT submitter_name FROM submission", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "天门市住房和城乡建设局");
    let dates: Vec<String> = {
        let db = env.db();
        let mut st = db.prepare("SELECT survey_date FROM response ORDER BY row_no").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(dates, ["2026-10-01", "2026-11-15", "2026-11-27"]);
    let r = response(&env, MONTH_ROW1 + 1);
    assert_eq!(r.method.as_deref(), Some("电话回访"));
    assert_eq!(r.answers, standard_answers());
    assert_eq!(env.files("archive"), ["2026Q4/q.xlsx"]);
}

#[test]
fn quarter_2026q4() {
    assert_quarter("季度抽查", "2026Q4");
}

#[test]
fn quarter_2026_dash_q4() {
    assert_quarter("季度抽查", "2026-Q4");
}

#[test]
fn quarter_2026_nian_di_4_jidu() {
    assert_quarter("抽查", "2026年第4季度");
}

#[test]
fn quarter_2026_nian_di_si_jidu() {
    assert_quarter("抽查", "2026年第四季度");
}

// ---------------------------------------------------------------- 报表类型

fn assert_monthly_kind(kind: &str) {
    let env = Env::new();
    let mut rows = monthly(2);
    rows[1][1] = s(kind);
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 2), "{kind}");
    assert_standard_row(&env, MONTH_ROW1, 1, "2026-10-05");
}

#[test]
fn kind_yuedu_ziping() {
    assert_monthly_kind("月度自评");
}

#[test]
fn kind_yuebao() {
    assert_monthly_kind("月报");
}

// 季度抽查 and 抽查 are covered by the quarter tests above.

#[test]
fn kind_sample_frame() {
    let env = Env::new();
    let mut rows = meta("竟陵街道", "样本名单", "2026Q4");
    rows.push(
        [
            "序号",
            "用户名称",
            "用户类型",
            "用水(用气)性质",
            "月均用量",
            "联系电话",
            "服务类别",
            "服务企业",
            "所属县市",
        ]
        .iter()
        .map(|x| s(x))
        .collect(),
    );
    for i in 1..=3u32 {
        rows.push(vec![
            C::N(i as f64),
            C::S(format!("样本用户{i}")),
            s("企事业单位"),
            s("办公"),
            C::N(80.0),
            C::S(format!("139{i:08}")),
            s("供气"),
            s("天门市天然气有限公司"),
            s("竟陵街道"),
        ]);
    }
    write_xlsx(&env.inbox("frame.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "frame", "2026Q4", 3));
    let r = response(&env, 7);
    assert_eq!(r.user_name, "样本用户2");
    assert_eq!(r.phone.as_deref(), Some("13900000002"));
    assert_eq!(r.enterprise, "RQ01");
    assert_eq!(r.county, "竟陵街道");
    assert_eq!(r.user_type.as_deref(), Some("企事业单位"));
    assert_eq!(r.survey_date, None);
    assert_eq!(r.method, None);
    assert_eq!(r.answers, json!({}));
    let raw: String = env
        .db()
        .query_row("SELECT answers FROM response WHERE row_no = 7", [], |r| r.get(0))
        .unwrap();
    assert_eq!(raw, "{}");
}

// ---------------------------------------------------------------- header

#[test]
fn header_after_one_to_four_title_rows() {
    for titles in 1..=4u32 {
        let env = Env::new();
        let mut rows: Vec<Vec<C>> = (0..titles)
            .map(|t| match t {
                0 => vec![s("天门市供水供气企业服务满意度调查表")],
                1 => vec![C::Blank, C::Blank, s("(用户评价问卷)")],
                2 => vec![],
                _ => vec![s("单位:户")],
            })
            .collect();
        rows.push(header());
        rows.extend(data_rows(2, "2026-10-05"));
        write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"), SHEET, &rows);
        assert_eq!(
            run_clean(&env),
            sub("JL", "monthly", "2026-10", 2),
            "{titles} title rows"
        );
        // The header is at sheet row titles + 1; the first data row follows it.
        assert_standard_row(&env, titles + 2, 1, "2026-10-05");
    }
}

#[test]
fn header_labels_with_notes_line_breaks_and_marks() {
    let env = Env::new();
    let mut rows = monthly(2);
    rows[4][1] = s("调查日期（必填）");
    rows[4][3] = s("*用户名称\n(单位全称)");
    rows[4][7] = s("联系 电话");
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 2));
    assert_standard_row(&env, MONTH_ROW1 + 1, 2, "2026-10-05");
}

#[test]
fn columns_in_shuffled_order() {
    let env = Env::new();
    let mut rows = monthly(2);
    for r in rows.iter_mut().skip(4) {
        // Reversed, then the first ten rotated: nothing is where the template puts it.
        r.reverse();
        r[..10].rotate_left(3);
    }
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 2));
    assert_standard_row(&env, MONTH_ROW1, 1, "2026-10-05");
    assert_standard_row(&env, MONTH_ROW1 + 1, 2, "2026-10-05");
}

#[test]
fn extra_column_is_ignored_and_noted() {
    let env = Env::new();
    let mut rows = monthly(2);
    rows[4].push(s("备注"));
    rows[5].push(s("老用户"));
    rows[6].push(s("新装"));
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 2));
    assert_standard_row(&env, MONTH_ROW1, 1, "2026-10-05");
    let notes: Option<String> = env
        .db()
        .query_row("SELECT notes FROM submission", [], |r| r.get(0))
        .unwrap();
    let notes = notes.unwrap_or_default();
    assert_eq!(notes.matches("备注").count(), 1, "reported once: {notes}");
}

fn q5_question_text() -> String {
    let scheme = std::fs::read_to_string(Path::new(REPO).join("templates/scheme.toml")).unwrap();
    let table: toml::Table = scheme.parse().unwrap();
    let items = table["item"].as_array().unwrap();
    let q5 = items.iter().find(|i| i["id"].as_str() == Some("Q5")).unwrap();
    q5["question"].as_str().unwrap().to_string()
}

/// Q5's header written as `label`; the row answers Q5 with 否 to tell it apart.
fn assert_q5_header(label: C) {
    let env = Env::new();
    let mut rows = monthly(2);
    rows[4][15] = label.clone();
    rows[5][15] = s("否");
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 2), "header {label:?}");
    let mut want = standard_answers();
    want["Q5"] = json!("否");
    assert_eq!(response(&env, MONTH_ROW1).answers, want, "header {label:?}");
    assert_eq!(response(&env, MONTH_ROW1 + 1).answers, standard_answers());
}

#[test]
fn question_header_full_text_with_number() {
    assert_q5_header(C::S(format!("5.{}", q5_question_text())));
}

#[test]
fn question_header_wenti5() {
    assert_q5_header(s("问题5"));
}

#[test]
fn question_header_bare_5() {
    assert_q5_header(s("5"));
}

#[test]
fn question_header_q5() {
    assert_q5_header(s("Q5"));
}

#[test]
fn question_header_di5ti() {
    assert_q5_header(s("第5题"));
}

#[test]

fn question_headers_typed_as_numbers() {
    // In Excel, typing 1…12 in the header gives number cells, not text.
    let env = Env::new();
    let mut rows = monthly(2);
    for q in 1..=12u32 {
        rows[4][10 + q as usize] = C::N(q as f64);
    }
    rows[5][15] = s("否");
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 2));
    let mut want = standard_answers();
    want["Q5"] = json!("否");
    assert_eq!(response(&env, MONTH_ROW1).answers, want);
}

fn assert_user_name_synonym(label: &str) {
    let env = Env::new();
    let mut rows = monthly(2);
    rows[4][3] = s(label);
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 2), "{label}");
    assert_standard_row(&env, MONTH_ROW1, 1, "2026-10-05");
}

#[test]
fn user_name_synonym_danwei_mingcheng() {
    assert_user_name_synonym("单位名称");
}

#[test]
fn user_name_synonym_kehu_mingcheng() {
    assert_user_name_synonym("客户名称");
}

// ---------------------------------------------------------------- answers

/// Column of an item in the standard header: Q1…Q12 then D1…D4.
fn col_q(q: usize) -> usize {
    10 + q
}
fn col_d(d: usize) -> usize {
    22 + d
}

#[test]
fn answers_in_every_accepted_form() {
    let env = Env::new();
    let mut rows = monthly(5);
    let set = |r: &mut Vec<C>, cells: &[(usize, C)]| {
        for (c, v) in cells {
            r[*c] = v.clone();
        }
    };
    // Row 6: Y/N, √/×, 1/0 numbers, letters A–E; Q8 (negative) answered 是 stays 是;
    // Q9 不适用; Q10 blank.
    set(
        &mut rows[5],
        &[
            (col_q(1), s("Y")),
            (col_q(2), s("N")),
            (col_q(3), s("√")),
            (col_q(4), s("×")),
            (col_q(5), C::N(1.0)),
            (col_q(6), C::N(0.0)),
            (col_q(7), s("y")),
            (col_q(8), s("是")),
            (col_q(9), s("不适用")),
            (col_q(10), C::Blank),
            (col_q(11), s("否")),
            (col_q(12), s("A")),
            (col_d(1), s("B")),
            (col_d(2), s("C")),
            (col_d(3), s("D")),
            (col_d(4), s("E")),
        ],
    );
    // Row 7: digits 5–1, as text and as numbers.
    set(
        &mut rows[6],
        &[
            (col_q(12), s("5")),
            (col_d(1), C::N(4.0)),
            (col_d(2), s("3")),
            (col_d(3), C::N(2.0)),
            (col_d(4), s("1")),
        ],
    );
    // Row 8: full labels, 不适用 for a five-level item, Q11 (negative) answered 是.
    set(
        &mut rows[7],
        &[
            (col_q(11), s("是")),
            (col_q(12), s("不适用")),
            (col_d(1), s("非常满意")),
            (col_d(2), s("一般")),
            (col_d(3), s("不满意")),
            (col_d(4), s("非常不满意")),
        ],
    );
    // Row 9: full-width forms.
    set(
        &mut rows[8],
        &[
            (col_q(1), s("Ｙ")),
            (col_q(2), s("Ｎ")),
            (col_q(3), s("　是　")),
            (col_q(4), s("１")),
            (col_q(10), s("０")),
            (col_q(12), s("Ａ")),
            (col_d(1), s("４")),
            (col_d(2), s("ｃ")),
        ],
    );
    // Row 10: several blanks.
    set(
        &mut rows[9],
        &[(col_q(2), C::Blank), (col_q(12), C::Blank), (col_d(4), C::Blank)],
    );
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 5));

    assert_eq!(
        response(&env, 6).answers,
        json!({
            "Q1": "是", "Q2": "否", "Q3": "是", "Q4": "否", "Q5": "是", "Q6": "否", "Q7": "是",
            "Q8": "是", "Q9": "不适用", "Q11": "否",
            "Q12": "非常满意", "D1": "满意", "D2": "一般", "D3": "不满意", "D4": "非常不满意"
        })
    );
    let mut want = standard_answers();
    for (k, v) in [
        ("Q12", "非常满意"),
        ("D1", "满意"),
        ("D2", "一般"),
        ("D3", "不满意"),
        ("D4", "非常不满意"),
    ] {
        want[k] = json!(v);
    }
    assert_eq!(response(&env, 7).answers, want);
    let mut want = standard_answers();
    for (k, v) in [
        ("Q11", "是"),
        ("Q12", "不适用"),
        ("D1", "非常满意"),
        ("D2", "一般"),
        ("D3", "不满意"),
        ("D4", "非常不满意"),
    ] {
        want[k] = json!(v);
    }
    assert_eq!(response(&env, 8).answers, want);
    let mut want = standard_answers();
    for (k, v) in [
        ("Q1", "是"),
        ("Q2", "否"),
        ("Q3", "是"),
        ("Q4", "是"),
        ("Q10", "否"),
        ("Q12", "非常满意"),
        ("D1", "满意"),
        ("D2", "一般"),
    ] {
        want[k] = json!(v);
    }
    assert_eq!(response(&env, 9).answers, want);
    let mut want = standard_answers();
    for k in ["Q2", "Q12", "D4"] {
        want.as_object_mut().unwrap().remove(k);
    }
    assert_eq!(response(&env, 10).answers, want);
}

// ---------------------------------------------------------------- dates

#[test]
fn survey_dates_in_every_accepted_form() {
    let env = Env::new();
    let mut rows = monthly(7);
    let forms = [
        C::D(2026, 10, 5),
        s("2026/10/5"),
        s("2026年10月5日"),
        s("20261005"),
        C::N(20261005.0),
        s("2026-10-05"),
        C::N(46300.0), // an Excel serial number without a date format
    ];
    for (i, f) in forms.iter().enumerate() {
        rows[5 + i][1] = f.clone();
    }
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 7));
    for (i, f) in forms.iter().enumerate() {
        let r = response(&env, MONTH_ROW1 + i as u32);
        assert_eq!(r.survey_date.as_deref(), Some("2026-10-05"), "{f:?}");
        assert_eq!(r.user_name, format!("测试用户{}有限公司", i + 1));
    }
}

// ---------------------------------------------------------------- rows that are not data

#[test]
fn blank_numbered_and_trailing_rows_are_skipped() {
    let env = Env::new();
    let mut rows = meta("竟陵街道", "月度自评", "2026-10");
    rows.push(header());
    rows.push(row(1, "2026-10-05", "天门市第一供水有限公司")); // row 6
    rows.push(vec![]); // row 7: blank
    rows.push(row(2, "2026-10-06", "天门市第一供水有限公司")); // row 8
    rows.push(vec![C::N(3.0)]); // row 9: numbered only
    rows.push(vec![C::N(4.0)]); // row 10: numbered only
    rows.push(row(5, "2026-10-07", "天门市第一供水有限公司")); // row 11
    rows.push(vec![C::N(6.0)]); // row 12: numbered only
    let mut total = vec![s("合计")];
    total.resize(6, C::Blank);
    total.push(C::N(360.0));
    rows.push(total); // row 13
    rows.push(vec![]); // row 14
    rows.push(vec![s("填报人：王某  审核人：李某")]); // row 15
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 3));
    let stored: Vec<i64> = {
        let db = env.db();
        let mut st = db.prepare("SELECT row_no FROM response ORDER BY row_no").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(stored, [6, 8, 11]);
    assert_standard_row(&env, 11, 5, "2026-10-07");
}

// ---------------------------------------------------------------- enterprises

#[test]
fn enterprise_by_alias_and_by_code() {
    let env = Env::new();
    let mut rows = monthly(3);
    rows[5][9] = s("第一供水公司");
    rows[6][9] = s("GS01");
    rows[7][9] = s("gs01");
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 3));
    for (i, n) in [(MONTH_ROW1, 1), (MONTH_ROW1 + 1, 2), (MONTH_ROW1 + 2, 3)] {
        assert_standard_row(&env, i, n, "2026-10-05");
    }
    let utilities = env.count("SELECT count(*) FROM response WHERE utility = '供水'");
    assert_eq!(utilities, 3);
}

#[test]
fn return_by_an_enterprise_with_blank_enterprise_column() {
    let env = Env::new();
    let mut rows = meta("天门市第一供水有限公司", "月度自评", "2026-10");
    rows.push(header());
    for i in 1..=2 {
        let mut r = row(i, "2026-10-05", "");
        r[9] = C::Blank;
        rows.push(r);
    }
    write_xlsx(&env.inbox("gs01.xlsx"), SHEET, &rows);
    assert_eq!(run_clean(&env), sub("GS01", "monthly", "2026-10", 2));
    assert_standard_row(&env, MONTH_ROW1, 1, "2026-10-05");
    assert_standard_row(&env, MONTH_ROW1 + 1, 2, "2026-10-05");
}

// ---------------------------------------------------------------- formats

#[test]
fn xlsm_is_read_like_xlsx() {
    let env = Env::new();
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-10.xlsm"), SHEET, &monthly(2));
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 2));
    assert_standard_row(&env, MONTH_ROW1 + 1, 2, "2026-10-05");
    assert_eq!(env.files("archive"), ["2026-10/竟陵街道_月度自评_2026-10.xlsm"]);
}

fn soffice() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("soffice"))
        .find(|p| p.is_file())
}

/// Converts `src` to `ext` with LibreOffice into `out_dir`; `None` (with a note) without it.
fn convert(src: &Path, ext: &str, out_dir: &Path) -> Option<std::path::PathBuf> {
    let Some(exe) = soffice() else {
        missing("soffice");
        return None;
    };
    // A private profile, so that conversions running in parallel do not collide.
    let profile = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(exe)
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args(["--headless", "--convert-to", ext, "--outdir"])
        .arg(out_dir)
        .arg(src)
        .output()
        .unwrap();
    let out = out_dir.join(src.with_extension(ext).file_name().unwrap());
    assert!(
        out.is_file(),
        "LibreOffice did not convert {}: {}",
        src.display(),
        show(&o)
    );
    Some(out)
}

/// A return with an Excel date, numeric answers and full labels, in `ext`.
fn assert_converted(ext: &str) {
    let env = Env::new();
    let mut rows = monthly(3);
    rows[5][1] = C::D(2026, 10, 5);
    rows[5][col_q(1)] = C::N(0.0);
    rows[5][col_q(12)] = C::N(5.0);
    rows[5][col_d(1)] = s("非常满意");
    rows[6][7] = C::N(13800000002.0);
    let src = env.path("src/竟陵街道_月度自评_2026-10.xlsx");
    write_xlsx(&src, SHEET, &rows);
    let Some(converted) = convert(&src, ext, &env.path("converted")) else {
        return;
    };
    let name = format!("竟陵街道_月度自评_2026-10.{ext}");
    std::fs::create_dir_all(env.inbox("JL")).unwrap();
    std::fs::copy(&converted, env.inbox(&format!("JL/{name}"))).unwrap();
    assert_eq!(run_clean(&env), sub("JL", "monthly", "2026-10", 3));
    let format: String = env
        .db()
        .query_row("SELECT format FROM submission", [], |r| r.get(0))
        .unwrap();
    assert_eq!(format, ext);
    let r = response(&env, MONTH_ROW1);
    assert_eq!(r.survey_date.as_deref(), Some("2026-10-05"));
    let mut want = standard_answers();
    want["Q1"] = json!("否");
    want["Q12"] = json!("非常满意");
    want["D1"] = json!("非常满意");
    assert_eq!(r.answers, want);
    assert_standard_row(&env, MONTH_ROW1 + 1, 2, "2026-10-05");
    assert_standard_row(&env, MONTH_ROW1 + 2, 3, "2026-10-05");
    assert_eq!(env.files("archive"), [format!("2026-10/{name}")]);
}

#[test]
fn same_return_as_xls() {
    assert_converted("xls");
}

#[test]
fn same_return_as_ods() {
    assert_converted("ods");
}
