//! Benchmark baseline: calamine alone streaming every cell of every worksheet of the
//! workbooks in a folder (recursively), single-threaded, doing nothing with them but
//! counting. `bench/run.sh` compares `utility-eval run` on the same files against this.
//!
//! Usage: cargo run --release --example calamine_read -- DIR

use std::path::{Path, PathBuf};

use calamine::{DataRef, Reader, Xlsx};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("readable folder").flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "xlsx") {
            out.push(p);
        }
    }
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: calamine_read DIR"));
    let mut list = Vec::new();
    files(&dir, &mut list);
    list.sort();
    let start = std::time::Instant::now();
    let (mut cells, mut text_bytes) = (0u64, 0u64);
    for path in &list {
        let mut wb: Xlsx<_> = calamine::open_workbook(path).expect("a valid workbook");
        for name in wb.sheet_names() {
            let mut reader = wb.worksheet_cells_reader(&name).expect("a worksheet");
            while let Some(cell) = reader.next_cell().expect("readable cells") {
                cells += 1;
                if let DataRef::String(s) = cell.get_value() {
                    text_bytes += s.len() as u64;
                } else if let DataRef::SharedString(s) = cell.get_value() {
                    text_bytes += s.len() as u64;
                }
            }
        }
    }
    println!(
        "calamine alone: {} files, {cells} cells, {text_bytes} bytes of text in {:.3} s",
        list.len(),
        start.elapsed().as_secs_f64()
    );
}
