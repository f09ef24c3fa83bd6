#!/usr/bin/env bash
# Scoring benchmark (not a test): one month of 1,000,000 generated responses in the
# database, then `utility-eval report --period 2026-10` (scores, analysis, improvement
# items, scores.json and manifest.json). Prints wall time and peak memory.
#
# Usage: bench/score.sh [WORKDIR] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
n=${2:-1000000}
cargo build --release --quiet --bin utility-eval --example bench_score
if [ ! -f "$work/data/utility-eval.sqlite" ]; then
  target/release/examples/bench_score "$work" "$n"
fi
for i in 1 2 3; do
  /usr/bin/time -f "report #$i: %e s, max RSS %M KB" target/release/utility-eval --config "$work/utility-eval.toml" report --period 2026-10 > /dev/null
done
ls -l "$work/reports/2026-10/"
