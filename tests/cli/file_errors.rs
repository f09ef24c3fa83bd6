//! File-level errors (SPEC §6): the whole file is rejected, moved to `rejected/` with a
//! Chinese explanation beside it that names the file and the problem; nothing is stored.

use std::path::Path;
use std::process::Output;

use crate::support::*;

const SHEET: &str = "调查问卷";

fn show(o: &Output) -> String {
    format!("exit {}\n--- stdout\n{}\n--- stderr\n{}", code(o), stdout(o), stderr(o))
}

/// Runs `run` and asserts the one file of the inbox, `rel`, was rejected whole with an
/// explanation containing the file name and every `phrase`. Returns the explanation.
fn assert_rejected(env: &Env, rel: &str, phrases: &[&str]) -> String {
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    let name = Path::new(rel).file_name().unwrap().to_str().unwrap().to_string();
    assert_eq!(env.files("rejected"), [name.clone(), format!("{name}.错误说明.txt")]);
    assert!(env.files("archive").is_empty(), "{:?}", env.files("archive"));
    assert!(env.files("inbox").is_empty(), "{:?}", env.files("inbox"));
    assert_eq!(env.count("SELECT count(*) FROM response"), 0, "no response stored");
    assert_eq!(
        env.count("SELECT count(*) FROM submission WHERE status = 'rejected'"),
        1
    );
    assert_eq!(
        env.count("SELECT count(*) FROM submission WHERE status <> 'rejected'"),
        0
    );
    let text = env.explanation(&name);
    assert!(
        text.contains(&name),
        "explanation should name the file {name:?}:\n{text}"
    );
    for p in phrases {
        assert!(text.contains(p), "explanation should contain {p:?}:\n{text}");
    }
    let reason: String = env
        .db()
        .query_row("SELECT reason FROM submission", [], |r| r.get(0))
        .unwrap();
    assert!(!reason.is_empty());
    text
}

/// A return whose metadata block is `meta_rows`, then the header and `n` valid rows.
fn with_meta(meta_rows: Vec<Vec<C>>, n: u32) -> Vec<Vec<C>> {
    let mut rows = meta_rows;
    rows.push(vec![]);
    rows.push(header());
    for i in 1..=n {
        rows.push(row(i, "2026-10-05", "天门市第一供水有限公司"));
    }
    rows
}

#[test]
fn unknown_submitter_names_the_cell_and_suggests() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("a.xlsx"),
        SHEET,
        &with_meta(meta("天门市第九供水公司", "月度自评", "2026-10"), 2),
    );
    assert_rejected(
        &env,
        "a.xlsx",
        &[
            "调查问卷!B1",
            "天门市第九供水公司",
            "未在登记名单中",
            "您是否指“天门市第一供水有限公司”",
        ],
    );
}

#[test]
fn missing_submitter() {
    let env = Env::new();
    let mut rows = vec![header()];
    rows.push(row(1, "2026-10-05", "天门市第一供水有限公司"));
    write_xlsx(&env.inbox("调查表.xlsx"), SHEET, &rows);
    assert_rejected(&env, "调查表.xlsx", &["未写明填报单位"]);
}

#[test]
fn unparseable_period() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("a.xlsx"),
        SHEET,
        &with_meta(meta("竟陵街道", "月度自评", "十月"), 2),
    );
    assert_rejected(&env, "a.xlsx", &["调查问卷!B3", "所属期“十月”无法识别", "2026-10"]);
}

#[test]
fn missing_period() {
    // No 所属期 in the sheet or the name: refused, though its survey dates all fall in one month
    // (only an online platform's export takes its month from its dates: tests/cli/exports.rs),
    // so that a unit's addition without a period never replaces its month's return.
    let env = Env::new();
    let m = vec![vec![s("填报单位"), s("竟陵街道")], vec![s("报表类型"), s("月度自评")]];
    write_xlsx(&env.inbox("JL/竟陵街道调查表.xlsx"), SHEET, &with_meta(m, 2));
    assert_rejected(&env, "JL/竟陵街道调查表.xlsx", &["未写明所属期"]);
}

#[test]
fn unknown_kind() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("a.xlsx"),
        SHEET,
        &with_meta(meta("竟陵街道", "年报", "2026-10"), 2),
    );
    assert_rejected(&env, "a.xlsx", &["调查问卷!B2", "报表类型“年报”无法识别", "月度自评"]);
}

#[test]
fn monthly_kind_with_a_quarter() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("a.xlsx"),
        SHEET,
        &with_meta(meta("竟陵街道", "月度自评", "2026Q4"), 2),
    );
    assert_rejected(&env, "a.xlsx", &["月度自评", "2026Q4", "应为月份"]);
}

#[test]
fn quarterly_kind_with_a_month() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("a.xlsx"),
        SHEET,
        &with_meta(meta("天门市住房和城乡建设局", "季度抽查", "2026-10"), 2),
    );
    assert_rejected(&env, "a.xlsx", &["季度抽查", "2026-10", "应为季度"]);
}

#[test]
fn survey_kind_without_question_columns() {
    let env = Env::new();
    let mut rows = meta("竟陵街道", "月度自评", "2026-10");
    rows.push(header()[..11].to_vec());
    for i in 1..=2 {
        rows.push(row(i, "2026-10-05", "天门市第一供水有限公司")[..11].to_vec());
    }
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_rejected(&env, "a.xlsx", &["月度自评", "没有 Q1–Q12"]);
}

#[test]
fn no_header_row() {
    let env = Env::new();
    let rows = vec![
        vec![s("2026年10月工作统计")],
        vec![],
        vec![C::N(1.0), C::N(2.0), C::N(3.0)],
        vec![C::N(4.0), C::N(5.0), C::N(6.0)],
    ];
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"), SHEET, &rows);
    assert_rejected(&env, "JL/竟陵街道_月度自评_2026-10.xlsx", &["未找到表头行", "用户名称"]);
}

#[test]
fn csv_text_named_xlsx() {
    let env = Env::new();
    let csv = "序号,调查日期,用户名称,联系电话,Q1\n1,2026-10-05,某某超市,13800000001,是\n";
    std::fs::create_dir_all(env.inbox("JL")).unwrap();
    std::fs::write(env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"), csv).unwrap();
    assert_rejected(&env, "JL/竟陵街道_月度自评_2026-10.xlsx", &["不是电子表格文件"]);
}

#[test]
fn csv_file() {
    let env = Env::new();
    let csv = "\u{feff}序号,调查日期,用户名称,联系电话,Q1\n1,2026-10-05,某某超市,13800000001,是\n";
    std::fs::write(env.inbox("调查表导出.csv"), csv).unwrap();
    assert_rejected(&env, "调查表导出.csv", &["不是电子表格文件"]);
}

#[test]
fn zero_byte_file() {
    let env = Env::new();
    std::fs::write(env.inbox("新建 Microsoft Excel 工作表.xlsx"), b"").unwrap();
    assert_rejected(&env, "新建 Microsoft Excel 工作表.xlsx", &["文件为空"]);
}

#[test]
fn over_the_row_cap() {
    let env = Env::with_config_extra("[limits]\nmax_rows = 5\n");
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &monthly(6));
    assert_rejected(&env, "a.xlsx", &["超过上限", "5 行"]);
}

#[test]
fn at_the_row_cap_is_accepted() {
    let env = Env::with_config_extra("[limits]\nmax_rows = 5\n");
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &monthly(5));
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert_eq!(env.count("SELECT count(*) FROM response"), 5);
}

#[test]
fn over_the_file_size_cap() {
    use rand::{Rng, SeedableRng};
    let env = Env::with_config_extra("[limits]\nmax_file_mb = 1\n");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut rows = monthly(80);
    for r in rows.iter_mut().skip(5) {
        // Incompressible text, so that the workbook itself is over 1 MB.
        let noise: String = (&mut rng)
            .sample_iter(rand::distr::Alphanumeric)
            .take(30_000)
            .map(char::from)
            .collect();
        r[27] = C::S(noise);
    }
    let file = env.inbox("a.xlsx");
    write_xlsx(&file, SHEET, &rows);
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size > 1 << 20, "the test file is {size} bytes");
    assert_rejected(&env, "a.xlsx", &["超过上限", &size.to_string()]);
}

#[test]
fn password_protected_workbook() {
    let env = Env::new();
    std::fs::create_dir_all(env.inbox("JL")).unwrap();
    std::fs::copy(
        Path::new(REPO).join("tests/fixtures/hostile/calamine_pass_protected.xlsx"),
        env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"),
    )
    .unwrap();
    assert_rejected(&env, "JL/竟陵街道_月度自评_2026-10.xlsx", &["密码"]);
}

#[test]
fn no_valid_row() {
    let env = Env::new();
    let mut rows = monthly(2);
    rows[5][7] = s("张三");
    rows[6][7] = s("李四");
    write_xlsx(&env.inbox("a.xlsx"), SHEET, &rows);
    assert_rejected(&env, "a.xlsx", &["没有一行有效数据", "调查问卷!H6", "调查问卷!H7"]);
}
