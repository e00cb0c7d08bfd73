#!/usr/bin/env bash
# Set-up to run the app on a Debian machine: the system packages the native addons build against
# (keytar needs libsecret-1-dev; node-gyp needs python3, make, g++), then npm ci (which builds dist/).
set -euo pipefail
cd "$(dirname "$0")/../.."
packages=(libsecret-1-dev python3 make g++)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
export ELECTRON_SKIP_BINARY_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund
