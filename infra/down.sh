#!/usr/bin/env bash
# Stops the local platform started by up.sh (the database files stay in .run/).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_config 0
stop_platform "$ROOT/.run"
log "platform stopped"
