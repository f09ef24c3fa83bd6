//! The internal detail workbook: every valid response, read back with calamine; values from a
//! return that look like formulas stay text in every workbook.

use calamine::{Data, DataType, Reader, Xlsx, open_workbook};

use crate::support::*;

const DETAIL: &str = "reports/2026-10/2026年10月供水供气企业服务满意度调查明细(内部资料,含个人信息).xlsx";

#[test]
fn every_valid_response_is_in_the_detail_with_where_it_came_from() {
    let env = Env::new();
    let mut rows = monthly(4);
    rows[6][7] = s("12345"); // row 7: a bad phone, left out
    rows[5][22] = s("非常满意"); // user 1's Q12
    write_xlsx(&env.inbox("JL/十月.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let mut wb: Xlsx<_> = open_workbook(env.path(DETAIL)).unwrap();
    assert_eq!(wb.sheet_names(), ["说明", "明细"]);
    let notice = wb.worksheet_range("说明").unwrap();
    assert!(
        notice.rows().flatten().any(|c| c.to_string().contains("个人信息")),
        "the first sheet says so"
    );
    let detail = wb.worksheet_range("明细").unwrap();
    let table: Vec<Vec<Data>> = detail.rows().map(|r| r.to_vec()).collect();
    let header: Vec<String> = table[0].iter().map(|c| c.to_string()).collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(table.len(), 1 + 3, "three valid responses");
    let users: Vec<(String, f64)> = table[1..]
        .iter()
        .map(|r| (r[col("用户名称")].to_string(), r[col("行号")].as_f64().unwrap()))
        .collect();
    assert_eq!(
        users,
        [
            ("测试用户1有限公司".to_string(), 6.0),
            ("测试用户3有限公司".to_string(), 8.0),
            ("测试用户4有限公司".to_string(), 9.0)
        ]
    );
    let first = &table[1];
    assert_eq!(first[col("填报单位")].to_string(), "竟陵街道");
    assert_eq!(first[col("来源文件")].to_string(), "JL/十月.xlsx");
    assert_eq!(first[col("工作表")].to_string(), "调查问卷");
    assert_eq!(first[col("联系电话")].to_string(), "13800000001");
    assert_eq!(first[col("Q12回答")].to_string(), "非常满意");
    assert_eq!(first[col("Q12得分")].as_f64(), Some(100.0));
    assert_eq!(first[col("Q8回答")].to_string(), "否");
    assert_eq!(
        first[col("Q8得分")].as_f64(),
        Some(100.0),
        "Q8 is negative: 否 is favourable"
    );
}

#[test]
fn values_that_look_like_formulas_stay_text() {
    let env = Env::new();
    let mut rows = monthly(2);
    let evil = "=HYPERLINK(\"http://x\",\"点我\")";
    let dde = "=cmd|' /C calc'!A0";
    rows[5][3] = s(evil);
    rows[6][27] = s(dde); // 意见或投诉
    write_xlsx(&env.inbox("JL/十月.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let mut wb: Xlsx<_> = open_workbook(env.path(DETAIL)).unwrap();
    let detail = wb.worksheet_range("明细").unwrap();
    let texts: Vec<String> = detail
        .rows()
        .flatten()
        .filter_map(|c| match c {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(texts.iter().any(|t| t == evil), "read back as the text it was");
    assert!(texts.iter().any(|t| t == dde));
    let formulas = wb.worksheet_formula("明细").unwrap();
    assert!(formulas.rows().flatten().all(|f| f.is_empty()), "no formula anywhere");
}
