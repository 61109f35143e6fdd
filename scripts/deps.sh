#!/usr/bin/env bash
# Installs the Debian 12 packages ddcd needs to build, run and test; the one place that lists them
# (chromium and a CJK font: the browser tests of the citizen's pages, in English and Chinese).
# Runs apt-get directly as root, through sudo otherwise; does nothing when all are present.
set -euo pipefail

PACKAGES=(
  build-essential pkg-config make git ca-certificates curl clang libclang-rt-14-dev
  libmicrohttpd-dev libpq-dev libjansson-dev libsodium-dev libcurl4-openssl-dev libqrencode-dev
  libsecp256k1-dev
  postgresql-15 postgresql-client-15
  wrk
  chromium fonts-wqy-microhei
)
# node and npm: any installed build will do (Debian's nodejs/npm otherwise).
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
