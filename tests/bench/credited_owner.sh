#!/usr/bin/env bash
# Signs up owners through the gateway of a running platform and credits their accounts with an
# admin adjustment, so a benchmark's calls are all charged instead of stopping at the grace
# limit. Prints each owner's user id on its own line. Used by the benchmarks under tests/bench/.
#   tests/bench/credited_owner.sh [CENTS] [COUNT]
# With KX_BENCH_OWNERS (user ids, separated by spaces) it credits those owners instead of
# signing up new ones. Needs GATEWAY_URL and KX_STATE_DIR (where postgres.uri is) of that
# platform.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CENTS=${1:-10000000}
COUNT=${2:-1}
G=${GATEWAY_URL:-http://127.0.0.1:8080}
STATE=${KX_STATE_DIR:-$ROOT/.run}
DB_PASSWORD_AUTH=${DB_PASSWORD_AUTH:-$(. "$ROOT/infra/dev/dev.env"; echo "$DB_PASSWORD_AUTH")}
admin_uri=$(cat "$STATE/postgres.uri")
pg_port=${admin_uri##*:}
pg_port=${pg_port%%/*}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
json_field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# A browser-like client: the CSRF cookie first, then the token on every change.
client() {  # client JAR METHOD PATH [BODY]
  local jar=$1 method=$2 path=$3 body=${4:-}
  local csrf; csrf=$(awk '$6=="kx_csrf"{print $7}' "$jar" 2>/dev/null || true)
  curl -fsS -b "$jar" -c "$jar" -X "$method" -H 'Content-Type: application/json' \
    ${csrf:+-H "X-CSRF-Token: $csrf"} ${body:+-d "$body"} "$G$path"
}

admin="$tmp/admin"
stamp=$(date +%s%N)
password=$(DATABASE_URL="postgresql://kx_auth:$DB_PASSWORD_AUTH@127.0.0.1:$pg_port/kametrix" \
  "$ROOT/build/services/auth/kx-auth" create-admin --email "bench-admin-$stamp@salon-beispiel.de" |
  tail -n 1 | sed 's/.*: //')
client "$admin" GET / >/dev/null
client "$admin" POST /api/auth/login \
  "{\"email\":\"bench-admin-$stamp@salon-beispiel.de\",\"password\":\"$password\"}" >/dev/null

# Owners sign up four at a time (each sign-up hashes a password). Each writes its id to a file
# of its own: four processes printing to one pipe can interleave their lines.
sign_up() {  # sign_up N: writes the new owner's id to $tmp/id-N
  local jar="$tmp/owner-$1"
  client "$jar" GET / >/dev/null
  client "$jar" POST /api/auth/register \
    "{\"email\":\"bench-owner-$stamp-$1@salon-beispiel.de\",\"password\":\"Sonnenblume-7-Fenster\",\"name\":\"Bench $1\"}" |
    json_field 'd["user"]["id"]' >"$tmp/id-$1"
}
export -f sign_up client json_field
export tmp G stamp
if [ -n "${KX_BENCH_OWNERS:-}" ]; then
  tr ' ' '\n' <<<"$KX_BENCH_OWNERS" | grep . >"$tmp/owners"
else
  seq 1 "$COUNT" | xargs -P 4 -I{} bash -c 'sign_up {}'
  for n in $(seq 1 "$COUNT"); do cat "$tmp/id-$n"; done >"$tmp/owners"
  [ "$(grep -cE '^[0-9a-f-]{36}$' "$tmp/owners")" -eq "$COUNT" ] || { echo "sign-up failed" >&2; exit 1; }
fi

# Credit once billing has opened the account (it learns of the sign-up from user.registered), in
# adjustments of at most 100,000 € each (billing's limit for one adjustment).
while read -r user_id; do
  left=$CENTS part=0
  while [ "$left" -gt 0 ]; do
    cents=$(( left < 10000000 ? left : 10000000 ))
    for _ in $(seq 1 150); do
      client "$admin" POST /api/admin/credits/adjust \
        "{\"user_id\":\"$user_id\",\"cents\":$cents,\"reason\":\"Benchmark\",\"request_key\":\"bench-$user_id-$part\"}" \
        >/dev/null 2>&1 && break
      sleep 0.2
    done
    left=$((left - cents)) part=$((part + 1))
  done
done <"$tmp/owners"
cat "$tmp/owners"
