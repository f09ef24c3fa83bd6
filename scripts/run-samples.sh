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
# leader signs each period off, which issues it, publishes it to public/ and delivers it.
for dir in "$out"/reports/*/; do
  [ -f "$dir/scores.json" ] || continue
  period=$(basename "$dir")
  echo
  echo "== 签发 $period =="
  "$bin" --config "$out/utility-eval.toml" release --period "$period" --by 王局长
done
echo
"$bin" --config "$out/utility-eval.toml" status
echo
echo "退出码 $code(0 全部接收;3 有文件或行被退回,见 $out/rejected/)"
echo "结果:$out/reports/<所属期>/(明细表、退回意见/、scores.json;签发/第N版/ 为签发的汇总表、全市分析报告、企业报告/、公示/) $out/public/(公示,可整个放到网站) $out/archive/(已接收) $out/rejected/(退回及错误说明) $out/data/utility-eval.sqlite(数据库)"
[ "$code" -eq 0 ] || [ "$code" -eq 3 ]
