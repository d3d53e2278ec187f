#!/usr/bin/env bash
# Installs what is missing, builds everything, starts a separate test platform (ports +10000,
# state in .run/test), runs every test with ctest and stops the platform again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$ROOT/infra/install-deps.sh"
build
# KX_TEST_PORT_OFFSET moves the test platform's ports (default 10000 above dev.env's), so two
# checkouts on one machine can run their tests at the same time.
# The test platform runs billing and telephony-webhook as replicas, so every black-box test also
# shows that nothing depends on one replica's memory (KX_TEST_SCALE overrides, "" for none).
export KX_SCALE=${KX_TEST_SCALE-billing=3,telephony-webhook=2}
check_scale
load_config "${KX_TEST_PORT_OFFSET:-10000}"
STATE="$ROOT/.run/test"
stop_platform "$STATE" >/dev/null 2>&1 || true
# A clean database for every run.
if [ -e "$STATE/pg" ]; then rm -rf "$(readlink -f "$STATE/pg")"; fi
rm -rf "$STATE"
trap 'stop_platform "$STATE" >/dev/null 2>&1 || true' EXIT
start_platform "$STATE"

admin_uri=$(cat "$STATE/postgres.uri")
export KX_TEST_PG_URI="${admin_uri%/postgres}/kametrix"
export KX_TEST_KAFKA_BOOTSTRAP=$KAFKA_BOOTSTRAP
export KX_TEST_GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT"
export KX_TEST_STATE_DIR=$STATE
export KX_TEST_ROOT=$ROOT

# The unit and service tests once more under AddressSanitizer and UndefinedBehaviorSanitizer
# (KX_SANITIZERS=0 skips this stage, e.g. while iterating locally).
if [ "${KX_SANITIZERS:-1}" != 0 ]; then
  ASAN_BUILD="$ROOT/build-asan"
  if [ ! -f "$ASAN_BUILD/build.ninja" ]; then
    cmake -S "$ROOT" -B "$ASAN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKX_SANITIZE=ON >/dev/null
  fi
  cmake --build "$ASAN_BUILD"
  log "unit and service tests under ASan/UBSan"
  (cd "$ASAN_BUILD" && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     ctest --output-on-failure -j2 -LE blackbox "$@")
  log "all tests"
fi

cd "$BUILD"
ctest --output-on-failure -j2 "$@"
