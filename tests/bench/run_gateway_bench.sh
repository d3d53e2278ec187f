#!/usr/bin/env bash
# Benchmarks the running local platform (infra/up.sh) through the gateway and prints one JSON
# line per scenario. Not a test: numbers depend on the machine; docs/performance.md records them.
#   tests/bench/run_gateway_bench.sh [SECONDS] [THREADS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH="$ROOT/build/tests/kx-http-bench"
G=${GATEWAY_URL:-http://127.0.0.1:8080}
SECONDS_PER=${1:-10}
THREADS=${2:-8}
[ -x "$BENCH" ] || cmake --build "$ROOT/build" --target kx-http-bench >/dev/null

jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
email="bench-$(date +%s%N)@salon-beispiel.de"
curl -fs -c "$jar" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"Sonnenblume-7-Fenster\",\"name\":\"Bench\"}" \
  "$G/api/auth/register" >/dev/null
session=$(awk '$6=="kx_session"{print $7}' "$jar")

echo "# gateway health (HTTP server and edge headers only)"
"$BENCH" --url "$G/healthz" --threads "$THREADS" --seconds "$SECONDS_PER"
echo "# GET /api/auth/me (session cache, signed proxy to auth, one database read)"
"$BENCH" --url "$G/api/auth/me" --header "Cookie: kx_session=$session" \
  --threads "$THREADS" --seconds "$SECONDS_PER"
echo "# POST /api/auth/login (argon2id m=19 MiB, t=2 dominates)"
"$BENCH" --url "$G/api/auth/login" --method POST \
  --body "{\"email\":\"$email\",\"password\":\"Sonnenblume-7-Fenster\"}" \
  --threads 2 --seconds "$SECONDS_PER"
