#!/usr/bin/env bash
# Runs once, when the postgres:15 container initialises an empty data volume
# (/docker-entrypoint-initdb.d). Creates the database `kametrix` and, per service, a login role
# kx_<schema> that owns only its schema, like infra/postgres/pg.sh's `roles` does locally.
# Passwords come from DB_PASSWORD_<SCHEMA> in the container's environment. Later password
# changes are made with ALTER ROLE; this script does not run again on an existing volume.
set -eo pipefail

DB=kametrix
SCHEMAS=(auth agent telephony_webhook billing integrations)

for schema in "${SCHEMAS[@]}"; do
  var="DB_PASSWORD_${schema^^}"
  if [ -z "${!var:-}" ]; then
    echo "postgres-init: $var is not set" >&2
    exit 1
  fi
done

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE DATABASE $DB;
REVOKE ALL ON DATABASE $DB FROM PUBLIC;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$DB" \
  -c "REVOKE ALL ON SCHEMA public FROM PUBLIC"

for schema in "${SCHEMAS[@]}"; do
  var="DB_PASSWORD_${schema^^}"
  # Values travel as psql variables (:'pw' quotes them), so a password needs no escaping here.
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$DB" \
    -v role="kx_$schema" -v schema="$schema" -v pw="${!var}" -v db="$DB" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'pw' NOSUPERUSER NOCREATEDB NOCREATEROLE;
GRANT CONNECT ON DATABASE :"db" TO :"role";
CREATE SCHEMA :"schema" AUTHORIZATION :"role";
REVOKE ALL ON SCHEMA :"schema" FROM PUBLIC;
ALTER ROLE :"role" IN DATABASE :"db" SET search_path = :"schema";
SQL
done
echo "postgres-init: database $DB with roles and schemas ${SCHEMAS[*]} created"
