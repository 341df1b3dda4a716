#!/usr/bin/env bash
# Installs, idempotently, every tool that building, running and testing the app needs.
# Each step is skipped when the right version is already there, so a warm machine pays nothing.
#   scripts/install-tools.sh           build + run tools (wasm target, cargo-leptos, wasm-bindgen, wasm-opt, PostgreSQL)
#   scripts/install-tools.sh --test    also the test tools (sqlx-cli, end2end npm packages, Debian's chromium,
#                                      HAProxy for the two-instance tests, PgBouncer and openssl for tests/faults)
#   scripts/install-tools.sh --cluster also HAProxy (scripts/cluster.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
# Must equal the `wasm-bindgen = "=x.y.z"` pin in Cargo.toml (cargo-leptos uses it unchecked).
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
SQLX_CLI_VERSION=0.8.6

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo

export PATH="$HOME/.cargo/bin:$PATH"

# --- Rust: the wasm target -------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# --- cargo-leptos ------------------------------------------------------------------------
# 0.3.11's lock pins cargo-util-schemas 0.14.2, which needs rustc 1.96. We build it from its
# unpacked crate source with that one dependency moved back to 0.14.1, and with `no_downloads`
# so a missing tool is a clear error rather than a failed download.
if ! cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$"; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION from source (about 15 minutes on 2 cores)"
  reg_src() { ls -d "$HOME"/.cargo/registry/src/*/cargo-leptos-"$CARGO_LEPTOS_VERSION" 2>/dev/null | head -n1; }
  if [ -z "$(reg_src)" ]; then
    # Downloads and unpacks the crate, then stops at the rust-version check; that is all we want of it.
    cargo install cargo-leptos --version "=$CARGO_LEPTOS_VERSION" --locked >/dev/null 2>&1 || true
  fi
  src=$(reg_src)
  [ -n "$src" ] || { echo "could not fetch cargo-leptos $CARGO_LEPTOS_VERSION source" >&2; exit 1; }
  work=$(mktemp -d)
  cp -r "$src"/. "$work"/
  (cd "$work" && cargo update -q -p cargo-util-schemas --precise 0.14.1 &&
    cargo install --path . --locked --features no_downloads)
  rm -rf "$work"
fi

# --- wasm-bindgen-cli, the exact version of the pin ----------------------------------------
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lock names a crate version this registry lacks.
  cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --force
fi

# --- wasm-opt (release builds), from npm's binaryen ------------------------------------------
# Debian's binaryen 108 breaks hydration at run time; the npm package 132 works.
BINARYEN_VERSION=132.0.0
tools_dir="$PWD/.tools"
if ! "$tools_dir/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version 132"; then
  have npm || apt_install nodejs npm
  log "installing wasm-opt (npm binaryen $BINARYEN_VERSION)"
  mkdir -p "$tools_dir"
  npm install --prefix "$tools_dir" --no-save --silent "binaryen@$BINARYEN_VERSION" >/dev/null
fi

# --- PostgreSQL server binaries -------------------------------------------------------------
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_install postgresql
fi

# --- HAProxy, the balancer of scripts/cluster.sh (Debian's 2.6), and curl (its health checks;
# the README's API examples, which tests/api/readme.rs runs) --
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--cluster" ]; then
  [ -x /usr/sbin/haproxy ] || have haproxy || apt_install haproxy
  have curl || apt_install curl
fi

[ "${1:-}" = "--test" ] || exit 0

# --- test tools -------------------------------------------------------------------------------
# PgBouncer (Debian's 1.18) and openssl: tests/faults runs the app behind the pooler and
# against a PostgreSQL that speaks TLS with a certificate made on the spot.
[ -x /usr/sbin/pgbouncer ] || apt_install pgbouncer
have openssl || apt_install openssl

if ! cargo sqlx --version 2>/dev/null | grep -q " $SQLX_CLI_VERSION\$"; then
  log "installing sqlx-cli $SQLX_CLI_VERSION"
  cargo install sqlx-cli --version "=$SQLX_CLI_VERSION" --locked --no-default-features --features rustls,postgres
fi

if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi

if [ ! -d end2end/node_modules ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  have npm || apt_install nodejs npm
  log "npm ci (end2end)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent)
fi
