#!/usr/bin/env bash
# Installs the Debian packages this project builds and tests with. Idempotent: packages that are
# already present are left alone, and apt is not even consulted when nothing is missing.
#
#   ci/install-deps.sh            build + test dependencies, and what the suites need at run time
#   ci/install-deps.sh --docker   also the Docker engine (docker.io), for the Docker suite
#   ci/install-deps.sh --qemu     also qemu and busybox for ci/kernel-run, and Debian's kernel
#                                 unpacked into /var/cache/macvlan-conformance/kernel
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
  libarchive-dev                      # the Docker suite's test image: its one-layer tar archive
  openssh-client                      # --remote: the run reaches a remote peer with ssh
  openssh-server iputils-ping         # the --remote tests: a real sshd in a namespace plays the remote host
  # The Docker suite's one-file test image (2 MB; it provides `busybox`, which it replaces). Here and
  # not only with --docker: on a machine that already runs Docker, the main command
  # (ci/run-conformance.sh) must bring what the suite needs, or its container tests only skip.
  busybox-static
)

want_kernel=0
for arg in "$@"; do
  case "$arg" in
    --docker) packages+=(docker.io) ;;
    --qemu) packages+=(qemu-system-x86 busybox-static cpio xz-utils zstd kmod); want_kernel=1 ;;
    --browser) packages+=(chromium) ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (valid: --docker --qemu --browser)" >&2; exit 2 ;;
  esac
done

want_kernel=${want_kernel:-0}
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
  # openssh-server would start a machine-wide sshd on port 22; the tests start their own, inside a
  # namespace. A policy-rc.d that refuses (exit 101) keeps the package from starting any service,
  # and is removed again unless the machine already had one.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    made_policy=1
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
  fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ "$made_policy" = 1 ]; then "${sudo[@]}" rm -f "$policy"; trap - EXIT; fi
  # The package also enables sshd for the next boot; the tests need only the binary.
  if [[ " ${missing[*]} " == *" openssh-server "* ]]; then
    if [ -d /run/systemd/system ]; then "${sudo[@]}" systemctl disable --quiet ssh.service ssh.socket 2>/dev/null || true
    else "${sudo[@]}" update-rc.d ssh disable >/dev/null 2>&1 || true; fi
  fi
fi

# Debian's own kernel for ci/kernel-run: unpacked, not installed. Installing linux-image-amd64 would
# build an initramfs nobody uses (minutes on two cores) and change the machine's boot entries; the
# unpacked image and modules (with depmod's index) are all the runner needs.
kernel_dir=${MVC_KERNEL_DIR:-/var/cache/macvlan-conformance/kernel}
if [ "$want_kernel" = 1 ] && ! ls "$kernel_dir"/boot/vmlinuz-* >/dev/null 2>&1; then
  image=$(apt-cache depends --important linux-image-amd64 | awk '/Depends:/ {print $2; exit}')
  [ -n "$image" ] || { echo "install-deps.sh: cannot tell which kernel package linux-image-amd64 stands for" >&2; exit 1; }
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  chmod 755 "$work"  # apt-get download writes as the _apt user
  (cd "$work" && apt-get download -qq "$image")
  "${sudo[@]}" mkdir -p "$kernel_dir"
  "${sudo[@]}" dpkg-deb -x "$work"/*.deb "$kernel_dir"
  version=$(basename "$(ls "$kernel_dir"/boot/vmlinuz-* | sort -V | tail -n 1)"); version=${version#vmlinuz-}
  "${sudo[@]}" depmod -b "$kernel_dir" "$version"
  echo "install-deps.sh: unpacked $image into $kernel_dir"
fi
