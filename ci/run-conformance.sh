#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: build, then run the macvlan conformance suite against this machine's kernel.
# The build step installs what the suites need (ci/install-deps.sh, busybox-static for the Docker
# suite's test image among them), so on a machine that runs a Docker engine the Docker suite runs
# too; an engine itself is not installed (ci/install-deps.sh --docker, ci/start-dockerd.sh).
# Reports go to out/ (JUnit XML and JSON). Extra arguments go to macvlan-conformance, e.g.
#   ci/run-conformance.sh --mode vepa --family ipv4
# Exit code: the suite's (0 pass, 1 failure, 2 usage error, 4 everything skipped).
source "$(dirname "$0")/lib.sh"
as_root "$0" "$@"
build
mkdir -p "$repo/out"
exec "$build_dir/macvlan-conformance" --junit "$repo/out/junit.xml" --json "$repo/out/report.json" "$@"
