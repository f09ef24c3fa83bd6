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
    // The guide, the return, and the hidden code sheet its dropdowns take their values from.
    assert_eq!(wb.sheet_names(), ["请先阅读", "调查问卷", "代码表"]);
    assert_eq!(wb.sheets_metadata()[2].visible, calamine::SheetVisible::Hidden);
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

/// Replaces `from` by `to` in the shared strings of an xlsx, in place: a cell edited and saved,
/// everything else (types, dropdowns, notes) as it was.
fn edit_shared_string(path: &std::path::Path, from: &str, to: &str) {
    use std::io::{Read, Write};
    let bytes = std::fs::read(path).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut edited = false;
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == "xl/sharedStrings.xml" {
            let text = String::from_utf8(data).unwrap();
            edited = text.contains(from);
            data = text.replace(from, to).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&data).unwrap();
    }
    assert!(edited, "{from} is in the workbook");
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

/// Issue 17, item 7: the feedback workbook stored every cell as text (dates "2026-10-07",
/// numbers "35") and dropped the dropdowns, and a return whose 所属期 Excel stored as the number
/// 2026.1 (settled as October by its dates) came back as the text "2026.1", was read as January
/// and rejected whole. Now it goes back typed as the template types it, 所属期 as the settled
/// period's text, with the dropdowns; fixing only the red cell and dropping it back in is
/// enough.
#[test]
fn a_feedback_workbook_with_only_its_red_cells_fixed_is_accepted_as_the_correction() {
    let env = Env::new();
    let mut rows = vec![
        vec![s("填报单位"), s("竟陵街道")],
        vec![s("报表类型"), s("月度自评")],
        vec![s("所属期"), C::N(2026.1)],
        vec![],
        header(),
    ];
    for i in 1..=5u32 {
        let mut r = row(i, "", "天门市第一供水有限公司");
        r[1] = C::D(2026, 10, 2 + i as u8);
        r[6] = C::N(30.0 + f64::from(i));
        rows.push(r);
    }
    rows[7][9] = s("天门市第一供水有线公司"); // user 3's enterprise, misspelt
    write_xlsx(&env.inbox("JL/十月.xlsx"), "调查问卷", &rows);
    let checked = env.run(&["check", env.inbox("JL/十月.xlsx").to_str().unwrap()]);
    assert!(
        stdout(&checked).contains("按调查日期判断为 2026年10月"),
        "check says it: {}{}",
        stdout(&checked),
        stderr(&checked)
    );
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    // The settled period is said where the operator sees it, and in the feedback.
    assert!(stdout(&o).contains("按调查日期判断为 2026年10月"), "{}", stdout(&o));

    let path = env.path(FEEDBACK);
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let guide = wb.worksheet_range("请先阅读").unwrap();
    assert!(
        guide
            .rows()
            .flatten()
            .any(|c| c.to_string().contains("按调查日期判断为 2026年10月")),
        "the guide says how the period was read"
    );
    let data = wb.worksheet_range("调查问卷").unwrap();
    assert_eq!(
        data.get_value((2, 1)),
        Some(&Data::String("2026-10".into())),
        "所属期 as text"
    );
    for (i, r) in (5..10).enumerate() {
        let day = 3 + i as u32;
        match data.get_value((r, 1)) {
            Some(Data::DateTime(d)) => {
                let d = d.as_datetime().unwrap().date();
                assert_eq!(d, chrono::NaiveDate::from_ymd_opt(2026, 10, day).unwrap());
            }
            other => panic!("row {r}: a date, not {other:?}"),
        }
        assert_eq!(data.get_value((r, 6)), Some(&Data::Float(31.0 + i as f64)), "a number");
        assert_eq!(data.get_value((r, 0)), Some(&Data::Float(1.0 + i as f64)));
    }
    // The dropdowns of the template: every coded column of the data rows has one.
    let xml = {
        use std::io::Read;
        let mut z = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut x = String::new();
        z.by_name("xl/worksheets/sheet2.xml")
            .unwrap()
            .read_to_string(&mut x)
            .unwrap();
        x
    };
    let validations = xml.matches("<dataValidation ").count();
    // 调查方式, 用户类型, 服务类别, 服务企业, 所属县市 and the 16 questions.
    assert_eq!(validations, 5 + 16, "{xml}");
    assert!(
        xml.contains("sqref=\"J6:J10\""),
        "服务企业's dropdown over the data rows"
    );

    // The clerk fixes the red cell and drops the file back in, as it is.
    let back = env.inbox("JL/2026年10月竟陵街道报表退回意见.xlsx");
    copy(&path, &back);
    edit_shared_string(&back, "天门市第一供水有线公司", "天门市第一供水有限公司");
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("替代了"), "{}", stdout(&o));
    let (accepted, rejected, period): (i64, i64, String) = env
        .db()
        .query_row(
            "SELECT rows_accepted, rows_rejected, period FROM submission WHERE status = 'accepted'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((accepted, rejected, period.as_str()), (5, 0, "2026-10"));
    assert_eq!(
        env.count("SELECT count(*) FROM submission WHERE status = 'superseded'"),
        1
    );
}
