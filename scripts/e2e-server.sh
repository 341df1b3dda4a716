#!/usr/bin/env bash
# Starts the built server for the Playwright tests (end2end/playwright.config.ts runs this):
# a fresh database `$E2E_DB_NAME` (tasklist_e2e) in the project-local cluster, port $E2E_PORT (3100).
set -euo pipefail
cd "$(dirname "$0")/.."
port=${E2E_PORT:-3100}
profile=${E2E_PROFILE:-debug}
db=${E2E_DB_NAME:-tasklist_e2e}

scripts/db.sh start >&2
scripts/db.sh psql -q -v ON_ERROR_STOP=1 -d postgres \
  -c "drop database if exists $db with (force)" -c "create database $db" >&2

export DATABASE_URL=$(TASKLIST_DB_NAME=$db scripts/db.sh url)
export LEPTOS_SITE_ADDR=127.0.0.1:$port
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_ENV=PROD
export RUST_LOG=${RUST_LOG:-warn}
# Every test signs up from 127.0.0.1: the per-address limit would soon refuse them.
export AUTH_ADDRESS_LIMIT=${AUTH_ADDRESS_LIMIT:-100000}
# No balancer in front: a stop need not wait for one to notice.
export SHUTDOWN_DRAIN_SECS=${SHUTDOWN_DRAIN_SECS:-0}
exec "target/$profile/tasklist"
