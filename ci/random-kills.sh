#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The random-kill measurement (issue 11, point 6; issue 16, "Random kills"): N full runs of
# build/macvlan-conformance, Docker suite included, each SIGKILLed at a random moment between
# 0.05 s and 20 s, and each checked at once, with no later run: no container, network or image
# with the run's owner tag, no link of the run in the machine's namespace, no namespace of the run
# still held, the root namespace as before (tests/integration/test_docker_runs.cpp,
# RandomKills.*). Starts a Docker engine when none answers, and stops it again afterwards.
#
#   ci/random-kills.sh [N [SEED [MAX_S]]]   N kills (default 20); SEED repeats a sequence (the run
#                                          prints the one it used); MAX_S the latest moment (20)
source "$(dirname "$0")/lib.sh"
as_root "$0" "$@"
kills=${1:-20} seed=${2:-} latest=${3:-20}
for n in "$kills" "$seed" "$latest"; do
  [[ -z "$n" || "$n" =~ ^[0-9]+$ ]] || { echo "random-kills.sh: N, SEED and MAX_S are whole numbers, not '$n'" >&2; exit 2; }
done
build --docker
if ! docker info >/dev/null 2>&1; then
  "$repo/ci/start-dockerd.sh"
  trap '"$repo/ci/start-dockerd.sh" --stop' EXIT
fi
MVC_RANDOM_KILLS=$kills MVC_RANDOM_KILL_SEED=$seed MVC_RANDOM_KILL_MAX_S=$latest "$build_dir/tests/integration_tests" --gtest_filter='RandomKills.*'
