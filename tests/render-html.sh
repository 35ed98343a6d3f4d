#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Writes an HTML report and renders it in headless Chromium, keeping the screenshot:
#   render-html.sh MACVLAN_CONFORMANCE OUT_DIR
# Exit 4 when Chromium is not installed (ci/install-deps.sh --browser installs it).
set -euo pipefail
binary=$1 out=$2
command -v chromium >/dev/null || { echo "chromium is not installed: skipping the render check"; exit 4; }
mkdir -p "$out"
"$binary" --html "$out/report.html" --filter "-Docker*" > /dev/null || [ $? -le 4 ]
profile=$(mktemp -d); trap 'rm -rf "$profile"' EXIT
rm -f "$out/report.png"
# The flags keep Chromium from reaching for the network at start-up.
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile" \
  --window-size=1400,2400 --screenshot="$out/report.png" "file://$out/report.html" >/dev/null 2>&1
size=$(stat -c %s "$out/report.png")
[ "$size" -gt 20000 ] || { echo "the screenshot is suspiciously small ($size bytes): the page did not render"; exit 1; }
echo "rendered $out/report.html -> $out/report.png ($size bytes)"

# Nothing may be wider than a 1400 px window (a non-wrapping message once made it 1864 px). The
# report has no script of its own: a copy gets one that writes the page's width into its title.
sed 's|</body>|<script>document.title = "width=" + document.documentElement.scrollWidth;</script></body>|' \
  "$out/report.html" > "$profile/measure.html"
width=$(timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile/measure" \
  --window-size=1400,2400 --dump-dom "file://$profile/measure.html" 2>/dev/null | sed -n 's|.*<title>width=\([0-9]*\)</title>.*|\1|p')
[ -n "$width" ] || { echo "could not measure the page's width"; exit 1; }
[ "$width" -le 1400 ] || { echo "the report is $width px wide: wider than a 1400 px window"; exit 1; }
echo "the report fits a 1400 px window ($width px)"
