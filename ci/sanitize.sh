#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The harness itself under a sanitizer (CMakePresets.json): configures and builds build-asan
# (AddressSanitizer + LeakSanitizer + UBSan) or build-tsan (ThreadSanitizer), both Debug with
# warnings as errors (this is CI's Debug -Werror build), then runs, as root:
#   - the unit tests;
#   - the integration tests that need no container engine, in a private network namespace (the
#     Docker and Podman ones and RandomKills drive the machine's engine and take minutes each);
#   - one full conformance run, the binary with no selection (with an engine, its suites too).
# Every sanitizer report is fatal (-fno-sanitize-recover=all, halt_on_error), so any report fails
# the step it came from. Each step prints how long it took.
#
# --quick (CI) leaves out the integration tests that each run most of the suite again with other
# reports or options (Reports.*, ConformanceRun's full runs, FlippedExpectation, SlowKernel,
# Rootless: about 25 of the 34 minutes all of them take under ASan on a loaded 2-core machine): the
# one full conformance run goes through the same code.
#
#   ci/sanitize.sh [asan|tsan] [--quick] [--build-only] [--no-conformance]
export MVC_WERROR=ON
source "$(dirname "$0")/lib.sh"
as_root "$0" "$@"

preset=asan run_tests=1 conformance=1
skip='(^|/)(Docker|Podman|RandomKills)'
for arg in "$@"; do
  case "$arg" in
    asan|tsan) preset=$arg ;;
    --quick) skip+='|^Reports\.|^ConformanceRun\.(FullRun|InjectedArp|LeavesTheRootNamespaceAsItFoundIt$)|FlippedExpectation|^SlowKernel\.|^Rootless\.' ;;
    --build-only) run_tests=0 conformance=0 ;;
    --no-conformance) conformance=0 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "sanitize.sh: unknown argument '$arg' (valid: asan tsan --quick --build-only --no-conformance)" >&2; exit 2 ;;
  esac
done
dir=$repo/build-$preset
started=$SECONDS
step() { printf -- '--- %s: %s (%s, %d s so far)\n' "$preset" "$*" "$(date -u +%H:%M:%S)" "$((SECONDS - started))"; }

# halt_on_error: the first report ends the process with a failure, whatever the test thought.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
# ThreadSanitizer's shadow memory needs the classic address-space layout; newer kernels randomise
# mmap with more bits than GCC 12's libtsan expects ("unexpected memory mapping").
wrap=()
[ "$preset" = tsan ] && wrap=(setarch "$(uname -m)" -R)

step "dependencies"
"$repo/ci/install-deps.sh"
step "configure (cmake --preset $preset)"
launcher=()
command -v ccache >/dev/null && [ -n "${CCACHE_DIR:-}" ] && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$repo" --preset "$preset" "${launcher[@]}" >/dev/null
step "build"
cmake --build "$dir" -j "$(nproc)"

status=0
if [ "$run_tests" = 1 ]; then
  # The unit tests of C++ code: the script checks among the unit label (layering, SPDX, LAVA files,
  # kernel-run's choices, the JUnit schemas) run no code a sanitizer sees.
  step "unit tests"
  (cd "$dir" && "${wrap[@]}" ctest --output-on-failure -j "$(nproc)" -L unit -E '^(layering|license|lava|kernel_run|junit)\.' \
     --output-junit "$dir/test-reports/unit.xml") || status=1
  step "integration tests without a container engine, in a private network namespace"
  (cd "$dir" && unshare --net -- "${wrap[@]}" ctest --output-on-failure -L integration -LE browser \
     -E "$skip" --output-junit "$dir/test-reports/integration.xml") || status=1
fi
if [ "$conformance" = 1 ]; then
  step "one full conformance run"
  mkdir -p "$repo/out/$preset"
  "${wrap[@]}" "$dir/macvlan-conformance" --junit "$repo/out/$preset/junit.xml" --json "$repo/out/$preset/report.json" || status=1
fi
step "done (exit $status)"
exit "$status"
