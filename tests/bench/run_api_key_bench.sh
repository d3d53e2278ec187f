#!/usr/bin/env bash
# The same request through the gateway with a session cookie and with an API key, against a
# running platform; prints one JSON line per scenario. Not a test: docs/performance.md records
# the numbers. The gateway must allow the key the load (API_KEY_RATE_PER_MINUTE, e.g. 10000000);
# otherwise the key's requests are 429s and counted as errors.
#   tests/bench/run_api_key_bench.sh [SECONDS] [THREADS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH="$ROOT/build/tests/kx-http-bench"
G=${GATEWAY_URL:-http://127.0.0.1:8080}
SECONDS_PER=${1:-10}
THREADS=${2:-8}
[ -x "$BENCH" ] || cmake --build "$ROOT/build" --target kx-http-bench >/dev/null

jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
email="bench-keys-$(date +%s%N)@salon-beispiel.de"
curl -fs -c "$jar" -b "$jar" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"Sonnenblume-7-Fenster\",\"name\":\"Bench\"}" \
  "$G/api/auth/register" >/dev/null
session=$(awk '$6=="kx_session"{print $7}' "$jar")
csrf=$(awk '$6=="kx_csrf"{print $7}' "$jar")
secret=$(curl -fs -b "$jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
  -d '{"name":"Bench","scopes":["credits:read"]}' "$G/api/account/api-keys" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')

echo "# GET /api/credits with the session cookie (session cache, signed proxy to billing)"
"$BENCH" --url "$G/api/credits" --header "Cookie: kx_session=$session" \
  --threads "$THREADS" --seconds "$SECONDS_PER"
echo "# GET /api/credits with the API key (key cache, rate limit, scope table, signed proxy)"
"$BENCH" --url "$G/api/credits" --header "Authorization: Bearer $secret" \
  --threads "$THREADS" --seconds "$SECONDS_PER"
