//! The rectification loop's round trip (SPEC §11), every role through the real binary and the
//! files each person opens and fills: the bureau releases a month; the enterprise's clerk fills
//! the ledger it received (here openpyxl edits the very file, as Excel would) and drops it in
//! its inbox folder; the bureau's run counts the rates; the city unit's clerk decides the
//! appeal in the 申诉复核表 it received; the upheld appeal leaves one response out of every
//! score and the released month waits to be signed again. And bad ledgers: sent back, row by
//! row or whole, nothing lost.

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::support::*;

const GS01: &str = "天门市第一供水有限公司";
const GS01_OUTBOX: &str = "outbox/企业_GS01_天门市第一供水有限公司";
const SZJJ_OUTBOX: &str = "outbox/单位_SZJJ_天门市住房和城乡建设局";
/// The ledger's sheet of items, and GS01's September red-line item (user 5's 违规收费).
const ITEMS: &str = "整改事项";
const RED_LINE: &str = "2026-09-GS01-Q10-red_line";

/// The Python with openpyxl: `UTILITY_EVAL_PYTHON`, else the repository's `.venv`.
fn python() -> Option<PathBuf> {
    let p = std::env::var_os("UTILITY_EVAL_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    let ok = Command::new(&p)
        .args(["-c", "import openpyxl"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        missing("openpyxl");
        return None;
    }
    Some(p)
}

/// Fills the workbook `from` as a clerk would and saves it as `to`: on `sheet`, in the row
/// whose 编号 is `number`, the column headed `heading` gets `value` (a date when it looks like
/// one). Finds rows and columns by what they say, as a person does.
const FILL: &str = r#"
import datetime, json, re, sys
import openpyxl
src, dst, edits = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
wb = openpyxl.load_workbook(src)
for sheet, number, heading, value in edits:
    ws = wb[sheet]
    head = next(r for r in ws.iter_rows() if any(c.value == "编号" for c in r))
    col = next(c.column for c in head if c.value == heading)
    row = next(r[0].row for r in ws.iter_rows(min_row=head[0].row + 1) if r[0].value == number)
    if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        value = datetime.datetime.strptime(value, "%Y-%m-%d")
    ws.cell(row=row, column=col, value=value)
wb.save(dst)
"#;

fn fill(python: &Path, from: &Path, to: &Path, edits: &[(&str, &str, &str, &str)]) {
    let edits = serde_json::to_string(edits).unwrap();
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    let o = Command::new(python)
        .args(["-c", FILL])
        .arg(from)
        .arg(to)
        .arg(edits)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// 竟陵街道's September return of eight users of GS01, `without` one of them: users 2, 5, 6
/// and 7 complain (Q12 不满意; Q10 是 and D1 非常不满意; D4 不满意; Q12 非常不满意), the others
/// are content. Cases 001–004 are theirs, in row order. A ninth user, of 天门市岳口供水有限公司
/// (GS02), is 不满意 too: case 2026-09-GS02-001, another enterprise's.
fn september(env: &Env, without: Option<u32>) {
    september_as(env, without, "竟陵街道_月度自评_2026-09.xlsx", false);
}

/// As [`september`], in a file of that name; `corrected`: user 1 now answers Q12 不满意 too.
fn september_as(env: &Env, without: Option<u32>, name: &str, corrected: bool) {
    let mut rows = meta("竟陵街道", "月度自评", "2026-09");
    let h = header();
    let col = |name: &str| h.iter().position(|c| matches!(c, C::S(x) if x == name)).unwrap();
    rows.push(h.clone());
    for i in (1..=8).filter(|i| Some(*i) != without) {
        let mut r = row(i, "2026-09-10", GS01);
        match i {
            1 if corrected => r[col("Q12")] = s("不满意"),
            2 => r[col("Q12")] = s("不满意"),
            5 => {
                r[col("Q10")] = s("是");
                r[col("D1")] = s("非常不满意");
            }
            6 => r[col("D4")] = s("不满意"),
            7 => r[col("Q12")] = s("非常不满意"),
            _ => {}
        }
        rows.push(r);
    }
    let mut r = row(9, "2026-09-10", "天门市岳口供水有限公司");
    r[col("Q12")] = s("不满意");
    rows.push(r);
    write_xlsx(&env.inbox(&format!("JL/{name}")), "调查问卷", &rows);
}

fn loop_of(env: &Env, code: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(env.path("reports/整改台账/rectification.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    (doc["rectification"].as_array().unwrap().iter())
        .find(|e| e["enterprise"] == code)
        .unwrap()
        .clone()
}

fn enterprise_group(scores: &serde_json::Value, code: &str) -> serde_json::Value {
    (scores["groups"].as_array().unwrap().iter())
        .find(|g| g["level"] == "enterprise" && g["key"] == code)
        .unwrap()
        .clone()
}

/// Released on Tuesday 2026-09-29: call back by 2026-10-12, rectify by 2026-10-26 (国庆 and
/// its 调休 Saturday counted as the calendar test checks them).
fn released(env: &Env) {
    september(env, None);
    assert_eq!(code(&env.run_on("2026-09-28")), 0);
    let o = env.run(&[
        "release",
        "--period",
        "2026-09",
        "--by",
        "王局长",
        "--date",
        "2026-09-29",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

fn ledger(env: &Env) -> PathBuf {
    env.path(&format!("{GS01_OUTBOX}/2026-09/2026年9月{GS01}整改台账.xlsx"))
}

#[test]
fn a_filled_ledger_and_an_upheld_appeal_come_back_and_count() {
    let Some(py) = python() else { return };
    let env = Env::signed();
    released(&env);
    let before = enterprise_group(&scores(&env, "2026-09"), "GS01");
    assert_eq!((before["n"].as_u64(), before["excluded"].as_u64()), (Some(8), Some(0)));

    // The enterprise's clerk, on 14 October: 001 called back on the 9th and put right on the
    // 10th; 002 called back late (the 13th); 003 called back and appealed; 004 not touched.
    let sent = env.inbox(&format!("GS01/2026年9月{GS01}整改台账.xlsx"));
    let c = "差评回访";
    fill(
        &py,
        &ledger(&env),
        &sent,
        &[
            (c, "2026-09-GS01-001", "回访日期", "2026-10-09"),
            (c, "2026-09-GS01-001", "回访结果", "已联系"),
            (c, "2026-09-GS01-001", "核实情况", "属实"),
            (c, "2026-09-GS01-001", "整改措施", "上门解释并退还多收费用"),
            (c, "2026-09-GS01-001", "完成日期", "2026-10-10"),
            (c, "2026-09-GS01-001", "用户对处理结果的评价", "满意"),
            (c, "2026-09-GS01-002", "回访日期", "2026-10-13"),
            (c, "2026-09-GS01-002", "回访结果", "已联系"),
            (c, "2026-09-GS01-002", "核实情况", "部分属实"),
            (c, "2026-09-GS01-003", "回访日期", "2026-10-08"),
            (c, "2026-09-GS01-003", "回访结果", "已联系"),
            (c, "2026-09-GS01-003", "核实情况", "不属实"),
            (c, "2026-09-GS01-003", "申诉", "是"),
            (c, "2026-09-GS01-003", "申诉理由", "该用户不在本公司供水范围"),
            // The red-line item (user 5's 违规收费), reported done.
            (ITEMS, RED_LINE, "整改措施", "清退违规收取的材料费"),
            (ITEMS, RED_LINE, "责任部门", "营业所"),
            (ITEMS, RED_LINE, "进展", "已完成"),
            (ITEMS, RED_LINE, "完成日期", "2026-10-12"),
        ],
    );
    let o = env.run_on("2026-10-14");
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        env.inbox("").read_dir().unwrap().flatten().all(|e| e.path().is_dir()),
        "taken"
    );
    assert_eq!(env.files("archive/整改反馈").len(), 1, "archived as sent");

    // Counted by hand on 14 October. Called back: 001, 002, 003; the call-back of all four was
    // due (deadline 12 October passed), in time only 001 (9th) and 003 (8th): 2/4 = 50 %.
    // Rectified: 001 by the 10th; rectification is due only for it (done early): 1/1 = 100 %.
    // Overdue: 004 (no call-back). Appeals: 003, waiting.
    let g = loop_of(&env, "GS01");
    let n = |k: &str| g[k].as_u64().unwrap();
    assert_eq!(
        [
            n("cases"),
            n("cases_called_back"),
            n("cases_rectified"),
            n("cases_overdue"),
            n("appeals"),
            n("appeals_upheld")
        ],
        [4, 3, 1, 1, 1, 0],
        "{g}"
    );
    assert_eq!(
        (g["callback_rate"].as_f64(), g["on_time_rate"].as_f64()),
        (Some(50.0), Some(100.0))
    );
    // The one open item (the red line), reported on and reported done; not overdue.
    assert_eq!(
        [n("items"), n("items_reported"), n("items_done"), n("items_overdue")],
        [1, 1, 1, 0]
    );

    // The city unit's review, in its outbox: the appealed case with the enterprise's reasons.
    let review = env.path(&format!("{SZJJ_OUTBOX}/整改台账/申诉复核表.xlsx"));
    let mut wb: Xlsx<_> = open_workbook(&review).unwrap();
    let sheet = wb.worksheet_range("申诉复核").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let case = rows.iter().find(|r| r[0] == "2026-09-GS01-003").expect("the appeal");
    assert!(case.contains(&"该用户不在本公司供水范围".to_string()), "{case:?}");
    assert_eq!(
        rows.iter().filter(|r| r[0].starts_with("2026-09-GS01")).count(),
        1,
        "{rows:?}"
    );
    assert_eq!(sheet.get_value((1, 1)), Some(&Data::String("申诉复核".into())));

    // A review dropped at the inbox's top is not taken on the name typed in it: only the city
    // unit's own folder may decide what counts in the scores.
    fill(
        &py,
        &review,
        &env.inbox("申诉复核表.xlsx"),
        &[("申诉复核", "2026-09-GS01-003", "复核结论", "成立")],
    );
    let o = env.run_on("2026-10-14");
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert!(
        env.explanation("申诉复核表.xlsx")
            .contains("放在收件箱根目录的文件不能报送")
    );
    assert_eq!(env.count("SELECT count(*) FROM appeal_review"), 0);

    // The city unit's clerk upholds it and drops the review back into its folder.
    fill(
        &py,
        &review,
        &env.inbox("SZJJ/申诉复核表.xlsx"),
        &[
            ("申诉复核", "2026-09-GS01-003", "复核结论", "成立"),
            ("申诉复核", "2026-09-GS01-003", "复核意见", "经核实为外区用户"),
        ],
    );
    let o = env.run_on("2026-10-15");
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("已签发的 2026-09 有变动"), "{}", stdout(&o));
    assert!(!review.exists(), "no appeal waits: the review is withdrawn");

    // User 6 is out of every score: n falls by one, and the composite equals that of the same
    // return without user 6, computed by another deployment from scratch.
    let after = enterprise_group(&scores(&env, "2026-09"), "GS01");
    assert_eq!((after["n"].as_u64(), after["excluded"].as_u64()), (Some(7), Some(1)));
    let other = Env::signed();
    september(&other, Some(6));
    assert_eq!(code(&other.run_on("2026-09-28")), 0);
    let independent = enterprise_group(&scores(&other, "2026-09"), "GS01");
    assert_eq!(after["composite"], independent["composite"]);
    assert_ne!(after["composite"], before["composite"]);
    // Kept in the database with the decision and who made it.
    let decided: (String, i64, String) = env
        .db()
        .query_row("SELECT case_number, upheld, decided_by FROM appeal_review", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(decided, ("2026-09-GS01-003".into(), 1, "天门市住房和城乡建设局".into()));
    assert_eq!(env.count("SELECT count(*) FROM response"), 9, "the response is kept");
    // The internal detail still lists it, marked in a last column.
    let detail = env.path("reports/2026-09/2026年9月供水供气企业服务满意度调查明细(内部资料,含个人信息).xlsx");
    let mut wb: Xlsx<_> = open_workbook(&detail).unwrap();
    let sheet = wb.worksheet_range("明细").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0].last().map(String::as_str), Some("申诉复核"));
    let marked: Vec<&str> = (rows.iter().skip(1))
        .filter(|r| r.last().is_some_and(|c| c == "申诉成立，不计分"))
        .map(|r| r[6].as_str())
        .collect();
    assert_eq!(marked, ["测试用户6有限公司"]);

    // The standing summary's sheet of the enterprise keeps every entry's history.
    let mut wb: Xlsx<_> = open_workbook(env.path("reports/整改台账/整改闭环汇总.xlsx")).unwrap();
    let sheet = wb.worksheet_range(GS01).unwrap();
    let three: Vec<String> = (sheet.rows())
        .find(|r| r[1] == "2026-09-GS01-003")
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(three[3], "申诉成立", "{three:?}");
    let history = three.last().unwrap();
    assert!(
        history.contains("2026-10-14 企业报:回访 2026-10-08 已联系;核实 不属实;申诉:该用户不在本公司供水范围")
            && history.contains("2026-10-15 天门市住房和城乡建设局复核:成立 经核实为外区用户"),
        "{history}"
    );

    // The upheld appeal leaves the rates: call-back due for 001, 002, 004, in time 001: 33.33 %.
    let g = loop_of(&env, "GS01");
    assert_eq!(
        (g["appeals"].as_u64(), g["appeals_upheld"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(g["callback_rate"].as_f64(), Some(33.33));
    let o = env.run(&["status"]);
    assert!(stdout(&o).contains("待重新签发"), "{}", stdout(&o));

    // The correction's drafts carry the loop as of their day: the city report's 整改闭环 and the
    // summary workbook's sheet with GS01's figures, the enterprise's report its cases by status.
    let summary = env.path("reports/2026-09/【送审稿】2026年9月供水供气企业服务满意度汇总表.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&summary).unwrap();
    let sheet = wb.worksheet_range("整改闭环").unwrap();
    let row: Vec<String> = (sheet.rows())
        .find(|r| r[0] == GS01)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    // 企业, items 1 (the red-line item of Q10) … cases 4, called back 3, rectified 1, overdue 1,
    // appeals 1, upheld 1, rates 33.33 and 100.
    assert_eq!(&row[5..13], ["4", "3", "1", "1", "1", "1", "33.33", "100"], "{row:?}");
    if tool("pdftotext") {
        let city = pdf_text(&env.path("reports/2026-09/【送审稿】2026年9月天门市供水供气企业服务满意度分析报告.pdf"));
        assert!(
            city.contains("整改闭环") && city.contains("截至2026年10月15日"),
            "{city}"
        );
        assert!(city.contains("建议约谈") && city.contains("有 1 件差评件超过回访期限未回访"));
        // 本期要点: GS01's 004 and GS02's 001 are past their call-back deadline (12 October), and
        // both enterprises are proposed for an interview.
        let flat: String = city.split_whitespace().collect();
        assert!(flat.contains("超过回访或整改期限的差评件2件。"), "{flat}");
        assert!(
            flat.contains("建议约谈：天门市第一供水有限公司、天门市岳口供水有限公司。"),
            "{flat}"
        );
        let own = pdf_text(&env.path(&format!(
            "reports/2026-09/企业报告/【送审稿】2026年9月{GS01}服务满意度分析报告.pdf"
        )));
        let own = own.split_whitespace().collect::<String>();
        assert!(
            own.contains("差评件共4件：已回访1件、已整改1件、超期1件、申诉成立1件"),
            "{own}"
        );
        // The item reported done while its data has not recovered (the month is the same).
        assert!(own.contains("企业自报已完成·数据未恢复"), "{own}");
        assert!(!own.contains("测试用户"), "no names in the enterprise's report");
    }
}

#[test]
fn bad_ledgers_go_back_with_the_cells_named_and_nothing_is_lost() {
    let Some(py) = python() else { return };
    let env = Env::signed();
    released(&env);
    let c = "差评回访";
    // One good row, an unknown number, a date after today, and another enterprise's case number
    // on a row with an unknown code and an appeal without its reason.
    fill(
        &py,
        &ledger(&env),
        &env.inbox(&format!("GS01/2026年9月{GS01}整改台账.xlsx")),
        &[
            (c, "2026-09-GS01-001", "回访日期", "2026-10-09"),
            (c, "2026-09-GS01-001", "回访结果", "已联系"),
            (c, "2026-09-GS01-002", "编号", "2026-09-GS01-099"),
            (c, "2026-09-GS01-099", "回访结果", "已联系"),
            (c, "2026-09-GS01-099", "回访日期", "2026-10-09"),
            (c, "2026-09-GS01-003", "回访日期", "2026-10-20"),
            (c, "2026-09-GS01-003", "回访结果", "已联系"),
            (c, "2026-09-GS01-004", "核实情况", "基本属实"),
            (c, "2026-09-GS01-004", "申诉", "是"),
            (c, "2026-09-GS01-004", "编号", "2026-09-GS02-001"),
        ],
    );
    // The same ledger sent from a county unit's folder: not its to send.
    fill(
        &py,
        &ledger(&env),
        &env.inbox("JL/代报整改台账.xlsx"),
        &[(c, "2026-09-GS01-001", "回访结果", "已联系")],
    );
    let o = env.run_on("2026-10-14");
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);

    // Refused whole, kept in rejected/ beside its reason.
    let why = env.explanation("代报整改台账.xlsx");
    assert!(
        why.contains("竟陵街道不能报送天门市第一供水有限公司的整改台账"),
        "{why}"
    );
    // … and its sender told so in a 退回通知 with the loop's papers.
    let notices = env.files("outbox/单位_JL_竟陵街道/整改台账");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].starts_with("退回通知_代报整改台账_"), "{notices:?}");
    // The good row counts; the four bad ones go back in a feedback workbook, each cell named.
    assert_eq!(env.count("SELECT count(*) FROM case_report"), 1, "{out}");
    // One feedback workbook per file returned, named after it.
    let feedback = env.path(&format!(
        "{GS01_OUTBOX}/整改台账/{GS01}整改台账退回意见_2026年9月{GS01}整改台账.xlsx"
    ));
    let mut wb: Xlsx<_> = open_workbook(&feedback).unwrap();
    let sheet = wb.worksheet_range(c).unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let why_of = |number: &str| {
        let r = rows
            .iter()
            .find(|r| r[0] == number)
            .unwrap_or_else(|| panic!("{number}: {rows:?}"));
        r.last().unwrap().clone()
    };
    assert!(why_of("2026-09-GS01-099").contains("不是已下发的差评件"));
    assert!(why_of("2026-09-GS01-003").contains("晚于今天(2026-10-14)"));
    let four = why_of("2026-09-GS02-001");
    assert!(
        four.contains("是另一家企业的差评件")
            && four.contains("核实情况“基本属实”无法识别")
            && four.contains("申诉理由"),
        "{four}"
    );
    assert!(
        !rows.iter().any(|r| r[0] == "2026-09-GS01-001"),
        "the good row is not sent back"
    );
    // The notes name the cells: the future date is on 差评回访's 回访日期 column.
    let problems: String = env
        .db()
        .query_row("SELECT problems FROM loop_file WHERE status = 'accepted'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(problems.contains("差评回访!I8"), "{problems}");

    // Corrected in the feedback workbook and dropped back: taken, and the feedback withdrawn.
    fill(
        &py,
        &feedback,
        &env.inbox(&format!("GS01/{GS01}整改台账退回意见_改正.xlsx")),
        &[
            (c, "2026-09-GS01-099", "编号", "2026-09-GS01-002"),
            (c, "2026-09-GS01-003", "回访日期", "2026-10-13"),
            (c, "2026-09-GS02-001", "编号", "2026-09-GS01-004"),
            (c, "2026-09-GS01-004", "核实情况", "部分属实"),
            (c, "2026-09-GS01-004", "申诉理由", "用户已搬离"),
        ],
    );
    let o = env.run_on("2026-10-14");
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(env.count("SELECT count(*) FROM case_report"), 4);
    assert!(!feedback.exists(), "withdrawn once the ledger is clean");
    assert_eq!(env.files("archive/整改反馈").len(), 2, "both ledgers kept");
}

#[test]
fn deadlines_counted_monday_to_friday_are_counted_again_once_the_calendar_has_the_year() {
    let env = Env::signed();
    september(&env, None);
    assert_eq!(code(&env.run_on("2026-12-28")), 0);
    // Released Monday 2026-12-28. 2027 is not in the calendar: 29, 30, 31 December, then Friday
    // 1 and Monday 4 January, and the ledger says how it counted.
    let o = env.run(&[
        "release",
        "--period",
        "2026-09",
        "--by",
        "王局长",
        "--date",
        "2026-12-28",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let due = |env: &Env| -> (String, i64) {
        env.db()
            .query_row(
                "SELECT callback_due, estimated FROM complaint_case WHERE number = '2026-09-GS01-001'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    assert_eq!(due(&env), ("2027-01-04".into(), 1));
    let mut wb: Xlsx<_> = open_workbook(ledger(&env)).unwrap();
    let guide = wb.worksheet_range("请先阅读").unwrap();
    assert!(
        guide
            .rows()
            .flatten()
            .any(|c| c.to_string().contains("按周一至周五计算"))
    );

    // The city adds 2027 (here with 元旦 from 1 to 3 January): the next run counts again,
    // 29, 30, 31 December, 4 and 5 January.
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/calendar.toml")).unwrap();
    let with_2027 = format!(
        "{shipped}\n[[year]]\nyear = 2027\nsource = \"测试\"\nholidays = [{{ name = \"元旦\", from = \"2027-01-01\", to = \"2027-01-03\" }}]\nworkdays = []\n"
    );
    std::fs::write(env.path("calendar.toml"), with_2027).unwrap();
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("calendar = \"calendar.toml\"\n{text}")).unwrap();
    assert_eq!(code(&env.run_on("2026-12-29")), 0);
    assert_eq!(due(&env), ("2027-01-05".into(), 0));
}

#[test]
fn a_corrected_return_keeps_its_cases_their_reports_and_an_upheld_appeal() {
    let Some(py) = python() else { return };
    let env = Env::signed();
    released(&env);
    let c = "差评回访";
    fill(
        &py,
        &ledger(&env),
        &env.inbox(&format!("GS01/2026年9月{GS01}整改台账.xlsx")),
        &[
            (c, "2026-09-GS01-001", "回访日期", "2026-10-09"),
            (c, "2026-09-GS01-001", "回访结果", "已联系"),
            (c, "2026-09-GS01-003", "申诉", "是"),
            (c, "2026-09-GS01-003", "申诉理由", "外区用户"),
        ],
    );
    assert_eq!(code(&env.run_on("2026-10-10")), 0);
    let review = env.path(&format!("{SZJJ_OUTBOX}/整改台账/申诉复核表.xlsx"));
    fill(
        &py,
        &review,
        &env.inbox("SZJJ/申诉复核表.xlsx"),
        &[("申诉复核", "2026-09-GS01-003", "复核结论", "成立")],
    );
    assert_eq!(code(&env.run_on("2026-10-10")), 0);
    let g = enterprise_group(&scores(&env, "2026-09"), "GS01");
    assert_eq!((g["n"].as_u64(), g["excluded"].as_u64()), (Some(7), Some(1)));

    // 竟陵街道 corrects its return (user 1 changes an answer): the cases of the replaced rows go
    // on with the corrected ones, the call-back of 001 stands, user 6 stays out of the scores.
    september_as(&env, None, "竟陵街道_月度自评_2026-09_更正.xlsx", true);
    let o = env.run_on("2026-10-11");
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let g = enterprise_group(&scores(&env, "2026-09"), "GS01");
    assert_eq!((g["n"].as_u64(), g["excluded"].as_u64()), (Some(7), Some(1)), "{g}");
    let l = loop_of(&env, "GS01");
    assert_eq!(
        (l["cases"].as_u64(), l["cases_called_back"].as_u64()),
        (Some(4), Some(1)),
        "{l}"
    );
    assert_eq!(l["appeals_upheld"], 1);
    // Each case points at a response of the corrected return.
    let stale = env.count(
        "SELECT count(*) FROM complaint_case c JOIN response r ON r.id = c.response_id
         JOIN submission s ON s.id = r.submission_id WHERE s.status <> 'accepted'",
    );
    assert_eq!(stale, 0);
    // At the next release user 1's new complaint opens case 005 (the numbers go on).
    let o = env.run(&[
        "release",
        "--period",
        "2026-09",
        "--by",
        "王局长",
        "--date",
        "2026-10-12",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        env.count("SELECT count(*) FROM complaint_case WHERE number = '2026-09-GS01-005'"),
        1
    );
    assert_eq!(
        env.count("SELECT count(*) FROM complaint_case"),
        6,
        "GS01 005 and GS02 001"
    );
    // The new ledger goes out with what the enterprise reported, to go on from: 001's call-back
    // filled in; 003, closed by the upheld appeal, not on it; 005 new and blank.
    let v2 = env.path(&format!(
        "reports/2026-09/签发/第2版/整改台账/2026年9月{GS01}整改台账.xlsx"
    ));
    let mut wb: Xlsx<_> = open_workbook(&v2).unwrap();
    let sheet = wb.worksheet_range("差评回访").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let numbers: Vec<&str> = rows.iter().skip(5).map(|r| r[0].as_str()).collect();
    assert_eq!(
        numbers,
        [
            "2026-09-GS01-001",
            "2026-09-GS01-002",
            "2026-09-GS01-004",
            "2026-09-GS01-005"
        ]
    );
    assert_eq!(rows[5][9], "已联系", "{:?}", rows[5]);
    assert!(rows[8][8..].iter().all(String::is_empty), "{:?}", rows[8]);
}
