#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Truth under loss (issue 16): the per-mode plain and hairpin reachability matrices (bridge, vepa,
# private, passthru, source: 216 cells), RUNS times each at 10%,
# 30% and 60% random frame loss on every parent's wire (--inject-fault loss:N), and per rate the
# wrong verdicts (cells that failed: must be 0) and the share of inconclusive cells. The README's
# table ("Truth under loss") is this script's output.
#
#   ci/loss-truth.sh [RUNS [RATE...]]    RUNS per rate (default 100); rates (default 10 30 60)
# MVC_BINARY picks the binary (default build/macvlan-conformance); MVC_LOSS_REPORTS=DIR keeps each
# rate's JSON report there as loss-RATE.json.
source "$(dirname "$0")/lib.sh"
as_root "$0" "$@"
runs=${1:-100}; shift || true
rates=("$@"); [ ${#rates[@]} -gt 0 ] || rates=(10 30 60)
[[ "$runs" =~ ^[0-9]+$ ]] || { echo "loss-truth.sh: RUNS is a whole number, not '$runs'" >&2; exit 2; }
binary=${MVC_BINARY:-$build_dir/macvlan-conformance}
[ -x "$binary" ] || build
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
printf '| loss | runs | cells judged | wrong verdicts | inconclusive | share inconclusive | frames dropped | seconds |\n'
printf '|---|---|---|---|---|---|---|---|\n'
wrong_total=0
for rate in "${rates[@]}"; do
  start=$(date +%s)
  # Exit 1 is expected when a cell is inconclusive; the report says which.
  "$binary" --inject-fault "loss:$rate" --variant plain --variant hairpin --repeat "$runs" --json "$out/r.json" \
    --filter 'reachability.bridge.*' --filter 'reachability.vepa.*' --filter 'reachability.private.*' \
    --filter 'reachability.passthru.*' --filter 'reachability.source.*' >"$out/console.txt" 2>&1 || true
  seconds=$(( $(date +%s) - start ))
  [ -s "$out/r.json" ] || { echo "loss-truth.sh: no report at $rate%:" >&2; tail -20 "$out/console.txt" >&2; exit 1; }
  read -r cells wrong inconclusive dropped < <(jq -r '[([.cells[] | select(.verdict != "skip")] | length),
      ([.cells[] | select(.verdict == "fail")] | length), ([.cells[] | select(.verdict == "inconclusive")] | length),
      .properties.injected_loss_frames_dropped] | @tsv' "$out/r.json")
  share=$(awk -v i="$inconclusive" -v c="$cells" 'BEGIN { printf "%.2f%%", c ? 100 * i / c : 0 }')
  printf '| %s%% | %s | %s | %s | %s | %s | %s | %s |\n' "$rate" "$runs" "$cells" "$wrong" "$inconclusive" "$share" "$dropped" "$seconds"
  if [ "$wrong" -gt 0 ]; then
    jq -r '.cells[] | select(.verdict == "fail") | "  wrong: \(.name): \(.failure)"' "$out/r.json" | head -20 >&2
  fi
  if [ -n "${MVC_LOSS_REPORTS:-}" ]; then cp "$out/r.json" "$MVC_LOSS_REPORTS/loss-$rate.json"; cp "$out/console.txt" "$MVC_LOSS_REPORTS/loss-$rate.txt"; fi
  wrong_total=$((wrong_total + wrong))
done
[ "$wrong_total" -eq 0 ]
