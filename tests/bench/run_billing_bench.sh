#!/usr/bin/env bash
# Benchmarks billing's charging on a running platform (by default the one infra/up.sh started):
# call.completed events go onto Kafka as telephony-webhook would publish them, spread over OWNERS
# signed-up owners, and kx-billing-bench follows credits.deducted. Prints one JSON line per
# scenario (charges per second, lag, calls charged more than once or never). Not a test: numbers
# depend on the machine; docs/performance.md records them.
#   tests/bench/run_billing_bench.sh [BURST_CALLS] [PACED_RATE_PER_S] [PACED_SECONDS] [OWNERS]
# PACED_SECONDS=0 skips the paced scenario.
# Another platform: set GATEWAY_URL, KX_STATE_DIR (where kafka.bootstrap is) and PG_PORT.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH="$ROOT/build/tests/kx-billing-bench"
BURST=${1:-2000}
RATE=${2:-50}
PACED_SECONDS=${3:-20}
OWNERS=${4:-200}
G=${GATEWAY_URL:-http://127.0.0.1:8080}
STATE=${KX_STATE_DIR:-$ROOT/.run}
PG_PORT=${PG_PORT:-$(. "$ROOT/infra/dev/dev.env"; echo "$PG_PORT")}
DB_PASSWORD_AUTH=${DB_PASSWORD_AUTH:-$(. "$ROOT/infra/dev/dev.env"; echo "$DB_PASSWORD_AUTH")}
[ -x "$BENCH" ] || cmake --build "$ROOT/build" --target kx-billing-bench >/dev/null
BOOTSTRAP=$(cat "$STATE/kafka.bootstrap")

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
admin_email="billing-bench-admin-$(date +%s%N)@salon-beispiel.de"
password=$(DATABASE_URL="postgresql://kx_auth:$DB_PASSWORD_AUTH@127.0.0.1:$PG_PORT/kametrix" \
  "$ROOT/build/services/auth/kx-auth" create-admin --email "$admin_email" | tail -n 1 | sed 's/.*: //')
client "$admin" GET / >/dev/null
client "$admin" POST /api/auth/login "{\"email\":\"$admin_email\",\"password\":\"$password\"}" >/dev/null

# Owners sign up four at a time (each sign-up hashes a password); each one's id on its own line.
run_id=$(date +%s%N)
sign_up() {  # sign_up N: prints the new owner's id
  local jar="$tmp/owner-$1"
  client "$jar" GET / >/dev/null
  client "$jar" POST /api/auth/register \
    "{\"email\":\"billing-bench-$run_id-$1@salon-beispiel.de\",\"password\":\"Sonnenblume-7-Fenster\",\"name\":\"Bench $1\"}" |
    json_field 'd["user"]["id"]'
}
export -f sign_up client json_field
export tmp G run_id
seq 1 "$OWNERS" | xargs -P 4 -I{} bash -c 'sign_up {}' >"$tmp/owners"
[ "$(wc -l <"$tmp/owners")" -eq "$OWNERS" ] || { echo "sign-up failed" >&2; exit 1; }

# Enough credit that no call reaches the grace limit, once billing has opened each account.
while read -r user_id; do
  for _ in $(seq 1 150); do
    client "$admin" POST /api/admin/credits/adjust \
      "{\"user_id\":\"$user_id\",\"cents\":10000000,\"reason\":\"Benchmark\",\"request_key\":\"bench-$user_id\"}" \
      >/dev/null 2>&1 && break
    sleep 0.2
  done
done <"$tmp/owners"
users=$(paste -sd, "$tmp/owners")

echo "# burst: $BURST calls over $OWNERS owners published at once (95 s each)"
"$BENCH" --bootstrap "$BOOTSTRAP" --user "$users" --prefix "burst-$run_id" --calls "$BURST" \
  --seconds 95 --timeout 300
[ "$PACED_SECONDS" -gt 0 ] || exit 0
paced=$((RATE * PACED_SECONDS))
echo "# paced: $paced calls at $RATE per second over $OWNERS owners, lag from call.completed to credits.deducted"
"$BENCH" --bootstrap "$BOOTSTRAP" --user "$users" --prefix "paced-$run_id" --calls "$paced" \
  --seconds 95 --rate "$RATE" --timeout 300
