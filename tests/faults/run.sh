#!/usr/bin/env bash
# The fault-and-load suite (tests/faults/suite.py): calls and Stripe purchases of many owners
# under killed processes, a PostgreSQL outage and a broker restart, then the slow and abusive
# clients. Ends with one line "P passed, F failed"; exits 1 when a check failed.
#   tests/faults/run.sh [--size N] [--seed S]
# Inside infra/test.sh (ctest) it runs against the test platform; on its own it builds what it
# needs and starts a platform of its own (ports + KX_TEST_PORT_OFFSET, default 10000; state in
# .run/faults; replicas as the test platform's unless KX_TEST_SCALE says otherwise) and stops it
# afterwards.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

if [ -n "${KX_TEST_GATEWAY_URL:-}" ]; then
  exec /usr/bin/python3 "$HERE/suite.py" "$@"
fi

. "$HERE/../../infra/lib.sh"
"$ROOT/infra/install-deps.sh"
# shellcheck disable=SC2046
build $(runtime_targets) >/dev/null
STATE="$ROOT/.run/faults"
trap 'stop_platform "$STATE" >/dev/null 2>&1 || true' EXIT
start_test_platform "$STATE"
/usr/bin/python3 "$HERE/suite.py" "$@"
