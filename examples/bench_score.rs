//! Benchmark input for scoring: a deployment whose database holds N generated responses a
//! month (default 1,000,000) for K months ending 2026-10 (default 1), spread over the sample
//! registry's units and enterprises, written through the store's own API. `bench/score.sh`
//! then times `report --period` and a `run` that recomputes every month.
//!
//! Usage: cargo run --release --example bench_score -- DIR [N] [--months K]

use std::path::PathBuf;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use utility_eval::config::Config;
use utility_eval::period::{Period, ReturnKind};
use utility_eval::store::{Ending, Receipt, Store};
use utility_eval::validate::{Response, ReturnMeta};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_score DIR [N] [--months K]";
    let dir = PathBuf::from(args.first().expect(usage));
    let months: usize = match args.iter().position(|a| a == "--months") {
        Some(i) => args.get(i + 1).and_then(|k| k.parse().ok()).expect(usage),
        None => 1,
    };
    let n: usize = args
        .get(1)
        .filter(|a| !a.starts_with("--"))
        .map(|s| s.parse().expect("a number"))
        .unwrap_or(1_000_000);
    std::fs::create_dir_all(&dir).expect("a writable folder");
    let config_path = dir.join("utility-eval.toml");
    std::fs::write(&config_path, include_str!("../samples/utility-eval.toml")).expect("config written");
    let config = Config::load(&config_path).expect("the sample registry");
    let mut store = Store::open(&config.paths.database).expect("a database");
    let mut rng = ChaCha8Rng::seed_from_u64(1_000_000);
    let mut period = Period::Month { year: 2026, month: 10 };
    let mut periods = vec![period];
    for _ in 1..months {
        period = period.previous();
        periods.push(period);
    }
    periods.reverse();
    let submitters: Vec<(String, String)> = config
        .units
        .iter()
        .filter(|u| u.role == utility_eval::config::Role::County)
        .map(|u| (u.code.clone(), u.name.clone()))
        .chain(config.enterprises.iter().map(|e| (e.code.clone(), e.name.clone())))
        .collect();
    let grades = ["非常满意", "满意", "满意", "一般", "不满意", "非常不满意"];
    let complaints = [
        "收费太高,还要交押金",
        "办理太慢,等了半个月",
        "热线打不通",
        "水压不稳",
        "",
        "",
        "",
        "",
        "",
        "",
    ];
    let per = n / submitters.len();
    for &period in &periods {
        for (s, (code, name)) in submitters.iter().enumerate() {
            let meta = ReturnMeta {
                submitter_code: code.clone(),
                submitter_name: name.clone(),
                kind: ReturnKind::Monthly,
                period,
                survey_name: None,
            };
            let sha = format!("bench-{period}-{s}");
            let receipt = Receipt {
                sha256: &sha,
                original_name: "bench.xlsx",
                source: std::path::Path::new("bench.xlsx"),
                size: 0,
                received_at: "2026-11-01 00:00:00",
            };
            let mut open = store.begin_return(&receipt, &meta).expect("begin");
            let count = if s + 1 == submitters.len() { n - per * s } else { per };
            let mut batch = Vec::with_capacity(10_000);
            for i in 0..count {
                let e = &config.enterprises[rng.random_range(0..config.enterprises.len())];
                let mut answers = utility_eval::results::Answers::with_capacity(config.scheme.items.len());
                for item in &config.scheme.items {
                    if rng.random_bool(0.03) {
                        continue; // blank
                    }
                    let a = match item.kind {
                        utility_eval::scheme::ItemKind::YesNo => {
                            if rng.random_bool(0.85) == (item.favourable.as_deref() == Some("是")) {
                                "是"
                            } else {
                                "否"
                            }
                        }
                        utility_eval::scheme::ItemKind::FiveLevel => grades[rng.random_range(0..grades.len())],
                    };
                    answers.push(&item.id, a);
                }
                let opinion = complaints[rng.random_range(0..complaints.len())];
                batch.push(Response {
                    row: i as u32 + 7,
                    survey_date: Some(period.first_day()),
                    method: Some("问卷"),
                    user_name: format!("用户{s}-{i}"),
                    user_type: Some(["企事业单位", "工商业用户", "工矿企业", "居民用户"][i % 4]),
                    usage_nature: None,
                    monthly_usage: None,
                    phone: Some(format!("139{:08}", s * 10_000_000 + i)),
                    enterprise: e.code.clone(),
                    utility: e.utility.label(),
                    county: e.county.clone(),
                    opinion: (!opinion.is_empty()).then(|| opinion.to_string()),
                    suggestion: None,
                    answers,
                });
                if batch.len() == batch.capacity() {
                    store.add_rows(&mut open, &batch).expect("rows");
                    batch.clear();
                }
            }
            store.add_rows(&mut open, &batch).expect("rows");
            let end = Ending {
                format: Some("xlsx"),
                issues: &[],
                reason: None,
                notes: "",
                warnings: "",
                stored_path: "bench.xlsx",
                sheet: Some("调查问卷"),
                not_reached: &[],
            };
            store.commit_return(open, &end).expect("commit");
        }
    }
    println!(
        "{n} responses a month for {} months ending {} in {}",
        periods.len(),
        periods[periods.len() - 1],
        config.paths.database.display()
    );
}
