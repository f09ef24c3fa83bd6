//! Test support: a temporary deployment, workbook builders and the real binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

/// The config lines that make `run` take files at once.
pub const SETTLED: &str = "[intake]\nsettle_seconds = 0\n";

pub const BIN: &str = env!("CARGO_BIN_EXE_utility-eval");
pub const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// A cell to write.
#[derive(Debug, Clone)]
pub enum C {
    S(String),
    N(f64),
    /// A real Excel date.
    D(u16, u8, u8),
    /// A formula whose cached result is an error value such as `#N/A`.
    Err(&'static str),
    Blank,
}

pub fn s(x: &str) -> C {
    C::S(x.to_string())
}

impl From<&str> for C {
    fn from(x: &str) -> C {
        if x.is_empty() { C::Blank } else { C::S(x.to_string()) }
    }
}

impl From<f64> for C {
    fn from(x: f64) -> C {
        C::N(x)
    }
}

/// Writes one sheet `sheet` with `rows` (row 0 first) to an xlsx at `path`.
pub fn write_xlsx(path: &Path, sheet: &str, rows: &[Vec<C>]) {
    write_xlsx_sheets(path, &[(sheet, rows)]);
}

pub fn write_xlsx_sheets(path: &Path, sheets: &[(&str, &[Vec<C>])]) {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    C::S(x) => {
                        ws.write_string(r, c, x).unwrap();
                    }
                    C::N(x) => {
                        ws.write_number(r, c, *x).unwrap();
                    }
                    C::D(y, m, d) => {
                        ws.write_datetime_with_format(r, c, ExcelDateTime::from_ymd(*y, *m, *d).unwrap(), &date)
                            .unwrap();
                    }
                    C::Err(e) => {
                        ws.write_formula(r, c, Formula::new("=NA()").set_result(*e)).unwrap();
                    }
                    C::Blank => {}
                }
            }
        }
    }
    wb.save(path).unwrap();
}

/// The standard header of a survey return.
pub fn header() -> Vec<C> {
    let mut h: Vec<C> = [
        "序号",
        "调查日期",
        "调查方式",
        "用户名称",
        "用户类型",
        "用水(用气)性质",
        "月均用量",
        "联系电话",
        "服务类别",
        "服务企业",
        "所属县市",
    ]
    .iter()
    .map(|x| s(x))
    .collect();
    for q in 1..=12 {
        h.push(C::S(format!("Q{q}")));
    }
    for d in 1..=4 {
        h.push(C::S(format!("D{d}")));
    }
    h.push(s("意见或投诉"));
    h.push(s("建议"));
    h
}

/// A valid data row for the standard header: user `n`, surveyed on `date`.
pub fn row(n: u32, date: &str, enterprise: &str) -> Vec<C> {
    let mut r: Vec<C> = vec![
        C::N(n as f64),
        s(date),
        s("问卷"),
        C::S(format!("测试用户{n}有限公司")),
        s("工商业用户"),
        s("生产经营"),
        C::N(120.0),
        C::S(format!("138{n:08}")),
        s("供水"),
        s(enterprise),
        s("竟陵街道"),
    ];
    for q in 1..=11 {
        // Q8, Q10, Q11 are negative items: 否 is favourable.
        r.push(s(if [8, 10, 11].contains(&q) { "否" } else { "是" }));
    }
    for _ in 0..5 {
        r.push(s("满意"));
    }
    r.push(C::Blank);
    r.push(C::Blank);
    r
}

/// A metadata block (label | value) followed by a blank row.
pub fn meta(unit: &str, kind: &str, period: &str) -> Vec<Vec<C>> {
    vec![
        vec![s("填报单位"), s(unit)],
        vec![s("报表类型"), s(kind)],
        vec![s("所属期"), s(period)],
        vec![],
    ]
}

/// A complete valid monthly return of `n` rows for 竟陵街道 about GS01 in 2026-10.
pub fn monthly(n: u32) -> Vec<Vec<C>> {
    let mut rows = meta("竟陵街道", "月度自评", "2026-10");
    rows.push(header());
    for i in 1..=n {
        rows.push(row(i, "2026-10-05", "天门市第一供水有限公司"));
    }
    rows
}

/// A period's scores.json as written by the last computation.
pub fn scores(env: &Env, period: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(env.path(&format!("reports/{period}/scores.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The sample config with sign-off turned off (`[release] required = false`).
pub fn unsigned(config: &str) -> String {
    assert!(
        config.contains("required = true"),
        "the samples' config requires sign-off"
    );
    config.replacen("required = true", "required = false", 1)
}

/// A temporary deployment using the sample registry.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env::with_config_extra("")
    }

    /// The sample registry with sign-off required (SPEC §9b) and no returns yet.
    pub fn signed() -> Env {
        let env = Env::new();
        let config = env.path("utility-eval.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(&config, text.replacen("required = false", "required = true", 1)).unwrap();
        env
    }

    /// `run` with the day pinned (`UTILITY_EVAL_TODAY`): deadlines counted as on that day.
    pub fn run_on(&self, today: &str) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_utility-eval"))
            .arg("run")
            .env("UTILITY_EVAL_CONFIG", self.path("utility-eval.toml"))
            .env("UTILITY_EVAL_TODAY", today)
            .output()
            .unwrap()
    }

    /// The sample registry plus `extra` TOML appended (e.g. `[limits]`).
    pub fn with_config_extra(extra: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let base = unsigned(&std::fs::read_to_string(Path::new(REPO).join("samples/utility-eval.toml")).unwrap());
        // Files are taken as soon as they are written (no settle time) in tests.
        std::fs::write(
            dir.path().join("utility-eval.toml"),
            format!("{base}\n{SETTLED}\n{extra}"),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
        Env { dir }
    }

    /// The committed samples after one `run`, made once per test binary and shared by the
    /// tests that only read what it wrote (it must not be changed: no further run, no file
    /// written). It lives under cargo's temporary folder for tests.
    pub fn shared_samples() -> &'static Env {
        static SHARED: std::sync::OnceLock<Env> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| {
            let env = Env::samples_in(Path::new(env!("CARGO_TARGET_TMPDIR")), false);
            let o = env.run(&["run"]);
            assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
            env
        })
    }

    /// A copy of the committed samples after one `run` (which rejects what the samples reject:
    /// exit code 3), for a test that goes on changing it.
    pub fn ran_samples() -> Env {
        let env = Env::samples();
        let o = env.run(&["run"]);
        assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
        env
    }

    /// A copy of the committed `samples/` (config and inbox), taking files at once, with
    /// sign-off turned off: every run issues what it writes (SPEC §9b, `required = false`).
    pub fn samples() -> Env {
        Env::samples_in(&std::env::temp_dir(), false)
    }

    /// A copy of the committed `samples/` as they are: sign-off required, so that a period's
    /// results are drafts until `release`.
    pub fn signed_samples() -> Env {
        Env::samples_in(&std::env::temp_dir(), true)
    }

    /// [`Env::samples`] in a new folder under `base`.
    fn samples_in(base: &Path, signed: bool) -> Env {
        fn copy_tree(from: &Path, to: &Path) {
            for e in std::fs::read_dir(from).unwrap() {
                let p = e.unwrap().path();
                let dest = to.join(p.file_name().unwrap());
                if p.is_dir() {
                    std::fs::create_dir_all(&dest).unwrap();
                    copy_tree(&p, &dest);
                } else {
                    std::fs::copy(&p, &dest).unwrap();
                }
            }
        }
        let dir = tempfile::tempdir_in(base).unwrap();
        copy_tree(&Path::new(REPO).join("samples"), dir.path());
        let config = dir.path().join("utility-eval.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        let text = if signed { text } else { unsigned(&text) };
        std::fs::write(&config, format!("{text}\n{SETTLED}")).unwrap();
        Env { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn inbox(&self, rel: &str) -> PathBuf {
        self.path("inbox").join(rel)
    }

    /// Runs the binary with this deployment's config.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .env("UTILITY_EVAL_CONFIG", self.path("utility-eval.toml"))
            .env_remove("UTILITY_EVAL_LOG")
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path("data/utility-eval.sqlite")).unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Files (relative paths) under a folder of the deployment, sorted.
    pub fn files(&self, rel: &str) -> Vec<String> {
        let mut out = Vec::new();
        let root = self.path(rel);
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else { continue };
            for e in entries {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p.strip_prefix(&root).unwrap().to_string_lossy().to_string());
                }
            }
        }
        out.sort();
        out
    }

    /// The explanation written beside a rejected file.
    pub fn explanation(&self, name: &str) -> String {
        std::fs::read_to_string(self.path("rejected").join(format!("{name}.错误说明.txt"))).unwrap()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// SHA-256 hex of a file, computed independently of the program (sha2 directly).
pub fn sha256(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Copies a file, creating the destination's folders.
pub fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

/// A unit's feedback workbook for a period (`reports/<period>/退回意见/<所属期><单位>报表退回意见.xlsx`):
/// the texts of its guide sheet, and the rows (0-based) of its data sheet with their reasons
/// (the 问题说明 column).
pub fn feedback_workbook(env: &Env, period: &str, label: &str, unit: &str) -> (String, Vec<(usize, String)>) {
    use calamine::{Reader, Xlsx, open_workbook};
    let path = env.path(&format!("reports/{period}/退回意见/{label}{unit}报表退回意见.xlsx"));
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let names = wb.sheet_names();
    let guide = wb.worksheet_range(&names[0]).unwrap();
    let guide: String = guide
        .rows()
        .flatten()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let data = wb.worksheet_range(&names[1]).unwrap();
    let rows: Vec<Vec<String>> = data.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let header = rows.iter().position(|r| r.iter().any(|c| c == "问题说明")).unwrap_or(0);
    let col = rows[header].iter().position(|c| c == "问题说明").unwrap_or(usize::MAX);
    let reasons = rows
        .iter()
        .enumerate()
        .filter(|(i, r)| *i != header && r.get(col).is_some_and(|c| !c.is_empty()))
        .map(|(i, r)| (i, r[col].clone()))
        .collect();
    (guide, reasons)
}

/// Whether an external program the tests read documents back with is installed. CI sets
/// `UTILITY_EVAL_REQUIRE_TOOLS`, which makes a missing one a failure instead of a skip.
pub fn tool(name: &str) -> bool {
    let found = std::process::Command::new(name).arg("--version").output().is_ok();
    if !found {
        missing(name);
    }
    found
}

/// The programs whose checks were skipped in this run, and how many checks.
static MISSING: std::sync::Mutex<(std::collections::BTreeSet<String>, usize)> =
    std::sync::Mutex::new((std::collections::BTreeSet::new(), 0));

/// A check is skipped because `name` is not installed: a failure under
/// `UTILITY_EVAL_REQUIRE_TOOLS` (CI); else a note in the test's own output (shown only with
/// `--nocapture` or when the test fails) and one line, naming every missing program, when the
/// test binary exits, after its `test result` line (cargo test does not capture that).
pub fn missing(name: &str) {
    assert!(
        std::env::var_os("UTILITY_EVAL_REQUIRE_TOOLS").is_none(),
        "{name} is required here (UTILITY_EVAL_REQUIRE_TOOLS) but not installed"
    );
    eprintln!("note: {name} is not installed (CI installs it): that check is skipped");
    let mut m = MISSING.lock().unwrap_or_else(|e| e.into_inner());
    if m.1 == 0 {
        // SAFETY: registers a plain function with the C library, which calls it once at exit.
        unsafe {
            libc::atexit(say_missing);
        }
    }
    m.0.insert(name.to_string());
    m.1 += 1;
}

/// Where each program the tests use comes from (Debian packages; `.ci/run` installs them).
const PACKAGES: &[(&str, &str)] = &[
    ("soffice", "libreoffice-calc-nogui"),
    ("pdftotext", "poppler-utils"),
    ("pdffonts", "poppler-utils"),
    ("qpdf", "qpdf"),
    ("chromium", "chromium"),
    ("systemd-analyze", "systemd"),
    ("aiosmtpd", "python3 -m venv .venv && .venv/bin/pip install aiosmtpd"),
    (
        "chinese_calendar",
        "python3 -m venv .venv && .venv/bin/pip install chinese-calendar",
    ),
    ("openpyxl", "python3 -m venv .venv && .venv/bin/pip install openpyxl"),
];

/// At exit: the one line naming the programs whose checks were skipped.
extern "C" fn say_missing() {
    use std::io::Write;
    let m = MISSING.lock().unwrap_or_else(|e| e.into_inner());
    let names: Vec<String> =
        m.0.iter()
            .map(|n| match PACKAGES.iter().find(|(p, _)| p == n) {
                Some((_, from)) => format!("{n} ({from})"),
                None => n.clone(),
            })
            .collect();
    let _ = writeln!(
        std::io::stderr(),
        "note: {} check{} skipped, not installed: {} (CI installs them: .ci/run; see the README's Requirements)",
        m.1,
        if m.1 == 1 { "" } else { "s" },
        names.join(", ")
    );
}

/// Runs a program on a file and returns its stdout (it must succeed).
pub fn tool_output(name: &str, args: &[&str], file: &Path) -> String {
    let o = std::process::Command::new(name).args(args).arg(file).output().unwrap();
    assert!(
        o.status.success(),
        "{name} {}: {}",
        file.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// pdftotext's text, with the layout kept (a table row on one line) and without.
pub fn pdf_text(pdf: &Path) -> String {
    let run = |layout: bool| {
        let mut c = std::process::Command::new("pdftotext");
        if layout {
            c.arg("-layout");
        }
        let o = c.args(["-enc", "UTF-8"]).arg(pdf).arg("-").output().unwrap();
        assert!(o.status.success(), "pdftotext {}", pdf.display());
        String::from_utf8(o.stdout).unwrap()
    };
    run(true) + "\n" + &run(false)
}
