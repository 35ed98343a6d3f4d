#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs ci/lava/qemu-job.yaml here with Debian's LAVA dispatcher (lava-run), offline, against the
# device description ci/lava/devices/qemu-mvc.yaml, then checks that LAVA's results list the
# suite's tests with the same counts as the suite's own JUnit report.
#
#   ci/lava/run-local.sh [--out DIR] [--suite-args "ARGS"]
#     --out DIR          default out/lava; needs root, like lava-run
#     --suite-args ARGS  the suite's selection in the guest (the test definition's ARGS), e.g.
#                        "--mode vepa"; default: everything. LAVA records every test case one by
#                        one, which for the full suite's ~3,000 tests takes about 14 minutes under TCG.
#
# What it uses: lava-common and the Python modules lava-dispatcher imports (ci/install-deps.sh
# --lava), and lava-dispatcher's own code from Debian's package, unpacked into a temp dir
# (`apt-get download`, `dpkg-deb -x`), unless it is installed. Installing the package would pull in
# ~120 others (systemd, udev, mdadm, grub, libguestfs with its appliance, linux headers): too much
# for a CI machine, and none of it serves this job. Its one hard import that this job never calls,
# libguestfs's Python module (for qcow2 overlays; this job's overlay goes over HTTP instead), is
# satisfied by a stand-in that refuses to be used.
#
# The pieces: the kernel is Debian's (ci/install-deps.sh --qemu), the initramfs comes from
# `ci/kernel-run --lava-initramfs`, LAVA's overlay is served by a Python HTTP server on 127.0.0.1
# (the guest reaches it through qemu's restricted user network, nothing else), and the suite's
# reports land in OUT/reports through a 9p share. Everything else is in a temp dir, removed at the
# end with the job's directory under /var/lib/lava/dispatcher/tmp.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
me=run-local.sh
out=$repo/out/lava
suite_args=
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?}; shift 2 ;;
    --suite-args) suite_args=${2?}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "$me: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "$me: lava-run runs as root" >&2; exit 2; }
python=/usr/bin/python3
$python -c 'import lava_common, pexpect, jinja2, requests, configobj, magic, netifaces, pyudev, setproctitle, pytz, aiohttp' 2>/dev/null ||
  { echo "$me: LAVA's Python modules are missing (ci/install-deps.sh --lava)" >&2; exit 4; }
binary=${MVC_BUILD_DIR:-$repo/build}/macvlan-conformance
[ -x "$binary" ] || { echo "$me: no $binary (build first)" >&2; exit 2; }

tmp=$(mktemp -d)
job_id=mvc-$$
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp" "/var/lib/lava/dispatcher/tmp/$job_id"
  # What lava-run made of /var/lib/lava, when it was not there before.
  [ -n "${made_lava_dir:-}" ] && rm -rf /var/lib/lava
  return 0
}
trap cleanup EXIT
[ -d /var/lib/lava ] || made_lava_dir=1
mkdir -p "$out/reports" "$out/job"
rm -f "$out"/reports/* "$out"/job/*

# Debian's lava-dispatcher: installed, or its package unpacked here.
pythonpath=$tmp/stub
mkdir -p "$pythonpath"
if $python -c 'import lava_dispatcher' 2>/dev/null && command -v lava-run >/dev/null; then
  lava_run=$(command -v lava-run)
else
  # lava-dispatcher-host holds a module lava_dispatcher imports (lava_dispatcher_host.action).
  (cd "$tmp" && chown _apt "$tmp" 2>/dev/null; apt-get download -q lava-dispatcher lava-dispatcher-host >/dev/null) ||
    { echo "$me: cannot download Debian's lava-dispatcher packages" >&2; exit 4; }
  dpkg-deb -x "$tmp"/lava-dispatcher_*.deb "$tmp/dispatcher"
  dpkg-deb -x "$tmp"/lava-dispatcher-host_*.deb "$tmp/dispatcher"
  pythonpath+=:$tmp/dispatcher/usr/lib/python3/dist-packages
  lava_run=$tmp/dispatcher/usr/bin/lava-run
  echo "$me: lava-dispatcher $(dpkg-deb -f "$tmp"/lava-dispatcher_*.deb Version), unpacked (not installed)"
fi
if ! $python -c 'import guestfs' 2>/dev/null; then
  cat >"$tmp/stub/guestfs.py" <<'PY'
# Stand-in for libguestfs's Python module, which lava_dispatcher imports at load time. This job
# never builds a qcow2 overlay; anything that tries is refused.
class GuestFS:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("libguestfs is not installed: this LAVA run has no qcow2 overlays")
PY
fi

# The guest: Debian's kernel and the LAVA initramfs.
kernel=$(printf '%s\n' /var/cache/macvlan-conformance/kernel/boot/vmlinuz-* | sort -V | tail -n 1)
[ -f "$kernel" ] || { echo "$me: no Debian kernel in /var/cache/macvlan-conformance/kernel (ci/install-deps.sh --qemu)" >&2; exit 4; }
"$repo/ci/kernel-run" --kernel "$kernel" --binary "$binary" --out "$out/reports" --lava-initramfs "$tmp/initramfs.cpio.gz"
if [ "$(cat "$tmp/initramfs.cpio.gz.accel")" = kvm ]; then accel="-enable-kvm -cpu host"; else accel="-accel tcg"; fi
port=$($python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|@KERNEL@|$kernel|" -e "s|@INITRD@|$tmp/initramfs.cpio.gz|" -e "s|@OUT@|$out/reports|" \
    -e "s|@PORT@|$port|" -e "s|\"@ACCEL@\"|$accel|" "$repo/ci/lava/devices/qemu-mvc.yaml" >"$tmp/device.yaml"
[[ "$suite_args" != *[\|\"]* ]] || { echo "$me: --suite-args may not contain '|' or '\"'" >&2; exit 2; }
sed -e "s|@BINARY@|$binary|" -e "s|@ARGS@|$suite_args|" "$repo/ci/lava/qemu-job.yaml" >"$tmp/job.yaml"
echo "dispatcher_http_ip: 10.0.2.100:8089" >"$tmp/dispatcher.yaml"

# LAVA's overlay over HTTP: http://<dispatcher_http_ip>/tmp/<job>/... is DISPATCHER_DOWNLOAD_DIR.
mkdir -p "$tmp/www" /var/lib/lava/dispatcher/tmp
ln -s /var/lib/lava/dispatcher/tmp "$tmp/www/tmp"
$python -m http.server "$port" --bind 127.0.0.1 --directory "$tmp/www" >"$out/job/http.log" 2>&1 &
server_pid=$!

echo "$me: lava-run, job $job_id, device $tmp/device.yaml ($accel); log in $out/job/job.log"
started=$(date +%s)
status=0
PYTHONPATH=$pythonpath $python "$lava_run" --job-id "$job_id" --output-dir "$tmp/job" --device "$tmp/device.yaml" \
  --dispatcher "$tmp/dispatcher.yaml" "$tmp/job.yaml" >"$out/job/job.log" 2>&1 || status=$?
echo "$me: lava-run exited with $status after $(($(date +%s) - started)) s"
cp "$tmp/job/result.yaml" "$out/job/" 2>/dev/null || true
[ -f "$tmp/job/description.yaml" ] && cp "$tmp/job/description.yaml" "$out/job/"

# LAVA's results against the suite's JUnit report.
$python "$repo/ci/lava/compare-results.py" "$out/job/job.log" "$out/reports/junit.xml"
