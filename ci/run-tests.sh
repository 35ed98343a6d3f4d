#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The project's own tests: build, then run every ctest test (unit tests of the harness, the
# end-to-end integration tests, and the conformance suite per mode). Extra arguments go to ctest,
# e.g. ci/run-tests.sh -L unit
export MVC_WERROR=${MVC_WERROR:-ON}  # the project's own tests: warnings are errors
source "$(dirname "$0")/lib.sh"
as_root "$0" "$@"
build
cd "$build_dir"
exec ctest --output-on-failure -j "$(nproc)" --output-junit "$build_dir/test-reports/ctest.xml" "$@"
