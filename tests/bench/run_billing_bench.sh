#!/usr/bin/env bash
# Benchmarks billing's charging on a running platform (by default the one infra/up.sh started):
# call.completed events go onto Kafka as telephony-webhook would publish them, spread over OWNERS
# signed-up owners, and kx-billing-bench follows credits.deducted. Prints one JSON line per
# scenario (charges per second, lag, calls charged more than once or never). Not a test: numbers
# depend on the machine; docs/performance.md records them.
#   tests/bench/run_billing_bench.sh [BURST_CALLS] [PACED_RATE_PER_S] [PACED_SECONDS] [OWNERS]
# PACED_SECONDS=0 skips the paced scenario.
# Another platform: set GATEWAY_URL and KX_STATE_DIR (where kafka.bootstrap and postgres.uri are).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH="$ROOT/build/tests/kx-billing-bench"
BURST=${1:-2000}
RATE=${2:-50}
PACED_SECONDS=${3:-20}
OWNERS=${4:-200}
G=${GATEWAY_URL:-http://127.0.0.1:8080}
STATE=${KX_STATE_DIR:-$ROOT/.run}
[ -x "$BENCH" ] || cmake --build "$ROOT/build" --target kx-billing-bench >/dev/null
BOOTSTRAP=$(cat "$STATE/kafka.bootstrap")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run_id=$(date +%s%N)
GATEWAY_URL=$G KX_STATE_DIR=$STATE "$ROOT/tests/bench/credited_owner.sh" 10000000 "$OWNERS" >"$tmp/owners"
users=$(paste -sd, "$tmp/owners")

echo "# burst: $BURST calls over $OWNERS owners published at once (95 s each)"
"$BENCH" --bootstrap "$BOOTSTRAP" --user "$users" --prefix "burst-$run_id" --calls "$BURST" \
  --seconds 95 --timeout 300
[ "$PACED_SECONDS" -gt 0 ] || exit 0
paced=$((RATE * PACED_SECONDS))
echo "# paced: $paced calls at $RATE per second over $OWNERS owners, lag from call.completed to credits.deducted"
"$BENCH" --bootstrap "$BOOTSTRAP" --user "$users" --prefix "paced-$run_id" --calls "$paced" \
  --seconds 95 --rate "$RATE" --timeout 300
