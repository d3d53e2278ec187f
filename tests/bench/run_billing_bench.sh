#!/usr/bin/env bash
# Benchmarks billing's charging on a running platform (by default the one infra/up.sh started):
# call.completed events go onto Kafka as telephony-webhook would publish them, and
# kx-billing-bench follows credits.deducted. Prints one JSON line per scenario. Not a test:
# numbers depend on the machine; docs/performance.md records them.
#   tests/bench/run_billing_bench.sh [BURST_CALLS] [PACED_RATE_PER_S] [PACED_SECONDS]
# Another platform: set GATEWAY_URL, KX_STATE_DIR (where kafka.bootstrap is) and PG_PORT.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH="$ROOT/build/tests/kx-billing-bench"
BURST=${1:-2000}
RATE=${2:-50}
PACED_SECONDS=${3:-20}
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

owner="$tmp/owner" admin="$tmp/admin"
client "$owner" GET / >/dev/null
email="billing-bench-$(date +%s%N)@salon-beispiel.de"
user_id=$(client "$owner" POST /api/auth/register \
  "{\"email\":\"$email\",\"password\":\"Sonnenblume-7-Fenster\",\"name\":\"Bench\"}" |
  json_field 'd["user"]["id"]')

admin_email="billing-bench-admin-$(date +%s%N)@salon-beispiel.de"
password=$(DATABASE_URL="postgresql://kx_auth:$DB_PASSWORD_AUTH@127.0.0.1:$PG_PORT/kametrix" \
  "$ROOT/build/services/auth/kx-auth" create-admin --email "$admin_email" | tail -n 1 | sed 's/.*: //')
client "$admin" GET / >/dev/null
client "$admin" POST /api/auth/login "{\"email\":\"$admin_email\",\"password\":\"$password\"}" >/dev/null

for _ in $(seq 1 150); do
  [ "$(client "$owner" GET /api/credits | json_field 'd["account_open"]')" = True ] && break
  sleep 0.2
done
# Enough credit that no call reaches the grace limit.
client "$admin" POST /api/admin/credits/adjust \
  "{\"user_id\":\"$user_id\",\"cents\":10000000,\"reason\":\"Benchmark\",\"request_key\":\"bench-$user_id\"}" >/dev/null

echo "# burst: $BURST calls published at once (95 s each), charges per second and lag under load"
"$BENCH" --bootstrap "$BOOTSTRAP" --user "$user_id" --prefix "burst-$user_id" --calls "$BURST" \
  --seconds 95 --timeout 300
paced=$((RATE * PACED_SECONDS))
echo "# paced: $paced calls at $RATE per second, lag from call.completed to credits.deducted"
"$BENCH" --bootstrap "$BOOTSTRAP" --user "$user_id" --prefix "paced-$user_id" --calls "$paced" \
  --seconds 95 --rate "$RATE" --timeout 300
