//! `template --kind monthly|quarterly|frame|adhoc [--unit CODE]`: write the blank return workbook.

use std::path::PathBuf;

use anyhow::Context;

use crate::cmd::Exit;
use crate::config::Config;
use crate::period::{Period, ReturnKind};
use crate::render::form::{FormSpec, write_form};
use crate::scheme::Scheme;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Kind {
    /// 月度自评
    Monthly,
    /// 季度抽查
    Quarterly,
    /// 样本名单
    Frame,
    /// 不定期抽查
    Adhoc,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 报表类型:monthly 月度自评,quarterly 季度抽查,frame 样本名单,adhoc 不定期抽查
    #[arg(long, value_enum, value_name = "类型")]
    pub kind: Kind,
    /// 预填的填报单位(单位或企业代码)
    #[arg(long, value_name = "代码")]
    pub unit: Option<String>,
    /// 预填的所属期(如 2026-10 或 2026Q4)
    #[arg(long, value_name = "所属期", value_parser = super::args::period_arg)]
    pub period: Option<Period>,
    /// 输出文件(.xlsx;默认当前目录下的“<单位>_<类型>_报表模板.xlsx”)
    #[arg(long, short, value_name = "文件")]
    pub out: Option<PathBuf>,
    /// 输出文件已存在时覆盖它
    #[arg(long)]
    pub force: bool,
}

/// `config` is optional: without one, the form has no enterprise and county dropdowns.
pub fn run(config: Option<&Config>, args: &Args) -> anyhow::Result<Exit> {
    let kind = match args.kind {
        Kind::Monthly => ReturnKind::Monthly,
        Kind::Quarterly => ReturnKind::Quarterly,
        Kind::Frame => ReturnKind::Frame,
        Kind::Adhoc => ReturnKind::Adhoc,
    };
    let submitter = match (&args.unit, config) {
        (Some(code), Some(c)) => {
            let party = c.party(code).with_context(|| {
                let hint = crate::text::did_you_mean(c.suggest_party(code), "");
                let units: Vec<String> = c.units.iter().map(|u| format!("{} {}", u.code, u.name)).collect();
                let enterprises: Vec<String> = c.enterprises.iter().map(|e| format!("{} {}", e.code, e.name)).collect();
                format!(
                    "单位“{code}”未在配置文件中登记{hint}。登记的单位:{};企业:{}",
                    units.join("、"),
                    enterprises.join("、")
                )
            })?;
            Some(party.name().to_string())
        }
        (Some(_), None) => anyhow::bail!("--unit 需要配置文件(--config)来查找单位名称"),
        // Only the city bureau submits a sampled survey: its form names it.
        (None, Some(c)) if kind.is_sampled() => (c.units.iter())
            .find(|u| u.role == crate::config::Role::City)
            .map(|u| u.name.clone()),
        _ => None,
    };
    let period = args.period.map(|p| p.to_string());
    let builtin;
    let scheme = match config {
        Some(c) => &c.scheme,
        None => {
            builtin = Scheme::builtin();
            &builtin
        }
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "{}_{}_报表模板.xlsx",
            submitter.as_deref().unwrap_or("通用"),
            kind.label()
        ))
    });
    if out
        .extension()
        .and_then(|e| e.to_str())
        .is_none_or(|e| !e.eq_ignore_ascii_case("xlsx"))
    {
        anyhow::bail!("输出文件 {} 应以 .xlsx 结尾(模板是 Excel 工作簿)", out.display());
    }
    if out.exists() && !args.force {
        anyhow::bail!("{} 已存在,未覆盖;要覆盖请加 --force", out.display());
    }
    let spec = FormSpec {
        survey: None,
        prefill: &[],
        kind,
        scheme,
        config,
        submitter: submitter.as_deref(),
        period: period.as_deref(),
        city: config.map(|c| c.city.as_str()).unwrap_or(""),
    };
    write_form(&spec, &out).with_context(|| format!("无法写入 {}", out.display()))?;
    say!("已生成报表模板:{}", out.display());
    Ok(Exit::Success)
}
