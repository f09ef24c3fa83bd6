#!/usr/bin/env bash
# Scoring and rendering benchmark (not a test), three shapes:
#  - one month of 1,000,000 generated responses: `report --period 2026-10` (scores,
#    analysis, improvement items, scores.json and manifest.json);
#  - one month of 200,000 responses: the time of each workbook (the detail workbook streams
#    every response) and of the PDF reports (the city's and one per enterprise);
#  - a provincial month (1,000 units, 100 enterprises): `report`, then each PDF report timed
#    alone (examples/bench_pdf: the city report, and the enterprise reports per report);
#  - 12 and 24 months of history (50,000 responses a month): `report --period 2026-10`,
#    which replays the improvement items over every month, and a `run` that recomputes every
#    month (each a step from the last). Both should grow linearly with the months.
# Prints wall time and peak memory.
#
# Usage: bench/score.sh [WORKDIR] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
n=${2:-1000000}
cargo build --release --quiet --bin utility-eval --example bench_score --example bench_pdf
bin=target/release/utility-eval
if [ ! -f "$work/one/data/utility-eval.sqlite" ]; then
  target/release/examples/bench_score "$work/one" "$n"
fi
echo "== one month, $n responses =="
for i in 1 2 3; do
  /usr/bin/time -f "report #$i: %e s, max RSS %M KB" "$bin" --config "$work/one/utility-eval.toml" report --period 2026-10 > /dev/null
done
# The workbooks of a 200,000-response month: each renderer's time (debug log) and the peak.
if [ ! -f "$work/detail/data/utility-eval.sqlite" ]; then
  target/release/examples/bench_score "$work/detail" 200000
fi
echo "== one month, 200,000 responses: the workbooks =="
for i in 1 2 3; do
  UTILITY_EVAL_LOG=debug /usr/bin/time -f "report #$i: %e s, max RSS %M KB" "$bin" --config "$work/detail/utility-eval.toml" report --period 2026-10 2>&1 > /dev/null \
    | grep -E "汇总表|明细表|退回意见|分析报告|report #" | sed 's/.*compute: //'
done
# A provincial month: 1,000 units' returns about 100 enterprises (gen_samples --bench-month):
# the city report and 100 enterprise reports.
if [ ! -f "$work/province/data/utility-eval.sqlite" ]; then
  cargo build --release --quiet --example gen_samples
  target/release/examples/gen_samples --bench-month "$work/province" > /dev/null
  "$bin" --config "$work/province/utility-eval.toml" run > /dev/null || true
fi
echo "== a month of 100 enterprises and 1,000 units: the PDF reports =="
for i in 1 2 3; do
  /usr/bin/time -f "report #$i: %e s, max RSS %M KB" "$bin" --config "$work/province/utility-eval.toml" report --period 2026-10 > /dev/null
done
# `report` writes the documents side by side: each report's own time, alone.
target/release/examples/bench_pdf "$work/province/utility-eval.toml" 2026-10 7
ls -l "$work/province/reports/2026-10/"*.pdf "$work/province/reports/2026-10/企业报告/" | awk '$5 > 0 { n++; s += $5; if ($5 > m) m = $5 } END { printf "%d PDFs, largest %d bytes, mean %d bytes\n", n, m, s / n }'
for months in 12 24; do
  dir="$work/history-$months"
  if [ ! -f "$dir/data/utility-eval.sqlite" ]; then
    target/release/examples/bench_score "$dir" 50000 --months "$months"
  fi
  echo "== $months months of history, 50,000 responses a month =="
  for i in 1 2 3; do
    /usr/bin/time -f "report --period 2026-10 #$i: %e s, max RSS %M KB" "$bin" --config "$dir/utility-eval.toml" report --period 2026-10 > /dev/null
  done
  for i in 1 2 3; do
    rm -rf "$dir/reports"
    /usr/bin/time -f "run (recomputes all $months months) #$i: %e s, max RSS %M KB" "$bin" --config "$dir/utility-eval.toml" run > /dev/null || true
  done
done
