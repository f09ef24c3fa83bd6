//! `sample --quarter 2026Q4`: draws the quarter's call-back sample from the units' sample
//! frames, records it, and writes the call-back workbook (季度抽查回访表) for the surveyors.
//! `sample --adhoc NAME --month 2026-11` does the same for an unscheduled survey (SPEC §13).

use std::path::PathBuf;

use anyhow::Context;

use crate::cmd::{Exit, lock_or_say};
use crate::config::{Config, Role};
use crate::period::{Period, ReturnKind};
use crate::render::form::{FormSpec, write_form};
use crate::sample::{Drawn, Size};

/// The sample size: `--per-enterprise` or `--margin`, one of them (the `size` group).
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("size").required(true).multiple(false).args(["per_enterprise", "margin"])))]
#[command(group(clap::ArgGroup::new("what").required(true).multiple(false).args(["quarter", "adhoc"])))]
pub struct Args {
    /// 季度(如 2026Q4):季度抽查(与 --adhoc 二选一)
    #[arg(long, value_name = "季度", value_parser = super::args::quarter_arg)]
    pub quarter: Option<Period>,
    /// 不定期抽查的调查名称(与 --month 一起用,代替 --quarter)
    #[arg(long, value_name = "调查名称", requires = "month")]
    pub adhoc: Option<String>,
    /// 不定期抽查所在的月份(如 2026-11),从该月所在季度的样本名单中抽取
    #[arg(long, value_name = "月份", value_parser = super::args::month_arg, requires = "adhoc")]
    pub month: Option<Period>,
    /// 每家企业抽取的用户数(与 --margin 二选一,必填其一)
    #[arg(long, value_name = "人数", value_parser = super::args::count_arg)]
    pub per_enterprise: Option<usize>,
    /// 按允许误差确定每家企业的样本量(如 0.05),按各企业名单人数做有限总体校正(与 --per-enterprise 二选一,必填其一)
    #[arg(long, value_name = "误差", value_parser = super::args::fraction_arg)]
    pub margin: Option<f64>,
    /// 置信水平(与 --margin 一起用,默认 0.95)
    #[arg(long, value_name = "置信水平", default_value_t = 0.95, hide_default_value = true, requires = "margin", value_parser = super::args::fraction_arg)]
    pub confidence: f64,
    /// 预估比例(与 --margin 一起用,默认 0.5,样本量最大)
    #[arg(long, value_name = "比例", default_value_t = 0.5, hide_default_value = true, requires = "margin", value_parser = super::args::fraction_arg)]
    pub p: f64,
    /// 随机种子(默认随机产生并记录;同一名单、同一种子抽出同样的样本)
    #[arg(long, value_name = "种子", value_parser = super::args::whole_arg::<u64>)]
    pub seed: Option<u64>,
    /// 排除最近几个季度已抽中回访过的用户(默认取配置 [sampling] exclude_quarters,未配置为 1)
    #[arg(long, value_name = "季度数", value_parser = super::args::whole_arg::<u32>)]
    pub exclude_quarters: Option<u32>,
    /// 回访员人数:名单平均分给各回访员,每人一段,分页打印
    #[arg(long, value_name = "人数", value_parser = super::args::whole_arg::<u32>)]
    pub surveyors: Option<u32>,
    /// 回访表输出文件(默认 reports/<季度>/<季度>抽查回访表.xlsx)
    #[arg(long, short, value_name = "文件")]
    pub out: Option<PathBuf>,
}

/// Says when an enterprise's sample is smaller than the minimum sample for a firm conclusion:
/// its sampled score will be marked 样本量不足 (and fewer still answer a call-back).
fn warn_thin(config: &Config, size: Size, strata: &[crate::sample::Stratum]) {
    let min = config.scheme.thresholds.min_sample as usize;
    if let Size::PerEnterprise(n) = size
        && n < min
    {
        crate::cmd::complain(&format!(
            "注意:--per-enterprise {n} 少于最小样本量 {min}(min_sample):回访完成后每家企业的抽查得分都将标为样本量不足,不作确定结论;回访不成功的用户还会使有效样本更少。建议每家企业至少抽取 {min} 人"
        ));
        return;
    }
    let thin: Vec<String> = strata
        .iter()
        .filter(|s| s.drawn < min)
        .map(|s| {
            let name = config
                .enterprise_by_code(&s.enterprise)
                .map_or(s.enterprise.as_str(), |e| e.name.as_str());
            format!("{name}(抽取 {} 人)", s.drawn)
        })
        .collect();
    if !thin.is_empty() {
        crate::cmd::complain(&format!(
            "注意:以下企业抽取的人数少于最小样本量 {min}(min_sample),抽查得分将标为样本量不足:{}",
            thin.join("、")
        ));
    }
}

/// A seed from the operating system's random source.
fn os_seed() -> anyhow::Result<u64> {
    use std::io::Read;
    let mut b = [0u8; 8];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .context("无法读取系统随机数 /dev/urandom;请用 --seed 指定随机种子")?;
    Ok(u64::from_le_bytes(b))
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<Exit> {
    use crate::sample::DrawFor;
    let what = match (args.quarter, &args.adhoc, args.month) {
        (Some(q), _, _) => DrawFor::Quarter(q),
        (None, Some(name), Some(month)) if !name.trim().is_empty() => DrawFor::Adhoc {
            month,
            name: name.trim(),
        },
        _ => anyhow::bail!("请用 --quarter 2026Q4,或 --adhoc 调查名称 --month 2026-11 指定抽样"),
    };
    let (period, label) = match what {
        DrawFor::Quarter(q) => (q, q.label_zh()),
        DrawFor::Adhoc { month, name } => (month, format!("{}{name}", month.label_zh())),
    };
    // The command line's parsers keep the numbers in range (a count ≥ 1, proportions in (0, 1)).
    let size = match (args.per_enterprise, args.margin) {
        (Some(n), _) => Size::PerEnterprise(n),
        (None, Some(e)) => Size::Margin {
            e,
            confidence: args.confidence,
            p: args.p,
        },
        (None, None) => anyhow::bail!("请用 --per-enterprise N 或 --margin E 指定样本量"),
    };
    let Some(_lock) = lock_or_say(config)? else {
        return Ok(Exit::Locked);
    };
    let Some(mut store) = crate::cmd::open_store(config)? else {
        return Ok(Exit::Locked);
    };
    let seed = match args.seed {
        Some(s) => s,
        None => os_seed()?,
    };
    let k = args.exclude_quarters.unwrap_or(config.exclude_quarters);
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let Some(Drawn { strata, members }) =
        crate::sample::draw_sample(&mut store, what, size, k, seed, args.surveyors, &now)?
    else {
        anyhow::bail!(
            "{} 还没有已接收的样本名单(报表类型“样本名单”,所属期为该季度或其中的月份),无法抽样",
            period.quarter().label_zh()
        );
    };
    let city = config
        .units
        .iter()
        .find(|u| u.role == Role::City)
        .map(|u| u.name.clone());
    let out = args.out.clone().unwrap_or_else(|| {
        config
            .paths
            .period_dir(period)
            .join(crate::sample::form_file_name(what))
    });
    let survey = match what {
        DrawFor::Adhoc { name, .. } => Some(name),
        DrawFor::Quarter(_) => None,
    };
    let kind = if survey.is_some() {
        ReturnKind::Adhoc
    } else {
        ReturnKind::Quarterly
    };
    let period = period.to_string();
    let spec = FormSpec {
        kind,
        survey,
        scheme: &config.scheme,
        config: Some(config),
        submitter: city.as_deref(),
        period: Some(&period),
        city: &config.city,
        prefill: &members,
    };
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
    }
    write_form(&spec, &out).with_context(|| format!("无法写入 {}", out.display()))?;
    say!("{label} 抽样(随机种子 {seed},已记录):");
    for s in &strata {
        let name = config
            .enterprise_by_code(&s.enterprise)
            .map_or(s.enterprise.as_str(), |e| e.name.as_str());
        let note = if s.all_taken && s.drawn > 0 {
            "(名单人数不足样本量,全部抽取)"
        } else {
            ""
        };
        let excluded = if s.excluded > 0 {
            format!(",排除近 {k} 个季度已回访 {} 人", s.excluded)
        } else {
            String::new()
        };
        say!("  {name}:名单 {} 人{excluded},抽取 {} 人{note}", s.frame, s.drawn);
    }
    say!("共抽取 {} 人;回访表:{}", members.len(), out.display());
    warn_thin(config, size, &strata);
    Ok(Exit::Success)
}
