//! `run`: the cron entry. Runs the cron sequence ([`crate::run::cron`]) with a progress bar
//! on a terminal, prints its short summary and maps it to an exit code.

use crate::cmd::{Exit, exit_of, print_summary, progress};
use crate::config::Config;
use crate::run::cron::{self, Cron, Progress};

#[derive(Debug, clap::Args)]
pub struct Args {}

/// A progress bar on a terminal, nothing under cron.
struct Bar(std::cell::RefCell<Option<indicatif::ProgressBar>>);

impl Progress for Bar {
    fn start(&self, total: usize) {
        *self.0.borrow_mut() = progress(total);
    }

    fn file_done(&self, name: &str) {
        if let Some(b) = self.0.borrow().as_ref() {
            b.set_message(name.to_string());
            b.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(b) = self.0.borrow_mut().take() {
            b.finish_and_clear();
        }
    }
}

pub fn run(config: &Config, _args: &Args) -> anyhow::Result<Exit> {
    let bar = Bar(std::cell::RefCell::new(None));
    match cron::cron(config, &bar) {
        Ok(Cron::Locked(why)) => {
            crate::cmd::complain(&why);
            Ok(Exit::Locked)
        }
        Ok(Cron::Done {
            summary,
            published,
            delivered,
        }) => {
            print_summary(config, &summary);
            if !published.is_empty() {
                let names: Vec<String> = published.iter().map(|p| p.to_string()).collect();
                say!("已更新报告:{}(见 {})", names.join("、"), config.paths.reports.display());
                if let Some(store) = crate::cmd::open_store(config)? {
                    for &p in &published {
                        if let Some(line) = crate::cmd::release_line(config, &store, p)? {
                            say!("{line}");
                        }
                    }
                }
            }
            let delivery_failed = crate::cmd::print_delivered(config, &delivered);
            Ok(if delivery_failed {
                Exit::Failed
            } else {
                exit_of(&summary)
            })
        }
        Err(cron::CronError::Run(crate::run::RunError::Store(e))) => {
            Err(anyhow::Error::new(e).context(format!("数据库 {}", config.paths.database.display())))
        }
        Err(e) => Err(e.into()),
    }
}
