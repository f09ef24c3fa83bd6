#!/usr/bin/env bash
# Intake benchmark (not a test): `utility-eval run` end to end against calamine alone
# streaming the same cells, on 500 returns × 200 rows and on one return × 100,000 rows,
# plus a run with nothing new. Prints wall time and peak memory (max RSS) of each.
#
# Wall times on a shared machine vary by a third from run to run: compare best with best.
#
# Usage: bench/run.sh [WORKDIR]     (default: a fresh temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cargo build --release --quiet --bin utility-eval --example gen_samples --example calamine_read
bin=target/release/utility-eval

measure() { # label, command… → "label: seconds s, max RSS MB"
  local label=$1; shift
  local log; log=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$log" "$@" > /dev/null || true
  read -r secs kb < "$log"
  printf '%-44s %7.2f s  %6.1f MB\n' "$label" "$secs" "$(echo "$kb / 1024" | bc -l)"
  rm -f "$log"
}

for set in many big; do
  src="$work/$set"
  if [ ! -d "$src/inbox" ]; then
    target/release/examples/gen_samples "--bench-$set" "$src" > /dev/null
  fi
  files=$(find "$src/inbox" -type f | wc -l)
  echo "== $set: $files files, $(du -sh "$src/inbox" | cut -f1) =="
  for i in 1 2 3; do
    measure "calamine alone (1 thread, cells only) #$i" target/release/examples/calamine_read "$src/inbox"
  done
  for i in 1 2 3; do
    rm -rf "$work/run-$set"; cp -r "$src" "$work/run-$set"
    printf "\n[intake]\nsettle_seconds = 0\n" >> "$work/run-$set/utility-eval.toml"
    measure "utility-eval run #$i (read→validate→store→move)" "$bin" --config "$work/run-$set/utility-eval.toml" run
  done
  rows=$(sqlite3 "$work/run-$set/data/utility-eval.sqlite" "select count(*) from response" 2>/dev/null || echo "?")
  echo "rows stored: $rows"
  # Intake alone (no reports): the same files through `ingest`.
  for i in 1 2 3; do
    rm -rf "$work/ing-$set"; cp -r "$src" "$work/ing-$set"
    mapfile -t inputs < <(find "$work/ing-$set/inbox" -type f | sort)
    measure "utility-eval ingest (intake only) #$i" "$bin" --config "$work/ing-$set/utility-eval.toml" ingest "${inputs[@]}"
  done
  # A run with nothing new, to the millisecond (best of 5).
  best=""
  for i in 1 2 3 4 5; do
    t0=$(date +%s%N); "$bin" --config "$work/run-$set/utility-eval.toml" run > /dev/null; t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 )); if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  printf '%-44s %7s ms\n' "utility-eval run, nothing new (best of 5)" "$best"
done
