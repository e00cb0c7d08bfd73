#!/usr/bin/env bash
# The whole test suite on a fresh machine of this kind (Debian, Node 20, root or sudo):
#   1. installs the system packages the suite needs when they are missing (apt-get),
#   2. installs the npm packages (npm ci) when node_modules is missing or stale,
#   3. runs `npm test` (lint, typecheck, build, unit, integration and UI tests).
# The last line printed is "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: PKCS#11 (softhsm2, opensc), keychain (gnome-keyring, dbus, libsecret for keytar's
# build), UI tests (chromium), third-party verdicts and test PDFs (poppler-utils, qpdf, ghostscript,
# python3-reportlab for AcroForm fields),
# PKI (openssl), NSS tools for poppler's signer (libnss3-tools), xvfb for the Electron smoke test,
# and the native addon toolchain (python3, make, g++).
packages=(softhsm2 opensc gnome-keyring dbus dbus-x11 libsecret-1-dev libsecret-tools chromium
  poppler-utils qpdf ghostscript python3-reportlab openssl libnss3-tools xvfb xauth python3 make g++)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "▶ installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# No Electron runtime or browser can be downloaded on these machines (see README).
export ELECTRON_SKIP_BINARY_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "▶ npm ci"
  npm ci --no-audit --no-fund
fi

npm test
