//! `report --period P`: (re)computes and writes the outputs of one period, or of a year
//! (`--period 2026`: its annual documents, SPEC §13).

use super::args::Target;
use crate::cmd::{Exit, lock_or_say};
use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 所属期(如 2026-10 或 2026Q3),或年度(如 2026)
    #[arg(long, value_name = "所属期", value_parser = super::args::target_arg)]
    pub period: Target,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<Exit> {
    let Some(_lock) = lock_or_say(config)? else {
        return Ok(Exit::Locked);
    };
    let Some(mut store) = crate::cmd::open_store(config)? else {
        return Ok(Exit::Locked);
    };
    let period = match args.period {
        Target::Period(p) => p,
        Target::Year(year) => {
            let files = crate::run::publish::publish_year(config, &store, &config.topics, year)?;
            let Some(files) = files else {
                anyhow::bail!("{year}年没有已接收的月度自评或季度抽查报表,无法出具年度报告");
            };
            say_written(
                &format!("{year}年度"),
                &config.paths.reports.join(year.to_string()),
                &files,
            );
            return Ok(Exit::Success);
        }
    };
    let kind = period.kind();
    if store.accepted(kind, period)?.is_empty() {
        anyhow::bail!("{} 没有已接收的{}报表,无法出具报告", period.label_zh(), kind.label());
    }
    crate::run::rectification::carry_cases(config, &mut store)?;
    let files = crate::run::publish::publish(config, &mut store, &config.topics, &[period], false)?;
    say_written(
        &format!("{} ", period.label_zh()),
        &config.paths.period_dir(period),
        &files,
    );
    Ok(Exit::Success)
}

/// `<label>的报告已写入 <dir>:` and each file's name.
fn say_written(label: &str, dir: &std::path::Path, files: &[std::path::PathBuf]) {
    say!("{label}的报告已写入 {}:", dir.display());
    for f in files {
        say!(
            "  {}",
            f.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        );
    }
}
