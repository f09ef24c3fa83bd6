//! The rectification loop (SPEC §11), as far as it goes: complaint cases opened at release with
//! deadlines in working days, the ledger each enterprise gets, the standing summary as of a
//! pinned day, and an unfilled ledger sent back taken with a word that it says nothing.

use calamine::{Data, DataType, Reader, Xlsx, open_workbook};

use crate::support::*;

const GS01: &str = "天门市第一供水有限公司";

/// 竟陵街道's September return of six users of GS01: user 2 is 不满意 overall (Q12); user 5
/// says it was charged fees it should not have been (Q10 是, a red line) and is 非常不满意 with
/// the enterprise's image (D1); user 3 answers 否 on Q1 (unfavourable, not a red line) and
/// user 4 rates D2 一般: neither is a case.
fn september(env: &Env) {
    let mut rows = meta("竟陵街道", "月度自评", "2026-09");
    let h = header();
    let col = |name: &str| h.iter().position(|c| matches!(c, C::S(x) if x == name)).unwrap();
    rows.push(h.clone());
    for i in 1..=6 {
        let mut r = row(i, "2026-09-10", GS01);
        match i {
            2 => r[col("Q12")] = s("不满意"),
            3 => r[col("Q1")] = s("否"),
            4 => r[col("D2")] = s("一般"),
            5 => {
                r[col("Q10")] = s("是");
                r[col("D1")] = s("非常不满意");
                r[col("意见或投诉")] = s("收了材料费");
            }
            _ => {}
        }
        rows.push(r);
    }
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-09.xlsx"), "调查问卷", &rows);
}

fn summary(env: &Env, today: &str) -> serde_json::Value {
    let o = env.run_on(today);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let text = std::fs::read_to_string(env.path("reports/整改台账/rectification.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn gs01(summary: &serde_json::Value) -> &serde_json::Value {
    (summary["rectification"].as_array().unwrap().iter())
        .find(|e| e["enterprise"] == "GS01")
        .unwrap()
}

#[test]
fn cases_are_opened_at_release_with_working_day_deadlines_and_go_out_in_the_ledger() {
    let env = Env::signed();
    september(&env);
    assert_eq!(code(&env.run(&["run"])), 0);
    assert_eq!(
        env.count("SELECT count(*) FROM complaint_case"),
        0,
        "no case before release"
    );
    // Released Tuesday 2026-09-29, just before 国庆: call back in 5 working days (30 Sep, then
    // 8, 9, 10 (调休 Saturday) and 12 October), rectify in 15 (… 26 October).
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
    let cases: Vec<(String, String, String, String, String)> = env
        .db()
        .prepare(
            "SELECT c.number, r.user_name, c.aspects, c.callback_due, c.rectify_due
             FROM complaint_case c JOIN response r ON r.id = c.response_id ORDER BY c.number",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected = [
        ("2026-09-GS01-001", "测试用户2有限公司", "Q12 报装服务总体满意度:不满意"),
        (
            "2026-09-GS01-002",
            "测试用户5有限公司",
            "Q10 违规收取其他费用:是\nD1 企业形象评价:非常不满意",
        ),
    ];
    assert_eq!(cases.len(), expected.len(), "{cases:?}");
    for (c, (number, user, aspects)) in cases.iter().zip(expected) {
        assert_eq!((c.0.as_str(), c.1.as_str(), c.2.as_str()), (number, user, aspects));
        assert_eq!((c.3.as_str(), c.4.as_str()), ("2026-10-12", "2026-10-26"));
    }

    // The ledger in the enterprise's outbox: a return's metadata block (报表类型 整改反馈), the
    // cases with their deadlines as dates, the columns to fill with their dropdowns.
    let ledger = env.path(&format!("outbox/企业_GS01_{GS01}/2026-09/2026年9月{GS01}整改台账.xlsx"));
    let mut wb: Xlsx<_> = open_workbook(&ledger).unwrap();
    assert_eq!(wb.sheet_names(), ["请先阅读", "整改事项", "差评回访"]);
    let guide = wb.worksheet_range("请先阅读").unwrap();
    assert!(guide.rows().flatten().any(|c| c.to_string().contains("内部资料")));
    let sheet = wb.worksheet_range("差评回访").unwrap();
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(1, 1), Data::String("整改反馈".into()));
    assert_eq!(cell(2, 1), Data::String("2026-09".into()));
    assert_eq!(cell(4, 0), Data::String("编号".into()));
    assert_eq!(cell(4, 9), Data::String("回访结果".into()));
    assert_eq!(cell(5, 0), Data::String("2026-09-GS01-001".into()));
    assert_eq!(cell(6, 5), Data::String("收了材料费".into()));
    let due = cell(5, 6).as_datetime().map(|d| d.date());
    assert_eq!(due, chrono::NaiveDate::from_ymd_opt(2026, 10, 12));
    assert_eq!(cell(7, 0), Data::Empty, "two cases, no more");
    // Dropdowns on the coded columns (回访结果, 核实情况, 用户对处理结果的评价, 申诉).
    let xml = zip_entry(&ledger, "xl/worksheets/sheet3.xml");
    assert_eq!(xml.matches("<dataValidation ").count(), 4, "{xml}");
    assert!(xml.contains("已联系,无法联系"));

    // The standing summary, counted by hand: on 12 October nothing is overdue; on the 13th both
    // cases are past their call-back deadline, none called back: 0 of 2 in time; rectifying is
    // not due until after the 26th.
    let on_12 = summary(&env, "2026-10-12");
    assert_eq!(on_12["as_of"], "2026-10-12");
    let g = gs01(&on_12);
    assert_eq!((g["cases"].as_u64(), g["cases_overdue"].as_u64()), (Some(2), Some(0)));
    assert!(g["callback_rate"].is_null() && g["on_time_rate"].is_null());
    let on_13 = summary(&env, "2026-10-13");
    let g = gs01(&on_13);
    assert_eq!(g["cases_overdue"], 2);
    assert_eq!(g["callback_rate"], 0.0);
    assert!(g["on_time_rate"].is_null());
    let interview = (on_13["interviews"].as_array().unwrap().iter())
        .find(|i| i["enterprise"] == "GS01")
        .unwrap();
    assert!(
        interview["reasons"][0]
            .as_str()
            .unwrap()
            .contains("2 件差评件超过回访期限")
    );
    assert!(env.path("reports/整改台账/整改闭环汇总.xlsx").is_file());

    // Sent back as received, nothing filled: taken (and archived), with a word that it says
    // nothing; the loop reads filled ledgers (tests/cli/loopback.rs).
    copy(&ledger, &env.inbox(&format!("GS01/2026年9月{GS01}整改台账.xlsx")));
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("台账中没有填写任何内容"), "{}", stdout(&o));
    let kept = env.files("archive/整改反馈");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        sha256(&env.path("archive/整改反馈").join(&kept[0])),
        sha256(&ledger),
        "as sent"
    );
}

/// The text of one entry of an xlsx (a zip).
fn zip_entry(path: &std::path::Path, name: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    z.by_name(name).unwrap().read_to_string(&mut text).unwrap();
    text
}
