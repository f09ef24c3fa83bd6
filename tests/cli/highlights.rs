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
    // The lowest first (none more than five here: all named).
    let mut below: Vec<(&str, f64)> = groups(&sep, "enterprise")
        .filter(|g| g["insufficient_sample"] == false && g["composite"].as_f64().unwrap() < 80.0)
        .map(|g| (g["name"].as_str().unwrap(), g["composite"].as_f64().unwrap()))
        .collect();
    below.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap());
    let below: Vec<String> = below.iter().map(|(n, c)| format!("{n}（{c:.2} 分）")).collect();
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
            let mut by: Vec<(String, u64)> = groups(&sep, "enterprise")
                .map(|g| {
                    (
                        g["name"].as_str().unwrap().to_string(),
                        g["items"][id]["unfavourable"].as_u64().unwrap_or(0),
                    )
                })
                .filter(|(_, n)| *n > 0)
                .collect();
            // The most first; equals in the registry's order.
            by.sort_by_key(|b| std::cmp::Reverse(b.1));
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
    // The city first, then the enterprises in the order of their declines.
    let mut who: Vec<String> = Vec::new();
    if declines.iter().any(|d| d["level"] == "city") {
        who.push("天门市".to_string());
    }
    for d in declines.iter().filter(|d| d["level"] == "enterprise") {
        let name = groups(&sep, "enterprise").find(|g| g["key"] == d["key"]).unwrap()["name"]
            .as_str()
            .unwrap()
            .to_string();
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

/// Fourteen enterprises' worth of lists: more below the line, with red-line answers and missing
/// returns, than a first page can name. Each list leads with the worst (equal shown scores and
/// equal counts in the registry's order) and names five, counting the rest, and the highlights
/// end on the page after the cover.
#[test]
fn at_scale_the_highlights_name_the_worst_five_and_count_the_rest() {
    let extra: String = (0..10)
        .map(|k| {
            format!(
                "[[enterprise]]\ncode = \"T{k:02}\"\nname = \"天门市测试{k}供水有限公司\"\nutility = \"供水\"\n\
                 county = \"竟陵街道\"\nhead = \"测试{k}\"\n\n"
            )
        })
        .collect();
    let env = Env::with_config_extra(&extra);
    // Enterprise k: 30 answers, 10 + min(k, 8) of them unfavourable on every yes/no item (Q10
    // 违规收费 and Q11 推诿 among them), every rating 一般: the more unfavourable answers, the lower
    // the score; T08 and T09 alike.
    let bad = |k: u32| 10 + k.min(8);
    let mut rows = meta("竟陵街道", "月度自评", "2026-10");
    rows.push(header());
    let mut n = 0;
    for k in 0..10u32 {
        for i in 0..30u32 {
            n += 1;
            let mut r = row(n, "2026-10-05", &format!("天门市测试{k}供水有限公司"));
            for q in 1..=11usize {
                let negative = [8, 10, 11].contains(&q);
                r[10 + q] = s(if negative == (i < bad(k)) { "是" } else { "否" });
            }
            for c in r.iter_mut().skip(22).take(5) {
                *c = s("一般");
            }
            rows.push(r);
        }
    }
    write_xlsx(&env.inbox("竟陵街道_月度自评_2026-10.xlsx"), "调查表", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));

    let oct = scores(&env, "2026-10");
    let mut below: Vec<(&str, f64)> = groups(&oct, "enterprise")
        .filter(|g| g["insufficient_sample"] == false)
        .filter_map(|g| Some((g["name"].as_str().unwrap(), g["composite"].as_f64()?)))
        .filter(|(_, c)| *c < 80.0)
        .collect();
    assert_eq!(below.len(), 10, "every test enterprise is below the line");
    below.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap());
    let lowest: Vec<String> = below[..5].iter().map(|(n, c)| format!("{n}（{c:.2} 分）")).collect();
    // By hand: the lowest are the enterprises with the most unfavourable answers: T08 and T09
    // alike (the registry's order), then 7, 6, 5.
    for (i, k) in [8, 9, 7, 6, 5].into_iter().enumerate() {
        assert!(
            lowest[i].starts_with(&format!("天门市测试{k}供水有限公司")),
            "{lowest:?}"
        );
    }
    let want_below = format!(
        "综合得分低于整改线 80.00 分的企业 10 家，得分最低的 5 家：{}。",
        lowest.join("、")
    );
    // Q10 and Q11 alike: 10 + min(k, 8) unfavourable answers each, 144 in all, from ten
    // enterprises; the most are T08 and T09 (18 each), then 7, 6, 5.
    let most: Vec<String> = [8u32, 9, 7, 6, 5]
        .iter()
        .map(|k| format!("天门市测试{k}供水有限公司 {} 份", bad(*k)))
        .collect();
    let total: u32 = (0..10).map(bad).sum();
    assert_eq!(total, 144);
    let want_red: Vec<String> = ["违规收取其他费用", "存在推诿情况"]
        .iter()
        .map(|item| format!("{item} {total} 份，涉及 10 家企业，最多的是{}", most.join("、")))
        .collect();
    let missing: Vec<&str> = (oct["data_quality"].as_array().unwrap().iter())
        .filter(|q| q["missing"] == true)
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    // The sample registry's two other counties and four enterprises, and the ten: one return each.
    assert_eq!(missing.len(), 16, "{missing:?}");
    let want_missing = format!("未报送报表 16 份，涉及 16 个单位，如{}等。", missing[..5].join("、"),);
    let wanted: Vec<&str> = [&want_below, &want_red[0], &want_red[1], &want_missing]
        .into_iter()
        .map(String::as_str)
        .collect();

    let summary = "reports/2026-10/2026年10月供水供气企业服务满意度汇总表.xlsx";
    let mut wb: Xlsx<_> = open_workbook(env.path(summary)).unwrap();
    let sheet = wb.worksheet_range("总览").unwrap();
    let cells: Vec<String> = sheet.rows().map(|r| r[0].to_string()).collect();
    let at = cells.iter().position(|c| c == "本期要点").expect("the heading");
    let lines: Vec<&String> = cells[at + 1..].iter().take_while(|c| !c.is_empty()).collect();
    for want in &wanted {
        assert!(lines.iter().any(|l| l.contains(want)), "{lines:#?}\n{want}");
    }

    if tool("pdftotext") {
        let report = env.path("reports/2026-10/2026年10月天门市供水供气企业服务满意度分析报告.pdf");
        let o = std::process::Command::new("pdftotext")
            .args(["-f", "2", "-l", "2"])
            .arg(report)
            .arg("-")
            .output()
            .unwrap();
        let flat: String = String::from_utf8_lossy(&o.stdout).split_whitespace().collect();
        let start = flat.find("本期要点").expect("on the page after the cover");
        let end = flat.find("一、总体情况").expect("the highlights end on their page");
        let got = &flat[start..end];
        for want in &wanted {
            let want: String = want.split_whitespace().collect();
            assert!(got.contains(&want), "{got}\n{want}");
        }
    }
}
