//! Renderers, the last stage: each turns one period's [`PeriodResults`] into files in the
//! period's folder. They share that one input and nothing else: no renderer queries the
//! database or recomputes a score. Every file is written atomically, and the same results
//! give the same bytes (no wall-clock time inside).

pub mod json;

use std::path::{Path, PathBuf};

use crate::results::PeriodResults;

/// A renderer of period results.
pub trait Renderer {
    /// What it makes, for logs.
    fn name(&self) -> &'static str;
    /// Writes its files into `dir`; returns their paths.
    fn render(&self, results: &PeriodResults, dir: &Path) -> std::io::Result<Vec<PathBuf>>;
}

/// The renderers of a period, in the order they run.
pub fn renderers() -> Vec<Box<dyn Renderer>> {
    vec![Box::new(json::ScoresJson)]
}
