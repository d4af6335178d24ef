#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into the database DATABASE_URL names and into
# MEDIA_ROOT (default: media/ in the repository).
#
#   scripts/restore.sh [--force] SRC_DIR
#
# Order, so that a bad backup or a wrong target changes nothing:
#   1. every file's size and sha256 is checked against SRC_DIR/manifest.json;
#   2. the backup's database kind must match DATABASE_URL's (PostgreSQL or SQLite);
#   3. the target database must be EMPTY (no tables): create a new one for the restore.
#      --force restores over a non-empty one (PostgreSQL: pg_restore --clean --if-exists,
#      which drops and recreates the backup's tables; SQLite: the file is replaced);
#   4. PostgreSQL: pg_restore --no-owner --no-privileges --exit-on-error --single-transaction
#      (all or nothing), then ANALYZE. SQLite: SQLite's backup API copies the file in;
#   5. media.tar.gz is unpacked into MEDIA_ROOT (created if missing; same names replaced).
# The password is passed to libpq in PGPASSWORD and never printed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "restore: $*" >&2; }
die() {
  echo "restore: ERROR: $*" >&2
  exit 1
}
usage="usage: scripts/restore.sh [--force] SRC_DIR"

FORCE=
SRC=
for arg in "$@"; do
  case $arg in
    --force) FORCE=1 ;;
    -*) die "unknown option $arg; $usage" ;;
    *) [ -z "$SRC" ] || die "$usage"; SRC=$arg ;;
  esac
done
[ -n "$SRC" ] || die "$usage"
[ -d "$SRC" ] || die "$SRC is not a directory"
SRC=$(cd "$SRC" && pwd)
[ -f "$SRC/manifest.json" ] || die "$SRC has no manifest.json: not a (complete) backup made by scripts/backup.sh"
MEDIA=${MEDIA_ROOT:-$ROOT/media}

if [ -n "${PYTHON:-}" ]; then PY=$PYTHON
elif [ -x "$ROOT/.venv/bin/python" ]; then PY=$ROOT/.venv/bin/python
else PY=$(command -v python3) || die "python3 not found (needed to check the manifest)"
fi

# 1. Check every file against the manifest before anything else; prints the backup's facts.
say "checking $SRC against its manifest"
backup_vars=$("$PY" - "$SRC" <<'PYEOF'
import hashlib, json, os, shlex, sys

src = sys.argv[1]
try:
    with open(os.path.join(src, "manifest.json")) as handle:
        manifest = json.load(handle)
    kind, db_file = manifest["database"]["kind"], manifest["database"]["file"]
    files = manifest["files"]
except (ValueError, KeyError, TypeError) as error:
    sys.exit(f"manifest.json is unreadable or incomplete ({error!r}): refusing to restore")
if manifest.get("format") != 1 or kind not in ("postgresql", "sqlite"):
    sys.exit(f"manifest.json format {manifest.get('format')!r}, kind {kind!r}: not a backup this script knows")
if set(files) != {db_file, "media.tar.gz"} or any(os.sep in name for name in files):
    sys.exit(f"manifest.json lists unexpected files {sorted(files)}: refusing to restore")
for name, facts in files.items():
    path = os.path.join(src, name)
    if not os.path.isfile(path):
        sys.exit(f"{name} is missing from the backup: refusing to restore")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    size = os.path.getsize(path)
    if size != facts["bytes"] or digest.hexdigest() != facts["sha256"]:
        sys.exit(
            f"sha256 mismatch for {name} ({size} bytes, sha256 {digest.hexdigest()}; the manifest says "
            f"{facts['bytes']} bytes, sha256 {facts['sha256']}): the backup is corrupted or was changed, "
            "refusing to restore"
        )
    print(f"restore: {name}: {size} bytes, sha256 ok", file=sys.stderr)
print(f"BACKUP_KIND={shlex.quote(kind)}\nBACKUP_DB_FILE={shlex.quote(db_file)}")
print(f"BACKUP_CREATED={shlex.quote(str(manifest.get('created')))}")
PYEOF
) || die "the backup in $SRC failed its checks; nothing was changed"
eval "$backup_vars"

# DATABASE_URL -> DB_KIND, DB_NAME and DB_PATH (SQLite) or DB_URI without the password + DB_PASSWORD.
db_vars=$("$PY" "$ROOT/scripts/dburl.py" "$ROOT") || die "cannot read DATABASE_URL (see above)"
eval "$db_vars"
if [ -n "$DB_PASSWORD" ]; then export PGPASSWORD=$DB_PASSWORD; fi
unset DB_PASSWORD db_vars

# 2. Same kind of database.
if [ "$BACKUP_KIND" != "$DB_KIND" ]; then
  die "this backup holds a $BACKUP_KIND database but DATABASE_URL names a $DB_KIND one: restore into the same kind"
fi

# 3. The target must be empty (count of its tables, views and sequences).
if [ "$DB_KIND" = postgresql ]; then
  for tool in pg_restore psql; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install postgresql-client)"
  done
  tables=$(psql --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 --dbname="$DB_URI" -c "
    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'") ||
    die "cannot connect to the target database $DB_NAME (create it first, empty: createdb -O <owner> $DB_NAME)"
else
  tables=$("$PY" - "$DB_PATH" <<'PYEOF'
import os, sqlite3, sys
from urllib.parse import quote

path = sys.argv[1]
if not os.path.exists(path) or os.path.getsize(path) == 0:
    print(0)
    sys.exit()
connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
print(connection.execute("SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view')").fetchone()[0])
PYEOF
) || die "cannot read the target SQLite database $DB_PATH"
fi
if [ "$tables" != 0 ]; then
  if [ -z "$FORCE" ]; then
    die "the target database $DB_NAME is not empty ($tables tables): restore only into an empty database" \
      "(create a new one), or pass --force to overwrite it. Nothing was changed."
  fi
  say "--force: restoring over the non-empty database $DB_NAME ($tables tables)"
fi

if [ -z "${MEDIA_S3_BUCKET:-}" ]; then
  mkdir -p "$MEDIA" || die "cannot create MEDIA_ROOT $MEDIA"
  [ -w "$MEDIA" ] || die "MEDIA_ROOT $MEDIA is not writable"
fi

# 4. The database.
say "restoring the $BACKUP_KIND database of $BACKUP_CREATED into $DB_NAME"
if [ "$DB_KIND" = postgresql ]; then
  clean=()
  if [ -n "$FORCE" ]; then clean=(--clean --if-exists); fi
  pg_restore --no-owner --no-privileges --exit-on-error --single-transaction "${clean[@]}" \
    --dbname="$DB_URI" "$SRC/$BACKUP_DB_FILE" ||
    die "pg_restore into $DB_NAME failed and was rolled back (see its message above); media untouched"
  psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --dbname="$DB_URI" -c "ANALYZE" >/dev/null ||
    die "ANALYZE after the restore failed"
else
  "$PY" - "$SRC/$BACKUP_DB_FILE" "$DB_PATH" <<'PYEOF' || die "restoring into $DB_PATH failed; media untouched"
import sqlite3, sys
from urllib.parse import quote

copy_path, target_path = sys.argv[1:]
copy = sqlite3.connect(f"file:{quote(copy_path)}?mode=ro", uri=True)
target = sqlite3.connect(target_path, timeout=30)
with target:
    copy.backup(target)
result = target.execute("PRAGMA integrity_check").fetchone()[0]
if result != "ok":
    sys.exit(f"the restored database fails SQLite's integrity check: {result}")
PYEOF
fi

# 5. The media.
if [ -n "${MEDIA_S3_BUCKET:-}" ]; then
  # Uploads in a bucket (portal/storage.py): unpacked aside, then copied in through Django.
  MEDIA_STAGE=$(mktemp -d)
  trap 'rm -rf "$MEDIA_STAGE"' EXIT
  tar -xzf "$SRC/media.tar.gz" -C "$MEDIA_STAGE" --no-same-owner ||
    die "unpacking media.tar.gz failed (the database is restored; fix the cause and run again with --force)"
  say "importing the uploads into s3://$MEDIA_S3_BUCKET/${MEDIA_S3_PREFIX:-}"
  "$PY" "$ROOT/manage.py" media_files import "$MEDIA_STAGE" >&2 ||
    die "importing the uploads into the bucket failed (the database is restored; run again with --force)"
  MEDIA="s3://$MEDIA_S3_BUCKET/${MEDIA_S3_PREFIX:-}"
else
  say "unpacking media into $MEDIA"
  tar -xzf "$SRC/media.tar.gz" -C "$MEDIA" --no-same-owner --no-overwrite-dir ||
    die "unpacking media.tar.gz into $MEDIA failed (the database is restored; fix the cause and run again with --force)"
fi

say "done: database $DB_NAME and MEDIA_ROOT $MEDIA restored from $SRC"
say "next: run 'manage.py migrate' if this code is newer than the backup, and 'manage.py search_index rebuild'" \
  "if a search cluster (OPENSEARCH_URL / ELASTICSEARCH_URL) is used"
