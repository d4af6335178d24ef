#!/usr/bin/env bash
# Back up the portal into DEST_DIR: the database DATABASE_URL names and the uploads in
# MEDIA_ROOT, with a manifest (time, database kind, sizes, sha256 sums) that restore.sh
# checks before it touches anything.
#
#   scripts/backup.sh DEST_DIR
#
# PostgreSQL (postgres://...): pg_dump --format=custom --no-owner, one consistent snapshot.
# SQLite (sqlite:///path, or DATABASE_URL unset: db.sqlite3 in the repository): SQLite's
# online backup API, so a live database is copied consistently (never `cp` of an open file).
# MEDIA_ROOT (default: media/ in the repository), or the bucket MEDIA_S3_BUCKET names,
# becomes media.tar.gz, archived after the database so that every file it names is in it.
#
# DEST_DIR is created; an existing non-empty one is refused (a backup never overwrites another).
# Files are created readable by their owner only: the database holds subscribers' addresses.
# The password is passed to pg_dump in PGPASSWORD and never printed.
set -euo pipefail
umask 077

ROOT=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "backup: $*" >&2; }
die() {
  echo "backup: ERROR: $*" >&2
  exit 1
}

if [ $# -ne 1 ] || [ -z "$1" ] || [ "${1#-}" != "$1" ]; then die "usage: scripts/backup.sh DEST_DIR"; fi
DEST=$1
MEDIA=${MEDIA_ROOT:-$ROOT/media}

if [ -n "${PYTHON:-}" ]; then PY=$PYTHON
elif [ -x "$ROOT/.venv/bin/python" ]; then PY=$ROOT/.venv/bin/python
else PY=$(command -v python3) || die "python3 not found (needed for the manifest and SQLite backups)"
fi

# DATABASE_URL -> DB_KIND, DB_NAME and DB_PATH (SQLite) or DB_URI without the password + DB_PASSWORD.
db_vars=$("$PY" "$ROOT/scripts/dburl.py" "$ROOT") || die "cannot read DATABASE_URL (see above)"
eval "$db_vars"
if [ -n "$DB_PASSWORD" ]; then export PGPASSWORD=$DB_PASSWORD; fi
unset DB_PASSWORD db_vars

MEDIA_SOURCE=$MEDIA
if [ -n "${MEDIA_S3_BUCKET:-}" ]; then
  MEDIA_SOURCE="s3://$MEDIA_S3_BUCKET/${MEDIA_S3_PREFIX:-}"  # exported after the database, below
else
  [ -d "$MEDIA" ] || die "MEDIA_ROOT $MEDIA is not a directory (set MEDIA_ROOT to the uploads folder)"
fi
if [ -e "$DEST" ] && [ ! -d "$DEST" ]; then die "$DEST exists and is not a directory"; fi
if [ -d "$DEST" ] && [ -n "$(ls -A "$DEST")" ]; then
  die "$DEST is not empty: give a new directory for each backup (e.g. .../portal-\$(date -u +%Y%m%dT%H%M%SZ))"
fi
mkdir -p "$DEST" || die "cannot create $DEST"
DEST=$(cd "$DEST" && pwd)

made=()
STAGE=
finish() {
  status=$?
  if [ -n "$STAGE" ]; then rm -rf "$STAGE"; fi
  if [ "$status" -ne 0 ]; then
    for file in "${made[@]}"; do rm -f "$DEST/$file"; done
    echo "backup: FAILED (exit $status): nothing usable was written to $DEST" >&2
  fi
}
trap finish EXIT

if [ "$DB_KIND" = postgresql ]; then
  DB_FILE=database.dump
  command -v pg_dump >/dev/null || die "pg_dump not found (Debian: apt-get install postgresql-client)"
  say "dumping PostgreSQL database $DB_NAME with $(pg_dump --version)"
  made+=("$DB_FILE")
  pg_dump --format=custom --no-owner --dbname="$DB_URI" --file="$DEST/$DB_FILE" ||
    die "pg_dump of database $DB_NAME failed (see its message above)"
else
  DB_FILE=database.sqlite3
  say "copying SQLite database $DB_PATH with SQLite's online backup API"
  made+=("$DB_FILE")
  "$PY" - "$DB_PATH" "$DEST/$DB_FILE" <<'PYEOF' || die "SQLite backup of $DB_PATH failed (see above)"
import os, sqlite3, sys
from urllib.parse import quote

source_path, copy_path = sys.argv[1:]
if not os.path.isfile(source_path):
    sys.exit(f"SQLite database {source_path} does not exist")
source = sqlite3.connect(f"file:{quote(source_path)}?mode=ro", uri=True, timeout=30)
copy = sqlite3.connect(copy_path)
with copy:
    source.backup(copy)
result = copy.execute("PRAGMA integrity_check").fetchone()[0]
source.close()
copy.close()
if result != "ok":
    sys.exit(f"the copy fails SQLite's integrity check: {result}")
PYEOF
fi

if [ -n "${MEDIA_S3_BUCKET:-}" ]; then
  # Uploads in a bucket (portal/storage.py): copied out through Django's storage API first.
  STAGE=$(mktemp -d "$DEST/.media-XXXXXX")  # removed by finish()
  MEDIA=$STAGE
  say "exporting the uploads from $MEDIA_SOURCE"
  "$PY" "$ROOT/manage.py" media_files export "$MEDIA" >&2 ||
    die "exporting the uploads from $MEDIA_SOURCE failed (see above)"
fi
say "archiving the uploads ($MEDIA_SOURCE)"
made+=(media.tar.gz)
tar -C "$MEDIA" -czf "$DEST/media.tar.gz" . || die "archiving $MEDIA failed (see tar's message above)"

made+=(manifest.json)
code_version=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || true)
"$PY" - "$DEST" "$DB_KIND" "$DB_NAME" "$DB_FILE" "$MEDIA_SOURCE" "$code_version" <<'PYEOF' || die "writing the manifest failed"
import datetime, hashlib, json, os, sys

dest, kind, name, db_file, media, code_version = sys.argv[1:]
def describe(file_name):
    digest = hashlib.sha256()
    with open(os.path.join(dest, file_name), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": os.path.getsize(os.path.join(dest, file_name)), "sha256": digest.hexdigest()}
manifest = {
    "format": 1,
    "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "database": {"kind": kind, "name": name, "file": db_file},
    "media": {"root": media, "file": "media.tar.gz"},
    "code_version": code_version or None,
    "files": {file_name: describe(file_name) for file_name in (db_file, "media.tar.gz")},
}
with open(os.path.join(dest, "manifest.json"), "w") as handle:
    json.dump(manifest, handle, indent=2)
    handle.write("\n")
for file_name, facts in manifest["files"].items():
    print(f"backup: {file_name}: {facts['bytes']} bytes, sha256 {facts['sha256']}", file=sys.stderr)
PYEOF

say "done: $DEST ($DB_KIND database $DB_NAME, media, manifest.json)"
echo "$DEST"
