#!/usr/bin/env bash
# The calendar tool-call round trip on the running local platform (infra/up.sh): signed Vapi
# tool-calls messages (check_availability "morgen", a new call id each) through gateway →
# telephony-webhook → integrations → the sandbox's Google, and how much of it is the sandbox's:
# its own logged time for the Google requests, the same freeBusy sent straight to it, and the
# per-call split gateway + telephony-webhook / integrations from the request logs. Prints JSON
# lines; docs/performance.md records them. Not a test (not in ctest).
#   tests/bench/run_tool_bench.sh [SECONDS] [THREADS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VAPI_BENCH="$ROOT/build/tests/kx-vapi-bench"
HTTP_BENCH="$ROOT/build/tests/kx-http-bench"
STATE=${KX_STATE_DIR:-$ROOT/.run}
SECONDS_PER=${1:-10}
THREADS=${2:-8}
for t in kx-vapi-bench kx-http-bench; do
  [ -x "$ROOT/build/tests/$t" ] || cmake --build "$ROOT/build" --target "$t" >/dev/null
done
set -a
# shellcheck source=/dev/null
. "$ROOT/infra/dev/dev.env"
set +a
export GATEWAY_URL=${GATEWAY_URL:-http://127.0.0.1:$GATEWAY_PORT}
export SANDBOX_URL=${SANDBOX_URL:-http://127.0.0.1:$SANDBOX_PORT}
export GOOGLE_REDIRECT_URI=${GOOGLE_REDIRECT_URI:-$GATEWAY_URL/api/integrations/google/callback}
admin_uri=$(cat "$STATE/postgres.uri")
export KX_TEST_PG_URI="${admin_uri%/postgres}/kametrix" KX_TEST_STATE_DIR=$STATE KX_TEST_ROOT=$ROOT
py() { python3 "$ROOT/tests/bench/tool_bench.py" "$@"; }

target=$(py setup)
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$target" "$1"; }
common=(--url "$GATEWAY_URL/webhooks/vapi" --secret "$VAPI_WEBHOOK_SECRET"
        --assistant "$(field assistant_id)" --phone-number-id "$(field phone_number_id)"
        --e164 "$(field e164)" --scenario tool-calls --tool check_availability
        --arguments '{"date":"morgen"}')
direct=(--url "$SANDBOX_URL/google/calendar/v3/freeBusy" --method POST --body "$(field free_busy)"
        --header "Authorization: Bearer $(field access_token)" --header "Content-Type: application/json")
# Warm up: connections, the first token refresh, prepared statements.
"$VAPI_BENCH" "${common[@]}" --threads 2 --seconds 2 >/dev/null

count() {  # how often the sandbox answered Google requests so far
  curl -fs "$SANDBOX_URL/_control/stats" |
    python3 -c "import json,sys; print(sum(n for k, n in json.load(sys.stdin)['requests'].items() if ' /google/' in k))"
}
for threads in "$THREADS" 1; do
  since=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
  before=$(count)
  echo "# check_availability through gateway → telephony-webhook → integrations → sandbox, $threads clients"
  out=$("$VAPI_BENCH" "${common[@]}" --threads "$threads" --seconds "$SECONDS_PER" || true)
  echo "$out"
  calls=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['requests'])" "$out")
  echo "{\"measure\": \"Google requests per tool call\", \"value\": $(python3 -c "print(round(($(count) - $before) / $calls, 3))")}"
  py sandbox-time "$STATE/logs/sandbox.log" "$since" /google/
  py hops "$STATE/logs/gateway.log" "$STATE/logs/integrations.log" "$since"
  echo "# the same freeBusy straight to the sandbox, $threads clients"
  "$HTTP_BENCH" "${direct[@]}" --threads "$threads" --seconds "$SECONDS_PER"
done
