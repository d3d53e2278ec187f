#!/usr/bin/env bash
# Benchmarks Vapi's server messages through the gateway of the running local platform
# (infra/up.sh): assistant-request (the 7.5 s deadline path) and end-of-call-report (a new call,
# its transcript and two outbox events each). Prints one JSON line per scenario, then checks
# that every report answered 2xx was stored and charged (calls stored = call.completed
# published = calls charged = 2xx answers, the owner's balance = the sum of their ledger) and
# exits 1 when not. Not a test: numbers depend on the machine; docs/performance.md records them.
#   tests/bench/run_telephony_bench.sh [SECONDS] [THREADS]
# KX_BENCH_RATE=R sends the reports at R a second instead of as fast as possible, and
# KX_BENCH_REPORTS_ONLY=1 skips the assistant-request scenarios (tests/bench/soak.sh uses both);
# KX_BENCH_CREDIT_CENTS is the owner's credit (default 10,000,000: about 166,000 reports).
# The owner signs up through the gateway with enough credit for every call
# (credited_owner.sh); the agent is seeded into telephony-webhook's routing copy the way the
# agent service publishes it (events). Another platform: GATEWAY_URL and KX_STATE_DIR.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH="$ROOT/build/tests/kx-vapi-bench"
STATE=${KX_STATE_DIR:-$ROOT/.run}
G=${GATEWAY_URL:-http://127.0.0.1:8080}
SECONDS_PER=${1:-10}
THREADS=${2:-8}
[ -x "$BENCH" ] || cmake --build "$ROOT/build" --target kx-vapi-bench >/dev/null
set -a
# shellcheck source=/dev/null
. "$ROOT/infra/dev/dev.env"
set +a
bootstrap=$(cat "$STATE/kafka.bootstrap")
admin_uri=$(cat "$STATE/postgres.uri")
sql() { psql -X -qtA "${admin_uri%/postgres}/kametrix" -c "$1"; }

suffix=$(date +%s%N)
owner=$(GATEWAY_URL=$G KX_STATE_DIR=$STATE "$ROOT/tests/bench/credited_owner.sh" \
  "${KX_BENCH_CREDIT_CENTS:-10000000}")
agent="bench-agent-$suffix" assistant="bench-asst-$suffix"
number_id="bench-pn-$suffix" e164="+4930${suffix: -9}"
now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
produce() {  # topic subject json
  kcat -P -b "$bootstrap" -t "$1" -k "$owner" -H ce_specversion=1.0 -H "ce_id=$(cat /proc/sys/kernel/random/uuid)" \
    -H ce_source=agent -H "ce_type=$1.v1" -H "ce_time=$now" -H "ce_subject=$2" \
    -H content-type=application/json <<<"$3"
}
produce agent.created "$agent" "{\"agent_id\":\"$agent\",\"user_id\":\"$owner\",\"name\":\"Bench\",\
\"status\":\"active\",\"language\":\"de\",\"timezone\":\"Europe/Berlin\",\"vapi_assistant_id\":\"$assistant\",\
\"phone_number\":\"$e164\",\"vapi_phone_number_id\":\"$number_id\",\"escalation\":{\"enabled\":false,\
\"forwarding_number\":null,\"fallback_number\":null,\"after_hours_number\":null,\
\"business_hours\":{\"days\":[\"mon\"],\"start\":\"09:00\",\"end\":\"17:00\"},\"voicemail\":true,\"max_clarifications\":3}}"

# Wait until the routing copy knows the number (the consumer group's first join takes seconds).
probe="{\"message\":{\"type\":\"assistant-request\",\"phoneNumber\":{\"id\":\"$number_id\"},\"call\":{\"id\":\"probe\"}}}"
sig=$(printf '%s' "$probe" | openssl dgst -sha256 -hmac "$VAPI_WEBHOOK_SECRET" | awk '{print $NF}')
for _ in $(seq 1 150); do
  if curl -fs -H 'Content-Type: application/json' -H "X-Vapi-Signature: $sig" -d "$probe" \
       "$G/webhooks/vapi" | grep -q assistantId; then ready=1; break; fi
  sleep 0.2
done
[ "${ready:-}" = 1 ] || { echo "telephony-webhook did not learn the bench agent" >&2; exit 1; }

common=(--url "$G/webhooks/vapi" --secret "$VAPI_WEBHOOK_SECRET" --assistant "$assistant"
        --phone-number-id "$number_id" --e164 "$e164" --seconds "$SECONDS_PER")
if [ "${KX_BENCH_REPORTS_ONLY:-0}" != 1 ]; then
  echo "# assistant-request (signature check, one indexed read, the answer)"
  "$BENCH" "${common[@]}" --scenario assistant-request --threads "$THREADS"
  echo "# assistant-request, one client (latency without queueing)"
  "$BENCH" "${common[@]}" --scenario assistant-request --threads 1
fi
echo "# end-of-call-report, a new call each time (one transaction: call, transcript, 2 events)"
out=$("$BENCH" "${common[@]}" --scenario end-of-call-report --threads "$THREADS" \
        --rate "${KX_BENCH_RATE:-0}" || true)
echo "$out"

# Every report answered 2xx is a stored call whose call.completed billing charged.
answered=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d['requests'] - d['errors'])" "$out")
read -r stored completed < <(sql "SELECT count(*), count(*) FILTER (WHERE completed_published)
  FROM telephony_webhook.calls WHERE agent_id = '$agent'" | tr '|' ' ')
started=$SECONDS
while :; do
  read -r decided charged < <(sql "SELECT count(*), count(*) FILTER (WHERE outcome = 'charged')
    FROM billing.call_charges WHERE agent_id = '$agent'" | tr '|' ' ')
  [ "$decided" -ge "$completed" ] || [ $((SECONDS - started)) -ge 600 ] && break
  sleep 1
done
read -r entries balanced < <(sql "SELECT count(*) FILTER (WHERE kind IN ('call_usage', 'grace_usage')),
  (SELECT balance_cents FROM billing.accounts WHERE user_id = '$owner') = sum(amount_cents)
  FROM billing.ledger_entries WHERE user_id = '$owner'" | tr '|' ' ')
ok=false
[ "$answered" = "$stored" ] && [ "$stored" = "$completed" ] && [ "$completed" = "$charged" ] &&
  [ "$charged" = "$entries" ] && [ "$balanced" = t ] && ok=true
echo "{\"check\": \"end-of-call reports stored and charged\", \"answered_2xx\": $answered, \
\"calls_stored\": $stored, \"completed_published\": $completed, \"calls_charged\": $charged, \
\"ledger_call_entries\": $entries, \"balance_equals_ledger\": $([ "$balanced" = t ] && echo true || echo false), \
\"charged_within_s\": $((SECONDS - started)), \"ok\": $ok}"
$ok
