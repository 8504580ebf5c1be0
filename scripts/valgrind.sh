#!/bin/sh
# make valgrind: the end-to-end suite with every igmcp process under
# valgrind memcheck (a Debug build without sanitizers in build-valgrind).
# Tests that measure time may fail under valgrind's slowdown; what this
# target judges is valgrind's own report: any invalid access, use of
# uninitialised memory or definite/indirect leak in any process fails it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build-valgrind"
logs="$out/vg-logs"
command -v valgrind >/dev/null 2>&1 || { echo "valgrind: not installed" >&2; exit 1; }
gen=""
if command -v ninja >/dev/null 2>&1; then gen="-G Ninja"; fi
# shellcheck disable=SC2086
cmake -S "$root" -B "$out" $gen -DCMAKE_BUILD_TYPE=Debug -DIGMCP_VALGRIND=ON >/dev/null
cmake --build "$out" -j "$(nproc 2>/dev/null || echo 2)"
rm -rf "$logs"
mkdir -p "$logs"
(cd "$out" && ctest -R "${VG_TESTS:-^e2e_}" -j 2 --timeout 1200 \
  >"$out/ctest.log" 2>&1) || true
grep -E "tests passed|Failed|Timeout" "$out/ctest.log" | tail -n 30 >&2 || true
n=$(ls "$logs" | wc -l)
bad=$(grep -l -E "Invalid (read|write|free)|uninitialised|definitely lost|indirectly lost|Mismatched free|overlap" "$logs"/* 2>/dev/null || true)
echo "valgrind: $n igmcp processes checked" >&2
if [ -n "$bad" ]; then
  for f in $bad; do echo "== $f" >&2; head -n 60 "$f" >&2; done
  echo "valgrind: errors in $(echo "$bad" | wc -w) process(es)" >&2
  exit 1
fi
echo "valgrind: no invalid accesses, uninitialised reads or leaks" >&2
