#!/usr/bin/env bash
# `make test`: every check and test, in the order that fails fastest. Installs what is
# missing and starts the project-local PostgreSQL first; each step is skipped when done.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*" >&2; }
started=$(date +%s)

step "tools"
scripts/install-tools.sh --test

step "formatting"
cargo fmt --all -- --check

step "database"
scripts/db.sh start
# The tests make (and drop) a database each; DATABASE_URL names the cluster to make them in.
export DATABASE_URL=${DATABASE_URL:-$(scripts/db.sh url)}

step "sqlx offline data (.sqlx) is current"
check_db=tasklist_sqlx_check
check_url=$(TASKLIST_DB_NAME=$check_db scripts/db.sh url)
TASKLIST_DB_NAME=$check_db scripts/db.sh start >/dev/null 2>&1
DATABASE_URL=$check_url cargo sqlx migrate run --source migrations >/dev/null
DATABASE_URL=$check_url cargo sqlx prepare --check -- --all-targets --features ssr

# From here on, builds must need no database: the committed .sqlx data is enough.
export SQLX_OFFLINE=true

step "clippy (server, with tests)"
cargo clippy --all-targets --features ssr -- -D warnings

step "clippy (browser build, hydrate only: no server code may leak into it)"
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

step "build (server + WASM)"
cargo leptos build --split

step "unit and integration tests"
cargo test --features ssr

step "end-to-end tests (Playwright, Debian's chromium)"
(cd end2end && npx playwright test)

step "all checks passed in $(( $(date +%s) - started )) s"
