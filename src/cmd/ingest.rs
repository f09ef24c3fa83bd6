//! `ingest FILE…`: ingest the given files as `run` would ingest them from the inbox.
//! A file outside the inbox keeps its own name; it is still moved to archive/ or rejected/.

use std::path::PathBuf;

use crate::cmd::{Exit, exit_of, failed, lock_or_say, open_store, print_summary, progress};
use crate::config::Config;
use crate::inbox::{Incoming, relative_name};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 报表文件
    #[arg(required = true, value_name = "文件")]
    pub files: Vec<PathBuf>,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<Exit> {
    let Some(_lock) = lock_or_say(config)? else {
        return Ok(Exit::Locked);
    };
    let Some(mut store) = open_store(config)? else {
        return Ok(Exit::Locked);
    };
    let mut files = Vec::new();
    for f in &args.files {
        // A link is not followed: what it points at may change after it is archived.
        match std::fs::symlink_metadata(f) {
            Ok(m) if m.file_type().is_file() => {}
            Ok(_) => anyhow::bail!("{} 不是普通文件(链接、管道等不予读取)", f.display()),
            Err(_) => anyhow::bail!("找不到文件 {}", f.display()),
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
    let summary = match crate::run::ingest(config, &mut store, &files, &tick) {
        Ok(s) => s,
        Err(e) => return failed(config, e),
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    print_summary(config, &summary);
    Ok(exit_of(&summary))
}
