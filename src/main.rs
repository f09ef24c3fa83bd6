use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use utility_eval::cli::Cli;

/// Intake allocates per cell and frees on another thread; glibc's allocator spends a
/// quarter of the run on that, mimalloc a fraction of it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let tty = std::io::stderr().is_terminal();
    let filter = tracing_subscriber::EnvFilter::try_from_env("UTILITY_EVAL_LOG").unwrap_or_else(|_| "warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(tty);
    if tty {
        builder.init()
    } else {
        builder.without_time().init()
    }
    // A parser panic is caught and the file rejected with its message; keep stderr quiet.
    std::panic::set_hook(Box::new(|info| tracing::debug!("已捕获的内部错误:{info}")));
    match utility_eval::main_with(&cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) => {
            eprintln!("错误:{e:#}");
            ExitCode::from(1)
        }
    }
}
