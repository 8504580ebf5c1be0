# SPDX-License-Identifier: MIT
# libFuzzer targets, only with -DIGMCP_FUZZ=ON and clang (the default build
# never sees this file).  Each target compiles the parser it fuzzes and the
# few base files it needs itself, instrumented, instead of linking
# igmcp_core, so only the fuzz targets need building:
#   CC=clang cmake -S . -B build-fuzz -G Ninja -DIGMCP_FUZZ=ON \
#     -DCMAKE_BUILD_TYPE=RelWithDebInfo
#   cmake --build build-fuzz --target fuzz_webhook
#   build-fuzz/fuzz_webhook -max_total_time=60 tests/fuzz/corpus/webhook
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "IGMCP_FUZZ needs clang (libFuzzer): configure with CC=clang")
endif()

set(FUZZ_FLAGS -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
               -fno-sanitize-recover=all)

add_executable(fuzz_webhook EXCLUDE_FROM_ALL
  ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_webhook.c
  ${CMAKE_SOURCE_DIR}/src/webhook/webhook.c
  ${CMAKE_SOURCE_DIR}/src/webhook/webhook_parse.c
  ${CMAKE_SOURCE_DIR}/src/base/crypto.c
  ${CMAKE_SOURCE_DIR}/src/base/err.c)
target_include_directories(fuzz_webhook PRIVATE ${CMAKE_SOURCE_DIR}/src)
# clang, unlike gcc, flags err_vset's vsnprintf under -Wformat=2; the
# format is checked at err_set's callers (its printf attribute).
target_compile_options(fuzz_webhook PRIVATE ${FUZZ_FLAGS} -Wno-format-nonliteral)
target_link_options(fuzz_webhook PRIVATE ${FUZZ_FLAGS})
target_link_libraries(fuzz_webhook PRIVATE PkgConfig::DEPS)
