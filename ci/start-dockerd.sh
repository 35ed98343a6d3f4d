#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes sure a Docker engine answers on the local socket, for the Docker suite (DockerMacvlan.*).
# Idempotent: when an engine already answers, nothing is started.
#
#   ci/start-dockerd.sh            start dockerd if needed, wait until `docker info` answers
#   ci/start-dockerd.sh --stop     stop the dockerd this script started (pid file), if any
#
# The engine is started with the smallest footprint on the machine's networking: no docker0
# bridge, no iptables/ip6tables rules, no masquerading, and IP forwarding left as it is (the
# suite's own macvlan networks and containers are all it needs).
#   DOCKERD_TIMEOUT   seconds to wait for the engine to answer (default 60)
#   DOCKERD_LOG       where dockerd's output goes (default /tmp/mvc-dockerd.log)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
as_root "$0" "$@"

socket=unix:///var/run/docker.sock
pid_file=/run/mvc-dockerd.pid
log=${DOCKERD_LOG:-/tmp/mvc-dockerd.log}
timeout=${DOCKERD_TIMEOUT:-60}
me=$(basename "$0")

answers() { docker -H "$socket" info >/dev/null 2>&1; }

if [ "${1:-}" = "--stop" ]; then
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    pid=$(cat "$pid_file")
    kill "$pid"
    for _ in $(seq 1 "$timeout"); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && { echo "$me: dockerd (pid $pid) did not stop within ${timeout} s" >&2; exit 1; }
    echo "$me: stopped dockerd (pid $pid)"
  else
    echo "$me: no dockerd started by this script is running"
  fi
  rm -f "$pid_file"
  exit 0
fi
[ $# -eq 0 ] || { echo "$me: unknown option '$1' (valid: --stop)" >&2; exit 2; }

command -v docker >/dev/null || { echo "$me: no docker client on PATH (ci/install-deps.sh --docker installs docker.io)" >&2; exit 1; }
if answers; then
  echo "$me: a Docker engine already answers on $socket"
  exit 0
fi

if ! pgrep -x dockerd >/dev/null; then
  command -v dockerd >/dev/null || { echo "$me: dockerd is not installed (ci/install-deps.sh --docker installs docker.io)" >&2; exit 1; }
  # setsid: the engine must outlive this script and the CI step's process group.
  setsid dockerd --host "$socket" --bridge=none --iptables=false --ip6tables=false --ip-forward=false \
    --ip-masq=false </dev/null >"$log" 2>&1 &
  echo $! >"$pid_file"
  echo "$me: started dockerd (pid $!, log $log)"
else
  echo "$me: a dockerd is already running; waiting for it to answer"
fi

for _ in $(seq 1 "$timeout"); do
  if answers; then
    echo "$me: Docker engine $(docker -H "$socket" version --format '{{.Server.Version}}') answers on $socket"
    exit 0
  fi
  if [ -f "$pid_file" ] && ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "$me: dockerd exited during start-up; last lines of $log:" >&2
    tail -n 20 "$log" >&2
    rm -f "$pid_file"
    exit 1
  fi
  sleep 1
done
echo "$me: the Docker engine did not answer on $socket within ${timeout} s; last lines of $log:" >&2
tail -n 20 "$log" >&2 || true
exit 1
