//! 不定期抽查 (SPEC §13) through the binary: only the city unit may send one; it is scored on
//! its own, never pooled with the month's self-assessment; the month's scores.json lists it
//! with each enterprise's self-assessment against it (the §3 bias rule, computed here by hand)
//! and the items its results raise; the reports say so; `template` and `sample` make its forms.

use calamine::{Reader, Xlsx, open_workbook};
use serde_json::Value;

use crate::support::*;

const GS01: &str = "天门市第一供水有限公司";
const SURVEY: &str = "10月水压专项抽查";

/// The composite of responses that answer every yes/no item favourably and every five-level
/// item with score `x` (the default scheme, as in tests/cli/users.rs): 服务质量 has seven
/// yes/no items and Q12, D3; 企业形象 three and D1; 产品质量 D2; 客户意见与投诉处理 Q7 and D4.
fn composite(x: f64) -> f64 {
    ((700.0 + 2.0 * x) / 9.0 + (300.0 + x) / 4.0 + x + (100.0 + x) / 2.0) / 4.0
}

/// `n` rows about GS01 answering every five-level item with `answer`.
fn rows(n: u32, answer: &str, date: &str) -> Vec<Vec<C>> {
    let mut out = vec![header()];
    for i in 1..=n {
        let mut r = row(i, date, GS01);
        for cell in &mut r[22..27] {
            *cell = s(answer);
        }
        out.push(r);
    }
    out
}

fn adhoc_return(unit: &str, name: Option<&str>, n: u32, answer: &str) -> Vec<Vec<C>> {
    let mut out = vec![
        vec![s("填报单位"), s(unit)],
        vec![s("报表类型"), s("不定期抽查")],
        vec![s("所属期"), s("2026-10")],
    ];
    if let Some(name) = name {
        out.push(vec![s("调查名称"), s(name)]);
    }
    out.push(vec![]);
    out.extend(rows(n, answer, "2026-10-20"));
    out
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64()
        .is_some_and(|x| (x - (expected * 100.0).round() / 100.0).abs() < 0.006)
}

#[test]
fn an_unscheduled_survey_from_a_county_unit_is_refused_with_the_reason() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("JL/抽查.xlsx"),
        "Sheet1",
        &adhoc_return("竟陵街道", Some(SURVEY), 5, "满意"),
    );
    let o = env.run_on("2026-11-05");
    assert_eq!(code(&o), 3, "{}", stdout(&o));
    let why = env.explanation("抽查.xlsx");
    assert!(
        why.contains("不定期抽查只能由市级单位“天门市住房和城乡建设局”报送")
            && why.contains("“竟陵街道”报送的不定期抽查不予接收"),
        "{why}"
    );
    assert_eq!(env.count("SELECT count(*) FROM response"), 0);
}

#[test]
fn the_city_units_survey_is_scored_apart_and_compared_with_the_months_self_assessment() {
    let env = Env::new();
    // The month: 30 self-assessed responses, 满意 on every five-level item.
    let mut month = meta("竟陵街道", "月度自评", "2026-10");
    month.extend(rows(30, "满意", "2026-10-08"));
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"), "Sheet1", &month);
    // The city unit's survey of the same month: 30 responses, 不满意 throughout.
    write_xlsx(
        &env.inbox("SZJJ/水压抽查.xlsx"),
        "Sheet1",
        &adhoc_return("天门市住房和城乡建设局", Some(SURVEY), 30, "不满意"),
    );
    let o = env.run_on("2026-11-05");
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let s = scores(&env, "2026-10");

    // Never pooled: the month's own scores are the self-assessment's alone.
    let gs01 = (s["groups"].as_array().unwrap().iter())
        .find(|g| g["level"] == "enterprise" && g["key"] == "GS01")
        .unwrap();
    assert_eq!(gs01["n"], 30);
    assert!(close(&gs01["composite"], composite(80.0)), "{gs01}");

    let adhoc = s["adhoc"].as_array().unwrap();
    assert_eq!(adhoc.len(), 1);
    let a = &adhoc[0];
    assert_eq!((a["name"].as_str(), a["n"].as_u64()), (Some(SURVEY), Some(30)));
    let sampled = (a["groups"].as_array().unwrap().iter())
        .find(|g| g["level"] == "enterprise" && g["key"] == "GS01")
        .unwrap();
    assert!(close(&sampled["composite"], composite(40.0)));
    // Bias = self − sampled = composite(80) − composite(40) ≈ 19.7 > 10, both samples ≥ 30.
    let b = &a["bias"].as_array().unwrap()[0];
    assert_eq!(b["enterprise"], "GS01");
    assert!(close(&b["self_composite"], composite(80.0)));
    assert!(close(&b["sampled_composite"], composite(40.0)));
    assert!(close(&b["bias"], composite(80.0) - composite(40.0)), "{b}");
    assert_eq!(b["flagged"], true);
    // The five five-level items score 40 < 80 with 30 answers: each raises an item.
    let mut raised: Vec<&str> = (a["improvement_items"].as_array().unwrap().iter())
        .map(|i| i["indicator"].as_str().unwrap())
        .collect();
    raised.sort();
    assert_eq!(raised, ["D1", "D2", "D3", "D4", "Q12"]);
    // The month's own items are not the survey's: their ids never meet.
    let ids = |list: &Value| -> Vec<String> {
        (list.as_array().unwrap().iter())
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (theirs, mine) = (ids(&a["improvement_items"]), ids(&s["improvement_items"]));
    assert!(
        theirs.iter().all(|i| i.starts_with("2026-10-A") && !mine.contains(i)),
        "{theirs:?} {mine:?}"
    );

    let flat = |p: &str| -> String { pdf_text(&env.path(p)).split_whitespace().collect() };
    let city = flat("reports/2026-10/2026年10月天门市供水供气企业服务满意度分析报告.pdf");
    assert!(city.contains(&format!("{SURVEY}（30份）")), "{city}");
    assert!(city.contains("本月市住建局组织不定期抽查1次"), "{city}");
    let own = flat(&format!(
        "reports/2026-10/企业报告/2026年10月{GS01}服务满意度分析报告.pdf"
    ));
    let want = format!(
        "本次抽查本企业有效问卷30份，综合得分{:.2}分；本月自评30份，综合得分{:.2}分，自评减抽查+{:.2}分",
        composite(40.0),
        composite(80.0),
        composite(80.0) - composite(40.0)
    );
    assert!(own.contains(&want), "{want} in {own}");

    // The summary workbook has the survey's sheet.
    let mut wb: Xlsx<_> =
        open_workbook(env.path("reports/2026-10/2026年10月供水供气企业服务满意度汇总表.xlsx")).unwrap();
    let sheet = wb.worksheet_range("不定期抽查").unwrap();
    let row: Vec<String> = sheet.rows().nth(1).unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        (row[0].as_str(), row[1].as_str(), row[2].as_str()),
        (SURVEY, GS01, "30")
    );

    // status lists it.
    let o = env.run(&["status", "--period", "2026-10"]);
    assert!(
        stdout(&o).contains(&format!("{SURVEY}:报表 1 份,有效问卷 30 份")),
        "{}",
        stdout(&o)
    );
}

/// Two surveys of one month do not replace each other; the same survey sent again does.
#[test]
fn a_second_survey_of_the_month_stands_beside_the_first_and_a_resend_replaces_it() {
    let env = Env::new();
    let city = "天门市住房和城乡建设局";
    // A month's documents come with its self-assessment.
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"), "Sheet1", &monthly(3));
    write_xlsx(
        &env.inbox("SZJJ/a.xlsx"),
        "Sheet1",
        &adhoc_return(city, Some("甲"), 5, "满意"),
    );
    write_xlsx(
        &env.inbox("SZJJ/b.xlsx"),
        "Sheet1",
        &adhoc_return(city, None, 4, "满意"),
    );
    assert_eq!(code(&env.run_on("2026-11-05")), 0);
    write_xlsx(
        &env.inbox("SZJJ/a2.xlsx"),
        "Sheet1",
        &adhoc_return(city, Some("甲"), 6, "满意"),
    );
    assert_eq!(code(&env.run_on("2026-11-06")), 0);
    let s = scores(&env, "2026-10");
    let got: Vec<(String, u64)> = (s["adhoc"].as_array().unwrap().iter())
        .map(|a| (a["name"].as_str().unwrap().to_string(), a["n"].as_u64().unwrap()))
        .collect();
    // The unnamed one takes the default name; 甲 is its resend's six rows.
    let mut got = got;
    got.sort();
    assert_eq!(got, [("不定期抽查".to_string(), 4), ("甲".to_string(), 6)]);
}

#[test]
fn template_and_sample_make_the_unscheduled_surveys_forms() {
    let env = Env::ran_samples();
    let o = env.run(&["template", "--kind", "adhoc", "--out", "t.xlsx"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let meta = |p: &str| -> Vec<String> {
        let mut wb: Xlsx<_> = open_workbook(env.path(p)).unwrap();
        let sheet = wb.worksheet_range("调查问卷").unwrap();
        (sheet.rows().take(4))
            .flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
            .filter(|c| !c.is_empty())
            .collect()
    };
    let m = meta("t.xlsx");
    assert!(
        m.contains(&"不定期抽查".to_string()) && m.contains(&"调查名称".to_string()),
        "{m:?}"
    );
    assert!(
        m.contains(&"天门市住房和城乡建设局".to_string()),
        "the city unit is its submitter: {m:?}"
    );

    let o = env.run(&[
        "sample",
        "--adhoc",
        "9月水压专项抽查",
        "--month",
        "2026-09",
        "--per-enterprise",
        "3",
        "--seed",
        "7",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = "reports/2026-09/2026年9月9月水压专项抽查回访表.xlsx";
    let m = meta(out);
    assert!(
        m.contains(&"9月水压专项抽查".to_string()) && m.contains(&"2026-09".to_string()),
        "{m:?}"
    );
    let mut wb: Xlsx<_> = open_workbook(env.path(out)).unwrap();
    let sheet = wb.worksheet_range("调查问卷").unwrap();
    let users = (sheet.rows())
        .filter(|r| {
            r.get(2)
                .is_some_and(|c| *c == calamine::Data::String("电话回访".into()))
        })
        .count();
    // Three for each of the two enterprises the samples' frames list.
    assert_eq!(users, 6);
    // A month is not a quarter.
    let o = env.run(&["sample", "--adhoc", "x", "--month", "2026Q3", "--per-enterprise", "3"]);
    assert_eq!(code(&o), 2);
}

/// A survey refused whole keeps its 退回通知 when another survey of the month is accepted
/// after it: the notice is settled only by a return of the same survey.
#[test]
fn a_refused_survey_is_not_settled_by_another_survey_of_the_month() {
    let env = Env::new();
    let city = "天门市住房和城乡建设局";
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"), "Sheet1", &monthly(3));
    // Every row names an enterprise nobody registered: no valid row, refused whole.
    let mut bad = adhoc_return(city, Some("乙"), 3, "满意");
    for r in bad.iter_mut().skip(6) {
        r[9] = s("天门市第九供水公司");
    }
    write_xlsx(&env.inbox("SZJJ/乙.xlsx"), "Sheet1", &bad);
    assert_eq!(code(&env.run_on("2026-11-05")), 3);
    write_xlsx(
        &env.inbox("SZJJ/甲.xlsx"),
        "Sheet1",
        &adhoc_return(city, Some("甲"), 5, "满意"),
    );
    assert_eq!(code(&env.run_on("2026-11-06")), 0);
    let outbox = "outbox/单位_SZJJ_天门市住房和城乡建设局/2026-10";
    let files = env.files(outbox);
    assert!(
        files.iter().any(|f| f.contains("退回通知") && f.contains("乙")),
        "{files:?}"
    );
}
