//! 用户情况 (SPEC §12) through the binary: one month of GS01 built with known answers — two
//! large customers who are dissatisfied, three small users who are satisfied, one user who
//! states no usage — and every figure checked against a hand computation: the bands, large
//! customers beside the others, the usage-weighted composite beside the plain one. Then the
//! documents: the summary workbook's sheet 用户情况, the city report's section, no respondent
//! named in either, and the large customers named in the enterprise's ledger only.

use calamine::{Data, DataType, Reader, Xlsx, open_workbook};
use serde_json::Value;

use crate::support::*;

const GS01: &str = "天门市第一供水有限公司";
const ISSUED: &str = "reports/2026-10/签发/第1版";

/// (user type, method, monthly usage, the answer of every five-level item): every yes/no item
/// is answered favourably.
const USERS: [(&str, &str, Option<f64>, &str); 6] = [
    ("工矿企业", "电话回访", Some(2000.0), "不满意"),
    ("工矿企业", "电话回访", Some(5000.0), "不满意"),
    ("居民用户", "电话回访", Some(50.0), "满意"),
    ("居民用户", "问卷", Some(200.0), "满意"),
    ("居民用户", "问卷", Some(5.0), "满意"),
    ("工商业用户", "问卷", None, "非常满意"),
];

/// The composite of responses that answer every yes/no item favourably (100) and every
/// five-level item with a mean score `x`, by the default scheme's dimensions: 服务质量 holds
/// seven yes/no items and Q12, D3; 企业形象 three yes/no items and D1; 产品质量 D2 alone;
/// 客户意见与投诉处理 Q7 and D4. Each is a mean of items, so the group's composite is this of
/// the group's mean five-level score.
fn composite(x: f64) -> f64 {
    let quality = (700.0 + 2.0 * x) / 9.0;
    let image = (300.0 + x) / 4.0;
    let product = x;
    let complaints = (100.0 + x) / 2.0;
    (quality + image + product + complaints) / 4.0
}

fn grade(answer: &str) -> f64 {
    match answer {
        "非常满意" => 100.0,
        "满意" => 80.0,
        "不满意" => 40.0,
        other => panic!("{other}"),
    }
}

fn month(env: &Env) {
    let mut rows = meta("竟陵街道", "月度自评", "2026-10");
    rows.push(header());
    for (i, (kind, method, usage, answer)) in USERS.iter().enumerate() {
        let mut r = row(i as u32 + 1, "2026-10-08", GS01);
        r[2] = s(method);
        r[3] = C::S(format!("测试大客户{}有限公司", i + 1));
        r[4] = s(kind);
        r[6] = usage.map_or(C::Blank, C::N);
        // Q12 and D1–D4.
        for cell in &mut r[22..27] {
            *cell = s(answer);
        }
        rows.push(r);
    }
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"), "Sheet1", &rows);
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64()
        .is_some_and(|x| (x - (expected * 100.0).round() / 100.0).abs() < 0.006)
}

fn entry<'a>(list: &'a Value, level: &str, f: impl Fn(&Value) -> bool) -> Vec<&'a Value> {
    (list.as_array().unwrap().iter())
        .filter(|e| e["level"] == level && f(e))
        .collect()
}

#[test]
fn large_customers_bands_and_the_usage_weighted_composite_agree_with_a_hand_computation() {
    let env = Env::signed();
    month(&env);
    assert_eq!(code(&env.run_on("2026-11-10")), 0);
    let s = scores(&env, "2026-10");
    let u = &s["users"];
    let plain = composite(USERS.iter().map(|u| grade(u.3)).sum::<f64>() / 6.0);
    for level in ["city", "enterprise"] {
        // Bands of 供水 (<10, 10–100, 100–1000, ≥1000): 5 | 50 | 200 | 2000, 5000 | none.
        let bands: Vec<(String, u64)> = entry(&u["by_band"], level, |_| true)
            .iter()
            .map(|b| {
                assert_eq!(b["utility"], "供水");
                (b["band"].as_str().unwrap().to_string(), b["n"].as_u64().unwrap())
            })
            .collect();
        let want = [("<10", 1), ("10–100", 1), ("100–1000", 1), ("≥1000", 2), ("未填", 1)];
        assert_eq!(bands, want.map(|(b, n)| (b.to_string(), n)));
        let large = entry(&u["large"], level, |_| true)[0];
        assert_eq!((large["n"].as_u64(), large["others_n"].as_u64()), (Some(2), Some(4)));
        assert!(close(&large["composite"], composite(40.0)), "{large}");
        // The others: 满意 ×3 and 非常满意 → a mean five-level score of 85.
        assert!(close(&large["others_composite"], composite(85.0)), "{large}");
        assert!(close(&large["overall"], 40.0));
        // Weighted by usage, over the five that state it.
        let w = entry(&u["usage_weighted"], level, |_| true)[0];
        assert_eq!(w["n_with_usage"], 5);
        let x = (2000.0 * 40.0 + 5000.0 * 40.0 + 50.0 * 80.0 + 200.0 * 80.0 + 5.0 * 80.0) / 7255.0;
        assert!(close(&w["composite"], composite(x)), "{w} against {}", composite(x));
        let g = entry(&s["groups"], level, |_| true)[0];
        assert!(close(&g["composite"], plain));
        assert!(
            composite(x) < plain,
            "the large customers pull the weighted composite down"
        );
        // Types and methods, each with its composite.
        let types: Vec<(&str, u64)> = entry(&u["by_type"], level, |_| true)
            .iter()
            .map(|t| (t["group"].as_str().unwrap(), t["n"].as_u64().unwrap()))
            .collect();
        assert_eq!(types, [("工商业用户", 1), ("工矿企业", 2), ("居民用户", 3)]);
        let mining = entry(&u["by_type"], level, |t| t["group"] == "工矿企业")[0];
        assert!(close(&mining["composite"], composite(40.0)));
        let methods: Vec<(&str, u64)> = entry(&u["by_method"], level, |_| true)
            .iter()
            .map(|t| (t["group"].as_str().unwrap(), t["n"].as_u64().unwrap()))
            .collect();
        assert_eq!(methods, [("问卷", 3), ("电话回访", 3)]);
    }

    // Released: the large customers' bad reviews are named in GS01's ledger, nowhere else.
    let o = env.run(&[
        "release",
        "--period",
        "2026-10",
        "--by",
        "王局长",
        "--date",
        "2026-11-12",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let ledger = env.path(&format!("{ISSUED}/整改台账/2026年10月{GS01}整改台账.xlsx"));
    let mut wb: Xlsx<_> = open_workbook(&ledger).unwrap();
    let sheet = wb.worksheet_range("大客户差评").unwrap();
    let named: Vec<String> = (sheet.rows().skip(3))
        .map(|r| r[1].to_string())
        .filter(|n| !n.is_empty())
        .collect();
    assert_eq!(named, ["测试大客户1有限公司", "测试大客户2有限公司"]);
    let usage: Vec<f64> = (sheet.rows().skip(3)).filter_map(|r| r[4].get_float()).collect();
    assert_eq!(usage, [2000.0, 5000.0]);

    // The summary workbook's sheet 用户情况: the city's weighted composite as computed, no name.
    let summary = env.path(&format!("{ISSUED}/2026年10月供水供气企业服务满意度汇总表.xlsx"));
    let mut wb: Xlsx<_> = open_workbook(&summary).unwrap();
    let sheet = wb.worksheet_range("用户情况").unwrap();
    let cells: Vec<String> = sheet.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(!cells.iter().any(|c| c.contains("测试大客户")));
    let large_row = (sheet.rows())
        .find(|r| r[0] == Data::String("全市".into()) && r.get(1).is_some_and(|c| c.get_float() == Some(2.0)))
        .expect("the city's large-customer row");
    let x = (2000.0 * 40.0 + 5000.0 * 40.0 + 50.0 * 80.0 + 200.0 * 80.0 + 5.0 * 80.0) / 7255.0;
    let weighted = large_row[7].get_float().unwrap();
    assert!((weighted - composite(x)).abs() < 0.006, "{weighted}");

    // The city report: its section with the sentence on large customers; no name.
    let report = env.path(&format!("{ISSUED}/2026年10月天门市供水供气企业服务满意度分析报告.pdf"));
    let text = pdf_text(&report);
    let flat: String = text.split_whitespace().collect();
    assert!(flat.contains("五、用户情况"), "{text}");
    let want = format!(
        "受访大客户2户，综合得分{:.2}分，其他用户{:.2}分",
        composite(40.0),
        composite(85.0)
    );
    assert!(flat.contains(&want), "{want} in {flat}");
    let weighted = format!(
        "按月均用量加权的综合得分{:.2}分（不加权{:.2}分，计入填写用量的问卷5份），低于不加权得分",
        composite(x),
        plain
    );
    assert!(flat.contains(&weighted), "{weighted} in {flat}");
    assert!(!text.contains("测试大客户"));
    let enterprise = env.path(&format!("{ISSUED}/企业报告/2026年10月{GS01}服务满意度分析报告.pdf"));
    let text = pdf_text(&enterprise);
    assert!(text.split_whitespace().collect::<String>().contains(&want));
    assert!(!text.contains("测试大客户"));
}

/// Without a stated usage, nothing is weighted: the weighted composite is absent and said so,
/// and every response counts in the band 未填.
#[test]
fn a_month_without_usage_has_no_weighted_composite_and_says_so() {
    let env = Env::new();
    let mut rows = monthly(4);
    for r in rows.iter_mut().skip(5) {
        r[6] = C::Blank;
    }
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"), "Sheet1", &rows);
    assert_eq!(code(&env.run_on("2026-11-10")), 0);
    let s = scores(&env, "2026-10");
    let w = entry(&s["users"]["usage_weighted"], "city", |_| true)[0];
    assert_eq!((w["composite"].is_null(), w["n_with_usage"].as_u64()), (true, Some(0)));
    let bands = entry(&s["users"]["by_band"], "city", |_| true);
    assert_eq!(bands.len(), 1);
    assert_eq!(
        (bands[0]["band"].as_str(), bands[0]["n"].as_u64()),
        (Some("未填"), Some(4))
    );
    let report = env.path("reports/2026-10/2026年10月天门市供水供气企业服务满意度分析报告.pdf");
    let flat: String = pdf_text(&report).split_whitespace().collect();
    assert!(
        flat.contains("本期问卷均未填写月均用量，无法计算用量加权得分。"),
        "{flat}"
    );
}
