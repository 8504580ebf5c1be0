#!/bin/sh
# Builds the libFuzzer targets (tests/fuzz/fuzz.cmake) with clang in
# build-fuzz and runs each one on a scratch copy of its corpus, so the
# corpora in the repository only change by hand.  A crash, leak, timeout
# or failed property stops with a non-zero exit and leaves the input in
# build-fuzz/artifacts/; add it to tests/fuzz/corpus/<target>/ as a
# regression input once fixed (every run replays the corpus first).
#
# Usage: scripts/fuzz.sh SECONDS   each target for SECONDS (make fuzz)
#        scripts/fuzz.sh --short   the pass make test runs: the corpus and
#                                  a fixed number of new inputs, seed 1
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out="${FUZZ_BUILD:-$root/build-fuzz}"
targets="fuzz_webhook fuzz_schema fuzz_graph fuzz_mcp fuzz_http"

if ! command -v clang >/dev/null 2>&1; then
  echo "fuzz: clang is missing (scripts/deps.sh installs it)" >&2
  exit 1
fi
gen=""
if command -v ninja >/dev/null 2>&1; then gen="-G Ninja"; fi
# shellcheck disable=SC2086
CC=clang cmake -S "$root" -B "$out" $gen -DIGMCP_FUZZ=ON -DIGMCP_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out" --target fuzz_all -j "$(nproc 2>/dev/null || echo 2)"

mkdir -p "$out/artifacts"
for t in $targets; do
  corpus="$root/tests/fuzz/corpus/${t#fuzz_}"
  work="$out/corpus/${t#fuzz_}"
  rm -rf "$work"
  mkdir -p "$work"
  cp "$corpus"/* "$work"/
  case "${1:-60}" in
    --short)
      # New inputs per target: enough to leave the corpus, bounded so the
      # pass takes seconds (the server targets run a few hundred a second).
      case "$t" in
        fuzz_mcp) runs=2000 ;;
        fuzz_http) runs=1000 ;;
        *) runs=100000 ;;
      esac
      limit="-runs=$runs -seed=1" ;;
    *) limit="-max_total_time=$1" ;;
  esac
  echo "fuzz: $t ($limit)" >&2
  # shellcheck disable=SC2086
  if ! ASAN_OPTIONS=detect_leaks=1 "$out/$t" $limit -timeout=30 \
       -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix="$out/artifacts/$t-" "$work" >"$out/$t.log" 2>&1; then
    tail -n 40 "$out/$t.log" >&2
    echo "fuzz: $t FAILED; the input is in $out/artifacts/" >&2
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^Done" "$out/$t.log" | tail -n 1 >&2
done
echo "fuzz: all targets passed" >&2
