//! `status [--period P]`: per period, what each unit and enterprise has sent: received,
//! accepted and rejected returns, rows, and returns still missing.

use crate::analyse::quality::data_quality;
use crate::cmd::Exit;
use crate::config::Config;
use chrono::Datelike;

use super::args::Target;
use crate::period::Period;
use crate::store::Submission;
use crate::text::pad;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 所属期(如 2026-10 或 2026Q3),或年度(如 2026);默认列出库中所有所属期
    #[arg(long, value_name = "所属期", value_parser = super::args::target_arg)]
    pub period: Option<Target>,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<Exit> {
    let Some(store) = crate::cmd::open_store(config)? else {
        return Ok(Exit::Locked);
    };
    let periods = match &args.period {
        Some(Target::Period(p)) => vec![*p],
        // A year: its months and quarters, then its assessment.
        Some(Target::Year(y)) => (shown_periods(&store.submissions(None)?).into_iter())
            .filter(|p| p.first_day().year() == *y)
            .collect(),
        None => shown_periods(&store.submissions(None)?),
    };
    if periods.is_empty() {
        say!("数据库中还没有任何报表。");
    }
    for &period in &periods {
        let subs = store.submissions(Some(&period.to_string()))?;
        let duplicates = store.duplicates(period)?;
        say!("{}", report(config, period, &subs, &duplicates).trim_end());
        if let Some(line) = crate::cmd::release_line(config, &store, period)? {
            say!("签发:{line}");
        }
        if period.is_quarter() {
            say!("{}", sampling(config, &store, period)?.trim_end());
        }
        if let Some(text) = adhoc(&subs) {
            say!("{}", text.trim_end());
        }
    }
    if let Some(Target::Year(y)) = args.period {
        say!("{}", year(config, &store, y)?.trim_end());
    }
    if args.period.is_none() && config.release.required && store.latest_release_any()?.is_some() {
        say!("{}", ledgers(config, &store)?.trim_end());
    }
    let shown: Vec<String> = periods.iter().map(|p| p.to_string()).collect();
    let elsewhere: Vec<Submission> = store
        .submissions(None)?
        .into_iter()
        .filter(|s| s.period.as_ref().is_some_and(|p| !shown.contains(p)))
        .collect();
    if !elsewhere.is_empty() && args.period.is_none() {
        // A misdated file makes no period of its own: it is listed here, not lost.
        say!("\n所属期没有已接收报表的退回文件 {} 个:", elsewhere.len());
        for s in elsewhere {
            say!(
                "  {}(所属期 {}):{}",
                s.original_name,
                s.period.unwrap_or_default(),
                s.reason.unwrap_or_default()
            );
        }
    }
    let unknown: Vec<Submission> = store
        .submissions(None)?
        .into_iter()
        .filter(|s| s.period.is_none())
        .collect();
    if !unknown.is_empty() && args.period.is_none() {
        say!("\n未能确定所属期的退回文件 {} 个:", unknown.len());
        for s in unknown {
            let unit = crate::analyse::quality::folder_unit(config, &s.original_name)
                .and_then(|c| config.party(&c).map(|p| format!("(来自{})", p.name())))
                .unwrap_or_default();
            say!("  {}{unit}:{}", s.original_name, s.reason.unwrap_or_default());
        }
    }
    Ok(Exit::Success)
}

/// The year's assessment as its last computation wrote it (`reports/<year>/scores.json`).
fn year(config: &Config, store: &crate::store::Store, y: i32) -> anyhow::Result<String> {
    let path = config
        .paths
        .reports
        .join(y.to_string())
        .join(crate::render::json::SCORES);
    let bytes = std::fs::read(&path).ok();
    let Some(doc) = bytes
        .as_deref()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
    else {
        return Ok(format!(
            "\n{y}年度:还没有年度报告(有月度自评或季度抽查报表后,run 会写入 {})",
            path.display()
        ));
    };
    let through = doc["through"].as_str().unwrap_or_default();
    let mut out = if doc["complete"] == true {
        format!("\n{y}年度考核:\n")
    } else {
        format!("\n{y}年度考核(截至 {through}):\n")
    };
    for a in doc["assessment"].as_array().into_iter().flatten() {
        let rank = a["rank"].as_u64().map_or("—".to_string(), |r| r.to_string());
        let score = a["score"].as_f64().map_or("—".to_string(), |s| format!("{s:.2}"));
        out.push_str(&format!(
            "  {rank:>2}  {}  {score}  {}\n",
            pad(a["name"].as_str().unwrap_or_default(), 24, false),
            a["grade"].as_str().unwrap_or("—")
        ));
    }
    if config.release.required {
        let now = bytes.as_deref().and_then(crate::render::annual::fingerprint_of);
        out.push_str(&match store.year_releases(y)?.pop() {
            None => format!("签发:{y}年度 送审稿,待签发(utility-eval release --period {y} --by 签发人)\n"),
            Some(l) if Some(&l.scores) == now.as_ref() => {
                format!("签发:{y}年度 已签发 第{}版 {} {}\n", l.version, l.date, l.signer)
            }
            Some(l) => format!("签发:已签发的{y}年度(第{}版)有变动,待重新签发\n", l.version),
        });
    }
    Ok(out)
}

/// A month's unscheduled surveys (SPEC §13): each by name, its accepted returns and responses.
fn adhoc(subs: &[Submission]) -> Option<String> {
    let accepted: Vec<&Submission> = (subs.iter())
        .filter(|s| s.kind == Some(crate::period::ReturnKind::Adhoc) && s.status == crate::store::Status::Accepted)
        .collect();
    if accepted.is_empty() {
        return None;
    }
    let mut names: Vec<&str> = Vec::new();
    for s in &accepted {
        let name = s.survey();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let mut out = format!("不定期抽查 {} 次:\n", names.len());
    for name in names {
        let mine: Vec<&&Submission> = (accepted.iter()).filter(|s| s.survey() == name).collect();
        let rows: i64 = mine.iter().map(|s| s.rows_accepted).sum();
        out.push_str(&format!("  {name}:报表 {} 份,有效问卷 {rows} 份\n", mine.len()));
    }
    Some(out)
}

/// What each enterprise owes in the rectification loop (SPEC §11) as of today: its open items
/// and cases, those overdue.
fn ledgers(config: &Config, store: &crate::store::Store) -> anyhow::Result<String> {
    let s = crate::run::rectification::summary(config, store)?;
    let mut out = format!("\n== 整改闭环(截至 {}) ==\n", s.as_of);
    let files = store.loop_files()?;
    for e in &s.enterprises {
        if e.items == 0 && e.cases == 0 {
            continue;
        }
        // What it owes: the items it has not reported on, the cases not yet closed.
        let open_cases = (e.open_cases.iter()).filter(|(_, st, ..)| st.is_open()).count();
        let last = (files.iter())
            .rfind(|f| f.accepted && f.kind == "ledger" && f.enterprise.as_deref() == Some(e.code.as_str()))
            .map_or("尚未报回整改台账".to_string(), |f| {
                format!("最近报回台账 {}", f.received_at.get(..10).unwrap_or(&f.received_at))
            });
        out.push_str(&format!(
            "  {}:整改事项 {} 项(已反馈 {},超期 {});差评件 {} 件(已回访 {},已整改 {},超期 {},申诉中 {});待办结 {} 件;{last}\n",
            e.name,
            e.items,
            e.items_reported,
            e.items_overdue,
            e.cases,
            e.cases_called_back,
            e.cases_rectified,
            e.cases_overdue,
            e.pending_appeals,
            open_cases,
        ));
    }
    let pending: u64 = s.enterprises.iter().map(|e| e.pending_appeals).sum();
    if pending > 0 {
        let city = (config.units.iter())
            .find(|u| u.role == crate::config::Role::City)
            .map_or("市级单位", |u| u.name.as_str());
        out.push_str(&format!(
            "  申诉待复核 {pending} 件:申诉复核表已发{city},复核后放回其收件箱文件夹\n"
        ));
    }
    for i in &s.interviews {
        out.push_str(&format!("  建议约谈 {}:{}\n", i.name, i.reasons.join(";")));
    }
    Ok(out)
}

/// The periods `status` shows by default: those with an accepted return (or one since
/// corrected), and the months or quarters between the first and the last of them, where
/// returns were expected. A file rejected for a period of its own (a misdated return) makes
/// none; it is listed apart.
fn shown_periods(subs: &[Submission]) -> Vec<Period> {
    use crate::store::Status;
    let with_returns: std::collections::BTreeSet<Period> = (subs.iter())
        .filter(|s| matches!(s.status, Status::Accepted | Status::Superseded))
        .filter_map(|s| Period::parse(s.period.as_deref()?))
        .collect();
    let mut out = std::collections::BTreeSet::new();
    for quarters in [false, true] {
        let of_kind: Vec<Period> = (with_returns.iter())
            .copied()
            .filter(|p| p.is_quarter() == quarters)
            .collect();
        let (Some(&first), Some(&last)) = (of_kind.first(), of_kind.last()) else {
            continue;
        };
        let mut p = last;
        while p >= first {
            out.insert(p);
            p = p.previous();
        }
    }
    out.into_iter().collect()
}

/// The status table of one period, as text: for each submitter, 收到 = 接收 + 退回 + 被替代 +
/// 重复.
pub fn report(
    config: &Config,
    period: Period,
    subs: &[Submission],
    duplicates: &std::collections::BTreeMap<(String, String), usize>,
) -> String {
    let mut out = format!("\n== {}({}) ==\n", period.label_zh(), period);
    out.push_str(&line(
        [
            "填报单位",
            "报表类型",
            "收到",
            "接收",
            "退回",
            "被替代",
            "重复",
            "有效行",
            "问题行",
            "状态",
        ]
        .map(String::from),
    ));
    let quality = data_quality(config, period, subs, duplicates);
    for s in &quality.submitters {
        out.push_str(&line([
            s.name.clone(),
            s.kind.label().to_string(),
            s.received.to_string(),
            s.accepted.to_string(),
            s.rejected.to_string(),
            s.superseded.to_string(),
            s.duplicates.to_string(),
            s.rows_valid.to_string(),
            s.rows_rejected.to_string(),
            s.state.label().to_string(),
        ]));
    }
    out.push_str(&format!("缺报 {} 份。\n", quality.missing));
    out
}

/// A quarter's sample frames (owed by each county unit: a 样本名单 for the quarter or one of
/// its months) and the call-back's progress against the draw.
fn sampling(config: &Config, store: &crate::store::Store, quarter: Period) -> anyhow::Result<String> {
    use crate::config::Role;
    use crate::period::ReturnKind;
    use crate::store::Status;
    let mut periods = quarter.months();
    periods.push(quarter);
    let mut frames: Vec<Submission> = Vec::new();
    for p in periods {
        frames.extend(
            store
                .submissions(Some(&p.to_string()))?
                .into_iter()
                .filter(|s| s.kind == Some(ReturnKind::Frame) && s.status == Status::Accepted),
        );
    }
    let mut out = String::from("样本名单:");
    let mut owed = 0;
    let mut parts = Vec::new();
    for u in config.units.iter().filter(|u| u.role == Role::County) {
        let rows: i64 = (frames.iter())
            .filter(|s| s.submitter_code.as_deref() == Some(&u.code))
            .map(|s| s.rows_accepted)
            .sum();
        if frames.iter().any(|s| s.submitter_code.as_deref() == Some(&u.code)) {
            parts.push(format!("{} 已报({rows} 人)", u.name));
        } else {
            owed += 1;
            parts.push(format!("{} 未报", u.name));
        }
    }
    out += &parts.join(",");
    out += &format!(";缺 {owed} 份。\n");
    match store.draw(quarter)? {
        None => out += "抽样:尚未抽样(utility-eval sample --quarter …)。\n",
        Some(d) => {
            let back = crate::sample::match_call_back(
                &d,
                store.sampled_respondents(quarter)?,
                store.sampled_not_reached(quarter)?,
            );
            let (answered, not_reached) = (back.answered.len(), back.not_reached.len());
            let mut reasons = std::collections::BTreeMap::new();
            for r in back.not_reached.values() {
                *reasons.entry(r.clone()).or_insert(0u64) += 1;
            }
            let why = match not_reached {
                0 => String::new(),
                _ => format!("({})", crate::sample::reasons_text(&reasons)),
            };
            out += &format!(
                "抽样:{} 抽取 {} 人(随机种子 {}),已回访 {answered} 人,未回访 {not_reached} 人{why},待回访 {} 人,回访率 {:.1}%。\n",
                d.drawn_at,
                d.members.len(),
                d.seed,
                d.members.len() - answered - not_reached,
                answered as f64 * 100.0 / d.members.len().max(1) as f64
            );
        }
    }
    Ok(out)
}

/// One table line: name and kind left-aligned, counts right-aligned, by display width.
fn line(cells: [String; 10]) -> String {
    let widths = [26, 10, 6, 6, 6, 8, 6, 8, 8];
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
