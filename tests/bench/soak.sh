#!/usr/bin/env bash
# The soak run of docs/operations.md: end-of-call reports through the gateway at a fixed rate
# for a long time on a fresh platform, the services' memory sampled every 30 s, and at the end
# the same check as the benchmark (every report answered 2xx stored and charged once, balance =
# ledger) plus no error and no memory growth. Not a test; the result goes to docs/operations.md.
#   tests/bench/soak.sh [MINUTES] [RATE]    # default 10 minutes at 330 reports/s
# (330 is half of the end-of-call peak measured in docs/performance.md on the 2-core VM.) Like
# run_all.sh it restarts the platform in .run, or with KX_BENCH_PORT_OFFSET=N a private one.
set -euo pipefail
. "$(dirname "$0")/../../infra/lib.sh"
. "$(dirname "$0")/memory.sh"
MINUTES=${1:-10}
RATE=${2:-330}
OFFSET=${KX_BENCH_PORT_OFFSET:-0}
if [ "$OFFSET" = 0 ]; then STATE="$ROOT/.run"; else STATE="$ROOT/.run-bench"; fi
SAMPLES=$(mktemp)
SAMPLER=
trap '[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null; rm -f "$SAMPLES"' EXIT

# shellcheck disable=SC2046
build $(runtime_targets) kx-vapi-bench >/dev/null
load_config "$OFFSET"
export GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT" KX_STATE_DIR=$STATE
log "restarting the platform in ${STATE#"$ROOT"/}"
stop_platform "$STATE" 2>/dev/null || true
start_platform "$STATE"
sleep 10
rest=$(pss_mib)

( while sleep 30; do echo "$(date -u +%H:%M:%S) $(pss_mib)" >>"$SAMPLES"; done ) &
SAMPLER=$!
log "end-of-call reports at $RATE/s for $MINUTES min"
status=0
# Every report costs the owner 60 cents (two started minutes); credit for all of them and a
# margin, so each one is charged rather than stopped at the grace limit.
out=$(KX_BENCH_RATE=$RATE KX_BENCH_REPORTS_ONLY=1 KX_BENCH_CREDIT_CENTS=$((MINUTES * 60 * RATE * 70)) \
  "$ROOT/tests/bench/run_telephony_bench.sh" $((MINUTES * 60)) 32) || status=$?
kill "$SAMPLER" 2>/dev/null; SAMPLER=
sleep 35  # one malloc_trim period after the load
after=$(pss_mib)

echo "$out"
echo "# memory of the services, PSS MiB: at rest $rest, every 30 s under load:"
awk '{ printf "%s %s\n", $1, $2 }' "$SAMPLES"
echo "# 35 s after the load: $after ($(per_service))"
# Growth: the last third of the run against the first third (after warm-up).
read -r first last < <(awk '{ v[NR] = $2 } END { n = NR; a = 0; b = 0; k = int(n / 3); if (k < 1) k = 1;
  for (i = 1; i <= k; i++) { a += v[i]; b += v[n - k + i] } printf "%.1f %.1f\n", a / k, b / k }' "$SAMPLES")
echo "# mean PSS, first third of the run: $first MiB, last third: $last MiB"
report=$(echo "$out" | grep '"scenario"' | tail -1)
errors=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['errors'])" "$report")
grown=$(awk -v a="$first" -v b="$last" 'BEGIN { print (b > a * 1.10 + 5) ? 1 : 0 }')
[ "$status" = 0 ] && [ "$errors" = 0 ] && [ "$grown" = 0 ] && ok=true || ok=false
echo "{\"soak_minutes\": $MINUTES, \"rate\": $RATE, \"errors\": $errors, \"checked\": $([ "$status" = 0 ] && echo true || echo false), \"memory_grew\": $([ "$grown" = 1 ] && echo true || echo false), \"ok\": $ok}"
stop_platform "$STATE" >/dev/null 2>&1 || true
$ok
