//! The hidden `parse-worker` subcommand: the child side of [`crate::intake::worker`].

use std::path::PathBuf;

use crate::cmd::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long)]
    pub format: String,
    #[arg(long)]
    pub memory_bytes: u64,
    #[arg(long)]
    pub max_columns: u32,
    pub file: PathBuf,
}

pub fn run(args: &Args) -> Exit {
    match crate::intake::worker::run_worker(&args.file, &args.format, args.memory_bytes, args.max_columns) {
        0 => Exit::Success,
        _ => Exit::Failed,
    }
}
