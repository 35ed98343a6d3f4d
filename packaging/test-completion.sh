#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Drives the bash completion as bash would (COMP_WORDS/COMP_CWORD, then the function) and checks
# what it offers against the built binary's --help.
#
#   packaging/test-completion.sh BINARY COMPLETION_FILE
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BINARY COMPLETION_FILE" >&2; exit 2; }
binary=$1
# shellcheck source=macvlan-conformance.bash
source "$2"

failures=0
# expect WORDS... : EXPECTED...: completing the last word offers exactly EXPECTED (sorted).
expect() {
    local words=() expected=()
    while [ $# -gt 0 ] && [ "$1" != ":" ]; do words+=("$1"); shift; done
    shift
    expected=("$@")
    COMP_WORDS=("$binary" "${words[@]}")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _macvlan_conformance
    local got want
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' ')
    want=$(printf '%s\n' "${expected[@]}" | sort | paste -sd ' ')
    if [ "$got" = "$want" ]; then
        echo "ok: '${words[*]}' -> $got"
    else
        echo "FAIL: '${words[*]}': offered '$got', expected '$want'"
        failures=$((failures + 1))
    fi
}

expect --mo : --mode
expect --mode '' : bridge vepa private passthru source
expect --family ipv : ipv4 ipv6
expect --variant hair : hairpin hairpin-static
expect --junit r.xml --variant '' : plain hairpin hairpin-static vlan dummy
expect --inject-fault '' : arp-ignore delay:MS loss:N
expect --repeat '' :
expect '' : restore env explain merge bench
expect --mode vepa e : env explain
expect env -- : --help --json
expect merge --t : --text
expect restore --h : --help
expect bench --q : --quick
expect bench --path '' : macvlan-bridge macvlan-ext macvtap-ext ipvlan-l2 veth-bridge veth
expect bench --path macvlan-b : macvlan-bridge
expect bench --d : --duration-ms
expect bench --repetitions '' :

# Every flag of --help is offered after "--".
COMP_WORDS=("$binary" --) COMP_CWORD=1
_macvlan_conformance
offered=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
listed=$("$binary" --help | grep -oE -- '^  (-[a-z],)?--[a-z][a-z0-9-]*' | sed 's/^ *\(-[a-z],\)\{0,1\}//' | sort)
if [ "$offered" = "$listed" ] && [ "$(wc -l <<<"$listed")" -gt 20 ]; then
    echo "ok: all $(wc -l <<<"$listed") flags of --help are offered"
else
    echo "FAIL: the flags offered differ from --help:"; diff <(echo "$listed") <(echo "$offered")
    failures=$((failures + 1))
fi

[ "$failures" -eq 0 ] || { echo "$failures completion check(s) failed"; exit 1; }
