#!/usr/bin/env bash
# Installs what onnxfleet needs on Debian/Ubuntu, then the npm dependencies and the native build.
# Safe to re-run. Needs root or sudo for the system packages.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=(g++ make python3 libdnnl-dev nats-server pkg-config libjpeg-dev libpng-dev libtiff-dev libwebp-dev libopenjp2-7-dev libstb-dev)
missing=()
for p in "${need_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs npm); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: onnxfleet needs Node.js 20 or newer (found $(node --version)); install it from nodejs.org or NodeSource" >&2
  exit 1
fi

# npm ci runs the package's install script (native build, no downloads) and prepare (TypeScript build).
npm ci --no-audit --no-fund
