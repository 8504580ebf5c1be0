#!/bin/sh
# Installs what igmcp needs to build and test, and does nothing when all of
# it is present.  Debian packages come from apt-get; the JavaScript test tools
# (the official MCP TypeScript SDK and the Inspector CLI) go into
# tests/e2e/node_modules, which git ignores.
#
# Usage: scripts/deps.sh [--no-npm]
set -eu

PKGS="build-essential cmake ninja-build pkg-config libjansson-dev \
libcurl4-openssl-dev libmicrohttpd-dev libsqlite3-dev libssl-dev \
libcmocka-dev json-schema-test-suite nodejs npm"

missing=""
for p in $PKGS; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$st" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
  esac
done

if [ -n "$missing" ]; then
  # nodejs/npm may come from outside Debian on some machines; skip them
  # when the commands already work.
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    missing=$(echo "$missing" | tr ' ' '\n' | grep -vx -e nodejs -e npm \
      | tr '\n' ' ' | sed 's/^ *//; s/ *$//')
  fi
fi

if [ -n "$missing" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "deps: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
fi

if [ "${1:-}" = "--no-npm" ]; then exit 0; fi

root=$(cd "$(dirname "$0")/.." && pwd)
e2e="$root/tests/e2e"
stamp="$e2e/node_modules/.igmcp-deps"
if [ -f "$e2e/package.json" ] && \
   { [ ! -f "$stamp" ] || [ "$e2e/package.json" -nt "$stamp" ] ||
     [ "$e2e/package-lock.json" -nt "$stamp" ]; }; then
  echo "deps: installing JavaScript test tools into tests/e2e/node_modules" >&2
  (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$stamp"
fi
