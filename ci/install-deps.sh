#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages this project builds and tests with. Idempotent: packages that are
# already present are left alone, and apt is not even consulted when nothing is missing.
#
#   ci/install-deps.sh            build + test dependencies, and what the suites need at run time
#   ci/install-deps.sh --docker   also the Docker engine (docker.io), for DockerMacvlan.*
#   ci/install-deps.sh --podman   also Podman with netavark, bookworm's default network backend
#                                 (and aardvark-dns, its DNS), for PodmanMacvlan.*
#   ci/install-deps.sh --cni      also the CNI plugins (containernetworking-plugins: macvlan,
#                                 host-local), for Cni*
#   ci/install-deps.sh --lava     also LAVA's schema code (lava-common) and the Python modules
#                                 lava-dispatcher imports, for ci/lava/ (check.py, run-local.sh)
#   ci/install-deps.sh --qemu     also qemu and busybox for ci/kernel-run, and Debian's kernel
#                                 unpacked into /var/cache/macvlan-conformance/kernel
#   ci/install-deps.sh --kernels  --qemu, and also Debian 12's cloud and rt kernels and Debian 13's,
#                                 each unpacked into its own /var/cache/macvlan-conformance/kernel-NAME
#   ci/install-deps.sh --browser  also chromium, for the HTML report's render check
#   ci/install-deps.sh --package  also what the Debian package needs (ci/package.sh): help2man for
#                                 the man page, dpkg-dev and file for cpack, lintian, man-db
#   ci/install-deps.sh --fuzz     also clang and its libFuzzer runtime, for the fuzz targets (ci/fuzz.sh)
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libnl-3-dev libnl-route-3-dev       # all link/address/neighbour work goes through libnl-route-3
  libnl-genl-3-dev                    # team runners and options: the team driver takes them only over generic netlink
  nlohmann-json3-dev                  # expectations, configs, JSON report
  libtinyxml2-dev                     # JUnit XML
  libcli11-dev                        # command line: flag validation, --help, usage errors
  libboost-dev libboost-filesystem-dev  # Boost.Process (needs Boost.Filesystem), for external programs only
  libxml2-utils                       # xmllint: the tests validate JUnit against both XSDs
  libpcap-dev                         # --pcap-dir writes captures tcpdump and wireshark read
  libnftables-dev                     # --inject-fault loss:N drops frames on the wire with nftables
  libarchive-dev                      # the Docker suite's test image: its one-layer tar archive
  openssh-client                      # --remote: the run reaches a remote peer with ssh
  openssh-server iputils-ping         # the --remote tests: a real sshd in a namespace plays the remote host
  jq                                  # tests/independent: the ping observer reads `explain --json` with it
  # The Docker suite's one-file test image (2 MB; it provides `busybox`, which it replaces). Here and
  # not only with --docker: on a machine that already runs Docker, the main command
  # (ci/run-conformance.sh) must bring what the suite needs, or its container tests only skip.
  busybox-static
)

want_kernel=0
for arg in "$@"; do
  case "$arg" in
    --docker) packages+=(docker.io) ;;
    # Named explicitly: with --no-install-recommends, podman's container-network-stack could be
    # satisfied by the CNI plugins instead, and bookworm's podman would then use the CNI backend.
    --podman) packages+=(podman netavark aardvark-dns) ;;
    --cni) packages+=(containernetworking-plugins) ;;
    # lava-dispatcher itself is unpacked by ci/lava/run-local.sh, not installed: its dependencies
    # (systemd, udev, mdadm, grub, libguestfs ...) would reshape the machine.
    --lava) packages+=(lava-common python3-yaml python3-pexpect python3-jinja2 python3-requests python3-configobj
                       python3-magic python3-netifaces python3-pyudev python3-setproctitle python3-tz python3-aiohttp) ;;
    # squashfs-tools: the read-only root image for kernels without 9p (cloud kernels)
    --qemu) packages+=(qemu-system-x86 busybox-static cpio xz-utils zstd kmod squashfs-tools); want_kernel=1 ;;
    --kernels) packages+=(qemu-system-x86 busybox-static cpio xz-utils zstd kmod squashfs-tools); want_kernel=2 ;;
    --browser) packages+=(chromium) ;;
    --package) packages+=(help2man dpkg-dev file lintian man-db) ;;  # dpkg-shlibdeps and file(1): cpack -G DEB
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;  # libFuzzer and clang's ASan/UBSan runtimes
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (valid: --docker --podman --cni --lava --qemu --kernels --browser --package --fuzz)" >&2; exit 2 ;;
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

# Debian's own kernels for ci/kernel-run: unpacked, not installed. Installing linux-image-amd64 would
# build an initramfs nobody uses (minutes on two cores) and change the machine's boot entries; the
# unpacked image and modules (with depmod's index) are all the runner needs.
cache=/var/cache/macvlan-conformance
work=""
cleanup_work() { [ -z "$work" ] || "${sudo[@]}" rm -rf "$work"; }
trap cleanup_work EXIT
as_apt() {  # apt downloads as the _apt user when run as root: let it write there
  if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$@"; fi
}
unpack_kernel() {  # unpack_kernel DIR META-PACKAGE [SUITE]: the kernel META-PACKAGE stands for, into DIR
  local dir=$1 meta=$2 suite=${3:-} apt_opts=() image deb version base
  # Done already when an image and the index depmod writes last are there (an unpacking that was
  # interrupted is redone).
  if ls "$dir"/boot/vmlinuz-* "$dir"/lib/modules/*/modules.dep >/dev/null 2>&1 ||
     ls "$dir"/boot/vmlinuz-* "$dir"/usr/lib/modules/*/modules.dep >/dev/null 2>&1; then return 0; fi
  [ -n "$work" ] || { work=$(mktemp -d); chmod 755 "$work"; }  # apt-get download writes as the _apt user
  if [ -n "$suite" ]; then
    # Another suite of the same archive, for this download only: its own source list, package lists
    # and cache under $work (apt checks the signed InRelease against Debian's keyring and the .deb
    # against the Packages index), so the machine's apt configuration and lists stay as they are.
    local a=$work/apt-$suite
    mkdir -p "$a"/lists/partial "$a"/cache/archives/partial "$a"/parts
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" >"$a/sources.list"
    : >"$a/preferences"
    chmod -R a+rX "$a"
    as_apt "$a"/lists/partial "$a"/cache/archives/partial
    apt_opts=(-o "Dir::Etc::sourcelist=$a/sources.list" -o "Dir::Etc::sourceparts=$a/parts"
      -o "Dir::Etc::preferences=$a/preferences" -o "Dir::Etc::preferencesparts=$a/parts"
      -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache" -o Acquire::Languages=none)
    apt-get "${apt_opts[@]}" update -qq
  fi
  image=$(apt-cache "${apt_opts[@]}" depends --important "$meta" | awk '/Depends:/ {print $2; exit}')
  [ -n "$image" ] || { echo "install-deps.sh: cannot tell which kernel package $meta${suite:+ ($suite)} stands for" >&2; exit 1; }
  mkdir -p "$work/deb-$image"; chmod 755 "$work/deb-$image"; as_apt "$work/deb-$image"
  (cd "$work/deb-$image" && apt-get "${apt_opts[@]}" download -qq "$image")
  deb=$(ls "$work/deb-$image"/*.deb)
  "${sudo[@]}" mkdir -p "$dir"
  "${sudo[@]}" dpkg-deb -x "$deb" "$dir"
  version=$(basename "$(ls "$dir"/boot/vmlinuz-* | sort -V | tail -n 1)"); version=${version#vmlinuz-}
  # A merged-/usr kernel package (Debian 13 on) has its modules under usr/lib/modules: depmod's base
  # is then DIR/usr, where it finds lib/modules/<version>.
  base=$dir
  [ -d "$dir/lib/modules/$version" ] || base=$dir/usr
  [ -d "$base/lib/modules/$version" ] || { echo "install-deps.sh: $deb has no lib/modules/$version or usr/lib/modules/$version" >&2; exit 1; }
  "${sudo[@]}" depmod -b "$base" "$version"
  echo "install-deps.sh: unpacked $image${suite:+ ($suite)} into $dir"
}
if [ "$want_kernel" -ge 1 ]; then
  unpack_kernel "${MVC_KERNEL_DIR:-$cache/kernel}" linux-image-amd64
fi
if [ "$want_kernel" -ge 2 ]; then
  unpack_kernel "$cache/kernel-cloud" linux-image-cloud-amd64
  unpack_kernel "$cache/kernel-rt" linux-image-rt-amd64
  unpack_kernel "$cache/kernel-debian13" linux-image-amd64 trixie
fi
