#!/usr/bin/env bash
# A throw-away local PostgreSQL cluster for development and tests.
#   pg.sh up   STATE_DIR PORT    initialise (once) and start; writes STATE_DIR/postgres.uri (the
#                                superuser's TCP address) and STATE_DIR/postgres.socket (the Unix
#                                socket's directory)
#   pg.sh roles STATE_DIR        create the database, one role and schema per service
#   pg.sh down STATE_DIR         stop the cluster (data kept until STATE_DIR is removed)
# Service roles and passwords come from the environment (DB_PASSWORD_<SERVICE>), see dev.env.
set -euo pipefail

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server binaries not found (install postgresql)" >&2; exit 1; }
DB_NAME=kametrix
SERVICES=(auth agent telephony_webhook billing integrations)

# initdb refuses to run as root, so the cluster belongs to the postgres user when we are root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

data_dir_for() {
  local state=$1
  if [ -L "$state/pg" ] || [ -d "$state/pg" ]; then readlink -f "$state/pg"; return; fi
  local dir="$state/pg"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
    # The postgres user cannot reach the work tree (e.g. under /root): keep the data elsewhere.
    rmdir "$dir"
    dir="/var/tmp/kametrix-pg/$(echo -n "$(readlink -f "$state")" | sha256sum | cut -c1-16)"
    mkdir -p "$dir"
    ln -sfn "$dir" "$state/pg"
  fi
  echo "$dir"
}

cmd_up() {
  local state=$1 port=$2
  mkdir -p "$state"
  local dir; dir=$(data_dir_for "$state")
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    local pw; pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    local pwfile; pwfile=$(mktemp)
    echo "$pw" > "$pwfile"; chmod 644 "$pwfile"
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --pwfile="$pwfile" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; rm -f "$pwfile"; exit 1; }
    rm -f "$pwfile"
    echo "$pw" > "$dir/superuser.pw"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/superuser.pw"
    chmod 600 "$dir/superuser.pw"
  fi
  local pw; pw=$(cat "$dir/superuser.pw")
  if ! as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -w -t 60 -l "$dir/server.log" \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null || { tail -n 30 "$dir/server.log" >&2; exit 1; }
  fi
  local uri="postgresql://postgres:$pw@127.0.0.1:$port/postgres"
  umask 077
  echo "$uri" > "$state/postgres.uri"
  # The services on this machine connect through the Unix socket: a statement's round trip costs
  # the kernel less than over loopback TCP (docs/performance.md). A socket path has at most 107
  # bytes; a longer one leaves them on TCP.
  rm -f "$state/postgres.socket"
  if [ $(( ${#dir} + ${#port} + 10 )) -le 107 ]; then echo "$dir" > "$state/postgres.socket"; fi
}

cmd_roles() {
  local state=$1
  local admin_uri; admin_uri=$(cat "$state/postgres.uri")
  local psql=(psql -X -q -v ON_ERROR_STOP=1 "$admin_uri")
  if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE $DB_NAME"
  fi
  local db_uri="${admin_uri%/postgres}/$DB_NAME"
  local sql="REVOKE ALL ON DATABASE $DB_NAME FROM PUBLIC; REVOKE ALL ON SCHEMA public FROM PUBLIC;"
  for svc in "${SERVICES[@]}"; do
    local var="DB_PASSWORD_${svc^^}"
    local pw="${!var:-}"
    [ -n "$pw" ] || { echo "$var is not set (see infra/dev/dev.env)" >&2; exit 1; }
    local role="kx_$svc"
    sql+="
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN;
  END IF;
END \$\$;
ALTER ROLE $role LOGIN PASSWORD '$pw' NOSUPERUSER NOCREATEDB NOCREATEROLE;
GRANT CONNECT ON DATABASE $DB_NAME TO $role;
CREATE SCHEMA IF NOT EXISTS $svc AUTHORIZATION $role;
ALTER SCHEMA $svc OWNER TO $role;
REVOKE ALL ON SCHEMA $svc FROM PUBLIC;
ALTER ROLE $role IN DATABASE $DB_NAME SET search_path = $svc;"
  done
  psql -X -q -v ON_ERROR_STOP=1 "$db_uri" <<<"$sql"
}

cmd_down() {
  local state=$1
  [ -e "$state/pg" ] || return 0
  local dir; dir=$(readlink -f "$state/pg")
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  up) cmd_up "$2" "$3" ;;
  roles) cmd_roles "$2" ;;
  down) cmd_down "$2" ;;
  *) echo "usage: $0 up STATE_DIR PORT | roles STATE_DIR | down STATE_DIR" >&2; exit 2 ;;
esac
