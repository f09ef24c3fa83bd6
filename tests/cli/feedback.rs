//! The feedback workbook: a unit's return with its problems marked, corrected by a script and
//! sent back, is taken as the corrected resubmission.

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::support::*;

const FEEDBACK: &str = "reports/2026-10/退回意见/2026年10月竟陵街道报表退回意见.xlsx";

fn as_text(d: &Data) -> String {
    match d {
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

#[test]
fn a_return_corrected_in_its_feedback_workbook_is_taken_back_whole() {
    let env = Env::new();
    let mut rows = monthly(6);
    rows[6][7] = s("12345"); // user 2's phone
    rows[8][7] = s("139"); // user 4's phone
    write_xlsx(&env.inbox("JL/十月.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(env.count("SELECT rows_accepted FROM submission"), 4);

    let path = env.path(FEEDBACK);
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), ["请先阅读", "调查问卷"]);
    let guide = wb.worksheet_range("请先阅读").unwrap();
    assert!(
        guide.rows().flatten().any(|c| c.to_string().contains("放回收件箱")),
        "says what to do"
    );
    let data = wb.worksheet_range("调查问卷").unwrap();
    let mut table: Vec<Vec<String>> = data.rows().map(|r| r.iter().map(as_text).collect()).collect();
    // Every row as sent, and the reasons in the 问题说明 column of the problem rows.
    let header = table.iter().position(|r| r.iter().any(|c| c == "用户名称")).unwrap();
    let problems = table[header].iter().position(|c| c == "问题说明").unwrap();
    let flagged: Vec<usize> = (0..table.len())
        .filter(|&r| !table[r][problems].is_empty() && r != header)
        .collect();
    assert_eq!(flagged, [6, 8], "rows 7 and 9 of the sheet");
    assert!(
        table[6][problems].contains("联系电话应为 11 位手机号"),
        "{}",
        table[6][problems]
    );
    assert_eq!(table[6][7], "12345", "the value as the unit typed it");
    assert_eq!(table.len(), rows.len(), "every row");

    // A script corrects the red cells and sends the workbook back.
    table[6][7] = "13800000002".into();
    table[8][7] = "13800000004".into();
    let guide_rows: Vec<Vec<C>> = guide
        .rows()
        .map(|r| r.iter().map(|c| C::S(c.to_string())).collect())
        .collect();
    let data_rows: Vec<Vec<C>> = table
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| if c.is_empty() { C::Blank } else { C::S(c.clone()) })
                .collect()
        })
        .collect();
    write_xlsx_sheets(
        &env.inbox("JL/十月(更正).xlsx"),
        &[("请先阅读", guide_rows.as_slice()), ("调查问卷", data_rows.as_slice())],
    );
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("替代了"), "{}", stdout(&o));
    let (accepted, rejected): (i64, i64) = env
        .db()
        .query_row(
            "SELECT rows_accepted, rows_rejected FROM submission WHERE status = 'accepted'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((accepted, rejected), (6, 0), "every row valid");
    let scores: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("reports/2026-10/scores.json")).unwrap()).unwrap();
    assert_eq!(scores["groups"][0]["n"], 6);
    assert!(
        !path.exists(),
        "the corrected return needs no feedback: the old one is gone"
    );
}
