//! utility-eval: customer-satisfaction evaluation of water and gas supply enterprises.
//!
//! The pipeline, one module per stage, each using only those before it: [`config`] (with
//! [`scheme`], [`topics`] and [`wording`] loaded by it) → [`intake`] (read a workbook) →
//! [`validate`] → [`store`] (SQLite) → [`score`] → [`analyse`] → [`compute`] (a period's
//! [`results`], once for every renderer) → [`render`] (documents, on [`pdf`]) → [`deliver`],
//! with [`inbox`] moving files and [`run`] the batch, the publishing of a period and the cron
//! sequence ([`run::cron`]); [`cmd`] and [`cli`] sit on top. [`results`] is a leaf of plain
//! types every stage may use; [`period`] holds the periods and their arithmetic.

pub mod analyse;
pub mod calendar;
pub mod cli;
pub mod cmd;
pub mod compute;
pub mod config;
pub mod deliver;
pub mod inbox;
pub mod intake;
pub mod journal;
pub mod notice;
pub mod output;
pub mod pdf;
pub mod period;
pub mod render;
pub mod results;
pub mod run;
pub mod sample;
pub mod scheme;
pub mod score;
pub mod store;
pub mod text;
pub mod topics;
pub mod validate;
pub mod wording;

use cli::{Cli, Command};
use cmd::Exit;

/// Runs a parsed command line; the caller maps the result to an exit code.
pub fn main_with(cli: &Cli) -> anyhow::Result<Exit> {
    // Nothing holding personal data is created readable by other users.
    output::private_umask();
    match &cli.command {
        Command::ParseWorker(a) => Ok(cmd::worker::run(a)),
        Command::Init(a) => cmd::init::run(a),
        Command::Template(a) => {
            let path = cli.config_path();
            let config = if path.exists() {
                Some(cmd::load_config(&path)?)
            } else {
                None
            };
            cmd::template::run(config.as_ref(), a)
        }
        command => {
            let config = cmd::load_config(&cli.config_path())?;
            let result = match command {
                Command::Run(a) => cmd::run::run(&config, a),
                Command::Ingest(a) => cmd::ingest::run(&config, a),
                Command::Check(a) => cmd::check::run(&config, a),
                Command::Report(a) => cmd::report::run(&config, a),
                Command::Release(a) => cmd::release::run(&config, a),
                Command::Status(a) => cmd::status::run(&config, a),
                Command::Deliver(a) => cmd::deliver::run(&config, a),
                Command::Sample(a) => cmd::sample::run(&config, a),
                Command::ParseWorker(_) | Command::Init(_) | Command::Template(_) => unreachable!("handled above"),
            };
            // The commands that change something leave their account in the run log.
            let name = match command {
                Command::Run(_) => Some("run"),
                Command::Ingest(_) => Some("ingest"),
                Command::Report(_) => Some("report"),
                Command::Release(_) => Some("release"),
                Command::Deliver(_) => Some("deliver"),
                Command::Sample(_) => Some("sample"),
                _ => None,
            };
            if let Some(name) = name {
                let code = match &result {
                    Ok(exit) => exit.code(),
                    Err(e) => {
                        journal::note(&format!("错误:{e:#}"));
                        1
                    }
                };
                if let Err(e) = journal::write(&config.paths.logs, name, code) {
                    tracing::warn!("无法写入运行日志 {}:{e}", config.paths.logs.display());
                }
            }
            result
        }
    }
}
