#!/usr/bin/env bash
# Regenerate the whole sample inbox, including the samples that only LibreOffice can write.
#
#   scripts/convert_samples.sh [SAMPLES_DIR]        (default: samples/ of this repository)
#
# 1. `gen_samples SAMPLES_DIR` rewrites every file it owns (xlsx, csv, the bad files) and
#    expected.json — byte-identical on every run. Run alone, it leaves the converted files alone.
# 2. `gen_samples --convert-sources TMP` writes the xlsx sources of the converted samples
#    (.xls, .ods, .xlsm) plus TMP/convert.tsv ("<relative xlsx path><TAB><target extension>").
# 3. LibreOffice (soffice --headless --convert-to) converts each source; the result replaces
#    SAMPLES_DIR/<same folder>/<same name>.<ext>. Converted bytes are NOT reproducible
#    (LibreOffice stamps dates); their cell contents are. Commit them as they are.
#
# LibreOffice cannot write .xlsb (no export filter), so there is no .xlsb sample.
# Needs: cargo, soffice (Debian: apt-get install -y libreoffice-calc-nogui).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
samples="$(mkdir -p "${1:-$root/samples}" && cd "${1:-$root/samples}" && pwd)"

if ! command -v soffice >/dev/null 2>&1; then
    echo "error: soffice not found; install LibreOffice Calc (apt-get install -y libreoffice-calc-nogui)" >&2
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$root"
cargo build --quiet --release --example gen_samples
gen="$root/target/release/examples/gen_samples"
"$gen" "$samples"
"$gen" --convert-sources "$tmp/src"

# A private LibreOffice profile: no clash with a running office, no first-start dialogs.
profile="file://$tmp/lo-profile"
count=0
while IFS=$'\t' read -r src ext; do
    [ -n "$src" ] || continue
    case "$ext" in
        xls) filter="xls:MS Excel 97" ;;
        ods) filter="ods:calc8" ;;
        xlsm) filter="xlsm:Calc MS Excel 2007 VBA XML" ;;
        *) echo "error: no LibreOffice filter for .$ext" >&2; exit 1 ;;
    esac
    reldir="$(dirname "$src")"
    base="$(basename "$src" .xlsx)"
    mkdir -p "$tmp/out/$reldir" "$samples/$reldir"
    soffice -env:UserInstallation="$profile" --headless --norestore \
        --convert-to "$filter" --outdir "$tmp/out/$reldir" "$tmp/src/$src" >/dev/null 2>&1 || true
    if [ ! -s "$tmp/out/$reldir/$base.$ext" ]; then
        echo "error: LibreOffice did not convert $src to .$ext" >&2
        exit 1
    fi
    mv -f "$tmp/out/$reldir/$base.$ext" "$samples/$reldir/$base.$ext"
    echo "converted $reldir/$base.$ext"
    count=$((count + 1))
done < "$tmp/src/convert.tsv"
echo "done: $count converted samples in $samples"
