# SPDX-License-Identifier: MIT
# libFuzzer targets, only with -DIGMCP_FUZZ=ON and clang (the default build
# never sees this file).  igmcp_fuzzcore is every core source compiled with
# the fuzzer's coverage instrumentation and ASan + UBSan; each target links
# it.  scripts/fuzz.sh configures, builds and runs them all:
#   sh scripts/fuzz.sh 60          # each target for 60 s (make fuzz)
#   sh scripts/fuzz.sh --short     # the pass make test runs
# By hand:
#   CC=clang cmake -S . -B build-fuzz -G Ninja -DIGMCP_FUZZ=ON \
#     -DIGMCP_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
#   cmake --build build-fuzz --target fuzz_webhook
#   build-fuzz/fuzz_webhook -max_total_time=60 tests/fuzz/corpus/webhook
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "IGMCP_FUZZ needs clang (libFuzzer): configure with CC=clang")
endif()

set(FUZZ_SAN -fsanitize=address,undefined -fno-omit-frame-pointer
             -fno-sanitize-recover=all)

add_library(igmcp_fuzzcore STATIC EXCLUDE_FROM_ALL ${CORE_SOURCES})
target_include_directories(igmcp_fuzzcore PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_compile_definitions(igmcp_fuzzcore PUBLIC
  IGMCP_VERSION="${PROJECT_VERSION}")
# clang, unlike gcc, flags err_vset's vsnprintf under -Wformat=2; the
# format is checked at err_set's callers (its printf attribute).
target_compile_options(igmcp_fuzzcore PUBLIC ${FUZZ_SAN}
  -fsanitize=fuzzer-no-link -Wno-format-nonliteral)
target_link_libraries(igmcp_fuzzcore PUBLIC PkgConfig::DEPS Threads::Threads m)

set(FUZZ_TARGETS fuzz_webhook fuzz_mcp fuzz_schema fuzz_graph fuzz_http)
foreach(t ${FUZZ_TARGETS})
  add_executable(${t} EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/tests/fuzz/${t}.c)
  target_link_libraries(${t} PRIVATE igmcp_fuzzcore)
  target_link_options(${t} PRIVATE ${FUZZ_SAN} -fsanitize=fuzzer)
endforeach()
add_custom_target(fuzz_all DEPENDS ${FUZZ_TARGETS})
