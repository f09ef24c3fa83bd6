//! The summary workbook (汇总表), read back with calamine and converted by LibreOffice.

use calamine::{Data, DataType, Reader, Xlsx, open_workbook};

use crate::support::*;

const SHEETS: [&str; 13] = [
    "总览",
    "企业排名",
    "分组得分",
    "指标得分",
    "环比变化",
    "整改事项",
    "意见分类",
    "数据质量",
    "数据质量疑点",
    "重要性",
    "用户情况",
    "不定期抽查",
    "说明",
];

fn workbook(env: &Env, period: &str, label: &str) -> std::path::PathBuf {
    env.path(&format!("reports/{period}/{label}供水供气企业服务满意度汇总表.xlsx"))
}

fn cells(path: &std::path::Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).unwrap();
            (name, range.rows().map(|r| r.to_vec()).collect())
        })
        .collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

#[test]
fn the_summary_workbook_holds_the_models_figures_in_its_nine_sheets() {
    let env = Env::shared_samples();
    let path = workbook(env, "2026-09", "2026年9月");
    let sheets = cells(&path);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, SHEETS);
    let scores: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("reports/2026-09/scores.json")).unwrap()).unwrap();
    // The ranking: every enterprise with scores.json's composite, ranked by it.
    let ranking = &sheets[1].1;
    assert_eq!(text(&ranking[0][1]), "企业");
    let mut previous = f64::MAX;
    for (i, row) in ranking.iter().skip(1).enumerate() {
        let name = text(&row[1]);
        let g = scores["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["level"] == "enterprise" && g["name"] == name.as_str())
            .unwrap_or_else(|| panic!("{name} in scores.json"));
        let composite = row[5].as_f64().unwrap();
        assert_eq!(composite, g["composite"].as_f64().unwrap(), "{name}");
        assert_eq!(row[4].as_f64().unwrap() as u64, g["n"].as_u64().unwrap(), "{name}");
        assert_eq!(row[0].as_f64().unwrap() as usize, i + 1, "rank of {name}");
        assert!(composite <= previous, "ranked by composite");
        previous = composite;
    }
    // Key figures on the overview.
    let overview = &sheets[0].1;
    let figure = |label: &str| {
        overview
            .iter()
            .find(|r| r.first().is_some_and(|c| text(c) == label))
            .and_then(|r| r.get(1))
            .and_then(|c| c.as_f64())
            .unwrap_or_else(|| panic!("{label}"))
    };
    let city = &scores["groups"][0];
    assert_eq!(figure("有效问卷(份)") as u64, city["n"].as_u64().unwrap());
    assert_eq!(figure("综合得分"), city["composite"].as_f64().unwrap());
    // The work list: one line per improvement item.
    assert_eq!(
        sheets[5].1.len() - 1,
        scores["improvement_items"].as_array().unwrap().len()
    );
    // Data quality: a line per submitter of scores.json.
    assert_eq!(sheets[7].1.len() - 1, scores["data_quality"].as_array().unwrap().len());
}

#[test]
fn the_summary_workbook_holds_no_personal_data() {
    let env = Env::shared_samples();
    let db = env.db();
    let mut st = db.prepare("SELECT user_name, phone FROM response").unwrap();
    let personal: Vec<(String, Option<String>)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(personal.len() > 100);
    for period in ["2026-07", "2026-08", "2026-09"] {
        let label = format!("2026年{}月", period[5..].trim_start_matches('0'));
        let all: String = cells(&workbook(env, period, &label))
            .iter()
            .flat_map(|(_, rows)| rows.iter().flatten().map(text))
            .collect::<Vec<_>>()
            .join("\n");
        for (name, phone) in &personal {
            assert!(!all.contains(name.as_str()), "{name} in the {period} summary");
            if let Some(p) = phone {
                assert!(!all.contains(p.as_str()), "{p} in the {period} summary");
            }
        }
    }
}

#[test]
fn the_same_results_give_the_same_workbook_bytes() {
    let env = Env::ran_samples();
    let path = workbook(&env, "2026-09", "2026年9月");
    let first = sha256(&path);
    let o = env.run(&["report", "--period", "2026-09"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(sha256(&path), first);
}

#[test]
fn libreoffice_opens_every_workbook() {
    if !tool("soffice") {
        return;
    }
    let env = Env::shared_samples();
    let books = [
        workbook(env, "2026-09", "2026年9月"),
        env.path("reports/2026-09/2026年9月供水供气企业服务满意度调查明细(内部资料,含个人信息).xlsx"),
        env.path("reports/2026-07/退回意见/2026年7月竟陵街道报表退回意见.xlsx"),
    ];
    // Converted outside the shared run's folder, which other tests read.
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("converted");
    for book in &books {
        assert!(book.is_file(), "{}", book.display());
        let o = std::process::Command::new("soffice")
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&out)
            .arg(book)
            .env("HOME", scratch.path().join("home"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let pdf = out.join(book.file_name().unwrap()).with_extension("pdf");
        assert!(
            std::fs::metadata(&pdf).unwrap().len() > 5_000,
            "a real PDF of {}",
            book.display()
        );
    }
}

/// The last cell (0-based column, row) each chart of a workbook's first sheet reaches, from its
/// drawing's anchors.
fn first_sheet_charts_reach(path: &std::path::Path) -> Vec<(u32, u32)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let rels = read("xl/worksheets/_rels/sheet1.xml.rels");
    let at = rels.find("../drawings/").expect("the first sheet has a drawing");
    let drawing = &rels[at + 3..];
    let drawing = &drawing[..drawing.find('"').unwrap()];
    let xml = read(&format!("xl/{drawing}"));
    let number = |block: &str, tag: &str| -> u32 {
        let from = block.find(&format!("<xdr:{tag}>")).unwrap() + tag.len() + 6;
        block[from..from + block[from..].find('<').unwrap()].parse().unwrap()
    };
    xml.split("<xdr:to>")
        .skip(1)
        .map(|b| {
            let block = &b[..b.find("</xdr:to>").unwrap()];
            (number(block, "col"), number(block, "row"))
        })
        .collect()
}

/// 总览 prints as one page of its figures, highlights and charts: its print area is columns A
/// to P and reaches every chart, and the charts' data (column Q on: every enterprise's score,
/// the grades, the trend) stay off the page. The first month has no trend chart: its page ends
/// with the two charts above, without a band of empty rows for the trend that is not there.
#[test]
fn the_overview_prints_its_charts_not_their_data() {
    let env = Env::shared_samples();
    for (period, label, charts) in [("2026-07", "2026年7月", 2), ("2026-09", "2026年9月", 3)] {
        let path = workbook(env, period, label);
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let area: Vec<&String> = (wb.defined_names().iter())
            .filter(|(name, _)| name == "_xlnm.Print_Area")
            .map(|(_, formula)| formula)
            .filter(|f| f.starts_with("总览!") || f.starts_with("'总览'!"))
            .collect();
        assert_eq!(area.len(), 1, "{:?}", wb.defined_names());
        let range = area[0].rsplit('!').next().unwrap();
        let (from, to) = range.split_once(':').unwrap();
        assert_eq!(from, "$A$1");
        assert!(to.starts_with("$P$"), "{to}");
        // 1-based, as Excel writes it: the last printed row's 0-based index is one less.
        let last: u32 = to[3..].parse::<u32>().unwrap() - 1;
        let reach = first_sheet_charts_reach(&path);
        assert_eq!(reach.len(), charts, "{period}: {reach:?}");
        for (col, row) in &reach {
            assert!(*col <= 15, "{period}: a chart reaches column {col}, beyond P");
            assert!(
                *row <= last,
                "{period}: a chart reaches row {row}, below the area's {last}"
            );
        }
        let lowest = reach.iter().map(|(_, r)| *r).max().unwrap();
        assert!(
            last <= lowest + 1,
            "{period}: {} empty rows under the charts",
            last - lowest
        );
        // The data the charts read is in column Q (index 16), beyond P.
        let sheet = wb.worksheet_range("总览").unwrap();
        let (_, c0) = sheet.start().unwrap();
        let q = 16 - c0 as usize;
        assert!(
            (sheet.rows()).any(|r| r.len() > q && !r[q].is_empty()),
            "{period}: the charts' data in column Q"
        );
    }
}
