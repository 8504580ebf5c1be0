#!/bin/sh
# Installs what igmcp needs to build and test, and does nothing when all of
# it is present.  Debian packages come from apt-get; the JavaScript test tools
# go into node_modules folders, which git ignores: the official MCP
# TypeScript SDK and the Inspector CLI into tests/e2e, the official MCP
# conformance suite and the Node 22 it needs (Debian's is 20) into
# tests/conformance.
#
# Usage: scripts/deps.sh [--no-npm | --bench]
# --bench adds what `make bench` needs: wrk and gnuplot from Debian and the
# reference MCP server (@modelcontextprotocol/server-everything, pinned in
# bench/package.json) in bench/node_modules.
set -eu

PKGS="build-essential cmake ninja-build pkg-config libjansson-dev \
libcurl4-openssl-dev libmicrohttpd-dev libsqlite3-dev libssl-dev \
libcmocka-dev json-schema-test-suite sqlite3 clang libclang-rt-14-dev \
nodejs npm"
if [ "${1:-}" = "--bench" ]; then PKGS="$PKGS wrk gnuplot-nox"; fi

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
# npm ci again only when package.json or the lock changed since the stamp.
dirs="$root/tests/e2e $root/tests/conformance"
if [ "${1:-}" = "--bench" ]; then dirs="$dirs $root/bench"; fi
for dir in $dirs; do
  stamp="$dir/node_modules/.igmcp-deps"
  if [ -f "$dir/package.json" ] && \
     { [ ! -f "$stamp" ] || [ "$dir/package.json" -nt "$stamp" ] ||
       [ "$dir/package-lock.json" -nt "$stamp" ]; }; then
    echo "deps: installing JavaScript test tools into" \
         "${dir#"$root"/}/node_modules" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    touch "$stamp"
  fi
done
