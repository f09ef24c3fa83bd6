//! `release --period P --by NAME [--number 文号] [--date YYYY-MM-DD]`: signs a period off
//! (SPEC §9b): issues its current results as the next version, publishes it to `public/` and
//! delivers it. A period whose issued version already holds its results is left as it is.

use chrono::NaiveDate;

use super::args::Target;
use crate::cmd::{Exit, lock_or_say};
use crate::config::Config;
use crate::run::release::{Outcome, Request, YearOutcome, YearRequest};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 所属期(如 2026-10 或 2026Q3),或年度(如 2026:年度考核)
    #[arg(long, value_name = "所属期", value_parser = super::args::target_arg)]
    pub period: Target,
    /// 签发人(写在全市分析报告封面和公示上)
    #[arg(long, value_name = "签发人")]
    pub by: String,
    /// 文号(如 天住建〔2026〕12号),写在全市分析报告封面和公示上
    #[arg(long, value_name = "文号")]
    pub number: Option<String>,
    /// 签发日期(默认今天),如领导在纸面上签发于前一天
    #[arg(long, value_name = "日期", value_parser = date_arg)]
    pub date: Option<NaiveDate>,
}

/// `release --period 2026`: the year's assessment (SPEC §13).
fn release_year(config: &Config, store: &mut crate::store::Store, args: &Args, year: i32) -> anyhow::Result<Exit> {
    let dir = config.paths.reports.join(year.to_string());
    if !config.release.required {
        say!(
            "配置中 [release] required = false:每次运行即印发,无需签发。{year}年度的材料已在 {}。",
            dir.display()
        );
        return Ok(Exit::Success);
    }
    let req = YearRequest {
        year,
        signer: &args.by,
        number: args.number.as_deref(),
        date: args.date.unwrap_or(config.today),
    };
    match crate::run::release::release_year(config, store, &config.topics, &req)? {
        YearOutcome::Unchanged(last) => say!(
            "{year}年度已于 {} 由 {} 签发第 {} 版,此后结果没有变动,无需重新签发。",
            last.date,
            last.signer,
            last.version
        ),
        YearOutcome::Issued(record, files) => {
            let label = format!("{year}年度考核");
            say!(
                "{}",
                issued(
                    &label,
                    record.version,
                    &record.signer,
                    record.date,
                    record.number.as_deref()
                )
            );
            say!(
                "签发文件在 {}(共 {} 个),公示已放入 {}。",
                dir.join(crate::render::issued_folder(record.version)).display(),
                files.len(),
                config.paths.public.join(year.to_string()).display()
            );
        }
    }
    deliver(config, store, &format!("{year}年度"))
}

/// `2026年9月 第 2 版(更正)已签发:签发人 …,日期 …,文号 …。`
fn issued(label: &str, version: u32, signer: &str, date: NaiveDate, number: Option<&str>) -> String {
    let mark = if version > 1 { "(更正)" } else { "" };
    let number = number.map(|n| format!(",文号 {n}")).unwrap_or_default();
    format!("{label} 第 {version} 版{mark}已签发:签发人 {signer},日期 {date}{number}。")
}

fn date_arg(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| "日期应写作 2026-10-15".to_string())
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<Exit> {
    let Some(_lock) = lock_or_say(config)? else {
        return Ok(Exit::Locked);
    };
    let Some(mut store) = crate::cmd::open_store(config)? else {
        return Ok(Exit::Locked);
    };
    let period = match args.period {
        Target::Period(p) => p,
        Target::Year(year) => return release_year(config, &mut store, args, year),
    };
    if !config.release.required {
        say!(
            "配置中 [release] required = false:每次运行即印发,无需签发。{} 的材料已在 {}。",
            period.label_zh(),
            config.paths.period_dir(period).display()
        );
        return Ok(Exit::Success);
    }
    let req = Request {
        period,
        signer: &args.by,
        number: args.number.as_deref(),
        date: args.date.unwrap_or(config.today),
    };
    let label = period.label_zh();
    match crate::run::release::release(config, &mut store, &config.topics, &req)? {
        Outcome::Unchanged(last) => {
            say!(
                "{label} 已于 {} 由 {} 签发第 {} 版,此后结果没有变动,无需重新签发。",
                last.date,
                last.signer,
                last.version
            );
        }
        Outcome::Issued(record, files) => {
            say!(
                "{}",
                issued(
                    &label,
                    record.version,
                    &record.signer,
                    record.date,
                    record.number.as_deref()
                )
            );
            let dir = config
                .paths
                .period_dir(period)
                .join(crate::render::issued_folder(record.version));
            say!(
                "签发文件在 {}(共 {} 个),公示已放入 {}。",
                dir.display(),
                files.len(),
                config.paths.public.display()
            );
        }
    }
    deliver(config, &store, &label)
}

/// Delivers what is due after a release; says what could not be delivered.
fn deliver(config: &Config, store: &crate::store::Store, label: &str) -> anyhow::Result<Exit> {
    let mut failed = crate::notice::write_due(config, store)?;
    let mut delivered = crate::deliver::deliver(config, store)?;
    delivered.failed.splice(0..0, failed.drain(..));
    let failed = crate::cmd::print_delivered(config, &delivered);
    if failed {
        crate::cmd::complain(&format!(
            "{label} 已签发;只是上面的投递未完成,下次运行 run 或 deliver(或再次 release)时会重试"
        ));
    }
    Ok(if failed { Exit::Failed } else { Exit::Success })
}
