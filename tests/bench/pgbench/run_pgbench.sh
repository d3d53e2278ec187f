#!/usr/bin/env bash
# What PostgreSQL itself reaches for billing's charge transaction (charge_call.sql), without
# Kafka or billing: the events and billing migrations are applied to a schema of their own
# (bench_billing, dropped and made again on every run, so nothing reaches the real outbox), OWNERS
# accounts are opened with enough credit, and pgbench runs the script with CLIENTS connections.
# Statements go as named prepared statements (-M prepared), as billing sends them (pg::Statement);
# PGBENCH_MODE=extended measures unnamed ones, parsed and planned on every execution.
#   tests/bench/pgbench/run_pgbench.sh [CLIENTS] [SECONDS] [OWNERS]
# The database: KX_STATE_DIR's postgres.uri (default .run, infra/up.sh's platform). Only the
# bench schema's accounts are analysed: a database-wide ANALYZE on a fresh platform records its
# tables as empty, and the services' prepared statements are then planned for empty tables
# (sequential scans) until autovacuum analyses them again: it made the next charging burst
# 2–3 times slower.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
HERE="$ROOT/tests/bench/pgbench"
CLIENTS=${1:-8}
SECONDS_=${2:-15}
OWNERS=${3:-200}
STATE=${KX_STATE_DIR:-$ROOT/.run}
admin_uri=$(cat "$STATE/postgres.uri")
db_uri="${admin_uri%/postgres}/kametrix"

{
  echo "SET client_min_messages = warning;"
  echo "DROP SCHEMA IF EXISTS bench_billing CASCADE; CREATE SCHEMA bench_billing;"
  echo "SET search_path = bench_billing;"
  cat "$ROOT"/libs/events/migrations/*.sql "$ROOT"/services/billing/migrations/*.sql
  echo "INSERT INTO accounts (user_id, balance_cents, email, name)
        SELECT 'pgb-owner-' || i, 1000000000, 'pgb-' || i || '@salon-beispiel.de', 'Bench ' || i
        FROM generate_series(1, $OWNERS) AS i;
        ANALYZE accounts;"
} | psql -X -q -v ON_ERROR_STOP=1 "$db_uri" >/dev/null

PGOPTIONS="-c search_path=bench_billing" pgbench -n -M "${PGBENCH_MODE:-prepared}" \
  -c "$CLIENTS" -j "$(( CLIENTS < 2 ? CLIENTS : 2 ))" -T "$SECONDS_" -D owners="$OWNERS" \
  -f "$HERE/charge_call.sql" "$db_uri"
