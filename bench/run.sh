#!/usr/bin/env bash
# The benchmark, in one command (`make bench` runs this):
#
#   1. builds the release server (`cargo leptos build --release --split`) and the load generator
#      (bench/loadgen, its own cargo workspace);
#   2. starts the project-local PostgreSQL and recreates the database $BENCH_DB_NAME;
#   3. starts the release server on 127.0.0.1:$BENCH_PORT (it applies the migrations), signs
#      up the benchmark users through POST /api/sign_up, seeds their tasks with
#      bench/seed.sql, and restarts the server so the measured process starts clean;
#   4. runs every measurement (bench/loadgen: HTTP load, pgbench with bench/pgbench/list.sql,
#      sign-ins, live updates: adds with and without NOTIFY, 1,000 open streams and the
#      fan-out of an event to them; the JSON API beside the server functions and the export of
#      the 100,000-task person) and rewrites bench/RESULTS.md.
#
# About 15 minutes on the 2-core machine once built (the first release build takes longer).
# Load goes only to 127.0.0.1; every run is bounded in time. Scratch files (server log,
# generated pgbench scripts and logs) go to bench/work/. The database is kept afterwards for
# inspection (`scripts/db.sh psql -d tasklist_bench`) and dropped by the next run.
#
# Settings (environment):
#   BENCH_BUILD=0             do not build the server; use target/release/tasklist as it is
#   BENCH_PORT=3950           where the server listens (127.0.0.1 only)
#   BENCH_DB_NAME=tasklist_bench
#   BENCH_SMALL_USERS=2000    how many small users seed.sql adds
#   BENCH_SECONDS=6 BENCH_WARMUP=1   measured seconds and warm-up seconds of each run
#   BENCH_CONCURRENCY="1 8 32"       client counts of the list and write runs
#   BENCH_SIGNIN_CONCURRENCY=50      sign-in clients beside the list
#   BENCH_OUT=bench/RESULTS.md
#   BENCH_SERVER_BIN, BENCH_SITE_ROOT   another build of the server (with BENCH_BUILD=0)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# How this run was started, for the report.
invoked=bench/run.sh
if [ -n "${MAKELEVEL:-}" ]; then invoked="make bench"; fi
overrides=
for v in $(compgen -e | grep -E '^BENCH_' | sort); do overrides+="$v=$(printf %q "${!v}") "; done

: "${BENCH_BUILD:=1}"
: "${BENCH_PORT:=3950}"
: "${BENCH_DB_NAME:=tasklist_bench}"
: "${BENCH_SMALL_USERS:=2000}"
: "${BENCH_OUT:=$root/bench/RESULTS.md}"
work=$root/bench/work
server_bin=${BENCH_SERVER_BIN:-$root/target/release/tasklist}
site_root=${BENCH_SITE_ROOT:-$root/target/site}
loadgen=$root/bench/loadgen/target/release/tasklist-loadgen

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

case "$BENCH_DB_NAME" in
  tasklist | postgres | template0 | template1 | tasklist_e2e)
    echo "BENCH_DB_NAME=$BENCH_DB_NAME would drop a database the benchmark does not own" >&2
    exit 2 ;;
esac
if ! [[ "$BENCH_DB_NAME" =~ ^[a-z_][a-z0-9_]*$ ]]; then
  echo "BENCH_DB_NAME must be a plain lower-case name" >&2
  exit 2
fi

mkdir -p "$work"
rm -f "$work"/pgbench-* "$work"/server*.log

# ------------------------------------------------------------------------------- build
t0=$SECONDS
if [ "$BENCH_BUILD" = 1 ]; then
  scripts/install-tools.sh
  export PATH="$root/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH" # wasm-opt for release builds
  log "building the release server (cargo leptos build --release --split)"
  cargo leptos build --release --split
fi
[ -x "$server_bin" ] || { echo "$server_bin is missing: run without BENCH_BUILD=0" >&2; exit 1; }
log "building the load generator (bench/loadgen)"
cargo build --quiet --release --manifest-path bench/loadgen/Cargo.toml
build_seconds=$((SECONDS - t0))

# ------------------------------------------------------------------------------- database
scripts/db.sh start
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
log "recreating the database $BENCH_DB_NAME"
scripts/db.sh psql -X -q -v ON_ERROR_STOP=1 -d postgres \
  -c "drop database if exists $BENCH_DB_NAME with (force)" -c "create database $BENCH_DB_NAME" >/dev/null
db_url=$(TASKLIST_DB_NAME=$BENCH_DB_NAME scripts/db.sh url)
postmaster_pid=$(head -n1 "${TASKLIST_DATA_DIR:-$root/.data}/postgres/postmaster.pid")

# ------------------------------------------------------------------------------- server
server_pid=
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}
trap stop_server EXIT

start_server() { # $1: log file
  if curl -s -o /dev/null "http://127.0.0.1:$BENCH_PORT/"; then
    echo "something already listens on 127.0.0.1:$BENCH_PORT; set BENCH_PORT" >&2
    exit 1
  fi
  # The sign-in limits are raised so that the load's sign-ins (all from 127.0.0.1) are not
  # refused (both at the largest value the app accepts), one person may hold the 1,000
  # live streams of the fan-out run, and an API token is not held to 600 requests a minute
  # (the JSON API runs), and a stop does not wait for a balancer (no drain); everything else
  # is the app's default configuration.
  env DATABASE_URL="$db_url" \
    SHUTDOWN_DRAIN_SECS=0 \
    LEPTOS_SITE_ROOT="$site_root" \
    LEPTOS_SITE_ADDR="127.0.0.1:$BENCH_PORT" \
    LEPTOS_OUTPUT_NAME=tasklist \
    LEPTOS_ENV=PROD \
    RUST_LOG=warn \
    AUTH_ADDRESS_LIMIT=1000000 \
    SIGN_IN_MAX_FAILURES=10000 \
    LIVE_MAX_STREAMS_PER_USER="$LIVE_MAX_STREAMS_PER_USER" \
    API_RATE_LIMIT=1000000 \
    "$server_bin" >"$1" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do
    if curl -fs -o /dev/null "http://127.0.0.1:$BENCH_PORT/healthz"; then
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "the server exited; its log ($1):" >&2
      tail -n 30 "$1" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "the server did not answer /healthz within 60 s; see $1" >&2
  exit 1
}

# The live-updates runs open 1,000 streams of one person (the default allows 20).
export LIVE_MAX_STREAMS_PER_USER=1000
export BENCH_ROOT=$root BENCH_ADDR=127.0.0.1:$BENCH_PORT BENCH_DB_URL=$db_url BENCH_PG_BIN=$pg_bin \
  BENCH_OUT BENCH_POSTMASTER_PID=$postmaster_pid

log "starting the server on 127.0.0.1:$BENCH_PORT (it applies the migrations)"
start_server "$work/server-setup.log"
log "signing up the benchmark users"
"$loadgen" signup

# ------------------------------------------------------------------------------- seed
log "seeding (bench/seed.sql, $BENCH_SMALL_USERS small users)"
t0=$SECONDS
scripts/db.sh psql -X -q -v ON_ERROR_STOP=1 -v small_users="$BENCH_SMALL_USERS" -d "$BENCH_DB_NAME" \
  -f "$root/bench/seed.sql"
seed_seconds=$((SECONDS - t0))

log "restarting the server"
stop_server
start_server "$work/server.log"

# ------------------------------------------------------------------------------- measure
log "measuring (progress below; the report goes to $BENCH_OUT)"
BENCH_SERVER_PID=$server_pid \
  BENCH_SERVER_LOG=$work/server.log \
  BENCH_BUILD_SECONDS=$build_seconds \
  BENCH_SEED_SECONDS=$seed_seconds \
  BENCH_COMMAND="${overrides}${invoked}" \
  "$loadgen" run

stop_server
errors=$(sed 's/\x1b\[[0-9;]*m//g' "$work/server.log" | grep -cE ' ERROR |panicked' || true)
if [ "$errors" -gt 0 ]; then
  log "the server logged $errors errors during the run (see bench/work/server.log and the report); the first:"
  sed 's/\x1b\[[0-9;]*m//g' "$work/server.log" | grep -m 3 -E ' ERROR |panicked' >&2 || true
fi
log "done: $BENCH_OUT"
