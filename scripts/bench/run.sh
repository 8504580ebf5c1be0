#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench: a RelWithDebInfo build in build-bench/, the benchmark tools
# (scripts/deps.sh --bench), every benchmark (bench.mjs), then
# bench/RESULTS.md and bench/ratios.png.  BENCH_QUICK=1 for a fast pass;
# BENCH_ONLY=protocol,http,wrk,graph,webhook,sync,scaling for some.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
sh scripts/deps.sh --bench
gen=""
if command -v ninja >/dev/null 2>&1; then gen="-G Ninja"; fi
# shellcheck disable=SC2086
cmake -S . -B build-bench $gen -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-bench -j "$(nproc 2>/dev/null || echo 2)" --target igmcp
node scripts/bench/bench.mjs build-bench/igmcp bench/results.json
node scripts/bench/report.mjs bench/results.json bench/RESULTS.md bench/ratios.dat
gnuplot -e "dat='bench/ratios.dat'; out='bench/ratios.png'" scripts/bench/chart.gp
echo "bench: wrote bench/RESULTS.md and bench/ratios.png" >&2
