#!/bin/sh
# scripts/install-azurite.sh -- install Azurite (the Azure Storage emulator)
#
# Installs the npm package "azurite" into the project-local folder
# .cache/azurite (git-ignored), so tests/unit/test_azurite.c and
# bench/copy.c can start `azurite-blob` on 127.0.0.1 without touching the
# global node installation.  Skips quietly when npm is missing (the tests
# then print "skipped: ...").  ADF_AZURITE_VERSION pins another version.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.cache/azurite"
version="${ADF_AZURITE_VERSION:-3.37.0}"

if ! command -v npm >/dev/null 2>&1; then
  echo "adfrun: npm not found; Azurite tests will be skipped" >&2
  exit 0
fi
if [ -x "$dest/node_modules/.bin/azurite-blob" ]; then
  exit 0
fi
mkdir -p "$dest"
echo "adfrun: installing azurite@$version into $dest" >&2
if ! npm install --prefix "$dest" --no-audit --no-fund --loglevel=error \
  "azurite@$version" >/dev/null || ! test -x "$dest/node_modules/.bin/azurite-blob"; then
  echo "adfrun: could not install azurite@$version from the npm registry" >&2
  # In CI a missing emulator must fail the run, not skip tests quietly.
  [ "${CI:-}" = true ] && exit 1
  echo "adfrun: Azurite tests will be skipped" >&2
fi
