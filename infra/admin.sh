#!/usr/bin/env bash
# Runs the auth admin command against the local platform's database, e.g.
#   infra/admin.sh create-admin --email you@example.de
#   infra/admin.sh promote --email someone@example.de
set -euo pipefail
. "$(dirname "$0")/lib.sh"
load_config 0
[ -f "$ROOT/.run/postgres.uri" ] || { log "the local platform is not set up: run infra/up.sh first"; exit 1; }
DATABASE_URL=$(db_url auth "$ROOT/.run") exec "$BUILD/services/auth/kx-auth" "$@"
