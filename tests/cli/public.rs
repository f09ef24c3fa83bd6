//! The public disclosure: the page parsed with an HTML parser and checked against scores.json,
//! the public folder scanned for personal data, and the page shown in a real browser.

use scraper::{Html, Selector};

use crate::support::*;

fn page(env: &Env, period: &str) -> Html {
    Html::parse_document(&std::fs::read_to_string(env.path(&format!("public/{period}/index.html"))).unwrap())
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: scraper::ElementRef<'_>) -> String {
    e.text().collect::<String>().trim().to_string()
}

/// The rows of the page's first table (the full ranking): its cells' texts.
fn ranking(doc: &Html) -> Vec<Vec<String>> {
    let table = doc.select(&sel("table")).next().expect("a ranking table");
    table
        .select(&sel("tbody tr"))
        .map(|tr| tr.select(&sel("th, td")).map(text).collect())
        .collect()
}

fn composite_of(s: &serde_json::Value, name: &str) -> Option<f64> {
    s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["level"] == "enterprise" && g["name"] == name)?["composite"]
        .as_f64()
}

#[test]
fn the_page_ranks_every_enterprise_with_the_scores_of_the_model() {
    let env = Env::shared_samples();
    let s = scores(env, "2026-09");
    let before = scores(env, "2026-08");
    let doc = page(env, "2026-09");
    assert_eq!(doc.root_element().value().attr("lang"), Some("zh-CN"));
    assert!(doc.select(&sel("table caption")).count() >= 3, "captions");
    for th in doc.select(&sel("thead th")) {
        assert_eq!(th.value().attr("scope"), Some("col"), "{}", text(th));
    }
    let headers: Vec<String> = doc
        .select(&sel("table"))
        .next()
        .unwrap()
        .select(&sel("thead th"))
        .map(text)
        .collect();
    assert_eq!(
        headers,
        ["排名", "企业", "类别", "综合得分", "总体满意度", "样本量", "较上期"]
    );
    let rows = ranking(&doc);
    let enterprises: Vec<&serde_json::Value> = s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["level"] == "enterprise")
        .collect();
    assert_eq!(rows.len(), enterprises.len());
    // Ranked by composite, highest first, each with scores.json's figures as shown.
    let mut expected: Vec<&serde_json::Value> = enterprises.clone();
    expected.sort_by(|a, b| {
        b["composite"]
            .as_f64()
            .unwrap()
            .total_cmp(&a["composite"].as_f64().unwrap())
    });
    for (i, (row, g)) in rows.iter().zip(&expected).enumerate() {
        let name = g["name"].as_str().unwrap();
        assert_eq!(row[0], (i + 1).to_string(), "{row:?}");
        assert_eq!(row[1], name);
        assert!(row[2] == "供水" || row[2] == "供气");
        assert_eq!(row[3], format!("{:.2}", g["composite"].as_f64().unwrap()), "{name}");
        assert_eq!(row[4], format!("{:.2}", g["overall"].as_f64().unwrap()), "{name}");
        assert_eq!(row[5], g["n"].as_u64().unwrap().to_string(), "{name}");
        // The change against 2026-08, within the rounding of the two published composites.
        let was = composite_of(&before, name).unwrap();
        let shown: f64 = row[6].replace('−', "-").replace('+', "").parse().unwrap();
        assert!(
            (shown - (g["composite"].as_f64().unwrap() - was)).abs() <= 0.011,
            "{name}: {shown}"
        );
    }
    // The city's figures.
    let city = s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["level"] == "city")
        .unwrap();
    let figures: Vec<String> = doc.select(&sel(".figures dd")).map(text).collect();
    assert_eq!(figures[0], city["n"].as_u64().unwrap().to_string());
    assert_eq!(figures[1], format!("{:.2}", city["composite"].as_f64().unwrap()));
    // Per utility: each enterprise in its utility's table.
    for g in &enterprises {
        let name = g["name"].as_str().unwrap();
        let tables = doc
            .select(&sel("table"))
            .filter(|t| t.select(&sel("tbody th")).any(|th| text(th) == name))
            .count();
        assert_eq!(tables, 2, "{name} in the ranking and in its utility's table");
    }
    // The period's end, the bureau, and a link to the PDF beside the page.
    let footer = text(doc.select(&sel("footer")).next().unwrap());
    assert!(
        footer.contains("2026年9月30日") && footer.contains("天门市住房和城乡建设局"),
        "{footer}"
    );
    let href = doc
        .select(&sel("footer a"))
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    let pdfs: Vec<String> = env
        .files("public/2026-09")
        .into_iter()
        .filter(|f| f.ends_with(".pdf"))
        .collect();
    assert_eq!(pdfs.len(), 1);
    assert!(!href.contains('/') && href.ends_with(".pdf"), "{href}");
}

#[test]
fn the_page_is_self_contained_and_escapes_every_value() {
    let env = Env::samples();
    let config = env.path("utility-eval.toml");
    let t = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        t.replace("name = \"天门市天然气有限公司\"", "name = \"天门市'天然气'&燃气\""),
    )
    .unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let raw = std::fs::read_to_string(env.path("public/2026-09/index.html")).unwrap();
    assert!(!raw.contains("<script"), "no script");
    // (A name with < or > is refused by the config; the page's own test escapes those.)
    assert!(raw.contains("天门市&#39;天然气&#39;&amp;燃气"), "the name escaped");
    // No external request: no link, image or frame, and every href relative.
    for tag in ["<link", "<img", "<iframe", "<object", "@import", "url("] {
        assert!(!raw.contains(tag), "{tag}");
    }
    let doc = Html::parse_document(&raw);
    for a in doc.select(&sel("[href], [src]")) {
        let v = a.value().attr("href").or(a.value().attr("src")).unwrap();
        assert!(!v.contains("://") && !v.starts_with("//"), "{v}");
    }
    // The parsed name is the configured one.
    assert!(ranking(&doc).iter().any(|r| r[1] == "天门市'天然气'&燃气"));
}

#[test]
fn the_public_folder_holds_only_the_pages_pdfs_and_index_with_nothing_personal() {
    let env = Env::shared_samples();
    let files = env.files("public");
    for f in &files {
        assert!(
            f == "index.html" || f.ends_with("/index.html") || f.ends_with(".pdf"),
            "{f}"
        );
    }
    // The index, each period's page and PDF, and the year's page (SPEC §13).
    assert_eq!(files.len(), 1 + 4 * 2 + 1, "{files:?}");
    assert!(files.contains(&"2026/index.html".to_string()), "{files:?}");
    let db = env.db();
    let mut st = db
        .prepare("SELECT user_name, phone, opinion, suggestion FROM response")
        .unwrap();
    let personal: Vec<String> = st
        .query_map([], |r| {
            Ok([r.get::<_, Option<String>>(0)?, r.get(1)?, r.get(2)?, r.get(3)?])
        })
        .unwrap()
        .flat_map(|r| r.unwrap())
        .flatten()
        // Free text short enough to be an ordinary phrase (好, 无) proves nothing.
        .filter(|s| s.chars().count() >= 2 && !matches!(s.as_str(), "无" | "没有" | "暂无"))
        .collect();
    assert!(personal.len() > 200);
    let pdftotext = tool("pdftotext");
    for f in &files {
        let path = env.path("public").join(f);
        let content = if f.ends_with(".pdf") {
            if !pdftotext {
                continue;
            }
            let o = std::process::Command::new("pdftotext")
                .arg(&path)
                .arg("-")
                .output()
                .unwrap();
            String::from_utf8(o.stdout).unwrap()
        } else {
            let doc = Html::parse_document(&std::fs::read_to_string(&path).unwrap());
            doc.root_element().text().collect()
        };
        let flat: String = content.split_whitespace().collect();
        assert!(flat.contains("天门市"), "public/{f} was read");
        for p in &personal {
            let p: String = p.split_whitespace().collect();
            if p.chars().count() < 2 {
                continue;
            }
            assert!(!flat.contains(&p), "{p} in public/{f}");
        }
    }
}

#[test]
fn the_index_lists_every_period_newest_first_and_a_recompute_replaces_the_public_files() {
    let env = Env::ran_samples();
    let doc = Html::parse_document(&std::fs::read_to_string(env.path("public/index.html")).unwrap());
    let periods: Vec<String> = doc.select(&sel("tbody th")).map(text).collect();
    // The year's assessment (SPEC §13) first, then the periods newest first.
    assert_eq!(
        periods,
        ["2026年度", "2026年第3季度", "2026年9月", "2026年8月", "2026年7月"]
    );
    for a in doc.select(&sel("a")) {
        let href = a.value().attr("href").unwrap();
        let decoded = percent_decode(href);
        assert!(env.path("public").join(&decoded).is_file(), "{href}");
    }
    let page = env.path("public/2026-09/index.html");
    let before = sha256(&page);
    std::fs::write(env.path("public/2026-09/旧文件.pdf"), b"old").unwrap();
    let o = env.run(&["report", "--period", "2026-09"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(sha256(&page), before, "same results, same bytes");
    assert!(
        !env.path("public/2026-09/旧文件.pdf").exists(),
        "the period's folder holds its current files only"
    );
    assert!(env.path("public/index.html").is_file());
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A real browser draws the page at a desktop and at a phone width (the PNGs are kept in the
/// test's folder for looking at: `UTILITY_EVAL_KEEP_SCREENSHOTS=DIR` copies them there).
#[test]
fn chromium_draws_the_page_at_desktop_and_phone_width() {
    if !tool("chromium") {
        return;
    }
    let env = Env::ran_samples();
    let page = env.path("public/2026-09/index.html");
    for (label, width) in [("desktop", 1280), ("phone", 390)] {
        let png = env.path(&format!("{label}.png"));
        let o = std::process::Command::new("chromium")
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
            ])
            .arg(format!("--window-size={width},2400"))
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("file://{}", page.display()))
            .env("HOME", env.path("home"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let bytes = std::fs::read(&png).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{label}");
        // The PNG's width is the window's, and a blank page compresses to almost nothing.
        let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        assert_eq!(w, width, "{label}");
        assert!(bytes.len() > 30_000, "{label}: {} bytes", bytes.len());
        if let Some(dir) = std::env::var_os("UTILITY_EVAL_KEEP_SCREENSHOTS") {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::copy(&png, std::path::Path::new(&dir).join(format!("{label}.png"))).unwrap();
        }
    }
}

#[test]
fn an_enterprise_under_the_minimum_sample_is_shown_as_such_without_a_score() {
    let env = Env::shared_samples();
    let s = scores(env, "2026Q3");
    let thin: Vec<String> = s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["level"] == "enterprise" && g["insufficient_sample"] == true)
        .map(|g| g["name"].as_str().unwrap().to_string())
        .collect();
    assert!(!thin.is_empty(), "the samples' quarter has thin samples");
    let doc = page(env, "2026Q3");
    for row in ranking(&doc) {
        if thin.contains(&row[1]) {
            assert_eq!(row[0], "样本不足", "{row:?}");
            assert_eq!(
                (row[3].as_str(), row[4].as_str(), row[6].as_str()),
                ("样本不足", "样本不足", "—"),
                "{row:?}"
            );
        } else {
            assert!(row[3].parse::<f64>().is_ok(), "{row:?}");
        }
    }
}
