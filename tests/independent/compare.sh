#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The suite against an independent observation of the same layouts (issue 13): runs
# macvlan-conformance on the named topologies, runs tests/independent/observe.sh on the same ones,
# and lists every cell where the independent observation differs from the suite's observation, and
# every cell where it differs from the suite's expectation (derived from fixtures/rules/delivery.json).
#
#   tests/independent/compare.sh [options] (NAME.VARIANT... | --mixed | --named | --per-mode)
#     --binary PATH    macvlan-conformance (default: build/macvlan-conformance of this tree)
#     --family F       ipv4, ipv6 or both (default both)
#     --out DIR        keep suite.json, independent.json and comparison.json here (default: a
#                      temporary folder, removed at exit)
#     --mixed          every mixed.<a>_<b> topology of fixtures/topologies/reachability.json, each
#                      on each of its variants
#     --named          every named layout (neither a per-mode nor a mixed topology), each variant
#     --per-mode       the per-mode topologies (bridge, vepa, private, passthru, source), each variant
#     --no-confirm     do not observe blocked cells a second time (observe.sh --confirm is the default)
#
# Exit: 0 the two agree on every cell (and the observation meets every expectation), 1 any
# difference or a cell only one side has, 2 usage, 4 skipped (not root; no ping, jq or ip; or
# nothing could be built here).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
binary="$here/../../build/macvlan-conformance"
topologies_file="$here/../../fixtures/topologies/reachability.json"
family=both
out=
confirm=(--confirm)
names=()
groups=()

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    --family) family=${2:?--family needs ipv4, ipv6 or both}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --mixed|--named|--per-mode) groups+=("${1#--}"); shift ;;
    --no-confirm) confirm=(); shift ;;
    -h|--help) sed -n '3,21p' "$0"; exit 0 ;;
    -*) echo "compare.sh: unknown option '$1'" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
case "$family" in ipv4|ipv6|both) ;; *) echo "compare.sh: --family takes ipv4, ipv6 or both" >&2; exit 2 ;; esac

for tool in ip bridge ping jq; do
  command -v "$tool" >/dev/null || { echo "compare.sh: skipped: '$tool' is not installed (iproute2, iputils-ping, jq)" >&2; exit 4; }
done
[ "$(id -u)" -eq 0 ] || { echo "compare.sh: skipped: needs root (observe.sh uses ip netns add)" >&2; exit 4; }
[ -x "$binary" ] || { echo "compare.sh: $binary is not an executable (--binary)" >&2; exit 2; }

# Groups are read from the shipped topology file: names and variants only.
for g in "${groups[@]}"; do
  case "$g" in
    mixed) sel='select(.name | startswith("mixed."))' ;;
    per-mode) sel='select(.name | IN("bridge", "vepa", "private", "passthru", "source"))' ;;
    named) sel='select((.name | startswith("mixed.") | not) and (.name | IN("bridge", "vepa", "private", "passthru", "source") | not))' ;;
  esac
  mapfile -t -O "${#names[@]}" names < <(jq -r ".topologies[] | $sel | .name as \$n | .variants[] | \"\(\$n).\(.)\"" "$topologies_file")
done
[ ${#names[@]} -gt 0 ] || { echo "compare.sh: name topologies (NAME.VARIANT) or a group (--mixed, --named, --per-mode)" >&2; exit 2; }

if [ -n "$out" ]; then
  mkdir -p "$out"
else
  out=$(mktemp -d /tmp/mvc-compare.XXXXXX)
  trap 'rm -rf "$out"' EXIT
fi

# The suite: one run over every named topology. Its test names write a variant's '-' as '_'.
filters=()
for n in "${names[@]}"; do
  topo=${n%.*} variant=${n##*.}
  filters+=(--filter "reachability.$topo.${variant//-/_}.*")
done
family_flag=()
[ "$family" = both ] || family_flag=(--family "$family")
suite_rc=0
"$binary" "${filters[@]}" "${family_flag[@]}" --json "$out/suite.json" >"$out/suite.log" 2>&1 || suite_rc=$?
[ -s "$out/suite.json" ] || { echo "compare.sh: the suite wrote no JSON (exit $suite_rc):" >&2; tail -20 "$out/suite.log" >&2; exit 1; }
echo "compare.sh: suite: exit $suite_rc, $(jq '[.cells[] | select(.observed != null)] | length' "$out/suite.json") cells observed"

obs_rc=0
"$here/observe.sh" --binary "$binary" --family "$family" "${confirm[@]}" --out "$out/independent.json" "${names[@]}" || obs_rc=$?
case $obs_rc in
  0) ;;
  4) echo "compare.sh: skipped: the independent observer could observe nothing here" >&2; exit 4 ;;
  *) [ -s "$out/independent.json" ] || { echo "compare.sh: observe.sh failed (exit $obs_rc)" >&2; exit 1; } ;;
esac

# Joined on topology, variant, family, from, to. A cell the suite skipped (observed null) is
# compared only if the independent side observed it, and then counts as missing on the suite's side.
jq -n --slurpfile s "$out/suite.json" --slurpfile i "$out/independent.json" '
  def key: "\(.topology).\(.variant).\(.family).\(.from)_to_\(.to)";
  ($s[0].cells | map(select(.topology != null)) | map({key: key, value: .}) | from_entries) as $suite
  | ($i[0].cells | map({key: key, value: .}) | from_entries) as $indep
  | ($i[0].skipped | map("\(.topology).\(.variant)")) as $indep_skipped
  | [$indep | to_entries[] | .value as $c | $suite[.key] as $t | {
        cell: .key, independent: $c.observed, observations: $c.observations,
        suite_observed: ($t.observed // null), expected: ($t.expected // null), suite_verdict: ($t.verdict // null)}] as $rows
  | {
      format: "macvlan-conformance/independent-comparison/1",
      cells: ($rows | length),
      agree_all: ($rows | map(select(.independent == .suite_observed and .independent == .expected)) | length),
      independent_vs_suite_observed: ($rows | map(select(.suite_observed != null and .independent != .suite_observed))),
      independent_vs_expected: ($rows | map(select(.expected != null and .independent != .expected))),
      unstable: ($rows | map(select(.independent == "unstable" or .independent == "error"))),
      only_independent: ($rows | map(select(.suite_observed == null)) | map(.cell)),
      only_suite: ([$suite | to_entries[] | select(.value.observed != null)
                    | select(.key as $k | ($indep | has($k)) | not)
                    | select((.value.topology + "." + .value.variant) as $t | $indep_skipped | index($t) | not)
                    | .key]),
      independent_skipped: $i[0].skipped,
      by_family: ($rows | group_by(.cell | split(".") | .[-2]) | map({family: (.[0].cell | split(".") | .[-2]), cells: length}))
    }' >"$out/comparison.json"

jq -r '
  "compare.sh: \(.cells) cells observed independently; \(.agree_all) agree with both the suite'"'"'s observation and its expectation",
  "  independent != suite observed: \(.independent_vs_suite_observed | length)",
  (.independent_vs_suite_observed[] | "    \(.cell): independent \(.independent) \(.observations), suite observed \(.suite_observed)"),
  "  independent != expected:       \(.independent_vs_expected | length)",
  (.independent_vs_expected[] | "    \(.cell): independent \(.independent) \(.observations), expected \(.expected)"),
  "  unstable or error:             \(.unstable | length)",
  (.unstable[] | "    \(.cell): \(.observations)"),
  "  only in the independent run:   \(.only_independent | length)",
  (.only_independent[] | "    \(.)"),
  "  only in the suite run:         \(.only_suite | length)",
  (.only_suite[] | "    \(.)"),
  (.independent_skipped[] | "  independent skip: \(.topology).\(.variant): \(.reason)")
' "$out/comparison.json"

jq -e '(.independent_vs_suite_observed + .independent_vs_expected + .unstable + .only_independent + .only_suite | length) == 0
       and .cells > 0' "$out/comparison.json" >/dev/null || exit 1
