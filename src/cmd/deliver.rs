//! `deliver`: delivers what is due (also the last step of `run`): each recipient's documents
//! into the outbox, and by mail when `[delivery.smtp]` is configured.

use crate::cmd::{Exit, lock_or_say};
use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(config: &Config, _args: &Args) -> anyhow::Result<Exit> {
    let Some(_lock) = lock_or_say(config)? else {
        return Ok(Exit::Locked);
    };
    let Some(store) = crate::cmd::open_store(config)? else {
        return Ok(Exit::Locked);
    };
    let delivered = crate::deliver::deliver(config, &store)?;
    let failed = crate::cmd::print_delivered(config, &delivered);
    Ok(if failed { Exit::Failed } else { Exit::Success })
}
