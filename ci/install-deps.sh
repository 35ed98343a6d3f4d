#!/usr/bin/env bash
# Installs the Debian packages this project builds and tests with. Idempotent: packages that are
# already present are left alone, and apt is not even consulted when nothing is missing.
#
#   ci/install-deps.sh            build + test dependencies
#   ci/install-deps.sh --docker   also the Docker engine (docker.io) for the Docker suite
#   ci/install-deps.sh --qemu     also qemu, Debian's kernel and busybox for ci/kernel-run
#   ci/install-deps.sh --browser  also chromium, for the HTML report's render check
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libnl-3-dev libnl-route-3-dev       # all link/address/neighbour work goes through libnl-route-3
  nlohmann-json3-dev                  # expectations, configs, JSON report
  libtinyxml2-dev                     # JUnit XML
  libcli11-dev                        # command line: flag validation, --help, usage errors
  libboost-dev libboost-filesystem-dev  # Boost.Process (needs Boost.Filesystem), for external programs only
  libxml2-utils                       # xmllint: the tests validate JUnit against both XSDs
  libpcap-dev                         # --pcap-dir writes captures tcpdump and wireshark read
)

for arg in "$@"; do
  case "$arg" in
    --docker) packages+=(docker.io) ;;
    --qemu) packages+=(qemu-system-x86 linux-image-amd64 busybox-static cpio) ;;
    --browser) packages+=(chromium) ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (valid: --docker --qemu --browser)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
