#!/usr/bin/env bash
# Installs what is missing, builds everything, starts a separate test platform (ports +10000,
# state in .run/test), runs every test with ctest and stops the platform again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$ROOT/infra/install-deps.sh"
build
STATE="$ROOT/.run/test"
trap 'stop_platform "$STATE" >/dev/null 2>&1 || true' EXIT
start_test_platform "$STATE"

# The unit and service tests once more under AddressSanitizer and UndefinedBehaviorSanitizer
# (KX_SANITIZERS=0 skips this stage, e.g. while iterating locally). A failure here does not stop
# the run: the final stage still shows every other failure, and the exit status is a failure.
asan_status=0
if [ "${KX_SANITIZERS:-1}" != 0 ]; then
  ASAN_BUILD="$ROOT/build-asan"
  if [ ! -f "$ASAN_BUILD/build.ninja" ]; then
    cmake -S "$ROOT" -B "$ASAN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKX_SANITIZE=ON >/dev/null
  fi
  cmake --build "$ASAN_BUILD"
  log "unit and service tests under ASan/UBSan"
  (cd "$ASAN_BUILD" && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     ctest --output-on-failure -j2 -LE blackbox "$@") || asan_status=$?
  [ "$asan_status" = 0 ] || log "the ASan/UBSan stage failed (above); the final stage runs all the same"
  log "all tests"
fi

cd "$BUILD"
final_status=0
ctest --output-on-failure -j2 "$@" || final_status=$?
# ctest's summary stays the last line printed.
exit $((final_status != 0 ? final_status : asan_status))
