#!/usr/bin/env bash
# Benchmarks Vapi's server messages through the gateway of the running local platform
# (infra/up.sh): assistant-request (the 7.5 s deadline path) and end-of-call-report (a new call,
# its transcript and two outbox events each). Prints one JSON line per scenario. Not a test:
# numbers depend on the machine; docs/performance.md records them.
#   tests/bench/run_telephony_bench.sh [SECONDS] [THREADS]
# Seeds an agent into telephony-webhook's routing copy the way the agent service will (events).
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

suffix=$(date +%s%N)
owner="bench-owner-$suffix" agent="bench-agent-$suffix" assistant="bench-asst-$suffix"
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
echo "# assistant-request (signature check, one indexed read, the answer)"
"$BENCH" "${common[@]}" --scenario assistant-request --threads "$THREADS"
echo "# assistant-request, one client (latency without queueing)"
"$BENCH" "${common[@]}" --scenario assistant-request --threads 1
echo "# end-of-call-report, a new call each time (one transaction: call, transcript, 2 events)"
"$BENCH" "${common[@]}" --scenario end-of-call-report --threads "$THREADS"
