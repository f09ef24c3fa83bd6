//! The year (SPEC §13) through the binary: `reports/<year>/` written whenever a period of the
//! year is, 截至 its last period until the fourth quarter is in; the sampled score pooled over
//! the year's quarterly (and unscheduled) responses; the assessment computed by hand for a
//! small year; `report --period 2026` and `status --period 2026`.

use std::path::Path;

use calamine::{Reader, Xlsx, open_workbook};
use serde_json::Value;

use crate::support::*;

const GS01: &str = "天门市第一供水有限公司";
const RQ01: &str = "天门市天然气有限公司";

/// The composite of responses answering every yes/no item favourably and every five-level
/// item with mean score `x` (the default scheme; see tests/cli/users.rs).
fn composite(x: f64) -> f64 {
    ((700.0 + 2.0 * x) / 9.0 + (300.0 + x) / 4.0 + x + (100.0 + x) / 2.0) / 4.0
}

fn grade_score(answer: &str) -> f64 {
    match answer {
        "非常满意" => 100.0,
        "满意" => 80.0,
        "一般" => 60.0,
        "不满意" => 40.0,
        other => panic!("{other}"),
    }
}

/// Rows about `enterprise` (供水 or 供气), each answering the five-level items with one answer.
fn rows(enterprise: &str, gas: bool, answers: &[&str], date: &str, first: u32) -> Vec<Vec<C>> {
    (answers.iter().enumerate())
        .map(|(i, a)| {
            let mut r = row(first + i as u32, date, enterprise);
            if gas {
                r[8] = s("供气");
            }
            for cell in &mut r[22..27] {
                *cell = s(a);
            }
            r
        })
        .collect()
}

fn sheet(unit: &str, kind: &str, period: &str, body: Vec<Vec<C>>) -> Vec<Vec<C>> {
    let mut out = meta(unit, kind, period);
    out.push(header());
    out.extend(body);
    out
}

/// Four quarters of the city's sampled survey and two months of self-assessment, two
/// enterprises; no release, so no case and no rectification part:
/// each score = (60 · sampled + 20 · self) / 80.
/// Quarters of different sizes, so that pooling differs from a mean of quarterly means.
type Quarter = (&'static str, &'static [&'static str], &'static [&'static str]);
const QUARTERS: [Quarter; 4] = [
    (
        "2026Q1",
        &["满意", "满意", "一般", "满意", "满意"],
        &["非常满意", "满意"],
    ),
    ("2026Q2", &["不满意"], &["满意", "满意", "满意"]),
    (
        "2026Q3",
        &["满意", "满意", "满意"],
        &["非常满意", "非常满意", "满意", "一般"],
    ),
    ("2026Q4", &["不满意", "一般"], &["满意"]),
];

fn mean(answers: &[&str]) -> f64 {
    answers.iter().map(|a| grade_score(a)).sum::<f64>() / answers.len() as f64
}

#[test]
fn a_small_year_is_assessed_as_computed_by_hand() {
    let env = Env::new();
    for (q, gs, rq) in QUARTERS {
        let month = format!("2026-{:02}-10", q[5..].parse::<u32>().unwrap() * 3);
        let mut body = rows(GS01, false, gs, &month, 1);
        body.extend(rows(RQ01, true, rq, &month, 10));
        write_xlsx(
            &env.inbox(&format!("SZJJ/抽查_{q}.xlsx")),
            "Sheet1",
            &sheet("天门市住房和城乡建设局", "季度抽查", q, body),
        );
    }
    let self_gs = ["满意", "满意", "非常满意", "满意"];
    let self_rq = ["一般", "满意", "满意", "满意"];
    for (m, from) in [("2026-03", 0), ("2026-11", 2)] {
        let date = format!("{m}-05");
        let mut body = rows(GS01, false, &self_gs[from..from + 2], &date, 1);
        body.extend(rows(RQ01, true, &self_rq[from..from + 2], &date, 10));
        write_xlsx(
            &env.inbox(&format!("JL/竟陵街道_月度自评_{m}.xlsx")),
            "Sheet1",
            &sheet("竟陵街道", "月度自评", m, body),
        );
    }
    let o = env.run_on("2026-12-20");
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("reports/2026/scores.json")).unwrap()).unwrap();
    assert_eq!(
        (doc["kind"].as_str(), doc["complete"].as_bool()),
        (Some("annual"), Some(true))
    );

    // Pooled over the twelve responses of each enterprise (not a mean of quarterly means).
    let all = |pick: fn(&Quarter) -> &'static [&'static str]| -> Vec<&'static str> {
        QUARTERS.iter().flat_map(|q| pick(q).iter().copied()).collect()
    };
    let sampled = [
        ("GS01", composite(mean(&all(|q| q.1)))),
        ("RQ01", composite(mean(&all(|q| q.2)))),
    ];
    let own = [("GS01", composite(mean(&self_gs))), ("RQ01", composite(mean(&self_rq)))];
    let score = |k: usize| (60.0 * sampled[k].1 + 20.0 * own[k].1) / 80.0;
    let grade = |s: f64| match (s * 100.0).round() / 100.0 {
        x if x >= 90.0 => "优秀",
        x if x >= 80.0 => "良好",
        x if x >= 70.0 => "合格",
        _ => "不合格",
    };
    let (gs, rq) = (score(0), score(1));
    let order = if gs >= rq { ["GS01", "RQ01"] } else { ["RQ01", "GS01"] };
    let got = doc["assessment"].as_array().unwrap();
    assert_eq!(got.len(), 4, "every registered enterprise is listed");
    for (rank, code) in order.iter().enumerate() {
        let a = &got[rank];
        assert_eq!(a["enterprise"], *code);
        assert_eq!(a["rank"], rank + 1);
        let k = usize::from(*code == "RQ01");
        let want = score(k);
        assert!(
            (a["score"].as_f64().unwrap() - (want * 100.0).round() / 100.0).abs() < 0.006,
            "{a}"
        );
        assert_eq!(a["grade"], grade(want));
        assert!(a["parts"]["rectification"].is_null(), "no case: the part is absent");
        assert_eq!(a["parts"]["sampled"]["share"], 0.75);
        let sampled_value = a["parts"]["sampled"]["value"].as_f64().unwrap();
        assert!((sampled_value - (sampled[k].1 * 100.0).round() / 100.0).abs() < 0.006);
    }
    // The two enterprises without returns are listed unranked.
    assert!(got[2]["rank"].is_null() && got[3]["rank"].is_null());
    // Pooled, not a mean of the quarters' composites (as each quarter's scores.json has them).
    let quarterly: Vec<f64> = ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
        .iter()
        .map(|q| {
            (scores(&env, q)["groups"].as_array().unwrap().iter())
                .find(|g| g["level"] == "enterprise" && g["key"] == "GS01")
                .unwrap()["composite"]
                .as_f64()
                .unwrap()
        })
        .collect();
    let mean_of_means = quarterly.iter().sum::<f64>() / 4.0;
    assert!(
        (mean_of_means - sampled[0].1).abs() > 1.0,
        "{mean_of_means} against {}",
        sampled[0].1
    );

    // Written again on demand: the same results (counted as of another day).
    let read = || -> Value {
        let mut doc: Value =
            serde_json::from_str(&std::fs::read_to_string(env.path("reports/2026/scores.json")).unwrap()).unwrap();
        doc.as_object_mut().unwrap().remove("as_of");
        doc
    };
    let before = read();
    let o = env.run(&["report", "--period", "2026"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("2026年度的报告已写入"), "{}", stdout(&o));
    assert!(read() == before, "report --period 2026 gives the year as run wrote it");
    let o = env.run(&["report", "--period", "2025"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2025年没有已接收的月度自评或季度抽查报表"),
        "{}",
        stderr(&o)
    );

    let o = env.run(&["status", "--period", "2026"]);
    let text = stdout(&o);
    assert!(text.contains("2026年度考核:"), "{text}");
    assert!(text.contains(&format!("{:.2}", (gs * 100.0).round() / 100.0)), "{text}");
}

#[test]
fn the_samples_year_is_written_through_their_last_quarter() {
    let env = Env::shared_samples();
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("reports/2026/scores.json")).unwrap()).unwrap();
    assert_eq!(doc["through"], "2026Q3");
    assert_eq!(doc["complete"], false);
    // Pooled sampled scores: the quarterly survey's and the unscheduled survey's responses
    // together, as the generator computes them independently.
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(REPO).join("samples/expected.json")).unwrap()).unwrap();
    let want = expected["annual_sampled"].as_array().unwrap();
    assert_eq!(want.len(), 4);
    for w in want {
        let e = (doc["enterprises"].as_array().unwrap().iter())
            .find(|e| e["enterprise"] == w["enterprise"])
            .unwrap();
        assert_eq!(e["sampled"]["n"], w["n"], "{w}");
        assert_eq!(e["sampled"]["composite"], w["composite"], "{w}");
        assert_eq!(e["self_assessment"]["composite"], w["self_composite"], "{w}");
    }
    let dir = env.path("reports/2026");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    let pdf = names
        .iter()
        .find(|n| n.ends_with("考核报告.pdf"))
        .expect("the annual report");
    let text: String = pdf_text(&dir.join(pdf)).split_whitespace().collect();
    assert!(text.contains("2026年度（截至2026年第3季度）"), "{text}");
    assert!(text.contains("一、年度考核结果"), "{text}");
    let book = names
        .iter()
        .find(|n| n.ends_with("考核汇总表.xlsx"))
        .expect("the annual workbook");
    let wb: Xlsx<_> = open_workbook(dir.join(book)).unwrap();
    assert_eq!(wb.sheet_names(), ["年度考核结果", "各企业全年情况", "月度得分"]);
    let html = names
        .iter()
        .find(|n| n.ends_with(".html"))
        .expect("the annual public page");
    let page = std::fs::read_to_string(dir.join(html)).unwrap();
    let parsed = scraper::Html::parse_document(&page);
    let rows = scraper::Selector::parse("tbody tr").unwrap();
    assert_eq!(parsed.select(&rows).count(), 4);
    // No respondent in the year's documents.
    for name in ["天门市永兴建设工程有限公司", "天门市陆羽幼儿园"] {
        assert!(!page.contains(name) && !text.contains(name));
    }
}

/// The year signed off (SPEC §13 with §9b): a draft until `release --period 2026`, then its
/// version 1 in `签发/第1版/` and its public page in `public/2026/`; a later change waits for a
/// correction.
#[test]
fn the_year_is_signed_off_like_a_period() {
    let env = Env::signed();
    let mut body = rows(GS01, false, &["满意", "满意", "一般"], "2026-03-05", 1);
    body.extend(rows(RQ01, true, &["满意", "非常满意"], "2026-03-05", 10));
    write_xlsx(
        &env.inbox("JL/竟陵街道_月度自评_2026-03.xlsx"),
        "Sheet1",
        &sheet("竟陵街道", "月度自评", "2026-03", body),
    );
    assert_eq!(code(&env.run_on("2026-04-02")), 0);
    let year = env.path("reports/2026");
    let names = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = (std::fs::read_dir(dir).unwrap().flatten())
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    };
    assert!(
        names(&year)
            .iter()
            .filter(|n| n.ends_with(".pdf"))
            .all(|n| n.starts_with("【送审稿】"))
    );
    let status = stdout(&env.run(&["status", "--period", "2026"]));
    assert!(status.contains("签发:2026年度 送审稿,待签发"), "{status}");
    // The draft goes to the reviewer only.
    let got = env.files("outbox/领导_王局长/2026");
    assert!(
        got.iter()
            .any(|f| f.starts_with("【送审稿】") && f.ends_with("考核报告.pdf")),
        "{got:?}"
    );
    assert!(!env.path("outbox/领导_李副局长/2026").exists());

    let o = env.run(&["release", "--period", "2026", "--by", "王局长", "--date", "2026-04-03"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("2026年度考核 第 1 版已签发"), "{}", stdout(&o));
    let issued = year.join("签发/第1版");
    let pdf = names(&issued).into_iter().find(|n| n.ends_with(".pdf")).unwrap();
    assert!(!pdf.starts_with("【送审稿】"), "{pdf}");
    let cover: String = pdf_text(&issued.join(&pdf)).split_whitespace().collect();
    assert!(cover.contains("签发人：王局长"), "{cover}");
    assert!(
        !names(&year).iter().any(|n| n.starts_with("【送审稿】")),
        "{:?}",
        names(&year)
    );
    let public = names(&env.path("public/2026"));
    assert_eq!(public, ["index.html"]);
    let page = std::fs::read_to_string(env.path("public/2026/index.html")).unwrap();
    assert!(page.contains("2026年度供水供气企业服务考核结果"));
    // The public index lists the year above the periods, linking its page.
    let index = scraper::Html::parse_document(&std::fs::read_to_string(env.path("public/index.html")).unwrap());
    let links: Vec<String> = (index.select(&scraper::Selector::parse("tbody a").unwrap()))
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert_eq!(links.first().map(String::as_str), Some("2026/index.html"), "{links:?}");
    let status = stdout(&env.run(&["status", "--period", "2026"]));
    assert!(
        status.contains("签发:2026年度 已签发 第1版 2026-04-03 王局长"),
        "{status}"
    );
    // Delivered: the issued report to every leader, no draft left with the reviewer.
    for leader in ["王局长", "李副局长"] {
        let got = env.files(&format!("outbox/领导_{leader}/2026"));
        assert!(got.contains(&pdf), "{leader}: {got:?}");
        assert!(!got.iter().any(|f| f.starts_with("【送审稿】")), "{leader}: {got:?}");
    }
    let o = env.run(&["release", "--period", "2026", "--by", "王局长", "--date", "2026-04-03"]);
    assert!(stdout(&o).contains("无需重新签发"), "{}", stdout(&o));

    // Another month changes the year: the issued version stands, a correction's draft waits.
    let body = rows(GS01, false, &["不满意", "不满意"], "2026-04-06", 1);
    write_xlsx(
        &env.inbox("JL/竟陵街道_月度自评_2026-04.xlsx"),
        "Sheet1",
        &sheet("竟陵街道", "月度自评", "2026-04", body),
    );
    assert_eq!(code(&env.run_on("2026-05-02")), 0);
    let status = stdout(&env.run(&["status", "--period", "2026"]));
    assert!(
        status.contains("签发:已签发的2026年度(第1版)有变动,待重新签发"),
        "{status}"
    );
    assert!(names(&issued).contains(&pdf), "version 1 is never rewritten");
    assert!(
        names(&year)
            .iter()
            .any(|n| n.starts_with("【送审稿】") && n.ends_with(".pdf"))
    );
}

/// The year's documents are written beside the period's: a year folder that cannot be written
/// holds back none of the month's documents, fails the run naming the folder, and the year is
/// written by the next run once it can be.
#[test]
fn a_year_that_cannot_be_written_holds_back_no_month_and_is_written_later() {
    let env = Env::new();
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"), "Sheet1", &monthly(3));
    std::fs::create_dir_all(env.path("reports")).unwrap();
    // A file where the year's folder goes.
    std::fs::write(env.path("reports/2026"), "not a folder").unwrap();
    let o = env.run(&["run"]);
    assert_ne!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("2026"), "{}", stderr(&o));
    let month = env.path("reports/2026-10");
    assert!(month.join("scores.json").is_file() && month.join("manifest.json").is_file());
    let reports = env.files("reports/2026-10");
    assert!(reports.iter().any(|f| f.ends_with("分析报告.pdf")), "{reports:?}");
    std::fs::remove_file(env.path("reports/2026")).unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let year: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("reports/2026/scores.json")).unwrap()).unwrap();
    assert_eq!(year["through"], "2026-10", "{year}");
}
