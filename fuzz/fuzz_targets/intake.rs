//! Reads arbitrary bytes as a received return, the way a run reads a file from the inbox:
//! sniffing the format, reading the workbook, finding its shape and checking every row. Any
//! input must end in a checked return or a refusal; a panic or a hang is a finding.
//!
//! `cargo +nightly fuzz run intake fuzz/corpus/intake` (seed the corpus with the samples:
//! `cp samples/inbox/*/* fuzz/corpus/intake/`). The first byte picks the file's extension,
//! since intake trusts the content, not the name, but reports the name.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use utility_eval::config::Config;
use utility_eval::validate::{Hint, check_file};

const EXTENSIONS: [&str; 5] = ["xlsx", "xls", "ods", "xlsm", "csv"];

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let text = include_str!("../../samples/utility-eval.toml");
        let mut c = Config::from_str(
            text,
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/utility-eval.toml")),
        )
        .expect("the samples' config");
        // xls and ods are read in a child process of the program; the fuzzer reads them in
        // the child's place only when told where the program is.
        if let Some(exe) = std::env::var_os("UTILITY_EVAL_BIN") {
            c.limits.worker_exe = Some(exe.into());
        }
        c
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir
        .path()
        .join(format!("return.{}", EXTENSIONS[pick as usize % EXTENSIONS.len()]));
    std::fs::write(&path, bytes).expect("the file written");
    let _ = check_file(config(), &path, &Hint::default());
});
