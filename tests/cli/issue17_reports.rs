//! Regressions of issue 17 in the documents: ranks only among enterprises with enough
//! responses (item 9), findings of thin samples listed to watch rather than raised as items
//! (item 10), headings that wrap instead of running past the margin (item 24). Each runs the
//! real binary and reads the documents back (pdftotext, calamine, an HTML parser, scores.json).

use calamine::{Data, Reader, Xlsx, open_workbook};
use scraper::{Html, Selector};

use crate::support::*;

const GS01: &str = "天门市第一供水有限公司";
const GS02: &str = "天门市岳口供水有限公司";
const RQ01: &str = "天门市天然气有限公司";

/// Columns of the standard header: Q1…Q12 from 11, D1…D4 from 23.
fn column(id: &str) -> usize {
    let n: usize = id[1..].parse().unwrap();
    if id.starts_with('Q') { 10 + n } else { 22 + n }
}

/// `n` responses about `enterprise` from `first` on, surveyed on `date`, all favourable
/// (yes/no) and 满意 (five-level) but for the answers given.
fn responses(first: u32, n: u32, date: &str, enterprise: &str, answers: &[(&str, &str)]) -> Vec<Vec<C>> {
    (first..first + n)
        .map(|i| {
            let mut r = row(i, date, enterprise);
            if enterprise.contains("天然气") || enterprise.contains("燃气") {
                r[8] = s("供气"); // 服务类别
            }
            for (id, a) in answers {
                r[column(id)] = s(a);
            }
            r
        })
        .collect()
}

/// 竟陵街道's monthly return for `period` holding `rows`.
fn drop_month(env: &Env, period: &str, rows: Vec<Vec<C>>) {
    let mut all = meta("竟陵街道", "月度自评", period);
    all.push(header());
    all.extend(rows);
    write_xlsx(
        &env.inbox(&format!("竟陵街道_月度自评_{period}.xlsx")),
        "调查问卷",
        &all,
    );
}

fn run(env: &Env) {
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

fn city_report(env: &Env) -> std::path::PathBuf {
    env.path("reports/2026-10/2026年10月天门市供水供气企业服务满意度分析报告.pdf")
}

fn enterprise_report(env: &Env, name: &str) -> std::path::PathBuf {
    env.path(&format!(
        "reports/2026-10/企业报告/2026年10月{name}服务满意度分析报告.pdf"
    ))
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// The public page's first table (every enterprise): each row's cells.
fn public_rows(env: &Env) -> (Html, Vec<Vec<String>>) {
    let doc = Html::parse_document(&std::fs::read_to_string(env.path("public/2026-10/index.html")).unwrap());
    let rows = doc
        .select(&sel("table"))
        .next()
        .unwrap()
        .select(&sel("tbody tr"))
        .map(|tr| {
            tr.select(&sel("th, td"))
                .map(|c| c.text().collect::<String>().trim().to_string())
                .collect()
        })
        .collect();
    (doc, rows)
}

/// The summary workbook's 企业排名 sheet, as text.
fn ranking_sheet(env: &Env) -> Vec<Vec<String>> {
    let path = env.path("reports/2026-10/2026年10月供水供气企业服务满意度汇总表.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let range = wb.worksheet_range("企业排名").unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) => format!("{f}"),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// Issue 17, item 9: when only one enterprise reaches the minimum sample (and it is below
/// the line), it was ranked 1 (1/1 in its own report, 排名 1 on the public page). With fewer
/// than `min_ranked` (3) enterprises with enough responses, no document ranks: each says
/// 不排名 and why; with `min_ranked = 1` in the config the one enterprise is ranked again.
///
/// October, 竟陵街道: GS01 30 responses, every five-level answer 不满意 (40), every yes/no
/// favourable (100). By hand: 企业形象 {Q3, Q10, Q11, D1} = (300 + 40) / 4 = 85; 产品质量 {D2} =
/// 40; 服务质量 {Q1, Q2, Q4, Q5, Q6, Q8, Q9, Q12, D3} = (700 + 80) / 9 = 86.67; 客户意见与投诉处理
/// {Q7, D4} = (100 + 40) / 2 = 70; composite (85 + 40 + 86.67 + 70) / 4 = 70.42, below 80.
/// GS02 and RQ01 10 responses each: under 30, 样本不足.
#[test]
fn issue_17_item_9_the_worst_enterprise_is_not_ranked_first_among_thin_samples() {
    let env = Env::new();
    let poor = [
        ("Q12", "不满意"),
        ("D1", "不满意"),
        ("D2", "不满意"),
        ("D3", "不满意"),
        ("D4", "不满意"),
    ];
    let mut rows = responses(1, 30, "2026-10-05", GS01, &poor);
    rows.extend(responses(101, 10, "2026-10-05", GS02, &[]));
    rows.extend(responses(201, 10, "2026-10-05", RQ01, &[]));
    drop_month(&env, "2026-10", rows);
    run(&env);
    let s = scores(&env, "2026-10");
    let gs01 = s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "GS01")
        .unwrap();
    assert_eq!(
        (gs01["n"].as_u64(), gs01["composite"].as_f64()),
        (Some(30), Some(70.42))
    );
    let why = "本期有效问卷达到最低样本量 30 份的企业只有 1 家，不足 3 家，不排名";

    // The public page: 不排名 for GS01, 样本不足 for the others, and why.
    let (doc, rows) = public_rows(&env);
    let cells: Vec<(&str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(
        cells,
        [("不排名", GS01), ("样本不足", GS02), ("样本不足", RQ01)],
        "registry order, nobody ranked"
    );
    let page: String = doc.root_element().text().collect();
    assert!(page.contains(why), "{page}");
    let h2: Vec<String> = doc.select(&sel("h2")).map(|h| h.text().collect()).collect();
    assert!(!h2.iter().any(|h| h == "企业排名"), "{h2:?}");
    if !tool("pdftotext") {
        return;
    }
    let flat = |t: &str| t.replace([' ', '\n'], "");
    let public_pdf = pdf_text(&env.path("public/2026-10/2026年10月天门市供水供气企业服务满意度评价结果公示.pdf"));
    assert!(flat(&public_pdf).contains(&flat(why)), "{public_pdf}");
    // The table's line (the chart's bar has the name and score too, but not n).
    let line = (public_pdf.lines())
        .find(|l| l.contains(GS01) && l.contains("70.42") && l.contains(" 30 "))
        .unwrap();
    assert!(line.trim_start().starts_with("不排名"), "{line}");

    // The city report: GS01's line in the ranking table says 不排名, the chart no "1.", and why.
    let city = pdf_text(&city_report(&env));
    let line = city
        .lines()
        .find(|l| l.contains(GS01) && l.contains("70.42") && l.contains(" 30 "))
        .unwrap_or_else(|| panic!("GS01's ranking line in:\n{city}"));
    assert!(line.trim_start().starts_with("不排名"), "{line}");
    assert!(!flat(&city).contains(&format!("1.{GS01}")), "{city}");
    assert!(flat(&city).contains(&flat(why)), "{city}");

    // GS01's own report: not 1/1, not 第 1 位.
    let text = pdf_text(&enterprise_report(&env, GS01));
    let own = flat(&text);
    assert!(!own.contains("1/1") && !own.contains("第1位"), "{own}");
    assert!(own.contains(&format!("全市排名—（{}）", flat(why))), "{own}");
    // The key figures: n, composite, overall, 全市排名.
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["30", "70.42", "40.00", "不排名"]),
        "{text}"
    );

    // The summary workbook's ranking sheet.
    let sheet = ranking_sheet(&env);
    let first: Vec<(&str, &str)> = sheet[1..4].iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(first, [("不排名", GS01), ("—", GS02), ("—", RQ01)]);
    assert!(sheet.iter().flatten().any(|c| c == &format!("{why}。")), "{sheet:?}");

    // A city that ranks a single enterprise says so in its config: GS01 is 1 of 1 again.
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n[thresholds]\nmin_ranked = 1\n")).unwrap();
    run(&env);
    let (_, rows) = public_rows(&env);
    assert_eq!((rows[0][0].as_str(), rows[0][1].as_str()), ("1", GS01));
    let own = flat(&pdf_text(&enterprise_report(&env, GS01)));
    assert!(own.contains("全市排名第1位（共1家参与排名）"), "{own}");
    assert!(!flat(&pdf_text(&city_report(&env))).contains("不排名"));
    assert_eq!(ranking_sheet(&env)[1][0], "1");
}

/// The items of a scores.json by id.
fn items(s: &serde_json::Value) -> std::collections::BTreeMap<String, serde_json::Value> {
    s["improvement_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap().to_string(), i.clone()))
        .collect()
}

/// Issue 17, item 10: enterprises marked 样本不足 got improvement items from their thin
/// samples. Under the minimum sample (30) a finding is listed to watch (待观察), except on a
/// red line; an item already open stays open when the enterprise's sample turns thin.
///
/// October: GS01 20 responses (thin): Q9 否 for 10 → 10/20 = 50.00 (< 80 with 20 ≥ 5 answers:
/// an item with enough responses, here to watch); Q10 (red line) 是 once → an item all the same.
/// RQ01 30 responses: Q9 否 for 10 → 20/30 = 66.67 → an item (中: not under 60).
/// November: GS01 30 responses, Q9 否 for 10 → 66.67, a new item; Q10 clean over 30 answers →
/// its red-line item resolved. RQ01 10 responses (thin), Q9 all 是 (100): its item stays open
/// (due 2026-11-30, November ends that day), thin data resolving nothing.
#[test]
fn issue_17_item_10_thin_samples_are_watched_not_raised_as_items() {
    let env = Env::new();
    let mut rows = responses(1, 10, "2026-10-05", GS01, &[("Q9", "否")]);
    rows[0][column("Q10")] = s("是");
    rows.extend(responses(11, 10, "2026-10-05", GS01, &[]));
    rows.extend(responses(101, 10, "2026-10-05", RQ01, &[("Q9", "否")]));
    rows.extend(responses(111, 20, "2026-10-05", RQ01, &[]));
    drop_month(&env, "2026-10", rows);
    run(&env);
    let oct = scores(&env, "2026-10");
    let ids: Vec<String> = items(&oct).into_keys().collect();
    assert_eq!(
        ids,
        ["2026-10-GS01-Q10-red_line", "2026-10-RQ01-Q9-below_threshold"],
        "{}",
        oct["improvement_items"]
    );
    assert_eq!(
        items(&oct)["2026-10-GS01-Q10-red_line"]["rules"],
        serde_json::json!(["red_line"])
    );
    assert_eq!(items(&oct)["2026-10-RQ01-Q9-below_threshold"]["current"], 66.67);
    let watch = oct["watch"].as_array().expect("scores.json lists what is watched");
    assert_eq!(watch.len(), 1, "{watch:?}");
    let w = &watch[0];
    assert_eq!(
        (&w["enterprise"], &w["indicator"], &w["rules"], &w["status"]),
        (
            &"GS01".into(),
            &"Q9".into(),
            &serde_json::json!(["below_threshold"]),
            &"watch".into()
        )
    );
    assert_eq!(
        (w["current"].as_f64(), w["current_n"].as_u64(), w["n"].as_u64()),
        (Some(50.0), Some(20), Some(20))
    );

    if tool("pdftotext") {
        let flat = |t: &str| t.replace([' ', '\n'], "");
        // The city report counts the open items (2) and says what is watched, and where.
        let city = pdf_text(&city_report(&env));
        let c = flat(&city);
        assert!(c.contains("本期共有待整改事项2项"), "{city}");
        assert!(c.contains("另有1项发现来自本期有效问卷少于30份的企业"), "{city}");
        let line = (city.lines())
            .find(|l| l.contains(GS01) && l.contains("Q9 承诺时限内办结"))
            .unwrap_or_else(|| panic!("GS01's watch line in:\n{city}"));
        assert_eq!(line.split_whitespace().nth(1), Some("20"), "its responses: {line}");
        // GS01's report: its red-line item, and Q9 to watch with the finding's numbers.
        let own = flat(&pdf_text(&enterprise_report(&env, GS01)));
        assert!(
            own.contains("本期有效问卷20份，少于最低样本量30份：以下1项发现列为待观察"),
            "{own}"
        );
        assert!(
            own.contains("承诺时限内办结：得分50.00分,低于整改线80.00分(有效回答20份)"),
            "{own}"
        );
        assert!(own.contains("违规收取其他费用：红线指标出现1份不利回答"), "{own}");
        // RQ01's report has its item and nothing to watch.
        let rq = flat(&pdf_text(&enterprise_report(&env, RQ01)));
        assert!(!rq.contains("待观察"), "{rq}");
    }
    // The summary workbook's overview counts them.
    let path = env.path("reports/2026-10/2026年10月供水供气企业服务满意度汇总表.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let overview = wb.worksheet_range("总览").unwrap();
    let figure = |label: &str| {
        overview
            .rows()
            .find(|r| r.first().is_some_and(|c| *c == Data::String(label.to_string())))
            .and_then(|r| r.get(1).cloned())
    };
    assert_eq!(figure("待整改事项(项)"), Some(Data::Float(2.0)));
    assert_eq!(figure("待观察(样本不足,未立整改事项)(项)"), Some(Data::Float(1.0)));

    // November.
    let mut rows = responses(1, 10, "2026-11-05", GS01, &[("Q9", "否")]);
    rows.extend(responses(11, 20, "2026-11-05", GS01, &[]));
    rows.extend(responses(101, 10, "2026-11-05", RQ01, &[]));
    drop_month(&env, "2026-11", rows);
    run(&env);
    let nov = scores(&env, "2026-11");
    let now = items(&nov);
    let status = |id: &str| now[id]["status"].as_str().unwrap().to_string();
    assert_eq!(status("2026-11-GS01-Q9-below_threshold"), "new", "30 responses: raised");
    assert_eq!(status("2026-10-GS01-Q10-red_line"), "resolved", "clean over 30 answers");
    let rq = &now["2026-10-RQ01-Q9-below_threshold"];
    assert_eq!(rq["status"], "open", "10 responses at 100 resolve nothing: {rq}");
    assert_eq!(rq["current"], 100.0);
    let finding = rq["finding"].as_str().unwrap();
    assert!(
        finding.contains("企业本期有效问卷 10 份,少于最低样本量 30 份,暂不能判定已整改"),
        "{finding}"
    );
    assert_eq!(now.len(), 3, "{}", nov["improvement_items"]);
    assert_eq!(nov["watch"], serde_json::json!([]));
}

/// One word of `pdftotext -bbox`: its page (1-based), text and box in points.
struct Word {
    page: usize,
    text: String,
    x_max: f64,
    y_min: f64,
}

fn words(pdf: &std::path::Path) -> Vec<Word> {
    let o = std::process::Command::new("pdftotext")
        .args(["-bbox", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(o.status.success(), "pdftotext -bbox {}", pdf.display());
    let html = String::from_utf8(o.stdout).unwrap();
    let doc = Html::parse_document(&html);
    let mut out = Vec::new();
    for (i, page) in doc.select(&sel("page")).enumerate() {
        for w in page.select(&sel("word")) {
            let attr = |k: &str| w.value().attr(k).unwrap().parse::<f64>().unwrap();
            out.push(Word {
                page: i + 1,
                text: w.text().collect(),
                x_max: attr("xmax"),
                y_min: attr("ymin"),
            });
        }
    }
    out
}

/// Issue 17, item 24: the city report's work-list subheadings (one per enterprise) ran past
/// the right margin for a long enterprise name: 50 characters at 10.5 pt bold reach
/// x = 62 + 50 × 10.5 = 587 pt on a 595 pt page. Every word of the report now ends inside the
/// text column (595.28 − 62 = 533.28 pt), and the wrapped heading still reads as the name.
#[test]
fn issue_17_item_24_a_long_enterprise_name_wraps_in_the_work_list_heading() {
    if !tool("pdftotext") {
        return;
    }
    let long = "天门市城区第一自来水供应与城乡供水管网运营维护及二次供水设施管理服务集团有限责任公司竟陵分公司营业部";
    assert_eq!(long.chars().count(), 50, "the longest name the config takes");
    let env = Env::new();
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(&format!("name = \"{GS01}\""), &format!("name = \"{long}\"")),
    )
    .unwrap();
    // 30 responses, Q9 否 for 10 (66.67): an improvement item, so a work-list heading.
    let mut rows = responses(1, 10, "2026-10-05", long, &[("Q9", "否")]);
    rows.extend(responses(11, 20, "2026-10-05", long, &[]));
    drop_month(&env, "2026-10", rows);
    run(&env);
    assert_eq!(
        items(&scores(&env, "2026-10")).into_keys().collect::<Vec<_>>(),
        ["2026-10-GS01-Q9-below_threshold"]
    );
    let pdf = city_report(&env);
    let all = words(&pdf);
    let right = 595.28 - 62.0;
    for w in &all {
        assert!(
            w.x_max <= right + 0.5,
            "page {}: “{}” ends at x = {:.1} > {right:.2}",
            w.page,
            w.text,
            w.x_max
        );
    }
    // The work list's heading: the words after 整改事项's paragraph that spell the name, on
    // two lines of one page.
    let start = all
        .iter()
        .rposition(|w| w.text.contains("整改事项"))
        .expect("the work-list section");
    let mut spelled = String::new();
    let mut lines = std::collections::BTreeSet::new();
    for w in &all[start..] {
        if spelled.len() >= long.len() {
            break;
        }
        if !spelled.is_empty() || long.starts_with(&w.text) {
            spelled.push_str(&w.text);
            lines.insert((w.page, (w.y_min * 10.0) as i64));
        }
    }
    assert_eq!(spelled, long, "the heading spells the whole name");
    assert_eq!(lines.len(), 2, "on two lines: {lines:?}");
}
