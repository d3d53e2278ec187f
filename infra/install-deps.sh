#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the local platform and the tests need, if missing,
# and the npm packages pinned in three lock files: tests/stripe-node (Stripe's official library,
# which the billing black-box tests sign webhooks with), tests/webhook-node (the Standard Webhooks
# library the integrations tests verify outgoing webhooks with) and web (the dashboard's runtime packages,
# copied into web/vendor/, plus TypeScript, playwright-core and axe-core for its tests, which drive
# Debian's chromium). Nothing else downloads later.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

PACKAGES=(
  g++ cmake ninja-build ccache pkg-config git curl ca-certificates
  libboost-dev libboost-system-dev librdkafka-dev libpqxx-dev rapidjson-dev libssl-dev
  libspdlog-dev libgtest-dev libgmock-dev libargon2-dev libhowardhinnant-date-dev tzdata
  libphonenumber-dev zlib1g-dev postgresql postgresql-client kcat python3 python3-jsonschema python3-yaml procps
  libcurl4-openssl-dev libkainjow-mustache-dev python3-aiosmtpd wrk
  python3-confluent-kafka docker-compose
  chromium chromium-driver
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere (e.g. NodeSource, whose nodejs package bundles npm and conflicts
# with Debian's npm): only ask Debian for what is not on the PATH at all.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when a lock file changed since the last install (a stamp in node_modules), so
# repeated runs work offline.
for npm_dir in "$ROOT/tests/stripe-node" "$ROOT/tests/webhook-node" "$ROOT/web"; do
  stamp="$npm_dir/node_modules/.kx-lock.sha256"
  want=$(sha256sum "$npm_dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "installing npm packages of ${npm_dir#"$ROOT"/}"
    (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" > "$stamp"
  fi
done
# The browser loads the dashboard's packages from web/vendor/<package>@<version>/ (git-ignored),
# copied from node_modules; this also checks index.html's import map against the installed versions.
node "$ROOT/web/tools/vendor.mjs"
