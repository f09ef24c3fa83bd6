#!/usr/bin/env bash
# Intake benchmark (not a test): calamine alone streaming the same cells, against
# `utility-eval ingest` (intake only) and `utility-eval run` (intake, reports, moves) end to end,
# plus a run with nothing new. Prints wall time and peak memory (max RSS) of each, and the
# ratios to calamine alone (best against best).
#
# Sets (BENCH_SETS, default all, in this order):
#   many       500 returns × 200 rows, 7 submitters over 72 months
#   big        one return × 100,000 rows
#   month      one month (2026-10), 1,000 returns × 200 rows from 1,000 units, over 100 enterprises
#   month-bad  the same month where (almost) every row names an unregistered county: the row-error
#              path (1 return in 10 is kept with one valid row, the others are rejected whole)
#   month2000  as month with 2,000 units and returns: run time should stay linear (≤ 2.1× month)
#
# Wall times on a shared machine vary by a third from run to run: compare best with best.
#
# Usage: [BENCH_SETS="month month-bad month2000"] [BENCH_REPS=3] [BENCH_PYTHON=1] bench/run.sh [WORKDIR]
#        (WORKDIR default: a fresh temporary folder; generated sets in it are reused)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
sets=${BENCH_SETS:-many big month month-bad month2000}
reps=${BENCH_REPS:-3}
mkdir -p "$work"
cargo build --release --quiet --bin utility-eval --example gen_samples --example calamine_read
bin=target/release/utility-eval

gen_args() { # set → arguments of gen_samples after the folder
  case $1 in
    many | big | month) ;;
    month-bad) echo --bad-county ;;
    month2000) echo --returns 2000 ;;
    *) echo "unknown set '$1' (many big month month-bad month2000)" >&2; return 1 ;;
  esac
}
gen_flag() { case $1 in many) echo --bench-many ;; big) echo --bench-big ;; *) echo --bench-month ;; esac; }
for set in $sets; do gen_args "$set" > /dev/null; done # fail early on a typo

secs="" # wall time of the last measure
measure() { # label, command… → "label: seconds s, max RSS MB"
  local label=$1; shift
  local log kb; log=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$log" "$@" > /dev/null || true
  read -r secs kb < <(tail -n 1 "$log")
  printf '%-44s %7.2f s  %6.1f MB\n' "$label" "$secs" "$(echo "$kb / 1024" | bc -l)"
  rm -f "$log"
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }

declare -A best_cal best_ing best_run
for set in $sets; do
  src="$work/$set"
  if [ ! -d "$src/inbox" ]; then
    read -ra extra <<< "$(gen_args "$set")"
    target/release/examples/gen_samples "$(gen_flag "$set")" "$src" "${extra[@]}" > /dev/null
  fi
  files=$(find "$src/inbox" -type f | wc -l)
  echo "== $set: $files files, $(du -sh "$src/inbox" | cut -f1) =="
  b=""
  for i in $(seq "$reps"); do
    measure "calamine alone (1 thread, cells only) #$i" target/release/examples/calamine_read "$src/inbox"
    b=$(min "$b" "$secs")
  done
  best_cal[$set]=$b
  b=""
  for i in $(seq "$reps"); do
    rm -rf "$work/run-$set"; cp -r "$src" "$work/run-$set"
    # the month sets' config already has [intake] settle_seconds = 0
    grep -q '^\[intake\]' "$work/run-$set/utility-eval.toml" ||
      printf "\n[intake]\nsettle_seconds = 0\n" >> "$work/run-$set/utility-eval.toml"
    measure "utility-eval run #$i (read→validate→store→move)" "$bin" --config "$work/run-$set/utility-eval.toml" run
    b=$(min "$b" "$secs")
  done
  best_run[$set]=$b
  rows=$(sqlite3 "$work/run-$set/data/utility-eval.sqlite" "select count(*) from response" 2>/dev/null || echo "?")
  echo "rows stored: $rows, files archived: $(find "$work/run-$set/archive" -type f 2>/dev/null | wc -l)," \
    "rejected/: $(find "$work/run-$set/rejected" -type f 2>/dev/null | wc -l) files, left in inbox: $(find "$work/run-$set/inbox" -type f | wc -l)"
  # Intake alone (no reports): the same files through `ingest`.
  b=""
  for i in $(seq "$reps"); do
    rm -rf "$work/ing-$set"; cp -r "$src" "$work/ing-$set"
    mapfile -t inputs < <(find "$work/ing-$set/inbox" -type f | sort)
    measure "utility-eval ingest (intake only) #$i" "$bin" --config "$work/ing-$set/utility-eval.toml" ingest "${inputs[@]}"
    b=$(min "$b" "$secs")
  done
  best_ing[$set]=$b
  # A run with nothing new, to the millisecond (best of 5).
  best=""
  for i in 1 2 3 4 5; do
    t0=$(date +%s%N); "$bin" --config "$work/run-$set/utility-eval.toml" run > /dev/null || true; t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 )); if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  printf '%-44s %7s ms\n' "utility-eval run, nothing new (best of 5)" "$best"
  echo "best of $reps: ingest / calamine = $(ratio "${best_ing[$set]}" "${best_cal[$set]}")," \
    "run / calamine = $(ratio "${best_run[$set]}" "${best_cal[$set]}")"
done

echo
echo "== summary (best of $reps, seconds) =="
printf '%-10s %9s %9s %9s %16s %13s\n' set calamine ingest run ingest/calamine run/calamine
for set in $sets; do
  printf '%-10s %9.2f %9.2f %9.2f %16s %13s\n' "$set" "${best_cal[$set]}" "${best_ing[$set]}" "${best_run[$set]}" \
    "$(ratio "${best_ing[$set]}" "${best_cal[$set]}")" "$(ratio "${best_run[$set]}" "${best_cal[$set]}")"
done
if [ -n "${best_run[month]:-}" ] && [ -n "${best_run[month2000]:-}" ]; then
  echo "month2000 / month (linear: ≤ 2.10): calamine $(ratio "${best_cal[month2000]}" "${best_cal[month]}")," \
    "ingest $(ratio "${best_ing[month2000]}" "${best_ing[month]}"), run $(ratio "${best_run[month2000]}" "${best_run[month]}")"
fi

# The 100-return month (the first 100 returns of `month`) against plain Python pipelines
# (pandas, python-calamine, sqlite3, XlsxWriter, reportlab), side by side, each run on a fresh
# copy in turn:
#  - bench/python_pipeline_full.py does the same job as `run` (every document, with the same
#    sections, tables and charts, the analysis, items, users, checks and the year; scores.json
#    the same bytes): the yardstick, as a plain single process (--jobs 1) and with its documents
#    written by a process per core (as `run` writes them side by side);
#  - bench/python_pipeline.py is a lean one (scores, a small summary, the detail, one-page PDFs).
# Opt in with BENCH_PYTHON=1: the packages come from PyPI once, into WORKDIR/.venv-py.
if [ "${BENCH_PYTHON:-0}" = 1 ]; then
  month="$work/month"
  [ -d "$month/inbox" ] || target/release/examples/gen_samples --bench-month "$month" > /dev/null
  small="$work/month100"
  if [ ! -d "$small/inbox" ]; then
    mkdir -p "$small/inbox"
    cp "$month/utility-eval.toml" "$small/"
    for d in $(find "$month/inbox" -mindepth 1 -maxdepth 1 -type d | sort | head -100); do cp -r "$d" "$small/inbox/"; done
  fi
  py="$work/.venv-py/bin/python"
  if [ ! -x "$py" ]; then
    python3 -m venv "$work/.venv-py"
    "$work/.venv-py/bin/pip" install -q pandas python-calamine xlsxwriter reportlab
  fi
  echo
  echo "== month100: $(find "$small/inbox" -type f | wc -l) returns, against the Python pipelines =="
  full=() one=() lean=() ours=()
  for i in $(seq "$reps"); do
    rm -rf "$work/py-100"; cp -r "$small" "$work/py-100"
    measure "python, the same job, 1 process #$i" "$py" bench/python_pipeline_full.py --jobs 1 "$work/py-100"
    one+=("$secs")
    rm -rf "$work/py-100"; cp -r "$small" "$work/py-100"
    measure "python, the same job, $(nproc) processes #$i" "$py" bench/python_pipeline_full.py "$work/py-100"
    full+=("$secs")
    rm -rf "$work/py-100"; cp -r "$small" "$work/py-100"
    measure "python pipeline, lean #$i" "$py" bench/python_pipeline.py "$work/py-100"
    lean+=("$secs")
    rm -rf "$work/run-100"; cp -r "$small" "$work/run-100"
    measure "utility-eval run #$i" "$bin" --config "$work/run-100/utility-eval.toml" run
    ours+=("$secs")
  done
  # min / median / max of each, and the ratios of the bests and of the medians.
  stats() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f %.2f %.2f\n", v[1], v[int((NR + 1) / 2)], v[NR] }'; }
  read -r smin smed smax < <(stats "${one[@]}")
  read -r fmin fmed fmax < <(stats "${full[@]}")
  read -r lmin lmed lmax < <(stats "${lean[@]}")
  read -r omin omed omax < <(stats "${ours[@]}")
  echo "min / median / max (s): same job, 1 process $smin / $smed / $smax; same job, $(nproc) processes" \
    "$fmin / $fmed / $fmax; lean $lmin / $lmed / $lmax; utility-eval $omin / $omed / $omax"
  for p in "same job, 1 process:$smin:$smed" "same job, $(nproc) processes:$fmin:$fmed" "lean:$lmin:$lmed"; do
    IFS=: read -r label pmin pmed <<< "$p"
    echo "python ($label) / utility-eval = $(ratio "$pmin" "$omin") best, $(ratio "$pmed" "$omed") median"
  done
fi
