#!/usr/bin/env bash
# The project-local PostgreSQL: a private cluster whose data lives under .data/ (git-ignored),
# listening only on a Unix socket in .data/run (mode 0700), so nothing else on the machine can
# reach it. Every command is idempotent.
#
#   scripts/db.sh start     initialise if needed, start if not running, create the database
#   scripts/db.sh stop      stop the cluster (data is kept)
#   scripts/db.sh status    say whether it runs
#   scripts/db.sh url       print the DATABASE_URL of the project-local database
#   scripts/db.sh psql      open psql on it
#   scripts/db.sh restart [fast|immediate]
#                           restart the cluster (pg_ctl restart -m MODE, fast by default;
#                           immediate is a crash: recovery replays the WAL)
#   scripts/db.sh dump FILE     back the database up (pg_dump's custom format) into FILE
#   scripts/db.sh restore FILE  restore FILE into the database, which must be new or empty
#                               (created if missing): TASKLIST_DB_NAME=other scripts/db.sh
#                               restore FILE restores beside the original
#
# initdb and postgres refuse to run as root; when called as root they run as the `postgres`
# system user (created if missing). Override the location with TASKLIST_DATA_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
data=${TASKLIST_DATA_DIR:-$root/.data}
pgdata=$data/postgres
sock=$data/run
db=${TASKLIST_DB_NAME:-tasklist}
role=tasklist

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  "$root/scripts/install-tools.sh" >/dev/null
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi

# Run a command as the cluster's owner.
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  id -u "$owner" >/dev/null 2>&1 || useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin "$owner"
  as_owner() { runuser -u "$owner" -- "$@"; }
else
  owner=$(id -un)
  as_owner() { "$@"; }
fi

url() {
  # sqlx and libpq both read `host=<directory>` as a Unix socket directory.
  echo "postgres://$role@localhost/$db?host=$sock"
}

running() { [ -f "$pgdata/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; }

start() {
  mkdir -p "$data"
  if [ "$(id -u)" -eq 0 ]; then
    # The owner must be able to walk down to the data folder; give traverse-only (x) access
    # to the ancestors that lack it rather than fail.
    d=$data
    while [ "$d" != "/" ]; do
      if ! runuser -u "$owner" -- test -x "$d" 2>/dev/null; then
        log "granting traverse permission on $d to $owner"
        chmod o+x "$d"
      fi
      d=$(dirname "$d")
    done
  fi
  mkdir -p "$pgdata" "$sock"
  if [ "$(id -u)" -eq 0 ]; then chown "$owner" "$pgdata" "$sock"; fi
  chmod 0700 "$pgdata" "$sock"

  if [ ! -f "$pgdata/PG_VERSION" ]; then
    log "initialising a PostgreSQL cluster in $pgdata"
    as_owner "$bindir/initdb" -D "$pgdata" -U "$role" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$pgdata/postgresql.conf" <<CONF
# project-local settings (scripts/db.sh)
listen_addresses = ''
unix_socket_directories = '$sock'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 256MB
fsync = on
log_min_messages = warning
CONF
  fi

  if running; then
    log "PostgreSQL is already running ($sock)"
  else
    log "starting PostgreSQL ($sock)"
    as_owner "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 start >/dev/null
  fi

  if ! as_owner "$bindir/psql" -h "$sock" -U "$role" -d postgres -tAc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
    log "creating database $db"
    as_owner "$bindir/createdb" -h "$sock" -U "$role" "$db"
  fi
}

stop() {
  if running; then
    log "stopping PostgreSQL"
    as_owner "$bindir/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null
  else
    log "PostgreSQL is not running"
  fi
}

restart() {
  local mode=${1:-fast}
  case "$mode" in fast | immediate) ;; *) echo "restart mode: fast or immediate" >&2; exit 2 ;; esac
  running || { echo "PostgreSQL is not running" >&2; exit 1; }
  log "restarting PostgreSQL (-m $mode)"
  as_owner "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -m "$mode" -w -t 60 restart >/dev/null
}

dump() {
  local file=${1:?usage: scripts/db.sh dump FILE}
  running || { echo "PostgreSQL is not running (scripts/db.sh start)" >&2; exit 1; }
  log "dumping $db into $file"
  # Into a temporary file first: a failed dump never leaves a truncated FILE behind.
  "$bindir/pg_dump" -h "$sock" -U "$role" --format=custom --no-owner --file="$file.partial" "$db"
  mv "$file.partial" "$file"
}

restore() {
  local file=${1:?usage: scripts/db.sh restore FILE}
  [ -r "$file" ] || { echo "cannot read $file" >&2; exit 1; }
  running || { echo "PostgreSQL is not running (scripts/db.sh start)" >&2; exit 1; }
  if as_owner "$bindir/psql" -h "$sock" -U "$role" -d postgres -tAc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
    local tables
    tables=$("$bindir/psql" -h "$sock" -U "$role" -d "$db" -tAc "select count(*) from pg_tables where schemaname = 'public'")
    if [ "$tables" != 0 ]; then
      echo "database $db already has tables: restore into a new one (TASKLIST_DB_NAME=...)" >&2
      exit 1
    fi
  else
    as_owner "$bindir/createdb" -h "$sock" -U "$role" "$db"
  fi
  log "restoring $file into $db"
  "$bindir/pg_restore" -h "$sock" -U "$role" --no-owner --exit-on-error --single-transaction -d "$db" "$file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart "${2:-fast}" ;;
  dump) dump "${2:-}" ;;
  restore) restore "${2:-}" ;;
  status) if running; then echo "running: $(url)"; else echo "stopped"; exit 3; fi ;;
  url) url ;;
  psql) shift; exec "$bindir/psql" -h "$sock" -U "$role" -d "$db" "$@" ;;
  *) echo "usage: $0 start|stop|restart [fast|immediate]|status|url|psql|dump FILE|restore FILE" >&2; exit 2 ;;
esac
