#!/usr/bin/env bash
# `make run`: installs what is missing, starts the project-local PostgreSQL (unless
# DATABASE_URL names another), builds the release app and serves it on http://127.0.0.1:3000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH" # wasm-opt for release builds
if [ -z "${DATABASE_URL:-}" ]; then
  scripts/db.sh start
fi
# One instance and no balancer: Ctrl-C stops at once (SHUTDOWN_DRAIN_SECS, README).
export SHUTDOWN_DRAIN_SECS=${SHUTDOWN_DRAIN_SECS:-0}
exec cargo leptos serve --release --split
