//! `status [--period P]`: per period, what each unit and enterprise has sent: received,
//! accepted and rejected returns, rows, and returns still missing.

use std::collections::BTreeMap;

use crate::cmd::Exit;
use crate::config::{Config, Role};
use crate::period::{Period, ReturnKind};
use crate::store::Submission;
use crate::text::pad;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 所属期(如 2026-10 或 2026Q3);默认列出库中所有所属期
    #[arg(long)]
    pub period: Option<String>,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<Exit> {
    let Some(store) = crate::cmd::open_store(config)? else {
        return Ok(Exit::Locked);
    };
    let periods = match &args.period {
        Some(p) => {
            vec![Period::parse(p).ok_or_else(|| anyhow::anyhow!("所属期“{p}”无法识别,应写作 2026-10 或 2026Q4"))?]
        }
        None => store.periods()?,
    };
    if periods.is_empty() {
        say!("数据库中还没有任何报表。");
    }
    for period in periods {
        let subs = store.submissions(Some(&period.to_string()))?;
        print!("{}", report(config, period, &subs));
    }
    let unknown: Vec<Submission> = store
        .submissions(None)?
        .into_iter()
        .filter(|s| s.period.is_none())
        .collect();
    if !unknown.is_empty() && args.period.is_none() {
        say!("\n未能确定所属期的退回文件 {} 个:", unknown.len());
        for s in unknown {
            say!("  {}:{}", s.original_name, s.reason.unwrap_or_default());
        }
    }
    Ok(Exit::Success)
}

/// The status table of one period, as text.
pub fn report(config: &Config, period: Period, subs: &[Submission]) -> String {
    let mut out = format!("\n== {}({}) ==\n", period.label_zh(), period);
    out.push_str(&line(
        [
            "填报单位",
            "报表类型",
            "收到",
            "接收",
            "退回",
            "有效行",
            "问题行",
            "状态",
        ]
        .map(String::from),
    ));
    // Who is expected to send what for this period.
    let mut expected: Vec<(String, String, ReturnKind)> = Vec::new();
    if period.is_quarter() {
        for u in config.units.iter().filter(|u| u.role == Role::City) {
            expected.push((u.code.clone(), u.name.clone(), ReturnKind::Quarterly));
        }
    } else {
        for u in config.units.iter().filter(|u| u.role == Role::County) {
            expected.push((u.code.clone(), u.name.clone(), ReturnKind::Monthly));
        }
        for e in &config.enterprises {
            expected.push((e.code.clone(), e.name.clone(), ReturnKind::Monthly));
        }
    }
    let mut by: BTreeMap<(String, ReturnKind), Vec<&Submission>> = BTreeMap::new();
    for s in subs {
        if let (Some(code), Some(kind)) = (&s.submitter_code, s.kind) {
            by.entry((code.clone(), kind)).or_default().push(s);
        }
    }
    let mut rows: Vec<(String, String, ReturnKind)> = expected.clone();
    for (code, kind) in by.keys() {
        if !rows.iter().any(|(c, _, k)| c == code && k == kind) {
            let name = config
                .party(code)
                .map(|p| p.name().to_string())
                .unwrap_or_else(|| code.clone());
            rows.push((code.clone(), name, *kind));
        }
    }
    let mut missing = 0;
    for (code, name, kind) in rows {
        let list = by.get(&(code.clone(), kind)).map(Vec::as_slice).unwrap_or(&[]);
        let accepted: Vec<_> = list.iter().filter(|s| s.status == "accepted").collect();
        let rejected = list.iter().filter(|s| s.status == "rejected").count();
        let valid: i64 = accepted.iter().map(|s| s.rows_accepted).sum();
        let bad: i64 = accepted.iter().map(|s| s.rows_rejected).sum();
        let state = if !accepted.is_empty() {
            if list.iter().any(|s| s.status == "superseded") {
                "已接收(含更正)"
            } else {
                "已接收"
            }
        } else if rejected > 0 {
            missing += 1;
            "已退回,待重报"
        } else {
            missing += 1;
            "未报送"
        };
        out.push_str(&line([
            name,
            kind.label().to_string(),
            list.len().to_string(),
            accepted.len().to_string(),
            rejected.to_string(),
            valid.to_string(),
            bad.to_string(),
            state.to_string(),
        ]));
    }
    out.push_str(&format!("缺报 {missing} 份。\n"));
    out
}

/// One table line: name and kind left-aligned, counts right-aligned, by display width.
fn line(cells: [String; 8]) -> String {
    let widths = [26, 10, 6, 6, 6, 8, 8];
    let mut out = String::new();
    for (i, c) in cells.iter().enumerate() {
        match widths.get(i) {
            Some(&w) => out.push_str(&pad(c, w, i >= 2)),
            None => {
                out.push_str("  ");
                out.push_str(c);
            }
        }
    }
    out.push('\n');
    out
}
