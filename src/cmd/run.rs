//! `run`: the cron entry. Takes the lock, finishes any interrupted moves, ingests the
//! inbox and prints a short summary.

use crate::cmd::{Exit, exit_of, failed, lock_or_say, open_store, print_summary, progress};
use crate::config::Config;
use crate::inbox;
use crate::report;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(config: &Config, _args: &Args) -> anyhow::Result<Exit> {
    let Some(_lock) = lock_or_say(config)? else {
        return Ok(Exit::Locked);
    };
    for dir in [&config.paths.inbox, &config.paths.archive, &config.paths.rejected] {
        std::fs::create_dir_all(dir)?;
    }
    let Some(mut store) = open_store(config)? else {
        return Ok(Exit::Locked);
    };
    let recovered = match crate::run::recover(config, &store) {
        Ok(n) => n,
        Err(e) => return failed(config, e),
    };
    let inbox::Discovered {
        found: files,
        skipped,
        waiting,
        special,
        unreadable,
    } = inbox::discover(&config.paths.inbox, config.settle)?;
    // Links, FIFOs and the like are said once, the run that first finds them.
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let entries: Vec<_> = special.iter().map(|s| (s.path.as_path(), s.kind)).collect();
    let new_special = store.note_skipped(&entries, &now)?;
    let bar = progress(files.len());
    let tick = |name: &str| {
        if let Some(b) = &bar {
            b.set_message(name.to_string());
            b.inc(1);
        }
    };
    let mut summary = match crate::run::ingest(config, &mut store, &files, &tick) {
        Ok(s) => s,
        Err(e) => return failed(config, e),
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    summary.recovered = recovered;
    summary.skipped = skipped;
    summary.waiting = waiting;
    summary.special = new_special
        .into_iter()
        .map(|i| (special[i].name.clone(), special[i].kind))
        .collect();
    summary.unreadable = unreadable;
    print_summary(config, &summary);
    let periods = report::affected(config, &store)?;
    if !periods.is_empty() {
        report::publish(config, &mut store, &config.topics, &periods, true)?;
        let names: Vec<String> = periods.iter().map(|p| p.to_string()).collect();
        say!("已更新报告:{}(见 {})", names.join("、"), config.paths.reports.display());
    }
    Ok(exit_of(&summary))
}
