#!/usr/bin/env bash
# Records the SQL statements of a release (every query of its `.sqlx/` offline data) in
# tests/compat/, where tests/api/compat.rs prepares each against the schema the current
# migrations make: a migration that would break an older instance still running during a
# rolling deploy (a dropped or renamed column, a changed type) fails the test.
#
#   scripts/compat-snapshot.sh REF    e.g. the commit of the release in production
#
# Keep one snapshot, of the oldest release that may still run beside the newest; replace it
# when that changes (after a contract step, see the README's "Migrations").
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${1:?usage: scripts/compat-snapshot.sh REF}
sha=$(git rev-parse --short=7 "$ref^{commit}")
out=tests/compat/statements.json
files=$(git ls-tree --name-only "$sha" .sqlx/ | grep '^.sqlx/query-.*\.json$')
{
  printf '{\n  "release": "%s",\n  "statements": [\n' "$sha"
  first=1
  for f in $files; do
    [ $first = 1 ] || printf ',\n'
    first=0
    git show "$sha:$f" | python3 -c 'import json,sys; print("    " + json.dumps(json.load(sys.stdin)["query"]), end="")'
  done
  printf '\n  ]\n}\n'
} >"$out"
echo "wrote $out: $(grep -c '^    "' "$out") statements of $sha" >&2
