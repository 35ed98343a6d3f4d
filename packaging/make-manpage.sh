#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Generates macvlan-conformance(1) from the built binary's --help, so the man page cannot fall
# behind the options. help2man does the conversion; the include file adds what --help has no room
# for (a longer description, files, examples, see also).
#
#   packaging/make-manpage.sh BINARY VERSION CHANGELOG INCLUDE OUTPUT.1.gz
#
# help2man files everything after "Options:" under OPTIONS, with the footer's "Heading:" blocks as
# subsections. Those blocks (Subcommands, Test names, Exit codes) are sections of their own in a
# man page, so each becomes one; "Exit codes ..." becomes the conventional EXIT STATUS.
# Reproducible: the date is the newest changelog entry's (SOURCE_DATE_EPOCH), gzip -9n.
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 BINARY VERSION CHANGELOG INCLUDE OUTPUT.1.gz" >&2; exit 2; }
binary=$1 version=$2 changelog=$3 include=$4 output=$5

trailer=$(sed -n 's/^ -- .*>  \(.*\)$/\1/p' "$changelog" | head -n 1)
[ -n "$trailer" ] || { echo "make-manpage.sh: no ' -- NAME <EMAIL>  DATE' line in $changelog" >&2; exit 1; }
SOURCE_DATE_EPOCH=$(date -d "$trailer" +%s)
export SOURCE_DATE_EPOCH

roff=$(mktemp)
trap 'rm -f "$roff"' EXIT
# LC_ALL=C: the help text is read as the binary prints it, whatever the builder's locale.
LC_ALL=C "${HELP2MAN:-help2man}" --no-info --section=1 --version-string="$version" \
  --name="conformance suite and test harness for Linux macvlan" \
  --include="$include" --output="$roff" "$binary"

# .SS "Heading:" after OPTIONS -> .SH "HEADING"; "Exit codes (...):" -> EXIT STATUS, keeping the
# heading's own words as the section's first line.
awk '
  /^\.SH / { in_options = ($0 == ".SH OPTIONS") }
  in_options && /^\.SS "/ {
    title = $0; sub(/^\.SS "/, "", title); sub(/:?"$/, "", title)
    if (title ~ /^Exit codes/) { print ".SH \"EXIT STATUS\""; print title ":"; next }
    print ".SH \"" toupper(title) "\""; next
  }
  { print }' "$roff" | gzip -9n >"$output.tmp"
mv "$output.tmp" "$output"
