#!/usr/bin/env bash
# Several instances of the app on one database, behind HAProxy (deploy/haproxy.cfg).
#
#   scripts/cluster.sh [N]          build the release app, run N instances (2) behind the balancer
#                                   on http://127.0.0.1:$CLUSTER_PORT, until Ctrl-C
#   scripts/cluster.sh restart I    restart instance I of a running cluster (SIGTERM, which drains
#                                   it; it comes back on the same port) and wait until it is healthy
#   scripts/cluster.sh stop I       stop instance I and keep it stopped (the balancer routes around it)
#   scripts/cluster.sh start I      start it again and wait until it is healthy
#
# Instance I listens on $CLUSTER_PORT + I. Each runs under a small loop that starts it again when
# it exits, which is what `restart` relies on.
# Settings (environment):
#   CLUSTER_PORT      the balancer's port (3000)
#   CLUSTER_PROFILE   release (built here first) or debug (built already, as the tests use it)
#   CLUSTER_DB_NAME   database in the project-local cluster (tasklist), unless DATABASE_URL is set
#   CLUSTER_FRESH_DB  1: drop and create that database first (the tests' clean slate)
#   CLUSTER_RUN_DIR   where pid files, the generated HAProxy file and the logs go (target/cluster)
# Every other app setting (docs in the README) passes through to the instances.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
port=${CLUSTER_PORT:-3000}
run_dir=${CLUSTER_RUN_DIR:-target/cluster}
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

healthy() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/healthz" 2>/dev/null; }

# Commands for one instance of a running cluster.
case "${1:-}" in
  stop | start | restart)
    cmd=$1
    i=${2:?usage: scripts/cluster.sh stop|start|restart I}
    hold="$run_dir/app$i.hold"
    if [ "$cmd" != start ]; then
      # The hold file keeps the supervising loop from starting it again until `start`.
      [ "$cmd" = stop ] && : >"$hold"
      pid=$(cat "$run_dir/app$i.pid")
      log "stopping app$i (pid $pid): it drains its requests and exits"
      kill -TERM "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    [ "$cmd" = stop ] && exit 0
    rm -f "$hold"
    for _ in $(seq 1 300); do
      if healthy $((port + i)); then
        log "app$i serves on port $((port + i))"
        exit 0
      fi
      sleep 0.1
    done
    echo "app$i did not come back within 30 s (see $run_dir/app$i.log)" >&2
    exit 1
    ;;
esac

n=${1:-2}
profile=${CLUSTER_PROFILE:-release}
if [ "$profile" = release ]; then
  scripts/install-tools.sh --cluster
  log "cargo leptos build --release --split"
  cargo leptos build --release --split
fi
haproxy=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$haproxy" ] || { echo "haproxy is missing: scripts/install-tools.sh --cluster installs it" >&2; exit 1; }
bin="target/$profile/tasklist"
[ -x "$bin" ] || { echo "$bin is missing: build it first (cargo leptos build --split)" >&2; exit 1; }

if [ -z "${DATABASE_URL:-}" ]; then
  db=${CLUSTER_DB_NAME:-tasklist}
  scripts/db.sh start >&2
  if [ "${CLUSTER_FRESH_DB:-}" = 1 ]; then
    scripts/db.sh psql -q -v ON_ERROR_STOP=1 -d postgres \
      -c "drop database if exists $db with (force)" -c "create database $db" >&2
  fi
  DATABASE_URL=$(TASKLIST_DB_NAME=$db scripts/db.sh url)
  export DATABASE_URL
fi

mkdir -p "$run_dir"
rm -f "$run_dir"/app*.pid "$run_dir"/app*.hold
export LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD
export RUST_LOG=${RUST_LOG:-warn}
# The balancer is the only proxy; behind it every client is counted by its own address.
export TRUSTED_PROXIES=${TRUSTED_PROXIES:-127.0.0.1/32}
# A stopping instance answers /healthz 503 while still serving for this long: the balancer
# checks every second and takes it out after two failures (deploy/haproxy.cfg).
export SHUTDOWN_DRAIN_SECS=${SHUTDOWN_DRAIN_SECS:-3}

pids=()
stopping=
stop() {
  stopping=1
  trap - INT TERM EXIT
  # Each supervising loop passes the signal on to its instance, which drains and exits.
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# One supervising loop per instance: runs it, and runs it again when it exits (a restart).
supervise() {
  local i=$1
  trap 'kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM INT
  while true; do
    LEPTOS_SITE_ADDR=127.0.0.1:$((port + i)) "$bin" >>"$run_dir/app$i.log" 2>&1 &
    child=$!
    echo "$child" >"$run_dir/app$i.pid"
    wait "$child" || true
    sleep 0.2
    while [ -f "$run_dir/app$i.hold" ]; do sleep 0.1; done
  done
}

cfg="$run_dir/haproxy.cfg"
cp deploy/haproxy.cfg "$cfg"
for i in $(seq 1 "$n"); do
  : >"$run_dir/app$i.log"
  echo "    server app$i 127.0.0.1:$((port + i))" >>"$cfg"
  supervise "$i" &
  pids+=($!)
done
for i in $(seq 1 "$n"); do
  until healthy $((port + i)); do
    sleep 0.2
    kill -0 "${pids[$((i - 1))]}" 2>/dev/null || { cat "$run_dir/app$i.log" >&2; exit 1; }
  done
done
log "$n instances on ports $((port + 1))-$((port + n)); balancer on http://127.0.0.1:$port (logs in $run_dir)"
LB_BIND=127.0.0.1:$port "$haproxy" -W -db -f "$cfg" &
pids+=($!)
wait -n "${pids[@]}" || true
[ -n "$stopping" ] || echo "a process of the cluster exited; stopping the rest" >&2
