#!/bin/sh
# scripts/install-deps.sh -- install the Debian packages adfrun needs
#
# Installs only what is missing, with sudo when not root.  Used by
# `make test`, `make demo` and CI, so a fresh Debian machine needs nothing
# else.  Set ADF_NO_INSTALL=1 to only report what is missing.
set -eu

PKGS="build-essential cmake ninja-build pkg-config libcjson-dev libcurl4-openssl-dev
libpcre2-dev libyaml-dev libxml2-dev libssl-dev zlib1g-dev tzdata clang libclang-rt-dev
valgrind curl openssl tmux clang-format"

root=$(cd "$(dirname "$0")/.." && pwd)
# Node.js runs Azurite (the Azure Storage emulator) for the Blob tests.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -z "$missing" ]; then
  "$root/scripts/install-azurite.sh"
  exit 0
fi

echo "adfrun: installing missing packages:$missing" >&2
if [ "${ADF_NO_INSTALL:-0}" = 1 ]; then
  echo "adfrun: ADF_NO_INSTALL=1, not installing" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
"$root/scripts/install-azurite.sh"
