#!/usr/bin/env bash
# Install (if missing) and start Debian's PostgreSQL on 127.0.0.1:5432, with a
# `portal` role allowed to create the test database. Prints the DATABASE_URL.
set -euo pipefail

PG_USER=${PG_USER:-portal}
PG_PASSWORD=${PG_PASSWORD:-portal}
PG_DB=${PG_DB:-portal}

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "Installing PostgreSQL from Debian's packages..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start >&2
fi

for _ in $(seq 1 30); do
  runuser -u postgres -- pg_isready -q -h 127.0.0.1 && break
  sleep 1
done

runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 <<SQL >&2
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_USER}') THEN
    CREATE ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}';
  END IF;
END
\$\$;
SQL
if ! runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname='${PG_DB}'" | grep -q 1; then
  runuser -u postgres -- createdb -O "$PG_USER" "$PG_DB" >&2
fi

echo "postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:5432/${PG_DB}"
