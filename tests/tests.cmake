# SPDX-License-Identifier: MIT
# Unit tests: one cmocka binary per tests/unit/test_*.c.  End-to-end tests:
# the built binary driven by the official MCP TypeScript SDK and the
# Inspector CLI (installed by scripts/deps.sh into tests/e2e/node_modules).
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)

file(GLOB UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE igmcp_core PkgConfig::CMOCKA)
  add_test(NAME unit_${name} COMMAND ${name})
  set_tests_properties(unit_${name} PROPERTIES TIMEOUT 120)
endforeach()

# A helper for end-to-end tests that need a store with data before igmcp
# starts (IGMCP_STORE_FILL in their environment).
add_executable(store_fill ${CMAKE_SOURCE_DIR}/tests/helpers/store_fill.c)
target_link_libraries(store_fill PRIVATE igmcp_core)

find_program(NODE node REQUIRED)
# make valgrind: the e2e tests run igmcp through a generated wrapper that
# starts it under valgrind memcheck, one log per process in vg-logs/ (the
# paths are baked in: the tests pass only some variables to children).
option(IGMCP_VALGRIND "Run igmcp under valgrind in the e2e tests" OFF)
if(IGMCP_VALGRIND)
  file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/igmcp-vg
    CONTENT "#!/bin/sh\nexec valgrind --quiet --leak-check=full \
--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
--track-origins=yes --error-exitcode=99 \
--log-file=${CMAKE_BINARY_DIR}/vg-logs/vg.%p.log $<TARGET_FILE:igmcp> \"$@\"\n"
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                     GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  set(E2E_BIN "IGMCP_BIN=${CMAKE_BINARY_DIR}/igmcp-vg")
else()
  set(E2E_BIN "IGMCP_BIN=$<TARGET_FILE:igmcp>")
endif()
file(GLOB E2E_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/e2e/*.test.mjs)
foreach(src ${E2E_TESTS})
  get_filename_component(name ${src} NAME_WE)
  string(REPLACE ".test" "" name ${name})
  add_test(NAME e2e_${name} COMMAND ${NODE} ${src})
  set_tests_properties(e2e_${name} PROPERTIES TIMEOUT 300
    ENVIRONMENT "XDG_STATE_HOME=${CMAKE_BINARY_DIR}/state;${E2E_BIN};IGMCP_SOURCE_DIR=${CMAKE_SOURCE_DIR};IGMCP_STORE_FILL=$<TARGET_FILE:store_fill>")
endforeach()

file(GLOB SH_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/cli/*.sh)
foreach(src ${SH_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME cli_${name} COMMAND sh ${src})
  set_tests_properties(cli_${name} PROPERTIES TIMEOUT 120
    ENVIRONMENT "XDG_STATE_HOME=${CMAKE_BINARY_DIR}/state;IGMCP_BIN=$<TARGET_FILE:igmcp>;IGMCP_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endforeach()

# The official MCP conformance suite against serve --http, three runs each
# with its baseline of expected failures (tests/conformance/run.sh; its
# Node 22 and packages are in tests/conformance/node_modules).  About 5 s on
# the normal build; the timeout leaves room for ASan on a loaded machine.
add_test(NAME conformance
  COMMAND sh ${CMAKE_SOURCE_DIR}/tests/conformance/run.sh)
set_tests_properties(conformance PROPERTIES TIMEOUT 300
  ENVIRONMENT "XDG_STATE_HOME=${CMAKE_BINARY_DIR}/state;IGMCP_BIN=$<TARGET_FILE:igmcp>;IGMCP_SOURCE_DIR=${CMAKE_SOURCE_DIR};IGMCP_CONFORMANCE_DIR=${CMAKE_BINARY_DIR}/conformance")
