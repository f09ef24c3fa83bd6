//! The command line: clap-derived arguments, one subcommand per file under `cmd/`.

use std::path::PathBuf;

use clap::{Arg, ArgAction, CommandFactory, Parser, Subcommand};

use crate::cmd;

#[derive(Debug, Parser)]
#[command(name = "utility-eval", version, about = "供水供气企业服务满意度评价:接收报表、入库、计分、出具报告", long_about = None)]
pub struct Cli {
    /// 配置文件;未指定时读环境变量 UTILITY_EVAL_CONFIG(为空视同未设),再不然用 ./utility-eval.toml
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 定时任务入口:加锁,处理收件箱,重算受影响的所属期,输出摘要
    Run(cmd::run::Args),
    /// 重新计算并输出某一所属期的结果
    Report(cmd::report::Args),
    /// 接收指定的报表文件(与收件箱中的文件同样处理)
    Ingest(cmd::ingest::Args),
    /// 只检查报表、不入库不移动(供县市单位报送前自查)
    Check(cmd::check::Args),
    /// 生成空白报表模板
    Template(cmd::template::Args),
    /// 在一个目录中生成可直接使用的部署(配置、目录、模板)
    Init(cmd::init::Args),
    /// 各单位、企业的报表接收、退回和缺报情况
    Status(cmd::status::Args),
    /// 季度抽查:从样本名单中抽取回访用户,记录抽样,生成季度抽查回访表
    Sample(cmd::sample::Args),
    /// 投递应发的材料:放入发件箱,配置了邮件服务器时同时发送邮件(run 的最后一步也会做)
    Deliver(cmd::deliver::Args),
    /// (internal) parse an xls/ods file in a memory-limited child process.
    #[command(name = "parse-worker", hide = true)]
    ParseWorker(cmd::worker::Args),
}

impl Cli {
    /// The config file to use: `--config`, else `UTILITY_EVAL_CONFIG`, else `./utility-eval.toml`.
    /// An empty `UTILITY_EVAL_CONFIG=` counts as unset.
    pub fn config_path(&self) -> PathBuf {
        let from_env = || std::env::var_os("UTILITY_EVAL_CONFIG").filter(|v| !v.is_empty());
        self.config
            .clone()
            .or_else(|| from_env().map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("utility-eval.toml"))
    }
}

/// How help is laid out, with Chinese headings.
const HELP: &str = "{about-with-newline}\n用法:{usage}\n\n{all-args}{after-help}";

/// The command line with its help in Chinese (the subcommand names stay English): headings,
/// the help and version flags, no `help` subcommand (`-h` after any command).
pub fn command() -> clap::Command {
    localize(Cli::command(), true)
}

fn localize(c: clap::Command, top: bool) -> clap::Command {
    let mut c = c
        .help_template(HELP)
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .mut_args(|a| {
            let heading = if a.is_positional() { "参数" } else { "选项" };
            // Possible values are listed in each help text, in Chinese.
            let a = if a.get_action().takes_values() {
                a.hide_possible_values(true)
            } else {
                a
            };
            a.help_heading(heading)
        })
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("显示本帮助")
                .help_heading("选项"),
        );
    if top {
        c = c.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本")
                .help_heading("选项"),
        );
    }
    c.mut_subcommands(|s| localize(s, false))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        super::command().debug_assert();
    }
}
