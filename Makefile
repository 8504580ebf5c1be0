# SPDX-License-Identifier: MIT
# A thin wrapper over CMake.  `make` builds build/igmcp; `make run` serves
# the sandbox over HTTP on 127.0.0.1:8765 (PORT=N for another port) and
# `make run-stdio` over stdio; `make test` builds a normal and a sanitizer
# (ASan + UBSan) tree and runs every test in both, ctest's summary last.

BUILD      ?= build
ASAN_BUILD ?= build-asan
CMAKE_GEN  := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run run-stdio test test-fast asan fuzz valgrind docs snapshots bench clean

all: build

deps:
	@sh scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

asan: deps
	@cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DIGMCP_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# PORT comes from the command line or the environment; run.sh has the
# default.
run: build
	@PORT="$(PORT)" sh scripts/run.sh $(BUILD)/igmcp http

run-stdio: build
	@sh scripts/run.sh $(BUILD)/igmcp stdio

# Every test on the normal build, then every test again under ASan+UBSan,
# then a short pass of every libFuzzer target (scripts/fuzz.sh --short).
test: build asan
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)
	@sh scripts/fuzz.sh --short

# The e2e suite with every igmcp process under valgrind memcheck
# (build-valgrind/; slow: tens of minutes).  VG_TESTS=regex narrows it.
valgrind: deps
	@sh scripts/valgrind.sh

# Each libFuzzer target for FUZZ_TIME seconds (clang; build-fuzz/).
FUZZ_TIME ?= 60
fuzz: deps
	@sh scripts/fuzz.sh $(FUZZ_TIME)

# Every benchmark (issue 10) on a RelWithDebInfo build in build-bench/,
# against @modelcontextprotocol/server-everything: bench/RESULTS.md and
# bench/ratios.png (~20 minutes; BENCH_QUICK=1 for a fast pass).
bench:
	@sh scripts/bench/run.sh

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

docs: build
	@$(BUILD)/igmcp tools --markdown > docs/tools.md

# Rewrites tests/snapshots after a deliberate change of a tool's interface.
snapshots: build
	@node scripts/toolsnaps.mjs --update $(BUILD)/igmcp tests/snapshots

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz build-valgrind build-bench
