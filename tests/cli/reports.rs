//! The PDF analysis reports, read back with poppler (pdftotext, pdffonts) and qpdf.

use crate::support::*;

fn city_report(env: &Env, period: &str, label: &str) -> std::path::PathBuf {
    env.path(&format!(
        "reports/{period}/{label}天门市供水供气企业服务满意度分析报告.pdf"
    ))
}

fn enterprise_report(env: &Env, period: &str, label: &str, name: &str) -> std::path::PathBuf {
    env.path(&format!(
        "reports/{period}/企业报告/{label}{name}服务满意度分析报告.pdf"
    ))
}

fn enterprises(scores: &serde_json::Value) -> Vec<(String, Option<f64>, u64)> {
    scores["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["level"] == "enterprise")
        .map(|g| {
            (
                g["name"].as_str().unwrap().to_string(),
                g["composite"].as_f64(),
                g["n"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// pdftotext's text with the layout kept, so a table row stays on one line.
fn text_of(pdf: &std::path::Path) -> String {
    let run = |layout: bool| {
        let mut c = std::process::Command::new("pdftotext");
        if layout {
            c.arg("-layout");
        }
        let o = c.args(["-enc", "UTF-8"]).arg(pdf).arg("-").output().unwrap();
        assert!(o.status.success(), "pdftotext {}", pdf.display());
        String::from_utf8(o.stdout).unwrap().replace('\u{c}', "\n")
    };
    run(true) + "\n" + &run(false)
}

fn every_pdf(env: &Env) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = env
        .files("reports")
        .into_iter()
        .filter(|f| f.ends_with(".pdf"))
        .map(|f| env.path("reports").join(f))
        .collect();
    out.sort();
    out
}

#[test]
fn the_samples_give_a_city_report_and_one_per_enterprise_for_each_period() {
    let env = Env::shared_samples();
    for (period, label) in [
        ("2026-07", "2026年7月"),
        ("2026-08", "2026年8月"),
        ("2026-09", "2026年9月"),
        ("2026Q3", "2026年第3季度"),
    ] {
        assert!(city_report(env, period, label).is_file(), "{period}");
        let s = scores(env, period);
        for (name, _, _) in enterprises(&s) {
            assert!(
                enterprise_report(env, period, label, &name).is_file(),
                "{period} {name}"
            );
        }
        // The manifest lists them with their hashes.
        let manifest: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(env.path(&format!("reports/{period}/manifest.json"))).unwrap(),
        )
        .unwrap();
        let listed = manifest["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["path"].as_str().unwrap().ends_with(".pdf"))
            .count();
        // The city's, one per enterprise, and the public disclosure's.
        assert_eq!(listed, 1 + enterprises(&s).len() + 1, "{period}");
    }
}

#[test]
fn the_city_report_names_every_enterprise_with_its_composite_as_shown() {
    if !tool("pdftotext") {
        return;
    }
    let env = Env::shared_samples();
    let s = scores(env, "2026-09");
    let text = text_of(&city_report(env, "2026-09", "2026年9月"));
    let ents = enterprises(&s);
    assert!(ents.len() >= 4);
    for (name, composite, n) in &ents {
        let composite = format!("{:.2}", composite.unwrap());
        // In the ranking table: the name, then its n and composite on the same line.
        let line = text
            .lines()
            .find(|l| l.contains(name.as_str()) && l.contains(&composite) && l.contains(&format!(" {n} ")))
            .unwrap_or_else(|| panic!("{name} {n} {composite} on one line of:\n{text}"));
        assert!(line.contains("供水") || line.contains("供气"), "{line}");
    }
    let city = s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["level"] == "city")
        .unwrap();
    let summary = format!("全市综合得分{:.2}分", city["composite"].as_f64().unwrap());
    assert!(text.replace(['\n', ' '], "").contains(&summary), "{summary}");
    // The sections in order, numbered 一、二、… without a gap.
    let numerals = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    let mut titles = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some((n, title)) = line.split_once('、')
            && let Some(i) = numerals.iter().position(|x| *x == n)
            && i == titles.len()
        {
            titles.push(title.to_string());
        }
    }
    let expected = [
        "总体情况",
        "企业排名",
        "近期走势",
        "四个维度得分",
        "用户情况",
        "问题分析",
        "不定期抽查",
        "重要性–满意度矩阵",
        "数据质量疑点\u{ff08}需核实\u{ff09}",
        "整改事项",
    ];
    assert_eq!(titles, expected, "{text}");
    assert!(text.contains("附件\u{ff1a}报表报送情况"));
    // The annex names those who sent nothing in one sentence (not a table row of noughts each),
    // as scores.json's data quality has them: owed, missing, nothing received.
    let silent: Vec<&str> = (s["data_quality"].as_array().unwrap().iter())
        .filter(|q| q["missing"] == true && q["received"] == 0)
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert_eq!(silent, ["皂市镇"], "the samples' September");
    let flat: String = text.split_whitespace().collect();
    let annex = &flat[flat.find("附件\u{ff1a}报表报送情况").unwrap()..];
    assert!(annex.contains("未报送的单位1个\u{ff1a}皂市镇\u{3002}"), "{annex}");
    assert!(!annex.contains("皂市镇月度自评"), "no table row for it: {annex}");
    // The issuing bureau and the day the period ended, never today's date.
    assert!(text.contains("天门市住房和城乡建设局") && text.contains("2026年9月30日"));
    // Page numbers in the official style on the numbered pages.
    let flat = text.replace(' ', "");
    assert!(flat.contains("—1—") && flat.contains("—2—"));
}

#[test]
fn each_enterprise_report_shows_its_scores_beside_the_citys_and_its_rank() {
    if !tool("pdftotext") {
        return;
    }
    let env = Env::shared_samples();
    let s = scores(env, "2026-09");
    let city = s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["level"] == "city")
        .unwrap();
    let city_composite = format!("{:.2}", city["composite"].as_f64().unwrap());
    let mut ranked: Vec<_> = enterprises(&s);
    ranked.sort_by(|a, b| b.1.unwrap().total_cmp(&a.1.unwrap()));
    for (rank, (name, composite, n)) in ranked.iter().enumerate() {
        let text = text_of(&enterprise_report(env, "2026-09", "2026年9月", name));
        let composite = format!("{:.2}", composite.unwrap());
        let line = text
            .lines()
            .find(|l| l.contains("综合得分") && l.contains(&composite) && l.contains(&city_composite))
            .unwrap_or_else(|| panic!("{name}: its composite {composite} beside the city's {city_composite}"));
        assert!(!line.is_empty());
        let flat = text.replace(['\n', ' '], "");
        assert!(flat.contains(&format!("共有有效调查问卷{n}份")), "{name}");
        assert!(
            flat.contains(&format!("全市排名第{}位", rank + 1)),
            "{name} rank {}",
            rank + 1
        );
        // Its improvement items, and only its own: each enterprise's items name its head as
        // responsible (a different person in each sample enterprise).
        let items = s["improvement_items"].as_array().unwrap();
        for item in items {
            let head = item["responsible"].as_str().unwrap();
            let mine = item["enterprise_name"] == name.as_str();
            assert_eq!(
                flat.contains(head),
                mine,
                "{name}: {head} ({})",
                item["enterprise_name"]
            );
        }
        assert!(
            items.iter().any(|i| i["enterprise_name"] == name.as_str()),
            "{name} has items"
        );
    }
}

#[test]
fn every_report_is_a_valid_pdf_with_embedded_subset_fonts_and_small() {
    let env = Env::shared_samples();
    let pdfs = every_pdf(env);
    assert!(pdfs.len() >= 4 * 5, "{}", pdfs.len());
    for pdf in &pdfs {
        let len = std::fs::metadata(pdf).unwrap().len();
        assert!(len < 300_000, "{}: {len} bytes", pdf.display());
        assert!(std::fs::read(pdf).unwrap().starts_with(b"%PDF-"));
    }
    if tool("qpdf") {
        for pdf in &pdfs {
            let o = std::process::Command::new("qpdf")
                .arg("--check")
                .arg(pdf)
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "qpdf --check {}: {}",
                pdf.display(),
                String::from_utf8_lossy(&o.stdout)
            );
        }
    }
    if tool("pdffonts") {
        for pdf in &pdfs {
            let out = tool_output("pdffonts", &[], pdf);
            let rows: Vec<&str> = out.lines().skip(2).collect();
            assert!(!rows.is_empty(), "{}", pdf.display());
            for row in rows {
                // name type … emb sub uni: every font embedded, subset and mapped to Unicode.
                let cols: Vec<&str> = row.split_whitespace().collect();
                let n = cols.len();
                assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "{}: {row}", pdf.display());
                assert!(cols[0].as_bytes()[6] == b'+', "subset tag: {row}");
            }
        }
    }
}

#[test]
fn the_same_results_give_the_same_pdf_bytes() {
    let env = Env::ran_samples();
    let before: Vec<(std::path::PathBuf, String)> =
        every_pdf(&env).into_iter().map(|p| (p.clone(), sha256(&p))).collect();
    for period in ["2026-09", "2026Q3"] {
        let o = env.run(&["report", "--period", period]);
        assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    }
    for (p, sha) in before {
        assert_eq!(sha256(&p), sha, "{}", p.display());
    }
}

#[test]
fn the_reports_hold_no_names_or_phone_numbers() {
    if !tool("pdftotext") {
        return;
    }
    let env = Env::shared_samples();
    let db = env.db();
    let mut st = db.prepare("SELECT user_name, phone FROM response").unwrap();
    let personal: Vec<(String, Option<String>)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(personal.len() > 100);
    for pdf in every_pdf(env) {
        let all = text_of(&pdf).replace([' ', '\n'], "");
        for (name, phone) in &personal {
            assert!(!all.contains(name.as_str()), "{name} in {}", pdf.display());
            if let Some(p) = phone {
                assert!(!all.contains(p.as_str()), "{p} in {}", pdf.display());
            }
        }
    }
}

#[test]
fn the_quarter_report_compares_self_assessment_with_the_sampled_survey() {
    if !tool("pdftotext") {
        return;
    }
    let env = Env::shared_samples();
    let s = scores(env, "2026Q3");
    let text = text_of(&city_report(env, "2026Q3", "2026年第3季度"));
    assert!(text.contains("自评与抽查的差异"), "{text}");
    let bias = s["self_assessment_bias"]
        .as_array()
        .expect("the bias in the quarter's scores.json");
    assert!(!bias.is_empty());
    for b in bias {
        if let Some(sampled) = b["sampled_composite"].as_f64() {
            assert!(text.contains(&format!("{sampled:.2}")), "{b}");
        }
    }
}

#[test]
fn a_character_the_font_lacks_is_shown_as_a_box_and_named_in_a_warning() {
    let env = Env::samples();
    // 䶮 (U+4DAE, a name character: 刘䶮) is outside GBK, so outside the report font.
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("name = \"天门市天然气有限公司\"", "name = \"天门市天然气䶮有限公司\""),
    )
    .unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("字体中没有这些字符") && err.contains('䶮'), "{err}");
    let pdf = enterprise_report(&env, "2026-09", "2026年9月", "天门市天然气䶮有限公司");
    assert!(pdf.is_file());
    if tool("pdftotext") {
        let t = text_of(&pdf);
        assert!(t.contains("天门市天然气□有限公司"), "{t}");
        assert!(!t.contains('䶮'));
    }
}
