//! Integrity signals of self-assessment data, on returns built so that the answer is known.

use crate::support::*;

/// An honest-looking return of `n` rows for `unit`: answers, dates and phones that vary.
fn honest(unit: &str, n: u32) -> Vec<Vec<C>> {
    let mut rows = meta(unit, "月度自评", "2026-10");
    rows.push(header());
    let grades = ["非常满意", "满意", "一般", "不满意", "满意"];
    for i in 1..=n {
        let mut r = row(i, &format!("2026-10-{:02}", 1 + i % 27), "天门市第一供水有限公司");
        r[3] = C::S(format!("{unit}用户{i}"));
        r[7] = C::S(format!("137{:04}{i:04}", unit.len()));
        // A small generator: each row its own mix of answers.
        let mut state = u64::from(i) * 2_654_435_761 + 12_345;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        for q in 1..=11usize {
            let fav = if [8, 10, 11].contains(&q) { "否" } else { "是" };
            let bad = if fav == "是" { "否" } else { "是" };
            r[10 + q] = s(if next() % 4 != 0 { fav } else { bad });
        }
        for k in 0..5usize {
            r[22 + k] = s(grades[next() % 5]);
        }
        rows.push(r);
    }
    rows
}

#[test]
fn an_inflated_return_is_flagged_and_an_honest_one_is_not() {
    let env = Env::new();
    // 竟陵街道: 35 responses, every answer favourable, all identical, all on one day.
    let mut inflated = meta("竟陵街道", "月度自评", "2026-10");
    inflated.push(header());
    for i in 1..=35 {
        inflated.push(row(i, "2026-10-05", "天门市第一供水有限公司"));
    }
    write_xlsx(&env.inbox("JL/十月.xlsx"), "调查问卷", &inflated);
    write_xlsx(&env.inbox("YK/十月.xlsx"), "调查问卷", &honest("岳口镇", 35));
    let o = env.run(&["run"]);
    assert!(matches!(code(&o), 0 | 3), "{}{}", stdout(&o), stderr(&o));
    let scores: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("reports/2026-10/scores.json")).unwrap()).unwrap();
    let signals = scores["integrity_signals"].as_array().unwrap();
    let get = |who: &str, check: &str| {
        signals
            .iter()
            .find(|s| s["submitter"] == who && s["signal"] == check)
            .unwrap_or_else(|| panic!("{who} {check} in {signals:?}"))
    };
    for check in ["no_unfavourable", "straight_lining", "bunched_dates"] {
        assert_eq!(get("JL", check)["flagged"], true, "JL {check}");
        assert_eq!(get("YK", check)["flagged"], false, "YK {check}: {}", get("YK", check));
    }
    // By hand: 35 identical rows → 100%; one day → 100%; no unfavourable answer → 0%.
    assert_eq!(get("JL", "straight_lining")["value"], 100.0);
    assert_eq!(get("JL", "bunched_dates")["value"], 100.0);
    assert_eq!(get("JL", "no_unfavourable")["value"], 0.0);
    assert_eq!(get("JL", "straight_lining")["n"], 35);
    // Every signal has the fields of SPEC §8.
    for s in signals {
        for k in ["submitter", "signal", "value", "threshold", "flagged"] {
            assert!(s.get(k).is_some(), "{k} in {s}");
        }
    }
    // The city report has the section, worded as needing checking.
    if tool("pdftotext") {
        let pdf = env.path("reports/2026-10/2026年10月天门市供水供气企业服务满意度分析报告.pdf");
        let o = std::process::Command::new("pdftotext")
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8(o.stdout).unwrap().replace([' ', '\n'], "");
        assert!(
            text.contains("数据质量疑点\u{ff08}需核实\u{ff09}") && text.contains("答案雷同"),
            "{text}"
        );
        assert!(text.contains("并不表示数据有误"));
    }
}

#[test]
fn the_samples_quarter_compares_each_units_self_assessment_with_the_call_back() {
    let env = Env::samples();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let scores: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("reports/2026Q3/scores.json")).unwrap()).unwrap();
    let signals = scores["integrity_signals"].as_array().unwrap();
    let check = |s: &serde_json::Value| {
        let (v, t) = (s["value"].as_f64().unwrap(), s["threshold"].as_f64().unwrap());
        let over = if s["signal"] == "self_vs_sampled" { v > t } else { v < t };
        assert_eq!(
            s["flagged"].as_bool().unwrap(),
            over && s["n"].as_u64().unwrap() >= 5,
            "{s}"
        );
    };
    let find = |who: &str, signal: &str| signals.iter().find(|s| s["submitter"] == who && s["signal"] == signal);
    // Every monthly submitter of the quarter's months is compared with the call-back.
    for who in ["JL", "YK", "ZS", "GS01", "GS02", "RQ01", "RQ02"] {
        check(find(who, "callback_agreement").unwrap_or_else(|| panic!("{who}")));
    }
    // Its self-assessment against the call-back only where the call-back reached enough users
    // of its enterprises: 岳口镇 (GS02, 30 sampled) and 皂市镇 (RQ02, 30) yes; 竟陵街道, whose
    // enterprises GS01 (26) and RQ01 (24) are under the minimum sample, no.
    for who in ["YK", "ZS", "GS02", "RQ02"] {
        check(find(who, "self_vs_sampled").unwrap_or_else(|| panic!("{who}")));
    }
    assert!(find("JL", "self_vs_sampled").is_none());
    // The samples show signals: the generated call-back answers are independent of the units'.
    assert!(signals.iter().any(|s| s["flagged"] == true));
}
