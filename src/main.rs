//! The `utility-eval` executable: parses the command line, sets up logging, runs the
//! library and maps the outcome to an exit code (0, 3, 75, 1; SPEC §9).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::error::ErrorKind;
use utility_eval::cli::Cli;

/// Intake allocates per cell and frees on another thread; glibc's allocator spends a
/// quarter of the run on that, mimalloc a fraction of it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let parsed = utility_eval::cli::command()
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let tty = std::io::stderr().is_terminal();
    let filter = tracing_subscriber::EnvFilter::try_from_env("UTILITY_EVAL_LOG").unwrap_or_else(|_| "warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| utility_eval::journal::Tee)
        .with_ansi(tty);
    if tty {
        builder.init()
    } else {
        builder.without_time().init()
    }
    // A parser panic on a hostile file is caught and the file rejected with its message: keep
    // it out of cron's mail. Any other panic is a bug and is said so.
    std::panic::set_hook(Box::new(|info| {
        if utility_eval::intake::in_parser() {
            tracing::debug!("解析器内部错误(已捕获,文件已退回):{info}");
        } else {
            tracing::error!("程序内部错误:{info}");
        }
    }));
    match std::panic::catch_unwind(|| utility_eval::main_with(&cli)) {
        Ok(Ok(exit)) => ExitCode::from(exit.code()),
        Ok(Err(e)) => {
            eprintln!("错误:{e:#}");
            ExitCode::from(1)
        }
        Err(_) => ExitCode::from(1),
    }
}

/// A command line clap cannot take: said in Chinese (clap's own detail after it), exit 2.
/// `--help` and `--version` print as usual.
fn usage_error(e: clap::Error) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
    }
    let what = match e.kind() {
        ErrorKind::UnknownArgument => "未知的参数",
        ErrorKind::InvalidSubcommand => "未知的子命令",
        ErrorKind::MissingRequiredArgument => "缺少必需的参数",
        ErrorKind::MissingSubcommand => "缺少子命令",
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => "参数取值无效",
        ErrorKind::NoEquals | ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            "参数个数不对"
        }
        ErrorKind::ArgumentConflict => "参数相互冲突",
        _ => "命令行有误",
    };
    let detail = e.render().to_string();
    let detail = detail.lines().next().unwrap_or("").trim_start_matches("error: ");
    eprintln!("命令行有误:{what}({detail})。用 utility-eval --help 查看用法。");
    ExitCode::from(2)
}
