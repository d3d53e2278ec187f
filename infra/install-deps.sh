#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the local platform and the tests need, if missing.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build ccache pkg-config git curl ca-certificates
  libboost-dev libboost-system-dev librdkafka-dev libpqxx-dev rapidjson-dev libssl-dev
  libspdlog-dev libgtest-dev libgmock-dev libargon2-dev
  postgresql postgresql-client kcat python3 python3-jsonschema procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
