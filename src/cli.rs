//! The command line: clap-derived arguments, one subcommand per file under `cmd/`.

use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, CommandFactory, Parser, Subcommand};

use crate::cmd;

#[derive(Debug, Parser)]
#[command(name = "utility-eval", version, about = "供水供气企业服务满意度评价:接收报表、入库、计分、出具报告", long_about = None)]
pub struct Cli {
    /// 配置文件;未指定时读环境变量 UTILITY_EVAL_CONFIG(为空视同未设),再不然用 ./utility-eval.toml
    #[arg(long, global = true, value_name = "文件")]
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
    /// 审核签发某一所属期:印发正式文件、公示并投递(未签发前只有送审稿,只发给审核领导)
    Release(cmd::release::Args),
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
/// the help and version flags, no `help` subcommand (`-h` after any command), and each
/// usage line with clap's `[OPTIONS]` as `[选项]`.
pub fn command() -> clap::Command {
    let mut c = localize(Cli::command(), true);
    c.build();
    let top = chinese_usage(&mut c);
    let subs: Vec<(String, String)> = c
        .get_subcommands_mut()
        .map(|s| (s.get_name().to_string(), chinese_usage(s)))
        .collect();
    let mut c = c.override_usage(top);
    for (name, usage) in subs {
        c = c.mut_subcommand(name, |s| s.override_usage(usage));
    }
    c
}

/// A built command's usage line, without its title, with `[选项]` for `[OPTIONS]`.
fn chinese_usage(c: &mut clap::Command) -> String {
    let usage = c.render_usage().to_string();
    let usage = usage.trim().strip_prefix("Usage:").unwrap_or(&usage).trim();
    usage.replace("[OPTIONS]", "[选项]")
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

/// A command line clap could not take, said in Chinese and naming the argument, the value
/// and what was expected, then where the help is (`utility-eval sample -h`, the subcommand
/// taken from `argv` when clap's error does not say it). `None` for `--help` and
/// `--version`, which clap prints itself.
pub fn usage_message(e: &clap::Error, argv: &[std::ffi::OsString]) -> Option<String> {
    let strings = |kind: ContextKind| match e.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
        Some(ContextValue::StyledStrs(v)) => v.iter().map(|s| s.to_string()).collect(),
        _ => Vec::new(),
    };
    let one = |kind: ContextKind| strings(kind).into_iter().next().unwrap_or_default();
    let arg = || arg_zh(&one(ContextKind::InvalidArg));
    let list = |v: Vec<String>| v.iter().map(|s| format!("“{s}”")).collect::<Vec<_>>().join("、");
    let mut said = match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            return None;
        }
        ErrorKind::MissingRequiredArgument => {
            let missing: Vec<String> = strings(ContextKind::InvalidArg).iter().map(|a| arg_zh(a)).collect();
            format!("缺少必需的参数:{}", missing.join(";"))
        }
        ErrorKind::MissingSubcommand => "缺少子命令".to_string(),
        ErrorKind::InvalidSubcommand => {
            let mut m = format!("未知的子命令“{}”", one(ContextKind::InvalidSubcommand));
            let suggested = strings(ContextKind::SuggestedSubcommand);
            if !suggested.is_empty() {
                m += &format!("(您是否指{}?)", list(suggested));
            }
            m
        }
        ErrorKind::UnknownArgument => {
            let mut m = format!("未知的参数“{}”", one(ContextKind::InvalidArg));
            let suggested = strings(ContextKind::SuggestedArg);
            if !suggested.is_empty() {
                m += &format!("(您是否指{}?)", list(suggested));
            }
            m
        }
        ErrorKind::InvalidValue => {
            let value = one(ContextKind::InvalidValue);
            let valid = strings(ContextKind::ValidValue);
            if value.is_empty() {
                format!("参数 {} 缺少取值", arg())
            } else if valid.is_empty() {
                format!("参数 {} 的取值“{value}”无效", arg())
            } else {
                format!("参数 {} 的取值“{value}”无效,可选:{}", arg(), valid.join("、"))
            }
        }
        ErrorKind::ValueValidation => {
            let value = one(ContextKind::InvalidValue);
            // Our own value parsers say what was expected in Chinese; clap's built-in ones in
            // English, which is left out.
            let why = std::error::Error::source(e)
                .map(|s| s.to_string())
                .filter(|s| !s.is_ascii())
                .map(|s| format!(":{s}"))
                .unwrap_or_default();
            format!("参数 {} 的取值“{value}”无效{why}", arg())
        }
        ErrorKind::ArgumentConflict => {
            let others: Vec<String> = strings(ContextKind::PriorArg).iter().map(|a| arg_zh(a)).collect();
            if others.is_empty() {
                format!("参数 {} 不能与其他参数同时使用", arg())
            } else {
                format!("参数 {} 不能与 {} 同时使用", arg(), others.join("、"))
            }
        }
        ErrorKind::NoEquals | ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("参数 {} 的取值个数不对", arg())
        }
        ErrorKind::InvalidUtf8 => "命令行中有无法识别的字符(不是 UTF-8 编码)".to_string(),
        _ => "命令行无法识别".to_string(),
    };
    said = crate::text::printable(&said).into_owned();
    Some(format!("命令行有误:{said}。用 {} -h 查看用法。", command_path(e, argv)))
}

/// A required group as clap shows it, `<--per-enterprise <人数>|--margin <误差>>`, in words.
fn arg_zh(arg: &str) -> String {
    match arg.strip_prefix('<').and_then(|a| a.strip_suffix('>')) {
        Some(inner) if inner.starts_with('-') && inner.contains('|') => {
            format!("{}(二选一)", inner.split('|').collect::<Vec<_>>().join(" 或 "))
        }
        _ => arg.to_string(),
    }
}

/// The command the error is about (`utility-eval sample`): from the usage clap attached,
/// else the first word of the command line that names a subcommand.
fn command_path(e: &clap::Error, argv: &[std::ffi::OsString]) -> String {
    let usage = match e.get(ContextKind::Usage) {
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        _ => String::new(),
    };
    let usage = usage.trim();
    let usage = usage.strip_prefix("Usage:").unwrap_or(usage);
    let words: Vec<&str> = usage
        .split_whitespace()
        .take_while(|w| !w.starts_with(['[', '<', '-']))
        .collect();
    if !words.is_empty() {
        return words.join(" ");
    }
    let top = Cli::command();
    let sub = argv.iter().skip(1).find_map(|a| {
        let a = a.to_str()?;
        top.get_subcommands()
            .find(|s| s.get_name() == a && !s.is_hide_set())
            .map(|s| s.get_name().to_string())
    });
    match sub {
        Some(sub) => format!("utility-eval {sub}"),
        None => "utility-eval".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        super::command().debug_assert();
    }

    #[test]
    fn a_required_group_is_said_in_words() {
        assert_eq!(
            super::arg_zh("<--per-enterprise <人数>|--margin <误差>>"),
            "--per-enterprise <人数> 或 --margin <误差>(二选一)"
        );
        assert_eq!(super::arg_zh("--quarter <季度>"), "--quarter <季度>");
        assert_eq!(super::arg_zh("<目录>"), "<目录>");
    }
}
