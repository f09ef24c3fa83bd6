//! `ingest FILE…`: ingest the given files as `run` would ingest them from the inbox.
//! A file outside the inbox keeps its own name; it is still moved to archive/ or rejected/.

use std::path::PathBuf;

use crate::cmd::{Exit, exit_of, lock_or_say, print_summary, progress};
use crate::config::Config;
use crate::inbox::{Incoming, relative_name};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 报表文件
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<Exit> {
    let Some(_lock) = lock_or_say(config)? else {
        return Ok(Exit::Locked);
    };
    let mut store = Store::open(&config.paths.database)?;
    let mut files = Vec::new();
    for f in &args.files {
        if !f.is_file() {
            anyhow::bail!("找不到文件 {}", f.display());
        }
        let path = std::path::absolute(f)?;
        files.push(Incoming {
            name: relative_name(&config.paths.inbox, &path),
            path,
        });
    }
    let bar = progress(files.len());
    let tick = |_: &str| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let summary = crate::run::ingest(config, &mut store, &files, &tick)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    print_summary(config, &summary);
    Ok(exit_of(&summary))
}
