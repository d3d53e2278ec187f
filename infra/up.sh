#!/usr/bin/env bash
# Installs what is missing, builds, and brings the whole local platform up; prints the URL.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$ROOT/infra/install-deps.sh"
# shellcheck disable=SC2046
build $(runtime_targets)
load_config 0
STATE="$ROOT/.run"
stop_platform "$STATE" 2>/dev/null || true
start_platform "$STATE"
log "platform is up (logs in .run/logs, stop with infra/down.sh)"
echo "http://127.0.0.1:$GATEWAY_PORT"
