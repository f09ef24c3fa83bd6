//! `report --period P`: (re)computes and writes the outputs of one period.

use crate::cmd::{Exit, lock_or_say};
use crate::config::Config;
use crate::period::Period;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 所属期(如 2026-10 或 2026Q3)
    #[arg(long, value_name = "所属期", value_parser = super::args::period_arg)]
    pub period: Period,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<Exit> {
    let period = args.period;
    let Some(_lock) = lock_or_say(config)? else {
        return Ok(Exit::Locked);
    };
    let Some(mut store) = crate::cmd::open_store(config)? else {
        return Ok(Exit::Locked);
    };
    let kind = period.kind();
    if store.accepted(kind, period)?.is_empty() {
        anyhow::bail!("{} 没有已接收的{}报表,无法出具报告", period.label_zh(), kind.label());
    }
    crate::run::rectification::carry_cases(config, &mut store)?;
    let files = crate::run::publish::publish(config, &mut store, &config.topics, &[period], false)?;
    say!(
        "{} 的报告已写入 {}:",
        period.label_zh(),
        config.paths.period_dir(period).display()
    );
    for f in files {
        say!(
            "  {}",
            f.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        );
    }
    Ok(Exit::Success)
}
