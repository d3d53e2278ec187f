#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the local platform and the tests need, if missing,
# and the test-only npm packages pinned in tests/stripe-node/package-lock.json (Stripe's official
# library, which the billing black-box tests sign webhooks with). Nothing else downloads later.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

PACKAGES=(
  g++ cmake ninja-build ccache pkg-config git curl ca-certificates
  libboost-dev libboost-system-dev librdkafka-dev libpqxx-dev rapidjson-dev libssl-dev
  libspdlog-dev libgtest-dev libgmock-dev libargon2-dev libhowardhinnant-date-dev tzdata libphonenumber-dev
  postgresql postgresql-client kcat python3 python3-jsonschema procps
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

# npm ci only when the lock file changed since the last install (a stamp in node_modules), so
# repeated runs work offline.
npm_dir="$ROOT/tests/stripe-node"
stamp="$npm_dir/node_modules/.kx-lock.sha256"
want=$(sha256sum "$npm_dir/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing npm packages of tests/stripe-node"
  (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" > "$stamp"
fi
