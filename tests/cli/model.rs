//! The result model the documents are built from, as scores.json carries it: data quality
//! per submitter and the trend over the recent periods.

use crate::support::*;

fn scores(env: &Env, period: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(env.path(&format!("reports/{period}/scores.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn month_of(period: &str, date: &str, n: u32, bad_phone_rows: u32) -> Vec<Vec<C>> {
    let mut rows = meta("竟陵街道", "月度自评", period);
    rows.push(header());
    for i in 1..=n {
        let mut r = row(i, date, "天门市第一供水有限公司");
        if i <= bad_phone_rows {
            r[7] = s("123");
        }
        rows.push(r);
    }
    rows
}

#[test]
fn data_quality_counts_returns_rows_and_missing_returns_per_submitter() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("JL/九月.xlsx"),
        "调查问卷",
        &month_of("2026-09", "2026-09-05", 4, 0),
    );
    write_xlsx(
        &env.inbox("JL/十月.xlsx"),
        "调查问卷",
        &month_of("2026-10", "2026-10-05", 5, 2),
    );
    // 岳口镇 sends nothing readable for October.
    std::fs::create_dir_all(env.inbox("YK")).unwrap();
    std::fs::write(env.inbox("YK/十月.xlsx"), "not a workbook").unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let oct = scores(&env, "2026-10");
    let quality = oct["data_quality"].as_array().unwrap();
    let jl = quality.iter().find(|q| q["submitter"] == "JL").unwrap();
    assert_eq!(
        (
            &jl["received"],
            &jl["accepted"],
            &jl["rows_valid"],
            &jl["rows_rejected"],
            &jl["missing"]
        ),
        (&1.into(), &1.into(), &3.into(), &2.into(), &false.into()),
        "{jl}"
    );
    // Expected but missing: the other county units and the four enterprises (8 in all,
    // 岳口镇's unreadable file having no period to count against).
    let missing: Vec<&str> = quality
        .iter()
        .filter(|q| q["missing"] == true)
        .map(|q| q["submitter"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["YK", "ZS", "GS01", "GS02", "RQ01", "RQ02"], "{quality:?}");
    // The trend: September and October for the city and GS01.
    let trend = oct["trend"].as_array().unwrap();
    let city: Vec<(&str, u64)> = trend
        .iter()
        .filter(|t| t["level"] == "city")
        .map(|t| (t["period"].as_str().unwrap(), t["n"].as_u64().unwrap()))
        .collect();
    assert_eq!(city, [("2026-09", 4), ("2026-10", 3)]);
    assert!(
        trend
            .iter()
            .any(|t| t["level"] == "enterprise" && t["key"] == "GS01" && t["period"] == "2026-09")
    );
    // No free text or personal data in these parts.
    let text = format!("{}{}", oct["data_quality"], oct["trend"]);
    assert!(!text.contains("测试用户") && !text.contains("138"), "{text}");
}
