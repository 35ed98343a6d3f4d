#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (fuzz/, clang, ASan + UBSan: CMakePresets.json's fuzz preset) into
# build-fuzz/ and runs each for SECONDS (default 20) on a copy of its seed corpus. A crash, a leak,
# a timeout or running out of memory fails the script, and the input that did it is kept in
# out/fuzz/<target>/ (add it to fuzz/corpus/<target>/ once fixed: it stays as a regression input).
# Prints the executions per target.
#
#   ci/fuzz.sh [SECONDS] [TARGET...]     e.g. ci/fuzz.sh 600 fuzz_frames
#   ci/fuzz.sh --regress                 only replays every corpus input once (no fuzzing)
#   MVC_FUZZ_SEED=N ci/fuzz.sh ...       libFuzzer's -seed=N for every target (CI: repeatable runs)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=20 regress=0 targets=()
for arg in "$@"; do
  case "$arg" in
    --regress) regress=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    ''|*[!0-9]*) targets+=("$arg") ;;
    *) seconds=$arg ;;
  esac
done
dir=$repo/build-fuzz
out=$repo/out/fuzz
started=$SECONDS

command -v clang++ >/dev/null && [ -e "$(clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || echo /nonexistent)" ] ||
  "$repo/ci/install-deps.sh" --fuzz
launcher=()
command -v ccache >/dev/null && [ -n "${CCACHE_DIR:-}" ] && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$repo" --preset fuzz "${launcher[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)" --target fuzz_all
echo "--- fuzz targets built ($((SECONDS - started)) s)"

if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd "$repo/fuzz/corpus" && ls -d fuzz_* | sort)
fi
status=0
summary=()
for t in "${targets[@]}"; do
  seeds=$repo/fuzz/corpus/$t
  [ -x "$dir/fuzz/$t" ] || { echo "fuzz.sh: no target $t" >&2; exit 2; }
  rm -rf "${out:?}/$t"
  mkdir -p "$out/$t/corpus" "$out/$t/crashes"
  log=$out/$t/log
  # The seeds stay as they are; what the run adds goes to out/ (-artifact_prefix: what failed).
  args=(-artifact_prefix="$out/$t/crashes/" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
  # MVC_FUZZ_SEED (CI): the same mutations each run, so a red CI is a regression or a crash any
  # rerun finds again, not the luck of one seed; long exploratory runs leave it unset.
  [ -n "${MVC_FUZZ_SEED:-}" ] && args+=(-seed="$MVC_FUZZ_SEED")
  if [ "$regress" = 1 ]; then
    args+=(-runs=0 "$seeds")
  else
    cp -r "$seeds/." "$out/$t/corpus/"
    args+=(-max_total_time="$seconds" "$out/$t/corpus" "$seeds")
  fi
  rc=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$dir/fuzz/$t" "${args[@]}" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "FAILED $t (exit $rc): the input is in $out/$t/crashes/; the log's first report:"
    grep -m 1 -A 20 -E '^==[0-9]+==ERROR|runtime error|deadly signal|uncaught exception|^terminate called' "$log" || tail -n 30 "$log"
  fi
  summary+=("$(printf '%-24s %s  %12s executions  %s' "$t" "$([ "$rc" -eq 0 ] && echo ok || echo FAILED)" "${execs:-?}" "$cov")")
done
printf '%s\n' "${summary[@]}"
echo "--- fuzzing done ($((SECONDS - started)) s)"
exit "$status"
