#!/usr/bin/env bash
# Installs what is missing, builds, and brings the whole local platform up; prints the URL.
#   infra/up.sh [--scale SERVICE=N[,SERVICE=N]]   e.g. --scale billing=3,telephony-webhook=2
set -euo pipefail
. "$(dirname "$0")/lib.sh"
while [ $# -gt 0 ]; do
  case $1 in
    --scale) [ $# -ge 2 ] || { log "--scale needs SERVICE=N[,SERVICE=N]"; exit 2; }
             export KX_SCALE=$2; shift 2 ;;
    --scale=*) export KX_SCALE=${1#--scale=}; shift ;;
    -h|--help) sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) log "unknown argument '$1' (usage: infra/up.sh [--scale SERVICE=N[,SERVICE=N]])"; exit 2 ;;
  esac
done
check_scale || exit 2
"$ROOT/infra/install-deps.sh"
# shellcheck disable=SC2046
build $(runtime_targets)
load_config 0
STATE="$ROOT/.run"
stop_platform "$STATE" 2>/dev/null || true
start_platform "$STATE"
log "platform is up (logs in .run/logs, stop with infra/down.sh)"
[ -n "${KX_SCALE:-}" ] && log "replicas: $KX_SCALE (ports +100 per replica)"
log "mails the platform sends: http://127.0.0.1:$SANDBOX_PORT/mail (SMTP on 127.0.0.1:$MAIL_PORT)"
echo "http://127.0.0.1:$GATEWAY_PORT"
