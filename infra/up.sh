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
log "mails the platform sends: http://127.0.0.1:$SANDBOX_PORT/mail (SMTP on 127.0.0.1:$MAIL_PORT)"
echo "http://127.0.0.1:$GATEWAY_PORT"
