#!/usr/bin/env bash
# Agents at scale on the running local platform (infra/up.sh): creates AGENTS agents through the
# API (numbers put into the Vapi sandbox and imported first), measures creation, sync and the
# edit → Vapi lag (tests/bench/agent_bench.py), then assistant-request through the gateway with
# all of them in telephony-webhook's routing copy. Prints JSON lines; docs/performance.md
# records them. Not a test.
#   tests/bench/run_agent_bench.sh [AGENTS] [EDITS] [SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH="$ROOT/build/tests/kx-vapi-bench"
AGENTS=${1:-1000}
EDITS=${2:-100}
SECONDS_PER=${3:-10}
[ -x "$BENCH" ] || cmake --build "$ROOT/build" --target kx-vapi-bench >/dev/null
set -a
# shellcheck source=/dev/null
. "$ROOT/infra/dev/dev.env"
set +a
export GATEWAY_URL=${GATEWAY_URL:-http://127.0.0.1:$GATEWAY_PORT}
export SANDBOX_URL=${SANDBOX_URL:-http://127.0.0.1:$SANDBOX_PORT}
out=$(python3 "$ROOT/tests/bench/agent_bench.py" "$AGENTS" "$EDITS")
grep -v '"target"' <<<"$out"
target=$(grep '"target"' <<<"$out")
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$target" "$1"; }
common=(--url "$GATEWAY_URL/webhooks/vapi" --secret "$VAPI_WEBHOOK_SECRET"
        --assistant "$(field assistant_id)" --phone-number-id "$(field phone_number_id)"
        --e164 "$(field e164)" --seconds "$SECONDS_PER")
echo "# assistant-request with $AGENTS agents in the routing copy, 8 clients"
"$BENCH" "${common[@]}" --scenario assistant-request --threads 8
echo "# the same, one client"
"$BENCH" "${common[@]}" --scenario assistant-request --threads 1
