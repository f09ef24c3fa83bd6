//! 本期要点 (SPEC §12): the city report opens, right after its cover, with the sentences a
//! leader acts on, and the summary workbook's 总览 lists them. Each is checked against what the
//! test derives itself from the period's scores.json (and the previous month's), the registry
//! and the scheme: the city composite and its change, the enterprises below the line, the
//! red-line answers by enterprise, significant declines, overdue items, missing returns.

use calamine::{Reader, Xlsx, open_workbook};
use serde_json::Value;

use crate::support::*;

const REPORT: &str = "reports/2026-09/2026年9月天门市供水供气企业服务满意度分析报告.pdf";
const SUMMARY: &str = "reports/2026-09/2026年9月供水供气企业服务满意度汇总表.xlsx";

fn groups<'a>(s: &'a Value, level: &'a str) -> impl Iterator<Item = &'a Value> {
    s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(move |g| g["level"] == level)
}

/// The sentences as the test expects them, from the data.
fn expected(env: &Env) -> Vec<String> {
    let sep = scores(env, "2026-09");
    let aug = scores(env, "2026-08");
    let city = |s: &Value| groups(s, "city").next().unwrap()["composite"].as_f64().unwrap();
    let (now, before) = (city(&sep), city(&aug));
    let change = ((now - before) * 100.0).round() / 100.0;
    let mut out = vec![if change < 0.0 {
        format!("全市综合得分 {now:.2} 分，比上期下降 {:.2} 分。", -change)
    } else {
        format!("全市综合得分 {now:.2} 分，比上期上升 {change:.2} 分。")
    }];
    let below: Vec<String> = groups(&sep, "enterprise")
        .filter(|g| g["insufficient_sample"] == false && g["composite"].as_f64().unwrap() < 80.0)
        .map(|g| {
            format!(
                "{}（{:.2} 分）",
                g["name"].as_str().unwrap(),
                g["composite"].as_f64().unwrap()
            )
        })
        .collect();
    assert!(
        !below.is_empty(),
        "the samples have an enterprise below the line in September"
    );
    out.push(format!(
        "综合得分低于整改线 80.00 分的企业 {} 家：{}。",
        below.len(),
        below.join("、")
    ));
    // The scheme's red-line items: Q10 违规收取其他费用, Q11 存在推诿情况.
    let red: Vec<String> = [("Q10", "违规收取其他费用"), ("Q11", "存在推诿情况")]
        .iter()
        .filter_map(|(id, name)| {
            let by: Vec<(String, u64)> = groups(&sep, "enterprise")
                .map(|g| {
                    (
                        g["name"].as_str().unwrap().to_string(),
                        g["items"][id]["unfavourable"].as_u64().unwrap_or(0),
                    )
                })
                .filter(|(_, n)| *n > 0)
                .collect();
            let total: u64 = by.iter().map(|(_, n)| n).sum();
            (total > 0).then(|| {
                let who: Vec<String> = by.iter().map(|(e, n)| format!("{e} {n} 份")).collect();
                format!("{name} {total} 份（{}）", who.join("、"))
            })
        })
        .collect();
    out.push(format!("红线指标出现不利回答：{}。", red.join("；")));
    let declines: Vec<&Value> = (sep["declines"].as_array().unwrap().iter())
        .filter(|d| d["significant"] == true && (d["level"] == "city" || d["level"] == "enterprise"))
        .collect();
    let mut who: Vec<String> = Vec::new();
    for d in &declines {
        let name = if d["level"] == "city" {
            "天门市".to_string()
        } else {
            groups(&sep, "enterprise").find(|g| g["key"] == d["key"]).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_string()
        };
        if !who.contains(&name) {
            who.push(name);
        }
    }
    out.push(format!(
        "较上期显著下降的指标 {} 项，涉及{}。",
        declines.len(),
        who.join("、")
    ));
    let overdue = (sep["improvement_items"].as_array().unwrap().iter())
        .filter(|i| i["status"] == "overdue")
        .count();
    out.push(format!("逾期未完成的整改事项 {overdue} 项。"));
    let missing: Vec<&str> = (sep["data_quality"].as_array().unwrap().iter())
        .filter(|q| q["missing"] == true)
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    out.push(format!("未报送报表 {} 份：{}。", missing.len(), missing.join("、")));
    let flagged = (sep["integrity_signals"].as_array().unwrap().iter())
        .filter(|s| s["flagged"] == true)
        .count();
    assert_eq!(
        flagged, 0,
        "no integrity flag in September's samples: no sentence for it"
    );
    out.into_iter()
        .enumerate()
        .map(|(i, s)| format!("{}．{s}", i + 1))
        .collect()
}

#[test]
fn the_city_report_opens_with_the_highlights_and_the_summary_lists_them() {
    let env = Env::shared_samples();
    let want = expected(env);
    // The summary workbook's 总览: the heading, then one merged line each.
    let mut wb: Xlsx<_> = open_workbook(env.path(SUMMARY)).unwrap();
    let sheet = wb.worksheet_range("总览").unwrap();
    let cells: Vec<String> = sheet.rows().map(|r| r[0].to_string()).collect();
    let at = cells.iter().position(|c| c == "本期要点").expect("the heading");
    assert_eq!(&cells[at + 1..at + 1 + want.len()], want.as_slice());
    assert_eq!(cells[at + 1 + want.len()], "", "no more than these");
    // The city report: right after the cover, before the first numbered section.
    if tool("pdftotext") {
        let o = std::process::Command::new("pdftotext")
            .args(["-f", "2", "-l", "2"])
            .arg(env.path(REPORT))
            .arg("-")
            .output()
            .unwrap();
        let page = String::from_utf8_lossy(&o.stdout);
        let flat: String = page.split_whitespace().collect();
        let start = flat.find("本期要点").expect("on the page after the cover");
        let end = flat.find("一、总体情况").unwrap();
        let got = &flat[start + "本期要点".len()..end];
        let want: String = want.concat().split_whitespace().collect();
        assert_eq!(got, want);
    }
}
