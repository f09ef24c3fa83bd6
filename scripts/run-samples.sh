#!/usr/bin/env bash
# The main job on the committed samples: copies samples/ to demo/ (the committed files
# are never moved or changed), builds, and runs `utility-eval run` there with the
# embedded SQLite database, signs each period off (`release`, as the leader would), then
# shows the status of each period.
#
# Usage: scripts/run-samples.sh [DIR]     (default: ./demo, replaced on each call)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-demo}
# Cargo says where it put the program (CARGO_TARGET_DIR, a build target, a profile setting):
# its JSON messages on stdout name the executable; its progress stays on stderr.
echo "构建 utility-eval(release)……" >&2
messages=$(cargo build --release --message-format=json-render-diagnostics)
bin=$(printf '%s\n' "$messages" | grep '"reason":"compiler-artifact"' | grep '"executable":"' |
  sed -n 's/.*"executable":"\([^"]*\/utility-eval\)".*/\1/p' | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "错误:cargo 没有报告 utility-eval 可执行文件的位置(${bin:-无})" >&2
  exit 1
fi
rm -rf "$out"
cp -r samples "$out"
# The copies are new files; let them count as settled (a run leaves files changed in the
# last minute for the next run, as they may still be arriving).
find "$out/inbox" -type f -exec touch -d '10 minutes ago' {} +
set +e
"$bin" --config "$out/utility-eval.toml" run
code=$?
set -e
# Review and sign-off: the run wrote drafts (【送审稿】, in the reviewers' outbox only); the
# leader signs each period off, which issues it, publishes it to public/ and delivers it with
# each enterprise's ledger (整改台账). A month is signed about two weeks after it ends, a
# quarter three weeks: the sample ledger below was filled against those dates.
release_date() {
  case $1 in
    *Q*) date -d "${1%Q*}-$(printf %02d $((${1#*Q} * 3)))-01 +1 month +21 days" +%F ;;
    *) date -d "$1-01 +1 month +13 days" +%F ;;
  esac
}
for dir in "$out"/reports/*/; do
  [ -f "$dir/scores.json" ] || continue
  period=$(basename "$dir")
  # Months and quarters are signed off here; the year (reports/2026/) is written as a draft.
  case $period in *-* | *Q*) ;; *) continue ;; esac
  echo
  echo "== 签发 $period($(release_date "$period"))=="
  "$bin" --config "$out/utility-eval.toml" release --period "$period" --by 王局长 --date "$(release_date "$period")"
done
# The rectification loop: on 2026-10-28 天门市第一供水有限公司 sends back the ledger it got with
# the quarter (samples/after-release/), filled: cases called back in time and late, one put
# right, one appealed. The day is pinned so that the deadlines fall as they did for its clerk.
export UTILITY_EVAL_TODAY=2026-10-28
cp -r samples/after-release/. "$out/inbox/"
find "$out/inbox" -type f -exec touch -d '10 minutes ago' {} +
echo
echo "== 企业报回整改台账($UTILITY_EVAL_TODAY)=="
"$bin" --config "$out/utility-eval.toml" run || true
echo
"$bin" --config "$out/utility-eval.toml" status
echo
echo "退出码 $code(0 全部接收;3 有文件或行被退回,见 $out/rejected/)"
echo "结果:$out/reports/<所属期>/(明细表、退回意见/、scores.json;签发/第N版/ 为签发的汇总表、全市分析报告、企业报告/、公示/) $out/public/(公示,可整个放到网站) $out/archive/(已接收) $out/rejected/(退回及错误说明) $out/data/utility-eval.sqlite(数据库)"
[ "$code" -eq 0 ] || [ "$code" -eq 3 ]
