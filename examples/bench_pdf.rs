//! The PDF reports of one period timed one at a time, each alone on the machine (not a test):
//! `report` writes them side by side, so its log's times include the others'. Computes the
//! period's results from the database of CONFIG, then renders the city report and the first
//! enterprise report REPS times each into a scratch folder and prints the best and the median
//! time of each, with its size.
//!
//! Usage: bench_pdf CONFIG PERIOD [REPS]   (REPS default 7)

use std::time::Instant;

use utility_eval::render::Renderer;
use utility_eval::render::report::{CityReport, EnterpriseReports};

/// The executable's allocator, so that the times are the times `run` and `report` take.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, config, period, ..] = args.as_slice() else {
        anyhow::bail!("usage: bench_pdf CONFIG PERIOD [REPS]");
    };
    let reps: usize = args.get(3).map_or(Ok(7), |r| r.parse())?;
    let config = utility_eval::config::Config::load(std::path::Path::new(config))?;
    let period =
        utility_eval::period::Period::parse(period).ok_or_else(|| anyhow::anyhow!("所属期 {period} 无法识别"))?;
    let store = utility_eval::store::Store::open(&config.paths.database)?;
    let results = utility_eval::compute::Reporter::new(&config, &store, config.topics.clone()).compute(period)?;
    let dir = tempfile::tempdir()?;
    let issue = utility_eval::results::release::Issue::Unsigned;
    let cx = utility_eval::render::RenderContext {
        results: &results,
        detail: None,
        scheme: &config.scheme,
        wording: &config.wording,
        dir: dir.path(),
        issue: &issue,
        notice_days: config.release.notice_days,
    };
    // The enterprise reports write one file per enterprise: the time of all over their number.
    let n = results.enterprises.len().max(1);
    for (name, per, r) in [
        ("全市分析报告", 1, &CityReport as &dyn Renderer),
        ("企业分析报告(每份)", n, &EnterpriseReports),
    ] {
        let mut times = Vec::new();
        let mut files = Vec::new();
        for _ in 0..reps {
            let started = Instant::now();
            files = r.render(&cx)?;
            times.push(started.elapsed().as_secs_f64() * 1000.0 / per as f64);
        }
        times.sort_by(f64::total_cmp);
        let bytes: Vec<u64> = files
            .iter()
            .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
            .collect();
        println!(
            "{name}: best {:.1} ms, median {:.1} ms; {} file(s), largest {} bytes",
            times[0],
            times[times.len() / 2],
            files.len(),
            bytes.iter().max().unwrap_or(&0)
        );
    }
    Ok(())
}
