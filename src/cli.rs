//! The command line: clap-derived arguments, one subcommand per file under `cmd/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::cmd;

#[derive(Debug, Parser)]
#[command(name = "utility-eval", version, about = "供水供气企业服务满意度评价:接收报表、入库、计分、出具报告", long_about = None)]
pub struct Cli {
    /// 配置文件(默认 ./utility-eval.toml)
    #[arg(long, global = true, env = "UTILITY_EVAL_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The cron entry: lock, ingest the inbox, summarise.
    Run(cmd::run::Args),
    /// (Re)write the outputs of one period.
    Report(cmd::report::Args),
    /// Ingest the given files.
    Ingest(cmd::ingest::Args),
    /// Validate returns without storing them (for county offices).
    Check(cmd::check::Args),
    /// Write a blank return workbook.
    Template(cmd::template::Args),
    /// Write a working starter deployment into a folder.
    Init(cmd::init::Args),
    /// Received, accepted, rejected and missing returns per unit.
    Status(cmd::status::Args),
    /// (internal) parse an xls/ods file in a memory-limited child process.
    #[command(name = "parse-worker", hide = true)]
    ParseWorker(cmd::worker::Args),
}

impl Cli {
    /// The config file to use: `--config`, else `UTILITY_EVAL_CONFIG`, else `./utility-eval.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| PathBuf::from("utility-eval.toml"))
    }
}
