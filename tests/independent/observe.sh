#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An independent observer of macvlan reachability (issue 13, "agrees with an independent iproute2 +
# ping observation of the same layout"). It shares nothing with the suite but the layout: for each
# NAME.VARIANT it reads what `macvlan-conformance explain --json` says the topology IS (endpoints,
# slaves with mode, nodst and source allow-list, static neighbour pairs, parent kind, external
# behaviour) and throws the rest away unread (the predicted cells and their chains); it builds that
# layout with iproute2 alone, in named namespaces of its own, and pings each ordered pair with
# iputils `ping -c 1 -W 1`, one cell at a time, in IPv4 and IPv6.
#
#   tests/independent/observe.sh [options] (NAME.VARIANT | FILE)...
#     --binary PATH   the macvlan-conformance whose `explain --json` gives the layout
#                     (default: build/macvlan-conformance of this tree)
#     --out FILE      write the observations as JSON here (default: standard output)
#     --family F      ipv4, ipv6 or both (default both)
#     --confirm       after a topology's pass, observe every blocked cell once more, again from cold
#                     caches; a cell whose two observations differ is reported "unstable"
#     --every K       observe only every K-th ordered pair of each topology and family (default 1:
#                     all); for timing a sample of a large topology such as the 64-slave one
#     --quiet         no progress lines on standard error
#     --show-layout   print what was built (ip -d link, addresses, neighbours) on standard error
#
# Exit: 0 every topology was observed (whatever it showed), 1 a topology could not be built or never
# became ready, 2 usage, 4 nothing could be observed (not root, no ping/jq/ip, or every topology
# skipped: e.g. the kernel has no 8021q or dummy link type).
#
# How a cell stays independent: before every cell the neighbour caches of its two endpoints'
# namespaces are flushed in both families (`ip neigh flush all`, which keeps the permanent entries
# the layout asks for). Neighbour entries are the only state an echo exchange leaves behind that
# can change the next exchange: macvlan keeps no per-flow state, multicast snooping is off on the
# hairpin bridge, and that bridge's forwarding database cannot change where a frame goes (its one
# port is the only way out, learned or flooded). Only the two endpoints' caches take part in an
# exchange between them (no namespace forwards: IP forwarding is off, the default), so flushing the
# other namespaces would change nothing but the cost, which would grow with the topology. So each
# cell starts cold, as a user's first ping would, and what cell A taught B (B learns A from A's ARP
# request or neighbour solicitation) is gone before cell B->A. One address per endpoint and family is enough this way; the suite instead
# gives every cell fresh addresses, so the two sides reach cold caches by different means.
#
# Addressing and settings: 198.51.100.0/24 and 2001:db8:51::/64 (documentation ranges), only on
# interfaces this script created, inside its own namespaces. IPv6 addresses are added with `nodad`:
# on a hairpin wire a slave's duplicate-address probe can come back to it, and a ready address must
# not depend on how the kernel treats its own looped probe. Neighbour retransmit times are left at
# the kernel's defaults: one `ping -W 1` waits 1 s, and a resolution that succeeds needs only the
# first solicitation, so a shorter retransmit would change nothing a cell shows.
#
# Readiness: a topology is pinged only after every link it made reports LOWER_UP and operstate UP
# (UNKNOWN for a parent without carrier handling), the hairpin bridge's port is forwarding, and no
# address it added is tentative (the kernel's own link-local addresses may still be: no cell uses
# them, and ping -6 to a global address picks the global source). It has no controls derived from
# any rule (it knows none); --confirm is its guard against a blocked-looking first observation.
#
# Cleanup: every namespace is named mvcind-<pid>-t<k>-<endpoint>; everything the script makes lives
# inside them (the veth pair is created inside the host namespace with its peer put straight into
# ext's), so deleting them deletes every link. They are deleted after each topology and by the EXIT
# trap, also on an error or Ctrl-C. A SIGKILLed run cannot clean up: the next run deletes the
# mvcind-<pid>-* namespaces whose <pid> is no longer an observe.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
binary="$here/../../build/macvlan-conformance"
out=
families=(ipv4 ipv6)
confirm=0
quiet=0
show_layout=0
every=1
names=()

usage() { sed -n '12,23p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    --out) out=${2:?--out needs a file}; shift 2 ;;
    --family)
      case "${2:-}" in ipv4|ipv6) families=("$2") ;; both) families=(ipv4 ipv6) ;;
        *) echo "observe.sh: --family takes ipv4, ipv6 or both" >&2; exit 2 ;; esac
      shift 2 ;;
    --confirm) confirm=1; shift ;;
    --every)
      [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "observe.sh: --every takes a positive whole number" >&2; exit 2; }
      every=$2; shift 2 ;;
    --quiet) quiet=1; shift ;;
    --show-layout) show_layout=1; shift ;;
    -h|--help) sed -n '3,23p' "$0"; exit 0 ;;
    -*) echo "observe.sh: unknown option '$1'" >&2; usage ;;
    *) names+=("$1"); shift ;;
  esac
done
[ ${#names[@]} -gt 0 ] || { echo "observe.sh: name at least one topology (NAME.VARIANT)" >&2; usage; }

for tool in ip bridge ping jq; do
  command -v "$tool" >/dev/null || { echo "observe.sh: skipped: '$tool' is not installed (iproute2, iputils-ping, jq)" >&2; exit 4; }
done
[ "$(id -u)" -eq 0 ] || { echo "observe.sh: skipped: needs root (ip netns add)" >&2; exit 4; }
[ -x "$binary" ] || { echo "observe.sh: $binary is not an executable (--binary)" >&2; exit 2; }

say() { [ "$quiet" = 1 ] || echo "observe.sh: $*" >&2; }
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }            # microseconds, no fork
secs() { printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)); }  # microseconds -> seconds

readonly tag="mvcind-$$"
live_ns=()  # namespaces of the topology being observed
cleanup() {
  local ns
  for ns in "${live_ns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  live_ns=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# A SIGKILLed earlier run left its namespaces pinned in /run/netns: remove those whose run is gone.
while read -r ns _; do
  [[ "$ns" =~ ^mvcind-([0-9]+)-t[0-9]+- ]] || continue
  pid=${BASH_REMATCH[1]}
  [ "$pid" = "$$" ] && continue
  if ! tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q 'observe\.sh'; then
    say "removing $ns, left by run $pid (no longer running)"
    ip netns del "$ns" 2>/dev/null || true
  fi
done < <(ip netns list 2>/dev/null)

# The layout, and only the layout: one jq pass picks the fields that describe each topology, as
# tab-separated lines; the predicted cells (.cells) are never read. The slave and neighbour lines
# keep their order, and an empty allow-list is written "-".
explain_out=$("$binary" explain --json "${names[@]}") || { echo "observe.sh: '$binary explain --json ${names[*]}' failed" >&2; exit 2; }
layout_lines=$(jq -r '.topologies | to_entries[] | .key as $k | .value |
  "T\t\($k)\t\(.topology)\t\(.variant)\t\(.parent)\t\(.external)\t\(.endpoints | join(" "))",
  (.slaves[] | "S\t\($k)\t\(.name)\t\(.kind)\t\(.mode)\t\(.nodst)\t\(if (.source_allow | length) > 0 then (.source_allow | join(" ")) else "-" end)"),
  (.static_neighbours[] | "N\t\($k)\t\(.[0])\t\(.[1])")' <<<"$explain_out")
unset explain_out
declare -a t_name t_variant t_parent t_external t_endpoints t_slaves t_statics
count=0
while IFS=$'\t' read -r what k a b c d e f; do
  case "$what" in
    T) t_name[k]=$a; t_variant[k]=$b; t_parent[k]=$c; t_external[k]=$d; t_endpoints[k]=$e
       t_slaves[k]=; t_statics[k]=; count=$((k + 1)) ;;
    S) t_slaves[k]+="$a $b $c $d ${e// /,}"$'\n' ;;
    N) t_statics[k]+="$a $b"$'\n' ;;
  esac
done <<<"$layout_lines"

# Per topology: endpoint -> namespace, interface carrying its addresses, addresses, MAC.
declare -A ns_of if_of v4_of v6_of mac_of
cell_lines=()      # topology \t variant \t family \t from \t to \t observed \t observations \t seconds \t ping exit codes \t ping seconds
topo_lines=()      # topology \t variant \t setup_s \t pass_s \t teardown_s \t cells
skip_lines=()      # topology \t variant \t reason
failed=0
started=$(now_us)

run() {  # a setup step: on failure, say which, and let the caller decide
  local err
  if ! err=$("$@" 2>&1); then
    echo "observe.sh: '$*' failed: $err" >&2
    return 1
  fi
}

mkns() {  # mkns ENDPOINT PREFIX
  local ns="$2-$1"
  run ip netns add "$ns" || return 1
  live_ns+=("$ns")
  ns_of[$1]=$ns
  run ip -n "$ns" link set lo up
}

# wait_until SECONDS WHAT COMMAND...: COMMAND until it succeeds, every 10 ms.
wait_until() {
  local deadline=$(( $(now_us) + $1 * 1000000 )) what=$2
  shift 2
  until "$@"; do
    [ "$(now_us)" -lt "$deadline" ] || { echo "observe.sh: $what" >&2; return 1; }
    sleep 0.01
  done
}
# The queries below and the MAC lookup in build() silence ip's standard error: to name a veth's
# link-netns, `ip link show` asks the kernel for the id of every namespace in /run/netns, and one
# that someone else deletes meanwhile makes rtnl_net_getid() answer "Peer netns reference is
# invalid", a harmless line on stderr. A real failure still shows: the wait times out naming the
# link, and a missing MAC stops the build.
link_ready() {  # link_ready NS IF: LOWER_UP, and operstate UP (UNKNOWN: a device without carrier handling)
  local line; line=$(ip -n "$1" -o link show dev "$2" 2>/dev/null) || return 1
  [[ "$line" == *[\<,]LOWER_UP[,\>]* ]] && [[ "$line" == *" state UP "* || "$line" == *" state UNKNOWN "* ]]
}
port_forwarding() { [[ "$(bridge -n "$1" link show dev "$2" 2>/dev/null)" == *" state forwarding "* ]]; }
no_tentative() { local out; out=$(ip -n "$1" -6 addr show scope global tentative 2>/dev/null) && [ -z "$out" ]; }

# build K PREFIX: topology K made real. Returns 3 (with $skip_reason) for a layout iproute2 or this
# kernel cannot make, 1 on any other failure.
skip_reason=
build() {
  local k=$1 prefix=$2 parent=${t_parent[$1]} external=${t_external[$1]} e name kind mode nodst allow err l
  ns_of=(); if_of=(); v4_of=(); v6_of=(); mac_of=()
  local host_links=(par) ext_links=() slaves=()
  local -a eps; read -r -a eps <<<"${t_endpoints[$k]}"
  if [ ${#eps[@]} -gt 254 ]; then
    skip_reason="${#eps[@]} endpoints do not fit this script's one /24 (198.51.100.1-254)"; return 3
  fi

  mkns host "$prefix" || return 1
  [ "$external" = none ] || mkns ext "$prefix" || return 1
  local H=${ns_of[host]} X=${ns_of[ext]:-}
  case "$parent/$external" in
    veth/plain|veth/hairpin-bridge)
      run ip -n "$H" link add par type veth peer name wire netns "$X" || return 1
      ext_links=(wire) ;;
    vlan/plain|vlan/hairpin-bridge)
      run ip -n "$H" link add trunk type veth peer name trunk netns "$X" || return 1
      if ! err=$(ip -n "$H" link add link trunk name par type vlan id 10 2>&1); then
        skip_reason="ip link add type vlan: $err"; return 3
      fi
      run ip -n "$X" link add link trunk name wire type vlan id 10 || return 1
      host_links=(trunk par); ext_links=(trunk wire) ;;
    dummy/none)
      if ! err=$(ip -n "$H" link add par type dummy 2>&1); then
        skip_reason="ip link add type dummy: $err"; return 3
      fi ;;
    *) skip_reason="parent '$parent' with external '$external' is not a layout this script builds"; return 3 ;;
  esac
  if_of[host]=par
  if [ "$external" = hairpin-bridge ]; then
    # An 802.1Qbg reflective relay: the wire's end is the only port of a bridge that sends frames
    # back out the port they came in on (hairpin); no snooping, so multicast floods like broadcast.
    run ip -n "$X" link add br0 type bridge || return 1
    run ip -n "$X" link set br0 type bridge mcast_snooping 0 || return 1
    run ip -n "$X" link set wire master br0 || return 1
    run bridge -n "$X" link set dev wire hairpin on || return 1
    ext_links+=(br0); if_of[ext]=br0
  elif [ "$external" = plain ]; then
    if_of[ext]=wire
  fi

  while read -r name kind mode nodst allow; do
    [ -n "$name" ] || continue
    slaves+=("$name")
    mkns "$name" "$prefix" || return 1
    local flag=()
    [ "$nodst" = true ] && flag=(nodst)
    if ! err=$(ip -n "$H" link add link par name mv0 netns "${ns_of[$name]}" type "$kind" mode "$mode" "${flag[@]}" 2>&1); then
      skip_reason="ip link add type $kind mode $mode ${flag[*]}: $err"; return 3
    fi
    if_of[$name]=mv0
  done <<<"${t_slaves[$k]}"

  for l in "${host_links[@]}"; do run ip -n "$H" link set "$l" up || return 1; done
  for l in "${ext_links[@]}"; do run ip -n "$X" link set "$l" up || return 1; done
  for name in "${slaves[@]}"; do run ip -n "${ns_of[$name]}" link set mv0 up || return 1; done

  # Addresses: endpoint number i (in the layout's order) is 198.51.100.i and 2001:db8:51::i.
  local n=0 line
  for e in ${t_endpoints[$k]}; do
    n=$((n + 1))
    v4_of[$e]=198.51.100.$n
    v6_of[$e]=2001:db8:51::$n
    run ip -n "${ns_of[$e]}" addr add "${v4_of[$e]}/24" dev "${if_of[$e]}" || return 1
    run ip -n "${ns_of[$e]}" -6 addr add "${v6_of[$e]}/64" dev "${if_of[$e]}" nodad || return 1
    line=$(ip -n "${ns_of[$e]}" -o link show dev "${if_of[$e]}" 2>/dev/null) || true
    [[ "$line" =~ link/ether\ ([0-9a-f:]{17}) ]] || { echo "observe.sh: no MAC on ${if_of[$e]} in ${ns_of[$e]}" >&2; return 1; }
    mac_of[$e]=${BASH_REMATCH[1]}
  done

  # Source allow-lists name endpoints: each is the MAC its frames carry (ext's is br0's under hairpin).
  while read -r name kind mode nodst allow; do
    [ -n "$name" ] && [ "$allow" != - ] || continue
    local macs=()
    for e in ${allow//,/ }; do
      [ -n "${mac_of[$e]:-}" ] || { skip_reason="slave $name lists '$e', which is no endpoint"; return 3; }
      macs+=("${mac_of[$e]}")
    done
    run ip -n "${ns_of[$name]}" link set mv0 type "$kind" macaddr set "${macs[@]}" || return 1
  done <<<"${t_slaves[$k]}"

  # Static neighbours: HOLDER knows TARGET's MAC by hand, in both families.
  local holder target
  while read -r holder target; do
    [ -n "$holder" ] || continue
    run ip -n "${ns_of[$holder]}" neigh replace "${v4_of[$target]}" lladdr "${mac_of[$target]}" dev "${if_of[$holder]}" nud permanent || return 1
    run ip -n "${ns_of[$holder]}" -6 neigh replace "${v6_of[$target]}" lladdr "${mac_of[$target]}" dev "${if_of[$holder]}" nud permanent || return 1
  done <<<"${t_statics[$k]}"

  for l in "${host_links[@]}"; do wait_until 5 "$l in $H never became ready" link_ready "$H" "$l" || return 1; done
  for l in "${ext_links[@]}"; do wait_until 5 "$l in $X never became ready" link_ready "$X" "$l" || return 1; done
  if [ "$external" = hairpin-bridge ]; then
    wait_until 5 "bridge port wire in $X never forwarded" port_forwarding "$X" wire || return 1
  fi
  for name in "${slaves[@]}"; do
    wait_until 5 "mv0 in ${ns_of[$name]} never became ready" link_ready "${ns_of[$name]}" mv0 || return 1
  done
  local ns
  for ns in "${live_ns[@]}"; do wait_until 5 "IPv6 addresses in $ns stayed tentative" no_tentative "$ns" || return 1; done
}

# observe FROM TO FAMILY: cold caches, one ping. Prints "reachable RC US", "blocked RC US" or
# "error RC US", US being the microseconds `ip netns exec ... ping` took (the flushes excluded).
observe() {
  local from=$1 to=$2 family=$3 ns rc=0 addr opt=() p0
  for ns in "${ns_of[$from]}" "${ns_of[$to]}"; do
    ip -n "$ns" neigh flush all >/dev/null 2>&1 || { echo "error flush 0"; return; }
  done
  if [ "$family" = ipv6 ]; then addr=${v6_of[$to]}; opt=(-6); else addr=${v4_of[$to]}; opt=(-4); fi
  p0=$(now_us)
  ip netns exec "${ns_of[$from]}" ping "${opt[@]}" -n -q -c 1 -W 1 "$addr" >/dev/null 2>&1 || rc=$?
  p0=$(( $(now_us) - p0 ))
  case $rc in
    0) echo "reachable $rc $p0" ;;
    1) echo "blocked $rc $p0" ;;   # iputils: no reply within -W
    *) echo "error $rc $p0" ;;     # 2: ping itself failed (no route, bad address, ...)
  esac
}

for ((k = 0; k < count; k++)); do
  topo=${t_name[k]} variant=${t_variant[k]}
  t0=$(now_us)
  skip_reason=
  rc=0
  build "$k" "$tag-t$k" || rc=$?
  if [ "$rc" -ne 0 ]; then
    cleanup
    if [ "$rc" -eq 3 ]; then
      say "$topo.$variant: skipped: $skip_reason"
      skip_lines+=("$topo"$'\t'"$variant"$'\t'"$skip_reason")
      continue
    fi
    echo "observe.sh: $topo.$variant could not be built or never became ready" >&2
    failed=1
    continue
  fi
  t1=$(now_us)
  if [ "$show_layout" = 1 ]; then
    for ns in "${live_ns[@]}"; do
      { echo "== $topo.$variant: $ns"; ip -n "$ns" -d -br link; ip -n "$ns" -d link show | grep -E 'macvlan|macvtap|hairpin|bridge'
        ip -n "$ns" -br addr; ip -n "$ns" neigh show nud permanent; bridge -n "$ns" link show 2>/dev/null; } >&2 || true
    done
  fi
  read -r -a endpoints <<<"${t_endpoints[k]}"
  declare -A first=() firstrc=() took=() pinged=()
  keys=()
  for family in "${families[@]}"; do
    pair=0
    for from in "${endpoints[@]}"; do
      for to in "${endpoints[@]}"; do
        [ "$from" = "$to" ] && continue
        pair=$((pair + 1))
        [ $(( (pair - 1) % every )) -eq 0 ] || continue
        key="$family"$'\t'"$from"$'\t'"$to"
        c0=$(now_us)
        read -r verdict prc pus < <(observe "$from" "$to" "$family")
        took[$key]=$(( $(now_us) - c0 ))
        first[$key]=$verdict; firstrc[$key]=$prc; pinged[$key]=$pus
        keys+=("$key")
      done
    done
  done
  t2=$(now_us)
  for key in "${keys[@]}"; do
    verdict=${first[$key]} observations=${first[$key]} rcs=${firstrc[$key]}
    if [ "$confirm" = 1 ] && [ "$verdict" = blocked ]; then
      IFS=$'\t' read -r family from to <<<"$key"
      read -r again arc _ < <(observe "$from" "$to" "$family")
      observations+=",$again"; rcs+=",$arc"
      [ "$again" = "$verdict" ] || verdict=unstable
    fi
    cell_lines+=("$topo"$'\t'"$variant"$'\t'"$key"$'\t'"$verdict"$'\t'"$observations"$'\t'"$(secs "${took[$key]}")"$'\t'"$rcs"$'\t'"$(secs "${pinged[$key]}")")
  done
  t3=$(now_us)
  cleanup
  t4=$(now_us)
  topo_lines+=("$topo"$'\t'"$variant"$'\t'"$(secs $((t1 - t0)))"$'\t'"$(secs $((t2 - t1)))"$'\t'"$(secs $((t4 - t3)))"$'\t'"${#keys[@]}")
  say "$topo.$variant: ${#keys[@]} cells, setup $(secs $((t1 - t0))) s, cells $(secs $((t2 - t1))) s"
  unset first firstrc took pinged
done
finished=$(now_us)

json=$(jq -n \
  --arg kernel "$(uname -r)" --arg iproute2 "$(ip -V)" --arg ping "$(ping -V | head -1)" \
  --arg wall "$(secs $((finished - started)))" --argjson confirm "$confirm" --argjson every "$every" \
  --rawfile cells <(printf '%s\n' "${cell_lines[@]}") \
  --rawfile topos <(printf '%s\n' "${topo_lines[@]}") \
  --rawfile skips <(printf '%s\n' "${skip_lines[@]}") '
  def rows($s): $s | split("\n") | map(select(length > 0) | split("\t"));
  {
    format: "macvlan-conformance/independent/1",
    observer: "iproute2 + iputils ping -c 1 -W 1, one cell at a time",
    cold_caches: "ip neigh flush all in the namespaces of both endpoints before each cell (permanent entries stay)",
    every: $every,
    kernel: $kernel, iproute2: $iproute2, ping: $ping,
    confirm_blocked: ($confirm == 1),
    wall_s: ($wall | tonumber),
    topologies: [rows($topos)[] | {topology: .[0], variant: .[1], setup_s: (.[2] | tonumber), cells_s: (.[3] | tonumber), teardown_s: (.[4] | tonumber), cells: (.[5] | tonumber)}],
    skipped: [rows($skips)[] | {topology: .[0], variant: .[1], reason: .[2]}],
    cells: [rows($cells)[] | {topology: .[0], variant: .[1], family: .[2], from: .[3], to: .[4], observed: .[5],
                             observations: (.[6] | split(",")), seconds: (.[7] | tonumber),
                             ping_exit: (.[8] | split(",") | map(tonumber? // .)), ping_s: (.[9] | tonumber)}]
  }')
if [ -n "$out" ]; then printf '%s\n' "$json" >"$out"; else printf '%s\n' "$json"; fi

[ "$failed" = 0 ] || exit 1
[ ${#topo_lines[@]} -gt 0 ] || { echo "observe.sh: skipped: no topology could be built here" >&2; exit 4; }
exit 0
