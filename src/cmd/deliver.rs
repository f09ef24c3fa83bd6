//! `deliver`: delivers what is due (also the last step of `run`): each recipient's documents
//! into the outbox, and by mail when `[delivery.smtp]` is configured. `--again RECIPIENT`
//! places and mails a recipient's documents again (all periods, or `--period P`), for a
//! recipient who lost them.

use crate::cmd::{Exit, lock_or_say};
use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 重新投递给这个收件人(领导姓名,单位或企业的代码、名称,或发件箱中的文件夹名):已放入发件箱或已发送的材料再放入、再发送一次
    #[arg(long, value_name = "收件人")]
    pub again: Option<String>,
    /// 与 --again 一起用:只重新投递这一期(如 2026-10、2026Q4)
    #[arg(long, value_name = "所属期", requires = "again")]
    pub period: Option<String>,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<Exit> {
    let Some(_lock) = lock_or_say(config)? else {
        return Ok(Exit::Locked);
    };
    let Some(store) = crate::cmd::open_store(config)? else {
        return Ok(Exit::Locked);
    };
    if let Some(who) = &args.again {
        let period = match args.period.as_deref().map(|p| (p, crate::period::Period::parse(p))) {
            None => None,
            Some((_, Some(p))) => Some(p.to_string()),
            Some((typed, None)) => {
                crate::cmd::complain(&format!("所属期“{typed}”无法识别,应写作 2026-10 或 2026Q4"));
                return Ok(Exit::Usage);
            }
        };
        match crate::deliver::again(config, &store, who, period.as_deref())? {
            Some((key, _)) => say!(
                "将重新投递给 {key}{}。",
                period.as_deref().map(|p| format!("({p})")).unwrap_or_default()
            ),
            None => {
                crate::cmd::complain(&format!(
                    "没有名为“{who}”的收件人;可以写领导姓名、单位或企业的代码或名称,或发件箱中的文件夹名"
                ));
                return Ok(Exit::Usage);
            }
        }
    }
    let mut failed = crate::notice::write_due(config, &store)?;
    let mut delivered = crate::deliver::deliver(config, &store)?;
    delivered.failed.splice(0..0, failed.drain(..));
    let failed = crate::cmd::print_delivered(config, &delivered);
    Ok(if failed { Exit::Failed } else { Exit::Success })
}
