#!/usr/bin/env bash
# Looks at a fixture the way a person would: draws it with `parley replay FILE --html`,
# opens the page in headless Chromium (Debian's package, installed if missing) with the
# network shut off, and saves a screenshot of the whole diagram.
#
#   bash Benchmarks/screenshot.sh fixtures/store-failure-seed11.json /tmp/store-failure.png
#   bash Benchmarks/screenshot.sh fixtures/shell/parked-withdrawn-at-stop-seed37.json /tmp/shell.png
#   bash Benchmarks/screenshot.sh /tmp/page.html /tmp/page.png     # a page already drawn
#
# PARLEY=path/to/parley picks the binary (default: a debug build, made if missing). A page
# of a planted core fixture (its break highlighted) comes from the tests:
#   PARLEY_DIAGRAM_DIR=/tmp swift test --filter SequenceDiagramTests
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 FIXTURE.json|PAGE.html OUT.png" >&2; exit 2; }
cd "$(dirname "$0")/.."
INPUT=$1 OUT=$2
WORK=$(mktemp -d /tmp/parley-screenshot.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi

if [[ $INPUT == *.html ]]; then
    PAGE=$INPUT
else
    PARLEY=${PARLEY:-.build/debug/parley}
    [ -x "$PARLEY" ] || swift build --product parley
    PAGE=$WORK/page.html
    # A failing replay exits 1 and still draws its page.
    "$PARLEY" replay --quiet "$INPUT" --html "$PAGE" || [ $? -eq 1 ]
fi

# The window is the diagram's own size (its <svg> carries it), plus the header above it.
size=$(grep -o '<svg width="[0-9]*" height="[0-9]*" role="img"' "$PAGE" | head -1 | grep -o '[0-9]\+' | tr '\n' ' ')
read -r width height <<< "${size:-1400 900}"
width=$((width + 40)) height=$((height + 260))
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --proxy-server=127.0.0.1:9 --host-resolver-rules="MAP * ~NOTFOUND" \
    --window-size="$width,$height" --screenshot="$(realpath -m "$OUT")" "file://$(realpath "$PAGE")" \
    2> "$WORK/chromium.err" || { cat "$WORK/chromium.err" >&2; exit 1; }
echo "wrote $OUT (${width}×${height})"
