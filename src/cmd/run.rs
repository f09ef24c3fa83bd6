//! `run`: the cron entry. Takes the lock, finishes any interrupted moves, ingests the
//! inbox and prints a short summary.

use crate::cmd::{Exit, exit_of, lock_or_say, print_summary, progress};
use crate::config::Config;
use crate::inbox;
use crate::report;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(config: &Config, _args: &Args) -> anyhow::Result<Exit> {
    let Some(_lock) = lock_or_say(config)? else {
        return Ok(Exit::Locked);
    };
    for dir in [&config.paths.inbox, &config.paths.archive, &config.paths.rejected] {
        std::fs::create_dir_all(dir)?;
    }
    let mut store = Store::open(&config.paths.database)?;
    let recovered = crate::run::recover(config, &store)?;
    let inbox::Discovered {
        found: files,
        skipped,
        waiting,
    } = inbox::discover(&config.paths.inbox, config.settle)?;
    let bar = progress(files.len());
    let tick = |name: &str| {
        if let Some(b) = &bar {
            b.set_message(name.to_string());
            b.inc(1);
        }
    };
    let mut summary = crate::run::ingest(config, &mut store, &files, &tick)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    summary.recovered = recovered;
    summary.skipped = skipped;
    summary.waiting = waiting;
    print_summary(config, &summary);
    let periods = report::affected(config, &store)?;
    if !periods.is_empty() {
        report::publish(config, &mut store, &config.topics, &periods, true)?;
        let names: Vec<String> = periods.iter().map(|p| p.to_string()).collect();
        println!("已更新报告:{}(见 {})", names.join("、"), config.paths.reports.display());
    }
    Ok(exit_of(&summary))
}
