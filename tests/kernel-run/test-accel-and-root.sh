#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ci/kernel-run's choice of accelerator and root, against a fake qemu (tests/kernel-run/fake-qemu)
# and a fake kernel tree: no VM boots, no root needed.
#
#   test-accel-and-root.sh REPO
#
# - --accel auto with a KVM device that opens but a qemu that aborts under KVM ("failed to set MSR
#   0x10a", kvm_buf_set_msrs assertion) falls back to TCG, says so with qemu's error, and the run
#   itself uses -accel tcg;
# - the same with a KVM guest that never reaches /init (the probe times out);
# - an explicit --accel kvm that cannot work fails (exit 3) quoting qemu's error, not with "the VM
#   produced no exit code";
# - a working KVM is chosen;
# - --root auto picks 9p for a kernel with 9p, the image (squashfs on virtio-blk) for one without,
#   and a merged-/usr tree (usr/lib/modules/<version>) is found with no --modules.
# Exit 4 (skip) when what the runner itself needs is missing (static busybox, cpio, mksquashfs).
set -uo pipefail
repo=$(realpath "${1:?usage: test-accel-and-root.sh REPO}")
here=$(dirname "$(realpath "$0")")
runner=$repo/ci/kernel-run

static_busybox=0
for b in /bin/busybox /usr/bin/busybox; do
  if [ -x "$b" ] && ! LC_ALL=C ldd "$b" >/dev/null 2>&1; then static_busybox=1; fi
done
[ "$static_busybox" = 1 ] || { echo "SKIP: no static busybox (ci/install-deps.sh --qemu)"; exit 4; }
for t in cpio gzip mksquashfs tar; do
  command -v "$t" >/dev/null || { echo "SKIP: $t is missing (ci/install-deps.sh --qemu)"; exit 4; }
done

t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...: one assertion
  if "${@:2}"; then echo "ok - $1"; else echo "not ok - $1"; failures=$((failures + 1)); fi
}
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }

# A kernel tree: the image is never booted, the modules are "built in" by modules.builtin.
make_tree() {  # make_tree DIR VERSION MODULES-SUBDIR BUILTIN...
  local dir=$1 version=$2 sub=$3; shift 3
  mkdir -p "$dir/boot" "$dir/$sub/$version"
  echo "not a kernel" >"$dir/boot/vmlinuz-$version"
  : >"$dir/$sub/$version/modules.dep"
  printf 'kernel/%s.ko\n' "$@" >"$dir/$sub/$version/modules.builtin"
}
make_tree "$t/k9p" 0.0.1-fake lib/modules drivers/virtio/virtio_pci net/9p/9pnet_virtio fs/9p/9p
make_tree "$t/kcloud" 0.0.2-fake usr/lib/modules drivers/virtio/virtio_pci drivers/block/virtio_blk fs/squashfs/squashfs
make_tree "$t/knone" 0.0.3-fake lib/modules drivers/virtio/virtio_pci
printf '#!/bin/sh\nexit 0\n' >"$t/macvlan-conformance"; chmod 755 "$t/macvlan-conformance"
: >"$t/kvm"  # a KVM device that opens read-write
# Through MVC_QEMU and also first on PATH under the real name (a runner that ignored MVC_QEMU would
# still meet the fake, never the real qemu).
mkdir "$t/bin"; ln -s "$here/fake-qemu" "$t/bin/qemu-system-x86_64"

run() {  # run NAME KVM-BEHAVIOUR KERNEL-TREE RUNNER-ARGS...: stderr in $t/NAME.err, status in $t/NAME.rc
  local name=$1 kvm=$2 tree=$3; shift 3
  : >"$t/$name.qemu"
  PATH=$t/bin:$PATH FAKE_QEMU_KVM=$kvm FAKE_QEMU_LOG=$t/$name.qemu MVC_QEMU=$here/fake-qemu MVC_KVM_DEVICE=${KVM_DEVICE:-$t/kvm} \
    MVC_KVM_PROBE_TIMEOUT=3 "$runner" --kernel "$(ls "$tree"/boot/vmlinuz-*)" --binary "$t/macvlan-conformance" \
    --out "$t/out-$name" --quiet --timeout 60 "$@" >/dev/null 2>"$t/$name.err"
  echo $? >"$t/$name.rc"
  sed "s/^/  [$name] /" "$t/$name.err"
}
rc() { [ "$(cat "$t/$1.rc")" = "$2" ]; }
last_run_uses() { tail -n 1 "$t/$1.qemu" | grep -qF -- "$2"; }

run auto-abort abort "$t/k9p"
check "auto, KVM aborts: the run passes" rc auto-abort 0
check "auto, KVM aborts: tcg is chosen" has "$t/auto-abort.err" "accelerator: tcg"
check "auto, KVM aborts: the reason quotes qemu" has "$t/auto-abort.err" "failed to set MSR 0x10a to 0x69"
check "auto, KVM aborts: the reason names the assertion" has "$t/auto-abort.err" "kvm_buf_set_msrs"
check "auto, KVM aborts: a probe ran under KVM" grep -q -- "-accel kvm" "$t/auto-abort.qemu"
check "auto, KVM aborts: the run itself uses tcg" last_run_uses auto-abort "-accel tcg"
check "auto, KVM aborts: nothing left in OUT but the outputs" test -z "$(find "$t/out-auto-abort" -mindepth 1 -not -name console.log -not -name exit-code -not -name kernel-release)"

run auto-hang hang "$t/k9p"
check "auto, KVM guest stalls: the run passes" rc auto-hang 0
check "auto, KVM guest stalls: tcg is chosen because /init was not reached" \
  has "$t/auto-hang.err" "accelerator: tcg (a probe boot under KVM did not reach the guest's /init within 3 s"
check "auto, KVM guest stalls: the run itself uses tcg" last_run_uses auto-hang "-accel tcg"

run explicit-kvm abort "$t/k9p" --accel kvm
check "--accel kvm, KVM aborts: exit 3" rc explicit-kvm 3
check "--accel kvm, KVM aborts: the message quotes qemu" has "$t/explicit-kvm.err" "failed to set MSR 0x10a to 0x69"
check "--accel kvm, KVM aborts: not 'no exit code'" lacks "$t/explicit-kvm.err" "produced no exit code"
check "--accel kvm, KVM aborts: no run after the failed probe" test "$(wc -l <"$t/explicit-kvm.qemu")" -eq 1

run auto-works works "$t/k9p"
check "auto, KVM works: kvm is chosen" has "$t/auto-works.err" "accelerator: kvm (a probe boot under KVM reached the guest's /init"
check "auto, KVM works: the run itself uses kvm" last_run_uses auto-works "-accel kvm"

KVM_DEVICE=$t/no-such-kvm run auto-nodev abort "$t/k9p"
check "auto, no KVM device: tcg without a probe" has "$t/auto-nodev.err" "accelerator: tcg (there is no $t/no-such-kvm)"
check "auto, no KVM device: only the run started qemu" test "$(wc -l <"$t/auto-nodev.qemu")" -eq 1

run root-9p abort "$t/k9p" --accel tcg
check "root auto, kernel with 9p: 9p" has "$t/root-9p.err" "root: 9p"
check "root auto, kernel with 9p: the 9p shares are given" last_run_uses root-9p "virtio-9p-pci"

run root-image abort "$t/kcloud" --accel tcg
check "root auto, kernel without 9p: the image" has "$t/root-image.err" "root: image (the kernel lacks 9pnet_virtio 9p (no 9p)"
check "root auto, kernel without 9p: merged-/usr modules found" rc root-image 0
check "root auto, kernel without 9p: virtio-blk disks are given" last_run_uses root-image "virtio-blk-pci,drive=mvcroot"
check "root image: the guest's reports are unpacked into OUT" test "$(cat "$t/out-root-image/exit-code" 2>/dev/null)" = 0
check "root image: no image left in OUT" test -z "$(find "$t/out-root-image" -name '*.img' -o -name '.kernel-run.*')"

run root-force-9p abort "$t/kcloud" --accel tcg --root 9p
check "--root 9p on a kernel without 9p: exit 3" rc root-force-9p 3
check "--root 9p on a kernel without 9p: names what is missing" has "$t/root-force-9p.err" "9pnet_virtio 9p"

run root-force-image abort "$t/k9p" --accel tcg --root image
check "--root image on a kernel without virtio_blk: exit 3" rc root-force-image 3

run root-none abort "$t/knone" --accel tcg
check "no 9p, no virtio_blk: exit 3 naming both" has "$t/root-none.err" "no way to mount a root"

echo "$failures failed"
[ "$failures" -eq 0 ]
