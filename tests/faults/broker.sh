#!/usr/bin/env bash
# Starts the platform's dev broker again after it died, with every service: the in-memory broker
# comes back empty and on new ports, so the services must be restarted with the new bootstrap
# address. Runs in the platform's environment (KX_TEST_STATE_DIR, the ports, KX_SCALE), as
# infra/test.sh or tests/faults/run.sh export it. Prints how long the services took to stop.
set -euo pipefail
. "$(dirname "$0")/../../infra/lib.sh"
STATE=${KX_TEST_STATE_DIR:?run this inside the test platform\'s environment}

stopping=$SECONDS
stop_services "$STATE"
echo "stopped_seconds=$((SECONDS - stopping))"
rm -f "$STATE/pids/broker.pid" "$STATE/kafka.bootstrap"
start_process "$STATE" broker "$BUILD/infra/dev-broker/kx-dev-broker" \
  --schemas "$ROOT/proto-schemas/events" --bootstrap-file "$STATE/kafka.bootstrap"
deadline=$((SECONDS + 30))
until [ -s "$STATE/kafka.bootstrap" ]; do
  [ $SECONDS -gt $deadline ] && { log "dev broker did not start"; exit 1; }
  sleep 0.1
done
export KAFKA_BOOTSTRAP
KAFKA_BOOTSTRAP=$(cat "$STATE/kafka.bootstrap")
start_services "$STATE"
