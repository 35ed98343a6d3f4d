#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks that macvlan-conformance(1) renders with man(1) and says what --help says: every long
# option of the program and of each subcommand, every subcommand, every exit code, and no long
# option that --help does not have (a stale example in the include file).
#
#   packaging/check-manpage.sh PAGE BINARY
#
# PAGE is a file (rendered with `man -l`) or a page name looked up the way a user would (`man
# macvlan-conformance`). Exit 0 when all holds, 1 with the differences, 4 when man(1) is missing.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 PAGE BINARY" >&2; exit 2; }
page=$1 binary=$2
command -v man >/dev/null || { echo "check-manpage.sh: man(1) is not installed (Debian package man-db)" >&2; exit 4; }

# LC_ALL=C renders \- as a plain '-'; no hyphenation or justification, so no option is split
# across lines; a wide page keeps each option with its description.
render=(env LC_ALL=C MANWIDTH=200 MANPAGER=cat PAGER=cat man --nh --nj --warnings)
if [[ "$page" == */* ]]; then render+=(-l "$page"); else render+=("$page"); fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! "${render[@]}" >"$work/page" 2>"$work/warnings" || [ -s "$work/warnings" ]; then
  echo "check-manpage.sh: '${render[*]}' failed or warned:" >&2
  cat "$work/warnings" >&2
  exit 1
fi
sed -i 's/.\x08//g' "$work/page"  # overstrike bold/underline, should man keep it
[ "$(wc -l <"$work/page")" -gt 20 ] || { echo "check-manpage.sh: the rendered page is nearly empty" >&2; exit 1; }

problems=0
problem() { echo "  $*"; problems=$((problems + 1)); }

"$binary" --help >"$work/help"
# The subcommands: the entries of the "Subcommands:" block (up to the next "Heading:" line),
# including those --help lists after a blank line in the footer (merge).
awk '/^Subcommands:/ { on = 1; next } on && /^[^ ].*:$/ { exit } on && /^  [a-z]/ { print $1 }' "$work/help" >"$work/subcommands"
[ -s "$work/subcommands" ] || problem "--help lists no subcommands under 'Subcommands:'"
cp "$work/help" "$work/all-help"
while read -r sub; do
  "$binary" "$sub" --help >>"$work/all-help" || problem "'$sub --help' failed"
done <"$work/subcommands"

long_options() { grep -o -- '--[a-z][a-z0-9-]*[a-z0-9]' "$1" | sort -u; }
long_options "$work/all-help" >"$work/help-options"
long_options "$work/page" >"$work/page-options"
while read -r opt; do problem "$opt is in --help but not in the man page"; done < <(comm -23 "$work/help-options" "$work/page-options")
while read -r opt; do problem "$opt is in the man page but in no --help"; done < <(comm -13 "$work/help-options" "$work/page-options")

# One section's text: from its heading (at the left margin) to the next heading.
section() { awk -v h="$1" '/^[A-Z]/ { on = ($0 == h); next } on' "$work/page"; }
for heading in NAME SYNOPSIS DESCRIPTION OPTIONS SUBCOMMANDS "EXIT STATUS" FILES; do
  grep -qx "$heading" "$work/page" || problem "no $heading section"
done
section SUBCOMMANDS >"$work/subcommands-section"
while read -r sub; do
  grep -Eq "^ +$sub( |$)" "$work/subcommands-section" || problem "subcommand '$sub' is not an entry of SUBCOMMANDS"
done <"$work/subcommands"

# Exit codes: each "  N  meaning" line of --help is an entry of EXIT STATUS with the same words.
section "EXIT STATUS" | tr -s ' \n' ' ' >"$work/exit-section"
awk '/^Exit codes/ { on = 1; next } on && /^[^ ]/ { exit } on && /^  [0-9]+  / { print }' "$work/help" >"$work/exit-codes"
[ -s "$work/exit-codes" ] || problem "--help lists no exit codes under 'Exit codes'"
while read -r code meaning; do
  grep -qF " $code $meaning" "$work/exit-section" || problem "exit code $code ($meaning) is not in EXIT STATUS"
done <"$work/exit-codes"

if [ "$problems" -gt 0 ]; then
  echo "check-manpage.sh: $problems difference(s) between the man page ($page) and --help ($binary)" >&2
  exit 1
fi
echo "check-manpage.sh: $page renders and matches --help: $(wc -l <"$work/help-options") long options," \
  "$(wc -l <"$work/subcommands") subcommands ($(paste -sd, "$work/subcommands")), $(wc -l <"$work/exit-codes") exit codes"
