#!/usr/bin/env bash
# What NOTIFY costs PostgreSQL itself, without the app: one-row insert transactions through
# pgbench, plain and with a pg_notify, at 1, 8 and 32 clients, with the WAL flushes each
# transaction took (pg_stat_wal.wal_sync). PostgreSQL serializes the commits of notifying
# transactions (a lock taken in PreCommit_Notify and held until the commit is flushed), so they
# cannot share a flush: group commit is lost, and it shows as one flush per transaction.
#
#   bench/notify-lock.sh            uses the project-local cluster's database $BENCH_DB_NAME
#                                   (tasklist_bench, made by `make bench`; created if missing)
#
# Prints a table; about 40 s. Makes and drops one scratch table, `notify_lock_scratch`.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${BENCH_DB_NAME:-tasklist_bench}
seconds=${BENCH_SECONDS:-6}
scripts/db.sh start >/dev/null
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
psql() { scripts/db.sh psql -X -q -v ON_ERROR_STOP=1 "$@"; }
if [ -z "$(psql -d postgres -At -c "select 1 from pg_database where datname = '$db'")" ]; then
  psql -d postgres -c "create database $db"
fi
url=$(TASKLIST_DB_NAME=$db scripts/db.sh url)
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -d "$db" -c "drop table if exists notify_lock_scratch" || true' EXIT
psql -d "$db" -c "create table if not exists notify_lock_scratch (id bigserial primary key, v int)"
printf 'begin;\ninsert into notify_lock_scratch (v) values (1);\ncommit;\n' >"$work/plain.sql"
printf "begin;\ninsert into notify_lock_scratch (v) values (1);\nselect pg_notify('notify_lock_scratch', 'x');\ncommit;\n" >"$work/notify.sql"

syncs() { psql -d "$db" -At -c "select wal_sync from pg_stat_wal"; }
echo "| clients | transaction | tps | WAL flushes per transaction |"
echo "|---|---|---|---|"
for c in 1 8 32; do
  for kind in plain notify; do
    before=$(syncs)
    tps=$("$pg_bin/pgbench" -n -f "$work/$kind.sql" -c "$c" -j 2 -T "$seconds" "$url" 2>/dev/null |
      sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    after=$(syncs)
    awk -v c="$c" -v k="$kind" -v t="$tps" -v s="$((after - before))" -v d="$seconds" \
      'BEGIN { printf "| %d | %s | %.0f | %.2f |\n", c, (k == "plain" ? "insert" : "insert + pg_notify"), t, s / (t * d) }'
  done
done
