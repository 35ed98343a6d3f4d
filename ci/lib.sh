# SPDX-License-Identifier: MIT
# Shared by the ci/ entry points: run as root (re-executing through sudo when needed), install the
# Debian packages, configure and build into build/.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${MVC_BUILD_DIR:-$repo/build}

as_root() {  # as_root "$0" "$@": re-executes the calling script as root
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "$(basename "$1"): needs root (network namespaces and links), and sudo is not installed" >&2; exit 2; }
    exec sudo --preserve-env=CI,MVC_BUILD_DIR,MVC_BUILD_TYPE,MVC_BUILD_TESTING,MVC_WERROR "$@"
  fi
}

build() {
  "$repo/ci/install-deps.sh" "$@"
  # Warnings are errors for the project's own tests and CI (MVC_WERROR=ON there), not for a user's build.
  # MVC_BUILD_TYPE (default RelWithDebInfo) and MVC_BUILD_TESTING (default ON): CI's package step
  # builds Release without the tests, as a packager does.
  cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE="${MVC_BUILD_TYPE:-RelWithDebInfo}" -DMVC_WERROR="${MVC_WERROR:-OFF}" \
    -DBUILD_TESTING="${MVC_BUILD_TESTING:-ON}" >/dev/null
  cmake --build "$build_dir" -j "$(nproc)"
}
