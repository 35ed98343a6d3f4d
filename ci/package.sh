#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package end to end, as a packager and then a user meet it: builds it from the build
# directory (cpack -G DEB), runs lintian (any error or warning fails), installs it with apt, runs a
# selection of the suite from /usr/bin with the packaged fixtures, checks `man macvlan-conformance`
# against --help and the bash completion, then purges the package and checks nothing of it is left.
#
#   ci/package.sh            the build directory is $MVC_BUILD_DIR (default build/)
#
# Needs root (dpkg); re-runs itself through sudo. A macvlan-conformance package that is already
# installed is not this script's to remove: it stops before touching anything.
source "$(dirname "$0")/lib.sh"
as_root "$0" "$@"
step() { printf -- '--- %s (%d s)\n' "$*" "$SECONDS"; }
fail() { echo "package.sh: $*" >&2; exit 1; }

readonly name=macvlan-conformance
if dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -qv '^unknown ok not-installed$'; then
  fail "a $name package is already on this machine ($(dpkg-query -W -f='${Status} ${Version}' "$name")); remove it first (dpkg --purge $name)"
fi

step "build (ci/install-deps.sh --package: help2man, dpkg-dev, file, lintian, man-db)"
build --package

step "cpack -G DEB"
out="$build_dir/package"
rm -rf "$out"
(cd "$build_dir" && cpack -G DEB -B "$out" >"$out.log" 2>&1) || { cat "$out.log" >&2; fail "cpack failed"; }
debs=("$out"/*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one .deb in $out, found: ${debs[*]}"
deb=${debs[0]}
ls -l "$deb"

step "lintian (fails on any error or warning; informational tags are shown)"
lintian --fail-on error,warning --display-info "$deb" || fail "lintian reported errors or warnings on $(basename "$deb")"
echo "lintian: no error, no warning"

# What the package ships, and which of those paths exist before it is installed (directories such
# as /usr/share/man/man1 belong to other packages too and must still be there afterwards).
dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|; s|/$||' | grep -v '^$' >"$out/paths"
: >"$out/existing"
while read -r p; do
  if [ -e "$p" ] || [ -L "$p" ]; then
    [ -d "$p" ] && [ ! -L "$p" ] || fail "$p is on this machine already and would be overwritten by the package"
    echo "$p" >>"$out/existing"
  fi
done <"$out/paths"

installed=0
trap '[ "$installed" = 0 ] || dpkg --purge "$name" >/dev/null || true' EXIT
step "install with apt"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >"$out/apt.log" 2>&1 ||
  { cat "$out/apt.log" >&2; fail "apt-get install $deb failed"; }
installed=1
dpkg-query -W -f='${Package} ${Version} ${Status}\n' "$name"

# The binary falls back to the source tree's fixtures when none are installed beside it; hiding
# them (an empty tmpfs over $repo/fixtures, in a mount namespace of this command only) makes a pass
# possible only with the packaged ones.
step "/usr/bin/$name --mode bridge --variant plain, with the source tree's fixtures hidden"
start=$(date +%s%N)
status=0
unshare --mount --propagation private -- sh -c 'mount -t tmpfs -o size=64k,mode=0555 mvc-hidden "$1" && shift && exec "$@"' \
  sh "$repo/fixtures" "/usr/bin/$name" --mode bridge --variant plain --junit "$out/junit.xml" || status=$?
[ "$status" -eq 0 ] || fail "the installed binary exited $status (0 expected: every selected test passed)"
tests=$(grep -o '<testsuite [^>]*' "$out/junit.xml" | grep -o ' tests="[0-9]*"' | tr -dc '0-9\n' | awk '{ n += $1 } END { print n + 0 }')
[ "${tests:-0}" -gt 0 ] || fail "the JUnit report of the installed run lists no test"
echo "the installed binary passed $tests tests in $((($(date +%s%N) - start) / 1000000)) ms"

step "man $name"
page=$(man -w "$name") || fail "man -w $name finds no page"
[ "$page" = "/usr/share/man/man1/$name.1.gz" ] || fail "man finds $page, not the packaged /usr/share/man/man1/$name.1.gz"
"$repo/packaging/check-manpage.sh" "$name" "/usr/bin/$name"

step "bash completion from /usr/share/bash-completion/completions/$name"
"$repo/packaging/test-completion.sh" "/usr/bin/$name" "/usr/share/bash-completion/completions/$name" | tail -n 1

step "purge, and check nothing of the package is left"
dpkg --purge "$name" >"$out/purge.log" 2>&1 || { cat "$out/purge.log" >&2; fail "dpkg --purge $name failed"; }
installed=0
left=0
while read -r p; do
  if grep -qxF "$p" "$out/existing"; then
    [ -d "$p" ] || { echo "  $p existed before the install and is gone"; left=$((left + 1)); }
  elif [ -e "$p" ] || [ -L "$p" ]; then
    echo "  left behind: $p"; left=$((left + 1))
  fi
done <"$out/paths"
dpkg-query -W "$name" >/dev/null 2>&1 && { echo "  dpkg still knows $name: $(dpkg-query -W -f='${Status}' "$name")"; left=$((left + 1)); }
compgen -G "/var/lib/dpkg/info/$name.*" >/dev/null && { echo "  dpkg's files: $(ls /var/lib/dpkg/info/$name.*)"; left=$((left + 1)); }
[ "$left" -eq 0 ] || fail "$left trace(s) of the package after dpkg --purge"
echo "purged: none of the $(wc -l <"$out/paths") paths it shipped is left, dpkg has no record of it"
step "done"
